//go:build linux

package main

// rawPlan: the raw inner stage's program (rawstage_linux.go), built from
// the mount plan, the Landlock ruleset and the seccomp filter, step for
// step what runInner, applyMounts and linuxPlan.enforce do in the Go inner
// stage, with the same checks: every path opened without following a
// symlink and checked for its type, placeholders checked for the very
// directory the outer stage made.

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rawBuilder appends steps to a program.
type rawBuilder struct {
	pr         *rawProgram
	nregs      uint16
	rulesetReg uint16 // the Landlock ruleset's register, 0: none
}

func (b *rawBuilder) reg() uint16 {
	b.nregs++
	return b.nregs
}

// cstr is s as a C string the program owns.
//
//go:noinline
func (b *rawBuilder) cstr(s string) unsafe.Pointer {
	m := append([]byte(s), 0)
	b.pr.mem = append(b.pr.mem, m)
	return unsafe.Pointer(&m[0])
}

// cstrs is a NULL-terminated array of C strings.
func (b *rawBuilder) cstrs(ss []string) unsafe.Pointer {
	arr := make([]unsafe.Pointer, len(ss)+1)
	for i, s := range ss {
		arr[i] = b.cstr(s)
	}
	b.pr.obj = append(b.pr.obj, arr)
	return unsafe.Pointer(&arr[0])
}

// keep makes the program own v (a pointer to a struct its steps use).
func (b *rawBuilder) keep(v any) { b.pr.obj = append(b.pr.obj, v) }

// arg is one argument as the builder takes it: an immediate, a pointer,
// or a register.
type arg struct {
	v   uintptr
	reg bool
}

func imm(v uintptr) arg           { return arg{v: v} }
func ptrArg(p unsafe.Pointer) arg { return arg{v: uintptr(p)} }
func regArg(r uint16) arg         { return arg{v: uintptr(r), reg: true} }

// setArgs puts args into op.
func setArgs(op *rawOp, args ...arg) {
	for i, a := range args {
		op.args[i] = a.v
		if a.reg {
			op.regs |= 1 << i
		}
	}
}

// rawFDCWD is AT_FDCWD as a system call argument.
var rawFDCWD = func() arg { fd := unix.AT_FDCWD; return imm(uintptr(fd)) }()

// sys appends a system call step and returns its index.
//
//go:noinline
func (b *rawBuilder) sys(what string, nr uintptr, args ...arg) int {
	b.pr.ops = append(b.pr.ops, rawOp{kind: rawSys, nr: nr, what: what})
	setArgs(&b.pr.ops[len(b.pr.ops)-1], args...)
	return len(b.pr.ops) - 1
}

// on appends a step of kind on register r.
//
//go:noinline
func (b *rawBuilder) on(kind rawKind, r uint16, what string) int {
	b.pr.ops = append(b.pr.ops, rawOp{kind: kind, what: what})
	setArgs(&b.pr.ops[len(b.pr.ops)-1], regArg(r))
	return len(b.pr.ops) - 1
}

// sysOut is sys whose result (a descriptor) goes to a new register.
//
//go:noinline
func (b *rawBuilder) sysOut(what string, nr uintptr, args ...arg) (int, uint16) {
	i := b.sys(what, nr, args...)
	r := b.reg()
	b.pr.ops[i].out = r
	return i, r
}

func (b *rawBuilder) add(op rawOp) int {
	b.pr.ops = append(b.pr.ops, op)
	return len(b.pr.ops) - 1
}

func (b *rawBuilder) close(r uint16) { b.on(rawClose, r, "close") }

// skipTo makes step i skip to the end of the program so far.
func (b *rawBuilder) skipTo(i int) { b.pr.ops[i].skip = uint16(len(b.pr.ops) - i - 1) }

func errnoBits(es ...syscall.Errno) uint64 {
	var m uint64
	for _, e := range es {
		m |= 1 << uint(e)
	}
	return m
}

// typeBit is the want bit of a file type (S_IFMT >> 12).
func typeBit(ifmt uint32) uint64 { return 1 << (ifmt >> 12) }

const allTypes = ^uint64(0)

// openPath is mountplan_linux.go's openPath: openat2 RESOLVE_NO_SYMLINKS,
// then the type check. It returns the open step and the register.
//
//go:noinline
func (b *rawBuilder) openPath(path string, kind fileKind, prefix string) (int, uint16) {
	how := &unix.OpenHow{Flags: unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_SYMLINKS}
	b.keep(how)
	i, r := b.sysOut(prefix+fmt.Sprintf("openat2 %q", path), unix.SYS_OPENAT2, rawFDCWD, ptrArg(b.cstr(path)), ptrArg(unsafe.Pointer(how)), imm(unsafe.Sizeof(*how)))
	b.pr.ops[i].explain = eloopPlanned
	b.pr.ops[i].how = how
	switch kind {
	case wantDir:
		t := b.on(rawIsType, r, fmt.Sprintf("%q is no longer a directory (changed since planning)", path))
		b.pr.ops[t].want = typeBit(unix.S_IFDIR)
	case wantFile:
		t := b.on(rawIsType, r, fmt.Sprintf("%q is no longer not a directory (changed since planning)", path))
		b.pr.ops[t].want = allTypes &^ typeBit(unix.S_IFDIR)
	}
	return i, r
}

