//go:build linux

package main

// The namespace engine's process model, observed from outside through the
// built binary, as root and as uid 65534: PIDs, signals, exit status,
// what outlives what, IPC and network isolation, descriptors. The mount
// plan's own tests are nsmount's (mountplan_*_test.go); the fallback on
// hosts without user namespaces is in TestConfineFailClosed.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// requireNamespaces skips (fails under CI=true) unless the namespace
// engine runs for u on this host.
func requireNamespaces(t *testing.T, u runAs) {
	t.Helper()
	r := runCommand(t, u.sandboxCommand(t, "--require-namespaces", "--", "true"))
	if r.code != 0 {
		skipOrFail(t, "the namespace engine does not run here: %v", r)
	}
}

// procComms lists the comm of every process /proc shows, as a script.
const procComms = `for p in /proc/[0-9]*; do cat "$p/comm" 2>/dev/null; done`

func TestNamespacePID(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		script := `echo "pid $$"; grep '^PPid:' /proc/$$/status; ` + procComms
		ctl := runPlain(t, u, "sh", "-c", script)
		if !strings.Contains(ctl.stdout, "\nsandbox.test\n") {
			t.Fatalf("control: /proc without the sandbox does not show the test process: %v", ctl)
		}
		r := runSandbox(t, u, "--", "sh", "-c", script)
		if r.code != 0 {
			t.Fatalf("%v", r)
		}
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		pid, _ := strconv.Atoi(strings.TrimPrefix(lines[0], "pid "))
		if pid <= 1 {
			t.Errorf("the command is PID %d in its namespace, want neither 1 nor unknown: %v", pid, r)
		}
		if strings.Join(strings.Fields(lines[1]), " ") != "PPid: 1" {
			t.Errorf("the command's parent is not the namespace's init: %q", lines[1])
		}
		// Ours: the inner stage (sandbox), the shell, and its cats.
		for _, comm := range lines[2:] {
			if comm != "sandbox" && comm != "sh" && comm != "cat" {
				t.Errorf("/proc in the sandbox shows a process that is not the sandbox's: %q\n%v", comm, r)
			}
		}
	})
}

// startSandbox starts `sandbox args...` as u and waits for the command to
// print "ready".
func startSandbox(t *testing.T, u runAs, setpgid bool, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	return startSandboxEnv(t, u, setpgid, nil, args...)
}

// startSandboxEnv is startSandbox with env added to the sandbox's
// environment.
func startSandboxEnv(t *testing.T, u runAs, setpgid bool, env []string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := u.sandboxCommand(t, args...)
	if env != nil {
		cmd.Env = append(cmd.Environ(), env...)
	}
	cmd.SysProcAttr.Setpgid = setpgid
	return cmd, startReady(t, cmd)
}

// startReady starts the prepared cmd and waits for it to print "ready";
// it returns cmd's stderr so far and to come.
func startReady(t *testing.T, cmd *exec.Cmd) *bytes.Buffer {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("the command did not start: %q %v; stderr %q", line, err, stderr.String())
	}
	return &stderr
}

func waitStatus(t *testing.T, cmd *exec.Cmd) syscall.WaitStatus {
	t.Helper()
	timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	cmd.Wait()
	return cmd.ProcessState.Sys().(syscall.WaitStatus)
}

