//go:build linux

package main

// The doctor on Linux: the kernel's abilities, then every escape vector of
// the probes table tried twice, unconfined and through the sandbox, each
// run watched by a fresh witness (see doctor.go for the verdict).

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// probe is one escape vector.
type probe struct {
	name     string
	tries    string
	sees     *watcher
	promised bool   // the README says the sandbox refuses it
	byDesign string // why it stays open, when the README says it does
	// nsPromised: open by design on the exec-only engine, refused on the
	// namespace engine, whose read-only mounts refuse what Landlock does
	// not cover (file metadata).
	nsPromised bool
	// hostNet: the prize is the host's network (its loopback listeners,
	// its interfaces). A probe's own word that a socket call worked
	// counts only when it ran in the doctor's network namespace: in the
	// namespace engine's, the call reached the sandbox's private
	// loopback and nothing else, and the witness outside judges alone.
	hostNet bool
	needs   string // a privilege without which the vector does not exist
	arch    string // only on this GOARCH
	holds   bool   // the probe stays alive after reporting (probeHold)
	try     func(args []string) probeReport
}

// on is what the README says of p on engine e: promised, or open by
// design and why.
func (p *probe) on(e engine) (promised bool, byDesign string) {
	if e.namespaces && p.nsPromised {
		return true, ""
	}
	return p.promised, p.byDesign
}

var probes = []probe{
	{name: "fs-write", tries: "open a file outside the writable root for writing and write", sees: &watchFiles, promised: true, try: tryWrite},
	{name: "fs-create", tries: "create a file, directory, fifo and symlink outside", sees: &watchFiles, promised: true, try: tryCreate},
	{name: "fs-remove", tries: "unlink a file and rmdir a directory outside", sees: &watchFiles, promised: true, try: tryRemove},
	{name: "fs-truncate", tries: "truncate(2) and open(O_TRUNC) a file outside", sees: &watchFiles, promised: true, try: tryTruncate},
	{name: "fs-rename", tries: "rename a file out of the root, one from outside in, exchange two", sees: &watchFiles, promised: true, try: tryRename},
	{name: "fs-link", tries: "hard-link a file out of the root; link one from outside in and write it", sees: &watchFiles, promised: true, try: tryLink},
	{name: "fs-symlink-write", tries: "make a symlink in the root to a file outside and write through it", sees: &watchFiles, promised: true, try: trySymlinkWrite},
	{name: "fs-mknod", tries: "mknod a character and a block device in the writable root", sees: &watchDevices, promised: true, needs: "CAP_MKNOD", try: tryMknod},
	{name: "fs-file-handle", tries: "open_by_handle_at a file outside for writing", sees: &watchFiles, promised: true, needs: "CAP_DAC_READ_SEARCH", try: tryFileHandle},
	{name: "fs-chmod", tries: "chmod a file outside", sees: &watchFiles, byDesign: "file metadata is not a Landlock right", nsPromised: true, try: tryChmod},
	{name: "fs-setid", tries: "chmod a file inside and outside the writable root to set-user/group-ID modes (fchmodat, fchmodat2, fchmod, chmod); create such a file inside (openat, openat2, mknodat, creat, open, mknod)", sees: &watchSetID, promised: true, try: trySetID},
	{name: "fs-utime", tries: "set the times of a file outside", sees: &watchFiles, byDesign: "file metadata is not a Landlock right", nsPromised: true, try: tryUtime},
	{name: "fs-xattr", tries: "set and remove user.* extended attributes inside and outside the writable root (setxattr, lsetxattr, fsetxattr, setxattrat, removexattr)", sees: &watchXattrs, promised: true, try: tryXattr},
	{name: "fs-chattr", tries: "set the append-only flag (as root, else no-atime) of a file outside opened read-only (FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR), and of one by path (file_setattr)", sees: &watchFlags, promised: true, try: tryChattr},
	{name: "fs-ioctl", tries: "filesystem administration through read-only descriptors outside: btrfs subvolume create, FS_IOC_SETVERSION, FS_IOC_ENABLE_VERITY, FS_IOC_SET_ENCRYPTION_POLICY; an XFS attribute set by handle in the writable root; on a scratch filesystem also FS_IOC_SETFSLABEL and FIFREEZE", sees: &watchFSIoctl, promised: true, try: tryFSIoctl},
	{name: "tcp4", tries: "connect to 127.0.0.1 over TCP and MPTCP", sees: &watchTCP4, promised: true, hostNet: true, try: tryTCP4},
	{name: "tcp6", tries: "connect to ::1 over TCP and MPTCP", sees: &watchTCP6, promised: true, hostNet: true, try: tryTCP6},
	{name: "tcp-listen", tries: "listen on 127.0.0.1 over TCP or MPTCP for a connection from outside", sees: &watchListen, promised: true, holds: true, hostNet: true, try: tryTCPListen},
	{name: "udp4", tries: "send a UDP datagram to 127.0.0.1", sees: &watchUDP4, promised: true, hostNet: true, try: tryUDP4},
	{name: "udp6", tries: "send a UDP datagram to ::1", sees: &watchUDP6, promised: true, hostNet: true, try: tryUDP6},
	{name: "raw-socket", tries: "send a hand-made UDP datagram through a raw IP socket", sees: &watchUDP4, promised: true, needs: "CAP_NET_RAW", hostNet: true, try: tryRaw},
	{name: "packet-socket", tries: "send a hand-made IPv4/UDP packet on lo through AF_PACKET", sees: &watchPacket, promised: true, needs: "CAP_NET_RAW", hostNet: true, try: tryPacket},
	{name: "proxy-refused", tries: "ask the --allow-host proxy (HTTP_PROXY) to CONNECT to 127.0.0.1 at a port it does not list", sees: &watchProxyRefused, promised: true, hostNet: true, try: tryProxyConnect},
	{name: "proxy-bypass", tries: "connect straight to a listener on 127.0.0.1 that --allow-host lists, past the proxy", sees: &watchProxyBypass, promised: true, hostNet: true, try: tryTCP4},
	{name: "proxy-rebind", tries: "ask the --allow-host proxy to CONNECT to localhost, listed by name, which resolves to 127.0.0.1", sees: &watchProxyRebind, promised: true, hostNet: true, try: tryProxyConnect},
	{name: "proxy-dns", tries: "send a DNS query to a resolver on 127.0.0.1 and to the nameservers of /etc/resolv.conf, under --allow-host", sees: &watchProxyDNS, promised: true, hostNet: true, try: tryDNS},
	{name: "netlink", tries: "dump the interfaces with RTM_GETLINK over NETLINK_ROUTE", sees: &watchReport, promised: true, hostNet: true, try: tryNetlink},
	{name: "io_uring", tries: "io_uring_setup, then socket and connect from the ring", sees: &watchTCP4, promised: true, needs: "kernel.io_uring_disabled=0", try: tryIOUring},
	{name: "i386-int80", tries: "socketcall and socket+connect to 127.0.0.1 with int $0x80", sees: &watchTCP4, promised: true, needs: "IA32 emulation in the kernel", arch: "amd64", try: tryI386Socket},
	{name: "x32", tries: "socket+connect to 127.0.0.1 with x32 syscalls", sees: &watchTCP4, promised: true, needs: "a kernel built with CONFIG_X86_X32_ABI", arch: "amd64", try: tryX32Socket},
	{name: "unix-pathname", tries: "connect to a pathname AF_UNIX listener outside", sees: &watchUnixPath, promised: true, try: tryUnixConnect},
	{name: "unix-abstract", tries: "connect to an abstract AF_UNIX listener outside", sees: &watchUnixAbstract, promised: true, try: tryUnixConnect},
	{name: "unix-dgram", tries: "send a datagram to an AF_UNIX datagram socket outside (from a datagram socket and a datagram socketpair)", sees: &watchUnixDgram, promised: true, try: tryUnixDgram},
	{name: "unix-writable", tries: "connect to a pathname AF_UNIX listener that a process outside made in the writable root", sees: &watchUnixInRoot, promised: true, try: tryUnixConnect},
	{name: "unix-race", tries: "connect to a listener of its own in the writable root while another thread rewrites the address to a listener outside and dup2s sockets onto the descriptor", sees: &watchUnixRace, promised: true, try: tryUnixRace},
	{name: "signal", tries: "kill and pidfd_send_signal SIGUSR1 to a process outside", sees: &watchProcess, promised: true, try: tryKill},
	{name: "ptrace", tries: "PTRACE_ATTACH to a process outside and poke its memory", sees: &watchProcess, promised: true, try: tryPtrace},
	{name: "process_vm_writev", tries: "write a process's memory outside (process_vm_writev, /proc/PID/mem)", sees: &watchProcess, promised: true, try: tryProcessVMWritev},
	{name: tiocstiProbe, tries: "TIOCSTI a byte into the terminal on stdin (a pty opened outside); paste with TIOCLINUX", sees: &watchTTY, promised: true, needs: "CAP_SYS_ADMIN or dev.tty.legacy_tiocsti=1", holds: true, try: tryTIOCSTI},
	{name: "process-sched", tries: "change a process outside: its RLIMIT_NOFILE (prlimit64), nice value (setpriority), CPU affinity, scheduling policy (SCHED_BATCH) and I/O class (ioprio_set)", sees: &watchSched, promised: true, try: tryProcessSched},
	{name: "vhangup", tries: "hang up the terminal on stdin (a pty opened outside) with TIOCVHANGUP and vhangup", sees: &watchHangup, promised: true, needs: "CAP_SYS_ADMIN or CAP_SYS_TTY_CONFIG", try: tryVhangup},
	{name: "sysv-ipc", tries: "write a SysV shared memory segment outside, send to a SysV message queue outside, remove both (IPC_RMID); mq_unlink a POSIX message queue outside", sees: &watchIPC, promised: true, try: trySysVIPC},
	{name: "userns", tries: "run a child in a new user namespace (clone, unshare)", sees: &watchReport, promised: true, try: tryUserNS},
	{name: "clone3", tries: "clone3 a child, plainly and in a new user namespace", sees: &watchReport, promised: true, try: tryClone3},
	{name: "setns", tries: "setns into this process's own network namespace (/proc/self/ns/net, a pidfd)", sees: &watchReport, promised: true, needs: "CAP_SYS_ADMIN", try: trySetns},
	{name: "mount", tries: "mount a tmpfs on a directory in the writable root; fsopen, fsconfig and fsmount one", sees: &watchMount, promised: true, needs: "CAP_SYS_ADMIN", try: tryMount},
	{name: "bpf", tries: "bpf(BPF_MAP_CREATE) a one-element array map", sees: &watchReport, promised: true, needs: "CAP_BPF or kernel.unprivileged_bpf_disabled=0", try: tryBPF},
	{name: "perf_event_open", tries: "perf_event_open a software CPU clock on the calling thread", sees: &watchReport, promised: true, needs: "CAP_PERFMON or kernel.perf_event_paranoid<=2", try: tryPerfEvent},
	{name: "userfaultfd", tries: "userfaultfd(O_CLOEXEC), with UFFD_USER_MODE_ONLY, and from /dev/userfaultfd", sees: &watchReport, promised: true, try: tryUserfaultfd},
	{name: "keyring", tries: "add_key a user key to the process keyring; join a new session keyring", sees: &watchReport, promised: true, try: tryKeyring},
	{name: "setuid", tries: "check that setuid binaries would not elevate (NoNewPrivs)", sees: &watchReport, promised: true, try: tryNoNewPrivs},
	{name: "memfd-exec", tries: "copy a binary into a memfd and execveat it", sees: &watchReport, byDesign: "exec is unrestricted; Landlock does not see memfds", try: tryMemfdExec},
}

