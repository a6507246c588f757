package main

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestPlanMountsCache pins the plans of --cache layers: an overlay at the
// directory's canonical path, placed with the other overlays by depth,
// and for a kept layer a writable copy of the keep directory taken before
// everything is made read-only.
func TestPlanMountsCache(t *testing.T) {
	host := newFakeHost(
		"/home/u/.cache/go-build/", "/home/u/.npm/", "/home/u/notes.txt", "/home/u/proj/src/",
		"/keep/npm/", "/keep/go/", "/w/link -> /home/u/.npm", "/w/src/", "/w/src/.git/",
		"/data/cache/", "/home/u/.cargo -> /data/cache", "/dev/shm/", "/proc/self -> 1", "/proc/1/",
	)
	tests := []struct {
		name string
		p    Policy
		want []string
		err  string
	}{
		{
			name: "throwaway layer",
			p:    Policy{Caches: []CacheLayer{{Path: "/home/u/.cache"}}},
			want: append(slices.Clone(planHead), "cache /home/u/.cache"),
		},
		{
			name: "kept layer: its directory is copied while still writable",
			p:    Policy{Caches: []CacheLayer{{Path: "/home/u/.npm", Keep: "/keep/npm"}}},
			want: []string{"private /", "clone-keep /keep/npm", "read-only /", "dev /dev", "proc /proc", "cache /home/u/.npm layer=/keep/npm"},
		},
		{
			name: "missing directory: a placeholder",
			p:    Policy{Caches: []CacheLayer{{Path: "/home/u/.m2"}}},
			want: append(slices.Clone(planHead), "cache /home/u/.m2 missing"),
		},
		{
			name: "missing parent refused",
			p:    Policy{Caches: []CacheLayer{{Path: "/home/u/.local/share/pnpm"}}},
			err:  `"/home/u/.local" does not exist either`,
		},
		{
			name: "a file refused",
			p:    Policy{Caches: []CacheLayer{{Path: "/home/u/notes.txt"}}},
			err:  "is not a directory",
		},
		{
			name: "symlinked cache outside the writable roots: at its target",
			p:    Policy{Caches: []CacheLayer{{Path: "/home/u/.cargo"}}},
			want: append(slices.Clone(planHead), "cache /data/cache"),
		},
		{
			name: "symlink inside a writable root refused",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/w"}}, Caches: []CacheLayer{{Path: "/w/link"}}},
			err:  `crosses symlink "/w/link" inside writable root "/w"`,
		},
		{
			name: "the same directory as a writable root refused",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/data/cache"}}, Caches: []CacheLayer{{Path: "/home/u/.cargo"}}},
			err:  "is also a writable root",
		},
		{
			name: "cache inside a writable root, writable root inside a cache: by depth",
			p: Policy{
				WritableRoots: []WritableRoot{{Path: "/home/u/proj/src"}, {Path: "/w"}},
				Caches:        []CacheLayer{{Path: "/home/u"}, {Path: "/w/src", Keep: "/keep/go"}},
			},
			want: []string{"private /", "clone /w", "clone /home/u/proj/src", "clone-keep /keep/go", "read-only /", "dev /dev", "proc /proc",
				"bind /w", "cache /home/u", "cache /w/src layer=/keep/go", "bind /home/u/proj/src"},
		},
		{
			// Its layer would be over the mask's mode-111 tmpfs: refused.
			name: "cache beneath a hidden directory refused",
			p:    Policy{Hidden: []string{"/home/u"}, Caches: []CacheLayer{{Path: "/home/u/.npm"}}},
			err:  `the directory is hidden (--hide "/home/u")`,
		},
		{
			name: "cache at a hidden directory refused",
			p:    Policy{Hidden: []string{"/home/u/.npm"}, Caches: []CacheLayer{{Path: "/home/u/.npm"}}},
			err:  `the directory is hidden (--hide "/home/u/.npm")`,
		},
		{
			name: "cache beneath a hidden symlinked directory refused (resolved)",
			p:    Policy{Hidden: []string{"/home/u/.cargo"}, Caches: []CacheLayer{{Path: "/data/cache"}}},
			err:  `the directory is hidden (--hide "/data/cache")`,
		},
		{
			name: "nested caches refused",
			p:    Policy{Caches: []CacheLayer{{Path: "/home/u/.cache"}, {Path: "/home/u/.cache/go-build"}}},
			err:  `--cache "/home/u/.cache/go-build" is the same as or inside --cache "/home/u/.cache"`,
		},
		{
			name: "nested caches refused, missing inner one (no placeholder in the real outer directory)",
			p:    Policy{Caches: []CacheLayer{{Path: "/home/u/.cache/missing"}, {Path: "/home/u/.cache"}}},
			err:  `is the same as or inside --cache "/home/u/.cache"`,
		},
		{
			name: "one cache under two names refused (resolved)",
			p:    Policy{Caches: []CacheLayer{{Path: "/home/u/.cargo"}, {Path: "/data/cache"}}},
			err:  `--cache "/data/cache" is the same as or inside`,
		},
		{
			name: "keep directory in another cache, through a symlink, refused (resolved)",
			p:    Policy{Caches: []CacheLayer{{Path: "/home/u/.npm", Keep: "/home/u/.cargo"}, {Path: "/data/cache"}}},
			err:  `keep directory "/data/cache" overlaps --cache "/data/cache"`,
		},
		{
			name: "one keep directory for two caches, under two names, refused (resolved)",
			p:    Policy{Caches: []CacheLayer{{Path: "/home/u/.npm", Keep: "/home/u/.cargo"}, {Path: "/home/u/.cache", Keep: "/data/cache"}}},
			err:  `overlaps the keep directory "/data/cache"`,
		},
		{
			name: "keep directory inside the cache refused",
			p:    Policy{Caches: []CacheLayer{{Path: "/keep", Keep: "/keep/npm"}}},
			err:  "must not be inside one another",
		},
		{
			name: "keep directory inside a writable root refused",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/keep"}}, Caches: []CacheLayer{{Path: "/home/u/.npm", Keep: "/keep/npm"}}},
			err:  `keep directory "/keep/npm" overlaps writable root "/keep"`,
		},
		{
			name: "keep directory above a writable root refused",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/keep/go"}}, Caches: []CacheLayer{{Path: "/home/u/.npm", Keep: "/keep"}}},
			err:  `overlaps writable root`,
		},
		{
			name: "keep directory with / writable refused",
			p:    Policy{FullDiskWrite: true, Caches: []CacheLayer{{Path: "/home/u/.npm", Keep: "/keep/npm"}}},
			err:  `overlaps writable root "/"`,
		},
		{
			// Renaming /w/src away would leave the placeholder behind.
			name: "a cache inside a writable root is pinned; nothing beneath it is",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/w"}}, Caches: []CacheLayer{{Path: "/w/src/m"}}, Hidden: []string{"/w/src/m/x/y"}},
			want: []string{"private /", "clone /w", "clone /w/src", "read-only /", "dev /dev", "proc /proc", "bind /w", "bind /w/src", "cache /w/src/m missing"},
		},
		{
			// A placeholder would be made in the real directory.
			name: "a missing read-only path inside a cache needs no placeholder",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{"/w/src/.git", "/w/src/.codex"}}}, Caches: []CacheLayer{{Path: "/w/src"}}},
			want: []string{"private /", "clone /w", "read-only /", "dev /dev", "proc /proc", "bind /w", "cache /w/src", "island /w/src/.git"},
		},
		{
			name: "missing keep directory refused",
			p:    Policy{Caches: []CacheLayer{{Path: "/home/u/.npm", Keep: "/keep/none"}}},
			err:  `keep directory "/keep/none" does not exist`,
		},
		{
			name: "in the sandbox's own /dev refused",
			p:    Policy{Caches: []CacheLayer{{Path: "/dev/shm"}}},
			err:  "the sandbox's own /dev or /proc",
		},
		{
			name: "over / refused",
			p:    Policy{Caches: []CacheLayer{{Path: "/"}}},
			err:  "a layer over / is not supported",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mp, err := planMounts(tc.p, host)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "--cache ") {
					t.Fatalf("want an error naming --cache and containing %q, got %v (plan %v)", tc.err, err, mp)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, op := range mp.Ops() {
				got = append(got, brief(op))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("ops:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if mp.registry == "" {
				t.Errorf("a plan with a cache layer has no placeholder registry (a missing directory, or one a killed run left, needs it)")
			}
			back, err := unmarshalMountPlan(mp.marshal())
			if err != nil {
				t.Fatalf("unmarshal %s: %v", mp.marshal(), err)
			}
			if !reflect.DeepEqual(back.ops, mp.ops) {
				t.Errorf("round trip:\n%v\nbecame\n%v", mp, back)
			}
			for _, l := range mp.lines() {
				if strings.HasPrefix(l, "cache ") && !strings.Contains(l, "overlay") {
					t.Errorf("--print-policy line %q does not say it is an overlay", l)
				}
			}
		})
	}
}

