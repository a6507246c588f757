//go:build linux

package main

// Capabilities: a confined command keeps only what ordinary work in its
// writable trees needs. Root holds every capability, and most of what a
// sandbox forbids is forbidden to an ordinary user by permissions alone but
// open to root by a capability that Landlock and seccomp do not look at:
// CAP_SYS_ADMIN (filesystem administration ioctls, freeze, label), CAP_FSETID
// (set-group-ID bits kept on write), CAP_SYS_TTY_CONFIG (vhangup),
// CAP_MKNOD, CAP_NET_RAW, CAP_SYS_PTRACE, CAP_SYS_MODULE and the rest.
//
// Kept, and only when the effective user is root (0 in the current user
// namespace: the caller's own root, or the identity-mapped root of the
// namespace engine):
//
//	CAP_CHOWN           chown during extraction (tar, cp -a, npm, pip)
//	CAP_DAC_OVERRIDE    read and write files of other users in writable trees
//	CAP_DAC_READ_SEARCH read and list them
//	CAP_FOWNER          chmod, utime, set ACLs on files root does not own
//
// Everything else leaves every set a process has: effective, permitted,
// inheritable, ambient and the bounding set. The bounding set matters most:
// when root executes a program the kernel grants it the whole bounding set
// again (capabilities(7), "Capabilities and execution of programs by
// root"); with it reduced, the command and everything it runs get at most
// the kept four. no_new_privs, set before execve, keeps file capabilities
// and set-user-ID binaries from adding any back.
//
// Like no_new_privs, Landlock and seccomp, capabilities belong to a thread:
// this runs on the startup thread, the one that calls execve (or forks the
// command).
//
// https://man7.org/linux/man-pages/man7/capabilities.7.html

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// rootKeptCaps is the set a root command keeps; see the file comment.
const rootKeptCaps = 1<<unix.CAP_CHOWN | 1<<unix.CAP_DAC_OVERRIDE |
	1<<unix.CAP_DAC_READ_SEARCH | 1<<unix.CAP_FOWNER

// capSets is the three capability sets of capget(2)/capset(2), 64 bits each.
type capSets struct{ effective, permitted, inheritable uint64 }

// capGet reads the calling thread's capability sets (version 3: two
// 32-bit words per set).
func capGet() (capSets, error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return capSets{}, fmt.Errorf("capget: %w", err)
	}
	join := func(lo, hi uint32) uint64 { return uint64(lo) | uint64(hi)<<32 }
	return capSets{
		effective:   join(data[0].Effective, data[1].Effective),
		permitted:   join(data[0].Permitted, data[1].Permitted),
		inheritable: join(data[0].Inheritable, data[1].Inheritable),
	}, nil
}

// capSet sets the calling thread's capability sets.
func capSet(c capSets) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	data := [2]unix.CapUserData{
		{Effective: uint32(c.effective), Permitted: uint32(c.permitted), Inheritable: uint32(c.inheritable)},
		{Effective: uint32(c.effective >> 32), Permitted: uint32(c.permitted >> 32), Inheritable: uint32(c.inheritable >> 32)},
	}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	return nil
}

// keptCaps is the set the command may keep: rootKeptCaps for root (as far
// as it holds them now), nothing for anyone else.
func keptCaps(euid int, have uint64) uint64 {
	if euid != 0 {
		return 0
	}
	return rootKeptCaps & have
}

// dropCapabilities reduces the calling thread to keptCaps: the bounding set
// first (PR_CAPBSET_DROP needs CAP_SETPCAP, which the capset below gives
// up), then the ambient set, then effective, permitted and inheritable. It
// fails if any step fails, with one exception: a caller without
// CAP_SETPCAP cannot shrink its bounding set, and needs not, because it
// holds no capability beyond its permitted set after capset and
// no_new_privs stops execve from granting more (capabilities(7)).
func dropCapabilities() error {
	have, err := capGet()
	if err != nil {
		return err
	}
	keep := keptCaps(unix.Geteuid(), have.permitted)
	if have.effective&(1<<unix.CAP_SETPCAP) != 0 {
		for c := 0; c < 64; c++ {
			if keep&(1<<c) != 0 {
				continue
			}
			err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0)
			if errors.Is(err, unix.EINVAL) {
				break // past the last capability this kernel knows
			}
			if err != nil {
				return fmt.Errorf("prctl(PR_CAPBSET_DROP, %d): %w", c, err)
			}
		}
	}
	// Ambient capabilities exist since Linux 4.3; before that nothing can
	// be ambient, and EINVAL says so.
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil && !errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("prctl(PR_CAP_AMBIENT_CLEAR_ALL): %w", err)
	}
	if have.effective == keep && have.permitted == keep && have.inheritable == 0 {
		return nil
	}
	return capSet(capSets{effective: keep, permitted: keep})
}
