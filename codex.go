package main

// The codex-linux-sandbox front-end: every command-line dialect OpenAI
// Codex has spoken to its Linux helper, parsed into a Policy and a command
// (see /work/shared/codex-spec.md sections 1 and 12). It touches no kernel
// state; start does that.
//
// The dialect is told from the arguments:
//
//	era B   [-s|--sandbox-permission PERM]... [--full-auto] [--] CMD...
//	        (also a bare CMD...: the Node CLI's self-check is `-- true`)
//	era C   POLICY_CWD POLICY_JSON -- CMD...
//	eras D-G  --sandbox-policy-cwd DIR with --sandbox-policy JSON,
//	        --file-system-sandbox-policy JSON + --network-sandbox-policy JSON,
//	        or --permission-profile JSON, and the other flags of those eras
//
// As with clap upstream, options come first, `--` is optional (except
// after era C's positionals, see parseCodex), and the first word that is
// not an option starts the command.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

const codexUsage = `Usage: codex-linux-sandbox [OPTIONS] [--] COMMAND [ARGS]...
       codex-linux-sandbox POLICY_CWD POLICY_JSON [--] COMMAND [ARGS]...

Runs COMMAND confined the way OpenAI Codex's Linux helper does, in any of
the argument dialects Codex has used: Landlock limits writes, seccomp
limits the network, then the helper becomes the command (same PID, its
own exit status). The first argument that is not an option starts the
command. The helper sets no environment variable.

Permissions (Codex Node CLI, May 2025):
  -s, --sandbox-permission PERM   Grant PERM; repeatable. Without any -s:
                                  read-only, no network. PERM is one of
        disk-full-read-access                   (reads are always allowed)
        disk-write-cwd                          the current directory
        disk-write-platform-user-temp-folder    $TMPDIR, else /tmp
        disk-write-platform-global-temp-folder  /tmp
        disk-write-folder=PATH                  PATH (relative to the
                                                current directory)
        disk-full-write-access                  no write restriction
        network-full-access                     no network restriction
  --full-auto                     The three disk-full-read-access,
                                  disk-write-cwd and
                                  disk-write-platform-user-temp-folder,
                                  instead of any -s.

Policies (Codex, June 2025 on; POLICY_CWD and POLICY_JSON as positional
arguments are the June-October 2025 form of the first two):
  --sandbox-policy-cwd DIR        The workspace the policy is relative to.
  --sandbox-policy JSON           A SandboxPolicy ("mode" or "type" tag).
  --file-system-sandbox-policy JSON
  --network-sandbox-policy JSON   Split policies, given together.
  --permission-profile JSON       A PermissionProfile.
  --command-cwd DIR               The command's logical working directory.
  --use-legacy-landlock           Upstream's legacy Landlock path, where
                                  .git, .codex, .agents and .aws inside
                                  writable roots stay writable. Without it, a
                                  policy with a writable root is refused:
                                  upstream keeps those paths read-only
                                  and uncreatable there, which Landlock
                                  cannot do.
  --allow-network-for-proxy       Network only through Codex's managed
                                  proxy: the loopback endpoints that
                                  HTTP_PROXY and the like name are
                                  reachable inside, at the same address,
                                  and nothing else (the namespace engine;
                                  refused where it does not run). With
                                  --use-legacy-landlock, no network, as
                                  upstream.
  --proxy-route-spec JSON         Refused (internal to upstream's helper).
  --use-bwrap-sandbox, --apply-seccomp-then-exec, --no-proc
                                  Accepted; the whole policy is enforced
                                  here either way.
  -h, --help                      Print this help.
  --print-policy                  As the very first argument: print the
                                  effective policy as JSON instead of
                                  running the command (not upstream's).

Exit status: the command's own; 2 for a bad command line or policy; 125 if
the sandbox cannot be set up or the policy cannot be enforced; 126 if the
command cannot be executed; 127 if it is not found; 1 if this help or
--print-policy cannot be written. Nothing runs unless the whole policy is
enforced.
`

// isCodexName reports whether the binary was invoked under one of the
// names Codex gives its Linux helper.
func isCodexName(base string) bool {
	switch base {
	case "codex-linux-sandbox", "codex-linux-sandbox-x64", "codex-linux-sandbox-arm64":
		return true
	}
	return false
}

