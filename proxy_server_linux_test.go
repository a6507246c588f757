//go:build linux

package main

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestProxyConnectChecksEveryAddress: a name's addresses are checked one
// by one, and the proxy connects only to one that passed, the very
// address checked (no second resolution).
func TestProxyConnectChecksEveryAddress(t *testing.T) {
	answers := map[string][]string{
		"pub.test":     {"127.0.0.1", "93.184.216.34", "::ffff:10.0.0.1", "2606:2800:220:1::1"},
		"rebind.test":  {"127.0.0.1", "169.254.169.254", "::1", "64:ff9b::a00:1"},
		"listed.test":  {"10.0.0.7"},
		"missing.test": {},
	}
	var dialed []string
	var said []string
	s := &proxyServer{
		allow: mustPatterns(t, "pub.test", "rebind.test", "listed.test", "10.0.0.7", "missing.test", "192.0.2.1:8080"),
		resolve: func(name string, _ time.Time) ([]ipAddr, error) {
			a, ok := answers[name]
			if !ok {
				return nil, errNXDomain
			}
			var out []ipAddr
			for _, s := range a {
				out = append(out, mustParseAddr(s))
			}
			return out, nil
		},
		dial: func(a addrPort, _ time.Time) (*sockConn, error) {
			dialed = append(dialed, a.String())
			fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return nil, err
			}
			unix.Close(fds[1])
			return newSockConn(fds[0]), nil
		},
		say: func(line string) { said = append(said, line) },
	}
	for _, c := range []struct {
		req    string
		status int
		dialed []string
		why    string
	}{
		{req: "pub.test:443", dialed: []string{"93.184.216.34:443"}},
		{req: "rebind.test:443", status: 403, why: "127.0.0.1, loopback; 169.254.169.254, the cloud metadata endpoint; ::1, loopback; 64:ff9b::a00:1, private (through NAT64)"},
		{req: "listed.test:80", dialed: []string{"10.0.0.7:80"}},
		{req: "missing.test:443", status: 502, why: "no address"},
		{req: "other.test:443", status: 403, why: "not in --allow-host"},
		{req: "nx.test:443", status: 403, why: "not in --allow-host"},
		{req: "10.0.0.7:443", dialed: []string{"10.0.0.7:443"}},
		{req: "10.0.0.8:443", status: 403, why: "not in --allow-host"},
		{req: "192.0.2.1:8080", dialed: []string{"192.0.2.1:8080"}},
		{req: "192.0.2.1:443", status: 403, why: "not in --allow-host"},
	} {
		dialed = nil
		r, err := parseHostRequest(c.req, 0)
		if err != nil {
			t.Fatal(err)
		}
		conn, status, why := s.connect(r, time.Now().Add(time.Second))
		if conn != nil {
			conn.Close()
		}
		if status != c.status || !slices.Equal(dialed, c.dialed) || !strings.Contains(why, c.why) {
			t.Errorf("%s: status %d (%s), dialed %v; want %d (%s), %v", c.req, status, why, dialed, c.status, c.why, c.dialed)
		}
	}
}

// dnsAnswer builds a response to query (as dnsBuildQuery makes it) with
// the given answer records.
func dnsAnswer(query []byte, flags uint16, records ...[]byte) []byte {
	m := append([]byte(nil), query...)
	binary.BigEndian.PutUint16(m[2:], flags)
	binary.BigEndian.PutUint16(m[6:], uint16(len(records)))
	for _, r := range records {
		m = append(m, r...)
	}
	return m
}

// rr is a record owned by the question's name (a compression pointer to
// offset 12), or by a name at ptr.
func rr(ptr uint16, typ uint16, data []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, 0xc000|ptr)
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, dnsClassIN)
	b = append(b, 0, 0, 0, 60)
	b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}

