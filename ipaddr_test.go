package main

import (
	"net/netip"
	"testing"
)

// ipAddrAgrees checks parseAddr, String and the predicates against
// net/netip (which the binary does not link; the tests may).
func ipAddrAgrees(t *testing.T, s string) {
	t.Helper()
	want, werr := netip.ParseAddr(s)
	if werr == nil && want.Zone() != "" {
		werr = errNotIP // zones are refused here
	}
	got, err := parseAddr(s)
	if (err == nil) != (werr == nil) {
		t.Fatalf("parseAddr(%q): %v, netip: %v", s, err, werr)
	}
	if err != nil {
		return
	}
	want = want.Unmap()
	if got.String() != want.String() || got.Is4() != want.Is4() || got.As16() != want.As16() {
		t.Fatalf("parseAddr(%q) = %s (v4 %v), netip: %s", s, got, got.Is4(), want)
	}
	for _, c := range []struct {
		name      string
		got, want bool
	}{
		{"loopback", got.IsLoopback(), want.IsLoopback()},
		{"unspecified", got.IsUnspecified(), want.IsUnspecified()},
		{"link-local", got.IsLinkLocalUnicast(), want.IsLinkLocalUnicast()},
		{"multicast", got.IsMulticast(), want.IsMulticast()},
		{"private", got.IsPrivate(), want.IsPrivate()},
	} {
		if c.got != c.want {
			t.Errorf("%s: %s %v, netip %v", s, c.name, c.got, c.want)
		}
	}
	if back, err := parseAddr(got.String()); err != nil || back != got {
		t.Fatalf("%q: %s does not parse back: %v", s, got, err)
	}
}

func TestIPAddr(t *testing.T) {
	for _, s := range []string{
		"0.0.0.0", "127.0.0.1", "255.255.255.255", "10.1.2.3", "172.31.255.255", "172.32.0.0", "192.168.0.1",
		"169.254.169.254", "224.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "256.1.1.1", "1.2.3.-4", "",
		"::", "::1", "1::", "1::2", "2001:db8::1", "2001:db8:0:0:1:0:0:1", "2001:0:0:1::1", "fe80::1", "febf::1", "fec0::1",
		"fc00::1", "fdff::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "::127.0.0.1", "64:ff9b::1.2.3.4",
		"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:::2", ":1::", "1::2::3",
		"12345::", "g::", "fe80::1%eth0", "1:2:3:4:5:6:1.2.3.4", "::1.2.3.4:5", "0:0:0:0:0:0:0:0", "a:b:c:d:e:f:1:2",
	} {
		ipAddrAgrees(t, s)
	}
	for _, c := range []struct {
		a, prefix string
		want      bool
	}{
		{"10.1.2.3", "10.0.0.0/8", true}, {"11.1.2.3", "10.0.0.0/8", false},
		{"100.127.255.255", "100.64.0.0/10", true}, {"100.128.0.0", "100.64.0.0/10", false},
		{"64:ff9b::1", "64:ff9b::/96", true}, {"64:ff9b:0:0:0:1::1", "64:ff9b::/96", false},
		{"::ffff:10.0.0.1", "10.0.0.0/8", true}, {"10.0.0.1", "::/96", false},
	} {
		if got := inPrefix(mustParseAddr(c.a), c.prefix); got != c.want {
			t.Errorf("inPrefix(%s, %s) = %v", c.a, c.prefix, got)
		}
	}
	if ap, err := parseAddrPort("[::1]:80"); err != nil || ap.String() != "[::1]:80" {
		t.Errorf("parseAddrPort: %v %v", ap, err)
	}
}

func FuzzIPAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "::ffff:1.2.3.4", "2001:db8::1", "1::", "::"} {
		f.Add(s)
	}
	f.Fuzz(ipAddrAgrees)
}
