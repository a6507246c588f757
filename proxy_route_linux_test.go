//go:build linux

package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestRouteGetRequest: the request is what `ip route get ADDR` sends: a
// header, a struct rtmsg with the full destination length and one
// RTA_DST attribute, in the host's byte order.
func TestRouteGetRequest(t *testing.T) {
	ne := binary.NativeEndian
	for _, c := range []struct {
		addr   string
		family byte
		raw    []byte
	}{
		{"198.51.100.9", unix.AF_INET, []byte{198, 51, 100, 9}},
		{"2001:db8::7", unix.AF_INET6, []byte{0x20, 0x01, 0x0d, 0xb8, 14: 0, 15: 7}},
	} {
		b := routeGetRequest(mustParseAddr(c.addr))
		want := unix.SizeofNlMsghdr + unix.SizeofRtMsg + unix.SizeofRtAttr + len(c.raw)
		if len(b) != want || int(ne.Uint32(b)) != want {
			t.Fatalf("%s: %d bytes, nlmsg_len %d, want %d", c.addr, len(b), ne.Uint32(b), want)
		}
		if ne.Uint16(b[4:]) != unix.RTM_GETROUTE || ne.Uint16(b[6:]) != unix.NLM_F_REQUEST || ne.Uint32(b[8:]) != routeQuerySeq {
			t.Errorf("%s: header % x", c.addr, b[:unix.SizeofNlMsghdr])
		}
		r := b[unix.SizeofNlMsghdr:]
		if r[0] != c.family || int(r[1]) != len(c.raw)*8 || !bytes.Equal(r[2:unix.SizeofRtMsg], make([]byte, unix.SizeofRtMsg-2)) {
			t.Errorf("%s: rtmsg % x", c.addr, r[:unix.SizeofRtMsg])
		}
		at := r[unix.SizeofRtMsg:]
		if int(ne.Uint16(at)) != unix.SizeofRtAttr+len(c.raw) || ne.Uint16(at[2:]) != unix.RTA_DST || !bytes.Equal(at[unix.SizeofRtAttr:], c.raw) {
			t.Errorf("%s: attribute % x", c.addr, at)
		}
	}
}

// nlMessage is one netlink message of type typ and sequence number seq
// around body, padded to the netlink alignment.
func nlMessage(typ uint16, seq uint32, body []byte) []byte {
	n := unix.SizeofNlMsghdr + len(body)
	b := make([]byte, (n+unix.NLMSG_ALIGNTO-1)&^(unix.NLMSG_ALIGNTO-1))
	ne := binary.NativeEndian
	ne.PutUint32(b, uint32(n))
	ne.PutUint16(b[4:], typ)
	ne.PutUint32(b[8:], seq)
	copy(b[unix.SizeofNlMsghdr:], body)
	return b
}

func routeBody(rtmType byte) []byte {
	r := make([]byte, unix.SizeofRtMsg+8) // and an attribute's worth
	r[0], r[1], r[7] = unix.AF_INET, 32, rtmType
	return r
}

func errorBody(errno unix.Errno) []byte {
	b := make([]byte, 4+unix.SizeofNlMsghdr)
	binary.NativeEndian.PutUint32(b, uint32(-int32(errno)))
	return b
}

// TestParseRouteReply: the route type or the kernel's error is taken
// from the message that answers the request; a short, malformed, foreign
// or empty answer is an error, never "not local".
func TestParseRouteReply(t *testing.T) {
	cat := func(m ...[]byte) []byte { return bytes.Join(m, nil) }
	for _, c := range []struct {
		name string
		b    []byte
		typ  uint8
		err  string
	}{
		{"local", nlMessage(unix.RTM_NEWROUTE, routeQuerySeq, routeBody(unix.RTN_LOCAL)), unix.RTN_LOCAL, ""},
		{"unicast", nlMessage(unix.RTM_NEWROUTE, routeQuerySeq, routeBody(unix.RTN_UNICAST)), unix.RTN_UNICAST, ""},
		{"after a foreign message", cat(nlMessage(unix.RTM_NEWROUTE, 77, routeBody(unix.RTN_UNICAST)), nlMessage(unix.RTM_NEWROUTE, routeQuerySeq, routeBody(unix.RTN_BROADCAST))), unix.RTN_BROADCAST, ""},
		{"no route", nlMessage(unix.NLMSG_ERROR, routeQuerySeq, errorBody(unix.ENETUNREACH)), 0, unix.ENETUNREACH.Error()},
		{"ack", nlMessage(unix.NLMSG_ERROR, routeQuerySeq, errorBody(0)), 0, "without a route"},
		{"short route", nlMessage(unix.RTM_NEWROUTE, routeQuerySeq, []byte{unix.AF_INET, 32}), 0, "short route"},
		{"short error", nlMessage(unix.NLMSG_ERROR, routeQuerySeq, []byte{1}), 0, "short netlink error"},
		{"bad length", func() []byte {
			b := nlMessage(unix.RTM_NEWROUTE, routeQuerySeq, routeBody(unix.RTN_LOCAL))
			binary.NativeEndian.PutUint32(b, uint32(len(b)+4))
			return b
		}(), 0, "malformed"},
		{"only foreign", nlMessage(unix.RTM_NEWROUTE, 77, routeBody(unix.RTN_LOCAL)), 0, "no route"},
		{"other type", nlMessage(unix.RTM_NEWADDR, routeQuerySeq, routeBody(unix.RTN_LOCAL)), 0, "no route"},
		{"empty", nil, 0, "no route"},
	} {
		typ, err := parseRouteReply(c.b)
		if c.err == "" && (err != nil || typ != c.typ) || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: %d, %v; want %d, %q", c.name, typ, err, c.typ, c.err)
		}
	}
	if _, err := parseRouteReply(nlMessage(unix.NLMSG_ERROR, routeQuerySeq, errorBody(unix.EHOSTUNREACH))); !errors.Is(err, unix.EHOSTUNREACH) {
		t.Errorf("the errno is not kept: %v", err)
	}
}

