//go:build linux && amd64

package main

// The foreign syscall ABIs of amd64, which the seccomp filter must refuse
// whole: i386 through int $0x80 (its own syscall numbers, and socketcall
// whose arguments hide behind a pointer) and x32 (the x86_64 numbers with
// bit 30 set).

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// int80 makes an i386 system call (probe_amd64.s).
func int80(trap, a1, a2, a3 uintptr) uintptr

// i386 numbers, from arch/x86/entry/syscalls/syscall_32.tbl, and the
// socketcall(2) call numbers from include/uapi/linux/net.h.
const (
	i386Getpid        = 20
	i386Socketcall    = 102
	i386Socket        = 359
	i386Connect       = 362
	socketcallSocket  = 1
	socketcallConnect = 3
)

// x86_64 numbers that x32 shares, to be ORed with x32SyscallBit.
const (
	x32Getpid  = 39
	x32Socket  = 41
	x32Connect = 42
)

// i386Call returns int80's result, with the errno the kernel put in eax.
func i386Call(trap, a1, a2, a3 uintptr) (uintptr, error) {
	r := int32(int80(trap, a1, a2, a3))
	if r < 0 && r > -4096 {
		return 0, syscall.Errno(-r)
	}
	return uintptr(r), nil
}

func x32Call(trap, a1, a2, a3 uintptr) (uintptr, error) {
	r, _, e := unix.RawSyscall(x32SyscallBit|trap, a1, a2, a3)
	if e != 0 {
		return 0, e
	}
	return r, nil
}

// lowPage maps a page below 2 GiB, where a 32-bit pointer can reach.
func lowPage() ([]byte, error) {
	return unix.Mmap(-1, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_32BIT)
}

