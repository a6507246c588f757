package main

// The namespace engine's filesystem view, as data: an ordered list of mount
// operations decided by a pure function of the Policy and of what exists on
// the host (seen through hostFS, so that tests fake the host). The outer
// stage plans and creates placeholders (mountplan_linux.go, prepareHost),
// sends the plan to the inner stage, which applies it in its new user and
// mount namespaces (applyMounts). The plan plays the part seccompTable
// plays for the filter: it is what --print-policy prints and what the
// tests pin.
//
// The order of a plan is always:
//
//	private /      propagation private, recursively: no mount event enters or leaves
//	clone W...     a copy of each writable root's mount tree, taken while still writable
//	clone-keep K   a copy of each kept cache layer's directory, still writable
//	read-only /    ro,nosuid,nodev on every mount, recursively
//	dev /dev       a new tmpfs with the usual nodes, devpts and a private shm
//	proc /proc     a new proc for the new PID namespace (or the host's, read-only)
//	overlays       shallowest first: writable roots (the clones), read-only
//	               islands, hidden directories and files, cache layers
//
// Upstream's bubblewrap pipeline does the same with --ro-bind / /, --bind,
// --ro-bind, --tmpfs and --perms (see /work/shared/codex-spec.md 6.2).

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// mountOpKind is what one operation does; see the table at the top.
type mountOpKind uint8

const (
	opPrivate   mountOpKind = iota + 1 // "/": propagation private, recursively
	opClone                            // copy Path's mount tree (recursive), nosuid,nodev, for opBind
	opReadOnly                         // "/": ro,nosuid,nodev recursively (nosuid,nodev if Writable)
	opDev                              // a fresh /dev
	opProc                             // a fresh /proc
	opBind                             // the copy opClone took of Path, moved onto Path
	opIsland                           // Path bound read-only onto itself
	opHideDir                          // an empty read-only tmpfs on Path
	opHideFile                         // an empty read-only file bound over Path
	opKeepClone                        // copy Path's mount tree, writable, nosuid,nodev: a kept cache layer, for opCache
	opCache                            // an overlay on Path: its contents below, a layer of the sandbox's on top
)

var mountOpNames = [...]string{
	opPrivate:   "private",
	opClone:     "clone",
	opReadOnly:  "read-only",
	opDev:       "dev",
	opProc:      "proc",
	opBind:      "bind",
	opIsland:    "island",
	opHideDir:   "hide-dir",
	opHideFile:  "hide-file",
	opKeepClone: "clone-keep",
	opCache:     "cache",
}

func (k mountOpKind) String() string {
	if int(k) < len(mountOpNames) && mountOpNames[k] != "" {
		return mountOpNames[k]
	}
	return "op" + strconv.Itoa(int(k))
}

func parseMountOpKind(s string) (mountOpKind, bool) {
	for k, name := range mountOpNames {
		if name != "" && name == s {
			return mountOpKind(k), true
		}
	}
	return 0, false
}

// mountOp is one step of the plan. Paths are absolute, clean and free of
// symbolic links at planning time; the inner stage opens them refusing
// any symlink (a path changed since is an error, not a guess).
type mountOp struct {
	Kind mountOpKind
	Path string

	// Writable (opReadOnly): "/" itself is a writable root, so the
	// recursive pass only adds nosuid,nodev.
	Writable bool
	// File (opClone, opBind): the writable root is not a directory.
	File bool

	// opIsland, opCache: Missing says nothing existed at Path when
	// planning; the outer stage then creates an empty directory there (a
	// placeholder).
	// prepareHost sets Placeholder and the placeholder's Dev and Ino,
	// which the inner stage checks before binding it.
	Missing     bool
	Placeholder bool
	Dev, Ino    uint64

	// Optional (opHideDir): nothing to do when Path does not exist when
	// the plan is applied (the placeholder registry, created on demand).
	Optional bool
	// Keep (opHideDir): paths beneath Path, relative to it, that must stay
	// reachable because a writable root lies there; "a/" is a directory,
	// "a/f" a file. The tmpfs is then mode 111 instead of 000.
	Keep []string
	// Layer (opCache): the kept layer's directory, whose copy opKeepClone
	// took; "" for a layer in a private tmpfs, thrown away.
	Layer string
}