// witness is the outside end of one probe run: what the probe is told,
// and how to tell afterwards whether it got through.
type witness struct {
	args []string
	// sandboxArgs are options for the sandbox run on the namespace
	// engine (the --allow-host vectors).
	sandboxArgs []string
	ctty        bool // give the probe tty as stdin and controlling terminal
	tty         int  // with ctty; otherwise the probe's stdin is /dev/null
	saw         func() string
	close       func()
}

// watcher sets up a witness for a run whose writable root is root and
// whose outside directory is out.
type watcher struct {
	check   string
	arrange func(d *doctor, root, out string) (*witness, error)
}

var (
	watchFiles        = watcher{"the files outside the writable root are unchanged", arrangeFiles}
	watchSetID        = watcher{"no file inside or outside the writable root gained a set-user/group-ID bit", arrangeSetID}
	watchXattrs       = watcher{"the user.* extended attributes inside and outside the writable root are unchanged", arrangeXattrs}
	watchFlags        = watcher{"the attribute flags of the files outside (FS_IOC_GETFLAGS) are unchanged", arrangeFlags}
	watchMount        = watcher{"nothing was mounted in the writable root; the probe reports what else it obtained", arrangeMount}
	watchDevices      = watcher{"no device node appeared in the writable root", arrangeDevices}
	watchTCP4         = watcher{"a TCP listener on 127.0.0.1 accepted nothing", func(*doctor, string, string) (*witness, error) { return listenTCP(unix.AF_INET) }}
	watchTCP6         = watcher{"a TCP listener on ::1 accepted nothing", func(*doctor, string, string) (*witness, error) { return listenTCP(unix.AF_INET6) }}
	watchListen       = watcher{"a connection from outside found no listener at the port the probe was given", arrangeListen}
	watchUDP4         = watcher{"a UDP socket on 127.0.0.1 received nothing", func(*doctor, string, string) (*witness, error) { return listenUDP(unix.AF_INET) }}
	watchUDP6         = watcher{"a UDP socket on ::1 received nothing", func(*doctor, string, string) (*witness, error) { return listenUDP(unix.AF_INET6) }}
	watchPacket       = watcher{"a packet socket outside saw no frame with the probe's token on lo", arrangePacket}
	watchUnixPath     = watcher{"a pathname AF_UNIX listener accepted nothing", func(d *doctor, _, out string) (*witness, error) { return listenUnix(d, out, false) }}
	watchUnixAbstract = watcher{"an abstract AF_UNIX listener accepted nothing", func(d *doctor, _, out string) (*witness, error) { return listenUnix(d, out, true) }}
	watchUnixDgram    = watcher{"an AF_UNIX datagram socket received nothing", arrangeUnixDgram}
	watchProcess      = watcher{"a process outside got no SIGUSR1, kept its memory and was not stopped", arrangeProcess}
	watchTTY          = watcher{"the terminal's input queue stayed empty", arrangeTTY}
	watchFSIoctl      = watcher{"nothing appeared outside, its files kept their generation, verity and encryption flags, the root's file its attributes, the filesystem its label", arrangeFSIoctl}
	watchHangup       = watcher{"the terminal outside was not hung up", arrangeHangup}
	watchSched        = watcher{"the process outside kept its limits, nice value, CPU affinity, policy and I/O priority", arrangeSched}
	watchIPC          = watcher{"the SysV segment and queue and the POSIX queue outside were neither written nor removed", arrangeIPC}
	watchReport       = watcher{"the probe reports what it obtained", func(*doctor, string, string) (*witness, error) {
		return &witness{saw: func() string { return "" }, close: func() {}}, nil
	}}
)