// runCodex parses Codex's helper arguments into a Policy and starts it.
//
// A first argument --print-policy (ours, not upstream's) prints the
// effective policy instead of running the command, through the same path.
func runCodex(args []string) int {
	showPolicy := len(args) > 0 && args[0] == "--print-policy"
	if showPolicy {
		args = args[1:]
	}
	inv, err := parseCodex(args)
	var re *codexRefusal
	switch {
	case errors.Is(err, errCodexHelp):
		return writeStdout(codexUsage)
	case errors.As(err, &re):
		errorf("%v", err)
		return exitSetup
	case err != nil:
		errorf("%v (see codex-linux-sandbox --help)", err)
		return exitUsage
	}
	if showPolicy {
		return printPolicy(os.Stdout, inv.policy, inv.cmd)
	}
	if inv.chdir != "" {
		if err := os.Chdir(inv.chdir); err != nil {
			errorf("--command-cwd: %v", err)
			return exitSetup
		}
	}
	return start(inv.policy, inv.cmd)
}

// codexInvocation is a parsed command line.
type codexInvocation struct {
	policy Policy
	cmd    []string
	// chdir, when set, is where to change directory before start.
	chdir string
}

var errCodexHelp = errors.New("help requested")

// codexFlag describes one option.
type codexFlag struct {
	long   string
	short  byte // 0: none
	value  bool
	repeat bool
	// era: 'B' for the permission flags, 'D' for eras D-G, 0 for --help.
	era byte
}

var codexFlags = []codexFlag{
	{long: "--sandbox-permission", short: 's', value: true, repeat: true, era: 'B'},
	{long: "--full-auto", era: 'B'},
	{long: "--sandbox-policy-cwd", value: true, era: 'D'},
	{long: "--command-cwd", value: true, era: 'D'},
	{long: "--sandbox-policy", value: true, era: 'D'},
	{long: "--file-system-sandbox-policy", value: true, era: 'D'},
	{long: "--network-sandbox-policy", value: true, era: 'D'},
	{long: "--permission-profile", value: true, era: 'D'},
	{long: "--use-legacy-landlock", era: 'D'},
	{long: "--use-bwrap-sandbox", era: 'D'},
	{long: "--apply-seccomp-then-exec", era: 'D'},
	{long: "--allow-network-for-proxy", era: 'D'},
	{long: "--proxy-route-spec", value: true, era: 'D'},
	{long: "--no-proc", era: 'D'},
	{long: "--help", short: 'h'},
}

// codexArgs are the options given, by long name, in the order seen.
type codexArgs struct {
	values map[string][]string
	order  []string
}

func (a codexArgs) has(long string) bool { return len(a.values[long]) > 0 }

func (a codexArgs) value(long string) string {
	if v := a.values[long]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// parseCodex parses a command line (without argv[0]). It reads the current
// directory and the environment but changes nothing.
func parseCodex(args []string) (codexInvocation, error) {
	// Era C is two positionals, then "--" as its caller always sent it (or
	// an option, which parseEraC rejects or answers). Upstream's "--" was
	// optional, but without it a bare era-B command whose second word is
	// JSON (jq '{"mode":"danger-full-access"}' f) would be taken for a
	// policy, and could grant far more than a bare command's read-only
	// default.
	if len(args) >= 2 && !strings.HasPrefix(args[0], "-") && isCodexJSONObject(args[1]) &&
		(len(args) == 2 || strings.HasPrefix(args[2], "-")) {
		return parseEraC(args)
	}
	opts, cmd, err := scanCodexArgs(args)
	if err != nil {
		return codexInvocation{}, err
	}
	first := map[byte]string{}
	for _, long := range opts.order {
		f := codexLookupFlag(long)
		if _, ok := first[f.era]; !ok {
			first[f.era] = long
		}
	}
	if first['B'] != "" && first['D'] != "" {
		return codexInvocation{}, fmt.Errorf("%s cannot be used with %s", first['D'], first['B'])
	}
	if len(cmd) == 0 {
		return codexInvocation{}, errors.New("no command given")
	}
	if first['D'] != "" {
		return parseNamed(opts, cmd)
	}
	return parseEraB(opts, cmd)
}

// isCodexJSONObject tells era C's policy argument from a command word.
func isCodexJSONObject(s string) bool {
	return strings.HasPrefix(strings.TrimLeft(s, " \t\r\n"), "{")
}

func codexLookupFlag(long string) codexFlag {
	for _, f := range codexFlags {
		if f.long == long {
			return f
		}
	}
	return codexFlag{}
}

// scanCodexArgs splits the options from the command the way clap does for
// these helpers: --flag value, --flag=value, -s value, -svalue, -s=value;
// a value may not look like an option unless attached with '='.
func scanCodexArgs(args []string) (codexArgs, []string, error) {
	opts := codexArgs{values: map[string][]string{}}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return opts, args[i+1:], nil
		}
		if a == "-" || !strings.HasPrefix(a, "-") {
			return opts, args[i:], nil
		}
		var f codexFlag
		var val string
		var attached bool
		if strings.HasPrefix(a, "--") {
			var name string
			name, val, attached = strings.Cut(a, "=")
			f = codexLookupFlag(name)
		} else {
			for _, c := range codexFlags {
				if c.short != 0 && a[1] == c.short {
					f = c
				}
			}
			if rest := a[2:]; rest != "" {
				val, attached = strings.TrimPrefix(rest, "="), true
			}
		}
		switch {
		case f.long == "":
			return opts, nil, fmt.Errorf("unexpected argument %q", a)
		case f.long == "--help" && !attached:
			return opts, nil, errCodexHelp
		case !f.value && attached:
			return opts, nil, fmt.Errorf("%s takes no value, but got %q", f.long, val)
		case f.value && !attached:
			if i+1 == len(args) || (strings.HasPrefix(args[i+1], "-") && args[i+1] != "-") {
				return opts, nil, fmt.Errorf("a value is required for %s but none was supplied", f.long)
			}
			i++
			val = args[i]
		}
		if f.value && val == "" {
			return opts, nil, fmt.Errorf("a value is required for %s but none was supplied", f.long)
		}
		if opts.has(f.long) && !f.repeat {
			return opts, nil, fmt.Errorf("%s cannot be used more than once", f.long)
		}
		if !opts.has(f.long) {
			opts.order = append(opts.order, f.long)
		}
		opts.values[f.long] = append(opts.values[f.long], val)
	}
	return opts, nil, nil
}

