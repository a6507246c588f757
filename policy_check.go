package main

// Checks a Policy must pass before any engine sees it, whichever front-end
// produced it. They read filesystem metadata and change nothing.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// checkPolicy is the one validation every policy passes through, from
// start (a real run) and printPolicy alike. An error means nothing runs:
// exit 125, since the command line itself was well formed.
func checkPolicy(p Policy) error {
	return checkPlantedRoots(p)
}

// checkPlantedRoots refuses a writable root whose path passes through a
// symlink that lies inside a writable root of the same policy.
//
// Every engine resolves a writable root through its symlinks when it
// starts (Landlock opens the path, Seatbelt canonicalizes it), so a
// symlink the command can write decides where the next run with the same
// policy may write. A first run given -w /w -w /w/sub replaces /w/sub
// with a symlink to /etc, or a Codex run in workspace-write replaces a
// $TMPDIR inside its workspace with one to the user's home, and the next
// run writes there. Whatever created such a symlink, the policy cannot
// tell it from one that run planted, so it is refused; the way out is to
// name the directory the symlink points to.
//
// A root in a policy of its own, or named by a different policy, is out
// of reach of this check: it sees one policy at a time.
func checkPlantedRoots(p Policy) error {
	if p.FullDiskWrite || len(p.WritableRoots) == 0 {
		return nil
	}
	// Where the policy lets a command write, by the names the policy gives
	// and by the names they resolve to.
	type area struct{ name, path string }
	var areas []area
	for _, r := range p.WritableRoots {
		areas = append(areas, area{r.Path, r.Path})
		if real, err := filepath.EvalSymlinks(r.Path); err == nil && real != r.Path {
			areas = append(areas, area{r.Path, real})
		}
	}
	for _, r := range p.WritableRoots {
		err := walkSymlinks(r.Path, func(link string) error {
			for _, a := range areas {
				if link != a.path && fsPathWithin(link, a.path) {
					return fmt.Errorf("writable root %q passes through the symlink %q inside writable root %q, which a command run with this policy could have planted; name the directory it points to instead", r.Path, link, a.name)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// errTooManyLinks stops walkSymlinks on a symlink loop, as ELOOP stops
// the kernel (path_resolution(7): at most 40 symlinks per lookup).
var errTooManyLinks = errors.New("too many levels of symbolic links")

// walkSymlinks resolves path, absolute and clean, one component at a time
// as the kernel does (path_resolution(7)), and calls visit with the
// location of every symlink it passes through, its parent directory already
// resolved. It stops quietly at a component that does not exist or cannot
// be read: whoever opens the path next reports that.
func walkSymlinks(path string, visit func(link string) error) error {
	rest := strings.Split(path, "/")
	cur := "/"
	links := 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, c)
		fi, err := os.Lstat(next)
		if err != nil {
			return nil
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if err := visit(next); err != nil {
			return err
		}
		if links++; links > 40 {
			return fmt.Errorf("writable root %q: %w", path, errTooManyLinks)
		}
		target, err := os.Readlink(next)
		if err != nil {
			return nil
		}
		if strings.HasPrefix(target, "/") {
			cur = "/"
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return nil
}
