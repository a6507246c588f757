package main

// The namespace engine's filter flavour (seccomp_loopback.go), run in the
// x/net/bpf VM against the exec-only filter: the two must agree on every
// syscall but the network ones the flavour opens up, and on those must
// give the verdicts written here.

import (
	"math/rand/v2"
	"testing"
)

// scLoopbackExpect is the flavour's verdict for the syscalls it changes,
// and ok=false for the others (which must match the exec-only filter).
func scLoopbackExpect(name string, args [6]uint64) (verdict uint32, ok bool) {
	switch name {
	case "socket":
		switch uint32(args[0]) { // int domain: the low word is what the kernel reads
		case afInet, afInet6:
			return scRetAllow, true
		}
		return scRetEPERM, true
	case "connect", "bind", "listen", "accept", "accept4", "sendto", "sendmmsg", "recvmmsg":
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
