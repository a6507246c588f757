//go:build linux

package main

// The doctor on Linux: the kernel's abilities, then every escape vector of
// the probes table tried twice, unconfined and through the sandbox, each
// run watched by a fresh witness (see doctor.go for the verdict).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
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
	sees     watcher
	promised bool   // the README says the sandbox refuses it
	byDesign string // why it stays open, when the README says it does
	needs    string // a privilege without which the vector does not exist
	arch     string // only on this GOARCH
	try      func(args []string) probeReport
}

var probes = []probe{
	{name: "fs-write", tries: "open a file outside the writable root for writing and write", sees: watchFiles, promised: true, try: tryWrite},
	{name: "fs-create", tries: "create a file, directory, fifo and symlink outside", sees: watchFiles, promised: true, try: tryCreate},
	{name: "fs-remove", tries: "unlink a file and rmdir a directory outside", sees: watchFiles, promised: true, try: tryRemove},
	{name: "fs-truncate", tries: "truncate(2) and open(O_TRUNC) a file outside", sees: watchFiles, promised: true, try: tryTruncate},
	{name: "fs-rename", tries: "rename a file out of the root, one from outside in, exchange two", sees: watchFiles, promised: true, try: tryRename},
	{name: "fs-link", tries: "hard-link a file out of the root; link one from outside in and write it", sees: watchFiles, promised: true, try: tryLink},
	{name: "fs-symlink-write", tries: "make a symlink in the root to a file outside and write through it", sees: watchFiles, promised: true, try: trySymlinkWrite},
	{name: "fs-mknod", tries: "mknod a character and a block device in the writable root", sees: watchDevices, promised: true, needs: "CAP_MKNOD", try: tryMknod},
	{name: "fs-file-handle", tries: "open_by_handle_at a file outside for writing", sees: watchFiles, promised: true, needs: "CAP_DAC_READ_SEARCH", try: tryFileHandle},
	{name: "fs-chmod", tries: "chmod a file outside", sees: watchFiles, byDesign: "file metadata is not a Landlock right", try: tryChmod},
	{name: "fs-utime", tries: "set the times of a file outside", sees: watchFiles, byDesign: "file metadata is not a Landlock right", try: tryUtime},
	{name: "fs-xattr", tries: "set a user.* extended attribute on a file outside", sees: watchFiles, byDesign: "file metadata is not a Landlock right", try: tryXattr},
	{name: "tcp4", tries: "connect to 127.0.0.1 over TCP and MPTCP", sees: watchTCP4, promised: true, try: tryTCP4},
	{name: "tcp6", tries: "connect to ::1 over TCP and MPTCP", sees: watchTCP6, promised: true, try: tryTCP6},
	{name: "udp4", tries: "send a UDP datagram to 127.0.0.1", sees: watchUDP4, promised: true, try: tryUDP4},
	{name: "udp6", tries: "send a UDP datagram to ::1", sees: watchUDP6, promised: true, try: tryUDP6},
	{name: "raw-socket", tries: "send a hand-made UDP datagram through a raw IP socket", sees: watchUDP4, promised: true, needs: "CAP_NET_RAW", try: tryRaw},
	{name: "packet-socket", tries: "send a hand-made IPv4/UDP packet on lo through AF_PACKET", sees: watchPacket, promised: true, needs: "CAP_NET_RAW", try: tryPacket},
	{name: "netlink", tries: "dump the interfaces with RTM_GETLINK over NETLINK_ROUTE", sees: watchReport, promised: true, try: tryNetlink},
	{name: "io_uring", tries: "io_uring_setup, then socket and connect from the ring", sees: watchTCP4, promised: true, needs: "kernel.io_uring_disabled=0", try: tryIOUring},
	{name: "i386-int80", tries: "socketcall and socket+connect to 127.0.0.1 with int $0x80", sees: watchTCP4, promised: true, needs: "IA32 emulation in the kernel", arch: "amd64", try: tryI386Socket},
	{name: "x32", tries: "socket+connect to 127.0.0.1 with x32 syscalls", sees: watchTCP4, promised: true, needs: "a kernel built with CONFIG_X86_X32_ABI", arch: "amd64", try: tryX32Socket},
	{name: "unix-pathname", tries: "connect to a pathname AF_UNIX listener outside", sees: watchUnixPath, promised: true, try: tryUnixConnect},
	{name: "unix-abstract", tries: "connect to an abstract AF_UNIX listener outside", sees: watchUnixAbstract, promised: true, try: tryUnixConnect},
	{name: "unix-dgram", tries: "send a datagram to an AF_UNIX datagram socket outside", sees: watchUnixDgram, promised: true, try: tryUnixDgram},
	{name: "signal", tries: "kill and pidfd_send_signal SIGUSR1 to a process outside", sees: watchProcess, promised: true, try: tryKill},
	{name: "ptrace", tries: "PTRACE_ATTACH to a process outside and poke its memory", sees: watchProcess, promised: true, try: tryPtrace},
	{name: "process_vm_writev", tries: "write a process's memory outside (process_vm_writev, /proc/PID/mem)", sees: watchProcess, promised: true, try: tryProcessVMWritev},
	{name: tiocstiProbe, tries: "TIOCSTI a byte into the terminal on stdin (a pty opened outside)", sees: watchTTY, promised: true, needs: "CAP_SYS_ADMIN or dev.tty.legacy_tiocsti=1", try: tryTIOCSTI},
	{name: "userns", tries: "run a child in a new user namespace (clone, unshare)", sees: watchReport, promised: true, try: tryUserNS},
	{name: "setuid", tries: "check that setuid binaries would not elevate (NoNewPrivs)", sees: watchReport, promised: true, try: tryNoNewPrivs},
	{name: "memfd-exec", tries: "copy a binary into a memfd and execveat it", sees: watchReport, byDesign: "exec is unrestricted; Landlock does not see memfds", try: tryMemfdExec},
}

