package main

// Codex's policy JSON (SandboxPolicy, the split file-system and network
// policies, PermissionProfile) and its reduction to a Policy. See
// /work/shared/codex-spec.md sections 2 and 5.
//
// Every shape is first reduced to fsRules, the model of Codex's split
// file-system policy (entries of path and access, the most specific one
// winning), because that is the one model in which all the others can be
// said; fsRules.policy then decides what Landlock can enforce.
//
// The JSON is read with json.go's strict reader and decoded member by
// member rather than into tagged structs, to behave like serde does
// upstream: keys match exactly, null is an error unless the field is
// optional upstream, and a key given twice is an error (a reader keeping
// the last one would let {"type":"read-only","type":"danger-full-access"}
// quietly grant everything).

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// fsAccess is an entry's access, in increasing precedence: when two entries
// name the same path, deny beats write and write beats read.
type fsAccess int

const (
	fsNone fsAccess = iota // no entry covers the path
	fsRead
	fsWrite
	fsDeny
)

// fsEntry is one resolved entry: an absolute, clean path and its access.
type fsEntry struct {
	path   string
	access fsAccess
}

// fsRules is a file-system policy in Codex's split model.
type fsRules struct {
	// fullWrite: Codex's unrestricted and external-sandbox kinds (and
	// danger-full-access, disabled, external). entries then only matter
	// for deny.
	fullWrite bool
	entries   []fsEntry
	// unenforceable, when set, names an entry no engine behind a Policy can
	// honour (a deny glob, a deny of an unresolvable special path).
	unenforceable string
}

// access is what the rules give path: the most specific entry containing
// it wins, and among entries for the same path deny > write > read.
func (r *fsRules) access(path string) fsAccess {
	best, bestLen := fsNone, -1
	for _, e := range r.entries {
		if !fsPathWithin(path, e.path) {
			continue
		}
		if l := len(e.path); l > bestLen || (l == bestLen && e.access > best) {
			best, bestLen = e.access, l
		}
	}
	return best
}

// explicitWrite reports whether an entry grants write on path itself, which
// lifts Codex's protection of a metadata path (spec 5: explicit entries win).
func (r *fsRules) explicitWrite(path string) bool {
	for _, e := range r.entries {
		if e.path == path && e.access == fsWrite {
			return r.access(path) == fsWrite
		}
	}
	return false
}

// fsPathWithin reports whether p is root or lies beneath it. Both are clean
// and absolute.
func fsPathWithin(p, root string) bool {
	return root == "/" || p == root || strings.HasPrefix(p, root+"/")
}

// codexRefusal is a policy this program understands but cannot enforce:
// nothing runs, and the exit status is exitSetup.
type codexRefusal struct{ msg string }

func (e *codexRefusal) Error() string { return e.msg }

