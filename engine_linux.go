//go:build linux

package main

// The Linux engine: turns a Policy into no_new_privs, reduced capabilities,
// a Landlock domain and a seccomp filter on the calling thread, then becomes
// the command.
//
// The order is fixed and every step that can fail for a reason the user
// could fix (a missing path, a kernel without Landlock, a filter that does
// not assemble) happens in linuxPlan.prepare, before the first irreversible
// step. Then, on the startup thread, which main.go's init runs on:
//
//	prctl(PR_SET_NO_NEW_PRIVS) -> drop capabilities -> landlock_restrict_self
//	-> seccomp -> execve
//
// no_new_privs comes first because Landlock and seccomp require it of an
// unprivileged caller (which root is once its capabilities are dropped),
// and it must be set explicitly even as root, which could skip it, so that
// setuid binaries cannot regain privilege. The capabilities go next
// (caps_linux.go), before the filter, which must not have to allow the
// prctl and capset calls that drop them. Landlock comes before seccomp so
// that the filter may refuse landlock_* for good one day without breaking
// us. execve last: all of these are properties of this thread, which
// execve turns into the command's process. A step that fails stops
// everything: nothing runs (exit 125).

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// kernelFeatures is what the running kernel offers.
type kernelFeatures struct {
	landlockABI int   // 0: none
	landlockErr error // why there is none
	seccomp     bool
}

func probeKernel() kernelFeatures {
	var k kernelFeatures
	k.landlockABI, k.landlockErr = landlockABI()
	// PR_GET_SECCOMP fails with EINVAL when the kernel has no seccomp.
	_, err := unix.PrctlRetInt(unix.PR_GET_SECCOMP, 0, 0, 0, 0)
	k.seccomp = err == nil
	return k
}

// outsideFilter reports whether a seccomp filter from outside may confine
// this process (one of its own comes only later, in what it execs). A
// filter cannot be read to learn what it allows, and may kill for a call
// it does not know, so a choice the sandbox can do without (a scheduling
// policy, clone3) is not made under one; a kernel that does not answer
// counts as having one.
func outsideFilter() bool {
	mode, _, e := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_GET_SECCOMP, 0, 0)
	return e != 0 || mode != 0
}

// linuxPlan is a policy made concrete for one kernel.
type linuxPlan struct {
	restrict bool // anything to do at all; false only for full write + network
	abi      int  // Landlock ABI used, clamped to what we know
	ruleset  *landlockRuleset
	seccomp  seccompOptions
	filter   []bpf.RawInstruction
	// notify is the filter's listener once enforce installed a filter
	// that sends connect to the supervisor (supervisesConnect), else -1.
	notify int

	// unmet are guarantees this kernel cannot give: Strict refuses to run.
	unmet []string
	// weaker are protections beyond the guarantees that this kernel lacks.
	weaker []string
}

