package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// fakeMacEval stands in for filepath.EvalSymlinks on a Mac: /var, /tmp
// and /etc are symlinks into /private, and /work/link points at
// /work/target. Every path "exists" except those containing "missing".
func fakeMacEval(path string) (string, error) {
	if strings.Contains(path, "missing") {
		return "", os.ErrNotExist
	}
	for _, dir := range []string{"/var", "/tmp", "/etc"} {
		if path == dir || strings.HasPrefix(path, dir+"/") {
			return "/private" + path, nil
		}
	}
	if path == "/work/link" || strings.HasPrefix(path, "/work/link/") {
		return "/work/target" + strings.TrimPrefix(path, "/work/link"), nil
	}
	return path, nil
}

func fakeMacResolve(path string) string { return seatbeltCanonical(path, fakeMacEval) }

func identityResolve(path string) string { return path }

// writeSection returns the text between "(allow file-write*\n" and "\n)" that
// the engine appends after the base policy, or "" when there is none.
func writeSection(t *testing.T, policy string) string {
	t.Helper()
	rest, ok := strings.CutPrefix(policy, seatbeltBasePolicy)
	if !ok {
		t.Fatalf("policy does not start with the base policy")
	}
	_, after, ok := strings.Cut(rest, "(allow file-write*\n")
	if !ok {
		return ""
	}
	body, _, ok := strings.Cut(after, "\n)\n")
	if !ok {
		t.Fatalf("unterminated write section in %q", after)
	}
	return body
}

// TestSeatbeltPolicyGolden pins the -D parameters, their order and the write
// section, reproducing upstream's argv unit tests (spec 10.3 and 10.5).
func TestSeatbeltPolicyGolden(t *testing.T) {
	tests := []struct {
		name   string
		p      Policy
		write  string // expected write section body; "" = none
		params []string
	}{
		{
			name: "read-only",
			p:    Policy{},
		},
		{
			name:  "full disk write has no parameters",
			p:     Policy{FullDiskWrite: true, WritableRoots: []WritableRoot{{Path: "/ignored"}}},
			write: "",
		},
		{
			// create_seatbelt_args_with_read_only_git_and_codex_subpaths:
			// a root with .git and .codex, an empty root and the cwd.
			name: "git and codex carve-outs, canonicalised",
			p: Policy{WritableRoots: []WritableRoot{
				{Path: "/var/folders/t/vr", ReadOnly: []string{"/var/folders/t/vr/.git", "/var/folders/t/vr/.codex"}},
				{Path: "/var/folders/t/empty"},
				{Path: "/tmp/cwd"},
			}},
			write: `(require-all (subpath (param "WRITABLE_ROOT_0"))` +
				` (require-not (literal (param "WRITABLE_ROOT_0_RO_0"))) (require-not (subpath (param "WRITABLE_ROOT_0_RO_0")))` +
				` (require-not (literal (param "WRITABLE_ROOT_0_RO_1"))) (require-not (subpath (param "WRITABLE_ROOT_0_RO_1"))) )` +
				` (subpath (param "WRITABLE_ROOT_1")) (subpath (param "WRITABLE_ROOT_2"))`,
			params: []string{
				"-DWRITABLE_ROOT_0=/private/var/folders/t/vr",
				"-DWRITABLE_ROOT_0_RO_0=/private/var/folders/t/vr/.git",
				"-DWRITABLE_ROOT_0_RO_1=/private/var/folders/t/vr/.codex",
				"-DWRITABLE_ROOT_1=/private/var/folders/t/empty",
				"-DWRITABLE_ROOT_2=/private/tmp/cwd",
			},
		},
		{
			// A carve-out that does not exist yet keeps its tail on top of
			// the canonical parent, so first-time creation is still denied.
			name: "missing carve-out under /var",
			p: Policy{WritableRoots: []WritableRoot{
				{Path: "/var/repo", ReadOnly: []string{"/var/repo/missing/.codex"}},
			}},
			write: `(require-all (subpath (param "WRITABLE_ROOT_0"))` +
				` (require-not (literal (param "WRITABLE_ROOT_0_RO_0"))) (require-not (subpath (param "WRITABLE_ROOT_0_RO_0"))) )`,
			params: []string{
				"-DWRITABLE_ROOT_0=/private/var/repo",
				"-DWRITABLE_ROOT_0_RO_0=/private/var/repo/missing/.codex",
			},
		},
		{
			// A carve-out that is a symlink is denied both as the link and
			// as its target.
			name: "symlinked carve-out",
			p: Policy{WritableRoots: []WritableRoot{
				{Path: "/work", ReadOnly: []string{"/work/link"}},
			}},
			write: `(require-all (subpath (param "WRITABLE_ROOT_0"))` +
				` (require-not (literal (param "WRITABLE_ROOT_0_RO_0"))) (require-not (subpath (param "WRITABLE_ROOT_0_RO_0")))` +
				` (require-not (literal (param "WRITABLE_ROOT_0_RO_1"))) (require-not (subpath (param "WRITABLE_ROOT_0_RO_1"))) )`,
			params: []string{
				"-DWRITABLE_ROOT_0=/work",
				"-DWRITABLE_ROOT_0_RO_0=/work/link",
				"-DWRITABLE_ROOT_0_RO_1=/work/target",
			},
		},
		{
			name: "restricted reads come first",
			p: Policy{
				ReadRoots:     []string{"/usr", "/etc"},
				WritableRoots: []WritableRoot{{Path: "/src"}},
			},
			write: `(subpath (param "WRITABLE_ROOT_0"))`,
			params: []string{
				"-DREADABLE_ROOT_0=/usr",
				"-DREADABLE_ROOT_1=/private/etc",
				"-DWRITABLE_ROOT_0=/src",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy, params := seatbeltPolicy(tt.p, fakeMacResolve)
			if !reflect.DeepEqual(params, tt.params) && len(params)+len(tt.params) > 0 {
				t.Errorf("params:\n got %q\nwant %q", params, tt.params)
			}
			if got := writeSection(t, policy); got != tt.write {
				t.Errorf("write section:\n got %s\nwant %s", got, tt.write)
			}
			full := strings.Contains(policy, "\n(allow file-write* (regex #\"^/\"))\n")
			if full != tt.p.FullDiskWrite {
				t.Errorf("full-disk write rule present = %v, want %v", full, tt.p.FullDiskWrite)
			}
			readAll := strings.Contains(policy, "\n(allow file-read*)\n")
			if readAll != (tt.p.ReadRoots == nil) {
				t.Errorf("(allow file-read*) present = %v, want %v", readAll, tt.p.ReadRoots == nil)
			}
			if !strings.HasSuffix(policy, "\n") {
				t.Errorf("policy does not end with a newline")
			}
			checkSeatbeltOutput(t, policy, params)
		})
	}
}