// netGrace is how long a network witness waits for what a probe sent.
// Loopback delivery is done before the sending call returns; this only
// covers a busy machine.
const netGrace = 30 * time.Millisecond

// engine is a Linux engine the doctor runs vectors through: its name in
// the report and the options that select it, with no fallback.
type engine struct {
	name       string
	args       []string
	namespaces bool
}

var (
	execOnlyEngine  = engine{name: "exec-only", args: []string{"--exec-only"}}
	namespaceEngine = engine{name: "namespace", args: []string{"--require-namespaces"}, namespaces: true}
)

// doctor runs vectors with the sandbox binary at exe, as cred (nil: as
// this process), through engine, in fixtures under base. It is the one
// implementation of the escape attempts: --doctor runs every vector as
// the user who asked, on each engine this host runs, and the confinement
// tests (TestConfineVectors) run each as root and as uid 65534.
type doctor struct {
	exe    string
	cred   *syscall.Credential
	engine engine // exec-only unless set
	base   string
	seq    int
	netns  string // the doctor's network namespace, its witnesses'
	// scratch: base is on a filesystem made for the run (the tests' loop
	// mounts), which a vector may relabel or freeze.
	scratch bool
}

// newDoctor prepares to run vectors with the sandbox at exe as cred. The
// binary must be one cred can execute; the fixtures are given to cred.
func newDoctor(exe string, cred *syscall.Credential) (*doctor, error) {
	return newDoctorIn("", exe, cred)
}

// newDoctorIn is newDoctor with the fixtures beneath dir ("": $TMPDIR).
func newDoctorIn(dir, exe string, cred *syscall.Credential) (*doctor, error) {
	base, err := os.MkdirTemp(dir, "sandbox-doctor-")
	if err != nil {
		return nil, err
	}
	d := &doctor{exe: exe, cred: cred, engine: execOnlyEngine, base: base, netns: netNS()}
	if err := d.own(base); err != nil {
		os.RemoveAll(base)
		return nil, err
	}
	return d, nil
}

func (d *doctor) close() { os.RemoveAll(d.base) }

// own gives cred everything beneath path, so that a control run as cred
// can have the effect the vector is after.
func (d *doctor) own(path string) error {
	if d.cred == nil {
		return nil
	}
	return filepath.WalkDir(path, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(d.cred.Uid), int(d.cred.Gid))
	})
}

// vectors are the probes that exist on this architecture, in report order.
func vectors() []probe {
	var v []probe
	for _, p := range probes {
		if p.arch == "" || p.arch == runtime.GOARCH {
			v = append(v, p)
		}
	}
	return v
}

// examine is --doctor on Linux.
func examine() (*doctorReport, error) {
	start := time.Now()
	d, err := newDoctor("/proc/self/exe", nil)
	if err != nil {
		return nil, err
	}
	defer d.close()
	r := d.examine(vectors())
	r.summarize(time.Since(start).Seconds())
	return r, nil
}

// examine runs vectors on the exec-only engine and, where this host runs
// it, on the namespace engine; where it does not, a kernel fact says why
// and how to fix it, and the report has no namespace rows (the default
// engine is then the exec-only one, tested above).
func (d *doctor) examine(vectors []probe) *doctorReport {
	var uts unix.Utsname
	unix.Uname(&uts)
	release := unix.ByteSliceToString(uts.Release[:])
	r := &doctorReport{
		Host:   fmt.Sprintf("Linux %s %s, uid %d", release, runtime.GOARCH, os.Getuid()),
		Kernel: d.kernelFacts(release),
	}
	nsUnavailable := d.namespaceUnavailable()
	value := "available: the vectors run on both engines"
	if nsUnavailable != "" {
		value = "unavailable: " + nsUnavailable
	}
	r.Kernel = append(r.Kernel, kernelFact{"namespace engine", value, "a trial run with --require-namespaces, as this user"})
	engines := []engine{execOnlyEngine}
	if nsUnavailable == "" {
		engines = append(engines, namespaceEngine)
	}
	for _, e := range engines {
		d.engine = e
		for _, p := range vectors {
			r.Vectors = append(r.Vectors, d.check(p))
		}
	}
	d.engine = execOnlyEngine
	return r
}

// namespaceUnavailable says why the namespace engine does not run here,
// with the fix, or "" when it does. It asks the engine itself: a trial
// run of a helper probe with --require-namespaces, as the doctor's user,
// which catches what starting the namespaces alone (--print-policy's
// probe) does not, such as AppArmor refusing the mounts. A trial the
// sandbox refused for another reason is no answer: the engine counts as
// available, and its vectors then show what the sandbox said.
func (d *doctor) namespaceUnavailable() string {
	saved := d.engine
	d.engine = namespaceEngine
	o := d.attempt(probe{name: "userns-id", sees: &watchReport}, true)
	d.engine = saved
	if _, why, ok := strings.Cut(o.detail, nsUnavailableLead); ok && o.notRun {
		return why
	}
	return ""
}

// check runs one vector: p unconfined, as the control, then through the
// sandbox on d.engine, and judges. This is the whole of a vector's test,
// for the doctor and for the confinement tests alike.
func (d *doctor) check(p probe) vectorResult {
	promised, byDesign := p.on(d.engine)
	v := vectorResult{
		Vector:   p.name,
		Engine:   d.engine.name,
		Tries:    p.tries,
		Check:    p.sees.check,
		Promised: promised,
		ByDesign: byDesign != "",
		Needs:    p.needs,
		Reason:   byDesign,
	}
	control := d.attempt(p, false)
	confined := d.attempt(p, true)
	judge(&v, control, confined)
	return v
}

// probeTimeout bounds one probe run; a run normally takes milliseconds.
const probeTimeout = 5 * time.Second

