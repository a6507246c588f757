//go:build linux

package main

// A hidden path inside a writable root must stay where it is: renaming a
// directory above it would carry the real file out from under its mask
// (the mount stays on the old dentry's path only while it is there), and
// the next run, finding nothing at the hidden path, would skip it. The
// directories between a writable root and a hidden path, or a cache
// placeholder, are pinned like those above an island: rename fails.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHiddenPathPinned(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		mk := func(t *testing.T) (home, secret string, before map[string]string) {
			root := u.dir(t)
			home = filepath.Join(root, "home")
			secret = filepath.Join(home, ".aws/credentials")
			for _, d := range []string{"a/b/.ssh", ".aws"} {
				if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(secret, []byte(keepSecret), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(home, "a/b/.ssh/id"), []byte("key\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			u.own(t, root)
			return home, secret, treeState(t, root)
		}
		// The control: without --hide, the same rename works.
		home, _, _ := mk(t)
		if r := runSandbox(t, u, "-w", home, "--", "sh", "-c", `mv "$0/.aws" "$0/.x" && mv "$0/a" "$0/y" && echo moved`, home); r.code != 0 || r.stdout != "moved\n" {
			t.Fatalf("control: renames without --hide: %v", r)
		}

		home, secret, before := mk(t)
		root := filepath.Dir(home)
		r := runSandbox(t, u, "-w", home, "--hide", secret, "--hide", home+"/a/b/.ssh", "--", "sh", "-c",
			`mv "$0/.aws" "$0/.x" 2>/dev/null && echo moved-aws; mv "$0/a" "$0/y" 2>/dev/null && echo moved-a; mv "$0/a/b" "$0/z" 2>/dev/null && echo moved-b; exit 0`, home)
		if r.code != 0 || r.stdout != "" {
			t.Errorf("renaming a directory above a hidden path: %v", r)
		}
		// Every file is where it was, unchanged. (mv falls back to a copy
		// across a pin, EXDEV, and copies what it sees: the masks.)
		after := treeState(t, root)
		for p, st := range before {
			if p != "home" && after[p] != st {
				t.Errorf("%s changed: %s => %s", p, st, after[p])
			}
		}
		for p, st := range after {
			if strings.Contains(st, "SECRET") || strings.Contains(st, "key") {
				if before[p] != st {
					t.Errorf("a hidden file's contents were copied to %s", p)
				}
			}
		}
		// And the next run still hides them.
		r = runSandbox(t, u, "-w", home, "--hide", secret, "--hide", home+"/a/b/.ssh", "--", "sh", "-c", `cat "$0/.x/credentials" "$0/.aws/credentials" "$0/y/b/.ssh/id" "$0/a/b/.ssh/id" 2>/dev/null; exit 0`, home)
		if strings.Contains(r.stdout, "SECRET") || strings.Contains(r.stdout, "key") {
			t.Errorf("a hidden file was read: %v", r)
		}
		if b, err := os.ReadFile(secret); err != nil || string(b) != keepSecret {
			t.Errorf("the hidden file moved or changed: %q %v", b, err)
		}
	})
}

func TestCachePlaceholderPinned(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		mk := func() (root, w string) {
			root = u.dir(t)
			w = filepath.Join(root, "w")
			if err := os.MkdirAll(filepath.Join(w, "a"), 0o755); err != nil {
				t.Fatal(err)
			}
			u.own(t, root)
			return root, w
		}
		root, w := mk()
		before := treeState(t, root)
		r := runSandbox(t, u, "-w", w, "--cache", w+"/a/missing", "--", "sh", "-c", `mv "$0/a" "$0/b" 2>/dev/null && echo moved; exit 0`, w)
		if r.code != 0 || r.stdout != "" {
			t.Errorf("renaming the parent of a cache placeholder: %v", r)
		}
		if d := treeDiff(before, treeState(t, root)); d != "" {
			t.Errorf("the tree changed (a placeholder left behind?):\n%s", d)
		}
		_, w = mk()
		// The control: without the cache, the rename works.
		if r := runSandbox(t, u, "-w", w, "--", "sh", "-c", `mv "$0/a" "$0/b" && echo moved`, w); r.code != 0 || r.stdout != "moved\n" {
			t.Errorf("control: %v", r)
		}
	})
}
