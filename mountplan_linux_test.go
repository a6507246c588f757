//go:build linux

package main

// The mount plan in the kernel. The go test process never mounts: a probe
// (the test binary re-executed, see mountProbes) plays the outer stage as
// the user under test (plan, placeholders, cleanup) and starts a second
// one in new user, mount and PID namespaces, as the namespace engine
// starts its inner stage. That one applies the plan, drops its
// capabilities, tries each check and prints what happened. The test then
// asserts the answers and, from outside, the effects on the tree; each
// denial is also tried by the same user with no sandbox on a copy of the
// tree, where it must succeed.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Probe names, run by this file's init before TestMain: sandbox_test.go's
// testProbe never sees them.
const (
	probeMountSpawn = "mountplan-spawn" // outer stage: plan, prepare, start the inner one, clean up
	probeMountApply = "mountplan-apply" // inner stage: apply the plan read from stdin, run checks
	probeMountCheck = "mountplan-check" // the control: the checks with no sandbox
	probeMountHost  = "mountplan-host"  // a simulated host (a container's /proc, a read-only mount), then mountSpawn
	mountTreeEnv    = "SANDBOX_TEST_TREE"
)

// mountProbes runs a mount probe when this test binary was started as
// one; it never returns then.
var mountProbes = map[string]func(args []string) int{
	probeMountSpawn: mountSpawn,
	probeMountApply: mountApply,
	probeMountHost:  mountHost,
	probeMountCheck: func(args []string) int {
		runtime.LockOSThread()
		return runMountChecks(os.Getenv(mountTreeEnv), args)
	},
}

func init() {
	if f, ok := mountProbes[os.Getenv(probeEnv)]; ok {
		os.Unsetenv(probeEnv)
		os.Exit(f(os.Args[1:]))
	}
}

// mountSpawn is the outer stage. args: [-w DIR | --ro PATH | --hide PATH]...
// -- check...; the --ro paths belong to the -w before them.
func mountSpawn(args []string) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "mountplan-spawn: "+format+"\n", a...)
		return 3
	}
	var p Policy
	i := 0
	for ; i < len(args) && args[i] != "--"; i += 2 {
		if i+1 >= len(args) {
			return fail("%s needs a value", args[i])
		}
		switch v := args[i+1]; args[i] {
		case "-w":
			p.WritableRoots = append(p.WritableRoots, WritableRoot{Path: v})
		case "--ro":
			if len(p.WritableRoots) == 0 {
				return fail("--ro before -w")
			}
			w := &p.WritableRoots[len(p.WritableRoots)-1]
			w.ReadOnly = append(w.ReadOnly, v)
		case "--hide":
			p.Hidden = append(p.Hidden, v)
		default:
			return fail("unknown option %q", args[i])
		}
	}
	checks := args[min(i+1, len(args)):]
	start := time.Now()
	mp, err := planMounts(p, osHost())
	if err != nil {
		return fail("plan: %v", err)
	}
	planned := time.Now()
	if err := mp.prepareHost(); err != nil {
		return fail("prepare: %v", err)
	}
	fmt.Printf("prepared in %v %v\n", planned.Sub(start), time.Since(planned))
	defer mp.cleanupHost()
	for _, l := range mp.lines() {
		fmt.Printf("plan %s\n", l)
	}
	self, err := os.Executable()
	if err != nil {
		return fail("%v", err)
	}
	cmd := exec.Command(self, checks...)
	cmd.Env = append(os.Environ(), probeEnv+"="+probeMountApply)
	cmd.Stdin = bytes.NewReader(mp.marshal())
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = innerAttr()
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return fail("start the inner stage: %v", err)
	}
	start = time.Now()
	mp.cleanupHost()
	fmt.Printf("cleaned in %v\n", time.Since(start))
	return cmd.ProcessState.ExitCode()
}

// mountHost changes this process's mount namespace (a new one, made by
// the test) into a simulated host, then runs mountSpawn as uid:gid. args:
// uid gid setup... -- spawn-args...; setup is
//
//	mask-proc      a file in /proc covered by a bind mount, as in many
//	               containers: the kernel then refuses a new proc in a
//	               user namespace (mount_too_revealing)
//	ro-tmpfs=DIR   a read-only tmpfs on DIR
//	tmpfs=DIR      a tmpfs on DIR
//
// spawn-args "exec" ARGV... execs ARGV (the built sandbox) instead.
func mountHost(args []string) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "mountplan-host: "+format+"\n", a...)
		return 3
	}
	sep := slices.Index(args, "--")
	if len(args) < 2 || sep < 2 {
		return fail("usage: uid gid setup... -- spawn-args...")
	}
	uid, err1 := strconv.Atoi(args[0])
	gid, err2 := strconv.Atoi(args[1])
	if err := errors.Join(err1, err2); err != nil {
		return fail("%v", err)
	}
	// Private first: nothing done here may reach the host's namespace.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fail("make / private: %v", err)
	}
	for _, s := range args[2:sep] {
		var err error
		rw, isRW := strings.CutPrefix(s, "tmpfs=")
		switch dir, ok := strings.CutPrefix(s, "ro-tmpfs="); {
		case s == "mask-proc":
			err = unix.Mount("/dev/null", "/proc/uptime", "", unix.MS_BIND, "")
		case ok:
			err = unix.Mount("tmpfs", dir, "tmpfs", unix.MS_RDONLY, "mode=0755")
		case isRW:
			err = unix.Mount("tmpfs", rw, "tmpfs", 0, "mode=0755")
		default:
			return fail("unknown setup %q", s)
		}
		if err != nil {
			return fail("%s: %v", s, err)
		}
	}
	if err := syscall.Setgroups(nil); err != nil {
		return fail("setgroups: %v", err)
	}
	if err := syscall.Setresgid(gid, gid, gid); err != nil {
		return fail("setresgid: %v", err)
	}
	if err := syscall.Setresuid(uid, uid, uid); err != nil {
		return fail("setresuid: %v", err)
	}
	// Changing uid cleared "dumpable", which makes /proc/PID/uid_map of
	// the children root's: the process a user starts has it set.
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 1, 0, 0, 0); err != nil {
		return fail("prctl(PR_SET_DUMPABLE): %v", err)
	}
	if spawn := args[sep+1:]; len(spawn) > 1 && spawn[0] == "exec" {
		err := syscall.Exec(spawn[1], spawn[1:], os.Environ())
		return fail("exec %s: %v", spawn[1], err)
	}
	return mountSpawn(args[sep+1:])
}

