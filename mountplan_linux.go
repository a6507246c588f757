//go:build linux

package main

// The mount plan (mountplan.go) made real: the host side (placeholders and
// their registry, in the outer stage) and the interpreter that applies the
// plan in the inner stage.
//
// The inner stage runs in a user namespace of its own, with a mount
// namespace that namespace owns, as PID 1 of a new PID namespace, with
// every capability of its user namespace (as root: the identity map of
// all IDs; otherwise the caller's uid and gid mapped to themselves and,
// since execve clears the capabilities of a non-root uid, CAP_SYS_ADMIN
// kept as an ambient capability). There, every mount copied from the
// parent namespace is locked (mount_namespaces(7), "Restrictions on mount
// namespaces"): it cannot be unmounted to reveal what it covers, and a flag
// it had (ro, nosuid, nodev, noexec, atime) cannot be cleared; adding one
// is allowed. So the plan only adds flags and stacks mounts on top:
//
//   - writable roots are copied (open_tree(OPEN_TREE_CLONE|AT_RECURSIVE))
//     while they are still writable, then everything is made read-only
//     with one recursive mount_setattr on "/", then the copies are moved
//     back on top (move_mount);
//   - /dev is a new tmpfs, because the host's is now nodev: its device
//     nodes are bind copies with nodev cleared (a flag we set ourselves is
//     not locked); devpts with newinstance and tmpfs may be mounted in a
//     user namespace (FS_USERNS_MOUNT);
//   - /proc is a new proc of the new PID namespace, which the kernel
//     refuses where the host's proc is partly covered (mount_too_revealing,
//     as in many containers): then the host's stays, read-only, and the
//     plan records a notice.
//
// Paths are opened with openat2(RESOLVE_NO_SYMLINKS): the planner resolved
// every symlink, so one met now is a change since planning, and an error.
//
// See mount_setattr(2), open_tree(2), move_mount(2), fsopen(2),
// fsconfig(2), fsmount(2), openat2(2), user_namespaces(7).

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ---------------------------------------------------------------------
// Host side: placeholders.
//
// A read-only island that does not exist must not be creatable. The outer
// stage creates an empty directory there (not an empty file: an empty
// .git file would break git, while git walks past an empty .git
// directory to the repository above), the inner stage binds it read-only
// onto itself, so that it cannot be written, removed or renamed (it is a
// mount point), and the outer stage removes it afterwards.
//
// Runs on the same tree may overlap. Since Linux 3.18, removing a mount
// point in one mount namespace detaches the mount in every other: one
// run's cleanup must not remove a placeholder another live run stands on.
// So each island has a file in a registry directory of the user's,
// /dev/shm/sandbox-placeholders-<euid>/<fnv-1a 64 of the path> (/tmp
// where there is no /dev/shm; see placeholderRegistryBases), with two
// open file description locks (fcntl(2) F_OFD_SETLKW), released by the
// kernel when a run dies:
//
//	byte 0: a mutex, held briefly to decide or to clean up;
//	byte 1: "in use", held shared by every run from prepareHost to
//	        cleanupHost; taken exclusive (without waiting) by a cleanup
//	        that holds the mutex, to learn that no other run uses it.
//
// The file's contents claim the placeholder: "placeholder DEV INO
// [@SEC.NSEC] [%TYPE.HANDLE] PATH", its device and inode number, and what
// tells it from a later directory on the same inode number (see stamp),
// where the filesystem has it. A directory is removed only if it is
// claimed, still that directory, and empty (rmdir(2) refuses otherwise):
// a directory of the user's is never removed. A run that died leaves its
// claim, and the next run on the path removes the placeholder. The last run unlinks the registry file (under
// the mutex: a waiter then sees nlink 0 and starts over). The registry
// itself is out of the command's sight (the sandbox has its own /dev/shm;
// one in /tmp is masked), so a sandboxed command cannot hold a lock to
// stall other runs.

// ensureRegistry creates the registry directory, or checks that the one
// there is a private directory of this user's and not a symlink: /dev/shm
// and /tmp are shared, and another user could have put something there
// first.
func ensureRegistry(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("placeholder registry: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return fmt.Errorf("placeholder registry: lstat %q: %w", dir, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR || int(st.Uid) != os.Geteuid() || st.Mode&0o077 != 0 {
		return fmt.Errorf("placeholder registry %q is not a private directory of uid %d (mode %o, owner %d); remove it", dir, os.Geteuid(), st.Mode, st.Uid)
	}
	return nil
}

func registryFile(registry, path string) string {
	h := fnv.New64a()
	h.Write([]byte(path))
	return filepath.Join(registry, fmt.Sprintf("%016x", h.Sum64()))
}

