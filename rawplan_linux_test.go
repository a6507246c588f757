//go:build linux

package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawTestProgram builds the raw program for Codex's workspace-write view of
// a fresh workspace (.git present; .agents, .codex, .aws missing) and a
// hidden file, as the outer stage would, without running it.
func rawTestProgram(t *testing.T, network bool) (*rawProgram, Policy) {
	t.Helper()
	ws := t.TempDir()
	if err := os.Mkdir(filepath.Join(ws, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(ws, "secret.pem")
	if err := os.WriteFile(secret, []byte("k"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := Policy{Network: network, WritableRoots: []WritableRoot{{Path: ws, ReadOnly: []string{
		filepath.Join(ws, ".git"), filepath.Join(ws, ".agents"), filepath.Join(ws, ".codex"), filepath.Join(ws, ".aws")}}},
		Hidden: []string{secret}}
	k := kernelFeatures{landlockABI: 7, seccomp: true}
	pl, err := planLinux(p, k, true)
	if err != nil {
		t.Fatal(err)
	}
	mp, err := planMounts(p, osHost())
	if err != nil {
		t.Fatal(err)
	}
	if why := rawUnsupported(p, mp); why != "" {
		t.Fatalf("the raw stage refuses this policy: %s", why)
	}
	pr, err := buildRaw(rawInput{p: p, k: k, pl: pl, mp: mp, cmd: []string{"true"}, env: []string{"PATH=/usr/bin:/bin"},
		euid: 1000, capMax: 40, cwd: ws, name: "sandbox"}, 10, 11)
	if err != nil {
		t.Fatal(err)
	}
	return pr, p
}

// index is the first step whose line has prefix, or -1.
func rawIndex(lines []string, prefix string) int {
	return slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, prefix) })
}

// TestRawProgram checks the order and the safety properties of the raw
// inner stage's program as data: the steps the Go inner stage takes, in
// its order, paths opened without symlinks, skips that stay inside the
// program and never skip over a check.
func TestRawProgram(t *testing.T) {
	for _, network := range []bool{false, true} {
		pr, p := rawTestProgram(t, network)
		lines := pr.lines()
		t.Logf("network=%v: %d steps", network, len(lines))
		order := []string{
			"sys prctl(PR_SET_PDEATHSIG)",
			"sys waiting for the ID maps",
			"sys mount(/, MS_REC|MS_PRIVATE)",
			"sys mount_setattr \"/\" (propagation private",
			"sys mount_setattr \"/\" (read-only,nosuid,nodev",
			"sys fsopen tmpfs for \"/dev\"",
			"sys fsopen proc for \"/proc\"",
			"sys landlock_create_ruleset",
			"send ready",
			"sys prctl(PR_SET_NO_NEW_PRIVS)",
			"sys dropping capabilities: prctl(PR_CAPBSET_DROP, 0)",
			"sys dropping capabilities: capset",
			"sys landlock_restrict_self",
			"sys seccomp(SECCOMP_SET_MODE_FILTER",
		}
		if !network {
			order = slices.Insert(order, 7, "sys loopback: socket")
			order = append(order, "send handing the connect listener", "sys waiting for the supervisor", "sys prctl(PR_SET_DUMPABLE, 0)")
		} else {
			order = slices.Insert(order, 2, "sys prctl(PR_SET_DUMPABLE, 0)")
		}
		last := -1
		for _, want := range order {
			i := rawIndex(lines, want)
			if i < 0 {
				t.Fatalf("network=%v: no step %q in\n%s", network, want, strings.Join(lines, "\n"))
			}
			if i < last {
				t.Errorf("network=%v: step %q (%d) comes before the one before it in the Go inner stage's order (%d)", network, want, i, last)
			}
			last = i
		}
		if !network && !strings.HasPrefix(lines[len(lines)-1], "sys prctl(PR_SET_DUMPABLE, 0)") {
			t.Errorf("the last step is %q, want PR_SET_DUMPABLE 0 (after the supervisor's answer)", lines[len(lines)-1])
		}
		for _, island := range p.WritableRoots[0].ReadOnly {
			if rawIndex(lines, "sys read-only path: openat2 \""+island+"\"") < 0 {
				t.Errorf("no step opens the island %s", island)
			}
		}
		if rawIndex(lines, "sys openat2 \""+p.Hidden[0]+"\"") < 0 {
			t.Errorf("no step opens the hidden file %s", p.Hidden[0])
		}
		for i, op := range pr.ops {
			if end := i + int(op.skip); end >= len(pr.ops) {
				t.Errorf("step %d (%s) skips past the end", i, lines[i])
			}
			// A skip never jumps over a test or a mount attach that the
			// Go inner stage would fail on: only the steps listed here
			// may skip (optional paths, the weaker /proc, devices).
			if op.skip > 0 || op.skipOn != 0 {
				ok := strings.Contains(op.what, "/dev/") || strings.Contains(op.what, "/proc") || op.kind == rawIfFD ||
					op.what == "device" || op.what == "type" || strings.HasPrefix(op.what, "dropping capabilities") ||
					op.what == "prctl(PR_SET_NAME)" || strings.Contains(op.what, "sandbox-placeholders") ||
					(op.kind == rawSys && op.nr == unix.SYS_OPENAT && strings.HasPrefix(op.what, "open \"/dev"))
				if !ok {
					t.Errorf("step %d (%s) may skip: %d steps on errnos %#x", i, lines[i], op.skip, op.skipOn)
				}
			}
			if op.kind == rawSys && op.nr == unix.SYS_OPENAT2 {
				how := op.how
				if how == nil || how.Resolve&unix.RESOLVE_NO_SYMLINKS == 0 {
					t.Errorf("step %d (%s) opens without RESOLVE_NO_SYMLINKS", i, lines[i])
				}
			}
			if op.kind == rawStore && op.dst == nil {
				t.Errorf("step %d stores nowhere", i)
			}
		}
		// Every register a step reads was written by an earlier step.
		written := map[uint16]bool{}
		for i, op := range pr.ops {
			for j, a := range op.args {
				if op.regs&(1<<j) != 0 && !written[uint16(a)] {
					t.Errorf("step %d (%s) reads register %d before any step writes it", i, lines[i], a)
				}
			}
			if op.out > 0 {
				written[op.out] = true
			}
		}
		if len(pr.regs) < int(maxReg(pr)) {
			t.Errorf("%d registers for a program that uses %d", len(pr.regs), maxReg(pr))
		}
		if pr.cands == nil || unsafe.Pointer(pr.envp) == nil {
			t.Errorf("no command prepared")
		}
	}
}

func maxReg(pr *rawProgram) uint16 {
	var m uint16
	for _, op := range pr.ops {
		m = max(m, op.out)
	}
	return m
}

func BenchmarkBuildRaw(b *testing.B) {
	t := &testing.T{}
	_ = t
	ws := b.TempDir()
	os.Mkdir(filepath.Join(ws, ".git"), 0o755)
	p := Policy{WritableRoots: []WritableRoot{{Path: ws, ReadOnly: []string{
		filepath.Join(ws, ".git"), filepath.Join(ws, ".agents"), filepath.Join(ws, ".codex"), filepath.Join(ws, ".aws")}}, {Path: "/tmp"}}}
	k := kernelFeatures{landlockABI: 7, seccomp: true}
	pl, _ := planLinux(p, k, true)
	mp, _ := planMounts(p, osHost())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := buildRaw(rawInput{p: p, k: k, pl: pl, mp: mp, cmd: []string{"true"}, env: os.Environ(),
			euid: 1000, capMax: 40, cwd: ws, name: "sandbox"}, 10, 11); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRawInnerMatchesGoInner runs one command that reports what it can see
// and hold (credentials, capabilities, no_new_privs, seccomp, signal
// dispositions and mask, descriptors, mounts and their options, /dev,
// /proc, the working directory, the environment) under the raw inner stage
// and under the Go inner stage (SANDBOX_GO_INNER), as each user: the two
// must give the command the same sandbox. Island, hidden path and
// placeholder included.
func TestRawInnerMatchesGoInner(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		ws := u.dir(t)
		for _, d := range []string{".git", "sub"} {
			if err := os.Mkdir(filepath.Join(ws, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(ws, "secret"), []byte("s"), 0o644); err != nil {
			t.Fatal(err)
		}
		if u.cred != nil {
			if err := os.Chown(ws, u.uid, u.gid); err != nil {
				t.Fatal(err)
			}
		}
		script := `grep -E '^(Uid|Gid|Groups|Cap|NoNewPrivs|Seccomp|SigBlk|SigIgn|SigCgt)' /proc/self/status
ls /proc/self/fd
awk '{print $5, $6}' /proc/self/mountinfo | sort
ls -la /dev | awk '{print $1, $NF}'
ls /dev/pts
pwd
env | sort | grep -v '^_='
ls /proc | grep -v '^[0-9]' | head -3
cat secret || true
touch .git/x || true
touch .codex/x || true
touch made && rm made && echo wrote`
		args := []string{"--require-namespaces", "-w", ws, "-r", filepath.Join(ws, ".git"), "-r", filepath.Join(ws, ".codex"),
			"--hide", filepath.Join(ws, "secret"), "--", "sh", "-c", script}
		var out [2]runResult
		for i, goInner := range []bool{false, true} {
			cmd := u.sandboxCommand(t, args...)
			cmd.Dir = ws
			cmd.Env = append(os.Environ(), "SANDBOX_COMPARE=1")
			if goInner {
				cmd.Env = append(cmd.Env, goInnerEnv+"=1")
			}
			out[i] = confined(t, cmd)
			// The variable itself is the one expected difference.
			out[i].stdout = strings.ReplaceAll(out[i].stdout, goInnerEnv+"=1\n", "")
		}
		if out[0].code != 0 || !strings.Contains(out[0].stdout, "wrote") {
			t.Fatalf("raw inner stage: %v", out[0])
		}
		if out[0].stdout != out[1].stdout || out[0].stderr != out[1].stderr || out[0].code != out[1].code {
			t.Errorf("the two inner stages differ:\nraw: %v\ngo:  %v", out[0], out[1])
		}
		if lexists(filepath.Join(ws, ".codex")) {
			t.Errorf("the placeholder for .codex is still there")
		}
	})
}