// String is the operation as --print-policy shows it, one line.
func (op mountOp) String() string {
	s := op.Kind.String() + " " + op.Path
	switch op.Kind {
	case opPrivate:
		return s + " (recursive: no mount event enters or leaves the sandbox)"
	case opClone:
		return s + " (copy of the host's mount tree, still writable, nosuid,nodev)"
	case opReadOnly:
		if op.Writable {
			return "nosuid-nodev / (recursive; / is a writable root)"
		}
		return s + " (recursive, nosuid,nodev)"
	case opDev:
		return s + " (new tmpfs: null zero full random urandom tty from the host, pts newinstance, ptmx, shm private 1777, fd stdin stdout stderr)"
	case opProc:
		return s + " (new proc of the sandbox's PID namespace; the host's, read-only, where the kernel refuses)"
	case opBind:
		return s + " (writable)"
	case opIsland:
		switch {
		case op.Placeholder:
			return fmt.Sprintf("%s (read-only; placeholder directory dev %d ino %d, removed afterwards)", s, op.Dev, op.Ino)
		case op.Missing:
			return s + " (read-only; missing: an empty placeholder directory, removed afterwards)"
		}
		return s + " (read-only)"
	case opHideDir:
		if len(op.Keep) > 0 {
			return s + " (empty read-only tmpfs, mode 111, keeping " + strings.Join(op.Keep, " ") + ")"
		}
		if op.Optional {
			return s + " (empty read-only tmpfs, mode 000, if it exists)"
		}
		return s + " (empty read-only tmpfs, mode 000)"
	case opHideFile:
		return s + " (an empty read-only file over it)"
	case opKeepClone:
		return s + " (copy of the host's mount tree, still writable, nosuid,nodev: holds a kept cache layer)"
	case opCache:
		what := " (overlay, nosuid,nodev: the directory's contents below, writes in a private tmpfs, thrown away afterwards"
		if op.Layer != "" {
			what = " (overlay, nosuid,nodev: the directory's contents below, writes kept in " + op.Layer + "/upper"
		}
		switch {
		case op.Placeholder:
			what += fmt.Sprintf("; placeholder directory dev %d ino %d, removed afterwards", op.Dev, op.Ino)
		case op.Missing:
			what += "; missing: an empty placeholder directory, removed afterwards"
		}
		return s + what + ")"
	}
	return s
}

// mountPlan is the whole view: what the inner stage mounts, in order, and
// what the outer stage holds meanwhile.
type mountPlan struct {
	ops []mountOp
	// registry is the directory of placeholder lock files (see
	// mountplan_linux.go); "" when the plan has no island.
	registry string
	// skipped are the policy's paths that need no operation, with why,
	// for --print-policy.
	skipped []string

	// held are the placeholder registry entries prepareHost locked (outer
	// stage only), released by cleanupHost.
	held []*placeholderLock
	// keepLocks are the kept cache layers' directories, flocked by
	// prepareHost (outer stage only), closed by cleanupHost.
	keepLocks []int
	// notices are the weaker choices applyMounts had to make (inner stage
	// only), such as the host's /proc kept read-only: one line each.
	notices []string
}

// Ops returns the operations in order.
func (mp *mountPlan) Ops() []mountOp { return slices.Clone(mp.ops) }

// lines are the plan for --print-policy, one operation per line, then the
// paths that needed none.
func (mp *mountPlan) lines() []string {
	out := make([]string, 0, len(mp.ops)+len(mp.skipped))
	for _, op := range mp.ops {
		out = append(out, op.String())
	}
	for _, s := range mp.skipped {
		out = append(out, "skip "+s)
	}
	return out
}