func TestNamespaceSignals(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		// SIGINT is forwarded when the sandbox is not in the terminal's
		// foreground group: a process group of its own guarantees that
		// wherever go test runs.
		// notify: taken by signal.Notify and bridged into a pipe
		// (signalFD), as on arm64, which has no handler of ours.
		for _, c := range []struct {
			sig     syscall.Signal
			setpgid bool
			notify  bool
		}{{syscall.SIGTERM, false, false}, {syscall.SIGUSR1, false, false}, {syscall.SIGUSR2, false, false}, {syscall.SIGQUIT, true, false},
			{syscall.SIGWINCH, true, false}, {syscall.SIGINT, true, false}, {syscall.SIGHUP, true, false},
			{syscall.SIGTERM, false, true}, {syscall.SIGWINCH, true, true}} {
			name := strings.TrimPrefix(unix.SignalName(c.sig), "SIG")
			var env []string
			if c.notify {
				name, env = name+" notify", []string{notifySignalsEnv + "=1"}
			}
			t.Run(name, func(t *testing.T) {
				d := u.dir(t)
				marker := filepath.Join(d, "marker")
				name := strings.TrimPrefix(unix.SignalName(c.sig), "SIG")
				script := fmt.Sprintf(`trap 'echo %s > "$0"; exit 0' %s; echo ready; sleep 300 & wait`, name, name)
				cmd, stderr := startSandboxEnv(t, u, c.setpgid, env, "-w", d, "--", "sh", "-c", script, marker)
				cmd.Process.Signal(c.sig)
				ws := waitStatus(t, cmd)
				got, _ := os.ReadFile(marker)
				if string(got) != name+"\n" || !ws.Exited() || ws.ExitStatus() != 0 {
					t.Errorf("%v to the sandbox: marker %q, status %v, stderr %q", c.sig, got, ws, stderr)
				}
			})
		}
		// The inner stage (PID 1 of the namespace) neither dies of nor
		// passes on what it receives itself: signals from the command,
		// and a signal to the whole process group, which reaches the
		// command directly (and again through the supervisor).
		t.Run("to the namespace's init and to the group", func(t *testing.T) {
			d := u.dir(t)
			marker := filepath.Join(d, "marker")
			script := `trap 'echo TERM > "$0"; exit 0' TERM; kill -HUP 1 && kill -INT 1 && kill -USR1 1 && kill -TERM 1 || exit 3; echo ready; sleep 300 & wait`
			cmd, stderr := startSandbox(t, u, true, "-w", d, "--", "sh", "-c", script, marker)
			syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			ws := waitStatus(t, cmd)
			got, _ := os.ReadFile(marker)
			if string(got) != "TERM\n" || !ws.Exited() || ws.ExitStatus() != 0 {
				t.Errorf("SIGTERM to the process group: marker %q, status %v, stderr %q", got, ws, stderr)
			}
		})
		// PID 1, which shares the supervisor's memory, starts with none
		// of the Go runtime's handlers (a signal run through one there
		// would crash it, or worse), and keeps what the caller ignores:
		// by clone3's CLONE_CLEAR_SIGHAND (clone3-only: the run fails if
		// clone3 does), or, where clone3 is refused (Docker's seccomp
		// profile, kernels before 5.3: simulated with ENOSYS, and with
		// EPERM as an LSM might) or not tried (under a filter from
		// outside, which might kill for it, as kill-clone3's does),
		// resetting them itself. SIGHUP is ignored by the caller here,
		// so that the ignored set is not empty.
		t.Run("PID 1's handlers", func(t *testing.T) {
			sandbox, probe := binaries(t)
			sigLine := func(status, key string) string {
				for _, l := range strings.Split(status, "\n") {
					if strings.HasPrefix(l, key+":") {
						return strings.TrimSpace(strings.TrimPrefix(l, key+":"))
					}
				}
				return ""
			}
			const ignoreHUP = `trap '' HUP; exec "$@"`
			bare := runCommand(t, u.command("sh", "-c", ignoreHUP, "sh", "cat", "/proc/self/status"))
			wantIgn := sigLine(bare.stdout, "SigIgn")
			if wantIgn == "" || wantIgn == "0000000000000000" {
				t.Fatalf("control: the caller ignores nothing: %v", bare)
			}
			if _, _, e := unix.Syscall(unix.SYS_CLONE3, 0, 0, 0); e == unix.ENOSYS {
				skipOrFail(t, "clone3 is refused here (ENOSYS)")
			}
			for _, sim := range []string{"plain", "clone3-only", "no-clone3", "clone3-eperm", "kill-clone3"} {
				t.Run(sim, func(t *testing.T) {
					cmd := u.command("sh", "-c", ignoreHUP, "sh", probe, sandbox, "--require-namespaces", "--", "cat", "/proc/1/status")
					if sim == "clone3-only" {
						sim = "engage-clone3-only"
						cmd = u.command("sh", "-c", ignoreHUP, "sh", probe, "--require-namespaces", "--", "cat", "/proc/1/status")
					}
					cmd.Env = append(cmd.Env, probeEnv+"="+sim)
					r := confined(t, cmd)
					if r.code != 0 {
						t.Fatalf("want exit 0: %v", r)
					}
					if got := sigLine(r.stdout, "SigCgt"); got != "0000000000000000" {
						t.Errorf("PID 1 catches signals (SigCgt %q), want none: %v", got, r)
					}
					if got := sigLine(r.stdout, "SigIgn"); got != wantIgn {
						t.Errorf("PID 1 ignores %q, the caller %q", got, wantIgn)
					}
				})
			}
		})
		// The command starts with the caller's dispositions and mask, not
		// the handlers the sandbox catches the forwarded signals with.
		t.Run("dispositions", func(t *testing.T) {
			sigLines := func(status string) string {
				var keep []string
				for _, l := range strings.Split(status, "\n") {
					if strings.HasPrefix(l, "SigBlk") || strings.HasPrefix(l, "SigIgn") || strings.HasPrefix(l, "SigCgt") {
						keep = append(keep, l)
					}
				}
				return strings.Join(keep, "\n")
			}
			bare := runCommand(t, u.command("cat", "/proc/self/status"))
			r := confined(t, u.sandboxCommand(t, "--", "cat", "/proc/self/status"))
			if want := sigLines(bare.stdout); want == "" || sigLines(r.stdout) != want {
				t.Errorf("the command's signal state:\n%s\nunconfined:\n%s", sigLines(r.stdout), want)
			}
		})
		t.Run("killed by SIGKILL", func(t *testing.T) {
			r := runCommand(t, u.sandboxCommand(t, "--", "sh", "-c", "kill -KILL $$"))
			if !r.status.Signaled() || r.status.Signal() != syscall.SIGKILL {
				t.Errorf("want the sandbox killed by SIGKILL: %v", r)
			}
		})
		t.Run("killed by SIGTERM", func(t *testing.T) {
			r := runCommand(t, u.sandboxCommand(t, "--", "sh", "-c", "kill -TERM $$"))
			if !r.status.Signaled() || r.status.Signal() != syscall.SIGTERM || r.stderr != "" {
				t.Errorf("want the sandbox killed by SIGTERM, quietly: %v", r)
			}
		})
		t.Run("killed by SIGQUIT, no core of ours", func(t *testing.T) {
			d := u.dir(t)
			cmd := u.sandboxCommand(t, "--", "sh", "-c", "ulimit -c 0; kill -QUIT $$")
			cmd.Dir = d
			r := runCommand(t, cmd)
			if !r.status.Signaled() || r.status.Signal() != syscall.SIGQUIT || r.status.CoreDump() {
				t.Errorf("want the sandbox killed by SIGQUIT without a core dump: %v", r)
			}
		})
	})
}

