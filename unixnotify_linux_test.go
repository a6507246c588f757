//go:build linux

package main

// AF_UNIX sockets in the namespace engine (unixnotify_linux.go), by
// effect, as root and as uid 65534: the sandbox's own sockets work
// (pathname in the workspace, abstract, a forkserver Pool, a non-dumpable
// client), and every listener outside hears nothing, each with its
// control. The raced connect is the doctor's unix-race vector, which
// TestConfineVectors runs on both engines.

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The kernel structs as the ioctl numbers encode their sizes.
func TestSeccompNotifLayout(t *testing.T) {
	size := func(req uint32) uintptr { return uintptr(req>>16) & 0x3fff }
	if got, want := unsafe.Sizeof(seccompNotif{}), size(unix.SECCOMP_IOCTL_NOTIF_RECV); got != want {
		t.Errorf("struct seccomp_notif: %d bytes, the ioctl says %d", got, want)
	}
	if got, want := unsafe.Sizeof(seccompNotifResp{}), size(unix.SECCOMP_IOCTL_NOTIF_SEND); got != want {
		t.Errorf("struct seccomp_notif_resp: %d bytes, the ioctl says %d", got, want)
	}
	if unsafe.Sizeof(unixDiagReq{}) != 24 {
		t.Errorf("struct unix_diag_req: %d bytes, want 24", unsafe.Sizeof(unixDiagReq{}))
	}
	if retUserNotif != unix.SECCOMP_RET_USER_NOTIF {
		t.Errorf("retUserNotif %#x, x/sys says %#x", retUserNotif, unix.SECCOMP_RET_USER_NOTIF)
	}
}

// pyUnixServe is a server and a client of the same process on one
// address (argv[1]; "@name" is abstract) and socket type (argv[2]).
const pyUnixServe = `import os, socket, sys, threading
addr, typ = sys.argv[1], getattr(socket, sys.argv[2])
if addr.startswith("@"):
    addr = "\0" + addr[1:]
s = socket.socket(socket.AF_UNIX, typ)
s.bind(addr)
s.listen()
def serve():
    c, _ = s.accept()
    c.sendall(b"hello " + c.recv(16))
    c.close()
threading.Thread(target=serve).start()
if len(sys.argv) > 3 and sys.argv[3] == "relative":
    os.chdir(os.path.dirname(addr))
    addr = os.path.basename(addr)
if len(sys.argv) > 3 and sys.argv[3] == "symlink":  # as Chromium's SingletonSocket
    os.symlink(addr, addr + ".link")
    addr = addr + ".link"
c = socket.socket(socket.AF_UNIX, typ)
c.connect(addr)
c.sendall(b"inside")
print(c.recv(64).decode())`

