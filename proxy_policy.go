package main

// --allow-host: the hosts a command may reach through the proxy that the
// namespace engine's supervisor runs for it (proxy_linux.go). This file is
// the front-end's half: the patterns, parsed from the command line, and
// the decisions on them, which need no network and are tested alone.
//
// What a pattern matches:
//
//   - a name (registry.npmjs.org) matches that name, case-insensitively,
//     with or without a trailing dot;
//   - a wildcard (*.githubusercontent.com) matches every name below it, at
//     any depth, and not the name itself (list example.com beside
//     *.example.com for both): a user who writes *.corp.example means the
//     hosts under it, and the apex is often another service;
//   - an IP literal (140.82.112.3, [2606:4700::6810:84e5]) matches only a
//     request for that literal: a name never matches an IP pattern by
//     resolving to it, and an IP request never matches a name pattern;
//   - :PORT narrows it to that port; without one it allows a CONNECT
//     tunnel to 443 (https) and a plain http:// request to 80, and not a
//     tunnel to 80: a tunnel carries whatever the command sends, any Host
//     header and any number of requests, to every site sharing the
//     address, where the proxy writes a plain request's head itself.
//
// A name is resolved by the supervisor, never inside, and the connection
// goes to the very address that was checked (no second resolution for a
// rebinding DNS server to answer differently). An address that is not on
// the public internet (loopback, private, link-local, the cloud metadata
// endpoint 169.254.169.254, unspecified, multicast, shared, documentation
// and reserved ranges, any address of the host's own (proxy_linux.go), and
// the IPv6 forms that embed or translate to such an IPv4
// address) is refused for a name unless the address itself is listed as an
// IP literal for that port: a registry name whose DNS answer turns into
// 127.0.0.1 must not open the user's own services.

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
)

// HostPattern is one --allow-host entry.
type HostPattern struct {
	// Name is the lower-case host name without a trailing dot; for a
	// wildcard, the suffix without "*." ("example.com" for
	// *.example.com). Empty for an IP literal.
	Name     string
	Wildcard bool
	// Addr is the IP literal (an IPv4-mapped IPv6 one is its IPv4
	// address); invalid for a name.
	Addr ipAddr
	// Port is the one port allowed; 0 allows a tunnel to 443 and a plain
	// request to 80.
	Port uint16
}

// String is the pattern as --allow-host would take it back.
func (h HostPattern) String() string {
	host := h.Name
	switch {
	case h.Addr.IsValid() && h.Addr.Is6():
		host = "[" + h.Addr.String() + "]"
	case h.Addr.IsValid():
		host = h.Addr.String()
	case h.Wildcard:
		host = "*." + h.Name
	}
	if h.Port != 0 {
		return host + ":" + strconv.Itoa(int(h.Port))
	}
	return host
}

// allowsPort reports whether the pattern's port rule takes port, for a
// tunnel (CONNECT) or a plain request.
func (h HostPattern) allowsPort(port uint16, tunnel bool) bool {
	switch {
	case h.Port != 0:
		return port == h.Port
	case tunnel:
		return port == 443
	}
	return port == 80
}

// parseHostPattern parses HOST[:PORT], [IPV6][:PORT] or *.DOMAIN[:PORT].
func parseHostPattern(s string) (HostPattern, error) {
	var h HostPattern
	host, port, err := splitHostPort(s, false)
	if err != nil {
		return h, err
	}
	h.Port = port
	if a, err := parseAddr(host); err == nil {
		h.Addr = a
		return h, nil
	} else if strings.Contains(host, "%") {
		return h, err
	}
	if strings.HasPrefix(s, "[") {
		return h, fmt.Errorf("%q is not an IPv6 address", host)
	}
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		h.Wildcard = true
		host = rest
	}
	name, err := normalName(host)
	if err != nil {
		return h, err
	}
	if numericName(name) {
		// 127.1, 0x7f000001, 2130706433, 10.0.0.256: what inet_aton
		// would read as an address (or fail to), never a DNS name.
		return h, fmt.Errorf("%q is neither an IP address as written in full (1.2.3.4, [::1]) nor a host name", host)
	}
	if h.Wildcard && !strings.Contains(name, ".") {
		// *.com would be most of the internet.
		return h, fmt.Errorf("*.%s: a wildcard needs a domain of two labels or more", name)
	}
	h.Name = name
	return h, nil
}

// splitHostPort splits HOST[:PORT] and [V6][:PORT]. With needPort, the
// port is required (CONNECT's authority form); otherwise 0 when absent.
func splitHostPort(s string, needPort bool) (host string, port uint16, err error) {
	if s == "" {
		return "", 0, errors.New("empty host")
	}
	portText := ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, fmt.Errorf("%q: missing ]", s)
		}
		host = s[1:end]
		rest := s[end+1:]
		if rest != "" {
			var ok bool
			if portText, ok = strings.CutPrefix(rest, ":"); !ok {
				return "", 0, fmt.Errorf("%q: unexpected %q after ]", s, rest)
			}
		}
	} else {
		var hasPort bool
		host, portText, hasPort = strings.Cut(s, ":")
		if strings.Contains(portText, ":") {
			return "", 0, fmt.Errorf("%q: an IPv6 address goes in brackets, [ADDR]:PORT", s)
		}
		if hasPort && portText == "" {
			return "", 0, fmt.Errorf("%q: empty port", s)
		}
	}
	if host == "" {
		return "", 0, fmt.Errorf("%q: empty host", s)
	}
	if portText == "" {
		if needPort {
			return "", 0, fmt.Errorf("%q: no port", s)
		}
		return host, 0, nil
	}
	n, err := strconv.ParseUint(portText, 10, 16)
	if err != nil || n == 0 || portText[0] == '+' || portText[0] == '0' {
		return "", 0, fmt.Errorf("%q: bad port %q", s, portText)
	}
	return host, uint16(n), nil
}

