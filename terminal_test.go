//go:build linux

package main

// Devices a command may write (issue 12, item 7): the data devices, its
// controlling terminal and pseudo-terminals of its own; keystroke
// injection through a terminal opened inside stays refused.

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// testPTY is a pseudo-terminal opened by the test, outside any sandbox, in
// raw mode so that one injected byte is readable at once.
type testPTY struct {
	master, slave *os.File
	name          string
}

func openTestPTY(t *testing.T, u runAs) testPTY {
	t.Helper()
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	master := os.NewFile(uintptr(m), "ptmx")
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetUint32(m, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	name := fmt.Sprintf("/dev/pts/%d", n)
	if err := os.Chown(name, u.uid, u.gid); err != nil {
		t.Fatal(err)
	}
	s, err := unix.Open(name, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	slave := os.NewFile(uintptr(s), name)
	t.Cleanup(func() { slave.Close() })
	tio, err := unix.IoctlGetTermios(s, unix.TCGETS)
	if err == nil {
		tio.Lflag &^= unix.ICANON | unix.ECHO
		tio.Oflag &^= unix.OPOST
		err = unix.IoctlSetTermios(s, unix.TCSETS, tio)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.SetNonblock(m, true); err != nil {
		t.Fatal(err)
	}
	return testPTY{master: master, slave: slave, name: name}
}

// drain reads what is waiting on f (non-blocking).
func drain(f *os.File) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := syscall.Read(int(f.Fd()), buf)
		if n <= 0 || err != nil {
			return b.String()
		}
		b.Write(buf[:n])
	}
}

// withTerminal makes p's slave cmd's stdin and controlling terminal.
func withTerminal(cmd *exec.Cmd, p testPTY) {
	cmd.Stdin = p.slave
	cmd.SysProcAttr.Setsid = true
	cmd.SysProcAttr.Setctty = true
	cmd.SysProcAttr.Ctty = 0
}

func TestConfineDevices(t *testing.T) {
	requireLandlock(t, 3)
	forEachUser(t, func(t *testing.T, u runAs) {
		py := needPython(t)
		t.Run("data devices", func(t *testing.T) {
			script := pyAttempt(`
for dev in ["/dev/zero", "/dev/urandom", "/dev/random", "/dev/full", "/dev/null"]:
    fd = os.open(dev, os.O_WRONLY | os.O_TRUNC)
    try:
        n = os.write(fd, b"x")
        print(dev, "wrote", n)
    except OSError as e:
        print(dev, "write", errno.errorcode[e.errno])
    os.close(fd)`)
			want := "/dev/zero wrote 1\n/dev/urandom wrote 1\n/dev/random wrote 1\n/dev/full write ENOSPC\n/dev/null wrote 1\nOK\n"
			if r := runPlain(t, u, py, "-c", script); r.code != 0 || r.stdout != want {
				t.Fatalf("control: want %q: %v", want, r)
			}
			if r := runSandbox(t, u, "--", py, "-c", script); r.code != 0 || r.stdout != want {
				t.Errorf("want %q: %v", want, r)
			}
		})
		t.Run("pseudo-terminal of its own", func(t *testing.T) {
			script := pyAttempt(`
import pty
m, s = os.openpty()
os.write(s, b"ping\n")
print(os.read(m, 100))
os.write(m, b"pong\n")
print(os.read(s, 100))
sys.stdout.flush()
pid, fd = pty.fork()
if pid == 0:
    print("from the child", os.isatty(0), flush=True)
    sys.stdin.readline() # until the parent has read the line
    os._exit(0)
print(os.read(fd, 100))
os.write(fd, b"\n")
os.waitpid(pid, 0)`)
			want := "b'ping\\r\\n'\nb'pong\\n'\nb'from the child True\\r\\n'\nOK\n"
			if r := runPlain(t, u, py, "-c", script); r.code != 0 || r.stdout != want {
				t.Fatalf("control: want %q: %v", want, r)
			}
			if r := runSandbox(t, u, "--", py, "-c", script); r.code != 0 || r.stdout != want {
				t.Errorf("want %q: %v", want, r)
			}
		})
		t.Run("script", func(t *testing.T) {
			script := sharedTool("script")
			if script == "" {
				skipOrFail(t, "no script(1) (util-linux)")
			}
			r := runSandbox(t, u, "--", script, "-qc", "echo in-script", "/dev/null")
			if r.code != 0 || !strings.Contains(r.stdout, "in-script") {
				t.Errorf("script -qc: %v", r)
			}
		})
		t.Run("controlling terminal", func(t *testing.T) {
			p := openTestPTY(t, u)
			cmd := u.sandboxCommand(t, "--", "sh", "-c", "echo started; printf hello-tty > /dev/tty")
			withTerminal(cmd, p)
			r := confined(t, cmd)
			if got := drain(p.master); r.code != 0 || got != "hello-tty" {
				t.Errorf("the terminal got %q: %v", got, r)
			}
		})
		// Keystroke injection through a terminal opened inside, where the
		// Landlock ioctl right now allows ioctls: the controlling terminal
		// by /dev/tty and another terminal by its /dev/pts path.
		for _, via := range []string{"/dev/tty", "/dev/pts/N"} {
			t.Run("TIOCSTI via "+via, func(t *testing.T) {
				script := pyAttempt(`
import fcntl, termios
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
fcntl.ioctl(fd, termios.TIOCSTI, b"X")`)
				run := func(sandboxed bool, opts ...string) (runResult, string) {
					p := openTestPTY(t, u)
					path := via
					if via != "/dev/tty" {
						path = p.name
					}
					argv := []string{py, "-c", script, path}
					cmd := u.command(argv...)
					if sandboxed {
						cmd = u.sandboxCommand(t, append(append(opts, "--"), argv...)...)
					}
					withTerminal(cmd, p)
					if via != "/dev/tty" {
						cmd.Stdin = nil // the terminal is not the command's
						cmd.SysProcAttr.Setctty = false
					}
					r := runCommand(t, cmd)
					return r, drain(p.slave)
				}
				if via != "/dev/tty" && !u.root() {
					t.Skip("no control possible: TIOCSTI into a terminal other than the caller's controlling one needs CAP_SYS_ADMIN")
				}
				if r, got := run(false); r.code != 0 || got != "X" {
					if !u.root() && readSysctl("dev.tty.legacy_tiocsti") == "0" {
						t.Skipf("no control possible: TIOCSTI needs CAP_SYS_ADMIN here (dev.tty.legacy_tiocsti=0): %v", r)
					}
					t.Fatalf("control: the terminal's input got %q: %v", got, r)
				}
				r, got := run(true, "--exec-only")
				if !deniedBySandbox(r) || got != "" {
					t.Errorf("the terminal's input got %q: %v", got, r)
				}
				// The namespace engine: refused too, or (another terminal)
				// not even there, its /dev/pts being a new instance.
				r, got = run(true)
				if r.code == 0 || got != "" {
					t.Errorf("namespace engine: the terminal's input got %q: %v", got, r)
				}
			})
		}
	})
}

// TestDeviceRuleKinds: a device rule applies only to what its name says,
// so that a regular file or directory where a container put one, or a
// /dev/pts that is not a devpts mount, does not become writable.
func TestDeviceRuleKinds(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/tty"
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path string
		kind deviceKind
		want bool
	}{
		{"/dev/null", devChar, true},
		{file, devChar, false},
		{dir, devChar, false},
		{dir, devPts, false},
		{file, devPts, false},
		{"/dev/null", devPts, false},
		{file, devNone, true},
	}
	if fi, err := os.Stat("/dev/pts/ptmx"); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		cases = append(cases, struct {
			path string
			kind deviceKind
			want bool
		}{"/dev/pts", devPts, true})
	}
	for _, c := range cases {
		fd, err := unix.Open(c.path, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			t.Fatal(err)
		}
		if got := isDeviceKind(fd, &st, c.kind); got != c.want {
			t.Errorf("isDeviceKind(%s, %d) = %v, want %v", c.path, c.kind, got, c.want)
		}
		unix.Close(fd)
	}
}