func TestNamespaceExitStatus(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		d := u.dir(t)
		noexec := filepath.Join(d, "noexec")
		if err := os.WriteFile(noexec, []byte("echo no\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		hidden := filepath.Join(d, "hidden")
		if err := os.MkdirAll(filepath.Join(hidden, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		u.own(t, d)
		marker := filepath.Join(d, "marker")
		for _, c := range []struct {
			name string
			args []string
			dir  string
			code int
		}{
			{"0", []string{"true"}, "", 0},
			{"3", []string{"sh", "-c", "exit 3"}, "", 3},
			{"126 not executable", []string{noexec}, "", exitCannotRun},
			{"127 not found", []string{"sandbox-test-no-such-command"}, "", exitNotFound},
			// The inner stage cannot enter the working directory, hidden
			// under an empty unreadable tmpfs: nothing runs.
			{"125 setup failure", []string{"touch", marker}, filepath.Join(hidden, "sub"), exitSetup},
		} {
			t.Run(c.name, func(t *testing.T) {
				cmd := u.sandboxCommand(t, append([]string{"-w", d, "--hide", hidden, "--"}, c.args...)...)
				if c.dir != "" {
					cmd.Dir = c.dir
				}
				r := runCommand(t, cmd)
				if r.code != c.code {
					t.Errorf("want exit %d: %v", c.code, r)
				}
				if c.code >= exitSetup && !isOneLine(r.stderr, "sandbox: ") {
					t.Errorf("want one line on stderr: %v", r)
				}
				if lexists(marker) {
					t.Errorf("the command ran")
				}
			})
		}
	})
}

// processesWith lists the PIDs, outside, whose command line holds token.
func processesWith(token string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if bytes.Contains(b, []byte(token)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// gone waits (at most 10 s) until no process holds token, and says
// whether none does.
func gone(token string) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if len(processesWith(token)) == 0 {
			return true
		}
	}
	return false
}

func TestNamespaceNothingOutlives(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		t.Run("the command", func(t *testing.T) {
			token := fmt.Sprintf("%d.%06d", 700+rand.IntN(99), rand.IntN(1000000))
			script := "sleep " + token + " >/dev/null 2>&1 & exit 0"
			ctl := runPlain(t, u, "sh", "-c", script)
			left := processesWith(token)
			for _, pid := range left {
				unix.Kill(pid, unix.SIGKILL)
			}
			if ctl.code != 0 || len(left) == 0 {
				t.Fatalf("control: a background sleep does not outlive its shell without the sandbox: %v", ctl)
			}
			r := runSandbox(t, u, "--", "sh", "-c", script)
			if r.code != 0 {
				t.Fatalf("%v", r)
			}
			if left := processesWith(token); len(left) > 0 {
				for _, pid := range left {
					unix.Kill(pid, unix.SIGKILL)
				}
				t.Errorf("the command's background sleep outlived it: pids %v", left)
			}
		})
		t.Run("left running, before the placeholders go", func(t *testing.T) {
			// The command leaves a stopped process and one that keeps
			// making the missing read-only path: neither outlives the
			// sandbox, the end does not wait on the stopped one, and the
			// path stays missing. The placeholder may go before PID 1 has
			// ended only when nothing else is left (rawFinish); were it
			// to go while the loop ran, the loop would make the path on
			// the host once the placeholder's mount went with it.
			py := needPython(t)
			token := fmt.Sprintf("%d.%06d", 600+rand.IntN(99), rand.IntN(1000000))
			script := `import os, signal, sys, time
d = sys.argv[1]
null = os.open(os.devnull, os.O_RDWR)
if os.fork() == 0:
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.kill(os.getpid(), signal.SIGSTOP)
    os._exit(0)
if os.fork() == 0:
    os.dup2(null, 1)
    os.dup2(null, 2)
    open(os.path.join(d, "looping"), "w").close()
    while True:
        try:
            os.mkdir(os.path.join(d, ".codex"))
        except OSError:
            pass
while not os.path.exists(os.path.join(d, "looping")):
    time.sleep(0.001)
sys.exit(3)
`
			ctlDir := u.dir(t)
			ctl := runPlain(t, u, py, "-c", script, ctlDir, token)
			t.Cleanup(func() {
				for _, pid := range processesWith(token) {
					unix.Kill(pid, unix.SIGKILL)
				}
			})
			if ctl.code != 3 {
				t.Fatalf("control: %v", ctl)
			}
			poll(t, "control: the left-behind loop makes .codex without the sandbox", func() bool {
				return lexists(filepath.Join(ctlDir, ".codex"))
			})
			for _, pid := range processesWith(token) {
				unix.Kill(pid, unix.SIGKILL)
			}
			sandbox, probe := binaries(t)
			// deny-kill-all: PID 1 may not signal them itself; go: the
			// Go inner stage.
			for _, sim := range []string{"plain", "deny-kill-all", "plain/go", "deny-kill-all/go"} {
				t.Run(sim, func(t *testing.T) {
					d := u.dir(t)
					cmd := u.command(probe, sandbox, "--require-namespaces", "-w", d, "-r", filepath.Join(d, ".codex"), "--", py, "-c", script, d, token)
					name, inner, _ := strings.Cut(sim, "/")
					cmd.Env = append(cmd.Env, probeEnv+"="+name)
					if inner == "go" {
						cmd.Env = append(cmd.Env, goInnerEnv+"=1")
					}
					r := runCommand(t, cmd)
					left := processesWith(token)
					for _, pid := range left {
						unix.Kill(pid, unix.SIGKILL)
					}
					if r.code != 3 || !lexists(filepath.Join(d, "looping")) {
						t.Fatalf("want the command's status 3 with the loop started: %v", r)
					}
					if len(left) > 0 {
						t.Errorf("processes the command left outlived the sandbox: pids %v", left)
					}
					// With none of them left (above), nothing can make it later.
					if lexists(filepath.Join(d, ".codex")) {
						t.Errorf("%s exists after the run: a process of the sandbox made it once the placeholder went", filepath.Join(d, ".codex"))
					}
				})
			}
		})
		t.Run("the caller", func(t *testing.T) {
			token := fmt.Sprintf("%d.%06d", 800+rand.IntN(99), rand.IntN(1000000))
			cmd, _ := startSandbox(t, u, false, "--", "sh", "-c", "echo ready; sleep "+token)
			// The inner stage (its argv holds the command's) and the sleep.
			if n := len(processesWith(token)); n < 2 {
				t.Fatalf("want the inner stage and the command running, found %d processes", n)
			}
			cmd.Process.Kill()
			cmd.Wait()
			if !gone(token) {
				t.Errorf("processes of the sandbox outlived the supervisor: %v", processesWith(token))
				for _, pid := range processesWith(token) {
					unix.Kill(pid, unix.SIGKILL)
				}
			}
		})
	})
}

func TestNamespaceIPC(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		py := needPython(t)
		id, err := unix.SysvShmGet(unix.IPC_PRIVATE, 4096, unix.IPC_CREAT|0o666)
		if err != nil {
			skipOrFail(t, "shmget: %v", err)
		}
		t.Cleanup(func() { unix.SysvShmCtl(id, unix.IPC_RMID, nil) })
		attach := pyAttempt(`
lib = ctypes.CDLL(None, use_errno=True)
lib.shmat.restype = ctypes.c_void_p
if lib.shmat(int(sys.argv[1]), None, 0) in (None, ctypes.c_void_p(-1).value):
    raise OSError(ctypes.get_errno(), "shmat")`)
		if r := runPlain(t, u, py, "-c", attach, strconv.Itoa(id)); r.code != 0 || strings.TrimSpace(r.stdout) != "OK" {
			t.Fatalf("control: shmat of the outside segment without the sandbox: %v", r)
		}
		if r := runSandbox(t, u, "--", py, "-c", attach, strconv.Itoa(id)); r.code == 0 || !strings.HasPrefix(r.stdout, "ERR E") {
			t.Errorf("the sandbox attached a SysV segment of a process outside: %v", r)
		}

		name := fmt.Sprintf("sandbox-test-%d-%d", os.Getpid(), rand.IntN(1000000))
		cname, _ := unix.BytePtrFromString(name)
		old := unix.Umask(0) // the queue's mode 0666 as given, for uid 65534 too
		mq, _, e := unix.Syscall6(unix.SYS_MQ_OPEN, uintptr(unsafe.Pointer(cname)), unix.O_CREAT|unix.O_RDWR|unix.O_CLOEXEC, 0o666, 0, 0, 0)
		unix.Umask(old)
		if e != 0 {
			skipOrFail(t, "mq_open: %v", e)
		}
		unix.Close(int(mq))
		t.Cleanup(func() { unix.Syscall(unix.SYS_MQ_UNLINK, uintptr(unsafe.Pointer(cname)), 0, 0) })
		open := pyAttempt(`
lib = ctypes.CDLL(None, use_errno=True)
if lib.syscall(ctypes.c_long(` + strconv.Itoa(unix.SYS_MQ_OPEN) + `), sys.argv[1].encode(), ctypes.c_int(os.O_RDWR), 0, None) < 0:
    raise OSError(ctypes.get_errno(), "mq_open")`)
		if r := runPlain(t, u, py, "-c", open, name); r.code != 0 || strings.TrimSpace(r.stdout) != "OK" {
			t.Fatalf("control: mq_open of the outside queue without the sandbox: %v", r)
		}
		if r := runSandbox(t, u, "--", py, "-c", open, name); r.code == 0 || !strings.HasPrefix(r.stdout, "ERR E") {
			t.Errorf("the sandbox opened a message queue of a process outside: %v", r)
		}
	})
}