// policy turns the rules into a Policy. legacy selects upstream's legacy
// Landlock path (eras B-D, and --use-legacy-landlock), which never protected
// .git, .codex, .agents and .aws inside writable roots and ran the command in the
// helper's own process: there the exec-only engine runs it, and the
// carve-outs are dropped, as upstream did. Otherwise upstream ran
// bubblewrap, and here the namespace engine runs it: the protected names
// stay in WritableRoot.ReadOnly, existing or not (a missing one must not be
// created: a command that could create .codex/config.toml would choose the
// sandbox of the agent's next run), and denied paths are hidden.
//
// Missing writable roots grant nothing and are left out, as upstream's
// Landlock rules skip paths they cannot open.
func (r *fsRules) policy(network, legacy bool) (Policy, error) {
	p := Policy{Network: network, Enforcement: CodexCompat}
	if legacy {
		p.Engine = EngineExecOnly
	}
	if r.unenforceable != "" {
		return Policy{}, &codexRefusal{r.unenforceable}
	}
	if r.fullWrite {
		for _, e := range r.entries {
			if e.access == fsDeny {
				return Policy{}, codexDenyRefusal(e.path)
			}
		}
		p.FullDiskWrite = true
		return p, nil
	}

	fullRead := r.access("/") == fsRead || r.access("/") == fsWrite
	if !fullRead {
		// Restricted reads: the Linux engine refuses any non-nil ReadRoots
		// with its own message; the list says what was asked for.
		p.ReadRoots = []string{}
		for _, e := range r.entries {
			if e.access != fsDeny && r.access(e.path) != fsDeny && !slices.Contains(p.ReadRoots, e.path) {
				p.ReadRoots = append(p.ReadRoots, e.path)
			}
		}
	} else {
		for _, e := range r.entries {
			if e.access != fsDeny {
				continue
			}
			// Only the namespace engine can take a path away from reads.
			if legacy {
				return Policy{}, codexDenyRefusal(e.path)
			}
			if !slices.Contains(p.Hidden, e.path) {
				p.Hidden = append(p.Hidden, e.path)
			}
		}
	}

	for _, e := range r.entries {
		if e.access != fsWrite || r.access(e.path) != fsWrite || slices.ContainsFunc(p.WritableRoots, func(w WritableRoot) bool { return w.Path == e.path }) {
			continue
		}
		if _, err := os.Stat(e.path); err != nil {
			continue
		}
		p.WritableRoots = append(p.WritableRoots, WritableRoot{Path: e.path})
	}

	// Read-only carve-outs: Codex's protected metadata of every writable
	// root, and explicit read entries beneath a writable root.
	protected := map[string]bool{}
	var carveOuts []string
	for _, w := range p.WritableRoots {
		for _, sp := range protectedSubpaths(w.Path) {
			protected[sp] = true
			if !r.explicitWrite(sp) {
				carveOuts = append(carveOuts, sp)
			}
		}
	}
	for _, e := range r.entries {
		if e.access == fsRead && r.access(e.path) == fsRead {
			carveOuts = append(carveOuts, e.path)
		}
	}
	for i := range p.WritableRoots {
		w := &p.WritableRoots[i]
		for _, c := range carveOuts {
			if c == w.Path || !fsPathWithin(c, w.Path) || slices.Contains(w.ReadOnly, c) {
				continue
			}
			if protected[c] && legacy {
				continue
			}
			w.ReadOnly = append(w.ReadOnly, c)
		}
	}
	return p, nil
}

func codexDenyRefusal(path string) error {
	return &codexRefusal{fmt.Sprintf("%q is denied, but Landlock cannot take a path away from what the command may read; refusing to run rather than leave it readable", path)}
}

// codexTmpdirRoot is $TMPDIR as Codex's tmpdir special path and workspace-write
// use it: only when set, non-empty and absolute.
func codexTmpdirRoot() (string, bool) {
	v := os.Getenv("TMPDIR")
	if v == "" || !filepath.IsAbs(v) || strings.ContainsRune(v, 0) {
		return "", false
	}
	return filepath.Clean(v), true
}

// codexSlashTmpRoot is /tmp, when it is a directory.
func codexSlashTmpRoot() (string, bool) {
	fi, err := os.Stat("/tmp")
	if err != nil || !fi.IsDir() {
		return "", false
	}
	return "/tmp", true
}