// TestSeatbeltRestrictedRead checks that a restricted read section names
// every readable and writable root and /dev/null, and nothing else.
func TestSeatbeltRestrictedRead(t *testing.T) {
	p := Policy{ReadRoots: []string{"/usr"}, WritableRoots: []WritableRoot{{Path: "/src", ReadOnly: []string{"/src/.git"}}}}
	policy, params := seatbeltPolicy(p, identityResolve)
	want := "(allow file-read*\n" +
		`(subpath (param "READABLE_ROOT_0")) (subpath (param "WRITABLE_ROOT_0")) (literal "/dev/null")` +
		"\n)\n"
	if !strings.Contains(policy, want) {
		t.Errorf("policy lacks restricted read section %q", want)
	}
	if strings.Contains(policy, "\n(allow file-read*)\n") {
		t.Errorf("restricted policy still allows every read")
	}
	checkSeatbeltOutput(t, policy, params)
}

// TestSeatbeltNetwork: network rules appear only when the policy grants the
// network (dynamic_network_policy_allows_tls_without_darwin_user_cache_write).
func TestSeatbeltNetwork(t *testing.T) {
	markers := []string{"(allow network-outbound)", "(allow network-inbound)", "(allow network-bind)", "com.apple.trustd.agent", "AF_SYSTEM"}
	for _, network := range []bool{false, true} {
		policy, params := seatbeltPolicy(Policy{Network: network}, identityResolve)
		for _, m := range markers {
			if strings.Contains(policy, m) != network {
				t.Errorf("Network=%v: %q present = %v", network, m, !network)
			}
		}
		if strings.Contains(policy, "network-outbound") != network {
			t.Errorf("Network=%v: some network-outbound rule present = %v", network, !network)
		}
		for _, forbidden := range []string{"DARWIN_USER_CACHE_DIR", "user-preference-write"} {
			if strings.Contains(policy, forbidden) {
				t.Errorf("Network=%v: policy mentions %s", network, forbidden)
			}
		}
		checkSeatbeltOutput(t, policy, params)
	}
}

