package main

import (
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// fakeHost is a host filesystem given as a list: "d/" a directory, "f" a
// file, "l -> target" a symlink, "s=" a socket. Parents are directories.
type fakeHost struct {
	kinds   map[string]hostKind
	targets map[string]string
}

func newFakeHost(entries ...string) *fakeHost {
	h := &fakeHost{kinds: map[string]hostKind{"/": hostDir}, targets: map[string]string{}}
	for _, e := range entries {
		p, target, link := strings.Cut(e, " -> ")
		kind := hostFile
		switch {
		case link:
			kind = hostSymlink
			h.targets[p] = target
		case strings.HasSuffix(p, "/"):
			kind, p = hostDir, strings.TrimSuffix(p, "/")
		case strings.HasSuffix(p, "="):
			kind, p = hostOther, strings.TrimSuffix(p, "=")
		}
		h.kinds[p] = kind
		for d := parentDir(p); d != "/"; d = parentDir(d) {
			h.kinds[d] = hostDir
		}
	}
	return h
}

func parentDir(p string) string {
	i := strings.LastIndex(p, "/")
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

func (h *fakeHost) lstat(p string) (hostKind, error) {
	if k, ok := h.kinds[p]; ok {
		return k, nil
	}
	return 0, &fs.PathError{Op: "lstat", Path: p, Err: fs.ErrNotExist}
}

func (h *fakeHost) readlink(p string) (string, error) {
	if t, ok := h.targets[p]; ok {
		return t, nil
	}
	return "", &fs.PathError{Op: "readlink", Path: p, Err: fs.ErrInvalid}
}

func (h *fakeHost) euid() int { return 1000 }

// brief is an op in the golden lists' notation: kind, path, flags.
func brief(op mountOp) string {
	s := op.Kind.String() + " " + op.Path
	for _, f := range []struct {
		on   bool
		name string
	}{{op.Writable, "writable"}, {op.File, "file"}, {op.Missing, "missing"}, {op.Optional, "optional"}} {
		if f.on {
			s += " " + f.name
		}
	}
	if len(op.Keep) > 0 {
		s += " keep=" + strings.Join(op.Keep, ",")
	}
	if op.Layer != "" {
		s += " layer=" + op.Layer
	}
	return s
}

// head is the fixed start of every plan with no writable root.
var planHead = []string{"private /", "read-only /", "dev /dev", "proc /proc"}

func TestPlanMounts(t *testing.T) {
	host := newFakeHost(
		"/w/.git/", "/w/.git/HEAD", "/w/src/", "/w/notes.txt", "/w/secret/", "/w/key.pem", "/w/sock=",
		"/w/sub/.git/", "/w/linkdir -> /etc", "/w/dotlink -> .git", "/w/h/b/c",
		"/tmp/", "/etc/", "/home -> usr/home", "/usr/home/u/.ssh/", "/usr/home/u/proj/src/",
		"/real/ws/.git", "/link -> /real/ws", "/data/file.db",
		"/dev/null=", "/dev/shm/", "/proc/self -> 42", "/proc/42/",
	)
	tests := []struct {
		name string
		p    Policy
		want []string // without planHead, which the ops must contain in order
		skip []string // substrings of the skipped lines, in order
		err  string   // substring of the error
	}{
		{
			name: "read-only everywhere",
			p:    Policy{},
			want: planHead,
		},
		{
			name: "codex workspace-write: .git exists, .codex .agents .aws missing",
			p: Policy{WritableRoots: []WritableRoot{
				{Path: "/w", ReadOnly: []string{"/w/.git", "/w/.agents", "/w/.codex", "/w/.aws"}},
				{Path: "/tmp"},
			}},
			want: []string{"private /", "clone /tmp", "clone /w", "read-only /", "dev /dev", "proc /proc",
				"bind /tmp", "bind /w",
				"island /w/.agents missing", "island /w/.aws missing", "island /w/.codex missing", "island /w/.git"},
		},
		{
			name: "nested roots, shallowest first, islands after their root",
			p: Policy{WritableRoots: []WritableRoot{
				{Path: "/w/sub", ReadOnly: []string{"/w/sub/.git"}},
				{Path: "/w", ReadOnly: []string{"/w/.git"}},
			}},
			want: []string{"private /", "clone /w", "clone /w/sub", "read-only /", "dev /dev", "proc /proc",
				"bind /w", "bind /w/sub", "island /w/.git", "island /w/sub/.git"},
		},
		{
			name: "duplicate roots are bound once",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/w"}, {Path: "/w"}, {Path: "/w/../w"}}},
			want: []string{"private /", "clone /w", "read-only /", "dev /dev", "proc /proc", "bind /w"},
		},
		{
			name: "symlinked root bound at its target, islands beneath it too",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/link", ReadOnly: []string{"/link/.git", "/link/.codex"}}}},
			want: []string{"private /", "clone /real/ws", "read-only /", "dev /dev", "proc /proc",
				"bind /real/ws", "island /real/ws/.codex missing", "island /real/ws/.git"},
		},
		{
			name: "a file as writable root",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/data/file.db"}}},
			want: []string{"private /", "clone /data/file.db file", "read-only /", "dev /dev", "proc /proc", "bind /data/file.db file"},
		},
		{
			name: "missing root skipped",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/gone", ReadOnly: []string{"/gone/.git"}}}},
			want: planHead,
			skip: []string{"/gone (writable root missing"},
		},
		{
			name: "island under a missing directory: the first missing component",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{"/w/a/b/c", "/w/a/x"}}}},
			want: []string{"private /", "clone /w", "read-only /", "dev /dev", "proc /proc", "bind /w", "island /w/a missing"},
		},
		{
			name: "island that cannot exist while its parent is a file: the file is frozen",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{"/w/notes.txt/x"}}}, Hidden: []string{"/w/notes.txt/y"}},
			want: []string{"private /", "clone /w", "read-only /", "dev /dev", "proc /proc", "bind /w", "island /w/notes.txt"},
		},
		{
			name: "symlinked island refused",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{"/w/dotlink"}}}},
			err:  `read-only path "/w/dotlink": crosses symlink "/w/dotlink" inside writable root "/w"`,
		},
		{
			name: "symlink on the way to an island refused",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{"/w/linkdir/passwd"}}}},
			err:  `crosses symlink "/w/linkdir"`,
		},
		{
			name: "symlink on the way to a hidden path inside a writable root refused",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/w"}}, Hidden: []string{"/w/linkdir/shadow"}},
			err:  `hidden path "/w/linkdir/shadow": crosses symlink "/w/linkdir"`,
		},
		{
			name: "symlink outside the writable roots is followed",
			p:    Policy{Hidden: []string{"/home/u/.ssh"}},
			want: []string{"private /", "read-only /", "dev /dev", "proc /proc", "hide-dir /usr/home/u/.ssh"},
		},
		{
			name: "hidden file, directory, socket, missing",
			p: Policy{WritableRoots: []WritableRoot{{Path: "/w"}},
				Hidden: []string{"/w/key.pem", "/w/secret", "/w/sock", "/w/nothing", "/etc/nothing/deeper"}},
			want: []string{"private /", "clone /w", "read-only /", "dev /dev", "proc /proc",
				"bind /w", "island /w/nothing missing", "hide-dir /w/secret", "hide-file /w/key.pem", "hide-file /w/sock"},
			skip: []string{"/etc/nothing/deeper (hidden path missing outside the writable roots"},
		},
		{
			name: "hidden path missing deeper in a writable root: its first missing component is the placeholder; one beneath a file freezes the file",
			p: Policy{WritableRoots: []WritableRoot{{Path: "/w"}},
				Hidden: []string{"/w/none/a/b", "/w/notes.txt/y"}},
			want: []string{"private /", "clone /w", "read-only /", "dev /dev", "proc /proc",
				"bind /w", "island /w/none missing", "island /w/notes.txt"},
		},
		{
			name: "hidden directory holding a writable root keeps a way to it",
			p: Policy{WritableRoots: []WritableRoot{{Path: "/home/u/proj", ReadOnly: []string{"/home/u/proj/.git"}}},
				Hidden: []string{"/home/u", "/home/u/.ssh"}},
			want: []string{"private /", "clone /usr/home/u/proj", "read-only /", "dev /dev", "proc /proc",
				"hide-dir /usr/home/u keep=proj/", "bind /usr/home/u/proj", "island /usr/home/u/proj/.git missing"},
			skip: []string{"/usr/home/u/.ssh (beneath hidden /usr/home/u)"},
		},
		{
			name: "hidden directory holding a writable file two levels down",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/data/file.db"}}, Hidden: []string{"/data", "/data/file.db"}},
			want: []string{"private /", "clone /data/file.db file", "read-only /", "dev /dev", "proc /proc",
				"hide-dir /data keep=file.db", "bind /data/file.db file", "hide-file /data/file.db"},
		},
		{
			name: "pins: directories between a writable root and a nested root or an island are bound onto themselves",
			p: Policy{WritableRoots: []WritableRoot{
				{Path: "/usr", ReadOnly: []string{"/usr/home/u/proj/src/.git"}},
				{Path: "/usr/home/u/proj/src", ReadOnly: []string{"/usr/home/u/proj/src/.git"}},
			}},
			want: []string{"private /", "clone /usr", "clone /usr/home", "clone /usr/home/u", "clone /usr/home/u/proj",
				"clone /usr/home/u/proj/src", "read-only /", "dev /dev", "proc /proc",
				"bind /usr", "bind /usr/home", "bind /usr/home/u", "bind /usr/home/u/proj", "bind /usr/home/u/proj/src",
				"island /usr/home/u/proj/src/.git missing"},
		},
		{
			name: "island beneath a hidden directory in a root is skipped",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{"/w/secret/x"}}}, Hidden: []string{"/w/secret"}},
			want: []string{"private /", "clone /w", "read-only /", "dev /dev", "proc /proc", "bind /w", "hide-dir /w/secret"},
			skip: []string{"/w/secret/x (beneath hidden /w/secret)"},
		},
		{
			name: "/ writable: nosuid,nodev only; islands still apply; every symlink is writable",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/", ReadOnly: []string{"/w/.git"}}, {Path: "/w"}}},
			want: []string{"private /", "clone /w", "read-only / writable", "dev /dev", "proc /proc", "bind /w", "island /w/.git"},
		},
		{
			name: "/ writable: a symlink anywhere on a hidden path is refused",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/"}}, Hidden: []string{"/home/u/.ssh"}},
			err:  `crosses symlink "/home" inside writable root "/"`,
		},
		{
			name: "full disk write: writable roots unused, hidden paths masked and pinned",
			p:    Policy{FullDiskWrite: true, WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{"/w/.git"}}}, Hidden: []string{"/w/secret"}},
			want: []string{"private /", "clone /w", "read-only / writable", "dev /dev", "proc /proc", "bind /w", "hide-dir /w/secret"},
		},
		{
			// Renaming /w/h away would carry the real file out of its mask.
			name: "hidden paths inside a writable root are pinned",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/w"}}, Hidden: []string{"/w/h/b/c", "/w/secret"}},
			want: []string{"private /", "clone /w", "clone /w/h", "clone /w/h/b", "read-only /", "dev /dev", "proc /proc",
				"bind /w", "bind /w/h", "hide-dir /w/secret", "bind /w/h/b", "hide-file /w/h/b/c"},
		},
		{
			name: "island outside any writable root is read-only anyway",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{"/etc", "/etc/missing"}}}},
			want: []string{"private /", "clone /w", "read-only /", "dev /dev", "proc /proc", "bind /w"},
			skip: []string{"/etc (outside the writable roots", "/etc/missing (read-only path missing outside"},
		},
		{
			name: "writable roots in /dev and /proc: the sandbox's own are used",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/dev/null"}, {Path: "/dev/shm"}, {Path: "/proc/self"}}},
			want: planHead,
			skip: []string{"/dev/null (writable root in the sandbox's own /dev", "/dev/shm (", "/proc/self ("},
		},
		{
			name: "hiding / refused",
			p:    Policy{Hidden: []string{"/"}},
			err:  "hide-dir of / is not supported",
		},
		{
			name: "/ as a read-only island of / refused",
			p:    Policy{WritableRoots: []WritableRoot{{Path: "/", ReadOnly: []string{"/"}}}},
			err:  "island of / is not supported",
		},
		{
			name: "restricted reads refused",
			p:    Policy{ReadRoots: []string{"/usr"}},
			err:  "restricted read access",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mp, err := planMounts(tc.p, host)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("want error containing %q, got %v (plan %v)", tc.err, err, mp)
				}
				if strings.ContainsAny(err.Error(), "\n") {
					t.Errorf("error is not one line: %q", err)
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
			if len(mp.skipped) != len(tc.skip) {
				t.Errorf("skipped %q, want %q", mp.skipped, tc.skip)
			}
			for i, s := range tc.skip {
				if i < len(mp.skipped) && !strings.Contains(mp.skipped[i], s) {
					t.Errorf("skipped[%d] = %q, want it to contain %q", i, mp.skipped[i], s)
				}
			}
			lines := mp.lines()
			if len(lines) != len(mp.ops)+len(mp.skipped) {
				t.Errorf("lines: %d for %d ops and %d skipped", len(lines), len(mp.ops), len(mp.skipped))
			}
			for _, l := range lines {
				if l == "" || strings.ContainsAny(l, "\n\r") {
					t.Errorf("line %q is not one line", l)
				}
			}
			// Round trip through what the outer stage sends the inner one.
			back, err := unmarshalMountPlan(mp.marshal())
			if err != nil {
				t.Fatalf("unmarshal %s: %v", mp.marshal(), err)
			}
			if !reflect.DeepEqual(back.ops, mp.ops) || back.registry != mp.registry {
				t.Errorf("round trip:\n%v\nbecame\n%v", mp, back)
			}
		})
	}
}

