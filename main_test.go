//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzParseGeneric: no input panics; every input either is refused with
// one line, or yields an invocation whose policy round-trips through
// --print-policy. Arguments are NUL-separated (argv cannot hold a NUL).
func FuzzParseGeneric(f *testing.F) {
	for _, seed := range []string{
		"--\x00true",
		"-w\x00/tmp\x00--\x00sh\x00-c\x00echo x > /tmp/x",
		"--write=/tmp\x00-n\x00curl\x00https://example.com",
		"--network\x00--best-effort\x00--\x00ls\x00--version",
		"-w\x00\x00true",
		"-w\x00/nonexistent\x00true",
		"-w\x00/tmp/../tmp/./\x00-w\x00/tmp\x00true",
		"-w\x00/\x00true",
		"-w\x00/etc/hostname\x00true",
		"--print-policy\x00--\x00true",
		"--allow-host\x00*.example.com:8443\x00--allow-host=[::1]\x00--\x00true",
		"--bogus\x00true",
		"--doctor\x00true",
		"--json\x00true",
		"--doctor-probe=x",
		"-w",
		"",
		"--help",
		"-h\x00x",
		"--version",
		"-w\x00a\nb\x00true",
		"\xff\xfe\x00true",
		"--\x00\xff",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		args := strings.Split(data, "\x00")
		inv, err := parseGeneric(args)
		if err != nil {
			if msg := err.Error(); msg == "" || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error is not one line: %q", msg)
			}
			return
		}
		if inv.action != actRun && inv.action != actPrintPolicy {
			return
		}
		if len(inv.cmd) == 0 {
			t.Fatalf("runs with no command: %q", args)
		}
		if !slices.Equal(inv.cmd, args[len(args)-len(inv.cmd):]) {
			t.Fatalf("command %q is not the tail of %q", inv.cmd, args)
		}
		for _, r := range inv.policy.WritableRoots {
			if !filepath.IsAbs(r.Path) || filepath.Clean(r.Path) != r.Path {
				t.Fatalf("writable root %q is not absolute and clean", r.Path)
			}
			if _, err := os.Stat(r.Path); err != nil {
				t.Fatalf("writable root %q does not exist: %v", r.Path, err)
			}
		}
		checkPrintPolicy(t, inv.policy, inv.cmd)
	})
}

// checkPrintPolicy renders p as --print-policy does and checks that what
// it says is what p says.
func checkPrintPolicy(t *testing.T, p Policy, cmd []string) {
	t.Helper()
	var buf bytes.Buffer
	printPolicy(&buf, p, cmd)
	var rep struct {
		Command       []string `json:"command"`
		WritableRoots []string `json:"writable_roots"`
		Network       bool     `json:"network"`
	}
	if err := json.Unmarshal(buf.Bytes(), &rep); err != nil {
		t.Fatalf("--print-policy output is not JSON: %v\n%s", err, buf.Bytes())
	}
	var roots []string
	for _, r := range p.WritableRoots {
		roots = append(roots, r.Path)
	}
	// JSON strings carry only UTF-8: compare what survives the trip.
	if !slices.Equal(utf8Safe(rep.Command), utf8Safe(cmd)) || !slices.Equal(utf8Safe(rep.WritableRoots), utf8Safe(roots)) || rep.Network != p.Network {
		t.Fatalf("--print-policy says %+v for policy %+v, command %q", rep, p, cmd)
	}
}

func utf8Safe(ss []string) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, string([]rune(s))) // one U+FFFD per bad byte, as encoding/json does
	}
	return out
}

// TestHostileInput runs the built binary on hostile but valid-looking
// command lines: each is either refused with one line and runs nothing,
// or runs with the expected effect.
func TestHostileInput(t *testing.T) {
	u := runAs{name: "self", uid: os.Getuid(), gid: os.Getgid()}
	dir := u.dir(t)
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop")
	if err := os.Symlink(loop, loop); err != nil {
		t.Fatal(err)
	}
	nl := filepath.Join(dir, "new\nline")
	if err := os.Mkdir(nl, 0o755); err != nil {
		t.Fatal(err)
	}
	long := dir + strings.Repeat("/x", 3000)
	marker := filepath.Join(dir, "MARKER")
	touch := []string{"--", "touch", marker}

	refused := []struct {
		name string
		args []string
	}{
		{"empty --write", append([]string{"-w", ""}, touch...)},
		{"symlink loop", append([]string{"-w", loop}, touch...)},
		{"very long path", append([]string{"-w", long}, touch...)},
		{"missing directory with newline", append([]string{"-w", dir + "/no\nsuch"}, touch...)},
		{"empty command", []string{"-w", dir, "--", ""}},
		{"no command", []string{"-w", dir, "--"}},
		{"flag after a bad flag", append([]string{"--bogus\nflag", "-w", dir}, touch...)},
	}
	for _, c := range refused {
		t.Run("refused/"+c.name, func(t *testing.T) {
			os.Remove(marker)
			r := runCommand(t, u.sandboxCommand(t, c.args...))
			if r.code != exitUsage && !(c.name == "empty command" && r.code == exitNotFound) {
				t.Fatalf("exit %d, want %d: %v", r.code, exitUsage, r)
			}
			if !isOneLine(r.stderr, "sandbox: ") {
				t.Fatalf("stderr is not one `sandbox: ` line: %q", r.stderr)
			}
			if lexists(marker) {
				t.Fatal("the command ran")
			}
		})
	}

	allowed := []struct {
		name  string
		write string
		check string // a file the command creates, which must exist after
	}{
		{"dot-dot in the root", dir + "/sub/../", filepath.Join(dir, "m1")},
		{"newline in the root", nl, filepath.Join(nl, "m2")},
		{"duplicate roots", dir, filepath.Join(dir, "m3")},
		{"root is /", "/", filepath.Join(dir, "m4")},
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range allowed {
		t.Run("allowed/"+c.name, func(t *testing.T) {
			r := runSandbox(t, u, "-w", c.write, "-w", c.write, "--", "touch", c.check)
			if r.code != 0 || !lexists(c.check) {
				t.Fatalf("want the file created: %v", r)
			}
		})
	}

	t.Run("root is a file", func(t *testing.T) {
		r := runSandbox(t, u, "-w", file, "--", "sh", "-c", `echo y > "$0" && echo z > "$0.new"`, file)
		got, _ := os.ReadFile(file)
		if r.code == 0 || string(got) != "y\n" || lexists(file+".new") {
			t.Fatalf("want the file writable and nothing beside it: %v, content %q", r, got)
		}
	})

	t.Run("non-UTF-8 arguments reach the command unchanged", func(t *testing.T) {
		arg := "\xff\xfe-\x80\x00"[:4] + "é\x01\n"
		r := runSandbox(t, u, "--", "printf", "%s", arg)
		if r.code != 0 || r.stdout != arg {
			t.Fatalf("command saw %q, want %q: %v", r.stdout, arg, r)
		}
	})
}