// ofdLock sets (typ F_RDLCK or F_WRLCK) or clears (F_UNLCK) the lock on
// byte b of fd, waiting for it if wait.
func ofdLock(fd int, typ int16, b int64, wait bool) error {
	cmd := unix.F_OFD_SETLK
	if wait {
		cmd = unix.F_OFD_SETLKW
	}
	lk := unix.Flock_t{Type: typ, Whence: 0, Start: b, Len: 1}
	for {
		err := unix.FcntlFlock(uintptr(fd), cmd, &lk)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

const (
	lockMutex = 0
	lockInUse = 1
)

// claim is a registry file's contents: the placeholder it records, if any.
type claim struct {
	dev, ino uint64
	stamp    stamp
	path     string
}

// stamp tells a directory from a later one that got the same inode number
// (a user's, made where a leftover placeholder was removed): its file
// handle (name_to_handle_at(2), which holds the inode's generation, and
// local filesystems renew that when they reuse an inode) and its birth
// time (statx(2) STATX_BTIME; two directories made in one clock tick
// share it). Either may be unknown: a filesystem without it, a failed
// call, a claim of an earlier version. The handle is taken only on the
// filesystems that keep it for the inode's life (stableHandles): a FUSE
// server may give a directory another one once the kernel has forgotten
// it, and a placeholder would then be taken for the user's and left.
type stamp struct {
	handle string // "TYPE.HEX"; "" unknown
	birth  birth
}

// birth is a birth time; known is false where there is none.
type birth struct {
	known bool
	sec   int64
	nsec  uint32
}

// identify reads what base in the directory parent is, not followed if a
// symlink: its type, device and inode, and its stamp, all from one
// descriptor (O_PATH), so that all of it is of one directory even if the
// name changes hands meanwhile.
func identify(parent int, base string) (st unix.Stat_t, s stamp, err error) {
	fd, err := unix.Openat(parent, base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return st, s, err
	}
	defer unix.Close(fd)
	if err := unix.Fstat(fd, &st); err != nil {
		return st, s, err
	}
	var fs unix.Statfs_t
	if unix.Fstatfs(fd, &fs) == nil && slices.Contains(stableHandles, uint32(fs.Type)) {
		if h, _, err := unix.NameToHandleAt(fd, "", unix.AT_EMPTY_PATH); err == nil {
			s.handle = fmt.Sprintf("%d.%x", h.Type(), h.Bytes())
		}
	}
	var stx unix.Statx_t
	if unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_BTIME, &stx) == nil && stx.Mask&unix.STATX_BTIME != 0 {
		s.birth = birth{known: true, sec: stx.Btime.Sec, nsec: stx.Btime.Nsec}
	}
	return st, s, nil
}

// stableHandles are the filesystems (statfs(2) f_type) whose file handle
// for a directory is its inode number and generation, for the inode's
// life: ext2/3/4, XFS, tmpfs, btrfs, f2fs. Not FUSE, NFS or overlayfs.
var stableHandles = []uint32{unix.EXT4_SUPER_MAGIC, unix.XFS_SUPER_MAGIC, unix.TMPFS_MAGIC, unix.BTRFS_SUPER_MAGIC, unix.F2FS_SUPER_MAGIC}

// differs reports whether s and t are of different directories, by what
// both know: a part unknown to either decides nothing, and the device and
// inode decide alone, as before stamps were recorded.
func (s stamp) differs(t stamp) bool {
	return s.handle != "" && t.handle != "" && s.handle != t.handle ||
		s.birth.known && t.birth.known && s.birth != t.birth
}

// names reports whether the claim is for the directory with st's device
// and inode and stamp now.
func (c claim) names(st *unix.Stat_t, now stamp) bool {
	return c.dev == st.Dev && c.ino == st.Ino && !c.stamp.differs(now)
}

// namesNow reports whether the claim names the directory base in parent
// is now, st (what the caller saw there) being of that same directory:
// false if it is another or gone; an error if it cannot be told, and then
// the claim must stay.
func (c claim) namesNow(parent int, base string, st *unix.Stat_t) (bool, error) {
	now, s, err := identifyAt(parent, base)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return now.Dev == st.Dev && now.Ino == st.Ino && c.names(&now, s), nil
}

// identifyAt is identify; a test makes it fail.
var identifyAt = identify

// claimMax bounds a registry file's contents: a path of PATH_MAX bytes and
// the fields before it, with room to spare.
const claimMax = 8192

func readClaim(fd int) (claim, bool) {
	buf := make([]byte, claimMax)
	n, err := unix.Pread(fd, buf, 0)
	if err != nil || n == 0 {
		return claim{}, false
	}
	line, ok := bytes.CutSuffix(buf[:n], []byte("\n"))
	f := strings.SplitN(string(line), " ", 4)
	if !ok || len(f) != 4 || f[0] != "placeholder" {
		return claim{}, false
	}
	dev, err1 := strconv.ParseUint(f[1], 10, 64)
	ino, err2 := strconv.ParseUint(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		return claim{}, false
	}
	c := claim{dev: dev, ino: ino}
	// The path is absolute: the fields before it start with @ (the
	// birth) or % (the handle).
	rest := f[3]
	for !strings.HasPrefix(rest, "/") {
		field, after, ok := strings.Cut(rest, " ")
		if !ok {
			return claim{}, false
		}
		switch {
		case strings.HasPrefix(field, "@") && !c.stamp.birth.known:
			sec, nsec, ok := strings.Cut(field[1:], ".")
			s, err1 := strconv.ParseInt(sec, 10, 64)
			ns, err2 := strconv.ParseUint(nsec, 10, 32)
			if !ok || err1 != nil || err2 != nil || ns >= 1e9 {
				return claim{}, false
			}
			c.stamp.birth = birth{known: true, sec: s, nsec: uint32(ns)}
		case strings.HasPrefix(field, "%") && c.stamp.handle == "" && len(field) > 1:
			c.stamp.handle = field[1:]
		default:
			return claim{}, false
		}
		rest = after
	}
	c.path = rest
	return c, true
}

func writeClaim(fd int, c *claim) error {
	if err := unix.Ftruncate(fd, 0); err != nil {
		return err
	}
	if c == nil {
		return nil
	}
	line := fmt.Appendf(nil, "placeholder %d %d ", c.dev, c.ino)
	if c.stamp.birth.known {
		line = fmt.Appendf(line, "@%d.%09d ", c.stamp.birth.sec, c.stamp.birth.nsec)
	}
	if c.stamp.handle != "" {
		line = fmt.Appendf(line, "%%%s ", c.stamp.handle)
	}
	_, err := unix.Pwrite(fd, fmt.Appendf(line, "%s\n", c.path), 0)
	return err
}

// openParent opens the directory holding path, refusing symlinks on the
// way, for *at calls on its last component.
func openParent(path string) (int, string, error) {
	dir, base := filepath.Split(path)
	fd, err := unix.Openat2(unix.AT_FDCWD, dir, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_SYMLINKS,
	})
	if err != nil {
		return -1, "", fmt.Errorf("openat2 %q: %w", dir, err)
	}
	return fd, base, nil
}

