package main

// Planning a --cache layer (Policy.Caches): one opCache at the directory's
// canonical path and, for a kept layer, one opKeepClone of the directory
// that keeps it. mountplan_cache_linux.go mounts them.

import (
	"fmt"
	"path/filepath"
)

// planCache resolves c on host as planMounts resolves a writable root (a
// symlink inside one of writable is refused) and returns its operation.
// The cache directory may be missing, if its parent exists: the outer
// stage then makes a placeholder there, as for a missing island, and
// removes it afterwards. The keep directory must exist.
func planCache(host hostFS, c CacheLayer, writable []string) (mountOp, error) {
	op := mountOp{Kind: opCache}
	bad := func(format string, a ...any) (mountOp, error) {
		return op, fmt.Errorf("--cache %q: %s", c.Path, fmt.Sprintf(format, a...))
	}
	canon, missing, err := resolveHost(host, c.Path, writable)
	if err != nil {
		return bad("%v", err)
	}
	switch {
	case canon == "/":
		return bad("a layer over / is not supported")
	case fsPathWithin(canon, "/dev") || fsPathWithin(canon, "/proc"):
		return bad("%q is in the sandbox's own /dev or /proc", canon)
	case missing != "" && missing != canon:
		// A placeholder is made for the path alone: a chain of them could
		// not be removed reliably while other runs stand on them.
		return bad("%q does not exist either; create it, or name the first missing directory", missing)
	case missing != "":
		op.Missing = true
	default:
		if k, err := host.lstat(canon); err != nil {
			return bad("lstat %q: %v", canon, err)
		} else if k != hostDir {
			return bad("%q is not a directory", canon)
		}
	}
	for _, w := range writable {
		if w == canon {
			return bad("%q is also a writable root; choose one: --write changes the real directory, --cache never does", canon)
		}
	}
	op.Path = canon
	if c.Keep != "" {
		keep, missing, err := resolveHost(host, c.Keep, writable)
		if err != nil {
			return bad("keep directory %q: %v", c.Keep, err)
		}
		if missing != "" {
			return bad("keep directory %q does not exist", c.Keep)
		}
		if k, err := host.lstat(keep); err != nil || k != hostDir {
			return bad("keep directory %q is not a directory", keep)
		}
		if fsPathWithin(keep, canon) || fsPathWithin(canon, keep) {
			return bad("the keep directory %q and the cache directory %q must not be inside one another", keep, canon)
		}
		if fsPathWithin(keep, "/dev") || fsPathWithin(keep, "/proc") {
			return bad("keep directory %q is in the sandbox's own /dev or /proc", keep)
		}
		// Overlayfs writes the upper layer with the mounter's credentials
		// and no Landlock: a keep directory the command can change (turn
		// upper into a symlink to a hidden directory, say) would let it
		// write anywhere the sandbox can.
		for _, w := range writable {
			if fsPathWithin(keep, w) || fsPathWithin(w, keep) {
				return bad("keep directory %q overlaps writable root %q: the command could change its layer; keep it outside every writable root", keep, w)
			}
		}
		op.Layer = filepath.Clean(keep)
	}
	return op, nil
}

// checkCacheOverlaps repeats, on resolved paths, the checks parseCaches
// makes on the paths as typed (a symlink can make two names one place),
// and adds those that need the hidden paths (canonical). Refused:
//   - a cache directory inside (or equal to) another: the inner layer's
//     placeholder would be made in the real outer directory, and its lower
//     layer would be the outer overlay;
//   - a keep directory overlapping another layer's directory or keep
//     directory: one layer would write into the other;
//   - a cache directory at or beneath a hidden path: its layer would
//     show the mask's mode-111 tmpfs, or the hidden directory itself;
//   - a hidden or read-only path inside a kept layer's directory (see
//     checkKeptCachePins).
func checkCacheOverlaps(items []mountOp, hidden []string) error {
	var caches []mountOp
	for _, op := range items {
		if op.Kind == opCache {
			caches = append(caches, op)
		}
	}
	overlap := func(a, b string) bool { return fsPathWithin(a, b) || fsPathWithin(b, a) }
	for i, c := range caches {
		for _, h := range hidden {
			if fsPathWithin(c.Path, h) {
				return fmt.Errorf("--cache %q: the directory is hidden (--hide %q); a layer there would show or replace what is hidden: unhide it, or choose another directory", c.Path, h)
			}
			if c.Layer != "" && fsPathWithin(h, c.Path) {
				return fmt.Errorf("hidden path %q is inside --cache %q, whose layer is kept (paths resolved): the command could move the layer's directories above it; refused", h, c.Path)
			}
		}
		for _, op := range items {
			if c.Layer != "" && op.Kind == opIsland && fsPathWithin(op.Path, c.Path) {
				return fmt.Errorf("read-only path %q is inside --cache %q, whose layer is kept (paths resolved): the command could move the layer's directories above it; refused", op.Path, c.Path)
			}
		}
		for j, o := range caches {
			switch {
			case i == j:
			case fsPathWithin(c.Path, o.Path):
				return fmt.Errorf("--cache %q is the same as or inside --cache %q (paths resolved): nested layers are not supported; give only the outer one", c.Path, o.Path)
			case c.Layer != "" && overlap(c.Layer, o.Path):
				return fmt.Errorf("--cache %q: keep directory %q overlaps --cache %q (paths resolved): each layer needs its own place", c.Path, c.Layer, o.Path)
			case c.Layer != "" && o.Layer != "" && overlap(c.Layer, o.Layer):
				return fmt.Errorf("--cache %q: keep directory %q overlaps the keep directory %q of --cache %q (paths resolved): each layer needs its own", c.Path, c.Layer, o.Layer, o.Path)
			}
		}
	}
	return nil
}