func TestNamespaceLoopback(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		py := needPython(t)
		outside := listenStream(t, "tcp4", "127.0.0.1:0")
		port := outside.args[1]
		// A server inside on the very port the outside listener holds,
		// and a client inside that talks to it.
		script := `import socket, sys, threading
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
def serve():
    c, _ = s.accept()
    c.sendall(b"hello from inside")
    c.close()
threading.Thread(target=serve).start()
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
print(c.recv(64).decode())`
		ctl := runPlain(t, u, py, "-c", pyAttempt(pyTCP), "127.0.0.1", port)
		if ctl.code != 0 || !outside.saw(5*time.Second) {
			t.Fatalf("control: a client without the sandbox does not reach the listener outside: %v", ctl)
		}
		r := runSandbox(t, u, "--", py, "-c", script, port)
		if r.code != 0 || r.stdout != "hello from inside\n" {
			t.Errorf("a server on 127.0.0.1 inside did not answer a client inside: %v", r)
		}
		r = runSandbox(t, u, "--", py, "-c", pyAttempt(pyTCP), "127.0.0.1", port)
		if r.code == 0 {
			t.Errorf("a client inside connected to 127.0.0.1:%s, where only the outside listens: %v", port, r)
		}
		if outside.saw(200 * time.Millisecond) {
			t.Errorf("the listener outside heard the sandbox")
		}
		// With --network the command shares the host's network.
		r = runSandbox(t, u, "--network", "--", py, "-c", pyAttempt(pyTCP), "127.0.0.1", port)
		if r.code != 0 || !outside.saw(5*time.Second) {
			t.Errorf("with --network the listener outside heard nothing: %v", r)
		}
	})
}

// TestNamespaceUnixSockets: in the namespace engine, IP sockets are free
// (only the private loopback exists) but pathname UNIX sockets outside
// stay out of reach, and socketpair keeps working.
func TestNamespaceUnixSockets(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		py := needPython(t)
		target := listenStream(t, "unix", filepath.Join(u.dir(t), "s"))
		connect := pyAttempt(`
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])`)
		if r := runPlain(t, u, py, "-c", connect, target.args[0]); r.code != 0 || !target.saw(5*time.Second) {
			t.Fatalf("control: connect without the sandbox: %v", r)
		}
		r := runSandbox(t, u, "--", py, "-c", connect, target.args[0])
		if !deniedBySandbox(r) || target.saw(200*time.Millisecond) {
			t.Errorf("a pathname socket outside was reachable: %v", r)
		}
		r = runSandbox(t, u, "--", py, "-c", `import socket
a, b = socket.socketpair()
a.sendall(b"ping")
print(b.recv(4).decode())`)
		if r.code != 0 || r.stdout != "ping\n" {
			t.Errorf("socketpair: %v", r)
		}
	})
}

func TestNamespaceFDs(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		r := runSandbox(t, u, "--require-namespaces", "--", "ls", "-1", "/proc/self/fd")
		if got := strings.Fields(r.stdout); r.code != 0 || !slices.Equal(got, []string{"0", "1", "2", "3"}) {
			t.Errorf("the command inherited %q, want 0-2 and ls's own: %v", got, r)
		}
		// A caller that closed stdin: none of our pipes takes its place.
		// (The Go runtime opens /dev/null on a closed 0, 1 or 2 at start,
		// so the command gets /dev/null, as with --exec-only.)
		bin, _ := binaries(t)
		probe := `readlink /proc/$$/fd/0`
		outer := `exec 0<&-; exec "$@"`
		for _, engine := range []string{"--exec-only", "--require-namespaces"} {
			r := runPlain(t, u, "sh", "-c", outer, "sh", bin, engine, "--", "sh", "-c", probe)
			if r.code != 0 || r.stdout != "/dev/null\n" {
				t.Errorf("%s with stdin closed, the command's stdin: %v", engine, r)
			}
		}
	})
}