// witness is the outside end of one probe run: what the probe is told,
// and how to tell afterwards whether it got through.
type witness struct {
	args  []string
	stdin *os.File // the probe's stdin; nil means /dev/null
	ctty  bool     // make stdin the probe's controlling terminal
	saw   func() string
	close func()
}

// watcher sets up a witness for a run whose writable root is root and
// whose outside directory is out.
type watcher struct {
	check   string
	arrange func(d *doctor, root, out string) (*witness, error)
}

var (
	watchFiles        = watcher{"the files outside the writable root are unchanged", arrangeFiles}
	watchDevices      = watcher{"no device node appeared in the writable root", arrangeDevices}
	watchTCP4         = watcher{"a TCP listener on 127.0.0.1 accepted nothing", listenTCP("tcp4", "127.0.0.1:0")}
	watchTCP6         = watcher{"a TCP listener on ::1 accepted nothing", listenTCP("tcp6", "[::1]:0")}
	watchUDP4         = watcher{"a UDP socket on 127.0.0.1 received nothing", listenUDP("udp4", "127.0.0.1:0")}
	watchUDP6         = watcher{"a UDP socket on ::1 received nothing", listenUDP("udp6", "[::1]:0")}
	watchPacket       = watcher{"a packet socket outside saw no frame with the probe's token on lo", arrangePacket}
	watchUnixPath     = watcher{"a pathname AF_UNIX listener accepted nothing", listenUnix(false)}
	watchUnixAbstract = watcher{"an abstract AF_UNIX listener accepted nothing", listenUnix(true)}
	watchUnixDgram    = watcher{"an AF_UNIX datagram socket received nothing", arrangeUnixDgram}
	watchProcess      = watcher{"a process outside got no SIGUSR1, kept its memory and was not stopped", arrangeProcess}
	watchTTY          = watcher{"the terminal's input queue stayed empty", arrangeTTY}
	watchReport       = watcher{"the probe reports what it obtained", func(*doctor, string, string) (*witness, error) {
		return &witness{saw: func() string { return "" }, close: func() {}}, nil
	}}
)

