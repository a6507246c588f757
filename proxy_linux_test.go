//go:build linux

package main

// --allow-host end to end: listeners on the host's loopback stand in for
// hosts on the internet (listed by IP literal), and the command in the
// namespace engine reaches them with curl and Python's urllib through the
// proxy, or fails to. Every refusal is judged by its effect: the listener
// outside accepted nothing.

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// standIn is a host on the host's loopback: it answers every request
// with 200 and its name, and counts the connections it accepted.
type standIn struct {
	l     net.Listener
	port  string
	count atomic.Int32
	// serving: an answering stand-in counts what it answered; one that
	// is not looks in its backlog.
	serving bool
}

// serveStandIn starts a stand-in that answers.
func serveStandIn(t *testing.T, name string) *standIn {
	t.Helper()
	s := listenStandIn(t)
	s.serve(name)
	return s
}

// serve answers from now on; heard then counts what it answered.
func (s *standIn) serve(name string) {
	s.serving = true
	go func() {
		for {
			c, err := s.l.Accept()
			if err != nil {
				return
			}
			s.count.Add(1)
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil || line == "\r\n" || line == "\n" {
						break
					}
				}
				body := "hello from " + name + "\n"
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n" + body))
			}()
		}
	}()
}

// listenStandIn is a stand-in that accepts nothing itself: heard says
// whether a connection is waiting in its backlog.
func listenStandIn(t *testing.T) *standIn {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return &standIn{l: l, port: strconv.Itoa(l.Addr().(*net.TCPAddr).Port)}
}

// heard reports whether anything connected (the connect of a finished
// command is in the backlog already; the wait only covers a busy host).
func (s *standIn) heard() bool {
	if s.serving {
		return s.count.Load() > 0
	}
	s.l.(*net.TCPListener).SetDeadline(time.Now().Add(100 * time.Millisecond))
	defer s.l.(*net.TCPListener).SetDeadline(time.Time{})
	c, err := s.l.Accept()
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func (s *standIn) addr() string { return "127.0.0.1:" + s.port }

func needTool(t *testing.T, name string) string {
	t.Helper()
	p := sharedTool(name)
	if p == "" {
		skipOrFail(t, "no %s in /usr/local/bin, /usr/bin or /bin", name)
	}
	return p
}

func TestProxyAllowHost(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		curl, py := needTool(t, "curl"), needPython(t)
		allowed := serveStandIn(t, "allowed")
		refused := listenStandIn(t)
		a, b := allowed.addr(), refused.addr()

		// Control: without the sandbox the refused stand-in is reachable.
		control := listenStandIn(t)
		r := runPlain(t, u, curl, "-sS", "-m", "5", "-o", "/dev/null", "http://"+control.addr()+"/")
		if !control.heard() {
			t.Fatalf("control: curl did not reach the stand-in: %v", r)
		}

		script := `set -u
echo "HTTP_PROXY=$HTTP_PROXY http_proxy=$http_proxy HTTPS_PROXY=$HTTPS_PROXY ALL_PROXY=$ALL_PROXY NO_PROXY=$NO_PROXY NODE_USE_ENV_PROXY=$NODE_USE_ENV_PROXY"
echo "plain: $(curl -sS -m 10 http://` + a + `/x)"
echo "connect: $(curl -sS -m 10 -p http://` + a + `/y)"
echo "python: $(` + py + ` -c 'import urllib.request as u, sys; print(u.urlopen(sys.argv[1], timeout=10).read().decode().strip())' http://` + a + `/z)"
echo "refused: $(curl -sS -m 10 -o /dev/null -w '%{http_code}' http://` + b + `/)"
echo "refused-connect: $(curl -sS -m 10 -p -o /dev/null -w '%{http_code}' http://` + b + `/ 2>/dev/null)"
echo "direct: $(curl -sS -m 10 --noproxy '*' -o /dev/null -w '%{http_code}' http://` + b + `/ 2>/dev/null)"
echo "direct-allowed: $(curl -sS -m 10 --noproxy '*' -o /dev/null -w '%{http_code}' http://` + a + `/ 2>/dev/null)"
`
		r = runSandbox(t, u, "--allow-host", a, "--", "sh", "-c", script)
		out := r.stdout
		if r.code != 0 {
			t.Fatalf("the script failed: %v", r)
		}
		for _, want := range []string{
			"plain: hello from allowed", "connect: hello from allowed", "python: hello from allowed",
			"refused: 403", "refused-connect: 000", "direct: 000", "direct-allowed: 000",
			"NO_PROXY=localhost,::1 ", "NODE_USE_ENV_PROXY=1",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("want %q in the output: %v", want, r)
			}
		}
		proxyURL := ""
		for _, f := range strings.Fields(strings.SplitN(out, "\n", 2)[0]) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "HTTP_PROXY":
				proxyURL = v
			case "http_proxy", "HTTPS_PROXY", "ALL_PROXY":
				if v != proxyURL {
					t.Errorf("%s=%q, HTTP_PROXY=%q", k, v, proxyURL)
				}
			}
		}
		if !strings.HasPrefix(proxyURL, "http://127.0.0.1:") {
			t.Errorf("HTTP_PROXY=%q, want http://127.0.0.1:PORT", proxyURL)
		}
		if refused.heard() {
			t.Errorf("the refused stand-in %s heard from the sandbox", b)
		}
		if n := allowed.count.Load(); n != 3 {
			t.Errorf("the allowed stand-in accepted %d connections, want 3 (plain, CONNECT, Python)", n)
		}
		line := "sandbox: proxy refused " + b + " (not in --allow-host)\n"
		if strings.Count(r.stderr, line) != 1 {
			t.Errorf("want the refusal line %q once on stderr: %v", line, r)
		}
	})
}