func TestNamespaceUnixOwnSockets(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		py := needPython(t)
		ws := u.dir(t)
		for _, c := range []struct{ name, addr, typ, rel string }{
			{"pathname stream", filepath.Join(ws, "s.sock"), "SOCK_STREAM", ""},
			{"pathname seqpacket", filepath.Join(ws, "p.sock"), "SOCK_SEQPACKET", ""},
			{"relative path", filepath.Join(ws, "r.sock"), "SOCK_STREAM", "relative"},
			{"through a symlink", filepath.Join(ws, "l.sock"), "SOCK_STREAM", "symlink"},
			{"abstract", abstractName(), "SOCK_STREAM", ""},
		} {
			args := []string{"-w", ws, "--", py, "-c", pyUnixServe, c.addr, c.typ}
			if c.rel != "" {
				args = append(args, c.rel)
			}
			if r := runSandbox(t, u, args...); r.code != 0 || r.stdout != "hello inside\n" {
				t.Errorf("%s: a server and a client inside did not talk: %v", c.name, r)
			}
		}
		// A client that made itself non-dumpable: the supervisor still
		// reads its address (it has CAP_SYS_PTRACE over the sandbox's
		// user namespace).
		l := filepath.Join(ws, "nd.sock")
		nondumpable := `import ctypes; ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)
` + pyUnixServe
		if r := runSandbox(t, u, "-w", ws, "--", py, "-c", nondumpable, l, "SOCK_STREAM"); r.code != 0 || r.stdout != "hello inside\n" {
			t.Errorf("a non-dumpable client could not connect inside: %v", r)
		}
		// Non-blocking connect to a listener inside: done at once.
		nb := filepath.Join(ws, "nb.sock")
		r := runSandbox(t, u, "-w", ws, "--", py, "-c", pyAttempt(`
l = socket.socket(socket.AF_UNIX); l.bind(sys.argv[1]); l.listen()
c = socket.socket(socket.AF_UNIX); c.setblocking(False); c.connect(sys.argv[1])
c2 = socket.socket(socket.AF_UNIX); c2.connect(sys.argv[1] + ".none")`), nb)
		if strings.TrimSpace(r.stdout) != "ERR ENOENT" {
			t.Errorf("non-blocking connect inside, then one to a missing path (want ENOENT): %v", r)
		}
		// A full backlog: a non-blocking connect says EAGAIN, and a
		// blocking one is interrupted by a signal, as without the
		// supervisor (the control runs the same script bare).
		full := `import os, signal, socket, sys
l = socket.socket(socket.AF_UNIX); l.bind(sys.argv[1]); l.listen(0)
held = []
while True:
    c = socket.socket(socket.AF_UNIX); c.setblocking(False)
    try:
        c.connect(sys.argv[1]); held.append(c)
    except BlockingIOError:
        print("EAGAIN"); break
class Alarm(Exception): pass
def ring(*_): raise Alarm()
signal.signal(signal.SIGALRM, ring)
signal.setitimer(signal.ITIMER_REAL, 0.2)
try:
    socket.socket(socket.AF_UNIX).connect(sys.argv[1]); print("connected")
except Alarm:
    print("interrupted")`
		ctl := runPlain(t, u, py, "-c", full, filepath.Join(u.dir(t), "full.sock"))
		if ctl.stdout != "EAGAIN\ninterrupted\n" {
			t.Fatalf("control: %v", ctl)
		}
		if r := runSandbox(t, u, "-w", ws, "--", py, "-c", full, filepath.Join(ws, "full.sock")); r.stdout != ctl.stdout {
			t.Errorf("a full backlog inside: %v", r)
		}
	})
}

func TestNamespaceForkserverPool(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		py := needPython(t)
		ws := u.dir(t)
		script := `import multiprocessing as mp
def square(x):
    return x * x
if __name__ == "__main__":
    mp.set_start_method("forkserver")
    with mp.Pool(2) as p:
        print(sum(p.map(square, range(10))))`
		// A file: forkserver's children import the main module by path.
		file := filepath.Join(ws, "pool.py")
		if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := u.sandboxCommand(t, "-w", ws, "--", py, file)
		cmd.Env = append(cmd.Env, "TMPDIR="+ws)
		if r := confined(t, cmd); r.code != 0 || r.stdout != "285\n" {
			t.Errorf("a forkserver Pool did not work inside: %v", r)
		}
	})
}

// TestNamespaceUnixOutside: every listener a process outside made hears
// nothing, wherever it is.
func TestNamespaceUnixOutside(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		py := needPython(t)
		ws := u.dir(t)
		connect := pyAttempt(pyUnixAddr + `
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(addr)`)
		sendDgram := pyAttempt(pyUnixAddr + `
errs = []
for make in (lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM),
             lambda: socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)[0]):
    try:
        make().sendto(b"x", addr)
    except OSError as e:
        errs.append(e)
if len(errs) < 2:
    raise OSError(0, "sent")
raise errs[0]`)
		symlink := filepath.Join(ws, "link.sock")
		for _, c := range []struct {
			name   string
			target func() netTarget
			py     string
			arg    func(netTarget) string
		}{
			{"pathname outside the writable trees", func() netTarget { return listenStream(t, "unix", filepath.Join(u.dir(t), "out.sock")) }, connect, nil},
			{"pathname in the writable tree, made outside", func() netTarget { return listenStream(t, "unix", filepath.Join(ws, "made-outside.sock")) }, connect, nil},
			{"symlink in the writable tree to a socket outside", func() netTarget { return listenStream(t, "unix", filepath.Join(u.dir(t), "out2.sock")) }, connect,
				func(n netTarget) string {
					if err := unix.Symlink(n.args[0], symlink); err != nil {
						t.Fatal(err)
					}
					return symlink
				}},
			{"abstract outside", func() netTarget { return listenStream(t, "unix", abstractName()) }, connect, nil},
			{"datagram outside", func() netTarget { return listenPacket(t, "unixgram", filepath.Join(u.dir(t), "dgram.sock")) }, sendDgram, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				target := c.target()
				arg := target.args[0]
				if c.arg != nil {
					arg = c.arg(target)
				}
				if r := runPlain(t, u, py, "-c", c.py, arg); !target.saw(5 * time.Second) {
					t.Fatalf("control: the listener heard nothing without the sandbox: %v", r)
				}
				for target.saw(100 * time.Millisecond) { // the control's second datagram
				}
				r := runSandbox(t, u, "-w", ws, "--", py, "-c", c.py, arg)
				if r.code == 0 {
					t.Errorf("reached from inside: %v", r)
				}
				if target.saw(200 * time.Millisecond) {
					t.Errorf("the listener outside heard the sandbox: %v", r)
				}
			})
		}
	})
}

