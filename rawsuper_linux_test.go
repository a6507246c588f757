//go:build linux

package main

import (
	"bufio"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"sync"
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

// TestRawNextOrder: a record waiting comes before a signal waiting; once
// the grace period is over, it comes after the record but before the
// signal (a stream of signals must not put it off), which is still there
// after. The control: without a grace period, record then signal.
func TestRawNextOrder(t *testing.T) {
	for _, graceOver := range []bool{false, true} {
		sock, peer, sigR, sigW := waitInputs(t)
		rec := rawRecord{kind: recStarted}
		if _, err := unix.Write(peer, unsafe.Slice((*byte)(unsafe.Pointer(&rec)), unsafe.Sizeof(rec))); err != nil {
			t.Fatal(err)
		}
		unix.Write(sigW, []byte{byte(syscall.SIGUSR1)})
		ri := &rawInner{sock: sock, sigfd: sigR, pidfd: -1}
		want := []rawEventKind{evMsg, evSignal}
		if graceOver {
			ri.grace = time.Now().Add(-time.Millisecond)
			want = []rawEventKind{evMsg, evGrace, evSignal}
		}
		var got []rawEventKind
		for range want {
			ev := ri.next()
			got = append(got, ev.kind)
			if ev.kind == evGrace {
				ri.grace = time.Time{} // as the caller does
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("grace over %v: events %v, want %v", graceOver, got, want)
		}
		unix.Close(sock)
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

// TestRawNextTracedZombie: PID 1's pidfd polls readable as soon as
// it is a zombie, but a zombie that another process ptraces is reaped by
// that tracer first: until then wait4(WNOHANG) from the real parent says
// 0, and next() goes round ppoll -> reapNow -> ppoll at once, on one CPU.
func TestRawNextTracedZombie(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		skipOrFail(t, "python3 (the tracer) is missing")
	}
	child := exec.Command("sleep", "60")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	pid := child.Process.Pid
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pidfd)
	// A tracer that seizes the child and never waits for it.
	tracer := exec.Command("python3", "-c", `
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
if libc.ptrace(0x4206, int(sys.argv[1]), 0, 0) != 0:
    print("seize failed", ctypes.get_errno(), flush=True); sys.exit(1)
print("seized", flush=True)
time.sleep(60)
`, strconv.Itoa(pid))
	out, _ := tracer.StdoutPipe()
	if err := tracer.Start(); err != nil {
		t.Fatal(err)
	}
	defer tracer.Process.Kill()
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "seized\n" {
		t.Fatalf("tracer: %q", line)
	}
	_, _, sigR, _ := waitInputs(t)
	ri := &rawInner{sock: -1, sigfd: sigR, pidfd: pidfd, pid: pid, reapOK: true}
	unix.Kill(pid, syscall.SIGKILL)
	time.Sleep(100 * time.Millisecond) // the child is a zombie now
	done := make(chan rawEvent, 1)
	before, start := cpuTime(t), time.Now()
	go func() {
		runtime.LockOSThread()
		done <- ri.next()
	}()
	select {
	case ev := <-done:
		t.Fatalf("next returned %d at once", ev.kind)
	case <-time.After(time.Second):
	}
	used, wall := cpuTime(t)-before, time.Since(start)
	t.Logf("while the zombie is the tracer's: %v CPU in %v", used, wall)
	if used > wall/2 {
		t.Errorf("next() busy-loops: %v of CPU in %v", used, wall)
	}
	tracer.Process.Kill()
	tracer.Wait()
	select {
	case ev := <-done:
		if ev.kind != evReaped {
			t.Errorf("event %d, want evReaped", ev.kind)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no evReaped after the tracer ended")
	}
}

// TestRawNextGraceFlood: once the grace period has run out, it is returned
// only when one zero-timeout ppoll finds nothing; a steady stream of
// signals postpones it for as long as the stream lasts. Control: the
// stream stops, the grace period comes.
func TestRawNextGraceFlood(t *testing.T) {
	_, _, sigR, sigW := waitInputs(t)
	ri := &rawInner{sock: -1, sigfd: sigR, pidfd: -1, grace: time.Now().Add(-time.Millisecond)}
	fill := make([]byte, 4096)
	for i := range fill {
		fill[i] = byte(syscall.SIGWINCH)
	}
	unix.Write(sigW, fill)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		b := make([]byte, 4096)
		for i := range b {
			b[i] = byte(syscall.SIGWINCH)
		}
		for {
			select {
			case <-stop:
				return
			default:
			}
			unix.Write(sigW, b)
		}
	}()
	deadline := time.Now().Add(500 * time.Millisecond)
	events, graces := 0, 0
	for time.Now().Before(deadline) {
		if ri.next().kind == evGrace {
			graces++
			break
		}
		events++
	}
	t.Logf("flood: %d signal events and %d grace in 500 ms past the deadline", events, graces)
	close(stop)
	wg.Wait()
	for {
		ev := ri.next()
		if ev.kind == evGrace {
			break
		}
		events++
	}
	t.Logf("after the flood: grace came (after %d events)", events)
	if graces == 0 {
		t.Errorf("the grace period was postponed for the whole 500 ms flood")
	}
}

// TestRawNextNoSigfd: sigfd -1, no pidfd, stream ended: next still
// sees PID 1's end (ppoll with no descriptors as a 10 ms sleep).
func TestRawNextNoSigfd(t *testing.T) {
	child := exec.Command("sleep", "60")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Process.Kill()
	ri := &rawInner{sock: -1, sigfd: -1, pidfd: -1, pid: child.Process.Pid, reapOK: true}
	unix.Kill(child.Process.Pid, syscall.SIGKILL)
	if ev := ri.next(); ev.kind != evReaped {
		t.Fatalf("event %d, want evReaped", ev.kind)
	}
	ri = &rawInner{sock: -1, sigfd: -1, pidfd: -1}
	if ev := ri.next(); ev.kind != evError {
		t.Fatalf("event %d, want evError (nothing to wait for)", ev.kind)
	}
}
func cpuTime(t *testing.T) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
