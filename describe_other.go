//go:build !linux

package main

import (
	"fmt"
	"io"
	"path/filepath"
)

// printPolicy prints the Seatbelt invocation a real run would exec, the
// command resolved as engage resolves it (left as given when it cannot
// be: the report is about the policy). It exits 125 when a real run would
// refuse the policy.
func printPolicy(out io.Writer, p Policy, cmd []string) int {
	if err := checkPolicy(p); err != nil {
		errorf("%v", err)
		return exitSetup
	}
	resolve := func(path string) string { return seatbeltCanonical(path, filepath.EvalSymlinks) }
	run := cmd
	if len(cmd) > 0 {
		if path, err := lookExecutable(cmd[0]); err == nil {
			if abs, err := filepath.Abs(path); err == nil {
				path = abs
			}
			run = append([]string{path}, cmd[1:]...)
		}
	}
	report, ok := seatbeltReport(p, resolve, cmd, run)
	if _, err := fmt.Fprintln(out, string(report)); err != nil {
		return writeError(err)
	}
	if !ok {
		return exitSetup
	}
	return 0
}