func TestNamespaceIslandsAndHidden(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		d := u.dir(t)
		w := filepath.Join(d, "w")
		island := filepath.Join(w, "island")
		secret := filepath.Join(d, "secret")
		for _, dir := range []string{island, secret} {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range []string{filepath.Join(island, "f"), filepath.Join(secret, "key")} {
			if err := os.WriteFile(f, []byte("original\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		u.own(t, d)
		script := `printf x > "$0/island/f"; echo "island=$?"; printf y > "$0/new"; echo "root=$?"; cat "$1/key"; echo "hidden=$?"`
		ctl := runPlain(t, u, "sh", "-c", script, w, secret)
		if !strings.Contains(ctl.stdout, "island=0") || !strings.Contains(ctl.stdout, "hidden=0") {
			t.Fatalf("control: %v", ctl)
		}
		os.WriteFile(filepath.Join(island, "f"), []byte("original\n"), 0o644)
		r := runSandbox(t, u, "-w", w, "-r", island, "--hide", secret, "--", "sh", "-c", script, w, secret)
		if strings.Contains(r.stdout, "island=0") || !strings.Contains(r.stdout, "root=0") || strings.Contains(r.stdout, "hidden=0") {
			t.Errorf("want the island read-only, the root writable, the hidden file unreadable: %v", r)
		}
		if b, _ := os.ReadFile(filepath.Join(island, "f")); string(b) != "original\n" || strings.Contains(r.stdout, "original") {
			t.Errorf("island file %q, or the hidden file was read: %v", b, r)
		}
		// -r outside every -w tree is a usage error naming it.
		r = runCommand(t, u.sandboxCommand(t, "-w", w, "-r", secret, "--", "true"))
		if r.code != exitUsage || !isOneLine(r.stderr, "sandbox: ") || !strings.Contains(r.stderr, secret) {
			t.Errorf("-r outside the writable trees: %v", r)
		}
	})
}

// TestNamespaceMetadata: chmod, utime and chown of a file outside the
// writable trees, which Landlock does not cover, fail in the namespace
// engine's read-only view.
func TestNamespaceMetadata(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		for _, c := range []struct{ name, script string }{
			{"chmod", `chmod 600 "$O/target"`},
			{"chown", `chown "$(id -u):$(id -g)" "$O/target" && chmod g+w "$O/target"`},
		} {
			t.Run(c.name, func(t *testing.T) { checkEscape(t, u, []string{"sh", "-c", "echo started; " + c.script}) })
		}
		t.Run("utime", func(t *testing.T) {
			mtime := func(tr fsTree) time.Time {
				fi, err := os.Stat(filepath.Join(tr.out, "target"))
				if err != nil {
					t.Fatal(err)
				}
				return fi.ModTime()
			}
			script := `touch -d 2001-01-01 "$O/target"`
			ctl := newFSTree(t, u)
			if r := runCommand(t, ctl.env(u.command("sh", "-c", script))); r.code != 0 || mtime(ctl).Year() != 2001 {
				t.Fatalf("control: %v", r)
			}
			sb := newFSTree(t, u)
			r := confined(t, sb.env(u.sandboxCommand(t, "-w", sb.w, "--", "sh", "-c", script)))
			if r.code == 0 || mtime(sb).Year() == 2001 {
				t.Errorf("utime outside the writable tree: %v", r)
			}
		})
	})
}

// TestNamespacePrintPolicy: --print-policy names the engine and why, and
// lists the mount plan.
func TestNamespacePrintPolicy(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		r := runCommand(t, u.sandboxCommand(t, "--print-policy", "--", "true"))
		if r.code != 0 || !strings.Contains(r.stdout, `"engine": "namespace"`) || !strings.Contains(r.stdout, "user namespaces available") || !strings.Contains(r.stdout, `"mounts": [`) {
			t.Errorf("--print-policy: %v", r)
		}
		r = runCommand(t, u.sandboxCommand(t, "--print-policy", "--exec-only", "--", "true"))
		if r.code != 0 || !strings.Contains(r.stdout, `"engine": "exec-only"`) || !strings.Contains(r.stdout, `"mounts": null`) {
			t.Errorf("--print-policy --exec-only: %v", r)
		}
		_, probe := binaries(t)
		sandbox, _ := binaries(t)
		for _, c := range []struct {
			engine string
			code   int
			want   string
		}{{"", 0, `"engine": "exec-only"`}, {"--require-namespaces", exitSetup, `namespace engine is unavailable`}} {
			args := []string{probe, sandbox, "--print-policy"}
			if c.engine != "" {
				args = append(args, c.engine)
			}
			cmd := u.command(append(args, "--", "true")...)
			cmd.Env = append(cmd.Env, probeEnv+"=no-userns")
			r := runCommand(t, cmd)
			if r.code != c.code || !strings.Contains(r.stdout, c.want) || !strings.Contains(r.stdout, "operation not permitted") {
				t.Errorf("--print-policy %s without user namespaces: %v", c.engine, r)
			}
		}
	})
}

// TestNamespaceEnvironment: the command gets the caller's environment,
// GOMAXPROCS included (the inner stage runs with GOMAXPROCS=1 and puts
// the caller's back), set, empty or unset, in the caller's order.
func TestNamespaceEnvironment(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		for _, c := range []struct {
			name string
			env  []string
		}{
			{"unset", nil},
			{"set first", []string{"GOMAXPROCS=3"}},
			{"empty", []string{"GOMAXPROCS="}},
		} {
			t.Run(c.name, func(t *testing.T) {
				ctl := u.command("/usr/bin/env")
				ctl.Env = append(c.env, ctl.Env...)
				want := runCommand(t, ctl)
				if want.code != 0 || strings.Count(want.stdout, "GOMAXPROCS=") != len(c.env) {
					t.Fatalf("control: %v", want)
				}
				cmd := u.sandboxCommand(t, "--require-namespaces", "--", "/usr/bin/env")
				cmd.Env = append(c.env, cmd.Env...)
				r := confined(t, cmd)
				if r.code != 0 || r.stdout != want.stdout {
					t.Errorf("the command's environment is not the caller's:\n%s\nwant\n%s", r.stdout, want.stdout)
				}
			})
		}
	})
}