// codexMinimalReadRoots are the platform defaults of Codex's "minimal" special
// path (spec 6.2), those that exist.
func codexMinimalReadRoots() []string {
	var out []string
	for _, p := range []string{"/bin", "/sbin", "/usr", "/etc", "/lib", "/lib64", "/nix/store", "/run/current-system/sw"} {
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// --- JSON decoding ---

// codexMaxJSONDepth bounds nesting. Codex's deepest shape nests five levels.
const codexMaxJSONDepth = 32

// codexObject is one JSON object of a policy. where names it in messages,
// as a path from the document root ("file_system.entries[2]").
type codexObject struct {
	where string
	value jsonValue
}

// parseCodexJSON reads text, which parseJSON holds to what serde_json
// accepts (no invalid UTF-8, duplicate key or trailing data), as an object.
func parseCodexJSON(text string) (codexObject, error) {
	v, err := parseJSON(text, codexMaxJSONDepth)
	if err != nil {
		return codexObject{}, err
	}
	return codexObjectOf(v, "")
}

func codexObjectOf(v jsonValue, where string) (codexObject, error) {
	if v.kind != jsonObject {
		return codexObject{}, fmt.Errorf("%sexpected a JSON object", jsonWhere(where))
	}
	return codexObject{where: where, value: v}, nil
}

func jsonWhere(where string) string {
	if where == "" {
		return ""
	}
	return where + ": "
}

func (o codexObject) name(key string) string {
	if o.where == "" {
		return key
	}
	return o.where + "." + key
}

func (o codexObject) has(key string) bool {
	_, ok := o.value.member(key)
	return ok
}

// get decodes member key into dst. present is false when the key is absent,
// or null and nullable (an Option upstream). A null where upstream has no
// Option is an error, as it is for serde.
func (o codexObject) get(key string, dst any, nullable bool) (present bool, err error) {
	v, ok := o.value.member(key)
	if !ok {
		return false, nil
	}
	if v.kind == jsonNull {
		if nullable {
			return false, nil
		}
		return false, fmt.Errorf("%s: must not be null", o.name(key))
	}
	if found := jsonAssign(v, dst); found != "" {
		return false, fmt.Errorf("%s: expected %s, found a JSON %s", o.name(key), jsonKindOf(dst), found)
	}
	return true, nil
}

// jsonAssign stores v in dst as json.Unmarshal did when these parsers were
// written against it: null leaves dst as it is (so a null in an array of
// strings is ""), and a number must fit a uint64 exactly. When dst cannot
// hold v it returns what v is, in UnmarshalTypeError's words.
func jsonAssign(v jsonValue, dst any) (found string) {
	if d, ok := dst.(*jsonValue); ok {
		*d = v
		return ""
	}
	if v.kind == jsonNull {
		return ""
	}
	switch d := dst.(type) {
	case *bool:
		if v.kind == jsonBool {
			*d = v.text == "true"
			return ""
		}
	case *string:
		if v.kind == jsonString {
			*d = v.text
			return ""
		}
	case *uint64:
		if v.kind == jsonNumber {
			n, err := strconv.ParseUint(v.text, 10, 64)
			if err != nil {
				return "number " + v.text
			}
			*d = n
			return ""
		}
	case *[]string:
		if v.kind == jsonArray {
			list := make([]string, len(v.items))
			for i, item := range v.items {
				if found := jsonAssign(item, &list[i]); found != "" {
					return found
				}
			}
			*d = list
			return ""
		}
	case *[]jsonValue:
		if v.kind == jsonArray {
			*d = v.items
			return ""
		}
	}
	return v.kind.String()
}

func jsonKindOf(dst any) string {
	switch dst.(type) {
	case *bool:
		return "a boolean"
	case *string:
		return "a string"
	case *[]string:
		return "an array of strings"
	case *[]jsonValue:
		return "an array"
	case *uint64:
		return "a non-negative integer"
	}
	return "another type"
}

func (o codexObject) boolean(key string, def bool) (bool, error) {
	v := def
	_, err := o.get(key, &v, false)
	return v, err
}

// enum reads a string member that must be one of allowed; def when absent
// (pass "" to make the member required).
func (o codexObject) enum(key, def string, allowed ...string) (string, error) {
	var v string
	present, err := o.get(key, &v, false)
	if err != nil {
		return "", err
	}
	if !present {
		if def == "" {
			return "", fmt.Errorf("%smissing field %q", jsonWhere(o.where), key)
		}
		return def, nil
	}
	if !slices.Contains(allowed, v) {
		return "", fmt.Errorf("%s: unknown variant %q, expected one of %s", o.name(key), v, codexQuoteList(allowed))
	}
	return v, nil
}

func (o codexObject) object(key string, nullable bool) (codexObject, bool, error) {
	var v jsonValue
	present, err := o.get(key, &v, nullable)
	if err != nil || !present {
		return codexObject{}, false, err
	}
	sub, err := codexObjectOf(v, o.name(key))
	return sub, err == nil, err
}

// onlyKeys is serde's deny_unknown_fields. The first unknown key, in
// document order, is the one named.
func (o codexObject) onlyKeys(allowed ...string) error {
	for _, k := range o.value.keys {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("%sunknown field %q, expected one of %s", jsonWhere(o.where), k, codexQuoteList(allowed))
		}
	}
	return nil
}

func codexQuoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// codexAbsPath validates a path Codex types as AbsolutePathBuf: absolute, then
// lexically normalised. base, when not nil, makes a relative path
// acceptable, resolved against base(), for fields that were a plain PathBuf.
func codexAbsPath(p, where string, base func() (string, error)) (string, error) {
	switch {
	case p == "":
		return "", fmt.Errorf("%s: empty path", where)
	case strings.ContainsRune(p, 0):
		return "", fmt.Errorf("%s: path contains a NUL byte", where)
	case filepath.IsAbs(p):
		return filepath.Clean(p), nil
	case base != nil:
		dir, err := base()
		if err != nil {
			return "", fmt.Errorf("%s: cannot resolve relative path %q: %v", where, p, err)
		}
		return filepath.Join(dir, p), nil
	}
	return "", fmt.Errorf("%s: %q is not an absolute path", where, p)
}

func (o codexObject) pathList(key string, base func() (string, error)) ([]string, error) {
	var list []string
	if _, err := o.get(key, &list, false); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(list))
	for i, p := range list {
		abs, err := codexAbsPath(p, fmt.Sprintf("%s[%d]", o.name(key), i), base)
		if err != nil {
			return nil, err
		}
		out = append(out, abs)
	}
	return out, nil
}

