//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// excusedNA reports whether a promised vector may be N/A on this host:
// only when the kernel facts show the feature it abuses is missing, the
// unconfined control shows the filesystem lacks it, or the vector needs a
// capability this user lacks.
func excusedNA(v vectorResult, facts []kernelFact, root bool) bool {
	fact := func(name string) string {
		for _, f := range facts {
			if f.Name == name {
				return f.Value
			}
		}
		return ""
	}
	// What a filesystem without the feature answers; the errno of the
	// control is the evidence, as it is for the kernel facts above.
	unsupported := strings.Contains(v.Control, "ENOTSUP") || strings.Contains(v.Control, "EOPNOTSUPP") ||
		strings.Contains(v.Control, "ENOTTY")
	switch v.Vector {
	case "i386-int80":
		return strings.HasPrefix(fact("i386 syscalls (int $0x80)"), "no")
	case "x32":
		return strings.HasPrefix(fact("x32 syscalls"), "no")
	case "io_uring":
		return fact("kernel.io_uring_disabled") != "0"
	case tiocstiProbe:
		return !root && fact("dev.tty.legacy_tiocsti") != "1"
	case "bpf":
		return !root && fact("kernel.unprivileged_bpf_disabled") != "0"
	case "perf_event_open":
		paranoid, err := strconv.Atoi(fact("kernel.perf_event_paranoid"))
		return err != nil || !root && paranoid > 2
	case "userfaultfd":
		return fact("vm.unprivileged_userfaultfd") == "absent"
	case "keyring":
		return fact("kernel.keys.maxkeys") == "absent"
	case "fs-xattr", "fs-chattr", "fs-ioctl":
		return unsupported
	}
	return !root && strings.Contains(v.Needs, "CAP_")
}

// openByDesign is what the README says stays open, by engine: file
// metadata outside the writable trees on the exec-only engine only (the
// namespace engine's read-only mounts refuse it), execution on both.
var openByDesign = map[string][]string{
	"exec-only": {"fs-chmod", "fs-utime", "memfd-exec"},
	"namespace": {"memfd-exec"},
}

// checkVector holds a vector's verdict to the README: a promised vector
// must not be OPEN, nor any vector the README does not call open by
// design on its engine (openByDesign); every verdict has a reason; and
// under CI=true no vector may be left untested (N/A) unless excusedNA
// finds the reason in facts. It is the rule of TestConfineVectors, which
// runs the doctor's vectors as each user on each engine.
func checkVector(t *testing.T, v vectorResult, facts []kernelFact, root bool) {
	t.Helper()
	byDesign, known := openByDesign[v.Engine]
	if !known {
		t.Fatalf("%s: unknown engine %q", v.Vector, v.Engine)
	}
	if want := slices.Contains(byDesign, v.Vector); v.ByDesign != want || v.Promised == want {
		t.Errorf("%s on the %s engine: by design %v, promised %v; the README says open by design: %v", v.Vector, v.Engine, v.ByDesign, v.Promised, want)
	}
	switch {
	case v.Result == "" || v.Reason == "":
		t.Errorf("%s: no result or no reason: %+v", v.Vector, v)
	case v.Result == verdictOpen && v.Promised:
		t.Errorf("%s is OPEN, the README promises to block it: %s", v.Vector, v.Reason)
	case v.Result == verdictOpen && !v.ByDesign:
		t.Errorf("%s is OPEN: %s", v.Vector, v.Reason)
	case v.Result == verdictNA && !excusedNA(v, facts, root):
		msg := v.Vector + " is N/A on this host: " + v.Reason
		if os.Getenv("CI") == "true" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	default:
		t.Logf("%s %s: %s", v.Vector, v.Result, v.Reason)
	}
}

