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
// parenthesis or a newline therefore cannot change the profile. The
// case-insensitive matches of islands and hidden paths are regexes built
// at run time, (regex (string-append "^" (regex-quote (param "A")) ...)),
// from a quoted parameter and a folded one (_FOLD, which seatbeltFold
// writes from printable ASCII only); the text stays the same.
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

// seatbeltMatch is the set of filters that match one protected path (a
// read-only island or a hidden path) and everything beneath it, in one
// canonical form: (literal P), (subpath P) and a case-insensitive regex.
type seatbeltMatch []string

// require-not clauses for an allow rule's require-all.
func (m seatbeltMatch) excluded() string {
	var sb strings.Builder
	for _, f := range m {
		sb.WriteString(" (require-not " + f + ")")
	}
	return sb.String()
}

// seatbeltFoldedMatch builds the filters for the canonical path p. The
// regex is anchored at anchor, an ancestor of p whose (param ...) is
// anchorExpr ("" when anchor is "/"); the part of p below it is matched
// with ASCII letters in either case. APFS and HFS+ are case-insensitive by
// default: a missing .git may be created as .GIT, and a path reached as
// .GIT/config is the same file, while (literal) and (subpath) compare
// bytes. The anchor goes through SBPL's own regex-quote, as Firefox's
// Seatbelt profiles quote their (param "HOME_PATH"); the folded tail,
// which only this program writes, travels as a parameter too, so the
// profile text never contains a path.
func seatbeltFoldedMatch(ps *seatbeltParams, key, p, anchor, anchorExpr string) (seatbeltMatch, error) {
	expr := ps.add(key, p)
	m := seatbeltMatch{"(literal " + expr + ")", "(subpath " + expr + ")"}
	if p == anchor || !fsPathWithin(p, anchor) {
		return m, nil // p is "/" (its own anchor): nothing to fold
	}
	folded, err := seatbeltFold(strings.TrimPrefix(strings.TrimPrefix(p, anchor), "/"))
	if err != nil {
		return nil, fmt.Errorf("%q: %v", p, err)
	}
	fold := ps.add(key+"_FOLD", folded)
	if anchorExpr == "" {
		m = append(m, `(regex (string-append "^/" `+fold+` "(/.*)?$"))`)
	} else {
		m = append(m, `(regex (string-append "^" (regex-quote `+anchorExpr+`) "/" `+fold+` "(/.*)?$"))`)
	}
	return m, nil
}