// netGrace is how long a network witness waits for what a probe sent.
// Loopback delivery is done before the sending call returns; this only
// covers a busy machine.
const netGrace = 30 * time.Millisecond

// doctor runs probes with the binary at exe, in fixtures under base.
type doctor struct {
	exe  string
	base string
	seq  int
}

func newDoctor(exe string) (*doctor, error) {
	base, err := os.MkdirTemp("", "sandbox-doctor-")
	if err != nil {
		return nil, err
	}
	return &doctor{exe: exe, base: base}, nil
}

func (d *doctor) close() { os.RemoveAll(d.base) }

// examine is --doctor on Linux.
func examine() (*doctorReport, error) {
	start := time.Now()
	d, err := newDoctor("/proc/self/exe")
	if err != nil {
		return nil, err
	}
	defer d.close()
	var uts unix.Utsname
	unix.Uname(&uts)
	r := &doctorReport{
		Host:   fmt.Sprintf("Linux %s %s, uid %d", unix.ByteSliceToString(uts.Release[:]), runtime.GOARCH, os.Getuid()),
		Kernel: d.kernelFacts(unix.ByteSliceToString(uts.Release[:])),
	}
	for _, p := range probes {
		if p.arch == "" || p.arch == runtime.GOARCH {
			r.Vectors = append(r.Vectors, d.check(p))
		}
	}
	r.summarize(time.Since(start).Seconds())
	return r, nil
}

// check tries p unconfined, then confined, and judges.
func (d *doctor) check(p probe) vectorResult {
	v := vectorResult{
		Vector:   p.name,
		Tries:    p.tries,
		Check:    p.sees.check,
		Promised: p.promised,
		ByDesign: p.byDesign != "",
		Needs:    p.needs,
		Reason:   p.byDesign,
	}
	control := d.attempt(p.name, p.sees, false)
	confined := d.attempt(p.name, p.sees, true)
	judge(&v, control, confined)
	return v
}

// probeTimeout bounds one probe run; a run normally takes milliseconds.
const probeTimeout = 5 * time.Second

// attempt runs probe name once, unconfined or through the sandbox with a
// fresh writable root, and returns what its witness saw.
func (d *doctor) attempt(name string, sees watcher, confined bool) runOutcome {
	d.seq++
	dir := filepath.Join(d.base, fmt.Sprintf("%02d-%s", d.seq, name))
	root, out := filepath.Join(dir, "root"), filepath.Join(dir, "out")
	for _, p := range []string{root, out} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			return runOutcome{detail: "doctor: " + err.Error()}
		}
	}
	w, err := sees.arrange(d, root, out)
	if err != nil {
		return runOutcome{detail: "cannot set up the witness: " + err.Error()}
	}
	defer w.close()

	argv := append([]string{"--doctor-probe", name}, w.args...)
	if confined {
		argv = append([]string{"-w", root, "--", d.exe}, argv...)
	}
	cmd := exec.Command(d.exe, argv...)
	cmd.Dir = root
	if w.stdin != nil {
		cmd.Stdin = w.stdin
	}
	// A session of its own: no controlling terminal but the pty of the
	// TIOCSTI probe, never the user's, and one process group to kill.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: w.ctty}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return runOutcome{detail: "doctor: " + err.Error()}
	}
	if err := cmd.Start(); err != nil {
		return runOutcome{detail: "doctor: " + err.Error()}
	}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- s
	}()
	var report string
	select {
	case report = <-line:
	case <-time.After(probeTimeout):
		report = "timeout"
	}
	// The probe is done (or dead): look before it exits, then stop its
	// whole process group. It is not reaped yet, so its pid is still ours.
	effect := w.saw()
	unix.Kill(-cmd.Process.Pid, unix.SIGKILL)
	waitErr := cmd.Wait()

	var pr probeReport
	if report == "timeout" {
		return runOutcome{effect: effect, detail: fmt.Sprintf("no report within %v", probeTimeout)}
	}
	if err := json.Unmarshal([]byte(report), &pr); err != nil {
		code := cmd.ProcessState.ExitCode()
		notRun := confined && (code == exitSetup || code == exitCannotRun || code == exitNotFound)
		return runOutcome{effect: effect, detail: deathOf(waitErr, stderr.String()), notRun: notRun}
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
func deathOf(err error, stderr string) string {
	msg := "no report"
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ws := ee.Sys().(syscall.WaitStatus)
		switch {
		case ws.Signaled() && ws.Signal() == unix.SIGSYS:
			msg = "killed by SIGSYS (seccomp)"
		case ws.Signaled():
			msg = "killed by " + unix.SignalName(ws.Signal())
		default:
			msg = fmt.Sprintf("exit status %d", ws.ExitStatus())
		}
	}
	if first, _, _ := strings.Cut(strings.TrimSpace(stderr), "\n"); first != "" {
		msg += ": " + first
	}
	return msg
}

