//go:build linux

package main

// The doctor's AF_UNIX vectors beyond unix-pathname, unix-abstract and
// unix-dgram: a listener a process outside made inside the writable root
// (writable is not the namespace engine's rule: only sockets the sandbox
// bound itself are reached; see unixnotify_linux.go), and a connect raced
// by a second thread that rewrites the address and dup2s other sockets
// onto the descriptor, which a check-then-continue supervisor would lose.

import (
	"path/filepath"
	"runtime"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

var (
	watchUnixInRoot = watcher{"a pathname AF_UNIX listener made outside the sandbox in the writable root accepted nothing", arrangeUnixInRoot}
	watchUnixRace   = watcher{"a pathname AF_UNIX listener outside accepted nothing", arrangeUnixRace}
)

func arrangeUnixInRoot(_ *doctor, root, _ string) (*witness, error) {
	name := filepath.Join(root, "outside-made.sock")
	fd, err := bindSocket(unix.AF_UNIX, unix.SOCK_STREAM, &unix.SockaddrUnix{Name: name})
	if err != nil {
		return nil, err
	}
	return acceptWitness(fd, name)
}

// arrangeUnixRace listens outside; the probe is told that path and a
// path in the writable root for a listener of its own.
func arrangeUnixRace(d *doctor, root, out string) (*witness, error) {
	w, err := listenUnix(d, out, false)
	if err != nil {
		return nil, err
	}
	w.args = append(w.args, filepath.Join(root, "own.sock"))
	return w, nil
}

// unixRaceTries is how many connects the race makes.
const unixRaceTries = 3000

// tryUnixRace binds a listener of its own at args[1] (where it may) and
// connects to it unixRaceTries times, while another thread flips the
// address buffer between that path and args[0] (outside) and dup2s fresh
// sockets onto the descriptor being connected. A connect that lands on
// the listener outside, by getpeername, is the effect.
func tryUnixRace(a []string) (r probeReport) {
	outside, own := probeArg(a, 0), probeArg(a, 1)
	if l, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err == nil {
		if err := unix.Bind(l, &unix.SockaddrUnix{Name: own}); err != nil {
			r.fail("bind own listener", err)
		} else if err := unix.Listen(l, unix.SOMAXCONN); err != nil {
			r.fail("listen", err)
		}
		defer unix.Close(l)
	} else {
		r.fail("socket(AF_UNIX, SOCK_STREAM)", err)
	}
	// struct sockaddr_un, rewritten in place by the racer: the bytes of
	// one path or the other, NUL-padded to the longer.
	var addrs [2][110]byte
	for i, p := range []string{own, outside} {
		addrs[i][0] = unix.AF_UNIX
		copy(addrs[i][2:], p)
	}
	var buf [110]byte
	buf = addrs[0]
	size := 2 + max(len(own), len(outside)) + 1
	var stop, fdNow atomic.Int32
	fdNow.Store(-1)
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer close(done)
		for i := 0; stop.Load() == 0; i++ {
			src := &addrs[i&1]
			for j := range size { // byte by byte: every mix of the two
				*(*byte)(unsafe.Add(unsafe.Pointer(&buf[0]), j)) = src[j]
			}
			if fd := fdNow.Load(); fd >= 0 && i%8 == 0 {
				if s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err == nil {
					unix.Dup3(s, int(fd), unix.O_CLOEXEC)
					unix.Close(s)
				}
			}
		}
	}()
	var connected, outsideHits int
	var lastErr error
	for range unixRaceTries {
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			lastErr = err
			break
		}
		fdNow.Store(int32(fd))
		_, _, e := unix.Syscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), uintptr(size))
		fdNow.Store(-1)
		if e == 0 {
			connected++
			if sa, err := unix.Getpeername(fd); err == nil {
				if u, ok := sa.(*unix.SockaddrUnix); ok && u.Name == outside {
					outsideHits++
				}
			}
		} else {
			lastErr = e
		}
		unix.Close(fd)
	}
	stop.Store(1)
	<-done
	if outsideHits > 0 {
		r.did("%d of %d raced connects reached the listener outside", outsideHits, unixRaceTries)
	} else if connected == 0 && lastErr != nil {
		r.fail("connect", lastErr)
	}
	return r
}
