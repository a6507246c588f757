//go:build linux

package main

// The scheduling policies of the sandbox's threads and of the command
// (sched_linux.go): the runtime's threads run SCHED_BATCH while the
// sandbox starts, the command runs with the caller's policy whatever
// thread its parent was forked on, the proxy's threads serve with the
// caller's policy, and a caller's own choice of policy is left alone.

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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

func TestSchedulingPolicies(t *testing.T) {
	chrt, err := exec.LookPath("chrt")
	if err != nil {
		skipOrFail(t, "no chrt (util-linux) to start the sandbox with another policy")
	}
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		bin, _ := binaries(t)
		for _, c := range []struct {
			name   string
			caller []string // how the caller starts the sandbox
			args   []string
			env    []string
			// want is the command's policy, batch whether the
			// supervisor's runtime threads are SCHED_BATCH while the
			// command runs (otherwise they have the caller's policy).
			want  int
			batch bool
		}{
			{"namespace engine", nil, []string{"--require-namespaces"}, nil, unix.SCHED_NORMAL, true},
			{"Go inner stage", nil, []string{"--require-namespaces"}, []string{goInnerEnv + "=1"}, unix.SCHED_NORMAL, true},
			{"proxy", nil, []string{"--allow-host", "example.com"}, nil, unix.SCHED_NORMAL, false},
			{"exec-only", nil, []string{"--exec-only"}, nil, unix.SCHED_NORMAL, false},
			{"caller batch", []string{chrt, "--batch", "0"}, []string{"--require-namespaces"}, nil, unix.SCHED_BATCH, false},
			{"caller idle", []string{chrt, "--idle", "0"}, []string{"--require-namespaces"}, nil, unix.SCHED_IDLE, false},
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
				pid := cmd.Process.Pid
				threads := threadPolicies(t, pid)
				if c.name == "exec-only" {
					return // the sandbox became the command
				}
				if threads[pid] != c.want {
					t.Errorf("the supervisor's startup thread has policy %d, want %d (the caller's): %v", threads[pid], c.want, threads)
				}
				batched := 0
				for tid, pol := range threads {
					switch {
					case tid == pid:
					case c.batch && pol == unix.SCHED_BATCH:
						batched++
					case pol != c.want:
						t.Errorf("the supervisor's thread %d has policy %d, want %d: %v", tid, pol, c.want, threads)
					}
				}
				if c.batch && batched == 0 {
					t.Errorf("none of the supervisor's %d runtime threads is SCHED_BATCH: %v", len(threads)-1, threads)
				}
			})
		}
	})
}

// TestEachThread: the threads batchRuntimeThreads would move are this
// process's, all of them but the one skipped, as /proc lists them before
// and after (the runtime may start threads meanwhile, and never ends one
// here).
func TestEachThread(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	self := unix.Gettid()
	list := func() []int {
		ents, err := os.ReadDir("/proc/self/task")
		if err != nil {
			t.Fatal(err)
		}
		var tids []int
		for _, e := range ents {
			if tid, _ := strconv.Atoi(e.Name()); tid != self {
				tids = append(tids, tid)
			}
		}
		return tids
	}
	before := list()
	var got []int
	if !eachThread(self, func(tid int) { got = append(got, tid) }) {
		t.Fatal("eachThread could not list /proc/self/task")
	}
	after := list()
	for _, tid := range before {
		if !slices.Contains(got, tid) {
			t.Errorf("thread %d, listed before, was not visited: %v", tid, got)
		}
	}
	for _, tid := range got {
		if !slices.Contains(after, tid) {
			t.Errorf("thread %d was visited but is not this process's (or is the one skipped): %v", tid, after)
		}
	}
	if len(before) == 0 {
		t.Error("the test process has no other thread to list")
	}
	for name, want := range map[string]int{".": 0, "..": 0, "123\x00\x00": 123, "7": 7, "12a\x00": 0, "99999999999\x00": 0} {
		if got := atoiTID([]byte(name)); got != want {
			t.Errorf("atoiTID(%q) = %d, want %d", name, got, want)
		}
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
