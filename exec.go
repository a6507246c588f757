//go:build linux || darwin

package main

// execvp(3), done by hand: Go's os/exec.LookPath differs from it (it skips
// files without an execute bit instead of letting execve decide, and has no
// ENOEXEC fallback), and the caller expects exactly what the shell does.

import (
	"errors"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// defaultPath is glibc's confstr(_CS_PATH), which execvp uses when PATH is
// unset.
const defaultPath = "/bin:/usr/bin"

// Exit statuses, as env(1), nohup(1) and timeout(1) use them.
const (
	exitUsage     = 2
	exitSetup     = 125 // the sandbox could not be set up; nothing ran
	exitCannotRun = 126 // the command was found but could not be executed
	exitNotFound  = 127 // the command was not found
)

// execError is a failed execvp: which command, what errno, what exit
// status the caller should see.
type execError struct {
	name string
	err  error
}

func (e *execError) Error() string { return e.name + ": " + e.err.Error() }
func (e *execError) Unwrap() error { return e.err }

func (e *execError) exitCode() int {
	if errors.Is(e.err, syscall.ENOENT) || errors.Is(e.err, syscall.ENOTDIR) {
		return exitNotFound
	}
	return exitCannotRun
}

// execCandidates lists the paths execvp would try for name, in order.
func execCandidates(name string) []string {
	if strings.Contains(name, "/") {
		return []string{name}
	}
	path, ok := os.LookupEnv("PATH")
	if !ok {
		path = defaultPath
	}
	var c []string
	for _, dir := range strings.Split(path, ":") {
		if dir == "" {
			dir = "." // an empty PATH element is the current directory
		}
		c = append(c, dir+"/"+name)
	}
	return c
}

// execvp replaces the process with argv[0] searched in PATH, with the
// current environment. It returns only on failure, with an *execError.
// Like glibc: a candidate failing with EACCES does not stop the search but
// is reported if nothing else runs; ENOEXEC (a script without #!) is run
// by /bin/sh; an empty name is not found.
func execvp(argv []string) error {
	return searchExec(argv, syscall.Exec)
}

// searchExec is execvp's search with exec in place of execve: exec
// returns nil once the command runs (the namespace engine's fork and exec)
// or the errno execve failed with.
func searchExec(argv []string, exec func(path string, argv, env []string) error) error {
	name := argv[0]
	if name == "" {
		return &execError{name: `""`, err: syscall.ENOENT}
	}
	env := os.Environ()
	var sawEACCES bool
	for _, path := range execCandidates(name) {
		err := exec(path, argv, env)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.ENOEXEC):
			shArgv := append([]string{"/bin/sh", path}, argv[1:]...)
			if err = exec("/bin/sh", shArgv, env); err == nil {
				return nil
			}
			return &execError{name: name, err: err}
		case errors.Is(err, syscall.EACCES):
			sawEACCES = true
		case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ENOTDIR),
			errors.Is(err, syscall.ESTALE), errors.Is(err, syscall.ENODEV),
			errors.Is(err, syscall.ETIMEDOUT):
		default:
			return &execError{name: name, err: err}
		}
	}
	if sawEACCES {
		return &execError{name: name, err: syscall.EACCES}
	}
	return &execError{name: name, err: syscall.ENOENT}
}

// lookExecutable returns the file execvp would run for name, without
// running it, or the *execError execvp would end with: the same
// candidates, the same errors skipped, EACCES remembered. The macOS
// engine uses it because sandbox-exec, left to search PATH itself, turns
// "not found" into its own exit status 71. What execve alone can tell (a
// script without #!, a binary for another CPU) is left to it.
func lookExecutable(name string) (string, error) {
	var found string
	err := searchExec([]string{name}, func(path string, _, _ []string) error {
		if err := executable(path); err != nil {
			return err
		}
		found = path
		return nil
	})
	return found, err
}

// executable answers as execve(2) would before loading path: the errno of
// resolving it, EACCES for anything but a regular file, and EACCES when
// the effective user may not execute it (root needs one execute bit).
func executable(path string) error {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return err
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return syscall.EACCES
	}
	return unix.Faccessat(unix.AT_FDCWD, path, unix.X_OK, unix.AT_EACCESS)
}
