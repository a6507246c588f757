//go:build linux && amd64

package main

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawVfork is clone(2) for a child that shares the caller's memory and
// stack until it execs (rawvfork_amd64.s): the command's process starts
// without a copy of PID 1's address space, a copy of the whole supervisor
// (page tables, then copy-on-write faults, then their teardown at exec).
//
//go:noescape
func rawVfork(flags, ptid uintptr) (pid, errno uintptr)

// rawVforkFlags are the clone flags that make rawVfork a vfork.
const rawVforkFlags = unix.CLONE_VM | unix.CLONE_VFORK

// rawCloneVM starts the inner stage as a process that shares this one's
// memory, on a stack of its own and with tls as its thread pointer, which
// must point into zeroed memory (rawvfork_amd64.s): no copy of the
// supervisor's page tables to make, and no copy-on-write faults after, in
// the supervisor or in PID 1, for the whole run.
//
//go:noescape
func rawCloneVM(flags, stack, tls uintptr) (pid, errno uintptr)

// rawClone3VM is rawCloneVM by clone3(2), which takes its arguments in a
// struct (rawCloneArgs) and its flags in 64 bits: CLONE_CLEAR_SIGHAND,
// which the inner stage needs, does not fit clone(2)'s.
//
//go:noescape
func rawClone3VM(args unsafe.Pointer, size uintptr) (pid, errno uintptr)

// rawHaveCloneVM says rawCloneVM exists here.
const rawHaveCloneVM = true