// normalName lower-cases a DNS name and drops a trailing dot; it refuses
// anything but letters, digits, '-', '_' and dots between non-empty
// labels (an IDN goes in its punycode form, as DNS carries it).
func normalName(s string) (string, error) {
	s = strings.TrimSuffix(strings.ToLower(s), ".")
	if s == "" || len(s) > 253 {
		return "", fmt.Errorf("%q is not a host name", s)
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 {
			return "", fmt.Errorf("%q is not a host name", s)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("%q is not a host name (character %q)", s, c)
			}
		}
	}
	return s, nil
}

// numericName reports whether name's last label is all digits or starts
// with 0x: no top-level domain does, and resolvers and C libraries read
// such a name as an IPv4 address in a short, octal or hexadecimal form.
func numericName(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	return strings.HasPrefix(last, "0x") || strings.Trim(last, "0123456789") == ""
}

// hostRequest is a destination a command asked the proxy for.
type hostRequest struct {
	name string // normalised name; empty for an IP literal
	addr ipAddr // the IP literal, unmapped
	port uint16
	// tunnel is a CONNECT's target (else a plain request's).
	tunnel bool
}

func (r hostRequest) String() string {
	host := r.name
	if r.addr.IsValid() {
		host = r.addr.String()
		if r.addr.Is6() {
			host = "[" + host + "]"
		}
	}
	return host + ":" + strconv.Itoa(int(r.port))
}

// parseHostRequest reads the authority of a request (CONNECT's target, an
// absolute URI's host and port; defPort when the URI has none).
func parseHostRequest(authority string, defPort uint16) (hostRequest, error) {
	host, port, err := splitHostPort(authority, defPort == 0)
	if err != nil {
		return hostRequest{}, err
	}
	if port == 0 {
		port = defPort
	}
	if a, err := parseAddr(host); err == nil {
		return hostRequest{addr: a, port: port}, nil
	} else if strings.Contains(host, "%") {
		return hostRequest{}, fmt.Errorf("%q: %v", authority, err)
	}
	name, err := normalName(host)
	if err != nil {
		return hostRequest{}, err
	}
	return hostRequest{name: name, port: port}, nil
}

// allowList is the parsed --allow-host list.
type allowList []HostPattern

// matchName reports whether a name request is allowed by some name
// pattern (the resolved addresses are checked afterwards, allowedAddr).
func (l allowList) matchName(r hostRequest) bool {
	for _, h := range l {
		if h.Addr.IsValid() || !h.allowsPort(r.port, r.tunnel) {
			continue
		}
		if h.Wildcard && strings.HasSuffix(r.name, "."+h.Name) || !h.Wildcard && r.name == h.Name {
			return true
		}
	}
	return false
}

// listsAddr reports whether a is listed as an IP literal for r's port and
// kind.
func (l allowList) listsAddr(a ipAddr, r hostRequest) bool {
	a = a.Unmap()
	for _, h := range l {
		if h.Addr.IsValid() && h.Addr == a && h.allowsPort(r.port, r.tunnel) {
			return true
		}
	}
	return false
}

// allowedAddr decides one address a name resolved to: "" when the proxy
// may connect to it, else why not.
func (l allowList) allowedAddr(a ipAddr, r hostRequest) string {
	if l.listsAddr(a, r) {
		return ""
	}
	if why := nonPublic(a); why != "" {
		return why
	}
	return ""
}

// nonPublic says why a is not an address on the public internet, or "".
// IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4)
// are judged by that address; Teredo, whose IPv4 part is obscured, is
// refused whole.
func nonPublic(a ipAddr) string {
	if a.Is6() && !a.IsLoopback() && !a.IsUnspecified() {
		b := a.As16()
		switch {
		case inPrefix(a, "64:ff9b::/96"):
			if why := nonPublic4(addrFrom4([4]byte(b[12:]))); why != "" {
				return why + " (through NAT64)"
			}
			return ""
		case inPrefix(a, "2002::/16"):
			if why := nonPublic4(addrFrom4([4]byte(b[2:6]))); why != "" {
				return why + " (through 6to4)"
			}
			return ""
		case inPrefix(a, "::/96"):
			return "IPv4-compatible IPv6"
		case inPrefix(a, "64:ff9b:1::/48"):
			return "local-use NAT64"
		case inPrefix(a, "2001:db8::/32"):
			return "documentation"
		case inPrefix(a, "2001::/32"):
			return "Teredo"
		case inPrefix(a, "fec0::/10"):
			return "site-local"
		case inPrefix(a, "100::/64"):
			return "discard-only"
		}
	}
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLinkLocalUnicast():
		if a == addrFrom4([4]byte{169, 254, 169, 254}) {
			return "the cloud metadata endpoint"
		}
		return "link-local"
	case a.IsMulticast():
		return "multicast"
	case a.IsPrivate():
		return "private"
	}
	if a.Is4() {
		return nonPublic4(a)
	}
	return ""
}