// TestSeatbeltBasePolicy pins the base rules upstream's tests look for.
func TestSeatbeltBasePolicy(t *testing.T) {
	for _, want := range []string{
		"(version 1)",
		"(deny default)",
		"(allow process-exec)",
		"(allow process-fork)",
		"(allow signal (target same-sandbox))",
		"(allow process-info* (target same-sandbox))",
		`(path "/dev/null")`,
		"(vnode-type CHARACTER-DEVICE)",
		`(sysctl-name "machdep.cpu.brand_string")`,
		`(sysctl-name "hw.model")`,
		`(sysctl-name-prefix "hw.optional.arm.")`,
		`(sysctl-name "kern.grade_cputype")`,
		"(allow ipc-posix-shm-read-data\n  ipc-posix-shm-write-create\n  ipc-posix-shm-write-unlink\n",
		`(ipc-posix-name-regex #"^/__KMP_REGISTERED_LIB_[0-9]+$")`,
		"(allow ipc-posix-sem)",
		`(global-name "com.apple.system.opendirectoryd.libinfo")`,
		"(allow pseudo-tty)",
		`(literal "/dev/ptmx")`,
		"(allow user-preference-read)",
	} {
		if !strings.Contains(seatbeltBasePolicy, want) {
			t.Errorf("base policy lacks %q", want)
		}
	}
	for _, bad := range []string{"user-preference-write", "(allow default)", "(allow file-read*)", "(allow file-write*", "param"} {
		if strings.Contains(seatbeltBasePolicy, bad) {
			t.Errorf("base policy contains %q", bad)
		}
	}
	if _, err := checkSBPL(seatbeltBasePolicy); err != nil {
		t.Errorf("base policy: %v", err)
	}
}

// TestSeatbeltArgv pins the argv shape: absolute sandbox-exec, -p, the
// profile, the parameters, "--", then the command untouched even when it
// looks like sandbox-exec options.
func TestSeatbeltArgv(t *testing.T) {
	p := Policy{WritableRoots: []WritableRoot{{Path: "/tmp/a"}, {Path: "/tmp/b"}}}
	cmd := []string{"-p", "--", "(deny default)", "-Dx=y"}
	argv := seatbeltArgv(p, fakeMacResolve, cmd)
	policy, _ := seatbeltPolicy(p, fakeMacResolve)
	want := []string{"/usr/bin/sandbox-exec", "-p", policy,
		"-DWRITABLE_ROOT_0=/private/tmp/a", "-DWRITABLE_ROOT_1=/private/tmp/b",
		"--", "-p", "--", "(deny default)", "-Dx=y"}
	if !reflect.DeepEqual(argv, want) {
		t.Errorf("argv:\n got %q\nwant %q", argv, want)
	}
	if !filepath.IsAbs(argv[0]) {
		t.Errorf("argv[0] %q is not absolute", argv[0])
	}
}

// TestSeatbeltHostilePaths: a path with a quote, a newline, parentheses or a
// regex opener reaches sandbox-exec only as a -D value; the profile text is
// byte-identical to the one for a harmless path of the same shape.
func TestSeatbeltHostilePaths(t *testing.T) {
	hostile := []string{
		`/tmp/a"b`,
		"/tmp/a\nb",
		`/tmp/x")) (allow default) ((`,
		"/tmp/x\n(allow default)\n",
		`/tmp/#"^/"`,
		`/tmp/back\slash`,
		`/tmp/;comment`,
	}
	shape := func(root string) Policy {
		return Policy{
			ReadRoots:     []string{root + "/r"},
			WritableRoots: []WritableRoot{{Path: root, ReadOnly: []string{root + "/.git"}}},
		}
	}
	plain, _ := seatbeltPolicy(shape("/tmp/plain"), identityResolve)
	for _, root := range hostile {
		policy, params := seatbeltPolicy(shape(root), identityResolve)
		if policy != plain {
			t.Errorf("root %q changed the profile text", root)
		}
		if strings.Contains(policy, root) {
			t.Errorf("root %q spliced into the profile", root)
		}
		want := []string{"-DREADABLE_ROOT_0=" + root + "/r", "-DWRITABLE_ROOT_0=" + root, "-DWRITABLE_ROOT_0_RO_0=" + root + "/.git"}
		if !reflect.DeepEqual(params, want) {
			t.Errorf("root %q: params %q, want %q", root, params, want)
		}
		checkSeatbeltOutput(t, policy, params)
	}
}

