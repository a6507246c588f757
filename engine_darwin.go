//go:build darwin

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// engage replaces this process with /usr/bin/sandbox-exec, which compiles
// the profile, applies it to itself and execs cmd (looking cmd up in PATH
// already confined). The pid, stdio and exit status become the command's.
// It returns only when the profile cannot be built or execve fails; nothing
// irreversible has happened by then.
func engage(p Policy, cmd []string) error {
	if err := seatbeltValidate(p, cmd); err != nil {
		return err
	}
	resolve := func(path string) string {
		return seatbeltCanonical(path, filepath.EvalSymlinks)
	}
	argv := seatbeltArgv(p, resolve, cmd)
	err := syscall.Exec(seatbeltExecutable, argv, os.Environ())
	return fmt.Errorf("exec %s: %w", seatbeltExecutable, err)
}
