//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const (
	probeSignalCatch    = "signal-catch"
	probeSignalFD       = "signal-fd"
	probeSignalFDNotify = "signal-fd-notify"
)

// signalCatchProbe takes the forwarded signals, sends itself SIGUSR1 and
// SIGWINCH and reports what the channel gave; then sends itself SIGTERM
// and gives the signals back, which must deliver SIGTERM again and so end
// this process by it.
func signalCatchProbe() int {
	c := catchSignals()
	fmt.Printf("raw %v\n", caught.c == c)
	readSignals(c)
	for _, s := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGWINCH} {
		unix.Kill(os.Getpid(), s)
		select {
		case got := <-c:
			fmt.Printf("got %d\n", got.(syscall.Signal))
		case <-time.After(10 * time.Second):
			fmt.Printf("no %d\n", s)
		}
	}
	unix.Kill(os.Getpid(), syscall.SIGTERM)
	stopSignals(c)
	time.Sleep(time.Second)
	fmt.Println("alive")
	return 0
}

// signalFDProbe is signalCatchProbe with the signals read from signalFD's
// descriptor, as the raw stage's supervisor waits for them (ppoll): of
// catchSignals' channel, or (notify) of signal.Notify's, which a
// goroutine moves into a pipe. Then SIGTERM comes, left unread, and the
// signals are given back: SIGTERM must end the process (the handler's
// pipe or the bridge drained, nothing lost).
func signalFDProbe(notify bool) int {
	var c chan os.Signal
	if notify {
		c = notifySignals()
	} else {
		c = catchSignals()
	}
	fd, err := signalFD(c)
	if err != nil {
		fmt.Printf("signalFD: %v\n", err)
		return 3
	}
	if again, _ := signalFD(c); again != fd {
		fmt.Printf("signalFD again: %d, not %d\n", again, fd)
	}
	fmt.Printf("raw %v\n", caught.c == c)
	for _, s := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGWINCH} {
		unix.Kill(os.Getpid(), s)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		ts := unix.NsecToTimespec(int64(10 * time.Second))
		for {
			if _, err := unix.Ppoll(fds, &ts, nil); err != unix.EINTR {
				break
			}
		}
		var b [1]byte
		if n, err := unix.Read(fd, b[:]); n != 1 {
			fmt.Printf("no %d: %v\n", s, err)
			continue
		}
		fmt.Printf("got %d\n", b[0])
	}
	// SIGTERM stays unread in the pipe (or the channel): given back, it
	// must end the process.
	unix.Kill(os.Getpid(), syscall.SIGTERM)
	time.Sleep(100 * time.Millisecond)
	stopSignals(c)
	time.Sleep(time.Second)
	fmt.Println("alive")
	return 0
}

// TestCatchSignals: the forwarded signals reach the channel, or the
// descriptor the raw stage's supervisor waits on (signalFD: the assembly
// handler's pipe, or signal.Notify's channel bridged into one); neither
// the process's default action nor the runtime's handling ends the
// process meanwhile; and one not yet taken when they are given back ends
// it as it would have (SIGTERM). The control: without catching, SIGUSR1
// ends a process at once.
func TestCatchSignals(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		probe string
		raw   bool
	}{{probeSignalCatch, rawSigHandlerExists}, {probeSignalFD, rawSigHandlerExists}, {probeSignalFDNotify, false}} {
		t.Run(c.probe, func(t *testing.T) {
			cmd := exec.Command(self)
			cmd.Env = append(os.Environ(), probeEnv+"="+c.probe)
			out, _ := cmd.Output()
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			want := fmt.Sprintf("raw %v\ngot %d\ngot %d\n", c.raw, syscall.SIGUSR1, syscall.SIGWINCH)
			if string(out) != want || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
				t.Errorf("probe: %q, %v; want %q and death by SIGTERM", out, ws, want)
			}
		})
	}
	// The control: the same process without catching.
	ctl := exec.Command("sh", "-c", `kill -USR1 $$; echo alive`)
	out, _ := ctl.Output()
	if ws := ctl.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || strings.Contains(string(out), "alive") {
		t.Errorf("control: SIGUSR1 did not end a shell: %q, %v", out, ws)
	}
}
