//go:build linux

package main

// Cache layers that overlap each other, a keep directory or a hidden path
// are refused before anything is made on the host: as typed (usage error,
// 2), and again once symlinks are resolved (125). Nothing runs, and the
// real tree is unchanged (no placeholder made in the outer cache).

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCacheOverlapsRefused(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		root := u.dir(t)
		for _, d := range []string{"c/sub", "h/sub", "k1", "k2"} {
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(filepath.Join(root, "h/sub/secret"), []byte(keepSecret), 0o600)
		for link, target := range map[string]string{"lc": "c", "lh": "h"} {
			if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
				t.Fatal(err)
			}
		}
		u.own(t, root)
		in := func(p string) string { return filepath.Join(root, p) }
		script := `echo x > "$0/new" && echo wrote; cat "$0/secret" 2>/dev/null; exit 0`
		for _, c := range []struct {
			name string
			code int
			args []string
		}{
			{"nested caches, the inner missing", exitUsage, []string{"--cache", in("c"), "--cache", in("c/missing")}},
			{"nested caches through a symlink", exitSetup, []string{"--cache", in("c"), "--cache", in("lc/missing")}},
			{"a cache beneath a hidden directory", exitUsage, []string{"--hide", in("h"), "--cache", in("h/sub")}},
			{"a cache at a hidden directory", exitUsage, []string{"--hide", in("h/sub"), "--cache", in("h/sub")}},
			{"a cache beneath a hidden directory, through a symlink", exitSetup, []string{"--hide", in("h"), "--cache", in("lh/sub")}},
			{"a keep directory in another cache, through a symlink", exitSetup, []string{"--cache", in("c"), "--cache", in("h/sub") + "=" + in("lc/sub")}},
			{"one keep directory for two caches, through a symlink", exitSetup, []string{"--cache", in("c/sub") + "=" + in("k1"), "--cache", in("h/sub") + "=" + in("lk1")}},
		} {
			t.Run(c.name, func(t *testing.T) {
				if c.name == "one keep directory for two caches, through a symlink" {
					os.Symlink("k1", in("lk1"))
					os.Lchown(in("lk1"), u.uid, u.gid)
					defer os.Remove(in("lk1"))
				}
				before := treeState(t, root)
				r := runCommand(t, u.sandboxCommand(t, append(c.args, "--", "sh", "-c", script, in("c"))...))
				if r.code != c.code || r.stdout != "" || !isOneLine(r.stderr, "sandbox: --cache ") {
					t.Errorf("want exit %d and one line naming --cache: %v", c.code, r)
				}
				if d := treeDiff(before, treeState(t, root)); d != "" {
					t.Errorf("the tree changed:\n%s", d)
				}
			})
		}
		// The control: each cache alone runs and writes in its layer.
		before := treeState(t, root)
		r := runSandbox(t, u, "--cache", in("c"), "--", "sh", "-c", script, in("c"))
		if r.code != 0 || r.stdout != "wrote\n" {
			t.Errorf("control: %v", r)
		}
		if d := treeDiff(before, treeState(t, root)); d != "" {
			t.Errorf("control: the tree changed:\n%s", d)
		}
	})
}
