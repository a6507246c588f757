//go:build linux

package main

// The proof with the real client (issue #3): the Codex TypeScript CLI of
// May 2025 (npm @openai/codex, run by Node 22) is pointed at a fake OpenAI
// Responses API on loopback that plays the model. The fake model makes the
// CLI run shell tool calls in full-auto mode, and the CLI runs each of them
// through its Linux helper, bin/codex-linux-sandbox-<arch>, which is this
// program. What confinement did is read back from two places: the
// function_call_output the CLI sends to the model (exit codes, stderr) and
// the filesystem and a loopback TCP listener of the test.
//
// The same scenario then runs with the helper replaced by a script that
// runs the command unconfined; that run must show the escapes, or the
// assertions could not tell a confined command from an unconfined one.
//
// The packages come from .ci/provision-codex.sh; see
// /work/shared/codex-spec.md section 1.3 for the caller's side of era B.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The versions .ci/provision-codex.sh installs. 0.1.2505291658 is the
// last CLI release whose Linux helper speaks era B (`-s` permissions).
const (
	e2eCodexVersion = "0.1.2505291658"
	e2eNodeVersion  = "22.23.3"
)

// e2eFatalOrSkip skips, or under CI=true fails: a confinement proof that
// silently does not run proves nothing.
func e2eFatalOrSkip(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// e2eArch maps GOARCH to the suffix the CLI uses for its helper and the
// Node package name uses for the platform.
func e2eArch(t *testing.T) string {
	switch runtime.GOARCH {
	case "amd64":
		return "x64"
	case "arm64":
		return "arm64"
	}
	e2eFatalOrSkip(t, "the Codex CLI ships no Linux helper for %s", runtime.GOARCH)
	return ""
}

// e2eProvisioned returns the unpacked CLI package and the node binary from
// the cache that .ci/provision-codex.sh fills.
func e2eProvisioned(t *testing.T) (pkgDir, node string) {
	t.Helper()
	cache := os.Getenv("SANDBOX_CI_CACHE")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			e2eFatalOrSkip(t, "no SANDBOX_CI_CACHE and no home directory: %v", err)
		}
		cache = filepath.Join(home, ".cache", "sandbox-ci")
	}
	dir := filepath.Join(cache, "codex-e2e")
	pkgDir = filepath.Join(dir, "codex-"+e2eCodexVersion)
	node = filepath.Join(dir, "node-linux-"+e2eArch(t)+"-"+e2eNodeVersion, "bin", "node")
	for _, f := range []string{filepath.Join(pkgDir, "dist", "cli.js"), node} {
		if _, err := os.Stat(f); err != nil {
			e2eFatalOrSkip(t, "Codex CLI %s / Node %s not provisioned (%v); run .ci/provision-codex.sh (it fills $SANDBOX_CI_CACHE/codex-e2e, default ~/.cache/sandbox-ci/codex-e2e)",
				e2eCodexVersion, e2eNodeVersion, err)
		}
	}
	return pkgDir, node
}

