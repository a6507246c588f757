//go:build linux && (amd64 || arm64)

package main

// Kernel tests of the seccomp filter, and the local constants pinned
// against x/sys/unix, on the architectures archFor has a filter for
// (x/sys names differ elsewhere: 386 has no SYS_ACCEPT, only socketcall). The filter is never installed on the go test process:
// TestSeccompKernel re-executes the test binary, and the child (selected by
// scChildEnv) installs it on one locked thread, makes the probe calls from
// that thread, and prints one line per probe. A control child runs the same
// probes without the filter, so every denial is shown against what the
// kernel would have done.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// scChildEnv selects the child's mode: control, off or on (see scModes).
const scChildEnv = "SANDBOX_TEST_SECCOMP_CHILD"

// scModes are the child configurations: the filter with the network off
// (what a default sandbox gets), the filter with the network on,
// truncate(2) refused (a Landlock ABI < 3 kernel) and SysV IPC allowed (as
// in an IPC namespace of the command's own), and no filter at all.
var scModes = map[string]*seccompOptions{
	"control": nil,
	"off":     {network: false},
	"on":      {network: true, denyTruncate: true, ipcNamespace: true},
}

// seccompSkip skips a confinement test with the reason, except under
// CI=true, where a confinement test that cannot run is a failure.
func seccompSkip(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true: not skipping: "+format, args...)
	}
	t.Skipf(format, args...)
}

// scProbeWant is what a probe must report in each mode. Results are "ok"
// or an errno name. In want strings, "*" accepts anything, "!X" anything
// but X, and "=control" what the control child reported.
type scProbeWant struct {
	name string
	off  string
	on   string
	ctl  string
	// ctlAdmin replaces ctl when the control child has CAP_SYS_ADMIN.
	ctlAdmin string
	// absent is the control result meaning this kernel lacks the feature,
	// so the filter's answer cannot be told from the kernel's: logged.
	absent string
}

var scProbeWants = []scProbeWant{
	{name: "getpid", off: "ok", on: "ok", ctl: "ok"},
	{name: "no_new_privs", off: "1", on: "1", ctl: "1"},

	{name: "socket_inet", off: "EPERM", on: "ok", ctl: "ok"},
	{name: "socket_inet_unix_in_high_word", off: "EPERM", on: "ok", ctl: "ok"},
	{name: "socket_unix_dgram", off: "EPERM", on: "ok", ctl: "ok"},
	{name: "socket_unix_stream", off: "ok", on: "ok", ctl: "ok"},
	{name: "socket_unix_seqpacket", off: "ok", on: "ok", ctl: "ok"},
	{name: "socket_unix_garbage_high_words", off: "ok", on: "ok", ctl: "ok"},
	{name: "socketpair_unix_stream", off: "ok", on: "ok", ctl: "ok"},
	{name: "socketpair_unix_dgram", off: "EPERM", on: "ok", ctl: "ok"},
	{name: "connect_unix_path", off: "EPERM", on: "ENOENT", ctl: "ENOENT"},
	{name: "listen_pair", off: "EPERM", on: "EINVAL", ctl: "EINVAL"},
	{name: "sendto_dest", off: "EPERM", on: "EISCONN", ctl: "EISCONN"},
	{name: "sendto_no_dest", off: "ok", on: "ok", ctl: "ok"},
	{name: "sendmmsg_pair", off: "EPERM", on: "ok", ctl: "ok"},
	{name: "io_uring_setup", off: "ENOSYS", on: "ENOSYS", ctl: "!ENOSYS", absent: "ENOSYS"},
	{name: "ptrace_interrupt_nobody", off: "EPERM", on: "ESRCH", ctl: "ESRCH"},
	{name: "process_vm_readv_badflags", off: "EPERM", on: "EINVAL", ctl: "EINVAL"},

	{name: "clone3_null", off: "ENOSYS", on: "ENOSYS", ctl: "EINVAL"},
	{name: "clone_newns_fs", off: "EPERM", on: "EPERM", ctl: "EINVAL"},
	{name: "clone_thread_exitsig_0x80", off: "EINVAL", on: "EINVAL", ctl: "EINVAL"},
	{name: "unshare_newuser", off: "EPERM", on: "EPERM", ctl: "EINVAL"},
	{name: "unshare_newuts", off: "EPERM", on: "EPERM", ctl: "*", ctlAdmin: "ok"},
	{name: "unshare_newtime", off: "EPERM", on: "EPERM", ctl: "*", ctlAdmin: "ok"},
	{name: "unshare_sysvsem", off: "ok", on: "ok", ctl: "ok"},
	{name: "setns_badfd", off: "EPERM", on: "EPERM", ctl: "EBADF"},
	{name: "fork_exec_sh", off: "exit7", on: "exit7", ctl: "exit7", absent: "no-sh"},

	{name: "ioctl_tiocsti_pipe", off: "EPERM", on: "EPERM", ctl: "ENOTTY"},
	{name: "ioctl_tiocsti_high_bits_pipe", off: "EPERM", on: "EPERM", ctl: "ENOTTY"},
	{name: "ioctl_tioclinux_pipe", off: "EPERM", on: "EPERM", ctl: "ENOTTY"},
	{name: "ioctl_tcgets_pipe", off: "ENOTTY", on: "ENOTTY", ctl: "ENOTTY"},
	{name: "ioctl_setflags_pipe", off: "EPERM", on: "EPERM", ctl: "ENOTTY"},
	{name: "ioctl_setflags_high_bits_pipe", off: "EPERM", on: "EPERM", ctl: "ENOTTY"},
	{name: "ioctl_fssetxattr_pipe", off: "EPERM", on: "EPERM", ctl: "ENOTTY"},
	{name: "ioctl_getflags_pipe", off: "ENOTTY", on: "ENOTTY", ctl: "ENOTTY"},
	{name: "ioctl_fionbio_pipe", off: "ok", on: "ok", ctl: "ok"},
	{name: "ioctl_tiocsti_pty", off: "EPERM", on: "EPERM", ctl: "*", ctlAdmin: "ok", absent: "no-pty"},
	{name: "pty_input_injected", off: "no", on: "no", ctl: "*", ctlAdmin: "yes", absent: "no-pty"},

	{name: "bpf_badcmd", off: "EPERM", on: "EPERM", ctl: "*", ctlAdmin: "EINVAL"},
	{name: "keyctl_badcmd", off: "EPERM", on: "EPERM", ctl: "!EPERM", absent: "ENOSYS"},
	{name: "userfaultfd_badflags", off: "EPERM", on: "EPERM", ctl: "!EPERM", absent: "ENOSYS"},
	{name: "perf_event_open_null", off: "EPERM", on: "EPERM", ctl: "!EPERM", absent: "ENOSYS"},
	{name: "mount_null", off: "EPERM", on: "EPERM", ctl: "!EPERM"},
	{name: "truncate_missing", off: "ENOENT", on: "EPERM", ctl: "ENOENT"},

	{name: "x32_getpid", off: "ENOSYS", on: "ENOSYS", ctl: "ok", absent: "ENOSYS"}, // CONFIG_X86_X32_ABI

	// Numbers no syscall has: ENOSYS with the filter as without.
	{name: "unassigned_gap", off: "ENOSYS", on: "ENOSYS", ctl: "ENOSYS"},
	{name: "unassigned_above_newest", off: "ENOSYS", on: "ENOSYS", ctl: "ENOSYS"},
	{name: "unassigned_top", off: "ENOSYS", on: "ENOSYS", ctl: "ENOSYS"},

	// Inode flags by path (Linux 6.17); tmpfs answers EOPNOTSUPP.
	{name: "file_setattr_noatime", off: "EPERM", on: "EPERM", ctl: "!EPERM", absent: "ENOSYS"},
	{name: "file_setattr_took", off: "no", on: "no", ctl: "*"},
	{name: "lsm_set_self_attr_bad", off: "EPERM", on: "EPERM", ctl: "!EPERM", absent: "ENOSYS"},
	{name: "pidfd_getfd_badfd", off: "EPERM", on: "EBADF", ctl: "EBADF", absent: "ENOSYS"},
	// vhangup needs CAP_SYS_TTY_CONFIG; without a terminal it does nothing.
	{name: "vhangup", off: "EPERM", on: "EPERM", ctl: "*", ctlAdmin: "ok"},

	// Filesystem ioctls, on a pipe: the kernel answers ENOTTY (or, for
	// the requests the VFS handles itself, what it makes of a pipe),
	// the filter EPERM before that. pipefs cannot be frozen, so FIFREEZE
	// is harmless here even as root.
	{name: "ioctl_tiocvhangup_pipe", off: "EPERM", on: "EPERM", ctl: "ENOTTY"},
	{name: "ioctl_tiocsetd_pipe", off: "EPERM", on: "EPERM", ctl: "ENOTTY"},
	{name: "ioctl_tiocexcl_pipe", off: "EPERM", on: "EPERM", ctl: "ENOTTY"},
	{name: "ioctl_fifreeze_pipe", off: "EPERM", on: "EPERM", ctl: "*", ctlAdmin: "ENOTSUP"},
	{name: "ioctl_fithaw_pipe", off: "EPERM", on: "EPERM", ctl: "*", ctlAdmin: "EINVAL"},
	{name: "ioctl_goingdown_pipe", off: "EPERM", on: "EPERM", ctl: "ENOTTY"},
	{name: "ioctl_btrfs_subvol_create_pipe", off: "EPERM", on: "EPERM", ctl: "ENOTTY"},
	{name: "ioctl_setfslabel_pipe", off: "EPERM", on: "EPERM", ctl: "ENOTTY"},
	{name: "ioctl_set_encryption_policy_pipe", off: "EPERM", on: "EPERM", ctl: "ENOTTY"},
	{name: "ioctl_enable_verity_pipe", off: "EPERM", on: "EPERM", ctl: "ENOTTY"},
	{name: "ioctl_setversion_pipe", off: "EPERM", on: "EPERM", ctl: "ENOTTY"},
	{name: "ioctl_ficlone_pipe", off: "=control", on: "=control", ctl: "!EPERM"},
	{name: "ioctl_fiemap_pipe", off: "=control", on: "=control", ctl: "!EPERM"},
	{name: "ioctl_fsgetxattr_pipe", off: "=control", on: "=control", ctl: "!EPERM"},
	{name: "ioctl_fionread_pipe", off: "ok", on: "ok", ctl: "ok"},

	// Limits and scheduling: pid 0 is the caller; its own pid, as any
	// other, is refused. Each call sets what is already there.
	{name: "prlimit_own_pid_set", off: "EPERM", on: "EPERM", ctl: "ok"},
	{name: "prlimit_own_pid_get", off: "ok", on: "ok", ctl: "ok"},
	{name: "prlimit_pid0_set", off: "ok", on: "ok", ctl: "ok"},
	{name: "setpriority_own_pid", off: "EPERM", on: "EPERM", ctl: "ok"},
	{name: "setpriority_pid0", off: "ok", on: "ok", ctl: "ok"},
	{name: "sched_setaffinity_own_pid", off: "EPERM", on: "EPERM", ctl: "ok"},
	{name: "sched_setaffinity_pid0", off: "ok", on: "ok", ctl: "ok"},
	{name: "sched_setparam_own_pid", off: "EPERM", on: "EPERM", ctl: "ok"},
	{name: "ioprio_set_own_pid", off: "EPERM", on: "EPERM", ctl: "ok"},
	{name: "ioprio_set_pid0", off: "ok", on: "ok", ctl: "ok"},

	// SysV IPC: refused, unless the command has an IPC namespace ("on").
	// POSIX queues: refused always.
	{name: "shmget_private", off: "ENOSYS", on: "ok", ctl: "ok", absent: "ENOSYS"},
	{name: "msgget_private", off: "ENOSYS", on: "ok", ctl: "ok", absent: "ENOSYS"},
	{name: "semget_private", off: "ENOSYS", on: "ok", ctl: "ok", absent: "ENOSYS"},
	{name: "mq_open_create", off: "ENOSYS", on: "ENOSYS", ctl: "ok", absent: "ENOSYS"},

	// Last: hangs up the probes' own pty.
	{name: "ioctl_tiocvhangup_pty", off: "EPERM", on: "EPERM", ctl: "*", ctlAdmin: "ok", absent: "no-pty"},
}

