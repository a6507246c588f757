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
// read-only mount does not take away, so docker.sock, the ssh agent and
// the D-Bus session bus would all be one connect away (Landlock checks
// that connect only from ABI 9). The filter cannot tell an AF_UNIX
// descriptor from an AF_INET one at connect or sendto time, so here
// socket(2) creates IP sockets only, and AF_UNIX sockets come only from
// socketpair(2), whose sockets are already connected to each other and
// can address nothing else (the exec-only engine's rule for socketpair,
// stream and seqpacket only, still applies). Every other family (netlink,
// packet, vsock, which reaches the hypervisor host) stays refused.
// Abstract UNIX names are per network namespace and there is no socket to
// name them with anyway.

// Socket domains (same on amd64 and arm64).
const (
	afInet  = 2
	afInet6 = 10
)

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
	{"socket", unlessInet, errnoEPERM, "private loopback only: IP sockets; AF_UNIX only by socketpair (pathname sockets outside stay unreachable)"},
}
