//go:build linux

package main

// A --cache layer made real, in the inner stage (see mountplan_cache.go
// for the plan): an overlay whose lower layer is the directory itself and
// whose upper and work directories lie in a private tmpfs (thrown away with
// the mount namespace) or in the kept directory's copy. The directory
// itself is never written: overlayfs writes only to its upper layer.
//
// Overlayfs may be mounted in a user namespace since Linux 5.11, with
// "userxattr" (its metadata in user.overlay.* xattrs: trusted.* needs
// CAP_SYS_ADMIN in the initial namespace). Its layers are given as paths,
// which it looks up itself; each is passed as /proc/self/fd/N of a
// descriptor opened here without following symlinks, so what it finds is
// what was opened, whatever the path names by then. The upper layer must
// be attached to this mount namespace, so the layer's mount is first moved
// onto the directory, and the overlay then goes on top of it: the
// descriptor of the lower layer, opened before, still names the directory
// beneath both.
//
// See https://docs.kernel.org/filesystems/overlayfs.html, fsopen(2),
// fsconfig(2), move_mount(2).

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// keepClone copies the kept layer's directory while it is still writable
// (the read-only pass comes next; overlayfs refuses a read-only upper).
func (a *applier) keepClone(op mountOp) error {
	fd, err := openPath(op.Path, wantDir)
	if err != nil {
		return fmt.Errorf("cache keep directory: %w", err)
	}
	defer unix.Close(fd)
	tree, err := cloneTree(fd, op.Path, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV, 0)
	if err != nil {
		return err
	}
	if old, ok := a.keeps[op.Path]; ok {
		unix.Close(old)
	}
	a.keeps[op.Path] = tree
	return nil
}

// cache mounts the overlay of one --cache directory.
func (a *applier) cache(op mountOp) error {
	lower, err := openPath(op.Path, wantDir)
	if err != nil {
		return fmt.Errorf("--cache: %w", err)
	}
	defer unix.Close(lower)
	var st unix.Stat_t
	if err := unix.Fstat(lower, &st); err != nil {
		return fmt.Errorf("fstat %q: %w", op.Path, err)
	}
	if op.Placeholder && (st.Dev != op.Dev || st.Ino != op.Ino) {
		return fmt.Errorf("placeholder %q was replaced since it was created (dev %d ino %d, now %d %d)", op.Path, op.Dev, op.Ino, st.Dev, st.Ino)
	}

	var layer int
	if op.Layer == "" {
		layer, err = newFS("tmpfs", op.Path, map[string]string{"mode": "0700"}, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV)
		if err != nil {
			return err
		}
	} else {
		var ok bool
		if layer, ok = a.keeps[op.Layer]; !ok {
			return fmt.Errorf("cache %q: no copy of its keep directory %q was taken", op.Path, op.Layer)
		}
		delete(a.keeps, op.Layer)
	}
	defer unix.Close(layer)
	where := op.Layer
	if where == "" {
		where = "the private tmpfs"
	}
	upper, work, err := layerDirs(layer, op, st, where)
	if err != nil {
		return err
	}
	defer unix.Close(upper)
	defer unix.Close(work)
	if err := moveMount(layer, lower, op.Path); err != nil {
		return err
	}
	fdPath := func(fd int, rel string) string { return "/proc/self/fd/" + strconv.Itoa(fd) + rel }
	ov, err := newOverlay([][2]string{
		{"lowerdir", fdPath(lower, "")},
		{"upperdir", fdPath(upper, "")},
		{"workdir", fdPath(work, "")},
		{"userxattr", ""},
		{"index", "off"},
	})
	if err != nil {
		if sub := mountBeneath(op.Path); sub != "" {
			// clone_private_mount refuses a lower layer with mounts
			// inside, which this user namespace cannot take apart.
			return fmt.Errorf("--cache %q: overlayfs refused the layer (%w): a mount lies inside it (%s), and a layer is one filesystem; name a directory without mounts inside, or use -w to write it for real", op.Path, err, sub)
		}
		return fmt.Errorf("--cache %q: overlayfs refused the layer (%w); it needs Linux 5.11+, and the directory and %s on filesystems it supports as layers (use -w to write the directory for real instead)", op.Path, err, where)
	}
	defer unix.Close(ov)
	return moveOnto(ov, op.Path, wantDir)
}

