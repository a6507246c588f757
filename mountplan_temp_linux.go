//go:build linux

package main

// TEMP until nsmount merges: delete this whole file at merge.
//
// A minimal stand-in for the mount plan of NS-DESIGN.md, with its
// interface (planMounts, prepareHost, cleanupHost, applyMounts, osHost,
// String, Ops, serialization), so that the process model (nsengine_linux.go)
// runs and is tested before the real plan lands. It does: private
// propagation, everything read-only and nosuid (not nodev: this stand-in
// keeps the host's /dev), writable roots bound read-write on top, existing
// read-only islands bound read-only, hidden directories masked by an empty
// mode-000 tmpfs, a private /dev/shm and a fresh /proc. Missing islands and
// hidden files are refused: the real plan handles them.
//
// The process model uses, besides the interface above, only:
// mountPlan.marshal / unmarshalMountPlan (the real plan's serialization,
// whatever its name) and mountPlan.lines (its String split in lines).

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// hostFS is the host lookups the plan is made from (TEMP: only os.Lstat).
type hostFS struct{}

func osHost() hostFS { return hostFS{} }

// mountOp is one operation of the inner stage.
type mountOp struct {
	kind string // private, clone, readonly, bind, island, hide, shm, proc
	path string
}

func (op mountOp) String() string { return op.kind + " " + op.path }

// mountPlan is the ordered list of operations.
type mountPlan struct {
	ops []mountOp
}

func (mp *mountPlan) Ops() []mountOp { return mp.ops }

func (mp *mountPlan) String() string {
	var b strings.Builder
	for _, op := range mp.ops {
		b.WriteString(op.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// planMounts (TEMP) decides the operations for p.
func planMounts(p Policy, _ hostFS) (*mountPlan, error) {
	mp := &mountPlan{ops: []mountOp{{"private", "/"}}}
	if p.FullDiskWrite {
		mp.ops = append(mp.ops, mountOp{"shm", "/dev/shm"}, mountOp{"proc", "/proc"})
		return mp, nil
	}
	var roots []string
	for _, r := range p.WritableRoots {
		c, err := filepath.EvalSymlinks(r.Path)
		if err != nil || slices.Contains(roots, c) {
			continue // a missing root grants nothing
		}
		roots = append(roots, c)
	}
	if slices.Contains(roots, "/") { // everything writable: nothing to make read-only
		mp.ops = append(mp.ops, mountOp{"shm", "/dev/shm"}, mountOp{"proc", "/proc"})
		return mp, nil
	}
	slices.SortFunc(roots, func(a, b string) int { return strings.Count(a, "/") - strings.Count(b, "/") })
	for _, r := range roots {
		mp.ops = append(mp.ops, mountOp{"clone", r})
	}
	mp.ops = append(mp.ops, mountOp{"readonly", "/"})
	for _, r := range roots {
		mp.ops = append(mp.ops, mountOp{"bind", r})
	}
	for _, r := range p.WritableRoots {
		for _, ro := range r.ReadOnly {
			if _, err := os.Lstat(ro); err != nil {
				// The real plan makes a placeholder; this one refuses as
				// the exec-only engine does (the Codex tests expect it).
				return nil, execOnlyCannot(p)
			}
			mp.ops = append(mp.ops, mountOp{"island", ro})
		}
	}
	for _, h := range p.Hidden {
		fi, err := os.Lstat(h)
		switch {
		case err != nil:
			continue // nothing to hide
		case !fi.IsDir():
			return nil, fmt.Errorf("TEMP mount plan: hiding the file %q needs the real mount plan", h)
		}
		mp.ops = append(mp.ops, mountOp{"hide", h})
	}
	mp.ops = append(mp.ops, mountOp{"shm", "/dev/shm"}, mountOp{"proc", "/proc"})
	return mp, nil
}

func (mp *mountPlan) prepareHost() error { return nil }
func (mp *mountPlan) cleanupHost()       {}

// marshal and unmarshalMountPlan: kind NUL path NUL, per op.
func (mp *mountPlan) marshal() []byte {
	var b []byte
	for _, op := range mp.ops {
		b = append(append(append(append(b, op.kind...), 0), op.path...), 0)
	}
	return b
}

func unmarshalMountPlan(b []byte) (*mountPlan, error) {
	mp := &mountPlan{}
	f := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
	if len(f)%2 != 0 {
		return nil, fmt.Errorf("mount plan: odd field count %d", len(f))
	}
	for i := 0; i < len(f); i += 2 {
		mp.ops = append(mp.ops, mountOp{f[i], f[i+1]})
	}
	return mp, nil
}

// applyMounts (TEMP) runs the operations in the new mount namespace.
func applyMounts(mp *mountPlan) error {
	clones := map[string]int{}
	defer func() {
		for _, fd := range clones {
			unix.Close(fd)
		}
	}()
	for _, op := range mp.ops {
		var err error
		switch op.kind {
		case "private":
			err = unix.Mount("", op.path, "", unix.MS_REC|unix.MS_PRIVATE, "")
		case "clone":
			var fd int
			fd, err = unix.OpenTree(unix.AT_FDCWD, op.path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
			clones[op.path] = fd
		case "readonly":
			err = unix.MountSetattr(unix.AT_FDCWD, op.path, unix.AT_RECURSIVE,
				&unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID})
		case "bind":
			err = unix.MoveMount(clones[op.path], "", unix.AT_FDCWD, op.path, unix.MOVE_MOUNT_F_EMPTY_PATH)
		case "island":
			var fd int
			fd, err = unix.OpenTree(unix.AT_FDCWD, op.path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
			if err == nil {
				err = unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY})
				if err == nil {
					err = unix.MoveMount(fd, "", unix.AT_FDCWD, op.path, unix.MOVE_MOUNT_F_EMPTY_PATH)
				}
				unix.Close(fd)
			}
		case "hide":
			err = unix.Mount("tmpfs", op.path, "tmpfs", unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=000,size=4k")
		case "shm":
			if _, serr := os.Stat(op.path); serr != nil {
				continue
			}
			err = unix.Mount("tmpfs", op.path, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777")
		case "proc":
			err = unix.Mount("proc", op.path, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "")
			if err != nil && !errors.Is(err, unix.ENOSYS) {
				// Some containers: keep the host's, read-only already.
				fmt.Fprintf(os.Stderr, "sandbox: warning: cannot mount a fresh /proc (%v); the host's stays visible, read-only\n", err)
				err = nil
			}
		default:
			err = errors.New("unknown operation")
		}
		if err != nil {
			return fmt.Errorf("mount plan: %s: %w", op, err)
		}
	}
	return nil
}
