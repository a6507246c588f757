//go:build linux

package main

// Black-box tests of the confinement (issue #2): the real binary, built
// once with go build, runs commands that try to escape, and the test checks
// the effects from outside: files unchanged, listeners that saw nothing,
// processes still alive. Every denial has a control that performs the same
// action without the sandbox and sees it succeed, so a test cannot pass
// because the action was impossible anyway. Every confinement test runs as
// the current user (root in CI) and as uid/gid 65534.
//
// The escape vectors --doctor knows (doctor_linux.go) are not tried here a
// second time: TestConfineVectors runs the doctor's own probes, with their
// witnesses and controls, as each user. The tests below cover what the
// doctor does not: the filesystem variants, what must keep working (the
// writable trees, --network, IPC), exit status, exec, descriptors and
// input.
//
// The go test process itself is never restricted: raw-syscall helpers run
// in a re-executed copy of the test binary (TestMain's probe mode).

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// probeEnv names the probe a re-executed test binary runs instead of the
// tests; see testProbe.
const probeEnv = "SANDBOX_TEST_PROBE"

// nobodyID is the unprivileged identity every confinement test also runs as.
const nobodyID = 65534

// testRoot is a directory every user can reach (/tmp, mode 0755; a checkout
// under /root is not), holding the built binaries and the tests' trees. The
// binaries are built on first use, so that tests that need none (the
// Seatbelt and BPF ones) do not pay for a build.
var (
	testRoot   string
	buildOnce  sync.Once
	buildErr   error
	sandboxBin string // the real program, built with CGO_ENABLED=0
	probeBin   string // a copy of this test binary, for probes run as 65534
)

func TestMain(m *testing.M) {
	// A probe that engages the namespace engine re-executes this binary
	// as its inner stage.
	if len(os.Args) > 1 && os.Args[1] == innerStage {
		os.Exit(run(os.Args))
	}
	if name := os.Getenv(probeEnv); name != "" {
		os.Exit(testProbe(name, os.Args[1:]))
	}
	dir, err := os.MkdirTemp("/tmp", "sandbox-test-")
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "sandbox tests: %v\n", err)
		os.Exit(1)
	}
	testRoot = dir
	if err := closeOnExec(); err != nil {
		fmt.Fprintf(os.Stderr, "sandbox tests: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// closeOnExec marks every descriptor above 2 close-on-exec. os/exec
// passes a child only stdin, stdout, stderr and ExtraFiles of what it
// opened itself, but descriptors go test inherited without FD_CLOEXEC
// (from a shell or CI runner) would reach every command too, and the tests
// must know exactly what the sandbox inherits.
func closeOnExec() error {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return err
	}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd <= 2 {
			continue
		}
		// The directory's own descriptor is already closed: EBADF.
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil && !errors.Is(err, unix.EBADF) {
			return fmt.Errorf("fcntl(%d, F_SETFD, FD_CLOEXEC): %w", fd, err)
		}
	}
	return nil
}

// binaries builds the sandbox and copies the test binary into testRoot,
// once.
func binaries(t *testing.T) (sandbox, probe string) {
	t.Helper()
	buildOnce.Do(func() { sandboxBin, probeBin, buildErr = prepareBinaries() })
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return sandboxBin, probeBin
}

// prepareBinaries builds the sandbox, or takes $SANDBOX_TEST_BIN (a
// release build, or an unconfined stand-in that proves the tests notice
// escapes; it must be reachable by uid 65534), and copies the test binary
// next to it.
func prepareBinaries() (sandbox, probe string, err error) {
	sandbox = os.Getenv("SANDBOX_TEST_BIN")
	if sandbox == "" {
		gocmd, err := exec.LookPath("go")
		if err != nil {
			gocmd = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		sandbox = filepath.Join(testRoot, "sandbox")
		build := exec.Command(gocmd, "build", "-o", sandbox, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := build.CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("go build: %v\n%s", err, msg)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return "", "", err
	}
	probe = filepath.Join(testRoot, "sandbox.test")
	if err := copyFile(self, probe, 0o755); err != nil {
		return "", "", err
	}
	return sandbox, probe, nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// skipOrFail skips t, or fails it under CI=true: in CI a confinement test
// that did not run proves nothing.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// requireLandlock skips (or fails under CI) unless the kernel has Landlock
// ABI abi or newer.
func requireLandlock(t *testing.T, abi int) {
	t.Helper()
	have, err := landlockABI()
	if have < abi {
		skipOrFail(t, "needs Landlock ABI >= %d, have %d (%v)", abi, have, err)
	}
}

// sharedTool finds a program in the system directories, where uid 65534
// can run it too (a pyenv shim under /root would not do). "" if absent.
func sharedTool(name string) string {
	for _, dir := range []string{"/usr/local/bin", "/usr/bin", "/bin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o001 != 0 {
			return p
		}
	}
	return ""
}

func needPython(t *testing.T) string {
	t.Helper()
	p := sharedTool("python3")
	if p == "" {
		skipOrFail(t, "no python3 in /usr/local/bin, /usr/bin or /bin")
	}
	return p
}

// runAs is an identity the commands run under.
type runAs struct {
	name     string
	uid, gid int
	cred     *syscall.Credential // nil: the test's own
}

// forEachUser runs f as the current user and as uid/gid 65534.
func forEachUser(t *testing.T, f func(t *testing.T, u runAs)) {
	t.Helper()
	self := runAs{name: fmt.Sprintf("uid%d", os.Getuid()), uid: os.Getuid(), gid: os.Getgid()}
	t.Run(self.name, func(t *testing.T) { f(t, self) })
	t.Run(fmt.Sprintf("uid%d", nobodyID), func(t *testing.T) {
		if os.Geteuid() != 0 {
			skipOrFail(t, "running as uid %d needs root; this is uid %d", nobodyID, os.Geteuid())
		}
		f(t, runAs{
			name: fmt.Sprintf("uid%d", nobodyID), uid: nobodyID, gid: nobodyID,
			cred: &syscall.Credential{Uid: nobodyID, Gid: nobodyID, Groups: []uint32{}},
		})
	})
}

func (u runAs) root() bool { return u.uid == 0 }

// dir makes a fresh directory under testRoot that u owns.
func (u runAs) dir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp(testRoot, "t-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	u.own(t, d)
	return d
}

// own gives u everything beneath root, symlinks included.
func (u runAs) own(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, u.uid, u.gid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// baseEnv is the environment every command gets: fixed, so that what the
// sandbox inherits is known, and free of paths under /root.
func baseEnv() []string {
	return []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"HOME=/nonexistent",
		"LC_ALL=C",
		"PYTHONDONTWRITEBYTECODE=1",
	}
}

// command prepares argv to run as u, in /, with baseEnv, stdin /dev/null.
func (u runAs) command(argv ...string) *exec.Cmd {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = baseEnv()
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: u.cred}
	return cmd
}

// runResult is how a command ended.
type runResult struct {
	stdout, stderr string
	code           int // exit status, -1 after a signal
	status         syscall.WaitStatus
	pid            int
}

func (r runResult) String() string {
	how := fmt.Sprintf("exit %d", r.code)
	if r.status.Signaled() {
		how = "killed by " + r.status.Signal().String()
	}
	return fmt.Sprintf("%s\nstdout: %q\nstderr: %q", how, r.stdout, r.stderr)
}

// runCommand runs cmd to completion (at most 30 s) and captures its output.
func runCommand(t *testing.T, cmd *exec.Cmd) runResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %q: %v", cmd.Args, err)
	}
	timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	err := cmd.Wait()
	timer.Stop()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("wait %q: %v", cmd.Args, err)
	}
	return runResult{
		stdout: stdout.String(),
		stderr: stderr.String(),
		code:   cmd.ProcessState.ExitCode(),
		status: cmd.ProcessState.Sys().(syscall.WaitStatus),
		pid:    cmd.Process.Pid,
	}
}

// sandboxCommand prepares `sandbox args...` as u.
func (u runAs) sandboxCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	bin, _ := binaries(t)
	return u.command(append([]string{bin}, args...)...)
}

// confined runs a prepared sandbox command and fails the test if the
// sandbox could not be set up (125): a denial test must not pass because
// nothing ran.
func confined(t *testing.T, cmd *exec.Cmd) runResult {
	t.Helper()
	r := runCommand(t, cmd)
	t.Logf("%s: %v", shortArgs(cmd.Args), r)
	if r.code == exitSetup {
		t.Fatalf("sandbox was not set up: %v", r)
	}
	return r
}

