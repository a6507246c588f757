//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// excusedNA reports whether a promised vector may be N/A on this host:
// only when the kernel facts show the feature it abuses is missing, or the
// vector needs a capability this user lacks.
func excusedNA(vector, needs string, facts []kernelFact, root bool) bool {
	fact := func(name string) string {
		for _, f := range facts {
			if f.Name == name {
				return f.Value
			}
		}
		return ""
	}
	switch vector {
	case "i386-int80":
		return strings.HasPrefix(fact("i386 syscalls (int $0x80)"), "no")
	case "x32":
		return strings.HasPrefix(fact("x32 syscalls"), "no")
	case "io_uring":
		return fact("kernel.io_uring_disabled") != "0"
	case tiocstiProbe:
		return !root && fact("dev.tty.legacy_tiocsti") != "1"
	}
	return !root && strings.Contains(needs, "CAP_")
}

// checkVector holds a vector's verdict to the README: a promised vector
// must not be OPEN, nor any vector the README does not call open by
// design; every verdict has a reason; and under CI=true no vector may be
// left untested (N/A) unless excusedNA finds the reason in facts. It is
// the rule of TestConfineVectors, which runs the doctor's vectors as each
// user.
func checkVector(t *testing.T, v vectorResult, facts []kernelFact, root bool) {
	t.Helper()
	switch {
	case v.Result == "" || v.Reason == "":
		t.Errorf("%s: no result or no reason: %+v", v.Vector, v)
	case v.Result == verdictOpen && v.Promised:
		t.Errorf("%s is OPEN, the README promises to block it: %s", v.Vector, v.Reason)
	case v.Result == verdictOpen && !v.ByDesign:
		t.Errorf("%s is OPEN: %s", v.Vector, v.Reason)
	case v.Result == verdictNA && !excusedNA(v.Vector, v.Needs, facts, root):
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
	} {
		v := vectorResult{Vector: c.name, Promised: !c.byDesign, ByDesign: c.byDesign, Needs: c.needs, Reason: "why"}
		judge(&v, c.control, c.confined)
		if v.Result != c.want || v.Reason == "" {
			t.Errorf("%s: got %s %q, want %s with a reason", c.name, v.Result, v.Reason, c.want)
		}
		if c.needs != "" && !strings.Contains(v.Reason, c.needs) {
			t.Errorf("%s: reason %q does not say what the vector needs", c.name, v.Reason)
		}
		r := doctorReport{Vectors: []vectorResult{v}}
		r.summarize(0)
		wantExit := 0
		if v.Result == verdictOpen && !c.byDesign {
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
	if len(r.Kernel) == 0 || len(r.Vectors) != len(vectors()) {
		t.Fatalf("%d kernel facts and %d vectors, want some and %d", len(r.Kernel), len(r.Vectors), len(vectors()))
	}
	for _, v := range r.Vectors {
		if v.Result == "" || v.Reason == "" || v.Tries == "" || v.Check == "" {
			t.Errorf("%s: incomplete: %+v", v.Vector, v)
		}
	}
	if want := r.exitStatus(); cmd.ProcessState.ExitCode() != want {
		t.Errorf("exit status %d, want %d (promised but open: %v); stderr:\n%s",
			cmd.ProcessState.ExitCode(), want, r.Summary.PromisedOpen, stderr.String())
	}
}

// TestDoctorText pins the text layout: each table's columns padded to
// their widest cell plus two spaces, the last column free.
func TestDoctorText(t *testing.T) {
	r := doctorReport{
		Host:   "Linux 6.12 amd64, uid 0",
		Kernel: []kernelFact{{"landlock", "ABI 6", ""}, {"dev.tty.legacy_tiocsti", "0", "note"}},
		Vectors: []vectorResult{
			{Vector: "fs-write", Result: verdictBlocked, Reason: "EACCES"},
			{Vector: "x32", Result: verdictNA, Reason: "no\nx32"},
		},
		Summary: doctorSummary{Blocked: 1, NA: 1, PromisedNA: []string{"x32"}, Seconds: 0.25},
	}
	var b bytes.Buffer
	if err := r.writeText(&b); err != nil {
		t.Fatal(err)
	}
	want := `sandbox doctor: Linux 6.12 amd64, uid 0

KERNEL                  VALUE
landlock                ABI 6
dev.tty.legacy_tiocsti  0 (note)

VECTOR    RESULT   REASON
fs-write  BLOCKED  EACCES
x32       N/A      no x32

summary: 1 blocked, 0 open, 0 open by design, 1 n/a in 0.2s: no promised vector is open; untested here: x32
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