// e2eCopyPackage copies the parts of the CLI package that run into dst:
// the helper is looked up next to package.json, so replacing it in the
// copy leaves the cache alone. The Rust binaries and the source map are
// not needed; bin/use-native must not be there.
func e2eCopyPackage(t *testing.T, src, dst string) {
	t.Helper()
	for _, f := range []string{"package.json", "bin/codex.js", "dist/cli.js"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// e2eCall is one shell tool call of the fake model.
type e2eCall struct {
	name    string
	command []string
	workdir string
}

// e2eModel is the fake Responses API. Each POST /v1/responses is answered
// with the next tool call until every call has its function_call_output,
// then with a final message. The CLI executes function calls only from the
// output of response.completed, so that is where they go.
type e2eModel struct {
	calls []e2eCall

	mu       sync.Mutex
	outputs  map[string]string // call_id -> function_call_output.output
	requests []string          // "METHOD /path", in order
}

func (m *e2eModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	m.requests = append(m.requests, r.Method+" "+r.URL.Path)
	m.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/v1/responses" {
		http.Error(w, `{"error":{"message":"not served by the fake model","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	var req struct {
		Input []struct {
			Type   string `json:"type"`
			CallID string `json:"call_id"`
			Output string `json:"output"`
		} `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":{"message":"bad json","type":"invalid_request_error"}}`, http.StatusBadRequest)
		return
	}
	m.mu.Lock()
	for _, in := range req.Input {
		if in.Type == "function_call_output" {
			m.outputs[in.CallID] = in.Output
		}
	}
	next := len(m.outputs)
	n := len(m.requests)
	m.mu.Unlock()

	var item map[string]any
	if next < len(m.calls) {
		c := m.calls[next]
		args, _ := json.Marshal(map[string]any{"command": c.command, "workdir": c.workdir})
		item = map[string]any{
			"type": "function_call", "id": fmt.Sprintf("fc_%d", next), "call_id": fmt.Sprintf("call_%d", next),
			"name": "shell", "arguments": string(args), "status": "completed",
		}
	} else {
		item = map[string]any{
			"type": "message", "id": "msg_final", "role": "assistant", "status": "completed",
			"content": []any{map[string]any{"type": "output_text", "text": "e2e: all tool calls answered", "annotations": []any{}}},
		}
	}
	resp := map[string]any{
		"id": fmt.Sprintf("resp_%d", n), "object": "response", "created_at": time.Now().Unix(),
		"model": "o4-mini", "status": "in_progress", "output": []any{},
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	send := func(event string, data map[string]any) {
		data["type"] = event
		b, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
		w.(http.Flusher).Flush()
	}
	send("response.created", map[string]any{"response": resp})
	send("response.output_item.done", map[string]any{"output_index": 0, "item": item})
	done := map[string]any{}
	for k, v := range resp {
		done[k] = v
	}
	done["status"] = "completed"
	done["output"] = []any{item}
	done["usage"] = map[string]any{"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}
	send("response.completed", map[string]any{"response": done})
	// Quiet mode prints items from a timer and exits when the turn ends;
	// keeping the stream open a moment lets the final message get printed.
	time.Sleep(300 * time.Millisecond)
}

// e2eToolResult is the function_call_output of one call, as the CLI
// encodes it: stdout, or stderr when stdout is empty, and the exit code.
type e2eToolResult struct {
	Output   string `json:"output"`
	Metadata struct {
		ExitCode *int `json:"exit_code"`
	} `json:"metadata"`
}

// e2eRun is everything one scenario observed.
type e2eRun struct {
	root, work, extra, tmp, outside string

	cliErr          error
	cliOut, cliErrs string
	debugLog        string
	requests        []string
	results         map[string]*e2eToolResult // by call name; nil if the call got no output
	rawOutputs      map[string]string
	connections     int64
	elapsed         time.Duration
}

const e2eOriginal = "original\n"

// e2eScenario runs the CLI once. install puts the helper into the copied
// package's bin directory, at the path it is given.
func e2eScenario(t *testing.T, install func(helper string)) *e2eRun {
	t.Helper()
	pkgSrc, node := e2eProvisioned(t)
	run := &e2eRun{root: t.TempDir()}
	dir := func(name string) string {
		p := filepath.Join(run.root, name)
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	home, pkg := dir("home"), dir("pkg")
	run.work, run.extra, run.tmp = dir("work"), dir("extra"), dir("tmp")

	// The target outside: not under the workdir, the writable root,
	// $TMPDIR or /tmp, so that no era-B permission can grant it.
	var err error
	run.outside, err = os.MkdirTemp("/var/tmp", "codex-e2e-outside-")
	if err != nil {
		e2eFatalOrSkip(t, "need a directory outside /tmp for the outside target: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(run.outside) })
	if err := os.WriteFile(filepath.Join(run.outside, "existing.txt"), []byte(e2eOriginal), 0o644); err != nil {
		t.Fatal(err)
	}

	e2eCopyPackage(t, pkgSrc, pkg)
	install(filepath.Join(pkg, "bin", "codex-linux-sandbox-"+e2eArch(t)))

	// A fresh update check keeps the CLI from asking the npm registry.
	if err := os.MkdirAll(filepath.Join(home, ".codex"), 0o755); err != nil {
		t.Fatal(err)
	}
	check := fmt.Sprintf(`{"lastUpdateCheck": %q}`, time.Now().UTC().Format(http.TimeFormat))
	if err := os.WriteFile(filepath.Join(home, ".codex", "update-check.json"), []byte(check), 0o644); err != nil {
		t.Fatal(err)
	}

	// The loopback listener the network step tries to reach.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			atomic.AddInt64(&run.connections, 1)
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port

	// Every call is `bash -lc SCRIPT`: the CLI runs commands it deems safe
	// (ls, cat, ...) without the helper, and a command sent as one string
	// containing shell operators is spawned with shell:true, so that
	// /bin/sh -c runs its redirections and `&&` tails outside the helper
	// (an escape in the CLI itself, which no helper can close).
	bash := func(script string) []string { return []string{"bash", "-lc", script} }
	model := &e2eModel{outputs: map[string]string{}, calls: []e2eCall{
		{"inside", bash(`exec 2>&1; grep -E '^(NoNewPrivs|Seccomp|Seccomp_filters):' /proc/self/status; echo inside > inside.txt && echo wrote inside`), run.work},
		{"outside", bash(fmt.Sprintf(`exec 2>&1; echo pwned > %s; echo pwned > %s`,
			filepath.Join(run.outside, "existing.txt"), filepath.Join(run.outside, "new.txt"))), run.work},
		{"network", bash(fmt.Sprintf(`exec 2>&1; exec 3<>/dev/tcp/127.0.0.1/%d && echo connected`, port)), run.work},
		{"writable-root", bash(fmt.Sprintf(`exec 2>&1; echo extra > %s && echo wrote extra`, filepath.Join(run.extra, "extra.txt"))), run.work},
		{"tmpdir", bash(`exec 2>&1; f=$(mktemp) && echo temp > "$f" && echo "wrote $f"`), run.work},
	}}
	srv := httptest.NewServer(model)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(pkg, "bin", "codex.js"),
		"-q", "--approval-mode", "full-auto", "--model", "o4-mini",
		"--writable-root", run.extra,
		// Upstream ignores a disk-write-folder that does not exist; a
		// helper that refused it would break every command of the CLI.
		"--writable-root", filepath.Join(run.root, "missing"),
		"run the e2e probes")
	cmd.Dir = run.work
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"TMPDIR=" + run.tmp,
		"LANG=C.UTF-8",
		"TERM=dumb",
		"NO_COLOR=1",
		"DEBUG=1", // the CLI's log, in $HOME/.local/oai-codex, for diagnostics
		"OPENAI_API_KEY=sk-e2e-fake",
		"OPENAI_BASE_URL=" + srv.URL + "/v1",
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	run.cliErr = cmd.Run()
	run.elapsed = time.Since(start)
	run.cliOut, run.cliErrs = stdout.String(), stderr.String()

	// Drain connections still in the accept queue before counting.
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(200 * time.Millisecond))
	<-accepted

	if b, err := os.ReadFile(filepath.Join(home, ".local", "oai-codex", "codex-cli-latest.log")); err == nil {
		run.debugLog = string(b)
	}
	model.mu.Lock()
	defer model.mu.Unlock()
	run.requests = slices.Clone(model.requests)
	run.results = map[string]*e2eToolResult{}
	run.rawOutputs = map[string]string{}
	for i, c := range model.calls {
		raw, ok := model.outputs[fmt.Sprintf("call_%d", i)]
		if !ok {
			run.results[c.name] = nil
			continue
		}
		run.rawOutputs[c.name] = raw
		var r e2eToolResult
		if err := json.Unmarshal([]byte(raw), &r); err != nil {
			r.Output = "(undecodable function_call_output: " + raw + ")"
		}
		run.results[c.name] = &r
	}
	return run
}

// exit is a step's exit code, or -1000 when the CLI sent none.
func (run *e2eRun) exit(name string) int {
	if r := run.results[name]; r != nil && r.Metadata.ExitCode != nil {
		return *r.Metadata.ExitCode
	}
	return -1000
}

func (run *e2eRun) output(name string) string {
	if r := run.results[name]; r != nil {
		return r.Output
	}
	return ""
}

// e2eOwnStatus is the test process's own /proc/self/status: under a
// container runtime it may already be under seccomp.
func e2eOwnStatus() string {
	b, _ := os.ReadFile("/proc/self/status")
	return string(b)
}

// e2eStatus picks the confinement fields out of /proc/<pid>/status text.
func e2eStatus(text string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(line, ":")
		switch k {
		case "NoNewPrivs", "Seccomp", "Seccomp_filters":
			if ok {
				m[k] = strings.TrimSpace(v)
			}
		}
	}
	return m
}

// e2eMoreFilters reports whether status in has a seccomp filter stacked on
// top of those of status out (Seccomp_filters exists since Linux 5.9;
// before, only "filter mode where out had none" can be told).
func e2eMoreFilters(in, out map[string]string) bool {
	if _, ok := in["Seccomp_filters"]; !ok {
		return in["Seccomp"] == "2" && out["Seccomp"] == "0"
	}
	n, err1 := strconv.Atoi(in["Seccomp_filters"])
	m, err2 := strconv.Atoi(out["Seccomp_filters"])
	return err1 == nil && err2 == nil && n > m
}

// e2eDenialWords are the words Codex looks for to call a failure a
// sandbox denial (codex-spec.md 7.3).
var e2eDenialWords = []string{"operation not permitted", "permission denied", "read-only file system"}

func e2eSaysDenied(s string) bool {
	s = strings.ToLower(s)
	return slices.ContainsFunc(e2eDenialWords, func(w string) bool { return strings.Contains(s, w) })
}

// findings splits what went wrong into escapes (confinement that did not
// hold, keyed so the negative control can name the ones it expects) and
// failures (the harness or the allowed work did not work).
func (run *e2eRun) findings() (escapes map[string]string, failures []string) {
	escapes = map[string]string{}
	if run.cliErr != nil {
		failures = append(failures, fmt.Sprintf("the CLI did not exit 0: %v", run.cliErr))
	}
	for name, r := range run.results {
		if r == nil {
			failures = append(failures, fmt.Sprintf("step %s: the CLI sent no function_call_output", name))
		}
	}

	// Allowed work.
	if c := run.exit("inside"); c != 0 {
		failures = append(failures, fmt.Sprintf("step inside: exit %d, want 0: %q", c, run.output("inside")))
	}
	if b, err := os.ReadFile(filepath.Join(run.work, "inside.txt")); err != nil || string(b) != "inside\n" {
		failures = append(failures, fmt.Sprintf("workdir file: %q, %v; want \"inside\\n\"", b, err))
	}
	if c := run.exit("writable-root"); c != 0 {
		failures = append(failures, fmt.Sprintf("step writable-root: exit %d, want 0: %q", c, run.output("writable-root")))
	}
	if b, err := os.ReadFile(filepath.Join(run.extra, "extra.txt")); err != nil || string(b) != "extra\n" {
		failures = append(failures, fmt.Sprintf("--writable-root file: %q, %v; want \"extra\\n\"", b, err))
	}
	// The CLI sends disk-write-platform-user-temp-folder so that commands
	// may use $TMPDIR; this program grants it (codex-spec.md 12).
	if c := run.exit("tmpdir"); c != 0 || !strings.Contains(run.output("tmpdir"), "wrote "+run.tmp+"/") {
		failures = append(failures, fmt.Sprintf("step tmpdir: exit %d, want 0 and a file in %s: %q", c, run.tmp, run.output("tmpdir")))
	}

	// Confinement.
	if got, want := e2eStatus(run.output("inside")), e2eStatus(e2eOwnStatus()); got["NoNewPrivs"] != "1" || !e2eMoreFilters(got, want) {
		escapes["seccomp"] = fmt.Sprintf("step inside: want no_new_privs and one more seccomp filter than the test (%v): %q", want, run.output("inside"))
	}
	if c := run.exit("outside"); c == 0 || !e2eSaysDenied(run.output("outside")) {
		escapes["outside-exit"] = fmt.Sprintf("step outside: exit %d and %q, want non-zero and a denial", c, run.output("outside"))
	}
	if _, err := os.Stat(filepath.Join(run.outside, "new.txt")); err == nil {
		escapes["outside-write"] = "a file was created in " + run.outside
	}
	if b, err := os.ReadFile(filepath.Join(run.outside, "existing.txt")); err != nil || string(b) != e2eOriginal {
		escapes["outside-overwrite"] = fmt.Sprintf("%s/existing.txt is now %q (%v)", run.outside, b, err)
	}
	if c := run.exit("network"); c == 0 || strings.Contains(run.output("network"), "connected") || !e2eSaysDenied(run.output("network")) {
		escapes["network-exit"] = fmt.Sprintf("step network: exit %d and %q, want non-zero and a denial", c, run.output("network"))
	}
	if n := atomic.LoadInt64(&run.connections); n != 0 {
		escapes["network"] = fmt.Sprintf("the loopback listener accepted %d connection(s)", n)
	}
	sort.Strings(failures)
	return escapes, failures
}

// dump logs what is needed to understand a failing run.
func (run *e2eRun) dump(t *testing.T) {
	t.Helper()
	t.Logf("CLI: %v after %v\nstdout:\n%s\nstderr:\n%s", run.cliErr, run.elapsed.Round(time.Millisecond), run.cliOut, run.cliErrs)
	t.Logf("requests to the fake model: %q", run.requests)
	for _, name := range slices.Sorted(maps.Keys(run.rawOutputs)) {
		t.Logf("function_call_output %s: %s", name, run.rawOutputs[name])
	}
	var interesting []string
	sc := bufio.NewScanner(strings.NewReader(run.debugLog))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, w := range []string{"Sandbox check", "stdout:", "stderr:", "STDOUT:", "STDERR:", "EXEC", "raw-exec", "failed", "Error"} {
			if strings.Contains(line, w) {
				interesting = append(interesting, line)
				break
			}
		}
	}
	t.Logf("CLI debug log (selected lines):\n%s", strings.Join(interesting, "\n"))
}

// e2eBuildHelper builds this program into path, as a release would.
func e2eBuildHelper(t *testing.T, path string) {
	t.Helper()
	gocmd, err := exec.LookPath("go")
	if err != nil {
		gocmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	build := exec.Command(gocmd, "build", "-o", path, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
}

// e2eFakeHelper is the negative control: a helper that records its argv
// and cwd, then runs the command after "--" unconfined.
const e2eFakeHelper = `#!/bin/sh
log=%s/argv.$$
pwd > "$log"
printf '%%s\n' "$0" >> "$log"
for a in "$@"; do printf '%%s\0' "$a" >> "$log"; done
while [ $# -gt 0 ]; do
	if [ "$1" = -- ]; then shift; break; fi
	shift
done
exec "$@"
`

// e2eHelperCall is one invocation the fake helper recorded.
type e2eHelperCall struct {
	cwd, argv0 string
	args       []string
}

func e2eReadHelperCalls(t *testing.T, dir string) []e2eHelperCall {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "argv.*"))
	if err != nil {
		t.Fatal(err)
	}
	// In the order they were made (one file per helper process).
	mtime := func(f string) time.Time {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		return fi.ModTime()
	}
	sort.SliceStable(files, func(i, j int) bool { return mtime(files[i]).Before(mtime(files[j])) })
	var calls []e2eHelperCall
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cwd, rest, _ := strings.Cut(string(b), "\n")
		argv0, rest, _ := strings.Cut(rest, "\n")
		c := e2eHelperCall{cwd: cwd, argv0: argv0}
		if rest != "" {
			c.args = strings.Split(strings.TrimSuffix(rest, "\x00"), "\x00")
		}
		calls = append(calls, c)
	}
	return calls
}

func TestCodexCLIEndToEnd(t *testing.T) {
	e2eProvisioned(t)
	if _, err := exec.LookPath("bash"); err != nil {
		e2eFatalOrSkip(t, "the tool calls are bash scripts: %v", err)
	}

	t.Run("our helper", func(t *testing.T) {
		run := e2eScenario(t, func(helper string) {
			e2eBuildHelper(t, helper)
			// The CLI's own probe; checked here first for a clear message.
			probe := exec.Command(helper, "--", "true")
			var stderr bytes.Buffer
			probe.Stderr = &stderr
			if err := probe.Run(); err != nil {
				t.Fatalf("%s -- true: %v (the CLI would refuse to sandbox)\nstderr: %s", helper, err, stderr.String())
			}
		})
		t.Logf("CLI ran %d tool calls in %v", len(run.results), run.elapsed.Round(time.Millisecond))
		for _, name := range slices.Sorted(maps.Keys(run.rawOutputs)) {
			t.Logf("function_call_output %s: %s", name, run.rawOutputs[name])
		}
		escapes, failures := run.findings()
		for _, f := range failures {
			t.Error(f)
		}
		for _, k := range slices.Sorted(maps.Keys(escapes)) {
			t.Errorf("escape (%s): %s", k, escapes[k])
		}
		if t.Failed() {
			run.dump(t)
		}
	})

	t.Run("unconfined helper is caught", func(t *testing.T) {
		logDir := t.TempDir()
		run := e2eScenario(t, func(helper string) {
			script := fmt.Sprintf(e2eFakeHelper, logDir)
			if err := os.WriteFile(helper, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
		})
		escapes, failures := run.findings()
		for _, f := range failures {
			t.Errorf("the harness itself failed: %s", f)
		}
		for _, want := range []string{"outside-write", "outside-overwrite", "network", "seccomp"} {
			if _, ok := escapes[want]; !ok {
				t.Errorf("an unconfined helper went unnoticed: no %q finding", want)
			}
		}

		// The argv the CLI gives its helper (codex-spec.md 1.3).
		calls := e2eReadHelperCalls(t, logDir)
		var probes, commands int
		for _, c := range calls {
			t.Logf("helper called in %s as %s %q", c.cwd, c.argv0, c.args)
			if slices.Equal(c.args, []string{"--", "true"}) {
				probes++
				continue
			}
			commands++
			want := []string{
				"--sandbox-permission", "disk-full-read-access",
				"--sandbox-permission", "disk-write-cwd",
				"--sandbox-permission", "disk-write-platform-user-temp-folder",
				"--sandbox-permission", "disk-write-folder=" + run.extra,
				"--sandbox-permission", "disk-write-folder=" + filepath.Join(run.root, "missing"),
				"--", "bash", "-lc",
			}
			if len(c.args) != len(want)+1 || !slices.Equal(c.args[:len(want)], want) {
				t.Errorf("helper argv %q, want %q + script", c.args, want)
			}
			if c.cwd != run.work {
				t.Errorf("helper cwd %s, want the workdir %s", c.cwd, run.work)
			}
		}
		if probes != 1 || commands != len(run.results) {
			t.Errorf("helper called %d times for `-- true` and %d times for commands, want 1 and %d", probes, commands, len(run.results))
		}
		if t.Failed() {
			run.dump(t)
		}
	})
}
