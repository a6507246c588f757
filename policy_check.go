package main

// Checks a Policy must pass before any engine sees it, whichever front-end
// produced it. They read filesystem metadata and change nothing.

import (
	"fmt"
	"path/filepath"
)

// checkPolicy is the one validation every policy passes through, from
// start (a real run) and printPolicy alike. An error means nothing runs:
// exit 125, since the command line itself was well formed.
func checkPolicy(p Policy) error {
	if err := checkProxyPlatform(p); err != nil {
		return err
	}
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
	_, err := canonicalWritableRoots(p)
	return err
}

// writableArea is where a policy lets a command write: a writable root by
// the name the policy gives (name) and by a path it resolves to.
type writableArea struct{ name, path string }

// writableAreas lists p's writable roots by their names and by the paths
// they resolve to now.
func writableAreas(p Policy) []writableArea {
	var areas []writableArea
	for _, r := range p.WritableRoots {
		areas = append(areas, writableArea{r.Path, r.Path})
		if real, err := filepath.EvalSymlinks(r.Path); err == nil && real != r.Path {
			areas = append(areas, writableArea{r.Path, real})
		}
	}
	return areas
}

// canonicalWritableRoot resolves root, a writable root of p, component by
// component as the kernel will, and returns the path it reaches, refusing
// one that passes through a symlink inside a writable root of p (see
// checkPlantedRoots).
//
// Checking the path and then opening it by name would leave a window: a
// process still running from an earlier run (a background job, or a
// concurrent sandbox with the same policy) can swap a directory for a
// symlink in between, and the open follows it. So the engines open the
// path this returns without following any symlink (openNoSymlinks): a
// symlink swapped in after the check makes the open fail, and nothing
// runs. A directory swapped for another can only come from where the
// command may write already.
func canonicalWritableRoot(p Policy, root string) (string, error) {
	return canonicalIn(writableAreas(p), root)
}

// canonicalWritableRoots is canonicalWritableRoot for each writable root
// of p, in order, with p's writable areas resolved once for all of them
// rather than once per root (a path lookup per component of every root,
// for every root: a system call each).
func canonicalWritableRoots(p Policy) ([]string, error) {
	areas := writableAreas(p)
	canon := make([]string, len(p.WritableRoots))
	for i, r := range p.WritableRoots {
		c, err := canonicalIn(areas, r.Path)
		if err != nil {
			return nil, err
		}
		canon[i] = c
	}
	return canon, nil
}

// canonicalIn is canonicalWritableRoot with the policy's writable areas
// given.
func canonicalIn(areas []writableArea, root string) (string, error) {
	return walkSymlinks(root, func(link string) error {
		for _, a := range areas {
			if link != a.path && fsPathWithin(link, a.path) {
				return fmt.Errorf("writable root %q passes through the symlink %q inside writable root %q, which a command run with this policy could have planted; name the directory it points to instead", root, link, a.name)
			}
		}
		return nil
	})
}

// walkSymlinks resolves path, absolute and clean, one component at a time
// as the kernel does (walkHost on the real host), calls visit with the
// location of every symlink it passes through, its parent directory already
// resolved, and returns the path reached. Only visit's refusal is an error:
// a path that cannot be resolved now (a component missing, unreadable, not
// a directory, a symlink loop) is returned as far as it resolved, and
// whoever opens it next reports why it cannot be opened.
func walkSymlinks(path string, visit func(link string) error) (string, error) {
	var refused error
	canon, _, err := walkHost(osHost(), path, func(link string) error {
		refused = visit(link)
		return refused
	})
	switch {
	case refused != nil:
		return "", refused
	case err != nil:
		return filepath.Clean(path), nil
	}
	return canon, nil
}