// prepareHost runs in the outer stage before the inner one starts: it
// takes a registry entry for every island that is missing or an empty
// directory, creates the missing ones' placeholders, and records in the
// plan which islands are placeholders (with their device and inode, which
// the inner stage checks). On error, what it did is undone.
func (mp *mountPlan) prepareHost() error {
	if err := mp.checkKeeps(); err != nil {
		return err
	}
	if mp.registry == "" {
		return nil
	}
	if err := ensureRegistry(mp.registry); err != nil {
		return err
	}
	ops := mp.ops[:0:0]
	for _, op := range mp.ops {
		if op.Kind != opIsland && op.Kind != opCache {
			ops = append(ops, op)
			continue
		}
		lk, err := holdIsland(mp.registry, op.Path)
		if op.Kind == opCache && err != nil {
			mp.cleanupHost()
			return fmt.Errorf("--cache %q: placeholder: %w", op.Path, err)
		}
		if errors.Is(err, errReadOnlyFS) {
			// On a read-only mount the command cannot create it either
			// (the flag is locked in its namespace): nothing to do.
			mp.skipped = append(mp.skipped, op.Path+" (missing read-only path on a read-only filesystem: cannot be created)")
			continue
		}
		if err != nil {
			mp.cleanupHost()
			return fmt.Errorf("read-only path %q: %w", op.Path, err)
		}
		if lk != nil {
			mp.held = append(mp.held, lk)
			op.Placeholder, op.Dev, op.Ino = lk.placeholder, lk.dev, lk.ino
		}
		ops = append(ops, op)
	}
	mp.ops = ops
	return nil
}

// errReadOnlyFS is holdIsland's answer for a missing island on a
// read-only filesystem.
var errReadOnlyFS = errors.New("read-only file system")

// islandState says what is at path: nothing (ENOENT), a non-empty
// directory or something else (real), or an empty directory (maybe a
// placeholder).
func islandState(parent int, base string) (st unix.Stat_t, empty bool, err error) {
	if err = unix.Fstatat(parent, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return st, false, err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		return st, false, errors.New("is now a symlink")
	case unix.S_IFDIR:
	default:
		return st, false, nil
	}
	fd, err := unix.Openat(parent, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return st, false, err
	}
	defer unix.Close(fd)
	buf := make([]byte, 4096)
	for {
		n, err := unix.Getdents(fd, buf)
		if err != nil {
			return st, false, err
		}
		if n == 0 {
			return st, true, nil
		}
		for b := buf[:n]; len(b) > 0; {
			// struct linux_dirent64: d_ino u64, d_off s64, d_reclen u16, d_type u8, d_name.
			reclen := int(b[16]) | int(b[17])<<8
			name, _, _ := bytes.Cut(b[19:reclen], []byte{0})
			if s := string(name); s != "." && s != ".." {
				return st, false, nil
			}
			b = b[reclen:]
		}
	}
}

