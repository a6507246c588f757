// Runtime work that is wasted on a process that execs within a millisecond:
// naming anonymous mappings (a prctl per mapping) and the background
// updater of GOMAXPROCS.

//go:debug decoratemappings=0
//go:debug updatemaxprocs=0

// Command sandbox runs a command confined: it reads what it may read,
// writes only where it may write, and reaches no network unless allowed.
//
// On Linux it applies no_new_privs, Landlock and a seccomp filter to
// itself and then becomes the command with execve; on macOS it hands the
// command to sandbox-exec with a Seatbelt policy. Invoked as
// codex-linux-sandbox it speaks the dialects of OpenAI Codex's helper.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// Set by the release build with -ldflags -X.
var (
	version = "dev"
	commit  = "unknown"
)

// init runs the whole program, on the main OS thread. no_new_privs, the
// Landlock domain and the seccomp filter are all properties of a thread,
// and execve carries only the calling thread's into the command: if any
// of them landed on another thread, the command would run unconfined and
// nothing would say so. So they are applied, and execve called, from one
// thread.
//
// The runtime runs every init function on the startup thread, with the
// main goroutine locked to it (see runtime.LockOSThread), so here that
// holds without asking. Asking, with runtime.LockOSThread, would also
// start the runtime's template thread, a clone that costs a short command
// about 3% of its time (bench/run.sh); so the program runs here and exits
// before main. The test binary initializes this package too: for it
// (testBinary, set by a variable initializer in testbinary_test.go, which
// runs before any init function) init only locks the thread, for the
// tests that call run from the main goroutine.
func init() {
	if testBinary {
		runtime.LockOSThread()
		return
	}
	os.Exit(run(os.Args))
}

// testBinary is true in the test binary; see init.
var testBinary bool

const usage = `Usage: sandbox [options] [--] command [args...]

Runs command confined: the whole filesystem is readable and executable,
nothing is writable but the --write trees, /dev/null, the terminal and a
few other devices, and there is no network. The first argument that is
not an option starts the command.

On Linux the command runs in namespaces of its own where the host allows
unprivileged user namespaces: a read-only view of the filesystem, its own
/proc, IPC and loopback network, started and waited for by the sandbox,
which forwards signals and exits with the command's status. Elsewhere the
sandbox confines itself and becomes the command (same PID), saying on
stderr what that does not enforce.

Options:
    -w, --write DIR    Allow writing beneath DIR (repeatable).
    -r, --read-only PATH
                       Keep PATH, inside a --write tree, read-only; if it
                       does not exist, it cannot be created (repeatable).
    --hide PATH        Make PATH unreadable: an empty directory or file of
                       mode 000 in its place (EACCES; root sees it empty);
                       if it does not exist inside a --write tree, it
                       cannot be created (repeatable).
    --cache DIR[=KEEP] Let the command write in DIR through a layer of its
                       own: it sees DIR's contents, its writes are thrown
                       away after the run (or kept in the existing
                       directory KEEP, as KEEP/upper), DIR itself never
                       changes (repeatable; namespace engine only).
    -n, --network      Allow network access.
    --allow-host HOST[:PORT]
                       Allow only HOST (https on 443, http on 80, unless
                       :PORT), through a
                       proxy the sandbox runs and names in HTTP_PROXY and
                       the like; *.DOMAIN allows the names below DOMAIN
                       (repeatable; namespace engine only).
    --require-namespaces
                       Refuse to run (125) unless the namespace engine can.
    --exec-only        Use the exec-only engine: Landlock and seccomp on
                       this process, which becomes the command (same PID,
                       no supervisor). It cannot enforce -r, --hide or
                       --cache.
    --best-effort      Run even if this kernel cannot enforce everything,
                       saying on stderr what is not enforced.
    --print-policy     Print the effective policy on this kernel as JSON
                       instead of running the command.
    --doctor           Check this host: what the kernel can enforce, and
                       try the known escapes inside the sandbox for real,
                       on each engine this host runs.
    --json             With --doctor: print JSON.
    -h, --help         Print this help.
    --version          Print the version.

Exit status: the command's own; 125 if the sandbox could not be set up,
126 if the command cannot be executed, 127 if it was not found, 2 for
usage errors, 1 if this help, --version or --print-policy cannot be
written. Nothing runs when the sandbox cannot be set up.

Invoked as codex-linux-sandbox, it accepts OpenAI Codex's helper arguments.
`

// main is not reached: init runs the program and exits.
func main() {
	os.Exit(run(os.Args))
}

