//go:build linux

package main

// The namespace engine: the command runs in user, mount, PID, IPC and
// (network off) network namespaces of its own, in a read-only view of the
// host built by the mount plan, with Landlock, seccomp, no_new_privs and
// no capabilities on top. See NS-DESIGN.md and issue 11.
//
// Two Go runtime starts, no third:
//
//	outer (the process the caller started; then the supervisor)
//	  plan: Landlock/seccomp (planLinux, namespace flavour), mounts (planMounts)
//	  prepareHost (placeholders), then fork and exec /proc/self/exe with
//	  CLONE_NEWUSER|NEWNS|NEWPID|NEWIPC[|NEWNET], the uid/gid maps and
//	  PDEATHSIG=SIGKILL, passing two pipes: ctl (outer -> inner: the stage
//	  message, then one byte per forwarded signal) and status (inner ->
//	  outer: "ready", or "fail", then the command's wait status).
//	inner (PID 1 of the new PID namespace, in init on its startup thread)
//	  applyMounts -> loopback up -> (--allow-host, Codex's proxy routes:
//	  listeners on the loopback, sent to the outer; proxy_linux.go) ->
//	  Landlock ruleset + seccomp program ->
//	  "ready" -> drop capabilities -> no_new_privs -> Landlock -> seccomp
//	  -> (network off) hand the filter's listener and a sock_diag socket
//	  to the supervisor, which answers connect(2) (unixnotify_linux.go)
//	  -> fork and exec the command (PID 2) from the same thread, which
//	  copies all four into it -> reap every child; when the command ends,
//	  report its status and exit, and the kernel kills whatever is left.
//
// The outer touches nothing irreversible before "ready": when the host
// refuses the namespaces (clone fails: Docker's seccomp profile,
// user.max_user_namespaces=0, kernel.unprivileged_userns_clone=0; or the
// inner fails before ready: AppArmor's restriction of unprivileged user
// namespaces lets clone succeed and refuses the uid map or the mounts) it
// is still the untouched process on its startup thread, and engage can
// run the exec-only engine in it instead.
//
// Signals. The inner and the command stay in the caller's process group
// and session, so the terminal and job control work as without a sandbox:
// what the terminal sends to the foreground group (^C, ^\, a resize, a
// hangup) reaches the command directly. The supervisor therefore forwards
// SIGHUP, SIGINT, SIGQUIT and SIGWINCH only when its process group is not
// the terminal's foreground group (then they cannot have come from the
// terminal), and SIGTERM, SIGUSR1 and SIGUSR2 always. Go cannot tell the
// supervisor who sent a signal (os/signal has no si_code, and signalfd
// cannot be used: only the startup thread could block the signals, and
// the runtime's other threads would take them), so a signal a program
// sends to the whole process group reaches the command twice, directly
// and forwarded. The inner never forwards what it receives itself (that
// was sent to the group, and the command got it too); it forwards what
// the supervisor writes on the ctl pipe. See man 7 signal, credentials(7)
// on process groups, pid_namespaces(7) on signals to a namespace's init.

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// innerStage, as args[1], makes a run the inner stage (main.go's run
// recognises it before anything else, the Codex names included).
const innerStage = "--namespace-inner-stage"

// goInnerEnv, set to anything, makes the namespace engine use the Go inner
// stage (this binary exec'd again) for every policy, not only those the
// raw inner stage does not cover (rawUnsupported): for comparing the two.
const goInnerEnv = "SANDBOX_GO_INNER"

// Descriptors the inner stage is given.
const (
	innerCtlFD    = 3 // stage message, then forwarded signals, from the outer
	innerStatusFD = 4 // "ready", "fail", "status" lines to the outer
)

// forwardedSignals are the signals the supervisor passes on to the command.
var forwardedSignals = [...]syscall.Signal{
	syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH,
}

// terminalSignals are the forwarded signals a terminal sends to its
// foreground process group.
func terminalSignal(s syscall.Signal) bool {
	switch s {
	case syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGWINCH:
		return true
	}
	return false
}

// nsUnavailable is the host refusing the namespace engine before anything
// irreversible happened.
type nsUnavailable struct{ err error }

func (e *nsUnavailable) Error() string { return "namespaces unavailable: " + e.err.Error() }
func (e *nsUnavailable) Unwrap() error { return e.err }

// fix names what would make the namespace engine available here.
func (e *nsUnavailable) fix() string {
	switch {
	case readSysctl("user.max_user_namespaces") == "0":
		return "allow user namespaces (sysctl -w user.max_user_namespaces=10000), or run with --exec-only"
	case readSysctl("kernel.unprivileged_userns_clone") == "0":
		return "allow unprivileged user namespaces (sysctl -w kernel.unprivileged_userns_clone=1), or run with --exec-only"
	case readSysctl("kernel.apparmor_restrict_unprivileged_userns") == "1":
		return "install the AppArmor profile shipped with sandbox (see README), or run with --exec-only"
	}
	return "allow unprivileged user namespaces here (in a container: a seccomp profile that allows them), or run with --exec-only"
}