// layerDirs makes, or finds from an earlier run, the upper and work
// directories in layer and opens them. Overlayfs looks its layers up by
// path, following symlinks, and writes them with the mounter's
// credentials: an upper that is a symlink to a hidden directory would make
// it readable and writable through the cache. So each is opened beneath
// layer refusing any symlink, mount crossing or magic link
// (openat2(2) RESOLVE_*), and overlayfs is given /proc/self/fd/N of what
// was opened. A new upper takes the directory's owner and mode (the
// overlay's root shows them); a kept one loses group and other write,
// which only the caller's own processes need (copy-up runs as the
// mounter, whatever the mode).
func layerDirs(layer int, op mountOp, st unix.Stat_t, where string) (upper, work int, err error) {
	open := func(d string) (int, bool, error) {
		made := true
		if err := unix.Mkdirat(layer, d, 0o700); errors.Is(err, unix.EEXIST) && op.Layer != "" {
			made = false // a layer kept from an earlier run
		} else if err != nil {
			return -1, false, fmt.Errorf("--cache %q: mkdir %s/%s: %w", op.Path, where, d, err)
		}
		fd, err := unix.Openat2(layer, d, &unix.OpenHow{
			Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC,
			Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_XDEV | unix.RESOLVE_NO_MAGICLINKS,
		})
		if err != nil {
			return -1, false, fmt.Errorf("--cache %q: %s/%s is not a plain directory of the layer (a symlink or a mount?), refusing to follow it: %w", op.Path, where, d, err)
		}
		return fd, made, nil
	}
	upper, made, err := open("upper")
	if err != nil {
		return -1, -1, err
	}
	if work, _, err = open("work"); err != nil {
		unix.Close(upper)
		return -1, -1, err
	}
	// Through the descriptor: /proc/self/fd/N names what was opened.
	self := "/proc/self/fd/" + strconv.Itoa(upper)
	mode := st.Mode & 0o7777
	if made {
		// An owner this user namespace does not map stays ours.
		unix.Fchownat(upper, "", int(st.Uid), int(st.Gid), unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW)
	} else {
		var ust unix.Stat_t
		if err := unix.Fstat(upper, &ust); err != nil {
			unix.Close(upper)
			unix.Close(work)
			return -1, -1, fmt.Errorf("cache %q: fstat %s/upper: %w", op.Path, where, err)
		}
		mode = ust.Mode & 0o7777
	}
	if op.Layer != "" {
		mode &^= 0o022
	}
	if err := unix.Fchmodat(unix.AT_FDCWD, self, mode, 0); err != nil {
		unix.Close(upper)
		unix.Close(work)
		return -1, -1, fmt.Errorf("cache %q: chmod %s/upper: %w", op.Path, where, err)
	}
	return upper, work, nil
}

// checkKeeps runs in the outer stage: every kept layer's directory must
// be the caller's and writable by nobody else, as the placeholder
// registry is (ensureRegistry): another user able to write there could
// replace upper with a symlink, or fill the layer. It also takes a
// non-blocking exclusive flock(2) on each, held until cleanupHost (the
// descriptor is close-on-exec: the inner stage and the command never
// have it): two overlays on one upper layer are undefined behaviour, of
// which the kernel only warns with index=off, so a second run with the
// same KEEP is refused while the first lasts.
func (mp *mountPlan) checkKeeps() error {
	for _, op := range mp.ops {
		if op.Kind != opKeepClone {
			continue
		}
		fd, err := unix.Openat2(unix.AT_FDCWD, op.Path, &unix.OpenHow{
			Flags:   unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC,
			Resolve: unix.RESOLVE_NO_SYMLINKS,
		})
		if err != nil {
			return fmt.Errorf("--cache keep directory %q: openat2: %w", op.Path, err)
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			unix.Close(fd)
			return fmt.Errorf("--cache keep directory %q: fstat: %w", op.Path, err)
		}
		if int(st.Uid) != os.Geteuid() || st.Mode&0o022 != 0 {
			unix.Close(fd)
			return fmt.Errorf("--cache keep directory %q must be uid %d's and writable by nobody else (owner %d, mode %o): others could change the layer; chown or chmod go-w it", op.Path, os.Geteuid(), st.Uid, st.Mode&0o7777)
		}
		if err := flockNB(fd); err != nil {
			unix.Close(fd)
			if errors.Is(err, unix.EWOULDBLOCK) {
				return fmt.Errorf("--cache keep directory %q is in use by another run (one layer cannot be mounted twice at once); wait for it, or give this run its own", op.Path)
			}
			return fmt.Errorf("--cache keep directory %q: flock: %w", op.Path, err)
		}
		mp.keepLocks = append(mp.keepLocks, fd)
	}
	return nil
}

