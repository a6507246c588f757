//go:build linux

package main

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// waitInputs is a record socket pair and a signal pipe for rawInner.next.
func waitInputs(t *testing.T) (sock, peer, sigR, sigW int) {
	t.Helper()
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unix.Close(pair[1])
		unix.Close(p[0])
		unix.Close(p[1])
	})
	return pair[0], pair[1], p[0], p[1]
}

// TestRawNextOrder: a record waiting comes before a signal waiting, and
// both before a grace period that has run out, which comes once nothing
// else is there. The control: the grace period alone is returned.
func TestRawNextOrder(t *testing.T) {
	sock, peer, sigR, sigW := waitInputs(t)
	defer unix.Close(sock)
	rec := rawRecord{kind: recStarted}
	if _, err := unix.Write(peer, unsafe.Slice((*byte)(unsafe.Pointer(&rec)), unsafe.Sizeof(rec))); err != nil {
		t.Fatal(err)
	}
	unix.Write(sigW, []byte{byte(syscall.SIGUSR1)})
	ri := &rawInner{sock: sock, sigfd: sigR, pidfd: -1, grace: time.Now().Add(-time.Millisecond)}
	var got []rawEventKind
	for range 3 {
		got = append(got, ri.next().kind)
	}
	want := []rawEventKind{evMsg, evSignal, evGrace}
	if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("events %v, want %v (record, signal, grace)", got, want)
	}
}

// TestRawNextNoPidfd: without PID 1's pidfd, once its records have ended,
// signals are still taken while it lives, and its end is seen (wait4,
// polled). The control for the first: the process was alive all along.
func TestRawNextNoPidfd(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	_, _, sigR, sigW := waitInputs(t)
	unix.Write(sigW, []byte{byte(syscall.SIGTERM)})
	ri := &rawInner{sock: -1, sigfd: sigR, pidfd: -1, pid: cmd.Process.Pid, reapOK: true}
	done := make(chan rawEvent, 1)
	go func() { done <- ri.next() }()
	select {
	case ev := <-done:
		if ev.kind != evSignal || ev.sig != syscall.SIGTERM {
			t.Fatalf("event %d (signal %v), want SIGTERM", ev.kind, ev.sig)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("next did not return the waiting signal while PID 1 lives")
	}
	if err := unix.Kill(cmd.Process.Pid, 0); err != nil {
		t.Fatalf("control: the process had ended already: %v", err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	go func() { done <- ri.next() }()
	select {
	case ev := <-done:
		if ev.kind != evReaped || !ev.ended.Signaled() || ev.ended.Signal() != syscall.SIGKILL {
			t.Errorf("event %d (%v), want PID 1 reaped, killed by SIGKILL", ev.kind, ev.ended)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("next did not see the end of PID 1")
	}
}
