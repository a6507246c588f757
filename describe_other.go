//go:build !linux

package main

import (
	"fmt"
	"io"
	"path/filepath"
)

// printPolicy prints the Seatbelt invocation a real run would exec.
func printPolicy(out io.Writer, p Policy, cmd []string) int {
	if err := checkPolicy(p); err != nil {
		errorf("%v", err)
		return exitSetup
	}
	resolve := func(path string) string { return seatbeltCanonical(path, filepath.EvalSymlinks) }
	w := jsonWriter{}
	w.openObject()
	w.key("command").strings(cmd)
	roots := []string{}
	for _, r := range p.WritableRoots {
		roots = append(roots, r.Path)
	}
	w.key("writable_roots").strings(roots)
	w.key("network").boolean(p.Network)
	w.key("sandbox_exec_argv").strings(seatbeltArgv(p, resolve, cmd))
	w.closeObject()
	if _, err := fmt.Fprintln(out, string(w.buf)); err != nil {
		return writeError(err)
	}
	return 0
}
