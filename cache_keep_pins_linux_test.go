//go:build linux

package main

// Hidden and read-only paths inside a --cache directory. In a kept layer
// they are refused: an earlier run can have removed a directory above one
// and made it again, and a directory that is the layer's own (nothing of
// the real one beneath) can be renamed, carrying the mask or island away
// and leaving its path free. A throwaway layer starts from the real
// directory every run, so the directories above are the real one's: the
// kernel refuses to rename them (EXDEV), and the masks and islands, mount
// points, cannot be removed (EBUSY).

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cachePinTree makes root/w/cache with a secret at a/b/secret and a
// read-only candidate at r/s/ro, a keep directory root/keep, and a
// symlink root/l to the cache directory, all u's.
func cachePinTree(t *testing.T, u runAs) (root, w, cache string) {
	t.Helper()
	root = u.dir(t)
	w = filepath.Join(root, "w")
	cache = filepath.Join(w, "cache")
	for _, d := range []string{cache + "/a/b", cache + "/r/s", root + "/keep"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(cache+"/a/b/secret", []byte(keepSecret), 0o600)
	os.WriteFile(cache+"/r/s/ro", []byte("ro\n"), 0o644)
	os.WriteFile(cache+"/a/o", []byte("o\n"), 0o644)
	if err := os.Symlink(cache, root+"/l"); err != nil {
		t.Fatal(err)
	}
	u.own(t, root)
	return root, w, cache
}

func TestCacheKeptRefusesPinsInside(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		root, w, cache := cachePinTree(t, u)
		kept := cache + "=" + root + "/keep"
		// The earlier run: a/b made again, the layer's own.
		if r := runSandbox(t, u, "-w", w, "--cache", kept, "--", "sh", "-c", `rm -rf "$0/a" && mkdir -p "$0/a/b" && echo made`, cache); r.code != 0 || r.stdout != "made\n" {
			t.Fatalf("the earlier run: %v", r)
		}
		before := treeState(t, root)
		steal := `echo ran > "$0/marker"; mv "$1/a" "$1/z" 2>/dev/null; cat "$1/a/b/secret" "$1/z/b/secret" 2>/dev/null; echo x > "$1/r/s/ro" 2>/dev/null; exit 0`
		for _, c := range []struct {
			name string
			args []string
			code int
		}{
			{"--hide", []string{"--hide", cache + "/a/b/secret"}, exitUsage},
			{"--read-only", []string{"-r", cache + "/r/s/ro"}, exitUsage},
			{"--hide through a symlink", []string{"--hide", root + "/l/a/b/secret"}, 125},
		} {
			args := append([]string{"-w", w, "--cache", kept}, c.args...)
			r := runCommand(t, u.sandboxCommand(t, append(args, "--", "sh", "-c", steal, w, cache)...))
			if r.code != c.code || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "kept") {
				t.Errorf("%s inside a kept cache directory: want exit %d and one line: %v", c.name, c.code, r)
			}
			if c.code == exitUsage && !(strings.Contains(r.stderr, "--hide") && strings.Contains(r.stderr, "--read-only")) {
				t.Errorf("%s: the message should name both flags: %q", c.name, r.stderr)
			}
			if strings.Contains(r.stdout, "REAL-SECRET") || lexists(w+"/marker") {
				t.Errorf("%s: the command ran: %v", c.name, r)
			}
		}
		if d := treeDiff(before, treeState(t, root)); d != "" {
			t.Errorf("the tree changed:\n%s", d)
		}
		// The control: with a throwaway layer the same flags run, and
		// hold.
		r := runSandbox(t, u, "-w", w, "--cache", cache, "--hide", cache+"/a/b/secret", "-r", cache+"/r/s/ro", "--", "sh", "-c", steal, w, cache)
		if r.code != 0 || !lexists(w+"/marker") || strings.Contains(r.stdout, "REAL-SECRET") {
			t.Errorf("control, throwaway layer: %v", r)
		}
		os.Remove(w + "/marker")
		if d := treeDiff(before, treeState(t, root)); d != "" {
			t.Errorf("the tree changed in the throwaway run:\n%s", d)
		}
	})
}

// TestCacheThrowawayPinsHold checks the claim the kept-layer refusal
// rests on: in a throwaway layer, within one run, the directories above a
// hidden or read-only path cannot be renamed (EXDEV: they are the real
// directory's, and overlayfs makes no redirects here) nor removed with
// what is beneath (EBUSY at the mask or island).
func TestCacheThrowawayPinsHold(t *testing.T) {
	py := needPython(t)
	script := `import errno, os, shutil, sys
os.chdir(sys.argv[1])
for a, b in (("a/b", "a/c"), ("r/s", "r/t"), ("a", "z"), ("r", "q")):
    if sys.argv[2:] == ["remove-only"]:
        break
    try:
        os.rename(a, b)
        print(a, "renamed")
    except OSError as e:
        print(a, errno.errorcode[e.errno])
for p in ("a/b/secret", "r/s/ro"):
    try:
        os.unlink(p)
        print(p, "removed")
    except OSError as e:
        print(p, errno.errorcode[e.errno])
    try:
        shutil.rmtree(os.path.dirname(p))
        print(os.path.dirname(p), "removed")
    except OSError as e:
        print(os.path.dirname(p), errno.errorcode[e.errno])
`
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		// The control: unconfined, all of it works (the removals on a
		// tree of their own: the renames move their paths).
		_, _, cache := cachePinTree(t, u)
		if r := runPlain(t, u, py, "-c", script, cache); r.code != 0 || strings.Count(r.stdout, "renamed") != 4 {
			t.Fatalf("control, renames: %v", r)
		}
		_, _, cache = cachePinTree(t, u)
		if r := runPlain(t, u, py, "-c", script, cache, "remove-only"); r.code != 0 || strings.Count(r.stdout, "removed") != 4 {
			t.Fatalf("control, removals: %v", r)
		}

		root, w, cache := cachePinTree(t, u)
		before := treeState(t, root)
		r := runSandbox(t, u, "-w", w, "--cache", cache, "--hide", cache+"/a/b/secret", "-r", cache+"/r/s/ro", "--", "sh", "-c",
			`"$0" -c "$1" "$2"; cat "$2/a/b/secret" "$2/z/b/secret" 2>/dev/null; echo x > "$2/r/s/ro" 2>/dev/null && echo wrote; exit 0`, py, script, cache)
		want := "a/b EXDEV\nr/s EXDEV\na EXDEV\nr EXDEV\na/b/secret EBUSY\na/b EBUSY\nr/s/ro EBUSY\nr/s EBUSY\n"
		if r.code != 0 || r.stdout != want {
			t.Errorf("throwaway layer: want\n%s%v", want, r)
		}
		if d := treeDiff(before, treeState(t, root)); d != "" {
			t.Errorf("the tree changed:\n%s", d)
		}
	})
}