// File witnesses.

// outsideFile is what the file witness compares.
type outsideFile struct {
	mode    os.FileMode
	size    int64
	nlink   uint64
	mtime   int64
	content string
	xattrs  string
}

func snapshotFiles(dir string) map[string]outsideFile {
	m := map[string]outsideFile{}
	filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || path == dir {
			return nil
		}
		var st unix.Stat_t
		if unix.Lstat(path, &st) != nil {
			return nil
		}
		s := outsideFile{mode: os.FileMode(st.Mode), size: st.Size, nlink: uint64(st.Nlink), mtime: st.Mtim.Nano()}
		if st.Mode&unix.S_IFMT == unix.S_IFREG {
			b, _ := os.ReadFile(path)
			s.content = string(b)
		}
		buf := make([]byte, 1024)
		if n, err := unix.Llistxattr(path, buf); err == nil {
			s.xattrs = string(buf[:n])
		}
		rel, _ := filepath.Rel(dir, path)
		m[rel] = s
		return nil
	})
	return m
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
			d = append(d, fmt.Sprintf("out/%s mode %o -> %o", name, b.mode.Perm(), a.mode.Perm()))
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

func arrangeDevices(_ *doctor, root, out string) (*witness, error) {
	saw := func() string {
		var found []string
		entries, _ := os.ReadDir(root)
		for _, e := range entries {
			if e.Type()&(os.ModeDevice|os.ModeCharDevice) != 0 {
				found = append(found, e.Name())
			}
		}
		if len(found) == 0 {
			return ""
		}
		return "device nodes made in the writable root: " + strings.Join(found, " ")
	}
	return &witness{args: []string{root, out}, saw: saw, close: func() {}}, nil
}

// Network witnesses.

func listenTCP(network, address string) func(*doctor, string, string) (*witness, error) {
	return func(*doctor, string, string) (*witness, error) {
		var lc net.ListenConfig
		lc.SetMultipathTCP(false) // a plain TCP listener; MPTCP clients fall back to it
		l, err := lc.Listen(context.Background(), network, address)
		if err != nil {
			return nil, err
		}
		return acceptWitness(l, strconv.Itoa(l.Addr().(*net.TCPAddr).Port)), nil
	}
}

func listenUnix(abstract bool) func(*doctor, string, string) (*witness, error) {
	return func(d *doctor, _, out string) (*witness, error) {
		name := filepath.Join(out, "socket")
		if abstract {
			name = fmt.Sprintf("@sandbox-doctor-%d-%d", os.Getpid(), d.seq)
		}
		l, err := net.ListenUnix("unix", &net.UnixAddr{Name: name, Net: "unix"})
		if err != nil {
			return nil, err
		}
		return acceptWitness(l, name), nil
	}
}

