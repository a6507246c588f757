//go:build darwin

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// engage replaces this process with /usr/bin/sandbox-exec, which compiles
// the profile, applies it to itself and execs the command. The pid, stdio
// and exit status become the command's. It returns only when the profile
// cannot be built, the command cannot be found or run (an *execError: 127
// or 126, as on Linux) or execve fails; nothing irreversible has happened
// by then.
//
// The command is looked up here, with execvp's rules (execCandidates), and
// sandbox-exec gets its absolute path: left to itself, sandbox-exec
// searches PATH and reports a missing command as its own failure (exit 71,
// "execvp() of 'x' failed"), which a caller cannot tell from a profile
// error. Given a path with a slash, its execvp runs that file and, for a
// script without #! (ENOEXEC), runs it with /bin/sh, as the Linux engine
// does.
func engage(p Policy, cmd []string) error {
	if len(cmd) == 0 {
		return errors.New("no command to run")
	}
	// Paths are resolved once, by the walk that refuses a symlink planted
	// inside a writable root (canonicalWritableRoot): checking first and
	// resolving again would let a process swap one in between. Seatbelt
	// then matches accesses by the path they reach, so a symlink swapped in
	// later leads out of the rules, not into them.
	var planted error
	resolve := func(path string) string {
		return seatbeltCanonical(path, func(dir string) (string, error) {
			c, err := canonicalWritableRoot(p, dir)
			if err != nil && planted == nil {
				planted = err
			}
			return c, err
		})
	}
	// The profile first: a policy that cannot be expressed is a setup
	// error (125) whether or not the command exists, as on Linux.
	policy, params, err := seatbeltPolicy(p, resolve)
	if err == nil {
		err = planted
	}
	if err != nil {
		return err
	}
	path, err := lookExecutable(cmd[0])
	if err != nil {
		return err
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	argv := seatbeltCommand(policy, params, append([]string{path}, cmd[1:]...))
	err = syscall.Exec(seatbeltExecutable, argv, os.Environ())
	return fmt.Errorf("exec %s: %w", seatbeltExecutable, err)
}
