//go:build linux

package main

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
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
		"rebind.test":  {"127.0.0.1", "169.254.169.254", "::1"},
		"nat64.test":   {"64:ff9b::a00:1"},
		"listed.test":  {"10.0.0.7"},
		"missing.test": {},
	}
	var dialed []string
	var said []string
	s := &proxyServer{
		allow: mustPatterns(t, "pub.test", "rebind.test", "nat64.test", "listed.test", "10.0.0.7", "missing.test", "192.0.2.1:8080"),
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
		{req: "rebind.test:443", status: 403, why: "127.0.0.1, loopback; 169.254.169.254, the cloud metadata endpoint; ::1, loopback, which"},
		{req: "nat64.test:443", status: 403, why: "64:ff9b::a00:1, private (through NAT64)"},
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
		r.tunnel = !strings.HasSuffix(c.req, ":80")
		conn, status, why := s.connect(r, time.Now().Add(time.Second))
		if conn != nil {
			conn.Close()
		}
		if status != c.status || !slices.Equal(dialed, c.dialed) || !strings.Contains(why, c.why) {
			t.Errorf("%s: status %d (%s), dialed %v; want %d (%s), %v", c.req, status, why, dialed, c.status, c.why, c.dialed)
		}
	}
}

// TestProxyRefusalBounded: a name with thousands of refused addresses
// gives a refusal line (and 403 body) that names three and counts the rest.
func TestProxyRefusalBounded(t *testing.T) {
	var said []string
	s := &proxyServer{
		allow: mustPatterns(t, "many.test"),
		resolve: func(string, time.Time) ([]ipAddr, error) {
			var out []ipAddr
			for i := 0; i < 4000; i++ {
				out = append(out, addrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
			}
			return out, nil
		},
		say: func(line string) { said = append(said, line) },
	}
	r := hostRequest{name: "many.test", port: 443, tunnel: true}
	conn, status, why := s.connect(r, time.Now().Add(time.Second))
	if conn != nil {
		conn.Close()
	}
	s.refusal(r.String(), why)
	want := "resolves to 10.0.0.0, private; 10.0.0.1, private; 10.0.0.2, private; and 3997 more, which --allow-host does not list"
	if status != 403 || why != want {
		t.Errorf("status %d, %q; want 403, %q", status, why, want)
	}
	if len(said) != 1 || len(said[0]) > 200 {
		t.Errorf("refusal lines %q: want one, short", said)
	}
	if body := errorResponse(status, why); len(body) > 400 {
		t.Errorf("a 403 of %d bytes", len(body))
	}
}

// TestProxyTunnel80: without :PORT, a name allows a plain request to 80
// and a CONNECT tunnel to 443, not a tunnel to 80 (which would carry any
// Host to every site at the address); the refusal says what to list.
func TestProxyTunnel80(t *testing.T) {
	dialed := 0
	s := &proxyServer{
		allow: mustPatterns(t, "pub.test", "93.184.216.34", "listed.test:80"),
		resolve: func(string, time.Time) ([]ipAddr, error) {
			return []ipAddr{mustParseAddr("93.184.216.34")}, nil
		},
		dial: func(addrPort, time.Time) (*sockConn, error) {
			dialed++
			fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				return nil, err
			}
			unix.Close(fds[1])
			return newSockConn(fds[0]), nil
		},
		say: func(string) {},
	}
	for _, c := range []struct {
		r    hostRequest
		ok   bool
		hint string
	}{
		{hostRequest{name: "pub.test", port: 80, tunnel: true}, false, "list pub.test:80"},
		{hostRequest{addr: mustParseAddr("93.184.216.34"), port: 80, tunnel: true}, false, "list 93.184.216.34:80"},
		{hostRequest{name: "pub.test", port: 80}, true, ""},
		{hostRequest{name: "pub.test", port: 443, tunnel: true}, true, ""},
		{hostRequest{name: "listed.test", port: 80, tunnel: true}, true, ""},
	} {
		dialed = 0
		conn, status, why := s.connect(c.r, time.Now().Add(time.Second))
		if conn != nil {
			conn.Close()
		}
		if got := conn != nil && dialed == 1; got != c.ok || !c.ok && (status != 403 || dialed != 0 || !strings.Contains(why, c.hint)) {
			t.Errorf("%v (tunnel %v): status %d (%s), dialed %d; want allowed %v, %q", c.r, c.r.tunnel, status, why, dialed, c.ok, c.hint)
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

// sockPair is two connected stream sockets: the proxy's end as a sockConn
// and the test's end as a descriptor it reads and writes blocking.
func sockPair(t *testing.T) (*sockConn, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.SetNonblock(fds[0], true); err != nil {
		t.Fatal(err)
	}
	// A read the proxy never ends fails the test rather than hang it.
	if err := unix.SetsockoptTimeval(fds[1], unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Sec: 60}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[1]) })
	return newSockConn(fds[0]), fds[1]
}

// readAll reads fd until EOF.
func readAll(t *testing.T, fd int) string {
	t.Helper()
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		if n > 0 {
			out = append(out, buf[:n]...)
		}
		if n <= 0 || err != nil {
			return string(out)
		}
	}
}