// holdIsland takes path's registry entry (nil when path is a real island
// that no run could remove: a file or a directory with entries).
func holdIsland(registry, path string) (*placeholderLock, error) {
	parent, base, err := openParent(path)
	if err != nil {
		return nil, err
	}
	defer unix.Close(parent)
	if _, empty, err := islandState(parent, base); err == nil && !empty {
		return nil, nil
	} else if err != nil && !errors.Is(err, unix.ENOENT) {
		return nil, err
	}

	file := registryFile(registry, path)
	var fd int
	for {
		fd, err = unix.Open(file, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open %q: %w", file, err)
		}
		if err = ofdLock(fd, unix.F_WRLCK, lockMutex, true); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("lock %q: %w", file, err)
		}
		var st unix.Stat_t
		if err = unix.Fstat(fd, &st); err == nil && st.Nlink > 0 {
			break
		}
		unix.Close(fd) // removed by the cleanup we waited for: start over
	}
	lk := &placeholderLock{path: path, file: file, fd: fd}
	defer func() {
		if lk.fd >= 0 {
			ofdLock(lk.fd, unix.F_UNLCK, lockMutex, false)
		}
	}()
	fail := func(err error) (*placeholderLock, error) {
		unix.Close(fd)
		lk.fd = -1
		return nil, err
	}
	// Nobody holds "in use" exclusively without the mutex, which is ours.
	if err := ofdLock(fd, unix.F_RDLCK, lockInUse, false); err != nil {
		return fail(fmt.Errorf("lock %q: %w", file, err))
	}
	c, claimed := readClaim(fd)
	st, empty, err := islandState(parent, base)
	switch {
	case errors.Is(err, unix.ENOENT):
		if err := unix.Mkdirat(parent, base, 0o755); err != nil {
			if errors.Is(err, unix.EROFS) {
				lk.release() // and the registry file, if no other run has it
				return nil, errReadOnlyFS
			}
			return fail(fmt.Errorf("mkdir %q: %w", path, err))
		}
		var sp stamp
		if st, sp, err = identify(parent, base); err != nil {
			unix.Unlinkat(parent, base, unix.AT_REMOVEDIR)
			return fail(fmt.Errorf("stat %q: %w", path, err))
		}
		c = claim{dev: st.Dev, ino: st.Ino, stamp: sp, path: path}
		if err := writeClaim(fd, &c); err != nil {
			unix.Unlinkat(parent, base, unix.AT_REMOVEDIR)
			return fail(fmt.Errorf("write %q: %w", file, err))
		}
		lk.placeholder = true
	case err != nil:
		return fail(err)
	case claimed && empty && c.path == path:
		ours, err := c.namesNow(parent, base, &st)
		switch {
		case err != nil:
			return fail(fmt.Errorf("stat %q: %w", path, err))
		case ours:
			lk.placeholder = true // another run's, live or dead
		default:
			writeClaim(fd, nil) // stale: that placeholder is gone
		}
	case claimed && c.path == path:
		writeClaim(fd, nil) // stale: that placeholder is gone
	}
	lk.dev, lk.ino = st.Dev, st.Ino
	return lk, nil
}

// cleanupHost runs in the outer stage once the inner one is gone (or never
// started): it removes the placeholders no other run uses, if they are
// still the empty directories that were created, and releases the locks.
// Safe to call twice.
func (mp *mountPlan) cleanupHost() {
	mp.releasePlaceholders()
	mp.releaseKeeps()
}

// releasePlaceholders is cleanupHost's part for the placeholders, which
// the raw inner stage's supervisor may run before PID 1 has ended (see
// rawFinish); the cache layers' locks wait for the mounts to be gone.
func (mp *mountPlan) releasePlaceholders() {
	for _, lk := range mp.held {
		lk.release()
	}
	mp.held = nil
}

func (lk *placeholderLock) release() {
	if lk.fd < 0 {
		return
	}
	defer func() {
		unix.Close(lk.fd) // drops whatever lock is left
		lk.fd = -1
	}()
	if ofdLock(lk.fd, unix.F_WRLCK, lockMutex, true) != nil {
		return
	}
	// If the registry file was removed from outside (systemd's RemoveIPC
	// empties a user's /dev/shm), other runs may hold a new one: ours
	// proves nothing about them, so leave the placeholder alone.
	var mine, named unix.Stat_t
	if unix.Fstat(lk.fd, &mine) != nil || mine.Nlink == 0 ||
		unix.Stat(lk.file, &named) != nil || named.Dev != mine.Dev || named.Ino != mine.Ino {
		return
	}
	ofdLock(lk.fd, unix.F_UNLCK, lockInUse, false)
	if ofdLock(lk.fd, unix.F_WRLCK, lockInUse, false) != nil {
		return // another run stands on it; the last one removes it
	}
	if c, ok := readClaim(lk.fd); ok && c.path == lk.path {
		if err := removePlaceholder(c); err != nil {
			// Still ours, still there: the claim stays, and the next
			// run with this read-only path removes it.
			warnf("placeholder %s left behind (%v): the next run with this read-only path removes it", lk.path, err)
			return
		}
	}
	unix.Unlink(lk.file)
}