// run parses args, confines and executes. It returns only when the
// command could not be started, with the exit status to use.
func run(args []string) int {
	// The namespace engine's inner stage, whatever name it was run by.
	if len(args) > 1 && args[1] == innerStage {
		return runInner(args[2:])
	}
	// Codex's helper names are a Linux interface: on macOS Codex runs
	// sandbox-exec itself, and a binary of that name is just sandbox.
	if runtime.GOOS == "linux" && isCodexName(filepath.Base(args[0])) {
		return runCodex(args[1:])
	}
	inv, err := parseGeneric(args[1:])
	if err != nil {
		errorf("%v", err)
		return exitUsage
	}
	switch inv.action {
	case actHelp:
		return writeStdout(usage)
	case actVersion:
		return writeStdout(versionLine())
	case actDoctor:
		return runDoctor(inv.json)
	case actProbe:
		return runProbe(inv.probe, inv.cmd)
	case actPrintPolicy:
		return printPolicy(os.Stdout, inv.policy, inv.cmd)
	}
	return start(inv.policy, inv.cmd)
}

// versionLine is what --version prints. A release build sets commit with
// -ldflags -X; a plain go build of a checkout has it in its build info
// (vcs.revision, and vcs.modified for uncommitted changes), read here and
// only here so that a run does not pay for parsing it.
func versionLine() string {
	c := commit
	if c == "unknown" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			c = vcsCommit(bi.Settings)
		}
	}
	return fmt.Sprintf("sandbox %s (commit %s, %s)\n", version, c, runtime.Version())
}

// vcsCommit is the commit the build settings name: the revision, marked
// "-modified" when the work tree had changes; "unknown" without one.
func vcsCommit(settings []debug.BuildSetting) string {
	rev, modified := "", false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return "unknown"
	}
	if modified {
		rev += "-modified"
	}
	return rev
}

// writeStdout writes s to standard output. A write that fails (a full
// disk, /dev/full, a closed terminal) is reported in one line and is exit
// status 1, as cat(1) does: output that silently went nowhere must not
// look like success to a script.
func writeStdout(s string) int {
	if _, err := os.Stdout.WriteString(s); err != nil {
		return writeError(err)
	}
	return 0
}

// writeError reports a failed write to standard output; it returns 1.
func writeError(err error) int {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	errorf("write error: %v", err)
	return 1
}

// start checks a parsed policy and hands it to this OS's engine.
func start(p Policy, cmd []string) int {
	if err := checkPolicy(p); err != nil {
		errorf("%v", err)
		return exitSetup
	}
	err := engage(p, cmd)
	var ee *execError
	if errors.As(err, &ee) {
		errorf("%v", ee)
		return ee.exitCode()
	}
	errorf("%v", err)
	return exitSetup
}

// action is what a command line asks for.
type action int

const (
	actRun action = iota
	actHelp
	actVersion
	actPrintPolicy
	actDoctor
	actProbe
)

// invocation is a parsed command line.
type invocation struct {
	action action
	policy Policy
	cmd    []string
	json   bool   // --doctor --json
	probe  string // --doctor-probe NAME
}