// TestSeccompKernel installs the real filter in child processes and
// compares what the probe syscalls return with and without it.
func TestSeccompKernel(t *testing.T) {
	if archFor(runtime.GOARCH) == nil {
		seccompSkip(t, "no seccomp filter for %s", runtime.GOARCH)
	}
	if _, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0); err != nil {
		seccompSkip(t, "needs a kernel with seccomp filters (CONFIG_SECCOMP_FILTER, Linux >= 3.17): prctl(PR_GET_SECCOMP): %v", err)
	}
	got := map[string]map[string]string{}
	for _, mode := range []string{"control", "off", "on"} {
		got[mode] = scRunChild(t, mode)
	}
	ctl := got["control"]
	admin := ctl["cap_sys_admin"] == "yes"
	t.Logf("control child: CAP_SYS_ADMIN=%v, x32 getpid: %s, io_uring_setup: %s", admin, ctl["x32_getpid"], ctl["io_uring_setup"])

	for _, w := range scProbeWants {
		if w.name == "x32_getpid" && runtime.GOARCH != "amd64" {
			continue
		}
		c, ok := ctl[w.name]
		if !ok {
			t.Errorf("%s: control child did not report", w.name)
			continue
		}
		t.Logf("%-32s control=%-8s off=%-8s on=%s", w.name, c, got["off"][w.name], got["on"][w.name])
		if w.absent != "" && c == w.absent {
			t.Logf("%s: this kernel lacks it (control: %s); the filter's answer cannot be told apart", w.name, c)
			continue
		}
		wantCtl := w.ctl
		if admin && w.ctlAdmin != "" {
			wantCtl = w.ctlAdmin
		}
		if !scMatch(c, wantCtl, c) {
			t.Errorf("%s without filter: got %s, want %s", w.name, c, wantCtl)
		}
		for _, m := range []struct{ mode, want string }{{"off", w.off}, {"on", w.on}} {
			g, ok := got[m.mode][w.name]
			if !ok {
				t.Errorf("%s: %s child did not report", w.name, m.mode)
				continue
			}
			if !scMatch(g, m.want, c) {
				t.Errorf("%s with filter (network %s): got %s, want %s (control: %s)", w.name, m.mode, g, m.want, c)
			}
		}
	}

	// The filter is really there, once, on the thread that made the calls.
	base, err := strconv.Atoi(ctl["seccomp_filters"])
	if err != nil {
		t.Fatalf("control child: Seccomp_filters %q", ctl["seccomp_filters"])
	}
	for _, mode := range []string{"off", "on"} {
		if m := got[mode]["seccomp_mode"]; m != "2" {
			t.Errorf("%s child: Seccomp %s, want 2 (filter)", mode, m)
		}
		if n := got[mode]["seccomp_filters"]; n != strconv.Itoa(base+1) {
			t.Errorf("%s child: Seccomp_filters %s, want %d", mode, n, base+1)
		}
	}
}