// removePlaceholder removes the placeholder c claims, if it is still the
// empty directory that was made. nil also when it is gone or no longer
// the run's: something else in its place, or something put in it from
// outside (ENOTEMPTY, or EEXIST); an error when it may still be there.
func removePlaceholder(c claim) error {
	gone := func(err error) bool { return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) }
	parent, base, err := openParent(c.path)
	if err != nil {
		if gone(err) {
			return nil
		}
		return err
	}
	defer unix.Close(parent)
	st, now, err := identify(parent, base)
	if err != nil {
		if gone(err) {
			return nil
		}
		return fmt.Errorf("stat: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR || !c.names(&st, now) {
		return nil
	}
	if err := unix.Unlinkat(parent, base, unix.AT_REMOVEDIR); err != nil &&
		!gone(err) && !errors.Is(err, unix.ENOTEMPTY) && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("rmdir: %w", err)
	}
	return nil
}

// ---------------------------------------------------------------------
// Inner side: the interpreter.

// applyMounts performs the plan's operations in order, in the inner
// stage's user and mount namespaces (see the top of this file), then
// re-enters the working directory by name, so that it is looked up in the
// new view: the one inherited still points beneath the mounts just made.
// A weaker choice (the host's /proc) is recorded in mp.notes(). Every
// error names the operation and the path.
func applyMounts(mp *mountPlan) error {
	if err := inFreshNamespaces(); err != nil {
		return err
	}
	a := applier{clones: map[string]int{}, keeps: map[string]int{}, dev: -1}
	defer a.close()
	for _, op := range mp.ops {
		if err := a.apply(mp, op); err != nil {
			return err
		}
	}
	if err := a.sealDev(); err != nil {
		return err
	}
	wd, err := unix.Getwd()
	if errors.Is(err, unix.ENOENT) {
		return nil // a removed directory: nothing to see through it
	}
	if err != nil {
		return fmt.Errorf("getcwd: %w", err)
	}
	if err := unix.Chdir(wd); err != nil {
		return fmt.Errorf("chdir %q in the sandbox's view: %w", wd, err)
	}
	return nil
}

// initUserNSIno is the inode number of the initial user namespace
// (PROC_USER_INIT_INO in include/linux/proc_ns.h).
const initUserNSIno = 0xEFFFFFFD

// inFreshNamespaces refuses to run the plan anywhere but in the inner
// stage: the first operation makes every mount read-only, and in the
// caller's own namespaces that would be the whole machine's view. The
// inner stage is PID 1 of a new PID namespace, in a user namespace that
// is not the initial one.
func inFreshNamespaces() error {
	if pid := unix.Getpid(); pid != 1 {
		return fmt.Errorf("mount plan: not applied: this is PID %d, not PID 1 of a new PID namespace (the caller's own mounts are not ours to change)", pid)
	}
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/user", &st); err == nil && st.Ino == initUserNSIno {
		return errors.New("mount plan: not applied: this is the initial user namespace (the caller's own mounts are not ours to change)")
	}
	return nil
}

// applier is the interpreter's state: the detached copies waiting to be
// moved into place.
type applier struct {
	clones  map[string]int // opClone's copies, by path
	keeps   map[string]int // opKeepClone's copies, by path
	empties []int          // copies of an empty file, one per opHideFile

	dev      int // the new /dev until it is sealed read-only, or -1
	devPath  string
	devEmpty bool // the empty file's name is still in it
}

func (a *applier) close() {
	if a.dev >= 0 {
		unix.Close(a.dev)
	}
	for _, fd := range a.clones {
		unix.Close(fd)
	}
	for _, fd := range a.keeps {
		unix.Close(fd)
	}
	for _, fd := range a.empties {
		unix.Close(fd)
	}
}

// devNodes are the host's device nodes the new /dev shows.
var devNodes = []string{"null", "zero", "full", "random", "urandom", "tty"}

// devLinks are the symlinks of the new /dev, as on any Linux system.
var devLinks = [][2]string{
	{"ptmx", "pts/ptmx"},
	{"fd", "/proc/self/fd"},
	{"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"},
	{"stderr", "/proc/self/fd/2"},
}

// emptyName is the empty file the hidden files show, created in the new
// /dev only until they are masked. It must be a file on a mount of this
// namespace: a memfd, on a kernel-internal mount, cannot be bound, and
// older kernels cannot copy a file of a detached tmpfs (open_tree
// refuses both with EINVAL).
const emptyName = ".sandbox-empty"

