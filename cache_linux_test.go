//go:build linux

package main

// --cache end to end (issue 13, item 3): the built binary, as root and as
// uid 65534. A cache directory is writable inside through a layer, its
// real contents never change, and the layer is gone afterwards (or kept in
// the directory named); the same script run without the sandbox changes
// the real directory, so the layer is what kept it unchanged.

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// cacheTree is a home with a cache, a workspace and a keep directory, all
// u's.
type cacheTree struct{ root, home, cache, ws, keep string }

func newCacheTree(t *testing.T, u runAs) cacheTree {
	t.Helper()
	root := u.dir(t)
	tr := cacheTree{root: root, home: filepath.Join(root, "home"), cache: filepath.Join(root, "home/.cache"),
		ws: filepath.Join(root, "ws"), keep: filepath.Join(root, "keep")}
	for _, d := range []string{"home/.cache/sub", "ws", "keep"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range map[string]string{"home/.cache/a": "orig\n", "home/.cache/sub/s": "s\n", "home/notes": "notes\n"} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	u.own(t, root)
	return tr
}

// cacheScript writes through the cache $1 every way a tool does (create,
// append, remove, mkdir, symlink, rename), prints what it reads back, and
// tries to write next to it in $2 (the home, outside the layer).
const cacheScript = `c=$1
echo new > "$c/b" && echo mod >> "$c/a" && rm "$c/sub/s" && mkdir "$c/d" && ln -s a "$c/l" && mv "$c/b" "$c/d/b" || exit 3
cat "$c/a" "$c/d/b"; ls "$c" | tr '\n' ' '; echo
echo x > "$2/leak" 2>/dev/null && echo "wrote beside the cache"
exit 0`

func TestCacheLayer(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		want := "orig\nmod\nnew\na d l sub \n"

		ctl := newCacheTree(t, u)
		before := treeState(t, ctl.home)
		if r := runPlain(t, u, "sh", "-c", cacheScript, "sh", ctl.cache, ctl.home); r.code != 0 || !strings.HasPrefix(r.stdout, want) {
			t.Fatalf("control: the script without the sandbox: %v", r)
		}
		if treeDiff(before, treeState(t, ctl.home)) == "" {
			t.Fatal("control: the script did not change the real cache")
		}

		t.Run("throwaway", func(t *testing.T) {
			tr := newCacheTree(t, u)
			before := treeState(t, tr.root)
			r := runSandbox(t, u, "--require-namespaces", "-w", tr.ws, "--cache", tr.cache, "--", "sh", "-c", cacheScript, "sh", tr.cache, tr.home)
			if r.code != 0 || r.stdout != want {
				t.Errorf("writes through the layer: %v", r)
			}
			if d := treeDiff(before, treeState(t, tr.root)); d != "" {
				t.Errorf("the real tree changed:\n%s", d)
			}
			// The next run sees the real contents again.
			r = runSandbox(t, u, "--cache", tr.cache, "--", "ls", tr.cache)
			if r.code != 0 || r.stdout != "a\nsub\n" {
				t.Errorf("a second run sees %v, want the real contents", r)
			}
		})

		t.Run("kept", func(t *testing.T) {
			tr := newCacheTree(t, u)
			before := treeState(t, tr.home)
			r := runSandbox(t, u, "--require-namespaces", "--cache", tr.cache+"="+tr.keep, "--", "sh", "-c", cacheScript, "sh", tr.cache, tr.home)
			if r.code != 0 || r.stdout != want {
				t.Errorf("writes through the kept layer: %v", r)
			}
			if d := treeDiff(before, treeState(t, tr.home)); d != "" {
				t.Errorf("the real tree changed:\n%s", d)
			}
			if b, err := os.ReadFile(filepath.Join(tr.keep, "upper/d/b")); err != nil || string(b) != "new\n" {
				t.Errorf("the keep directory does not hold the write: %q %v", b, err)
			}
			// The next run with the same layer sees the writes, deletion
			// included; one without it, the real contents.
			r = runSandbox(t, u, "--cache", tr.cache+"="+tr.keep, "--", "sh", "-c", `ls "$0" | tr '\n' ' '; cat "$0/a"`, tr.cache)
			if r.code != 0 || r.stdout != "a d l sub orig\nmod\n" {
				t.Errorf("a second run with the kept layer: %v", r)
			}
			r = runSandbox(t, u, "--", "ls", tr.cache)
			if r.code != 0 || r.stdout != "a\nsub\n" {
				t.Errorf("a run without the layer: %v", r)
			}
		})

		t.Run("missing", func(t *testing.T) {
			tr := newCacheTree(t, u)
			npm := filepath.Join(tr.home, ".npm")
			before := treeState(t, tr.root)
			r := runSandbox(t, u, "--require-namespaces", "--cache", npm, "--", "sh", "-c", `mkdir -p "$0/_cacache" && echo t > "$0/_cacache/x" && cat "$0/_cacache/x"`, npm)
			if r.code != 0 || r.stdout != "t\n" {
				t.Errorf("a missing cache directory, written inside: %v", r)
			}
			if d := treeDiff(before, treeState(t, tr.root)); d != "" {
				t.Errorf("the tree changed (a placeholder left behind?):\n%s", d)
			}
			if f := registryFile(registryDir(osHost(), u.uid), npm); lexists(f) {
				t.Errorf("registry entry %s left behind", f)
			}
		})

		t.Run("exec-only refuses", func(t *testing.T) {
			tr := newCacheTree(t, u)
			before := treeState(t, tr.root)
			r := runCommand(t, u.sandboxCommand(t, "--exec-only", "--cache", tr.cache, "--", "sh", "-c", cacheScript, "sh", tr.cache, tr.home))
			if r.code != exitSetup || !isOneLine(r.stderr, "sandbox: --cache ") || !strings.Contains(r.stderr, "exec-only") || r.stdout != "" {
				t.Errorf("--exec-only --cache: %v", r)
			}
			if d := treeDiff(before, treeState(t, tr.root)); d != "" {
				t.Errorf("the tree changed:\n%s", d)
			}
		})

		t.Run("print-policy", func(t *testing.T) {
			tr := newCacheTree(t, u)
			r := runCommand(t, u.sandboxCommand(t, "--print-policy", "--cache", tr.cache+"="+tr.keep, "--", "true"))
			for _, s := range []string{`"clone-keep ` + tr.keep, `"cache ` + tr.cache + ` (overlay`, tr.keep + `/upper`, `"path": "` + tr.cache + `"`} {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("--print-policy does not show %q: %v", s, r)
				}
			}
		})
	})
}