// shortArgs quotes argv for a log line, long arguments (scripts) elided.
func shortArgs(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if len(a) > 60 {
			a = a[:57] + "..."
		}
		q[i] = strconv.Quote(a)
	}
	return strings.Join(q, " ")
}

// runSandbox runs `sandbox args...` as u.
func runSandbox(t *testing.T, u runAs, args ...string) runResult {
	t.Helper()
	return confined(t, u.sandboxCommand(t, args...))
}

// runPlain runs argv as u without the sandbox: the controls.
func runPlain(t *testing.T, u runAs, argv ...string) runResult {
	t.Helper()
	return runCommand(t, u.command(argv...))
}

// isOneLine reports whether s is exactly one line starting with prefix.
func isOneLine(s, prefix string) bool {
	return strings.HasPrefix(s, prefix) && strings.Count(s, "\n") == 1 && strings.HasSuffix(s, "\n")
}

// lexists reports whether path names anything, a dangling symlink included.
func lexists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// pyAttempt wraps a Python function body: it prints OK, or ERR and the
// errno name and exits 1 when the body raises OSError. sys.argv[1:] are
// the script's arguments.
func pyAttempt(body string) string {
	var b strings.Builder
	b.WriteString("import ctypes, errno, os, socket, sys\n")
	b.WriteString("def act():\n")
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		b.WriteString("    " + line + "\n")
	}
	b.WriteString(`try:
    act()
except OSError as e:
    print("ERR", errno.errorcode.get(e.errno, e.errno))
    sys.exit(1)
print("OK")
`)
	return b.String()
}

// deniedBySandbox reports whether a pyAttempt output is a refusal by the sandbox.
func deniedBySandbox(r runResult) bool {
	out := strings.TrimSpace(r.stdout)
	return r.code == 1 && (out == "ERR EPERM" || out == "ERR EACCES")
}

// ---------------------------------------------------------------------
// The doctor's vectors

// TestConfineVectors runs every escape vector of --doctor as each user on
// each engine, through doctor.check: the doctor's own probe, once
// unconfined as the control and once inside the built sandbox, judged by
// its witness. One implementation, two users, two engines: --doctor runs
// it as whoever asks, this test as root and as uid 65534, with
// --exec-only and with --require-namespaces. checkVector holds the
// verdicts to the README. A host without the namespace engine skips its
// half, and fails under CI=true.
func TestConfineVectors(t *testing.T) {
	requireLandlock(t, 3)
	bin, _ := binaries(t)
	var uts unix.Utsname
	unix.Uname(&uts)
	release := unix.ByteSliceToString(uts.Release[:])
	forEachUser(t, func(t *testing.T, u runAs) {
		d, err := newDoctor(bin, u.cred)
		if err != nil {
			t.Fatal(err)
		}
		defer d.close()
		facts := d.kernelFacts(release)
		for _, e := range []engine{execOnlyEngine, namespaceEngine} {
			t.Run(e.name, func(t *testing.T) {
				if e.namespaces {
					if why := d.namespaceUnavailable(); why != "" {
						skipOrFail(t, "the namespace engine does not run here: %s", why)
					}
				}
				d.engine = e
				defer func() { d.engine = execOnlyEngine }()
				for _, p := range vectors() {
					t.Run(p.name, func(t *testing.T) { checkVector(t, d.check(p), facts, u.root()) })
				}
			})
		}
	})
}

// ---------------------------------------------------------------------
// Filesystem

// fsTree is a fresh tree per run:
//
//	root/out/target         "original\n", outside the writable root
//	root/w/                 the writable root
//	root/w/mine             "mine\n"
//	root/w/link    -> root/out/target
//	root/w/dirlink -> root/out
type fsTree struct{ root, out, w string }

