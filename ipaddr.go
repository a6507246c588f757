package main

// IP addresses for the proxy: the little of net/netip it needs. netip
// itself is not used because its package initialization (two unique.Make
// calls, 18 allocations) measured 0.1-0.6 ms at every start of the binary,
// the exec-only path included, whose whole start-up is a few
// milliseconds. Nothing here runs before it is called.

import (
	"errors"
	"strconv"
	"strings"
)

// ipAddr is an IPv4 or IPv6 address; an IPv4 one is kept in its
// IPv4-mapped form with v4 set, so an IPv4-mapped IPv6 address is the
// IPv4 address itself (what netip calls Unmap, always done).
type ipAddr struct {
	a     [16]byte
	v4    bool
	valid bool
}

func addrFrom4(b [4]byte) ipAddr {
	var a ipAddr
	a.a[10], a.a[11] = 0xff, 0xff
	copy(a.a[12:], b[:])
	a.v4, a.valid = true, true
	return a
}

// addrFrom16 is b, an IPv4-mapped address as its IPv4 address.
func addrFrom16(b [16]byte) ipAddr {
	a := ipAddr{a: b, valid: true}
	var mapped = [12]byte{10: 0xff, 11: 0xff}
	a.v4 = [12]byte(b[:12]) == mapped
	return a
}

func ipv6Loopback() ipAddr { return addrFrom16([16]byte{15: 1}) }

func (a ipAddr) IsValid() bool    { return a.valid }
func (a ipAddr) Is4() bool        { return a.valid && a.v4 }
func (a ipAddr) Is6() bool        { return a.valid && !a.v4 }
func (a ipAddr) Unmap() ipAddr    { return a }
func (a ipAddr) As4() [4]byte     { return [4]byte(a.a[12:]) }
func (a ipAddr) As16() [16]byte   { return a.a }
func (a ipAddr) IsLoopback() bool { return a.Is4() && a.a[12] == 127 || a.Is6() && a == ipv6Loopback() }

func (a ipAddr) IsUnspecified() bool {
	return a.Is4() && a.As4() == [4]byte{} || a.Is6() && a.a == [16]byte{}
}

func (a ipAddr) IsLinkLocalUnicast() bool {
	return a.Is4() && a.a[12] == 169 && a.a[13] == 254 || a.Is6() && a.a[0] == 0xfe && a.a[1]&0xc0 == 0x80
}

func (a ipAddr) IsMulticast() bool {
	return a.Is4() && a.a[12]&0xf0 == 0xe0 || a.Is6() && a.a[0] == 0xff
}

// IsPrivate: RFC 1918 and RFC 4193 (fc00::/7).
func (a ipAddr) IsPrivate() bool {
	if a.Is4() {
		return a.a[12] == 10 || a.a[12] == 172 && a.a[13]&0xf0 == 16 || a.a[12] == 192 && a.a[13] == 168
	}
	return a.Is6() && a.a[0]&0xfe == 0xfc
}

// inPrefix reports whether a is in the prefix ADDR/BITS (an IPv4 prefix
// holds only IPv4 addresses, an IPv6 one only IPv6 ones).
func inPrefix(a ipAddr, prefix string) bool {
	s, bitsText, _ := strings.Cut(prefix, "/")
	p, err := parseAddr(s)
	bits, err2 := strconv.Atoi(bitsText)
	if err != nil || err2 != nil || !a.valid || a.v4 != p.v4 {
		return false
	}
	if p.v4 {
		bits += 96
	}
	for i := 0; i < bits; i++ {
		if (a.a[i/8]^p.a[i/8])&(0x80>>(i%8)) != 0 {
			return false
		}
	}
	return true
}

// String is the dotted quad, or the RFC 5952 text of an IPv6 address.
func (a ipAddr) String() string {
	switch {
	case !a.valid:
		return "invalid IP"
	case a.v4:
		b := a.As4()
		return strconv.Itoa(int(b[0])) + "." + strconv.Itoa(int(b[1])) + "." + strconv.Itoa(int(b[2])) + "." + strconv.Itoa(int(b[3]))
	}
	// The longest run of two or more zero groups becomes "::".
	best, bestLen := -1, 1
	for i := 0; i < 8; {
		j := i
		for j < 8 && a.a[2*j] == 0 && a.a[2*j+1] == 0 {
			j++
		}
		if j-i > bestLen {
			best, bestLen = i, j-i
		}
		i = j + 1
	}
	var b strings.Builder
	for i := 0; i < 8; i++ {
		if i == best {
			b.WriteString("::")
			i += bestLen - 1
			continue
		}
		if i > 0 && i != best+bestLen {
			b.WriteByte(':')
		}
		b.WriteString(strconv.FormatUint(uint64(a.a[2*i])<<8|uint64(a.a[2*i+1]), 16))
	}
	return b.String()
}

