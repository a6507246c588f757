//go:build linux && !amd64

package main

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawVfork is a plain fork here (clone without CLONE_VM): sharing the stack
// safely needs the return address kept in a register across the system
// call, in assembly, which only amd64 has (rawvfork_amd64.s).
//
//go:nosplit
func rawVfork(flags, ptid uintptr) (pid, errno uintptr) {
	r, _, e := syscall.RawSyscall6(unix.SYS_CLONE, flags, 0, ptid, 0, 0, 0)
	return r, uintptr(e)
}

// rawVforkFlags are none: a fork.
const rawVforkFlags = 0

// rawCloneVM needs an assembly trampoline, which only amd64 has; the
// inner stage is a fork elsewhere (rawHaveCloneVM false).
func rawCloneVM(flags, stack, tls uintptr) (pid, errno uintptr) { return 0, uintptr(unix.ENOSYS) }

// rawClone3VM likewise (rawvfork_amd64.go).
func rawClone3VM(args unsafe.Pointer, size uintptr) (pid, errno uintptr) {
	return 0, uintptr(unix.ENOSYS)
}

// rawHaveCloneVM says rawCloneVM exists here.
const rawHaveCloneVM = false
