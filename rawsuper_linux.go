//go:build linux

package main

// The outer stage's side of the raw inner stage (rawstage_linux.go): fork
// it, write its ID maps, read its records, and supervise as
// inner.supervise does, forwarding signals to the command through its
// pidfd (PID 1 does not forward).

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawInner is the running raw inner stage, seen from the outer.
type rawInner struct {
	pid   int
	pidfd int // PID 1's, -1 if pidfd_open failed
	pr    *rawProgram
	sock  int // the outer's end of the status socket
	cmd   []string
	notes []string
	view  sandboxView // for the connect supervision (prepareConnect)
	rerr  error       // why the records ended (sock is -1 then)
	early []syscall.Signal
	grace time.Time // see takeEarly; zero: none
	// The waiting (next): the signals' descriptor (signalFD), those
	// read from it and not yet taken, the buffer for a record's
	// descriptors, and whether PID 1 may be reaped (see supervise).
	sigfd     int
	sigq      []syscall.Signal
	oob       []byte
	reapOK    bool
	pidfdIdle bool // see next
	// reported: PID 1 said why the command did not run or end as such.
	reported bool
}

// rawMsg is one record with the descriptors it carried.
type rawMsg struct {
	rec rawRecord
	fds []int
}

// startRaw makes the placeholders (mp.prepareHost), builds the raw inner
// stage's program, forks the inner stage into the new namespaces and
// waits for its ready record. Errors are as startInner's: *nsUnavailable
// when the host refuses the namespaces, else *setupError; either way the
// caller removes what placeholders were made (mp.cleanupHost).
//
// Where the inner stage shares this process's memory (rawCloneVM), another
// thread forks while this one makes the placeholders and the program (the
// clone of five namespaces is most of a millisecond in the kernel): the
// inner stage waits for the supervisor's byte before it reads its
// program, and the byte comes once the program is complete.
//
// Signals that came meanwhile are returned with an error, for the caller
// to deliver again once it has given the signals back (stopSignals): a
// SIGTERM that came while PID 1 mounted still ends this process, also
// where the exec-only engine would run next. So is the caller's
// RLIMIT_NOFILE, which the command of that engine inherits.
func startRaw(p Policy, k kernelFeatures, pl *linuxPlan, mp *mountPlan, cmd []string, mask unix.Sigset_t, sigs chan os.Signal) (*rawInner, []syscall.Signal, error) {
	nofile, setNofile := callerNofile()
	ri := &rawInner{cmd: cmd, view: sandboxView{root: -1}, pidfd: -1, sock: -1, sigfd: -1}
	if err := ri.start(p, k, pl, mp, mask, sigs, nofile, setNofile); err != nil {
		if setNofile {
			unix.Setrlimit(unix.RLIMIT_NOFILE, &nofile)
		}
		return nil, ri.early, err
	}
	return ri, nil, nil
}

