package main

// --cache: a directory the command may write through a layer of its own
// (Policy.Caches). The front-end half lives here: parsing and the checks a
// command line must pass. The namespace engine makes the layer with
// overlayfs (mountplan_cache.go plans it, mountplan_cache_linux.go mounts
// it); the exec-only engine and Seatbelt refuse it.

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// parseCaches turns the --cache arguments, PATH or PATH=KEEP, into
// layers. PATH need not exist; KEEP must be an existing directory, apart
// from PATH (overlayfs refuses layers inside one another) and from every
// other layer's. A PATH that is also a --write tree is refused: the two
// flags promise opposite things about the real directory.
func parseCaches(args []string, roots []WritableRoot) ([]CacheLayer, error) {
	var layers []CacheLayer
	for _, arg := range args {
		path, keep, kept := strings.Cut(arg, "=")
		bad := func(format string, a ...any) ([]CacheLayer, error) {
			return nil, fmt.Errorf("--cache %q: %s", arg, fmt.Sprintf(format, a...))
		}
		abs, err := absPath(path)
		if err != nil {
			return bad("%v", err)
		}
		if abs == "/" {
			return bad("a layer over the whole filesystem is not a cache; name the cache directory")
		}
		l := CacheLayer{Path: abs}
		if kept {
			if l.Keep, err = absPath(keep); err != nil {
				return bad("keep directory: %v", err)
			}
			fi, err := os.Stat(l.Keep)
			if err != nil {
				var pe *os.PathError
				if errors.As(err, &pe) {
					err = pe.Err
				}
				return bad("keep directory %q: %v", l.Keep, err)
			}
			if !fi.IsDir() {
				return bad("keep directory %q is not a directory", l.Keep)
			}
			if fsPathWithin(l.Keep, l.Path) || fsPathWithin(l.Path, l.Keep) {
				return bad("the keep directory and the cache directory must not be inside one another")
			}
		}
		for _, r := range roots {
			if r.Path == l.Path {
				return bad("it is also a --write tree; choose one: --write changes the real directory, --cache never does")
			}
			if l.Keep != "" && (fsPathWithin(l.Keep, r.Path) || fsPathWithin(r.Path, l.Keep)) {
				return bad("keep directory %q overlaps --write %q: the command could change its layer; keep it outside every writable tree", l.Keep, r.Path)
			}
		}
		dup := false
		for _, o := range layers {
			switch {
			case o.Path == l.Path && o.Keep == l.Keep:
				dup = true
			case o.Path == l.Path:
				return bad("given twice with different keep directories")
			case fsPathWithin(l.Path, o.Path) || fsPathWithin(o.Path, l.Path):
				return bad("it and --cache %q are inside one another: nested layers are not supported; give only the outer one", o.Path)
			case l.Keep != "" && o.Keep != "" && (fsPathWithin(l.Keep, o.Keep) || fsPathWithin(o.Keep, l.Keep)):
				return bad("keep directory %q overlaps the one of --cache %q: each layer needs its own", l.Keep, o.Path)
			case l.Keep != "" && (fsPathWithin(l.Keep, o.Path) || fsPathWithin(o.Path, l.Keep)):
				return bad("keep directory %q overlaps --cache %q", l.Keep, o.Path)
			case o.Keep != "" && (fsPathWithin(o.Keep, l.Path) || fsPathWithin(l.Path, o.Keep)):
				return bad("it overlaps the keep directory of --cache %q", o.Path)
			}
		}
		if !dup {
			layers = append(layers, l)
		}
	}
	return layers, nil
}

// checkCachesHidden refuses a cache directory at or beneath a hidden
// path, as typed (planMounts checks again on resolved paths): its layer
// would be over the mask, or show what is hidden.
func checkCachesHidden(caches []CacheLayer, hidden []string) error {
	for _, c := range caches {
		for _, h := range hidden {
			if fsPathWithin(c.Path, h) {
				return fmt.Errorf("--cache %q: the directory is hidden (--hide %q); a layer there would show or replace what is hidden: unhide it, or choose another directory", c.Path, h)
			}
		}
	}
	return nil
}

// checkKeptCachePins refuses a hidden or read-only path beneath a kept
// cache directory, as typed (planMounts checks again on resolved paths).
// A kept layer holds what earlier runs did: a directory they removed and
// made again is the layer's own, with no real directory beneath, and the
// command can rename it (overlayfs refuses that only for directories of
// the real one, EXDEV), carrying the mask or island away and leaving its
// path free; or the path is gone from the layer and cannot be masked. A
// throwaway layer starts from the real directory every run, so there the
// directories above the path are the real ones and stay put.
func checkKeptCachePins(caches []CacheLayer, roots []WritableRoot, hidden []string) error {
	for _, c := range caches {
		if c.Keep == "" {
			continue
		}
		refuse := func(flag, p string) error {
			return fmt.Errorf("%s %q is inside --cache %q, whose layer is kept: earlier runs may have replaced the directories above it in the layer, where the command could move them and the path with them; --hide and --read-only are refused there (use a throwaway layer, --cache without =KEEP, or a path outside it)", flag, p, c.Path)
		}
		for _, h := range hidden {
			if fsPathWithin(h, c.Path) {
				return refuse("--hide", h)
			}
		}
		for _, r := range roots {
			for _, ro := range r.ReadOnly {
				if fsPathWithin(ro, c.Path) {
					return refuse("--read-only", ro)
				}
			}
		}
	}
	return nil
}

// cacheRefusal is why an engine without layers refuses --cache.
func cacheRefusal(engine string, c CacheLayer) error {
	return fmt.Errorf("--cache %q needs the namespace engine's layers (overlayfs); %s cannot give one, and refuses to run rather than make the real directory writable (use -w to write it for real)", c.Path, engine)
}

// canonicalCachePath is canonicalWritableRoot for a --cache directory,
// whose Landlock rule the inner stage makes: the same symlink rule, with
// an error that names the flag (the directory is no writable root).
func canonicalCachePath(p Policy, dir string) (string, error) {
	areas := writableAreas(p)
	return walkSymlinks(dir, func(link string) error {
		for _, a := range areas {
			if link != a.path && fsPathWithin(link, a.path) {
				return fmt.Errorf("--cache %q passes through the symlink %q inside writable root %q, which a command run with this policy could have planted; name the directory it points to instead", dir, link, a.name)
			}
		}
		return nil
	})
}
