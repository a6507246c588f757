//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// codexSeeds are command lines from the spec's examples and the tests,
// NUL-separated.
var codexSeeds = []string{
	"--\x00true",
	"-s\x00disk-write-cwd\x00-s\x00network-full-access\x00--\x00sh\x00-c\x00true",
	"--sandbox-permission=disk-write-folder=/tmp\x00--full-auto\x00true",
	"/tmp\x00{\"mode\":\"read-only\"}\x00--\x00true",
	"/tmp\x00{\"mode\":\"workspace-write\",\"writable_roots\":[\"/tmp\"],\"network_access\":false,\"exclude_tmpdir_env_var\":false,\"exclude_slash_tmp\":false}\x00true",
	"--sandbox-policy-cwd\x00/tmp\x00--sandbox-policy\x00{\"type\":\"danger-full-access\"}\x00--\x00true",
	"--sandbox-policy-cwd\x00/tmp\x00--sandbox-policy\x00{\"type\":\"external-sandbox\",\"network_access\":\"restricted\"}\x00true",
	"--sandbox-policy-cwd\x00/tmp\x00--file-system-sandbox-policy\x00{\"kind\":\"restricted\",\"entries\":[{\"path\":{\"type\":\"special\",\"value\":{\"kind\":\"root\"}},\"access\":\"read\"}]}\x00--network-sandbox-policy\x00\"restricted\"\x00--\x00true",
	"--sandbox-policy-cwd\x00/tmp\x00--permission-profile\x00{\"type\":\"managed\",\"file_system\":{\"type\":\"restricted\",\"entries\":[{\"path\":{\"type\":\"special\",\"value\":{\"kind\":\"root\"}},\"access\":\"read\"},{\"path\":{\"type\":\"special\",\"value\":{\"kind\":\"project_roots\"}},\"access\":\"write\"}]},\"network\":\"restricted\"}\x00--use-legacy-landlock\x00--\x00true",
	"--sandbox-policy-cwd\x00/tmp\x00--permission-profile\x00{\"type\":\"disabled\"}\x00true",
	"--sandbox-policy-cwd\x00/tmp\x00--permission-profile\x00{\"network\":{\"enabled\":true},\"file_system\":{\"entries\":[]}}\x00true",
	"--bogus\x00true",
	"-s",
	"--sandbox-policy\x00{\x00true",
	"/tmp\x00{\"type\":\"read-only\",\"type\":\"danger-full-access\"}\x00true",
	"",
}

// FuzzParseCodex: no command line panics; each is refused with one line,
// or yields a command and a policy with absolute, clean roots that
// round-trips through --print-policy.
func FuzzParseCodex(f *testing.F) {
	for _, s := range codexSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		args := strings.Split(data, "\x00")
		inv, err := parseCodex(args)
		if err != nil {
			if msg := oneLine(err.Error()); msg == "" {
				t.Fatalf("empty error for %q", args)
			}
			return
		}
		if len(inv.cmd) == 0 {
			t.Fatalf("runs with no command: %q", args)
		}
		for _, r := range inv.policy.WritableRoots {
			if !filepath.IsAbs(r.Path) || filepath.Clean(r.Path) != r.Path {
				t.Fatalf("writable root %q is not absolute and clean", r.Path)
			}
		}
		checkPrintPolicy(t, inv.policy, inv.cmd)
	})
}

// FuzzCodexPolicyJSON feeds one JSON document to every decoder: none may
// panic, and whatever they accept has absolute, clean paths.
func FuzzCodexPolicyJSON(f *testing.F) {
	for _, s := range codexSeeds {
		for _, arg := range strings.Split(s, "\x00") {
			if strings.HasPrefix(arg, "{") || strings.HasPrefix(arg, `"`) {
				f.Add(arg)
			}
		}
	}
	f.Add(`{"type":"workspace-write","writable_roots":["relative"]}`)
	f.Add(`{"mode":"workspace-write","writable_roots":["a/../../b"]}`)
	f.Add(`{"type":"managed","file_system":{"type":"restricted","entries":[{"path":{"type":"glob_pattern","pattern":"/x/**/*.env"},"access":"none"}]},"network":"enabled"}`)
	f.Add(`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`)
	wd := func() (string, error) { return os.TempDir(), nil }
	f.Fuzz(func(t *testing.T, text string) {
		check := func(r fsRules, err error) {
			if err != nil {
				return
			}
			p, err := r.policy(false, false)
			if err != nil {
				return
			}
			for _, root := range p.WritableRoots {
				if !filepath.IsAbs(root.Path) || filepath.Clean(root.Path) != root.Path {
					t.Fatalf("writable root %q from %q is not absolute and clean", root.Path, text)
				}
			}
		}
		r, _, err := parseSandboxPolicy(text, "/tmp", wd)
		check(r, err)
		r, err = parseFileSystemPolicy(text, "/tmp")
		check(r, err)
		r, _, err = parseProfile(text, "/tmp")
		check(r, err)
		parseNetworkPolicy(text)
	})
}
