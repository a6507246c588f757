package main

// The namespace engine's flavour of the filter (seccompOptions.loopbackOnly).
//
// With the network off, the namespace engine gives the command a network
// namespace of its own whose only interface is a loopback. IP sockets can
// then reach nothing but other processes of the same sandbox, so the
// filter lets them be created, bound, listened on, connected and
// accepted, and lets datagrams carry a destination: test suites that
// start a server on 127.0.0.1 or ::1 and talk to it work.
//
// UNIX sockets are another matter. A pathname socket is reached through
// the filesystem, and the sandbox's filesystem is the host's, read-only:
// connect(2) needs only write permission on the socket inode, which a
// read-only mount does not take away, so docker.sock, the ssh agent, the
// D-Bus session bus, tmux's server (/tmp/tmux-UID) and X11 (/tmp/.X11-unix)
// would all be one connect away (Landlock checks that connect only from
// ABI 9, LANDLOCK_ACCESS_FS_RESOLVE_UNIX). So:
//
//   - socket(2) creates IP sockets, and AF_UNIX sockets of the
//     connection-oriented kinds only (SOCK_STREAM, SOCK_SEQPACKET, any
//     SOCK_CLOEXEC/SOCK_NONBLOCK). An AF_UNIX datagram socket stays
//     refused, by socket(2) and by socketpair(2): an unbound one can
//     sendto(2) or sendmsg(2) any pathname datagram socket (/dev/log, the
//     journal, /run/systemd/notify), and sendmsg's address sits behind a
//     pointer the filter cannot read. Stream and seqpacket sockets cannot
//     address anything on send: unix_stream_sendmsg fails a message with an
//     address (EISCONN or EOPNOTSUPP), and unix_seqpacket_sendmsg drops the
//     address and sends to the connected peer only (net/unix/af_unix.c).
//   - bind, listen, accept and accept4 are allowed unsupervised: where a
//     pathname socket can be bound is decided by Landlock's MAKE_SOCK right
//     and the read-only view (only the writable trees), and abstract names
//     live in the private network namespace, which only the sandbox has.
//   - connect(2) is the only way left to reach a listener, and it goes to
//     the supervisor (SECCOMP_RET_USER_NOTIF), which performs it itself on
//     a copy of the socket and of the address; see unixnotify_linux.go for
//     the rule (only sockets bound inside this sandbox). The filter cannot
//     tell an AF_UNIX descriptor from an IP one at connect time, so every
//     connect takes that route; IP ones are connected as asked.
//
// Every other family (netlink, packet, vsock, which reaches the hypervisor
// host) stays refused. Abstract UNIX names are per network namespace: those
// a command can reach are the sandbox's own.

// Socket domains (same on amd64 and arm64).
const (
	afInet  = 2
	afInet6 = 10
)

// userNotif, as a rule's errno, makes the filter return
// SECCOMP_RET_USER_NOTIF instead of an error: the supervisor answers
// (seccomp_unotify(2)). It lies above every errno (MAX_ERRNO is 4095).
const (
	userNotif    = 1 << 16
	retUserNotif = 0x7fc00000
)

// verdictFor is the return value of the filter for a rule's errno.
func verdictFor(errno uint32) uint32 {
	if errno == userNotif {
		return retUserNotif
	}
	return retErrno | errno
}

// loopbackReplaces reports whether a noNetwork rule of seccompTable is
// replaced by loopbackRules or dropped when the command has only a
// private loopback.
func loopbackReplaces(name string) bool {
	switch name {
	case "socket", "connect", "bind", "listen", "accept", "accept4", "sendto", "sendmmsg", "recvmmsg":
		return true
	}
	return false
}

// loopbackRules are added instead.
var loopbackRules = [...]sysRule{
	{"socket", unlessInetOrUnixConn, errnoEPERM, "private loopback: IP sockets; AF_UNIX stream/seqpacket only (a datagram one could send to any pathname socket outside)"},
	{"connect", always, userNotif, "performed by the supervisor: only sockets bound inside this sandbox, loopback"},
}