// planLinux decides the Landlock ruleset and seccomp rules for p on k. It
// opens nothing and changes nothing. ns selects the namespace engine's
// flavour (see nsengine_linux.go): there the command runs inside the
// mount plan's read-only view, with a private PID, IPC and (network off)
// network namespace, so Landlock and seccomp are defence in depth, and
// what they cannot do (read-only islands, hidden paths) the mounts do.
func planLinux(p Policy, k kernelFeatures, ns bool) (*linuxPlan, error) {
	if p.ReadRoots != nil {
		return nil, errors.New("restricted read access cannot be enforced by Landlock in this design (reads are never restricted on Linux)")
	}
	if !ns {
		if err := execOnlyCannot(p); err != nil {
			return nil, err
		}
	}
	pl := &linuxPlan{restrict: !p.FullDiskWrite || !p.Network, notify: -1}
	if !pl.restrict {
		return pl, nil
	}
	pl.seccomp = seccompOptions{network: p.Network, loopbackOnly: ns && !p.Network, ipcNamespace: ns, pidNamespace: ns}
	if !k.seccomp {
		if !p.Network && !ns {
			pl.unmet = append(pl.unmet, "network isolation (the kernel has no seccomp filter support)")
		}
		pl.weaker = append(pl.weaker, "seccomp hardening (TIOCSTI, namespaces, io_uring)")
	}

	abi := min(k.landlockABI, landlockMaxABI)
	pl.abi = abi
	if abi == 0 {
		switch {
		case ns:
			// The read-only mounts confine writes and the PID namespace
			// hides every process outside.
			pl.weaker = append(pl.weaker, fmt.Sprintf("Landlock under the mounts (%v)", k.landlockErr))
		case !p.FullDiskWrite:
			pl.unmet = append(pl.unmet, fmt.Sprintf("filesystem write restrictions (%v)", k.landlockErr))
		}
		if !ns {
			pl.weaker = append(pl.weaker, "signals to, and ptrace of, processes outside the sandbox (no Landlock)")
		}
		return pl, nil
	}

	var attr rulesetAttr
	var rules []landlockRule
	if !p.FullDiskWrite {
		attr.handledAccessFS = landlockFSRights(abi)
		rules = append(rules,
			landlockRule{path: "/", rights: fsReadExec},
			landlockRule{path: "/dev/null", rights: fsFileRights},
		)
		rules = append(rules, deviceRules...)
		// The paths the kernel reaches now, checked for planted
		// symlinks, and opened later without following any.
		canon, err := canonicalWritableRoots(p)
		if err != nil {
			return nil, err
		}
		for _, c := range canon {
			rules = append(rules, landlockRule{path: c, rights: landlockFSRights(abi) &^ fsDeviceNodes, noSymlinks: true})
		}
		for _, c := range p.Caches {
			// In the namespace engine's view the path is the overlay
			// (mountplan_cache_linux.go); the directory beneath is out of
			// reach. A missing one grants nothing (the outer stage plans
			// before the placeholder exists).
			cr, err := canonicalCachePath(p, c.Path)
			if err != nil {
				return nil, err
			}
			rules = append(rules, landlockRule{path: cr, rights: landlockFSRights(abi) &^ fsDeviceNodes, noSymlinks: true, optional: true})
		}
		if ns {
			// The mount plan's /dev/shm is a tmpfs of this sandbox's own
			// (POSIX semaphores and shared memory), gone with it, and
			// there whether or not the host has one: the rule is for the
			// sandbox's view, which the inner stage opens it in.
			rules = append(rules, landlockRule{path: "/dev/shm", rights: landlockFSRights(abi) &^ fsDeviceNodes})
		}
		if abi < 2 {
			pl.weaker = append(pl.weaker, "renames and links across directories (Landlock ABI 1 refuses them all: EXDEV)")
		}
		if abi < 3 && !ns { // in the namespace engine the read-only mounts refuse truncate(2)
			pl.unmet = append(pl.unmet, fmt.Sprintf("truncate(2) confinement (needs Landlock ABI 3, Linux 6.2; have ABI %d)", abi))
			pl.seccomp.denyTruncate = true // best effort: refuse truncate(2) everywhere instead
		}
		if abi < 5 {
			pl.weaker = append(pl.weaker, fmt.Sprintf("ioctl on newly opened devices (needs Landlock ABI 5, have %d)", abi))
		}
	}
	if !p.Network && abi >= 4 && !ns {
		// No port rules: no TCP bind or connect. (In a network namespace
		// of its own only the private loopback is there to reach.)
		attr.handledAccessNet = netTCP
	}
	if abi >= 6 {
		attr.scoped = unix.LANDLOCK_SCOPE_SIGNAL
		if !p.Network {
			attr.scoped |= unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
		}
	} else if !ns { // a PID namespace of its own: nothing outside to signal
		pl.weaker = append(pl.weaker, fmt.Sprintf("signals to processes outside the sandbox (needs Landlock ABI 6, Linux 6.12; have ABI %d)", abi))
	}
	if attr != (rulesetAttr{}) {
		pl.ruleset = &landlockRuleset{abi: abi, attr: attr, rules: rules, fd: -1}
	}
	return pl, nil
}

// prepare does all the fallible work: the ruleset with its rules, and the
// seccomp program for this architecture.
func (pl *linuxPlan) prepare() error {
	if !pl.restrict {
		return nil
	}
	if pl.ruleset != nil {
		if err := pl.ruleset.prepare(); err != nil {
			return err
		}
	}
	a := archFor(runtime.GOARCH)
	if a == nil {
		return fmt.Errorf("seccomp: no filter for architecture %s", runtime.GOARCH)
	}
	prog, err := buildSeccomp(a, seccompRules(pl.seccomp))
	if err != nil {
		return err
	}
	pl.filter = prog
	return nil
}