// codexHelperCwd is the helper's current directory as getcwd(2) gives it,
// which is what Rust's current_dir returns upstream (os.Getwd would prefer
// a $PWD that may name it through a symlink, and relative paths would then
// be normalised differently).
func codexHelperCwd() (string, error) {
	wd, err := syscall.Getwd()
	if err != nil {
		return "", fmt.Errorf("cannot get the current directory: %w", err)
	}
	return wd, nil
}

// --- era B ---

// fullAutoPermissions is era B0's --full-auto, which replaced any -s.
var fullAutoPermissions = []string{"disk-full-read-access", "disk-write-platform-user-temp-folder", "disk-write-cwd"}

// parseEraB maps the permission strings. Reads are never restricted in
// this era, whatever the permissions say; writable roots follow the order
// of the permissions. Upstream's no-op for
// disk-write-platform-user-temp-folder on Linux is a bug (spec 12): the
// Node CLI sends it, and no global-temp-folder, so that the command has a
// temporary directory; it grants the user temp folder as Rust's
// std::env::temp_dir defines it.
func parseEraB(opts codexArgs, cmd []string) (codexInvocation, error) {
	rules := fsRules{entries: []fsEntry{{"/", fsRead}}}
	var network bool
	perms := opts.values["--sandbox-permission"]
	for _, perm := range perms {
		if err := validCodexPermission(perm); err != nil {
			return codexInvocation{}, err
		}
	}
	if opts.has("--full-auto") {
		perms = fullAutoPermissions
	}
	for _, perm := range perms {
		switch perm {
		case "disk-full-read-access":
		case "disk-write-cwd":
			wd, err := codexHelperCwd()
			if err != nil {
				return codexInvocation{}, fmt.Errorf("--sandbox-permission %s: %v", perm, err)
			}
			rules.entries = append(rules.entries, fsEntry{wd, fsWrite})
		case "disk-write-platform-user-temp-folder":
			if t, ok := codexUserTempDir(); ok {
				rules.entries = append(rules.entries, fsEntry{t, fsWrite})
			}
		case "disk-write-platform-global-temp-folder":
			rules.entries = append(rules.entries, fsEntry{"/tmp", fsWrite})
		case "disk-full-write-access":
			rules.fullWrite = true
		case "network-full-access":
			network = true
		default:
			folder := strings.TrimPrefix(perm, "disk-write-folder=")
			p, err := codexAbsPath(folder, "--sandbox-permission disk-write-folder", codexHelperCwd)
			if err != nil {
				return codexInvocation{}, err
			}
			rules.entries = append(rules.entries, fsEntry{p, fsWrite})
		}
	}
	p, err := rules.policy(network, true)
	return codexInvocation{policy: p, cmd: cmd}, err
}