// scMatch reports whether got satisfies want; ctl is the control result.
func scMatch(got, want, ctl string) bool {
	switch {
	case want == "*":
		return true
	case want == "=control":
		return got == ctl
	case strings.HasPrefix(want, "!"):
		return got != want[1:]
	}
	return got == want
}

// scRunChild runs TestSeccompKernelChild in mode and returns its probes.
func scRunChild(t *testing.T, mode string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSeccompKernelChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), scChildEnv+"="+mode)
	// A session of its own, so no controlling terminal: the control
	// child really calls vhangup(2), which would hang up the terminal of
	// whoever runs the tests.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := map[string]string{}
	done := false
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "seccomp-probe" {
			res[f[1]] = f[2]
		}
		if len(f) == 1 && f[0] == "seccomp-probe-done" {
			done = true
		}
	}
	if err != nil || !done {
		t.Fatalf("%s child: %v (all probes reported: %v)\nstdout:\n%s\nstderr:\n%s", mode, err, done, stdout.String(), stderr.String())
	}
	return res
}

// TestSeccompKernelChild is the child of TestSeccompKernel; it does
// nothing unless scChildEnv is set.
func TestSeccompKernelChild(t *testing.T) {
	mode := os.Getenv(scChildEnv)
	if mode == "" {
		t.Skip("runs only as the child of TestSeccompKernel")
	}
	opts, ok := scModes[mode]
	if !ok {
		t.Fatalf("%s=%q: unknown mode", scChildEnv, mode)
	}
	// The filter and every probe belong to this thread. The goroutine
	// never unlocks it, so the thread exits with it rather than going
	// back to the scheduler filtered.
	runtime.LockOSThread()

	env, err := scNewProbeEnv()
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		t.Fatalf("prctl(PR_SET_NO_NEW_PRIVS): %v", err)
	}
	if opts != nil {
		prog, err := buildSeccomp(archFor(runtime.GOARCH), seccompRules(*opts))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := seccompSetModeFilter(prog, 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range scProbes {
		fmt.Fprintf(os.Stdout, "seccomp-probe %s %s\n", p.name, p.run(env))
	}
	os.RemoveAll(filepath.Dir(env.file))
	fmt.Fprintln(os.Stdout, "seccomp-probe-done")
}

// scProbeEnv holds what the probes act on, opened before the filter.
type scProbeEnv struct {
	pair     [2]int // connected AF_UNIX stream sockets
	unixSock int    // unconnected AF_UNIX stream socket
	pipe     [2]int
	ptm, pts int    // pty master and slave, -1 if there is none
	file     string // a file of the child's own, in a directory it made
}

func scNewProbeEnv() (*scProbeEnv, error) {
	e := &scProbeEnv{ptm: -1, pts: -1}
	dir, err := os.MkdirTemp("", "sandbox-seccomp-probe-")
	if err != nil {
		return nil, err
	}
	e.file = dir + "/file"
	if err := os.WriteFile(e.file, []byte("x"), 0o600); err != nil {
		return nil, err
	}
	if e.pair, err = unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err != nil {
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	if e.unixSock, err = unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	if err = unix.Pipe2(e.pipe[:], unix.O_CLOEXEC); err != nil {
		return nil, fmt.Errorf("pipe2: %w", err)
	}
	// A pty stands in for the user's terminal the command inherits.
	e.ptm, err = unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err == nil {
		err = unix.IoctlSetPointerInt(e.ptm, unix.TIOCSPTLCK, 0) // unlockpt
	}
	if err == nil {
		// TIOCGPTPEER opens the slave; its argument is the open flags.
		r, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(e.ptm), unix.TIOCGPTPEER,
			unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK)
		e.pts = int(r)
		if errno != 0 {
			err = errno
		}
	}
	if err != nil {
		e.ptm, e.pts = -1, -1
	}
	return e, nil
}

// scErr turns a raw syscall result into "ok" or the errno's name, closing
// a returned file descriptor when fd is set.
func scErr(r uintptr, errno unix.Errno, fd bool) string {
	if errno != 0 {
		if n := unix.ErrnoName(errno); n != "" {
			return n
		}
		return "errno" + strconv.Itoa(int(errno))
	}
	if fd {
		unix.Close(int(r))
	}
	return "ok"
}

// scCallClone calls clone(2) with flags the kernel must refuse. Should it
// create a process or thread all the same, the new task exits at once.
func scCallClone(flags uintptr) string {
	r, _, errno := unix.RawSyscall6(unix.SYS_CLONE, flags, 0, 0, 0, 0, 0)
	if errno == 0 && r == 0 {
		unix.RawSyscall(unix.SYS_EXIT, 0, 0, 0)
	}
	return scErr(r, errno, false)
}

func scCallSocket(domain, typ uint64) string {
	r, _, errno := unix.RawSyscall(unix.SYS_SOCKET, uintptr(domain), uintptr(typ|unix.SOCK_CLOEXEC), 0)
	return scErr(r, errno, true)
}

func scCallSocketpair(domain, typ uint64) string {
	var fds [2]int32
	r, _, errno := unix.RawSyscall6(unix.SYS_SOCKETPAIR, uintptr(domain), uintptr(typ|unix.SOCK_CLOEXEC), 0,
		uintptr(unsafe.Pointer(&fds)), 0, 0)
	if errno == 0 {
		unix.Close(int(fds[0]))
		unix.Close(int(fds[1]))
	}
	return scErr(r, errno, false)
}

func scCallIoctl(fd int, req uint64, arg unsafe.Pointer) string {
	r, _, errno := unix.RawSyscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg))
	return scErr(r, errno, false)
}

// scAddr is a sockaddr_un naming a path that does not exist.
func scAddr() (unsafe.Pointer, uintptr) {
	sa := &unix.RawSockaddrUnix{Family: unix.AF_UNIX}
	for i, c := range "/nonexistent-sandbox-seccomp-test/sock" {
		sa.Path[i] = int8(c)
	}
	return unsafe.Pointer(sa), unsafe.Sizeof(*sa)
}

// scStatus returns a field of /proc/thread-self/status.
func scStatus(field string) string {
	b, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		return "unreadable"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "missing"
}

type scProbe struct {
	name string
	run  func(e *scProbeEnv) string
}