// TestSeatbeltProtectedCarveOuts feeds protectedSubpaths into the engine, as
// the Codex front-end does, and checks every name is carved out
// (create_seatbelt_args_with_read_only_git_pointer_file and
// ..._block_first_time_dot_codex_creation).
func TestSeatbeltProtectedCarveOuts(t *testing.T) {
	root := t.TempDir()
	real := filepath.Join(root, "..", filepath.Base(root)+"-gitdir")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(real) })
	if err := os.WriteFile(filepath.Join(root, ".git"), []byte("gitdir: "+real+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := Policy{WritableRoots: []WritableRoot{{Path: root, ReadOnly: protectedSubpaths(root)}}}
	policy, params := seatbeltPolicy(p, identityResolve)
	want := []string{
		"-DWRITABLE_ROOT_0=" + root,
		"-DWRITABLE_ROOT_0_RO_0=" + filepath.Join(root, ".git"),
		"-DWRITABLE_ROOT_0_RO_1=" + filepath.Clean(real),
		"-DWRITABLE_ROOT_0_RO_2=" + filepath.Join(root, ".codex"),
		"-DWRITABLE_ROOT_0_RO_3=" + filepath.Join(root, ".agents"),
		"-DWRITABLE_ROOT_0_RO_4=" + filepath.Join(root, ".aws"),
	}
	if !reflect.DeepEqual(params, want) {
		t.Errorf("params:\n got %q\nwant %q", params, want)
	}
	for j := range 5 {
		for _, filter := range []string{"literal", "subpath"} {
			clause := fmt.Sprintf(`(require-not (%s (param "WRITABLE_ROOT_0_RO_%d")))`, filter, j)
			if !strings.Contains(policy, clause) {
				t.Errorf("policy lacks %s", clause)
			}
		}
	}
	checkSeatbeltOutput(t, policy, params)
}

func TestSeatbeltCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/var", "/private/var"},
		{"/var/folders/x/", "/private/var/folders/x"},
		{"/tmp/a/../b", "/private/tmp/b"},
		{"/var/folders/missing/.codex", "/private/var/folders/missing/.codex"},
		{"/work/link/sub", "/work/target/sub"},
		{"/usr/bin", "/usr/bin"},
	}
	for _, tt := range tests {
		if got := seatbeltCanonical(tt.in, fakeMacEval); got != tt.want {
			t.Errorf("seatbeltCanonical(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Nothing resolves at all: the cleaned input comes back.
	never := func(string) (string, error) { return "", os.ErrNotExist }
	if got := seatbeltCanonical("/a/./b/", never); got != "/a/b" {
		t.Errorf("unresolvable path: got %q, want /a/b", got)
	}
	// The real resolver on this machine: a symlinked temp dir resolves.
	dir := t.TempDir()
	if err := os.Symlink(dir, filepath.Join(dir, "self")); err != nil {
		t.Fatal(err)
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := seatbeltCanonical(filepath.Join(dir, "self", "new"), filepath.EvalSymlinks); got != filepath.Join(realDir, "new") {
		t.Errorf("symlink with missing tail: got %q, want %q", got, filepath.Join(realDir, "new"))
	}
}

func TestSeatbeltValidate(t *testing.T) {
	cmd := []string{"true"}
	tests := []struct {
		name string
		p    Policy
		cmd  []string
		ok   bool
	}{
		{"ok", Policy{ReadRoots: []string{"/usr"}, WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{"/w/.git"}}}}, cmd, true},
		{"no command", Policy{}, nil, false},
		{"relative root", Policy{WritableRoots: []WritableRoot{{Path: "w"}}}, cmd, false},
		{"relative read-only", Policy{WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{".git"}}}}, cmd, false},
		{"relative read root", Policy{ReadRoots: []string{"usr"}}, cmd, false},
		{"NUL", Policy{WritableRoots: []WritableRoot{{Path: "/w\x00x"}}}, cmd, false},
		{"full write ignores roots", Policy{FullDiskWrite: true, WritableRoots: []WritableRoot{{Path: "w"}}}, cmd, true},
	}
	for _, tt := range tests {
		if err := seatbeltValidate(tt.p, tt.cmd); (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok = %v", tt.name, err, tt.ok)
		}
	}
}