// TestParseCache: --cache DIR and DIR=KEEP on the command line.
func TestParseCache(t *testing.T) {
	keep := t.TempDir()
	other := t.TempDir()
	file := keep + "/file"
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want []CacheLayer
		err  string
	}{
		{args: []string{"--cache", "/c/a", "--cache=/c/b=" + keep, "--cache", "/c/a"},
			want: []CacheLayer{{Path: "/c/a"}, {Path: "/c/b", Keep: keep}}},
		{args: []string{"--cache", "/c/../c/x/"}, want: []CacheLayer{{Path: "/c/x"}}},
		{args: []string{"--cache", ""}, err: "empty path"},
		{args: []string{"--cache", "/"}, err: "not a cache"},
		{args: []string{"--cache", "/c/a=" + keep + "/none"}, err: "no such file"},
		{args: []string{"--cache", "/c/a=" + file}, err: "is not a directory"},
		{args: []string{"--cache", keep + "/sub=" + keep}, err: "inside one another"},
		{args: []string{"--cache", "/c/a", "--cache", "/c/a=" + keep}, err: "different keep directories"},
		{args: []string{"--cache", "/c/a=" + keep, "--cache", "/c/b=" + keep}, err: "each layer needs its own"},
		{args: []string{"--cache", "/c/a=" + keep, "--cache", keep}, err: "overlaps the keep directory"},
		{args: []string{"-w", other, "--cache", other}, err: "also a --write tree"},
		{args: []string{"-w", keep, "--cache", "/c/a=" + keep}, err: "overlaps --write"},
		{args: []string{"-w", other, "--cache", "/c/a=" + keep, "-w", keep + "/.."}, err: "overlaps --write"},
		{args: []string{"--cache", "/c/a", "--cache", "/c/a/missing"}, err: "nested layers are not supported"},
		{args: []string{"--cache", "/c/a/b", "--cache", "/c/a"}, err: "nested layers are not supported"},
		{args: []string{"--hide", "/c/h", "--cache", "/c/h/sub"}, err: `the directory is hidden (--hide "/c/h")`},
		{args: []string{"--hide", "/c/h", "--cache", "/c/h"}, err: `the directory is hidden (--hide "/c/h")`},
	} {
		inv, err := parseGeneric(append(c.args, "--", "true"))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: want an error containing %q, got %v", c.args, c.err, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(inv.policy.Caches, c.want) {
			t.Errorf("%q: got %+v, %v; want %+v", c.args, inv.policy.Caches, err, c.want)
		}
	}
}

