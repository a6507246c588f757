//go:build linux

package main

// AF_UNIX sockets of the sandbox's own on btrfs, where stat's st_dev is
// the subvolume's anonymous device while sock_diag reports the
// superblock's (unix_diag's d_sb->s_dev), and inode numbers start over in
// every subvolume of the one superblock.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pyOwn binds and listens on argv[1], connects to it and prints
// "connected" or the error.
const pyOwn = `import socket, sys
l = socket.socket(socket.AF_UNIX); l.bind(sys.argv[1]); l.listen()
try:
    socket.socket(socket.AF_UNIX).connect(sys.argv[1]); print("connected")
except OSError as e:
    print(e.strerror)`

// pyCollide binds sockets in the directory argv[2] until one has the
// inode number of the socket file argv[1] (in another subvolume), then
// connects to argv[1].
const pyCollide = `import os, socket, sys
target, ws = sys.argv[1], sys.argv[2]
ino = os.stat(target).st_ino
held = []
for i in range(1000):
    p = os.path.join(ws, "x%d.sock" % i)
    l = socket.socket(socket.AF_UNIX); l.bind(p); l.listen(); held.append(l)
    if os.stat(p).st_ino == ino:
        break
else:
    print("no collision"); sys.exit(2)
try:
    socket.socket(socket.AF_UNIX).connect(target)
    print("connected")
except OSError as e:
    print(e.strerror)`

// pyRenameSubvol is the audit's F1: in the workspace argv[1] it binds
// D/host.sock until the socket file's number is that of argv[2] (a socket
// in a nested subvolume, numbers being sequential per subvolume), then
// renames D away and the other subvolume onto D, so that the bound name
// D/host.sock now names argv[2]; it connects to it, then (renamed back)
// to argv[2] by its own path. One line per step.
const pyRenameSubvol = `import os, socket, sys
ws, target = sys.argv[1], sys.argv[2]
T = os.stat(target).st_ino
D = os.path.join(ws, "D"); os.mkdir(D)
name = os.path.join(D, "host.sock")
while True:
    try: os.unlink(name)
    except FileNotFoundError: pass
    l = socket.socket(socket.AF_UNIX); l.bind(name)
    ino = os.stat(name).st_ino
    if ino == T: break
    if ino > T: print("overshot"); sys.exit(2)
    l.close()
l.listen()
print("collided")
other = os.path.dirname(target)
os.rename(D, D + ".old"); os.rename(other, D)
print("renamed")
for addr in (name, None):
    if addr is None:
        os.rename(D, other); os.rename(D + ".old", D); addr = target
    try:
        c = socket.socket(socket.AF_UNIX); c.connect(addr); c.send(b"PWNED"); print("connected")
    except OSError as e:
        print(e.strerror)`

func TestNamespaceUnixBtrfs(t *testing.T) {
	if os.Geteuid() != 0 {
		skipOrFail(t, "loop-mounting a filesystem needs root")
	}
	mnt := mountScratch(t, "btrfs", []string{"mkfs.btrfs", "-q", "-f"}, 128<<20)
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		py := needPython(t)
		// A workspace: a subvolume; in it, another (a host's) with a
		// socket listening outside, numbered past a few files.
		subvols := func(name string) (ws string, target netTarget) {
			ws = filepath.Join(mnt, name+"-"+u.name)
			other := filepath.Join(ws, "other")
			for _, sv := range []string{ws, other} {
				if out, err := exec.Command("btrfs", "subvolume", "create", sv).CombinedOutput(); err != nil {
					t.Fatalf("btrfs subvolume create: %v: %s", err, out)
				}
			}
			t.Cleanup(func() {
				exec.Command("btrfs", "subvolume", "delete", other).Run()
				exec.Command("btrfs", "subvolume", "delete", ws).Run()
			})
			u.own(t, ws)
			for i := 0; i < 8; i++ {
				if err := os.WriteFile(filepath.Join(other, "f"+string(rune('a'+i))), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			target = listenStream(t, "unix", filepath.Join(other, "host.sock"))
			if err := os.Chmod(target.args[0], 0o777); err != nil {
				t.Fatal(err)
			}
			if r := runPlain(t, u, py, "-c", "import socket, sys\nsocket.socket(socket.AF_UNIX).connect(sys.argv[1])", target.args[0]); r.code != 0 || !target.saw(5*time.Second) {
				t.Fatalf("control: the listener heard nothing without the sandbox: %v", r)
			}
			return ws, target
		}
		ws, target := subvols("ws")
		// sock_diag's device and 32-bit number cannot tell btrfs's
		// subvolumes apart: the sandbox's own sockets there work by the
		// listener's own bound file (SIOCUNIXFILE).
		own := filepath.Join(ws, "own.sock")
		if r := runPlain(t, u, py, "-c", pyOwn, own); r.stdout != "connected\n" {
			t.Fatalf("control: a socket of its own on btrfs without the sandbox: %v", r)
		}
		os.Remove(own)
		if r := runSandbox(t, u, "-w", ws, "--", py, "-c", pyOwn, own); r.stdout != "connected\n" {
			t.Errorf("a socket of the sandbox's own on btrfs: %v", r)
		}
		if r := runSandbox(t, u, "-w", ws, "--", py, "-c", pyUnixServe, filepath.Join(ws, "s.sock"), "SOCK_STREAM", "relative"); r.code != 0 || r.stdout != "hello inside\n" {
			t.Errorf("a server and a client inside, on btrfs, bound by a relative name: %v", r)
		}
		// The sandbox binds its own sockets until one has the number of
		// the socket outside.
		r := runSandbox(t, u, "-w", ws, "--", py, "-c", pyCollide, target.args[0], ws)
		if strings.TrimSpace(r.stdout) != "Permission denied" {
			t.Errorf("a socket in another subvolume, numbered as one of the sandbox's: %v", r)
		}
		if target.saw(200 * time.Millisecond) {
			t.Errorf("the listener in the other subvolume heard the sandbox: %v", r)
		}
		// F1: the other subvolume renamed onto the directory the
		// sandbox's colliding socket was bound in.
		ws, target = subvols("rename")
		r = runSandbox(t, u, "-w", ws, "--", py, "-c", pyRenameSubvol, ws, target.args[0])
		if !strings.HasPrefix(r.stdout, "collided\nrenamed\n") || strings.Contains(r.stdout, "connected") {
			t.Errorf("a subvolume renamed under a bound name: %v", r)
		}
		if target.saw(200 * time.Millisecond) {
			t.Errorf("the listener in the renamed subvolume heard the sandbox: %v", r)
		}
	})
}