// --- SandboxPolicy (spec 2.1) ---

// parseSandboxPolicy reads a SandboxPolicy. Its tag key is "mode" until
// 2025-11-13 and "type" after; both are accepted, and a document with both
// must agree, since helpers of the two eras would each read only one.
// Relative writable_roots are accepted, against the helper's cwd (wd), only
// under the "mode" key: upstream made them absolute-only in December 2025.
func parseSandboxPolicy(text, policyCwd string, wd func() (string, error)) (fsRules, bool, error) {
	o, err := parseCodexJSON(text)
	if err != nil {
		return fsRules{}, false, err
	}
	var mode, typ string
	hasMode, err := o.get("mode", &mode, false)
	if err != nil {
		return fsRules{}, false, err
	}
	hasType, err := o.get("type", &typ, false)
	if err != nil {
		return fsRules{}, false, err
	}
	variant := typ
	switch {
	case hasMode && hasType && mode != typ:
		return fsRules{}, false, fmt.Errorf("\"mode\" is %q but \"type\" is %q", mode, typ)
	case !hasMode && !hasType:
		return fsRules{}, false, errors.New("missing field \"type\" (or \"mode\")")
	case !hasType:
		variant = mode
	}

	switch variant {
	case "danger-full-access":
		return fsRules{fullWrite: true}, true, nil
	case "external-sandbox":
		net, err := o.enum("network_access", "restricted", "restricted", "enabled")
		return fsRules{fullWrite: true}, net == "enabled", err
	case "read-only":
		reads, err := readOnlyAccess(o, "access")
		if err != nil {
			return fsRules{}, false, err
		}
		net, err := o.boolean("network_access", false)
		return fsRules{entries: reads}, net, err
	case "workspace-write":
		return parseWorkspaceWrite(o, hasType, policyCwd, wd)
	}
	return fsRules{}, false, fmt.Errorf("unknown variant %q, expected one of \"read-only\", \"workspace-write\", \"danger-full-access\", \"external-sandbox\"", variant)
}