// TestProxyPlainOneRequest: the server behind a plain request gets that
// request's head (as the proxy wrote it) and its body, and nothing the
// client pipelined after it; the client gets the server's response.
func TestProxyPlainOneRequest(t *testing.T) {
	second := "GET /second HTTP/1.1\r\nHost: other.test\r\n\r\n"
	for _, c := range []struct{ name, req, wantServer string }{
		{"no body", "GET http://pub.test/a HTTP/1.1\r\nHost: pub.test\r\n\r\n" + second,
			"GET /a HTTP/1.1\r\nHost: pub.test\r\nConnection: close\r\n\r\n"},
		{"content-length", "POST http://pub.test/a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello" + second,
			"POST /a HTTP/1.1\r\nHost: pub.test\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"},
		{"chunked", "POST http://pub.test/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nT: 1\r\n\r\n" + second,
			"POST /a HTTP/1.1\r\nHost: pub.test\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5;x=1\r\nhello\r\n0\r\nT: 1\r\n\r\n"},
	} {
		client, clientFD := sockPair(t)
		up, serverFD := sockPair(t)
		s := &proxyServer{
			allow: mustPatterns(t, "pub.test"),
			resolve: func(string, time.Time) ([]ipAddr, error) {
				return []ipAddr{mustParseAddr("93.184.216.34")}, nil
			},
			dial: func(addrPort, time.Time) (*sockConn, error) { return up, nil },
			say:  func(string) {},
		}
		if _, err := unix.Write(clientFD, []byte(c.req)); err != nil {
			t.Fatal(err)
		}
		unix.Shutdown(clientFD, unix.SHUT_WR)
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer client.Close()
			s.handle(client)
		}()
		// The server answers once it has the head, then reads to the end.
		var got []byte
		buf := make([]byte, 4096)
		for !strings.Contains(string(got), "\r\n\r\n") {
			n, err := unix.Read(serverFD, buf)
			if n <= 0 || err != nil {
				break
			}
			got = append(got, buf[:n]...)
		}
		unix.Write(serverFD, []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"))
		unix.Shutdown(serverFD, unix.SHUT_WR)
		got = append(got, readAll(t, serverFD)...)
		resp := readAll(t, clientFD)
		<-done
		if string(got) != c.wantServer {
			t.Errorf("%s: the server got %q, want %q", c.name, got, c.wantServer)
		}
		if !strings.HasSuffix(resp, "\r\n\r\nok") {
			t.Errorf("%s: the client got %q", c.name, resp)
		}
	}
}

// TestReadResolvConf: nameservers the proxy cannot ask (a zone) are not
// replaced by the local one, unless the file lists none at all, as the C
// library does.
func TestReadResolvConf(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, text string
		want       []string // servers
		ok         bool     // check passes
	}{
		{"scoped only", "nameserver fe80::1%eth0\nsearch example.com\n", nil, false},
		{"scoped and usable", "nameserver fe80::1%eth0\nnameserver 192.0.2.53\n", []string{"192.0.2.53"}, true},
		{"none listed", "search example.com\n", []string{"127.0.0.1", "::1"}, true},
		{"empty", "", []string{"127.0.0.1", "::1"}, true},
		{"four", "nameserver 1.1.1.1\nnameserver 1.0.0.1\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n", []string{"1.1.1.1", "1.0.0.1", "8.8.8.8"}, true},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-"))
		if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		rc := readResolvConf(path)
		var got []string
		for _, a := range rc.servers {
			got = append(got, a.String())
		}
		err := rc.check()
		if !slices.Equal(got, c.want) || (err == nil) != c.ok {
			t.Errorf("%s: servers %v, check %v; want %v, ok %v", c.name, got, err, c.want, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "fe80::1%eth0") {
			t.Errorf("%s: %v does not name the nameserver", c.name, err)
		}
	}
	if rc := readResolvConf(filepath.Join(dir, "missing")); len(rc.servers) != 2 {
		t.Errorf("no file: servers %v, want the local ones", rc.servers)
	}
}

// TestProxyIdleTunnel: a tunnel that carries nothing either way for the
// idle time is closed (its slot freed); one that carries data works.
func TestProxyIdleTunnel(t *testing.T) {
	client, clientFD := sockPair(t)
	up, serverFD := sockPair(t)
	s := &proxyServer{
		allow: mustPatterns(t, "pub.test"),
		resolve: func(string, time.Time) ([]ipAddr, error) {
			return []ipAddr{mustParseAddr("93.184.216.34")}, nil
		},
		dial: func(addrPort, time.Time) (*sockConn, error) { return up, nil },
		say:  func(string) {},
		idle: 200 * time.Millisecond,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer client.Close()
		s.handle(client)
	}()
	if _, err := unix.Write(clientFD, []byte("CONNECT pub.test:443 HTTP/1.1\r\n\r\nping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	if n, _ := unix.Read(serverFD, buf); string(buf[:max(n, 0)]) != "ping" {
		t.Errorf("the server got %q, want ping", buf[:max(n, 0)])
	}
	unix.Write(serverFD, []byte("pong"))
	// Then silence both ways: the proxy ends the tunnel, and each side
	// reads the end of its stream after what was sent.
	resp := readAll(t, clientFD)
	if !strings.HasPrefix(resp, "HTTP/1.1 200 ") || !strings.HasSuffix(resp, "\r\n\r\npong") {
		t.Errorf("the client got %q", resp)
	}
	if rest := readAll(t, serverFD); rest != "" {
		t.Errorf("the server got %q more", rest)
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("an idle tunnel is still open after a minute (idle time 200 ms)")
	}
}
