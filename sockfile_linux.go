//go:build linux

package main

// Whether a listening socket's sock_diag entry (sockdiag_linux.go) is
// bound to the socket file the connect supervisor resolved
// (unixnotify_linux.go). UNIX_DIAG_VFS gives the device of the bound
// file's superblock and only the low 32 bits of its inode number, so the
// entry proves the file only where device and 32 bits name one file:
//
//   - the entry's device is the file's st_dev exactly (on btrfs stat gives
//     each subvolume an anonymous device while unix_diag reports the
//     superblock's, and numbers start over in every subvolume: refused);
//   - the file's number fits 32 bits; and
//   - its filesystem never gives a number beyond 32 bits nor one twice
//     (vfsExactFS).
//
// The listener's bound name (UNIX_DIAG_NAME) is never evidence: it is the
// name given to bind, resolved now, and a command that can rename
// directories can make it name another file (a subvolume renamed onto the
// directory the socket was bound in).
//
// Where this rule cannot decide, the listening socket's own bound file
// can (sockexact_linux.go, boundExactly).

import (
	"math"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// vfsExactFS reports whether on a filesystem of type magic (statfs(2)'s
// f_type) device and the low 32 bits of an inode number name one file:
//
//   - ext2/3/4 (EXT4_SUPER_MAGIC, shared by all three): on-disk inode
//     numbers are 32-bit (s_inodes_count is __le32);
//   - f2fs (F2FS_SUPER_MAGIC): inode numbers are node IDs, nid_t is u32.
//
// Everything else (btrfs, XFS, overlayfs, NFS, FUSE, ...) may number
// beyond 32 bits or repeat numbers under one device. tmpfs too: its
// per-superblock counter is 32-bit unless inode64 and then wraps, after
// 2^32 inodes, to numbers still in use (mm/shmem.c), which a command can
// reach in hours by making and removing files (a tmux or X11 socket in a
// /tmp on tmpfs that Codex makes writable); there boundExactly decides.
func vfsExactFS(magic int64) bool {
	switch uint32(magic) {
	case unix.EXT4_SUPER_MAGIC, unix.F2FS_SUPER_MAGIC:
		return true
	}
	return false
}

// vfsProves reports whether diag entry e proves a socket bound to the file
// st describes, on a filesystem of type magic.
func vfsProves(e *unixDiagEntry, st *unix.Stat_t, magic int64) bool {
	return vfsExactFS(magic) && st.Ino <= math.MaxUint32 &&
		e.dev == st.Dev && e.ino == uint32(st.Ino)
}

// socketFileMatch returns the judge of diag entries for the socket file
// st describes, open as fd: true only for an entry that proves it
// (vfsProves). A filesystem it cannot judge refuses every entry.
func socketFileMatch(st *unix.Stat_t, fd int) func(*unixDiagEntry) bool {
	var fs unix.Statfs_t
	if unix.Fstatfs(fd, &fs) != nil || !vfsExactFS(int64(fs.Type)) || st.Ino > math.MaxUint32 {
		return func(*unixDiagEntry) bool { return false }
	}
	magic := int64(fs.Type)
	return func(e *unixDiagEntry) bool { return vfsProves(e, st, magic) }
}

// socketFileLike returns a loose judge of diag entries for the socket
// file st describes, open as fd: the low 32 bits of the number, and the
// device or (btrfs) the superblock's. It only picks a refusal's message
// (EACCES where something outside may listen on the file), never grants.
func (s *connectSupervisor) socketFileLike(st *unix.Stat_t, fd int) func(*unixDiagEntry) bool {
	var sb uint64
	sbKnown := false
	return func(e *unixDiagEntry) bool {
		if e.ino != uint32(st.Ino) {
			return false
		}
		if e.dev == st.Dev {
			return true
		}
		if !sbKnown {
			sb, sbKnown = superblockDev(s.inner, fd), true
		}
		return sb != 0 && e.dev == sb
	}
}

// superblockDev is the device of the superblock holding fd, as
// /proc/PID/mountinfo of process pid (the sandbox's mount namespace) gives
// it for fd's mount; 0 if unknown. It differs from stat's st_dev on btrfs,
// whose every subvolume has an anonymous device of its own, while
// unix_diag reports the superblock's (d_sb->s_dev).
func superblockDev(pid, fd int) uint64 {
	if fd < 0 {
		return 0
	}
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