// TestPrintPolicyUnixSockets: --print-policy says how each engine treats
// AF_UNIX sockets, and names Landlock's RESOLVE_UNIX right honestly.
func TestPrintPolicyUnixSockets(t *testing.T) {
	u := runAs{name: "self", uid: os.Getuid(), gid: os.Getgid()}
	requireNamespaces(t, u)
	ns := runSandbox(t, u, "--print-policy", "--", "true")
	if !strings.Contains(ns.stdout, "connect USER_NOTIF always") || !strings.Contains(ns.stdout, "bound inside this sandbox") ||
		!strings.Contains(ns.stdout, "LANDLOCK_ACCESS_FS_RESOLVE_UNIX (0x10000)") {
		t.Errorf("namespace engine: %v", ns)
	}
	ex := runSandbox(t, u, "--exec-only", "--print-policy", "--", "true")
	if !strings.Contains(ex.stdout, `"unix_sockets": "socketpair(2) only`) || !strings.Contains(ex.stdout, "connect EPERM always") {
		t.Errorf("exec-only engine: %v", ex)
	}
}

// TestConnectSupervisorNetns: the network namespace check by cookie and
// by SIOCGSKNS (kernels before 5.14) agree on a socket of the namespace.
func TestConnectSupervisorNetns(t *testing.T) {
	a, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(a)
	b, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(b)
	s := &connectSupervisor{}
	if err := s.netnsOf(a, &s.netns); err != nil {
		skipOrFail(t, "SIOCGSKNS needs CAP_NET_ADMIN over this network namespace: %v", err)
	}
	if !s.inSandboxNetns(b) {
		t.Errorf("SIOCGSKNS: a socket of this namespace is not in it")
	}
	c, err := getsockoptUint64(a, unix.SOL_SOCKET, soNetnsCookie)
	if err != nil {
		skipOrFail(t, "SO_NETNS_COOKIE (Linux 5.14): %v", err)
	}
	s.netnsCookie = c
	if !s.inSandboxNetns(b) {
		t.Errorf("SO_NETNS_COOKIE: a socket of this namespace is not in it")
	}
	s.netnsCookie = c + 1
	if s.inSandboxNetns(b) {
		t.Errorf("SO_NETNS_COOKIE: another cookie matched")
	}
}

// TestVFSMatches: UNIX_DIAG_VFS carries the in-kernel dev_t (major << 20 |
// minor) and the inode number cut to 32 bits; stat's st_dev is the
// user-space encoding.
func TestVFSMatches(t *testing.T) {
	msg := func(ino, kdev uint32) []byte {
		b := make([]byte, unixDiagMsgLen, unixDiagMsgLen+20)
		// An attribute before the one that counts (UNIX_DIAG_NAME, 5 bytes, padded).
		b = append(b, 9, 0, 0, 0, 'n', 'a', 'm', 'e', 0, 0, 0, 0)
		b = append(b, 12, 0, unixDiagVFS, 0)
		b = binary.NativeEndian.AppendUint32(b, ino)
		return binary.NativeEndian.AppendUint32(b, kdev)
	}
	st := &unix.Stat_t{Dev: unix.Mkdev(8, 0x12345), Ino: 5}
	if !vfsMatches(msg(5, 8<<20|0x12345), st) {
		t.Errorf("the same file did not match")
	}
	// A number beyond 32 bits cannot be told from another with the same
	// low bits: device and number alone do not decide.
	if vfsMatches(msg(5, 8<<20|0x12345), &unix.Stat_t{Dev: st.Dev, Ino: 1<<32 | 5}) {
		t.Errorf("a 64-bit inode number matched on its low 32 bits")
	}
	for _, m := range [][]byte{msg(6, 8<<20|0x12345), msg(5, 8<<20|0x12346), msg(5, 9<<20|0x12345), msg(5, 0)[:unixDiagMsgLen+8]} {
		if vfsMatches(m, st) {
			t.Errorf("another file matched: %x", m)
		}
	}
}

