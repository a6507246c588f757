package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckPlantedRoots: which symlinks on the way to a writable root make
// a policy refused. The black-box test with effects, as each user, is
// TestConfinePlantedSymlink.
func TestCheckPlantedRoots(t *testing.T) {
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"w/real/x", "w/b/x", "out/sub"} {
		if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"w/rel":     "b",                            // relative, inside w
		"w/abs":     filepath.Join(base, "out"),     // absolute, out of w
		"w/up":      "../out",                       // relative, out of w
		"wlink":     "w",                            // the root itself via a symlink outside it
		"w/b/chain": filepath.Join(base, "w/rel/x"), // a symlink to a path through another
		"outlink":   "out",
	}
	for name, to := range links {
		if err := os.Symlink(to, filepath.Join(base, name)); err != nil {
			t.Fatal(err)
		}
	}
	p := func(path string) string { return filepath.Join(base, path) }
	cases := []struct {
		roots []string
		link  string // the symlink the refusal names; "" if allowed
	}{
		{[]string{"w", "w/real/x"}, ""},
		{[]string{"w/real/x"}, ""},
		{[]string{"w/rel/x"}, ""}, // no other root: out of this check's reach
		{[]string{"w", "w/rel/x"}, "w/rel"},
		{[]string{"w/rel/x", "w"}, "w/rel"},
		{[]string{"w", "w/abs/sub"}, "w/abs"},
		{[]string{"w", "w/up"}, "w/up"},
		{[]string{"wlink", "wlink/real"}, ""},
		{[]string{"wlink", "w/real"}, ""},
		{[]string{"wlink", "w/rel"}, "w/rel"}, // inside wlink's resolved path
		{[]string{"w", "wlink/b/chain"}, "w/b/chain"},
		{[]string{"outlink/sub", "w"}, ""},
		{[]string{"w", "w/missing/x"}, ""},
	}
	for _, c := range cases {
		var pol Policy
		for _, r := range c.roots {
			pol.WritableRoots = append(pol.WritableRoots, WritableRoot{Path: p(r)})
		}
		err := checkPlantedRoots(pol)
		switch {
		case c.link == "" && err != nil:
			t.Errorf("%q: refused: %v", c.roots, err)
		case c.link != "" && (err == nil || !strings.Contains(err.Error(), "symlink \""+p(c.link)+"\"")):
			t.Errorf("%q: want a refusal naming the symlink %s, got %v", c.roots, c.link, err)
		}
	}
	pol := Policy{FullDiskWrite: true, WritableRoots: []WritableRoot{{Path: p("w")}, {Path: p("w/rel")}}}
	if err := checkPlantedRoots(pol); err != nil {
		t.Errorf("full disk write: %v", err)
	}
}