func (a *applier) apply(mp *mountPlan, op mountOp) error {
	switch op.Kind {
	case opPrivate:
		attr := unix.MountAttr{Propagation: unix.MS_PRIVATE}
		if err := unix.MountSetattr(unix.AT_FDCWD, op.Path, unix.AT_RECURSIVE, &attr); err != nil {
			return fmt.Errorf("mount_setattr %q (propagation private, recursive): %w", op.Path, err)
		}
	case opClone:
		fd, err := openPath(op.Path, dirOrFile(op.File))
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		tree, err := cloneTree(fd, op.Path, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV, 0)
		if err != nil {
			return err
		}
		if old, ok := a.clones[op.Path]; ok {
			unix.Close(old)
		}
		a.clones[op.Path] = tree
	case opReadOnly:
		attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
		what := "read-only,nosuid,nodev"
		if op.Writable {
			attr.Attr_set &^= unix.MOUNT_ATTR_RDONLY
			what = "nosuid,nodev"
		}
		if err := unix.MountSetattr(unix.AT_FDCWD, op.Path, unix.AT_RECURSIVE, &attr); err != nil {
			return fmt.Errorf("mount_setattr %q (%s, recursive): %w", op.Path, what, err)
		}
	case opDev:
		return a.makeDev(mp, op.Path)
	case opProc:
		return a.proc(mp, op.Path)
	case opBind:
		tree, ok := a.clones[op.Path]
		if !ok {
			return fmt.Errorf("bind %q: no clone of it was taken", op.Path)
		}
		delete(a.clones, op.Path)
		defer unix.Close(tree)
		return moveOnto(tree, op.Path, dirOrFile(op.File))
	case opIsland:
		fd, err := openPath(op.Path, anyKind)
		if err != nil {
			return fmt.Errorf("read-only path: %w", err)
		}
		defer unix.Close(fd)
		if op.Placeholder {
			var st unix.Stat_t
			if err := unix.Fstat(fd, &st); err != nil {
				return fmt.Errorf("fstat %q: %w", op.Path, err)
			}
			if st.Mode&unix.S_IFMT != unix.S_IFDIR || st.Dev != op.Dev || st.Ino != op.Ino {
				return fmt.Errorf("placeholder %q was replaced since it was created (dev %d ino %d, now %d %d)", op.Path, op.Dev, op.Ino, st.Dev, st.Ino)
			}
		}
		tree, err := cloneTree(fd, op.Path, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV, 0)
		if err != nil {
			return err
		}
		defer unix.Close(tree)
		return moveMount(tree, fd, op.Path)
	case opHideDir:
		return a.hideDir(op)
	case opKeepClone:
		return a.keepClone(op)
	case opCache:
		return a.cache(op)
	case opHideFile:
		if len(a.empties) == 0 {
			return fmt.Errorf("hide %q: no empty file was prepared", op.Path)
		}
		empty := a.empties[0]
		a.empties = a.empties[1:]
		defer unix.Close(empty)
		return moveOnto(empty, op.Path, wantFile)
	default:
		return fmt.Errorf("mount plan: unknown operation %v on %q", op.Kind, op.Path)
	}
	return nil
}

// makeDev builds the new /dev: a tmpfs, populated while detached, moved onto
// path, the host's device nodes and the empty-file copies taken; it is
// made read-only (but for pts and shm, mounts of their own) by sealDev.
func (a *applier) makeDev(mp *mountPlan, path string) error {
	// Copies of the host's nodes, before the tmpfs covers them. Ours are
	// nodev (opReadOnly), a flag that was not locked: clear it. They stay
	// read-only: a device node is written through a read-only mount all
	// the same, but its mode and times are not changed.
	// A node the host lacks (a minimal container) is left out.
	var nodes []int
	var names []string
	defer func() {
		for _, fd := range nodes {
			unix.Close(fd)
		}
	}()
	for _, name := range devNodes {
		src := filepath.Join(path, name)
		fd, err := openPath(src, anyKind)
		if errors.Is(err, unix.ENOENT) {
			continue
		}
		if err != nil {
			return err
		}
		tree, err := cloneTree(fd, src, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NOEXEC, unix.MOUNT_ATTR_NODEV)
		unix.Close(fd)
		if err != nil {
			return err
		}
		nodes = append(nodes, tree)
		names = append(names, name)
	}

	m, err := newFS("tmpfs", path, map[string]string{"mode": "0755"}, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return err
	}
	defer func() {
		if m >= 0 {
			unix.Close(m)
		}
	}()
	in := func(name string) string { return filepath.Join(path, name) }
	for _, name := range names {
		if err := createFile(m, name, 0o666); err != nil {
			return fmt.Errorf("create %q: %w", in(name), err)
		}
	}
	for _, d := range []struct {
		name string
		mode uint32
	}{{"pts", 0o755}, {"shm", 0o1777}} {
		if err := unix.Mkdirat(m, d.name, 0o700); err != nil {
			return fmt.Errorf("mkdir %q: %w", in(d.name), err)
		}
		if err := unix.Fchmodat(m, d.name, d.mode, 0); err != nil {
			return fmt.Errorf("chmod %q: %w", in(d.name), err)
		}
	}
	for _, l := range devLinks {
		if err := unix.Symlinkat(l[1], m, l[0]); err != nil {
			return fmt.Errorf("symlink %q -> %q: %w", in(l[0]), l[1], err)
		}
	}
	hideFiles := 0
	for _, op := range mp.ops {
		if op.Kind == opHideFile {
			hideFiles++
		}
	}
	if hideFiles > 0 {
		if err := createFile(m, emptyName, 0); err != nil {
			return fmt.Errorf("create %q: %w", in(emptyName), err)
		}
	}
	if err := moveMount(m, unix.AT_FDCWD, path); err != nil {
		return err
	}

	for i, name := range names {
		if err := moveOnto(nodes[i], in(name), anyKind); err != nil {
			return err
		}
	}
	pts, err := newFS("devpts", in("pts"), map[string]string{"newinstance": "", "ptmxmode": "0666", "mode": "0620"}, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return err
	}
	defer unix.Close(pts)
	if err := moveOnto(pts, in("pts"), wantDir); err != nil {
		return err
	}
	shm, err := newFS("tmpfs", in("shm"), map[string]string{"mode": "01777"}, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV)
	if err != nil {
		return err
	}
	defer unix.Close(shm)
	if err := moveOnto(shm, in("shm"), wantDir); err != nil {
		return err
	}

	// The hidden files' empty file: as many copies as there are files to
	// hide (older kernels cannot copy a detached copy), then the name goes.
	if hideFiles > 0 {
		fd, err := openPath(in(emptyName), wantFile)
		if err != nil {
			return err
		}
		for range hideFiles {
			tree, err := cloneTree(fd, in(emptyName), unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC, 0)
			if err != nil {
				unix.Close(fd)
				return err
			}
			a.empties = append(a.empties, tree)
		}
		unix.Close(fd)
	}
	a.dev, a.devPath, a.devEmpty = m, path, hideFiles > 0
	m = -1
	if hideFiles == 0 {
		return a.sealDev()
	}
	return nil
}

