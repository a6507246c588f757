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
// and /etc are symlinks into /private, and /work/link and /work/w/link
// point at /work/target. Every path "exists" except those containing "missing".
func fakeMacEval(path string) (string, error) {
	if strings.Contains(path, "missing") {
		return "", os.ErrNotExist
	}
	for _, dir := range []string{"/var", "/tmp", "/etc"} {
		if path == dir || strings.HasPrefix(path, dir+"/") {
			return "/private" + path, nil
		}
	}
	for link, target := range map[string]string{"/work/link": "/work/target", "/work/w/link": "/work/target"} {
		if path == link || strings.HasPrefix(path, link+"/") {
			return target + strings.TrimPrefix(path, link), nil
		}
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

// mustSeatbeltPolicy is seatbeltPolicy for a policy that must be accepted.
func mustSeatbeltPolicy(t *testing.T, p Policy, resolve func(string) string) (string, []string) {
	t.Helper()
	policy, params, err := seatbeltPolicy(p, resolve)
	if err != nil {
		t.Fatalf("seatbeltPolicy(%+v): %v", p, err)
	}
	return policy, params
}

// roClauses is the require-not triple of one island form: literal, subpath
// and the case-insensitive regex anchored at anchor (a (param ...)
// expression, or "" for "/").
func roClauses(key, anchor string) string {
	re := `(regex (string-append "^" (regex-quote ` + anchor + `) "/" (param "` + key + `_FOLD") "(/.*)?$"))`
	if anchor == "" {
		re = `(regex (string-append "^/" (param "` + key + `_FOLD") "(/.*)?$"))`
	}
	return ` (require-not (literal (param "` + key + `"))) (require-not (subpath (param "` + key + `"))) (require-not ` + re + `)`
}

// TestSeatbeltPolicyGolden pins the -D parameters, their order and the write
// section, reproducing upstream's argv unit tests (spec 10.3 and 10.5) with
// this program's case-insensitive match of every island.
func TestSeatbeltPolicyGolden(t *testing.T) {
	root0 := `(param "WRITABLE_ROOT_0")`
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
			p:     Policy{FullDiskWrite: true, WritableRoots: []WritableRoot{{Path: "/ignored", ReadOnly: []string{"/ignored/.git"}}}},
			write: "",
		},
		{
			// create_seatbelt_args_with_read_only_git_and_codex_subpaths:
			// a root with .git and .codex, an empty root and the cwd.
			name: "git and codex islands, canonicalised",
			p: Policy{WritableRoots: []WritableRoot{
				{Path: "/var/folders/t/vr", ReadOnly: []string{"/var/folders/t/vr/.git", "/var/folders/t/vr/.codex"}},
				{Path: "/var/folders/t/empty"},
				{Path: "/tmp/cwd"},
			}},
			write: `(require-all (subpath (param "WRITABLE_ROOT_0"))` +
				roClauses("WRITABLE_ROOT_0_RO_0", root0) + roClauses("WRITABLE_ROOT_0_RO_1", root0) + ` )` +
				` (subpath (param "WRITABLE_ROOT_1")) (subpath (param "WRITABLE_ROOT_2"))`,
			params: []string{
				"-DWRITABLE_ROOT_0=/private/var/folders/t/vr",
				"-DWRITABLE_ROOT_0_RO_0=/private/var/folders/t/vr/.git",
				`-DWRITABLE_ROOT_0_RO_0_FOLD=\.[Gg][Ii][Tt]`,
				"-DWRITABLE_ROOT_0_RO_1=/private/var/folders/t/vr/.codex",
				`-DWRITABLE_ROOT_0_RO_1_FOLD=\.[Cc][Oo][Dd][Ee][Xx]`,
				"-DWRITABLE_ROOT_1=/private/var/folders/t/empty",
				"-DWRITABLE_ROOT_2=/private/tmp/cwd",
			},
		},
		{
			// An island that does not exist yet keeps its tail on top of
			// the canonical parent, so first-time creation is still denied,
			// in any case of every component below the root.
			name: "missing island under /var",
			p: Policy{WritableRoots: []WritableRoot{
				{Path: "/var/repo", ReadOnly: []string{"/var/repo/missing/.codex"}},
			}},
			write: `(require-all (subpath (param "WRITABLE_ROOT_0"))` + roClauses("WRITABLE_ROOT_0_RO_0", root0) + ` )`,
			params: []string{
				"-DWRITABLE_ROOT_0=/private/var/repo",
				"-DWRITABLE_ROOT_0_RO_0=/private/var/repo/missing/.codex",
				`-DWRITABLE_ROOT_0_RO_0_FOLD=[Mm][Ii][Ss][Ss][Ii][Nn][Gg]/\.[Cc][Oo][Dd][Ee][Xx]`,
			},
		},
		{
			// An island that is a symlink is denied both as the link and
			// as its target; the target lies outside the root, so its
			// last component is folded from its parent.
			name: "symlinked island",
			p: Policy{WritableRoots: []WritableRoot{
				{Path: "/work/w", ReadOnly: []string{"/work/w/link"}},
			}},
			write: `(require-all (subpath (param "WRITABLE_ROOT_0"))` + roClauses("WRITABLE_ROOT_0_RO_0", root0) +
				roClauses("WRITABLE_ROOT_0_RO_1", `(param "WRITABLE_ROOT_0_RO_1_DIR")`) + ` )`,
			params: []string{
				"-DWRITABLE_ROOT_0=/work/w",
				"-DWRITABLE_ROOT_0_RO_0=/work/w/link",
				"-DWRITABLE_ROOT_0_RO_0_FOLD=[Ll][Ii][Nn][Kk]",
				"-DWRITABLE_ROOT_0_RO_1_DIR=/work",
				"-DWRITABLE_ROOT_0_RO_1=/work/target",
				"-DWRITABLE_ROOT_0_RO_1_FOLD=[Tt][Aa][Rr][Gg][Ee][Tt]",
			},
		},
		{
			// The writable root "/": the regex is anchored at "^/".
			name:  "island under the root directory",
			p:     Policy{WritableRoots: []WritableRoot{{Path: "/", ReadOnly: []string{"/.codex"}}}},
			write: `(require-all (subpath (param "WRITABLE_ROOT_0"))` + roClauses("WRITABLE_ROOT_0_RO_0", "") + ` )`,
			params: []string{
				"-DWRITABLE_ROOT_0=/",
				"-DWRITABLE_ROOT_0_RO_0=/.codex",
				`-DWRITABLE_ROOT_0_RO_0_FOLD=\.[Cc][Oo][Dd][Ee][Xx]`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			policy, params := mustSeatbeltPolicy(t, tt.p, fakeMacResolve)
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
			if !strings.Contains(policy, "\n(allow file-read*)\n") {
				t.Errorf("(allow file-read*) missing")
			}
			if !strings.HasSuffix(policy, "\n") {
				t.Errorf("policy does not end with a newline")
			}
			checkSeatbeltOutput(t, policy, params)
		})
	}
}

