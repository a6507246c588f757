//go:build linux

package main

// Chromium headless in the namespace engine (issue 13, item 4), as
// Playwright and Puppeteer run it in containers: --headless --no-sandbox,
// its profile in the workspace, as root and as uid 65534. Its own sandbox
// needs user namespaces of its own, which the sandbox refuses (a nested
// user namespace is kernel attack surface): --no-sandbox is required.
//
// What it needs from the sandbox: a writable temporary directory (its
// ProcessSingleton makes its socket directory there: TMPDIR in the
// workspace, or --cache /tmp), /dev/shm (the namespace engine's own), and
// an AF_UNIX socket it binds and connects to itself (SingletonSocket),
// which with the network off goes through the supervisor's connect
// (unixnotify_linux.go); the subtest "private network" first checks that
// path alone, so that its failure names the cause.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// chromiumArgs are the flags of a headless run with its profile in ws.
func chromiumArgs(chromium, ws string, action ...string) []string {
	return append([]string{chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(ws, "profile")}, action...)
}

// chromiumPage is a page whose script must run for the DOM to say so.
const chromiumPage = `<html><body><p id="x">static</p><script>document.getElementById("x").textContent = "script ran"</script></body></html>`

const chromiumRan = `<p id="x">script ran</p>`

func TestChromiumHeadless(t *testing.T) {
	chromium := sharedTool("chromium")
	if chromium == "" {
		skipOrFail(t, "no chromium in /usr/bin (.ci/run installs Debian's)")
	}
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		newWorkspace := func(t *testing.T) (ws, page string) {
			ws = u.dir(t)
			page = filepath.Join(ws, "page.html")
			if err := os.WriteFile(page, []byte(chromiumPage), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(ws, "tmp"), 0o755); err != nil {
				t.Fatal(err)
			}
			u.own(t, ws)
			return ws, page
		}
		// HOME too: Chromium creates ~/.config/chromium and ~/.cache,
		// which for the control, unconfined, would be the host's.
		withTmp := func(cmd interface{ Environ() []string }, ws string) []string {
			return append(cmd.Environ(), "TMPDIR="+filepath.Join(ws, "tmp"), "HOME="+ws)
		}

		ws, page := newWorkspace(t)
		ctl := u.command(chromiumArgs(chromium, ws, "--dump-dom", "file://"+page)...)
		ctl.Env = withTmp(ctl, ws)
		if r := runCommand(t, ctl); r.code != 0 || !strings.Contains(r.stdout, chromiumRan) {
			t.Fatalf("control: chromium without the sandbox: %v", r)
		}

		t.Run("network", func(t *testing.T) {
			ws, page := newWorkspace(t)
			cmd := u.sandboxCommand(t, append([]string{"--require-namespaces", "-n", "-w", ws, "--"}, chromiumArgs(chromium, ws, "--dump-dom", "file://"+page)...)...)
			cmd.Env = withTmp(cmd, ws)
			if r := confined(t, cmd); r.code != 0 || !strings.Contains(r.stdout, chromiumRan) {
				t.Errorf("--dump-dom, TMPDIR in the workspace: %v", r)
			}
			// A screenshot, with its temporary files in a throwaway
			// layer (--cache) instead of the workspace. The layer is a
			// directory of the test's own, not /tmp, where other tests'
			// mounts would make overlayfs refuse it.
			shot := filepath.Join(ws, "shot.png")
			scratch, _ := newWorkspace(t)
			cmd = u.sandboxCommand(t, append([]string{"--require-namespaces", "-n", "-w", ws, "--cache", scratch, "--"},
				chromiumArgs(chromium, ws, "--window-size=320,200", "--screenshot="+shot, "file://"+page)...)...)
			cmd.Env = append(cmd.Env, "HOME="+ws, "TMPDIR="+scratch)
			r := confined(t, cmd)
			if b, err := os.ReadFile(shot); r.code != 0 || err != nil || !strings.HasPrefix(string(b), "\x89PNG") {
				t.Errorf("--screenshot, --cache /tmp: %v; screenshot: %v", r, err)
			}
		})

		t.Run("private network", func(t *testing.T) {
			ws, page := newWorkspace(t)
			if !ownUnixSockets(t, u, ws) {
				t.Fatal("the sandbox refuses the AF_UNIX socket of its own that Chromium's SingletonSocket needs")
			}
			cmd := u.sandboxCommand(t, append([]string{"--require-namespaces", "-w", ws, "--"}, chromiumArgs(chromium, ws, "--dump-dom", "file://"+page)...)...)
			cmd.Env = withTmp(cmd, ws)
			if r := confined(t, cmd); r.code != 0 || !strings.Contains(r.stdout, chromiumRan) {
				t.Errorf("--dump-dom, network off: %v", r)
			}
		})
	})
}

// ownUnixSockets reports whether a command in the sandbox, network off,
// can make, bind and connect an AF_UNIX socket in its workspace ws.
func ownUnixSockets(t *testing.T, u runAs, ws string) bool {
	t.Helper()
	py := needPython(t)
	r := runSandbox(t, u, "--require-namespaces", "-w", ws, "--", py, "-c", pyAttempt(`
path = os.path.join(sys.argv[1], "probe.sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen()
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(path)
os.unlink(path)`), ws)
	t.Logf("AF_UNIX in the workspace: %s", strings.TrimSpace(r.stdout))
	return r.code == 0
}