// hostCommand runs mountSpawn as u on a simulated host (see mountHost).
func hostCommand(t *testing.T, u runAs, tree string, setup []string, spawnArgs ...string) *exec.Cmd {
	t.Helper()
	if os.Geteuid() != 0 {
		skipOrFail(t, "simulating a host needs root; this is uid %d", os.Geteuid())
	}
	_, probe := binaries(t)
	args := append([]string{strconv.Itoa(u.uid), strconv.Itoa(u.gid)}, setup...)
	cmd := exec.Command(probe, append(append(args, "--"), spawnArgs...)...)
	cmd.Env = append(baseEnv(), probeEnv+"="+probeMountHost, mountTreeEnv+"="+tree)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	return cmd
}

// innerAttr starts a process as the namespace engine starts its inner
// stage: new user, mount and PID namespaces; as root the identity map of
// every ID, otherwise the caller's uid and gid mapped to themselves, with
// CAP_SYS_ADMIN kept across execve as an ambient capability (execve
// clears a non-root uid's capabilities).
func innerAttr() *syscall.SysProcAttr {
	uid, gid := os.Getuid(), os.Getgid()
	attr := &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWIPC,
		Pdeathsig:  syscall.SIGKILL,
	}
	if uid == 0 {
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1<<32 - 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1<<32 - 1}}
		attr.GidMappingsEnableSetgroups = true
	} else {
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: uid, Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: gid, Size: 1}}
		attr.AmbientCaps = []uintptr{unix.CAP_SYS_ADMIN}
	}
	return attr
}

// mountApply is the inner stage: the plan on stdin, the checks in args.
func mountApply(checks []string) int {
	runtime.LockOSThread() // the capabilities are dropped on this thread only
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "mountplan-apply: "+format+"\n", a...)
		return 3
	}
	text, err := io.ReadAll(os.Stdin)
	if err != nil {
		return fail("%v", err)
	}
	mp, err := unmarshalMountPlan(text)
	if err != nil {
		return fail("%v", err)
	}
	start := time.Now()
	err = applyMounts(mp)
	took := time.Since(start)
	if err != nil {
		return fail("applyMounts: %v", err)
	}
	fmt.Printf("applied in %v\n", took)
	for _, n := range mp.notes() {
		fmt.Printf("notice %s\n", n)
	}
	if err := dropAllCaps(); err != nil {
		return fail("%v", err)
	}
	return runMountChecks(os.Getenv(mountTreeEnv), checks)
}

// dropAllCaps empties this thread's capability sets, as the engine does
// before the command runs, so that the checks see what the command sees
// (root in the sandbox has no CAP_DAC_OVERRIDE).
func dropAllCaps() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	return nil
}

// mountCheck is one attempt, as the command would make it; it returns
// "ok", "ok:" and what it read, or the errno's name.
type mountCheck func(tree string) string

func errResult(err error) string {
	var errno unix.Errno
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &errno):
		return unix.ErrnoName(errno)
	}
	return err.Error()
}

func writeCheck(rel, data string) mountCheck {
	return func(tree string) string {
		path := rel
		if !filepath.IsAbs(path) && tree != "" {
			path = filepath.Join(tree, rel)
		}
		fd, err := unix.Open(path, unix.O_WRONLY|unix.O_TRUNC|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
		if err != nil {
			return errResult(err)
		}
		defer unix.Close(fd)
		_, err = unix.Write(fd, []byte(data))
		return errResult(err)
	}
}

func readCheck(path string) mountCheck {
	return func(tree string) string {
		p := path
		if !filepath.IsAbs(p) {
			p = filepath.Join(tree, p)
		}
		fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return errResult(err)
		}
		defer unix.Close(fd)
		buf := make([]byte, 64)
		n, err := unix.Read(fd, buf)
		if err != nil {
			return errResult(err)
		}
		return "ok:" + strconv.Quote(string(buf[:n]))
	}
}

func errCheck(f func(tree string) error) mountCheck {
	return func(tree string) string { return errResult(f(tree)) }
}