func TestProtectedSubpaths(t *testing.T) {
	names := func(root string, extra ...string) []string {
		out := []string{filepath.Join(root, ".git")}
		out = append(out, extra...)
		return append(out, filepath.Join(root, ".codex"), filepath.Join(root, ".agents"), filepath.Join(root, ".aws"))
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, root string) (extra []string)
	}{
		{"missing", func(t *testing.T, root string) []string { return nil }},
		{".git dir", func(t *testing.T, root string) []string {
			mkdir(t, filepath.Join(root, ".git"))
			mkdir(t, filepath.Join(root, ".codex"))
			return nil
		}},
		{"gitdir relative", func(t *testing.T, root string) []string {
			mkdir(t, filepath.Join(root, "modules", "sub"))
			writeFile(t, filepath.Join(root, ".git"), "gitdir: modules/sub\n")
			return []string{filepath.Join(root, "modules", "sub")}
		}},
		{"gitdir absolute, no newline, extra space", func(t *testing.T, root string) []string {
			target := filepath.Join(root, "elsewhere", "wt")
			mkdir(t, target)
			writeFile(t, filepath.Join(root, ".git"), "gitdir:   "+target+"/ ")
			return []string{target}
		}},
		{"gitdir missing target", func(t *testing.T, root string) []string {
			writeFile(t, filepath.Join(root, ".git"), "gitdir: nowhere\n")
			return nil
		}},
		{"not a pointer file", func(t *testing.T, root string) []string {
			mkdir(t, filepath.Join(root, "x"))
			writeFile(t, filepath.Join(root, ".git"), "x\ngitdir: x\n")
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			want := names(root, tt.setup(t, root)...)
			if got := protectedSubpaths(root + "/"); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %q\nwant %q", got, want)
			}
		})
	}
}

func mkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkSeatbeltOutput runs the structural checker on a generated profile and
// checks the parameters: each referenced (param) is defined by exactly one
// -D argument and each -D argument is referenced.
func checkSeatbeltOutput(t *testing.T, policy string, params []string) {
	t.Helper()
	used, err := checkSBPL(policy)
	if err != nil {
		t.Fatalf("generated profile: %v\n%s", err, policy)
	}
	defined := map[string]bool{}
	for _, a := range params {
		kv, ok := strings.CutPrefix(a, "-D")
		key, _, ok2 := strings.Cut(kv, "=")
		if !ok || !ok2 || !sbplParamName.MatchString(key) {
			t.Errorf("malformed parameter argument %q", a)
			continue
		}
		if defined[key] {
			t.Errorf("parameter %s defined twice", key)
		}
		defined[key] = true
	}
	for key := range used {
		if !defined[key] {
			t.Errorf("profile uses undefined parameter %s", key)
		}
	}
	for key := range defined {
		if !used[key] {
			t.Errorf("parameter %s is never used", key)
		}
	}
}

// The structural SBPL checker. It parses the Scheme subset sandbox-exec
// accepts (lists, symbols, "strings", #"regex" literals, ; comments) and
// allows only the forms this project emits, so a typo in an operation or
// filter name, an unbalanced parenthesis or a path that leaked into the text
// as a bare string fails here instead of on a Mac.

type sbplNode struct {
	kind  byte // '(' list, 's' string, 'r' regex, 'a' atom
	text  string
	items []sbplNode
}

var (
	sbplParamName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

	sbplOperations = map[string]bool{
		"default": true, "file-read*": true, "file-read-data": true, "file-read-metadata": true,
		"file-write*": true, "file-write-data": true, "file-write-unlink": true, "file-ioctl": true,
		"process-exec": true, "process-fork": true, "process-info*": true, "signal": true,
		"sysctl-read": true, "sysctl-write": true, "iokit-open": true, "mach-lookup": true,
		"ipc-posix-sem": true, "ipc-posix-shm-read-data": true, "ipc-posix-shm-read*": true,
		"ipc-posix-shm-write-create": true, "ipc-posix-shm-write-unlink": true,
		"pseudo-tty": true, "user-preference-read": true,
		"network-outbound": true, "network-inbound": true, "network-bind": true, "system-socket": true,
	}
	// sbplStringFilters take one or more plain strings.
	sbplStringFilters = map[string]bool{
		"sysctl-name": true, "sysctl-name-prefix": true, "global-name": true, "local-name": true,
		"iokit-registry-entry-class": true, "ipc-posix-name-prefix": true, "extension": true,
	}
	// sbplAtomFilters take one symbol or number.
	sbplAtomFilters = map[string]bool{
		"vnode-type": true, "target": true, "socket-domain": true, "socket-protocol": true,
	}
	sbplRegexFilters = map[string]bool{
		"regex": true, "sysctl-name-regex": true, "ipc-posix-name-regex": true,
	}
	// sbplPathFilters take one absolute path string or (param "NAME").
	sbplPathFilters = map[string]bool{"subpath": true, "literal": true, "path": true}
)