// hostRefused reports whether err from the canary mount or the loopback,
// in the new namespaces, means the host does not allow them (an LSM such
// as AppArmor, a seccomp profile) rather than a problem with the policy,
// which stays an error (125).
func hostRefused(err error) bool {
	return errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.ENOSYS)
}

// ---------------------------------------------------------------------
// Outer stage

// engageNamespace runs cmd under the namespace engine. It returns only
// when the command did not run: an *nsUnavailable (nothing irreversible
// happened, the caller may run the exec-only engine), a *setupError or an
// *execError. Otherwise it supervises and exits with the command's status.
func engageNamespace(p Policy, cmd []string) error {
	// The fallback must find this process untouched on the startup
	// thread, and the Go inner stage's PDEATHSIG follows the thread that
	// forks it (this one; the raw stage's, see startRaw).
	if tid, pid := unix.Gettid(), unix.Getpid(); tid != pid {
		return &setupError{fmt.Errorf("not on the startup thread (thread %d of process %d), the only one known to stay put", tid, pid)}
	}
	// The runtime's other threads stop preempting this one until the
	// command has started (sched_linux.go).
	batchRuntimeThreads()
	// The forwarded signals are taken first: by a handler of ours a few
	// system calls (sigcatch_linux.go); by signal.Notify, where that
	// handler does not exist, a round trip each to the runtime's
	// signal-mask thread (about 1 ms for the seven), which the planning
	// need not wait for, on another thread.
	var mask unix.Sigset_t
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, nil, &mask); err != nil {
		return &setupError{fmt.Errorf("pthread_sigmask: %w", err)}
	}
	notified := make(chan chan os.Signal, 1)
	if rawSignals() {
		notified <- catchSignals() // a few system calls
	} else {
		go func() { notified <- catchSignals() }()
	}
	fail := func(err error) error {
		stopSignals(<-notified)
		return &setupError{err}
	}
	k := probeKernel()
	pl, err := planLinux(p, k, true)
	if err != nil {
		return fail(err)
	}
	if err := refusal(p, pl, k); err != nil {
		return fail(err)
	}
	mp, err := planMounts(p, osHost())
	if err != nil {
		return fail(err)
	}
	// From here until the command's end, the forwarded signals are ours:
	// one arriving while placeholders exist must not kill us before
	// cleanupHost.
	sigs := <-notified
	if rawUnsupported(p, mp) == "" && os.Getenv(goInnerEnv) == "" {
		ri, early, err := startRaw(p, k, pl, mp, cmd, mask, sigs) // with mp.prepareHost
		if err != nil {
			mp.cleanupHost()
			stopSignals(sigs)
			for _, s := range early {
				redeliver(s)
			}
			return err
		}
		if notice := append(pl.unmet, pl.weaker...); len(notice) > 0 {
			warnf("not enforced on this kernel: %s", strings.Join(notice, "; "))
		}
		ri.supervise(sigs, mp)
		panic("unreachable")
	}
	superviseOnOneP()
	if err := mp.prepareHost(); err != nil {
		stopSignals(sigs)
		return &setupError{err}
	}
	in, err := startInner(p, cmd, mp, mask)
	if err != nil {
		mp.cleanupHost()
		stopSignals(sigs)
		return err
	}
	if pl.supervisesConnect(k) {
		in.superviseConnect(mp, sigs)
	}
	if notice := append(pl.unmet, pl.weaker...); len(notice) > 0 {
		warnf("not enforced on this kernel: %s", strings.Join(notice, "; "))
	}
	in.supervise(sigs, mp)
	panic("unreachable")
}

// superviseOnOneP gives this process one P, as the inner stage has (see
// innerEnviron), for the supervision: its goroutines spend their lives
// blocked (the reaper in wait4, the signal loop, the main one in select),
// and with more Ps each wake-up also wakes a spinning thread to look for
// work there is none of. A goroutine woken while the one P is held by a
// blocking system call waits for the runtime's monitor to take it back,
// at most its 10 ms tick: a forwarded signal may be that late, never
// lost. The raw inner stage's supervisor does without: it forks on a
// second P while it builds on the first (see startRaw), and the call
// stops the world, 0.5-1 ms on these hosts (bench/run.sh, with and
// without), more than the wake-ups it saves over a short command.
func superviseOnOneP() { runtime.GOMAXPROCS(1) }