// TestProxyLoopbackByName: a name that resolves to a loopback address is
// refused unless the address itself is listed.
func TestProxyLoopbackByName(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		needTool(t, "curl")
		s := listenStandIn(t)
		fetch := `curl -sS -m 10 --noproxy '' -x "$HTTP_PROXY" -o /dev/null -w '%{http_code}\n' http://localhost:` + s.port + `/`

		r := runSandbox(t, u, "--allow-host", "localhost:"+s.port, "--", "sh", "-c", fetch)
		if strings.TrimSpace(r.stdout) != "403" {
			t.Errorf("want 403 for localhost allowed by name only: %v", r)
		}
		if s.heard() {
			t.Errorf("the stand-in on 127.0.0.1:%s heard from the sandbox", s.port)
		}
		for _, want := range []string{"sandbox: proxy refused localhost:" + s.port + " (resolves to 127.0.0.1, loopback", "does not list"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("want %q on stderr: %v", want, r)
			}
		}

		// Control: with the address listed too, the same request goes
		// through.
		s.serve("localhost")
		r = runSandbox(t, u, "--allow-host", "localhost:"+s.port, "--allow-host", s.addr(), "--", "sh", "-c", fetch)
		if strings.TrimSpace(r.stdout) != "200" || !s.heard() {
			t.Errorf("control: with %s listed, want 200 from the stand-in: %v", s.addr(), r)
		}
	})
}

// TestProxyRefusedUsage: what --allow-host does not run with.
func TestProxyRefusedUsage(t *testing.T) {
	u := runAs{name: "self", uid: 0}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--allow-host", "example.com", "-n"}, exitUsage, "--network allows every host"},
		{[]string{"--allow-host", "*.com"}, exitUsage, "two labels"},
		{[]string{"--allow-host", "example.com:0"}, exitUsage, "bad port"},
		{[]string{"--allow-host", "[fe80::1%eth0]"}, exitUsage, "zone"},
		{[]string{"--allow-host", "exa mple.com"}, exitUsage, "not a host name"},
		{[]string{"--allow-host", "127.1"}, exitUsage, "neither an IP address"},
		{[]string{"--allow-host", "2130706433:8080"}, exitUsage, "neither an IP address"},
		{[]string{"--allow-host", "example.com", "--exec-only"}, exitSetup, "--allow-host needs the namespace engine"},
	} {
		cmd := u.sandboxCommand(t, append(c.args, "--", "true")...)
		cmd.SysProcAttr = nil
		r := runCommand(t, cmd)
		if r.code != c.code || !isOneLine(r.stderr, "sandbox: ") || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%q: got %v, want exit %d and one line with %q", c.args, r, c.code, c.want)
		}
	}
}