// The 64-bit values put garbage in the words the kernel ignores.
const (
	scHighGarbage = 0xdeadbeef00000000
)

var scProbes = []scProbe{
	{"cap_sys_admin", func(e *scProbeEnv) string {
		eff, err := strconv.ParseUint(scStatus("CapEff"), 16, 64)
		if err == nil && eff&(1<<unix.CAP_SYS_ADMIN) != 0 {
			return "yes"
		}
		return "no"
	}},
	{"seccomp_mode", func(e *scProbeEnv) string { return scStatus("Seccomp") }},
	{"seccomp_filters", func(e *scProbeEnv) string { return scStatus("Seccomp_filters") }},
	{"getpid", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall(unix.SYS_GETPID, 0, 0, 0)
		return scErr(r, errno, false)
	}},
	{"no_new_privs", func(e *scProbeEnv) string {
		v, err := unix.PrctlRetInt(unix.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)
		if err != nil {
			return "error"
		}
		return strconv.Itoa(v)
	}},

	{"socket_inet", func(e *scProbeEnv) string { return scCallSocket(unix.AF_INET, unix.SOCK_STREAM) }},
	// The kernel sees AF_INET; a filter reading the high word would see AF_UNIX.
	{"socket_inet_unix_in_high_word", func(e *scProbeEnv) string {
		return scCallSocket(unix.AF_UNIX<<32|unix.AF_INET, unix.SOCK_STREAM)
	}},
	{"socket_unix_dgram", func(e *scProbeEnv) string { return scCallSocket(unix.AF_UNIX, unix.SOCK_DGRAM) }},
	{"socket_unix_stream", func(e *scProbeEnv) string {
		return scCallSocket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK)
	}},
	{"socket_unix_seqpacket", func(e *scProbeEnv) string { return scCallSocket(unix.AF_UNIX, unix.SOCK_SEQPACKET) }},
	// The kernel truncates domain and type to int: both are AF_UNIX stream.
	{"socket_unix_garbage_high_words", func(e *scProbeEnv) string {
		return scCallSocket(scHighGarbage|unix.AF_UNIX, scHighGarbage|unix.SOCK_STREAM)
	}},
	{"socketpair_unix_stream", func(e *scProbeEnv) string { return scCallSocketpair(unix.AF_UNIX, unix.SOCK_STREAM) }},
	{"socketpair_unix_dgram", func(e *scProbeEnv) string { return scCallSocketpair(unix.AF_UNIX, unix.SOCK_DGRAM) }},
	{"connect_unix_path", func(e *scProbeEnv) string {
		sa, n := scAddr()
		r, _, errno := unix.RawSyscall(unix.SYS_CONNECT, uintptr(e.unixSock), uintptr(sa), n)
		return scErr(r, errno, false)
	}},
	{"listen_pair", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall(unix.SYS_LISTEN, uintptr(e.pair[0]), 1, 0)
		return scErr(r, errno, false)
	}},
	{"sendto_dest", func(e *scProbeEnv) string {
		sa, n := scAddr()
		b := []byte("x")
		r, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(e.pair[0]), uintptr(unsafe.Pointer(&b[0])), 1,
			unix.MSG_DONTWAIT, uintptr(sa), n)
		return scErr(r, errno, false)
	}},
	{"sendto_no_dest", func(e *scProbeEnv) string {
		b := []byte("x")
		r, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(e.pair[0]), uintptr(unsafe.Pointer(&b[0])), 1,
			unix.MSG_DONTWAIT, 0, 0)
		return scErr(r, errno, false)
	}},
	{"sendmmsg_pair", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall6(unix.SYS_SENDMMSG, uintptr(e.pair[0]), 0, 0, unix.MSG_DONTWAIT, 0, 0)
		return scErr(r, errno, false)
	}},
	{"io_uring_setup", func(e *scProbeEnv) string {
		var params [120]byte // struct io_uring_params, zeroed
		r, _, errno := unix.RawSyscall(unix.SYS_IO_URING_SETUP, 1, uintptr(unsafe.Pointer(&params)), 0)
		return scErr(r, errno, true)
	}},
	{"ptrace_interrupt_nobody", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_INTERRUPT, 0x3fffffff, 0, 0, 0, 0)
		return scErr(r, errno, false)
	}},
	{"process_vm_readv_badflags", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall6(unix.SYS_PROCESS_VM_READV, uintptr(unix.Getpid()), 0, 0, 0, 0, 1)
		return scErr(r, errno, false)
	}},

	{"clone3_null", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall(unix.SYS_CLONE3, 0, 0, 0)
		return scErr(r, errno, false)
	}},
	// copy_process refuses CLONE_NEWNS with CLONE_FS (EINVAL) before
	// creating anything, and CLONE_THREAD without CLONE_SIGHAND.
	{"clone_newns_fs", func(e *scProbeEnv) string { return scCallClone(unix.CLONE_NEWNS | unix.CLONE_FS) }},
	{"clone_thread_exitsig_0x80", func(e *scProbeEnv) string { return scCallClone(unix.CLONE_THREAD | 0x80) }},
	// unshare(CLONE_NEWUSER) fails with EINVAL in a multithreaded process.
	{"unshare_newuser", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall(unix.SYS_UNSHARE, unix.CLONE_NEWUSER, 0, 0)
		return scErr(r, errno, false)
	}},
	{"unshare_newuts", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall(unix.SYS_UNSHARE, unix.CLONE_NEWUTS, 0, 0)
		return scErr(r, errno, false)
	}},
	{"unshare_newtime", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall(unix.SYS_UNSHARE, unix.CLONE_NEWTIME, 0, 0)
		return scErr(r, errno, false)
	}},
	{"unshare_sysvsem", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall(unix.SYS_UNSHARE, unix.CLONE_SYSVSEM, 0, 0)
		return scErr(r, errno, false)
	}},
	{"setns_badfd", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall(unix.SYS_SETNS, ^uintptr(0), 0, 0)
		return scErr(r, errno, false)
	}},
	// fork and exec from the filtered thread: the child inherits the filter.
	{"fork_exec_sh", func(e *scProbeEnv) string {
		if _, err := os.Stat("/bin/sh"); err != nil {
			return "no-sh"
		}
		err := exec.Command("/bin/sh", "-c", "exit 7").Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return "exit" + strconv.Itoa(ee.ExitCode())
		}
		if err != nil {
			return strings.ReplaceAll(err.Error(), " ", "_")
		}
		return "exit0"
	}},

	{"ioctl_tiocsti_pipe", func(e *scProbeEnv) string {
		c := byte('x')
		return scCallIoctl(e.pipe[0], unix.TIOCSTI, unsafe.Pointer(&c))
	}},
	{"ioctl_tiocsti_high_bits_pipe", func(e *scProbeEnv) string {
		c := byte('x')
		return scCallIoctl(e.pipe[0], scHighGarbage|unix.TIOCSTI, unsafe.Pointer(&c))
	}},
	{"ioctl_tioclinux_pipe", func(e *scProbeEnv) string {
		c := byte(0)
		return scCallIoctl(e.pipe[0], unix.TIOCLINUX, unsafe.Pointer(&c))
	}},
	{"ioctl_setflags_pipe", func(e *scProbeEnv) string {
		flags := int32(0x20) // FS_APPEND_FL
		return scCallIoctl(e.pipe[0], unix.FS_IOC_SETFLAGS, unsafe.Pointer(&flags))
	}},
	{"ioctl_setflags_high_bits_pipe", func(e *scProbeEnv) string {
		flags := int32(0x20)
		return scCallIoctl(e.pipe[0], scHighGarbage|unix.FS_IOC_SETFLAGS, unsafe.Pointer(&flags))
	}},
	{"ioctl_fssetxattr_pipe", func(e *scProbeEnv) string {
		var fsx [28]byte // struct fsxattr, zeroed
		return scCallIoctl(e.pipe[0], scFSIocFSSetXattr, unsafe.Pointer(&fsx))
	}},
	{"ioctl_getflags_pipe", func(e *scProbeEnv) string {
		var flags int32
		return scCallIoctl(e.pipe[0], unix.FS_IOC_GETFLAGS, unsafe.Pointer(&flags))
	}},
	{"ioctl_tcgets_pipe", func(e *scProbeEnv) string {
		var tio unix.Termios
		return scCallIoctl(e.pipe[0], unix.TCGETS, unsafe.Pointer(&tio))
	}},
	{"ioctl_fionbio_pipe", func(e *scProbeEnv) string {
		off := int32(0)
		return scCallIoctl(e.pipe[0], scFIONBIO, unsafe.Pointer(&off))
	}},
	// Push "x\n" into the pty's input queue, as an attacker would push a
	// command line into the user's shell.
	{"ioctl_tiocsti_pty", func(e *scProbeEnv) string {
		if e.pts < 0 {
			return "no-pty"
		}
		x, nl := byte('x'), byte('\n')
		res := scCallIoctl(e.pts, unix.TIOCSTI, unsafe.Pointer(&x))
		scCallIoctl(e.pts, unix.TIOCSTI, unsafe.Pointer(&nl))
		return res
	}},
	// The effect: whether a read of the terminal now returns the input.
	{"pty_input_injected", func(e *scProbeEnv) string {
		if e.pts < 0 {
			return "no-pty"
		}
		buf := make([]byte, 16)
		n, _ := unix.Read(e.pts, buf)
		if n > 0 && bytes.Contains(buf[:n], []byte("x")) {
			return "yes"
		}
		return "no"
	}},

	{"bpf_badcmd", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall(unix.SYS_BPF, 0x7fffffff, 0, 0)
		return scErr(r, errno, false)
	}},
	{"keyctl_badcmd", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall6(unix.SYS_KEYCTL, 0x7fffffff, 0, 0, 0, 0, 0)
		return scErr(r, errno, false)
	}},
	{"userfaultfd_badflags", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall(unix.SYS_USERFAULTFD, 0x7fffffff, 0, 0)
		return scErr(r, errno, true)
	}},
	{"perf_event_open_null", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall6(unix.SYS_PERF_EVENT_OPEN, 0, 0, ^uintptr(0), ^uintptr(0), 0, 0)
		return scErr(r, errno, true)
	}},
	{"mount_null", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall6(unix.SYS_MOUNT, 0, 0, 0, 0, 0, 0)
		return scErr(r, errno, false)
	}},
	{"truncate_missing", func(e *scProbeEnv) string {
		p := []byte("/nonexistent-sandbox-seccomp-test\x00")
		r, _, errno := unix.RawSyscall(unix.SYS_TRUNCATE, uintptr(unsafe.Pointer(&p[0])), 0, 0)
		return scErr(r, errno, false)
	}},

	// getpid through the x32 ABI: the same AUDIT_ARCH_X86_64, bit 30 set.
	// Meaningless on arm64, where the number is simply unknown.
	{"x32_getpid", func(e *scProbeEnv) string {
		if runtime.GOARCH != "amd64" {
			return "not-amd64"
		}
		const x32GetPID = 0x40000000 | 39
		r, _, errno := unix.RawSyscall(x32GetPID, 0, 0, 0)
		return scErr(r, errno, false)
	}},

	{"unassigned_gap", func(e *scProbeEnv) string { return scCallNr(400) }},
	{"unassigned_above_newest", func(e *scProbeEnv) string { return scCallNr(newestSyscall + 30) }},
	{"unassigned_top", func(e *scProbeEnv) string { return scCallNr(0x3fffffff) }},

	{"file_setattr_noatime", func(e *scProbeEnv) string {
		// struct file_attr (include/uapi/linux/fs.h): __u64 fa_xflags;
		// __u32 fa_extsize, fa_nextents, fa_projid, fa_cowextsize.
		var fa struct {
			xflags                            uint64
			extsize, nextents, projid, cowext uint32
		}
		fa.xflags = 0x40 // FS_XFLAG_NOATIME
		p, _ := unix.BytePtrFromString(e.file)
		r, _, errno := unix.RawSyscall6(unix.SYS_FILE_SETATTR, atFDCWD,
			uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&fa)), unsafe.Sizeof(fa), 0, 0)
		return scErr(r, errno, false)
	}},
	{"file_setattr_took", func(e *scProbeEnv) string {
		fd, err := unix.Open(e.file, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return "unreadable"
		}
		defer unix.Close(fd)
		flags, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
		if err == nil && flags&0x80 != 0 { // FS_NOATIME_FL
			return "yes"
		}
		return "no"
	}},
	{"lsm_set_self_attr_bad", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall6(unix.SYS_LSM_SET_SELF_ATTR, 0, 0, 0, 0, 0, 0)
		return scErr(r, errno, false)
	}},
	{"pidfd_getfd_badfd", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall(unix.SYS_PIDFD_GETFD, ^uintptr(0), 0, 0)
		return scErr(r, errno, true)
	}},
	{"vhangup", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall(unix.SYS_VHANGUP, 0, 0, 0)
		return scErr(r, errno, false)
	}},

	{"ioctl_tiocvhangup_pipe", func(e *scProbeEnv) string { return scCallIoctl(e.pipe[0], unix.TIOCVHANGUP, nil) }},
	{"ioctl_tiocsetd_pipe", func(e *scProbeEnv) string { return scCallIoctl(e.pipe[0], unix.TIOCSETD, nil) }},
	{"ioctl_tiocexcl_pipe", func(e *scProbeEnv) string { return scCallIoctl(e.pipe[0], unix.TIOCEXCL, nil) }},
	{"ioctl_fifreeze_pipe", func(e *scProbeEnv) string { return scCallIoctl(e.pipe[0], 0xc0045877, nil) }},
	{"ioctl_fithaw_pipe", func(e *scProbeEnv) string { return scCallIoctl(e.pipe[0], 0xc0045878, nil) }},
	{"ioctl_goingdown_pipe", func(e *scProbeEnv) string {
		flags := uint32(2) // XFS_FSOP_GOING_FLAGS_NOLOGFLUSH
		return scCallIoctl(e.pipe[0], 0x8004587d, unsafe.Pointer(&flags))
	}},
	{"ioctl_btrfs_subvol_create_pipe", func(e *scProbeEnv) string {
		var args [4096]byte // struct btrfs_ioctl_vol_args
		return scCallIoctl(e.pipe[0], 0x5000940e, unsafe.Pointer(&args))
	}},
	{"ioctl_setfslabel_pipe", func(e *scProbeEnv) string {
		var label [256]byte
		return scCallIoctl(e.pipe[0], 0x41009432, unsafe.Pointer(&label))
	}},
	{"ioctl_set_encryption_policy_pipe", func(e *scProbeEnv) string {
		var policy [12]byte // struct fscrypt_policy_v1
		return scCallIoctl(e.pipe[0], unix.FS_IOC_SET_ENCRYPTION_POLICY, unsafe.Pointer(&policy))
	}},
	{"ioctl_enable_verity_pipe", func(e *scProbeEnv) string {
		var arg [128]byte // struct fsverity_enable_arg
		return scCallIoctl(e.pipe[0], unix.FS_IOC_ENABLE_VERITY, unsafe.Pointer(&arg))
	}},
	{"ioctl_setversion_pipe", func(e *scProbeEnv) string {
		v := int64(1)
		return scCallIoctl(e.pipe[0], 0x40087602, unsafe.Pointer(&v))
	}},
	{"ioctl_ficlone_pipe", func(e *scProbeEnv) string { return scCallIoctlArg(e.pipe[1], unix.FICLONE, ^uintptr(0)) }},
	{"ioctl_fiemap_pipe", func(e *scProbeEnv) string {
		var fm [32]byte // struct fiemap, no extents
		return scCallIoctl(e.pipe[0], 0xc020660b, unsafe.Pointer(&fm))
	}},
	{"ioctl_fsgetxattr_pipe", func(e *scProbeEnv) string {
		var fsx [28]byte
		return scCallIoctl(e.pipe[0], 0x801c581f, unsafe.Pointer(&fsx))
	}},
	{"ioctl_fionread_pipe", func(e *scProbeEnv) string {
		var n int32
		return scCallIoctl(e.pipe[0], unix.TIOCINQ, unsafe.Pointer(&n))
	}},

	{"prlimit_own_pid_set", func(e *scProbeEnv) string { return scCallPrlimit(unix.Getpid(), true) }},
	{"prlimit_own_pid_get", func(e *scProbeEnv) string { return scCallPrlimit(unix.Getpid(), false) }},
	{"prlimit_pid0_set", func(e *scProbeEnv) string { return scCallPrlimit(0, true) }},
	{"setpriority_own_pid", func(e *scProbeEnv) string { return scSetpriority(unix.Getpid()) }},
	{"setpriority_pid0", func(e *scProbeEnv) string { return scSetpriority(0) }},
	{"sched_setaffinity_own_pid", func(e *scProbeEnv) string { return scSetaffinity(unix.Getpid()) }},
	{"sched_setaffinity_pid0", func(e *scProbeEnv) string { return scSetaffinity(0) }},
	{"sched_setparam_own_pid", func(e *scProbeEnv) string {
		var param int32 // struct sched_param: SCHED_OTHER's priority, 0
		r, _, errno := unix.RawSyscall(unix.SYS_SCHED_SETPARAM, uintptr(unix.Getpid()), uintptr(unsafe.Pointer(&param)), 0)
		return scErr(r, errno, false)
	}},
	{"ioprio_set_own_pid", func(e *scProbeEnv) string { return scIoprioSet(unix.Getpid()) }},
	{"ioprio_set_pid0", func(e *scProbeEnv) string { return scIoprioSet(0) }},

	{"shmget_private", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall(unix.SYS_SHMGET, 0, 4096, unix.IPC_CREAT|0o600)
		if errno == 0 {
			unix.RawSyscall(unix.SYS_SHMCTL, r, unix.IPC_RMID, 0)
		}
		return scErr(r, errno, false)
	}},
	{"msgget_private", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall(unix.SYS_MSGGET, 0, unix.IPC_CREAT|0o600, 0)
		if errno == 0 {
			unix.RawSyscall(unix.SYS_MSGCTL, r, unix.IPC_RMID, 0)
		}
		return scErr(r, errno, false)
	}},
	{"semget_private", func(e *scProbeEnv) string {
		r, _, errno := unix.RawSyscall(unix.SYS_SEMGET, 0, 1, unix.IPC_CREAT|0o600)
		if errno == 0 {
			unix.RawSyscall6(unix.SYS_SEMCTL, r, 0, unix.IPC_RMID, 0, 0, 0)
		}
		return scErr(r, errno, false)
	}},
	{"mq_open_create", func(e *scProbeEnv) string {
		// The kernel's name has no leading slash (glibc strips it).
		name, _ := unix.BytePtrFromString(fmt.Sprintf("sandbox-seccomp-test-%d", unix.Getpid()))
		r, _, errno := unix.RawSyscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(name)),
			unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600, 0, 0, 0)
		if errno == 0 {
			unix.Close(int(r))
			unix.RawSyscall(unix.SYS_MQ_UNLINK, uintptr(unsafe.Pointer(name)), 0, 0)
		}
		return scErr(r, errno, false)
	}},

	{"ioctl_tiocvhangup_pty", func(e *scProbeEnv) string {
		if e.pts < 0 {
			return "no-pty"
		}
		return scCallIoctl(e.pts, unix.TIOCVHANGUP, nil)
	}},
}