// mountChecks are the attempts, by name. The tree (see newMountTree) is
// the argument; the working directory is tree/w.
var mountChecks = map[string]mountCheck{
	"outside-write":  writeCheck("outside/file", "changed"),
	"outside-create": writeCheck("outside/new", "new"),
	"outside-chmod":  errCheck(func(tr string) error { return unix.Chmod(filepath.Join(tr, "outside/file"), 0o600) }),
	"outside-utime": errCheck(func(tr string) error {
		return unix.UtimesNano(filepath.Join(tr, "outside/file"), []unix.Timespec{{Sec: 1}, {Sec: 1}})
	}),
	"outside-chown": errCheck(func(tr string) error {
		return unix.Lchown(filepath.Join(tr, "outside/file"), os.Getuid(), os.Getgid())
	}),
	"outside-setxattr": errCheck(func(tr string) error {
		return unix.Lsetxattr(filepath.Join(tr, "outside/file"), "user.sandbox", []byte("x"), 0)
	}),
	"w-write":     writeCheck("w/file", "new"),
	"w-create":    writeCheck("w/created", "created"),
	"w-cwd":       func(string) string { return writeCheck("cwdfile", "cwd")("") }, // relative to the working directory
	"link-write":  writeCheck("link/linked", "linked"),
	"keep-write":  writeCheck("hid/a/work/kept", "kept"),
	"wfile-write": writeCheck("outside/wfile", "new"),
	"keep-read":   readCheck("hid/other.txt"),
	"keep-list": func(tr string) string {
		_, err := os.ReadDir(filepath.Join(tr, "hid"))
		return errResult(errors.Unwrap(err))
	},
	"island-write":  writeCheck("w/.git/HEAD", "evil"),
	"island-chmod":  errCheck(func(tr string) error { return unix.Chmod(filepath.Join(tr, "w/.git"), 0o700) }),
	"island-create": writeCheck("w/.git/hooks-pre-commit", "evil"),
	"island-delete": errCheck(func(tr string) error { return unix.Unlink(filepath.Join(tr, "w/.git/HEAD")) }),
	"island-rename": errCheck(func(tr string) error {
		return unix.Rename(filepath.Join(tr, "w/.git"), filepath.Join(tr, "w/git-moved"))
	}),
	"islandfile-write": writeCheck("w/island.txt", "evil"),
	"islandfile-rename": errCheck(func(tr string) error {
		return unix.Rename(filepath.Join(tr, "w/island.txt"), filepath.Join(tr, "w/island-moved"))
	}),
	// A missing island: creating it, or anything in it, is refused.
	"missing-create": func(tr string) string {
		d := filepath.Join(tr, "w/.codex")
		if err := unix.Mkdir(d, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
			return errResult(err)
		}
		return writeCheck("w/.codex/config.toml", "evil")(tr)
	},
	"missing-rename": errCheck(func(tr string) error {
		return unix.Rename(filepath.Join(tr, "w/.codex"), filepath.Join(tr, "w/codex-moved"))
	}),
	"missing-deep": func(tr string) string {
		if err := unix.Mkdir(filepath.Join(tr, "w/deep"), 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
			return errResult(err)
		}
		return errResult(unix.Mkdir(filepath.Join(tr, "w/deep/er"), 0o755))
	},
	"hidden-dir-list": func(tr string) string {
		ents, err := os.ReadDir(filepath.Join(tr, "w/secret"))
		if err != nil {
			return errResult(errors.Unwrap(err))
		}
		return fmt.Sprintf("ok:%d", len(ents))
	},
	"hidden-dir-file":  readCheck("w/secret/inner.txt"),
	"hidden-file-read": readCheck("w/secret.txt"),
	"hidden-file-size": func(tr string) string {
		var st unix.Stat_t
		if err := unix.Stat(filepath.Join(tr, "w/secret.txt"), &st); err != nil {
			return errResult(err)
		}
		return fmt.Sprintf("ok:%d", st.Size)
	},
	"dev-null":    writeCheck("/dev/null", "x"),
	"dev-full":    writeCheck("/dev/full", "x"),
	"dev-zero":    readCheck("/dev/zero"),
	"dev-urandom": func(string) string { return strings.SplitN(readCheck("/dev/urandom")(""), ":", 2)[0] },
	"dev-ptmx": func(string) string {
		fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
		if err != nil {
			return "open ptmx: " + errResult(err)
		}
		defer unix.Close(fd)
		n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
		if err != nil {
			return "TIOCGPTN: " + errResult(err)
		}
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return "TIOCSPTLCK: " + errResult(err)
		}
		pts, err := unix.Open("/dev/pts/"+strconv.Itoa(n), unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
		if err != nil {
			return "open pts: " + errResult(err)
		}
		unix.Close(pts)
		return "ok"
	},
	"dev-shm": func(string) string {
		p := fmt.Sprintf("/dev/shm/mountplan-test-%d", os.Getpid()+int(time.Now().UnixNano()%1000000))
		r := writeCheck(p, "x")("")
		unix.Unlink(p)
		return r
	},
	"dev-fd": func(string) string {
		l, err := os.Readlink("/dev/fd")
		if err != nil {
			return errResult(errors.Unwrap(err))
		}
		var st unix.Stat_t
		if err := unix.Stat("/dev/stdout", &st); err != nil {
			return "stat /dev/stdout: " + errResult(err)
		}
		return "ok:" + l
	},
	"proc-pids": func(string) string {
		ents, err := os.ReadDir("/proc")
		if err != nil {
			return errResult(errors.Unwrap(err))
		}
		var pids []string
		for _, e := range ents {
			if _, err := strconv.Atoi(e.Name()); err == nil {
				pids = append(pids, e.Name())
			}
		}
		if len(pids) > 5 {
			return fmt.Sprintf("ok:%d processes", len(pids))
		}
		return "ok:" + strings.Join(pids, ",")
	},
	"proc-comm-write": writeCheck("/proc/self/comm", "renamed"),
	// The placeholder registry's locks are out of the command's reach.
	"registry-list": func(string) string {
		_, err := os.ReadDir(registryDir(osHost(), os.Getuid()))
		return errResult(errors.Unwrap(err))
	},
	// Waits (at most a minute) for the test to create w/go from outside.
	"wait-go": func(tr string) string {
		for range 6000 {
			if unix.Access(filepath.Join(tr, "w/go"), unix.F_OK) == nil {
				return "ok"
			}
			time.Sleep(10 * time.Millisecond)
		}
		return "gave up waiting for w/go"
	},
	"proc-self": func(string) string {
		l, err := os.Readlink("/proc/self")
		if err != nil {
			return errResult(errors.Unwrap(err))
		}
		return "ok:" + l
	},
}

// runMountChecks runs the named checks in order and prints one line each.
func runMountChecks(tree string, names []string) int {
	for _, name := range names {
		c, ok := mountChecks[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "unknown check %q\n", name)
			return 3
		}
		fmt.Printf("check %s %s\n", name, c(tree))
	}
	return 0
}

// mountRun is what a probe printed.
type mountRun struct {
	checks  map[string]string
	plan    []string
	notices []string
	applied string
	// prepared: planMounts and prepareHost's times; cleanedIn: cleanupHost's.
	prepared, cleanedIn string
	cleaned             bool
	r                   runResult
}

func parseMountRun(r runResult) mountRun {
	m := mountRun{checks: map[string]string{}, r: r}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		word, rest, _ := strings.Cut(sc.Text(), " ")
		switch word {
		case "check":
			name, res, _ := strings.Cut(rest, " ")
			m.checks[name] = res
		case "plan":
			m.plan = append(m.plan, rest)
		case "notice":
			m.notices = append(m.notices, rest)
		case "applied":
			m.applied = strings.TrimPrefix(rest, "in ")
		case "cleaned":
			m.cleaned = true
			m.cleanedIn = strings.TrimPrefix(rest, "in ")
		case "prepared":
			m.prepared = strings.TrimPrefix(rest, "in ")
		}
	}
	return m
}