func (mp *mountPlan) String() string { return strings.Join(mp.lines(), "\n") }

// notes returns the notices applyMounts recorded: one stderr line each for
// the inner stage to report.
func (mp *mountPlan) notes() []string { return mp.notices }

// placeholderLock is one island's entry in the placeholder registry, held
// open (and locked) by the outer stage for the whole run.
type placeholderLock struct {
	path        string // the island
	file        string // its registry file
	fd          int
	placeholder bool // path is a placeholder, to remove when nobody uses it
	dev, ino    uint64
}

// hostKind is the type of a file on the host, as lstat sees it.
type hostKind uint8

const (
	hostDir hostKind = iota + 1
	hostFile
	hostSymlink
	hostOther // socket, FIFO, device: hidden like a file
)

// hostFS is what planning reads from the host. Errors wrap fs.ErrNotExist
// for a missing path.
type hostFS interface {
	lstat(path string) (hostKind, error)
	readlink(path string) (string, error)
	// euid names the placeholder registry: one per user.
	euid() int
}

// memoHost remembers lstat answers: paths share their leading components,
// which planning would otherwise look up again for every path.
type memoHost struct {
	hostFS
	kinds map[string]memoKind
}

type memoKind struct {
	kind hostKind
	err  error
}

func (h *memoHost) lstat(path string) (hostKind, error) {
	if m, ok := h.kinds[path]; ok {
		return m.kind, m.err
	}
	k, err := h.hostFS.lstat(path)
	h.kinds[path] = memoKind{k, err}
	return k, err
}

// placeholderRegistryBases are where the placeholder registry directory
// (mountplan_linux.go) may be made, the first that is a directory:
// /dev/shm is a tmpfs (creating and removing entries there costs
// microseconds, on a disk up to milliseconds) that the command never sees
// (the sandbox has its own); /tmp where there is none, and the plan then
// hides the registry.
var placeholderRegistryBases = []string{"/dev/shm", "/tmp"}

// registryName is the registry directory's name for user uid.
func registryName(uid int) string { return "sandbox-placeholders-" + strconv.Itoa(uid) }

// registryDir is the registry directory for uid on host, or "".
func registryDir(host hostFS, uid int) string {
	for _, b := range placeholderRegistryBases {
		if c, missing, err := resolveHost(host, b, nil); err == nil && missing == "" {
			if k, err := host.lstat(c); err == nil && k == hostDir {
				return filepath.Join(c, registryName(uid))
			}
		}
	}
	return ""
}