// TestCacheLayerRefused: overlayfs takes one filesystem as a layer and
// cannot take a directory with a mount inside (clone_private_mount:
// the mount is locked in the user namespace). Nothing runs then (125),
// and the one line names the flag, the directory and the mount, rather
// than the command running with an empty layer or a writable directory.
// The host is simulated: a tmpfs inside the cache directory, in a mount
// namespace of the test's own.
func TestCacheLayerRefused(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		sandbox, _ := binaries(t)
		tr := newCacheTree(t, u)
		sub := filepath.Join(tr.cache, "sub")
		script := `echo x > "$0/b" && echo wrote`
		cmd := hostCommand(t, u, tr.root, []string{"tmpfs=" + sub}, "exec", sandbox, "--cache", tr.cache, "--", "sh", "-c", script, tr.cache)
		before := treeState(t, tr.root)
		r := runCommand(t, cmd)
		t.Logf("%v", r)
		if r.code != exitSetup || r.stdout != "" || !isOneLine(r.stderr, `sandbox: --cache "`+tr.cache+`"`) || !strings.Contains(r.stderr, "a mount lies inside it ("+sub+")") {
			t.Errorf("a cache directory with a mount inside: %v", r)
		}
		if d := treeDiff(before, treeState(t, tr.root)); d != "" {
			t.Errorf("the tree changed:\n%s", d)
		}
		// The control: the same simulated host, no mount inside.
		ctl := hostCommand(t, u, tr.root, []string{"tmpfs=" + tr.keep}, "exec", sandbox, "--cache", tr.cache, "--", "sh", "-c", script, tr.cache)
		if r := runCommand(t, ctl); r.code != 0 || r.stdout != "wrote\n" {
			t.Errorf("control: the same simulated host, a mount elsewhere: %v", r)
		}
	})
}

// TestStageMessageCaches: the inner stage gets the cache layers (it makes
// their Landlock rules), throwaway and kept, in order.
func TestStageMessageCaches(t *testing.T) {
	p := Policy{WritableRoots: []WritableRoot{{Path: "/w"}}, Caches: []CacheLayer{{Path: "/h/.cache"}, {Path: "/h/.npm", Keep: "/k"}}}
	mp := &mountPlan{ops: []mountOp{{Kind: opCache, Path: "/h/.npm", Layer: "/k"}}}
	var mask unix.Sigset_t
	got, _, back, _, err := decodeStage(encodeStage(p, mask, mp, nil))
	if err != nil || !reflect.DeepEqual(got.Caches, p.Caches) || !reflect.DeepEqual(back.ops, mp.ops) {
		t.Errorf("got %+v, %+v, %v; want %+v", got.Caches, back, err, p.Caches)
	}
}