// newMountTree makes the tree the checks act on, owned by u:
//
//	outside/file        not writable
//	outside/wfile       a writable root that is a file
//	w/                  writable root (the working directory)
//	w/file
//	w/.git/HEAD         island, a directory
//	w/island.txt        island, a file
//	                    (w/.codex and w/deep/er: islands, missing)
//	w/secret/inner.txt  hidden directory
//	w/secret.txt        hidden file
//	real/, link -> real writable root given through a symlink
//	hid/other.txt       hidden directory ...
//	hid/a/work/         ... holding a writable root
func newMountTree(t *testing.T, u runAs) string {
	t.Helper()
	root := u.dir(t)
	for _, d := range []string{"outside", "w/.git", "w/secret", "real", "hid/a/work"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range map[string]string{
		"outside/file": "orig", "outside/wfile": "orig", "w/file": "orig", "w/.git/HEAD": "ref: refs/heads/main\n",
		"w/island.txt": "island", "w/secret/inner.txt": "secret", "w/secret.txt": "secret",
		"hid/other.txt": "secret",
	} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("real", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	u.own(t, root)
	return root
}

// mountPolicyArgs is the policy of the checks, as mountSpawn reads it.
func mountPolicyArgs(tree string) []string {
	j := func(rel string) string { return filepath.Join(tree, rel) }
	return []string{
		"-w", j("w"), "--ro", j("w/.git"), "--ro", j("w/island.txt"), "--ro", j("w/.codex"), "--ro", j("w/deep/er"),
		"-w", j("link"), "-w", j("outside/wfile"),
		"--hide", j("w/secret"), "--hide", j("w/secret.txt"),
		"--hide", j("hid"), "-w", j("hid/a/work"),
	}
}

// mountDenials are the checks the sandbox must refuse, with the errno it
// answers; without the sandbox each succeeds ("ok" or "ok:...").
var mountDenials = []struct{ name, want string }{
	{"outside-write", "EROFS"},
	{"outside-create", "EROFS"},
	{"outside-chmod", "EROFS"},
	{"outside-utime", "EROFS"},
	{"outside-chown", "EROFS"},
	{"outside-setxattr", "EROFS"},
	{"island-write", "EROFS"},
	{"island-chmod", "EROFS"},
	{"island-create", "EROFS"},
	{"island-delete", "EROFS"},
	{"island-rename", "EBUSY"},
	{"islandfile-write", "EROFS"},
	{"islandfile-rename", "EBUSY"},
	{"missing-create", "EROFS"},
	{"missing-rename", "EBUSY"},
	{"missing-deep", "EROFS"},
	{"hidden-dir-list", "EACCES"},
	{"hidden-dir-file", "EACCES"},
	{"hidden-file-read", "EACCES"},
	{"proc-comm-write", "EROFS"},
	{"keep-read", "ENOENT"},
	{"keep-list", "EACCES"},
	{"registry-list", "ENOENT"}, // in the host's /dev/shm, which the sandbox does not show
}

// mountAllowed are the checks that must work in the sandbox, with what
// they must answer there.
var mountAllowed = []struct{ name, want string }{
	{"w-write", "ok"},
	{"w-create", "ok"},
	{"w-cwd", "ok"},
	{"link-write", "ok"},
	{"keep-write", "ok"},
	{"wfile-write", "ok"},
	{"hidden-file-size", "ok:0"},
	{"dev-null", "ok"},
	{"dev-full", "ENOSPC"},
	{"dev-zero", `ok:"` + strings.Repeat(`\x00`, 64) + `"`},
	{"dev-urandom", "ok"},
	{"dev-ptmx", "ok"},
	{"dev-shm", "ok"},
	{"dev-fd", "ok:/proc/self/fd"},
	{"proc-pids", "ok:1"},
	{"proc-self", "ok:1"},
}

// requireUserns skips (fails under CI) where u cannot make the inner
// stage's namespaces: it runs mountSpawn with an empty policy as u.
func requireUserns(t *testing.T, u runAs) {
	t.Helper()
	_, probe := binaries(t)
	cmd := u.command(probe, "--")
	cmd.Env = append(cmd.Env, probeEnv+"="+probeMountSpawn)
	if r := runCommand(t, cmd); r.code != 0 {
		if strings.Contains(r.stderr, "start the inner stage") {
			skipOrFail(t, "no user namespaces for %s: %v", u.name, r)
		}
		t.Fatalf("an empty plan failed: %v", r)
	}
}

// TestMountPlanKernel applies a plan with every kind of operation in new
// namespaces, as root and as 65534, and checks by effect: writes outside
// the writable roots and to islands refused, missing islands not
// creatable and gone afterwards, hidden paths unreadable, writable roots
// (also through a symlink and the working directory) writable, /dev and
// /proc fresh and working. Each denial is tried again without the sandbox
// on a copy of the tree, where it works.
func TestMountPlanKernel(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireUserns(t, u)
		_, probe := binaries(t)
		var names []string
		for _, c := range mountAllowed {
			names = append(names, c.name)
		}
		for _, c := range mountDenials {
			names = append(names, c.name)
		}

		tree := newMountTree(t, u)
		var before unix.Stat_t
		if err := unix.Stat(filepath.Join(tree, "outside/file"), &before); err != nil {
			t.Fatal(err)
		}
		state := treeState(t, tree)
		cmd := u.command(append(append([]string{probe}, mountPolicyArgs(tree)...), append([]string{"--"}, names...)...)...)
		cmd.Dir = filepath.Join(tree, "w")
		cmd.Env = append(cmd.Env, probeEnv+"="+probeMountSpawn, mountTreeEnv+"="+tree)
		run := parseMountRun(runCommand(t, cmd))
		t.Logf("plan:\n%s\napplied in %s; notices %q", strings.Join(run.plan, "\n"), run.applied, run.notices)
		if run.r.code != 0 || !run.cleaned {
			t.Fatalf("the run failed: %v", run.r)
		}
		for _, c := range mountAllowed {
			want := c.want
			if strings.HasPrefix(c.name, "proc-") && len(run.notices) > 0 {
				want = run.checks[c.name] // the host's /proc: said so in a notice
			}
			if got := run.checks[c.name]; got != want {
				t.Errorf("%s in the sandbox: %s, want %s", c.name, got, want)
			}
		}
		for _, c := range mountDenials {
			if got := run.checks[c.name]; got != c.want {
				t.Errorf("%s in the sandbox: %s, want %s", c.name, got, c.want)
			}
		}

		// Effects, from outside: the writes that were allowed, nothing else.
		after := treeState(t, tree)
		want := map[string]bool{
			"changed w/file": true, "added w/created": true, "added w/cwdfile": true, "added real/linked": true,
			"added hid/a/work/kept": true, "changed outside/wfile": true,
		}
		for _, line := range strings.Split(treeDiff(state, after), "\n") {
			if line == "" {
				continue
			}
			f := strings.Fields(line)
			key := f[0] + " " + strings.TrimSuffix(f[1], ":")
			if !want[key] {
				t.Errorf("the tree changed: %s", line)
			}
			delete(want, key)
		}
		for k := range want {
			t.Errorf("expected change missing: %s", k)
		}
		var now unix.Stat_t
		if err := unix.Stat(filepath.Join(tree, "outside/file"), &now); err != nil {
			t.Fatal(err)
		}
		if now.Mtim != before.Mtim {
			t.Errorf("outside/file's mtime changed: %v -> %v", before.Mtim, now.Mtim)
		}
		checkRegistryEmpty(t, u, tree)

		// The control: the same user, no sandbox, a fresh tree.
		ctree := newMountTree(t, u)
		var denials []string
		for _, c := range mountDenials {
			denials = append(denials, c.name)
		}
		ccmd := u.command(append([]string{probe}, denials...)...)
		ccmd.Dir = filepath.Join(ctree, "w")
		ccmd.Env = append(ccmd.Env, probeEnv+"="+probeMountCheck, mountTreeEnv+"="+ctree)
		control := parseMountRun(runCommand(t, ccmd))
		for _, c := range mountDenials {
			if got := control.checks[c.name]; got != "ok" && !strings.HasPrefix(got, "ok:") {
				t.Errorf("control: %s without the sandbox: %s, want it to work", c.name, got)
			}
		}
	})
}

