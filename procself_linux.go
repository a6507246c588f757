//go:build linux

package main

// Socket paths through the caller's own /proc entries, for the connect
// supervisor (unixnotify_linux.go). sun_path holds 108 bytes, and the
// usual way around it is to open the directory and connect to
// "/proc/self/fd/DIRFD/name". The supervisor resolves paths in the
// sandbox's procfs, where it has no PID of its own, so "self" and
// "thread-self" would name nothing (ENOENT) and "fd/N" a magic link it
// refuses to follow (RESOLVE_NO_MAGICLINKS). So before resolving:
//
//   - /proc/self/fd/N/rest, /proc/thread-self/fd/N/rest, /dev/fd/N/rest:
//     the supervisor takes the caller's descriptor N itself
//     (pidfd_getfd(2)) and resolves rest beneath it with openat2(2)'s
//     RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS (".." above it and absolute
//     symlinks get EXDEV); without rest, the file of N itself.
//   - /proc/self/cwd/rest and /proc/self/root/rest (thread-self alike):
//     rest from the caller's working directory, as a relative path, or
//     from the sandbox's root, where every process of the sandbox has its
//     root (none can chroot).
//   - other paths under /proc/self and /proc/thread-self: "self" becomes
//     the caller's PID in the sandbox's PID namespace (NStgid in
//     /proc/TID/status), "thread-self" PID/task/TID (NSpid); the rest
//     resolves as any path, so a magic link in it (exe, map_files) still
//     gets ELOOP.
//
// Whatever file is found, the sock_diag check applies as to any other: a
// descriptor the command inherited of a directory outside reaches only
// sockets the sandbox bound.

import (
	"math"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// resolveSocketPath opens, with O_PATH, the file path names for thread
// tid of the sandbox.
func (s *connectSupervisor) resolveSocketPath(tid int, path string) (int, unix.Errno) {
	if !strings.HasPrefix(path, "/") {
		return resolveInSandbox(s.root, tid, path)
	}
	var comps []string
	for _, c := range strings.Split(path, "/") {
		if c != "" && c != "." {
			comps = append(comps, c)
		}
	}
	if len(comps) < 2 {
		return resolveInSandbox(s.root, tid, path)
	}
	var fdPart []string
	switch {
	case comps[0] == "dev" && comps[1] == "fd":
		fdPart = comps[2:]
	case comps[0] == "proc" && (comps[1] == "self" || comps[1] == "thread-self"):
		if len(comps) > 2 && comps[2] == "fd" {
			fdPart = comps[3:]
			break
		}
		if len(comps) > 2 && comps[2] == "cwd" {
			// The caller's working directory, as a relative path starts.
			return resolveInSandbox(s.root, tid, strings.Join(append([]string{"."}, comps[3:]...), "/"))
		}
		if len(comps) > 2 && comps[2] == "root" {
			// The sandbox's root: no process in it can chroot.
			return resolveInSandbox(s.root, tid, "/"+strings.Join(comps[3:], "/"))
		}
		tgidNS, tidNS, ok := sandboxPids(tid)
		if !ok {
			return -1, unix.EINTR // the thread is gone
		}
		self := "/proc/" + strconv.Itoa(tgidNS)
		if comps[1] == "thread-self" {
			self += "/task/" + strconv.Itoa(tidNS)
		}
		return resolveInSandbox(s.root, tid, self+"/"+strings.Join(comps[2:], "/"))
	default:
		return resolveInSandbox(s.root, tid, path)
	}
	if len(fdPart) == 0 {
		return -1, unix.ENOENT // the fd directory itself: no socket
	}
	n, err := strconv.Atoi(fdPart[0])
	if err != nil || n < 0 || n > math.MaxInt32 || fdPart[0] != strconv.Itoa(n) {
		// procfs's fd directory has decimal names of ints only (and
		// pidfd_getfd would take a larger n modulo 2^32: another fd).
		return -1, unix.ENOENT
	}
	return resolveBeneathFD(tid, n, strings.Join(fdPart[1:], "/"))
}

// resolveBeneathFD opens rest beneath descriptor n of thread tid, or a
// copy of n itself when rest is empty.
func resolveBeneathFD(tid, n int, rest string) (int, unix.Errno) {
	pidfd, err := threadPidfd(tid)
	if err != nil {
		return -1, unix.EINTR
	}
	dir, err := unix.PidfdGetfd(pidfd, n, 0)
	unix.Close(pidfd)
	if err != nil {
		if errnoOf(err, unix.EBADF) == unix.EBADF {
			return -1, unix.ENOENT // no such entry in /proc/self/fd
		}
		return -1, errnoOf(err, unix.ENOENT)
	}
	if rest == "" {
		return dir, 0
	}
	defer unix.Close(dir)
	fd, err := unix.Openat2(dir, rest, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		return -1, errnoOf(err, unix.ENOENT)
	}
	return fd, 0
}

// sandboxPids are thread tid's process ID and its own ID in the
// innermost PID namespace, the sandbox's (the last NStgid and NSpid
// fields of /proc/TID/status, Linux 4.1).
func sandboxPids(tid int) (tgid, pid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return 0, 0, false
	}
	last := func(key string) int {
		for _, line := range strings.Split(string(b), "\n") {
			if v, found := strings.CutPrefix(line, key); found {
				f := strings.Fields(v)
				if len(f) > 0 {
					if n, err := strconv.Atoi(f[len(f)-1]); err == nil {
						return n
					}
				}
			}
		}
		return 0
	}
	tgid, pid = last("NStgid:"), last("NSpid:")
	return tgid, pid, tgid > 0 && pid > 0
}
