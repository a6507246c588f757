//go:build linux

package main

// TCP and UDP sockets for the proxy without package net: non-blocking
// descriptors wrapped in *os.File, which the runtime's poller serves
// (os.NewFile registers a non-blocking descriptor with it), so reads,
// writes and deadlines block a goroutine, not a thread. Package net would
// do the same job and costs about 600 KB of binary (its resolver most of
// it), paid by every start of every run as page faults: a 3% slower
// exec-only start and a 6% slower --version, measured. See socket(7),
// accept4(2), connect(2) ("EINPROGRESS"), tcp(7).

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// sockConn is a connected socket.
type sockConn struct {
	f  *os.File
	fd int
}

// newSockConn wraps a non-blocking socket descriptor.
func newSockConn(fd int) *sockConn {
	return &sockConn{f: os.NewFile(uintptr(fd), "socket"), fd: fd}
}

func (c *sockConn) Read(b []byte) (int, error)  { return c.f.Read(b) }
func (c *sockConn) Write(b []byte) (int, error) { return c.f.Write(b) }
func (c *sockConn) Close() error                { return c.f.Close() }

func (c *sockConn) setReadDeadline(t time.Time)  { c.f.SetReadDeadline(t) }
func (c *sockConn) setDeadline(t time.Time)      { c.f.SetDeadline(t) }
func (c *sockConn) setWriteDeadline(t time.Time) { c.f.SetWriteDeadline(t) }

// closeWrite sends FIN: the peer reads the end of the stream, and can
// still send. Through the File's descriptor so as not to race a Close.
func (c *sockConn) closeWrite() {
	if rc, err := c.f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { unix.Shutdown(int(fd), unix.SHUT_WR) })
	}
}

// sockListener accepts on a listening socket.
type sockListener struct{ f *os.File }

// newSockListener takes over a listening descriptor.
func newSockListener(fd int) (*sockListener, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("O_NONBLOCK: %w", err)
	}
	return &sockListener{f: os.NewFile(uintptr(fd), "listener")}, nil
}

// accept waits for a connection.
func (l *sockListener) accept() (*sockConn, error) {
	rc, err := l.f.SyscallConn()
	if err != nil {
		return nil, err
	}
	nfd := -1
	var aerr error
	err = rc.Read(func(fd uintptr) bool {
		nfd, _, aerr = unix.Accept4(int(fd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		return aerr != unix.EAGAIN
	})
	if err == nil {
		err = aerr
	}
	if err != nil {
		return nil, err
	}
	return newSockConn(nfd), nil
}

func (l *sockListener) close() { l.f.Close() }

// sockaddrOf is a's socket address and family.
func sockaddrOf(a addrPort) (unix.Sockaddr, int) {
	if a.Addr().Is4() {
		return &unix.SockaddrInet4{Addr: a.Addr().As4(), Port: int(a.Port())}, unix.AF_INET
	}
	return &unix.SockaddrInet6{Addr: a.Addr().As16(), Port: int(a.Port())}, unix.AF_INET6
}

// errTimeout is a connection attempt or exchange that ran out of time.
var errTimeout = errors.New("timed out")

// dialSock connects a socket of type typ (SOCK_STREAM, SOCK_DGRAM) to a,
// giving up at deadline.
func dialSock(typ int, a addrPort, deadline time.Time) (*sockConn, error) {
	sa, family := sockaddrOf(a)
	fd, err := unix.Socket(family, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	err = unix.Connect(fd, sa)
	for err == unix.EINTR {
		err = unix.Connect(fd, sa)
	}
	if err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		return nil, err
	}
	c := newSockConn(fd)
	if err == nil {
		return c, nil
	}
	// Writable once connected or failed; SO_ERROR says which.
	rc, err := c.f.SyscallConn()
	if err != nil {
		c.Close()
		return nil, err
	}
	c.f.SetWriteDeadline(deadline)
	// The first call comes right away: RawWrite first clears a readiness
	// the poller may have seen already (connected or refused between
	// connect and here), so the state is read, not assumed.
	var soErr error
	err = rc.Write(func(fd uintptr) bool {
		n, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		switch {
		case err != nil:
			soErr = err
		case n == int(unix.EINPROGRESS) || n == int(unix.EALREADY):
			return false
		case n != 0:
			soErr = unix.Errno(n)
		default:
			// No error: connected, or still connecting (then
			// getpeername says ENOTCONN, as package net checks).
			if _, err := unix.Getpeername(int(fd)); err == unix.ENOTCONN {
				return false
			}
		}
		return true
	})
	c.f.SetWriteDeadline(time.Time{})
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		err = errTimeout
	case err == nil:
		err = soErr
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// hostAddr reports whether a is an address of this machine (any of its
// interfaces, in the supervisor's, the host's, network namespace): a
// connection to it reaches the user's own services, whatever range it is
// in. The kernel says so without sending anything: a UDP socket connected
// to a takes the source address of the route to a, and only a local route
// (type RTN_LOCAL, the "local" table) gives a as its own source (route
// selection, ip-route(8); for IPv6, RFC 6724 rule 1, prefer the same
// address). Unlike bind(2), this does not answer yes to every address
// where net.ipv4.ip_nonlocal_bind is set. A local route with another
// preferred source (`ip route add local ... src ...`) escapes it: the
// route type (localRoute, thisMachine) is the main check, this a second
// belt. An error other than "no route" is returned: the caller refuses
// rather than guess.
func hostAddr(a ipAddr) (bool, error) {
	sa, family := sockaddrOf(addrPortFrom(a, 9))
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		if err == unix.EAFNOSUPPORT {
			return false, nil // no IPv6 at all: no IPv6 address of ours
		}
		return false, fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, sa); err != nil {
		if err == unix.ENETUNREACH || err == unix.EHOSTUNREACH || err == unix.EADDRNOTAVAIL || err == unix.EINVAL {
			return false, nil // no route: not ours, and unreachable anyway
		}
		return false, fmt.Errorf("route to %v: %w", a, err)
	}
	got, err := unix.Getsockname(fd)
	if err != nil {
		return false, fmt.Errorf("getsockname: %w", err)
	}
	src, ok := sockaddrAddr(got)
	return ok && src == a, nil
}

// sockaddrAddr is an AF_INET or AF_INET6 socket address's IP address.
func sockaddrAddr(sa unix.Sockaddr) (ipAddr, bool) {
	switch s := sa.(type) {
	case *unix.SockaddrInet4:
		return addrFrom4(s.Addr), true
	case *unix.SockaddrInet6:
		return addrFrom16(s.Addr), true
	}
	return ipAddr{}, false
}

// connectedToSelf reports whether c went to this machine: its two ends
// have the same IP address, or the route to its peer is local (checked
// after connecting as well as before, should an address or a route have
// been added in between). When that cannot be told, it says yes: the
// caller refuses. A connection that is not IP (the tests' socket pairs)
// is not to an address at all.
func (c *sockConn) connectedToSelf() bool {
	self, ip, peer := true, false, ipAddr{}
	if rc, err := c.f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) {
			l, err1 := unix.Getsockname(int(fd))
			p, err2 := unix.Getpeername(int(fd))
			if err1 == nil && err2 == nil {
				la, ok1 := sockaddrAddr(l)
				pa, ok2 := sockaddrAddr(p)
				ip = ok1 && ok2
				self, peer = ip && la == pa, pa
			}
		})
	}
	if self || !ip {
		return self
	}
	local, err := localRoute(peer)
	return local || err != nil
}