var errNotIP = errors.New("not an IP address")

// parseAddr parses a dotted quad (four decimal octets, no leading zeros)
// or an IPv6 address (with :: and a dotted-quad tail; no zone).
func parseAddr(s string) (ipAddr, error) {
	if strings.Contains(s, ":") {
		return parse6(s)
	}
	b, ok := parse4(s)
	if !ok {
		return ipAddr{}, errNotIP
	}
	return addrFrom4(b), nil
}

func parse4(s string) ([4]byte, bool) {
	var b [4]byte
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return b, false
	}
	for i, p := range parts {
		if p == "" || len(p) > 3 || len(p) > 1 && p[0] == '0' {
			return b, false
		}
		n := 0
		for _, c := range []byte(p) {
			if c < '0' || c > '9' {
				return b, false
			}
			n = n*10 + int(c-'0')
		}
		if n > 255 {
			return b, false
		}
		b[i] = byte(n)
	}
	return b, true
}

func parse6(s string) (ipAddr, error) {
	if strings.Contains(s, "%") {
		return ipAddr{}, errors.New("an IPv6 zone names an interface of this host, not a destination")
	}
	var groups []uint16
	head, tail, hasEllipsis := strings.Cut(s, "::")
	if hasEllipsis && strings.Contains(tail, "::") {
		return ipAddr{}, errNotIP
	}
	parse := func(part string, last bool) ([]uint16, bool) {
		if part == "" {
			return nil, true
		}
		var out []uint16
		fields := strings.Split(part, ":")
		for i, f := range fields {
			if last && i == len(fields)-1 && strings.Contains(f, ".") {
				b, ok := parse4(f)
				if !ok {
					return nil, false
				}
				out = append(out, uint16(b[0])<<8|uint16(b[1]), uint16(b[2])<<8|uint16(b[3]))
				continue
			}
			if f == "" || len(f) > 4 {
				return nil, false
			}
			n, err := strconv.ParseUint(f, 16, 16)
			if err != nil {
				return nil, false
			}
			out = append(out, uint16(n))
		}
		return out, true
	}
	h, ok1 := parse(head, !hasEllipsis)
	t, ok2 := parse(tail, true)
	if !ok1 || !ok2 {
		return ipAddr{}, errNotIP
	}
	groups = append(groups, h...)
	if hasEllipsis {
		if len(h)+len(t) > 7 {
			return ipAddr{}, errNotIP
		}
		groups = append(groups, make([]uint16, 8-len(h)-len(t))...)
		groups = append(groups, t...)
	}
	if len(groups) != 8 {
		return ipAddr{}, errNotIP
	}
	var b [16]byte
	for i, g := range groups {
		b[2*i], b[2*i+1] = byte(g>>8), byte(g)
	}
	return addrFrom16(b), nil
}

func mustParseAddr(s string) ipAddr {
	a, err := parseAddr(s)
	if err != nil {
		panic(s + ": " + err.Error())
	}
	return a
}

// addrPort is an address and a port.
type addrPort struct {
	addr ipAddr
	port uint16
}

func addrPortFrom(a ipAddr, port uint16) addrPort { return addrPort{a, port} }
func (ap addrPort) Addr() ipAddr                  { return ap.addr }
func (ap addrPort) Port() uint16                  { return ap.port }

func (ap addrPort) String() string {
	if ap.addr.Is6() {
		return "[" + ap.addr.String() + "]:" + strconv.Itoa(int(ap.port))
	}
	return ap.addr.String() + ":" + strconv.Itoa(int(ap.port))
}

// parseAddrPort parses ADDR:PORT and [ADDR]:PORT.
func parseAddrPort(s string) (addrPort, error) {
	host, port, err := splitHostPort(s, true)
	if err != nil {
		return addrPort{}, err
	}
	a, err := parseAddr(host)
	if err != nil || a.Is6() != strings.HasPrefix(s, "[") {
		return addrPort{}, errNotIP
	}
	return addrPort{a, port}, nil
}

func mustParseAddrPort(s string) addrPort {
	ap, err := parseAddrPort(s)
	if err != nil {
		panic(s + ": " + err.Error())
	}
	return ap
}