// attempt runs probe p once, unconfined or through the sandbox on
// d.engine with a fresh writable root, and returns what its witness saw.
func (d *doctor) attempt(p probe, confined bool) runOutcome {
	name, sees := p.name, p.sees
	d.seq++
	dir := filepath.Join(d.base, fmt.Sprintf("%02d-%s", d.seq, name))
	root, out := filepath.Join(dir, "root"), filepath.Join(dir, "out")
	for _, dir := range []string{root, out} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return runOutcome{detail: "doctor: " + err.Error()}
		}
	}
	w, err := sees.arrange(d, root, out)
	if err != nil {
		return runOutcome{detail: "cannot set up the witness: " + err.Error()}
	}
	defer w.close()
	if err := d.own(dir); err != nil {
		return runOutcome{detail: "doctor: " + err.Error()}
	}

	argv := append([]string{d.exe, "--doctor-probe", name}, w.args...)
	if confined {
		sandbox := append(append([]string{d.exe}, d.engine.args...), "-w", root)
		if d.engine.namespaces {
			sandbox = append(sandbox, w.sandboxArgs...)
		}
		sandbox = append(sandbox, "--")
		argv = append(sandbox, argv...)
	}
	stdin := -1
	if w.ctty {
		stdin = w.tty
	}
	outR, outW, err := pipe()
	if err != nil {
		return runOutcome{detail: "doctor: " + err.Error()}
	}
	defer unix.Close(outR)
	errR, errW, err := pipe()
	if err != nil {
		unix.Close(outW)
		return runOutcome{detail: "doctor: " + err.Error()}
	}
	defer unix.Close(errR)
	// A session of its own: no controlling terminal but the pty of the
	// TIOCSTI probe, never the user's, and one process group to kill.
	pid, err := spawn(argv, root, [3]int{stdin, outW, errW}, &syscall.SysProcAttr{Setsid: true, Setctty: w.ctty, Credential: d.cred})
	unix.Close(outW)
	unix.Close(errW)
	if err != nil {
		return runOutcome{detail: "doctor: " + err.Error()}
	}
	stdout, stderr := &pipeReader{fd: outR}, &pipeReader{fd: errR}
	report, timedOut := stdout.line(time.Now().Add(probeTimeout), stderr)
	// The probe is done (or dead): look before it exits, then stop its
	// whole process group. It is not reaped yet, so its pid is still ours.
	effect := w.saw()
	unix.Kill(-pid, unix.SIGKILL)
	ws, waitErr := reap(pid)
	stderr.drain()

	if timedOut {
		return runOutcome{effect: effect, detail: fmt.Sprintf("no report within %v", probeTimeout)}
	}
	var pr probeReport
	if err := pr.unmarshal(report); err != nil {
		code := ws.ExitStatus()
		notRun := waitErr == nil && confined && (code == exitSetup || code == exitCannotRun || code == exitNotFound)
		return runOutcome{effect: effect, detail: deathOf(ws, waitErr, string(stderr.buf)), notRun: notRun}
	}
	if p.hostNet && pr.Effect != "" && pr.NetNS != d.netns {
		pr.Errors = append(pr.Errors, fmt.Sprintf("in its own network namespace (%s; the host's: %s): %s", pr.NetNS, d.netns, pr.Effect))
		pr.Effect = ""
	}
	switch {
	case effect == "":
		effect = pr.Effect
	case pr.Effect != "":
		effect += " (" + pr.Effect + ")"
	}
	detail := strings.Join(pr.Errors, "; ")
	if detail == "" {
		detail = "no error"
	}
	return runOutcome{effect: effect, detail: detail}
}

// deathOf says how a probe that printed no report ended.
func deathOf(ws unix.WaitStatus, waitErr error, stderr string) string {
	msg := "no report"
	switch {
	case waitErr != nil:
	case ws.Signaled() && ws.Signal() == unix.SIGSYS:
		msg = "killed by SIGSYS (seccomp)"
	case ws.Signaled():
		msg = "killed by " + unix.SignalName(ws.Signal())
	case ws.ExitStatus() != 0:
		msg = fmt.Sprintf("exit status %d", ws.ExitStatus())
	}
	if first, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n"); first != "" {
		msg += ": " + first
	}
	return msg
}

// Processes. The doctor starts probes and witnesses with fork and exec,
// and reads their pipes with poll: it needs a line and a wait status, and
// os/exec would add 70 KB to a binary that runs before every command.

// pipe returns the read and write ends of a new close-on-exec pipe.
func pipe() (r, w int, err error) {
	var p [2]int
	err = unix.Pipe2(p[:], unix.O_CLOEXEC)
	return p[0], p[1], err
}

// spawn starts argv[0] with argv in dir (the current directory if empty)
// and this environment; stdio are its descriptors 0, 1 and 2, -1 for
// /dev/null. Every other descriptor of ours is close-on-exec.
func spawn(argv []string, dir string, stdio [3]int, sys *syscall.SysProcAttr) (int, error) {
	null, err := unix.Open("/dev/null", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(null)
	files := make([]uintptr, len(stdio))
	for i, fd := range stdio {
		if fd < 0 {
			fd = null
		}
		files[i] = uintptr(fd)
	}
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{Dir: dir, Env: os.Environ(), Files: files, Sys: sys})
	if err != nil {
		return 0, &os.PathError{Op: "fork/exec", Path: argv[0], Err: err}
	}
	return pid, nil
}

// reap waits for the child pid to end.
func reap(pid int) (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err != unix.EINTR {
			return ws, err
		}
	}
}

// exitText says how a reaped child ended, as os.ProcessState does.
func exitText(ws unix.WaitStatus) string {
	if ws.Signaled() {
		return "signal: " + ws.Signal().String()
	}
	return fmt.Sprintf("exit status %d", ws.ExitStatus())
}

// pipeReader collects what a child writes to a pipe.
type pipeReader struct {
	fd  int
	buf []byte
	eof bool
}

// read reads once what the pipe holds, and reports whether it got any.
func (p *pipeReader) read() bool {
	var b [4096]byte
	n, err := unix.Read(p.fd, b[:])
	if n > 0 {
		p.buf = append(p.buf, b[:n]...)
		return true
	}
	if err != unix.EINTR && err != unix.EAGAIN {
		p.eof = true
	}
	return false
}

// line returns the next line, newline included, that arrives before the
// deadline; meanwhile it collects what arrives on the others, so that no
// pipe fills up. At end of file it returns what there is; timedOut is set
// when the deadline passed first.
func (p *pipeReader) line(deadline time.Time, others ...*pipeReader) (line string, timedOut bool) {
	for {
		if i := bytes.IndexByte(p.buf, '\n'); i >= 0 {
			line, p.buf = string(p.buf[:i+1]), p.buf[i+1:]
			return line, false
		}
		if p.eof {
			line, p.buf = string(p.buf), nil
			return line, false
		}
		left := time.Until(deadline)
		if left <= 0 {
			return "", true
		}
		watched := []*pipeReader{p}
		fds := []unix.PollFd{{Fd: int32(p.fd), Events: unix.POLLIN}}
		for _, o := range others {
			if !o.eof {
				watched = append(watched, o)
				fds = append(fds, unix.PollFd{Fd: int32(o.fd), Events: unix.POLLIN})
			}
		}
		if _, err := unix.Poll(fds, int((left+time.Millisecond-1)/time.Millisecond)); err != nil && err != unix.EINTR {
			p.eof = true
			continue
		}
		for i, f := range fds {
			if f.Revents != 0 {
				watched[i].read()
			}
		}
	}
}

