//go:build linux

package main

// The exact proof that a socket listening in the sandbox's network
// namespace is bound to a given socket file, where sock_diag's device and
// 32-bit number cannot tell (btrfs, XFS; see sockfile_linux.go). The
// supervisor finds the listening socket itself in a process of the
// sandbox ("socket:[N]" in /proc/PID/fd, N being sock_diag's udiag_ino),
// takes a copy (pidfd_getfd(2)), checks it is an AF_UNIX socket listening
// in the sandbox's network namespace, and asks the kernel for the very
// file it is bound to: SIOCUNIXFILE (Linux 4.18, net/unix/af_unix.c
// unix_open_file) opens the socket's bound path with O_PATH; it needs
// CAP_NET_ADMIN over the socket's network namespace's user namespace,
// which the supervisor has as owner of the sandbox's. fstat of that and
// of the resolved socket file then compare by full device and inode
// number, both from stat, so btrfs's subvolume devices and 64-bit numbers
// compare exactly. Where the ioctl fails (older kernels: ENOTTY or
// EINVAL; EPERM) nothing is proven and socketFileMatch's rule stands.

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// siocUnixFile is SIOCUNIXFILE (include/uapi/linux/un.h):
// SIOCPROTOPRIVATE + 0.
const siocUnixFile = 0x89E0

// boundExactly reports whether a socket listening in the sandbox's
// network namespace is bound to the socket file st describes, proven by
// the socket's own bound file (SIOCUNIXFILE).
func (s *connectSupervisor) boundExactly(st *unix.Stat_t) bool {
	// Listeners whose bound file's number has st's low 32 bits: the only
	// candidates (unix_diag reports the bound inode's i_ino).
	cand := map[uint32]bool{}
	s.listening(s.diag, func(e *unixDiagEntry) bool {
		if e.ino == uint32(st.Ino) {
			cand[e.sock] = true
		}
		return false
	})
	if len(cand) == 0 {
		return false
	}
	pidns := s.pidns
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return false
	}
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid <= 0 {
			continue
		}
		dir := "/proc/" + p.Name()
		var ns unix.Stat_t
		if unix.Stat(dir+"/ns/pid", &ns) != nil || ns.Dev != pidns.Dev || ns.Ino != pidns.Ino {
			continue
		}
		fds, err := os.ReadDir(dir + "/fd")
		if err != nil {
			continue
		}
		for _, f := range fds {
			link, err := os.Readlink(dir + "/fd/" + f.Name())
			if err != nil {
				continue
			}
			v, ok := strings.CutPrefix(link, "socket:[")
			if !ok {
				continue
			}
			sock, err := strconv.ParseUint(strings.TrimSuffix(v, "]"), 10, 32)
			if err != nil || !cand[uint32(sock)] {
				continue
			}
			n, err := strconv.Atoi(f.Name())
			if err != nil {
				continue
			}
			if s.socketBoundTo(pid, n, uint32(sock), st) {
				return true
			}
		}
	}
	return false
}

// socketBoundTo reports whether descriptor n of process pid is an
// AF_UNIX socket numbered sock in sockfs, listening in the sandbox's
// network namespace and bound to exactly the file st describes.
func (s *connectSupervisor) socketBoundTo(pid, n int, sock uint32, st *unix.Stat_t) bool {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return false
	}
	fd, err := unix.PidfdGetfd(pidfd, n, 0)
	unix.Close(pidfd)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	// The descriptor may have been replaced since its link was read:
	// check the copy itself.
	var sst unix.Stat_t
	if unix.Fstat(fd, &sst) != nil || sst.Mode&unix.S_IFMT != unix.S_IFSOCK || sst.Ino != uint64(sock) {
		return false
	}
	if d, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN); err != nil || d != unix.AF_UNIX {
		return false
	}
	if l, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || l != 1 {
		return false
	}
	if !s.inSandboxNetns(fd) {
		return false
	}
	file, err := unix.IoctlRetInt(fd, siocUnixFile)
	if err != nil {
		return false
	}
	defer unix.Close(file)
	var bound unix.Stat_t
	return unix.Fstat(file, &bound) == nil && bound.Mode&unix.S_IFMT == unix.S_IFSOCK &&
		bound.Dev == st.Dev && bound.Ino == st.Ino
}