// nonPublic4 covers the IPv4 ranges that have no predicate, and the ones
// that have (for addresses embedded in IPv6).
func nonPublic4(a ipAddr) string {
	for _, r := range nonPublicRanges4 {
		if inPrefix(a, r.prefix) {
			return r.why
		}
	}
	return ""
}

// nonPublicRanges4 are the IPv4 special-purpose ranges (RFC 6890 and its
// registry) that no public host has.
var nonPublicRanges4 = [...]struct{ prefix, why string }{
	{"0.0.0.0/8", "this network"},
	{"10.0.0.0/8", "private"},
	{"100.64.0.0/10", "shared address space (carrier NAT, some cloud metadata)"},
	{"127.0.0.0/8", "loopback"},
	{"169.254.169.254/32", "the cloud metadata endpoint"},
	{"169.254.0.0/16", "link-local"},
	{"172.16.0.0/12", "private"},
	{"192.0.0.0/24", "IETF protocol assignments"},
	{"192.0.2.0/24", "documentation"},
	{"192.88.99.0/24", "deprecated 6to4 relay anycast"},
	{"192.168.0.0/16", "private"},
	{"198.18.0.0/15", "benchmarking"},
	{"198.51.100.0/24", "documentation"},
	{"203.0.113.0/24", "documentation"},
	{"224.0.0.0/4", "multicast"},
	{"240.0.0.0/4", "reserved"},
}

// ProxyRoute is one loopback endpoint of the caller's own proxy (Codex's
// managed proxy, codex_proxy.go): the namespace engine listens at the same
// address and port inside the sandbox's network namespace and the
// supervisor carries each connection, unread, to the endpoint outside.
type ProxyRoute struct {
	Host string // "127.0.0.1", "::1" or "localhost" (both)
	Port uint16
}

func (r ProxyRoute) String() string {
	if r.Host == "::1" {
		return "[::1]:" + strconv.Itoa(int(r.Port))
	}
	return r.Host + ":" + strconv.Itoa(int(r.Port))
}

// addrs are the loopback addresses the route listens on inside and
// connects to outside, in order.
func (r ProxyRoute) addrs() []addrPort {
	v4 := addrPortFrom(addrFrom4([4]byte{127, 0, 0, 1}), r.Port)
	v6 := addrPortFrom(ipv6Loopback(), r.Port)
	switch r.Host {
	case "::1":
		return []addrPort{v6}
	case "localhost":
		return []addrPort{v4, v6}
	}
	return []addrPort{v4}
}

// needsProxy reports whether p gives the command the network only through
// the supervisor: --allow-host, or Codex's managed-proxy routes. Only the
// namespace engine can, and nothing else runs such a policy.
func needsProxy(p Policy) bool { return len(p.AllowHosts) > 0 || len(p.ProxyRoutes) > 0 }

// listsName reports whether name is listed as a name (not a wildcard).
func (l allowList) listsName(name string) bool {
	for _, h := range l {
		if !h.Addr.IsValid() && !h.Wildcard && h.Name == name {
			return true
		}
	}
	return false
}

// listsAddrAnyPort reports whether a is listed as an IP literal.
func (l allowList) listsAddrAnyPort(a ipAddr) bool {
	for _, h := range l {
		if h.Addr.IsValid() && h.Addr == a {
			return true
		}
	}
	return false
}

// decodeProxyField reads back a stage-message field of the namespace
// engine (nsengine_linux.go) written as String() gives it.
func decodeProxyField(p *Policy, key, v string) error {
	if key == "allowhost" {
		h, err := parseHostPattern(v)
		p.AllowHosts = append(p.AllowHosts, h)
		return err
	}
	host, port, err := splitHostPort(v, true)
	p.ProxyRoutes = append(p.ProxyRoutes, ProxyRoute{Host: host, Port: port})
	return err
}

// parseAllowHosts reads the --allow-host arguments into p.
func parseAllowHosts(p *Policy, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if p.Network {
		return errors.New("--network allows every host, --allow-host only some: give one of them")
	}
	for _, a := range args {
		h, err := parseHostPattern(a)
		if err != nil {
			return fmt.Errorf("--allow-host %q: %v", a, err)
		}
		p.AllowHosts = append(p.AllowHosts, h)
	}
	return nil
}

// checkProxyPlatform refuses a proxied policy where no engine runs one.
func checkProxyPlatform(p Policy) error {
	if needsProxy(p) && runtime.GOOS != "linux" {
		return errors.New("--allow-host and Codex's managed proxy need the Linux namespace engine; refusing to run rather than allow all of the network or none")
	}
	return nil
}