// atFDCWD is AT_FDCWD (-100) as the kernel reads an int argument.
const atFDCWD = uintptr(0xffffff9c)

// scCallNr calls syscall nr with no arguments.
func scCallNr(nr uintptr) string {
	r, _, errno := unix.RawSyscall(nr, 0, 0, 0)
	return scErr(r, errno, false)
}

func scCallIoctlArg(fd int, req uint64, arg uintptr) string {
	r, _, errno := unix.RawSyscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), arg)
	return scErr(r, errno, false)
}

// scCallPrlimit sets pid's RLIMIT_NOFILE to what it is (set), or reads it.
func scCallPrlimit(pid int, set bool) string {
	var cur unix.Rlimit
	if err := unix.Prlimit(0, unix.RLIMIT_NOFILE, nil, &cur); err != nil {
		return "getrlimit-failed"
	}
	var old unix.Rlimit
	newp, oldp := unsafe.Pointer(nil), unsafe.Pointer(&old)
	if set {
		newp, oldp = unsafe.Pointer(&cur), nil
	}
	r, _, errno := unix.RawSyscall6(unix.SYS_PRLIMIT64, uintptr(pid), unix.RLIMIT_NOFILE, uintptr(newp), uintptr(oldp), 0, 0)
	return scErr(r, errno, false)
}