// deadlineListener is what TCP and UNIX listeners have in common.
type deadlineListener interface {
	net.Listener
	SetDeadline(time.Time) error
}

func acceptWitness(l net.Listener, arg string) *witness {
	saw := func() string {
		l.(deadlineListener).SetDeadline(time.Now().Add(netGrace))
		c, err := l.Accept()
		if err != nil {
			return ""
		}
		c.Close()
		return "the listener outside accepted a connection"
	}
	return &witness{args: []string{arg}, saw: saw, close: func() { l.Close() }}
}

func listenUDP(network, address string) func(*doctor, string, string) (*witness, error) {
	return func(*doctor, string, string) (*witness, error) {
		c, err := net.ListenPacket(network, address)
		if err != nil {
			return nil, err
		}
		return receiveWitness(c, strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port)), nil
	}
}

func arrangeUnixDgram(_ *doctor, _, out string) (*witness, error) {
	name := filepath.Join(out, "dgram")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return nil, err
	}
	return receiveWitness(c, name), nil
}

func receiveWitness(c net.PacketConn, arg string) *witness {
	saw := func() string {
		c.SetReadDeadline(time.Now().Add(netGrace))
		buf := make([]byte, 512)
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return ""
		}
		return fmt.Sprintf("the socket outside received %d bytes", n)
	}
	return &witness{args: []string{arg}, saw: saw, close: func() { c.Close() }}
}

// arrangePacket captures the IPv4 frames on lo, looking for a token that
// only the probe sends. It needs CAP_NET_RAW, as the vector does.
func arrangePacket(d *doctor, _, _ string) (*witness, error) {
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		return nil, err
	}
	proto := hostToNet16(unix.ETH_P_IP)
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, int(proto))
	if err != nil {
		return nil, errors.New("socket(AF_PACKET): " + errName(err))
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: proto, Ifindex: lo.Index}); err != nil {
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

// arrangeProcess starts a witness process (runWitness) outside the sandbox.
func arrangeProcess(d *doctor, _, _ string) (*witness, error) {
	cmd := exec.Command(d.exe, "--doctor-probe", "witness")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	kill := func() {
		cmd.Process.Kill()
		cmd.Wait()
	}
	lines := make(chan string, 2)
	go func() {
		r := bufio.NewReader(outPipe)
		for {
			s, err := r.ReadString('\n')
			if err != nil {
				close(lines)
				return
			}
			lines <- strings.TrimSpace(s)
		}
	}()
	var hello string
	select {
	case hello = <-lines:
	case <-time.After(probeTimeout):
	}
	pid, mem, ok := strings.Cut(hello, " ")
	if !ok {
		kill()
		return nil, errors.New("the witness process did not start")
	}
	saw := func() string {
		if state := procState(cmd.Process.Pid); state == "T" || state == "t" {
			return "the process outside was stopped (ptrace)"
		}
		in.Close()
		var bye string
		select {
		case bye = <-lines:
		case <-time.After(time.Second):
			return "the process outside stopped answering"
		}
		usr1, word, _ := strings.Cut(bye, " ")
		var effects []string
		if usr1 != "0" {
			effects = append(effects, "the process outside got SIGUSR1 "+usr1+" times")
		}
		if word != "0x0" {
			effects = append(effects, "the process outside had its memory overwritten ("+word+")")
		}
		return strings.Join(effects, "; ")
	}
	return &witness{args: []string{pid, mem}, saw: saw, close: kill}, nil
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
	f := os.NewFile(uintptr(slave), "pty")
	saw := func() string {
		n, err := unix.IoctlGetInt(slave, unix.TIOCINQ)
		if err != nil || n == 0 {
			return ""
		}
		return fmt.Sprintf("%d bytes were injected into the terminal's input", n)
	}
	return &witness{stdin: f, ctty: true, saw: saw, close: func() {
		f.Close()
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
		add("landlock errata", landlockErrataText(k.errata), "")
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
	o := d.attempt(name, watchReport, false)
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
