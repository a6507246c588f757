//go:build linux

package main

// The supervisor's half of connect(2) in the namespace engine (network
// off): the filter returns SECCOMP_RET_USER_NOTIF for every connect (see
// seccomp_loopback.go), and the supervisor performs the connect itself.
//
// The rule: a command reaches the sockets of its own sandbox and nothing
// else.
//   - IP addresses: connected as given. The socket lives in the sandbox's
//     network namespace, whose only interface is a private loopback.
//   - Abstract AF_UNIX names: connected as given. The kernel looks them up
//     in the socket's network namespace, the sandbox's private one, so only
//     names bound inside can be found. (Landlock's ABI 6 abstract-socket
//     scope, set on the command, does not apply to the supervisor's connect
//     and is not needed for it.)
//   - Pathname AF_UNIX sockets: resolved in the sandbox's view and
//     connected only when the socket file belongs to a socket listening in
//     the sandbox's network namespace, that is one the sandbox itself bound.
//     "Inside a writable tree" would not do: Codex makes /tmp writable, and
//     /tmp holds tmux's server socket (send-keys types into the user's
//     shell) and X11's (keystrokes into any window). A socket file does not
//     say who bound it; the kernel's sock_diag does: a NETLINK_SOCK_DIAG
//     socket created in the sandbox's network namespace (by the inner stage,
//     before it confines itself) lists, with UDIAG_SHOW_VFS, the device and
//     inode of the file each listening AF_UNIX socket of that namespace is
//     bound to, and only those (sock_diag(7), net/unix/diag.c). The inode a
//     host process bound is never among them, wherever it lies.
//
// Why the supervisor connects instead of answering "continue": with
// SECCOMP_USER_NOTIF_FLAG_CONTINUE the kernel would run the command's own
// connect afterwards, reading the address again from the command's memory
// and the socket again from its descriptor table, and a second thread can
// rewrite the one or dup2 another socket onto the other between the check
// and that use (seccomp_unotify(2), "Caveats"). Here the supervisor takes
// its own reference to the socket (pidfd_getfd(2)), its own copy of the
// address (process_vm_readv(2)), checks the notification is still live
// (SECCOMP_IOCTL_NOTIF_ID_VALID: the thread ID still names the thread that
// made the call, so what was read was its), opens the very inode it checked
// (openat2(2) with RESOLVE_IN_ROOT under /proc/TID/root, so symlinks
// resolve inside the sandbox's root) and connects to that inode through
// "/proc/self/fd/N" of its O_PATH descriptor, which the kernel's lookup
// follows to the same inode (a magic link). Nothing the command does after
// the check changes what is connected to.
//
// Semantics match a plain connect: the reply is connect's own result on
// the same open file description, so a non-blocking socket gets
// EINPROGRESS (TCP) or EAGAIN (a full AF_UNIX backlog) as it would. A
// blocking connect blocks the supervisor's handler for that call (each
// notification has a goroutine of its own, so others proceed), within
// the limits of connectblock_linux.go: at most maxBlockingConnects at
// once (past it EAGAIN at once), and an AF_UNIX one gives up within
// connectSlice of its caller's death or signal.
//
// What differs from a plain connect: the connection is made by the
// supervisor, so the credentials the server sees (SO_PEERCRED,
// SCM_CREDENTIALS with SO_PASSCRED) are the supervisor's: the same user
// and group, mapped alike in the sandbox's user namespace, but pid 0 (the
// supervisor is outside the sandbox's PID namespace). A pathname the
// sandbox did not bind gets ECONNREFUSED (nothing listening there that
// the sandbox may reach),
// or EACCES when a socket outside the sandbox listens on it; paths
// through the caller's /proc/self, /proc/thread-self and /dev/fd are
// mapped as procself_linux.go says, and one through another magic link
// (/proc/self/exe) gets ELOOP; and write permission
// on the socket file is checked with the supervisor's credentials (the
// caller's user, the command's too; as root, root's), on a socket the
// sandbox bound itself. Inode numbers: sock_diag reports 32 bits of them;
// see sockfile_linux.go for larger ones.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// struct seccomp_data, struct seccomp_notif and struct seccomp_notif_resp
// (include/uapi/linux/seccomp.h), 64, 80 and 24 bytes, no padding:
//
//	struct seccomp_notif {
//		__u64 id;
//		__u32 pid;    /* the thread, in the receiver's PID namespace */
//		__u32 flags;
//		struct seccomp_data data;
//	};
//	struct seccomp_notif_resp {
//		__u64 id;
//		__s64 val;
//		__s32 error;  /* 0 or a negative errno */
//		__u32 flags;  /* SECCOMP_USER_NOTIF_FLAG_CONTINUE: never set here */
//	};
type seccompData struct {
	Nr   int32
	Arch uint32
	IP   uint64
	Args [6]uint64
}

