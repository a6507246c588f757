//go:build linux

package main

// A writable root reached through a symlink that a run with the same
// policy could have planted (issue 12, item 6): the sandbox refuses it,
// and the directory the symlink points to stays untouched.

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// codexBinary is the sandbox under Codex's helper name, a symlink beside it.
func codexBinary(t *testing.T) string {
	t.Helper()
	sandbox, _ := binaries(t)
	codex := filepath.Join(filepath.Dir(sandbox), "codex-linux-sandbox")
	if err := os.Symlink(filepath.Base(sandbox), codex); err != nil && !errors.Is(err, os.ErrExist) {
		t.Fatal(err)
	}
	return codex
}

func TestConfinePlantedSymlink(t *testing.T) {
	requireLandlock(t, 3)
	// Each case gets a fresh tree owned by the user:
	//
	//	base/w/           a writable root
	//	base/target/      outside every writable root; target/deeper too
	//
	// plant makes the symlink a previous run could have made (planted) or
	// the real directory in its place (the control), and args is the
	// sandbox command line that writes MARKER through it.
	type tree struct{ base, w, target string }
	cases := []struct {
		name  string
		plant func(tr tree, planted bool) error
		// args returns the sandbox arguments and the environment, and
		// where the command writes, and the two paths the error names.
		args func(tr tree) (args, env []string, marker, root, inside string)
		// codex runs the sandbox as codex-linux-sandbox.
		codex bool
	}{
		{
			name: "generic -w W -w W/sub, W/sub a symlink",
			plant: func(tr tree, planted bool) error {
				if planted {
					return os.Symlink(tr.target, filepath.Join(tr.w, "sub"))
				}
				return os.Mkdir(filepath.Join(tr.w, "sub"), 0o755)
			},
			args: func(tr tree) ([]string, []string, string, string, string) {
				sub := filepath.Join(tr.w, "sub")
				return []string{"-w", tr.w, "-w", sub}, nil, filepath.Join(sub, "MARKER"), sub, tr.w
			},
		},
		{
			name: "generic -w W/link/deeper -w W, W/link a symlink",
			plant: func(tr tree, planted bool) error {
				if planted {
					return os.Symlink(tr.target, filepath.Join(tr.w, "link"))
				}
				return os.MkdirAll(filepath.Join(tr.w, "link", "deeper"), 0o755)
			},
			args: func(tr tree) ([]string, []string, string, string, string) {
				deeper := filepath.Join(tr.w, "link", "deeper")
				return []string{"-w", deeper, "-w", tr.w}, nil, filepath.Join(deeper, "MARKER"), deeper, tr.w
			},
		},
		{
			name:  "codex workspace-write, TMPDIR in the workspace a symlink",
			codex: true,
			plant: func(tr tree, planted bool) error {
				if planted {
					return os.Symlink(tr.target, filepath.Join(tr.w, "tmp"))
				}
				return os.Mkdir(filepath.Join(tr.w, "tmp"), 0o755)
			},
			args: func(tr tree) ([]string, []string, string, string, string) {
				tmp := filepath.Join(tr.w, "tmp")
				// /tmp, which holds the test trees, is left out: only the
				// workspace and $TMPDIR are writable.
				policy := `{"type":"workspace-write","exclude_slash_tmp":true}`
				return []string{"--sandbox-policy-cwd", tr.w, "--sandbox-policy", policy},
					[]string{"TMPDIR=" + tmp}, filepath.Join(tmp, "MARKER"), tmp, tr.w
			},
		},
	}
	forEachUser(t, func(t *testing.T, u runAs) {
		sandbox, _ := binaries(t)
		codex := codexBinary(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				newTree := func(planted bool) tree {
					base := u.dir(t)
					tr := tree{base: base, w: filepath.Join(base, "w"), target: filepath.Join(base, "target")}
					for _, d := range []string{tr.w, tr.target, filepath.Join(tr.target, "deeper")} {
						if err := os.Mkdir(d, 0o755); err != nil {
							t.Fatal(err)
						}
					}
					if err := c.plant(tr, planted); err != nil {
						t.Fatal(err)
					}
					u.own(t, base)
					return tr
				}
				// run runs `sandbox [--print-policy] ARGS -- touch MARKER`.
				run := func(tr tree, mode string) runResult {
					args, env, marker, _, _ := c.args(tr)
					bin := sandbox
					if c.codex {
						bin = codex
					}
					argv := []string{bin}
					if mode == "--print-policy" {
						argv = append(argv, mode)
					}
					argv = append(append(argv, args...), "--", "touch", marker)
					cmd := u.command(argv...)
					cmd.Env = append(cmd.Env, env...)
					return runCommand(t, cmd)
				}

				// Control: with a real directory in the symlink's place,
				// the same command line runs and writes.
				ctl := newTree(false)
				if r := run(ctl, "touch"); r.code != 0 {
					t.Fatalf("control: with a real directory the sandbox did not run: %v", r)
				}
				if _, _, marker, _, _ := c.args(ctl); !lexists(marker) {
					t.Fatalf("control: %s was not created", marker)
				}
				// Control: unconfined, the planted symlink leads into target.
				plain := newTree(true)
				_, _, marker, _, _ := c.args(plain)
				if r := runPlain(t, u, "touch", marker); r.code != 0 {
					t.Fatalf("control: touch through the planted symlink: %v", r)
				}
				if real, err := filepath.EvalSymlinks(marker); err != nil || !strings.HasPrefix(real, plain.target+"/") {
					t.Fatalf("control: %s is %q (%v), not in %s", marker, real, err, plain.target)
				}

				tr := newTree(true)
				before := treeState(t, tr.target)
				_, _, _, root, inside := c.args(tr)
				r := run(tr, "touch")
				if r.code != exitSetup || !isOneLine(r.stderr, "sandbox: ") ||
					!strings.Contains(r.stderr, `"`+root+`"`) || !strings.Contains(r.stderr, `"`+inside+`"`) {
					t.Errorf("want exit %d and one stderr line naming %q and %q: %v", exitSetup, root, inside, r)
				}
				r = run(tr, "--print-policy")
				if r.code != exitSetup || !strings.Contains(r.stdout, `"would_run": false`) || !strings.Contains(r.stdout, "passes through the symlink") {
					t.Errorf("--print-policy: want exit %d and would_run false: %v", exitSetup, r)
				}
				if after := treeState(t, tr.target); !maps.Equal(before, after) {
					t.Errorf("the symlink's target changed:\n%s", treeDiff(before, after))
				}
			})
		}
	})
}

