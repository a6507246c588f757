package main

// The macOS engine: a Policy becomes a Seatbelt profile (SBPL) that
// /usr/bin/sandbox-exec compiles and applies before it execs the command.
// This file is pure text assembly, free of build tags, so it is tested on
// every OS; engine_darwin.go only execs the result.
//
// Paths never enter the profile text. Each one is a parameter: the profile
// says (subpath (param "WRITABLE_ROOT_0")) and the value travels as a
// separate argv element, -DWRITABLE_ROOT_0=/private/tmp/x, which
// sandbox-exec binds without parsing. A path containing a quote, a
// parenthesis or a newline therefore cannot change the profile.
//
// See sandbox-exec(1) and Apple's SBPL as used by Chromium's mac sandbox
// (sandbox/policy/mac/common.sb).

import (
	_ "embed"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// seatbeltExecutable is run by absolute path, never looked up in PATH: a
// PATH entry is writable by the user, /usr/bin is not, and whoever can
// replace /usr/bin/sandbox-exec is already root.
const seatbeltExecutable = "/usr/bin/sandbox-exec"

// seatbeltBasePolicy denies everything and then allows what ordinary
// command-line tools need that is not a file read, a file write or the
// network. Each group carries its reason in the file.
//
//go:embed seatbelt_base_policy.sbpl
var seatbeltBasePolicy string

// seatbeltNetworkPolicy is appended only when Policy.Network is set. Besides
// the sockets themselves, name resolution and TLS on macOS go through
// daemons reached over Mach (DNS configuration, trust evaluation, OCSP), and
// the resolver reads the routing table through sysctl.
const seatbeltNetworkPolicy = `; network: sockets of every family, in both directions
(allow network-outbound)
(allow network-inbound)
(allow network-bind)
; the kernel-control socket that network configuration queries use
(allow system-socket
  (require-all
    (socket-domain AF_SYSTEM)
    (socket-protocol 2)))
; DNS configuration, proxies, certificate trust and revocation checks
(allow mach-lookup
  (global-name "com.apple.bsd.dirhelper")
  (global-name "com.apple.system.opendirectoryd.membership")
  (global-name "com.apple.SecurityServer")
  (global-name "com.apple.networkd")
  (global-name "com.apple.ocspd")
  (global-name "com.apple.trustd.agent")
  (global-name "com.apple.SystemConfiguration.DNSConfiguration")
  (global-name "com.apple.SystemConfiguration.configd"))
(allow sysctl-read
  (sysctl-name-regex #"^net.routetable"))
`

// seatbeltParams collects the -D arguments in the order the profile first
// uses them, and hands back the (param ...) expression that names each.
type seatbeltParams []string

func (ps *seatbeltParams) add(key, value string) string {
	*ps = append(*ps, "-D"+key+"="+value)
	return `(param "` + key + `")`
}

// seatbeltPolicy assembles the profile text and its -D parameters:
//
//	base + read section + write section + network section
//
// Parameters come in this order: READABLE_ROOT_i, then for each writable root
// WRITABLE_ROOT_i followed by its WRITABLE_ROOT_i_RO_j. resolve maps a path
// to its canonical form (symlinks resolved, so /var becomes /private/var):
// Seatbelt matches the path the kernel resolved, and a rule on /tmp/x would
// never match a write that lands in /private/tmp/x.
func seatbeltPolicy(p Policy, resolve func(string) string) (policy string, params []string) {
	var ps seatbeltParams

	// Writable roots are resolved first because the restricted read section
	// refers to their parameters too: a tree one may write is a tree one
	// may read, as under Landlock.
	type root struct {
		expr     string   // (param "WRITABLE_ROOT_i")
		readOnly []string // (param "WRITABLE_ROOT_i_RO_j") for each carve-out
	}
	var roots []root
	var rootParams seatbeltParams
	if !p.FullDiskWrite {
		for i, wr := range p.WritableRoots {
			key := "WRITABLE_ROOT_" + strconv.Itoa(i)
			r := root{expr: rootParams.add(key, resolve(filepath.Clean(wr.Path)))}
			j := 0
			for _, ro := range wr.ReadOnly {
				for _, form := range seatbeltPathForms(ro, resolve) {
					r.readOnly = append(r.readOnly, rootParams.add(key+"_RO_"+strconv.Itoa(j), form))
					j++
				}
			}
			roots = append(roots, r)
		}
	}

	sections := []string{seatbeltBasePolicy}

	if p.ReadRoots == nil {
		sections = append(sections, "; reads: the whole filesystem\n(allow file-read*)\n")
	} else {
		var parts []string
		for i, rr := range p.ReadRoots {
			key := "READABLE_ROOT_" + strconv.Itoa(i)
			parts = append(parts, "(subpath "+ps.add(key, resolve(filepath.Clean(rr)))+")")
		}
		for _, r := range roots {
			parts = append(parts, "(subpath "+r.expr+")")
		}
		parts = append(parts, `(literal "/dev/null")`)
		sections = append(sections, "; reads: only beneath the readable and writable roots;\n"+
			"; metadata stays visible everywhere, as it does under Landlock\n"+
			"(allow file-read-metadata)\n"+
			"(allow file-read*\n"+strings.Join(parts, " ")+"\n)\n")
	}
	ps = append(ps, rootParams...)

	switch {
	case p.FullDiskWrite:
		sections = append(sections, "; writes: the whole filesystem\n(allow file-write* (regex #\"^/\"))\n")
	case len(roots) > 0:
		var parts []string
		for _, r := range roots {
			if len(r.readOnly) == 0 {
				parts = append(parts, "(subpath "+r.expr+")")
				continue
			}
			// The literal form also stops the carve-out itself from being
			// created (mkdir .codex) when it does not exist yet.
			var sb strings.Builder
			sb.WriteString("(require-all (subpath " + r.expr + ")")
			for _, ro := range r.readOnly {
				sb.WriteString(" (require-not (literal " + ro + "))")
				sb.WriteString(" (require-not (subpath " + ro + "))")
			}
			sb.WriteString(" )")
			parts = append(parts, sb.String())
		}
		sections = append(sections, "; writes: beneath the writable roots, minus their read-only carve-outs\n"+
			"(allow file-write*\n"+strings.Join(parts, " ")+"\n)\n")
	}

	if p.Network {
		sections = append(sections, seatbeltNetworkPolicy)
	}
	return strings.Join(sections, "\n"), ps
}

// seatbeltPathForms returns the canonical forms under which a read-only
// carve-out must be denied. When the last component is itself a symlink,
// writes through it land at the target, while removing or replacing the
// link acts on the link's own path; both are returned, link first.
func seatbeltPathForms(path string, resolve func(string) string) []string {
	path = filepath.Clean(path)
	full := resolve(path)
	dir, base := filepath.Split(path)
	if base == "" {
		return []string{full}
	}
	link := filepath.Join(resolve(filepath.Clean(dir)), base)
	if link == full {
		return []string{full}
	}
	return []string{link, full}
}

// seatbeltArgv is the complete argv for execve, argv[0] included:
//
//	/usr/bin/sandbox-exec -p PROFILE -DKEY=VALUE... -- CMD...
//
// "--" ends sandbox-exec's options, so a command that starts with a dash is
// still the command.
func seatbeltArgv(p Policy, resolve func(string) string, cmd []string) []string {
	policy, params := seatbeltPolicy(p, resolve)
	argv := make([]string, 0, 4+len(params)+len(cmd))
	argv = append(argv, seatbeltExecutable, "-p", policy)
	argv = append(argv, params...)
	argv = append(argv, "--")
	return append(argv, cmd...)
}

// seatbeltValidate rejects what the profile cannot express: a relative path
// would be resolved against whatever directory sandbox-exec runs in, and a
// NUL byte cannot cross execve.
func seatbeltValidate(p Policy, cmd []string) error {
	if len(cmd) == 0 {
		return errors.New("no command to run")
	}
	check := func(what, path string) error {
		if strings.IndexByte(path, 0) >= 0 {
			return fmt.Errorf("%s %q contains a NUL byte", what, path)
		}
		if !filepath.IsAbs(path) {
			return fmt.Errorf("%s %q is not an absolute path", what, path)
		}
		return nil
	}
	for _, r := range p.ReadRoots {
		if err := check("readable root", r); err != nil {
			return err
		}
	}
	if p.FullDiskWrite {
		return nil
	}
	for _, wr := range p.WritableRoots {
		if err := check("writable root", wr.Path); err != nil {
			return err
		}
		for _, ro := range wr.ReadOnly {
			if err := check("read-only path", ro); err != nil {
				return err
			}
		}
	}
	return nil
}

// seatbeltCanonical resolves symlinks in path with eval (filepath.EvalSymlinks
// in production). A path that does not exist yet, such as a .codex the
// command might create, keeps its missing tail on top of its deepest
// existing ancestor, so /var/folders/x/.codex still becomes
// /private/var/folders/x/.codex. If nothing resolves, the cleaned path is
// returned unchanged.
func seatbeltCanonical(path string, eval func(string) (string, error)) string {
	path = filepath.Clean(path)
	rest := ""
	for dir := path; ; {
		if real, err := eval(dir); err == nil {
			return filepath.Join(real, rest)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return path
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
}