// drain reads what is left in the pipe without waiting for more: the
// writers are dead, but a descendant that escaped the kill could hold it
// open.
func (p *pipeReader) drain() {
	if unix.SetNonblock(p.fd, true) != nil {
		return
	}
	for !p.eof && p.read() {
	}
}

// File witnesses.

// outsideFile is what the file witnesses compare. mode is st_mode, with
// the set-ID bits where the kernel has them (os.FileMode moves them).
type outsideFile struct {
	mode    uint32
	size    int64
	nlink   uint64
	mtime   int64
	content string
	xattrs  string
}

// snapshotFiles records everything beneath dir by its path relative to
// dir. (Readdirnames, unlike filepath.WalkDir, does not sort: the order
// does not matter here, and sorting directory entries costs binary size.)
func snapshotFiles(dir string) map[string]outsideFile {
	m := map[string]outsideFile{}
	snapshotTree(m, dir, "")
	return m
}

func snapshotTree(m map[string]outsideFile, dir, rel string) {
	f, err := os.Open(filepath.Join(dir, rel))
	if err != nil {
		return
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	for _, name := range names {
		rel := filepath.Join(rel, name)
		path := filepath.Join(dir, rel)
		var st unix.Stat_t
		if unix.Lstat(path, &st) != nil {
			continue
		}
		s := outsideFile{mode: st.Mode, size: st.Size, nlink: uint64(st.Nlink), mtime: st.Mtim.Nano(), xattrs: xattrText(path)}
		if st.Mode&unix.S_IFMT == unix.S_IFREG {
			b, _ := os.ReadFile(path)
			s.content = string(b)
		}
		m[rel] = s
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			snapshotTree(m, dir, rel)
		}
	}
}

// xattrText lists the extended attributes of path, sorted, with the
// values of the user.* ones: those are the ones a probe may set, and
// overwriting one changes its value, not the list of names.
func xattrText(path string) string {
	buf := make([]byte, 4096)
	n, err := unix.Llistxattr(path, buf)
	if err != nil || n == 0 {
		return ""
	}
	names := strings.Split(strings.TrimSuffix(string(buf[:n]), "\x00"), "\x00")
	sort.Strings(names)
	for i, name := range names {
		if strings.HasPrefix(name, "user.") {
			if v, err := unix.Lgetxattr(path, name, buf); err == nil {
				names[i] += "=" + strconv.Quote(string(buf[:v]))
			}
		}
	}
	return strings.Join(names, " ")
}

// diffFiles describes how after differs from before.
func diffFiles(before, after map[string]outsideFile) string {
	var d []string
	for name, b := range before {
		a, ok := after[name]
		switch {
		case !ok:
			d = append(d, "out/"+name+" removed")
		case a.content != b.content || a.size != b.size:
			d = append(d, "out/"+name+" content changed")
		case a.mode != b.mode:
			d = append(d, fmt.Sprintf("out/%s mode %04o -> %04o", name, b.mode&0o7777, a.mode&0o7777))
		case a.nlink != b.nlink:
			d = append(d, fmt.Sprintf("out/%s link count %d -> %d", name, b.nlink, a.nlink))
		case a.mtime != b.mtime:
			d = append(d, "out/"+name+" times changed")
		case a.xattrs != b.xattrs:
			d = append(d, "out/"+name+" extended attributes changed")
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			d = append(d, "out/"+name+" created")
		}
	}
	sort.Strings(d)
	if len(d) == 0 {
		return ""
	}
	return strings.Join(d, ", ")
}

func arrangeFiles(_ *doctor, root, out string) (*witness, error) {
	if err := os.WriteFile(filepath.Join(out, "target"), []byte("sandbox doctor\n"), 0o644); err != nil {
		return nil, err
	}
	if err := os.Mkdir(filepath.Join(out, "subdir"), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(root, "inner"), []byte("inner\n"), 0o644); err != nil {
		return nil, err
	}
	before := snapshotFiles(out)
	return &witness{
		args:  []string{root, out},
		saw:   func() string { return diffFiles(before, snapshotFiles(out)) },
		close: func() {},
	}, nil
}