func newFSTree(t *testing.T, u runAs) fsTree {
	t.Helper()
	root := u.dir(t)
	tr := fsTree{root: root, out: filepath.Join(root, "out"), w: filepath.Join(root, "w")}
	for _, d := range []string{tr.out, tr.w} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{"out/target": "original\n", "w/mine": "mine\n"}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, to := range map[string]string{"w/link": "out/target", "w/dirlink": "out"} {
		if err := os.Symlink(filepath.Join(root, to), filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	u.own(t, root)
	return tr
}

func (tr fsTree) env(cmd *exec.Cmd) *exec.Cmd {
	cmd.Env = append(cmd.Env, "O="+tr.out, "W="+tr.w)
	return cmd
}

// treeState describes every entry below root by type and mode, link
// count, owner, extended attribute names, and content or link target.
func treeState(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		desc := fmt.Sprintf("%v nlink=%d owner=%d:%d xattrs=%q", fi.Mode(), st.Nlink, st.Uid, st.Gid, xattrNames(p))
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += " " + strconv.Quote(string(b))
		case fi.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			desc += " -> " + l
		}
		rel, _ := filepath.Rel(root, p)
		m[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// xattrNames lists the extended attributes of path itself.
func xattrNames(path string) []string {
	buf := make([]byte, 4096)
	n, err := unix.Llistxattr(path, buf)
	if err != nil || n == 0 {
		return nil
	}
	names := strings.Split(strings.TrimSuffix(string(buf[:n]), "\x00"), "\x00")
	sort.Strings(names)
	return names
}

func treeDiff(before, after map[string]string) string {
	var d []string
	for k, v := range before {
		if w, ok := after[k]; !ok {
			d = append(d, fmt.Sprintf("removed %s (%s)", k, v))
		} else if w != v {
			d = append(d, fmt.Sprintf("changed %s: %s => %s", k, v, w))
		}
	}
	for k, w := range after {
		if _, ok := before[k]; !ok {
			d = append(d, fmt.Sprintf("added %s (%s)", k, w))
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// fsEscape is one attempt to change an fsTree, as argv run with $O (the
// outside directory) and $W (the writable root) in the environment; see
// checkEscape.
type fsEscape struct {
	name string
	argv func(py string) []string
}

func shEscape(name, script string) fsEscape {
	return fsEscape{name, func(string) []string { return []string{"sh", "-c", "echo started; " + script} }}
}

func pyEscape(name, body string) fsEscape {
	return fsEscape{name, func(py string) []string { return []string{py, "-c", pyAttempt(body)} }}
}

var fsEscapes = []fsEscape{
	shEscape("write", `printf x > "$O/target"`),
	shEscape("append", `printf x >> "$O/target"`),
	shEscape("create", `printf x > "$O/new"`),
	shEscape("truncate(1)", `truncate -s 0 "$O/target"`),
	pyEscape("truncate(2)", `os.truncate(os.environ["O"] + "/target", 0)`),
	shEscape("remove", `rm -f "$O/target"`),
	shEscape("mkdir", `mkdir "$O/newdir"`),
	shEscape("mkfifo", `mkfifo "$O/fifo"`),
	shEscape("symlink", `ln -s /etc/passwd "$O/sl"`),
	pyEscape("rename out of", `os.rename(os.environ["O"] + "/target", os.environ["W"] + "/stolen")`),
	pyEscape("rename into, replacing", `os.rename(os.environ["W"] + "/mine", os.environ["O"] + "/target")`),
	pyEscape("rename into, new name", `os.rename(os.environ["W"] + "/mine", os.environ["O"] + "/new")`),
	pyEscape("rename exchange", fmt.Sprintf(`
lib = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
src = (os.environ["W"] + "/mine").encode()
dst = (os.environ["O"] + "/target").encode()
if lib.syscall(ctypes.c_long(%d), ctypes.c_long(AT_FDCWD), src, ctypes.c_long(AT_FDCWD), dst, ctypes.c_uint(RENAME_EXCHANGE)) != 0:
    raise OSError(ctypes.get_errno(), "renameat2")`, unix.SYS_RENAMEAT2)),
	shEscape("hard link out into root", `ln "$O/target" "$W/hl"`),
	shEscape("hard link from root out", `ln "$W/mine" "$O/hl"`),
	shEscape("write through symlink", `printf x > "$W/link"`),
	shEscape("truncate through symlink", `truncate -s 0 "$W/link"`),
	shEscape("create through dir symlink", `printf x > "$W/dirlink/new"`),
}

func TestConfineFilesystem(t *testing.T) {
	requireLandlock(t, 3)
	forEachUser(t, func(t *testing.T, u runAs) {
		py := needPython(t)
		for _, c := range fsEscapes {
			t.Run(c.name, func(t *testing.T) { checkEscape(t, u, c.argv(py)) })
		}
	})
}

func TestConfineFilesystemAllowed(t *testing.T) {
	requireLandlock(t, 3)
	forEachUser(t, func(t *testing.T, u runAs) {
		t.Run("read outside", func(t *testing.T) {
			tr := newFSTree(t, u)
			r := runSandbox(t, u, "-w", tr.w, "--", "cat", filepath.Join(tr.out, "target"), "/etc/passwd")
			if r.code != 0 || !strings.HasPrefix(r.stdout, "original\n") {
				t.Errorf("reading outside the writable root: %v", r)
			}
		})
		t.Run("write inside", func(t *testing.T) {
			tr := newFSTree(t, u)
			script := `set -e
printf new > "$W/new"
printf more >> "$W/mine"
mkdir "$W/d"
mv "$W/new" "$W/d/moved"
ln -s moved "$W/d/sl"
ln "$W/d/moved" "$W/hard"
rm "$W/hard"
truncate -s 2 "$W/d/moved"
mkfifo "$W/fifo"
echo done`
			r := confined(t, tr.env(u.sandboxCommand(t, "-w", tr.w, "--", "sh", "-c", script)))
			if r.code != 0 || r.stdout != "done\n" {
				t.Fatalf("writing inside the writable root: %v", r)
			}
			want := map[string]string{"d/moved": "ne", "mine": "mine\nmore"}
			for name, data := range want {
				if b, err := os.ReadFile(filepath.Join(tr.w, name)); err != nil || string(b) != data {
					t.Errorf("%s = %q, %v; want %q", name, b, err, data)
				}
			}
		})
		t.Run("dev null", func(t *testing.T) {
			r := runSandbox(t, u, "--", "sh", "-c", "printf x > /dev/null && echo ok")
			if r.code != 0 || r.stdout != "ok\n" {
				t.Errorf("writing /dev/null: %v", r)
			}
		})
		// The devices that are writable (TestConfineDevices) do not make
		// the rest of /dev writable: /dev/shm, a directory every user may
		// write outside, stays read-only.
		t.Run("dev shm is not writable", func(t *testing.T) {
			if fi, err := os.Stat("/dev/shm"); err != nil || fi.Mode()&0o002 == 0 {
				t.Skipf("no world-writable /dev/shm here: %v", err)
			}
			name := fmt.Sprintf("/dev/shm/sandbox-test-%d-%s", os.Getpid(), u.name)
			t.Cleanup(func() { os.Remove(name) })
			script := `echo started; printf x > "$1"`
			if r := runPlain(t, u, "sh", "-c", script, "sh", name); r.code != 0 || !lexists(name) {
				t.Fatalf("control: writing %s without the sandbox: %v", name, r)
			}
			os.Remove(name)
			r := runSandbox(t, u, "--exec-only", "--", "sh", "-c", script, "sh", name)
			if r.code == 0 || r.stdout != "started\n" || lexists(name) {
				t.Errorf("writing %s in the sandbox: %v", name, r)
			}
			// The namespace engine's /dev/shm is the sandbox's own: the
			// write works there and leaves nothing on the host's.
			r = runSandbox(t, u, "--require-namespaces", "--", "sh", "-c", script+` && cat "$1"`, "sh", name)
			if r.code != 0 || r.stdout != "started\nx" || lexists(name) {
				t.Errorf("writing %s in the namespace engine: %v", name, r)
			}
		})
	})
}

// TestConfinePlantedPrivilege: the command must not leave behind what
// grants privilege later, outside the sandbox: setuid and setgid bits,
// file capabilities, device nodes. Not even in a writable root, where
// whoever runs or opens the file next is not confined. Landlock (up to
// ABI 7) mediates none of chmod, chown or setxattr, so seccomp has to.
// Plain ownership and permission changes stay open by design, like every
// metadata change Landlock does not cover (README, --doctor): root's
// `tar x` must keep restoring owners, and chown clears set-ID bits anyway.
func TestConfinePlantedPrivilege(t *testing.T) {
	requireLandlock(t, 3)
	// VFS_CAP_REVISION_2 with the effective bit; permitted = CAP_SETUID.
	const fileCaps = `bytes([1,0,0,2, 0x80,0,0,0, 0,0,0,0, 0,0,0,0, 0,0,0,0])`
	cases := []struct {
		rootOnly string // why only root can do it without the sandbox, or ""
		escape   fsEscape
	}{
		{"", shEscape("chmod setuid outside", `chmod u+s "$O/target"`)},
		{"", shEscape("chmod setgid outside", `chmod g+s "$O/target"`)},
		{"", shEscape("chmod setuid inside", `chmod u+s "$W/mine"`)},
		{"", pyEscape("create setuid file inside", `os.close(os.open(os.environ["W"] + "/suid", os.O_CREAT | os.O_WRONLY, 0o4755))`)},
		{"", pyEscape("setxattr user outside", `os.setxattr(os.environ["O"] + "/target", "user.sandbox", b"x")`)},
		{"only root writes security.* attributes", pyEscape("file capability outside",
			`os.setxattr(os.environ["O"] + "/target", "security.capability", `+fileCaps+`)`)},
		{"only root writes security.* attributes", pyEscape("file capability inside",
			`os.setxattr(os.environ["W"] + "/mine", "security.capability", `+fileCaps+`)`)},
		{"mknod needs CAP_MKNOD", shEscape("device node inside", `mknod "$W/null" c 1 3`)},
	}
	forEachUser(t, func(t *testing.T, u runAs) {
		py := needPython(t)
		for _, c := range cases {
			t.Run(c.escape.name, func(t *testing.T) {
				if c.rootOnly != "" && !u.root() {
					t.Skipf("no control possible: %s", c.rootOnly)
				}
				checkEscape(t, u, c.escape.argv(py))
			})
		}
	})
}

// checkEscape runs argv on a fresh fsTree without the sandbox, where it
// must succeed and change the tree, and on another under the sandbox with
// the tree's w as writable root, where it must fail and change nothing.
func checkEscape(t *testing.T, u runAs, argv []string) {
	t.Helper()
	ctl := newFSTree(t, u)
	before := treeState(t, ctl.root)
	r := runCommand(t, ctl.env(u.command(argv...)))
	if r.code != 0 {
		t.Fatalf("control without sandbox failed: %v", r)
	}
	if maps.Equal(before, treeState(t, ctl.root)) {
		t.Fatalf("control without sandbox changed nothing: %v", r)
	}

	sb := newFSTree(t, u)
	before = treeState(t, sb.root)
	r = confined(t, sb.env(u.sandboxCommand(t, append([]string{"-w", sb.w, "--"}, argv...)...)))
	if r.code == 0 {
		t.Errorf("succeeded in the sandbox: %v", r)
	}
	if !strings.HasPrefix(r.stdout, "started") && !strings.HasPrefix(r.stdout, "ERR ") {
		t.Errorf("the command did not run: %v", r)
	}
	if d := treeDiff(before, treeState(t, sb.root)); d != "" {
		t.Errorf("the sandboxed command changed the tree:\n%s\n%v", d, r)
	}
}

// ---------------------------------------------------------------------
// Network

// netTarget is something outside the sandbox the command tries to reach;
// saw reports whether anything arrived within wait.
type netTarget struct {
	args []string
	saw  func(wait time.Duration) bool
}

func listenStream(t *testing.T, network, addr string) netTarget {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		skipOrFail(t, "listen %s %s: %v", network, addr, err)
	}
	t.Cleanup(func() { l.Close() })
	var args []string
	switch a := l.Addr().(type) {
	case *net.TCPAddr:
		args = []string{a.IP.String(), strconv.Itoa(a.Port)}
	case *net.UnixAddr:
		args = []string{a.Name}
		if !strings.HasPrefix(a.Name, "@") {
			os.Chmod(a.Name, 0o777) // connect(2) needs write permission on the socket
		}
	}
	deadline := l.(interface{ SetDeadline(time.Time) error })
	return netTarget{args: args, saw: func(wait time.Duration) bool {
		deadline.SetDeadline(time.Now().Add(wait))
		c, err := l.Accept()
		if err != nil {
			return false
		}
		c.Close()
		return true
	}}
}

func listenPacket(t *testing.T, network, addr string) netTarget {
	t.Helper()
	pc, err := net.ListenPacket(network, addr)
	if err != nil {
		skipOrFail(t, "listen %s %s: %v", network, addr, err)
	}
	t.Cleanup(func() { pc.Close() })
	var args []string
	switch a := pc.LocalAddr().(type) {
	case *net.UDPAddr:
		args = []string{a.IP.String(), strconv.Itoa(a.Port)}
	case *net.UnixAddr:
		args = []string{a.Name}
		if !strings.HasPrefix(a.Name, "@") {
			os.Chmod(a.Name, 0o777)
		}
	}
	return netTarget{args: args, saw: func(wait time.Duration) bool {
		pc.SetReadDeadline(time.Now().Add(wait))
		_, _, err := pc.ReadFrom(make([]byte, 64))
		return err == nil
	}}
}

// abstractName is a unique abstract socket name for this run.
func abstractName() string {
	return fmt.Sprintf("@sandbox-test-%d-%d", os.Getpid(), time.Now().UnixNano())
}

const (
	pyTCP = `
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.settimeout(5)
s.connect((sys.argv[1], int(sys.argv[2])))`
	pyUDP = `
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.sendto(b"x", (sys.argv[1], int(sys.argv[2])))`
	pyUnixAddr = `
addr = sys.argv[1]
if addr.startswith("@"):
    addr = "\0" + addr[1:]`
	pyUnixSeqpacket = pyUnixAddr + `
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(addr)`
	pyUnixDgram = pyUnixAddr + `
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"x", addr)`
)

// netEscape is one attempt to reach the network or a socket outside.
type netEscape struct {
	name    string
	py      string
	target  func(t *testing.T, u runAs) netTarget // nil: creating the socket is the escape
	pingNS  bool                                  // needs ping sockets: runs in a new network namespace that allows them
	network bool                                  // --network must let it through
	doctor  string                                // the doctor vector that shows it refused; "": refused here
	feature string                                // a host feature the control needs; skip without it
}

// netEscapes are the attempts the doctor's vectors do not make (ping
// sockets, seqpacket, abstract datagrams), and the ones --network must let
// through. For the latter, doctor names the vector of TestConfineVectors
// that shows them refused without --network, and only --network is
// checked here.
var netEscapes = []netEscape{
	{name: "tcp4 connect", py: pyTCP, network: true, doctor: "tcp4",
		target: func(t *testing.T, _ runAs) netTarget { return listenStream(t, "tcp4", "127.0.0.1:0") }},
	{name: "tcp6 connect", py: pyTCP, network: true, doctor: "tcp6", feature: "IPv6 loopback",
		target: func(t *testing.T, _ runAs) netTarget { return listenStream(t, "tcp6", "[::1]:0") }},
	{name: "udp4 send", py: pyUDP, network: true, doctor: "udp4",
		target: func(t *testing.T, _ runAs) netTarget { return listenPacket(t, "udp4", "127.0.0.1:0") }},
	{name: "ping socket", py: `socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)`, pingNS: true},
	{name: "ping6 socket", py: `socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_ICMPV6)`, pingNS: true},
	{name: "unix seqpacket connect, pathname", py: pyUnixSeqpacket,
		target: func(t *testing.T, u runAs) netTarget {
			return listenStream(t, "unixpacket", filepath.Join(u.dir(t), "s"))
		}},
	{name: "unix dgram sendto, abstract", py: pyUnixDgram,
		target: func(t *testing.T, _ runAs) netTarget { return listenPacket(t, "unixgram", abstractName()) }},
}

// netCommand prepares argv for c as u, through the ping-netns probe when
// c needs ping sockets.
func netCommand(t *testing.T, u runAs, c netEscape, argv []string) *exec.Cmd {
	t.Helper()
	if c.pingNS {
		if os.Geteuid() != 0 {
			skipOrFail(t, "a network namespace that allows ping sockets needs root")
		}
		_, probe := binaries(t)
		cmd := exec.Command(probe, append([]string{strconv.Itoa(u.uid), strconv.Itoa(u.gid)}, argv...)...)
		cmd.Env = append(baseEnv(), probeEnv+"=ping-netns")
		cmd.Dir = "/"
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
		return cmd
	}
	return u.command(argv...)
}

func TestConfineNetwork(t *testing.T) {
	requireLandlock(t, 3)
	forEachUser(t, func(t *testing.T, u runAs) {
		py := needPython(t)
		bin, _ := binaries(t)
		for _, c := range netEscapes {
			t.Run(c.name, func(t *testing.T) {
				var target netTarget
				if c.target != nil {
					target = c.target(t, u)
				}
				argv := append([]string{py, "-c", pyAttempt(c.py)}, target.args...)

				r := runCommand(t, netCommand(t, u, c, argv))
				if r.code != 0 || strings.TrimSpace(r.stdout) != "OK" {
					if c.feature != "" {
						skipOrFail(t, "this host lacks %s; control: %v", c.feature, r)
					}
					t.Fatalf("control without sandbox failed: %v", r)
				}
				if target.saw != nil && !target.saw(5*time.Second) {
					t.Fatalf("control without sandbox: the listener saw nothing")
				}

				if c.doctor != "" && !slices.ContainsFunc(vectors(), func(p probe) bool { return p.name == c.doctor }) {
					t.Errorf("the doctor has no vector %q", c.doctor)
				}
				if c.doctor == "" {
					r = confined(t, netCommand(t, u, c, append([]string{bin, "--"}, argv...)))
					if !deniedBySandbox(r) {
						t.Errorf("not denied in the sandbox: %v", r)
					}
					if target.saw != nil && target.saw(100*time.Millisecond) {
						t.Errorf("the listener outside saw the sandboxed command")
					}
				}

				if !c.network {
					return
				}
				r = confined(t, netCommand(t, u, c, append([]string{bin, "--network", "--"}, argv...)))
				if r.code != 0 || strings.TrimSpace(r.stdout) != "OK" {
					t.Errorf("with --network: %v", r)
				}
				if target.saw != nil && !target.saw(5*time.Second) {
					t.Errorf("with --network the listener saw nothing")
				}
			})
		}
	})
}

// TestConfineIPC checks that confinement leaves local IPC alone: what
// Python, Node and their process pools use.
func TestConfineIPC(t *testing.T) {
	requireLandlock(t, 3)
	forEachUser(t, func(t *testing.T, u runAs) {
		py := needPython(t)
		t.Run("socketpair", func(t *testing.T) {
			r := runSandbox(t, u, "--", py, "-c", `import socket
a, b = socket.socketpair()
a.sendall(b"ping")
print(b.recv(4).decode())`)
			if r.code != 0 || r.stdout != "ping\n" {
				t.Errorf("socketpair: %v", r)
			}
		})
		t.Run("asyncio", func(t *testing.T) {
			r := runSandbox(t, u, "--", py, "-c", `import asyncio
async def main():
    p = await asyncio.create_subprocess_exec("echo", "child", stdout=asyncio.subprocess.PIPE)
    out, _ = await p.communicate()
    return out.decode().strip()
print(asyncio.run(main()))`)
			if r.code != 0 || r.stdout != "child\n" {
				t.Errorf("asyncio.run: %v", r)
			}
		})
		t.Run("node child_process", func(t *testing.T) {
			node := sharedTool("node")
			if node == "" {
				skipOrFail(t, "node is not installed")
			}
			r := runSandbox(t, u, "--", node, "-e", `process.stdout.write(require("child_process").execSync("echo hi").toString())`)
			if r.code != 0 || r.stdout != "hi\n" {
				t.Errorf("node execSync: %v", r)
			}
		})
		// multiprocessing's locks are POSIX semaphores, files in /dev/shm.
		// /dev/shm is not writable by default on purpose: it is a tmpfs
		// shared by every process on the host and outlives the command, so
		// a writable /dev/shm is a place to leave files for others. A
		// caller that needs it grants it with -w /dev/shm.
		t.Run("multiprocessing pool", func(t *testing.T) {
			script := `from multiprocessing import Pool
with Pool(2) as p:
    print(sum(p.map(abs, [-1, -2, -3])))`
			r := runSandbox(t, u, "--exec-only", "-w", "/dev/shm", "--", py, "-c", script)
			if r.code != 0 || r.stdout != "6\n" {
				t.Errorf("multiprocessing.Pool with --exec-only -w /dev/shm: %v", r)
			}
			if r := runSandbox(t, u, "--exec-only", "--", py, "-c", script); r.code == 0 {
				t.Errorf("multiprocessing.Pool ran with --exec-only without -w /dev/shm; is /dev/shm writable by default? %v", r)
			}
		})
		// The namespace engine gives the command a /dev/shm of its own,
		// writable and gone with it.
		t.Run("multiprocessing pool, namespace engine", func(t *testing.T) {
			script := `from multiprocessing import Pool
with Pool(2) as p:
    print(sum(p.map(abs, [-1, -2, -3])))`
			r := runSandbox(t, u, "--require-namespaces", "--", py, "-c", script)
			if r.code != 0 || r.stdout != "6\n" {
				t.Errorf("multiprocessing.Pool in the namespace engine: %v", r)
			}
		})
	})
}

// ---------------------------------------------------------------------
// Processes

// TestConfineSignals: a command still signals its own children. That
// signals to a process outside are refused is the doctor's "signal"
// vector (TestConfineVectors).
func TestConfineSignals(t *testing.T) {
	requireLandlock(t, 3)
	forEachUser(t, func(t *testing.T, u runAs) {
		t.Run("own child", func(t *testing.T) {
			r := runSandbox(t, u, "--", "sh", "-c", "sleep 30 & kill -TERM $!; wait $!; echo $?")
			if r.code != 0 || r.stdout != "143\n" {
				t.Errorf("signalling its own child: %v", r)
			}
		})
	})
}

func TestConfineStatus(t *testing.T) {
	requireLandlock(t, 3)
	forEachUser(t, func(t *testing.T, u runAs) {
		r := runSandbox(t, u, "--", "cat", "/proc/self/status")
		for _, want := range []string{"\nNoNewPrivs:\t1\n", "\nSeccomp:\t2\n"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("/proc/self/status lacks %q: %v", strings.TrimSpace(want), r)
			}
		}
	})
}

func TestConfineExitStatus(t *testing.T) {
	requireLandlock(t, 3)
	forEachUser(t, func(t *testing.T, u runAs) {
		t.Run("exit 7", func(t *testing.T) {
			if r := runSandbox(t, u, "--", "sh", "-c", "exit 7"); r.code != 7 {
				t.Errorf("want exit 7: %v", r)
			}
		})
		t.Run("killed by SIGTERM", func(t *testing.T) {
			r := runSandbox(t, u, "--", "sh", "-c", "kill -TERM $$")
			if !r.status.Signaled() || r.status.Signal() != syscall.SIGTERM {
				t.Errorf("want the sandbox process killed by SIGTERM: %v", r)
			}
		})
		t.Run("same pid with --exec-only", func(t *testing.T) {
			r := runSandbox(t, u, "--exec-only", "--", "sh", "-c", "echo $$")
			if r.code != 0 || strings.TrimSpace(r.stdout) != strconv.Itoa(r.pid) {
				t.Errorf("the command's pid is not the sandbox's %d: %v", r.pid, r)
			}
		})
		t.Run("exit 7 with --exec-only", func(t *testing.T) {
			if r := runSandbox(t, u, "--exec-only", "--", "sh", "-c", "exit 7"); r.code != 7 {
				t.Errorf("want exit 7: %v", r)
			}
		})
		t.Run("killed by SIGTERM with --exec-only", func(t *testing.T) {
			r := runSandbox(t, u, "--exec-only", "--", "sh", "-c", "kill -TERM $$")
			if !r.status.Signaled() || r.status.Signal() != syscall.SIGTERM {
				t.Errorf("want the sandbox process killed by SIGTERM: %v", r)
			}
		})
	})
}

// TestConfineExec checks execvp: statuses 126 and 127, the ENOEXEC
// fallback to /bin/sh and the PATH search.
func TestConfineExec(t *testing.T) {
	requireLandlock(t, 3)
	forEachUser(t, func(t *testing.T, u runAs) {
		d := u.dir(t)
		write := func(name, data string, mode os.FileMode) string {
			p := filepath.Join(d, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(data), mode); err != nil {
				t.Fatal(err)
			}
			return p
		}
		noexec := write("noexec", "echo should not run\n", 0o644)
		script := write("scripts/noshebang", "echo from-script \"$1\"\n", 0o755)
		write("a/sbtool", "echo from-a\n", 0o644)
		write("b/sbtool", "#!/bin/sh\necho from-b\n", 0o755)
		u.own(t, d)

		unset := "\x00unset"
		cases := []struct {
			name   string
			path   string // PATH, or unset
			argv   []string
			code   int
			stdout string // for code 0
		}{
			{"not executable", "", []string{noexec}, exitCannotRun, ""},
			{"directory", "", []string{d}, exitCannotRun, ""},
			{"missing path", "", []string{filepath.Join(d, "missing")}, exitNotFound, ""},
			{"missing in PATH", "", []string{"sandbox-test-no-such-command"}, exitNotFound, ""},
			{"empty name", "", []string{""}, exitNotFound, ""},
			{"script without #!", "", []string{script, "arg"}, 0, "from-script arg\n"},
			{"script without #! via PATH", filepath.Join(d, "scripts"), []string{"noshebang", "arg"}, 0, "from-script arg\n"},
			{"PATH unset uses /bin:/usr/bin", unset, []string{"sh", "-c", "echo ok"}, 0, "ok\n"},
			{"PATH without sh", "/nonexistent", []string{"sh", "-c", "echo ok"}, exitNotFound, ""},
			{"EACCES earlier in PATH", filepath.Join(d, "a") + ":" + filepath.Join(d, "b"), []string{"sbtool"}, 0, "from-b\n"},
			{"only EACCES in PATH", filepath.Join(d, "a"), []string{"sbtool"}, exitCannotRun, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				cmd := u.sandboxCommand(t, append([]string{"--"}, c.argv...)...)
				if c.path != "" {
					cmd.Env = slices.DeleteFunc(cmd.Env, func(kv string) bool { return strings.HasPrefix(kv, "PATH=") })
					if c.path != unset {
						cmd.Env = append(cmd.Env, "PATH="+c.path)
					}
				}
				r := confined(t, cmd)
				if r.code != c.code {
					t.Fatalf("want exit %d: %v", c.code, r)
				}
				if c.code == 0 && r.stdout != c.stdout {
					t.Errorf("want stdout %q: %v", c.stdout, r)
				}
				if c.code != 0 && (r.stdout != "" || !isOneLine(r.stderr, "sandbox: ")) {
					t.Errorf("want one line on stderr starting %q and nothing on stdout: %v", "sandbox: ", r)
				}
			})
		}
	})
}

// TestConfineFDs checks that the command inherits 0, 1 and 2 and nothing
// else: not the Landlock ruleset, not a rule's O_PATH descriptor.
func TestConfineFDs(t *testing.T) {
	requireLandlock(t, 3)
	forEachUser(t, func(t *testing.T, u runAs) {
		list := []string{"ls", "-1", "/proc/self/fd"}
		fds := func(r runResult) []string { return strings.Fields(r.stdout) }
		ctl := runPlain(t, u, list...)
		r := runSandbox(t, u, append([]string{"--"}, list...)...)
		if ctl.code != 0 || r.code != 0 {
			t.Fatalf("listing /proc/self/fd: control %v\nsandbox %v", ctl, r)
		}
		// ls's own descriptor for the directory is the one extra entry.
		want := []string{"0", "1", "2", "3"}
		if !slices.Equal(fds(ctl), want) {
			t.Fatalf("control: the test harness passes %q, want %q", fds(ctl), want)
		}
		if !slices.Equal(fds(r), want) {
			t.Errorf("the command inherited %q, want %q (0-2 and ls's own)", fds(r), want)
		}
	})
}

// ---------------------------------------------------------------------
// Command line

func TestConfineBadInput(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		d := u.dir(t)
		marker := filepath.Join(d, "MARKER")
		// -w d is granted wherever the parser gets that far, so touch would
		// succeed if the sandbox ran it.
		cases := []struct {
			name string
			args []string
		}{
			{"unknown flag", []string{"-w", d, "--bogus", "--", "touch", marker}},
			{"missing writable root", []string{"-w", d, "-w", "/nonexistent", "--", "touch", marker}},
			{"empty writable root", []string{"-w", "", "-w", d, "--", "touch", marker}},
			{"no command", []string{"-w", d, "--"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := runCommand(t, u.sandboxCommand(t, c.args...))
				if r.code != exitUsage {
					t.Errorf("want exit %d: %v", exitUsage, r)
				}
				if r.stdout != "" || !isOneLine(r.stderr, "sandbox: ") {
					t.Errorf("want one line on stderr starting %q and nothing on stdout: %v", "sandbox: ", r)
				}
				if lexists(marker) {
					t.Errorf("the command ran: %s exists", marker)
				}
			})
		}
		for _, flag := range []string{"--help", "-h"} {
			t.Run(flag, func(t *testing.T) {
				r := runCommand(t, u.sandboxCommand(t, flag))
				if r.code != 0 || !strings.HasPrefix(r.stdout, "Usage: sandbox") || r.stderr != "" {
					t.Errorf("%s: %v", flag, r)
				}
			})
		}
		t.Run("--version", func(t *testing.T) {
			r := runCommand(t, u.sandboxCommand(t, "--version"))
			f := strings.Fields(r.stdout)
			if r.code != 0 || len(f) < 2 || f[0] != "sandbox" || strings.Count(r.stdout, "\n") != 1 {
				t.Errorf("--version: %v", r)
			}
		})
	})
}

// ---------------------------------------------------------------------
// Fail closed

// TestConfineFailClosed runs the sandbox on a simulated kernel without
// Landlock (or seccomp): a probe installs a seccomp filter that makes the
// feature's syscalls fail as such a kernel would, then execs the sandbox.
func TestConfineFailClosed(t *testing.T) {
	requireLandlock(t, 3)
	cases := []struct {
		probe      string
		bestEffort bool
		engine     string   // --exec-only, --require-namespaces, or "" (auto)
		extra      []string // more options
		codex      string   // run as codex-linux-sandbox with this -s permission
		code       int
		stderr     []string // substrings of the one stderr line; none: stderr empty
		ran        bool
	}{
		// The exec-only engine: Landlock and seccomp are the sandbox.
		{probe: "plain", engine: "--exec-only", code: 0, ran: true},
		{probe: "no-landlock-enosys", engine: "--exec-only", code: exitSetup, stderr: []string{"sandbox: ", "Landlock", "--best-effort"}},
		{probe: "no-landlock-eopnotsupp", engine: "--exec-only", code: exitSetup, stderr: []string{"sandbox: ", "Landlock", "not enabled"}},
		{probe: "no-seccomp", engine: "--exec-only", code: exitSetup, stderr: []string{"sandbox: ", "seccomp", "network"}},
		{probe: "no-capdrop", engine: "--exec-only", code: exitSetup, stderr: []string{"sandbox: ", "capabilities", "PR_CAP_AMBIENT"}},
		{probe: "no-capdrop", engine: "--exec-only", bestEffort: true, code: exitSetup, stderr: []string{"sandbox: ", "capabilities", "PR_CAP_AMBIENT"}},
		{probe: "no-landlock-enosys", engine: "--exec-only", bestEffort: true, code: 0, ran: true,
			stderr: []string{"sandbox: warning: ", "filesystem write", "Landlock"}},
		{probe: "no-landlock-eopnotsupp", engine: "--exec-only", bestEffort: true, code: 0, ran: true,
			stderr: []string{"sandbox: warning: ", "filesystem write", "not enabled"}},
		{probe: "no-seccomp", engine: "--exec-only", bestEffort: true, code: 0, ran: true,
			stderr: []string{"sandbox: warning: ", "network", "seccomp"}},
		// The namespace engine: the read-only mounts confine writes and
		// the network namespace the network, Landlock and seccomp are
		// defence in depth. Without them it runs, and says so.
		{probe: "plain", code: 0, ran: true},
		{probe: "no-landlock-enosys", code: 0, ran: true, stderr: []string{"sandbox: warning: ", "Landlock"}},
		{probe: "no-landlock-eopnotsupp", code: 0, ran: true, stderr: []string{"sandbox: warning: ", "Landlock", "not enabled"}},
		{probe: "no-seccomp", code: 0, ran: true, stderr: []string{"sandbox: warning: ", "seccomp"}},
		{probe: "no-landlock-enosys", engine: "--require-namespaces", code: 0, ran: true, stderr: []string{"sandbox: warning: ", "Landlock"}},
		// Capabilities that cannot be dropped: nothing runs, on either
		// engine (here the inner stage cannot even be given the ambient
		// capabilities it needs, so auto falls back and refuses there).
		{probe: "no-capdrop", code: exitSetup, stderr: []string{"sandbox: ", "capabilities", "PR_CAP_AMBIENT"}},
		// The supervisor cannot take the connect listener (Yama's
		// ptrace_scope=3 refuses pidfd_getfd so): nothing runs, rather
		// than connects nobody answers or connects unchecked. The
		// exec-only engine has no supervisor and runs.
		{probe: "no-pidfd-getfd", code: exitSetup, stderr: []string{"sandbox: ", "pidfd_getfd", "operation not permitted"}},
		{probe: "no-pidfd-getfd", engine: "--require-namespaces", code: exitSetup, stderr: []string{"sandbox: ", "pidfd_getfd"}},
		{probe: "no-pidfd-getfd", engine: "--exec-only", code: 0, ran: true},
		// Started under a seccomp filter that has a listener already:
		// the namespace engine cannot have its own and says what to do.
		{probe: "seccomp-listener", code: exitSetup, stderr: []string{"sandbox: ", "listener", "--exec-only"}},
		{probe: "seccomp-listener", engine: "--exec-only", code: 0, ran: true},
		// A host that refuses user namespaces: by default the exec-only
		// engine runs and says what that leaves out; required, nothing
		// runs and stderr names the cause and the fix.
		{probe: "no-userns", code: 0, ran: true,
			stderr: []string{"sandbox: warning: ", "namespace engine unavailable", "operation not permitted", "exec-only", "chmod"}},
		{probe: "no-userns", engine: "--require-namespaces", code: exitSetup,
			stderr: []string{"sandbox: ", "namespace engine is unavailable", "operation not permitted", "--exec-only"}},
		{probe: "apparmor-userns", code: 0, ran: true,
			stderr: []string{"sandbox: warning: ", "namespace engine unavailable", "mount", "exec-only"}},
		{probe: "apparmor-userns", engine: "--require-namespaces", code: exitSetup,
			stderr: []string{"sandbox: ", "namespace engine is unavailable", "mount", "operation not permitted"}},
		// What only the namespace engine enforces is refused, naming why,
		// where it is unavailable.
		{probe: "no-userns", extra: []string{"--hide", "/root"}, code: exitSetup,
			stderr: []string{"sandbox: ", "namespace engine is unavailable", "Landlock cannot hide"}},
		{probe: "plain", engine: "--exec-only", extra: []string{"--hide", "/root"}, code: exitSetup,
			stderr: []string{"sandbox: ", "Landlock cannot hide"}},
		// A cache layer likewise: never the real directory made writable.
		{probe: "no-userns", extra: []string{"--cache", "/tmp"}, code: exitSetup,
			stderr: []string{"sandbox: ", "namespace engine is unavailable", `--cache "/tmp"`, "rather than make the real directory writable"}},
		{probe: "plain", engine: "--exec-only", extra: []string{"--cache", "/tmp"}, code: exitSetup,
			stderr: []string{"sandbox: ", `--cache "/tmp"`, "exec-only engine cannot"}},
		// --allow-host has no fallback: never all of the network, never none.
		{probe: "no-userns", extra: []string{"--allow-host", "example.com"}, code: exitSetup,
			stderr: []string{"sandbox: ", "--allow-host needs the namespace engine", "unavailable", "operation not permitted"}},
		{probe: "apparmor-userns", extra: []string{"--allow-host", "example.com"}, code: exitSetup,
			stderr: []string{"sandbox: ", "--allow-host needs the namespace engine", "unavailable", "mount"}},
		// Both engines missing their kernel feature: exec-only's own
		// refusal, after the fallback.
		{probe: "no-userns-no-landlock", code: exitSetup,
			stderr: []string{"sandbox: ", "Landlock", "--best-effort"}},
		// As codex-linux-sandbox: upstream's floor, which refuses without
		// Landlock and, with the network restricted, without seccomp.
		{probe: "plain", codex: "disk-write-folder", code: 0, ran: true},
		{probe: "no-landlock-enosys", codex: "disk-write-folder", code: exitSetup, stderr: []string{"sandbox: ", "Landlock"}},
		{probe: "no-seccomp", codex: "disk-write-folder", code: exitSetup, stderr: []string{"sandbox: ", "seccomp", "network"}},
		{probe: "no-seccomp", codex: "network-full-access", code: 0, ran: true,
			stderr: []string{"sandbox: warning: ", "seccomp"}},
		// Codex's legacy dialects run on the exec-only engine: a host
		// without user namespaces changes nothing for them.
		{probe: "no-userns", codex: "disk-write-folder", code: 0, ran: true},
		// Era G's profile (the namespace engine, .git read-only) where
		// user namespaces are unavailable: Codex runs anyway on the
		// exec-only engine, and the one warning line names .git.
		{probe: "plain", codex: "profile", code: 0, ran: true},
		{probe: "no-userns", codex: "profile", code: 0, ran: true,
			stderr: []string{"sandbox: warning: ", "namespace engine unavailable", "read-only", ".git"}},
	}
	forEachUser(t, func(t *testing.T, u runAs) {
		sandbox, probe := binaries(t)
		codex := filepath.Join(filepath.Dir(sandbox), "codex-linux-sandbox")
		if err := os.Symlink(filepath.Base(sandbox), codex); err != nil && !errors.Is(err, os.ErrExist) {
			t.Fatal(err)
		}
		for _, c := range cases {
			name := c.probe
			if c.engine != "" {
				name += " " + c.engine
			}
			if len(c.extra) > 0 {
				name += " " + strings.Join(c.extra, " ")
			}
			if c.bestEffort {
				name += " best-effort"
			}
			if c.codex != "" {
				name += " codex " + c.codex
			}
			t.Run(name, func(t *testing.T) {
				d := u.dir(t)
				marker := filepath.Join(d, "MARKER")
				args := append([]string{probe, sandbox, "-w", d}, c.extra...)
				if c.engine != "" {
					args = append(args, c.engine)
				}
				if c.bestEffort {
					args = append(args, "--best-effort")
				}
				if c.codex != "" {
					args = []string{probe, codex, "-s", "disk-write-folder=" + d}
					if c.codex == "network-full-access" {
						args = append(args, "-s", c.codex)
					}
				}
				if c.codex == "profile" {
					profile := fmt.Sprintf(`{"type":"managed","file_system":{"type":"restricted","entries":[`+
						`{"path":{"type":"special","value":{"kind":"root"}},"access":"read"},`+
						`{"path":{"type":"path","path":%q},"access":"write"},`+
						`{"path":{"type":"path","path":%q},"access":"read","missing_path_behavior":"skip"}]},"network":"restricted"}`,
						d, filepath.Join(d, ".git"))
					args = []string{probe, codex, "--sandbox-policy-cwd", d, "--permission-profile", profile}
				}
				cmd := u.command(append(args, "--", "touch", marker)...)
				cmd.Env = append(cmd.Env, probeEnv+"="+c.probe)
				r := runCommand(t, cmd)
				if r.code != c.code {
					t.Errorf("want exit %d: %v", c.code, r)
				}
				if len(c.stderr) == 0 && r.stderr != "" {
					t.Errorf("want nothing on stderr: %v", r)
				}
				if len(c.stderr) > 0 {
					ok := isOneLine(r.stderr, c.stderr[0])
					for _, s := range c.stderr[1:] {
						ok = ok && strings.Contains(r.stderr, s)
					}
					if !ok {
						t.Errorf("want one stderr line starting %q and naming %q: %v", c.stderr[0], c.stderr[1:], r)
					}
				}
				if lexists(marker) != c.ran {
					t.Errorf("command ran: %v, want %v: %v", lexists(marker), c.ran, r)
				}
			})
		}
	})
}

// TestEngageStartupThreadOnly: the engine refuses, before its first
// irreversible step, to confine any thread but the startup thread, the
// one main.go's init runs on and the only one the goroutine is known to
// stay on until execve; called from the startup thread, the same command
// runs. Both run in a re-executed test binary.
func TestEngageStartupThreadOnly(t *testing.T) {
	requireLandlock(t, 3)
	forEachUser(t, func(t *testing.T, u runAs) {
		_, probe := binaries(t)
		for _, c := range []struct {
			probe string
			code  int
			ran   bool
		}{
			{"engage-on-thread", 0, true},
			{"engage-off-thread", exitSetup, false},
		} {
			t.Run(c.probe, func(t *testing.T) {
				d := u.dir(t)
				marker := filepath.Join(d, "MARKER")
				cmd := u.command(probe, "-w", d, "--", "touch", marker)
				cmd.Env = append(cmd.Env, probeEnv+"="+c.probe)
				r := runCommand(t, cmd)
				if r.code != c.code {
					t.Errorf("want exit %d: %v", c.code, r)
				}
				if c.code == exitSetup && !(isOneLine(r.stderr, "sandbox: ") && strings.Contains(r.stderr, "startup thread")) {
					t.Errorf("want one stderr line naming the startup thread: %v", r)
				}
				if lexists(marker) != c.ran {
					t.Errorf("command ran: %v, want %v: %v", lexists(marker), c.ran, r)
				}
			})
		}
	})
}

// ---------------------------------------------------------------------
// Probes: the test binary re-executed with SANDBOX_TEST_PROBE set.

// probeDeny makes syscall nr fail with errno, if arg0 is not nil only
// when its first argument's low 32 bits equal *arg0.
type probeDeny struct {
	nr    uint32
	arg0  *uint32
	errno unix.Errno
	bits  uint32 // if not 0: only when argument argi has any of these bits
	argi  int
	// stall: instead of failing, the call waits for a seccomp listener
	// that never answers (SECCOMP_RET_USER_NOTIF), as a call stuck in
	// the kernel would (a hung network filesystem).
	stall bool
	// kill: the call kills the process (SECCOMP_RET_KILL_PROCESS), as
	// systemd's SystemCallFilter= does by default.
	kill bool
}

// probeSimulations are the kernels the fail-closed probes pretend to be.
var probeSimulations = map[string][]probeDeny{
	"plain": nil,
	// An inner stage that never gets past its first capability drop,
	// which it makes once the mounts are ready (the namespace engine's
	// supervisor is then waiting for the command to start).
	"stall-capbset-drop": {
		{nr: unix.SYS_PRCTL, arg0: ptrTo(uint32(unix.PR_CAPBSET_DROP)), stall: true},
	},
	// One that never gets past its first mount_setattr, before it is
	// ready (the supervisor is then still waiting to hear so).
	"stall-mount-setattr": {
		{nr: unix.SYS_MOUNT_SETATTR, stall: true},
	},
	// A host where PID 1 may not signal the sandbox's other processes
	// with kill(-1) (an LSM's signal rules, a seccomp filter from
	// outside): the kernel must still end them with PID 1.
	"deny-kill-all": {
		{nr: unix.SYS_KILL, arg0: ptrTo(uint32(0xffffffff)), errno: unix.EPERM},
	},
	// A service under systemd's SystemCallFilter=~@resources: a change
	// of scheduling policy kills the process.
	"kill-setscheduler": {
		{nr: unix.SYS_SCHED_SETSCHEDULER, kill: true},
	},
	// No clone3 (Docker's seccomp profile answers ENOSYS, as kernels
	// before 5.3 do), or clone3 refused outright.
	"no-clone3": {
		{nr: unix.SYS_CLONE3, errno: unix.ENOSYS},
	},
	"clone3-eperm": {
		{nr: unix.SYS_CLONE3, errno: unix.EPERM},
	},
	// A filter that knows only clone(2) and kills for clone3.
	"kill-clone3": {
		{nr: unix.SYS_CLONE3, kill: true},
	},
	// A directory that cannot be removed (EBUSY, as on a filesystem that
	// refuses it for a while): the supervisor's placeholder stays.
	"rmdir-ebusy": {
		{nr: unix.SYS_UNLINKAT, argi: 2, bits: unix.AT_REMOVEDIR, errno: unix.EBUSY},
	},
	// CONFIG_SECURITY_LANDLOCK=n: the syscalls do not exist.
	"no-landlock-enosys": {
		{nr: unix.SYS_LANDLOCK_CREATE_RULESET, errno: unix.ENOSYS},
		{nr: unix.SYS_LANDLOCK_ADD_RULE, errno: unix.ENOSYS},
		{nr: unix.SYS_LANDLOCK_RESTRICT_SELF, errno: unix.ENOSYS},
	},
	// Built in but not in lsm=.
	"no-landlock-eopnotsupp": {
		{nr: unix.SYS_LANDLOCK_CREATE_RULESET, errno: unix.EOPNOTSUPP},
		{nr: unix.SYS_LANDLOCK_ADD_RULE, errno: unix.EOPNOTSUPP},
		{nr: unix.SYS_LANDLOCK_RESTRICT_SELF, errno: unix.EOPNOTSUPP},
	},
	// A kernel (or an LSM) that refuses to let capabilities go: the
	// sandbox must not run the command with them.
	"no-capdrop": {
		{nr: unix.SYS_PRCTL, arg0: ptrTo(uint32(unix.PR_CAP_AMBIENT)), errno: unix.EPERM},
		{nr: unix.SYS_CAPSET, errno: unix.EPERM},
	},
	// pidfd_getfd refused to the supervisor (Yama ptrace_scope=3, an
	// LSM): it cannot take the seccomp listener of the namespace engine.
	"no-pidfd-getfd": {
		{nr: unix.SYS_PIDFD_GETFD, errno: unix.EPERM},
	},
	// CONFIG_SECCOMP=n: prctl(PR_GET_SECCOMP) fails with EINVAL.
	"no-seccomp": {
		{nr: unix.SYS_PRCTL, arg0: ptrTo(uint32(unix.PR_GET_SECCOMP)), errno: unix.EINVAL},
		{nr: unix.SYS_SECCOMP, errno: unix.EINVAL},
	},
	// No user namespaces for us (Docker's default seccomp profile,
	// user.max_user_namespaces=0, kernel.unprivileged_userns_clone=0):
	// clone and unshare with CLONE_NEWUSER fail with EPERM.
	"no-userns": {
		{nr: unix.SYS_CLONE, bits: unix.CLONE_NEWUSER, errno: unix.EPERM},
		{nr: unix.SYS_UNSHARE, bits: unix.CLONE_NEWUSER, errno: unix.EPERM},
		{nr: unix.SYS_CLONE3, errno: unix.ENOSYS},
	},
	"no-userns-no-landlock": {
		{nr: unix.SYS_CLONE, bits: unix.CLONE_NEWUSER, errno: unix.EPERM},
		{nr: unix.SYS_UNSHARE, bits: unix.CLONE_NEWUSER, errno: unix.EPERM},
		{nr: unix.SYS_CLONE3, errno: unix.ENOSYS},
		{nr: unix.SYS_LANDLOCK_CREATE_RULESET, errno: unix.ENOSYS},
		{nr: unix.SYS_LANDLOCK_ADD_RULE, errno: unix.ENOSYS},
		{nr: unix.SYS_LANDLOCK_RESTRICT_SELF, errno: unix.ENOSYS},
	},
	// AppArmor's restriction of unprivileged user namespaces: clone
	// succeeds, and the new namespace then cannot mount anything.
	"apparmor-userns": {
		{nr: unix.SYS_MOUNT, errno: unix.EPERM},
		{nr: unix.SYS_OPEN_TREE, errno: unix.EPERM},
		{nr: unix.SYS_MOUNT_SETATTR, errno: unix.EPERM},
		{nr: unix.SYS_MOVE_MOUNT, errno: unix.EPERM},
		{nr: unix.SYS_FSOPEN, errno: unix.EPERM},
		{nr: unix.SYS_FSMOUNT, errno: unix.EPERM},
	},
}

func ptrTo[T any](v T) *T { return &v }

// nativeAudit is AUDIT_ARCH_* of the architecture this binary runs as.
func nativeAudit() (uint32, error) {
	switch runtime.GOARCH {
	case "amd64":
		return unix.AUDIT_ARCH_X86_64, nil
	case "arm64":
		return unix.AUDIT_ARCH_AARCH64, nil
	}
	return 0, fmt.Errorf("no AUDIT_ARCH for %s", runtime.GOARCH)
}

// probeFilter assembles a filter that applies rules to native syscalls and
// allows everything else. It only simulates a kernel: it guards nothing.
func probeFilter(rules []probeDeny) ([]bpf.RawInstruction, error) {
	audit, err := nativeAudit()
	if err != nil {
		return nil, err
	}
	allow := bpf.RetConstant{Val: unix.SECCOMP_RET_ALLOW}
	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4}, // A = seccomp_data.arch
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: audit, SkipTrue: 1},
		allow,
	}
	for _, r := range rules {
		deny := bpf.RetConstant{Val: unix.SECCOMP_RET_ERRNO | uint32(r.errno)}
		if r.stall {
			deny = bpf.RetConstant{Val: unix.SECCOMP_RET_USER_NOTIF}
		}
		if r.kill {
			deny = bpf.RetConstant{Val: unix.SECCOMP_RET_KILL_PROCESS}
		}
		prog = append(prog, bpf.LoadAbsolute{Off: 0, Size: 4}) // A = seccomp_data.nr
		if r.bits != 0 {
			prog = append(prog,
				bpf.JumpIf{Cond: bpf.JumpEqual, Val: r.nr, SkipFalse: 3},
				bpf.LoadAbsolute{Off: 16 + 8*uint32(r.argi), Size: 4}, // A = low half of seccomp_data.args[argi] (little-endian)
				bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: r.bits, SkipFalse: 1},
				deny,
			)
			continue
		}
		if r.arg0 == nil {
			prog = append(prog, bpf.JumpIf{Cond: bpf.JumpEqual, Val: r.nr, SkipFalse: 1}, deny)
			continue
		}
		prog = append(prog,
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: r.nr, SkipFalse: 3},
			bpf.LoadAbsolute{Off: 16, Size: 4}, // A = low half of seccomp_data.args[0] (little-endian)
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: *r.arg0, SkipFalse: 1},
			deny,
		)
	}
	return bpf.Assemble(append(prog, allow))
}

