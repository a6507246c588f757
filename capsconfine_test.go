//go:build linux

package main

// Capabilities of a confined command (issue 12, item 3), through the real
// binary: root keeps CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and
// CAP_FOWNER and nothing else, bounding set included; everyone else keeps
// nothing. Judged by effect: what root can still do in a writable tree
// (chown, write and read other users' files, chmod them), and what it no
// longer can (change user, keep set-ID bits on write, raw sockets), each
// against the same action unconfined.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestConfineCapabilities(t *testing.T) {
	requireLandlock(t, 3)
	forEachUser(t, func(t *testing.T, u runAs) {
		t.Run("status", func(t *testing.T) {
			r := runSandbox(t, u, "--", "cat", "/proc/self/status")
			if r.code != 0 {
				t.Fatalf("%v", r)
			}
			caps := statusCaps(t, r.stdout)
			want := map[string]uint64{"CapEff": 0, "CapPrm": 0, "CapInh": 0, "CapAmb": 0}
			if u.root() {
				want = map[string]uint64{"CapEff": rootKeptCaps, "CapPrm": rootKeptCaps, "CapBnd": rootKeptCaps, "CapInh": 0, "CapAmb": 0}
			}
			for set, v := range want {
				if caps[set] != v {
					t.Errorf("%s = %#x, want %#x", set, caps[set], v)
				}
			}
			// --print-policy says the same.
			wantJSON := `"capabilities": []`
			if u.root() {
				wantJSON = `"capabilities": [
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner"
  ]`
			}
			if r := runCommand(t, u.sandboxCommand(t, "--print-policy", "--", "true")); r.code != 0 || !strings.Contains(r.stdout, wantJSON) {
				t.Errorf("--print-policy: want %s: %v", wantJSON, r)
			}
		})
		if !u.root() {
			return // what follows needs capabilities to control against
		}
		py := needPython(t)

		// A tree as another user would leave it, in a directory root owns:
		// private and setid are owned by 65534.
		// private is 0600, setid is set-user-ID and set-group-ID (06755), mine
		// is root's.
		tree := func(t *testing.T) (w string) {
			w = u.dir(t)
			// Writable by all, so that root turned into another user by
			// setuid can still leave its witness there.
			if err := os.Chmod(w, 0o777); err != nil {
				t.Fatal(err)
			}
			files := map[string]os.FileMode{"private": 0o600, "setid": 0o755 | os.ModeSetuid | os.ModeSetgid, "mine": 0o644}
			for name, mode := range files {
				p := filepath.Join(w, name)
				if err := os.WriteFile(p, []byte("original\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				if name != "mine" {
					if err := os.Chown(p, nobodyID, nobodyID); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.Chmod(p, mode); err != nil {
					t.Fatal(err)
				}
			}
			return w
		}
		stat := func(t *testing.T, p string) (os.FileMode, int, string) {
			t.Helper()
			fi, err := os.Lstat(p)
			if err != nil {
				return 0, -1, ""
			}
			b, _ := os.ReadFile(p)
			return fi.Mode(), int(fi.Sys().(*syscall.Stat_t).Uid), string(b)
		}
		// run runs a pyAttempt body with $W set, unconfined or in the
		// sandbox with W writable.
		run := func(t *testing.T, w string, sandboxed bool, body string, args ...string) runResult {
			argv := append([]string{py, "-c", pyAttempt(body)}, args...)
			cmd := u.command(argv...)
			if sandboxed {
				cmd = u.sandboxCommand(t, append([]string{"-w", w, "--"}, argv...)...)
			}
			cmd.Env = append(cmd.Env, "W="+w)
			if sandboxed {
				return confined(t, cmd)
			}
			return runCommand(t, cmd)
		}

		// Kept: what root needs in a writable tree.
		kept := []struct {
			name  string
			body  string
			check func(t *testing.T, w string, r runResult) string // "" if the effect is there
		}{
			{"chown to another user (CAP_CHOWN)", `os.chown(os.environ["W"] + "/mine", 12345, 12345)`,
				func(t *testing.T, w string, r runResult) string {
					if _, uid, _ := stat(t, filepath.Join(w, "mine")); uid != 12345 {
						return fmt.Sprintf("owner %d, want 12345", uid)
					}
					return ""
				}},
			{"write another user's 0600 file (CAP_DAC_OVERRIDE)", `
with open(os.environ["W"] + "/private", "w") as f:
    f.write("changed\n")`,
				func(t *testing.T, w string, r runResult) string {
					if _, _, data := stat(t, filepath.Join(w, "private")); data != "changed\n" {
						return fmt.Sprintf("content %q, want changed", data)
					}
					return ""
				}},
			{"read another user's 0600 file (CAP_DAC_READ_SEARCH)", `print(open(os.environ["W"] + "/private").read(), end="")`,
				func(t *testing.T, w string, r runResult) string {
					if !strings.HasPrefix(r.stdout, "original\n") {
						return fmt.Sprintf("read %q", r.stdout)
					}
					return ""
				}},
			{"chmod another user's file (CAP_FOWNER)", `os.chmod(os.environ["W"] + "/private", 0o640)`,
				func(t *testing.T, w string, r runResult) string {
					if mode, _, _ := stat(t, filepath.Join(w, "private")); mode.Perm() != 0o640 {
						return fmt.Sprintf("mode %v, want 0640", mode)
					}
					return ""
				}},
		}
		for _, c := range kept {
			t.Run("kept: "+c.name, func(t *testing.T) {
				w := tree(t)
				if r := run(t, w, false, c.body); r.code != 0 || c.check(t, w, r) != "" {
					t.Fatalf("control: %s %v", c.check(t, w, r), r)
				}
				w = tree(t)
				if r := run(t, w, true, c.body); r.code != 0 {
					t.Errorf("in the sandbox: %v", r)
				} else if d := c.check(t, w, r); d != "" {
					t.Errorf("in the sandbox: %s: %v", d, r)
				}
			})
		}

		// Dropped: each needs a capability root no longer has.
		dropped := []struct {
			name     string
			args     []string // sandbox options besides -w
			succeeds bool     // the call succeeds, only without the effect
			body     string
			changed  func(t *testing.T, w string, r runResult) bool // the effect happened
		}{
			{"become another user (CAP_SETUID)", nil, false, `
try:
    os.setuid(12345)
finally:
    open(os.environ["W"] + "/after", "w").close()`,
				func(t *testing.T, w string, r runResult) bool {
					_, uid, _ := stat(t, filepath.Join(w, "after"))
					return uid == 12345
				}},
			{"keep set-ID bits on write (CAP_FSETID)", nil, true, `
with open(os.environ["W"] + "/setid", "a") as f:
    f.write("more\n")`,
				func(t *testing.T, w string, r runResult) bool {
					mode, _, data := stat(t, filepath.Join(w, "setid"))
					if data != "original\nmore\n" {
						t.Fatalf("the write did not happen: %q: %v", data, r)
					}
					return mode&(os.ModeSetuid|os.ModeSetgid) != 0
				}},
			{"raw socket with --network (CAP_NET_RAW)", []string{"-n"}, false, `
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
open(os.environ["W"] + "/raw", "w").close()`,
				func(t *testing.T, w string, r runResult) bool { return lexists(filepath.Join(w, "raw")) }},
			{"chroot (CAP_SYS_CHROOT)", nil, false, `
os.chroot(os.environ["W"])
open("/inside-chroot", "w").close()`,
				func(t *testing.T, w string, r runResult) bool { return lexists(filepath.Join(w, "inside-chroot")) }},
		}
		for _, c := range dropped {
			t.Run("dropped: "+c.name, func(t *testing.T) {
				w := tree(t)
				if r := run(t, w, false, c.body); r.code != 0 || !c.changed(t, w, r) {
					t.Fatalf("control: unconfined root could not: %v", r)
				}
				w = tree(t)
				argv := []string{py, "-c", pyAttempt(c.body)}
				cmd := u.sandboxCommand(t, append(append(append([]string{"-w", w}, c.args...), "--"), argv...)...)
				cmd.Env = append(cmd.Env, "W="+w)
				r := confined(t, cmd)
				if (c.succeeds && r.code != 0) || (!c.succeeds && !deniedBySandbox(r)) || c.changed(t, w, r) {
					t.Errorf("in the sandbox: %v", r)
				}
			})
		}
	})
}