// TestPlanMountsRegistryInTmp: without /dev/shm the registry is in /tmp,
// which the command may see: the plan hides it.
func TestPlanMountsRegistryInTmp(t *testing.T) {
	host := newFakeHost("/w/", "/tmp/")
	mp, err := planMounts(Policy{WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{"/w/.git"}}}}, host)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, op := range mp.Ops() {
		got = append(got, brief(op))
	}
	want := []string{"private /", "clone /w", "read-only /", "dev /dev", "proc /proc", "bind /w", "island /w/.git missing", "hide-dir /tmp/sandbox-placeholders-1000 optional"}
	if !slices.Equal(got, want) || mp.registry != "/tmp/sandbox-placeholders-1000" {
		t.Errorf("ops %q registry %q, want %q in /tmp", got, mp.registry, want)
	}
	if _, err := planMounts(Policy{WritableRoots: []WritableRoot{{Path: "/w", ReadOnly: []string{"/w/.git"}}}}, newFakeHost("/w/")); err == nil || !strings.Contains(err.Error(), "placeholder registry") {
		t.Errorf("no /dev/shm, no /tmp: want an error naming the registry, got %v", err)
	}
}

// TestResolveHostLoop: a symlink loop is an error, not a hang.
func TestResolveHostLoop(t *testing.T) {
	host := newFakeHost("/a -> /b", "/b -> /a")
	_, _, err := resolveHost(host, "/a/x", nil)
	if err == nil || !strings.Contains(err.Error(), "too many levels") {
		t.Fatalf("want a loop error, got %v", err)
	}
	c, missing, err := resolveHost(newFakeHost("/x/y/", "/l -> x/../x/y"), "/l/z", nil)
	if err != nil || c != "/x/y/z" || missing != "/x/y/z" {
		t.Fatalf("relative link with ..: got %q %q %v", c, missing, err)
	}
}