// testProbe runs in the re-executed test binary and never returns to the
// tests: it changes what this process can do, then execs argv.
//
//   - a name in probeSimulations: set no_new_privs, install that filter.
//   - ping-netns: argv is uid gid command...; in the new network namespace
//     the test started it in, allow ping sockets for every group, then
//     drop to uid/gid and exec.
func testProbe(name string, argv []string) int {
	runtime.LockOSThread() // the filter and no_new_privs are per thread
	os.Unsetenv(probeEnv)
	fail := func(format string, v ...any) int {
		fmt.Fprintf(os.Stderr, "probe %s: %s\n", name, fmt.Sprintf(format, v...))
		return 3
	}
	if name == probeSignalCatch {
		return signalCatchProbe()
	}
	if name == probeBatchThreads {
		return batchThreadsProbe(argv)
	}
	if name == probeSignalFD || name == probeSignalFDNotify {
		return signalFDProbe(name == probeSignalFDNotify)
	}
	if name == "engage-clone3-only" {
		// A generic command line, in this process, with no clone(2) to
		// fall back to if clone3 fails.
		rawCloneFallback = false
		name = "engage-on-thread"
	}
	if name == "engage-on-thread" || name == "engage-off-thread" {
		// argv is a generic command line, confined in this process: from
		// the startup thread, or from a goroutine on another thread.
		inv, err := parseGeneric(argv)
		if err != nil {
			return fail("%v", err)
		}
		if name == "engage-on-thread" {
			return start(inv.policy, inv.cmd)
		}
		code := make(chan int)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread exits with it
			code <- start(inv.policy, inv.cmd)
		}()
		return <-code
	}
	if rules, ok := probeSimulations[name]; ok {
		if len(rules) > 0 {
			prog, err := probeFilter(rules)
			if err != nil {
				return fail("%v", err)
			}
			if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
				return fail("prctl(PR_SET_NO_NEW_PRIVS): %v", err)
			}
			var flags uintptr
			if slices.ContainsFunc(rules, func(r probeDeny) bool { return r.stall }) {
				flags = unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
			}
			fd, err := seccompSetModeFilter(prog, flags)
			if err != nil {
				return fail("%v", err)
			}
			if flags != 0 {
				// Kept open, never read: the stalled calls wait.
				if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
					return fail("%v", err)
				}
			}
		}
	} else if name == "seccomp-listener" {
		// A filter with a listener, as a container runtime that
		// intercepts syscalls installs: allows everything, and its
		// listener stays open in the sandbox (not close-on-exec).
		allow := []bpf.RawInstruction{{Op: 0x06, K: 0x7fff0000}} // RET ALLOW
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fail("prctl(PR_SET_NO_NEW_PRIVS): %v", err)
		}
		fd, err := seccompSetModeFilter(allow, unix.SECCOMP_FILTER_FLAG_NEW_LISTENER)
		if err != nil {
			return fail("%v", err)
		}
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
			return fail("%v", err)
		}
	} else if name == "ping-netns" {
		if len(argv) < 3 {
			return fail("usage: uid gid command...")
		}
		uid, err1 := strconv.Atoi(argv[0])
		gid, err2 := strconv.Atoi(argv[1])
		if err := errors.Join(err1, err2); err != nil {
			return fail("%v", err)
		}
		argv = argv[2:]
		if err := os.WriteFile("/proc/sys/net/ipv4/ping_group_range", []byte("0 2147483647"), 0); err != nil {
			return fail("%v", err)
		}
		if err := syscall.Setgroups(nil); err != nil {
			return fail("setgroups: %v", err)
		}
		if err := syscall.Setresgid(gid, gid, gid); err != nil {
			return fail("setresgid: %v", err)
		}
		if err := syscall.Setresuid(uid, uid, uid); err != nil {
			return fail("setresuid: %v", err)
		}
	} else if name == "drop-caps" {
		if err := dropCapabilities(); err != nil {
			return fail("%v", err)
		}
	} else {
		return fail("unknown probe")
	}
	if len(argv) == 0 {
		return fail("no command")
	}
	err := syscall.Exec(argv[0], argv, os.Environ())
	return fail("exec %s: %v", argv[0], err)
}