// TestEmbeddedIPv4: the IPv4 address inside NAT64, 6to4 and compatible
// forms; nothing for other IPv6 addresses.
func TestEmbeddedIPv4(t *testing.T) {
	for in, want := range map[string]string{
		"64:ff9b::c633:6409":   "198.51.100.9",
		"2002:c633:6409:1::5":  "198.51.100.9",
		"::c633:6409":          "198.51.100.9",
		"::ffff:c633:6409":     "", // IPv4 already
		"2606:2800:220:1::1":   "",
		"::1":                  "",
		"::":                   "",
		"64:ff9b:1::c633:6409": "",
	} {
		got, ok := embeddedIPv4(mustParseAddr(in))
		if want == "" && ok || want != "" && (!ok || got != mustParseAddr(want)) {
			t.Errorf("embeddedIPv4(%s) = %v, %v; want %q", in, got, ok, want)
		}
	}
}

// TestHostAddrRoute: the kernel's route type for this machine's own
// addresses is local, also seen through the IPv6 forms that embed an
// IPv4 one; public addresses are not this machine.
func TestHostAddrRoute(t *testing.T) {
	for _, a := range hostAddrs(t) {
		if local, err := localRoute(a); !local || err != nil {
			t.Errorf("localRoute(%v) = %v, %v; want true", a, local, err)
		}
		if local, err := thisMachine(a); !local || err != nil {
			t.Errorf("thisMachine(%v) = %v, %v; want true", a, local, err)
		}
		if a.Is4() {
			b := a.As4()
			for _, s := range []string{
				fmt.Sprintf("64:ff9b::%02x%02x:%02x%02x", b[0], b[1], b[2], b[3]),
				fmt.Sprintf("2002:%02x%02x:%02x%02x::1", b[0], b[1], b[2], b[3]),
			} {
				if local, err := thisMachine(mustParseAddr(s)); !local || err != nil {
					t.Errorf("thisMachine(%s) (%v embedded) = %v, %v; want true", s, a, local, err)
				}
			}
		}
	}
	for _, s := range []string{"93.184.216.34", "198.51.100.77", "2606:2800:220:1::1", "64:ff9b::5db8:d822"} {
		if local, err := thisMachine(mustParseAddr(s)); local || err != nil {
			t.Errorf("thisMachine(%s) = %v, %v; want false", s, local, err)
		}
	}
	for _, s := range []string{"127.0.0.1", "::1", "255.255.255.255", "224.0.0.1"} {
		if local, err := localRoute(mustParseAddr(s)); !local || err != nil {
			t.Errorf("localRoute(%s) = %v, %v; want true", s, local, err)
		}
	}
}

const probeLocalRoute = "proxy-local-route"

func init() {
	if os.Getenv(probeEnv) == probeLocalRoute {
		os.Unsetenv(probeEnv)
		os.Exit(localRouteProbe(os.Args[1:]))
	}
}

// TestProxyRefusesLocalRoute: in a network namespace of its own (the
// host's routing is not touched) a range is made this machine's with a
// local route whose preferred source is another address, as `ip route add
// local 46.1.2.0/24 dev lo src 192.0.2.2 table local` does. A name
// that resolves into the range does not reach a server on [::] through the
// proxy, directly or through NAT64 and 6to4 forms; listed as a literal,
// the address does (control), and an ordinary unicast destination is not
// classified local. The checks run as the current user and as 65534.
func TestProxyRefusesLocalRoute(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		if os.Geteuid() != 0 {
			skipOrFail(t, "a network namespace with a local route needs root; this is uid %d", os.Geteuid())
		}
		_, probe := binaries(t)
		cmd := u.command(probe, strconv.Itoa(u.uid), strconv.Itoa(u.gid))
		cmd.Env = append(cmd.Env, probeEnv+"="+probeLocalRoute)
		cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
		r := runCommand(t, cmd)
		if r.code != 0 || !strings.Contains(r.stdout, "checked") {
			t.Fatalf("probe: %v", r)
		}
	})
}

