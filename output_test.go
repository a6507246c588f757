//go:build linux

package main

// Small things of issue 12, item 8: output that cannot be written, the
// nesting limit, the version's commit.

import (
	"bytes"
	"debug/buildinfo"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// TestConfineWriteError: --help, --version and --print-policy, generic
// and Codex, report a failed write to stdout in one line and exit 1, as
// cat does; the control writes to /dev/null and exits 0.
func TestConfineWriteError(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		sandbox, _ := binaries(t)
		codex := codexBinary(t)
		d := u.dir(t)
		cases := [][]string{
			{sandbox, "--help"},
			{sandbox, "-h"},
			{sandbox, "--version"},
			{sandbox, "--print-policy", "-w", d, "--", "true"},
			{codex, "--help"},
			{codex, "--print-policy", "-s", "disk-write-cwd", "--", "true"},
		}
		for _, argv := range cases {
			t.Run(strings.Join(append([]string{filepath.Base(argv[0])}, argv[1:2]...), " "), func(t *testing.T) {
				for _, dev := range []string{"/dev/null", "/dev/full"} {
					f, err := os.OpenFile(dev, os.O_WRONLY, 0)
					if err != nil {
						t.Fatal(err)
					}
					cmd := u.command(argv...)
					var stderr bytes.Buffer
					cmd.Stdout, cmd.Stderr = f, &stderr
					err = cmd.Run()
					f.Close()
					code := cmd.ProcessState.ExitCode()
					switch {
					case dev == "/dev/null" && (code != 0 || stderr.Len() != 0):
						t.Errorf("control into %s: exit %d, stderr %q (%v)", dev, code, stderr.String(), err)
					case dev == "/dev/full" && (code != 1 || !isOneLine(stderr.String(), "sandbox: write error: ")):
						t.Errorf("into %s: exit %d, stderr %q; want exit 1 and one line naming the write error", dev, code, stderr.String())
					}
				}
			})
		}
	})
}

// TestConfineNestingLimit: sixteen sandboxes nest, the seventeenth says
// why it cannot (Landlock's limit, not "argument list too long") and runs
// nothing.
func TestConfineNestingLimit(t *testing.T) {
	requireLandlock(t, 3)
	forEachUser(t, func(t *testing.T, u runAs) {
		sandbox, _ := binaries(t)
		d := u.dir(t)
		nest := func(n int, marker string) runResult {
			argv := []string{"touch", marker}
			for range n {
				argv = append([]string{sandbox, "--exec-only", "-w", d, "--"}, argv...)
			}
			return runCommand(t, u.command(argv...))
		}
		ok := filepath.Join(d, "sixteen")
		if r := nest(16, ok); r.code != 0 || !lexists(ok) {
			t.Fatalf("16 nested sandboxes: %v", r)
		}
		refused := filepath.Join(d, "seventeen")
		r := nest(17, refused)
		if r.code != exitSetup || !isOneLine(r.stderr, "sandbox: ") || !strings.Contains(r.stderr, "Landlock allows at most 16 nested domains") {
			t.Errorf("17 nested sandboxes: want exit %d and one line naming Landlock's limit: %v", exitSetup, r)
		}
		if lexists(refused) {
			t.Errorf("the command ran inside the 17th sandbox")
		}
	})
}

func TestVersionCommit(t *testing.T) {
	for _, c := range []struct {
		settings []debug.BuildSetting
		want     string
	}{
		{nil, "unknown"},
		{[]debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "false"}}, "abc123"},
		{[]debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}}, "abc123-modified"},
		{[]debug.BuildSetting{{Key: "vcs.modified", Value: "true"}}, "unknown"},
	} {
		if got := vcsCommit(c.settings); got != c.want {
			t.Errorf("vcsCommit(%v) = %q, want %q", c.settings, got, c.want)
		}
	}

	// The built binary names the commit its build info records: with a
	// plain go build of a git checkout (CI), the revision.
	sandbox, _ := binaries(t)
	bi, err := buildinfo.ReadFile(sandbox)
	if err != nil {
		t.Fatal(err)
	}
	r := runCommand(t, runAs{}.command(sandbox, "--version"))
	want := "(commit " + vcsCommit(bi.Settings) + ","
	if vcsCommit(bi.Settings) == "unknown" && os.Getenv("SANDBOX_TEST_BIN") != "" {
		want = "(commit " // a release build: the commit comes from -ldflags
	}
	if r.code != 0 || !strings.HasPrefix(r.stdout, "sandbox ") || !strings.Contains(r.stdout, want) {
		t.Errorf("--version: want %q in it: %v", want, r)
	}
	t.Logf("%s", r.stdout)
}