type seccompNotif struct {
	ID    uint64
	Pid   uint32
	Flags uint32
	Data  seccompData
}

type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// sockaddrUnLen is sizeof(struct sockaddr_un): sun_family and 108 bytes.
const sockaddrUnLen = 110

// sockaddrStorage is sizeof(struct sockaddr_storage): the longest address
// connect(2) accepts (move_addr_to_kernel refuses more with EINVAL).
const sockaddrStorage = 128

// ---------------------------------------------------------------------
// The inner stage's side.

// supervisesConnect reports whether the plan's filter sends connect(2)
// to the supervisor: the namespace flavour with the network off.
func (pl *linuxPlan) supervisesConnect(k kernelFeatures) bool {
	return pl.restrict && k.seccomp && pl.seccomp.loopbackOnly && !pl.seccomp.network
}

// handOverConnect gives the supervisor the filter's listener and the
// sock_diag socket: it names them on the status pipe ("unotify N D"), the
// supervisor takes its own copies with pidfd_getfd(2) and answers with a
// zero byte on the ctl pipe; then both are closed here, so that nothing in
// the sandbox holds them (they are close-on-exec as well). The command
// starts only after that: no connect of its can meet a listener nobody
// reads.
func handOverConnect(notify, diag int) error {
	defer unix.Close(notify)
	defer unix.Close(diag)
	if err := writeAll(innerStatusFD, []byte(fmt.Sprintf("unotify %d %d\n", notify, diag))); err != nil {
		return fmt.Errorf("handing the connect listener to the supervisor: %w", err)
	}
	var b [1]byte
	for {
		n, err := unix.Read(innerCtlFD, b[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || n != 1 || b[0] != 0 {
			return fmt.Errorf("the supervisor did not take the connect listener (%d bytes, %v)", n, err)
		}
		return nil
	}
}

// ---------------------------------------------------------------------
// The supervisor's side.

// connectSupervisor answers the sandbox's connect(2) calls.
type connectSupervisor struct {
	inner    int // the inner stage's pid, killed if the listener fails
	notify   int // the filter's listener
	diag     int // NETLINK_SOCK_DIAG in the sandbox's network namespace
	hostDiag int // the same in the supervisor's, to tell "refused" from "outside"; -1: not yet (hostDiagFD)
	netns    unix.Stat_t
	// netnsCookie is the sandbox's network namespace's SO_NETNS_COOKIE;
	// 0 on kernels without it (then netns, by SIOCGSKNS, decides).
	netnsCookie uint64
	// pidns is the sandbox's PID namespace (/proc/PID/ns/pid of the
	// inner stage), taken while the inner stage waits for the hand-over:
	// later it is not dumpable, and a caller other than root may not look.
	pidns unix.Stat_t
	// root is the sandbox's root directory (/proc/PID/root of the inner
	// stage), where absolute socket paths are resolved: every process of
	// the sandbox has it, as none can chroot (no CAP_SYS_CHROOT).
	root int
	// slots holds one token per connect on a blocking socket under way
	// (connectAs), handlers one per goroutine receiving or handling a
	// notification (serve); nil: unbounded (tests of the other parts).
	slots, handlers chan struct{}
	diagMu          sync.Mutex // one dump at a time on each diag socket
	seq             uint32

	// own are socket files found bound inside the sandbox, each held
	// open (O_PATH) so that its inode, and with it its number, cannot be
	// freed and given to a file made later: a file with the same device
	// and inode number is then that very file. A socket file is bound
	// once and for good (bind(2) makes a new inode), so the verdict
	// holds; when its socket closes, connect finds nothing listening and
	// says so itself. Connects to the same socket over and over (a
	// forkserver, a test client) skip the sock_diag dump.
	ownMu sync.Mutex
	own   []ownSocket

	// refused: each refused socket file's errno (refusal), under ownMu;
	// hostDumps counts the dumps of the host's table it made.
	refused   map[[2]uint64]unix.Errno
	hostDumps int
}

type ownSocket struct {
	fd       int
	dev, ino uint64
}

// ownSockets is how many socket files the supervisor keeps open.
const ownSockets = 64

func (s *connectSupervisor) known(st *unix.Stat_t) bool {
	s.ownMu.Lock()
	defer s.ownMu.Unlock()
	for _, o := range s.own {
		if o.dev == st.Dev && o.ino == st.Ino {
			return true
		}
	}
	return false
}

// remember keeps a copy of fd, the O_PATH descriptor of a socket file
// found bound inside; the oldest goes when there are ownSockets.
func (s *connectSupervisor) remember(fd int, st *unix.Stat_t) {
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return
	}
	s.ownMu.Lock()
	defer s.ownMu.Unlock()
	if len(s.own) == ownSockets {
		unix.Close(s.own[0].fd)
		s.own = append(s.own[:0], s.own[1:]...)
	}
	s.own = append(s.own, ownSocket{fd: dup, dev: st.Dev, ino: st.Ino})
}

// takeConnectSupervision reads the inner stage's "unotify" line and takes
// copies of the two descriptors it names. A "status" line instead means
// the inner stage failed to confine itself; it is returned as line, for
// the caller to end as the command would have.
func (in *inner) takeConnectSupervision() (s *connectSupervisor, line string, err error) {
	line, err = readLine(in.status)
	if err != nil {
		return nil, line, fmt.Errorf("waiting for the connect listener: %w", err)
	}
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "unotify" {
		if strings.HasPrefix(line, "status ") {
			return nil, line, nil
		}
		return nil, line, fmt.Errorf("waiting for the connect listener: unexpected %q", line)
	}
	n, err1 := strconv.Atoi(f[1])
	d, err2 := strconv.Atoi(f[2])
	if err := errors.Join(err1, err2); err != nil {
		return nil, line, fmt.Errorf("connect listener: %w", err)
	}
	pidfd, err := unix.PidfdOpen(in.pid, 0)
	if err != nil {
		return nil, line, fmt.Errorf("pidfd_open(namespace stage %d): %w", in.pid, err)
	}
	defer unix.Close(pidfd)
	notify, err := unix.PidfdGetfd(pidfd, n, 0)
	if err != nil {
		return nil, line, fmt.Errorf("pidfd_getfd(seccomp listener): %w", err)
	}
	diag, err := unix.PidfdGetfd(pidfd, d, 0)
	if err != nil {
		unix.Close(notify)
		return nil, line, fmt.Errorf("pidfd_getfd(sock_diag socket): %w", err)
	}
	if s, err = newConnectSupervisor(in.pid, notify, diag); err != nil {
		return nil, line, err
	}
	if err := writeAll(in.ctl, []byte{0}); err != nil {
		s.close()
		return nil, line, fmt.Errorf("namespace stage: %w", err)
	}
	return s, line, nil
}

// newConnectSupervisor supervises the connects of the sandbox whose
// inner stage (PID 1) is pid, with the filter's listener and the sock_diag
// socket of its network namespace, which it owns from here on (closed on
// failure too). PID 1 must be dumpable still (see sandboxView).
func newConnectSupervisor(pid, notify, diag int) (*connectSupervisor, error) {
	v, err := openSandboxView(pid)
	if err != nil {
		unix.Close(notify)
		unix.Close(diag)
		return nil, err
	}
	return v.supervisor(pid, notify, diag)
}

// sandboxView is what the connect supervision resolves paths and checks
// peers in: the sandbox's root directory and PID namespace, as seen
// through PID 1's /proc files, which only a dumpable PID 1 lets this
// process open (see proc(5), ptrace(2)'s access mode checks).
type sandboxView struct {
	root  int // /proc/PID/root, O_PATH
	pidns unix.Stat_t
}

// openSandboxView opens pid's view. The root is the mount the sandbox's
// mount namespace has at / from the start: the mounts the inner stage
// makes go beneath it, and paths resolved from it see them.
func openSandboxView(pid int) (sandboxView, error) {
	v := sandboxView{root: -1}
	if err := unix.Stat("/proc/"+strconv.Itoa(pid)+"/ns/pid", &v.pidns); err != nil {
		return v, fmt.Errorf("the sandbox's PID namespace: %w", err)
	}
	var err error
	if v.root, err = unix.Open("/proc/"+strconv.Itoa(pid)+"/root", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
		return v, fmt.Errorf("the sandbox's root: %w", err)
	}
	return v, nil
}

// supervisor is newConnectSupervisor with the view open already; it owns
// v's root, notify and diag from here on.
func (v sandboxView) supervisor(pid, notify, diag int) (*connectSupervisor, error) {
	s := &connectSupervisor{inner: pid, notify: notify, diag: diag, hostDiag: -1, root: v.root, pidns: v.pidns,
		slots: make(chan struct{}, maxBlockingConnects), handlers: make(chan struct{}, maxHandlers)}
	if c, err := getsockoptUint64(s.diag, unix.SOL_SOCKET, soNetnsCookie); err == nil {
		s.netnsCookie = c
	} else if err := s.netnsOf(s.diag, &s.netns); err != nil {
		s.close()
		return nil, fmt.Errorf("the sandbox's network namespace: %w", err)
	}
	return s, nil
}

func (s *connectSupervisor) close() {
	for _, fd := range []int{s.notify, s.diag, s.hostDiag, s.root} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

// soNetnsCookie is SO_NETNS_COOKIE (Linux 5.14): the cookie of a
// socket's network namespace, one getsockopt instead of SIOCGSKNS's new
// descriptor, fstat and close.
const soNetnsCookie = 71

// inSandboxNetns reports whether socket fd belongs to the sandbox's
// network namespace.
func (s *connectSupervisor) inSandboxNetns(fd int) bool {
	if s.netnsCookie != 0 {
		c, err := getsockoptUint64(fd, unix.SOL_SOCKET, soNetnsCookie)
		return err == nil && c == s.netnsCookie
	}
	var ns unix.Stat_t
	return s.netnsOf(fd, &ns) == nil && ns.Dev == s.netns.Dev && ns.Ino == s.netns.Ino
}

func getsockoptUint64(fd, level, opt int) (uint64, error) {
	var v uint64
	l := uint32(unsafe.Sizeof(v))
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt), uintptr(unsafe.Pointer(&v)), uintptr(unsafe.Pointer(&l)), 0)
	if e != 0 {
		return 0, e
	}
	return v, nil
}