// parseGeneric parses the generic command line. It touches nothing but
// the filesystem metadata of --write directories; an error is a usage
// error, one line naming the bad argument.
//
// Options take one or two dashes (-w, --write, -network); a value follows
// as the next argument or after '='. The first argument that is not an
// option, or everything after "--", is the command. (A hand-written loop:
// the flag package costs a tenth of the start-up.)
func parseGeneric(args []string) (invocation, error) {
	var inv invocation
	var writes, readOnly, hide, caches, allowHosts []string
	var network, bestEffort, help, showVersion, showPolicy, doctor, execOnly, requireNS bool
	i := 0
	for ; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			i++
			break
		}
		if len(arg) < 2 || arg[0] != '-' {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(arg[1:], "-"), "=")
		takeValue := func() (string, error) {
			if hasValue {
				return value, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("option %s needs a value (see sandbox --help)", arg)
			}
			i++
			return args[i], nil
		}
		var flag *bool
		switch name {
		case "w", "write":
			v, err := takeValue()
			if err != nil {
				return inv, err
			}
			writes = append(writes, v)
			continue
		case "r", "read-only":
			v, err := takeValue()
			if err != nil {
				return inv, err
			}
			readOnly = append(readOnly, v)
			continue
		case "hide":
			v, err := takeValue()
			if err != nil {
				return inv, err
			}
			hide = append(hide, v)
			continue
		case "cache":
			v, err := takeValue()
			if err != nil {
				return inv, err
			}
			caches = append(caches, v)
			continue
		case "allow-host":
			v, err := takeValue()
			if err != nil {
				return inv, err
			}
			allowHosts = append(allowHosts, v)
			continue
		case "doctor-probe": // internal: one escape attempt, run by --doctor inside the sandbox
			v, err := takeValue()
			if err != nil {
				return inv, err
			}
			inv.probe = v
			continue
		case "n", "network":
			flag = &network
		case "best-effort":
			flag = &bestEffort
		case "exec-only":
			flag = &execOnly
		case "require-namespaces":
			flag = &requireNS
		case "h", "help":
			flag = &help
		case "version":
			flag = &showVersion
		case "print-policy":
			flag = &showPolicy
		case "doctor":
			flag = &doctor
		case "json":
			flag = &inv.json
		default:
			return inv, fmt.Errorf("unknown option %q (see sandbox --help)", arg)
		}
		if hasValue {
			return inv, fmt.Errorf("option %q takes no value (see sandbox --help)", arg)
		}
		*flag = true
	}
	inv.cmd = args[i:]
	switch {
	case help:
		inv.action = actHelp
		return inv, nil
	case showVersion:
		inv.action = actVersion
		return inv, nil
	case doctor && len(inv.cmd) > 0:
		return inv, fmt.Errorf("--doctor takes no command (got %q)", inv.cmd[0])
	case inv.json && !doctor:
		return inv, errors.New("--json goes with --doctor")
	case doctor:
		inv.action = actDoctor
		return inv, nil
	case inv.probe != "":
		inv.action = actProbe
		return inv, nil
	case len(inv.cmd) == 0:
		return inv, errors.New("no command given (see sandbox --help)")
	}

	inv.policy.Network = network
	if err := parseAllowHosts(&inv.policy, allowHosts); err != nil {
		return inv, err
	}
	if bestEffort {
		inv.policy.Enforcement = BestEffort
	}
	switch {
	case execOnly && requireNS:
		return inv, errors.New("--exec-only and --require-namespaces exclude each other")
	case execOnly:
		inv.policy.Engine = EngineExecOnly
	case requireNS:
		inv.policy.Engine = EngineNamespace
	}
	for _, w := range writes {
		root, err := writableRoot(w)
		if err != nil {
			return inv, fmt.Errorf("--write %q: %v", w, err)
		}
		inv.policy.WritableRoots = append(inv.policy.WritableRoots, WritableRoot{Path: root})
	}
	for _, ro := range readOnly {
		path, err := absPath(ro)
		if err != nil {
			return inv, fmt.Errorf("--read-only %q: %v", ro, err)
		}
		// The deepest --write tree holding it: an island in a nested
		// root must be one in the root it is bound with.
		best := -1
		for i, r := range inv.policy.WritableRoots {
			if fsPathWithin(path, r.Path) && path != r.Path && (best < 0 || len(r.Path) > len(inv.policy.WritableRoots[best].Path)) {
				best = i
			}
		}
		if best < 0 {
			return inv, fmt.Errorf("--read-only %q is not inside any --write tree (everything else is read-only already)", ro)
		}
		r := &inv.policy.WritableRoots[best]
		r.ReadOnly = append(r.ReadOnly, path)
	}
	var err error
	if inv.policy.Caches, err = parseCaches(caches, inv.policy.WritableRoots); err != nil {
		return inv, err
	}
	for _, h := range hide {
		path, err := absPath(h)
		if err != nil {
			return inv, fmt.Errorf("--hide %q: %v", h, err)
		}
		inv.policy.Hidden = append(inv.policy.Hidden, path)
	}
	if err := checkCachesHidden(inv.policy.Caches, inv.policy.Hidden); err != nil {
		return inv, err
	}
	if err := checkKeptCachePins(inv.policy.Caches, inv.policy.WritableRoots, inv.policy.Hidden); err != nil {
		return inv, err
	}
	if showPolicy {
		inv.action = actPrintPolicy
	}
	return inv, nil
}

// writableRoot makes a --write argument absolute and checks it exists.
func writableRoot(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("empty path")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", err
	}
	return abs, nil
}

// absPath makes a path argument absolute and clean; it need not exist.
func absPath(path string) (string, error) {
	if path == "" {
		return "", errors.New("empty path")
	}
	return filepath.Abs(path)
}

// setupError is a failure before the command ran (exit 125).
type setupError struct{ err error }

func (e *setupError) Error() string { return e.err.Error() }
func (e *setupError) Unwrap() error { return e.err }

// errorf prints one error line. Whatever the message quotes from the
// user's input, it stays one line.
func errorf(format string, v ...any) {
	fmt.Fprintf(os.Stderr, "sandbox: %s\n", oneLine(fmt.Sprintf(format, v...)))
}

// oneLine escapes line breaks and other control characters in s.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

func warnf(format string, v ...any) {
	fmt.Fprintf(os.Stderr, "sandbox: warning: "+format+"\n", v...)
}