// makeFiles creates each of names, mode 0644, in each of dirs.
func makeFiles(dirs, names []string) error {
	for _, dir := range dirs {
		for _, name := range names {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("sandbox doctor\n"), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// arrangeSetID makes fs-setid's files in the writable root and outside,
// and watches the set-ID bits of everything in both: inside the root too,
// where a set-ID file outlives the sandbox as well.
func arrangeSetID(_ *doctor, root, out string) (*witness, error) {
	if err := makeFiles([]string{root, out}, setidFiles); err != nil {
		return nil, err
	}
	return metadataWitness(root, out, setidChange), nil
}

// arrangeXattrs makes fs-xattr's files in the writable root and outside,
// each "removexattr" with keptXattr for the probe to remove. A filesystem
// without user attributes fails here, and the vector is N/A.
func arrangeXattrs(_ *doctor, root, out string) (*witness, error) {
	if err := makeFiles([]string{root, out}, xattrFiles); err != nil {
		return nil, err
	}
	for _, dir := range []string{root, out} {
		if err := unix.Setxattr(filepath.Join(dir, "removexattr"), keptXattr, xattrValue, 0); err != nil {
			return nil, fmt.Errorf("setxattr(%s/removexattr, %s): %s", filepath.Base(dir), keptXattr, errName(err))
		}
	}
	return metadataWitness(root, out, xattrChange), nil
}

// metadataChange describes how the file name changed from before (the
// zero outsideFile when it did not exist) to after, or returns "".
type metadataChange func(name string, before outsideFile, existed bool, after outsideFile) string

// metadataWitness compares everything in the writable root and outside
// before and after the run, by change.
func metadataWitness(root, out string, change metadataChange) *witness {
	snapshot := func() map[string]outsideFile {
		m := map[string]outsideFile{}
		for _, dir := range []string{root, out} {
			for rel, f := range snapshotFiles(dir) {
				m[filepath.Join(filepath.Base(dir), rel)] = f
			}
		}
		return m
	}
	before := snapshot()
	saw := func() string {
		var d []string
		for name, a := range snapshot() {
			b, existed := before[name]
			if c := change(name, b, existed, a); c != "" {
				d = append(d, c)
			}
		}
		sort.Strings(d)
		return strings.Join(d, ", ")
	}
	return &witness{args: []string{root, out}, saw: saw, close: func() {}}
}

// setidChange reports set-ID bits gained or lost.
func setidChange(name string, b outsideFile, existed bool, a outsideFile) string {
	const setid = unix.S_ISUID | unix.S_ISGID
	switch {
	case a.mode&setid == b.mode&setid:
		return ""
	case !existed:
		return fmt.Sprintf("%s created with mode %04o", name, a.mode&0o7777)
	}
	return fmt.Sprintf("%s mode %04o -> %04o", name, b.mode&0o7777, a.mode&0o7777)
}

// xattrChange reports extended attributes changed, or user.* ones on a
// new file (a new file may carry a security.* label of the system's).
func xattrChange(name string, b outsideFile, existed bool, a outsideFile) string {
	switch {
	case !existed && strings.Contains(a.xattrs, "user."):
		return fmt.Sprintf("%s created with extended attributes [%s]", name, a.xattrs)
	case !existed || a.xattrs == b.xattrs:
		return ""
	}
	return fmt.Sprintf("%s extended attributes [%s] -> [%s]", name, b.xattrs, a.xattrs)
}

// arrangeFlags makes fs-chattr's files outside and records their
// attribute flags. Its close puts the flags back: an append-only file
// would not be removed with the fixtures.
func arrangeFlags(_ *doctor, root, out string) (*witness, error) {
	if err := makeFiles([]string{out}, flagFiles); err != nil {
		return nil, err
	}
	before := make([]uint32, len(flagFiles))
	for i, name := range flagFiles {
		f, err := fileFlags(filepath.Join(out, name))
		if err != nil {
			return nil, fmt.Errorf("FS_IOC_GETFLAGS(out/%s): %s", name, errName(err))
		}
		before[i] = f
	}
	saw := func() string {
		var d []string
		for i, name := range flagFiles {
			if f, err := fileFlags(filepath.Join(out, name)); err == nil && f != before[i] {
				d = append(d, fmt.Sprintf("out/%s flags %#x -> %#x", name, before[i], f))
			}
		}
		return strings.Join(d, ", ")
	}
	restore := func() {
		for i, name := range flagFiles {
			path := filepath.Join(out, name)
			if f, err := fileFlags(path); err == nil && f != before[i] {
				setFileFlags(path, before[i])
			}
		}
	}
	return &witness{args: []string{root, out}, saw: saw, close: restore}, nil
}

// fileFlags reads the attribute flags of path (lsattr).
func fileFlags(path string) (uint32, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	return unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
}

// setFileFlags sets the attribute flags of path (chattr).
func setFileFlags(path string, flags uint32) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, int(flags))
}

// arrangeMount makes the directory "mnt" in the writable root for the
// mount probe and tells a mount on it by its device number. Its close
// detaches whatever was mounted there, however many times.
func arrangeMount(_ *doctor, root, out string) (*witness, error) {
	mnt := filepath.Join(root, "mnt")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Stat(root, &st); err != nil {
		return nil, fmt.Errorf("stat(root): %s", errName(err))
	}
	mounted := func() bool {
		var m unix.Stat_t
		return unix.Stat(mnt, &m) == nil && m.Dev != st.Dev
	}
	saw := func() string {
		if mounted() {
			return "a filesystem is mounted on root/mnt"
		}
		return ""
	}
	unmount := func() {
		for i := 0; i < 8 && mounted(); i++ {
			if unix.Unmount(mnt, unix.MNT_DETACH) != nil {
				return
			}
		}
	}
	return &witness{args: []string{root, out}, saw: saw, close: unmount}, nil
}

func arrangeDevices(_ *doctor, root, out string) (*witness, error) {
	saw := func() string {
		var found []string
		f, err := os.Open(root)
		if err != nil {
			return ""
		}
		names, _ := f.Readdirnames(-1)
		f.Close()
		for _, name := range names {
			var st unix.Stat_t
			if unix.Lstat(filepath.Join(root, name), &st) != nil {
				continue
			}
			if t := st.Mode & unix.S_IFMT; t == unix.S_IFCHR || t == unix.S_IFBLK {
				found = append(found, name)
			}
		}
		if len(found) == 0 {
			return ""
		}
		sort.Strings(found)
		return "device nodes made in the writable root: " + strings.Join(found, " ")
	}
	return &witness{args: []string{root, out}, saw: saw, close: func() {}}, nil
}

// Network witnesses: sockets on the loopback addresses and in the
// fixture directory, opened with plain system calls (the net package
// would add half a megabyte to a binary that runs before every command).

// bindSocket opens a socket of the type typ in family and binds it to sa.
func bindSocket(family, typ int, sa unix.Sockaddr) (int, error) {
	fd, err := unix.Socket(family, typ|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return -1, errors.New("socket: " + errName(err))
	}
	if family == unix.AF_INET6 {
		// ::1 only, as an IPv6 listener of the net package would be.
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, errors.New("bind: " + errName(err))
	}
	return fd, nil
}

// bindLoopback binds a socket to a free port on the loopback address of
// family and returns the port as the probe's argument.
func bindLoopback(family, typ int) (fd int, port string, err error) {
	sa, _ := loopback(family, "0")
	if fd, err = bindSocket(family, typ, sa); err != nil {
		return -1, "", err
	}
	var p int
	switch a, _ := unix.Getsockname(fd); a := a.(type) {
	case *unix.SockaddrInet4:
		p = a.Port
	case *unix.SockaddrInet6:
		p = a.Port
	}
	if p == 0 {
		unix.Close(fd)
		return -1, "", errors.New("getsockname: no port")
	}
	return fd, strconv.Itoa(p), nil
}

// listenTCP listens with plain TCP; MPTCP clients fall back to it.
func listenTCP(family int) (*witness, error) {
	fd, port, err := bindLoopback(family, unix.SOCK_STREAM)
	if err != nil {
		return nil, err
	}
	return acceptWitness(fd, port)
}

// arrangeListen picks a free port on 127.0.0.1 for the tcp-listen probe
// to listen on, then, while the probe holds its listener, connects to it
// from outside. The port is free again between the pick and the probe's
// bind; another program taking it in those milliseconds would show as
// OPEN, with the probe's bind error beside it in the report.
func arrangeListen(*doctor, string, string) (*witness, error) {
	fd, port, err := bindLoopback(unix.AF_INET, unix.SOCK_STREAM)
	if err != nil {
		return nil, err
	}
	unix.Close(fd)
	saw := func() string {
		if !connectsTCP4(port, netGrace) {
			return ""
		}
		return "a connection from outside reached a listener on 127.0.0.1:" + port
	}
	return &witness{args: []string{port}, saw: saw, close: func() {}}, nil
}

// connectsTCP4 reports whether a TCP connection to 127.0.0.1:port is
// established within d.
func connectsTCP4(port string, d time.Duration) bool {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	sa, _ := loopback(unix.AF_INET, port)
	err = unix.Connect(fd, sa)
	if err == unix.EINPROGRESS {
		if !pollFor(fd, unix.POLLOUT, d) {
			return false
		}
		var soErr int
		if soErr, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR); err == nil && soErr != 0 {
			err = syscall.Errno(soErr)
		}
	}
	return err == nil
}

func listenUnix(d *doctor, out string, abstract bool) (*witness, error) {
	name := filepath.Join(out, "socket")
	if abstract {
		name = fmt.Sprintf("@sandbox-doctor-%d-%d", os.Getpid(), d.seq)
	}
	fd, err := bindSocket(unix.AF_UNIX, unix.SOCK_STREAM, &unix.SockaddrUnix{Name: name})
	if err != nil {
		return nil, err
	}
	return acceptWitness(fd, name)
}