func validCodexPermission(perm string) error {
	switch perm {
	case "disk-full-read-access", "disk-write-cwd", "disk-write-platform-user-temp-folder",
		"disk-write-platform-global-temp-folder", "disk-full-write-access", "network-full-access":
		return nil
	}
	folder, ok := strings.CutPrefix(perm, "disk-write-folder=")
	switch {
	case !ok:
		return fmt.Errorf("invalid value %q for --sandbox-permission: not a recognised permission", perm)
	case folder == "":
		return errors.New("--sandbox-permission disk-write-folder=<PATH> requires a non-empty PATH")
	case strings.ContainsRune(folder, 0):
		return errors.New("--sandbox-permission disk-write-folder: path contains a NUL byte")
	}
	return nil
}

// codexUserTempDir is Rust's std::env::temp_dir on Unix: $TMPDIR if set, else
// /tmp. A relative $TMPDIR names no stable place and grants nothing.
func codexUserTempDir() (string, bool) {
	v := os.Getenv("TMPDIR")
	if v == "" {
		return "/tmp", true
	}
	if !filepath.IsAbs(v) {
		return "", false
	}
	return filepath.Clean(v), true
}

// --- era C ---

// parseEraC reads POLICY_CWD POLICY_JSON [--] CMD...: upstream's legacy
// Landlock path, where protected subpaths were never enforced.
func parseEraC(args []string) (codexInvocation, error) {
	cwd, err := codexAbsPath(args[0], "POLICY_CWD", codexHelperCwd)
	if err != nil {
		return codexInvocation{}, err
	}
	cmd := args[2:]
	if len(cmd) > 0 {
		switch {
		case cmd[0] == "--":
			cmd = cmd[1:]
		case cmd[0] == "-h" || cmd[0] == "--help":
			return codexInvocation{}, errCodexHelp
		case strings.HasPrefix(cmd[0], "-") && cmd[0] != "-":
			return codexInvocation{}, fmt.Errorf("unexpected argument %q", cmd[0])
		}
	}
	rules, network, err := parseSandboxPolicy(args[1], cwd, codexHelperCwd)
	if err != nil {
		return codexInvocation{}, fmt.Errorf("invalid value for POLICY_JSON: %v", err)
	}
	if len(cmd) == 0 {
		return codexInvocation{}, errors.New("no command given")
	}
	p, err := rules.policy(network, true)
	return codexInvocation{policy: p, cmd: cmd}, err
}

// --- eras D-G ---