func TestDoctorJudge(t *testing.T) {
	hit := runOutcome{effect: "it worked"}
	miss := runOutcome{detail: "EPERM"}
	for _, c := range []struct {
		name              string
		byDesign          bool
		needs             string
		control, confined runOutcome
		want              string
	}{
		{"blocked", false, "", hit, miss, verdictBlocked},
		{"open", false, "", hit, hit, verdictOpen},
		{"no control", false, "", miss, miss, verdictNA},
		{"no control, needs", false, "CAP_X", miss, miss, verdictNA},
		{"open without control", false, "", miss, hit, verdictOpen},
		{"open by design", true, "", hit, hit, verdictOpen},
		{"by design but blocked", true, "", hit, miss, verdictBlocked},
		{"sandbox refused", false, "", hit, runOutcome{detail: "exit status 125", notRun: true}, verdictNA},
		{"sandbox refused, no control", false, "CAP_X", miss, runOutcome{detail: "exit status 125", notRun: true}, verdictNA},
	} {
		v := vectorResult{Vector: c.name, Promised: !c.byDesign, ByDesign: c.byDesign, Needs: c.needs, Reason: "why"}
		judge(&v, c.control, c.confined)
		if v.Result != c.want || v.Reason == "" {
			t.Errorf("%s: got %s %q, want %s with a reason", c.name, v.Result, v.Reason, c.want)
		}
		if c.needs != "" && !c.confined.notRun && !strings.Contains(v.Reason, c.needs) {
			t.Errorf("%s: reason %q does not say what the vector needs", c.name, v.Reason)
		}
		if v.NotRun != c.confined.notRun {
			t.Errorf("%s: NotRun %v, want %v", c.name, v.NotRun, c.confined.notRun)
		}
		r := doctorReport{Vectors: []vectorResult{v}}
		r.summarize(0)
		wantExit := 0
		if v.Result == verdictOpen && !c.byDesign || c.confined.notRun {
			wantExit = 1
		}
		if got := r.exitStatus(); got != wantExit {
			t.Errorf("%s: exit status %d, want %d", c.name, got, wantExit)
		}
	}
}