// sealDev makes the new /dev read-only, once the empty file's name is
// gone. The kernel does not move a copy of an unlinked file (ENOENT), so
// the name stays until the hidden files are masked.
func (a *applier) sealDev() error {
	if a.dev < 0 {
		return nil
	}
	if a.devEmpty {
		if err := unix.Unlinkat(a.dev, emptyName, 0); err != nil {
			return fmt.Errorf("unlink %q: %w", filepath.Join(a.devPath, emptyName), err)
		}
		a.devEmpty = false
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(a.dev, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		return fmt.Errorf("mount_setattr %q (read-only): %w", a.devPath, err)
	}
	unix.Close(a.dev)
	a.dev = -1
	return nil
}

// proc mounts a new proc, read-only, nosuid, nodev, noexec: it shows the
// processes of the PID namespace the inner stage is PID 1 of. Where the
// kernel refuses (EPERM from mount_too_revealing when the host's proc is
// partly covered, as in many containers; EACCES or EINVAL from a security
// module), the host's stays: read-only since opReadOnly, and said so.
func (a *applier) proc(mp *mountPlan, path string) error {
	m, err := newFS("proc", path, nil, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	if err == nil {
		err = moveOnto(m, path, wantDir)
		unix.Close(m)
	}
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.EINVAL) {
			mp.notices = append(mp.notices, fmt.Sprintf("a new %s could not be mounted (%v): the host's is visible, read-only, and shows processes outside the sandbox", path, err))
			return nil
		}
		return err
	}
	return nil
}

// hideDir masks a directory with an empty tmpfs, mode 000, or 111 with
// the Keep entries made, so that writable roots beneath stay reachable.
func (a *applier) hideDir(op mountOp) error {
	target, err := openPath(op.Path, wantDir)
	if op.Optional && errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("hidden path: %w", err)
	}
	defer unix.Close(target)
	// Populated as its owner, before the mode takes search away from us
	// too (the inner stage may have no CAP_DAC_OVERRIDE).
	m, err := newFS("tmpfs", op.Path, map[string]string{"mode": "0700", "size": "16k"}, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	if err != nil {
		return err
	}
	defer unix.Close(m)
	var dirs []string
	for _, k := range op.Keep {
		rel, dir := strings.CutSuffix(k, "/")
		var err error
		if dir {
			err = unix.Mkdirat(m, rel, 0o700)
			dirs = append(dirs, rel)
		} else {
			err = createFile(m, rel, 0)
		}
		if err != nil {
			return fmt.Errorf("hide %q: keep %q: %w", op.Path, k, err)
		}
	}
	mode := uint32(0)
	if len(op.Keep) > 0 {
		mode = 0o111
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := unix.Fchmodat(m, dirs[i], mode, 0); err != nil {
			return fmt.Errorf("hide %q: chmod %q: %w", op.Path, dirs[i], err)
		}
	}
	if err := unix.Fchmodat(m, ".", mode, 0); err != nil {
		return fmt.Errorf("hide %q: chmod: %w", op.Path, err)
	}
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(m, "", unix.AT_EMPTY_PATH, &attr); err != nil {
		return fmt.Errorf("mount_setattr tmpfs for %q (read-only): %w", op.Path, err)
	}
	return moveMount(m, target, op.Path)
}