// TestNamespaceTiming is not a test: with SANDBOX_TIMING=1 it prints how
// long /bin/true takes bare, exec-only and in the namespace engine.
func TestNamespaceTiming(t *testing.T) {
	if os.Getenv("SANDBOX_TIMING") != "1" {
		t.Skip("set SANDBOX_TIMING=1")
	}
	sandbox, _ := binaries(t)
	const n = 200
	for _, c := range []struct {
		name string
		argv []string
	}{
		{"bare", []string{"/bin/true"}},
		{"exec-only", []string{sandbox, "--exec-only", "--", "/bin/true"}},
		{"namespace", []string{sandbox, "--require-namespaces", "--", "/bin/true"}},
	} {
		start := time.Now()
		for range n {
			if err := exec.Command(c.argv[0], c.argv[1:]...).Run(); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%-10s %.2f ms per run (%d runs)", c.name, float64(time.Since(start).Microseconds())/1000/n, n)
	}
}

// TestCodexEraGProfile runs the exact argv Codex 0.171 sends its helper for
// a workspace-write tool call (codex-spec.md section 14), with a git
// repository as the workspace, as root and as 65534: the command runs, may
// write in the workspace and $TMPDIR, and cannot write .git or create
// .codex, .agents or .aws; afterwards the workspace holds exactly what the
// command was allowed to leave (no placeholder). The control runs the same
// script unconfined and succeeds at every step.
func TestCodexEraGProfile(t *testing.T) {
	requireLandlock(t, 3)
	if _, err := exec.LookPath("git"); err != nil {
		skipOrFail(t, "git is not installed")
	}
	codex := codexBinary(t)
	forEachUser(t, func(t *testing.T, u runAs) {
		base := u.dir(t)
		w, tmp := filepath.Join(base, "w"), filepath.Join(base, "tmp")
		for _, d := range []string{w, tmp} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if out, err := exec.Command("git", "init", "-q", w).CombinedOutput(); err != nil {
			t.Fatalf("git init: %v: %s", err, out)
		}
		config := filepath.Join(w, ".git", "config")
		before, err := os.ReadFile(config)
		if err != nil {
			t.Fatal(err)
		}
		u.own(t, base)
		entry := func(path, access string) string {
			return `{"path":{"type":"path","path":` + cxQuote(path) + `},"access":"` + access + `"` +
				map[bool]string{true: `,"missing_path_behavior":"skip"`}[access == "read"] + `}`
		}
		profile := `{"type":"managed","file_system":{"type":"restricted","entries":[` +
			`{"path":{"type":"special","value":{"kind":"root"}},"access":"read"},` + entry(w, "write") + `,` +
			`{"path":{"type":"special","value":{"kind":"slash_tmp"}},"access":"write"},` +
			`{"path":{"type":"special","value":{"kind":"tmpdir"}},"access":"write"},` +
			entry(w+"/.git", "read") + `,` + entry(w+"/.agents", "read") + `,` + entry(w+"/.codex", "read") + `,` + entry(w+"/.aws", "read") +
			`]},"network":"restricted"}`
		script := `set -u
echo ok > made-here
echo ok > "$TMPDIR/made-in-tmpdir"
git rev-parse --show-toplevel
r=0
echo '[core] hooksPath=/x' >> .git/config 2>/dev/null && r=1
mkdir -p .codex 2>/dev/null && echo 'sandbox_mode = "danger-full-access"' > .codex/config.toml 2>/dev/null && r=1
mkdir -p .agents/skills 2>/dev/null && r=1
mkdir -p .aws 2>/dev/null && echo key > .aws/credentials 2>/dev/null && r=1
exit $r`
		run := func(confined bool) runResult {
			var cmd *exec.Cmd
			if confined {
				cmd = u.command(codex, "--sandbox-policy-cwd", w, "--command-cwd", w, "--permission-profile", profile, "--", "/bin/bash", "-c", script)
			} else {
				cmd = u.command("/bin/bash", "-c", script)
			}
			cmd.Dir = w
			cmd.Env = append(cmd.Env, "TMPDIR="+tmp)
			return runCommand(t, cmd)
		}
		r := run(true)
		if r.code != 0 || strings.TrimSpace(r.stdout) != w {
			t.Errorf("confined: %v, want exit 0 (every protected write refused) and the repository found", r)
		}
		for _, p := range []string{filepath.Join(w, "made-here"), filepath.Join(tmp, "made-in-tmpdir")} {
			if !lexists(p) {
				t.Errorf("%s: not written inside the sandbox", p)
			}
		}
		if after, _ := os.ReadFile(config); string(after) != string(before) {
			t.Errorf(".git/config changed:\n%s", after)
		}
		entries, _ := os.ReadDir(w)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if strings.Join(names, " ") != ".git made-here" {
			t.Errorf("the workspace holds %q after the run, want .git and made-here only", names)
		}

		// Control: unconfined, every protected write succeeds (exit 1).
		os.Remove(filepath.Join(w, "made-here"))
		if r := run(false); r.code != 1 || !lexists(filepath.Join(w, ".codex", "config.toml")) || !lexists(filepath.Join(w, ".aws", "credentials")) {
			t.Errorf("control: %v, want every protected write to succeed", r)
		}
	})
}

// TestNamespaceOwnProcesses: in its PID namespace the command may renice,
// pin and limit its own processes by pid (the exec-only engine refuses
// every pid but 0, since it cannot tell the sandbox's pids from others).
func TestNamespaceOwnProcesses(t *testing.T) {
	requireLandlock(t, 3)
	for _, tool := range []string{"renice", "taskset", "prlimit"} {
		if _, err := exec.LookPath(tool); err != nil {
			skipOrFail(t, "%s is not installed", tool)
		}
	}
	script := `sleep 30 & p=$!; renice -n 5 -p $p >/dev/null && taskset -p 1 $p >/dev/null && prlimit --pid $p --nofile=64:64; r=$?; kill $p; exit $r`
	forEachUser(t, func(t *testing.T, u runAs) {
		if r := runCommand(t, u.sandboxCommand(t, "--require-namespaces", "--", "/bin/sh", "-c", script)); r.code != 0 {
			t.Errorf("namespace engine: %v, want renice, taskset and prlimit of its own child to work", r)
		}
		if r := runCommand(t, u.sandboxCommand(t, "--exec-only", "--", "/bin/sh", "-c", script)); r.code == 0 {
			t.Errorf("exec-only engine: %v, want the pid forms refused", r)
		}
	})
}

// TestNamespaceInitOutOfReach: the inner stage (PID 1 of the namespace)
// holds the socket to the supervisor and, as the raw stage on amd64,
// shares the supervisor's memory (the Go stage keeps capabilities on its
// runtime threads), so the command must not reach into it, even with the network
// on (where seccomp lets ptrace through to the sandbox's own processes):
// PTRACE_SEIZE of PID 1 fails while seizing its own child works (the
// control), and PID 1's descriptors and memory do not open.
func TestNamespaceInitOutOfReach(t *testing.T) {
	requireLandlock(t, 3)
	python := cxPython(t)
	script := `
import ctypes, os, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_SEIZE, PTRACE_DETACH = 0x4206, 17
child = subprocess.Popen(["sleep", "30"])
ok = libc.ptrace(PTRACE_SEIZE, child.pid, 0, 0) == 0
print("seize-child", ok)
try:
    os.close(os.open("/proc/%d/environ" % child.pid, os.O_RDONLY))
    print("open-child True")
except OSError as e:
    print("open-child False", e.strerror)
child.kill()
r = libc.ptrace(PTRACE_SEIZE, 1, 0, 0)
print("seize-init", r == 0, os.strerror(ctypes.get_errno()))
for path, flags in (("/proc/1/fd/4", os.O_WRONLY), ("/proc/1/fd/3", os.O_RDONLY), ("/proc/1/mem", os.O_RDONLY), ("/proc/1/environ", os.O_RDONLY)):
    try:
        os.close(os.open(path, flags))
        print("open", path, True)
    except OSError as e:
        print("open", path, False, e.strerror)
`
	// With the network (-n) PID 1 becomes undumpable first thing; without
	// it, last, once the supervisor has taken the connect listener: both
	// orders, as PID 1 shares the supervisor's memory where it can.
	for _, net := range [][]string{{"-n"}, nil} {
		t.Run(fmt.Sprintf("network=%v", net != nil), func(t *testing.T) {
			forEachUser(t, func(t *testing.T, u runAs) {
				args := append(append([]string{"--require-namespaces"}, net...), "--", python, "-c", script)
				r := runCommand(t, u.sandboxCommand(t, args...))
				if r.code != 0 {
					t.Fatalf("%v", r)
				}
				// Without the network seccomp refuses ptrace outright.
				if net != nil && !strings.Contains(r.stdout, "seize-child True") {
					t.Errorf("control: the command could not ptrace its own child: %v", r)
				}
				if !strings.Contains(r.stdout, "open-child True") {
					t.Errorf("control: the command could not open its own child's /proc/PID/environ: %v", r)
				}
				for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
					f := strings.Fields(line)
					if len(f) >= 2 && f[0] == "seize-init" && f[1] != "False" || len(f) >= 3 && f[0] == "open" && f[2] != "False" {
						t.Errorf("the command reached PID 1: %s", line)
					}
				}
			})
		})
	}
}