// planMounts decides, from the policy and what exists on the host (through
// host, so tests can fake it), the ordered operations the inner stage
// performs and the placeholders the outer stage must create first. It
// changes nothing on the host.
func planMounts(p Policy, host hostFS) (*mountPlan, error) {
	if p.ReadRoots != nil {
		return nil, errors.New("restricted read access is not supported by the namespace engine")
	}
	mp := &mountPlan{}
	host = &memoHost{hostFS: host, kinds: map[string]memoKind{}}

	// Writable roots, canonical (symlinked roots are bound at their
	// target), deduplicated; "/" makes the whole tree writable.
	rootWritable := p.FullDiskWrite
	type root struct {
		path string
		file bool
	}
	var roots []root
	var writable []string // canonical writable roots, for the symlink rule
	var policyRoots []WritableRoot
	if !p.FullDiskWrite {
		policyRoots = p.WritableRoots
	}
	// Where the policy lets the command write, by name and resolved: a
	// root reached through a symlink inside one of them is refused (see
	// canonicalWritableRoot), and the inner stage opens the canonical path
	// without following symlinks, so one swapped in since cannot redirect
	// the bind.
	var areas []string
	for _, r := range policyRoots {
		areas = append(areas, r.Path)
		if c, _, err := resolveHost(host, r.Path, nil); err == nil && c != r.Path {
			areas = append(areas, c)
		}
	}
	canonRoot := make([]string, len(policyRoots))
	for i, r := range policyRoots {
		c, missing, err := resolveHost(host, r.Path, areas)
		if err != nil {
			return nil, fmt.Errorf("writable root %q: %w", r.Path, err)
		}
		if missing != "" {
			mp.skipped = append(mp.skipped, r.Path+" (writable root missing: nothing to bind)")
			continue
		}
		if fsPathWithin(c, "/dev") || fsPathWithin(c, "/proc") {
			// Copies of the host's would cover the new ones, nodev: a
			// writable /dev/null that cannot be opened.
			mp.skipped = append(mp.skipped, r.Path+" (writable root in the sandbox's own /dev or /proc: its null, zero, full, tty, pts and shm are writable there)")
			continue
		}
		canonRoot[i] = c
		if slices.Contains(writable, c) {
			continue
		}
		writable = append(writable, c)
		if c == "/" {
			rootWritable = true
			continue
		}
		k, err := host.lstat(c)
		if err != nil {
			return nil, fmt.Errorf("writable root %q: lstat %q: %w", r.Path, c, err)
		}
		roots = append(roots, root{path: c, file: k != hostDir})
	}
	if rootWritable {
		writable = []string{"/"}
	}

	// Overlays: writable roots, islands, hidden paths.
	var items []mountOp
	for _, r := range roots {
		items = append(items, mountOp{Kind: opBind, Path: r.path, File: r.file})
	}
	for i, r := range policyRoots {
		for _, ro := range r.ReadOnly {
			if canonRoot[i] == "" {
				break
			}
			// Beneath a symlinked root: the same path beneath its target.
			if rel, ok := strings.CutPrefix(ro, r.Path); ok && (rel == "" || rel[0] == '/' || r.Path == "/") {
				ro = filepath.Join(canonRoot[i], rel)
			}
			c, missing, err := resolveHost(host, ro, writable)
			var nd *notDirError
			if errors.As(err, &nd) {
				// It cannot exist while that file is there; the file is
				// frozen so that it stays (the command could otherwise
				// replace it with a directory holding the path).
				c, err = nd.path, nil
			}
			if err != nil {
				return nil, fmt.Errorf("read-only path %q: %w", ro, err)
			}
			switch {
			case missing != "" && !withinAny(missing, writable):
				mp.skipped = append(mp.skipped, ro+" (read-only path missing outside the writable roots: cannot be created)")
			case missing != "":
				items = append(items, mountOp{Kind: opIsland, Path: missing, Missing: true})
			case !withinAny(c, writable):
				mp.skipped = append(mp.skipped, ro+" (outside the writable roots: read-only anyway)")
			default:
				items = append(items, mountOp{Kind: opIsland, Path: c})
			}
		}
	}
	var caches []string // canonical cache directories
	for _, c := range p.Caches {
		op, err := planCache(host, c, writable)
		if err != nil {
			return nil, err
		}
		items = append(items, op)
		caches = append(caches, op.Path)
	}
	hidden := slices.Clone(p.Hidden)
	var hiddenCanon []string // where each hidden path is, or would be
	for _, h := range hidden {
		c, missing, err := resolveHost(host, h, writable)
		var nd *notDirError
		if errors.As(err, &nd) {
			// It cannot exist while that file is there: the file is
			// frozen, as for a read-only path, so that it stays.
			c, err = nd.path, nil
			if withinAny(c, writable) {
				items = append(items, mountOp{Kind: opIsland, Path: c})
			} else {
				mp.skipped = append(mp.skipped, h+" (hidden path cannot exist: nothing to hide)")
			}
			hiddenCanon = append(hiddenCanon, c)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("hidden path %q: %w", h, err)
		}
		hiddenCanon = append(hiddenCanon, c)
		switch {
		case missing != "" && withinAny(missing, writable):
			// Missing inside a writable tree: the command must not be
			// able to create it, which a later run would then find and
			// hide, but this one would show (as bubblewrap masks the
			// first missing component). Its first missing component gets
			// a read-only island's empty placeholder, removed afterwards.
			items = append(items, mountOp{Kind: opIsland, Path: missing, Missing: true})
			continue
		case missing != "":
			mp.skipped = append(mp.skipped, h+" (hidden path missing outside the writable roots: nothing to hide, cannot be created)")
			continue
		}
		k, err := host.lstat(c)
		if err != nil {
			return nil, fmt.Errorf("hidden path %q: lstat %q: %w", h, c, err)
		}
		kind := opHideFile
		if k == hostDir {
			kind = opHideDir
		}
		items = append(items, mountOp{Kind: kind, Path: c})
	}
	if err := checkCacheOverlaps(items, hiddenCanon); err != nil {
		return nil, err
	}
	// A missing read-only path inside a cache directory needs no
	// placeholder, which would be made in the real directory: what the
	// command creates there stays in the layer.
	items = slices.DeleteFunc(items, func(it mountOp) bool {
		if it.Kind == opIsland && it.Missing && withinAny(it.Path, caches) {
			mp.skipped = append(mp.skipped, it.Path+" (read-only path missing inside a --cache directory: what the command creates there stays in the layer)")
			return true
		}
		return false
	})
	// Pins: an island, or a writable root nested in another, is a mount
	// point and cannot be renamed, but the directories between it and the
	// writable root around it could be, and a new directory made in their
	// place, where the island's path is free to create (a Codex workspace
	// under /tmp: rename /tmp/ws away, make /tmp/ws/proj/.git, and the
	// user's next git command there runs the command's hooks). Each such
	// directory is bound onto itself, writable as it was, so that renaming
	// it fails (EBUSY). The cost: moving a file across one of them is a
	// copy (EXDEV, which mv handles).
	var pins []mountOp
	pin := func(path string) {
		anc := ""
		for _, w := range writable {
			if path != w && fsPathWithin(path, w) && len(w) > len(anc) {
				anc = w
			}
		}
		if anc == "" {
			return
		}
		for d := filepath.Dir(path); d != anc && fsPathWithin(d, anc); d = filepath.Dir(d) {
			if withinAny(d, p.Hidden) {
				continue // masked: nothing beneath can be reached to rename
			}
			if withinAny(d, caches) {
				// A copy of the real directory over the overlay would make
				// it writable. Inside the overlay a directory of the lower
				// layer cannot be renamed (EXDEV: with userxattr overlayfs
				// neither makes nor follows redirects, redirect_dir=nofollow),
				// and the overlay itself is a mount point. That holds for a
				// throwaway layer only: a kept one can hold directories of
				// its own, which can be renamed, so checkCacheOverlaps
				// refuses a hidden or read-only path inside it.
				continue
			}
			pins = append(pins, mountOp{Kind: opBind, Path: d})
		}
	}
	for _, it := range items {
		switch it.Kind {
		case opBind, opIsland, opHideDir, opHideFile, opCache:
			pin(it.Path)
		}
	}
	items = append(items, pins...)
	registry := ""
	if slices.ContainsFunc(items, func(op mountOp) bool { return op.Kind == opIsland || op.Kind == opCache }) {
		registry = registryDir(host, host.euid())
		if registry == "" {
			return nil, fmt.Errorf("placeholder registry: none of %s is a directory", strings.Join(placeholderRegistryBases, ", "))
		}
		mp.registry = registry
	}
	if registry != "" && !fsPathWithin(registry, "/dev") {
		// The registry's locks must be out of the command's reach: a
		// command holding one would stall other runs' setup. (The
		// sandbox's /dev is its own.)
		items = append(items, mountOp{Kind: opHideDir, Path: registry, Optional: true})
	}

	// Nothing can be stacked on "/" itself: the process's root stays the
	// mount beneath (and hiding or freezing all of it leaves nothing to run).
	for _, it := range items {
		if it.Path == "/" && it.Kind != opBind {
			return nil, fmt.Errorf("%s of / is not supported: nothing can be mounted over the root itself", it.Kind)
		}
	}

	// Shallowest first; at one path a bind, then an island, then a mask.
	slices.SortStableFunc(items, func(a, b mountOp) int {
		return cmp.Or(
			cmp.Compare(pathDepth(a.Path), pathDepth(b.Path)),
			cmp.Compare(a.Kind, b.Kind),
			strings.Compare(a.Path, b.Path))
	})
	var overlays []mountOp
	for _, it := range items {
		if slices.ContainsFunc(overlays, func(o mountOp) bool { return o.Path == it.Path && o.Kind == it.Kind && o.File == it.File }) {
			continue
		}
		// The deepest operation already placed at or above this path
		// decides: beneath a mask only a writable root shows through.
		anc := -1
		for j, o := range overlays {
			if fsPathWithin(it.Path, o.Path) && (anc < 0 || pathDepth(o.Path) >= pathDepth(overlays[anc].Path)) {
				anc = j
			}
		}
		if anc >= 0 && overlays[anc].Kind == opHideDir {
			if it.Kind != opBind && it.Kind != opCache {
				mp.skipped = append(mp.skipped, it.Path+" (beneath hidden "+overlays[anc].Path+")")
				continue
			}
			overlays[anc].Keep = keepPath(overlays[anc].Keep, overlays[anc].Path, it.Path, it.File)
		}
		overlays = append(overlays, it)
	}

	mp.ops = append(mp.ops, mountOp{Kind: opPrivate, Path: "/"})
	for _, o := range overlays {
		if o.Kind == opBind {
			mp.ops = append(mp.ops, mountOp{Kind: opClone, Path: o.Path, File: o.File})
		}
	}
	for _, o := range overlays {
		if o.Kind == opCache && o.Layer != "" {
			mp.ops = append(mp.ops, mountOp{Kind: opKeepClone, Path: o.Layer})
		}
	}
	mp.ops = append(mp.ops,
		mountOp{Kind: opReadOnly, Path: "/", Writable: rootWritable},
		mountOp{Kind: opDev, Path: "/dev"},
		mountOp{Kind: opProc, Path: "/proc"})
	mp.ops = append(mp.ops, overlays...)
	return mp, nil
}