// checkSBPL parses and validates a profile and returns the names of the
// parameters it references.
func checkSBPL(src string) (map[string]bool, error) {
	forms, err := parseSBPL(src)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	if len(forms) == 0 || forms[0].kind != '(' || len(forms[0].items) != 2 ||
		forms[0].items[0].text != "version" || forms[0].items[1].text != "1" {
		return nil, errors.New("profile must start with (version 1)")
	}
	for _, f := range forms[1:] {
		if f.kind != '(' || len(f.items) == 0 || f.items[0].kind != 'a' {
			return nil, fmt.Errorf("top-level %q is not a rule", f.text)
		}
		switch head := f.items[0].text; head {
		case "allow", "deny":
			args := f.items[1:]
			n := 0
			for n < len(args) && args[n].kind == 'a' {
				if !sbplOperations[args[n].text] {
					return nil, fmt.Errorf("unknown operation %q", args[n].text)
				}
				n++
			}
			if n == 0 {
				return nil, fmt.Errorf("(%s) without an operation", head)
			}
			for _, filter := range args[n:] {
				if err := checkSBPLFilter(filter, used); err != nil {
					return nil, err
				}
			}
		default:
			return nil, fmt.Errorf("unknown top-level form %q", head)
		}
	}
	return used, nil
}

func checkSBPLFilter(f sbplNode, used map[string]bool) error {
	if f.kind != '(' || len(f.items) == 0 || f.items[0].kind != 'a' {
		return fmt.Errorf("filter expected, got %q", f.text)
	}
	name, args := f.items[0].text, f.items[1:]
	if len(args) == 0 {
		return fmt.Errorf("(%s) without arguments", name)
	}
	switch {
	case name == "require-all" || name == "require-any" || name == "require-not":
		if name == "require-not" && len(args) != 1 {
			return errors.New("require-not takes exactly one filter")
		}
		for _, a := range args {
			if err := checkSBPLFilter(a, used); err != nil {
				return err
			}
		}
	case sbplPathFilters[name]:
		if len(args) != 1 {
			return fmt.Errorf("(%s) takes one path", name)
		}
		a := args[0]
		switch {
		case a.kind == 's' && strings.HasPrefix(a.text, "/"):
		case a.kind == '(' && len(a.items) == 2 && a.items[0].text == "param" && a.items[1].kind == 's' &&
			sbplParamName.MatchString(a.items[1].text):
			used[a.items[1].text] = true
		default:
			return fmt.Errorf("(%s) needs an absolute path or (param \"NAME\")", name)
		}
	case sbplStringFilters[name]:
		for _, a := range args {
			if a.kind != 's' {
				return fmt.Errorf("(%s) takes strings", name)
			}
		}
	case sbplAtomFilters[name]:
		if len(args) != 1 || args[0].kind != 'a' {
			return fmt.Errorf("(%s) takes one symbol", name)
		}
	case sbplRegexFilters[name]:
		if len(args) != 1 || args[0].kind != 'r' {
			return fmt.Errorf("(%s) takes one #\"regex\"", name)
		}
		if _, err := regexp.Compile(args[0].text); err != nil {
			return fmt.Errorf("(%s): %v", name, err)
		}
	default:
		return fmt.Errorf("unknown filter %q", name)
	}
	return nil
}

