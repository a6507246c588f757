//go:build linux && !amd64

package main

// rawSigAddrs has no handler to give: catchSignals uses signal.Notify on
// this architecture (rawSigHandlerExists false).
func rawSigAddrs() (handler, restorer uintptr) { return 0, 0 }

// rawSigHandlerExists says catchSignals can use an assembly handler.
const rawSigHandlerExists = false