// TestDoctorReport runs `sandbox --doctor --json` end to end, as this
// user: the command line, the report and the exit status. Whether each
// vector is blocked, for root and for uid 65534, is TestConfineVectors'
// business: it runs the same vectors through the same code (doctor.check).
func TestDoctorReport(t *testing.T) {
	bin, _ := binaries(t)
	cmd := exec.Command(bin, "--doctor", "--json")
	cmd.Dir = filepath.Dir(bin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	var r doctorReport
	if jerr := json.Unmarshal(out, &r); jerr != nil {
		t.Fatalf("--doctor --json: %v (%v)\nstdout:\n%s\nstderr:\n%s", jerr, err, out, stderr.String())
	}
	t.Logf("%s: %+v", r.Host, r.Summary)
	ns := factValue(r.Kernel, "namespace engine")
	engines := []string{"exec-only", "namespace"}
	switch {
	case strings.HasPrefix(ns, "unavailable: "):
		engines = engines[:1]
		msg := "the namespace engine does not run here, so --doctor tried only the exec-only engine: " + ns
		if os.Getenv("CI") == "true" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	case !strings.HasPrefix(ns, "available"):
		t.Errorf("kernel fact \"namespace engine\" is %q, want available or unavailable with the reason", ns)
	}
	if len(r.Kernel) == 0 || len(r.Vectors) != len(engines)*len(vectors()) {
		t.Fatalf("%d kernel facts and %d vectors, want some and %d on %v", len(r.Kernel), len(r.Vectors), len(engines)*len(vectors()), engines)
	}
	for i, v := range r.Vectors {
		if v.Result == "" || v.Reason == "" || v.Tries == "" || v.Check == "" {
			t.Errorf("%s: incomplete: %+v", v.Vector, v)
		}
		if want := engines[i/len(vectors())]; v.Engine != want {
			t.Errorf("row %d, %s: engine %q, want %q", i, v.Vector, v.Engine, want)
		}
	}
	if want := r.exitStatus(); cmd.ProcessState.ExitCode() != want {
		t.Errorf("exit status %d, want %d (promised but open: %v); stderr:\n%s",
			cmd.ProcessState.ExitCode(), want, r.Summary.PromisedOpen, stderr.String())
	}
}

// factValue is the value of the kernel fact name, "" if there is none.
func factValue(facts []kernelFact, name string) string {
	for _, f := range facts {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// TestDoctorNamespaceUnavailable runs `sandbox --doctor --json` as each
// user on a host simulated to refuse the namespace engine (a filter in
// the re-executed test binary): user namespaces refused outright, and
// AppArmor's way, clone allowed and mounts refused, which only a trial
// run catches. The doctor says why and what would fix it, tries every
// vector on the exec-only engine alone, and does not fail for it.
func TestDoctorNamespaceUnavailable(t *testing.T) {
	requireLandlock(t, 3)
	forEachUser(t, func(t *testing.T, u runAs) {
		sandbox, probe := binaries(t)
		for _, c := range []struct{ sim, why string }{
			{"no-userns", "operation not permitted"},
			{"apparmor-userns", "mount"},
		} {
			t.Run(c.sim, func(t *testing.T) {
				cmd := u.command(probe, sandbox, "--doctor", "--json")
				cmd.Env = append(cmd.Env, probeEnv+"="+c.sim)
				res := runCommand(t, cmd)
				var r doctorReport
				if err := json.Unmarshal([]byte(res.stdout), &r); err != nil {
					t.Fatalf("--doctor --json: %v: %v", err, res)
				}
				ns := factValue(r.Kernel, "namespace engine")
				t.Log(ns)
				if !strings.HasPrefix(ns, "unavailable: ") || !strings.Contains(ns, c.why) || !strings.Contains(ns, "--exec-only") {
					t.Errorf("kernel fact \"namespace engine\" is %q, want unavailable, naming %q and a fix", ns, c.why)
				}
				if len(r.Vectors) != len(vectors()) {
					t.Errorf("%d rows, want %d, on the exec-only engine alone", len(r.Vectors), len(vectors()))
				}
				for _, v := range r.Vectors {
					if v.Engine != "exec-only" {
						t.Errorf("%s: a row on the %q engine", v.Vector, v.Engine)
					}
				}
				if want := r.exitStatus(); res.code != want || want != 0 {
					t.Errorf("exit status %d, report's %d, want 0 (promised but open: %v, not run: %v): %v",
						res.code, want, r.Summary.PromisedOpen, r.Summary.NotRun, res)
				}
			})
		}
	})
}

// TestDoctorText pins the text layout: each table's columns padded to
// their widest cell plus two spaces, the last column free.
func TestDoctorText(t *testing.T) {
	r := doctorReport{
		Host:   "Linux 6.12 amd64, uid 0",
		Kernel: []kernelFact{{"landlock", "ABI 6", ""}, {"dev.tty.legacy_tiocsti", "0", "note"}},
		Vectors: []vectorResult{
			{Vector: "fs-write", Engine: "exec-only", Result: verdictBlocked, Reason: "EACCES"},
			{Vector: "x32", Engine: "namespace", Result: verdictNA, Reason: "no\nx32"},
		},
		Summary: doctorSummary{Blocked: 1, NA: 1, PromisedNA: []string{"x32 (namespace)"}, Seconds: 0.25},
	}
	var b bytes.Buffer
	if err := r.writeText(&b); err != nil {
		t.Fatal(err)
	}
	want := `sandbox doctor: Linux 6.12 amd64, uid 0

KERNEL                  VALUE
landlock                ABI 6
dev.tty.legacy_tiocsti  0 (note)

VECTOR    ENGINE     RESULT   REASON
fs-write  exec-only  BLOCKED  EACCES
x32       namespace  N/A      no x32

summary: 1 blocked, 0 open, 0 open by design, 1 n/a in 0.2s: no promised vector is open; untested here: x32 (namespace)
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestDoctorPipeReader reads lines with a deadline while another pipe is
// collected, then what is left at end of file.
func TestDoctorPipeReader(t *testing.T) {
	outR, outW, err := pipe()
	if err != nil {
		t.Fatal(err)
	}
	errR, errW, err := pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(outR)
	defer unix.Close(errR)
	unix.Write(outW, []byte("one\ntw"))
	unix.Write(errW, []byte("complaint"))
	out, other := &pipeReader{fd: outR}, &pipeReader{fd: errR}
	soon := func() time.Time { return time.Now().Add(50 * time.Millisecond) }
	if line, late := out.line(soon(), other); line != "one\n" || late {
		t.Errorf("first line: %q, timed out %v", line, late)
	}
	if line, late := out.line(soon(), other); line != "" || !late {
		t.Errorf("half a line: %q, timed out %v; want a timeout", line, late)
	}
	if string(other.buf) != "complaint" {
		t.Errorf("other pipe: %q, want what was written to it", other.buf)
	}
	unix.Close(outW)
	unix.Close(errW)
	if line, late := out.line(soon()); line != "tw" || late {
		t.Errorf("at end of file: %q, timed out %v", line, late)
	}
}

// TestDoctorSigset checks sigaddset against the kernel's layout: signal
// n is bit n-1, counted across the words.
func TestDoctorSigset(t *testing.T) {
	var set unix.Sigset_t
	sigaddset(&set, unix.SIGUSR1)
	sigaddset(&set, unix.Signal(65))
	bits := 8 * unsafe.Sizeof(set.Val[0])
	if set.Val[0] != 1<<9 || set.Val[64/bits] != 1<<(64%bits) {
		t.Errorf("sigaddset(SIGUSR1, 65) = %#x", set.Val)
	}
	if !sigismember(&set, unix.SIGUSR1) || sigismember(&set, unix.SIGUSR2) {
		t.Errorf("sigismember disagrees with sigaddset: %#x", set.Val)
	}
}

// TestDoctorNotRun: a sandbox that refused to run a probe fails the
// doctor, and one that got no vector past N/A could not start at all,
// which the summary line says with the sandbox's own reason.
func TestDoctorNotRun(t *testing.T) {
	const why = "exit status 125: sandbox: landlock: not supported"
	blocked := vectorResult{Vector: "a", Promised: true, Result: verdictBlocked, Reason: "EPERM"}
	refused := vectorResult{Vector: "b", Engine: "namespace", Promised: true, NotRun: true, Result: verdictNA, Reason: notRunReason + why}
	blockedNS := blocked
	blockedNS.Engine = "namespace"
	refused2 := refused
	refused2.Vector = "d"
	noWitness := vectorResult{Vector: "c", Promised: true, Result: verdictNA, Reason: "no effect even unconfined: cannot set up the witness: EPERM"}
	for _, c := range []struct {
		name    string
		vectors []vectorResult
		setup   string // the SetupFailure wanted
		exit    int
		verdict string
	}{
		{"every probe run", []vectorResult{blocked, noWitness}, "", 0, "no promised vector is open; untested here: c"},
		{"none run", []vectorResult{refused, noWitness}, why, 1, "THE SANDBOX COULD NOT START, nothing was tested: " + why},
		{"some not run", []vectorResult{blockedNS, refused}, "", 1, "THE SANDBOX DID NOT RUN: b (namespace)"},
		{"one engine not run", []vectorResult{blocked, refused, refused2}, "", 1,
			"THE SANDBOX DID NOT RUN: every vector (namespace: " + why + ")"},
	} {
		r := doctorReport{Host: "test", Vectors: c.vectors}
		r.summarize(0)
		if r.Summary.SetupFailure != c.setup {
			t.Errorf("%s: setup failure %q, want %q", c.name, r.Summary.SetupFailure, c.setup)
		}
		if got := r.exitStatus(); got != c.exit {
			t.Errorf("%s: exit status %d, want %d", c.name, got, c.exit)
		}
		var text, js bytes.Buffer
		if err := r.writeText(&text); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(text.String(), "s: "+c.verdict+"\n") {
			t.Errorf("%s: the summary line does not end with %q:\n%s", c.name, c.verdict, text.String())
		}
		if err := r.writeJSON(&js); err != nil {
			t.Fatal(err)
		}
		var back doctorReport
		if err := json.Unmarshal(js.Bytes(), &back); err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, js.String())
		}
		if strings.Join(back.Summary.NotRun, ",") != strings.Join(r.Summary.NotRun, ",") ||
			back.Summary.SetupFailure != c.setup || back.Vectors[1].NotRun != c.vectors[1].NotRun {
			t.Errorf("%s: JSON summary %+v, want %+v", c.name, back.Summary, r.Summary)
		}
	}
}

// TestDoctorSandboxRefused runs a vector through a stand-in for the
// sandbox that refuses to start, as one on a kernel without Landlock
// would, and passes the control through to the real binary: the doctor
// must tell that refusal from a blocked vector, and fail.
func TestDoctorSandboxRefused(t *testing.T) {
	bin, _ := binaries(t)
	standIn := filepath.Join(t.TempDir(), "sandbox")
	script := "#!/bin/sh\n" +
		"if [ \"$1\" = -w ] || [ \"$2\" = -w ]; then echo 'sandbox: landlock: not supported' >&2; exit 125; fi\n" +
		"exec '" + bin + "' \"$@\"\n"
	if err := os.WriteFile(standIn, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := newDoctor(standIn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	var v vectorResult
	for _, p := range vectors() {
		if p.name == "fs-write" {
			v = d.check(p)
		}
	}
	if v.Result != verdictNA || !v.NotRun || !strings.Contains(v.Reason, "exit status 125: sandbox: landlock: not supported") {
		t.Errorf("through a sandbox that cannot start: %+v, want N/A, not run, with the sandbox's reason", v)
	}
	if !strings.HasPrefix(v.Control, "effect: ") {
		t.Errorf("the control, run by the real binary, had no effect: %q", v.Control)
	}
	r := doctorReport{Vectors: []vectorResult{v}}
	r.summarize(0)
	if r.exitStatus() != 1 || r.Summary.SetupFailure == "" {
		t.Errorf("exit status %d, setup failure %q; want 1 and the reason", r.exitStatus(), r.Summary.SetupFailure)
	}
}

// TestDoctorMetadataChanges pins what the set-ID and extended attribute
// witnesses count as an effect.
func TestDoctorMetadataChanges(t *testing.T) {
	file := func(mode uint32, xattrs string) outsideFile {
		return outsideFile{mode: unix.S_IFREG | mode, xattrs: xattrs}
	}
	for _, c := range []struct {
		name          string
		change        metadataChange
		before, after outsideFile
		existed, want bool
	}{
		{"setuid gained", setidChange, file(0o644, ""), file(0o4755, ""), true, true},
		{"setgid gained", setidChange, file(0o644, ""), file(0o2755, ""), true, true},
		{"plain chmod", setidChange, file(0o644, ""), file(0o755, ""), true, false},
		{"setuid lost", setidChange, file(0o4755, ""), file(0o755, ""), true, true},
		{"created setuid", setidChange, outsideFile{}, file(0o4755, ""), false, true},
		{"created plain", setidChange, outsideFile{}, file(0o755, ""), false, false},
		{"xattr set", xattrChange, file(0o644, ""), file(0o644, `user.a="1"`), true, true},
		{"xattr value", xattrChange, file(0o644, `user.a="1"`), file(0o644, `user.a="2"`), true, true},
		{"xattr removed", xattrChange, file(0o644, `user.a="1"`), file(0o644, ""), true, true},
		{"xattrs same", xattrChange, file(0o644, `user.a="1"`), file(0o644, `user.a="1"`), true, false},
		{"created labelled", xattrChange, outsideFile{}, file(0o644, "security.selinux"), false, false},
		{"created with user xattr", xattrChange, outsideFile{}, file(0o644, `user.a="1"`), false, true},
	} {
		got := c.change("root/f", c.before, c.existed, c.after)
		if (got != "") != c.want {
			t.Errorf("%s: %q, want an effect: %v", c.name, got, c.want)
		}
	}
}

// TestDoctorWitnesses runs the metadata and mount probes unconfined
// against their witnesses, in this process: a witness sees nothing before
// the probe and its effect after, and its close undoes what must not
// outlive the doctor (flags, mounts).
func TestDoctorWitnesses(t *testing.T) {
	for _, c := range []struct {
		vector string
		sees   *watcher
		root   bool // the probe needs root here
	}{
		{"fs-setid", &watchSetID, false},
		{"fs-xattr", &watchXattrs, false},
		{"fs-chattr", &watchFlags, false},
		{"mount", &watchMount, true},
	} {
		t.Run(c.vector, func(t *testing.T) {
			if c.root && os.Geteuid() != 0 {
				t.Skip("needs root")
			}
			var try func([]string) probeReport
			for _, p := range probes {
				if p.name == c.vector && p.sees == c.sees {
					try = p.try
				}
			}
			if try == nil {
				t.Fatalf("no probe %s watched by %q", c.vector, c.sees.check)
			}
			dir := t.TempDir()
			root, out := filepath.Join(dir, "root"), filepath.Join(dir, "out")
			for _, p := range []string{root, out} {
				if err := os.Mkdir(p, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			w, err := c.sees.arrange(&doctor{}, root, out)
			if err != nil {
				t.Skipf("this filesystem cannot host the witness: %v", err)
			}
			closed := false
			defer func() {
				if !closed {
					w.close()
				}
			}()
			if seen := w.saw(); seen != "" {
				t.Fatalf("before the probe: %s", seen)
			}
			r := try(w.args)
			seen := w.saw()
			if seen == "" {
				t.Fatalf("the probe, unconfined, had no effect the witness saw; it reported %+v", r)
			}
			t.Log(seen)
			w.close()
			closed = true
			if c.sees == &watchFlags || c.sees == &watchMount {
				if after := w.saw(); after != "" {
					t.Errorf("after close: %s", after)
				}
			}
		})
	}
}

// TestDoctorListenWitness: the tcp-listen witness connects to a listener
// at the port it picked, and finds none when there is none.
func TestDoctorListenWitness(t *testing.T) {
	w, err := watchListen.arrange(&doctor{}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	if seen := w.saw(); seen != "" {
		t.Fatalf("no listener yet, but: %s", seen)
	}
	sa, _ := loopback(unix.AF_INET, w.args[0])
	fd, err := bindSocket(unix.AF_INET, unix.SOCK_STREAM, sa)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Listen(fd, 1); err != nil {
		t.Fatal(err)
	}
	if w.saw() == "" {
		t.Errorf("a listener on 127.0.0.1:%s, but the witness did not reach it", w.args[0])
	}
}

// TestDoctorProbeReportJSON: a probe's report survives its trip to the
// doctor, the network namespace it ran in included (the doctor weighs a
// network probe's own claim by it).
func TestDoctorProbeReportJSON(t *testing.T) {
	for _, r := range []probeReport{
		{},
		{Effect: "sendto sent a datagram", NetNS: "net:[4026532275]"},
		{Errors: []string{"connect: ECONNREFUSED", "x"}, NetNS: netNS()},
	} {
		var back probeReport
		if err := back.unmarshal(string(r.marshal())); err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		if back.Effect != r.Effect || back.NetNS != r.NetNS || strings.Join(back.Errors, "|") != strings.Join(r.Errors, "|") {
			t.Errorf("round trip: %+v, want %+v", back, r)
		}
	}
	if ns := netNS(); !strings.HasPrefix(ns, "net:[") {
		t.Errorf("netNS() = %q, want net:[inode]", ns)
	}
}

// TestDoctorHostNet: a network probe's own claim counts only from the
// doctor's network namespace; from another, it is kept as a detail and
// the witness alone judges. Run unconfined, where the witness does see
// the datagram.
func TestDoctorHostNet(t *testing.T) {
	bin, _ := binaries(t)
	d, err := newDoctor(bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	var udp4 probe
	for _, p := range probes {
		if p.name == "udp4" {
			udp4 = p
		}
	}
	if !udp4.hostNet {
		t.Fatal("udp4 is not marked hostNet")
	}
	o := d.attempt(udp4, false)
	if !strings.Contains(o.effect, "received") || !strings.Contains(o.effect, "(sendto sent a datagram)") {
		t.Errorf("from the doctor's network namespace: effect %q, want the witness's and the probe's", o.effect)
	}
	d.netns = "net:[1]"
	o = d.attempt(udp4, false)
	if !strings.Contains(o.effect, "received") || strings.Contains(o.effect, "sendto") {
		t.Errorf("from another network namespace: effect %q, want the witness's alone", o.effect)
	}
	if !strings.Contains(o.detail, "in its own network namespace") || !strings.Contains(o.detail, "sendto sent a datagram") {
		t.Errorf("from another network namespace: detail %q, want the probe's claim, placed", o.detail)
	}
}