// ---------------------------------------------------------------------
// System call helpers. Each error names the call and the path.

type fileKind uint8

const (
	anyKind fileKind = iota
	wantDir
	wantFile // anything but a directory
)

func dirOrFile(file bool) fileKind {
	if file {
		return wantFile
	}
	return wantDir
}

// openPath opens path with O_PATH, refusing any symbolic link on the way
// (openat2 RESOLVE_NO_SYMLINKS), and checks its type.
func openPath(path string, kind fileKind) (int, error) {
	fd, err := unix.Openat2(unix.AT_FDCWD, path, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_SYMLINKS,
	})
	if err != nil {
		if errors.Is(err, unix.ELOOP) {
			return -1, fmt.Errorf("openat2 %q: a symlink is on the way (changed since planning?): %w", path, err)
		}
		return -1, fmt.Errorf("openat2 %q: %w", path, err)
	}
	if kind == anyKind {
		return fd, nil
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("fstat %q: %w", path, err)
	}
	if isDir := st.Mode&unix.S_IFMT == unix.S_IFDIR; isDir != (kind == wantDir) {
		unix.Close(fd)
		what := "a directory"
		if kind == wantFile {
			what = "not a directory"
		}
		return -1, fmt.Errorf("%q is no longer %s (changed since planning)", path, what)
	}
	return fd, nil
}

// cloneTree copies the mount tree at fd (open_tree OPEN_TREE_CLONE,
// recursively: a mount with locked children cannot be copied alone) and
// sets and clears mount attributes on every mount of the copy.
func cloneTree(fd int, path string, set, clr uint64) (int, error) {
	tree, err := unix.OpenTree(fd, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH|unix.AT_RECURSIVE)
	if err != nil {
		return -1, fmt.Errorf("open_tree %q (clone, recursive): %w", path, err)
	}
	attr := unix.MountAttr{Attr_set: set, Attr_clr: clr}
	if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
		unix.Close(tree)
		return -1, fmt.Errorf("mount_setattr copy of %q (%s): %w", path, attrString(set, clr), err)
	}
	return tree, nil
}

// moveOnto moves the detached mount m onto path, opened as openPath does.
func moveOnto(m int, path string, kind fileKind) error {
	target, err := openPath(path, kind)
	if err != nil {
		return err
	}
	defer unix.Close(target)
	return moveMount(m, target, path)
}

// moveMount attaches the detached mount m on target (a descriptor, or
// AT_FDCWD with path), with move_mount(2).
func moveMount(m, target int, path string) error {
	var err error
	if target == unix.AT_FDCWD {
		err = unix.MoveMount(m, "", unix.AT_FDCWD, path, unix.MOVE_MOUNT_F_EMPTY_PATH)
	} else {
		err = unix.MoveMount(m, "", target, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH)
	}
	if err != nil {
		return fmt.Errorf("move_mount onto %q: %w", path, err)
	}
	return nil
}

// newFS creates a detached mount of a new fstype filesystem (fsopen,
// fsconfig, fsmount) with the given options ("" value: a flag) and mount
// attributes. forPath is the path it is meant for, for errors.
func newFS(fstype, forPath string, opts map[string]string, attrs int) (int, error) {
	fsfd, err := unix.Fsopen(fstype, unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("fsopen %s for %q: %w", fstype, forPath, err)
	}
	defer unix.Close(fsfd)
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		v := opts[k]
		if v == "" {
			err = unix.FsconfigSetFlag(fsfd, k)
		} else {
			err = unix.FsconfigSetString(fsfd, k, v)
		}
		if err != nil {
			return -1, fmt.Errorf("fsconfig %s %s=%s for %q: %w", fstype, k, v, forPath, err)
		}
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return -1, fmt.Errorf("fsconfig %s create for %q: %w", fstype, forPath, err)
	}
	m, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, attrs)
	if err != nil {
		return -1, fmt.Errorf("fsmount %s for %q: %w", fstype, forPath, err)
	}
	return m, nil
}

// createFile creates an empty file name in the directory dirfd.
func createFile(dirfd int, name string, mode uint32) error {
	fd, err := unix.Openat(dirfd, name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	unix.Close(fd)
	return unix.Fchmodat(dirfd, name, mode, 0)
}

// attrString names MOUNT_ATTR_* bits for errors: "+ro,+nosuid,-nodev".
func attrString(set, clr uint64) string {
	names := []struct {
		bit  uint64
		name string
	}{
		{unix.MOUNT_ATTR_RDONLY, "ro"}, {unix.MOUNT_ATTR_NOSUID, "nosuid"},
		{unix.MOUNT_ATTR_NODEV, "nodev"}, {unix.MOUNT_ATTR_NOEXEC, "noexec"},
	}
	var out []string
	for _, n := range names {
		if set&n.bit != 0 {
			out = append(out, "+"+n.name)
		}
		if clr&n.bit != 0 {
			out = append(out, "-"+n.name)
		}
	}
	return strings.Join(out, ",")
}
