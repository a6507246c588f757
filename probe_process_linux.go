//go:build linux

package main

// Doctor vectors against a process or terminal outside, that Landlock
// does not see: another process's limits and scheduling (prlimit64,
// setpriority, sched_setaffinity, sched_setscheduler, ioprio_set; the
// filter allows them only on the caller, pid 0), and hanging up the
// terminal (vhangup, TIOCVHANGUP; refused).

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ioprio_set(2) values (include/uapi/linux/ioprio.h).
const (
	ioprioClassShift = 13
	ioprioClassIdle  = 3
	schedBatch       = 3 // SCHED_BATCH, sched_setscheduler(2)
)

// schedState is what the process-sched probe tries to change in a
// process outside, as read from outside.
type schedState struct {
	nofile   string // the "Max open files" line of /proc/PID/limits
	prio     int    // getpriority(2): 20 - nice
	policy   int    // sched_getscheduler(2)
	affinity unix.CPUSet
	ioprio   int // ioprio_get(2)
}

func readSchedState(pid int) (s schedState, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "Max open files") {
			s.nofile = strings.Join(strings.Fields(line), " ")
		}
	}
	r, _, e := unix.RawSyscall(unix.SYS_GETPRIORITY, unix.PRIO_PROCESS, uintptr(pid), 0)
	if e != 0 {
		return s, fmt.Errorf("getpriority: %w", e)
	}
	s.prio = int(r)
	r, _, e = unix.RawSyscall(unix.SYS_SCHED_GETSCHEDULER, uintptr(pid), 0, 0)
	if e != 0 {
		return s, fmt.Errorf("sched_getscheduler: %w", e)
	}
	s.policy = int(r)
	if err := unix.SchedGetaffinity(pid, &s.affinity); err != nil {
		return s, fmt.Errorf("sched_getaffinity: %w", err)
	}
	r, _, e = unix.RawSyscall(unix.SYS_IOPRIO_GET, ioprioWhoProcess, uintptr(pid), 0)
	if e != 0 {
		return s, fmt.Errorf("ioprio_get: %w", e)
	}
	s.ioprio = int(r)
	return s, nil
}

// diff describes how after differs from s.
func (s schedState) diff(after schedState) string {
	var d []string
	if after.nofile != s.nofile {
		d = append(d, fmt.Sprintf("its RLIMIT_NOFILE went from %q to %q", s.nofile, after.nofile))
	}
	if after.prio != s.prio {
		d = append(d, fmt.Sprintf("its nice value went from %d to %d", 20-s.prio, 20-after.prio))
	}
	if after.policy != s.policy {
		d = append(d, fmt.Sprintf("its scheduling policy went from %d to %d", s.policy, after.policy))
	}
	if after.affinity != s.affinity {
		d = append(d, fmt.Sprintf("its CPU affinity went from %d to %d CPUs", s.affinity.Count(), after.affinity.Count()))
	}
	if after.ioprio != s.ioprio {
		d = append(d, fmt.Sprintf("its I/O priority went from %#x to %#x", s.ioprio, after.ioprio))
	}
	if len(d) == 0 {
		return ""
	}
	return "the process outside was changed: " + strings.Join(d, "; ")
}

// arrangeSched starts a witness process outside (the one the signal
// vectors use, which sits waiting) and compares its limits and scheduling
// before and after the run.
func arrangeSched(d *doctor, _, _ string) (*witness, error) {
	w, err := startWitnessProc(d)
	if err != nil {
		return nil, err
	}
	pid := w.pid
	kill := w.kill
	before, err := readSchedState(pid)
	if err != nil {
		kill()
		return nil, err
	}
	saw := func() string {
		after, err := readSchedState(pid)
		if err != nil {
			return ""
		}
		return before.diff(after)
	}
	return &witness{args: []string{strconv.Itoa(pid)}, saw: saw, close: kill}, nil
}

// tryProcessSched lowers what it may lower in the process outside, as an
// unprivileged owner may: one open file less, a nicer nice value, one CPU,
// SCHED_BATCH, the idle I/O class.
func tryProcessSched(a []string) (r probeReport) {
	pid, err := strconv.Atoi(probeArg(a, 0))
	if err != nil {
		r.fail("pid", err)
		return r
	}
	var lim unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &lim); err != nil {
		r.fail("prlimit64(get)", err)
	} else {
		lim.Cur--
		if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &lim, nil); err != nil {
			r.fail("prlimit64(RLIMIT_NOFILE)", err)
		}
	}
	if prio, _, e := unix.RawSyscall(unix.SYS_GETPRIORITY, unix.PRIO_PROCESS, uintptr(pid), 0); e != 0 {
		r.fail("getpriority", e)
	} else if _, _, e := unix.RawSyscall(unix.SYS_SETPRIORITY, unix.PRIO_PROCESS, uintptr(pid), uintptr(min(20-int(prio)+1, 19))); e != 0 {
		r.fail("setpriority(PRIO_PROCESS)", e)
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(pid, &set); err != nil {
		r.fail("sched_getaffinity", err)
	} else if set.Count() > 1 {
		var one unix.CPUSet
		for cpu := 0; ; cpu++ {
			if set.IsSet(cpu) {
				one.Set(cpu)
				break
			}
		}
		if err := unix.SchedSetaffinity(pid, &one); err != nil {
			r.fail("sched_setaffinity", err)
		}
	}
	var param int32 // struct sched_param
	if _, _, e := unix.RawSyscall(unix.SYS_SCHED_SETSCHEDULER, uintptr(pid), schedBatch, uintptr(unsafe.Pointer(&param))); e != 0 {
		r.fail("sched_setscheduler(SCHED_BATCH)", e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_IOPRIO_SET, ioprioWhoProcess, uintptr(pid), ioprioClassIdle<<ioprioClassShift); e != 0 {
		r.fail("ioprio_set(IOPRIO_CLASS_IDLE)", e)
	}
	return r
}

// arrangeHangup gives the probe a pty opened outside as its controlling
// terminal (as the TIOCSTI vector does) and, afterwards, looks whether the
// doctor's own descriptor of it was hung up.
func arrangeHangup(d *doctor, root, out string) (*witness, error) {
	w, err := arrangeTTY(d, root, out)
	if err != nil {
		return nil, err
	}
	w.saw = func() string {
		fds := []unix.PollFd{{Fd: int32(w.tty), Events: unix.POLLOUT}}
		if n, _ := unix.Poll(fds, 0); n > 0 && fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
			return "the terminal outside was hung up"
		}
		return ""
	}
	return w, nil
}

// tryVhangup hangs up its controlling terminal, a pty the doctor opened,
// with TIOCVHANGUP and with vhangup(2). Unconfined, the hang-up sends the
// probe SIGHUP, which ends it before it reports: the witness says what
// happened.
func tryVhangup([]string) (r probeReport) {
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, 0, unix.TIOCVHANGUP, 0); e != 0 {
		r.fail("ioctl(TIOCVHANGUP)", e)
	}
	if _, _, e := unix.Syscall(unix.SYS_VHANGUP, 0, 0, 0); e != 0 {
		r.fail("vhangup", e)
	}
	return r
}
