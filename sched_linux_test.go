//go:build linux

package main

// The scheduling policies of the sandbox's threads and of the command
// (sched_linux.go): the runtime's threads run SCHED_BATCH while the
// sandbox starts, the command runs with the caller's policy whatever
// thread its parent was forked on, every thread has the caller's policy
// again once the command has started, a caller's own choice of policy is
// left alone, and a host filter that forbids the change is respected.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// statPolicy is the scheduling policy in a /proc stat file (field 41,
// counted after the parenthesized command name, which may hold spaces).
func statPolicy(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 39 {
		t.Fatalf("%s: %d fields after the name: %q", path, len(f), s)
	}
	n, err := strconv.Atoi(f[38]) // field 41; f[0] is field 3
	if err != nil {
		t.Fatalf("%s: policy %q", path, f[38])
	}
	return n
}

// threadPolicies is the policy of every thread of process pid, by thread ID.
func threadPolicies(t *testing.T, pid int) map[int]int {
	t.Helper()
	tasks, err := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*"))
	if err != nil || len(tasks) == 0 {
		t.Fatalf("the threads of %d: %v", pid, err)
	}
	m := map[int]int{}
	for _, task := range tasks {
		tid, _ := strconv.Atoi(filepath.Base(task))
		m[tid] = statPolicy(t, filepath.Join(task, "stat"))
	}
	return m
}

// TestSchedulingPolicies: the command runs with the caller's policy, on
// every engine and inner stage, whatever the caller's policy; once it has
// started, every thread of the supervisor has the caller's policy too;
// under a host filter that kills the process on sched_setscheduler, the
// sandbox runs as before.
func TestSchedulingPolicies(t *testing.T) {
	chrt, err := exec.LookPath("chrt")
	if err != nil {
		skipOrFail(t, "no chrt (util-linux) to start the sandbox with another policy")
	}
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		bin, probe := binaries(t)
		for _, c := range []struct {
			name   string
			caller []string // how the caller starts the sandbox
			args   []string
			env    []string
			want   int // the command's policy, and the supervisor's threads'
		}{
			{"namespace engine", nil, []string{"--require-namespaces"}, nil, unix.SCHED_NORMAL},
			{"Go inner stage", nil, []string{"--require-namespaces"}, []string{goInnerEnv + "=1"}, unix.SCHED_NORMAL},
			{"proxy", nil, []string{"--allow-host", "example.com"}, nil, unix.SCHED_NORMAL},
			{"exec-only", nil, []string{"--exec-only"}, nil, unix.SCHED_NORMAL},
			{"caller batch", []string{chrt, "--batch", "0"}, []string{"--require-namespaces"}, nil, unix.SCHED_BATCH},
			{"caller idle", []string{chrt, "--idle", "0"}, []string{"--require-namespaces"}, nil, unix.SCHED_IDLE},
			{"host filter kills sched_setscheduler", []string{probe}, []string{"--require-namespaces"}, []string{probeEnv + "=kill-setscheduler"}, unix.SCHED_NORMAL},
		} {
			t.Run(c.name, func(t *testing.T) {
				dir := u.dir(t)
				out := filepath.Join(dir, "policy")
				script := `cut -d' ' -f41 /proc/$$/stat > "$1"; echo ready; exec sleep 60`
				argv := slices.Concat(c.caller, []string{bin}, c.args, []string{"-w", dir, "--", "sh", "-c", script, "sh", out})
				cmd := u.command(argv...)
				cmd.Env = append(cmd.Env, c.env...)
				stderr := startReady(t, cmd)
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatalf("the command did not write its policy: %v; stderr %q", err, stderr.String())
				}
				if got, _ := strconv.Atoi(strings.TrimSpace(string(b))); got != c.want {
					t.Errorf("the command runs with policy %d, want %d (the caller's)", got, c.want)
				}
				if c.name == "exec-only" {
					return // the sandbox became the command
				}
				// The supervisor puts its threads back beside its waiting.
				pid := cmd.Process.Pid
				var threads map[int]int
				poll(t, "the supervisor's threads back to the caller's policy", func() bool {
					threads = threadPolicies(t, pid)
					for _, pol := range threads {
						if pol != c.want {
							return false
						}
					}
					return true
				})
				if stderr.Len() > 0 {
					t.Errorf("stderr: %q", stderr.String())
				}
			})
		}
	})
}

// probeBatchThreads is the probe that calls batchRuntimeThreads, waits
// for its goroutine, and prints "startup PID" then "TID POLICY" for every
// thread; with the argument "filtered", under a seccomp filter that kills
// the process on sched_setscheduler first.
const probeBatchThreads = "batch-threads"

