//go:build linux

package main

// The proxy's name lookups, in the supervisor (the host's network
// namespace), as a stub resolver would make them: /etc/hosts first, then
// A and AAAA queries to the nameservers of /etc/resolv.conf over UDP (TCP
// when an answer comes back truncated). Package net's resolver would do
// it and costs the binary about 400 KB (see proxy_sock_linux.go). What it
// does not do: nsswitch.conf sources other than files and dns (mDNS,
// LDAP), DNSSEC, EDNS. The answer is only ever a candidate: every address
// is checked against the allow list before the proxy connects to it.
// See resolv.conf(5), hosts(5), RFC 1035.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// resolverConfig is what /etc/resolv.conf says.
type resolverConfig struct {
	servers []ipAddr
	search  []string
	// unusable are the nameservers listed that the proxy cannot ask: a
	// link-local address with its zone (fe80::1%eth0), which ipAddr does
	// not carry, or one that does not parse.
	unusable []string
}

// readResolvConf reads path. Without a nameserver line (or without the
// file), the local one, as the C library does; with nameservers listed but
// none usable, none: asking the local one instead would send the query
// where the host's own configuration does not (and where a local service
// of the user's, not the host's resolver, may answer), so lookups fail
// (check) and say why.
func readResolvConf(path string) resolverConfig {
	var rc resolverConfig
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 2 || strings.HasPrefix(fields[0], "#") || strings.HasPrefix(fields[0], ";") {
				continue
			}
			switch fields[0] {
			case "nameserver":
				if a, err := parseAddr(fields[1]); err != nil {
					rc.unusable = append(rc.unusable, fields[1])
				} else if len(rc.servers) < 3 {
					rc.servers = append(rc.servers, a.Unmap())
				}
			case "search", "domain":
				rc.search = nil
				for _, d := range fields[1:] {
					if n, err := normalName(d); err == nil {
						rc.search = append(rc.search, n)
					}
				}
			}
		}
		f.Close()
	}
	if len(rc.servers) == 0 && len(rc.unusable) == 0 {
		rc.servers = []ipAddr{addrFrom4([4]byte{127, 0, 0, 1}), ipv6Loopback()}
	}
	return rc
}

// check says why no nameserver can be asked, or nil.
func (rc resolverConfig) check() error {
	if len(rc.servers) > 0 {
		return nil
	}
	return fmt.Errorf("no nameserver of /etc/resolv.conf the proxy can ask (%s: an address with a zone is not supported; add a nameserver without one, or the name to /etc/hosts)",
		shorten(strings.Join(rc.unusable, " "), 100))
}

// hostsLookup is name's addresses in a hosts(5) file, nil if none.
func hostsLookup(path, name string) []ipAddr {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []ipAddr
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		a, err := parseAddr(fields[0])
		if err != nil {
			continue
		}
		for _, h := range fields[1:] {
			if n, err := normalName(h); err == nil && n == name {
				out = append(out, a.Unmap())
				break
			}
		}
	}
	return out
}

// lookupHost resolves name (normalised) by deadline.
func lookupHost(name string, deadline time.Time) ([]ipAddr, error) {
	if addrs := hostsLookup("/etc/hosts", name); len(addrs) > 0 {
		return addrs, nil
	}
	rc := readResolvConf("/etc/resolv.conf")
	if err := rc.check(); err != nil {
		return nil, err
	}
	candidates := []string{name}
	if !strings.Contains(name, ".") {
		candidates = nil
		for _, d := range rc.search {
			candidates = append(candidates, name+"."+d)
		}
		candidates = append(candidates, name)
	}
	var last error = errors.New("no answer")
	for _, fqdn := range candidates {
		var addrs []ipAddr
		var nx bool
		for _, qtype := range []uint16{dnsTypeA, dnsTypeAAAA} {
			got, err := dnsQuery(rc.servers, fqdn, qtype, deadline)
			if errors.Is(err, errNXDomain) {
				nx = true
				break
			}
			if err != nil {
				last = err
				continue
			}
			addrs = append(addrs, got...)
		}
		if len(addrs) > 0 {
			return addrs, nil
		}
		if nx {
			last = errNXDomain
		}
	}
	return nil, last
}

