//go:build linux

package main

// The route type of an address, asked of the kernel over rtnetlink as
// `ip route get` does: the one answer that says whether a connection to
// an address stays on this machine. A local route (type RTN_LOCAL, in the
// "local" table) delivers to this machine whatever its preferred source
// address is (`ip route add local 46.1.2.0/24 dev lo src 192.0.2.2 table
// local` makes a whole range ours without any of it being the source of
// its own route), so comparing a UDP socket's source address with the
// destination (hostAddr) is not enough on its own.
// rtnetlink(7): https://man7.org/linux/man-pages/man7/rtnetlink.7.html

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// routeQuerySeq is the sequence number of every query: each query has a
// socket of its own, so the number only tells the answer from anything
// else that could arrive on it.
const routeQuerySeq = 1

// routeGetRequest is an RTM_GETROUTE request for the route to a: a
// struct nlmsghdr, a struct rtmsg (family, full-length destination, no
// flags: the route a packet would take, not the FIB entry) and one
// RTA_DST attribute holding the address.
func routeGetRequest(a ipAddr) []byte {
	family, dst := byte(unix.AF_INET6), a.As16()
	addr := dst[:]
	if a.Is4() {
		family, addr = unix.AF_INET, dst[12:]
	}
	attrLen := unix.SizeofRtAttr + len(addr) // 4 or 16 bytes: already aligned
	n := unix.SizeofNlMsghdr + unix.SizeofRtMsg + attrLen
	b := make([]byte, n)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], uint32(n))          // nlmsg_len
	ne.PutUint16(b[4:], unix.RTM_GETROUTE)  // nlmsg_type
	ne.PutUint16(b[6:], unix.NLM_F_REQUEST) // nlmsg_flags
	ne.PutUint32(b[8:], routeQuerySeq)      // nlmsg_seq
	r := b[unix.SizeofNlMsghdr:]            // struct rtmsg
	r[0] = family                           // rtm_family
	r[1] = byte(len(addr) * 8)              // rtm_dst_len
	at := r[unix.SizeofRtMsg:]              // struct rtattr
	ne.PutUint16(at[0:], uint16(attrLen))   // rta_len
	ne.PutUint16(at[2:], unix.RTA_DST)      // rta_type
	copy(at[unix.SizeofRtAttr:], addr)
	return b
}

// parseRouteReply finds the answer to routeGetRequest in b, one datagram
// from the kernel: the rtm_type of an RTM_NEWROUTE, or the error of an
// NLMSG_ERROR (a negative errno). Anything else, or nothing, is an error.
func parseRouteReply(b []byte) (uint8, error) {
	ne := binary.NativeEndian
	for len(b) >= unix.SizeofNlMsghdr {
		n := int(ne.Uint32(b[0:]))
		if n < unix.SizeofNlMsghdr || n > len(b) {
			return 0, fmt.Errorf("malformed netlink message (length %d of %d)", n, len(b))
		}
		typ, seq, body := ne.Uint16(b[4:]), ne.Uint32(b[8:]), b[unix.SizeofNlMsghdr:n]
		if seq == routeQuerySeq {
			switch typ {
			case unix.NLMSG_ERROR:
				if len(body) < 4 {
					return 0, fmt.Errorf("short netlink error message")
				}
				if e := int32(ne.Uint32(body)); e != 0 {
					return 0, unix.Errno(-e)
				}
				return 0, fmt.Errorf("netlink acknowledged without a route")
			case unix.RTM_NEWROUTE:
				if len(body) < unix.SizeofRtMsg {
					return 0, fmt.Errorf("short route message")
				}
				return body[7], nil // rtm_type
			}
		}
		next := (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1)
		if next >= len(b) {
			break
		}
		b = b[next:]
	}
	return 0, fmt.Errorf("no route in the kernel's answer")
}

// routeType asks the kernel (in the supervisor's network namespace, the
// host's) for the type of the route to a. The kernel answers within the
// sendto call, so the read does not wait.
func routeType(a ipAddr) (uint8, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return 0, fmt.Errorf("netlink socket: %w", err)
	}
	defer unix.Close(fd)
	kernel := &unix.SockaddrNetlink{Family: unix.AF_NETLINK}
	if err := unix.Sendto(fd, routeGetRequest(a), 0, kernel); err != nil {
		return 0, fmt.Errorf("netlink route request: %w", err)
	}
	buf := make([]byte, 8192)
	for {
		n, from, err := unix.Recvfrom(fd, buf, unix.MSG_DONTWAIT)
		if err != nil {
			return 0, fmt.Errorf("netlink route answer: %w", err)
		}
		if sa, ok := from.(*unix.SockaddrNetlink); !ok || sa.Pid != 0 {
			continue // not from the kernel
		}
		return parseRouteReply(buf[:n])
	}
}

// localRoute reports whether the kernel's route to a keeps the packet on
// this machine or sends it to many: local (an address or a range of
// ours), broadcast, multicast or anycast. No route at all is not local
// (and a connection would fail anyway); any other failure is an error,
// for the caller to refuse.
func localRoute(a ipAddr) (bool, error) {
	t, err := routeType(a)
	switch {
	case err == unix.ENETUNREACH || err == unix.EHOSTUNREACH:
		return false, nil
	case a.Is6() && (errors.Is(err, unix.EAFNOSUPPORT) || errors.Is(err, unix.EOPNOTSUPP)) && !haveIPv6():
		return false, nil // ipv6.disable=1: no IPv6 address, nor connection
	case err != nil:
		return false, fmt.Errorf("route to %v: %w", a, err)
	}
	switch t {
	case unix.RTN_LOCAL, unix.RTN_BROADCAST, unix.RTN_MULTICAST, unix.RTN_ANYCAST:
		return true, nil
	}
	return false, nil
}

// haveIPv6 reports whether the kernel has IPv6 at all (booted without
// ipv6.disable=1): the rtnetlink family that answers IPv6 route requests
// is missing without it.
func haveIPv6() bool {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err == nil {
		unix.Close(fd)
	}
	return err != unix.EAFNOSUPPORT
}

// embeddedIPv4 is the IPv4 address an IPv6 form carries (NAT64
// 64:ff9b::/96, 6to4 2002::/16, IPv4-compatible ::/96), which a
// translator or relay on this machine would deliver to; ok is false for
// other addresses. IPv4-mapped ones are IPv4 already (ipAddr).
func embeddedIPv4(a ipAddr) (ipAddr, bool) {
	if !a.Is6() || a.IsLoopback() || a.IsUnspecified() {
		return ipAddr{}, false
	}
	b := a.As16()
	switch {
	case inPrefix(a, "64:ff9b::/96"), inPrefix(a, "::/96"):
		return addrFrom4([4]byte(b[12:])), true
	case inPrefix(a, "2002::/16"):
		return addrFrom4([4]byte(b[2:6])), true
	}
	return ipAddr{}, false
}

// thisMachine reports whether a connection to a ends on this machine: the
// route to a (or to the IPv4 address it embeds) is local, or, as a
// second belt, a is its own route's source address (hostAddr).
func thisMachine(a ipAddr) (bool, error) {
	addrs := []ipAddr{a}
	if v4, ok := embeddedIPv4(a); ok {
		addrs = append(addrs, v4)
	}
	for _, x := range addrs {
		if x.IsLoopback() || x.IsUnspecified() {
			return true, nil
		}
		for _, check := range []func(ipAddr) (bool, error){localRoute, hostAddr} {
			if local, err := check(x); err != nil || local {
				return local, err
			}
		}
	}
	return false, nil
}