// notifySignals routes the forwarded signals to a channel. SIGHUP and
// SIGINT ignored by whoever started us (nohup, a background job) stay
// ignored, for us, the inner stage and the command: the Go runtime keeps
// an inherited SIG_IGN for these two.
func notifySignals() chan os.Signal {
	c := make(chan os.Signal, 16)
	for _, s := range forwardedSignals {
		if (s == syscall.SIGHUP || s == syscall.SIGINT) && signal.Ignored(s) {
			continue
		}
		signal.Notify(c, s)
	}
	return c
}

// stopSignals gives the forwarded signals back to the runtime's defaults,
// before the exec-only engine or an error return, and delivers again what
// arrived meanwhile: it is meant for this process now.
func stopSignals(c chan os.Signal) {
	if pending, ok := stopBridged(c); ok {
		for _, s := range pending {
			redeliver(s)
		}
		return
	}
	if pending, done, ok := stopCaught(c); ok {
		for _, s := range pending {
			redeliver(s)
		}
		for done != nil {
			select {
			case s := <-c:
				redeliver(s)
			case <-done:
				done = nil
			}
		}
	} else {
		signal.Stop(c)
	}
	for {
		select {
		case s, ok := <-c:
			if !ok {
				return // closed by stopBridged, given back already
			}
			redeliver(s)
		default:
			return
		}
	}
}

// redeliver sends s to this process again, once the signals are given
// back: what came for the command is for this process now (SIGWINCH, by
// default ignored, is dropped).
func redeliver(s os.Signal) {
	if s != syscall.SIGWINCH {
		unix.Kill(unix.Getpid(), s.(syscall.Signal))
	}
}

// inner is the running inner stage, seen from the outer.
type inner struct {
	pid    int
	ctl    int // write end: forwarded signals
	status int // read end
}

// startInner forks and execs the inner stage into the new namespaces,
// sends it the stage message and waits for "ready".
func startInner(p Policy, cmd []string, mp *mountPlan, mask unix.Sigset_t) (*inner, error) {
	ctlR, ctlW, err := pipeAbove2()
	if err != nil {
		return nil, &setupError{err}
	}
	statusR, statusW, err := pipeAbove2()
	if err != nil {
		unix.Close(ctlR)
		unix.Close(ctlW)
		return nil, &setupError{err}
	}
	hand, err := newProxyHandoff(p)
	if err != nil {
		unix.Close(ctlR)
		unix.Close(ctlW)
		unix.Close(statusR)
		unix.Close(statusW)
		return nil, err
	}
	files := hand.files([]uintptr{stdioFD(0), stdioFD(1), stdioFD(2), uintptr(ctlR), uintptr(statusW)})
	argv := append([]string{os.Args[0], innerStage, "--"}, cmd...)
	sys := innerSysProcAttr(p.Network)
	sys.AmbientCaps = append(sys.AmbientCaps, cacheLayerCaps(p)...)

	// The inner stage starts with the forwarded signals blocked on all
	// its threads (a Go program's threads take the mask it started
	// with), so none kills it before it routes them; fork gives it this
	// thread's mask.
	var block unix.Sigset_t
	for _, s := range forwardedSignals {
		sigaddset(&block, s)
	}
	unix.PthreadSigmask(unix.SIG_BLOCK, &block, nil)
	env, callerMaxprocs := innerEnviron(os.Environ())
	pid, err := syscall.ForkExec("/proc/self/exe", argv, &syscall.ProcAttr{Env: env, Files: files, Sys: sys})
	unix.PthreadSigmask(unix.SIG_SETMASK, &mask, nil)
	unix.Close(ctlR)
	unix.Close(statusW)
	hand.forked()
	if err != nil {
		hand.close()
		unix.Close(ctlW)
		unix.Close(statusR)
		return nil, &nsUnavailable{fmt.Errorf("clone(CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID|...) and exec of /proc/self/exe: %w", err)}
	}
	in := &inner{pid: pid, ctl: ctlW, status: statusR}

	// A failed write means the inner stage died; its status line, or
	// its end, says why.
	msg := encodeStage(p, mask, mp, callerMaxprocs)
	writeAll(ctlW, append([]byte(strconv.Itoa(len(msg))+"\n"), msg...))
	line, err := readLine(statusR)
	switch {
	case line == "ready":
		// The start-up is over: the proxy's goroutines and the connect
		// supervision's serve the command (sched_linux.go).
		restoreRuntimeThreads()
		if err := hand.start(p); err != nil {
			in.kill()
			return nil, &setupError{err}
		}
		return in, nil
	case strings.HasPrefix(line, "fail host "):
		hand.close()
		in.kill()
		return nil, &nsUnavailable{errors.New(strings.TrimPrefix(line, "fail host "))}
	case strings.HasPrefix(line, "fail setup "):
		hand.close()
		in.kill()
		return nil, &setupError{errors.New(strings.TrimPrefix(line, "fail setup "))}
	}
	hand.close()
	ws := in.kill()
	if err == nil {
		err = fmt.Errorf("unexpected %q", line)
	}
	return nil, &setupError{fmt.Errorf("the namespace stage ended before it was ready (%s): %v", exitText(ws), err)}
}