// keepPath adds to keep the entries that make target, beneath dir,
// reachable inside dir's mask: each directory on the way, then target.
func keepPath(keep []string, dir, target string, file bool) []string {
	rel := strings.TrimPrefix(target, strings.TrimSuffix(dir, "/")+"/")
	parts := strings.Split(rel, "/")
	for i := range parts {
		e := strings.Join(parts[:i+1], "/")
		if i < len(parts)-1 || !file {
			e += "/"
		}
		if !slices.Contains(keep, e) {
			keep = append(keep, e)
		}
	}
	return keep
}

func pathDepth(p string) int {
	if p == "/" {
		return 0
	}
	return strings.Count(p, "/")
}

func withinAny(p string, roots []string) bool {
	return slices.ContainsFunc(roots, func(r string) bool { return fsPathWithin(p, r) })
}

// maxSymlinks is the kernel's limit on symlinks followed in one lookup
// (MAXSYMLINKS, path_resolution(7)).
const maxSymlinks = 40

// notDirError is resolveHost's answer for a path that cannot exist now:
// path, on the way, is not a directory.
type notDirError struct{ path string }

func (e *notDirError) Error() string { return fmt.Sprintf("%q is not a directory", e.path) }

// resolveHost resolves path on host component by component, as the kernel
// would, and returns the canonical path. When a component is missing it
// returns the canonical path of that first missing component in missing
// (and the rest of the path does not matter: nothing beneath exists). A
// component that is not a directory but has more after it is a
// *notDirError. A symbolic link beneath one of writable is refused:
// the command could rewrite it, so what it names is not known.
func resolveHost(host hostFS, path string, writable []string) (canon, missing string, err error) {
	return walkHost(host, path, func(link string) error {
		if w := slices.IndexFunc(writable, func(r string) bool { return link != r && fsPathWithin(link, r) }); w >= 0 {
			return fmt.Errorf("crosses symlink %q inside writable root %q, which the command could rewrite; refusing to guess what it names", link, writable[w])
		}
		return nil
	})
}