// start is startRaw's work.
func (ri *rawInner) start(p Policy, k kernelFeatures, pl *linuxPlan, mp *mountPlan, mask unix.Sigset_t, sigs chan os.Signal, nofile unix.Rlimit, setNofile bool) error {
	cmd := ri.cmd
	sigfd, err := signalFD(sigs)
	if err != nil {
		return &setupError{fmt.Errorf("taking the forwarded signals: %w", err)}
	}
	ri.sigfd = sigfd
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return &setupError{fmt.Errorf("socketpair: %w", err)}
	}
	for i := range pair {
		if pair[i], err = fdAbove2(pair[i]); err != nil {
			unix.Close(pair[0])
			unix.Close(pair[1])
			return &setupError{err}
		}
	}
	outer, child := pair[0], pair[1]
	cwd, err := unix.Getwd()
	if errors.Is(err, unix.ENOENT) {
		cwd, err = "", nil // a removed directory: nothing to see through it
	}
	pr := newRawProgram(child, outer, mask)
	if err == nil {
		pr.stack, err = rawNewStack()
	}
	if err != nil {
		unix.Close(outer)
		unix.Close(child)
		return &setupError{err}
	}
	flags := uintptr(unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWIPC)
	if !p.Network {
		flags |= unix.CLONE_NEWNET
	}
	type forked struct {
		pid, pidfd int
		e          syscall.Errno
		maps       error
	}
	fork := func() (f forked) {
		maps := idMapFiles()
		f.pid, f.e = rawFork(pr, flags)
		if f.e == 0 {
			// Its PID stays PID 1's until this process reaps it; the
			// pidfd stays PID 1's after, for a late kill.
			f.pidfd = -1
			if fd, err := unix.PidfdOpen(f.pid, 0); err == nil {
				f.pidfd = fd
			}
			f.maps = writeIDMaps(f.pid, maps)
		}
		return f
	}
	build := func() error {
		if err := mp.prepareHost(); err != nil {
			return err
		}
		return pr.build(rawInput{p: p, k: k, pl: pl, mp: mp, cmd: cmd, env: os.Environ(), mask: mask,
			euid: os.Geteuid(), capMax: rawCapMax(), cwd: cwd, name: filepath.Base(os.Args[0]),
			nofile: nofile, setNofile: setNofile, resetSched: batched != nil && rawHaveCloneVM})
	}
	var f forked
	if rawHaveCloneVM {
		// The fork on another thread (the runtime's fork hooks keep
		// the goroutine on it for the clone). PID 1 dies with that
		// thread (PR_SET_PDEATHSIG), and the runtime ends a thread only
		// when a goroutine exits locked to it (runtime.LockOSThread),
		// which nothing in the supervisor does: so it lives as long as
		// this process. (Locking this goroutine would start the
		// runtime's template thread; see main.go's init.) The startup
		// thread stays untouched for the exec-only engine, should the
		// host refuse the namespaces.
		c := make(chan forked, 1)
		go func() { c <- fork() }()
		err = build()
		f = <-c
	} else if err = build(); err == nil {
		f = fork() // a forked inner stage gets a copy of the program as it is
	}
	unix.Close(child)
	if f.pid == 0 && f.e == 0 { // the build failed before a fork
		unix.Close(outer)
		return &setupError{err}
	}
	if f.e != 0 {
		unix.Close(outer)
		return &nsUnavailable{fmt.Errorf("clone(CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID|...): %w", f.e)}
	}
	ri.pid, ri.pidfd, ri.pr, ri.sock = f.pid, f.pidfd, pr, outer
	if f.maps != nil {
		ri.kill()
		return &nsUnavailable{f.maps}
	}
	if err != nil {
		ri.kill()
		return &setupError{err}
	}
	if err := writeAll(outer, []byte{0}); err != nil {
		ws := ri.kill()
		return &setupError{fmt.Errorf("the namespace stage ended before it was ready (%s): %v", exitText(ws), err)}
	}
	var connectErr error
	if pl.supervisesConnect(k) {
		// While PID 1 makes the mounts: the checks the connect
		// supervision needs of a dumpable PID 1, then the byte that
		// lets it become undumpable and start the command, which it
		// will find waiting.
		connectErr = ri.prepareConnect()
	}
	for {
		ev := ri.next()
		switch ev.kind {
		case evSignal:
			ri.takeEarly(ev.sig)
		case evGrace:
			ri.graceOver(mp)
		case evError:
			ri.kill()
			return &setupError{ev.err}
		case evEnd:
			ws := ri.kill()
			if connectErr != nil {
				return &setupError{connectErr}
			}
			return &setupError{fmt.Errorf("the namespace stage ended before it was ready (%s): %v", exitText(ws), ri.rerr)}
		case evMsg:
			m := ev.msg
			for _, fd := range m.fds {
				unix.Close(fd)
			}
			switch m.rec.kind {
			case recFail:
				// PID 1's own failure comes first, also when the
				// connect checks failed on a PID 1 that had ended
				// already: it may be the host refusing the namespace
				// engine, which means the fallback.
				i, e := int(m.rec.index), syscall.Errno(m.rec.errno)
				text := pr.stepText(i, e)
				ri.kill()
				if i < len(pr.ops) && e != 0 && e < 64 && pr.ops[i].host&(1<<uint(e)) != 0 {
					return &nsUnavailable{errors.New(text)}
				}
				return &setupError{errors.New(text)}
			case recNote:
				ri.notes = append(ri.notes, ri.noteText(m.rec))
			case recReady:
				if connectErr == nil {
					return nil
				}
				// A PID 1 that got this far is fine, and waits for a
				// byte it will not get: end it, and read on to the
				// end for a failure of its own that came first.
				ri.killPID1()
			default:
				if connectErr == nil {
					ri.kill()
					return &setupError{fmt.Errorf("the namespace stage sent record %d before it was ready", m.rec.kind)}
				}
			}
		}
	}
}

// rawEvent is what next returns.
type rawEvent struct {
	kind  rawEventKind
	sig   syscall.Signal  // evSignal
	msg   rawMsg          // evMsg
	ended unix.WaitStatus // evReaped
	err   error           // evError
}