// TestSeatbeltHiddenGolden pins the sections a hidden path adds: it is
// taken out of the read allow, out of the write allow of every root that
// meets it (and of a full-disk write), and denied at the end.
func TestSeatbeltHiddenGolden(t *testing.T) {
	hidden := func(k int) string {
		key := `HIDDEN_` + fmt.Sprint(k)
		return roClauses(key, `(param "`+key+`_DIR")`)
	}
	denyOf := func(k int) string {
		key := `HIDDEN_` + fmt.Sprint(k)
		return `(literal (param "` + key + `")) (subpath (param "` + key + `")) (regex (string-append "^" (regex-quote (param "` + key +
			`_DIR")) "/" (param "` + key + `_FOLD") "(/.*)?$"))`
	}
	p := Policy{
		Hidden: []string{"/home/u/.ssh", "/src/secrets"},
		WritableRoots: []WritableRoot{
			{Path: "/src", ReadOnly: []string{"/src/.git"}},
			{Path: "/out"},
			{Path: "/home"},
		},
	}
	policy, params := mustSeatbeltPolicy(t, p, identityResolve)
	wantParams := []string{
		"-DHIDDEN_0_DIR=/home/u", "-DHIDDEN_0=/home/u/.ssh", `-DHIDDEN_0_FOLD=\.[Ss][Ss][Hh]`,
		"-DHIDDEN_1_DIR=/src", "-DHIDDEN_1=/src/secrets", "-DHIDDEN_1_FOLD=[Ss][Ee][Cc][Rr][Ee][Tt][Ss]",
		"-DWRITABLE_ROOT_0=/src", "-DWRITABLE_ROOT_0_RO_0=/src/.git", `-DWRITABLE_ROOT_0_RO_0_FOLD=\.[Gg][Ii][Tt]`,
		"-DWRITABLE_ROOT_1=/out",
		"-DWRITABLE_ROOT_2=/home",
	}
	if !reflect.DeepEqual(params, wantParams) {
		t.Errorf("params:\n got %q\nwant %q", params, wantParams)
	}
	wantRead := "(allow file-read*\n(require-all (subpath \"/\")" + hidden(0) + hidden(1) + " )\n)\n"
	if !strings.Contains(policy, wantRead) {
		t.Errorf("policy lacks read section %q", wantRead)
	}
	if strings.Contains(policy, "\n(allow file-read*)\n") {
		t.Errorf("policy still allows every read")
	}
	wantWrite := `(require-all (subpath (param "WRITABLE_ROOT_0"))` + roClauses("WRITABLE_ROOT_0_RO_0", `(param "WRITABLE_ROOT_0")`) + hidden(1) + ` )` +
		` (subpath (param "WRITABLE_ROOT_1"))` +
		` (require-all (subpath (param "WRITABLE_ROOT_2"))` + hidden(0) + ` )`
	if got := writeSection(t, policy); got != wantWrite {
		t.Errorf("write section:\n got %s\nwant %s", got, wantWrite)
	}
	wantDeny := "\n(deny file-read* file-write* process-exec\n" + denyOf(0) + " " + denyOf(1) + "\n)\n"
	if !strings.HasSuffix(policy, wantDeny) {
		t.Errorf("policy does not end with the hidden deny %q", wantDeny)
	}
	checkSeatbeltOutput(t, policy, params)

	// Full-disk write: the write allow is the root minus the hidden paths.
	policy, params = mustSeatbeltPolicy(t, Policy{FullDiskWrite: true, Hidden: []string{"/home/u/.ssh"}}, identityResolve)
	if want := "(allow file-write*\n(require-all (subpath \"/\")" + hidden(0) + " )\n)\n"; !strings.Contains(policy, want) {
		t.Errorf("full-disk write with a hidden path lacks %q", want)
	}
	if strings.Contains(policy, `(regex #"^/")`) {
		t.Errorf("full-disk write with a hidden path still allows every write")
	}
	checkSeatbeltOutput(t, policy, params)

	// A symlinked hidden path is hidden as the link and as its target.
	_, params = mustSeatbeltPolicy(t, Policy{Hidden: []string{"/work/link"}}, fakeMacResolve)
	want := []string{"-DHIDDEN_0_DIR=/work", "-DHIDDEN_0=/work/link", "-DHIDDEN_0_FOLD=[Ll][Ii][Nn][Kk]",
		"-DHIDDEN_1_DIR=/work", "-DHIDDEN_1=/work/target", "-DHIDDEN_1_FOLD=[Tt][Aa][Rr][Gg][Ee][Tt]"}
	if !reflect.DeepEqual(params, want) {
		t.Errorf("symlinked hidden path: params %q, want %q", params, want)
	}
}

