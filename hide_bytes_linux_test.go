//go:build linux

package main

// Paths are bytes: a hidden path that is not valid UTF-8 is hidden itself,
// not a file whose name is its U+FFFD spelling (the mount plan reaches the
// inner stage as JSON, which must carry it byte for byte).

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestHiddenPathNotUTF8(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		root := u.dir(t)
		dir := filepath.Join(root, "u")
		os.Mkdir(dir, 0o755)
		real := filepath.Join(dir, "\xff")
		decoy := filepath.Join(dir, "\uFFFD")
		os.WriteFile(real, []byte(keepSecret), 0o600)
		os.WriteFile(decoy, []byte("decoy\n"), 0o600)
		u.own(t, root)
		script := `cat "$0" "$1" 2>/dev/null; echo attack > "$0" 2>/dev/null; exit 0`
		// The control: without --hide, the command reads it.
		if r := runSandbox(t, u, "--", "sh", "-c", script, real, decoy); !strings.Contains(r.stdout, "SECRET") {
			t.Fatalf("control: %v", r)
		}
		for _, w := range [][]string{nil, {"-w", root}} {
			args := append(append([]string{}, w...), "--hide", real, "--", "sh", "-c", script, real, decoy)
			r := runSandbox(t, u, args...)
			if r.code != 0 || strings.Contains(r.stdout, "SECRET") || !strings.Contains(r.stdout, "decoy") {
				t.Errorf("%v: hiding a path that is not UTF-8: %v", w, r)
			}
			if b, err := os.ReadFile(real); err != nil || string(b) != keepSecret {
				t.Errorf("%v: the hidden file changed: %q %v", w, b, err)
			}
		}
	})
}

// TestMountPlanBytes: the plan's paths survive the trip to the inner
// stage byte for byte, invalid UTF-8 and surrogate look-alikes included.
func TestMountPlanBytes(t *testing.T) {
	paths := []string{"/u/\xff", "/u/\xef\xbf\xbd", "/a\x80b\xc3", "/\xed\xb2\x80", `/x\udcff`, "/é/𝄞", "/\xff\xfe/q\"<>&\u2028"}
	mp := &mountPlan{registry: "/r\xfe"}
	for _, p := range paths {
		mp.ops = append(mp.ops, mountOp{Kind: opHideDir, Path: p, Keep: []string{"k\xff/"}})
	}
	back, err := unmarshalMountPlan(mp.marshal())
	if err != nil || !reflect.DeepEqual(back.ops, mp.ops) || back.registry != mp.registry {
		t.Errorf("%q became %q, %v", mp.marshal(), back, err)
	}
	// What the strict reader reads for others is unchanged: a lone
	// surrogate is U+FFFD.
	if v, err := parseJSON(`"\udcff"`, 1); err != nil || v.text != "\uFFFD" {
		t.Errorf("parseJSON lone surrogate: %q %v", v.text, err)
	}
}
