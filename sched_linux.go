//go:build linux

package main

// The scheduling of the Go runtime's own threads while the sandbox starts.
//
// The runtime's monitor thread (sysmon) sleeps 20 µs at a time through the
// first millisecond of a process, and again after each time it takes a
// processor back from a blocked system call. Each time it wakes, the
// kernel's wakeup preemption may put it on the startup thread's CPU and
// take that CPU from the startup thread, which does all of the sandbox's
// work (main.go's init): about a hundred context switches in a start-up of
// a few milliseconds, about 0.15 ms of a namespace run on these hosts
// (README, "Cost"). The runtime offers no way to calm sysmon, so it, and
// the runtime's idle worker threads, go to SCHED_BATCH while the namespace
// engine starts (from engageNamespace until the command has started): the
// same weight and nice value, but a waking batch thread never preempts a
// running one (check_preempt_wakeup_fair in kernel/sched/fair.c; sched(7)
// only calls it a small penalty at wakeup); it runs when a CPU is free or
// at the next tick. The startup thread keeps the caller's policy, and with
// it the command. A goroutine does the moving, on another CPU, while the
// startup thread goes on: listing the threads in /proc costs 50-100 µs
// here.
//
// A policy is a thread's, and a clone inherits its creator's: a process
// forked on a batch thread would start the command as a batch process. On
// amd64 the namespace engine forks its PID 1 on another thread
// (rawsuper_linux.go), so PID 1's first step puts it back
// (rawInput.resetSched); the Go inner stage, the exec-only engine, and
// PID 1 elsewhere start from the startup thread. Once the command has started,
// the supervisor puts every thread back (restoreRuntimeThreads): its
// goroutines then serve the command, and its exit, like an execve, waits
// for every thread to end, which a batch thread does only once a CPU is
// free. So does the fallback to the exec-only engine; that engine alone,
// whose start-up is short, moves none.

import (
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// batched is closed once batchRuntimeThreads has moved the runtime's
// threads to SCHED_BATCH; nil if it did not set out to (then no thread
// was moved). While it is not nil, a process forked on any thread but the
// startup one must put itself back to SCHED_OTHER (if the kernel lets it:
// a refusal means it was never moved).
var batched chan struct{}

// schedParam is struct sched_param; its priority is 0 for SCHED_OTHER and
// SCHED_BATCH. See sched_setscheduler(2).
type schedParam struct{ priority int32 }

var schedZero schedParam

// schedSet sets thread tid's policy (SCHED_OTHER, SCHED_BATCH), keeping
// its nice value; a refusal leaves the thread as it was.
func schedSet(tid int, policy int) {
	unix.RawSyscall(unix.SYS_SCHED_SETSCHEDULER, uintptr(tid), uintptr(policy), uintptr(unsafe.Pointer(&schedZero)))
}

// schedGet is thread tid's policy, with SCHED_RESET_ON_FORK if set; -1 if
// it cannot be read.
func schedGet(tid int) int {
	r, _, e := unix.RawSyscall(unix.SYS_SCHED_GETSCHEDULER, uintptr(tid), 0, 0)
	if e != 0 {
		return -1
	}
	return int(r)
}

// eachOtherThread calls f with the thread ID of every thread of this
// process but the startup one, as /proc/self/task lists them; false if
// the list cannot be read, or is not in this process's numbering: a
// /proc mounted for another PID namespace (the Go inner stage starts in
// a new one, with the host's /proc) names threads by IDs that mean
// other tasks here. Then nothing is done, which costs only time.
func eachOtherThread(f func(tid int)) bool {
	// The startup thread leads the thread group: its ID is the PID.
	pid := unix.Getpid()
	var buf [512]byte
	n, err := unix.Readlink("/proc/self", buf[:])
	if err != nil || string(buf[:n]) != strconv.Itoa(pid) {
		return false
	}
	fd, err := unix.Open("/proc/self/task", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	for {
		n, err := unix.Getdents(fd, buf[:])
		if err != nil {
			return false
		}
		if n == 0 {
			return true
		}
		_, _, names := unix.ParseDirent(buf[:n], -1, nil) // without . and ..
		for _, name := range names {
			if tid, err := strconv.Atoi(name); err == nil && tid != pid {
				f(tid)
			}
		}
	}
}

// batchRuntimeThreads sets out to move every thread but this one, the
// startup thread, to SCHED_BATCH, if this one runs SCHED_OTHER: a caller
// that chose another policy (batch, idle, real-time, or any with
// SCHED_RESET_ON_FORK) keeps it on every thread. It returns at once: a
// goroutine, which never runs on the startup thread while init holds it,
// does the moving.
//
// Not under a seccomp filter from outside: systemd's
// SystemCallFilter=~@resources, for one, kills a process that calls
// sched_setscheduler, and a filter cannot be read to learn what it
// allows. The sandbox runs there as it would without this.
func batchRuntimeThreads() {
	if outsideFilter() {
		return
	}
	if schedGet(0) != unix.SCHED_NORMAL {
		return
	}
	batched = make(chan struct{})
	go func() {
		defer close(batched)
		eachOtherThread(func(tid int) { schedSet(tid, unix.SCHED_BATCH) })
	}()
}

// restoreRuntimeThreads puts every thread that batchRuntimeThreads or an
// inheritance from it made SCHED_BATCH back to SCHED_OTHER, once the
// command has started: goroutines serve it then (the connect
// supervision, the proxy), and a batch thread would answer a waiting
// connect only at the CPU's next tick under load. A batch thread may
// create a thread meanwhile, so it looks again until a pass finds none
// (it gives up after a few: the cost is latency, not confinement).
func restoreRuntimeThreads() {
	if batched == nil {
		return
	}
	<-batched
	for range 4 {
		found := false
		eachOtherThread(func(tid int) {
			if schedGet(tid) == unix.SCHED_BATCH {
				found = true
				schedSet(tid, unix.SCHED_NORMAL)
			}
		})
		if !found {
			return
		}
	}
}