// TestSeatbeltCacheRefused: Seatbelt cannot redirect writes to a layer,
// so macOS refuses --cache rather than allow writes to the directory.
func TestSeatbeltCacheRefused(t *testing.T) {
	p := Policy{WritableRoots: []WritableRoot{{Path: "/src"}}, Caches: []CacheLayer{{Path: "/Users/u/.npm"}}}
	policy, params, err := seatbeltPolicy(p, identityResolve)
	if err == nil || !strings.Contains(err.Error(), `--cache "/Users/u/.npm"`) || !strings.Contains(err.Error(), "Seatbelt") || policy != "" || params != nil {
		t.Errorf("got %q, %q, %v; want a refusal naming --cache", policy, params, err)
	}
}

// TestCanonicalCachePath: a cache directory reached through a symlink in a
// writable root is refused with an error naming --cache, not a "writable
// root" it is not.
func TestCanonicalCachePath(t *testing.T) {
	w := t.TempDir()
	real := t.TempDir()
	if err := os.Symlink(real, w+"/link"); err != nil {
		t.Fatal(err)
	}
	p := Policy{WritableRoots: []WritableRoot{{Path: w}}, Caches: []CacheLayer{{Path: w + "/link/c"}}}
	_, err := canonicalCachePath(p, w+"/link/c")
	if err == nil || !strings.HasPrefix(err.Error(), `--cache "`+w+`/link/c" passes through the symlink`) {
		t.Errorf("got %v", err)
	}
	if c, err := canonicalCachePath(Policy{Caches: p.Caches}, w+"/link/c"); err != nil || c != real+"/c" {
		t.Errorf("outside any writable root: %q %v", c, err)
	}
}