type rawEventKind int

const (
	evSignal rawEventKind = iota + 1 // a forwarded signal
	evGrace                          // the grace period is over (see takeEarly)
	evMsg                            // a record from PID 1
	evEnd                            // the records ended (PID 1 gone): the socket is closed, why in rerr
	evReaped                         // PID 1 has been reaped (once reapOK)
	evError                          // the waiting itself failed
)

// next waits for the supervisor's next event, on this thread, in one
// ppoll(2) over the record socket, the signals' descriptor and, once it
// may be reaped, PID 1's pidfd: no goroutine reads for it and hands over
// what it read, since each hand-off to this goroutine (locked to the
// startup thread, see main.go's init) wakes a thread or two, 0.1-0.5 ms
// on these hosts. Records come first, then signals, then PID 1's end;
// once the grace period is over, it comes after a record already there.
func (ri *rawInner) next() rawEvent {
	for {
		if !ri.grace.IsZero() && !time.Now().Before(ri.grace) {
			// Over: only a record already there comes first (a
			// started command is no longer stuck; recv does not
			// wait), not a stream of signals, which could put it off
			// for as long as it lasts.
			if ri.sock >= 0 {
				if m, err := ri.recv(); err == nil {
					return rawEvent{kind: evMsg, msg: m}
				}
			}
			return rawEvent{kind: evGrace}
		}
		if len(ri.sigq) > 0 {
			sig := ri.sigq[0]
			ri.sigq = ri.sigq[1:]
			return rawEvent{kind: evSignal, sig: sig}
		}
		var fds [3]unix.PollFd
		n := 0
		sockAt, sigAt, pidAt := -1, -1, -1
		if ri.sock >= 0 {
			fds[n], sockAt = unix.PollFd{Fd: int32(ri.sock), Events: unix.POLLIN}, n
			n++
		}
		if ri.sigfd >= 0 {
			fds[n], sigAt = unix.PollFd{Fd: int32(ri.sigfd), Events: unix.POLLIN}, n
			n++
		}
		// Without a pidfd (pidfd_open failed), PID 1 is looked for
		// with wait4 once it has closed the socket, at its end, and
		// again every pollNoPidfd while signals are still forwarded.
		// A pidfd that polls readable while wait4 finds nothing to
		// reap (a zombie a tracer outside holds) is polled no more:
		// wait4 every pollNoPidfd instead, rather than spin.
		pollPID1 := false
		if ri.reapOK {
			switch {
			case ri.pidfd >= 0 && !ri.pidfdIdle:
				fds[n], pidAt = unix.PollFd{Fd: int32(ri.pidfd), Events: unix.POLLIN}, n
				n++
			case ri.sock < 0 || ri.pidfdIdle:
				if ev, done := ri.reapNow(); done {
					return ev
				}
				pollPID1 = true
			}
		}
		wait := time.Duration(-1) // for ever
		if !ri.grace.IsZero() {
			wait = max(time.Until(ri.grace), 0)
		}
		if pollPID1 && (wait < 0 || wait > pollNoPidfd) {
			wait = pollNoPidfd
		}
		var ts *unix.Timespec
		if wait >= 0 {
			t := unix.NsecToTimespec(wait.Nanoseconds())
			ts = &t
		}
		if n == 0 && ts == nil {
			return rawEvent{kind: evError, err: errors.New("the supervisor has nothing left to wait for")}
		}
		ready, err := unix.Ppoll(fds[:n], ts, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return rawEvent{kind: evError, err: fmt.Errorf("waiting for the namespace stage and the signals (ppoll): %w", err)}
		}
		if ready == 0 {
			continue // the grace period, or the next wait4
		}
		if sockAt >= 0 && fds[sockAt].Revents != 0 {
			m, err := ri.recv()
			if err == unix.EAGAIN {
				continue
			}
			if err != nil {
				// The end (PID 1 gone), or a stream gone wrong.
				// Closed here, by its only reader.
				ri.rerr = err
				unix.Close(ri.sock)
				ri.sock = -1
				return rawEvent{kind: evEnd}
			}
			return rawEvent{kind: evMsg, msg: m}
		}
		if sigAt >= 0 && fds[sigAt].Revents != 0 {
			var buf [16]byte
			n, err := unix.Read(ri.sigfd, buf[:])
			for _, b := range buf[:max(n, 0)] {
				ri.sigq = append(ri.sigq, syscall.Signal(b))
			}
			if n == 0 {
				return rawEvent{kind: evError, err: errors.New("the forwarded signals' pipe was closed")}
			}
			if n < 0 && err != unix.EAGAIN && err != unix.EINTR {
				return rawEvent{kind: evError, err: fmt.Errorf("reading the forwarded signals: %w", err)}
			}
			continue
		}
		if pidAt >= 0 && fds[pidAt].Revents != 0 {
			if ev, done := ri.reapNow(); done {
				return ev
			}
			ri.pidfdIdle = true
		}
	}
}

