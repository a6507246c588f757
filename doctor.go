package main

// sandbox --doctor: what this kernel enforces, and the known escapes tried
// for real inside the sandbox.

func runDoctor(jsonOut bool) int {
	errorf("--doctor is not implemented yet")
	return exitSetup
}

func runProbe(name string, args []string) int {
	errorf("--doctor-probe %s: unknown probe", name)
	return exitUsage
}