var eloopPlanned = map[syscall.Errno]string{unix.ELOOP: "a symlink is on the way (changed since planning?)"}

// cloneTree is open_tree(OPEN_TREE_CLONE, recursive) and mount_setattr.
//
//go:noinline
func (b *rawBuilder) cloneTree(fd uint16, path string, set, clr uint64) uint16 {
	_, tree := b.sysOut(fmt.Sprintf("open_tree %q (clone, recursive)", path), unix.SYS_OPEN_TREE, regArg(fd), ptrArg(b.cstr("")),
		imm(unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH|unix.AT_RECURSIVE))
	b.setattr(tree, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, unix.MountAttr{Attr_set: set, Attr_clr: clr},
		fmt.Sprintf("mount_setattr copy of %q (%s)", path, attrString(set, clr)))
	return tree
}

// setattr is mount_setattr on register fd (0: AT_FDCWD with path).
//
//go:noinline
func (b *rawBuilder) setattr(fd uint16, path string, flags uintptr, attr unix.MountAttr, what string) int {
	a := &attr
	b.keep(a)
	dir := rawFDCWD
	if fd != 0 {
		dir = regArg(fd)
	}
	return b.sys(what, unix.SYS_MOUNT_SETATTR, dir, ptrArg(b.cstr(path)), imm(flags), ptrArg(unsafe.Pointer(a)), imm(unsafe.Sizeof(*a)))
}

// moveMount attaches the detached mount m on target (a register) or, with
// target 0, on path.
//
//go:noinline
func (b *rawBuilder) moveMount(m, target uint16, path string) int {
	what := fmt.Sprintf("move_mount onto %q", path)
	if target == 0 {
		return b.sys(what, unix.SYS_MOVE_MOUNT, regArg(m), ptrArg(b.cstr("")), rawFDCWD, ptrArg(b.cstr(path)), imm(unix.MOVE_MOUNT_F_EMPTY_PATH))
	}
	return b.sys(what, unix.SYS_MOVE_MOUNT, regArg(m), ptrArg(b.cstr("")), regArg(target), ptrArg(b.cstr("")), imm(unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH))
}

// moveOnto opens path as openPath does and moves m onto it.
//
//go:noinline
func (b *rawBuilder) moveOnto(m uint16, path string, kind fileKind) {
	_, t := b.openPath(path, kind, "")
	b.moveMount(m, t, path)
	b.close(t)
}

// newFS is fsopen, fsconfig (options in the order given: "k" a flag,
// "k=v" a string), fsconfig create and fsmount. It returns the first step
// and the register of the detached mount.
func (b *rawBuilder) newFS(fstype, forPath string, opts []string, attrs uintptr) (int, uint16) {
	first, fsfd, m := b.newFSOpen(fstype, forPath, opts, attrs)
	b.close(fsfd)
	return first, m
}

// newFSOpen is newFS that leaves the filesystem context open (its
// register second), for a caller that closes it after steps it may skip.
//
//go:noinline
func (b *rawBuilder) newFSOpen(fstype, forPath string, opts []string, attrs uintptr) (int, uint16, uint16) {
	first, fsfd := b.sysOut(fmt.Sprintf("fsopen %s for %q", fstype, forPath), unix.SYS_FSOPEN, ptrArg(b.cstr(fstype)), imm(unix.FSOPEN_CLOEXEC))
	for _, o := range opts {
		k, v, isString := strings.Cut(o, "=")
		if isString {
			b.sys(fmt.Sprintf("fsconfig %s %s=%s for %q", fstype, k, v, forPath), unix.SYS_FSCONFIG, regArg(fsfd), imm(unix.FSCONFIG_SET_STRING), ptrArg(b.cstr(k)), ptrArg(b.cstr(v)), imm(0))
		} else {
			b.sys(fmt.Sprintf("fsconfig %s %s= for %q", fstype, k, forPath), unix.SYS_FSCONFIG, regArg(fsfd), imm(unix.FSCONFIG_SET_FLAG), ptrArg(b.cstr(k)), imm(0), imm(0))
		}
	}
	b.sys(fmt.Sprintf("fsconfig %s create for %q", fstype, forPath), unix.SYS_FSCONFIG, regArg(fsfd), imm(unix.FSCONFIG_CMD_CREATE), imm(0), imm(0), imm(0))
	_, m := b.sysOut(fmt.Sprintf("fsmount %s for %q", fstype, forPath), unix.SYS_FSMOUNT, regArg(fsfd), imm(unix.FSMOUNT_CLOEXEC), imm(attrs))
	return first, fsfd, m
}