const (
	dnsTypeA    = 1
	dnsTypeAAAA = 28
	dnsClassIN  = 1
)

var errNXDomain = errors.New("no such host")

// dnsQuery asks each server in turn, twice over, for name's records of
// qtype.
func dnsQuery(servers []ipAddr, name string, qtype uint16, deadline time.Time) ([]ipAddr, error) {
	var last error = errTimeout
	for attempt := 0; attempt < 2; attempt++ {
		for _, s := range servers {
			if time.Now().After(deadline) {
				return nil, errTimeout
			}
			per := time.Now().Add(2 * time.Second)
			if per.After(deadline) {
				per = deadline
			}
			addrs, err := dnsExchange(addrPortFrom(s, 53), name, qtype, per)
			if err == nil || errors.Is(err, errNXDomain) {
				return addrs, err
			}
			last = fmt.Errorf("%v: %w", s, err)
		}
	}
	return nil, last
}

// dnsExchange sends one query to server over UDP, and over TCP when the
// answer is truncated.
func dnsExchange(server addrPort, name string, qtype uint16, deadline time.Time) ([]ipAddr, error) {
	var idb [2]byte
	if _, err := unix.Getrandom(idb[:], 0); err != nil {
		return nil, fmt.Errorf("getrandom: %w", err)
	}
	id := binary.BigEndian.Uint16(idb[:])
	q, err := dnsBuildQuery(id, name, qtype)
	if err != nil {
		return nil, err
	}
	c, err := dialSock(unix.SOCK_DGRAM, server, deadline)
	if err != nil {
		return nil, err
	}
	c.setDeadline(deadline)
	if _, err := c.Write(q); err != nil {
		c.Close()
		return nil, err
	}
	buf := make([]byte, 1500)
	for {
		n, err := c.Read(buf)
		if err != nil {
			c.Close()
			if errors.Is(err, os.ErrDeadlineExceeded) {
				err = errTimeout
			}
			return nil, err
		}
		addrs, truncated, err := dnsParseAnswer(buf[:n], id, name, qtype)
		if errors.Is(err, errDNSNotOurs) {
			continue // a stray or spoofed datagram: keep waiting for ours
		}
		c.Close()
		if !truncated {
			return addrs, err
		}
		return dnsExchangeTCP(server, q, id, name, qtype, deadline)
	}
}

// dnsExchangeTCP sends q over TCP (RFC 1035 section 4.2.2: a two-byte
// length before each message).
func dnsExchangeTCP(server addrPort, q []byte, id uint16, name string, qtype uint16, deadline time.Time) ([]ipAddr, error) {
	c, err := dialSock(unix.SOCK_STREAM, server, deadline)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.setDeadline(deadline)
	msg := binary.BigEndian.AppendUint16(nil, uint16(len(q)))
	if _, err := c.Write(append(msg, q...)); err != nil {
		return nil, err
	}
	var lenb [2]byte
	if _, err := readFull(c, lenb[:]); err != nil {
		return nil, err
	}
	buf := make([]byte, binary.BigEndian.Uint16(lenb[:]))
	if _, err := readFull(c, buf); err != nil {
		return nil, err
	}
	addrs, _, err := dnsParseAnswer(buf, id, name, qtype)
	return addrs, err
}

func readFull(c *sockConn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := c.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// dnsBuildQuery is a query message: header with RD, one question.
func dnsBuildQuery(id uint16, name string, qtype uint16) ([]byte, error) {
	b := binary.BigEndian.AppendUint16(nil, id)
	b = append(b, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0) // RD; QDCOUNT 1
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 {
			return nil, fmt.Errorf("%q is not a host name", name)
		}
		b = append(b, byte(len(label)))
		b = append(b, label...)
	}
	b = append(b, 0)
	b = binary.BigEndian.AppendUint16(b, qtype)
	return binary.BigEndian.AppendUint16(b, dnsClassIN), nil
}

