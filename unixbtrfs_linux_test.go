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

func TestNamespaceUnixBtrfs(t *testing.T) {
	if os.Geteuid() != 0 {
		skipOrFail(t, "loop-mounting a filesystem needs root")
	}
	mnt := mountScratch(t, "btrfs", []string{"mkfs.btrfs", "-q", "-f"}, 128<<20)
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		py := needPython(t)
		// The workspace: a subvolume; in it, another (a host's).
		ws := filepath.Join(mnt, "ws-"+u.name)
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
		if r := runSandbox(t, u, "-w", ws, "--", py, "-c", pyUnixServe, filepath.Join(ws, "s.sock"), "SOCK_STREAM"); r.code != 0 || r.stdout != "hello inside\n" {
			t.Errorf("a server and a client inside, on btrfs, did not talk: %v", r)
		}
		// A socket outside in the other subvolume, numbered past a few
		// files: the sandbox binds its own until one has that number.
		for i := 0; i < 8; i++ {
			if err := os.WriteFile(filepath.Join(other, "f"+string(rune('a'+i))), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		target := listenStream(t, "unix", filepath.Join(other, "host.sock"))
		if err := os.Chmod(target.args[0], 0o777); err != nil {
			t.Fatal(err)
		}
		if r := runPlain(t, u, py, "-c", "import socket, sys\nsocket.socket(socket.AF_UNIX).connect(sys.argv[1])", target.args[0]); r.code != 0 || !target.saw(5*time.Second) {
			t.Fatalf("control: the listener heard nothing without the sandbox: %v", r)
		}
		r := runSandbox(t, u, "-w", ws, "--", py, "-c", pyCollide, target.args[0], ws)
		if strings.TrimSpace(r.stdout) != "Permission denied" {
			t.Errorf("a socket in another subvolume, numbered as one of the sandbox's: %v", r)
		}
		if target.saw(200 * time.Millisecond) {
			t.Errorf("the listener in the other subvolume heard the sandbox: %v", r)
		}
	})
}