// checkRegistryEmpty: after the last run, no placeholder registry entry is
// left for the tree's islands.
func checkRegistryEmpty(t *testing.T, u runAs, tree string) {
	t.Helper()
	reg := registryDir(osHost(), u.uid)
	for _, rel := range []string{"w/.git", "w/island.txt", "w/.codex", "w/deep"} {
		if f := registryFile(reg, filepath.Join(tree, rel)); lexists(f) {
			t.Errorf("registry entry %s for %s left behind", f, rel)
		}
	}
}

// TestMountPlanRefusesSymlinkedIsland: a symlink where an island is
// expected, inside a writable root, stops the run before anything is made.
func TestMountPlanRefusesSymlinkedIsland(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		_, probe := binaries(t)
		tree := newMountTree(t, u)
		if err := os.RemoveAll(filepath.Join(tree, "w/.git")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(tree, "outside"), filepath.Join(tree, "w/.git")); err != nil {
			t.Fatal(err)
		}
		u.own(t, tree)
		state := treeState(t, tree)
		cmd := u.command(append([]string{probe}, append(mountPolicyArgs(tree), "--", "w-write")...)...)
		cmd.Env = append(cmd.Env, probeEnv+"="+probeMountSpawn, mountTreeEnv+"="+tree)
		r := runCommand(t, cmd)
		if r.code == 0 || !strings.Contains(r.stderr, "crosses symlink") || strings.Contains(r.stdout, "check ") {
			t.Errorf("want a refusal naming the symlink and no check run: %v", r)
		}
		if d := treeDiff(state, treeState(t, tree)); d != "" {
			t.Errorf("the tree changed:\n%s", d)
		}
	})
}

// TestMountPlanTiming applies a typical plan (one writable root, four
// islands of which three are missing, one hidden directory) and logs how
// long applyMounts took; it asserts nothing about time.
func TestMountPlanTiming(t *testing.T) {
	u := runAs{name: "self", uid: os.Getuid(), gid: os.Getgid()}
	requireUserns(t, u)
	_, probe := binaries(t)
	tree := newMountTree(t, u)
	j := func(rel string) string { return filepath.Join(tree, rel) }
	args := []string{"-w", j("w"), "--ro", j("w/.git"), "--ro", j("w/.codex"), "--ro", j("w/.agents"), "--ro", j("w/.aws"),
		"--hide", j("w/secret"), "--"}
	var took []time.Duration
	for range 5 {
		cmd := u.command(append([]string{probe}, args...)...)
		cmd.Env = append(cmd.Env, probeEnv+"="+probeMountSpawn, mountTreeEnv+"="+tree)
		run := parseMountRun(runCommand(t, cmd))
		if run.r.code != 0 {
			t.Fatalf("run failed: %v", run.r)
		}
		d, err := time.ParseDuration(run.applied)
		if err != nil {
			t.Fatalf("no time printed: %v", run.r)
		}
		took = append(took, d)
		t.Logf("planMounts, prepareHost %s; applyMounts %s; cleanupHost %s", run.prepared, run.applied, run.cleanedIn)
	}
	slices.Sort(took)
	t.Logf("applyMounts, one root, 4 islands (3 missing), 1 hidden, 5 runs: min %v, median %v, max %v", took[0], took[2], took[4])
}

