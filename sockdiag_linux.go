//go:build linux

package main

// The sock_diag half of the connect supervisor (unixnotify_linux.go):
// whether a socket file is bound by a socket listening in a given network
// namespace. A NETLINK_SOCK_DIAG socket answers for the network namespace
// it was created in, and a dump of its AF_UNIX sockets with
// UDIAG_SHOW_VFS names the device and inode of the file each one is bound
// to; see sock_diag(7), include/uapi/linux/unix_diag.h, net/unix/diag.c.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// openSockDiag opens the NETLINK_SOCK_DIAG socket that will answer for
// the network namespace of the calling thread (the sandbox's: the inner
// stage calls it before it confines itself, since the filter refuses
// netlink sockets afterwards).
func openSockDiag() (int, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return -1, fmt.Errorf("socket(AF_NETLINK, NETLINK_SOCK_DIAG): %w", err)
	}
	return fd, nil
}

// Netlink sock_diag for AF_UNIX (sock_diag(7), include/uapi/linux/unix_diag.h).
const (
	udiagShowName = 0x1 // UDIAG_SHOW_NAME
	udiagShowVFS  = 0x2 // UDIAG_SHOW_VFS
	unixDiagName  = 0   // UNIX_DIAG_NAME attribute: sun_path as bound
	unixDiagVFS   = 1   // UNIX_DIAG_VFS attribute
	tcpListen     = 10  // TCP_LISTEN: the state of a listening AF_UNIX socket
)

// unixDiagReq is struct unix_diag_req, 24 bytes:
//
//	__u8 sdiag_family; __u8 sdiag_protocol; __u16 pad;
//	__u32 udiag_states; __u32 udiag_ino; __u32 udiag_show;
//	__u32 udiag_cookie[2];
type unixDiagReq struct {
	Family   uint8
	Protocol uint8
	Pad      uint16
	States   uint32
	Ino      uint32
	Show     uint32
	Cookie   [2]uint32
}

// unixDiagMsgLen is sizeof(struct unix_diag_msg): family, type, state,
// pad (one byte each), __u32 udiag_ino, __u32 udiag_cookie[2]. The
// attributes follow it.
const unixDiagMsgLen = 16

// hostDiagFD is a sock_diag socket of the supervisor's own network
// namespace, opened at the first refusal (only the error it gets depends
// on it), or -1.
func (s *connectSupervisor) hostDiagFD() int {
	s.diagMu.Lock()
	defer s.diagMu.Unlock()
	if s.hostDiag < 0 {
		if fd, err := openSockDiag(); err == nil {
			s.hostDiag = fd
		}
	}
	return s.hostDiag
}

// refusal is the errno for a connect to the socket file st describes,
// which no socket of the sandbox's listens on: EACCES when one outside
// does (so the user learns it is there but out of reach), else
// ECONNREFUSED. The host's table is dumped once per file and the answer
// kept (at most refusalCache files, then all forgotten), so that a command
// connecting to an outside socket in a loop does not make the supervisor
// dump the host's sockets each time. Only the message depends on it: an
// answer gone stale (that socket closed since, or its inode number reused)
// refuses all the same.
func (s *connectSupervisor) refusal(st *unix.Stat_t, match func(*unixDiagEntry) bool) unix.Errno {
	key := [2]uint64{st.Dev, st.Ino}
	s.ownMu.Lock()
	errno, ok := s.refused[key]
	s.ownMu.Unlock()
	if ok {
		return errno
	}
	errno = unix.ECONNREFUSED
	if ok, err := s.listening(s.hostDiagFD(), match); err == nil && ok {
		errno = unix.EACCES
	}
	s.ownMu.Lock()
	defer s.ownMu.Unlock()
	s.hostDumps++
	if s.refused == nil || len(s.refused) >= refusalCache {
		s.refused = make(map[[2]uint64]unix.Errno)
	}
	s.refused[key] = errno
	return errno
}

// refusalCache is how many refusals' answers the supervisor keeps.
const refusalCache = 256

