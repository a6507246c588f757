//go:build linux && !amd64

package main

// The i386 and x32 ABIs exist only on amd64; the doctor skips their
// vectors elsewhere.

func notAmd64([]string) probeReport {
	return probeReport{Errors: []string{"n/a: only on amd64"}}
}

var (
	tryI386Getpid = notAmd64
	tryX32Getpid  = notAmd64
	tryI386Socket = notAmd64
	tryX32Socket  = notAmd64
)