// pyStuckConnects fills a backlog of 0 (argv[1]), then forks argv[2]
// children that each connect to it blocking, waits until each is blocked
// in connect or has ended, and names the moment with a marker file
// (argv[1] + ".ready") once no more than argv[3] are left blocked (or
// after 20 s); it goes on when argv[1] + ".go" appears: kills
// the children, then connects blocking to a second listener (a normal
// connect), retrying while the supervisor still gives up the killed
// ones. It prints how many children got EAGAIN at once, then
// "connected".
const pyStuckConnects = `import errno, os, platform, signal, socket, sys, time
path, n = sys.argv[1], int(sys.argv[2])
connect_nr = {"x86_64": 42, "aarch64": 203}[platform.machine()]
l = socket.socket(socket.AF_UNIX); l.bind(path); l.listen(0)
held = []
while True:
    c = socket.socket(socket.AF_UNIX); c.setblocking(False)
    try:
        c.connect(path); held.append(c)
    except BlockingIOError:
        break
kids = []
for i in range(n):
    pid = os.fork()
    if pid == 0:
        try:
            socket.socket(socket.AF_UNIX).connect(path)
        except OSError as e:
            os._exit(3 if e.errno == errno.EAGAIN else 4)
        os._exit(0)
    kids.append(pid)
eagain, blocked = 0, []
for pid in kids:
    while True:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            eagain += os.waitstatus_to_exitcode(st) == 3
            break
        try:
            with open("/proc/%d/syscall" % pid) as f:
                if f.read().split()[0] == str(connect_nr):
                    blocked.append(pid); break
        except OSError:
            pass
        time.sleep(0.001)
# Blocked in connect may still mean waiting for the supervisor's answer:
# wait (20 s at most) until no more than the bound (argv[3]) are left.
for i in range(2000):
    for pid in list(blocked):
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            eagain += os.waitstatus_to_exitcode(st) == 3
            blocked.remove(pid)
    if len(blocked) <= int(sys.argv[3]):
        break
    time.sleep(0.01)
time.sleep(0.2)  # for the supervisor to take the last notifications
open(path + ".ready", "w").close()
while not os.path.exists(path + ".go"):
    time.sleep(0.01)
for pid in blocked:
    os.kill(pid, signal.SIGKILL); os.waitpid(pid, 0)
print(eagain)
l2 = socket.socket(socket.AF_UNIX); l2.bind(path + "2"); l2.listen(8)
for i in range(300):
    try:
        socket.socket(socket.AF_UNIX).connect(path + "2"); break
    except BlockingIOError:
        time.sleep(0.1)
print("connected")`

// TestNamespaceUnixStuckConnects: connects blocked on a full backlog do
// not each hold a thread and descriptors of the supervisor: past
// maxBlockingConnects they get EAGAIN at once, the supervisor's thread
// and descriptor counts stay bounded, and a normal connect works after
// the blocked callers were killed.
func TestNamespaceUnixStuckConnects(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		py := needPython(t)
		ws := u.dir(t)
		sock := filepath.Join(ws, "dos.sock")
		const n = 3 * maxBlockingConnects
		cmd := u.sandboxCommand(t, "-w", ws, "--", py, "-c", pyStuckConnects, sock, strconv.Itoa(n), strconv.Itoa(maxBlockingConnects))
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		timer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
		defer timer.Stop()
		for !lexists(sock + ".ready") {
			select {
			case err := <-done:
				t.Fatalf("the script ended early: %v\nstdout: %q\nstderr: %q", err, out.String(), errb.String())
			case <-time.After(10 * time.Millisecond):
			}
		}
		pid := strconv.Itoa(cmd.Process.Pid)
		status, err := os.ReadFile("/proc/" + pid + "/status")
		if err != nil {
			t.Fatal(err)
		}
		threads := -1
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "Threads:"); ok {
				threads, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		fds, err := os.ReadDir("/proc/" + pid + "/fd")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(sock+".go", nil, 0o644); err != nil {
			t.Fatal(err)
		}
		err = <-done
		t.Logf("%d blocked connects: supervisor threads %d, descriptors %d; %v\nstdout: %q\nstderr: %q", n, threads, len(fds), err, out.String(), errb.String())
		if threads < 1 || threads > maxBlockingConnects+16 {
			t.Errorf("the supervisor has %d threads", threads)
		}
		if len(fds) > ownSockets+3*maxBlockingConnects+16 {
			t.Errorf("the supervisor has %d descriptors", len(fds))
		}
		lines := strings.Fields(out.String())
		if err != nil || len(lines) != 2 || lines[1] != "connected" {
			t.Errorf("after the killed connects, a normal one did not work")
		}
		if len(lines) == 2 && lines[0] != strconv.Itoa(n-maxBlockingConnects) {
			t.Errorf("%s connects got EAGAIN at once, want %d (past the bound)", lines[0], n-maxBlockingConnects)
		}
	})
}

