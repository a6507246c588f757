//go:build linux || darwin

package main

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestLookExecutable checks the lookup the macOS engine does before
// handing the command to sandbox-exec against execvp's rules (the same
// cases TestConfineExec runs through the real execvp on Linux): the file
// it picks, or the status 127/126 it ends with.
func TestLookExecutable(t *testing.T) {
	d := t.TempDir()
	write := func(name, data string, mode os.FileMode) string {
		p := filepath.Join(d, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	noexec := write("noexec", "echo no\n", 0o644)
	script := write("scripts/noshebang", "echo from-script\n", 0o755)
	write("a/sbtool", "echo from-a\n", 0o644)
	good := write("b/sbtool", "#!/bin/sh\necho from-b\n", 0o755)
	write("c/sbtool/x", "", 0o644) // a directory named like the command

	const unset = "\x00unset"
	cases := []struct {
		name, path, cmd string // path: PATH, "" to keep it, unset
		want            string // the file found, or ""
		code            int    // the exit status otherwise
	}{
		{"not executable", "", noexec, "", exitCannotRun},
		{"directory", "", d, "", exitCannotRun},
		{"missing path", "", filepath.Join(d, "missing"), "", exitNotFound},
		{"through a file", "", noexec + "/x", "", exitNotFound},
		{"missing in PATH", "", "sandbox-test-no-such-command", "", exitNotFound},
		{"empty name", "", "", "", exitNotFound},
		{"script without #! is left to execve", "", script, script, 0},
		{"script via PATH", filepath.Join(d, "scripts"), "noshebang", script, 0},
		{"PATH unset uses the default", unset, "sh", "/bin/sh", 0},
		{"PATH without it", "/nonexistent", "sh", "", exitNotFound},
		{"EACCES earlier in PATH", filepath.Join(d, "a") + ":" + filepath.Join(d, "b"), "sbtool", good, 0},
		{"a directory earlier in PATH", filepath.Join(d, "c") + ":" + filepath.Join(d, "b"), "sbtool", good, 0},
		{"only EACCES in PATH", filepath.Join(d, "a"), "sbtool", "", exitCannotRun},
		{"empty PATH elements, not in the current directory", ":", "sbtool", "", exitNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			switch c.path {
			case "":
			case unset:
				old, had := os.LookupEnv("PATH")
				os.Unsetenv("PATH")
				t.Cleanup(func() {
					if had {
						os.Setenv("PATH", old)
					}
				})
			default:
				t.Setenv("PATH", c.path)
			}
			got, err := lookExecutable(c.cmd)
			if c.want != "" {
				if err != nil || got != c.want {
					t.Fatalf("lookExecutable(%q) = %q, %v; want %q", c.cmd, got, err, c.want)
				}
				return
			}
			var ee *execError
			if !errors.As(err, &ee) || ee.exitCode() != c.code {
				t.Fatalf("lookExecutable(%q) = %q, %v; want exit %d", c.cmd, got, err, c.code)
			}
		})
	}

	// From the directory that holds it, an empty PATH element finds it.
	t.Chdir(filepath.Join(d, "b"))
	t.Setenv("PATH", "/nonexistent:")
	if got, err := lookExecutable("sbtool"); err != nil || got != "./sbtool" {
		t.Errorf("empty PATH element: %q, %v; want ./sbtool", got, err)
	}
	if err := executable(filepath.Join(d, "b")); !errors.Is(err, syscall.EACCES) {
		t.Errorf("executable(directory) = %v, want EACCES", err)
	}
}