// TestNamespaceIslandParentsPinned: the directories between a writable root
// and an island, or a writable root nested in another (a Codex workspace
// under /tmp), cannot be renamed away to make the island's path free to
// create; without that, a command could leave a .git of its own where the
// user's next git command runs its hooks. Controls: unconfined, the same
// script succeeds; inside, an ordinary rename in the tree still works.
func TestNamespaceIslandParentsPinned(t *testing.T) {
	requireLandlock(t, 3)
	forEachUser(t, func(t *testing.T, u runAs) {
		base := u.dir(t)
		w := filepath.Join(base, "w")
		proj := filepath.Join(w, "cx", "proj")
		sub := filepath.Join(w, "sub")
		for _, d := range []string{filepath.Join(proj, ".git"), filepath.Join(sub, ".git"), filepath.Join(w, "plain")} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range []string{filepath.Join(proj, ".git", "config"), filepath.Join(sub, ".git", "config")} {
			if err := os.WriteFile(f, []byte("[core]\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		u.own(t, base)
		attack := `cd "$1" && r=0
mv cx cx2 2>/dev/null && mkdir -p cx/proj/.git && echo evil > cx/proj/.git/config && r=1
mv sub sub2 2>/dev/null && mkdir -p sub/.git && echo evil > sub/.git/config && r=1
mv plain plain2 || r=2
exit $r`
		r := runCommand(t, u.sandboxCommand(t, "--require-namespaces", "-w", w, "-w", proj, "-r", filepath.Join(proj, ".git"), "-r", filepath.Join(sub, ".git"),
			"--", "/bin/sh", "-c", attack, "sh", w))
		if r.code != 0 {
			t.Errorf("confined: %v, want the renames of the islands' parents refused and the plain one done", r)
		}
		for _, f := range []string{filepath.Join(proj, ".git", "config"), filepath.Join(sub, ".git", "config")} {
			if b, _ := os.ReadFile(f); string(b) != "[core]\n" {
				t.Errorf("%s: %q", f, b)
			}
		}
		for _, p := range []string{filepath.Join(w, "cx2"), filepath.Join(w, "sub2")} {
			if lexists(p) {
				t.Errorf("%s exists: a parent of an island was renamed", p)
			}
		}
		if !lexists(filepath.Join(w, "plain2")) {
			t.Errorf("an ordinary rename in the writable tree did not happen")
		}
		// Control: unconfined, the attack works.
		os.Rename(filepath.Join(w, "plain2"), filepath.Join(w, "plain"))
		if r := runCommand(t, u.command("/bin/sh", "-c", attack, "sh", w)); r.code != 1 {
			t.Errorf("control: %v, want the attack to succeed unconfined", r)
		}
	})
}

// TestNamespaceSignalDuringStalledSetup: a SIGTERM that comes while the
// inner stage is stuck, after the mounts or in them (simulated: its first
// capability drop, or its first mount_setattr, waits forever on a seccomp
// listener nobody answers), does not wait for a command that never
// starts: the sandbox ends by SIGTERM within setupSignalGrace, the command
// never ran, and the placeholder it made for a missing read-only path is
// gone. The control: the same run without the stall runs the command.
func TestNamespaceSignalDuringStalledSetup(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		sandbox, probe := binaries(t)
		for _, sim := range []string{"plain", "stall-capbset-drop", "stall-mount-setattr"} {
			t.Run(sim, func(t *testing.T) {
				d := u.dir(t)
				marker := filepath.Join(d, "MARKER")
				cmd := u.command(probe, sandbox, "--require-namespaces", "-n", "-w", d, "-r", filepath.Join(d, ".codex"), "--",
					"sh", "-c", `touch "$0"; sleep 300`, marker)
				cmd.Env = append(cmd.Env, probeEnv+"="+sim)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
				// Until the placeholder exists the signal would find the
				// process before it takes signals at all.
				for i := 0; i < 500 && !lexists(filepath.Join(d, ".codex")) && !lexists(marker); i++ {
					time.Sleep(10 * time.Millisecond)
				}
				if sim == "plain" {
					for i := 0; i < 500 && !lexists(marker); i++ {
						time.Sleep(10 * time.Millisecond)
					}
					if !lexists(marker) {
						t.Fatalf("control: the command did not run; stderr %q", stderr.String())
					}
				} else {
					time.Sleep(300 * time.Millisecond) // into the stall
				}
				cmd.Process.Signal(syscall.SIGTERM)
				if sim == "stall-mount-setattr" && u.cred == nil {
					// PID 1 ends (killed) before it is ready, within
					// the grace: the SIGTERM kept for the command is
					// this process's again, not lost in the error.
					time.Sleep(200 * time.Millisecond)
					killChildren(t, cmd.Process.Pid)
				}
				ws := waitStatus(t, cmd)
				if !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
					t.Errorf("want the sandbox ended by SIGTERM: %v; stderr %q", ws, stderr.String())
				}
				if sim != "plain" && lexists(marker) {
					t.Errorf("the command ran")
				}
				if lexists(filepath.Join(d, ".codex")) {
					t.Errorf("the placeholder %s is left behind", filepath.Join(d, ".codex"))
				}
			})
		}
	})
}