// innerEnviron is the inner stage's environment: env with GOMAXPROCS=1 in
// place of its GOMAXPROCS entry, or after the others when it has none.
// With one P the inner's Go runtime starts no spinning threads to look for
// work it will never have (about a quarter of the CPU time of a run on
// /bin/true, measured with perf stat). It returns the caller's value (nil:
// unset), which the stage message carries back, and the inner stage puts
// it back in place before it starts the command (restoreMaxprocs), so the
// command gets env unchanged, order included.
func innerEnviron(env []string) (inner []string, caller *string) {
	inner = make([]string, 0, len(env)+1)
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOMAXPROCS="); ok && caller == nil {
			caller = &v
			kv = "GOMAXPROCS=1"
		}
		inner = append(inner, kv)
	}
	if caller == nil {
		inner = append(inner, "GOMAXPROCS=1")
	}
	return inner, caller
}

// restoreMaxprocs gives GOMAXPROCS back the caller's value (see
// innerEnviron): os.Setenv replaces the entry where it is, os.Unsetenv
// drops the one innerEnviron added last.
func restoreMaxprocs(caller *string) error {
	if caller == nil {
		if err := os.Unsetenv("GOMAXPROCS"); err != nil {
			return fmt.Errorf("unsetenv GOMAXPROCS: %w", err)
		}
		return nil
	}
	if err := os.Setenv("GOMAXPROCS", *caller); err != nil {
		return fmt.Errorf("setenv GOMAXPROCS: %w", err)
	}
	return nil
}

// innerSysProcAttr is how the inner stage is started: in new user,
// mount, PID, IPC and (network off) network namespaces.
func innerSysProcAttr(network bool) *syscall.SysProcAttr {
	flags := uintptr(unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWIPC)
	if !network {
		flags |= unix.CLONE_NEWNET
	}
	uids, gids := idMaps()
	return &syscall.SysProcAttr{
		Cloneflags:  flags,
		UidMappings: uids,
		GidMappings: gids,
		// Without setgroups "deny" an unprivileged caller may not write
		// the gid map (user_namespaces(7)); root keeps its groups.
		GidMappingsEnableSetgroups: os.Geteuid() == 0,
		// The mounts, the loopback and dropping the bounding set need
		// these in the new user namespace; exec would clear them for a
		// uid other than 0 without ambient capabilities.
		AmbientCaps: []uintptr{unix.CAP_SYS_ADMIN, unix.CAP_NET_ADMIN, unix.CAP_SETPCAP},
		Pdeathsig:   syscall.SIGKILL,
	}
}

// probeNamespaces starts the inner stage in the namespaces and lets it
// exit at once (--print-policy only; a run's attempt is its own probe).
// The answer is kept for the life of the process.
func probeNamespaces(network bool) error {
	i := 0
	if network {
		i = 1
	}
	if nsProbed[i] {
		return nsProbeErr[i]
	}
	nsProbed[i] = true
	argv := []string{os.Args[0], innerStage, "--probe"}
	none := ^uintptr(0)
	pid, err := syscall.ForkExec("/proc/self/exe", argv, &syscall.ProcAttr{Files: []uintptr{none, none, none}, Sys: innerSysProcAttr(network)})
	if err != nil {
		nsProbeErr[i] = fmt.Errorf("clone(CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID|...) and exec of /proc/self/exe: %w", err)
		return nsProbeErr[i]
	}
	if ws, err := reap(pid); err != nil || !ws.Exited() || ws.ExitStatus() != 0 {
		nsProbeErr[i] = fmt.Errorf("the namespace stage's probe failed (%s)", exitText(ws))
	}
	return nsProbeErr[i]
}

var (
	nsProbed   [2]bool
	nsProbeErr [2]error
)

// kill ends the inner stage and everything in its namespaces, and reaps it.
func (in *inner) kill() unix.WaitStatus {
	unix.Kill(in.pid, unix.SIGKILL)
	ws, _ := reap(in.pid)
	unix.Close(in.ctl)
	unix.Close(in.status)
	return ws
}

