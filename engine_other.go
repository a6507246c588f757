//go:build !linux && !darwin

package main

import (
	"fmt"
	"runtime"
)

// engage has no kernel mechanism to drive on this OS, and running the
// command unconfined is never an option.
func engage(p Policy, cmd []string) error {
	return fmt.Errorf("unsupported OS %s: only linux (Landlock) and darwin (Seatbelt) can be sandboxed", runtime.GOOS)
}