func lowAddr(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

func tryI386Getpid([]string) (r probeReport) {
	pid, err := i386Call(i386Getpid, 0, 0, 0)
	switch {
	case err != nil:
		r.fail("int $0x80 getpid", err)
	case int(pid) == os.Getpid():
		r.did("yes: int $0x80 getpid returned the caller's pid")
	default:
		r.Errors = append(r.Errors, fmt.Sprintf("int $0x80 getpid returned %d, not %d", pid, os.Getpid()))
	}
	return r
}

func tryX32Getpid([]string) (r probeReport) {
	pid, err := x32Call(x32Getpid, 0, 0, 0)
	switch {
	case err != nil:
		r.fail("x32 getpid", err)
	case int(pid) == os.Getpid():
		r.did("yes: x32 getpid returned the caller's pid")
	default:
		r.Errors = append(r.Errors, fmt.Sprintf("x32 getpid returned %d, not %d", pid, os.Getpid()))
	}
	return r
}

// compatSockaddr writes a struct sockaddr_in for 127.0.0.1:port into b.
func compatSockaddr(b []byte, port string) {
	p, _ := strconv.Atoi(port)
	binary.LittleEndian.PutUint16(b[0:], unix.AF_INET)
	binary.BigEndian.PutUint16(b[2:], uint16(p))
	copy(b[4:], []byte{127, 0, 0, 1})
}

// tryI386Socket connects to the listener with i386 syscalls: socketcall,
// then the direct socket and connect of Linux 4.3+. The filter kills the
// process at the first one, so it must not leave a core dump behind. A
// socket made at all is the effect: any i386 call that gets through has
// slipped past the filter, whose rules are written for the native ABI
// (and in the namespace engine's network namespace the connect would
// find no listener anyway).
func tryI386Socket(a []string) (r probeReport) {
	unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	page, err := lowPage()
	if err != nil {
		r.fail("mmap(MAP_32BIT)", err)
		return r
	}
	args, sa := page[0:12], page[64:80]
	compatSockaddr(sa, probeArg(a, 0))
	put := func(v ...uintptr) {
		for i, x := range v {
			binary.LittleEndian.PutUint32(args[4*i:], uint32(x))
		}
	}
	put(unix.AF_INET, unix.SOCK_STREAM, 0)
	if fd, err := i386Call(i386Socketcall, socketcallSocket, lowAddr(args), 0); err != nil {
		r.fail("socketcall(SYS_SOCKET)", err)
	} else {
		r.did("i386 socketcall made a socket")
		put(fd, lowAddr(sa), uintptr(len(sa)))
		if _, err := i386Call(i386Socketcall, socketcallConnect, lowAddr(args), 0); err != nil {
			r.fail("socketcall(SYS_CONNECT)", err)
		} else {
			r.did("i386 socketcall connected")
		}
		unix.Close(int(fd))
	}
	if fd, err := i386Call(i386Socket, unix.AF_INET, unix.SOCK_STREAM, 0); err != nil {
		r.fail("i386 socket", err)
	} else {
		r.did("i386 socket made a socket")
		if _, err := i386Call(i386Connect, fd, lowAddr(sa), uintptr(len(sa))); err != nil {
			r.fail("i386 connect", err)
		} else {
			r.did("i386 socket+connect connected")
		}
		unix.Close(int(fd))
	}
	return r
}

// tryX32Socket connects to the listener with x32 syscalls; as with i386,
// a socket made at all is the effect.
func tryX32Socket(a []string) (r probeReport) {
	page, err := lowPage()
	if err != nil {
		r.fail("mmap(MAP_32BIT)", err)
		return r
	}
	sa := page[0:16]
	compatSockaddr(sa, probeArg(a, 0))
	fd, err := x32Call(x32Socket, unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		r.fail("x32 socket", err)
		return r
	}
	r.did("x32 socket made a socket")
	defer unix.Close(int(fd))
	if _, err := x32Call(x32Connect, fd, lowAddr(sa), uintptr(len(sa))); err != nil {
		r.fail("x32 connect", err)
		return r
	}
	r.did("x32 socket+connect connected")
	return r
}

// The fs-setid calls of x86-64 alone. One assignment at start-up: the
// probes table is the same on every architecture, and probe_other.go
// leaves legacySetID nil.
func init() { legacySetID = amd64LegacySetID }

// amd64LegacySetID makes the calls that arm64 lacks and libc no longer
// makes, but a static binary may: chmod(2) on a file inside and outside
// the writable root, and creat(2), open(2) and mknod(2) with a set-ID mode
// inside it. The filter has a rule for each of them.
func amd64LegacySetID(r *probeReport, root, out string) {
	for _, dir := range []string{root, out} {
		if _, err := pathCall(unix.SYS_CHMOD, filepath.Join(dir, "chmod-4755"), 0o4755, 0); err != nil {
			r.fail("chmod("+filepath.Base(dir)+"/chmod-4755, 04755)", err)
		}
	}
	if fd, err := pathCall(unix.SYS_CREAT, filepath.Join(root, "creat"), 0o4755, 0); err != nil {
		r.fail("creat(root/creat, 04755)", err)
	} else {
		unix.Close(int(fd))
	}
	if fd, err := pathCall(unix.SYS_OPEN, filepath.Join(root, "open"), unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0o2755); err != nil {
		r.fail("open(root/open, O_CREAT, 02755)", err)
	} else {
		unix.Close(int(fd))
	}
	if _, err := pathCall(unix.SYS_MKNOD, filepath.Join(root, "mknod"), unix.S_IFREG|0o4755, 0); err != nil {
		r.fail("mknod(root/mknod, S_IFREG|04755)", err)
	}
}

// pathCall makes the system call trap on path with two more arguments;
// x/sys routes its wrappers through the *at calls instead.
func pathCall(trap uintptr, path string, a2, a3 uintptr) (uintptr, error) {
	p, err := unix.BytePtrFromString(path)
	if err != nil {
		return 0, err
	}
	r, _, e := unix.Syscall(trap, uintptr(unsafe.Pointer(p)), a2, a3)
	if e != 0 {
		return 0, e
	}
	return r, nil
}