var errDNSNotOurs = errors.New("not the answer to our query")

// dnsParseAnswer reads the answer to query id for name and qtype: the
// addresses of type qtype in the answer section (a CNAME chain's last
// name's; the owner names are not followed, every address is checked by
// the proxy anyway), and whether it was truncated. errDNSNotOurs when the
// message does not answer that query.
func dnsParseAnswer(m []byte, id uint16, name string, qtype uint16) (addrs []ipAddr, truncated bool, err error) {
	if len(m) < 12 || binary.BigEndian.Uint16(m) != id || m[2]&0x80 == 0 {
		return nil, false, errDNSNotOurs
	}
	qd, an := binary.BigEndian.Uint16(m[4:]), binary.BigEndian.Uint16(m[6:])
	if qd != 1 {
		return nil, false, errDNSNotOurs
	}
	off := 12
	qname, off, err := dnsName(m, off)
	if err != nil || off+4 > len(m) || !strings.EqualFold(qname, name) ||
		binary.BigEndian.Uint16(m[off:]) != qtype || binary.BigEndian.Uint16(m[off+2:]) != dnsClassIN {
		return nil, false, errDNSNotOurs
	}
	off += 4
	truncated = m[2]&0x02 != 0
	switch rcode := m[3] & 0x0f; rcode {
	case 0:
	case 3:
		return nil, truncated, errNXDomain
	default:
		return nil, truncated, fmt.Errorf("DNS error (RCODE %d)", rcode)
	}
	for i := 0; i < int(an); i++ {
		if _, off, err = dnsName(m, off); err != nil {
			return nil, truncated, err
		}
		if off+10 > len(m) {
			return nil, truncated, errors.New("DNS answer cut short")
		}
		typ, class := binary.BigEndian.Uint16(m[off:]), binary.BigEndian.Uint16(m[off+2:])
		rdlen := int(binary.BigEndian.Uint16(m[off+8:]))
		off += 10
		if off+rdlen > len(m) {
			return nil, truncated, errors.New("DNS answer cut short")
		}
		rd := m[off : off+rdlen]
		off += rdlen
		switch {
		case class != dnsClassIN || typ != qtype:
		case typ == dnsTypeA && rdlen == 4:
			addrs = append(addrs, addrFrom4([4]byte(rd)))
		case typ == dnsTypeAAAA && rdlen == 16:
			addrs = append(addrs, addrFrom16([16]byte(rd)).Unmap())
		}
	}
	return addrs, truncated, nil
}

// dnsName reads a possibly compressed name at off; it returns the name
// and the offset after it where it started.
func dnsName(m []byte, off int) (string, int, error) {
	var labels []string
	end := -1
	for jumps := 0; ; {
		if off >= len(m) {
			return "", 0, errors.New("DNS name cut short")
		}
		n := int(m[off])
		switch {
		case n == 0:
			if end < 0 {
				end = off + 1
			}
			return strings.Join(labels, "."), end, nil
		case n&0xc0 == 0xc0:
			if off+1 >= len(m) {
				return "", 0, errors.New("DNS name cut short")
			}
			if end < 0 {
				end = off + 2
			}
			if jumps++; jumps > 32 {
				return "", 0, errors.New("DNS name compression loop")
			}
			off = int(binary.BigEndian.Uint16(m[off:]) & 0x3fff)
		case n&0xc0 != 0:
			return "", 0, errors.New("DNS name with an unknown label type")
		default:
			if off+1+n > len(m) {
				return "", 0, errors.New("DNS name cut short")
			}
			labels = append(labels, string(m[off+1:off+1+n]))
			if len(labels) > 127 {
				return "", 0, errors.New("DNS name too long")
			}
			off += 1 + n
		}
	}
}