// pollNoPidfd is how often next looks for the end of a PID 1 it has no
// pidfd to wait on (see next).
const pollNoPidfd = 10 * time.Millisecond

// reapNow reaps PID 1 if it has ended (wait4 with WNOHANG).
func (ri *rawInner) reapNow() (rawEvent, bool) {
	var ws unix.WaitStatus
	pid, err := unix.Wait4(ri.pid, &ws, unix.WNOHANG, nil)
	switch {
	case err == unix.EINTR || (err == nil && pid == 0):
		return rawEvent{}, false
	case err != nil:
		return rawEvent{kind: evError, err: fmt.Errorf("wait4(namespace stage %d): %w", ri.pid, err)}, true
	}
	ri.reapOK = false
	return rawEvent{kind: evReaped, ended: ws}, true
}

// takeEarly keeps a signal that came before the command's pidfd, for the
// command: it may be running already (its started record on its way), and
// a signal a terminal sent its foreground group before it existed did not
// reach it. One that would end the command arms the grace period.
func (ri *rawInner) takeEarly(sig syscall.Signal) {
	if slices.Contains(ri.early, sig) {
		return // pending once, as the kernel keeps a standard signal
	}
	ri.early = append(ri.early, sig)
	if sig != syscall.SIGWINCH && ri.grace.IsZero() {
		ri.grace = time.Now().Add(setupSignalGrace)
	}
}

// graceOver ends the sandbox by the first signal kept that would end the
// command, since the command has not started within setupSignalGrace of
// it (an inner stage stuck in a mount, or in an exec that does not
// return), taking nothing of it along. It returns if there is none.
func (ri *rawInner) graceOver(mp *mountPlan) {
	ri.grace = time.Time{}
	for _, sig := range ri.early {
		if sig != syscall.SIGWINCH {
			ri.kill()
			mp.cleanupHost()
			mirrorStatus(unix.WaitStatus(sig))
		}
	}
}

// noteText is a note record as the warning it stands for.
func (ri *rawInner) noteText(rec rawRecord) string {
	i := int(rec.index)
	if i >= len(ri.pr.ops) || ri.pr.ops[i].noteText == "" {
		return ri.pr.stepText(i, syscall.Errno(rec.errno))
	}
	return fmt.Sprintf(ri.pr.ops[i].noteText, ri.pr.stepText(i, syscall.Errno(rec.errno)))
}

// idMapFiles are the new user namespace's maps as syscall.ForkExec writes
// them for UidMappings and GidMappings: uid_map, setgroups ("deny" for a
// caller other than root, without which it may not write a gid map), then
// gid_map. Made before the fork: where the child is a copy of this
// process, every page the outer stage touches first after it is a
// copy-on-write fault.
func idMapFiles() [3][2]string {
	uids, gids := idMaps()
	text := func(m []syscall.SysProcIDMap) string {
		var b strings.Builder
		for _, e := range m {
			fmt.Fprintf(&b, "%d %d %d\n", e.ContainerID, e.HostID, e.Size)
		}
		return b.String()
	}
	setgroups := "deny"
	if os.Geteuid() == 0 {
		setgroups = "allow"
	}
	return [3][2]string{{"uid_map", text(uids)}, {"setgroups", setgroups}, {"gid_map", text(gids)}}
}

// writeIDMaps writes files, made by idMapFiles, for process pid.
func writeIDMaps(pid int, files [3][2]string) error {
	dir := "/proc/" + strconv.Itoa(pid) + "/"
	for _, f := range files {
		fd, err := unix.Open(dir+f[0], unix.O_WRONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("open %s%s: %w", dir, f[0], err)
		}
		_, err = unix.Write(fd, []byte(f[1]))
		unix.Close(fd)
		if err != nil {
			return fmt.Errorf("write %s%s: %w", dir, f[0], err)
		}
	}
	return nil
}

