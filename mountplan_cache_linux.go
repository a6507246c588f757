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
	"strconv"

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
	for _, d := range []string{"upper", "work"} {
		err := unix.Mkdirat(layer, d, 0o700)
		switch {
		case err == nil && d == "upper":
			// The overlay's root shows the upper directory's owner and
			// mode: make them the directory's. An owner this user
			// namespace does not map stays ours.
			unix.Fchownat(layer, d, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW)
			if err := unix.Fchmodat(layer, d, st.Mode&0o7777, 0); err != nil {
				return fmt.Errorf("cache %q: chmod %s/upper: %w", op.Path, where, err)
			}
		case errors.Is(err, unix.EEXIST) && op.Layer != "":
			// A layer kept from an earlier run.
		case err != nil:
			return fmt.Errorf("cache %q: mkdir %s/%s: %w", op.Path, where, d, err)
		}
	}
	if err := moveMount(layer, lower, op.Path); err != nil {
		return err
	}
	fdPath := func(fd int, rel string) string { return "/proc/self/fd/" + strconv.Itoa(fd) + rel }
	ov, err := newFS("overlay", op.Path, map[string]string{
		"lowerdir":  fdPath(lower, ""),
		"upperdir":  fdPath(layer, "/upper"),
		"workdir":   fdPath(layer, "/work"),
		"userxattr": "",
		"index":     "off",
	}, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV)
	if err != nil {
		return fmt.Errorf("--cache %q: overlayfs refused the layer (%w); it needs Linux 5.11+, and the directory and %s on filesystems it supports (use -w to write the directory for real instead)", op.Path, err, where)
	}
	defer unix.Close(ov)
	return moveOnto(ov, op.Path, wantDir)
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
