//go:build linux

package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
	return rawTestProgramWith(t, network, nil)
}

// rawTestProgramWith is rawTestProgram with edit applied to the outer
// stage's input first (when not nil).
func rawTestProgramWith(t *testing.T, network bool, edit func(*rawInput)) (*rawProgram, Policy) {
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
	in := rawInput{p: p, k: k, pl: pl, mp: mp, cmd: []string{"true"}, env: []string{"PATH=/usr/bin:/bin"},
		euid: 1000, capMax: 40, cwd: ws, name: "sandbox"}
	if edit != nil {
		edit(&in)
	}
	pr, err := buildRaw(in, 10, 11)
	if err != nil {
		t.Fatal(err)
	}
	// The steps fit the estimate: the array was never copied.
	if cap(pr.ops) != in.opsEstimate() {
		t.Errorf("%d steps in a capacity of %d, not the estimate of %d: sized otherwise, or copied", len(pr.ops), cap(pr.ops), in.opsEstimate())
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
			"sys prctl(PR_SET_NAME)",
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
			order = slices.Insert(order, 6, "sys loopback: socket")
			order = append(order, "send handing the connect listener", "sys waiting for the supervisor", "sys prctl(PR_SET_DUMPABLE, 0)")
		} else {
			order = slices.Insert(order, 0, "sys prctl(PR_SET_DUMPABLE, 0)")
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

// TestRawRunFailsClosed runs one-step programs whose step cannot do what
// it checks or says (an fstat or fstatfs of a descriptor that is not
// open, a record sent on a socket that is not there): each must end the
// program at that step with the errno, never count as done. The control:
// the same steps on descriptors that work run to the end.
func TestRawRunFailsClosed(t *testing.T) {
	dir, err := unix.Open(t.TempDir(), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dir)
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	var st unix.Stat_t
	if err := unix.Fstat(dir, &st); err != nil {
		t.Fatal(err)
	}
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(dir, &sfs); err != nil {
		t.Fatal(err)
	}
	const closed = 1 << 20 // past any descriptor table here
	steps := []struct {
		name string
		op   func(fd uintptr) rawOp
	}{
		{"is-type", func(fd uintptr) rawOp {
			return rawOp{kind: rawIsType, args: [6]uintptr{fd}, want: typeBit(unix.S_IFDIR)}
		}},
		{"is-dev-ino", func(fd uintptr) rawOp {
			return rawOp{kind: rawIsDevIno, args: [6]uintptr{fd}, want: typeBit(unix.S_IFDIR), dev: uint64(st.Dev), ino: st.Ino}
		}},
		{"is-fstype", func(fd uintptr) rawOp {
			return rawOp{kind: rawIsFSType, args: [6]uintptr{fd}, want: uint64(sfs.Type)}
		}},
		{"send", func(uintptr) rawOp { return rawOp{kind: rawSend, rec: recReady} }},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			run := func(fd, sock uintptr) (int, unix.Errno) {
				pr := &rawProgram{ops: []rawOp{s.op(fd)}, sock: sock}
				if err := pr.validate(); err != nil {
					t.Fatal(err)
				}
				pr.rawPrepare()
				return rawRun(pr)
			}
			if i, e := run(uintptr(dir), uintptr(pair[0])); i != -1 {
				t.Fatalf("control: the step failed on working descriptors: errno %v", e)
			}
			if i, e := run(closed, closed); i != 0 || e != unix.EBADF {
				t.Errorf("on a descriptor that is not open the step gave (%d, %v), want (0, EBADF)", i, e)
			}
		})
	}
}

// TestRawValidate: a program rawRun would index out of its bounds with is
// refused before the inner stage reads it; the programs buildRaw makes pass.
func TestRawValidate(t *testing.T) {
	good, _ := rawTestProgram(t, false)
	if err := good.validate(); err != nil {
		t.Fatalf("the built program: %v", err)
	}
	for name, bad := range map[string]func(pr *rawProgram){
		"register argument past the last": func(pr *rawProgram) {
			pr.ops[0].regs |= 1
			pr.ops[0].args[0] = uintptr(len(pr.regs) + 1)
		},
		"register argument 0":   func(pr *rawProgram) { pr.ops[0].regs |= 2; pr.ops[0].args[1] = 0 },
		"result past the last":  func(pr *rawProgram) { pr.ops[0].out = uint16(len(pr.regs) + 1) },
		"skip past the end":     func(pr *rawProgram) { pr.ops[len(pr.ops)-2].skip = 2 },
		"store without a place": func(pr *rawProgram) { pr.ops[0] = rawOp{kind: rawStore} },
		"unknown kind":          func(pr *rawProgram) { pr.ops[0].kind = rawKind(len(rawKindNames)) },
		"send of argument 0":    func(pr *rawProgram) { pr.ops[0] = rawOp{kind: rawSend, regs: 1, args: [6]uintptr{1}} },
	} {
		pr, _ := rawTestProgram(t, false)
		bad(pr)
		if err := pr.validate(); err == nil {
			t.Errorf("%s: validate passed", name)
		}
	}
}