// acceptWitness listens on the bound stream socket fd.
func acceptWitness(fd int, arg string) (*witness, error) {
	if err := unix.Listen(fd, unix.SOMAXCONN); err != nil {
		unix.Close(fd)
		return nil, errors.New("listen: " + errName(err))
	}
	saw := func() string {
		if !readable(fd, netGrace) {
			return ""
		}
		c, _, err := unix.Accept4(fd, unix.SOCK_CLOEXEC)
		if err != nil {
			return ""
		}
		unix.Close(c)
		return "the listener outside accepted a connection"
	}
	return &witness{args: []string{arg}, saw: saw, close: func() { unix.Close(fd) }}, nil
}

func listenUDP(family int) (*witness, error) {
	fd, port, err := bindLoopback(family, unix.SOCK_DGRAM)
	if err != nil {
		return nil, err
	}
	return receiveWitness(fd, port), nil
}

func arrangeUnixDgram(_ *doctor, _, out string) (*witness, error) {
	name := filepath.Join(out, "dgram")
	fd, err := bindSocket(unix.AF_UNIX, unix.SOCK_DGRAM, &unix.SockaddrUnix{Name: name})
	if err != nil {
		return nil, err
	}
	return receiveWitness(fd, name), nil
}

// receiveWitness watches the bound datagram socket fd.
func receiveWitness(fd int, arg string) *witness {
	saw := func() string {
		if !readable(fd, netGrace) {
			return ""
		}
		buf := make([]byte, 512)
		n, err := unix.Read(fd, buf)
		if err != nil {
			return ""
		}
		return fmt.Sprintf("the socket outside received %d bytes", n)
	}
	return &witness{args: []string{arg}, saw: saw, close: func() { unix.Close(fd) }}
}

// readable waits up to d for fd to have something to read.
func readable(fd int, d time.Duration) bool { return pollFor(fd, unix.POLLIN, d) }

// pollFor waits up to d for one of events on fd.
func pollFor(fd int, events int16, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: events}}
		n, err := unix.Poll(fds, int((left+time.Millisecond-1)/time.Millisecond))
		if err != unix.EINTR {
			return n > 0 && fds[0].Revents&events != 0
		}
	}
}

// arrangePacket captures the IPv4 frames on lo, looking for a token that
// only the probe sends. It needs CAP_NET_RAW, as the vector does.
func arrangePacket(d *doctor, _, _ string) (*witness, error) {
	proto := hostToNet16(unix.ETH_P_IP)
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, int(proto))
	if err != nil {
		return nil, errors.New("socket(AF_PACKET): " + errName(err))
	}
	lo, err := loopbackIndex(fd)
	if err != nil {
		unix.Close(fd)
		return nil, errors.New("SIOCGIFINDEX lo: " + errName(err))
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: proto, Ifindex: lo}); err != nil {
		unix.Close(fd)
		return nil, errors.New("bind(lo): " + errName(err))
	}
	token := fmt.Sprintf("sandbox-doctor-%d-%d", os.Getpid(), d.seq)
	saw := func() string {
		buf := make([]byte, 2048)
		for deadline := time.Now().Add(netGrace); time.Now().Before(deadline); {
			n, _, err := unix.Recvfrom(fd, buf, 0)
			if err == unix.EAGAIN {
				unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, 5)
				continue
			}
			if err == nil && bytes.Contains(buf[:n], []byte(token)) {
				return "a frame made by the probe went out on lo"
			}
		}
		return ""
	}
	return &witness{args: []string{token}, saw: saw, close: func() { unix.Close(fd) }}, nil
}

// witnessProc is the witness process (runWitness) running outside the
// sandbox, as the doctor's user: its pid, its stdin (closing it asks for
// the report) and its stdout, whose first line was hello.
type witnessProc struct {
	pid   int
	inW   int // -1 once closed
	out   *pipeReader
	hello string
}

// startWitnessProc starts the witness process and waits for its hello
// line, which says its exec is done.
func startWitnessProc(d *doctor) (*witnessProc, error) {
	inR, inW, err := pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := pipe()
	if err != nil {
		unix.Close(inR)
		unix.Close(inW)
		return nil, err
	}
	pid, err := spawnWitness([]string{d.exe, "--doctor-probe", "witness"}, [3]int{inR, outW, -1}, d.cred)
	unix.Close(inR)
	unix.Close(outW)
	if err != nil {
		unix.Close(inW)
		unix.Close(outR)
		return nil, err
	}
	w := &witnessProc{pid: pid, inW: inW, out: &pipeReader{fd: outR}}
	hello, _ := w.out.line(time.Now().Add(probeTimeout))
	if w.hello = strings.TrimSpace(hello); w.hello == "" {
		w.kill()
		return nil, errors.New("the witness process did not start")
	}
	return w, nil
}

// closeInput closes the witness's stdin: it then reports and exits.
func (w *witnessProc) closeInput() {
	if w.inW >= 0 {
		unix.Close(w.inW)
		w.inW = -1
	}
}

func (w *witnessProc) kill() {
	unix.Kill(w.pid, unix.SIGKILL)
	reap(w.pid)
	w.closeInput()
	unix.Close(w.out.fd)
}

// arrangeProcess starts a witness process outside the sandbox.
func arrangeProcess(d *doctor, _, _ string) (*witness, error) {
	w, err := startWitnessProc(d)
	if err != nil {
		return nil, err
	}
	pidText, mem, ok := strings.Cut(w.hello, " ")
	if !ok {
		w.kill()
		return nil, errors.New("the witness process did not start")
	}
	saw := func() string {
		if state := procState(w.pid); state == "T" || state == "t" {
			return "the process outside was stopped (ptrace)"
		}
		w.closeInput()
		bye, timedOut := w.out.line(time.Now().Add(time.Second))
		if timedOut {
			return "the process outside stopped answering"
		}
		usr1, word, _ := strings.Cut(strings.TrimSpace(bye), " ")
		var effects []string
		if usr1 != "0" {
			effects = append(effects, "the process outside got SIGUSR1 "+usr1+" times")
		}
		if word != "0x0" {
			effects = append(effects, "the process outside had its memory overwritten ("+word+")")
		}
		return strings.Join(effects, "; ")
	}
	return &witness{args: []string{pidText, mem}, saw: saw, close: w.kill}, nil
}

// spawnWitness starts the witness process in a session of its own, with
// SIGUSR1 blocked: it counts the signal on a signalfd, which sees only
// blocked signals, and every thread of a Go program keeps the signal mask
// its process started with. Fork gives the child the mask of the calling
// thread, so this thread blocks SIGUSR1 for the time of the fork.
func spawnWitness(argv []string, stdio [3]int, cred *syscall.Credential) (int, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var usr1, old unix.Sigset_t
	sigaddset(&usr1, unix.SIGUSR1)
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &usr1, &old); err != nil {
		return 0, err
	}
	defer unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	return spawn(argv, "", stdio, &syscall.SysProcAttr{Setsid: true, Credential: cred})
}

// procState is the state letter in /proc/PID/stat.
func procState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	_, rest, ok := strings.Cut(string(b), ") ") // the command name may hold spaces
	if !ok || rest == "" {
		return ""
	}
	return rest[:1]
}

