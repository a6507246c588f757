package main

// The test binary initializes package main too, on every OS, and main.go's
// init would run the program in it. Package-level variables are
// initialized before any init function runs, so this tells init where it
// is before it decides.
var _ = func() bool { testBinary = true; return true }()