// createFile is mountplan_linux.go's createFile: an empty file name in
// the directory dirfd, then its mode.
//
//go:noinline
func (b *rawBuilder) createFile(dirfd uint16, name string, mode uint32, what string) {
	_, fd := b.sysOut(what, unix.SYS_OPENAT, regArg(dirfd), ptrArg(b.cstr(name)), imm(unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC), imm(0))
	b.close(fd)
	b.sys(what, unix.SYS_FCHMODAT, regArg(dirfd), ptrArg(b.cstr(name)), imm(uintptr(mode)))
}

// rawUnsupported says why a policy keeps the Go inner stage ("" if it
// need not).
func rawUnsupported(p Policy, mp *mountPlan) string {
	switch {
	case len(p.Caches) > 0:
		return "--cache"
	case needsProxy(p):
		return "the proxy"
	case archFor(runtime.GOARCH) == nil:
		return "this architecture"
	}
	for _, op := range mp.ops {
		if op.Kind == opKeepClone || op.Kind == opCache {
			return "a cache layer"
		}
	}
	return ""
}

// innerStageKind says, for --print-policy, how the namespace engine's
// inner stage would run p.
func innerStageKind(p Policy, mp *mountPlan) string {
	if why := rawUnsupported(p, mp); why != "" {
		return "this binary executed again in the namespaces (a second Go runtime), for " + why
	}
	if os.Getenv(goInnerEnv) != "" {
		return "this binary executed again in the namespaces (a second Go runtime), as " + goInnerEnv + " asks"
	}
	return "a prepared program of system calls, forked into the namespaces (no second Go runtime)"
}

// rawInput is what the outer stage knows when it builds the program.
type rawInput struct {
	p      Policy
	k      kernelFeatures
	pl     *linuxPlan
	mp     *mountPlan
	cmd    []string
	env    []string
	mask   unix.Sigset_t
	euid   int
	capMax int    // the highest capability this kernel knows
	cwd    string // "" when the working directory is gone
	name   string // the process name (PR_SET_NAME)
	// nofile, when set, is the command's RLIMIT_NOFILE (callerNofile).
	nofile    unix.Rlimit
	setNofile bool
	// resetSched: PID 1 puts its policy back to SCHED_OTHER first, as
	// it may be forked on a runtime thread made SCHED_BATCH for the
	// start-up (sched_linux.go; on amd64, where the fork runs beside the
	// building), and the command inherits PID 1's.
	resetSched bool
}

// buildRaw builds the program for in, with sock and outer the child's and
// the outer stage's ends of the status socket.
func buildRaw(in rawInput, sock, outer int) (*rawProgram, error) {
	pr := newRawProgram(sock, outer, in.mask)
	return pr, pr.build(in)
}

// newRawProgram is a program with nothing in it yet but what the inner
// stage needs before it (rawBoot): it may fork with it and have it built
// meanwhile (see startRaw).
func newRawProgram(sock, outer int, mask unix.Sigset_t) *rawProgram {
	return &rawProgram{sock: uintptr(sock), outer: uintptr(outer), mask: mask}
}

// opsEstimate is how many steps the program for in may take, at most:
// it is sized once, generously, since a run builds one program, fresh
// memory costs page faults more than the building does (several
// microseconds a page in a virtual machine), and outgrowing the estimate
// would copy every step to fresh memory again, while capacity never
// touched costs nothing.
func (in rawInput) opsEstimate() int {
	n := 96 + in.capMax + 24*len(in.mp.ops)
	if in.pl.ruleset != nil {
		n += 8 * len(in.pl.ruleset.rules)
	}
	return n
}

// build fills pr with the program for in.
func (pr *rawProgram) build(in rawInput) error {
	pr.ops = make([]rawOp, 0, in.opsEstimate())
	b := &rawBuilder{pr: pr}

	if in.resetSched {
		// Not a restriction: where the kernel refuses it, this thread
		// was never moved (the same call moves it), and it goes on.
		i := b.sys("sched_setscheduler(0, SCHED_OTHER): the caller's policy, for the command", unix.SYS_SCHED_SETSCHEDULER,
			imm(0), imm(unix.SCHED_NORMAL), ptrArg(unsafe.Pointer(&schedZero)))
		pr.ops[i].skipOn = allTypes
	}
	// The program starts once rawBoot has the supervisor's byte: the
	// ID maps are written. Undumpable first (see runInner), unless the
	// supervisor's connect checks need this process dumpable still.
	supervise := in.pl.supervisesConnect(in.k)
	if !supervise {
		b.undumpable()
	}
	i := b.sys("prctl(PR_SET_NAME)", unix.SYS_PRCTL, imm(unix.PR_SET_NAME), ptrArg(b.cstr(in.name)))
	pr.ops[i].skipOn = allTypes // cosmetic

	// The canary (see runInner): whether this host lets the new
	// namespaces mount at all.
	i = b.sys("mount(/, MS_REC|MS_PRIVATE) in a new user namespace", unix.SYS_MOUNT, ptrArg(b.cstr("")), ptrArg(b.cstr("/")), imm(0), imm(unix.MS_REC|unix.MS_PRIVATE), imm(0))
	pr.ops[i].host = errnoBits(unix.EPERM, unix.EACCES, unix.ENOSYS)

	mountStart := len(pr.ops)
	if err := b.mounts(in.mp); err != nil {
		return err
	}
	for j := mountStart; j < len(pr.ops); j++ {
		pr.ops[j].host |= errnoBits(unix.ENOSYS) // no new mount API: the host's, not the plan's
	}
	if !in.p.Network {
		b.loopback()
	}
	if err := b.landlockRules(in.pl); err != nil {
		return err
	}
	b.add(rawOp{kind: rawSend, rec: recReady, what: "ready"})
	if err := b.enforce(in); err != nil {
		return err
	}
	pr.regs = make([]uintptr, b.nregs)
	b.command(in)
	if err := pr.validate(); err != nil {
		return err
	}
	pr.rawPrepare()
	return nil
}