// supervise forwards signals until the inner stage ends, removes the
// placeholders and ends this process as the command ended.
func (in *inner) supervise(sigs chan os.Signal, mp *mountPlan) {
	readSignals(sigs)
	done := make(chan unix.WaitStatus, 1)
	go func() {
		ws, _ := reap(in.pid)
		done <- ws
	}()
	for {
		select {
		case s := <-sigs:
			sig := s.(syscall.Signal)
			if terminalSignal(sig) && inForeground() {
				continue // the terminal sent it to the command too
			}
			writeAll(in.ctl, []byte{byte(sig)})
		case ws := <-done:
			line, _ := readLine(in.status)
			if n, err := strconv.ParseUint(strings.TrimPrefix(line, "status "), 10, 32); err == nil && strings.HasPrefix(line, "status ") {
				ws = unix.WaitStatus(n)
			}
			mp.cleanupHost()
			mirrorStatus(ws)
		}
	}
}

// inForeground reports whether this process's group is the foreground
// group of its controlling terminal.
func inForeground() bool {
	fd, err := unix.Open("/dev/tty", unix.O_RDONLY|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false // no controlling terminal
	}
	defer unix.Close(fd)
	fg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	return err == nil && fg == unix.Getpgrp()
}

// mirrorStatus ends this process as ws says the command ended: with its
// exit status, or killed by the same signal (no core file of ours; the
// command's own core, if any, was dumped already).
func mirrorStatus(ws unix.WaitStatus) {
	if !ws.Signaled() {
		os.Exit(ws.ExitStatus())
	}
	sig := ws.Signal()
	unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
	signal.Reset(sig)
	// SIG_DFL, whatever the runtime installed.
	var act rawSigaction
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
	var set unix.Sigset_t
	sigaddset(&set, sig)
	unix.PthreadSigmask(unix.SIG_UNBLOCK, &set, nil)
	unix.Tgkill(unix.Getpid(), unix.Gettid(), sig)
	time.Sleep(10 * time.Millisecond) // a signal whose default is to be ignored
	os.Exit(128 + int(sig))
}

// idMaps are the user and group ID maps of the new user namespace: the
// caller's IDs mapped to themselves; as root, every ID this namespace
// maps, to itself, so that root's ordinary work keeps working.
func idMaps() (uids, gids []syscall.SysProcIDMap) {
	if os.Geteuid() != 0 {
		return []syscall.SysProcIDMap{{ContainerID: os.Geteuid(), HostID: os.Geteuid(), Size: 1}},
			[]syscall.SysProcIDMap{{ContainerID: os.Getegid(), HostID: os.Getegid(), Size: 1}}
	}
	return identityOf("/proc/self/uid_map"), identityOf("/proc/self/gid_map")
}

// identityOf maps every ID of a /proc/self/[ug]id_map to itself; 0 alone
// if the file cannot be read.
func identityOf(path string) []syscall.SysProcIDMap {
	b, err := readProcFile(path)
	var m []syscall.SysProcIDMap
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		first, err1 := strconv.Atoi(f[0])
		n, err2 := strconv.Atoi(f[2])
		if err1 == nil && err2 == nil && len(m) < 340 {
			m = append(m, syscall.SysProcIDMap{ContainerID: first, HostID: first, Size: n})
		}
	}
	if err != nil || len(m) == 0 {
		m = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}}
	}
	return m
}

// readProcFile reads a small file with plain system calls: the first
// os.Open of a process sets up the runtime's poller (an epoll instance, an
// eventfd), which a /proc file cannot use anyway, on the way to the
// namespace engine's fork.
func readProcFile(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return out, nil
		}
		out = append(out, buf[:n]...)
	}
}

// pipeAbove2 is a close-on-exec pipe whose ends are not 0, 1 or 2 (which
// a caller that closed its stdin would otherwise get).
func pipeAbove2() (r, w int, err error) {
	r, w, err = pipe()
	if err != nil {
		return -1, -1, fmt.Errorf("pipe2: %w", err)
	}
	r, err1 := fdAbove2(r)
	w, err2 := fdAbove2(w)
	if err := errors.Join(err1, err2); err != nil {
		unix.Close(r)
		unix.Close(w)
		return -1, -1, err
	}
	return r, w, nil
}

func fdAbove2(fd int) (int, error) {
	if fd > 2 {
		return fd, nil
	}
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
	unix.Close(fd)
	if err != nil {
		return -1, fmt.Errorf("fcntl(F_DUPFD_CLOEXEC): %w", err)
	}
	return nfd, nil
}

