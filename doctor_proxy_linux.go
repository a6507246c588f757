//go:build linux

package main

// The doctor's vectors for --allow-host (proxy_linux.go). On the namespace
// engine the sandbox runs with the allow list the witness gives
// (witness.sandboxArgs); the probe goes through the proxy that HTTP_PROXY
// names, and where there is none (the control, outside; the exec-only
// engine, which has no proxy and no network) it makes the same attempt
// directly, which is what a command would do there. The listener outside
// judges alone: these are hostNet vectors.

import (
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

var (
	// A listener on 127.0.0.1 that the allow list does not name (it names
	// another port of the same address).
	watchProxyRefused = watcher{"a TCP listener on 127.0.0.1 that --allow-host does not list accepted nothing", func(*doctor, string, string) (*witness, error) {
		w, err := listenTCP(unix.AF_INET)
		if err == nil {
			w.args = []string{"127.0.0.1", w.args[0]}
			w.sandboxArgs = []string{"--allow-host", "127.0.0.1:1"}
		}
		return w, err
	}}
	// A listener the allow list names: reachable through the proxy, and
	// so a test that a direct connection cannot bypass it.
	watchProxyBypass = watcher{"a TCP listener on 127.0.0.1 that --allow-host lists accepted no direct connection", func(*doctor, string, string) (*witness, error) {
		w, err := listenTCP(unix.AF_INET)
		if err == nil {
			w.sandboxArgs = []string{"--allow-host", "127.0.0.1:" + w.args[0]}
		}
		return w, err
	}}
	// A listener on 127.0.0.1 whose port is allowed for the name
	// localhost only.
	watchProxyRebind = watcher{"a TCP listener on 127.0.0.1, allowed by the name localhost only, accepted nothing", func(*doctor, string, string) (*witness, error) {
		w, err := listenTCP(unix.AF_INET)
		if err == nil {
			w.sandboxArgs = []string{"--allow-host", "localhost:" + w.args[0]}
			w.args = []string{"localhost", w.args[0]}
		}
		return w, err
	}}
	// A UDP socket on 127.0.0.1 standing in for a resolver.
	watchProxyDNS = watcher{"a UDP socket on 127.0.0.1 standing in for a DNS resolver received nothing", func(*doctor, string, string) (*witness, error) {
		w, err := listenUDP(unix.AF_INET)
		if err == nil {
			w.sandboxArgs = []string{"--allow-host", "example.com"}
		}
		return w, err
	}}
)

// tryProxyConnect asks the proxy that HTTP_PROXY names to CONNECT to
// HOST:PORT (a[0], a[1]); without one, it connects there directly.
func tryProxyConnect(a []string) (r probeReport) {
	host, port := probeArg(a, 0), probeArg(a, 1)
	proxy, ok := strings.CutPrefix(os.Getenv("HTTP_PROXY"), "http://")
	if !ok {
		if host == "localhost" {
			host = "127.0.0.1"
		}
		return tryTCP4([]string{port})
	}
	ap, err := parseAddrPort(proxy)
	if err != nil {
		r.fail("HTTP_PROXY="+proxy, err)
		return r
	}
	c, err := dialSock(unix.SOCK_STREAM, ap, time.Now().Add(probeTimeout/2))
	if err != nil {
		r.fail("connect to the proxy "+proxy, err)
		return r
	}
	defer c.Close()
	c.setDeadline(time.Now().Add(probeTimeout / 2))
	if _, err := fmt.Fprintf(c, "CONNECT %s:%s HTTP/1.1\r\nHost: %s:%s\r\n\r\n", host, port, host, port); err != nil {
		r.fail("send CONNECT", err)
		return r
	}
	buf := make([]byte, 256)
	n, _ := c.Read(buf)
	status, _, _ := strings.Cut(string(buf[:n]), "\r\n")
	if strings.HasPrefix(status, "HTTP/1.1 200") {
		r.did("the proxy opened a tunnel to %s:%s", host, port)
	} else {
		r.Errors = append(r.Errors, fmt.Sprintf("CONNECT %s:%s: the proxy answered %q", host, port, status))
	}
	return r
}

// tryDNS sends a DNS query to the stand-in resolver (a[0], a port on
// 127.0.0.1) and asks each nameserver of /etc/resolv.conf for
// example.com: any answer is an effect.
func tryDNS(a []string) (r probeReport) {
	q, _ := dnsBuildQuery(1, "example.com", dnsTypeA)
	sa, _ := loopback(unix.AF_INET, probeArg(a, 0))
	if fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err != nil {
		r.fail("socket(AF_INET, SOCK_DGRAM)", err)
	} else {
		if err := unix.Sendto(fd, q, 0, sa); err != nil {
			r.fail("sendto the resolver on 127.0.0.1", err)
		} else {
			r.did("sent a DNS query to 127.0.0.1:%s", probeArg(a, 0))
		}
		unix.Close(fd)
	}
	for _, s := range readResolvConf("/etc/resolv.conf").servers {
		_, err := dnsExchange(addrPortFrom(s, 53), "example.com", dnsTypeA, time.Now().Add(time.Second))
		if err == nil || err == errNXDomain {
			r.did("nameserver %v answered", s)
		} else {
			r.fail(fmt.Sprintf("query nameserver %v", s), err)
		}
	}
	return r
}