// TestPlaceholderRegistry: overlapping runs share a placeholder; only the
// last one's cleanup removes it, with its registry entry; a run that died
// leaves a claim the next run's cleanup honours; a directory of the
// user's that merely looks like a placeholder is left alone. The host
// side only: prepareHost and cleanupHost mount nothing, so this runs in
// the test process, as the current user (TestMountPlanKernel runs them as
// 65534 too).
func TestPlaceholderRegistry(t *testing.T) {
	func(u runAs) {
		tree := newMountTree(t, u)
		island := filepath.Join(tree, "w/.codex")
		p := Policy{WritableRoots: []WritableRoot{{Path: filepath.Join(tree, "w"), ReadOnly: []string{island}}}}
		plan := func() *mountPlan {
			mp, err := planMounts(p, osHost())
			if err != nil {
				t.Fatal(err)
			}
			if err := mp.prepareHost(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(mp.cleanupHost)
			return mp
		}
		islandOp := func(mp *mountPlan) mountOp {
			i := slices.IndexFunc(mp.ops, func(op mountOp) bool { return op.Kind == opIsland })
			return mp.ops[i]
		}

		a := plan()
		if op := islandOp(a); !op.Placeholder || !lexists(island) {
			t.Fatalf("first run: no placeholder: %+v", op)
		}
		b := plan()
		if ob, oa := islandOp(b), islandOp(a); ob.Dev != oa.Dev || ob.Ino != oa.Ino || !ob.Placeholder {
			t.Fatalf("second run sees %+v, first %+v", islandOp(b), islandOp(a))
		}
		a.cleanupHost()
		if !lexists(island) {
			t.Fatal("the first run's cleanup removed the placeholder the second still uses")
		}
		b.cleanupHost()
		if lexists(island) {
			t.Fatal("the last run's cleanup left the placeholder")
		}
		checkRegistryEmpty(t, u, tree)

		// A run that died: its lock is gone, its claim stays.
		c := plan()
		for _, lk := range c.held {
			unix.Close(lk.fd)
			lk.fd = -1
		}
		d := plan()
		if !islandOp(d).Placeholder {
			t.Fatalf("the dead run's placeholder is not recognised: %+v", islandOp(d))
		}
		d.cleanupHost()
		if lexists(island) {
			t.Fatal("the dead run's placeholder was left")
		}

		// The registry file removed from outside while a run holds it
		// (RemoveIPC): a later run cannot know the placeholder, so the
		// first must not remove what the later one stands on.
		f := plan()
		if err := os.Remove(f.held[0].file); err != nil {
			t.Fatal(err)
		}
		g := plan()
		f.cleanupHost()
		if !lexists(island) {
			t.Fatal("a run whose registry entry was removed took the placeholder from under a later run")
		}
		g.cleanupHost()
		if err := os.Remove(island); err != nil { // the price: left behind
			t.Fatal(err)
		}

		// The user's own empty directory is an island, not a placeholder.
		if err := os.Mkdir(island, 0o755); err != nil {
			t.Fatal(err)
		}
		e := plan()
		if islandOp(e).Placeholder {
			t.Fatalf("the user's directory taken for a placeholder: %+v", islandOp(e))
		}
		e.cleanupHost()
		if !lexists(island) {
			t.Fatal("the user's empty directory was removed")
		}
		checkRegistryEmpty(t, u, tree)

		// A dead run's claim outlives its placeholder, which the user
		// replaced with an empty directory of their own; a filesystem
		// may give that the same inode number (made so here by
		// rewriting the claim with the new one's): the stamp tells
		// them apart, by the file handle, and by the birth time.
		if err := os.Remove(island); err != nil {
			t.Fatal(err)
		}
		dead := plan()
		file := dead.held[0].file
		for _, lk := range dead.held {
			unix.Close(lk.fd)
			lk.fd = -1
		}
		claimed, ok := claimFile(t, file)
		if !ok {
			t.Fatalf("no claim in %s", file)
		}
		if claimed.stamp.handle == "" && !claimed.stamp.birth.known {
			skipOrFail(t, "the filesystem of %s gives neither a file handle nor a birth time: %+v", tree, claimed.stamp)
		}
		if err := os.Remove(island); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(island, 0o755); err != nil {
			t.Fatal(err)
		}
		var st unix.Stat_t
		if err := unix.Lstat(island, &st); err != nil {
			t.Fatal(err)
		}
		parent, err := unix.Open(filepath.Dir(island), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, now, err := identify(parent, filepath.Base(island))
		unix.Close(parent)
		if err != nil {
			t.Fatal(err)
		}
		forged := claimed
		forged.dev, forged.ino = st.Dev, st.Ino
		type stampCase struct {
			name  string
			stamp stamp
			match bool
		}
		var cases []stampCase
		if claimed.stamp.handle != "" {
			// The old handle, the new birth (made in the same tick).
			cases = append(cases, stampCase{"handle", stamp{handle: claimed.stamp.handle, birth: now.birth}, false})
		}
		if now.birth.known {
			// No handle (a filesystem without), a birth a second
			// before the new one.
			cases = append(cases, stampCase{"birth", stamp{birth: birth{known: true, sec: now.birth.sec - 1, nsec: now.birth.nsec}}, false})
		}
		// The control: neither, as earlier versions wrote claims: the
		// device and inode name the directory.
		cases = append(cases, stampCase{"neither (control)", stamp{}, true})
		for _, c := range cases {
			forged.stamp = c.stamp
			writeClaimFile(t, file, forged)
			h := plan()
			if islandOp(h).Placeholder != c.match {
				t.Errorf("%s: claim %+v for the directory %+v: taken for the placeholder: %v, want %v", c.name, c.stamp, now, islandOp(h).Placeholder, c.match)
			}
			h.cleanupHost()
			if lexists(island) == c.match {
				t.Errorf("%s: the directory exists: %v, want %v", c.name, lexists(island), !c.match)
			}
			checkRegistryEmpty(t, u, tree)
		}
	}(runAs{name: "self", uid: os.Getuid(), gid: os.Getgid()})
}

// TestPlaceholderClaimKeptUnidentified: a run that cannot tell whether an
// empty directory is the placeholder a claim names (identify fails, as
// with EMFILE) fails, and leaves the claim; the next run recognises the
// placeholder and removes it. Without the error it would take it for
// the user's directory and leave it for good.
func TestPlaceholderClaimKeptUnidentified(t *testing.T) {
	u := runAs{name: "self", uid: os.Getuid(), gid: os.Getgid()}
	tree := newMountTree(t, u)
	island := filepath.Join(tree, "w/.codex")
	p := Policy{WritableRoots: []WritableRoot{{Path: filepath.Join(tree, "w"), ReadOnly: []string{island}}}}
	plan := func() (*mountPlan, error) {
		mp, err := planMounts(p, osHost())
		if err != nil {
			t.Fatal(err)
		}
		err = mp.prepareHost()
		t.Cleanup(mp.cleanupHost)
		return mp, err
	}
	dead, err := plan()
	if err != nil {
		t.Fatal(err)
	}
	file := dead.held[0].file
	for _, lk := range dead.held {
		unix.Close(lk.fd)
		lk.fd = -1
	}
	before, ok := claimFile(t, file)
	if !ok || !lexists(island) {
		t.Fatalf("no placeholder claimed: %v %v", ok, lexists(island))
	}

	identifyAt = func(int, string) (unix.Stat_t, stamp, error) { return unix.Stat_t{}, stamp{}, unix.EMFILE }
	_, err = plan()
	identifyAt = identify
	if !errors.Is(err, unix.EMFILE) {
		t.Errorf("a run that cannot identify the directory: %v, want EMFILE", err)
	}
	if after, ok := claimFile(t, file); !ok || after != before {
		t.Fatalf("the claim did not stay: %+v (%v), was %+v", after, ok, before)
	}

	next, err := plan()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(next.ops, func(op mountOp) bool { return op.Kind == opIsland })
	if !next.ops[i].Placeholder {
		t.Fatalf("the next run does not recognise the placeholder: %+v", next.ops[i])
	}
	next.cleanupHost()
	if lexists(island) {
		t.Fatal("the placeholder was left behind")
	}
	checkRegistryEmpty(t, u, tree)
}

// claimFile reads the claim in registry file path.
func claimFile(t *testing.T, path string) (claim, bool) {
	t.Helper()
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	return readClaim(fd)
}

// writeClaimFile writes c as registry file path's claim, as a run that
// died would have left it.
func writeClaimFile(t *testing.T, path string, c claim) {
	t.Helper()
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := writeClaim(fd, &c); err != nil {
		t.Fatal(err)
	}
}

// TestMountPlanProcFallback: on a host whose /proc is partly covered (as
// in many containers), the kernel refuses a new proc in the user
// namespace; the plan then keeps the host's, read-only, and says so in a
// notice, and everything else still applies.
func TestMountPlanProcFallback(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireUserns(t, u)
		tree := newMountTree(t, u)
		checks := []string{"proc-pids", "proc-comm-write", "w-write", "outside-write", "missing-create"}
		cmd := hostCommand(t, u, tree, []string{"mask-proc"}, append(append(mountPolicyArgs(tree), "--"), checks...)...)
		cmd.Dir = filepath.Join(tree, "w")
		run := parseMountRun(runCommand(t, cmd))
		t.Logf("notices %q checks %q", run.notices, run.checks)
		if run.r.code != 0 || !run.cleaned {
			t.Fatalf("the run failed: %v", run.r)
		}
		if len(run.notices) != 1 || !strings.Contains(run.notices[0], "/proc") || !strings.Contains(run.notices[0], "operation not permitted") {
			t.Errorf("want one notice naming /proc and EPERM, got %q", run.notices)
		}
		if got := run.checks["proc-pids"]; !strings.HasSuffix(got, "processes") {
			t.Errorf("proc-pids: %s, want the host's processes (so the fallback was really taken)", got)
		}
		for name, want := range map[string]string{"proc-comm-write": "EROFS", "w-write": "ok", "outside-write": "EROFS", "missing-create": "EROFS"} {
			if got := run.checks[name]; got != want {
				t.Errorf("%s: %s, want %s", name, got, want)
			}
		}
		if lexists(filepath.Join(tree, "w/.codex")) {
			t.Error("the placeholder was left behind")
		}
	})
}

