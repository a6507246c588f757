//go:build !linux

package main

// innerStage is the namespace engine's internal stage (nsengine_linux.go);
// there is none here.
const innerStage = "--namespace-inner-stage"

func runInner([]string) int {
	errorf("%s is internal to the Linux namespace engine", innerStage)
	return exitUsage
}