// TestMountPlanJSON: the plan survives the pipe with every field, and the
// reader refuses what the writer never writes.
func TestMountPlanJSON(t *testing.T) {
	mp := &mountPlan{registry: "/tmp/r", ops: []mountOp{
		{Kind: opPrivate, Path: "/"},
		{Kind: opClone, Path: "/w/f", File: true},
		{Kind: opReadOnly, Path: "/", Writable: true},
		{Kind: opIsland, Path: "/w/.codex", Missing: true, Placeholder: true, Dev: 1<<63 + 5, Ino: 42},
		{Kind: opHideDir, Path: "/h", Keep: []string{"a/", "a/b"}, Optional: true},
	}}
	back, err := unmarshalMountPlan(mp.marshal())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.ops, mp.ops) || back.registry != mp.registry {
		t.Fatalf("round trip: %+v became %+v", mp.ops, back.ops)
	}
	for _, bad := range []string{
		``, `[]`, `{"ops":[{"op":"mount","path":"/"}]}`,
		`{"ops":[{"op":"bind","path":"w"}]}`,
		`{"ops":[{"op":"bind","path":"/w/../x"}]}`,
		`{"ops":[{"op":"bind"}]}`,
		`{"ops":[{"op":"bind","path":"/w","extra":1}]}`,
		`{"ops":[{"op":"island","path":"/w","dev":-1}]}`,
		`{"ops":[{"op":"island","path":"/w","dev":"1"}]}`,
		`{"ops":[{"op":"hide-dir","path":"/w","keep":["../x"]}]}`,
		`{"ops":[{"op":"hide-dir","path":"/w","keep":["/x"]}]}`,
		`{"ops":[{"op":"bind","path":"/w","file":1}]}`,
		`{"registry":"rel","ops":[]}`,
		`{"ops":[],"surprise":true}`,
	} {
		if _, err := unmarshalMountPlan([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", bad)
		} else if !strings.HasPrefix(err.Error(), "mount plan: ") {
			t.Errorf("%s: error %q does not name the mount plan", bad, err)
		}
	}
}

// TestMountOpStrings: every kind prints as one line naming its path.
func TestMountOpStrings(t *testing.T) {
	for k := opPrivate; k <= opCache; k++ {
		for _, op := range []mountOp{
			{Kind: k, Path: "/p"},
			{Kind: k, Path: "/p", Missing: true, Writable: true, Keep: []string{"a/"}},
			{Kind: k, Path: "/p", Placeholder: true, Dev: 3, Ino: 4, Optional: true},
			{Kind: k, Path: "/p", Layer: "/k"},
		} {
			s := op.String()
			if !strings.HasPrefix(s, k.String()+" ") && !(k == opReadOnly && op.Writable) {
				t.Errorf("%q does not start with %q", s, k)
			}
			if strings.ContainsAny(s, "\n") || !strings.Contains(s, "/") {
				t.Errorf("%q: not one line naming a path", s)
			}
			if got, ok := parseMountOpKind(k.String()); !ok || got != k {
				t.Errorf("kind %d does not round-trip through %q", k, k)
			}
		}
	}
	if s := fmt.Sprint(mountOpKind(99)); s != "op99" {
		t.Errorf("unknown kind prints as %q", s)
	}
}