// mounts is applyMounts.
func (b *rawBuilder) mounts(mp *mountPlan) error {
	clones := map[string]uint16{}
	var empties []uint16
	var dev uint16
	var devPath string
	hideFiles := 0
	for _, op := range mp.ops {
		if op.Kind == opHideFile {
			hideFiles++
		}
	}
	for _, op := range mp.ops {
		switch op.Kind {
		case opPrivate:
			b.setattr(0, op.Path, unix.AT_RECURSIVE, unix.MountAttr{Propagation: unix.MS_PRIVATE},
				fmt.Sprintf("mount_setattr %q (propagation private, recursive)", op.Path))
		case opClone:
			_, fd := b.openPath(op.Path, dirOrFile(op.File), "")
			tree := b.cloneTree(fd, op.Path, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV, 0)
			b.close(fd)
			if old, ok := clones[op.Path]; ok {
				b.close(old)
			}
			clones[op.Path] = tree
		case opReadOnly:
			attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
			what := "read-only,nosuid,nodev"
			if op.Writable {
				attr.Attr_set &^= unix.MOUNT_ATTR_RDONLY
				what = "nosuid,nodev"
			}
			b.setattr(0, op.Path, unix.AT_RECURSIVE, attr, fmt.Sprintf("mount_setattr %q (%s, recursive)", op.Path, what))
		case opDev:
			var err error
			if dev, empties, err = b.makeDev(op.Path, hideFiles); err != nil {
				return err
			}
			devPath = op.Path
		case opProc:
			b.proc(op.Path)
		case opBind:
			tree, ok := clones[op.Path]
			if !ok {
				return fmt.Errorf("bind %q: no clone of it was taken", op.Path)
			}
			delete(clones, op.Path)
			b.moveOnto(tree, op.Path, dirOrFile(op.File))
			b.close(tree)
		case opIsland:
			_, fd := b.openPath(op.Path, anyKind, "read-only path: ")
			if op.Placeholder {
				t := b.on(rawIsDevIno, fd, fmt.Sprintf("placeholder %q was replaced since it was created (dev %d ino %d)", op.Path, op.Dev, op.Ino))
				b.pr.ops[t].want, b.pr.ops[t].dev, b.pr.ops[t].ino = typeBit(unix.S_IFDIR), op.Dev, op.Ino
			}
			tree := b.cloneTree(fd, op.Path, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV, 0)
			b.moveMount(tree, fd, op.Path)
			b.close(tree)
			b.close(fd)
		case opHideDir:
			b.hideDir(op)
		case opHideFile:
			if len(empties) == 0 {
				return fmt.Errorf("hide %q: no empty file was prepared", op.Path)
			}
			empty := empties[0]
			empties = empties[1:]
			b.moveOnto(empty, op.Path, wantFile)
			b.close(empty)
		default:
			return fmt.Errorf("mount plan: operation %v on %q is not for the raw inner stage", op.Kind, op.Path)
		}
	}
	for _, path := range slices.Sorted(maps.Keys(clones)) {
		b.close(clones[path])
	}
	if dev != 0 && hideFiles > 0 {
		b.sys(fmt.Sprintf("unlink %q", filepath.Join(devPath, emptyName)), unix.SYS_UNLINKAT, regArg(dev), ptrArg(b.cstr(emptyName)), imm(0))
		b.sealDev(dev, devPath)
	}
	return nil
}