// parseNamed reads the named-flag dialects.
//
// Which pipeline upstream would have used decides what happens to .git,
// .codex, .agents and .aws inside writable roots. Legacy Landlock (eras D and E
// by default, --use-legacy-landlock later) left them writable, and so does
// this program there. The bubblewrap pipeline (--use-bwrap-sandbox in era
// E, the default with split policies and permission profiles) made them
// read-only and uncreatable, which Landlock cannot do: they stay in the
// Policy, existing or not, and the engine refuses to run.
func parseNamed(opts codexArgs, cmd []string) (codexInvocation, error) {
	var inv codexInvocation
	if !opts.has("--sandbox-policy-cwd") {
		return inv, errors.New("the required argument --sandbox-policy-cwd <DIR> was not provided")
	}
	cwd, err := codexAbsPath(opts.value("--sandbox-policy-cwd"), "--sandbox-policy-cwd", codexHelperCwd)
	if err != nil {
		return inv, err
	}
	commandCwd := cwd
	if opts.has("--command-cwd") {
		if commandCwd, err = codexAbsPath(opts.value("--command-cwd"), "--command-cwd", codexHelperCwd); err != nil {
			return inv, err
		}
	}

	legacyFlag := opts.has("--use-legacy-landlock")
	switch {
	case legacyFlag && opts.has("--use-bwrap-sandbox"):
		return inv, errors.New("--use-bwrap-sandbox cannot be used with --use-legacy-landlock")
	case legacyFlag && opts.has("--apply-seccomp-then-exec"):
		return inv, errors.New("--apply-seccomp-then-exec is incompatible with --use-legacy-landlock")
	}

	sp, fsp, nsp, pp := "--sandbox-policy", "--file-system-sandbox-policy", "--network-sandbox-policy", "--permission-profile"
	if opts.has(pp) {
		for _, other := range []string{sp, fsp, nsp} {
			if opts.has(other) {
				return inv, fmt.Errorf("%s cannot be used with %s", other, pp)
			}
		}
	}
	if opts.has(fsp) != opts.has(nsp) {
		return inv, fmt.Errorf("%s and %s must be given together", fsp, nsp)
	}
	if !opts.has(sp) && !opts.has(fsp) && !opts.has(pp) {
		return inv, fmt.Errorf("missing sandbox policy: give %s, %s with %s, or %s", sp, fsp, nsp, pp)
	}
	legacy := legacyFlag || (!opts.has(fsp) && !opts.has(pp) &&
		!opts.has("--use-bwrap-sandbox") && !opts.has("--apply-seccomp-then-exec"))

	var rules fsRules
	var network bool
	switch {
	case opts.has(pp):
		if rules, network, err = parseProfile(opts.value(pp), cwd); err != nil {
			return inv, fmt.Errorf("invalid value for %s: %v", pp, err)
		}
	case opts.has(fsp):
		if rules, err = parseFileSystemPolicy(opts.value(fsp), cwd); err != nil {
			return inv, fmt.Errorf("invalid value for %s: %v", fsp, err)
		}
		if network, err = parseNetworkPolicy(opts.value(nsp)); err != nil {
			return inv, fmt.Errorf("invalid value for %s: %v", nsp, err)
		}
	}
	var legacyRules fsRules
	var legacyNetwork bool
	if opts.has(sp) {
		if legacyRules, legacyNetwork, err = parseSandboxPolicy(opts.value(sp), cwd, codexHelperCwd); err != nil {
			return inv, fmt.Errorf("invalid value for %s: %v", sp, err)
		}
		if !opts.has(fsp) {
			rules, network = legacyRules, legacyNetwork
		}
	}

	// Upstream's bubblewrap pipeline routes the network through a bridge
	// to Codex's proxy inside a network namespace: here the namespace
	// engine's supervisor is the bridge (codex_proxy.go). Its legacy
	// Landlock path installs the restricted-network filter instead: the
	// command reaches no network, proxy included. --proxy-route-spec is
	// the message from upstream's outer stage to its own inner one (routes
	// to the bridge's sockets); no caller gives it to the outer helper.
	if opts.has("--proxy-route-spec") {
		return inv, &codexRefusal{"--proxy-route-spec: the route spec is internal to upstream's helper (its outer stage's message to its inner one); give --allow-network-for-proxy and the proxy variables instead; refusing to run"}
	}
	var routes []ProxyRoute
	if opts.has("--allow-network-for-proxy") {
		if !legacy {
			if routes, err = codexProxyRoutes(os.Environ()); err != nil {
				return inv, &codexRefusal{err.Error()}
			}
		}
		network, legacyNetwork = false, false
	}

	if inv.policy, err = rules.policy(network, legacy); err != nil {
		return inv, err
	}
	inv.policy.ProxyRoutes = routes
	if opts.has(sp) && opts.has(fsp) && inv.policy.ReadRoots == nil {
		// Era F callers send both forms; upstream refuses them unless they
		// agree on what is writable, except where the split one restricts
		// reads, which the legacy one cannot say (refused here anyway).
		lp, err := legacyRules.policy(legacyNetwork, legacy)
		if err == nil && !codexSameShape(lp, inv.policy) {
			return inv, fmt.Errorf("%s does not match %s and %s", sp, fsp, nsp)
		}
	}
	inv.cmd = cmd

	// Upstream's bubblewrap pipeline runs the command in the canonical
	// form of the command cwd when that is a symlink alias (bwrap --chdir);
	// its legacy path and its full-write path leave the cwd alone.
	if !legacy && !inv.policy.FullDiskWrite {
		if canon, err := filepath.EvalSymlinks(commandCwd); err == nil && canon != commandCwd {
			inv.chdir = canon
		}
	}
	// --no-proc asks bubblewrap not to mount a fresh /proc; nothing is
	// mounted here. --use-bwrap-sandbox and --apply-seccomp-then-exec
	// select upstream's pipeline stages; here the whole policy is always
	// enforced in this process (Landlock and seccomp), which is at least
	// what either stage did, and the protections the bwrap pipeline adds
	// are kept (see legacy above).
	return inv, nil
}

// codexSameShape compares what the engine will enforce: full write, network
// and the set of writable roots.
func codexSameShape(a, b Policy) bool {
	if a.FullDiskWrite != b.FullDiskWrite || a.Network != b.Network {
		return false
	}
	if a.FullDiskWrite {
		return true
	}
	roots := func(p Policy) []string {
		var out []string
		for _, r := range p.WritableRoots {
			out = append(out, r.Path)
		}
		sort.Strings(out)
		return out
	}
	ra, rb := roots(a), roots(b)
	if len(ra) != len(rb) {
		return false
	}
	for i := range ra {
		if ra[i] != rb[i] {
			return false
		}
	}
	return true
}
