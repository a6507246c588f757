//go:build linux && amd64

package main

// rawSigHandler and rawSigReturn are called by the kernel only
// (sigcatch_amd64.s); rawSigAddrs gives their entry points.
func rawSigHandler()
func rawSigReturn()
func rawSigAddrs() (handler, restorer uintptr)

// rawSigHandlerExists says catchSignals can use rawSigHandler.
const rawSigHandlerExists = true