// localRouteProbe sets up the namespace as root, then becomes args[0]:
// args[1] and checks.
func localRouteProbe(args []string) int {
	runtime.LockOSThread()
	fail := func(format string, v ...any) int {
		fmt.Fprintf(os.Stderr, "local-route probe: "+format+"\n", v...)
		return 3
	}
	if len(args) != 2 {
		return fail("want UID GID")
	}
	uid, err1 := strconv.Atoi(args[0])
	gid, err2 := strconv.Atoi(args[1])
	if err1 != nil || err2 != nil {
		return fail("bad ids %q", args)
	}
	lo, err := loUp()
	if err != nil {
		return fail("lo: %v", err)
	}
	src, rangeAddr := mustParseAddr("192.0.2.2"), mustParseAddr("46.1.2.9")
	// A /32: on lo a prefix is local as a whole.
	if err := netlinkChange(newAddrMessage(lo, src, 32)); err != nil {
		return fail("address %v: %v", src, err)
	}
	if err := netlinkChange(newLocalRouteMessage(lo, mustParseAddr("46.1.2.0"), 24, src)); err != nil {
		return fail("local route: %v", err)
	}
	if err := netlinkChange(newUnicastRouteMessage(lo, mustParseAddr("203.0.113.0"), 24)); err != nil {
		return fail("unicast route: %v", err)
	}
	// The server: every address, both families, as a development server.
	lfd, port, err := listenLoopback(addrPortFrom(addrFrom16([16]byte{}), 0))
	if err != nil {
		return fail("listen: %v", err)
	}
	if err := unix.SetNonblock(lfd, true); err != nil {
		return fail("%v", err)
	}
	if err := syscall.Setgroups(nil); err != nil {
		return fail("setgroups: %v", err)
	}
	if err := syscall.Setresgid(gid, gid, gid); err != nil {
		return fail("setresgid: %v", err)
	}
	if err := syscall.Setresuid(uid, uid, uid); err != nil {
		return fail("setresuid: %v", err)
	}

	bad := 0
	check := func(a ipAddr, want bool) {
		if local, err := thisMachine(a); local != want || err != nil {
			fmt.Fprintf(os.Stderr, "thisMachine(%v) = %v, %v; want %v\n", a, local, err, want)
			bad++
		}
	}
	check(rangeAddr, true)
	// The setup reproduces the gap: the source address of the route to
	// the range is not the range's, so that check alone says "not ours".
	if local, err := hostAddr(rangeAddr); local || err != nil {
		fmt.Fprintf(os.Stderr, "setup: hostAddr(%v) = %v, %v; want false, the case the route type covers\n", rangeAddr, local, err)
		bad++
	}
	check(mustParseAddr("64:ff9b::2e01:209"), true)  // 46.1.2.9 through NAT64
	check(mustParseAddr("2002:2e01:209::1"), true)   // through 6to4
	check(mustParseAddr("192.0.2.77"), false)        // unicast, on the prefix route of lo
	check(mustParseAddr("64:ff9b::c000:24d"), false) // 192.0.2.77 through NAT64
	check(mustParseAddr("93.184.216.34"), false)     // no route at all here
	if typ, err := routeType(mustParseAddr("203.0.113.5")); typ != unix.RTN_UNICAST || err != nil {
		fmt.Fprintf(os.Stderr, "routeType(203.0.113.5) = %d, %v; want unicast\n", typ, err)
		bad++
	}

	p := strconv.Itoa(int(port))
	parse := func(s ...string) allowList {
		var l allowList
		for _, x := range s {
			h, err := parseHostPattern(x)
			if err != nil {
				panic(err)
			}
			l = append(l, h)
		}
		return l
	}
	for _, a := range []string{"46.1.2.9", "64:ff9b::2e01:209", "2002:2e01:209::1"} {
		addr := mustParseAddr(a)
		s := &proxyServer{
			allow:   parse("self.test:" + p),
			resolve: func(string, time.Time) ([]ipAddr, error) { return []ipAddr{addr}, nil },
			say:     func(string) {},
		}
		r := hostRequest{name: "self.test", port: port}
		c, status, why := s.connect(r, time.Now().Add(5*time.Second))
		if c != nil {
			c.Close()
		}
		if status != 403 || !strings.Contains(why, "an address of this machine") {
			fmt.Fprintf(os.Stderr, "self.test -> %s:%s: status %d (%s), want 403\n", a, p, status, why)
			bad++
		}
		if heardOnce(lfd) {
			fmt.Fprintf(os.Stderr, "the server heard from the proxy for %s\n", a)
			bad++
		}
	}

	// Control: the range reaches the server, and the connect-time check
	// sees where the connection went although its two ends differ.
	s := &proxyServer{
		allow:   parse("self.test:"+p, "46.1.2.9:"+p),
		resolve: func(string, time.Time) ([]ipAddr, error) { return []ipAddr{rangeAddr}, nil },
		say:     func(string) {},
	}
	c, status, why := s.connect(hostRequest{name: "self.test", port: port}, time.Now().Add(5*time.Second))
	if c == nil {
		return fail("control: with 46.1.2.9 listed, status %d (%s)", status, why)
	}
	if !c.connectedToSelf() {
		fmt.Fprintf(os.Stderr, "connectedToSelf is false for a connection to 46.1.2.9\n")
		bad++
	}
	c.Close()
	if !heardOnce(lfd) {
		fmt.Fprintf(os.Stderr, "control: the server heard nothing from 46.1.2.9\n")
		bad++
	}
	if bad > 0 {
		return 1
	}
	fmt.Println("checked")
	return 0
}