// seatbeltFold turns a relative path into a regex (POSIX extended, as
// Seatbelt's matcher reads it) that matches it with any ASCII letter in
// either case: .Git -> \.[Gg][Ii][Tt]. Regex operators are escaped with a
// backslash, as upstream Codex escapes the roots in its metadata regexes.
// Only printable ASCII is accepted: a case-insensitive volume also folds
// non-ASCII letters and Unicode normalization forms, which a byte regex
// cannot follow, so such a name cannot be protected and is refused.
func seatbeltFold(rel string) (string, error) {
	var sb strings.Builder
	for i := 0; i < len(rel); i++ {
		c := rel[i]
		switch {
		case c >= 'a' && c <= 'z':
			sb.WriteString("[" + string(c-'a'+'A') + string(c) + "]")
		case c >= 'A' && c <= 'Z':
			sb.WriteString("[" + string(c) + string(c-'A'+'a') + "]")
		case strings.IndexByte(`.[]()*+?{}|^$\`, c) >= 0:
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			sb.WriteByte(c)
		default:
			return "", errors.New("a name with non-ASCII or control characters cannot be matched case-insensitively by Seatbelt (APFS and HFS+ also fold those), so it cannot be protected")
		}
	}
	return sb.String(), nil
}

// seatbeltPolicy assembles the profile text and its -D parameters:
//
//	base + read section + write section + network section + hidden section
//
// Parameters come in this order: for each canonical form of a hidden path
// HIDDEN_k_DIR (its parent, unless that is "/"), HIDDEN_k, HIDDEN_k_FOLD;
// then for each writable root WRITABLE_ROOT_i, followed for each form of
// its islands by WRITABLE_ROOT_i_RO_j_DIR (only for a form outside the
// root, such as a symlink's target), _RO_j and _RO_j_FOLD. resolve maps a path
// to its canonical form (symlinks resolved, so /var becomes /private/var):
// Seatbelt matches the path the kernel resolved, and a rule on /tmp/x would
// never match a write that lands in /private/tmp/x.
//
// Hidden paths are taken out of every broad allow with require-not, which
// denies them whatever the order of rules (a request no rule allows falls
// to (deny default)); the deny rule at the end, where SBPL's last matching
// rule wins, also overrides the base policy's narrow allows (/dev/null,
// ptys) and process-exec.
func seatbeltPolicy(p Policy, resolve func(string) string) (policy string, params []string, err error) {
	if err := seatbeltValidate(p); err != nil {
		return "", nil, err
	}
	var ps seatbeltParams

	// Hidden paths: each canonical form, with its parent as the anchor of
	// the case-insensitive match of its last component.
	type hiddenForm struct {
		path  string
		match seatbeltMatch
	}
	var hidden []hiddenForm
	k := 0
	for _, h := range p.Hidden {
		for _, form := range seatbeltPathForms(h, resolve) {
			key := "HIDDEN_" + strconv.Itoa(k)
			k++
			dir := filepath.Dir(form)
			dirExpr := ""
			if dir != "/" {
				dirExpr = ps.add(key+"_DIR", dir)
			}
			m, err := seatbeltFoldedMatch(&ps, key, form, dir, dirExpr)
			if err != nil {
				return "", nil, fmt.Errorf("hidden path %v", err)
			}
			hidden = append(hidden, hiddenForm{form, m})
		}
	}
	// hiddenWithin returns the exclusions of the hidden paths that meet
	// the tree at root: beneath it, or containing it.
	hiddenWithin := func(root string) string {
		var sb strings.Builder
		for _, h := range hidden {
			if root == "" || fsPathWithin(h.path, root) || fsPathWithin(root, h.path) {
				sb.WriteString(h.match.excluded())
			}
		}
		return sb.String()
	}

	sections := []string{seatbeltBasePolicy}

	if len(hidden) == 0 {
		sections = append(sections, "; reads: the whole filesystem\n(allow file-read*)\n")
	} else {
		sections = append(sections, "; reads: the whole filesystem but the hidden paths\n"+
			"(allow file-read*\n(require-all (subpath \"/\")"+hiddenWithin("")+" )\n)\n")
	}

	switch {
	case p.FullDiskWrite && len(hidden) == 0:
		sections = append(sections, "; writes: the whole filesystem\n(allow file-write* (regex #\"^/\"))\n")
	case p.FullDiskWrite:
		sections = append(sections, "; writes: the whole filesystem but the hidden paths\n"+
			"(allow file-write*\n(require-all (subpath \"/\")"+hiddenWithin("")+" )\n)\n")
	case len(p.WritableRoots) > 0:
		var parts []string
		for i, wr := range p.WritableRoots {
			key := "WRITABLE_ROOT_" + strconv.Itoa(i)
			root := resolve(filepath.Clean(wr.Path))
			rootExpr := ps.add(key, root)
			var excl strings.Builder
			j := 0
			for _, ro := range wr.ReadOnly {
				for _, form := range seatbeltPathForms(ro, resolve) {
					roKey := key + "_RO_" + strconv.Itoa(j)
					j++
					// Fold everything below the root, so a missing
					// sub/.codex cannot be created as SUB/.CODEX either;
					// a form outside the root (a symlink's target) is
					// folded from its parent.
					anchor, anchorExpr := root, rootExpr
					if !fsPathWithin(form, root) || form == root {
						anchor = filepath.Dir(form)
						anchorExpr = ""
						if anchor != "/" {
							anchorExpr = ps.add(roKey+"_DIR", anchor)
						}
					} else if root == "/" {
						anchorExpr = ""
					}
					m, err := seatbeltFoldedMatch(&ps, roKey, form, anchor, anchorExpr)
					if err != nil {
						return "", nil, fmt.Errorf("read-only path %v", err)
					}
					// The literal form also stops the island itself from
					// being created (mkdir .codex) when it does not exist.
					excl.WriteString(m.excluded())
				}
			}
			excl.WriteString(hiddenWithin(root))
			if excl.Len() == 0 {
				parts = append(parts, "(subpath "+rootExpr+")")
			} else {
				parts = append(parts, "(require-all (subpath "+rootExpr+")"+excl.String()+" )")
			}
		}
		sections = append(sections, "; writes: beneath the writable roots, minus their read-only islands and the hidden paths\n"+
			"(allow file-write*\n"+strings.Join(parts, " ")+"\n)\n")
	}

	if p.Network {
		sections = append(sections, seatbeltNetworkPolicy)
	}

	if len(hidden) > 0 {
		var filters []string
		for _, h := range hidden {
			filters = append(filters, h.match...)
		}
		sections = append(sections, "; hidden paths: neither read, written nor run, whatever allowed it above\n"+
			"(deny file-read* file-write* process-exec\n"+strings.Join(filters, " ")+"\n)\n")
	}
	return strings.Join(sections, "\n"), ps, nil
}

// seatbeltPathForms returns the canonical forms under which a read-only
// island or a hidden path must be matched. When the last component is
// itself a symlink, accesses through it land at the target, while removing
// or replacing the link acts on the link's own path; both are returned,
// link first.
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
func seatbeltArgv(p Policy, resolve func(string) string, cmd []string) ([]string, error) {
	policy, params, err := seatbeltPolicy(p, resolve)
	if err != nil {
		return nil, err
	}
	return seatbeltCommand(policy, params, cmd), nil
}

// seatbeltCommand lays out the argv for a profile already built.
func seatbeltCommand(policy string, params, cmd []string) []string {
	argv := make([]string, 0, 4+len(params)+len(cmd))
	argv = append(argv, seatbeltExecutable, "-p", policy)
	argv = append(argv, params...)
	argv = append(argv, "--")
	return append(argv, cmd...)
}

// seatbeltValidate rejects what the profile cannot express: a relative path
// would be resolved against whatever directory sandbox-exec runs in, and a
// NUL byte cannot cross execve. Restricted reads are refused until the
// platform defaults they need on macOS (the dyld shared cache, /System,
// /usr/lib, file-map-executable, /dev/tty, ...) can be proven on a Mac: a
// profile without them aborts every dynamically linked program, and
// upstream's list also makes /tmp writable, which the policy did not ask
// for. No macOS front-end produces them today.
func seatbeltValidate(p Policy) error {
	if p.ReadRoots != nil {
		return errors.New("restricted read access is not supported on macOS yet (Seatbelt would need platform defaults this program cannot prove); refusing to run rather than break or widen it")
	}
	if len(p.Caches) > 0 {
		return cacheRefusal("Seatbelt on macOS", p.Caches[0])
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
	for _, h := range p.Hidden {
		if err := check("hidden path", h); err != nil {
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