// makeDev is applier.makeDev: the new /dev, populated while detached.
func (b *rawBuilder) makeDev(path string, hideFiles int) (uint16, []uint16, error) {
	in := func(name string) string { return filepath.Join(path, name) }
	// Copies of the host's nodes; one the host lacks is left out: its
	// register stays empty and every step for it is skipped.
	nodes := make([]uint16, len(devNodes))
	for j, name := range devNodes {
		open, fd := b.openPath(in(name), anyKind, "")
		b.pr.ops[open].skipOn = errnoBits(unix.ENOENT)
		nodes[j] = b.cloneTree(fd, in(name), unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NOEXEC, unix.MOUNT_ATTR_NODEV)
		b.close(fd)
		b.skipTo(open)
	}
	_, m := b.newFS("tmpfs", path, []string{"mode=0755"}, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	for j, name := range devNodes {
		test := b.on(rawIfFD, nodes[j], "if-fd")
		b.createFile(m, name, 0o666, fmt.Sprintf("create %q", in(name)))
		b.pr.ops[test].skip = uint16(len(b.pr.ops) - test - 1)
	}
	for _, d := range []struct {
		name string
		mode uint32
	}{{"pts", 0o755}, {"shm", 0o1777}} {
		b.sys(fmt.Sprintf("mkdir %q", in(d.name)), unix.SYS_MKDIRAT, regArg(m), ptrArg(b.cstr(d.name)), imm(0o700))
		b.sys(fmt.Sprintf("chmod %q", in(d.name)), unix.SYS_FCHMODAT, regArg(m), ptrArg(b.cstr(d.name)), imm(uintptr(d.mode)))
	}
	for _, l := range devLinks {
		b.sys(fmt.Sprintf("symlink %q -> %q", in(l[0]), l[1]), unix.SYS_SYMLINKAT, ptrArg(b.cstr(l[1])), regArg(m), ptrArg(b.cstr(l[0])))
	}
	if hideFiles > 0 {
		b.createFile(m, emptyName, 0, fmt.Sprintf("create %q", in(emptyName)))
	}
	b.moveMount(m, 0, path)
	for j, name := range devNodes {
		test := b.on(rawIfFD, nodes[j], "if-fd")
		b.moveOnto(nodes[j], in(name), anyKind)
		b.pr.ops[test].skip = uint16(len(b.pr.ops) - test - 1)
		b.close(nodes[j])
	}
	_, pts := b.newFS("devpts", in("pts"), []string{"mode=0620", "newinstance", "ptmxmode=0666"}, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NOEXEC)
	b.moveOnto(pts, in("pts"), wantDir)
	b.close(pts)
	_, shm := b.newFS("tmpfs", in("shm"), []string{"mode=01777"}, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV)
	b.moveOnto(shm, in("shm"), wantDir)
	b.close(shm)

	var empties []uint16
	if hideFiles > 0 {
		_, fd := b.openPath(in(emptyName), wantFile, "")
		for range hideFiles {
			empties = append(empties, b.cloneTree(fd, in(emptyName), unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC, 0))
		}
		b.close(fd)
		return m, empties, nil
	}
	b.sealDev(m, path)
	return 0, nil, nil
}

// sealDev makes the new /dev read-only.
func (b *rawBuilder) sealDev(m uint16, path string) {
	b.setattr(m, "", unix.AT_EMPTY_PATH, unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}, fmt.Sprintf("mount_setattr %q (read-only)", path))
	b.close(m)
}

// proc is applier.proc: a new proc, or, where the kernel refuses, the
// host's (read-only already), with a note.
func (b *rawBuilder) proc(path string) {
	first, fs, m := b.newFSOpen("proc", path, nil, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	_, t := b.openPath(path, wantDir, "")
	b.moveMount(m, t, path)
	last := len(b.pr.ops)
	for j := first; j < last; j++ {
		if b.pr.ops[j].kind == rawSys {
			b.pr.ops[j].skipOn = errnoBits(unix.EPERM, unix.EACCES, unix.EINVAL)
			b.pr.ops[j].note = true
			b.pr.ops[j].skip = uint16(last - j - 1)
			b.pr.ops[j].noteText = fmt.Sprintf("a new %s could not be mounted (%%s): the host's is visible, read-only, and shows processes outside the sandbox", path)
		}
	}
	// The closes come after the steps a refusal skips: they run either
	// way, on what was opened.
	b.close(fs)
	b.close(m)
	b.close(t)
}

// hideDir is applier.hideDir.
func (b *rawBuilder) hideDir(op mountOp) {
	open, target := b.openPath(op.Path, wantDir, "hidden path: ")
	if op.Optional {
		b.pr.ops[open].skipOn = errnoBits(unix.ENOENT)
	}
	_, m := b.newFS("tmpfs", op.Path, []string{"mode=0700", "size=16k"}, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC)
	var dirs []string
	for _, k := range op.Keep {
		rel, dir := strings.CutSuffix(k, "/")
		what := fmt.Sprintf("hide %q: keep %q", op.Path, k)
		if dir {
			b.sys(what, unix.SYS_MKDIRAT, regArg(m), ptrArg(b.cstr(rel)), imm(0o700))
			dirs = append(dirs, rel)
		} else {
			b.createFile(m, rel, 0, what)
		}
	}
	mode := uint32(0)
	if len(op.Keep) > 0 {
		mode = 0o111
	}
	for j := len(dirs) - 1; j >= 0; j-- {
		b.sys(fmt.Sprintf("hide %q: chmod %q", op.Path, dirs[j]), unix.SYS_FCHMODAT, regArg(m), ptrArg(b.cstr(dirs[j])), imm(uintptr(mode)))
	}
	b.sys(fmt.Sprintf("hide %q: chmod", op.Path), unix.SYS_FCHMODAT, regArg(m), ptrArg(b.cstr(".")), imm(uintptr(mode)))
	b.setattr(m, "", unix.AT_EMPTY_PATH, unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}, fmt.Sprintf("mount_setattr tmpfs for %q (read-only)", op.Path))
	b.moveMount(m, target, op.Path)
	b.close(m)
	b.close(target)
	if op.Optional {
		b.skipTo(open)
	}
}