func batchThreadsProbe(argv []string) int {
	if len(argv) == 1 && argv[0] == "filtered" {
		prog, err := probeFilter(probeSimulations["kill-setscheduler"])
		if err == nil {
			err = unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
		}
		if err == nil {
			_, err = seccompSetModeFilter(prog, 0)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "probe:", err)
			return 3
		}
	}
	batchRuntimeThreads()
	if batched != nil {
		<-batched
	}
	fmt.Printf("startup %d\n", os.Getpid())
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		return 3
	}
	for _, e := range ents {
		b, err := os.ReadFile("/proc/self/task/" + e.Name() + "/stat")
		if err != nil {
			fmt.Fprintln(os.Stderr, "probe:", err)
			return 3
		}
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		fmt.Printf("%s %s\n", e.Name(), f[38])
	}
	return 0
}

// TestBatchRuntimeThreads: in a fresh process of the default policy,
// every thread but the startup one goes to SCHED_BATCH; a caller's other
// policy is left on every thread; under a host filter that kills the
// process on sched_setscheduler, nothing is moved and the process lives.
// In the re-executed test binary.
func TestBatchRuntimeThreads(t *testing.T) {
	chrt, err := exec.LookPath("chrt")
	if err != nil {
		skipOrFail(t, "no chrt (util-linux) to start the probe with another policy")
	}
	forEachUser(t, func(t *testing.T, u runAs) {
		_, probe := binaries(t)
		for _, c := range []struct {
			name          string
			argv          []string
			startup, rest int
		}{
			{"caller default", []string{probe}, unix.SCHED_NORMAL, unix.SCHED_BATCH},
			{"caller idle", []string{chrt, "--idle", "0", probe}, unix.SCHED_IDLE, unix.SCHED_IDLE},
			{"host filter", []string{probe, "filtered"}, unix.SCHED_NORMAL, unix.SCHED_NORMAL},
		} {
			t.Run(c.name, func(t *testing.T) {
				cmd := u.command(c.argv...)
				cmd.Env = append(cmd.Env, probeEnv+"="+probeBatchThreads)
				r := runCommand(t, cmd)
				if r.code != 0 {
					t.Fatalf("%v", r)
				}
				lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
				startup := strings.TrimPrefix(lines[0], "startup ")
				others := 0
				for _, l := range lines[1:] {
					tid, pol, _ := strings.Cut(l, " ")
					want := c.rest
					if tid == startup {
						want = c.startup
					} else {
						others++
					}
					if got, _ := strconv.Atoi(pol); got != want {
						t.Errorf("thread %s (startup %s) has policy %d, want %d:\n%s", tid, startup, got, want, r.stdout)
					}
				}
				if others == 0 {
					t.Errorf("no thread but the startup one:\n%s", r.stdout)
				}
			})
		}
	})
}

// TestEachOtherThread: the threads batchRuntimeThreads would move are
// this process's, all of them but the startup one, as /proc lists them
// before and after (the runtime may start threads meanwhile, and never
// ends one here).
func TestEachOtherThread(t *testing.T) {
	list := func() []int {
		ents, err := os.ReadDir("/proc/self/task")
		if err != nil {
			t.Fatal(err)
		}
		var tids []int
		for _, e := range ents {
			if tid, _ := strconv.Atoi(e.Name()); tid != os.Getpid() {
				tids = append(tids, tid)
			}
		}
		return tids
	}
	before := list()
	var got []int
	if !eachOtherThread(func(tid int) { got = append(got, tid) }) {
		t.Fatal("eachOtherThread could not list /proc/self/task")
	}
	after := list()
	for _, tid := range before {
		if !slices.Contains(got, tid) {
			t.Errorf("thread %d, listed before, was not visited: %v", tid, got)
		}
	}
	for _, tid := range got {
		if !slices.Contains(after, tid) {
			t.Errorf("thread %d was visited but is not this process's (or is the startup one): %v", tid, after)
		}
	}
	if len(before) == 0 {
		t.Error("the test process has no other thread to list")
	}
}

// TestRawProgramResetsPolicy: when the start-up batched the runtime's
// threads, PID 1's first step puts its policy back (it may be forked on
// one of them); otherwise no such step.
func TestRawProgramResetsPolicy(t *testing.T) {
	for _, reset := range []bool{false, true} {
		pr, _ := rawTestProgramWith(t, false, func(in *rawInput) { in.resetSched = reset })
		var steps []int
		for i, op := range pr.ops {
			if op.kind == rawSys && op.nr == unix.SYS_SCHED_SETSCHEDULER {
				steps = append(steps, i)
				if op.skipOn != allTypes {
					t.Errorf("step %d (%s) fails the run when refused; the policy is not a restriction", i, op.what)
				}
				if op.args[0] != 0 || op.args[1] != unix.SCHED_NORMAL || op.regs != 0 {
					t.Errorf("step %d (%s): arguments %v (registers %#x), want this process, SCHED_OTHER", i, op.what, op.args, op.regs)
				}
			}
		}
		switch {
		case !reset && len(steps) != 0:
			t.Errorf("resetSched unset: sched_setscheduler at steps %v", steps)
		case reset && !slices.Equal(steps, []int{0}):
			t.Errorf("resetSched set: sched_setscheduler at steps %v, want the first only\n%s", steps, strings.Join(pr.lines(), "\n"))
		}
	}
}
