package main

// The namespace engine's filter flavour (seccomp_loopback.go), run in the
// x/net/bpf VM against the exec-only filter: the two must agree on every
// syscall but the network ones the flavour opens up, and on those must
// give the verdicts written here.

import (
	"math/rand/v2"
	"testing"
)

// TestSeccompUserNotifValue pins the filter's USER_NOTIF return to the
// kernel's value as spelled out here.
func TestSeccompUserNotifValue(t *testing.T) {
	if verdictFor(userNotif) != scRetUserNotif || verdictFor(errnoEPERM) != scRetEPERM {
		t.Fatalf("verdictFor: %#x, %#x", verdictFor(userNotif), verdictFor(errnoEPERM))
	}
}

// SECCOMP_RET_USER_NOTIF (include/uapi/linux/seccomp.h).
const scRetUserNotif = 0x7fc00000

// scLoopbackExpect is the flavour's verdict for the syscalls it changes,
// and ok=false for the others (which must match the exec-only filter).
func scLoopbackExpect(name string, args [6]uint64) (verdict uint32, ok bool) {
	switch name {
	case "socket":
		switch uint32(args[0]) { // int domain: the low word is what the kernel reads
		case afInet, afInet6:
			return scRetAllow, true
		case scAFUnix: // stream and seqpacket only, whatever the flags: never a datagram socket
			if typ := uint32(args[1]) & 0xf; typ == scSockStream || typ == scSockSeqpacket {
				return scRetAllow, true
			}
		}
		return scRetEPERM, true
	case "connect": // every connect goes to the supervisor (unixnotify_linux.go)
		return scRetUserNotif, true
	case "bind", "listen", "accept", "accept4", "sendto", "sendmmsg", "recvmmsg":
		return scRetAllow, true
	}
	return 0, false
}

func TestSeccompLoopbackFlavour(t *testing.T) {
	for _, abi := range scABIs {
		for _, trunc := range []bool{false, true} {
			base := scBuild(t, abi, seccompOptions{denyTruncate: trunc})
			lo := scBuild(t, abi, seccompOptions{denyTruncate: trunc, loopbackOnly: true})
			t.Run(abi.goarch, func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(abi.native), 11))
				names := map[uint32]string{}
				for nr, s := range base.byNR {
					names[nr] = s.name
				}
				bad := 0
				check := func(nr uint32, args [6]uint64) {
					got := lo.run(t, abi.native, nr, args)
					want, ok := scLoopbackExpect(names[nr], args)
					if !ok {
						want = base.run(t, abi.native, nr, args)
					}
					if got != want && bad < 20 {
						bad++
						t.Errorf("nr=%d (%s) args=%#x: got %s, want %s", nr, names[nr], args, scVerdict(got), scVerdict(want))
					}
				}
				for nr := uint32(0); nr < 1024; nr++ {
					check(nr, [6]uint64{})
					for range 4 {
						check(nr, scRandomArgs(r))
					}
				}
				// The socket rule, by domain and type, high words set or not.
				sock := uint32(abi.number(scLookup(t, "socket")))
				for _, domain := range []uint64{0, 1, 2, 10, 16, 17, 40, 2 | 1<<32, 1 | 2<<32, 10 | 1<<32} {
					for _, typ := range []uint64{1, 2, 3, 5, 1 | 0x80000, 2 | 0x800} {
						check(sock, [6]uint64{domain, typ})
					}
				}
				for range 3000 {
					check(sock, scRandomArgs(r))
				}
				// Spelled out: the datagram AF_UNIX socket is refused, with
				// or without flags; the connection-oriented ones pass; and
				// connect, whatever its arguments, reaches the supervisor.
				for _, c := range []struct {
					domain, typ uint64
					want        uint32
				}{
					{1, 2, scRetEPERM}, {1, 2 | 0x80000 | 0x800, scRetEPERM}, {1, 3, scRetEPERM},
					{1, 1, scRetAllow}, {1, 5 | 0x80000, scRetAllow}, {1, 1 | 0x800, scRetAllow},
					{1 | 2<<32, 2, scRetEPERM}, {2, 2, scRetAllow}, {16, 3, scRetEPERM},
				} {
					if got := lo.run(t, abi.native, sock, [6]uint64{c.domain, c.typ}); got != c.want {
						t.Errorf("socket(%#x, %#x): got %s, want %s", c.domain, c.typ, scVerdict(got), scVerdict(c.want))
					}
				}
				conn := uint32(abi.number(scLookup(t, "connect")))
				for range 100 {
					if got := lo.run(t, abi.native, conn, scRandomArgs(r)); got != scRetUserNotif {
						t.Errorf("connect: got %s, want USER_NOTIF", scVerdict(got))
					}
				}
			})
		}
		// With the network on, the flavour changes nothing.
		on := scBuild(t, abi, seccompOptions{network: true})
		onLo := scBuild(t, abi, seccompOptions{network: true, loopbackOnly: true})
		if len(on.raw) != len(onLo.raw) {
			t.Errorf("%s: network on, loopbackOnly changed the filter (%d -> %d instructions)", abi.goarch, len(on.raw), len(onLo.raw))
		}
		for i := range on.raw {
			if i < len(onLo.raw) && on.raw[i] != onLo.raw[i] {
				t.Errorf("%s: network on, loopbackOnly changed instruction %d", abi.goarch, i)
				break
			}
		}
	}
}
