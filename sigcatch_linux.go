//go:build linux

package main

// Taking the forwarded signals without os/signal, where an assembly
// handler exists (sigcatch_amd64.s).
//
// signal.Notify makes a round trip to the runtime's signal-mask thread for
// every signal it enables (runtime.sigenable): on these two-vCPU virtual
// machines, where a wake-up on the other CPU costs tens of microseconds,
// the seven forwarded signals took 1.5-2 ms of the namespace engine's
// start, most of it on the critical path (bench/run.sh, with and without).
// catchSignals instead installs, with one rt_sigaction(2) each, a handler
// that writes the signal's number into a pipe (the self-pipe trick; write
// is async-signal-safe) and returns. The raw stage's supervisor waits on
// that pipe itself (signalFD); for the Go inner stage's, a goroutine turns
// the bytes into the same channel of os.Signal that signal.Notify would
// fill (readSignals). The handler
// runs on the thread's alternate signal stack, which the runtime gives
// every thread it starts (SA_ONSTACK, as the runtime requires of any
// handler it did not install), touches no Go state, and ends by
// rt_sigreturn through its own restorer.
//
// The runtime's own handlers stay installed for every other signal, and
// are put back by stopSignals. A child it forks resets these seven to
// SIG_DFL as before (the runtime's clearSignalHandlers follows its own
// table, which still counts them as its), and the raw inner stage starts
// with every handler reset (rawFork). See signal(7), sigaction(2).

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// notifySignalsEnv, set to anything, makes catchSignals take the signals
// with signal.Notify also where the handler exists: for the tests of the
// path arm64 takes.
const notifySignalsEnv = "SANDBOX_NOTIFY_SIGNALS"

// rawSignals is whether catchSignals uses the handler of ours: where it
// exists, unless notifySignalsEnv asks for arm64's way.
func rawSignals() bool {
	return rawSigHandlerExists && os.Getenv(notifySignalsEnv) == ""
}

// rawSigPipe is the pipe's write end, read by the handler. It is never
// closed: a handler running on another thread while the signals are given
// back must not write into a descriptor that has come to mean something
// else.
var rawSigPipe int64 = -1

// rawSigaction is struct sigaction as rt_sigaction(2) takes it on amd64
// and arm64 (the kernel's, not libc's); all zero is SIG_DFL with no flags
// and an empty mask.
type rawSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

const (
	saRestorer = 0x04000000 // SA_RESTORER
	saOnstack  = 0x08000000 // SA_ONSTACK
	saRestart  = 0x10000000 // SA_RESTART
	sigDfl     = 0          // SIG_DFL
	sigIgn     = 1          // SIG_IGN
)

// caught is the state of catchSignals: the channel it fills, the actions
// it replaced, and the pipe's read end.
var caught struct {
	c    chan os.Signal
	old  map[syscall.Signal]rawSigaction
	rfd  int
	r    *os.File      // rfd, once readSignals started
	done chan struct{} // closed when readSignals' reader has stopped
}

// catchSignals routes the forwarded signals to a channel. SIGHUP and
// SIGINT ignored by whoever started us (nohup, a background job) stay
// ignored, for us, the inner stage and the command, as the Go runtime
// keeps them. Where the assembly handler does not exist, or the pipe
// cannot be made, signal.Notify does it (notifySignals).
func catchSignals() chan os.Signal {
	if caught.c != nil {
		return caught.c // once a process; signal.Notify would get nothing now
	}
	if !rawSignals() {
		return notifySignals()
	}
	c, err := catchRaw()
	if err != nil {
		return notifySignals()
	}
	return c
}

func catchRaw() (chan os.Signal, error) {
	var p [2]int
	var err error
	if p[0], p[1], err = pipeAbove2(); err != nil {
		return nil, err
	}
	for _, fd := range p {
		// Neither end blocks: the handler must return at once.
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(p[0])
			unix.Close(p[1])
			return nil, err
		}
	}
	rawSigPipe = int64(p[1])
	handler, restorer := rawSigAddrs()
	act := rawSigaction{handler: handler, flags: saOnstack | saRestart | saRestorer, restorer: restorer, mask: ^uint64(0)}
	c := make(chan os.Signal, 16)
	old := map[syscall.Signal]rawSigaction{}
	for _, s := range forwardedSignals {
		var o rawSigaction
		if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(s), 0, uintptr(unsafe.Pointer(&o)), 8, 0, 0); e != 0 {
			restoreActions(old)
			unix.Close(p[0])
			return nil, fmt.Errorf("rt_sigaction(%v): %w", s, e)
		}
		if (s == syscall.SIGHUP || s == syscall.SIGINT) && o.handler == sigIgn {
			continue
		}
		if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(s), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); e != 0 {
			restoreActions(old)
			unix.Close(p[0])
			return nil, fmt.Errorf("rt_sigaction(%v): %w", s, e)
		}
		old[s] = o
	}
	caught.c, caught.old, caught.rfd = c, old, p[0]
	return c, nil
}

