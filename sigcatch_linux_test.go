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

const probeSignalCatch = "signal-catch"

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

// TestCatchSignals: the forwarded signals reach the channel, neither the
// process's default action nor the runtime's handling ends the process
// meanwhile, and one still pending when they are given back ends it as
// it would have (SIGTERM). The control: without catching, SIGUSR1 ends
// a process at once.
func TestCatchSignals(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), probeEnv+"="+probeSignalCatch)
	out, _ := cmd.Output()
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	want := fmt.Sprintf("raw %v\ngot %d\ngot %d\n", rawSigHandlerExists, syscall.SIGUSR1, syscall.SIGWINCH)
	if string(out) != want || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("probe: %q, %v; want %q and death by SIGTERM", out, ws, want)
	}
	// The control: the same process without catching.
	ctl := exec.Command("sh", "-c", `kill -USR1 $$; echo alive`)
	out, _ = ctl.Output()
	if ws := ctl.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || strings.Contains(string(out), "alive") {
		t.Errorf("control: SIGUSR1 did not end a shell: %q, %v", out, ws)
	}
}
