//go:build linux

package main

// Read-only paths and hidden paths inside a --cache directory: no pin is
// made beneath the cache (a pin is a writable copy of the real directory,
// which over the overlay would let writes reach the host), and they hold
// anyway: the island and the mask are mounts on the overlay, and inside
// the overlay a directory of the real one cannot be renamed (EXDEV).

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCacheWithIslandsInside(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		root := u.dir(t)
		w := filepath.Join(root, "w")
		for _, d := range []string{"a/b/.git", "a/s"} {
			if err := os.MkdirAll(filepath.Join(w, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(filepath.Join(w, "a/b/.git/HEAD"), []byte("ref\n"), 0o644)
		os.WriteFile(filepath.Join(w, "a/s/secret"), []byte(keepSecret), 0o600)
		u.own(t, root)
		before := treeState(t, root)
		script := `a=$0/a
echo x > "$a/b/file" && echo x > "$a/new" && echo wrote
echo y > "$a/b/.git/HEAD" 2>/dev/null && echo wrote-git
cat "$a/s/secret" 2>/dev/null
mv "$a/b" "$a/c" 2>/dev/null; mv "$a/s" "$a/t" 2>/dev/null; cat "$a/t/secret" "$a/c/.git/HEAD" 2>/dev/null
exit 0`
		r := runSandbox(t, u, "-w", w, "-r", w+"/a/b/.git", "--hide", w+"/a/s/secret", "--cache", w+"/a", "--", "sh", "-c", script, w)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "wrote\n") || strings.Contains(r.stdout, "wrote-git") || strings.Contains(r.stdout, "SECRET") {
			t.Errorf("islands inside a cache directory: %v", r)
		}
		if d := treeDiff(before, treeState(t, root)); d != "" {
			t.Errorf("the real tree changed:\n%s", d)
		}
		// The control: with -w alone the writes reach the directory.
		r = runSandbox(t, u, "-w", w, "--", "sh", "-c", `echo x > "$0/a/b/file" && echo wrote`, w)
		if r.code != 0 || r.stdout != "wrote\n" || !lexists(w+"/a/b/file") {
			t.Errorf("control: %v", r)
		}
	})
}