// loopback is loopbackUp: "lo" up in the new network namespace.
func (b *rawBuilder) loopback() {
	ifr, _ := unix.NewIfreq("lo")
	ifr.SetUint16(unix.IFF_UP | unix.IFF_RUNNING | unix.IFF_LOOPBACK)
	b.keep(ifr)
	i, fd := b.sysOut("loopback: socket", unix.SYS_SOCKET, imm(unix.AF_INET), imm(unix.SOCK_DGRAM|unix.SOCK_CLOEXEC), imm(0))
	b.pr.ops[i].host = errnoBits(unix.EPERM, unix.EACCES, unix.ENOSYS)
	i = b.sys("loopback: SIOCSIFFLAGS", unix.SYS_IOCTL, regArg(fd), imm(unix.SIOCSIFFLAGS), ptrArg(unsafe.Pointer(ifr)))
	b.pr.ops[i].host = errnoBits(unix.EPERM, unix.EACCES, unix.ENOSYS)
	b.close(fd)
}

// landlockRules is landlockRuleset.prepare: the ruleset, and a rule per
// path that opens and is what the rule must name.
func (b *rawBuilder) landlockRules(pl *linuxPlan) error {
	if !pl.restrict || pl.ruleset == nil {
		return nil
	}
	rs := pl.ruleset
	attr := rs.attr
	b.keep(&attr)
	_, ruleset := b.sysOut("landlock_create_ruleset", unix.SYS_LANDLOCK_CREATE_RULESET, ptrArg(unsafe.Pointer(&attr)), imm(rulesetAttrSize(rs.abi)), imm(0))
	b.rulesetReg = ruleset
	for _, r := range rs.rules {
		var open int
		var fd uint16
		if r.noSymlinks {
			how := &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_SYMLINKS}
			b.keep(how)
			open, fd = b.sysOut(fmt.Sprintf("open %q", r.path), unix.SYS_OPENAT2, rawFDCWD, ptrArg(b.cstr(r.path)), ptrArg(unsafe.Pointer(how)), imm(unsafe.Sizeof(*how)))
			b.pr.ops[open].how = how
			b.pr.ops[open].explain = map[syscall.Errno]string{unix.ELOOP: "a symlink is on the way: it appeared since the sandbox resolved the path (a planted writable root?), or the path could not be resolved (a symlink loop)"}
		} else {
			open, fd = b.sysOut(fmt.Sprintf("open %q", r.path), unix.SYS_OPENAT, rawFDCWD, ptrArg(b.cstr(r.path)), imm(unix.O_PATH|unix.O_CLOEXEC), imm(0))
		}
		if r.device != devNone || r.optional {
			b.pr.ops[open].skipOn = errnoBits(unix.ENOENT)
		}
		block := len(b.pr.ops)
		switch r.device {
		case devChar:
			t := b.on(rawIsType, fd, "device")
			b.pr.ops[t].want = typeBit(unix.S_IFCHR)
		case devPts:
			t := b.on(rawIsType, fd, "device")
			b.pr.ops[t].want = typeBit(unix.S_IFDIR)
			t = b.on(rawIsFSType, fd, "device")
			b.pr.ops[t].want, b.pr.ops[t].skipOn = unix.DEVPTS_SUPER_MAGIC, ^uint64(0)
		}
		// Directories get the rule's rights, anything else only the
		// rights a file can have.
		rights := r.rights & rs.attr.handledAccessFS
		for _, isDir := range []bool{true, false} {
			a := &pathBeneathAttr{allowedAccess: rights}
			want := typeBit(unix.S_IFDIR)
			if !isDir {
				a.allowedAccess &= fsFileRights
				want = allTypes &^ want
			}
			b.keep(a)
			test := b.on(rawIsType, fd, "type")
			b.pr.ops[test].want = want
			st := b.on(rawStore, fd, "store")
			b.pr.ops[st].dst = &a.parentFD
			b.sys(fmt.Sprintf("landlock_add_rule %q", r.path), unix.SYS_LANDLOCK_ADD_RULE, regArg(ruleset), imm(unix.LANDLOCK_RULE_PATH_BENEATH), ptrArg(unsafe.Pointer(a)), imm(0))
			b.pr.ops[test].skip = 2
		}
		// A device test that fails skips the rules, never the close.
		for j := block; j < len(b.pr.ops); j++ {
			if b.pr.ops[j].what == "device" {
				b.pr.ops[j].skip = uint16(len(b.pr.ops) - j - 1)
			}
		}
		b.close(fd)
		if r.device != devNone || r.optional {
			b.pr.ops[open].skip = uint16(len(b.pr.ops) - open - 1)
		}
	}
	return nil
}