// walkHost is resolveHost with the symlink rule given: visit is called
// with the location of every symlink on the way, its parent already
// resolved, and an error from it stops the walk.
func walkHost(host hostFS, path string, visit func(link string) error) (canon, missing string, err error) {
	if !filepath.IsAbs(path) {
		return "", "", fmt.Errorf("not an absolute path")
	}
	todo := splitPath(path)
	cur := "/"
	links := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, c)
		k, err := host.lstat(next)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return filepath.Join(append([]string{next}, todo...)...), next, nil
		case err != nil:
			return "", "", fmt.Errorf("lstat %q: %w", next, err)
		case k == hostSymlink:
			if err := visit(next); err != nil {
				return "", "", err
			}
			if links++; links > maxSymlinks {
				return "", "", fmt.Errorf("lstat %q: too many levels of symbolic links", next)
			}
			target, err := host.readlink(next)
			if err != nil {
				return "", "", fmt.Errorf("readlink %q: %w", next, err)
			}
			if filepath.IsAbs(target) {
				cur = "/"
			}
			todo = append(splitPath(target), todo...)
		case k != hostDir && len(todo) > 0 && slices.ContainsFunc(todo, func(s string) bool { return s != "" && s != "." }):
			return "", "", &notDirError{next}
		default:
			cur = next
		}
	}
	return cur, "", nil
}

