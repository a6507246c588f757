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
//
// btrfs: unix_diag reports the superblock's device (d_sb->s_dev), stat the
// subvolume's anonymous one, and inode numbers repeat across subvolumes of
// one superblock; there too the bound name decides (a hard link or rename
// across subvolumes fails with EXDEV, so a name in the sandbox's subvolume
// cannot be made to name a socket file of another).

import (
	"math"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// socketFileMatch returns the judge of diag entries for the socket file
// st describes, open as fd.
func (s *connectSupervisor) socketFileMatch(st *unix.Stat_t, fd int) func(*unixDiagEntry) bool {
	var sb uint64
	sbKnown := false
	return func(e *unixDiagEntry) bool {
		if e.ino != uint32(st.Ino) {
			return false
		}
		if e.dev == st.Dev {
			return st.Ino <= math.MaxUint32 || s.namesFile(e.name, st)
		}
		if !sbKnown {
			sb, sbKnown = superblockDev(s.inner, fd), true
		}
		return sb != 0 && e.dev == sb && s.namesFile(e.name, st)
	}
}

// superblockDev is the device of the superblock holding fd, as
// /proc/PID/mountinfo of process pid (the sandbox's mount namespace) gives
// it for fd's mount; 0 if unknown. It differs from stat's st_dev on btrfs,
// whose every subvolume has an anonymous device of its own, while
// unix_diag reports the superblock's (d_sb->s_dev); as inode numbers start
// over in each subvolume, a match by it alone proves nothing, and
// socketFileMatch asks the bound name as well.
func superblockDev(pid, fd int) uint64 {
	mnt, ok := mountID(fd)
	if !ok {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/mountinfo")
	if err != nil {
		return 0
	}
	// "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw"
	// (proc_pid_mountinfo(5)): mount ID, parent ID, major:minor.
	id := strconv.FormatUint(mnt, 10) + " "
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, id) {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			return 0
		}
		maj, min, ok := strings.Cut(f[2], ":")
		ma, err1 := strconv.ParseUint(maj, 10, 32)
		mi, err2 := strconv.ParseUint(min, 10, 32)
		if !ok || err1 != nil || err2 != nil {
			return 0
		}
		return unix.Mkdev(uint32(ma), uint32(mi))
	}
	return 0
}

// mountID is the ID of the mount fd lies on: statx's STATX_MNT_ID (Linux
// 5.8), else the "mnt_id:" line of /proc/self/fdinfo/FD (3.15).
func mountID(fd int) (uint64, bool) {
	var stx unix.Statx_t
	if unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID, &stx) == nil && stx.Mask&unix.STATX_MNT_ID != 0 {
		return stx.Mnt_id, true
	}
	b, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "mnt_id:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
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