// enforce is linuxPlan.enforce with dropCapabilities and the hand-over of
// the connect supervision (handOverConnect): the listener and the
// sock_diag socket go to the supervisor with SCM_RIGHTS, so the child
// never waits for it; a connect before the supervisor reads waits in the
// listener's queue.
func (b *rawBuilder) enforce(in rawInput) error {
	pl, k := in.pl, in.k
	supervise := pl.supervisesConnect(k)
	var diag uint16
	if supervise {
		_, diag = b.sysOut("socket(AF_NETLINK, NETLINK_SOCK_DIAG)", unix.SYS_SOCKET, imm(unix.AF_NETLINK), imm(unix.SOCK_DGRAM|unix.SOCK_CLOEXEC), imm(unix.NETLINK_SOCK_DIAG))
	}
	if pl.restrict {
		b.sys("prctl(PR_SET_NO_NEW_PRIVS)", unix.SYS_PRCTL, imm(unix.PR_SET_NO_NEW_PRIVS), imm(1), imm(0), imm(0), imm(0))
	}
	b.dropCaps(in)
	if in.cwd != "" {
		// With the command's privileges, not PID 1's full set in its
		// namespace: a working directory the command could not enter
		// (under --hide, say) fails here as in the Go inner stage,
		// whose mounts need fewer capabilities than reading it.
		b.sys(fmt.Sprintf("chdir %q in the sandbox's view", in.cwd), unix.SYS_CHDIR, ptrArg(b.cstr(in.cwd)))
	}
	if !pl.restrict {
		return nil
	}
	if b.rulesetReg != 0 {
		i := b.sys("landlock_restrict_self", unix.SYS_LANDLOCK_RESTRICT_SELF, regArg(b.rulesetReg), imm(0))
		b.pr.ops[i].explain = map[syscall.Errno]string{unix.E2BIG: fmt.Sprintf("Landlock allows at most %d nested domains, and this process is already inside that many sandboxes", landlockMaxLayers)}
		b.close(b.rulesetReg)
	}
	if !k.seccomp {
		return nil
	}
	a := archFor(runtime.GOARCH)
	prog, err := buildSeccomp(a, seccompRules(pl.seccomp))
	if err != nil {
		return err
	}
	filter := make([]unix.SockFilter, len(prog))
	for i, ins := range prog {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	fprog := &unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	b.keep(filter)
	b.keep(fprog)
	var flags uintptr
	what := "seccomp(SECCOMP_SET_MODE_FILTER)"
	if supervise {
		flags = unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
		what = "seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER)"
	}
	i, notify := b.sysOut(what, unix.SYS_SECCOMP, imm(unix.SECCOMP_SET_MODE_FILTER), imm(flags), ptrArg(unsafe.Pointer(fprog)))
	if supervise {
		b.pr.ops[i].explain = map[syscall.Errno]string{unix.EBUSY: "whoever started sandbox installed a seccomp filter with a listener already, and there can be only one; run with --exec-only"}
		b.pr.ops = append(b.pr.ops, rawOp{kind: rawSend, rec: recNotify, what: "handing the connect listener to the supervisor"})
		setArgs(&b.pr.ops[len(b.pr.ops)-1], imm(0), regArg(notify), regArg(diag))
		b.close(notify)
		b.close(diag)
		// The command starts once the supervisor has checked that it can
		// take descriptors from the sandbox's processes (pidfd_getfd) and
		// opened what it needs of this one, which is dumpable until then
		// (no untrusted code runs in the sandbox yet): it does that while
		// this one makes the mounts, and its byte is here by now.
		i := b.sys("waiting for the supervisor's connect checks", unix.SYS_READ, imm(b.pr.sock), ptrArg(unsafe.Pointer(&b.pr.scratch.sync[0])), imm(1))
		b.pr.ops[i].checkRet, b.pr.ops[i].want = true, 1
		b.undumpable()
	}
	return nil
}

// undumpable is PR_SET_DUMPABLE 0 (see runInner): the command, which runs
// as this process's user, can then neither ptrace this PID 1 nor open its
// /proc files, and so never reaches the descriptors it holds.
func (b *rawBuilder) undumpable() {
	b.sys("prctl(PR_SET_DUMPABLE, 0)", unix.SYS_PRCTL, imm(unix.PR_SET_DUMPABLE), imm(0))
}

// dropCaps is dropCapabilities for a process that holds every capability
// of its new user namespace: the bounding set but for keptCaps (the first
// EINVAL is past the kernel's last capability), the ambient set, then
// capset.
func (b *rawBuilder) dropCaps(in rawInput) {
	keep := keptCaps(in.euid, 1<<(in.capMax+1)-1)
	var drops []int
	for c := 0; c <= in.capMax; c++ {
		if keep&(1<<c) == 0 {
			drops = append(drops, b.sys(fmt.Sprintf("dropping capabilities: prctl(PR_CAPBSET_DROP, %d)", c), unix.SYS_PRCTL, imm(unix.PR_CAPBSET_DROP), imm(uintptr(c))))
		}
	}
	for _, d := range drops {
		b.pr.ops[d].skipOn = errnoBits(unix.EINVAL)
		b.pr.ops[d].skip = uint16(len(b.pr.ops) - d - 1)
	}
	i := b.sys("dropping capabilities: prctl(PR_CAP_AMBIENT_CLEAR_ALL)", unix.SYS_PRCTL, imm(unix.PR_CAP_AMBIENT), imm(unix.PR_CAP_AMBIENT_CLEAR_ALL), imm(0), imm(0), imm(0))
	b.pr.ops[i].skipOn = errnoBits(unix.EINVAL)
	hdr := &unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	data := &[2]unix.CapUserData{
		{Effective: uint32(keep), Permitted: uint32(keep)},
		{Effective: uint32(keep >> 32), Permitted: uint32(keep >> 32)},
	}
	b.keep(hdr)
	b.keep(data)
	b.sys("dropping capabilities: capset", unix.SYS_CAPSET, ptrArg(unsafe.Pointer(hdr)), ptrArg(unsafe.Pointer(&data[0])))
}

// command prepares execvp's candidates for the command's process.
func (b *rawBuilder) command(in rawInput) {
	pr := b.pr
	pr.nofile, pr.setNofile = in.nofile, in.setNofile
	pr.envp = b.cstrs(in.env)
	pr.sh = b.cstr("/bin/sh")
	name := in.cmd[0]
	if name == "" {
		return // not found, as execvp says
	}
	argv := b.cstrs(in.cmd)
	for _, path := range execCandidates(name) {
		pr.cands = append(pr.cands, rawExecCand{
			path:   b.cstr(path),
			argv:   argv,
			shArgv: b.cstrs(append([]string{"/bin/sh", path}, in.cmd[1:]...)),
		})
	}
}

// rawCapMax is the last capability this kernel knows (what
// /proc/sys/kernel/cap_last_cap says), found by PR_CAPBSET_READ, which
// refuses a capability the kernel does not know with EINVAL: six calls,
// no file to open. 63 if even capability 0 is refused: more is harmless,
// the first EINVAL ends the drops. See prctl(2).
func rawCapMax() int {
	known := func(c int) bool {
		_, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0)
		return err == nil
	}
	if !known(0) {
		return 63
	}
	lo, hi := 0, 64 // known(lo), !known(hi)
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; known(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// callerNofile is the RLIMIT_NOFILE this process started with, for the
// command, if the Go runtime raised the soft limit at start-up
// (go.dev/issue/46279). The runtime keeps the original where only package
// syscall reads it: os/exec sets it in a child, and syscall.Exec in this
// process before it calls execve. An Exec of the empty path fails at once
// (ENOENT) after that, which is all this wants: the original is then
// read, and the raised limit set again. This process and PID 1 keep the
// raised one: the descriptors PID 1 passes to the supervisor count
// against its limit while in flight, with every other descriptor in
// flight of the same user (ETOOMANYREFS), which the caller's 1024 would
// let any process of that user exhaust. See getrlimit(2), execve(2),
// unix(7).
func callerNofile() (unix.Rlimit, bool) {
	var raised, orig unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &raised) != nil {
		return orig, false
	}
	syscall.Exec("", nil, nil)
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &orig) != nil || orig == raised {
		return orig, false
	}
	unix.Setrlimit(unix.RLIMIT_NOFILE, &raised)
	return orig, true
}