// parseWorkspaceWrite: writable roots = writable_roots + policy cwd + /tmp
// (a directory, unless exclude_slash_tmp) + $TMPDIR (set and absolute,
// unless exclude_tmpdir_env_var). include_default_writable_roots existed
// for one week (2025-08-01..07); false then meant writable_roots alone.
func parseWorkspaceWrite(o codexObject, typeTag bool, policyCwd string, wd func() (string, error)) (fsRules, bool, error) {
	var base func() (string, error)
	if !typeTag {
		base = wd
	}
	roots, err := o.pathList("writable_roots", base)
	if err != nil {
		return fsRules{}, false, err
	}
	net, err := o.boolean("network_access", false)
	if err != nil {
		return fsRules{}, false, err
	}
	includeDefaults, err := o.boolean("include_default_writable_roots", true)
	if err != nil {
		return fsRules{}, false, err
	}
	excludeTmpdir, err := o.boolean("exclude_tmpdir_env_var", false)
	if err != nil {
		return fsRules{}, false, err
	}
	excludeSlashTmp, err := o.boolean("exclude_slash_tmp", false)
	if err != nil {
		return fsRules{}, false, err
	}
	entries, err := readOnlyAccess(o, "read_only_access")
	if err != nil {
		return fsRules{}, false, err
	}
	for _, r := range roots {
		entries = append(entries, fsEntry{r, fsWrite})
	}
	if includeDefaults {
		entries = append(entries, fsEntry{policyCwd, fsWrite})
		if t, ok := codexSlashTmpRoot(); ok && !excludeSlashTmp {
			entries = append(entries, fsEntry{t, fsWrite})
		}
		if t, ok := codexTmpdirRoot(); ok && !excludeTmpdir {
			entries = append(entries, fsEntry{t, fsWrite})
		}
	}
	return fsRules{entries: entries}, net, nil
}

// readOnlyAccess reads a ReadOnlyAccess member (Feb-Apr 2026): absent or
// full-access reads everything; restricted reads its readable_roots (plus
// the platform defaults when include_platform_defaults).
func readOnlyAccess(o codexObject, key string) ([]fsEntry, error) {
	full := []fsEntry{{"/", fsRead}}
	a, present, err := o.object(key, false)
	if err != nil || !present {
		return full, err
	}
	kind, err := a.enum("type", "", "full-access", "restricted")
	if err != nil || kind == "full-access" {
		return full, err
	}
	platform, err := a.boolean("include_platform_defaults", true)
	if err != nil {
		return nil, err
	}
	roots, err := a.pathList("readable_roots", nil)
	if err != nil {
		return nil, err
	}
	entries := []fsEntry{}
	if platform {
		for _, r := range codexMinimalReadRoots() {
			entries = append(entries, fsEntry{r, fsRead})
		}
	}
	for _, r := range roots {
		entries = append(entries, fsEntry{r, fsRead})
	}
	return entries, nil
}

// --- split policies (spec 2.2) ---

// parseNetworkPolicy reads a NetworkSandboxPolicy: a bare JSON string.
func parseNetworkPolicy(text string) (bool, error) {
	j, err := parseJSON(text, codexMaxJSONDepth)
	if err != nil {
		return false, err
	}
	var v string // null leaves it "", an unknown variant
	if jsonAssign(j, &v) != "" {
		return false, errors.New("expected \"restricted\" or \"enabled\"")
	}
	switch v {
	case "restricted":
		return false, nil
	case "enabled":
		return true, nil
	}
	return false, fmt.Errorf("unknown variant %q, expected \"restricted\" or \"enabled\"", v)
}