// scSetpriority sets pid's nice value to the caller's.
func scSetpriority(pid int) string {
	r, _, errno := unix.RawSyscall(unix.SYS_GETPRIORITY, unix.PRIO_PROCESS, 0, 0)
	if errno != 0 {
		return "getpriority-failed"
	}
	nice := 20 - int(r) // the raw syscall returns 20 - nice
	r, _, errno = unix.RawSyscall(unix.SYS_SETPRIORITY, unix.PRIO_PROCESS, uintptr(pid), uintptr(nice))
	return scErr(r, errno, false)
}

// scSetaffinity sets pid's CPU mask to the caller's.
func scSetaffinity(pid int) string {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return "getaffinity-failed"
	}
	r, _, errno := unix.RawSyscall(unix.SYS_SCHED_SETAFFINITY, uintptr(pid), unsafe.Sizeof(set), uintptr(unsafe.Pointer(&set)))
	return scErr(r, errno, false)
}

// scIoprioSet sets pid's I/O priority to the caller's.
func scIoprioSet(pid int) string {
	const whoProcess = 1 // IOPRIO_WHO_PROCESS
	prio, _, errno := unix.RawSyscall(unix.SYS_IOPRIO_GET, whoProcess, 0, 0)
	if errno != 0 {
		return "ioprio_get-failed"
	}
	r, _, errno := unix.RawSyscall(unix.SYS_IOPRIO_SET, whoProcess, uintptr(pid), prio)
	return scErr(r, errno, false)
}

