//go:build linux

package main

// Whether a listening socket's sock_diag entry (sockdiag_linux.go) is
// bound to the socket file the connect supervisor resolved
// (unixnotify_linux.go). UNIX_DIAG_VFS gives the file's device and only
// the low 32 bits of its inode number, so device and number prove it only
// where numbers fit 32 bits. Elsewhere (XFS and others with 64-bit inode
// numbers) a file outside whose number matches the sandbox's socket's in
// its low 32 bits would pass; there the entry's bound name (UNIX_DIAG_NAME)
// must also name the very file: resolved in the sandbox's view, absolute,
// without symlinks, and still the file's only link (a second name would be
// a link someone made to it). A socket bound by a relative name, or moved
// since, is then refused. What is left: on tmpfs without 64-bit inode
// numbers (CONFIG_TMPFS_INODE64 unset or mounted inode32) the 32-bit
// counter wraps after 2^32 inodes, and a socket file of the sandbox's could
// then share its number with a live one outside on the same tmpfs.

import (
	"math"
	"strings"

	"golang.org/x/sys/unix"
)

// socketFileMatch returns the judge of diag entries for the socket file
// st describes.
func (s *connectSupervisor) socketFileMatch(st *unix.Stat_t) func(*unixDiagEntry) bool {
	return func(e *unixDiagEntry) bool {
		if e.ino != uint32(st.Ino) || e.dev != st.Dev {
			return false
		}
		return st.Ino <= math.MaxUint32 || s.namesFile(e.name, st)
	}
}

// namesFile reports whether the absolute path name, resolved in the
// sandbox's root without following any symlink, is the socket file st
// describes (device and full inode number, both held open meanwhile) and
// its only link.
func (s *connectSupervisor) namesFile(name string, st *unix.Stat_t) bool {
	if !strings.HasPrefix(name, "/") {
		return false
	}
	fd, err := unix.Openat2(s.root, name, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_SYMLINKS,
	})
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	var got unix.Stat_t
	return unix.Fstat(fd, &got) == nil && got.Mode&unix.S_IFMT == unix.S_IFSOCK &&
		got.Dev == st.Dev && got.Ino == st.Ino && got.Nlink == 1
}