// TestSeatbeltSemantics evaluates generated profiles with a model of
// Seatbelt's documented semantics (sbplDecide: (deny default), the last
// matching rule wins, filters of a rule are alternatives, regex is an
// extended regular expression) and checks what a command may do, case
// variants included, as the Codex front-end builds a workspace root and as
// the generic --read-only and --hide flags do.
func TestSeatbeltSemantics(t *testing.T) {
	ws := "/Users/u/proj"
	var islands []string
	for _, name := range protectedMetadataNames {
		islands = append(islands, ws+"/"+name)
	}
	islands = append(islands, ws+"/docs/missing-spec")
	p := Policy{
		WritableRoots: []WritableRoot{{Path: ws, ReadOnly: islands}, {Path: "/private/tmp"}},
		Hidden:        []string{"/Users/u/.ssh", ws + "/.env", "/dev/ptmx"},
	}
	policy, params := mustSeatbeltPolicy(t, p, identityResolve)
	checkSeatbeltOutput(t, policy, params)
	tests := []struct {
		op, path string
		allow    bool
	}{
		// Writes in the root, and their control outside it.
		{"file-write-create", ws + "/main.go", true},
		{"file-write-data", ws + "/sub/dir/x", true},
		{"file-write-create", "/private/tmp/x", true},
		{"file-write-create", "/Users/u/other", false},
		{"file-write-data", "/dev/null", false}, // the base allows it only for the character device, not modelled
		// Every protected name, existing or not, in any case, and beneath.
		{"file-write-create", ws + "/.git", false},
		{"file-write-create", ws + "/.GIT", false},
		{"file-write-create", ws + "/.Git/hooks/pre-commit", false},
		{"file-write-data", ws + "/.git/config", false},
		{"file-write-create", ws + "/.CODEX/config.toml", false},
		{"file-write-create", ws + "/.Agents", false},
		{"file-write-create", ws + "/.AWS/credentials", false},
		{"file-write-unlink", ws + "/.aws", false},
		// Names that only start like one stay writable, as do nested ones.
		{"file-write-create", ws + "/.gitignore", true},
		{"file-write-create", ws + "/.github/workflows/ci.yml", true},
		{"file-write-create", ws + "/x.git", true},
		{"file-write-create", ws + "/sub/.git/config", true},
		// A missing island deeper down, in any case of each component.
		{"file-write-create", ws + "/docs/missing-spec", false},
		{"file-write-create", ws + "/DOCS/Missing-Spec/x", false},
		{"file-write-create", ws + "/docs/missing-spec2", true},
		{"file-write-create", ws + "/docs/missing_spec", true},
		// Islands stay readable.
		{"file-read-data", ws + "/.git/config", true},
		// Hidden paths: no read, no write, no exec, in any case of the
		// last component; their siblings are untouched.
		{"file-read-data", "/Users/u/.ssh/id_ed25519", false},
		{"file-read-metadata", "/Users/u/.ssh", false},
		{"file-read-data", "/Users/u/.SSH/id_ed25519", false},
		{"file-read-data", "/Users/u/.sshx", true},
		{"file-read-data", "/Users/u/notes", true},
		{"file-read-data", ws + "/.env", false},
		{"file-write-data", ws + "/.env", false},
		{"file-write-create", ws + "/.ENV", false},
		{"file-read-data", ws + "/.envrc", true},
		{"process-exec", ws + "/.env/run", false},
		{"process-exec", "/bin/ls", true},
		// A hidden path wins over the base policy's own allows.
		{"file-read-data", "/dev/ptmx", false},
		{"file-read-data", "/dev/null", true},
	}
	for _, tt := range tests {
		if got := sbplDecide(t, policy, params, tt.op, tt.path); got != tt.allow {
			t.Errorf("%s %s: allowed = %v, want %v", tt.op, tt.path, got, tt.allow)
		}
	}

	// Network off by default, on with Network.
	if sbplDecide(t, policy, params, "network-outbound", "") {
		t.Errorf("network-outbound allowed without Network")
	}
	policy, params = mustSeatbeltPolicy(t, Policy{Network: true}, identityResolve)
	if !sbplDecide(t, policy, params, "network-outbound", "") {
		t.Errorf("network-outbound denied with Network")
	}
}