// listening reports whether a listening AF_UNIX socket of diag's network
// namespace is bound to the file st describes, as match judges each
// socket's entry (see socketFileMatch).
func (s *connectSupervisor) listening(diag int, match func(*unixDiagEntry) bool) (bool, error) {
	if diag < 0 {
		return false, errors.New("no sock_diag socket")
	}
	s.diagMu.Lock()
	defer s.diagMu.Unlock()
	s.seq++
	req := struct {
		hdr unix.NlMsghdr
		req unixDiagReq
	}{
		hdr: unix.NlMsghdr{Type: unix.SOCK_DIAG_BY_FAMILY, Flags: unix.NLM_F_REQUEST | unix.NLM_F_DUMP, Seq: s.seq},
		req: unixDiagReq{Family: unix.AF_UNIX, States: 1 << tcpListen, Show: udiagShowVFS | udiagShowName},
	}
	req.hdr.Len = uint32(unsafe.Sizeof(req))
	b := unsafe.Slice((*byte)(unsafe.Pointer(&req)), unsafe.Sizeof(req))
	if err := unix.Sendto(diag, b, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return false, fmt.Errorf("sock_diag: sendto: %w", err)
	}
	found := false
	buf := make([]byte, 32<<10)
	for {
		n, _, err := unix.Recvfrom(diag, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("sock_diag: recvfrom: %w", err)
		}
		// struct nlmsghdr (16 bytes: len, type, flags, seq, pid), its
		// payload, padded to 4 bytes; netlink(7).
		for b := buf[:n]; len(b) >= unix.NLMSG_HDRLEN; {
			l := int(binary.NativeEndian.Uint32(b))
			typ := binary.NativeEndian.Uint16(b[4:])
			seq := binary.NativeEndian.Uint32(b[8:])
			if l < unix.NLMSG_HDRLEN || l > len(b) {
				return false, errors.New("sock_diag: truncated message")
			}
			if seq == s.seq { // else the rest of an earlier, abandoned dump
				switch typ {
				case unix.NLMSG_DONE:
					return found, nil
				case unix.NLMSG_ERROR:
					return false, errors.New("sock_diag: the kernel refused the dump")
				case unix.SOCK_DIAG_BY_FAMILY:
					if e, ok := parseUnixDiag(b[unix.NLMSG_HDRLEN:l]); ok && !found && match(&e) {
						found = true
					}
				}
			}
			b = b[min((l+3)&^3, len(b)):]
		}
	}
}

// unixDiagEntry is what a dump says of one listening socket: the device
// (in the kernel's encoding, made user-space's here) and inode number (32
// bits) of the file it is bound to (UNIX_DIAG_VFS), and its bound name
// (UNIX_DIAG_NAME; "" for none, abstract names start with a NUL).
type unixDiagEntry struct {
	dev  uint64
	ino  uint32
	name string
	// sock is the socket's own inode number in sockfs (udiag_ino): what
	// /proc/PID/fd/N reads "socket:[sock]" for.
	sock uint32
}

// parseUnixDiag reads one unix_diag_msg; ok is false without a
// UNIX_DIAG_VFS attribute (no pathname socket).
func parseUnixDiag(msg []byte) (e unixDiagEntry, ok bool) {
	if len(msg) < unixDiagMsgLen {
		return e, false
	}
	e.sock = binary.NativeEndian.Uint32(msg[4:])
	attrs := msg[unixDiagMsgLen:]
	for len(attrs) >= 4 {
		l := int(binary.NativeEndian.Uint16(attrs))
		typ := binary.NativeEndian.Uint16(attrs[2:])
		if l < 4 || l > len(attrs) {
			return e, false
		}
		switch {
		case typ == unixDiagVFS && l >= 12:
			e.ino = binary.NativeEndian.Uint32(attrs[4:])
			kdev := binary.NativeEndian.Uint32(attrs[8:])
			e.dev = unix.Mkdev(kdev>>20, kdev&0xfffff)
			ok = true
		case typ == unixDiagName:
			e.name = string(attrs[4:l])
			if len(e.name) > 0 && e.name[0] != 0 {
				if i := strings.IndexByte(e.name, 0); i >= 0 {
					e.name = e.name[:i]
				}
			}
		}
		attrs = attrs[min((l+3)&^3, len(attrs)):]
	}
	return e, ok
}

// vfsMatches reports whether the UNIX_DIAG_VFS attribute of one
// unix_diag_msg names the file st describes by device and inode number
// alone: only when the number fits the 32 bits the kernel reports (a
// larger one could match another file in its low bits).
func vfsMatches(msg []byte, st *unix.Stat_t) bool {
	e, ok := parseUnixDiag(msg)
	return ok && e.dev == st.Dev && st.Ino <= math.MaxUint32 && e.ino == uint32(st.Ino)
}