// TestSocketFileMatch: a sock_diag entry proves a socket file only by
// the exact device and a number that fits 32 bits on a filesystem whose
// numbers do (ext2/3/4, f2fs); never by a name, never on others
// (btrfs, XFS, tmpfs, whose counter wraps), and a socket file that cannot be judged refuses all.
func TestSocketFileMatch(t *testing.T) {
	st := &unix.Stat_t{Dev: unix.Mkdev(8, 1), Ino: 5}
	same := &unixDiagEntry{dev: st.Dev, ino: 5, name: "/any"}
	for _, m := range []int64{unix.EXT4_SUPER_MAGIC, unix.F2FS_SUPER_MAGIC} {
		if !vfsProves(same, st, m) {
			t.Errorf("fs %#x: the same device and number did not match", m)
		}
	}
	for name, c := range map[string]struct {
		e     *unixDiagEntry
		st    *unix.Stat_t
		magic int64
	}{
		"btrfs":                  {same, st, unix.BTRFS_SUPER_MAGIC},
		"xfs":                    {same, st, unix.XFS_SUPER_MAGIC},
		"overlayfs":              {same, st, unix.OVERLAYFS_SUPER_MAGIC},
		"nfs":                    {same, st, unix.NFS_SUPER_MAGIC},
		"tmpfs":                  {same, st, unix.TMPFS_MAGIC},
		"another device":         {&unixDiagEntry{dev: unix.Mkdev(8, 2), ino: 5}, st, unix.EXT4_SUPER_MAGIC},
		"another number":         {&unixDiagEntry{dev: st.Dev, ino: 6}, st, unix.EXT4_SUPER_MAGIC},
		"a target beyond 32 bit": {same, &unix.Stat_t{Dev: st.Dev, Ino: 1<<32 | 5}, unix.EXT4_SUPER_MAGIC},
	} {
		if vfsProves(c.e, c.st, c.magic) {
			t.Errorf("%s: matched", name)
		}
	}
	// On the real file: the judge reads the filesystem from the descriptor.
	path := filepath.Join(t.TempDir(), "s.sock")
	l, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(l)
	if err := unix.Bind(l, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var real unix.Stat_t
	var fs unix.Statfs_t
	if err := unix.Fstat(fd, &real); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fstatfs(fd, &fs); err != nil {
		t.Fatal(err)
	}
	e := &unixDiagEntry{dev: real.Dev, ino: uint32(real.Ino)}
	if got, want := socketFileMatch(&real, fd)(e), vfsExactFS(int64(fs.Type)) && real.Ino <= math.MaxUint32; got != want {
		t.Errorf("the socket file's own entry (fs %#x): %v, want %v", fs.Type, got, want)
	}
	if socketFileMatch(&real, -1)(e) {
		t.Errorf("a file whose filesystem is unknown matched")
	}
}

// pyProcSelf serves on argv[1] (unless argv[2] is "client") and connects
// to it through the caller's own /proc entries, the usual way around
// sun_path's 108 bytes; it prints one line per way: ok or the error.
const pyProcSelf = `import os, socket, sys, threading
path = sys.argv[1]
if sys.argv[2] != "client":
    l = socket.socket(socket.AF_UNIX); l.bind(path); l.listen(8)
    def serve():
        while True:
            c, _ = l.accept(); c.sendall(b"ok"); c.close()
    threading.Thread(target=serve, daemon=True).start()
d = os.open(os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY)
f = os.open(path, os.O_PATH)
name = os.path.basename(path)
for addr in ("/proc/self/fd/%d/%s" % (d, name), "/proc/thread-self/fd/%d/%s" % (d, name),
             "/dev/fd/%d/%s" % (d, name), "/proc/self/fd/%d" % f, "/proc/self/cwd/../" + path,
             "/proc/thread-self/root" + path, "/proc/self/exe/x"):
    try:
        c = socket.socket(socket.AF_UNIX); c.connect(addr)
        print(c.recv(8).decode())
    except OSError as e:
        print(e.strerror)`

// TestNamespaceUnixProcSelf: connects through /proc/self/fd/N/name,
// /proc/thread-self/..., /dev/fd/N/..., /proc/self/cwd and root reach the
// sandbox's own sockets as without the sandbox, and one through a magic
// link the supervisor does not follow (exe) gets ELOOP; a socket outside stays out of reach
// through a descriptor of its directory.
func TestNamespaceUnixProcSelf(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		py := needPython(t)
		ctl := runPlain(t, u, py, "-c", pyProcSelf, filepath.Join(u.dir(t), "s.sock"), "serve")
		if ctl.stdout != "ok\nok\nok\nok\nok\nok\nNot a directory\n" {
			t.Fatalf("control: %v", ctl)
		}
		ws := u.dir(t)
		if r := runSandbox(t, u, "-w", ws, "--", py, "-c", pyProcSelf, filepath.Join(ws, "s.sock"), "serve"); r.stdout != "ok\nok\nok\nok\nok\nok\nToo many levels of symbolic links\n" {
			t.Errorf("the sandbox's own socket through /proc/self: %v", r)
		}
		out := listenStream(t, "unix", filepath.Join(u.dir(t), "out.sock"))
		if err := os.Chmod(out.args[0], 0o777); err != nil {
			t.Fatal(err)
		}
		r := runSandbox(t, u, "-w", ws, "--", py, "-c", pyProcSelf, out.args[0], "client")
		if strings.Contains(r.stdout, "ok") || out.saw(200*time.Millisecond) {
			t.Errorf("a socket outside through /proc/self: %v", r)
		}
	})
}