// TestSeatbeltFold pins the case-insensitive regex of a relative path and
// checks it against Go's regexp, whose syntax agrees with POSIX ERE on
// everything seatbeltFold emits.
func TestSeatbeltFold(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{".git", `\.[Gg][Ii][Tt]`},
		{"A-b_9/c d", `[Aa]-[Bb]_9/[Cc] [Dd]`},
		{`x.[]()*+?{}|^$\`, `[Xx]\.\[\]\(\)\*\+\?\{\}\|\^\$\\`},
		{`"';#&~%@=,!`, `"';#&~%@=,!`},
	} {
		got, err := seatbeltFold(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("seatbeltFold(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			continue
		}
		re := regexp.MustCompile("^" + got + "$")
		for _, variant := range []string{tt.in, strings.ToUpper(tt.in), strings.ToLower(tt.in)} {
			if !re.MatchString(variant) {
				t.Errorf("regex %q does not match %q", got, variant)
			}
		}
	}
	for _, bad := range []string{"caf\u00e9", "a\nb", "a\x7fb", "\xff"} {
		if _, err := seatbeltFold(bad); err == nil {
			t.Errorf("seatbeltFold(%q) accepted a name it cannot fold", bad)
		}
	}
	// The engine refuses such an island or hidden path (exit 125) rather
	// than protect only one of its spellings.
	for _, p := range []Policy{
		{WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{"/w/donn\u00e9es"}}}},
		{Hidden: []string{"/Users/u/Priv\u00e9"}},
	} {
		if _, _, err := seatbeltPolicy(p, identityResolve); err == nil || !strings.Contains(err.Error(), "case-insensitively") {
			t.Errorf("%+v: err = %v, want a refusal", p, err)
		}
	}
	// A non-ASCII root or parent is fine: it is matched through regex-quote.
	if _, _, err := seatbeltPolicy(Policy{WritableRoots: []WritableRoot{{Path: "/Users/Jos\u00e9/p", ReadOnly: []string{"/Users/Jos\u00e9/p/.git"}}},
		Hidden: []string{"/Users/Jos\u00e9/.ssh"}}, identityResolve); err != nil {
		t.Errorf("non-ASCII root: %v", err)
	}
}

