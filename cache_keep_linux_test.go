//go:build linux

package main

// The kept layer of --cache (KEEP) must not become a way around --hide or
// the read-only view: overlayfs writes its upper layer with the mounter's
// credentials and no Landlock, so whatever KEEP/upper names is written
// for real. A KEEP the command can write (inside a writable root), a KEEP
// others can write, and an upper or work directory that is a symlink are
// all refused before anything runs.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// keepAttack is a home with a secret hidden by --hide, a cache and a keep
// directory, all u's.
type keepAttack struct{ home, secret, cache, keep, outside string }

const keepSecret = "aws_secret_access_key=REAL-SECRET\n"

func newKeepAttack(t *testing.T, u runAs) keepAttack {
	t.Helper()
	root := u.dir(t)
	a := keepAttack{home: filepath.Join(root, "home"), outside: filepath.Join(root, "outside")}
	a.secret = filepath.Join(a.home, ".aws/credentials")
	a.cache = filepath.Join(a.home, ".npm")
	a.keep = filepath.Join(a.home, ".sandbox-npm-layer")
	for _, d := range []string{a.home + "/.aws", a.cache, a.keep, a.outside + "/keep", a.home + "/.w"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(a.secret, []byte(keepSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	u.own(t, root)
	return a
}

// plant makes keep/upper a symlink to the secret's directory and
// keep/work one to a scratch directory, as a command could have.
func (a keepAttack) plant(t *testing.T, u runAs, keep string) {
	t.Helper()
	r := runPlain(t, u, "sh", "-c", `cd "$0" && rm -rf upper work && ln -s "$1" upper && ln -s "$2" work`, keep, filepath.Dir(a.secret), a.home+"/.w")
	if r.code != 0 {
		t.Fatalf("planting the symlinks: %v", r)
	}
}

// steal reads the secret through the cache and overwrites it.
const keepSteal = `cat "$0/credentials" 2>/dev/null; echo aws_secret_access_key=ATTACKER > "$0/credentials" 2>/dev/null; exit 0`

func (a keepAttack) check(t *testing.T, what string, r runResult) {
	t.Helper()
	if strings.Contains(r.stdout, "REAL-SECRET") {
		t.Errorf("%s: the hidden file was read through the kept layer: %v", what, r)
	}
	if b, err := os.ReadFile(a.secret); err != nil || string(b) != keepSecret {
		t.Errorf("%s: the hidden file changed: %q %v", what, b, err)
	}
}

func TestCacheKeepSymlinkedLayer(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)

		// The audit's two runs: the first plants the symlinks in a KEEP
		// inside the writable home, the second uses them.
		t.Run("keep inside a writable root", func(t *testing.T) {
			a := newKeepAttack(t, u)
			flags := []string{"-w", a.home, "--hide", a.secret, "--cache", a.cache + "=" + a.keep, "--"}
			r1 := runCommand(t, u.sandboxCommand(t, append(flags, "sh", "-c", `cd "$0" && rm -rf upper work && ln -s "$1" upper && ln -s "$2" work && echo planted`, a.keep, filepath.Dir(a.secret), a.home+"/.w")...))
			if r1.code != exitUsage || r1.stdout != "" || !isOneLine(r1.stderr, "sandbox: --cache ") || !strings.Contains(r1.stderr, "writable") {
				t.Errorf("a keep directory inside a writable root: %v", r1)
			}
			r2 := runCommand(t, u.sandboxCommand(t, append(flags, "sh", "-c", keepSteal, a.cache)...))
			a.check(t, "second run", r2)
			if r2.code != exitUsage {
				t.Errorf("second run: %v", r2)
			}
			// The same KEEP named through a symlink outside the writable
			// root: refused once resolved (125).
			link := a.outside + "/klink"
			if err := os.Symlink(a.keep, link); err != nil {
				t.Fatal(err)
			}
			os.Lchown(link, u.uid, u.gid)
			a.plant(t, u, a.keep)
			r3 := runCommand(t, u.sandboxCommand(t, "-w", a.home, "--hide", a.secret, "--cache", a.cache+"="+link, "--", "sh", "-c", keepSteal, a.cache))
			a.check(t, "through a symlink", r3)
			if r3.code != exitSetup || !isOneLine(r3.stderr, "sandbox: --cache ") || !strings.Contains(r3.stderr, "overlaps writable root") {
				t.Errorf("a keep directory inside a writable root, through a symlink: %v", r3)
			}
		})

		// The same symlinks in a KEEP outside every writable root (left by
		// an older version, or made by hand): refused, nothing followed.
		t.Run("symlinked upper and work", func(t *testing.T) {
			a := newKeepAttack(t, u)
			keep := a.outside + "/keep"
			a.plant(t, u, keep)
			r := runCommand(t, u.sandboxCommand(t, "-w", a.home, "--hide", a.secret, "--cache", a.cache+"="+keep, "--", "sh", "-c", keepSteal, a.cache))
			a.check(t, "symlinked upper", r)
			if r.code != exitSetup || !isOneLine(r.stderr, "sandbox: --cache ") || !strings.Contains(r.stderr, "upper") {
				t.Errorf("symlinked upper: %v", r)
			}
			// Only upper a symlink, work a directory.
			os.Remove(keep + "/work")
			os.Mkdir(keep+"/work", 0o700)
			u.own(t, keep)
			r = runCommand(t, u.sandboxCommand(t, "-w", a.home, "--hide", a.secret, "--cache", a.cache+"="+keep, "--", "sh", "-c", keepSteal, a.cache))
			a.check(t, "symlinked upper, real work", r)
			if r.code != exitSetup {
				t.Errorf("symlinked upper, real work: %v", r)
			}
		})

		// A KEEP others may write: they could plant the same symlinks.
		t.Run("group-writable keep", func(t *testing.T) {
			a := newKeepAttack(t, u)
			keep := a.outside + "/keep"
			if err := os.Chmod(keep, 0o775); err != nil {
				t.Fatal(err)
			}
			r := runCommand(t, u.sandboxCommand(t, "--cache", a.cache+"="+keep, "--", "sh", "-c", `echo x > "$0/f" && echo wrote`, a.cache))
			if r.code != exitSetup || r.stdout != "" || !isOneLine(r.stderr, "sandbox: ") || !strings.Contains(r.stderr, "writable") {
				t.Errorf("a group-writable keep directory: %v", r)
			}
			if lexists(keep+"/upper") || lexists(a.cache+"/f") {
				t.Error("something was written")
			}
			// The control: the same, mode 755.
			os.Chmod(keep, 0o755)
			r = runSandbox(t, u, "-w", a.home, "--hide", a.secret, "--cache", a.cache+"="+keep, "--", "sh", "-c", `echo x > "$0/f" && echo wrote; cat "$0/credentials" 2>/dev/null; exit 0`, a.cache)
			if r.code != 0 || r.stdout != "wrote\n" {
				t.Errorf("control: a private keep directory: %v", r)
			}
			fi, err := os.Stat(keep + "/upper")
			if err != nil || fi.Mode().Perm()&0o022 != 0 {
				t.Errorf("keep/upper is writable by others: %v %v", fi.Mode(), err)
			}
			if b, err := os.ReadFile(keep + "/upper/f"); err != nil || string(b) != "x\n" || lexists(a.cache+"/f") {
				t.Errorf("control: the write is not in the layer: %q %v", b, err)
			}
			a.check(t, "control", r)
		})
	})
}