// TestCommandKeepsNofile: the command gets the RLIMIT_NOFILE soft limit
// its caller had, from every engine and inner stage, although the Go
// runtime raises this binary's own at start-up. The control: the limit
// the caller sets is below the hard one (else nothing is raised, and the
// test would prove nothing).
func TestCommandKeepsNofile(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max < 64 {
		t.Fatalf("hard RLIMIT_NOFILE %d", lim.Max)
	}
	soft := strconv.FormatUint(min(lim.Max/2, 1000), 10)
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		sandbox, probe := binaries(t)
		for _, c := range []struct {
			name string
			args []string
			env  string
			sim  string // a host that refuses the namespace engine: the fallback
		}{
			{"exec-only", []string{"--exec-only"}, "", ""},
			{"namespace", []string{"--require-namespaces"}, "", ""},
			{"namespace, Go inner stage", []string{"--require-namespaces"}, goInnerEnv + "=1", ""},
			{"fallback, no user namespaces", nil, "", "no-userns"},
			{"fallback, AppArmor's restriction", nil, "", "apparmor-userns"},
		} {
			cmd := u.sandboxCommand(t, append(c.args, "--", "sh", "-c", "ulimit -Sn")...)
			if c.sim != "" {
				cmd = u.command(probe, sandbox, "--", "sh", "-c", "ulimit -Sn")
				cmd.Env = append(cmd.Env, probeEnv+"="+c.sim)
			}
			cmd.Args = append([]string{"sh", "-c", `ulimit -Sn "$0" && exec "$@"`, soft}, cmd.Args...)
			cmd.Path = "/bin/sh"
			cmd.Dir = u.dir(t)
			if c.env != "" {
				cmd.Env = append(os.Environ(), c.env)
			}
			r := confined(t, cmd)
			if r.code != 0 || strings.TrimSpace(r.stdout) != soft {
				t.Errorf("%s: the command's soft RLIMIT_NOFILE is %q, the caller's %s: %v", c.name, strings.TrimSpace(r.stdout), soft, r)
			}
			if c.sim != "" && !strings.Contains(r.stderr, "exec-only") {
				t.Errorf("%s: not the fallback: %v", c.name, r)
			}
			if c.name == "exec-only" || c.sim != "" {
				continue
			}
			// PID 1 keeps the raised limit: the descriptors it passes
			// to the supervisor count against it while in flight.
			cmd = u.sandboxCommand(t, append(c.args, "--", "sh", "-c", `set -- $(grep 'open files' /proc/1/limits); echo $4`)...)
			cmd.Args = append([]string{"sh", "-c", `ulimit -Sn "$0" && exec "$@"`, soft}, cmd.Args...)
			cmd.Path = "/bin/sh"
			cmd.Dir = u.dir(t)
			if c.env != "" {
				cmd.Env = append(os.Environ(), c.env)
			}
			r = confined(t, cmd)
			if n, err := strconv.ParseUint(strings.TrimSpace(r.stdout), 10, 64); err != nil || n <= min(lim.Max/2, 1000) {
				t.Errorf("%s: PID 1's soft RLIMIT_NOFILE is %q, not above the caller's %s: %v", c.name, strings.TrimSpace(r.stdout), soft, r)
			}
		}
	})
}

// TestRawInnerCwdHidden: a working directory inside a --hide path is
// entered with the command's own privileges by both inner stages: as
// 65534 neither runs the command (125, the chdir named), as root both do
// and the command sees the masked, empty directory; the hidden file stays
// unread either way.
func TestRawInnerCwdHidden(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		base := u.dir(t)
		secret := filepath.Join(base, "secret")
		if err := os.Mkdir(secret, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(secret, "key"), []byte("s3cr3t"), 0o644); err != nil {
			t.Fatal(err)
		}
		u.own(t, base)
		var out [2]runResult
		for i, goInner := range []bool{false, true} {
			cmd := u.sandboxCommand(t, "--hide", secret, "--", "sh", "-c", "ls -a; cat key")
			cmd.Dir = secret
			if goInner {
				cmd.Env = append(cmd.Env, goInnerEnv+"=1")
			}
			out[i] = runCommand(t, cmd)
			if strings.Contains(out[i].stdout, "s3cr3t") || strings.Contains(out[i].stdout, "key") {
				t.Errorf("go inner %v: the hidden directory's contents showed: %v", goInner, out[i])
			}
		}
		if out[0].code != out[1].code || out[0].stderr != out[1].stderr {
			t.Errorf("the two inner stages differ:\nraw: %v\ngo:  %v", out[0], out[1])
		}
		if u.cred != nil && (out[0].code != exitSetup || !strings.Contains(out[0].stderr, "chdir")) {
			t.Errorf("as %s: want 125 naming the chdir: %v", u.name, out[0])
		}
	})
}

// TestRawCapMax: the last capability found by PR_CAPBSET_READ is the
// kernel's own count.
func TestRawCapMax(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		skipOrFail(t, "no /proc/sys/kernel/cap_last_cap: %v", err)
	}
	want, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if got := rawCapMax(); got != want {
		t.Errorf("rawCapMax() = %d, cap_last_cap %d", got, want)
	}
}