// arrangeTTY opens a pty outside the sandbox and hands its slave to the
// probe as stdin and controlling terminal. Canonical mode and echo are
// off, so whatever is injected waits in the input queue, where TIOCINQ
// counts it.
func arrangeTTY(*doctor, string, string) (*witness, error) {
	master, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*witness, error) {
		unix.Close(master)
		return nil, err
	}
	if err := unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		return fail(fmt.Errorf("unlockpt: %w", err))
	}
	n, err := unix.IoctlGetUint32(master, unix.TIOCGPTN)
	if err != nil {
		return fail(fmt.Errorf("ptsname: %w", err))
	}
	slave, err := unix.Open(fmt.Sprintf("/dev/pts/%d", n), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail(err)
	}
	t, err := unix.IoctlGetTermios(slave, unix.TCGETS)
	if err == nil {
		t.Lflag &^= unix.ICANON | unix.ECHO
		err = unix.IoctlSetTermios(slave, unix.TCSETS, t)
	}
	if err != nil {
		unix.Close(slave)
		return fail(err)
	}
	saw := func() string {
		n, err := unix.IoctlGetInt(slave, unix.TIOCINQ)
		if err != nil || n == 0 {
			return ""
		}
		return fmt.Sprintf("%d bytes were injected into the terminal's input", n)
	}
	return &witness{ctty: true, tty: slave, saw: saw, close: func() {
		unix.Close(slave)
		unix.Close(master)
	}}, nil
}

// The kernel part.

// kernelFacts reports what this kernel can enforce and the host settings
// that decide whether a vector exists at all.
func (d *doctor) kernelFacts(release string) []kernelFact {
	var f []kernelFact
	add := func(name, value, note string) { f = append(f, kernelFact{name, value, note}) }
	k := probeKernel()

	if k.landlockABI == 0 {
		add("landlock", "none", k.landlockErr.Error())
	} else {
		note := ""
		if k.landlockABI > landlockMaxABI {
			note = fmt.Sprintf("this sandbox uses ABI %d", landlockMaxABI)
		}
		add("landlock", fmt.Sprintf("ABI %d", k.landlockABI), note)
		abi := min(k.landlockABI, landlockMaxABI)
		add("landlock fs rights", strings.Join(fsRightList(landlockFSRights(abi)), " "), "")
		net, scopes := "none", "none"
		if abi >= 4 {
			net = "bind_tcp connect_tcp"
		}
		if abi >= 6 {
			scopes = "abstract_unix_socket signal"
		}
		add("landlock net rights", net, "ABI 4")
		add("landlock scopes", scopes, "ABI 6")
		if abi >= 7 {
			add("landlock audit", "log_same_exec_off log_new_exec_on log_subdomains_off", "ABI 7 restrict_self flags")
		}
		add("landlock errata", landlockErrataText(landlockErrata()), "")
	}

	if !k.seccomp {
		add("seccomp", "no", "the kernel has no seccomp filters")
	} else {
		actions, err := os.ReadFile("/proc/sys/kernel/seccomp/actions_avail")
		value := strings.TrimSpace(string(actions))
		if err != nil {
			value = "actions_avail unreadable: " + errName(err)
		}
		add("seccomp", "yes", "actions: "+value)
		cache := "no"
		if kernelAtLeast(release, 5, 11) {
			cache = "yes"
		}
		add("seccomp action cache", cache, "Linux >= 5.11: allowed syscalls that read no argument skip the filter")
	}
	if nnp, err := unix.PrctlRetInt(unix.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0); err != nil {
		add("no_new_privs", "unsupported", errName(err))
	} else {
		add("no_new_privs", "supported", fmt.Sprintf("this process: %d; the sandbox always sets it", nnp))
	}

	add("kernel.io_uring_disabled", readSysctl("kernel.io_uring_disabled"), "0: io_uring for all, 1: privileged only, 2: off")
	add("kernel.unprivileged_bpf_disabled", readSysctl("kernel.unprivileged_bpf_disabled"), "0: bpf for all; 1, 2: CAP_BPF only")
	add("kernel.perf_event_paranoid", readSysctl("kernel.perf_event_paranoid"), "2: own user-space events for all; above 2 (a distribution patch): none")
	add("vm.unprivileged_userfaultfd", readSysctl("vm.unprivileged_userfaultfd"), "0: user-mode-only userfaultfd for all (Linux 5.11); absent: no userfaultfd")
	add("kernel.keys.maxkeys", readSysctl("kernel.keys.maxkeys"), "absent: no keyrings")
	if runtime.GOARCH == "amd64" {
		add("i386 syscalls (int $0x80)", d.helper("abi-i386"), "tried unconfined in a child")
		add("x32 syscalls", d.helper("abi-x32"), "tried unconfined in a child")
	}
	add("dev.tty.legacy_tiocsti", readSysctl("dev.tty.legacy_tiocsti"), "0: TIOCSTI needs CAP_SYS_ADMIN")
	add("kernel.unprivileged_userns_clone", readSysctl("kernel.unprivileged_userns_clone"), "Debian/Ubuntu patch")
	add("kernel.apparmor_restrict_unprivileged_userns", readSysctl("kernel.apparmor_restrict_unprivileged_userns"), "Ubuntu")
	add("user.max_user_namespaces", readSysctl("user.max_user_namespaces"), "")
	add("new user namespace", d.helper("userns"), "tried unconfined in a child, as this user")
	add("kernel.yama.ptrace_scope", readSysctl("kernel.yama.ptrace_scope"), "")
	add("vm.memfd_noexec", readSysctl("vm.memfd_noexec"), "")
	return f
}

// helper runs a probe unconfined and says what it achieved.
func (d *doctor) helper(name string) string {
	o := d.attempt(probe{name: name, sees: &watchReport}, false)
	if o.effect != "" {
		return o.effect
	}
	return "no: " + o.detail
}

func readSysctl(name string) string {
	b, err := os.ReadFile("/proc/sys/" + strings.ReplaceAll(name, ".", "/"))
	if errors.Is(err, os.ErrNotExist) {
		return "absent"
	}
	if err != nil {
		return "unreadable: " + errName(err)
	}
	return strings.Join(strings.Fields(string(b)), " ")
}

// landlockErrataText names the fixed errata (bit N-1 is erratum N).
func landlockErrataText(mask uint64) string {
	names := []string{
		"1 TCP rights no longer apply to MPTCP/SCTP/SMC",
		"2 signals between threads of one process",
		"3 disconnected directories",
	}
	var fixed []string
	for i, n := range names {
		if mask&(1<<i) != 0 {
			fixed = append(fixed, n)
		}
	}
	if rest := mask >> len(names); rest != 0 {
		fixed = append(fixed, fmt.Sprintf("unknown %#x", rest<<len(names)))
	}
	if len(fixed) == 0 {
		return "none fixed"
	}
	return "fixed: " + strings.Join(fixed, "; ")
}

// kernelAtLeast compares the major.minor of a uname release.
func kernelAtLeast(release string, major, minor int) bool {
	parts := strings.SplitN(release, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, _ := strconv.Atoi(parts[0])
	mi, _ := strconv.Atoi(strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	return ma > major || ma == major && mi >= minor
}
