//go:build linux

package main

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// hostAddrs are this machine's addresses that are neither loopback nor
// link-local (those need no interface check to be refused).
func hostAddrs(t *testing.T) []ipAddr {
	t.Helper()
	ifaddrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var out []ipAddr
	for _, ia := range ifaddrs {
		n, ok := ia.(*net.IPNet)
		if !ok || n.IP.IsLoopback() || n.IP.IsLinkLocalUnicast() {
			continue
		}
		a, err := parseAddr(n.IP.String())
		if err == nil {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		skipOrFail(t, "this host has no address but loopback and link-local ones")
	}
	return out
}

// listenAny is a TCP listener on every address of the family of a
// (0.0.0.0 or [::]), as a user's development server often listens, and
// its port.
func listenAny(t *testing.T, a ipAddr) (fd int, port uint16) {
	t.Helper()
	var any ipAddr
	if a.Is6() {
		any = addrFrom16([16]byte{})
	} else {
		any = addrFrom4([4]byte{})
	}
	fd, port, err := listenLoopback(addrPortFrom(any, 0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	return fd, port
}

// heardOnce takes one connection from the listener if one is queued (a
// connect that succeeded has completed its handshake, so it is queued by
// the time the dial returned).
func heardOnce(fd int) bool {
	nfd, _, err := unix.Accept4(fd, unix.SOCK_CLOEXEC)
	if err != nil {
		return false
	}
	unix.Close(nfd)
	return true
}

// TestProxyRefusesHostAddress: a name that resolves to one of this
// machine's own addresses (here its non-loopback ones, whatever range they
// are in) does not reach a service listening on every address; listed as
// an IP literal, the address does.
func TestProxyRefusesHostAddress(t *testing.T) {
	for _, a := range hostAddrs(t) {
		lfd, port := listenAny(t, a)
		var said []string
		s := &proxyServer{
			allow: mustPatterns(t, "self.test:"+strconv.Itoa(int(port))),
			resolve: func(string, time.Time) ([]ipAddr, error) {
				return []ipAddr{a}, nil
			},
			say: func(line string) { said = append(said, line) },
		}
		r := hostRequest{name: "self.test", port: port}
		c, status, why := s.connect(r, time.Now().Add(5*time.Second))
		if c != nil {
			c.Close()
		}
		if status != 403 || !strings.Contains(why, "an address of this machine") {
			t.Errorf("self.test -> %v:%d: status %d (%s), want 403, an address of this machine", a, port, status, why)
		}
		if heardOnce(lfd) {
			t.Errorf("the listener on %v:%d heard from the proxy", a, port)
		}

		// Control: listed as a literal for that port, the address is reached.
		s.allow = mustPatterns(t, "self.test:"+strconv.Itoa(int(port)), addrPortFrom(a, port).String())
		c, status, why = s.connect(r, time.Now().Add(5*time.Second))
		if c == nil {
			t.Errorf("control: with %v listed, status %d (%s)", addrPortFrom(a, port), status, why)
			continue
		}
		c.Close()
		if !heardOnce(lfd) {
			t.Errorf("control: the listener on %v:%d heard nothing", a, port)
		}
	}
}

// TestHostAddr: the kernel's answer for this machine's addresses and for
// addresses that are not its own.
func TestHostAddr(t *testing.T) {
	for _, a := range hostAddrs(t) {
		if local, err := hostAddr(a); !local || err != nil {
			t.Errorf("hostAddr(%v) = %v, %v; want true", a, local, err)
		}
	}
	for _, s := range []string{"93.184.216.34", "198.51.100.77", "2606:2800:220:1::1"} {
		if local, err := hostAddr(mustParseAddr(s)); local || err != nil {
			t.Errorf("hostAddr(%s) = %v, %v; want false", s, local, err)
		}
	}
}