// TestProxyPrintPolicy: --print-policy lists the allow list and the
// engine that enforces it.
func TestProxyPrintPolicy(t *testing.T) {
	u := runAs{name: "self", uid: os.Getuid(), gid: os.Getgid()}
	requireNamespaces(t, u)
	r := runCommand(t, u.sandboxCommand(t, "--print-policy", "--allow-host", "*.Example.com", "--allow-host", "[::1]:8080", "--", "true"))
	for _, want := range []string{`"allow_hosts": [` + "\n" + `    "*.example.com",` + "\n" + `    "[::1]:8080"` + "\n  ]", `"engine": "namespace"`, `"network": false`, `"would_run": true`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("want %q in: %v", want, r)
		}
	}
}

// TestProxyCodexManaged: Codex's managed-proxy mode (spec 9.3, test 2):
// the proxy variables name a listener on the caller's loopback, which the
// command reaches at the same address inside; nothing else is reachable.
func TestProxyCodexManaged(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		bash := needTool(t, "bash")
		codex := codexBinary(t)
		proxy := serveStandIn(t, "codex's proxy")
		other := listenStandIn(t)
		script := `set -u
hp=${HTTP_PROXY#http://}
exec 3<>/dev/tcp/${hp%:*}/${hp##*:}
printf 'GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n' >&3
head -n 1 <&3
(echo hi > /dev/tcp/127.0.0.1/` + other.port + `) 2>/dev/null && echo "other: reached"
(echo hi > /dev/tcp/192.0.2.1/80) 2>/dev/null && echo "internet: reached"
exit 0`
		cmd := u.command(codex, "--sandbox-policy-cwd", "/", "--allow-network-for-proxy", "--permission-profile", `{"type":"disabled"}`, "--", bash, "-c", script)
		cmd.Env = append(cmd.Env, "HTTP_PROXY=http://"+proxy.addr())
		r := confined(t, cmd)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "HTTP/1.1 200 OK") || strings.Contains(r.stdout, "reached") {
			t.Errorf("want the proxy's 200 and nothing else reached: %v", r)
		}
		if !proxy.heard() {
			t.Errorf("Codex's proxy heard nothing")
		}
		if other.heard() {
			t.Errorf("a listener that is no proxy endpoint heard from the sandbox")
		}

		// Without the variables, nothing runs (upstream's wording).
		cmd = u.command(codex, "--sandbox-policy-cwd", "/", "--allow-network-for-proxy", "--permission-profile", `{"type":"disabled"}`, "--", "true")
		r = runCommand(t, cmd)
		if r.code != exitSetup || !strings.Contains(r.stderr, "managed proxy mode requires proxy environment variables") {
			t.Errorf("without proxy variables: %v", r)
		}
	})
}

// TestProxyNoNamespacesHint: where user namespaces are refused,
// --allow-host refuses to run, and its hint is not --exec-only (which
// refuses --allow-host too).
func TestProxyNoNamespacesHint(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		sandbox, probe := binaries(t)
		marker := filepath.Join(u.dir(t), "ran")
		for _, extra := range [][]string{nil, {"--print-policy"}} {
			args := append([]string{probe, sandbox}, extra...)
			cmd := u.command(append(args, "--allow-host", "example.com", "--", "touch", marker)...)
			cmd.Env = append(cmd.Env, probeEnv+"=no-userns")
			r := runCommand(t, cmd)
			out := r.stderr + r.stdout
			if r.code != exitSetup || !strings.Contains(out, "--allow-host needs the namespace engine, which is unavailable") || strings.Contains(out, "run with --exec-only") {
				t.Errorf("%v without user namespaces: %v", extra, r)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Errorf("%v: the command ran", extra)
			}
		}
		// The fix named is not one that fails the same way.
		r := runCommand(t, u.sandboxCommand(t, "--exec-only", "--allow-host", "example.com", "--", "true"))
		if r.code != exitSetup {
			t.Errorf("--exec-only --allow-host: %v", r)
		}
	})
}