// netnsOf fills st with the identity of socket fd's network namespace
// (SIOCGSKNS gives a descriptor of it; see netdevice(7)... and sock_ioctl).
func (s *connectSupervisor) netnsOf(fd int, st *unix.Stat_t) error {
	ns, err := unix.IoctlRetInt(fd, unix.SIOCGSKNS)
	if err != nil {
		return fmt.Errorf("ioctl(SIOCGSKNS): %w", err)
	}
	defer unix.Close(ns)
	if err := unix.Fstat(ns, st); err != nil {
		return fmt.Errorf("fstat(network namespace): %w", err)
	}
	return nil
}

// serve receives notifications until the listener goes away. Each is
// handled by the goroutine that received it, after it started the next
// receiver: a connect that blocks holds up only itself, and one that does
// not costs no hand-over between goroutines (the supervisor runs with one
// P, see engageNamespace). At most maxHandlers goroutines receive or
// handle at once (a token each from s.handlers): every one may hold an OS
// thread in a syscall, and a command with thousands of threads in connect
// must not make the supervisor start as many (the Go runtime aborts when
// it cannot make a thread). Past that, notifications wait in the kernel.
func (s *connectSupervisor) serve() {
	if s.handlers != nil {
		s.handlers <- struct{}{}
		defer func() { <-s.handlers }()
	}
	for {
		// Wait for a notification first: once no process uses the
		// filter any more (the sandbox ended), the listener polls as
		// POLLHUP and SECCOMP_IOCTL_NOTIF_RECV fails at once with
		// ENOENT, again and again, a busy loop that held this
		// process's one P until the runtime's monitor preempted it.
		pfd := []unix.PollFd{{Fd: int32(s.notify), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd, -1); err == unix.EINTR {
			continue
		} else if err == nil && pfd[0].Revents&unix.POLLIN == 0 {
			return
		}
		var n seccompNotif // must be zero for SECCOMP_IOCTL_NOTIF_RECV
		_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(s.notify), uintptr(unix.SECCOMP_IOCTL_NOTIF_RECV), uintptr(unsafe.Pointer(&n)))
		switch e {
		case 0:
		case unix.EINTR, unix.ENOENT: // interrupted; the target died before we read it
			continue
		default:
			// Nobody would answer the sandbox's connects, which would
			// wait for ever: end it rather than leave it hanging.
			errorf("seccomp listener: SECCOMP_IOCTL_NOTIF_RECV: %v; ending the sandbox", e)
			unix.Kill(s.inner, unix.SIGKILL)
			return
		}
		go s.serve()
		s.reply(n.ID, s.connect(&n))
		return
	}
}