// enforce makes the restrictions irreversible on the calling thread.
func (pl *linuxPlan) enforce(k kernelFeatures) error {
	if !pl.restrict {
		return nil
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", err)
	}
	if err := dropCapabilities(); err != nil {
		return fmt.Errorf("dropping capabilities: %w", err)
	}
	if pl.ruleset != nil {
		if err := pl.ruleset.restrict(); err != nil {
			return err
		}
	}
	if k.seccomp {
		var flags uintptr
		if pl.supervisesConnect(k) {
			flags = unix.SECCOMP_FILTER_FLAG_NEW_LISTENER // see unixnotify_linux.go
		}
		fd, err := seccompSetModeFilter(pl.filter, flags)
		if err != nil {
			return err
		}
		if flags != 0 {
			pl.notify = fd
		}
	}
	return nil
}

// seccompSetModeFilter installs prog on the calling thread with
// seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog). No TSYNC: only this
// thread execs, and it is the one that must carry the filter. With
// SECCOMP_FILTER_FLAG_NEW_LISTENER it returns the listener (close-on-exec),
// see seccomp_unotify(2); EBUSY then means a filter installed before ours
// (by whoever started us) has a listener already, and only one is allowed.
func seccompSetModeFilter(prog []bpf.RawInstruction, flags uintptr) (int, error) {
	filter := make([]unix.SockFilter, len(prog))
	for i, ins := range prog {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	r, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(filter)
	if e != 0 {
		if flags != 0 && e == unix.EBUSY {
			return -1, fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER): %w (whoever started sandbox installed a seccomp filter with a listener already, and there can be only one; run with --exec-only)", e)
		}
		if flags != 0 {
			return -1, fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER): %w", e)
		}
		return -1, fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER): %w", e)
	}
	return int(r), nil
}

// engage runs cmd confined to p by the engine p.Engine selects. It returns
// only on failure: a *setupError before the command could run, or an
// *execError.
//
// EngineAuto tries the namespace engine (nsengine_linux.go) and, where the
// host refuses it before anything irreversible happened, runs the
// exec-only engine in this same process, saying on stderr in one line
// what that leaves unenforced. EngineNamespace refuses there instead.
func engage(p Policy, cmd []string) error {
	if needsProxy(p) {
		return engageProxied(p, cmd)
	}
	// Full write and network with nothing hidden restrict nothing the
	// namespaces would add to: no supervisor for that.
	if p.Engine == EngineExecOnly || p.FullDiskWrite && p.Network && len(p.Hidden) == 0 {
		return engageExecOnly(p, cmd, "")
	}
	err := engageNamespace(p, cmd)
	var un *nsUnavailable
	if !errors.As(err, &un) {
		return err
	}
	if p.Engine == EngineNamespace {
		return &setupError{fmt.Errorf("%s%v; %s", nsUnavailableLead, un.err, un.fix())}
	}
	lacks := execOnlyLacks
	if err := execOnlyCannot(p); err != nil {
		if p.Enforcement != CodexCompat {
			return &setupError{fmt.Errorf("the namespace engine is unavailable on this host (%v), and %v", un.err, err)}
		}
		var dropped string
		p, dropped = withoutNamespaceOnly(p)
		lacks += dropped
	}
	// execve waits for every other thread to end, and a batch thread
	// would wait for a free CPU to do so (sched_linux.go).
	restoreRuntimeThreads()
	return engageExecOnly(p, cmd, fmt.Sprintf("namespace engine unavailable (%v), running exec-only: %s", un.err, lacks))
}

// nsUnavailableLead starts the refusal of --require-namespaces where the
// host does not run the namespace engine; the cause and the fix follow.
// --doctor looks for it.
const nsUnavailableLead = "the namespace engine is unavailable on this host: "