// parseSBPL tokenises and parses src into its top-level forms.
func parseSBPL(src string) ([]sbplNode, error) {
	var stack [][]sbplNode
	var cur []sbplNode
	line := 1
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t':
			i++
		case c == ';':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '(':
			stack = append(stack, cur)
			cur = nil
			i++
		case c == ')':
			if len(stack) == 0 {
				return nil, fmt.Errorf("line %d: unbalanced ')'", line)
			}
			list := sbplNode{kind: '(', items: cur}
			if len(cur) > 0 {
				list.text = cur[0].text
			}
			cur = append(stack[len(stack)-1], list)
			stack = stack[:len(stack)-1]
			i++
		case c == '"' || (c == '#' && i+1 < len(src) && src[i+1] == '"'):
			kind := byte('s')
			if c == '#' {
				kind = 'r'
				i++
			}
			i++
			var sb strings.Builder
			for {
				if i >= len(src) || src[i] == '\n' {
					return nil, fmt.Errorf("line %d: unterminated string", line)
				}
				if src[i] == '"' {
					i++
					break
				}
				if src[i] == '\\' && kind == 's' {
					// Plain strings: only \" and \\ are used; a path
					// never reaches here, so anything else is an error.
					if i+1 >= len(src) || (src[i+1] != '"' && src[i+1] != '\\') {
						return nil, fmt.Errorf("line %d: bad escape in string", line)
					}
					i++
				}
				sb.WriteByte(src[i])
				i++
			}
			cur = append(cur, sbplNode{kind: kind, text: sb.String()})
		case isSBPLAtomByte(c):
			j := i
			for j < len(src) && isSBPLAtomByte(src[j]) {
				j++
			}
			cur = append(cur, sbplNode{kind: 'a', text: src[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("line %d: unexpected character %q", line, c)
		}
	}
	if len(stack) != 0 {
		return nil, fmt.Errorf("%d unclosed '('", len(stack))
	}
	return cur, nil
}

func isSBPLAtomByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '*' || c == '.'
}

// TestSBPLChecker proves the checker can fail: each bad sample must be
// rejected, each good one accepted.
func TestSBPLChecker(t *testing.T) {
	const v = "(version 1)\n"
	good := []string{
		v + "(deny default)",
		v + `(allow file-write* (require-all (subpath (param "A_1")) (require-not (literal "/x"))))`,
		v + `(allow file-read* file-write* (regex #"^/dev/ttys[0-9]+"))` + " ; comment ( \"",
		v + `(allow sysctl-read (sysctl-name "a" "b") (sysctl-name-prefix "c."))`,
		v + `(allow mach-lookup (global-name "a\"b"))`,
	}
	bad := map[string]string{
		"no version":             "(deny default)",
		"wrong version":          "(version 2)\n(deny default)",
		"unclosed":               v + "(allow file-read*",
		"extra close":            v + "(allow file-read*))",
		"unterminated string":    v + `(allow mach-lookup (global-name "abc))`,
		"string across lines":    v + "(allow mach-lookup (global-name \"a\nb\"))",
		"unterminated regex":     v + `(allow file-read* (regex #"^/x))`,
		"bad regex":              v + `(allow file-read* (regex #"^/x("))`,
		"unknown operation":      v + "(allow file-read-everything)",
		"unknown filter":         v + `(allow file-read* (subdir "/x"))`,
		"unknown top-level":      v + "(define x 1)",
		"no operation":           v + `(allow (subpath "/x"))`,
		"relative path":          v + `(allow file-read* (subpath "x"))`,
		"param without string":   v + "(allow file-read* (subpath (param X)))",
		"lowercase param":        v + `(allow file-read* (subpath (param "x")))`,
		"require-not two":        v + `(allow file-read* (require-not (literal "/a") (literal "/b")))`,
		"empty filter":           v + "(allow file-read* (require-all))",
		"regex filter as string": v + `(allow file-read* (regex "^/"))`,
		"bad escape":             v + `(allow mach-lookup (global-name "a\n"))`,
		"stray character":        v + "(allow file-read*) '",
	}
	for _, src := range good {
		if _, err := checkSBPL(src); err != nil {
			t.Errorf("rejected good sample %q: %v", src, err)
		}
	}
	for name, src := range bad {
		if _, err := checkSBPL(src); err == nil {
			t.Errorf("%s: accepted bad sample %q", name, src)
		}
	}
	used, err := checkSBPL(v + `(allow file-read* (subpath (param "P_0")) (literal (param "Q")))`)
	if err != nil || !used["P_0"] || !used["Q"] || len(used) != 2 {
		t.Errorf("params used = %v, %v; want P_0 and Q", used, err)
	}
}
