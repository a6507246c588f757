//go:build linux

package main

// Connects that block, performed by the connect supervisor
// (unixnotify_linux.go). A connect on a blocking socket waits in the
// supervisor, not in the command: an AF_UNIX stream or seqpacket connect
// for room in a full backlog (for as long as the listener lives), a TCP
// one for the handshake (on the sandbox's loopback, a full accept queue
// drops the SYN and the kernel retries for about two minutes). Left
// alone, a command could start such connects without end, each holding
// an OS thread and descriptors of the supervisor, kill their callers and
// start more, until the supervisor cannot make a thread (the Go runtime
// then aborts it) or open a descriptor. Two limits:
//
//   - At most maxBlockingConnects at once. Past it a connect on a
//     blocking socket fails at once with EAGAIN, what a non-blocking one
//     gets from a full backlog (connect(2): "insufficient entries in the
//     routing cache" for others); a well-behaved caller retries.
//   - An AF_UNIX stream or seqpacket connect waits in slices of
//     connectSlice: the supervisor sets SO_SNDTIMEO on the socket (the
//     kernel bounds a blocking unix_stream_connect by it, then answers
//     EAGAIN), and between slices checks that the notification is still
//     live; when the caller was killed or took a signal, it gives up, so
//     a dead caller's connect holds nothing after one slice. The caller's
//     own SO_SNDTIMEO is read first, honoured as the whole wait (EAGAIN at
//     its end, as the kernel would say), and put back afterwards. The
//     cost: while a caller's connect waits, SO_SNDTIMEO as another of its
//     threads would read it on that socket is the slice, and a value set
//     meanwhile is overwritten at the end.
//
// A non-blocking socket never waits and takes no slot. Signals do not
// interrupt the supervisor's thread usefully: the Go runtime installs its
// handlers with SA_RESTART, and a connect without a timeout is restarted
// (sock_intr_errno gives -ERESTARTSYS), so a timeout is the only way out
// of the kernel's wait that leaves the socket as it was.

import (
	"time"

	"golang.org/x/sys/unix"
)

// maxBlockingConnects bounds the connects on blocking sockets the
// supervisor performs at once.
const maxBlockingConnects = 64

// maxHandlers bounds the goroutines receiving or handling notifications
// at once (serve): the blocking connects, and as many again for the rest.
const maxHandlers = 2 * maxBlockingConnects

// connectSlice is how long a blocking AF_UNIX connect waits in the
// kernel before the supervisor checks its caller is still there.
const connectSlice = 100 * time.Millisecond

// connectAs performs connect(2) of socket sock to address sa for
// notification id, in the socket's own blocking mode, within the limits
// above; its errno.
func (s *connectSupervisor) connectAs(sock int, sa []byte, id uint64) unix.Errno {
	fl, err := unix.FcntlInt(uintptr(sock), unix.F_GETFL, 0)
	if err != nil {
		return errnoOf(err, unix.EBADF)
	}
	if fl&unix.O_NONBLOCK != 0 || s.slots == nil {
		return rawConnect(sock, sa)
	}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		return unix.EAGAIN
	}
	dom, err1 := unix.GetsockoptInt(sock, unix.SOL_SOCKET, unix.SO_DOMAIN)
	typ, err2 := unix.GetsockoptInt(sock, unix.SOL_SOCKET, unix.SO_TYPE)
	if err1 != nil || err2 != nil || dom != unix.AF_UNIX || (typ != unix.SOCK_STREAM && typ != unix.SOCK_SEQPACKET) {
		return rawConnect(sock, sa)
	}
	return s.connectInSlices(sock, sa, id)
}

// connectInSlices is a blocking AF_UNIX stream or seqpacket connect that
// gives up when notification id is no longer live.
func (s *connectSupervisor) connectInSlices(sock int, sa []byte, id uint64) unix.Errno {
	own, err := unix.GetsockoptTimeval(sock, unix.SOL_SOCKET, unix.SO_SNDTIMEO)
	if err != nil {
		return errnoOf(err, unix.EINVAL)
	}
	var deadline time.Time
	if d := time.Duration(unix.TimevalToNsec(*own)); d > 0 {
		deadline = time.Now().Add(d)
	}
	defer unix.SetsockoptTimeval(sock, unix.SOL_SOCKET, unix.SO_SNDTIMEO, own)
	for {
		slice := connectSlice
		if !deadline.IsZero() {
			left := time.Until(deadline)
			if left <= 0 {
				return unix.EAGAIN // the caller's own timeout
			}
			slice = min(slice, left)
		}
		tv := unix.NsecToTimeval(max(slice, time.Microsecond).Nanoseconds())
		if err := unix.SetsockoptTimeval(sock, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv); err != nil {
			return errnoOf(err, unix.EINVAL)
		}
		// EAGAIN: the slice ran out with the backlog still full; EINTR:
		// a signal to this thread (the runtime's), with a timeout set.
		if e := rawConnect(sock, sa); e != unix.EAGAIN && e != unix.EINTR {
			return e
		}
		if !s.valid(id) {
			return unix.EINTR // nobody reads the answer
		}
	}
}