// withoutNamespaceOnly is p without what only the namespace engine
// enforces (islands, hidden paths), and what that leaves out. Codex mode
// falls back to it: Codex runs wherever it can (upstream fails there, and
// Codex then offers to run the command with no sandbox at all), enforcing
// everything else and saying what it does not in the one warning line.
func withoutNamespaceOnly(p Policy) (Policy, string) {
	var dropped []string
	roots := make([]WritableRoot, len(p.WritableRoots))
	for i, r := range p.WritableRoots {
		for _, ro := range r.ReadOnly {
			if !slices.Contains(dropped, ro) { // nested roots list an island each
				dropped = append(dropped, ro)
			}
		}
		roots[i] = WritableRoot{Path: r.Path}
	}
	p.WritableRoots = roots
	var lacks string
	if len(dropped) > 0 {
		lacks += "; read-only " + strings.Join(dropped, ", ")
	}
	if len(p.Hidden) > 0 {
		lacks += "; hidden " + strings.Join(p.Hidden, ", ")
		p.Hidden = nil
	}
	for _, c := range p.Caches {
		lacks += "; cache layer " + c.Path + " (read-only instead)"
	}
	p.Caches = nil
	return p, lacks
}

// execOnlyLacks is what the exec-only engine does not give that the
// namespace engine does, for the fallback's warning.
const execOnlyLacks = "chmod, chown and utime outside the writable trees, a private /proc, IPC and loopback"

// execOnlyCannot says why the exec-only engine cannot run p, or nil:
// Landlock grants reads of the whole tree and cannot take a subtree back
// from a writable grant.
func execOnlyCannot(p Policy) error {
	for _, r := range p.WritableRoots {
		if len(r.ReadOnly) == 0 {
			continue
		}
		ro := r.ReadOnly[0]
		if _, err := os.Lstat(ro); err != nil {
			return fmt.Errorf("Landlock cannot stop %q being created inside writable root %q; refusing to run rather than leave it writable", ro, r.Path)
		}
		return fmt.Errorf("Landlock cannot keep %q read-only inside writable root %q; refusing to run rather than leave it writable", ro, r.Path)
	}
	if len(p.Hidden) > 0 {
		return fmt.Errorf("Landlock cannot hide %q (it grants reads of the whole filesystem); refusing to run rather than leave it readable", p.Hidden[0])
	}
	if len(p.Caches) > 0 {
		return cacheRefusal("the exec-only engine", p.Caches[0])
	}
	return nil
}

// engageExecOnly confines this process to p and executes cmd: the
// exec-only engine. fallback, if not empty, is why it runs instead of the
// namespace engine; it leads the one warning line.
func engageExecOnly(p Policy, cmd []string, fallback string) error {
	k := probeKernel()
	pl, err := planLinux(p, k, false)
	if err != nil {
		return &setupError{err}
	}
	if err := refusal(p, pl, k); err != nil {
		return &setupError{err}
	}
	if err := pl.prepare(); err != nil {
		return &setupError{err}
	}
	// The restrictions and execve must all happen on one thread. What
	// guarantees it is that main.go's init runs on the startup thread (its
	// thread ID is the process ID), where the runtime keeps the goroutine
	// for the whole of initialization. Anywhere else that guarantee is not
	// known to hold: refuse rather than hope.
	if tid, pid := unix.Gettid(), unix.Getpid(); tid != pid {
		return &setupError{fmt.Errorf("not on the startup thread (thread %d of process %d), the only one known to stay put until execve", tid, pid)}
	}
	if err := pl.enforce(k); err != nil {
		return &setupError{err}
	}
	// Said once the sandbox is in place, so that a run that fails says
	// only why.
	notice := append(pl.unmet, pl.weaker...)
	switch {
	case fallback != "" && len(notice) > 0:
		warnf("%s; not enforced on this kernel either: %s", fallback, strings.Join(notice, "; "))
	case fallback != "":
		warnf("%s", fallback)
	case len(notice) > 0:
		warnf("not enforced on this kernel: %s", strings.Join(notice, "; "))
	}
	return execvp(cmd)
}

// refusal says why the plan must not run under p's Enforcement, or nil.
func refusal(p Policy, pl *linuxPlan, k kernelFeatures) error {
	if len(pl.unmet) == 0 {
		return nil
	}
	switch {
	case p.Enforcement == Strict:
		return fmt.Errorf("cannot enforce %s; run with --best-effort to accept that", strings.Join(pl.unmet, ", "))
	case p.Enforcement == CodexCompat && k.landlockABI == 0 && !p.FullDiskWrite:
		return fmt.Errorf("Landlock was not able to enforce the sandbox: %v", k.landlockErr)
	case p.Enforcement == CodexCompat && !k.seccomp && !p.Network:
		// Upstream fails when its seccomp filter cannot be installed.
		return errors.New("cannot restrict the network: this kernel has no seccomp filter support")
	}
	return nil
}