// flockNB takes an exclusive flock on fd without waiting.
func flockNB(fd int) error {
	for {
		err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// releaseKeeps drops the keep directories' locks.
func (mp *mountPlan) releaseKeeps() {
	for _, fd := range mp.keepLocks {
		unix.Close(fd)
	}
	mp.keepLocks = nil
}

// cacheLayerCaps are the capabilities the inner stage needs, besides its
// usual ones, to mount p's cache layers as a user other than root (root's
// inner stage has them all). Overlayfs does its work in the upper layer
// with the credentials of whoever mounted it: it makes its work directory
// mode 000, and it copies the owner and mode of a file up. In the new user
// namespace they reach only files of the IDs it maps, the caller's own,
// and the command never has them (dropCapabilities).
func cacheLayerCaps(p Policy) []uintptr {
	if len(p.Caches) == 0 {
		return nil
	}
	return []uintptr{unix.CAP_DAC_OVERRIDE, unix.CAP_FOWNER, unix.CAP_CHOWN}
}

// newOverlay is newFS for overlayfs, in the order given (nosuid,nodev),
// whose error also says why: the kernel's own message from the
// filesystem context's log ("overlayfs: ..."), read from the fsopen
// descriptor (fsopen(2), "Message retrieval interface").
func newOverlay(opts [][2]string) (int, error) {
	fsfd, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("fsopen overlay: %w", err)
	}
	defer unix.Close(fsfd)
	fail := func(what string, err error) (int, error) {
		if msg := fsContextLog(fsfd); msg != "" {
			return -1, fmt.Errorf("%s: %w: %s", what, err, msg)
		}
		return -1, fmt.Errorf("%s: %w", what, err)
	}
	for _, o := range opts {
		if o[1] == "" {
			err = unix.FsconfigSetFlag(fsfd, o[0])
		} else {
			err = unix.FsconfigSetString(fsfd, o[0], o[1])
		}
		if err != nil {
			return fail("fsconfig overlay "+o[0], err)
		}
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return fail("fsconfig overlay create", err)
	}
	m, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV)
	if err != nil {
		return fail("fsmount overlay", err)
	}
	return m, nil
}

// fsContextLog drains the messages the kernel left on an fsopen
// descriptor: lines "e ...", "w ...", "i ..."; the errors and warnings,
// joined, without the prefix.
func fsContextLog(fsfd int) string {
	var msgs []string
	buf := make([]byte, 1024)
	for range 8 {
		n, err := unix.Read(fsfd, buf)
		if err != nil || n <= 2 {
			break
		}
		if m := string(buf[:n]); m[0] == 'e' || m[0] == 'w' {
			msgs = append(msgs, strings.TrimSpace(m[2:]))
		}
	}
	return strings.Join(msgs, "; ")
}

// mountBeneath names a mount point strictly inside dir in this mount
// namespace (/proc/self/mountinfo, proc(5)), or "".
func mountBeneath(dir string) string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		// Spaces, tabs, newlines and backslashes are octal escapes.
		mp := f[4]
		for _, e := range [][2]string{{`\040`, " "}, {`\011`, "\t"}, {`\012`, "\n"}, {`\134`, `\`}} {
			mp = strings.ReplaceAll(mp, e[0], e[1])
		}
		if mp != dir && fsPathWithin(mp, dir) {
			return mp
		}
	}
	return ""
}