// parseFileSystemPolicy reads a FileSystemSandboxPolicy.
func parseFileSystemPolicy(text, policyCwd string) (fsRules, error) {
	o, err := parseCodexJSON(text)
	if err != nil {
		return fsRules{}, err
	}
	kind, err := o.enum("kind", "restricted", "restricted", "unrestricted", "external-sandbox")
	if err != nil {
		return fsRules{}, err
	}
	r, err := parseEntries(o, policyCwd)
	r.fullWrite = kind != "restricted"
	return r, err
}

// parseEntries reads the entries and glob_scan_max_depth members shared by
// the split policy and the permission profile's file system.
func parseEntries(o codexObject, policyCwd string) (fsRules, error) {
	var depth uint64
	if _, err := o.get("glob_scan_max_depth", &depth, true); err != nil {
		return fsRules{}, err
	}
	var raws []jsonValue
	if _, err := o.get("entries", &raws, false); err != nil {
		return fsRules{}, err
	}
	var r fsRules
	for i, raw := range raws {
		e, err := codexObjectOf(raw, fmt.Sprintf("%s[%d]", o.name("entries"), i))
		if err != nil {
			return fsRules{}, err
		}
		if err := parseEntry(e, policyCwd, &r); err != nil {
			return fsRules{}, err
		}
	}
	return r, nil
}

// parseEntry reads one {"path": FsPath, "access": ...} entry into r. An
// entry that resolves to nothing (tmpdir with no $TMPDIR, an unknown
// special path, a read or write glob) grants nothing, as upstream; a deny
// that cannot be resolved makes the rules unenforceable.
func parseEntry(e codexObject, policyCwd string, r *fsRules) error {
	acc, err := e.enum("access", "", "read", "write", "deny", "none")
	if err != nil {
		return err
	}
	access := map[string]fsAccess{"read": fsRead, "write": fsWrite, "deny": fsDeny, "none": fsDeny}[acc]
	p, present, err := e.object("path", false)
	if err != nil {
		return err
	}
	if !present {
		return fmt.Errorf("%smissing field \"path\"", jsonWhere(e.where))
	}
	typ, err := p.enum("type", "", "path", "glob_pattern", "special")
	if err != nil {
		return err
	}
	var paths []string
	switch typ {
	case "path":
		var s string
		if _, err := p.get("path", &s, false); err != nil {
			return err
		}
		if !p.has("path") {
			return fmt.Errorf("%smissing field \"path\"", jsonWhere(p.where))
		}
		abs, err := codexAbsPath(s, p.name("path"), nil)
		if err != nil {
			return err
		}
		paths = []string{abs}
	case "glob_pattern":
		var pattern string
		if _, err := p.get("pattern", &pattern, false); err != nil {
			return err
		}
		if !p.has("pattern") {
			return fmt.Errorf("%smissing field \"pattern\"", jsonWhere(p.where))
		}
		if access == fsDeny && r.unenforceable == "" {
			r.unenforceable = fmt.Sprintf("deny pattern %q: Landlock cannot take paths matching a pattern away from what the command may read; refusing to run rather than leave them readable", pattern)
		}
		return nil
	case "special":
		v, present, err := p.object("value", false)
		if err != nil {
			return err
		}
		if !present {
			return fmt.Errorf("%smissing field \"value\"", jsonWhere(p.where))
		}
		var kind string
		paths, kind, err = specialPaths(v, policyCwd)
		if err != nil {
			return err
		}
		if (paths == nil || kind == "minimal") && access == fsDeny && r.unenforceable == "" {
			r.unenforceable = fmt.Sprintf("deny of special path %q: it names no path this sandbox can take away from reads; refusing to run rather than leave it readable", kind)
		}
	}
	for _, path := range paths {
		r.entries = append(r.entries, fsEntry{path, access})
	}
	return nil
}

