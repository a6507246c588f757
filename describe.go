//go:build linux

package main

// --print-policy: the effective policy, as the engine would apply it on
// this kernel, printed as JSON instead of running the command. It runs the
// same planning code as a real run and stops before the first irreversible
// step.

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

var fsRightNames = []struct {
	bit  uint64
	name string
}{
	{unix.LANDLOCK_ACCESS_FS_EXECUTE, "execute"},
	{unix.LANDLOCK_ACCESS_FS_WRITE_FILE, "write_file"},
	{unix.LANDLOCK_ACCESS_FS_READ_FILE, "read_file"},
	{unix.LANDLOCK_ACCESS_FS_READ_DIR, "read_dir"},
	{unix.LANDLOCK_ACCESS_FS_REMOVE_DIR, "remove_dir"},
	{unix.LANDLOCK_ACCESS_FS_REMOVE_FILE, "remove_file"},
	{unix.LANDLOCK_ACCESS_FS_MAKE_CHAR, "make_char"},
	{unix.LANDLOCK_ACCESS_FS_MAKE_DIR, "make_dir"},
	{unix.LANDLOCK_ACCESS_FS_MAKE_REG, "make_reg"},
	{unix.LANDLOCK_ACCESS_FS_MAKE_SOCK, "make_sock"},
	{unix.LANDLOCK_ACCESS_FS_MAKE_FIFO, "make_fifo"},
	{unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK, "make_block"},
	{unix.LANDLOCK_ACCESS_FS_MAKE_SYM, "make_sym"},
	{unix.LANDLOCK_ACCESS_FS_REFER, "refer"},
	{unix.LANDLOCK_ACCESS_FS_TRUNCATE, "truncate"},
	{unix.LANDLOCK_ACCESS_FS_IOCTL_DEV, "ioctl_dev"},
}

