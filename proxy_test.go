package main

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

func TestParseHostPattern(t *testing.T) {
	for _, c := range []struct {
		in, want string // want: String() of the pattern, or "error: substring"
	}{
		{"example.com", "example.com"},
		{"Example.COM.", "example.com"},
		{"example.com:8443", "example.com:8443"},
		{"*.example.com", "*.example.com"},
		{"*.Example.com:22", "*.example.com:22"},
		{"127.0.0.1", "127.0.0.1"},
		{"127.0.0.1:5432", "127.0.0.1:5432"},
		{"[::1]", "[::1]"},
		{"[::1]:8080", "[::1]:8080"},
		{"[::ffff:10.0.0.1]:80", "10.0.0.1:80"},
		{"registry_1.internal", "registry_1.internal"},
		{"", "error: empty"},
		{"::1", "error: brackets"},
		{"[::1", "error: missing ]"},
		{"[::1]x", "error: unexpected"},
		{"[example.com]", "error: not an IPv6"},
		{"[fe80::1%eth0]", "error: zone"},
		{"*.com", "error: two labels"},
		{"*", "error: not a host name"},
		{"a.*.com", "error: not a host name"},
		{"example.com:", "error: empty port"},
		{"example.com:0", "error: bad port"},
		{"example.com:65536", "error: bad port"},
		{"example.com:+80", "error: bad port"},
		{"example.com:080", "error: bad port"},
		{"exa mple.com", "error: not a host name"},
		{"a..b", "error: not a host name"},
		{"127.1", "error: neither an IP address"},
		{"10.0.0.256", "error: neither an IP address"},
		{"0x7f000001", "error: neither an IP address"},
		{"0X7F000001:80", "error: neither an IP address"},
		{"2130706433", "error: neither an IP address"},
		{"127.000.000.001", "error: neither an IP address"},
		{"*.example.0x1", "error: neither an IP address"},
		{"1password.com", "1password.com"},
		{"123.example.com", "123.example.com"},
		{"example.com1", "example.com1"},
		{"http://example.com", "error: "},
		{strings.Repeat("a", 64) + ".com", "error: not a host name"},
	} {
		h, err := parseHostPattern(c.in)
		got := h.String()
		if err != nil {
			got = "error: " + err.Error()
		}
		if want, isErr := strings.CutPrefix(c.want, "error: "); isErr && (err == nil || !strings.Contains(err.Error(), want)) || !isErr && got != c.want {
			t.Errorf("parseHostPattern(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func mustPatterns(t *testing.T, s ...string) allowList {
	t.Helper()
	var l allowList
	for _, p := range s {
		h, err := parseHostPattern(p)
		if err != nil {
			t.Fatal(err)
		}
		l = append(l, h)
	}
	return l
}

func TestAllowListMatch(t *testing.T) {
	l := mustPatterns(t, "example.com", "*.github.io", "registry.npmjs.org:8443", "140.82.112.3", "[2001:db8::1]:22", "127.0.0.1:5432")
	for _, c := range []struct {
		req  string
		port uint16 // default port of the request
		want bool
	}{
		{"example.com:443", 0, true},
		{"EXAMPLE.com.:80", 80, true},
		{"example.com:8080", 0, false},
		{"www.example.com:443", 0, false},
		{"a.github.io:443", 0, true},
		{"a.b.github.io:80", 80, true},
		{"github.io:443", 0, false},
		{"evilgithub.io:443", 0, false},
		{"registry.npmjs.org:8443", 0, true},
		{"registry.npmjs.org:443", 0, false},
		{"140.82.112.3:443", 0, true},
		{"[::ffff:140.82.112.3]:443", 0, true},
		{"140.82.112.3:22", 0, false},
		{"[2001:db8::1]:22", 0, true},
		{"[2001:db8::1]:443", 0, false},
		{"127.0.0.1:5432", 0, true},
		{"127.0.0.1:443", 0, false},
		{"localhost:5432", 0, false},
		{"example.com", 80, true},
		{"example.com:80", 0, false},    // a tunnel to 80 needs :80 listed
		{"example.com:443", 443, false}, // a plain request to 443 likewise
		{"140.82.112.3:80", 0, false},
		{"140.82.112.3", 80, true},
		{"[2001:db8::1]:22", 22, true}, // a listed port, either kind
	} {
		r, err := parseHostRequest(c.req, c.port)
		if err != nil {
			t.Fatalf("%q: %v", c.req, err)
		}
		r.tunnel = c.port == 0 // CONNECT's authority form; else a plain request's URI
		got := r.addr.IsValid() && l.listsAddr(r.addr, r) || !r.addr.IsValid() && l.matchName(r)
		if got != c.want {
			t.Errorf("%q allowed = %v, want %v", c.req, got, c.want)
		}
	}
}

func TestNonPublic(t *testing.T) {
	for _, c := range []struct {
		addr string
		want string // "" public; else a substring of the reason
	}{
		{"93.184.216.34", ""},
		{"2606:2800:220:1:248:1893:25c8:1946", ""},
		{"127.0.0.1", "loopback"},
		{"127.8.9.10", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", "this network"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.32.0.1", ""},
		{"192.168.1.1", "private"},
		{"169.254.169.254", "metadata"},
		{"::ffff:169.254.169.254", "metadata"},
		{"169.254.1.1", "link-local"},
		{"fe80::1", "link-local"},
		{"fd00:ec2::254", "private"},
		{"fc00::1", "private"},
		{"100.64.0.1", "shared"},
		{"100.100.100.200", "shared"},
		{"224.0.0.1", "multicast"},
		{"ff02::1", "multicast"},
		{"255.255.255.255", "reserved"},
		{"240.0.0.1", "reserved"},
		{"198.18.0.1", "benchmarking"},
		{"192.0.0.170", "IETF"},
		{"64:ff9b::7f00:1", "loopback (through NAT64)"},
		{"64:ff9b::a9fe:a9fe", "metadata"},
		{"64:ff9b::5db8:d822", ""},
		{"64:ff9b:1::1", "NAT64"},
		{"2002:7f00:1::", "loopback (through 6to4)"},
		{"2002:0a00:0001::1", "private"},
		{"2002:5db8:d822::1", ""},
		{"::127.0.0.1", "IPv4-compatible"},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"},
		{"fec0::1", "site-local"},
		{"100::1", "discard"},
		{"192.0.2.2", "documentation"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.9", "documentation"},
		{"192.88.99.1", "6to4 relay"},
		{"2001:db8::1", "documentation"},
		{"2002:c000:0201::1", "documentation (through 6to4)"},
		{"192.0.3.1", ""},
		{"203.0.114.1", ""},
	} {
		got := nonPublic(mustParseAddr(c.addr))
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("nonPublic(%s) = %q, want %q", c.addr, got, c.want)
		}
	}
	// Listed by address, a non-public address is allowed, for its ports.
	l := mustPatterns(t, "127.0.0.1:8080", "10.0.0.1")
	if why := l.allowedAddr(mustParseAddr("127.0.0.1"), hostRequest{port: 8080}); why != "" {
		t.Errorf("listed 127.0.0.1:8080 refused: %s", why)
	}
	if why := l.allowedAddr(mustParseAddr("127.0.0.1"), hostRequest{port: 8081}); why == "" {
		t.Errorf("127.0.0.1:8081 allowed, only :8080 is listed")
	}
	if why := l.allowedAddr(mustParseAddr("::ffff:10.0.0.1"), hostRequest{port: 443, tunnel: true}); why != "" {
		t.Errorf("listed 10.0.0.1 refused in its mapped form: %s", why)
	}
}

func readRequest(s string) (proxyRequest, error) {
	return readProxyRequest(bufio.NewReaderSize(strings.NewReader(s), proxyLineMax))
}

func TestReadProxyRequest(t *testing.T) {
	for _, c := range []struct {
		name, in string
		connect  bool
		target   string
		head     string // for a plain request
		status   int    // an *httpError's; -1: another error (EOF)
	}{
		{name: "connect", in: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nProxy-Authorization: x\r\n\r\n", connect: true, target: "example.com:443"},
		{name: "connect v6", in: "CONNECT [2001:db8::1]:22 HTTP/1.1\r\n\r\n", connect: true, target: "[2001:db8::1]:22"},
		{name: "connect bare LF", in: "CONNECT example.com:443 HTTP/1.0\n\n", connect: true, target: "example.com:443"},
		{name: "connect no port", in: "CONNECT example.com HTTP/1.1\r\n\r\n", status: 400},
		{name: "plain", in: "GET http://Example.com/a/b?c=d HTTP/1.1\r\nHost: evil.test\r\nUser-Agent: x\r\nProxy-Connection: keep-alive\r\nConnection: keep-alive, X-Secret\r\nX-Secret: 1\r\nAccept: */*\r\n\r\nBODY",
			target: "example.com:80", head: "GET /a/b?c=d HTTP/1.1\r\nHost: Example.com\r\nUser-Agent: x\r\nAccept: */*\r\nConnection: close\r\n\r\n"},
		{name: "plain port, no path", in: "HEAD http://10.0.0.1:8080 HTTP/1.0\r\n\r\n",
			target: "10.0.0.1:8080", head: "HEAD / HTTP/1.0\r\nHost: 10.0.0.1:8080\r\nConnection: close\r\n\r\n"},
		{name: "plain query only, fragment", in: "GET http://a.test?q#frag HTTP/1.1\r\n\r\n",
			target: "a.test:80", head: "GET /?q HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n"},
		{name: "connection names framing", in: "POST http://a.test/ HTTP/1.1\r\nConnection: content-length, Transfer-Encoding, host, x\r\nContent-Length: 5\r\nX: 1\r\n\r\nhello",
			target: "a.test:80", head: "POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"},
		{name: "CL and TE", in: "POST http://a.test/ HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400},
		{name: "TE not chunked", in: "POST http://a.test/ HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", status: 400},
		{name: "two CLs", in: "POST http://a.test/ HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", status: 400},
		{name: "signed CL", in: "POST http://a.test/ HTTP/1.1\r\nContent-Length: +5\r\n\r\n", status: 400},
		{name: "same CL twice", in: "POST http://a.test/ HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
			target: "a.test:80", head: "POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"},
		{name: "https URI", in: "GET https://example.com/ HTTP/1.1\r\n\r\n", status: 400},
		{name: "origin form", in: "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", status: 400},
		{name: "userinfo", in: "GET http://user@example.com/ HTTP/1.1\r\n\r\n", status: 400},
		{name: "HTTP/2", in: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", status: 400},
		{name: "two spaces", in: "GET  http://a.test/ HTTP/1.1\r\n\r\n", status: 400},
		{name: "bad method", in: "G(T http://a.test/ HTTP/1.1\r\n\r\n", status: 400},
		{name: "folded header", in: "GET http://a.test/ HTTP/1.1\r\nA: b\r\n c\r\n\r\n", status: 400},
		{name: "no colon", in: "GET http://a.test/ HTTP/1.1\r\nABC\r\n\r\n", status: 400},
		{name: "space in name", in: "GET http://a.test/ HTTP/1.1\r\nA B: c\r\n\r\n", status: 400},
		{name: "control in value", in: "GET http://a.test/ HTTP/1.1\r\nA: b\x00c\r\n\r\n", status: 400},
		{name: "bad host", in: "GET http://a_b c/ HTTP/1.1\r\n\r\n", status: 400},
		{name: "bad port", in: "GET http://a.test:99999/ HTTP/1.1\r\n\r\n", status: 400},
		{name: "long line", in: "GET http://a.test/" + strings.Repeat("a", proxyLineMax) + " HTTP/1.1\r\n\r\n", status: 431},
		{name: "many headers", in: "CONNECT a.test:443 HTTP/1.1\r\n" + strings.Repeat("A: b\r\n", proxyHeadLines+1) + "\r\n", status: 431},
		{name: "big head", in: "CONNECT a.test:443 HTTP/1.1\r\n" + strings.Repeat("A: "+strings.Repeat("b", 4000)+"\r\n", 20) + "\r\n", status: 431},
		{name: "cut short", in: "CONNECT a.test:443 HTTP/1.1\r\nA: b\r\n", status: -1},
		{name: "empty", in: "", status: -1},
	} {
		req, err := readRequest(c.in)
		var he *httpError
		switch {
		case c.status == 0 && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.status == 0:
			if req.connect != c.connect || req.target.String() != c.target || string(req.head) != c.head {
				t.Errorf("%s: got connect=%v target=%s head=%q, want %v %s %q", c.name, req.connect, req.target, req.head, c.connect, c.target, c.head)
			}
		case c.status == -1:
			if err == nil || errors.As(err, &he) {
				t.Errorf("%s: got %v, want a read error", c.name, err)
			}
		case !errors.As(err, &he) || he.status != c.status:
			t.Errorf("%s: got %v, want status %d", c.name, err, c.status)
		}
	}
}

// FuzzProxyRequest: the parser never panics, never accepts a target it
// cannot print back, and never lets a request line or header through
// with a line break of its own.
func FuzzProxyRequest(f *testing.F) {
	f.Add("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n")
	f.Add("GET http://a.test:8080/x?y HTTP/1.1\r\nConnection: a, b\r\nA: 1\r\n\r\n")
	f.Add("GET http://[::1]:80/ HTTP/1.0\n\n")
	f.Add("POST http://a.test/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		br := bufio.NewReaderSize(strings.NewReader(in), proxyLineMax)
		req, err := readProxyRequest(br)
		if err != nil {
			return
		}
		var body strings.Builder
		if err := copyBody(&body, br, req.body); err == nil && req.body >= 0 && int64(body.Len()) != req.body {
			t.Fatalf("body of %d bytes copied as %d", req.body, body.Len())
		}
		if _, err := parseHostRequest(req.target.String(), 0); err != nil {
			t.Fatalf("target %q does not parse back: %v", req.target, err)
		}
		if req.connect {
			return
		}
		head := string(req.head)
		if !strings.HasSuffix(head, "\r\nConnection: close\r\n\r\n") {
			t.Fatalf("head %q does not end with Connection: close", head)
		}
		for _, line := range strings.Split(strings.TrimSuffix(head, "\r\n\r\n"), "\r\n") {
			if strings.ContainsAny(line, "\r\n") {
				t.Fatalf("a line of the head has a line break: %q", line)
			}
		}
	})
}