// TestSeatbeltRestrictedReadRefused: restricted reads are refused on macOS
// until their platform defaults can be proven; nothing reaches a profile.
func TestSeatbeltRestrictedReadRefused(t *testing.T) {
	for _, rr := range [][]string{{}, {"/usr"}} {
		p := Policy{ReadRoots: rr, WritableRoots: []WritableRoot{{Path: "/src"}}}
		policy, params, err := seatbeltPolicy(p, identityResolve)
		if err == nil || !strings.Contains(err.Error(), "restricted read access is not supported on macOS") || policy != "" || params != nil {
			t.Errorf("ReadRoots %q: got %q, %q, %v; want a refusal", rr, policy, params, err)
		}
		if strings.ContainsAny(err.Error(), "\n") {
			t.Errorf("refusal is not one line: %q", err)
		}
	}
}

// TestSeatbeltNetwork: network rules appear only when the policy grants the
// network (dynamic_network_policy_allows_tls_without_darwin_user_cache_write).
func TestSeatbeltNetwork(t *testing.T) {
	markers := []string{"(allow network-outbound)", "(allow network-inbound)", "(allow network-bind)", "com.apple.trustd.agent", "AF_SYSTEM"}
	for _, network := range []bool{false, true} {
		policy, params := mustSeatbeltPolicy(t, Policy{Network: network}, identityResolve)
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
	// Upstream's base lets /bin/ps run unsandboxed (process-exec with
	// no-sandbox, for Homebrew's shellenv); this one does not, on purpose.
	for _, bad := range []string{"user-preference-write", "(allow default)", "(allow file-read*)", "(allow file-write*", "param", "no-sandbox", "/bin/ps"} {
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
	argv, err := seatbeltArgv(p, fakeMacResolve, cmd)
	if err != nil {
		t.Fatal(err)
	}
	policy, _ := mustSeatbeltPolicy(t, p, fakeMacResolve)
	want := []string{"/usr/bin/sandbox-exec", "-p", policy,
		"-DWRITABLE_ROOT_0=/private/tmp/a", "-DWRITABLE_ROOT_1=/private/tmp/b",
		"--", "-p", "--", "(deny default)", "-Dx=y"}
	if !reflect.DeepEqual(argv, want) {
		t.Errorf("argv:\n got %q\nwant %q", argv, want)
	}
	if !filepath.IsAbs(argv[0]) {
		t.Errorf("argv[0] %q is not absolute", argv[0])
	}
	if _, err := seatbeltArgv(Policy{ReadRoots: []string{}}, fakeMacResolve, cmd); err == nil {
		t.Errorf("argv built for a refused policy")
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
		`/tmp/.*`,
	}
	shape := func(root string) Policy {
		return Policy{
			Hidden:        []string{root + "/h"},
			WritableRoots: []WritableRoot{{Path: root, ReadOnly: []string{root + "/.git"}}},
		}
	}
	plain, _ := mustSeatbeltPolicy(t, shape("/tmp/plain"), identityResolve)
	for _, root := range hostile {
		policy, params := mustSeatbeltPolicy(t, shape(root), identityResolve)
		if policy != plain {
			t.Errorf("root %q changed the profile text", root)
		}
		if strings.Contains(policy, root) {
			t.Errorf("root %q spliced into the profile", root)
		}
		want := []string{"-DHIDDEN_0_DIR=" + root, "-DHIDDEN_0=" + root + "/h", "-DHIDDEN_0_FOLD=[Hh]",
			"-DWRITABLE_ROOT_0=" + root, "-DWRITABLE_ROOT_0_RO_0=" + root + "/.git", `-DWRITABLE_ROOT_0_RO_0_FOLD=\.[Gg][Ii][Tt]`}
		if !reflect.DeepEqual(params, want) {
			t.Errorf("root %q: params %q, want %q", root, params, want)
		}
		checkSeatbeltOutput(t, policy, params)
		// The regex-quote'd anchor keeps the root's metacharacters
		// literal: the island is denied, a look-alike is not.
		if sbplDecide(t, policy, params, "file-write-create", root+"/.GIT") {
			t.Errorf("root %q: .GIT writable", root)
		}
		if !sbplDecide(t, policy, params, "file-write-create", root+"/x") {
			t.Errorf("root %q: root not writable", root)
		}
	}
}

// TestSeatbeltProtectedIslands feeds protectedSubpaths into the engine, as
// the Codex front-end does, and checks every name is taken out
// (create_seatbelt_args_with_read_only_git_pointer_file and
// ..._block_first_time_dot_codex_creation).
func TestSeatbeltProtectedIslands(t *testing.T) {
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
	policy, params := mustSeatbeltPolicy(t, p, identityResolve)
	realClean := filepath.Clean(real)
	want := []string{
		"-DWRITABLE_ROOT_0=" + root,
		"-DWRITABLE_ROOT_0_RO_0=" + filepath.Join(root, ".git"), `-DWRITABLE_ROOT_0_RO_0_FOLD=\.[Gg][Ii][Tt]`,
		"-DWRITABLE_ROOT_0_RO_1_DIR=" + filepath.Dir(realClean), "-DWRITABLE_ROOT_0_RO_1=" + realClean,
	}
	fold, err := seatbeltFold(filepath.Base(realClean))
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, "-DWRITABLE_ROOT_0_RO_1_FOLD="+fold)
	for j, name := range protectedMetadataNames[1:] {
		key := fmt.Sprintf("-DWRITABLE_ROOT_0_RO_%d", j+2)
		f, _ := seatbeltFold(name)
		want = append(want, key+"="+filepath.Join(root, name), key+"_FOLD="+f)
	}
	if !reflect.DeepEqual(params, want) {
		t.Errorf("params:\n got %q\nwant %q", params, want)
	}
	for j := range len(protectedMetadataNames) + 1 {
		for _, filter := range []string{"literal", "subpath"} {
			clause := fmt.Sprintf(`(require-not (%s (param "WRITABLE_ROOT_0_RO_%d")))`, filter, j)
			if !strings.Contains(policy, clause) {
				t.Errorf("policy lacks %s", clause)
			}
		}
		if clause := fmt.Sprintf(`(param "WRITABLE_ROOT_0_RO_%d_FOLD") "(/.*)?$"))`, j); !strings.Contains(policy, clause) {
			t.Errorf("policy lacks %s", clause)
		}
	}
	checkSeatbeltOutput(t, policy, params)
	for _, name := range protectedMetadataNames {
		if sbplDecide(t, policy, params, "file-write-create", filepath.Join(root, strings.ToUpper(name), "x")) {
			t.Errorf("%s writable as %s", name, strings.ToUpper(name))
		}
	}
	if sbplDecide(t, policy, params, "file-write-data", filepath.Join(realClean, "config")) {
		t.Errorf("gitdir target writable")
	}
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
	tests := []struct {
		name string
		p    Policy
		ok   bool
	}{
		{"ok", Policy{Hidden: []string{"/h"}, WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{"/w/.git"}}}}, true},
		{"relative root", Policy{WritableRoots: []WritableRoot{{Path: "w"}}}, false},
		{"relative read-only", Policy{WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{".git"}}}}, false},
		{"relative hidden", Policy{Hidden: []string{"h"}}, false},
		{"hidden with NUL", Policy{Hidden: []string{"/h\x00"}}, false},
		{"restricted reads", Policy{ReadRoots: []string{"/usr"}}, false},
		{"NUL", Policy{WritableRoots: []WritableRoot{{Path: "/w\x00x"}}}, false},
		{"full write ignores roots", Policy{FullDiskWrite: true, WritableRoots: []WritableRoot{{Path: "w"}}}, true},
	}
	for _, tt := range tests {
		if err := seatbeltValidate(tt.p); (err == nil) != tt.ok {
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
		case isSBPLParam(a):
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
	case name == "regex" && len(args) == 1 && args[0].kind == '(':
		// (regex (string-append "^" (regex-quote (param "A")) "/" (param "B") "..."))
		a := args[0]
		if len(a.items) < 2 || a.items[0].text != "string-append" {
			return fmt.Errorf("(regex) takes a #\"regex\" or (string-append ...), got %q", a.text)
		}
		for _, part := range a.items[1:] {
			if part.kind == '(' && len(part.items) == 2 && part.items[0].text == "regex-quote" {
				part = part.items[1]
			}
			switch {
			case part.kind == 's':
			case isSBPLParam(part):
				used[part.items[1].text] = true
			default:
				return fmt.Errorf("(string-append) takes strings, (param \"NAME\") and (regex-quote (param \"NAME\")), got %q", part.text)
			}
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

func isSBPLParam(n sbplNode) bool {
	return n.kind == '(' && len(n.items) == 2 && n.items[0].text == "param" && n.items[1].kind == 's' &&
		sbplParamName.MatchString(n.items[1].text)
}

// sbplDecide models how Seatbelt decides op on path under a checked
// profile, from its documented semantics: (deny default) first, then every
// rule in order, the last one that matches deciding; a rule's operations
// match op exactly or by their "*" prefix; its filters are alternatives
// (none means any); subpath is the path and everything beneath, literal
// the path itself; regex an extended regular expression, unanchored. A
// filter on anything but the path (vnode-type, extension, target, names)
// never matches, so the model only under-allows.
func sbplDecide(t *testing.T, policy string, params []string, op, path string) bool {
	t.Helper()
	forms, err := parseSBPL(policy)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	for _, a := range params {
		k, v, _ := strings.Cut(strings.TrimPrefix(a, "-D"), "=")
		values[k] = v
	}
	var value func(n sbplNode) string
	value = func(n sbplNode) string {
		switch {
		case n.kind == 's' || n.kind == 'r':
			return n.text
		case isSBPLParam(n):
			v, ok := values[n.items[1].text]
			if !ok {
				t.Fatalf("undefined parameter %s", n.items[1].text)
			}
			return v
		case n.kind == '(' && n.text == "regex-quote":
			return regexp.QuoteMeta(value(n.items[1]))
		case n.kind == '(' && n.text == "string-append":
			var sb strings.Builder
			for _, part := range n.items[1:] {
				sb.WriteString(value(part))
			}
			return sb.String()
		}
		t.Fatalf("cannot evaluate %q", n.text)
		return ""
	}
	var match func(f sbplNode) bool
	match = func(f sbplNode) bool {
		args := f.items[1:]
		switch f.text {
		case "require-all":
			for _, a := range args {
				if !match(a) {
					return false
				}
			}
			return true
		case "require-any":
			for _, a := range args {
				if match(a) {
					return true
				}
			}
			return false
		case "require-not":
			return !match(args[0])
		case "literal", "path":
			return path != "" && path == value(args[0])
		case "subpath":
			v := value(args[0])
			return path != "" && (v == "/" || path == v || strings.HasPrefix(path, v+"/"))
		case "regex":
			return path != "" && regexp.MustCompile(value(args[0])).MatchString(path)
		}
		return false
	}
	if len(forms) < 2 || forms[1].text != "deny" || len(forms[1].items) != 2 || forms[1].items[1].text != "default" {
		t.Fatalf("profile does not start with (deny default)")
	}
	allowed := false
	for _, f := range forms[1:] {
		n := 1
		opMatch := false
		for ; n < len(f.items) && f.items[n].kind == 'a'; n++ {
			o := f.items[n].text
			if o == "default" || o == op || (strings.HasSuffix(o, "*") && strings.HasPrefix(op, strings.TrimSuffix(o, "*"))) {
				opMatch = true
			}
		}
		if !opMatch {
			continue
		}
		filters := f.items[n:]
		hit := len(filters) == 0
		for _, filter := range filters {
			if match(filter) {
				hit = true
			}
		}
		if hit {
			allowed = f.text == "allow"
		}
	}
	return allowed
}

// TestSeatbeltReport pins --print-policy on macOS: islands and hidden
// paths as given, the argv a real run would exec, and a refusal (125)
// instead of an argv for a policy the profile cannot express.
func TestSeatbeltReport(t *testing.T) {
	p := Policy{
		WritableRoots: []WritableRoot{{Path: "/tmp/w", ReadOnly: []string{"/tmp/w/.git", "/tmp/w/docs"}}},
		Hidden:        []string{"/Users/u/.ssh"},
		Network:       true,
	}
	report, ok := seatbeltReport(p, fakeMacResolve, []string{"ls", "-l"}, []string{"/bin/ls", "-l"})
	if !ok {
		t.Fatalf("refused: %s", report)
	}
	v, err := parseJSON(string(report), 8)
	if err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, report)
	}
	argv, _ := seatbeltArgv(p, fakeMacResolve, []string{"/bin/ls", "-l"})
	list := func(s ...string) []any {
		out := []any{}
		for _, x := range s {
			out = append(out, x)
		}
		return out
	}
	want := map[string]any{
		"command":           list("ls", "-l"),
		"full_disk_write":   false,
		"writable_roots":    list("/tmp/w"),
		"read_only":         list("/tmp/w/.git", "/tmp/w/docs"),
		"hidden":            list("/Users/u/.ssh"),
		"network":           true,
		"sandbox_exec_argv": list(argv...),
		"would_run":         true,
	}
	if got := jsonToAny(v); !reflect.DeepEqual(got, want) {
		t.Errorf("report:\n got %#v\nwant %#v", got, want)
	}

	report, ok = seatbeltReport(Policy{ReadRoots: []string{"/usr"}}, fakeMacResolve, []string{"ls"}, []string{"/bin/ls"})
	if ok {
		t.Fatalf("restricted reads not refused: %s", report)
	}
	v, err = parseJSON(string(report), 8)
	if err != nil {
		t.Fatal(err)
	}
	got := jsonToAny(v).(map[string]any)
	if got["sandbox_exec_argv"] != nil || got["would_run"] != false ||
		!strings.Contains(fmt.Sprint(got["refusal"]), "restricted read access is not supported on macOS") {
		t.Errorf("refused report: %s", report)
	}
}

// TestSeatbeltEdgePaths: the root directory and islands equal to their
// root give well-formed profiles that deny what they should.
func TestSeatbeltEdgePaths(t *testing.T) {
	tests := []struct {
		p        Policy
		op, path string
		allow    bool
	}{
		{Policy{Hidden: []string{"/"}}, "file-read-data", "/etc/hosts", false},
		{Policy{Hidden: []string{"/x"}}, "file-read-data", "/X/y", false},
		{Policy{Hidden: []string{"/x"}}, "file-read-data", "/xy", true},
		{Policy{WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{"/w"}}}}, "file-write-create", "/W/a", false},
		{Policy{WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{"/w"}}}}, "file-write-create", "/w/a", false},
		{Policy{WritableRoots: []WritableRoot{{Path: "/", ReadOnly: []string{"/"}}}}, "file-write-create", "/a", false},
		{Policy{WritableRoots: []WritableRoot{{Path: "/", ReadOnly: []string{"/a/b"}}}}, "file-write-create", "/A/B/c", false},
		{Policy{WritableRoots: []WritableRoot{{Path: "/", ReadOnly: []string{"/a/b"}}}}, "file-write-create", "/a/c", true},
	}
	for _, tt := range tests {
		policy, params := mustSeatbeltPolicy(t, tt.p, identityResolve)
		checkSeatbeltOutput(t, policy, params)
		if got := sbplDecide(t, policy, params, tt.op, tt.path); got != tt.allow {
			t.Errorf("%+v: %s %s allowed = %v, want %v", tt.p, tt.op, tt.path, got, tt.allow)
		}
	}
}