func fsRightList(r uint64) []string {
	out := []string{}
	for _, n := range fsRightNames {
		if r&n.bit != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// policyReport is what --print-policy prints, as policyReport.json lays it
// out. A nil Landlock or Seccomp is null.
type policyReport struct {
	Command       []string
	Engine        string // namespace or exec-only
	EngineReason  string // why that one
	Mounts        []string
	InnerStage    string // namespace engine: how its inner stage runs
	Enforcement   string
	FullDiskWrite bool
	WritableRoots []string
	Network       bool
	// AllowHosts and ProxyRoutes: the network through the supervisor
	// (--allow-host, Codex's managed proxy); printed when not empty.
	AllowHosts  []string
	ProxyRoutes []string
	UnixSockets string // what reaches AF_UNIX sockets (unixSocketsReport)
	Landlock    *landlockReport
	Seccomp     *seccompReport
	NoNewPrivs  bool
	// Capabilities are those the command keeps (caps_linux.go), when
	// anything is restricted; nil when nothing is.
	Capabilities []string
	Unenforced   []string
	Weaker       []string
	WouldRun     bool
	Refusal      string
}

type landlockReport struct {
	KernelABI        int
	ABI              int
	Errata           uint64
	HandledAccessFS  []string
	HandledAccessNet []string
	Scoped           []string
	Rules            []ruleReport
}

type ruleReport struct {
	Path   string
	Access []string
}

type seccompReport struct {
	Arch         string
	Instructions int
	Rules        []string
}

func (rep *policyReport) json() []byte {
	w := jsonWriter{}
	w.openObject()
	w.key("command").strings(rep.Command)
	w.key("engine").str(rep.Engine)
	w.key("engine_reason").str(rep.EngineReason)
	w.key("mounts").strings(rep.Mounts)
	if rep.InnerStage != "" {
		w.key("inner_stage").str(rep.InnerStage)
	}
	w.key("enforcement").str(rep.Enforcement)
	w.key("full_disk_write").boolean(rep.FullDiskWrite)
	w.key("writable_roots").strings(rep.WritableRoots)
	w.key("network").boolean(rep.Network)
	if len(rep.AllowHosts) > 0 {
		w.key("allow_hosts").strings(rep.AllowHosts)
	}
	if len(rep.ProxyRoutes) > 0 {
		w.key("proxy_routes").strings(rep.ProxyRoutes)
	}
	w.key("unix_sockets").str(rep.UnixSockets)
	w.key("landlock")
	if lr := rep.Landlock; lr == nil {
		w.null()
	} else {
		w.openObject()
		w.key("kernel_abi").integer(int64(lr.KernelABI))
		w.key("abi").integer(int64(lr.ABI))
		w.key("errata").unsigned(lr.Errata)
		w.key("handled_access_fs").strings(lr.HandledAccessFS)
		w.key("handled_access_net").strings(lr.HandledAccessNet)
		w.key("scoped").strings(lr.Scoped)
		w.key("rules")
		if lr.Rules == nil {
			w.null()
		} else {
			w.openArray()
			for _, r := range lr.Rules {
				w.openObject()
				w.key("path").str(r.Path)
				w.key("access").strings(r.Access)
				w.closeObject()
			}
			w.closeArray()
		}
		w.closeObject()
	}
	w.key("seccomp")
	if sr := rep.Seccomp; sr == nil {
		w.null()
	} else {
		w.openObject()
		w.key("arch").str(sr.Arch)
		w.key("instructions").integer(int64(sr.Instructions))
		w.key("rules").strings(sr.Rules)
		w.closeObject()
	}
	w.key("no_new_privs").boolean(rep.NoNewPrivs)
	if rep.Capabilities != nil {
		w.key("capabilities").strings(rep.Capabilities)
	}
	w.key("unenforced").strings(rep.Unenforced)
	w.key("weaker").strings(rep.Weaker)
	w.key("would_run").boolean(rep.WouldRun)
	if rep.Refusal != "" {
		w.key("refusal").str(rep.Refusal)
	}
	w.closeObject()
	return w.buf
}

// printPolicy writes the report for p and cmd to stdout. It exits like a
// real run would fail (125) when the policy would be refused.
func printPolicy(w io.Writer, p Policy, cmd []string) int {
	k := probeKernel()
	rep := policyReport{
		Command:       cmd,
		Enforcement:   p.Enforcement.String(),
		FullDiskWrite: p.FullDiskWrite,
		WritableRoots: []string{},
		Network:       p.Network,
		Unenforced:    []string{},
		Weaker:        []string{},
	}
	for _, r := range p.WritableRoots {
		rep.WritableRoots = append(rep.WritableRoots, resolvedPath(r.Path))
	}
	for _, h := range p.AllowHosts {
		rep.AllowHosts = append(rep.AllowHosts, h.String())
	}
	for _, r := range p.ProxyRoutes {
		rep.ProxyRoutes = append(rep.ProxyRoutes, r.String())
	}
	ns, why, err := chooseEngine(p)
	rep.Engine, rep.EngineReason = "exec-only", why
	if ns {
		rep.Engine = "namespace"
	}
	if err == nil {
		err = checkPolicy(p)
	}
	lacks := execOnlyLacks
	if !ns && p.Engine == EngineAuto && p.Enforcement == CodexCompat {
		var dropped string
		p, dropped = withoutNamespaceOnly(p)
		lacks += dropped
	}
	var pl *linuxPlan
	if err == nil {
		pl, err = planLinux(p, k, ns)
	}
	if err == nil {
		err = refusal(p, pl, k)
	}
	if err == nil && ns {
		var mp *mountPlan
		if mp, err = planMounts(p, osHost()); err == nil {
			rep.Mounts = mp.lines()
			rep.InnerStage = innerStageKind(p, mp)
		}
	}
	if !ns && p.Engine == EngineAuto && !(p.FullDiskWrite && p.Network && len(p.Hidden) == 0) {
		rep.Weaker = append(rep.Weaker, lacks)
	}
	if err == nil {
		// The fallible half of a real run: open every rule's path, fill
		// the ruleset, assemble the filter. Nothing irreversible.
		err = pl.prepare()
		if pl.ruleset != nil {
			pl.ruleset.close()
		}
	}
	if err != nil {
		rep.Refusal = err.Error()
	} else {
		rep.WouldRun = true
	}
	if pl != nil {
		rep.UnixSockets = unixSocketsReport(pl, k)
		rep.NoNewPrivs = pl.restrict
		if pl.restrict {
			rep.Capabilities = []string{}
			if have, err := capGet(); err == nil {
				rep.Capabilities = capNames(keptCaps(unix.Geteuid(), have.permitted))
			}
		}
		rep.Unenforced = append(rep.Unenforced, pl.unmet...)
		rep.Weaker = append(rep.Weaker, pl.weaker...)
		if rs := pl.ruleset; rs != nil {
			lr := &landlockReport{
				KernelABI:       k.landlockABI,
				ABI:             rs.abi,
				Errata:          landlockErrata(),
				HandledAccessFS: fsRightList(rs.attr.handledAccessFS),
			}
			lr.HandledAccessNet = []string{}
			if rs.attr.handledAccessNet&unix.LANDLOCK_ACCESS_NET_BIND_TCP != 0 {
				lr.HandledAccessNet = append(lr.HandledAccessNet, "bind_tcp")
			}
			if rs.attr.handledAccessNet&unix.LANDLOCK_ACCESS_NET_CONNECT_TCP != 0 {
				lr.HandledAccessNet = append(lr.HandledAccessNet, "connect_tcp")
			}
			lr.Scoped = []string{}
			if rs.attr.scoped&unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET != 0 {
				lr.Scoped = append(lr.Scoped, "abstract_unix_socket")
			}
			if rs.attr.scoped&unix.LANDLOCK_SCOPE_SIGNAL != 0 {
				lr.Scoped = append(lr.Scoped, "signal")
			}
			lr.Rules = []ruleReport{}
			rules := rs.rules
			if rep.WouldRun {
				rules = rs.added // without devices this host does not have
			}
			for _, r := range rules {
				lr.Rules = append(lr.Rules, ruleReport{Path: resolvedPath(r.path), Access: fsRightList(r.rights & rs.attr.handledAccessFS)})
			}
			rep.Landlock = lr
		}
		if pl.restrict && k.seccomp {
			sr := &seccompReport{Arch: runtime.GOARCH, Rules: []string{}}
			if a := archFor(runtime.GOARCH); a != nil {
				rules := seccompRules(pl.seccomp)
				if prog, err := buildSeccomp(a, rules); err == nil {
					sr.Instructions = len(prog)
				}
				sr.Rules = append(sr.Rules, "non-native syscall ABI: kill process")
				if a.x32 {
					sr.Rules = append(sr.Rules, "x32 syscalls: ENOSYS")
				}
				for _, u := range a.unassigned {
					sr.Rules = append(sr.Rules, fmt.Sprintf("numbers %d-%d, which no syscall of this build has: ENOSYS", u.lo, u.hi))
				}
				for _, r := range rules {
					if _, ok := a.nr[r.name]; ok {
						sr.Rules = append(sr.Rules, describeRule(r))
					}
				}
			}
			rep.Seccomp = sr
		}
	}
	if _, err := fmt.Fprintln(w, string(rep.json())); err != nil {
		return writeError(err)
	}
	if !rep.WouldRun {
		return exitSetup
	}
	return 0
}

func describeRule(r sysRule) string {
	errno := map[uint32]string{errnoEPERM: "EPERM", errnoENOSYS: "ENOSYS", errnoEOPNOTSUPP: "EOPNOTSUPP", userNotif: "USER_NOTIF"}[r.errno]
	var when string
	switch r.cond {
	case always:
		when = "always"
	case unlessUnixConn:
		when = "unless AF_UNIX with SOCK_STREAM or SOCK_SEQPACKET"
	case ifDestAddr:
		when = "if a destination address is given"
	case ifIoctlDenied:
		when = "for TIOCSTI, TIOCLINUX, TIOCVHANGUP, TIOCSETD, TIOCEXCL and filesystem administration"
	case ifCloneNS:
		when = "if flags create a namespace"
	case ifUnshareNS:
		when = "if flags create a namespace"
	case ifSetidArg1, ifSetidArg2, ifSetidArg3:
		when = "if the mode has S_ISUID or S_ISGID"
	case unlessPid0:
		when = "unless pid 0"
	case unlessPrioSelf:
		when = "unless PRIO_PROCESS and who 0"
	case unlessIoprioSelf:
		when = "unless IOPRIO_WHO_PROCESS and who 0"
	case unlessOwnOrGetter:
		when = "unless pid 0 or no new limit"
	case unlessInetOrUnixConn:
		when = "unless AF_INET, AF_INET6, or AF_UNIX with SOCK_STREAM or SOCK_SEQPACKET"
	}
	return strings.Join([]string{r.name, errno, when, "(" + r.why + ")"}, " ")
}

// chooseEngine says which engine a run of p would use, and why; an error
// when p would be refused for want of the namespace engine. The namespace
// engine's availability is probed (once per process) by starting its
// inner stage in the namespaces and letting it exit: a real run needs no
// probe, its attempt is the probe. A host that lets clone succeed and
// refuses the mounts later (AppArmor) passes this probe.
func chooseEngine(p Policy) (ns bool, why string, err error) {
	if needsProxy(p) {
		return chooseProxyEngine(p)
	}
	if p.Engine == EngineExecOnly {
		return false, "exec-only asked for (--exec-only, or a Codex dialect that runs on it)", nil
	}
	if p.FullDiskWrite && p.Network && len(p.Hidden) == 0 {
		return false, "exec-only: full write and network access leave nothing for namespaces to confine", nil
	}
	perr := probeNamespaces(p.Network)
	switch {
	case perr == nil:
		return true, "namespace: user namespaces available", nil
	case p.Engine == EngineNamespace:
		un := &nsUnavailable{perr}
		return true, "namespace: required", fmt.Errorf("%s%v; %s", nsUnavailableLead, perr, un.fix())
	}
	why = fmt.Sprintf("exec-only: namespace engine unavailable (%v)", perr)
	if cerr := execOnlyCannot(p); cerr != nil && p.Enforcement != CodexCompat {
		return false, why, fmt.Errorf("the namespace engine is unavailable on this host (%v), and %v", perr, cerr)
	}
	return false, why, nil
}

// resolvedPath is path with its symlinks resolved, as Landlock resolves a
// rule's path when it opens it; path itself if that fails.
func resolvedPath(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		return r
	}
	return path
}

// capNames names the capabilities in set, as capabilities(7) does, lower
// case and without the CAP_ prefix.
func capNames(set uint64) []string {
	names := map[int]string{unix.CAP_CHOWN: "chown", unix.CAP_DAC_OVERRIDE: "dac_override",
		unix.CAP_DAC_READ_SEARCH: "dac_read_search", unix.CAP_FOWNER: "fowner"}
	out := []string{}
	for c := 0; c < 64; c++ {
		if set&(1<<c) == 0 {
			continue
		}
		if n, ok := names[c]; ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprintf("%d", c))
		}
	}
	return out
}