// readSignals starts, once, the goroutine that moves what the handler
// wrote into c, if c is catchRaw's: the supervisor calls it when it
// starts to listen. Until then the pipe holds the signals, and starting
// a goroutine (and with it, often, a thread) is not on the way to the
// command's start.
func readSignals(c chan os.Signal) {
	if c == nil || c != caught.c || caught.r != nil {
		return
	}
	r := os.NewFile(uintptr(caught.rfd), "signal pipe") // non-blocking: the poller waits
	done := make(chan struct{})
	go func() {
		defer close(done)
		var buf [16]byte
		for {
			n, err := r.Read(buf[:])
			for _, b := range buf[:max(n, 0)] {
				c <- syscall.Signal(b)
			}
			if err != nil {
				return // closed by stopSignals
			}
		}
	}()
	caught.r, caught.done = r, done
}

// signalFD is a descriptor that reads as the signals for c, a byte each,
// for a supervisor that waits for them in ppoll(2) on its own thread
// rather than on a channel (see rawInner.next): each hand-off from one
// goroutine to another wakes a thread, 0.1-0.5 ms on these hosts. For
// catchRaw's channel it is the handler's pipe itself (readSignals must
// not have started); for signal.Notify's, a pipe a goroutine fills from
// the channel, until stopSignals closes it. The read end is non-blocking.
func signalFD(c chan os.Signal) (int, error) {
	switch {
	case c == nil:
		return -1, errors.New("no signals taken")
	case c == caught.c && caught.r == nil:
		return caught.rfd, nil
	case c == caught.c:
		return -1, errors.New("the signal pipe has a reader already")
	case c == bridged.c:
		return bridged.rfd, nil
	}
	r, w, err := pipeAbove2()
	if err != nil {
		return -1, err
	}
	if err := unix.SetNonblock(r, true); err != nil {
		unix.Close(r)
		unix.Close(w)
		return -1, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer unix.Close(w)
		for s := range c {
			b := []byte{byte(s.(syscall.Signal))}
			for {
				if _, err := unix.Write(w, b); err != unix.EINTR {
					break
				}
			}
		}
	}()
	bridged.c, bridged.rfd, bridged.done = c, r, done
	return r, nil
}

// bridged is signalFD's pipe for a channel of signal.Notify's.
var bridged struct {
	c    chan os.Signal
	rfd  int
	done chan struct{} // closed when the goroutine has moved all and closed its end
}

// stopBridged gives back the signals of a channel signalFD bridged:
// after signal.Stop nothing more is sent on c, so it can be closed, and
// the goroutine ends once it has written the rest into the pipe, all of
// which is returned.
func stopBridged(c chan os.Signal) (pending []syscall.Signal, ok bool) {
	if c == nil || c != bridged.c {
		return nil, false
	}
	signal.Stop(c)
	close(c)
	<-bridged.done
	pending = drainSignals(bridged.rfd) // to the end: its writer has closed it
	unix.Close(bridged.rfd)
	bridged.c, bridged.rfd, bridged.done = nil, -1, nil
	return pending, true
}

// drainSignals reads the signals' pipe fd, a byte a signal, until it is
// empty (EAGAIN: fd does not block) or at its end.
func drainSignals(fd int) (sigs []syscall.Signal) {
	var buf [64]byte
	for {
		n, err := unix.Read(fd, buf[:])
		for _, b := range buf[:max(n, 0)] {
			sigs = append(sigs, syscall.Signal(b))
		}
		if n <= 0 && err != unix.EINTR {
			return sigs
		}
	}
}

// restoreActions puts back the actions catchRaw replaced.
func restoreActions(old map[syscall.Signal]rawSigaction) {
	for s, o := range old {
		unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(s), uintptr(unsafe.Pointer(&o)), 0, 8, 0, 0)
	}
}

// stopCaught gives back the signals catchRaw took, if c is its channel,
// and returns what arrived meanwhile and was not put into c, and a
// channel closed once nothing more will be.
func stopCaught(c chan os.Signal) (pending []syscall.Signal, done chan struct{}, ok bool) {
	if c == nil || c != caught.c {
		return nil, nil, false
	}
	restoreActions(caught.old)
	pending = drainSignals(caught.rfd) // what the handler wrote and no reader took
	if caught.r != nil {
		caught.r.Close()
	} else {
		unix.Close(caught.rfd)
	}
	done = caught.done
	caught.c, caught.old, caught.r, caught.done = nil, nil, nil, nil
	return pending, done, true
}
