//go:build linux

package main

// Read-only paths and hidden paths inside a --cache directory: no pin is
// made beneath the cache (a pin is a writable copy of the real directory,
// which over the overlay would let writes reach the host), and they hold
// anyway: the island and the mask are mounts on the overlay, and inside
// the overlay a directory of the real one cannot be renamed (EXDEV).

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCacheWithIslandsInside(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		root := u.dir(t)
		w := filepath.Join(root, "w")
		for _, d := range []string{"a/b/.git", "a/s"} {
			if err := os.MkdirAll(filepath.Join(w, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(filepath.Join(w, "a/b/.git/HEAD"), []byte("ref\n"), 0o644)
		os.WriteFile(filepath.Join(w, "a/s/secret"), []byte(keepSecret), 0o600)
		u.own(t, root)
		before := treeState(t, root)
		script := `a=$0/a
echo x > "$a/b/file" && echo x > "$a/new" && echo wrote
echo y > "$a/b/.git/HEAD" 2>/dev/null && echo wrote-git
cat "$a/s/secret" 2>/dev/null
mv "$a/b" "$a/c" 2>/dev/null; mv "$a/s" "$a/t" 2>/dev/null; cat "$a/t/secret" "$a/c/.git/HEAD" 2>/dev/null
exit 0`
		r := runSandbox(t, u, "-w", w, "-r", w+"/a/b/.git", "--hide", w+"/a/s/secret", "--cache", w+"/a", "--", "sh", "-c", script, w)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "wrote\n") || strings.Contains(r.stdout, "wrote-git") || strings.Contains(r.stdout, "SECRET") {
			t.Errorf("islands inside a cache directory: %v", r)
		}
		if d := treeDiff(before, treeState(t, root)); d != "" {
			t.Errorf("the real tree changed:\n%s", d)
		}
		// The control: with -w alone the writes reach the directory.
		r = runSandbox(t, u, "-w", w, "--", "sh", "-c", `echo x > "$0/a/b/file" && echo wrote`, w)
		if r.code != 0 || r.stdout != "wrote\n" || !lexists(w+"/a/b/file") {
			t.Errorf("control: %v", r)
		}
	})
}

// TestCacheMissingIslandInside: a missing read-only path inside a cache
// directory gets no placeholder in the real directory, not even while the
// run lasts (the host is looked at while the command waits); what the
// command creates there stays in the layer.
func TestCacheMissingIslandInside(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		root := u.dir(t)
		w := filepath.Join(root, "w")
		s := filepath.Join(root, "s")
		os.MkdirAll(filepath.Join(w, "a"), 0o755)
		os.Mkdir(s, 0o755)
		for _, f := range []string{"ready", "go"} {
			if err := unix.Mkfifo(filepath.Join(s, f), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		u.own(t, root)
		before := treeState(t, w)
		cmd := u.sandboxCommand(t, "-w", w, "-w", s, "-r", w+"/a/.git", "--cache", w+"/a", "--", "sh", "-c",
			`mkdir "$0/a/.git" && echo x > "$0/a/.git/config" && r=up; echo "${r:-failed}" > "$1/ready"; cat "$1/go"`, w, s)
		hs := startHandshake(t, cmd, s)
		during := treeDiff(before, treeState(t, w))
		if werr := hs.finish(); hs.ready != "up\n" || werr != nil {
			t.Fatalf("the run: %q %v", hs.ready, werr)
		}
		if during != "" {
			t.Errorf("the real directory changed during the run:\n%s", during)
		}
		if d := treeDiff(before, treeState(t, w)); d != "" {
			t.Errorf("the real directory changed:\n%s", d)
		}
	})
}

// handshake is a sandboxed command started in the background that
// writes a line to the FIFO dir/ready once it is where the test wants to
// look, then waits for a line on the FIFO dir/go: no timing involved.
type handshake struct {
	cmd   *exec.Cmd
	dir   string
	ready string
	done  chan error
}

// startHandshake starts cmd and waits for its ready line, or its end (a
// command that never gets there, its ready empty: nothing blocks).
func startHandshake(t *testing.T, cmd *exec.Cmd, dir string) *handshake {
	t.Helper()
	h := &handshake{cmd: cmd, dir: dir, done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := cmd.Wait()
		// Unblock the reader below if the command never wrote.
		if f, oerr := os.OpenFile(filepath.Join(dir, "ready"), os.O_WRONLY|unix.O_NONBLOCK, 0); oerr == nil {
			f.Close()
		}
		h.done <- err
	}()
	b, _ := os.ReadFile(filepath.Join(dir, "ready"))
	h.ready = string(b)
	return h
}

// finish lets the command go on, if it is waiting, and returns how it
// ended.
func (h *handshake) finish() error {
	if h.ready != "" {
		os.WriteFile(filepath.Join(h.dir, "go"), []byte("go\n"), 0o600)
	}
	return <-h.done
}
