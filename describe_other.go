//go:build !linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
)

// printPolicy prints the Seatbelt invocation a real run would exec.
func printPolicy(w io.Writer, p Policy, cmd []string) int {
	resolve := func(path string) string { return seatbeltCanonical(path, filepath.EvalSymlinks) }
	rep := struct {
		Command       []string `json:"command"`
		WritableRoots []string `json:"writable_roots"`
		Network       bool     `json:"network"`
		SandboxExec   []string `json:"sandbox_exec_argv"`
	}{Command: cmd, WritableRoots: []string{}, Network: p.Network, SandboxExec: seatbeltArgv(p, resolve, cmd)}
	for _, r := range p.WritableRoots {
		rep.WritableRoots = append(rep.WritableRoots, r.Path)
	}
	out, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Fprintln(w, string(out))
	return 0
}