// specialPaths resolves a special path ({"kind": ...}). nil means it names
// nothing here (tmpdir without $TMPDIR, /tmp not a directory, unknown).
// minimal names the platform's default read roots.
func specialPaths(v codexObject, policyCwd string) (paths []string, kind string, err error) {
	kind, err = v.enum("kind", "", "root", "minimal", "current_working_directory", "project_roots", "tmpdir", "slash_tmp", "unknown")
	if err != nil {
		return nil, "", err
	}
	switch kind {
	case "root":
		return []string{"/"}, kind, nil
	case "minimal":
		return codexMinimalReadRoots(), kind, nil
	case "current_working_directory", "project_roots":
		// current_working_directory is project_roots' older spelling.
		var sub string
		present, err := v.get("subpath", &sub, true)
		if err != nil || !present {
			return []string{policyCwd}, kind, err
		}
		if strings.ContainsRune(sub, 0) {
			return nil, "", fmt.Errorf("%s: path contains a NUL byte", v.name("subpath"))
		}
		// As Rust's Path::join: an absolute subpath replaces the base.
		if filepath.IsAbs(sub) {
			return []string{filepath.Clean(sub)}, kind, nil
		}
		return []string{filepath.Join(policyCwd, sub)}, kind, nil
	case "tmpdir":
		if t, ok := codexTmpdirRoot(); ok {
			return []string{t}, kind, nil
		}
	case "slash_tmp":
		if t, ok := codexSlashTmpRoot(); ok {
			return []string{t}, kind, nil
		}
	case "unknown":
		// A special path from a newer Codex, kept representable upstream so
		// that it can be ignored.
		var s string
		if _, err := v.get("path", &s, false); err != nil {
			return nil, "", err
		}
		if !v.has("path") {
			return nil, "", fmt.Errorf("%smissing field \"path\"", jsonWhere(v.where))
		}
	}
	return nil, kind, nil
}

// --- PermissionProfile (spec 2.3) ---

// parseProfile reads a PermissionProfile: the tagged form, or the legacy
// untagged {"network": ..., "file_system": ...} which, like upstream, knows
// no other field.
func parseProfile(text, policyCwd string) (fsRules, bool, error) {
	o, err := parseCodexJSON(text)
	if err != nil {
		return fsRules{}, false, err
	}
	if !o.has("type") {
		return parseLegacyProfile(o, policyCwd)
	}
	typ, err := o.enum("type", "", "managed", "disabled", "external")
	if err != nil {
		return fsRules{}, false, err
	}
	switch typ {
	case "disabled":
		return fsRules{fullWrite: true}, true, nil
	case "external":
		net, err := o.enum("network", "", "restricted", "enabled")
		return fsRules{fullWrite: true}, net == "enabled", err
	}
	fs, present, err := o.object("file_system", false)
	if err != nil {
		return fsRules{}, false, err
	}
	if !present {
		return fsRules{}, false, errors.New("missing field \"file_system\"")
	}
	net, err := o.enum("network", "", "restricted", "enabled")
	if err != nil {
		return fsRules{}, false, err
	}
	kind, err := fs.enum("type", "", "restricted", "unrestricted")
	if err != nil {
		return fsRules{}, false, err
	}
	if kind == "unrestricted" {
		return fsRules{fullWrite: true}, net == "enabled", nil
	}
	r, err := parseEntries(fs, policyCwd)
	return r, net == "enabled", err
}

func parseLegacyProfile(o codexObject, policyCwd string) (fsRules, bool, error) {
	if err := o.onlyKeys("network", "file_system"); err != nil {
		return fsRules{}, false, err
	}
	var net bool
	n, present, err := o.object("network", true)
	if err != nil {
		return fsRules{}, false, err
	}
	if present {
		if _, err := n.get("enabled", &net, true); err != nil {
			return fsRules{}, false, err
		}
	}
	fs, present, err := o.object("file_system", true)
	if err != nil || !present {
		// No file_system: restricted with no entries, so nothing readable.
		return fsRules{}, net, err
	}
	r, err := parseEntries(fs, policyCwd)
	return r, net, err
}
