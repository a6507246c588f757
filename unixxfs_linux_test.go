//go:build linux

package main

// AF_UNIX sockets of the sandbox's own on a large XFS (inode64), where
// inode numbers pass 32 bits while sock_diag reports their low 32 bits
// only (the audit's F2).

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pyLow32 makes directories in argv[1] until one's inode number is past
// 32 bits with low bits below the number of the socket file argv[2]
// (XFS spreads directories across allocation groups), binds sockets in
// it until one's low 32 bits are that number, listens on it and connects
// to argv[2]. It prints "collided", then "connected" or the error.
const pyLow32 = `import os, socket, sys
ws, target = sys.argv[1], sys.argv[2]
T = os.stat(target).st_ino
for i in range(64):
    d = os.path.join(ws, "d%d" % i); os.mkdir(d)
    di = os.stat(d).st_ino
    if di > 0xffffffff and di & 0xffffffff < T:
        break
else:
    print("no directory past 32 bits"); sys.exit(2)
held = []
for j in range(5000):
    p = os.path.join(d, "s%d" % j)
    l = socket.socket(socket.AF_UNIX); l.bind(p); held.append(l)
    if os.stat(p).st_ino & 0xffffffff == T:
        break
    if len(held) > 500:
        held.pop(0).close()
else:
    print("no collision"); sys.exit(2)
l.listen()
print("collided")
try:
    c = socket.socket(socket.AF_UNIX); c.connect(target); c.send(b"PWNED"); print("connected")
except OSError as e:
    print(e.strerror)`

func TestNamespaceUnixXFS64(t *testing.T) {
	if os.Geteuid() != 0 {
		skipOrFail(t, "loop-mounting a filesystem needs root")
	}
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		py := needPython(t)
		// 4 TiB, sparse: five allocation groups put the inode numbers
		// of the later ones past 32 bits. The socket outside is in the
		// root directory (first group: a small number), past a few files.
		mnt := mountScratch(t, "xfs", []string{"mkfs.xfs", "-q", "-f", "-d", "agcount=5"}, 4<<40)
		for i := 0; i < 32; i++ {
			if err := os.WriteFile(filepath.Join(mnt, "f"+strconv.Itoa(i)), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		target := listenStream(t, "unix", filepath.Join(mnt, "host.sock"))
		if err := os.Chmod(target.args[0], 0o777); err != nil {
			t.Fatal(err)
		}
		ws := filepath.Join(mnt, "ws")
		if err := os.Mkdir(ws, 0o755); err != nil {
			t.Fatal(err)
		}
		u.own(t, ws)
		if r := runPlain(t, u, py, "-c", "import socket, sys\nsocket.socket(socket.AF_UNIX).connect(sys.argv[1])", target.args[0]); r.code != 0 || !target.saw(5*time.Second) {
			t.Fatalf("control: the listener heard nothing without the sandbox: %v", r)
		}
		// The sandbox's own sockets, numbered past 32 bits or not, work.
		if r := runSandbox(t, u, "-w", ws, "--", py, "-c", pyOwn, filepath.Join(ws, "own.sock")); r.stdout != "connected\n" {
			t.Errorf("a socket of the sandbox's own on XFS: %v", r)
		}
		r := runSandbox(t, u, "-w", ws, "--", py, "-c", pyLow32, ws, target.args[0])
		if !strings.HasPrefix(r.stdout, "collided\n") || strings.Contains(r.stdout, "connected") {
			t.Errorf("a socket outside whose number's low 32 bits are one of the sandbox's: %v", r)
		}
		if target.saw(200 * time.Millisecond) {
			t.Errorf("the listener outside heard the sandbox: %v", r)
		}
	})
}