// TestConfinePlantedSymlinkRace: a process still running from an earlier
// run keeps exchanging the directory W/sub with a symlink to a directory
// outside (renameat2 RENAME_EXCHANGE, which needs only W writable), so
// that the check of the policy may see a directory and the open of the
// writable root a symlink. The sandbox must never write outside: every run
// either refuses (125) or writes inside W, on both engines. The control
// shows the race is live: an unconfined writer lands outside.
func TestConfinePlantedSymlinkRace(t *testing.T) {
	requireLandlock(t, 3)
	const tries = 40
	forEachUser(t, func(t *testing.T, u runAs) {
		base := u.dir(t)
		w, out := filepath.Join(base, "w"), filepath.Join(base, "out")
		sub, lnk := filepath.Join(w, "sub"), filepath.Join(w, "lnk")
		for _, d := range []string{w, out, sub} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Symlink(out, lnk); err != nil {
			t.Fatal(err)
		}
		u.own(t, base)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
				}
				unix.Renameat2(unix.AT_FDCWD, sub, unix.AT_FDCWD, lnk, unix.RENAME_EXCHANGE)
			}
		}()
		defer func() { close(stop); <-done }()

		// Control: unconfined, the swap is seen.
		landed := false
		for deadline := time.Now().Add(10 * time.Second); !landed && time.Now().Before(deadline); {
			os.WriteFile(filepath.Join(sub, "control"), nil, 0o644)
			landed = lexists(filepath.Join(out, "control"))
			runtime.Gosched()
		}
		if !landed {
			t.Fatal("control: for 10 s no unconfined write through W/sub landed outside; the race is not live")
		}

		outside := func() []string {
			names, _ := os.ReadDir(out)
			var found []string
			for _, n := range names {
				if n.Name() != "control" {
					found = append(found, n.Name())
				}
			}
			return found
		}
		for _, engine := range []string{"--exec-only", "--require-namespaces"} {
			for i := 0; i < tries; i++ {
				name := fmt.Sprintf("PWNED%s%d", strings.TrimPrefix(engine, "--"), i)
				r := runCommand(t, u.sandboxCommand(t, engine, "-w", w, "-w", sub, "--", "/bin/sh", "-c", `: > "$1"/"$2"`, "sh", sub, name))
				if r.code != 0 && r.code != exitSetup && r.code != 2 {
					t.Errorf("%s: exit %d: %v", engine, r.code, r)
				}
			}
			if found := outside(); len(found) > 0 {
				t.Fatalf("%s: the sandbox wrote outside every writable root: %v", engine, found)
			}
		}
	})
}