// recv reads one record and the descriptors it carries, if one is
// there (else EAGAIN).
func (ri *rawInner) recv() (rawMsg, error) {
	var rec rawRecord
	buf := unsafe.Slice((*byte)(unsafe.Pointer(&rec)), unsafe.Sizeof(rec))
	if ri.oob == nil {
		ri.oob = make([]byte, unix.CmsgSpace(4*2))
	}
	oob := ri.oob
	for {
		n, oobn, _, _, err := unix.Recvmsg(ri.sock, buf, oob, unix.MSG_CMSG_CLOEXEC|unix.MSG_DONTWAIT)
		if err == unix.EINTR || err == unix.ECONNRESET {
			// ECONNRESET: PID 1 ended with a byte of ours unread (the
			// one that follows the connect checks, say). The kernel
			// reports that once, before what PID 1 sent is read:
			// its records, then the end of the stream, still follow.
			continue
		}
		if err != nil {
			return rawMsg{}, err
		}
		m := rawMsg{rec: rec}
		if oobn > 0 {
			cms, err := unix.ParseSocketControlMessage(oob[:oobn])
			if err == nil {
				for _, c := range cms {
					fds, err := unix.ParseUnixRights(&c)
					if err == nil {
						m.fds = append(m.fds, fds...)
					}
				}
			}
		}
		if n == 0 {
			for _, fd := range m.fds {
				unix.Close(fd)
			}
			return rawMsg{}, errors.New("end of stream")
		}
		if n != len(buf) {
			for _, fd := range m.fds {
				unix.Close(fd)
			}
			return rawMsg{}, fmt.Errorf("a record of %d bytes", n)
		}
		return m, nil
	}
}

// handle takes the records that may come at any time after ready: why
// the command could not be executed, its status, a failure. It reports
// whether m was one of them.
func (ri *rawInner) handle(m rawMsg, status **unix.WaitStatus) bool {
	if len(m.fds) > 0 {
		return false
	}
	switch m.rec.kind {
	case recExec:
		ri.reported = true
		name := ri.cmd[0]
		if name == "" {
			name = `""`
		}
		errorf("%v", &execError{name: name, err: syscall.Errno(m.rec.errno)})
	case recStatus:
		ws := unix.WaitStatus(m.rec.value)
		*status = &ws
	case recFail:
		ri.reported = true
		errorf("%s", ri.pr.stepText(int(m.rec.index), syscall.Errno(m.rec.errno)))
	default:
		return false
	}
	return true
}

// prepareConnect makes sure this process can take descriptors from the
// sandbox's processes (pidfd_getfd, which every supervised connect needs;
// Yama's ptrace_scope=3 or an LSM refuses it) and opens the sandbox's
// view, both of which need PID 1 dumpable, then sends PID 1 the byte it
// waits for before it becomes undumpable.
func (ri *rawInner) prepareConnect() error {
	if ri.pidfd < 0 {
		return fmt.Errorf("pidfd_open(namespace stage %d) failed", ri.pid)
	}
	fd, err := unix.PidfdGetfd(ri.pidfd, int(ri.pr.sock), 0)
	if err != nil {
		return fmt.Errorf("pidfd_getfd(namespace stage): %w", err)
	}
	unix.Close(fd)
	if ri.view, err = openSandboxView(ri.pid); err != nil {
		return err
	}
	if err := writeAll(ri.sock, []byte{0}); err != nil {
		unix.Close(ri.view.root)
		return fmt.Errorf("namespace stage: %w", err)
	}
	return nil
}

// takeConnect starts the connect supervision with the filter's listener
// and the sock_diag socket PID 1 sent, in the view prepareConnect opened.
func (ri *rawInner) takeConnect(notify, diag int) error {
	if ri.view.root < 0 {
		unix.Close(notify)
		unix.Close(diag)
		return errors.New("the namespace stage sent the connect listener unasked")
	}
	s, err := ri.view.supervisor(ri.pid, notify, diag)
	ri.view.root = -1 // the supervisor's now
	if err != nil {
		return err
	}
	go s.serve()
	return nil
}

// killPID1 sends PID 1 SIGKILL, which ends everything in its namespaces;
// through its pidfd, a PID 1 reaped already is no other process's PID.
func (ri *rawInner) killPID1() {
	if ri.pidfd >= 0 {
		unix.PidfdSendSignal(ri.pidfd, unix.SIGKILL, nil, 0)
	} else {
		unix.Kill(ri.pid, unix.SIGKILL)
	}
}