// stdioFD is fd for a child's descriptor fd, or -1 (stays closed) when it
// is closed here.
func stdioFD(fd int) uintptr {
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		return ^uintptr(0)
	}
	return uintptr(fd)
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// readLine reads one line, byte by byte: nothing past it is consumed.
func readLine(fd int) (string, error) {
	var line []byte
	var c [1]byte
	for {
		n, err := unix.Read(fd, c[:])
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return string(line), err
		case n == 0:
			return string(line), errors.New("end of file")
		case c[0] == '\n':
			return string(line), nil
		}
		line = append(line, c[0])
		if len(line) > 1<<16 {
			return string(line), errors.New("line too long")
		}
	}
}

// ---------------------------------------------------------------------
// The stage message: the policy, the caller's signal mask and the mount
// plan. NUL-separated fields (no path or argument holds a NUL, and every
// other byte passes unchanged), the serialized mount plan last.

func encodeStage(p Policy, mask unix.Sigset_t, mp *mountPlan, callerMaxprocs *string) []byte {
	var b []byte
	field := func(s ...string) {
		for _, f := range s {
			b = append(b, f...)
			b = append(b, 0)
		}
	}
	field("mask", strconv.FormatUint(sigmaskWord(mask), 10))
	field("full", strconv.FormatBool(p.FullDiskWrite), "net", strconv.FormatBool(p.Network))
	field("enf", strconv.Itoa(int(p.Enforcement)))
	if callerMaxprocs != nil {
		field("gomaxprocs", *callerMaxprocs)
	}
	for _, r := range p.WritableRoots {
		field("root", r.Path)
		for _, ro := range r.ReadOnly {
			field("ro", ro)
		}
	}
	if p.ReadRoots != nil {
		field("reads")
		for _, r := range p.ReadRoots {
			field("read", r)
		}
	}
	for _, h := range p.Hidden {
		field("hide", h)
	}
	for _, c := range p.Caches {
		field("cache", c.Path, "cache-keep", c.Keep)
	}
	for _, h := range p.AllowHosts {
		field("allowhost", h.String())
	}
	for _, r := range p.ProxyRoutes {
		field("route", r.String())
	}
	field("mounts")
	return append(b, mp.marshal()...)
}

func decodeStage(b []byte) (p Policy, mask uint64, mp *mountPlan, callerMaxprocs *string, err error) {
	p.Engine = EngineNamespace
	for len(b) > 0 {
		var key, val []byte
		key, b, _ = bytes.Cut(b, []byte{0})
		if string(key) == "mounts" {
			mp, err = unmarshalMountPlan(b)
			return p, mask, mp, callerMaxprocs, err
		}
		if string(key) == "reads" {
			p.ReadRoots = []string{}
			continue
		}
		var ok bool
		if val, b, ok = bytes.Cut(b, []byte{0}); !ok {
			return p, 0, nil, nil, fmt.Errorf("stage message: %q has no value", key)
		}
		v := string(val)
		switch string(key) {
		case "mask":
			mask, err = strconv.ParseUint(v, 10, 64)
		case "gomaxprocs":
			callerMaxprocs = &v
		case "full":
			p.FullDiskWrite, err = strconv.ParseBool(v)
		case "net":
			p.Network, err = strconv.ParseBool(v)
		case "enf":
			var n int
			n, err = strconv.Atoi(v)
			p.Enforcement = Enforcement(n)
		case "root":
			p.WritableRoots = append(p.WritableRoots, WritableRoot{Path: v})
		case "ro":
			if len(p.WritableRoots) == 0 {
				return p, 0, nil, nil, errors.New("stage message: island before any root")
			}
			r := &p.WritableRoots[len(p.WritableRoots)-1]
			r.ReadOnly = append(r.ReadOnly, v)
		case "read":
			p.ReadRoots = append(p.ReadRoots, v)
		case "hide":
			p.Hidden = append(p.Hidden, v)
		case "cache":
			p.Caches = append(p.Caches, CacheLayer{Path: v})
		case "cache-keep":
			if len(p.Caches) == 0 {
				return p, 0, nil, nil, errors.New("stage message: cache-keep before any cache")
			}
			p.Caches[len(p.Caches)-1].Keep = v
		case "allowhost", "route":
			err = decodeProxyField(&p, string(key), v)
		default:
			return p, 0, nil, nil, fmt.Errorf("stage message: unknown field %q", key)
		}
		if err != nil {
			return p, 0, nil, nil, fmt.Errorf("stage message: %s: %w", key, err)
		}
	}
	return p, 0, nil, nil, errors.New("stage message: no mount plan")
}

// sigmaskWord is the first 64 signals of a mask, all there are on Linux.
func sigmaskWord(m unix.Sigset_t) uint64 { return uint64(m.Val[0]) }

func sigmaskOf(w uint64) unix.Sigset_t {
	var m unix.Sigset_t
	m.Val[0] = w
	return m
}

// ---------------------------------------------------------------------
// Inner stage