// TestMountPlanSharedPlaceholder: two runs on one tree overlap. The one
// that ends first must not remove the placeholder the other stands on:
// since Linux 3.18 that would detach the other's read-only mount, and
// the missing island would become creatable in the run still going. The
// last run removes it.
func TestMountPlanSharedPlaceholder(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireUserns(t, u)
		_, probe := binaries(t)
		tree := newMountTree(t, u)
		island := filepath.Join(tree, "w/.codex")
		policy := []string{"-w", filepath.Join(tree, "w"), "--ro", island, "--"}
		spawn := func(checks ...string) *exec.Cmd {
			cmd := u.command(append(append([]string{probe}, policy...), checks...)...)
			cmd.Env = append(cmd.Env, probeEnv+"="+probeMountSpawn, mountTreeEnv+"="+tree)
			return cmd
		}

		first := spawn("wait-go", "missing-create")
		out, err := first.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		first.Stderr = &stderr
		if err := first.Start(); err != nil {
			t.Fatal(err)
		}
		defer first.Process.Kill()
		lines := bufio.NewScanner(out)
		var stdout strings.Builder
		for lines.Scan() {
			stdout.WriteString(lines.Text() + "\n")
			if strings.HasPrefix(lines.Text(), "applied ") {
				break
			}
		}

		second := parseMountRun(runCommand(t, spawn("missing-create")))
		if second.r.code != 0 || second.checks["missing-create"] != "EROFS" {
			t.Fatalf("second run: %v", second.r)
		}
		if !lexists(island) {
			t.Error("the second run removed the placeholder the first still stands on")
		}

		if err := os.WriteFile(filepath.Join(tree, "w/go"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		for lines.Scan() {
			stdout.WriteString(lines.Text() + "\n")
		}
		werr := first.Wait()
		run := parseMountRun(runResult{stdout: stdout.String(), stderr: stderr.String(), code: first.ProcessState.ExitCode()})
		if werr != nil || !run.cleaned {
			t.Fatalf("first run: %v: %v", werr, run.r)
		}
		if got := run.checks["missing-create"]; got != "EROFS" {
			t.Errorf("missing island in the first run, after the second ended: %s, want EROFS", got)
		}
		if lexists(island) {
			t.Error("the last run left the placeholder behind")
		}
		checkRegistryEmpty(t, u, tree)
	})
}