// kill ends the inner stage and everything in its namespaces, and reaps it.
func (ri *rawInner) kill() unix.WaitStatus {
	ri.killPID1()
	ws, _ := reap(ri.pid)
	if ri.sock >= 0 {
		unix.Close(ri.sock)
		ri.sock = -1
	}
	return ws
}

// supervise forwards signals to the command until the inner stage ends,
// takes the connect supervision when it comes, removes the placeholders
// (as soon as nothing but PID 1 is left: see rawFinish) and ends this
// process as the command ended.
func (ri *rawInner) supervise(sigs chan os.Signal, mp *mountPlan) {
	for _, n := range ri.notes {
		warnf("%s", n)
	}
	fail := func(err error) {
		ri.kill()
		mp.cleanupHost()
		stopSignals(sigs)
		errorf("%v", err)
		os.Exit(exitSetup)
	}
	// PID 1 is reaped only once the command has started (or PID 1 has
	// ended without it): until then its PID stays its own for the
	// connect supervision's pidfd_getfd.
	cmdfd := -1 // the command's pidfd, from its started record
	var status, ended *unix.WaitStatus
	for ri.sock >= 0 || ended == nil {
		ev := ri.next()
		switch ev.kind {
		case evSignal:
			sig := ev.sig
			switch {
			case cmdfd >= 0:
				if terminalSignal(sig) && inForeground() {
					continue // the terminal sent it to the command too
				}
				unix.PidfdSendSignal(cmdfd, sig, nil, 0)
			case ended == nil:
				ri.takeEarly(sig)
			}
		case evGrace:
			if cmdfd < 0 && ended == nil {
				ri.graceOver(mp)
			}
			ri.grace = time.Time{}
		case evError:
			fail(ev.err)
		case evEnd:
			ri.reapOK = ended == nil
		case evReaped:
			ended = &ev.ended
		case evMsg:
			m := ev.msg
			switch m.rec.kind {
			case recStarted:
				if cmdfd >= 0 {
					fail(errors.New("the namespace stage started the command twice"))
				}
				if len(m.fds) != 1 {
					fail(fmt.Errorf("the namespace stage's started record came with %d descriptors, not the command's pidfd", len(m.fds)))
				}
				cmdfd = m.fds[0]
				if err := ri.checkUndumpable(); err != nil {
					fail(err)
				}
				ri.reapOK = ended == nil
				for _, sig := range ri.early {
					unix.PidfdSendSignal(cmdfd, sig, nil, 0)
				}
				ri.early = nil
				// The start-up is over (sched_linux.go), while the
				// command runs.
				restoreRuntimeThreads()
				continue
			case recNotify:
				if cmdfd >= 0 || ri.reapOK || ended != nil {
					fail(errors.New("the namespace stage sent the connect listener after the command started"))
				}
				if len(m.fds) != 2 {
					fail(fmt.Errorf("the namespace stage's connect listener came with %d descriptors, not 2", len(m.fds)))
				}
				if err := ri.takeConnect(m.fds[0], m.fds[1]); err != nil {
					fail(err)
				}
				continue
			}
			if !ri.handle(m, &status) {
				for _, fd := range m.fds {
					unix.Close(fd)
				}
			}
			if status != nil && m.rec.kind == recStatus && m.rec.index == statusAlone {
				// Nothing but PID 1 is left, and it only exits
				// (rawFinish): the placeholders go while it does.
				mp.releasePlaceholders()
			}
		}
	}
	mp.cleanupHost()
	if status != nil {
		mirrorStatus(*status)
	}
	if ended.Exited() && !ri.reported {
		// PID 1 exits after it sent the status or said why not: it
		// did neither (a record it could not send).
		errorf("the namespace stage ended (%s) without the command's status", exitText(*ended))
		os.Exit(exitSetup)
	}
	mirrorStatus(*ended) // killed: the command with it
}

// setupSignalGrace is how long a signal that came before the command
// started waits for it (see supervise).
const setupSignalGrace = 2 * time.Second

// checkUndumpable makes sure that PID 1, which shares this process's
// memory where rawCloneVM exists, became undumpable before the command
// started (the program's last step): dumpable, it could be ptraced by
// the command, as the same user, and this process with it. The flag
// belongs to the memory, so this process reads PID 1's as its own.
func (ri *rawInner) checkUndumpable() error {
	if !rawHaveCloneVM {
		return nil
	}
	d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if err != nil {
		return fmt.Errorf("prctl(PR_GET_DUMPABLE): %w", err)
	}
	if d != 0 {
		return fmt.Errorf("the namespace stage started the command while dumpable (%d)", d)
	}
	return nil
}