// osHostFS is the real host, for planMounts.
type osHostFS struct{}

// osHost returns the real host lookups.
func osHost() hostFS { return osHostFS{} }

func (osHostFS) lstat(path string) (hostKind, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return 0, err
	}
	switch m := fi.Mode(); {
	case m.IsDir():
		return hostDir, nil
	case m&fs.ModeSymlink != 0:
		return hostSymlink, nil
	case m.IsRegular():
		return hostFile, nil
	}
	return hostOther, nil
}

func (osHostFS) readlink(path string) (string, error) { return os.Readlink(path) }
func (osHostFS) euid() int                            { return os.Geteuid() }

func splitPath(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

// appendJSON writes the plan as one JSON object: the ops in order and the
// registry. held and notices belong to one stage and are not sent.
func (mp *mountPlan) appendJSON(w *jsonWriter) {
	w.openObject()
	w.key("registry").str(mp.registry)
	w.key("ops").openArray()
	for _, op := range mp.ops {
		w.openObject()
		w.key("op").str(op.Kind.String())
		w.key("path").str(op.Path)
		if op.Writable {
			w.key("writable").boolean(true)
		}
		if op.File {
			w.key("file").boolean(true)
		}
		if op.Missing {
			w.key("missing").boolean(true)
		}
		if op.Placeholder {
			w.key("placeholder").boolean(true)
			w.key("dev").unsigned(op.Dev)
			w.key("ino").unsigned(op.Ino)
		}
		if op.Optional {
			w.key("optional").boolean(true)
		}
		if op.Keep != nil {
			w.key("keep").strings(op.Keep)
		}
		if op.Layer != "" {
			w.key("layer").str(op.Layer)
		}
		w.closeObject()
	}
	w.closeArray()
	w.closeObject()
}

// marshal is the plan as the outer stage sends it: compact JSON.
func (mp *mountPlan) marshal() []byte {
	w := jsonWriter{compact: true, lossless: true}
	mp.appendJSON(&w)
	return w.buf
}

// unmarshalMountPlan reads what marshal wrote, strictly: an unknown member
// or a path that is not absolute and clean is an error.
func unmarshalMountPlan(text []byte) (*mountPlan, error) {
	v, err := parseJSONLossless(string(text), 4)
	if err != nil {
		return nil, fmt.Errorf("mount plan: %w", err)
	}
	return parseMountPlan(v)
}

func parseMountPlan(v jsonValue) (*mountPlan, error) {
	bad := func(format string, a ...any) (*mountPlan, error) {
		return nil, fmt.Errorf("mount plan: "+format, a...)
	}
	if v.kind != jsonObject {
		return bad("not an object")
	}
	mp := &mountPlan{}
	for i, k := range v.keys {
		item := v.items[i]
		switch k {
		case "registry":
			if item.kind != jsonString || (item.text != "" && !cleanAbs(item.text)) {
				return bad("registry is not an absolute clean path")
			}
			mp.registry = item.text
		case "ops":
			if item.kind != jsonArray {
				return bad("ops is not an array")
			}
			for _, o := range item.items {
				op, err := parseMountOp(o)
				if err != nil {
					return bad("%v", err)
				}
				mp.ops = append(mp.ops, op)
			}
		default:
			return bad("unknown member %q", k)
		}
	}
	return mp, nil
}

func parseMountOp(v jsonValue) (mountOp, error) {
	var op mountOp
	if v.kind != jsonObject {
		return op, errors.New("op is not an object")
	}
	flag := func(item jsonValue, dst *bool) error {
		if item.kind != jsonBool {
			return errors.New("not a boolean")
		}
		*dst = item.text == "true"
		return nil
	}
	for i, k := range v.keys {
		item := v.items[i]
		var err error
		switch k {
		case "op":
			var ok bool
			if op.Kind, ok = parseMountOpKind(item.text); item.kind != jsonString || !ok {
				err = fmt.Errorf("unknown op %q", item.text)
			}
		case "path":
			op.Path = item.text
			if item.kind != jsonString || !cleanAbs(item.text) {
				err = errors.New("not an absolute clean path")
			}
		case "writable":
			err = flag(item, &op.Writable)
		case "file":
			err = flag(item, &op.File)
		case "missing":
			err = flag(item, &op.Missing)
		case "placeholder":
			err = flag(item, &op.Placeholder)
		case "optional":
			err = flag(item, &op.Optional)
		case "dev", "ino":
			var n uint64
			n, err = strconv.ParseUint(item.text, 10, 64)
			if item.kind != jsonNumber {
				err = errors.New("not a number")
			}
			if k == "dev" {
				op.Dev = n
			} else {
				op.Ino = n
			}
		case "layer":
			op.Layer = item.text
			if item.kind != jsonString || !cleanAbs(item.text) {
				err = errors.New("not an absolute clean path")
			}
		case "keep":
			if item.kind != jsonArray {
				err = errors.New("not an array")
				break
			}
			op.Keep = []string{}
			for _, e := range item.items {
				rel := strings.TrimSuffix(e.text, "/")
				if e.kind != jsonString || rel == "" || !cleanAbs("/"+rel) {
					err = fmt.Errorf("bad entry %q", e.text)
					break
				}
				op.Keep = append(op.Keep, e.text)
			}
		default:
			err = errors.New("unknown member")
		}
		if err != nil {
			return op, fmt.Errorf("op member %q: %w", k, err)
		}
	}
	if op.Kind == 0 || op.Path == "" {
		return op, errors.New("op without op or path")
	}
	return op, nil
}

func cleanAbs(p string) bool { return filepath.IsAbs(p) && filepath.Clean(p) == p }
