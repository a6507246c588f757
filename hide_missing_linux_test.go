//go:build linux

package main

// A hidden path that is missing inside a writable tree (--hide, Codex's
// "deny") cannot be created while the command runs: its first missing
// component gets a read-only island's empty placeholder, as bubblewrap
// masks it upstream, and the placeholder is gone afterwards.

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHiddenMissingNotCreatable(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		sandbox, _ := binaries(t)
		codex := codexBinary(t)
		mk := func() (root, w string) {
			root = u.dir(t)
			w = filepath.Join(root, "w")
			if err := os.MkdirAll(filepath.Join(w, "d"), 0o755); err != nil {
				t.Fatal(err)
			}
			u.own(t, root)
			return root, w
		}
		// Each creates the hidden path's parent and the path, or the path
		// in an existing directory, and says what it made.
		script := `mkdir -p "$0/nothere" 2>/dev/null && echo x > "$0/nothere/env" 2>/dev/null && echo made-deep
echo x > "$0/d/.env" 2>/dev/null && echo made-file
mv "$0/d" "$0/e" 2>/dev/null && echo moved
echo ok > "$0/marker"; exit 0`
		codexFS := func(w string) string {
			return cxFS(cxRootRead, cxProjectWrite, cxPath(w+"/nothere/env", "deny"), cxPath(w+"/d/.env", "deny"))
		}
		for _, c := range []struct {
			name string
			cmd  func(w string) []string
		}{
			{"--hide", func(w string) []string {
				return []string{sandbox, "-w", w, "--hide", w + "/nothere/env", "--hide", w + "/d/.env", "--", "sh", "-c", script, w}
			}},
			{"codex deny", func(w string) []string {
				return []string{codex, "--sandbox-policy-cwd", w, "--file-system-sandbox-policy", codexFS(w),
					"--network-sandbox-policy", `"restricted"`, "--", "sh", "-c", script, w}
			}},
		} {
			root, w := mk()
			before := treeState(t, root)
			r := confined(t, u.command(c.cmd(w)...))
			if r.code != 0 || r.stdout != "" || !lexists(w+"/marker") {
				t.Errorf("%s: a missing hidden path was created, or its parent moved: %v", c.name, r)
			}
			os.Remove(w + "/marker")
			if d := treeDiff(before, treeState(t, root)); d != "" {
				t.Errorf("%s: the tree changed (a placeholder left behind?):\n%s", c.name, d)
			}
		}
		// The control: without the hidden paths all of it works.
		_, w := mk()
		if r := runSandbox(t, u, "-w", w, "--", "sh", "-c", script, w); r.code != 0 || r.stdout != "made-deep\nmade-file\nmoved\n" {
			t.Errorf("control: %v", r)
		}
	})
}
