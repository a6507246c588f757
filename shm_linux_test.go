//go:build linux

package main

// Shared memory in the namespace engine (issue 13, item 2): the mount plan
// gives the command a /dev/shm of its own (opDev), so POSIX semaphores and
// shared memory, which glibc keeps there, work with only the workspace
// writable, and the host's segments are out of sight.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// pyMultiprocessing uses what Python's multiprocessing needs /dev/shm for
// with the default 'fork' start method: Lock and Semaphore (sem_open),
// a Pool and a ProcessPoolExecutor (their queues hold a Lock), and a
// SharedMemory block. ('forkserver' also needs an AF_UNIX socket of its
// own: that is the unix branch's test.)
const pyMultiprocessing = `import multiprocessing as mp, concurrent.futures as cf
from multiprocessing import shared_memory
def square(x):
    return x * x
if __name__ == "__main__":
    mp.set_start_method("fork")
    lock = mp.Lock()
    with lock:
        pass
    sem = mp.Semaphore(2)
    sem.acquire(); sem.release()
    with mp.Pool(2) as pool:
        print("pool", sum(pool.map(square, range(10))))
    with cf.ProcessPoolExecutor(2) as ex:
        print("executor", sum(ex.map(square, range(10))))
    shm = shared_memory.SharedMemory(create=True, size=64)
    shm.buf[0] = 42
    other = shared_memory.SharedMemory(name=shm.name)
    print("shm", other.buf[0])
    other.close(); shm.close(); shm.unlink()
`

// TestNamespaceSharedMemory: multiprocessing works inside with only the
// workspace writable, as root and as 65534, and needs no -w /dev/shm.
func TestNamespaceSharedMemory(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		py := needPython(t)
		d := u.dir(t)
		script := filepath.Join(d, "mp.py")
		if err := os.WriteFile(script, []byte(pyMultiprocessing), 0o644); err != nil {
			t.Fatal(err)
		}
		want := "pool 285\nexecutor 285\nshm 42\n"
		if r := runPlain(t, u, py, script); r.code != 0 || r.stdout != want {
			t.Fatalf("control: multiprocessing without the sandbox: %v", r)
		}
		cmd := u.sandboxCommand(t, "--require-namespaces", "-w", d, "--", py, script)
		cmd.Dir = d
		if r := confined(t, cmd); r.code != 0 || r.stdout != want {
			t.Errorf("multiprocessing inside, workspace writable: %v", r)
		}
	})
}

// TestNamespaceSharedMemoryPrivate: a POSIX shared memory segment made
// outside in the host's /dev/shm (mode 0666, so that the user could open
// it) cannot be opened inside, and one made inside does not appear in the
// host's.
func TestNamespaceSharedMemoryPrivate(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		py := needPython(t)
		outside := fmt.Sprintf("sandbox-test-shm-%d-%d", os.Getpid(), rand.IntN(1000000))
		path := filepath.Join("/dev/shm", outside)
		if err := os.WriteFile(path, []byte("host secret"), 0o666); err != nil {
			skipOrFail(t, "no host /dev/shm: %v", err)
		}
		os.Chmod(path, 0o666)
		t.Cleanup(func() { os.Remove(path) })
		open := `from multiprocessing import shared_memory
import sys
try:
    m = shared_memory.SharedMemory(name=sys.argv[1])
    print("opened", bytes(m.buf[:11]).decode())
except FileNotFoundError:
    print("ENOENT")
`
		if r := runPlain(t, u, py, "-c", open, outside); r.code != 0 || r.stdout != "opened host secret\n" {
			t.Fatalf("control: the host's segment without the sandbox: %v", r)
		}
		if r := runSandbox(t, u, "--require-namespaces", "--", py, "-c", open, outside); r.code != 0 || r.stdout != "ENOENT\n" {
			t.Errorf("the host's segment, inside: %v", r)
		}

		inside := outside + "-inside"
		t.Cleanup(func() { os.Remove(filepath.Join("/dev/shm", inside)) })
		create := `from multiprocessing import shared_memory, resource_tracker
import sys
m = shared_memory.SharedMemory(name=sys.argv[1], create=True, size=16)
resource_tracker.unregister(m._name, "shared_memory")
print("created")
`
		if r := runSandbox(t, u, "--require-namespaces", "--", py, "-c", create, inside); r.code != 0 || r.stdout != "created\n" {
			t.Errorf("a segment inside: %v", r)
		}
		if lexists(filepath.Join("/dev/shm", inside)) {
			t.Errorf("a segment made inside appeared in the host's /dev/shm")
		}
	})
}