func TestDNSParseAnswer(t *testing.T) {
	q, err := dnsBuildQuery(0x1234, "www.example.com", dnsTypeA)
	if err != nil {
		t.Fatal(err)
	}
	cname := []byte{3, 'c', 'd', 'n', 0xc0, 16} // cdn.example.com
	ok := dnsAnswer(q, 0x8180, rr(12, 5, cname), rr(12, dnsTypeA, []byte{93, 184, 216, 34}), rr(12, dnsTypeAAAA, make([]byte, 16)), rr(12, dnsTypeA, []byte{1, 2, 3}))
	addrs, tc, err := dnsParseAnswer(ok, 0x1234, "www.example.com", dnsTypeA)
	if err != nil || tc || len(addrs) != 1 || addrs[0] != mustParseAddr("93.184.216.34") {
		t.Errorf("answer: %v %v %v", addrs, tc, err)
	}
	if _, _, err := dnsParseAnswer(ok, 0x1235, "www.example.com", dnsTypeA); !errors.Is(err, errDNSNotOurs) {
		t.Errorf("another ID: %v", err)
	}
	if _, _, err := dnsParseAnswer(ok, 0x1234, "www.example.org", dnsTypeA); !errors.Is(err, errDNSNotOurs) {
		t.Errorf("another name: %v", err)
	}
	if _, _, err := dnsParseAnswer(ok, 0x1234, "www.example.com", dnsTypeAAAA); !errors.Is(err, errDNSNotOurs) {
		t.Errorf("another type: %v", err)
	}
	if _, _, err := dnsParseAnswer(q, 0x1234, "www.example.com", dnsTypeA); !errors.Is(err, errDNSNotOurs) {
		t.Errorf("the query itself: %v", err)
	}
	if _, _, err := dnsParseAnswer(dnsAnswer(q, 0x8183), 0x1234, "www.example.com", dnsTypeA); !errors.Is(err, errNXDomain) {
		t.Errorf("NXDOMAIN: %v", err)
	}
	if _, tc, _ := dnsParseAnswer(dnsAnswer(q, 0x8380), 0x1234, "www.example.com", dnsTypeA); !tc {
		t.Errorf("TC not seen")
	}
	loop := dnsAnswer(q, 0x8180, append(binary.BigEndian.AppendUint16(nil, 0xc000|uint16(len(q))), 0, 1, 0, 1, 0, 0, 0, 0, 0, 0))
	if _, _, err := dnsParseAnswer(loop, 0x1234, "www.example.com", dnsTypeA); err == nil || !strings.Contains(err.Error(), "loop") {
		t.Errorf("compression loop: %v", err)
	}
	if _, _, err := dnsParseAnswer(ok[:len(ok)-2], 0x1234, "www.example.com", dnsTypeA); err == nil {
		t.Errorf("cut short: no error")
	}
}

func FuzzDNSParseAnswer(f *testing.F) {
	q, _ := dnsBuildQuery(7, "a.example", dnsTypeAAAA)
	f.Add(dnsAnswer(q, 0x8180, rr(12, dnsTypeAAAA, make([]byte, 16))))
	f.Fuzz(func(t *testing.T, m []byte) {
		addrs, _, err := dnsParseAnswer(m, 7, "a.example", dnsTypeAAAA)
		if err != nil && len(addrs) > 0 {
			t.Fatalf("addresses with an error: %v %v", addrs, err)
		}
	})
}

// TestDialSockRefused: a connection refused after connect(2) said
// EINPROGRESS is reported as refused, whenever the refusal arrives (once
// it was lost to the poller's reset and the dial waited out its deadline).
func TestDialSockRefused(t *testing.T) {
	fd, port, err := listenLoopback(addrPortFrom(addrFrom4([4]byte{127, 0, 0, 1}), 0))
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd) // a port that was just free: nothing listens there
	a := addrPortFrom(mustParseAddr("127.0.0.1"), port)
	for i := 0; i < 200; i++ {
		c, err := dialSock(unix.SOCK_STREAM, a, time.Now().Add(time.Second))
		if c != nil {
			c.Close()
		}
		if !errors.Is(err, unix.ECONNREFUSED) {
			t.Fatalf("dial %d: %v, want ECONNREFUSED", i, err)
		}
	}
}