// killChildren sends SIGKILL to the children of every thread of pid.
func killChildren(t *testing.T, pid int) {
	t.Helper()
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	n := 0
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, c := range strings.Fields(string(b)) {
			if cpid, err := strconv.Atoi(c); err == nil {
				syscall.Kill(cpid, syscall.SIGKILL)
				n++
			}
		}
	}
	if n == 0 {
		t.Fatalf("no child of %d to kill", pid)
	}
}

// TestNamespacePlaceholdersOutlastProcesses: a placeholder stays while a
// process the command left is not yet reaped, even once the command's
// status came: the supervisor may remove it before PID 1's end only when
// nothing but PID 1 is left (rawFinish). The test holds a background
// process of the command with PTRACE_SEIZE: killed at PID 1's exit, it
// stays a zombie until this tracer reaps it, so PID 1 cannot end. Once it
// is that zombie (the status was sent before) and the supervisor is back
// in ppoll, the placeholder must be there; once it is reaped, gone, with
// the command's status. Nothing is timed: the polls only bound a hang.
// (The supervisor removes placeholders on its main thread, the one whose
// /proc/PID/syscall the test reads: back in ppoll, it has handled the
// status, which was queued before the held process died.)
// Root: the test traces the sandbox's processes and reads the
// supervisor's /proc/PID/syscall (undumpable, as PID 1 shares its memory).
func TestNamespacePlaceholdersOutlastProcesses(t *testing.T) {
	if os.Geteuid() != 0 {
		skipOrFail(t, "tracing the sandbox's processes needs root; this is uid %d", os.Geteuid())
	}
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		py := needPython(t)
		// ptrace's tracer is a thread: this one, for the whole test.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		d := u.dir(t)
		placeholder := filepath.Join(d, ".codex")
		token := fmt.Sprintf("%d.%06d", 500+rand.IntN(99), rand.IntN(1000000))
		script := `import os, sys, time
d, tok = sys.argv[1], sys.argv[2]
if os.fork() == 0:
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)
    os.execvp("sleep", ["sleep", tok])
print("ready", flush=True)
while not os.path.exists(os.path.join(d, "go")):
    time.sleep(0.001)
sys.exit(3)
`
		cmd, stderr := startSandbox(t, u, false, "--require-namespaces", "-w", d, "-r", placeholder, "--", py, "-c", script, d, token)
		held := -1
		poll(t, "the command's background sleep", func() bool {
			for _, pid := range processesWith(token) {
				if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); bytes.HasPrefix(b, []byte("sleep\x00"+token)) {
					held = pid
				}
			}
			return held > 0
		})
		if err := unix.PtraceSeize(held); err != nil {
			if errors.Is(err, unix.EPERM) {
				skipOrFail(t, "PTRACE_SEIZE %d: %v (tracing needs CAP_SYS_PTRACE)", held, err)
			}
			t.Fatalf("PTRACE_SEIZE %d: %v", held, err)
		}
		reaped := false
		defer func() {
			// On a failure before the reaping: the tracee ends now, not
			// when the sandbox does (its cleanup comes after this).
			if !reaped {
				unix.Kill(held, unix.SIGKILL)
				var ws unix.WaitStatus
				unix.Wait4(held, &ws, unix.WALL, nil)
			}
		}()
		if !lexists(placeholder) {
			t.Fatalf("control: no placeholder %s while the command runs", placeholder)
		}
		if err := os.WriteFile(filepath.Join(d, "go"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		// Killed with PID 1 (which sent the status first), and held.
		var info unix.Siginfo
		if err := unix.Waitid(unix.P_PID, held, &info, unix.WEXITED|unix.WNOWAIT|unix.WALL, nil); err != nil {
			t.Fatalf("waitid %d: %v", held, err)
		}
		ppoll := fmt.Sprintf("%d ", unix.SYS_PPOLL)
		poll(t, "the supervisor back in ppoll", func() bool {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", cmd.Process.Pid))
			return strings.HasPrefix(string(b), ppoll)
		})
		if !lexists(placeholder) {
			t.Errorf("the placeholder %s was removed while a process of the sandbox was not yet reaped", placeholder)
		}
		var ws unix.WaitStatus
		if _, err := unix.Wait4(held, &ws, unix.WALL, nil); err != nil {
			t.Fatalf("wait4 %d: %v", held, err)
		}
		reaped = true
		if st := waitStatus(t, cmd); st.ExitStatus() != 3 {
			t.Errorf("want the command's status 3: %v; stderr %q", st, stderr.String())
		}
		if lexists(placeholder) {
			t.Errorf("the placeholder %s is left behind", placeholder)
		}
	})
}

// poll waits until cond holds, failing the test if it does not within
// 20 s: a bound on a hang, not a timing assertion.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
	}
}

// TestNamespacePlaceholderRetried: a placeholder the supervisor could not
// remove (rmdir-ebusy: rmdir fails with EBUSY) keeps its claim, so the
// next run on the tree takes it for a placeholder and removes it, and the
// tree is as it was; without the claim it would take it for the user's
// own empty directory and leave it. The first run is the control that the
// simulation refuses the removal.
func TestNamespacePlaceholderRetried(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		sandbox, probe := binaries(t)
		d := u.dir(t)
		island := filepath.Join(d, ".codex")
		args := []string{"--require-namespaces", "-w", d, "-r", island, "--", "true"}
		cmd := u.command(append([]string{probe, sandbox}, args...)...)
		cmd.Env = append(cmd.Env, probeEnv+"=rmdir-ebusy")
		r := runCommand(t, cmd)
		if r.code != 0 || !lexists(island) {
			t.Fatalf("control: want the run to end well with its placeholder %s left (rmdir refused): exists %v, %v", island, lexists(island), r)
		}
		if !isOneLine(r.stderr, "sandbox: warning: placeholder "+island+" left behind") {
			t.Errorf("want one warning line naming the placeholder left behind: %q", r.stderr)
		}
		if r := runSandbox(t, u, args...); r.code != 0 {
			t.Fatalf("%v", r)
		}
		if lexists(island) {
			t.Errorf("the placeholder %s a run could not remove is still there after the next run", island)
		}
	})
}