// loUp sets IFF_UP on lo (down in a new network namespace) and returns
// its index.
func loUp() (uint32, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return 0, err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return 0, err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return 0, err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr); err != nil {
		return 0, err
	}
	return ifr.Uint32(), nil
}

// rtAttr is one route attribute, padded.
func rtAttr(typ uint16, data []byte) []byte {
	n := unix.SizeofRtAttr + len(data)
	b := make([]byte, (n+unix.RTA_ALIGNTO-1)&^(unix.RTA_ALIGNTO-1))
	binary.NativeEndian.PutUint16(b, uint16(n))
	binary.NativeEndian.PutUint16(b[2:], typ)
	copy(b[unix.SizeofRtAttr:], data)
	return b
}

func v4(a ipAddr) []byte { b := a.As4(); return b[:] }

// newAddrMessage is `ip addr add A/PLEN dev INDEX` (IPv4).
func newAddrMessage(index uint32, a ipAddr, plen byte) []byte {
	m := make([]byte, unix.SizeofIfAddrmsg)
	m[0], m[1] = unix.AF_INET, plen
	binary.NativeEndian.PutUint32(m[4:], index)
	body := bytes.Join([][]byte{m, rtAttr(unix.IFA_LOCAL, v4(a)), rtAttr(unix.IFA_ADDRESS, v4(a))}, nil)
	return withFlags(nlMessage(unix.RTM_NEWADDR, 1, body))
}

// newLocalRouteMessage is `ip route add local DST/PLEN dev INDEX src SRC
// table local` (IPv4).
func newLocalRouteMessage(index uint32, dst ipAddr, plen byte, src ipAddr) []byte {
	return newRouteMessage(index, dst, plen, unix.RT_TABLE_LOCAL, unix.RT_SCOPE_HOST, unix.RTN_LOCAL, rtAttr(unix.RTA_PREFSRC, v4(src)))
}

// newUnicastRouteMessage is `ip route add DST/PLEN dev INDEX` (IPv4).
func newUnicastRouteMessage(index uint32, dst ipAddr, plen byte) []byte {
	return newRouteMessage(index, dst, plen, unix.RT_TABLE_MAIN, unix.RT_SCOPE_LINK, unix.RTN_UNICAST)
}

func newRouteMessage(index uint32, dst ipAddr, plen, table, scope, typ byte, attrs ...[]byte) []byte {
	r := make([]byte, unix.SizeofRtMsg)
	r[0], r[1] = unix.AF_INET, plen
	r[4], r[5], r[6], r[7] = table, unix.RTPROT_BOOT, scope, typ
	oif := make([]byte, 4)
	binary.NativeEndian.PutUint32(oif, index)
	body := bytes.Join(append([][]byte{r, rtAttr(unix.RTA_DST, v4(dst)), rtAttr(unix.RTA_OIF, oif)}, attrs...), nil)
	return withFlags(nlMessage(unix.RTM_NEWROUTE, 1, body))
}

func withFlags(b []byte) []byte {
	binary.NativeEndian.PutUint16(b[6:], unix.NLM_F_REQUEST|unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK)
	return b
}

// netlinkChange sends one change request and reads its acknowledgement.
func netlinkChange(req []byte) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 8192)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return err
	}
	b := buf[:n]
	if n < unix.SizeofNlMsghdr+4 || binary.NativeEndian.Uint16(b[4:]) != unix.NLMSG_ERROR {
		return fmt.Errorf("unexpected answer % x", b)
	}
	if e := int32(binary.NativeEndian.Uint32(b[unix.SizeofNlMsghdr:])); e != 0 {
		return unix.Errno(-e)
	}
	return nil
}