// TestSeccompConstants pins the constants seccomp.go declares for every OS
// against x/sys/unix, and the running architecture's syscall numbers.
func TestSeccompConstants(t *testing.T) {
	pins := []struct {
		name      string
		got, want uint64
	}{
		{"retKillProcess", retKillProcess, unix.SECCOMP_RET_KILL_PROCESS},
		{"retErrno", retErrno, unix.SECCOMP_RET_ERRNO},
		{"retAllow", retAllow, unix.SECCOMP_RET_ALLOW},
		{"errnoEPERM", errnoEPERM, uint64(unix.EPERM)},
		{"errnoENOSYS", errnoENOSYS, uint64(unix.ENOSYS)},
		{"afUnix", afUnix, unix.AF_UNIX},
		{"sockStream", sockStream, unix.SOCK_STREAM},
		{"sockSeqpacket", sockSeqpacket, unix.SOCK_SEQPACKET},
		{"ioctlTIOCSTI", ioctlTIOCSTI, unix.TIOCSTI},
		{"ioctlTIOCLINUX", ioctlTIOCLINUX, unix.TIOCLINUX},
		{"ioctlTIOCVHANGUP", ioctlTIOCVHANGUP, unix.TIOCVHANGUP},
		{"ioctlTIOCSETD", ioctlTIOCSETD, unix.TIOCSETD},
		{"ioctlTIOCEXCL", ioctlTIOCEXCL, unix.TIOCEXCL},
		{"ioctlFICLONE", ioctlFICLONE, unix.FICLONE},
		{"ioctlFICLONERANGE", ioctlFICLONERANGE, unix.FICLONERANGE},
		{"ioctlFIDEDUPERANGE", ioctlFIDEDUPERANGE, unix.FIDEDUPERANGE},
		{"ioctlFSGetFlags", ioctlFSGetFlags, unix.FS_IOC_GETFLAGS},
		{"FS_IOC_SETFLAGS in 'f'", unix.FS_IOC_SETFLAGS & ioctlTypeMask, 'f' << 8},
		{"FS_IOC_SET_ENCRYPTION_POLICY in 'f'", unix.FS_IOC_SET_ENCRYPTION_POLICY & ioctlTypeMask, 'f' << 8},
		{"FS_IOC_ENABLE_VERITY in 'f'", unix.FS_IOC_ENABLE_VERITY & ioctlTypeMask, 'f' << 8},
		{"prioProcess", prioProcess, unix.PRIO_PROCESS},
		{"cloneNamespaces", cloneNamespaces, unix.CLONE_NEWNS | unix.CLONE_NEWCGROUP | unix.CLONE_NEWUTS |
			unix.CLONE_NEWIPC | unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNET},
		{"cloneNewTime", cloneNewTime, unix.CLONE_NEWTIME},
		{"amd64 audit", uint64(archFor("amd64").audit), unix.AUDIT_ARCH_X86_64},
		{"arm64 audit", uint64(archFor("arm64").audit), unix.AUDIT_ARCH_AARCH64},
		{"seccompDataNR", seccompDataNR, uint64(unsafe.Offsetof(scSeccompData{}.nr))},
		{"seccompDataArch", seccompDataArch, uint64(unsafe.Offsetof(scSeccompData{}.arch))},
		{"seccompDataArgs", seccompDataArgs, uint64(unsafe.Offsetof(scSeccompData{}.args))},
	}
	for _, p := range pins {
		if p.got != p.want {
			t.Errorf("%s = %#x, x/sys/unix says %#x", p.name, p.got, p.want)
		}
	}
	// SOCK_TYPE_MASK is not in x/sys: it must cover every type and no flag.
	for _, typ := range []uint64{unix.SOCK_STREAM, unix.SOCK_DGRAM, unix.SOCK_RAW, unix.SOCK_RDM,
		unix.SOCK_SEQPACKET, unix.SOCK_DCCP, unix.SOCK_PACKET} {
		if typ&sockTypeMask != typ {
			t.Errorf("sockTypeMask %#x drops bits of socket type %#x", sockTypeMask, typ)
		}
	}
	if sockTypeMask&(unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC) != 0 {
		t.Errorf("sockTypeMask %#x keeps SOCK_NONBLOCK or SOCK_CLOEXEC", sockTypeMask)
	}
	if unsafe.Sizeof(scSeccompData{}) != 64 {
		t.Errorf("struct seccomp_data is %d bytes, want 64", unsafe.Sizeof(scSeccompData{}))
	}

	a := archFor(runtime.GOARCH)
	if a == nil {
		seccompSkip(t, "no seccomp filter for %s: cannot pin its syscall numbers", runtime.GOARCH)
	}
	sys := scUnixNumbers()
	for name, nr := range a.nr {
		want, ok := sys[name]
		if !ok {
			// iopl, ioperm and uselib exist on amd64 only, so this
			// file, built for every Linux architecture, cannot name
			// them; TestSeccompTableMatchesArches checks them.
			t.Logf("%s(%d): no x/sys constant usable on every architecture", name, nr)
			continue
		}
		if uint64(nr) != want {
			t.Errorf("%s: archFor(%s) has %d, unix.SYS_%s is %d", name, runtime.GOARCH, nr, strings.ToUpper(name), want)
		}
	}
}

// scSeccompData mirrors struct seccomp_data (include/uapi/linux/seccomp.h):
// int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]. No padding.
type scSeccompData struct {
	nr   int32
	arch uint32
	ip   uint64
	args [6]uint64
}