// TestProxyCodexSamePortTwice: proxy variables that name one endpoint in
// two spellings (127.0.0.1:P and localhost:P, as Codex may set
// HTTP_PROXY and HTTPS_PROXY) give one listener inside, not a failure to
// bind the second.
func TestProxyCodexSamePortTwice(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		bash := needTool(t, "bash")
		codex := codexBinary(t)
		proxy := serveStandIn(t, "codex's proxy")
		script := `set -u
for hp in "${HTTP_PROXY#http://}" "${HTTPS_PROXY#http://}"; do
  h=${hp%:*}; [ "$h" = localhost ] && h=127.0.0.1
  exec 3<>/dev/tcp/$h/${hp##*:}
  printf 'GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n' >&3
  head -n 1 <&3
  exec 3<&-
done`
		cmd := u.command(codex, "--sandbox-policy-cwd", "/", "--allow-network-for-proxy", "--permission-profile", `{"type":"disabled"}`, "--", bash, "-c", script)
		cmd.Env = append(cmd.Env, "HTTP_PROXY=http://"+proxy.addr(), "HTTPS_PROXY=http://localhost:"+proxy.port)
		r := confined(t, cmd)
		if r.code != 0 || strings.Count(r.stdout, "HTTP/1.1 200 OK") != 2 {
			t.Errorf("want the proxy's 200 through both variables: %v", r)
		}
		if !proxy.heard() {
			t.Errorf("Codex's proxy heard nothing")
		}

		// [::1]:P and localhost:P share ::1 likewise.
		if l, err := net.Listen("tcp6", "[::1]:0"); err == nil {
			l.Close()
			cmd = u.command(codex, "--sandbox-policy-cwd", "/", "--allow-network-for-proxy", "--permission-profile", `{"type":"disabled"}`, "--", "true")
			cmd.Env = append(cmd.Env, "HTTP_PROXY=http://[::1]:"+proxy.port, "HTTPS_PROXY=http://localhost:"+proxy.port)
			if r := confined(t, cmd); r.code != 0 {
				t.Errorf("[::1]:%s and localhost:%s: %v", proxy.port, proxy.port, r)
			}
		}
	})
}

// TestProxyHostileInput: malformed and oversized requests get an error
// status each, and the proxy serves the next request as before.
func TestProxyHostileInput(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		requireNamespaces(t, u)
		needTool(t, "curl")
		py := needPython(t)
		allowed := serveStandIn(t, "allowed")
		client := `import socket, sys, os
host, port = os.environ["HTTP_PROXY"][len("http://"):].rsplit(":", 1)
def ask(data, close=False):
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(data)
    if close:
        s.close()
        return "closed"
    s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        out += b
    return out.split(b"\r\n", 1)[0].decode()
print(ask(b"\x00\xff garbage\r\n\r\n"))
print(ask(b"GET http://a.test/" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n"))
print(ask(b"CONNECT a.test:443 HTTP/1.1\r\n" + b"X: y\r\n" * 1000 + b"\r\n"))
print(ask(b"CONNECT a.test:443 HTTP/1.1\r\nX: y", close=True))
print(ask(b"GET http://a.test/ HTTP/1.1\r\n\r\n"))
`
		r := runSandbox(t, u, "--allow-host", allowed.addr(), "--", "sh", "-c",
			py+` -c "$0" && curl -sS -m 10 http://`+allowed.addr()+`/`, client)
		want := "HTTP/1.1 400 Bad Request\nHTTP/1.1 431 Request Header Fields Too Large\nHTTP/1.1 431 Request Header Fields Too Large\nclosed\nHTTP/1.1 403 Forbidden\nhello from allowed\n"
		if r.code != 0 || r.stdout != want {
			t.Errorf("got %v\nwant stdout %q", r, want)
		}
	})
}
