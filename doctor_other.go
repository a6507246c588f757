//go:build !linux

package main

import "errors"

// The escapes the doctor tries are Linux ones (Landlock, seccomp).

func examine() (*doctorReport, error) { return nil, errors.New("only on Linux") }

func runProbe(name string, args []string) int {
	errorf("doctor: only on Linux")
	return exitUsage
}