// reply answers notification id with connect's result. ENOENT: the
// target was interrupted or died meanwhile, and no answer is wanted.
func (s *connectSupervisor) reply(id uint64, errno unix.Errno) {
	resp := seccompNotifResp{ID: id, Error: -int32(errno)}
	unix.Syscall(unix.SYS_IOCTL, uintptr(s.notify), uintptr(unix.SECCOMP_IOCTL_NOTIF_SEND), uintptr(unsafe.Pointer(&resp)))
}

// valid reports whether notification id is still pending: its thread has
// neither returned nor died, so its thread ID still names it.
func (s *connectSupervisor) valid(id uint64) bool {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(s.notify), uintptr(unix.SECCOMP_IOCTL_NOTIF_ID_VALID), uintptr(unsafe.Pointer(&id)))
	return e == 0
}

// connect performs the connect(2) of notification n and returns its
// errno (0: connected). The order of the checks is the kernel's
// (__sys_connect): the descriptor, the address, the socket, the protocol.
func (s *connectSupervisor) connect(n *seccompNotif) unix.Errno {
	tid := int(n.Pid)
	// connect's arguments are int fd, a pointer, int addrlen: the low
	// words of the ints are what the kernel reads.
	fd, addr, addrLen := int32(n.Data.Args[0]), uintptr(n.Data.Args[1]), int32(n.Data.Args[2])
	pidfd, err := threadPidfd(tid)
	if err != nil {
		return unix.EINTR // the thread is gone: nobody reads the answer
	}
	sock, err := unix.PidfdGetfd(pidfd, int(fd), 0)
	unix.Close(pidfd) // not needed while the connect may block
	if err != nil {
		return errnoOf(err, unix.EBADF)
	}
	defer unix.Close(sock)
	if addrLen < 0 || addrLen > sockaddrStorage {
		return unix.EINVAL
	}
	var buf [sockaddrStorage]byte
	if addrLen > 0 {
		local := []unix.Iovec{{Base: &buf[0], Len: uint64(addrLen)}}
		remote := []unix.RemoteIovec{{Base: addr, Len: int(addrLen)}}
		if got, err := unix.ProcessVMReadv(tid, local, remote, 0); err != nil || got != int(addrLen) {
			return unix.EFAULT
		}
	}
	sa := buf[:addrLen]
	var st unix.Stat_t
	if err := unix.Fstat(sock, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return unix.ENOTSOCK
	}
	if !s.inSandboxNetns(sock) {
		// A socket of another network namespace (one the command
		// inherited): it would reach that namespace's network.
		return unix.EACCES
	}
	if len(sa) <= 2 || binary.NativeEndian.Uint16(sa) != unix.AF_UNIX || sa[2] == 0 {
		// IP, abstract AF_UNIX, or an address the kernel refuses by
		// itself: all within the sandbox's network namespace.
		if !s.valid(n.ID) {
			return unix.EINTR
		}
		return s.connectAs(sock, sa, n.ID)
	}
	if len(sa) > sockaddrUnLen {
		return unix.EINVAL // unix_validate_addr: longer than struct sockaddr_un
	}
	path := string(sa[2:])
	if i := strings.IndexByte(path, 0); i >= 0 {
		path = path[:i]
	}
	target, errno := s.resolveSocketPath(tid, path)
	if errno != 0 {
		return errno
	}
	defer unix.Close(target)
	if err := unix.Fstat(target, &st); err != nil {
		return unix.ECONNREFUSED
	}
	if st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return unix.ECONNREFUSED // what connect says of a file that is no socket
	}
	// The notification still live means the thread ID read and resolved
	// in was the caller's all along.
	if !s.valid(n.ID) {
		return unix.EINTR
	}
	if !s.known(&st) {
		if ok, err := s.listening(s.diag, socketFileMatch(&st, target)); (err != nil || !ok) && !s.boundExactly(&st) {
			return s.refusal(&st, s.socketFileLike(&st, target))
		}
		s.remember(target, &st)
	}
	var self [2 + 32]byte
	binary.NativeEndian.PutUint16(self[:], unix.AF_UNIX)
	n2 := copy(self[2:], "/proc/self/fd/"+strconv.Itoa(target))
	return s.connectAs(sock, self[:2+n2+1], n.ID)
}