// rawStepText says what step i of pr did and why it failed with e.
func (pr *rawProgram) stepText(i int, e syscall.Errno) string {
	switch {
	case i == len(pr.ops):
		return fmt.Sprintf("starting the command: clone: %v", e)
	case i == len(pr.ops)+1:
		return fmt.Sprintf("wait4: %v", e)
	case i == len(pr.ops)+2:
		return fmt.Sprintf("handing the command's pidfd to the supervisor: %v", e)
	case i < 0 || i > len(pr.ops):
		return fmt.Sprintf("the namespace stage failed at an unknown step %d: %v", i, e)
	}
	op := pr.ops[i]
	if e == 0 {
		if op.kind == rawSys && op.checkRet {
			return op.what + ": the supervisor is gone"
		}
		return op.what
	}
	if x, ok := op.explain[e]; ok {
		return fmt.Sprintf("%s: %s: %v", op.what, x, e)
	}
	return fmt.Sprintf("%s: %v", op.what, e)
}

// lines is the program as text, one step a line, for tests.
func (pr *rawProgram) lines() []string {
	out := make([]string, len(pr.ops))
	for i, op := range pr.ops {
		s := rawKindNames[op.kind] + " " + op.what
		if op.skip > 0 {
			s += " [skip " + strconv.Itoa(int(op.skip)) + "]"
		}
		out[i] = s
	}
	return out
}