// TestMountPlanReadOnlyFS: a missing island on a read-only filesystem
// needs no placeholder (the command cannot create it either, and neither
// can the outer stage): the run goes ahead, and the island stays
// impossible to create.
func TestMountPlanReadOnlyFS(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireUserns(t, u)
		tree := newMountTree(t, u)
		rofs := filepath.Join(tree, "w/deep")
		if err := os.Mkdir(rofs, 0o755); err != nil {
			t.Fatal(err)
		}
		u.own(t, tree)
		policy := []string{"-w", filepath.Join(tree, "w"), "--ro", filepath.Join(rofs, "er"), "--", "missing-deep", "w-write"}
		cmd := hostCommand(t, u, tree, []string{"ro-tmpfs=" + rofs}, policy...)
		run := parseMountRun(runCommand(t, cmd))
		if run.r.code != 0 || !run.cleaned {
			t.Fatalf("the run failed: %v", run.r)
		}
		if !slices.ContainsFunc(run.plan, func(l string) bool { return strings.Contains(l, "read-only filesystem: cannot be created") }) {
			t.Errorf("the plan does not say the island was skipped: %q", run.plan)
		}
		for name, want := range map[string]string{"missing-deep": "EROFS", "w-write": "ok"} {
			if got := run.checks[name]; got != want {
				t.Errorf("%s: %s, want %s", name, got, want)
			}
		}
		checkRegistryEmpty(t, u, tree)
		if f := registryFile(registryDir(osHost(), u.uid), filepath.Join(rofs, "er")); lexists(f) {
			t.Errorf("registry entry %s left behind", f)
		}
	})
}

// TestApplyMountsRefusesOutsideTheInnerStage: anywhere but as PID 1 of a
// new PID namespace, applyMounts changes nothing (in the caller's own
// namespaces it would make the machine's mounts read-only). Tried in a
// child with new user and mount namespaces but no PID namespace, so that
// a failing guard would harm only that child's view.
func TestApplyMountsRefusesOutsideTheInnerStage(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireUserns(t, u)
		_, probe := binaries(t)
		mp, err := planMounts(Policy{}, osHost())
		if err != nil {
			t.Fatal(err)
		}
		cmd := u.command(probe, "w-write")
		cmd.Env = append(cmd.Env, probeEnv+"="+probeMountApply)
		cmd.Stdin = bytes.NewReader(mp.marshal())
		attr := innerAttr()
		attr.Cloneflags &^= syscall.CLONE_NEWPID
		if u.cred != nil {
			// uid 0 of the new namespace is 65534 outside.
			attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: u.uid, Size: 1}}
			attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: u.gid, Size: 1}}
			attr.AmbientCaps = nil
		}
		cmd.SysProcAttr = attr
		r := runCommand(t, cmd)
		if r.code == 0 || !strings.Contains(r.stderr, "not applied") || strings.Contains(r.stdout, "applied in") {
			t.Errorf("want a refusal before any mount: %v", r)
		}
	})
}

// TestClaimFormat: a claim reads back as written, with or without a birth
// time, a path with spaces included; an earlier version's line reads as a
// claim without one; a malformed birth is no claim.
func TestClaimFormat(t *testing.T) {
	file := filepath.Join(t.TempDir(), "claim")
	for _, c := range []claim{
		{dev: 65024, ino: 42, stamp: stamp{handle: "1.2a0000001f", birth: birth{known: true, sec: 1764000000, nsec: 7}}, path: "/w/a b/.codex"},
		{dev: 65024, ino: 42, stamp: stamp{handle: "1.2a"}, path: "/w/%x @y/.codex"},
		{dev: 1, ino: 2, path: "/w/@x/.git"},
	} {
		writeClaimFile(t, file, c)
		if got, ok := claimFile(t, file); !ok || got != c {
			t.Errorf("wrote %+v, read %+v (%v)", c, got, ok)
		}
	}
	long := "/" + strings.Repeat("d/", 2047) + "e"
	for line, want := range map[string]*claim{
		"placeholder 3 4 /w/.aws\n":                    {dev: 3, ino: 4, path: "/w/.aws"},
		"placeholder 3 4 @5.000000006 /w/.aws\n":       {dev: 3, ino: 4, stamp: stamp{birth: birth{known: true, sec: 5, nsec: 6}}, path: "/w/.aws"},
		"placeholder 3 4 @5.000000006 %1.ab /w/.aws\n": {dev: 3, ino: 4, stamp: stamp{handle: "1.ab", birth: birth{known: true, sec: 5, nsec: 6}}, path: "/w/.aws"},
		"placeholder 3 4 %1.ab /w/ x\n":                {dev: 3, ino: 4, stamp: stamp{handle: "1.ab"}, path: "/w/ x"},
		"placeholder 18446744073709551615 18446744073709551615 @-9223372036854775808.999999999 %255." + strings.Repeat("ff", 128) + " " + long + "\n": {
			dev: 1<<64 - 1, ino: 1<<64 - 1, stamp: stamp{handle: "255." + strings.Repeat("ff", 128), birth: birth{known: true, sec: -1 << 63, nsec: 999999999}}, path: long},
		"placeholder 3 4 @5.1000000000 /w/.aws\n": nil,
		"placeholder 3 4 @x.1 /w/.aws\n":          nil,
		"placeholder 3 4 @5.1 @5.1 /w/.aws\n":     nil,
		"placeholder 3 4 % /w/.aws\n":             nil,
		"placeholder 3 4 w/.aws\n":                nil,
		"placeholder 3 4 @5.1\n":                  nil,
		"placeholder 3 4 /w/.aws":                 nil,
	} {
		if err := os.WriteFile(file, []byte(line), 0o600); err != nil {
			t.Fatal(err)
		}
		got, ok := claimFile(t, file)
		if want == nil && ok || want != nil && (!ok || got != *want) {
			t.Errorf("%.80q: read %.200v (%v), want %.200v", line, got, ok, want)
		}
	}
}