// runInner is the inner stage: args are what follows innerStage ("--",
// the command). It returns only on failure before the command started,
// with the exit status (the outer reads the reason on the status pipe).
func runInner(args []string) int {
	if unix.Getpid() == 1 && len(args) == 1 && args[0] == "--probe" {
		return 0 // probeNamespaces: the namespaces exist
	}
	if unix.Getpid() != 1 || len(args) < 2 || args[0] != "--" {
		errorf("%s is internal to the namespace engine", innerStage)
		return exitUsage
	}
	cmd := args[1:]
	// Not dumpable: the command runs as this process's user, in its
	// Landlock domain, and may ptrace its peers when the network is on;
	// this process keeps the capabilities of the new user namespace on
	// the threads the Go runtime started (only this thread drops them
	// before the command starts), and holds the status pipe to the outer
	// stage. A process that is not dumpable can be ptraced, and its
	// /proc/1/fd, mem and environ opened, only with CAP_SYS_PTRACE in its
	// user namespace (ptrace(2), "Ptrace access mode checking"), which
	// the command never has. The command itself is dumpable again: execve
	// resets it.
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		errorf("%s: prctl(PR_SET_DUMPABLE, 0): %v", innerStage, err)
		return exitSetup
	}
	// Named as the caller named us, not "exe" (what /proc/self/exe gives).
	name, _ := unix.BytePtrFromString(filepath.Base(os.Args[0]))
	unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(name)), 0, 0, 0)
	for _, fd := range []int{innerCtlFD, innerStatusFD} {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
			errorf("%s: descriptor %d: %v", innerStage, fd, err)
			return exitSetup
		}
	}
	// What we receive ourselves was sent to the process group, which
	// the command is in too: dropped, never forwarded, never fatal.
	if err := dropOwnSignals(); err != nil {
		errorf("%s: %v", innerStage, err)
		return exitSetup
	}
	fail := func(kind string, err error) int {
		writeAll(innerStatusFD, []byte("fail "+kind+" "+oneLine(err.Error())+"\n"))
		return exitSetup
	}
	msg, err := readStage()
	if err != nil {
		return fail("setup", err)
	}
	p, mask, mp, callerMaxprocs, err := decodeStage(msg)
	if err == nil {
		err = restoreMaxprocs(callerMaxprocs)
	}
	if err != nil {
		return fail("setup", err)
	}
	// Whether this host lets the new namespaces mount at all (AppArmor's
	// restriction of unprivileged user namespaces lets clone succeed and
	// refuses this): the plan's first operation, made private, is
	// repeated here as the canary. A refusal later in the plan is the
	// plan's, not the host's, and fails the run.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		err = fmt.Errorf("mount(/, MS_REC|MS_PRIVATE) in a new user namespace: %w", err)
		if hostRefused(err) {
			return fail("host", err)
		}
		return fail("setup", err)
	}
	if err := applyMounts(mp); err != nil {
		// A kernel or seccomp profile without the new mount API
		// (open_tree, move_mount, mount_setattr, fsopen: Linux 5.2-5.12)
		// is a host that cannot run this engine, not a bad plan.
		if errors.Is(err, unix.ENOSYS) {
			return fail("host", err)
		}
		return fail("setup", err)
	}
	if !p.Network {
		if err := loopbackUp(); err != nil {
			if hostRefused(err) {
				return fail("host", err)
			}
			return fail("setup", err)
		}
	}
	if err := handOverListeners(p); err != nil {
		return fail("setup", err)
	}
	k := probeKernel()
	pl, err := planLinux(p, k, true)
	if err == nil {
		err = pl.prepare()
	}
	if err != nil {
		return fail("setup", err)
	}
	if tid := unix.Gettid(); tid != 1 {
		return fail("setup", fmt.Errorf("not on the startup thread (thread %d)", tid))
	}
	if err := writeAll(innerStatusFD, []byte("ready\n")); err != nil {
		return exitSetup // the outer is gone
	}
	for _, n := range mp.notes() { // a weaker choice of the plan's, such as the host's /proc
		warnf("%s", n)
	}
	report := func(ws unix.WaitStatus) int {
		writeAll(innerStatusFD, []byte("status "+strconv.FormatUint(uint64(ws), 10)+"\n"))
		return 0
	}
	exitWith := func(code int) int { return report(unix.WaitStatus(code << 8)) }

	if err := dropCapabilities(); err != nil {
		errorf("%v", err)
		return exitWith(exitSetup)
	}
	diag := -1
	if pl.supervisesConnect(k) { // see unixnotify_linux.go
		if diag, err = openSockDiag(); err != nil {
			errorf("%v", err)
			return exitWith(exitSetup)
		}
	}
	if err := pl.enforce(k); err != nil {
		errorf("%v", err)
		return exitWith(exitSetup)
	}
	if diag >= 0 {
		if err := handOverConnect(pl.notify, diag); err != nil {
			errorf("%v", err)
			return exitWith(exitSetup)
		}
	}
	// The command gets the caller's signal mask.
	orig := sigmaskOf(mask)
	if err := unix.PthreadSigmask(unix.SIG_SETMASK, &orig, nil); err != nil {
		errorf("pthread_sigmask: %v", err)
		return exitWith(exitSetup)
	}
	pid, err := startCommand(cmd)
	if err != nil {
		var ee *execError
		if errors.As(err, &ee) {
			errorf("%v", ee)
			return exitWith(ee.exitCode())
		}
		errorf("%v", err)
		return exitWith(exitSetup)
	}
	go forwardToCommand(pid)
	// Init: reap every child; the command's status is the answer.
	for {
		var ws unix.WaitStatus
		wpid, err := unix.Wait4(-1, &ws, 0, nil)
		switch {
		case err == unix.EINTR:
		case err != nil:
			errorf("wait4: %v", err)
			return exitWith(exitSetup)
		case wpid == pid:
			return report(ws)
		}
	}
}