// TestCacheKeepInUse: a second run with the KEEP of a run still going is
// refused (125) and writes nothing; once the first ends, the same command
// runs.
func TestCacheKeepInUse(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		a := newKeepAttack(t, u)
		keep := a.outside + "/keep"
		s := filepath.Join(a.outside, "s")
		os.Mkdir(s, 0o755)
		for _, f := range []string{"ready", "go"} {
			if err := unix.Mkfifo(filepath.Join(s, f), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		u.own(t, a.outside)
		first := u.sandboxCommand(t, "-w", s, "--cache", a.cache+"="+keep, "--", "sh", "-c", `echo 1 > "$0/one" && echo up > "$1/ready" && cat "$1/go"`, a.cache, s)
		hs := startHandshake(t, first, s)
		if hs.ready != "up\n" {
			t.Fatalf("the first run did not start: %q %v", hs.ready, hs.finish())
		}
		second := []string{"--cache", a.cache + "=" + keep, "--", "sh", "-c", `echo 2 > "$0/two" && echo wrote`, a.cache}
		r := runCommand(t, u.sandboxCommand(t, second...))
		if r.code != exitSetup || r.stdout != "" || !isOneLine(r.stderr, "sandbox: --cache keep directory ") || !strings.Contains(r.stderr, "in use") {
			t.Errorf("a second run with the same keep directory: %v", r)
		}
		if lexists(keep + "/upper/two") {
			t.Error("the second run wrote in the layer")
		}
		if err := hs.finish(); err != nil {
			t.Errorf("the first run: %v", err)
		}
		// The control: the same command once the first run has ended.
		r = runSandbox(t, u, second...)
		if r.code != 0 || r.stdout != "wrote\n" || !lexists(keep+"/upper/two") || !lexists(keep+"/upper/one") {
			t.Errorf("control: the same run afterwards: %v", r)
		}
	})
}