// threadPidfd is a pidfd for thread tid: of the thread itself where the
// kernel has PIDFD_THREAD (6.9), so pidfd_getfd reads that thread's
// descriptor table (a thread may have unshared it); else of its process.
func threadPidfd(tid int) (int, error) {
	fd, err := unix.PidfdOpen(tid, unix.PIDFD_THREAD)
	if err == nil || !errors.Is(err, unix.EINVAL) {
		return fd, err
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return -1, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Tgid:"); ok {
			tgid, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return -1, err
			}
			return unix.PidfdOpen(tgid, 0)
		}
	}
	return -1, errors.New("no Tgid")
}

// rawConnect is connect(2) on fd with the address bytes sa, in the file's
// own blocking mode; its errno.
func rawConnect(fd int, sa []byte) unix.Errno {
	var p unsafe.Pointer
	if len(sa) > 0 {
		p = unsafe.Pointer(&sa[0])
	}
	_, _, e := unix.Syscall(unix.SYS_CONNECT, uintptr(fd), uintptr(p), uintptr(len(sa)))
	runtime.KeepAlive(sa)
	return e
}

func errnoOf(err error, dflt unix.Errno) unix.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return dflt
}

// resolveInSandbox opens path as thread tid would find it, with O_PATH:
// an absolute path under the sandbox's root, a relative one under tid's
// working directory, with openat2(2)'s RESOLVE_IN_ROOT so that ".." and
// absolute symlinks stay inside that root, and RESOLVE_NO_MAGICLINKS so
// that a /proc/self/... link cannot name a descriptor of the supervisor.
// A relative path is joined to the working directory's name in the
// sandbox's view (readlink /proc/TID/cwd: the sandbox's root is its mount
// namespace's root, so the name is the one the command sees); when that
// has no name (removed), it resolves beneath the working directory
// itself. A race with a rename there can only make it find another file
// of the sandbox's view, which the sock_diag check then judges like any
// other.
func resolveInSandbox(root, tid int, path string) (int, unix.Errno) {
	dir := root
	if !strings.HasPrefix(path, "/") {
		cwd := "/proc/" + strconv.Itoa(tid) + "/cwd"
		if name, err := os.Readlink(cwd); err == nil && strings.HasPrefix(name, "/") && !strings.HasSuffix(name, " (deleted)") {
			path = name + "/" + path
		} else {
			fd, err := unix.Open(cwd, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
			if err != nil {
				return -1, unix.EINTR // the thread is gone
			}
			defer unix.Close(fd)
			dir = fd
		}
	}
	fd, err := unix.Openat2(dir, path, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		return -1, errnoOf(err, unix.ENOENT)
	}
	return fd, 0
}

// superviseConnect takes the connect listener from the inner stage and
// starts serving it. Without it nothing may run: the inner stage is
// killed and this process ends with 125 (a connect would otherwise wait
// for an answer forever, and allowing it unchecked is what the listener
// exists to prevent). If the inner stage failed to confine itself, this
// process ends as it reported.
func (in *inner) superviseConnect(mp *mountPlan, sigs chan os.Signal) {
	s, line, err := in.takeConnectSupervision()
	if err == nil && s == nil { // "status N": the inner stage gave up
		ws, _ := reap(in.pid)
		if n, err := strconv.ParseUint(strings.TrimPrefix(line, "status "), 10, 32); err == nil {
			ws = unix.WaitStatus(n)
		}
		mp.cleanupHost()
		mirrorStatus(ws)
	}
	if err != nil {
		in.kill()
		mp.cleanupHost()
		stopSignals(sigs)
		errorf("%v", err)
		os.Exit(exitSetup)
	}
	go s.serve()
}

// landlockResolveUnix is LANDLOCK_ACCESS_FS_RESOLVE_UNIX (Landlock ABI 9,
// bit 16; not in x/sys yet): connect and sendmsg to pathname UNIX sockets
// become a filesystem right, allowed beneath a rule's path or to sockets
// created in the same domain. This build knows Landlock up to
// landlockMaxABI and does not use it; --print-policy says so.
const (
	landlockResolveUnix    = 1 << 16
	landlockResolveUnixABI = 9
)

// unixSocketsReport says, for --print-policy, what a command can reach
// of AF_UNIX sockets under pl, and what Landlock would add.
func unixSocketsReport(pl *linuxPlan, k kernelFeatures) string {
	landlock := fmt.Sprintf("Landlock ABI %d's LANDLOCK_ACCESS_FS_RESOLVE_UNIX (%#x) would let the kernel check pathname connects itself; this kernel has ABI %d", landlockResolveUnixABI, landlockResolveUnix, k.landlockABI)
	if k.landlockABI >= landlockResolveUnixABI {
		landlock = fmt.Sprintf("this kernel offers Landlock ABI %d's LANDLOCK_ACCESS_FS_RESOLVE_UNIX (%#x), which this build does not use yet (it knows ABI %d)", k.landlockABI, landlockResolveUnix, landlockMaxABI)
	}
	switch {
	case !pl.restrict || pl.seccomp.network:
		return "unrestricted: the network is on"
	case !k.seccomp:
		return "unrestricted: this kernel has no seccomp filter"
	case pl.supervisesConnect(k):
		return "the sandbox's own: AF_UNIX stream and seqpacket sockets (no datagram ones); bind, listen and accept where the filesystem rules allow; every connect(2) performed by the supervisor, pathname sockets only when a listener in this sandbox's network namespace is bound to that very file (sock_diag, or the listener's own bound file by SIOCUNIXFILE), abstract names in its private network namespace; " + landlock
	}
	return "socketpair(2) only (AF_UNIX stream and seqpacket); connect, bind, listen and accept refused; " + landlock
}