// dropOwnSignals gives the forwarded signals their default disposition
// in the inner stage (the Go runtime's handler otherwise), except those it
// inherited ignored. The kernel then drops them on their way to PID 1 of a
// PID namespace, from inside the namespace or out of it (pid_namespaces(7),
// "only signals for which the init process has established a signal
// handler can be sent to the init process"), so they can neither kill the
// inner stage nor wake it. os/signal would do the same job at about a
// millisecond: it hands each signal to a thread of its own and waits.
// The runtime still counts them as its own, so the fork of the command
// resets them to SIG_DFL as before (syscall.ForkExec's child) and an
// inherited SIG_IGN stays ignored for the command.
func dropOwnSignals() error {
	for _, s := range forwardedSignals {
		var old, dfl rawSigaction
		if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(s), 0, uintptr(unsafe.Pointer(&old)), 8, 0, 0); e != 0 {
			return fmt.Errorf("rt_sigaction(%v): %w", s, e)
		}
		if old.handler == sigIgn {
			continue
		}
		if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(s), uintptr(unsafe.Pointer(&dfl)), 0, 8, 0, 0); e != 0 {
			return fmt.Errorf("rt_sigaction(%v, SIG_DFL): %w", s, e)
		}
	}
	return nil
}

// readStage reads the length-prefixed stage message from the ctl pipe,
// leaving the rest (forwarded signals) in it.
func readStage() ([]byte, error) {
	line, err := readLine(innerCtlFD)
	if err != nil {
		return nil, fmt.Errorf("stage message: %w", err)
	}
	n, err := strconv.Atoi(line)
	if err != nil || n < 0 || n > 64<<20 {
		return nil, fmt.Errorf("stage message: bad length %q", line)
	}
	b := make([]byte, n)
	for off := 0; off < n; {
		m, err := unix.Read(innerCtlFD, b[off:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || m == 0 {
			return nil, fmt.Errorf("stage message: short read (%d of %d bytes): %v", off, n, err)
		}
		off += m
	}
	return b, nil
}

// forwardToCommand passes on each signal the supervisor forwards.
func forwardToCommand(pid int) {
	var b [1]byte
	for {
		n, err := unix.Read(innerCtlFD, b[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return // the supervisor is gone; PDEATHSIG ends us
		}
		unix.Kill(pid, unix.Signal(b[0]))
	}
}

// startCommand forks and execs cmd, with execvp's search, from this
// thread: the child inherits its credentials, no_new_privs, Landlock
// domain and seccomp filter. Candidates that do not exist are skipped
// without a fork, as execve would fail on them with ENOENT or ENOTDIR.
func startCommand(cmd []string) (int, error) {
	files := []uintptr{stdioFD(0), stdioFD(1), stdioFD(2)}
	var pid int
	err := searchExec(cmd, func(path string, argv, env []string) error {
		var st unix.Stat_t
		if err := unix.Stat(path, &st); errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
			return err
		}
		var err error
		pid, err = syscall.ForkExec(path, argv, &syscall.ProcAttr{Env: env, Files: files})
		return err
	})
	return pid, err
}

// loopbackUp brings up "lo" in the new network namespace; 127.0.0.1 comes
// with it, and ::1 where IPv6 is on. See netdevice(7), SIOCSIFFLAGS.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("loopback: socket: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return fmt.Errorf("loopback: %w", err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("loopback: SIOCGIFFLAGS: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP | unix.IFF_RUNNING)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("loopback: SIOCSIFFLAGS: %w", err)
	}
	return nil
}