// TestRefusalOnce: a socket file outside is looked up in the host's
// socket table once, however often it is refused, and the answer
// (EACCES: a socket outside listens there) stays.
func TestRefusalOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.sock")
	l, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(l)
	if err := unix.Bind(l, &unix.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(l, 1); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	s := &connectSupervisor{notify: -1, diag: -1, hostDiag: -1, root: -1}
	defer s.close()
	for i := 0; i < 3; i++ {
		if e := s.refusal(&st, s.socketFileLike(&st, -1)); e != unix.EACCES {
			t.Fatalf("refusal %d: %v, want EACCES", i, e)
		}
	}
	if s.hostDumps != 1 {
		t.Errorf("%d dumps of the host's sockets for one file refused 3 times", s.hostDumps)
	}
}

// pyFdPast32 listens on argv[1] and connects to it through
// /proc/self/fd/N/name with N a descriptor of its directory plus 2^32,
// which pidfd_getfd would take as N itself.
const pyFdPast32 = `import os, socket, sys
path = sys.argv[1]
l = socket.socket(socket.AF_UNIX); l.bind(path); l.listen(8)
d = os.open(os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY)
try:
    socket.socket(socket.AF_UNIX).connect("/proc/self/fd/%d/%s" % (d + (1 << 32), os.path.basename(path)))
    print("connected")
except OSError as e:
    print(e.strerror)`

// TestNamespaceUnixProcSelfFdPast32: a descriptor number past 32 bits in
// /proc/self/fd/N names no descriptor, in the sandbox as without it.
func TestNamespaceUnixProcSelfFdPast32(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		py := needPython(t)
		if r := runPlain(t, u, py, "-c", pyFdPast32, filepath.Join(u.dir(t), "s.sock")); r.stdout != "No such file or directory\n" {
			t.Fatalf("control: %v", r)
		}
		ws := u.dir(t)
		if r := runSandbox(t, u, "-w", ws, "--", py, "-c", pyFdPast32, filepath.Join(ws, "s.sock")); r.stdout != "No such file or directory\n" {
			t.Errorf("/proc/self/fd/N past 32 bits: %v", r)
		}
	})
}