// scUnixNumbers maps syscall names to this architecture's x/sys numbers,
// for every syscall both amd64 and arm64 have.
func scUnixNumbers() map[string]uint64 {
	return map[string]uint64{
		"ioctl": unix.SYS_IOCTL, "clone": unix.SYS_CLONE, "clone3": unix.SYS_CLONE3,
		"unshare": unix.SYS_UNSHARE, "setns": unix.SYS_SETNS, "socket": unix.SYS_SOCKET,
		"socketpair": unix.SYS_SOCKETPAIR, "connect": unix.SYS_CONNECT, "bind": unix.SYS_BIND,
		"listen": unix.SYS_LISTEN, "accept": unix.SYS_ACCEPT, "accept4": unix.SYS_ACCEPT4,
		"sendto": unix.SYS_SENDTO, "sendmmsg": unix.SYS_SENDMMSG, "recvmmsg": unix.SYS_RECVMMSG,
		"getsockopt": unix.SYS_GETSOCKOPT, "setsockopt": unix.SYS_SETSOCKOPT,
		"getsockname": unix.SYS_GETSOCKNAME, "getpeername": unix.SYS_GETPEERNAME,
		"shutdown": unix.SYS_SHUTDOWN, "io_uring_setup": unix.SYS_IO_URING_SETUP,
		"io_uring_enter": unix.SYS_IO_URING_ENTER, "io_uring_register": unix.SYS_IO_URING_REGISTER,
		"ptrace": unix.SYS_PTRACE, "process_vm_readv": unix.SYS_PROCESS_VM_READV,
		"process_vm_writev": unix.SYS_PROCESS_VM_WRITEV, "bpf": unix.SYS_BPF,
		"perf_event_open": unix.SYS_PERF_EVENT_OPEN, "userfaultfd": unix.SYS_USERFAULTFD,
		"keyctl": unix.SYS_KEYCTL, "add_key": unix.SYS_ADD_KEY, "request_key": unix.SYS_REQUEST_KEY,
		"kexec_load": unix.SYS_KEXEC_LOAD, "kexec_file_load": unix.SYS_KEXEC_FILE_LOAD,
		"init_module": unix.SYS_INIT_MODULE, "finit_module": unix.SYS_FINIT_MODULE,
		"delete_module": unix.SYS_DELETE_MODULE, "reboot": unix.SYS_REBOOT,
		"swapon": unix.SYS_SWAPON, "swapoff": unix.SYS_SWAPOFF, "acct": unix.SYS_ACCT,
		"quotactl": unix.SYS_QUOTACTL, "quotactl_fd": unix.SYS_QUOTACTL_FD,
		"lookup_dcookie": unix.SYS_LOOKUP_DCOOKIE, "mount": unix.SYS_MOUNT,
		"umount2": unix.SYS_UMOUNT2, "pivot_root": unix.SYS_PIVOT_ROOT,
		"move_mount": unix.SYS_MOVE_MOUNT, "fsopen": unix.SYS_FSOPEN, "fsconfig": unix.SYS_FSCONFIG,
		"fsmount": unix.SYS_FSMOUNT, "fspick": unix.SYS_FSPICK, "open_tree": unix.SYS_OPEN_TREE,
		"mount_setattr": unix.SYS_MOUNT_SETATTR, "open_tree_attr": unix.SYS_OPEN_TREE_ATTR,
		"name_to_handle_at": unix.SYS_NAME_TO_HANDLE_AT, "open_by_handle_at": unix.SYS_OPEN_BY_HANDLE_AT,
		"truncate": unix.SYS_TRUNCATE, "file_setattr": unix.SYS_FILE_SETATTR,
		"lsm_set_self_attr": unix.SYS_LSM_SET_SELF_ATTR, "pidfd_getfd": unix.SYS_PIDFD_GETFD,
		"vhangup": unix.SYS_VHANGUP, "prlimit64": unix.SYS_PRLIMIT64,
		"setpriority": unix.SYS_SETPRIORITY, "sched_setaffinity": unix.SYS_SCHED_SETAFFINITY,
		"sched_setscheduler": unix.SYS_SCHED_SETSCHEDULER, "sched_setparam": unix.SYS_SCHED_SETPARAM,
		"sched_setattr": unix.SYS_SCHED_SETATTR, "ioprio_set": unix.SYS_IOPRIO_SET,
		"shmget": unix.SYS_SHMGET, "shmat": unix.SYS_SHMAT, "shmctl": unix.SYS_SHMCTL,
		"shmdt": unix.SYS_SHMDT, "semget": unix.SYS_SEMGET, "semop": unix.SYS_SEMOP,
		"semctl": unix.SYS_SEMCTL, "semtimedop": unix.SYS_SEMTIMEDOP, "msgget": unix.SYS_MSGGET,
		"msgsnd": unix.SYS_MSGSND, "msgrcv": unix.SYS_MSGRCV, "msgctl": unix.SYS_MSGCTL,
		"mq_open": unix.SYS_MQ_OPEN, "mq_unlink": unix.SYS_MQ_UNLINK,
		"mq_timedsend": unix.SYS_MQ_TIMEDSEND, "mq_timedreceive": unix.SYS_MQ_TIMEDRECEIVE,
		"mq_notify": unix.SYS_MQ_NOTIFY, "mq_getsetattr": unix.SYS_MQ_GETSETATTR,
	}
}

// scInstallEnv selects what TestSeccompInstallChild installs: "one" (a
// filter of a single RET ALLOW, the floor any seccomp filter costs) or
// "ours" (the default sandbox's filter).
const scInstallEnv = "SANDBOX_TEST_SECCOMP_INSTALL"

// BenchmarkSeccompInstall measures what the kernel takes to install the
// filter (check it, translate it to eBPF, JIT-compile it and fill the
// action cache), next to a one-instruction filter, in one run. The filter
// is installed before every command, so this is start-up time. Each
// install happens in a fresh child (a filter cannot be removed), which
// times only the seccomp(2) call and prints it.
//
//	go test -run '^$' -bench SeccompInstall -benchtime 300x
func BenchmarkSeccompInstall(b *testing.B) {
	var total [2]time.Duration
	modes := [2]string{"one", "ours"}
	for b.Loop() {
		for i, mode := range modes {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSeccompInstallChild$")
			cmd.Env = append(os.Environ(), scInstallEnv+"="+mode)
			out, err := cmd.Output()
			if err != nil {
				b.Fatalf("%s child: %v", mode, err)
			}
			var ns int64
			if _, err := fmt.Sscanf(string(out), "install-ns %d", &ns); err != nil {
				b.Fatalf("%s child printed %q", mode, out)
			}
			total[i] += time.Duration(ns)
		}
	}
	for i, mode := range modes {
		b.ReportMetric(float64(total[i].Microseconds())/float64(b.N), "us-"+mode)
	}
}

// TestSeccompInstallChild is the child of BenchmarkSeccompInstall; it does
// nothing unless scInstallEnv is set.
func TestSeccompInstallChild(t *testing.T) {
	mode := os.Getenv(scInstallEnv)
	if mode == "" {
		t.Skip("runs only as the child of BenchmarkSeccompInstall")
	}
	runtime.LockOSThread() // never unlocked: the thread exits filtered
	prog := []bpf.RawInstruction{{Op: 0x06, K: retAllow}}
	if mode == "ours" {
		var err error
		if prog, err = buildSeccomp(archFor(runtime.GOARCH), seccompRules(seccompOptions{})); err != nil {
			t.Fatal(err)
		}
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := seccompSetModeFilter(prog, 0)
	d := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("install-ns %d\n", d.Nanoseconds())
}

// TestDescribeRuleConditions checks that --print-policy names the
// condition of every rule of seccompTable.
func TestDescribeRuleConditions(t *testing.T) {
	for _, r := range seccompTable {
		d := describeRule(r.sysRule)
		if strings.Contains(d, "  ") || !strings.HasPrefix(d, r.name+" ") {
			t.Errorf("%s: description %q has no condition", r.name, d)
		}
	}
}
