package main

// sandbox --doctor: what this kernel can enforce, and the known escapes
// (peers.md section 2) tried for real from inside the sandbox.
//
// Each escape vector is tried by the same probe once unconfined, as a
// control, and once through each engine, by the very policy path a user
// gets:
//
//	sandbox --exec-only -w TMPROOT -- /proc/self/exe --doctor-probe NAME args...
//	sandbox --require-namespaces -w TMPROOT -- ...
//
// the second only where the namespace engine runs on this host; where it
// does not, the kernel part says why, and that is not a failure of the
// doctor (the default then is the exec-only engine, which is tested).
//
// A witness outside the sandbox (a file, a listener, a process, a
// terminal) tells whether the attempt had its effect; a probe whose prize
// is information (a netlink dump, a new namespace) reports it itself, and
// a probe that says its call succeeded is believed too. The verdict is
// judged by the effect, never by an error code alone: an errno can come
// from anywhere, and a call can fail after doing its damage.
//
//	the sandboxed run had an effect       OPEN
//	the sandbox did not run the probe     N/A, and the report says why
//	the control had no effect             N/A: this host has no such vector
//	otherwise                             BLOCKED
//
// A sandbox that did not run a probe is a failure of its own, not a
// missing vector: the doctor then exits 1 too, and says so.
//
// This file holds what is the same on every OS: the report, the verdict
// and the output. The probes are Linux code (doctor_linux.go,
// probe_linux.go).

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

const (
	verdictBlocked = "BLOCKED"
	verdictOpen    = "OPEN"
	verdictNA      = "N/A"
)

// doctorReport is everything --doctor found; --json prints it as is. The
// tags name the members writeJSON writes; doctor_test decodes the output
// with encoding/json through them.
type doctorReport struct {
	Host    string         `json:"host"`
	Kernel  []kernelFact   `json:"kernel"`
	Vectors []vectorResult `json:"vectors"`
	Summary doctorSummary  `json:"summary"`
}

// kernelFact is one line of the kernel part.
type kernelFact struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Note  string `json:"note,omitempty"`
}

// vectorResult is one escape vector, tried through one engine.
type vectorResult struct {
	Vector   string `json:"vector"`
	Engine   string `json:"engine"` // "exec-only" or "namespace"
	Tries    string `json:"tries"`
	Check    string `json:"check"`
	Promised bool   `json:"promised"`        // the README says it is refused
	ByDesign bool   `json:"by_design"`       // the README says it stays open
	Needs    string `json:"needs,omitempty"` // privilege the vector itself needs
	NotRun   bool   `json:"not_run"`         // the sandbox did not run the probe
	Result   string `json:"result"`
	Reason   string `json:"reason"`
	Control  string `json:"control"` // what the unconfined run did
}

type doctorSummary struct {
	Blocked      int      `json:"blocked"`
	Open         int      `json:"open"`
	OpenByDesign int      `json:"open_by_design"`
	NA           int      `json:"na"`
	PromisedOpen []string `json:"promised_open"` // each "vector (engine)"
	PromisedNA   []string `json:"promised_na"`   // promised, but untestable here
	NotRun       []string `json:"not_run"`       // the sandbox did not run the probe
	SetupFailure string   `json:"setup_failure,omitempty"`
	Seconds      float64  `json:"seconds"`
}

// runOutcome is what one run of a probe did: the effect seen (empty if
// none) and, either way, what the probe and its process said. notRun is
// set when the sandbox refused to start or to execute the probe.
type runOutcome struct {
	effect string
	detail string
	notRun bool
}

// notRunReason starts the reason of a vector whose probe the sandbox did
// not run; what follows is how the sandbox ended.
const notRunReason = "the sandbox did not run the probe: "

// judge fills in v's verdict from the control run and the sandboxed run.
// An effect inside the sandbox is OPEN even when the control saw none:
// whatever made the control fail, the sandbox did not stop it.
func judge(v *vectorResult, control, confined runOutcome) {
	v.Control = control.detail
	if control.effect != "" {
		v.Control = "effect: " + control.effect
	}
	switch {
	case confined.effect != "" && v.ByDesign:
		v.Result, v.Reason = verdictOpen, "by design ("+v.Reason+"): "+confined.effect
	case confined.effect != "":
		v.Result, v.Reason = verdictOpen, confined.effect
	case confined.notRun:
		v.NotRun = true
		v.Result, v.Reason = verdictNA, notRunReason+confined.detail
	case control.effect == "" && v.Needs != "":
		v.Result, v.Reason = verdictNA, "needs "+v.Needs+"; unconfined: "+control.detail
	case control.effect == "":
		v.Result, v.Reason = verdictNA, "no effect even unconfined: "+control.detail
	default:
		v.Result, v.Reason = verdictBlocked, confined.detail
	}
}

// label names v in the summary: "vector (engine)".
func (v *vectorResult) label() string {
	if v.Engine == "" {
		return v.Vector
	}
	return v.Vector + " (" + v.Engine + ")"
}

// summarize counts the verdicts of every row, each engine's. When the
// sandbox refused to run a probe and no vector got further than N/A (the
// others may have failed before the sandbox, at their witness), the
// sandbox could not start at all, and SetupFailure keeps the first reason
// it gave. When that is so of one engine only, its rows are one entry of
// NotRun: "every vector (engine: reason)".
func (r *doctorReport) summarize(seconds float64) {
	s := doctorSummary{PromisedOpen: []string{}, PromisedNA: []string{}, NotRun: []string{}, Seconds: seconds}
	for _, v := range r.Vectors {
		if v.NotRun {
			s.NotRun = append(s.NotRun, v.label())
		}
		switch {
		case v.Result == verdictBlocked:
			s.Blocked++
		case v.Result == verdictNA:
			s.NA++
			if v.Promised {
				s.PromisedNA = append(s.PromisedNA, v.label())
			}
		case v.ByDesign:
			s.OpenByDesign++
		default:
			s.Open++
			if v.Promised {
				s.PromisedOpen = append(s.PromisedOpen, v.label())
			}
		}
	}
	if len(s.NotRun) > 0 && s.NA == len(r.Vectors) {
		s.SetupFailure = firstNotRun(r.Vectors)
	} else if len(s.NotRun) > 0 {
		s.NotRun = r.notRunByEngine()
	}
	r.Summary = s
}

// firstNotRun is how the sandbox ended the first run it refused.
func firstNotRun(rows []vectorResult) string {
	for _, v := range rows {
		if v.NotRun {
			return strings.TrimPrefix(v.Reason, notRunReason)
		}
	}
	return ""
}

// notRunByEngine names the rows the sandbox did not run, an engine that
// started no probe at all by one entry with its reason.
func (r *doctorReport) notRunByEngine() []string {
	names := []string{}
	for i := 0; i < len(r.Vectors); {
		j := i
		for j < len(r.Vectors) && r.Vectors[j].Engine == r.Vectors[i].Engine {
			j++
		}
		rows := r.Vectors[i:j]
		whole := true
		for _, v := range rows {
			whole = whole && v.Result == verdictNA
		}
		if why := firstNotRun(rows); whole && why != "" {
			names = append(names, "every vector ("+rows[0].Engine+": "+why+")")
		} else {
			for _, v := range rows {
				if v.NotRun {
					names = append(names, v.label())
				}
			}
		}
		i = j
	}
	return names
}

// exitStatus is 1 when a vector the README promises to block is open, or
// when the sandbox did not run a probe: then what was not run is not
// known to be blocked, and the sandbox itself is failing.
func (r *doctorReport) exitStatus() int {
	if len(r.Summary.PromisedOpen) > 0 || len(r.Summary.NotRun) > 0 {
		return 1
	}
	return 0
}

// verdict is the end of the summary line: the worst that was found.
func (s *doctorSummary) verdict() string {
	switch {
	case len(s.PromisedOpen) > 0:
		return "PROMISED BUT OPEN: " + strings.Join(s.PromisedOpen, ", ")
	case s.SetupFailure != "":
		return "THE SANDBOX COULD NOT START, nothing was tested: " + s.SetupFailure
	case len(s.NotRun) > 0:
		return "THE SANDBOX DID NOT RUN: " + strings.Join(s.NotRun, ", ")
	case len(s.PromisedNA) > 0:
		return "no promised vector is open; untested here: " + strings.Join(s.PromisedNA, ", ")
	}
	return "every promised vector is blocked"
}

func (r *doctorReport) writeJSON(w io.Writer) error {
	j := jsonWriter{}
	j.openObject()
	j.key("host").str(r.Host)
	j.key("kernel")
	if r.Kernel == nil {
		j.null()
	} else {
		j.openArray()
		for _, f := range r.Kernel {
			j.openObject()
			j.key("name").str(f.Name)
			j.key("value").str(f.Value)
			if f.Note != "" {
				j.key("note").str(f.Note)
			}
			j.closeObject()
		}
		j.closeArray()
	}
	j.key("vectors")
	if r.Vectors == nil {
		j.null()
	} else {
		j.openArray()
		for _, v := range r.Vectors {
			j.openObject()
			j.key("vector").str(v.Vector)
			j.key("engine").str(v.Engine)
			j.key("tries").str(v.Tries)
			j.key("check").str(v.Check)
			j.key("promised").boolean(v.Promised)
			j.key("by_design").boolean(v.ByDesign)
			if v.Needs != "" {
				j.key("needs").str(v.Needs)
			}
			j.key("not_run").boolean(v.NotRun)
			j.key("result").str(v.Result)
			j.key("reason").str(v.Reason)
			j.key("control").str(v.Control)
			j.closeObject()
		}
		j.closeArray()
	}
	s := r.Summary
	j.key("summary").openObject()
	j.key("blocked").integer(int64(s.Blocked))
	j.key("open").integer(int64(s.Open))
	j.key("open_by_design").integer(int64(s.OpenByDesign))
	j.key("na").integer(int64(s.NA))
	j.key("promised_open").strings(s.PromisedOpen)
	j.key("promised_na").strings(s.PromisedNA)
	j.key("not_run").strings(s.NotRun)
	if s.SetupFailure != "" {
		j.key("setup_failure").str(s.SetupFailure)
	}
	j.key("seconds").float(s.Seconds)
	j.closeObject()
	j.closeObject()
	_, err := fmt.Fprintln(w, string(j.buf))
	return err
}

func (r *doctorReport) writeText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "sandbox doctor: %s\n\n", r.Host)
	kw := len("KERNEL")
	for _, f := range r.Kernel {
		kw = max(kw, utf8.RuneCountInString(f.Name))
	}
	fmt.Fprintf(&b, "%-*s  %s\n", kw, "KERNEL", "VALUE")
	for _, f := range r.Kernel {
		line := f.Value
		if f.Note != "" {
			line += " (" + f.Note + ")"
		}
		fmt.Fprintf(&b, "%-*s  %s\n", kw, f.Name, line)
	}
	vw, ew, rw := len("VECTOR"), len("ENGINE"), len("RESULT")
	for _, v := range r.Vectors {
		vw = max(vw, utf8.RuneCountInString(v.Vector))
		ew = max(ew, utf8.RuneCountInString(v.Engine))
		rw = max(rw, utf8.RuneCountInString(v.Result))
	}
	fmt.Fprintf(&b, "\n%-*s  %-*s  %-*s  %s\n", vw, "VECTOR", ew, "ENGINE", rw, "RESULT", "REASON")
	for _, v := range r.Vectors {
		fmt.Fprintf(&b, "%-*s  %-*s  %-*s  %s\n", vw, v.Vector, ew, v.Engine, rw, v.Result, shorten(v.Reason, 100))
	}
	s := r.Summary
	fmt.Fprintf(&b, "\nsummary: %d blocked, %d open, %d open by design, %d n/a in %.1fs: %s\n",
		s.Blocked, s.Open, s.OpenByDesign, s.NA, s.Seconds, s.verdict())
	_, err := io.WriteString(w, b.String())
	return err
}

// shorten keeps a table cell on one line.
func shorten(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// runDoctor runs --doctor: the report on stdout, exit 1 if a promised
// vector is open or the sandbox did not run a probe. The latter is also
// said on stderr, where a caller that keeps only the status looks.
func runDoctor(jsonOut bool) int {
	r, err := examine()
	if err != nil {
		errorf("doctor: %v", err)
		return exitSetup
	}
	if jsonOut {
		err = r.writeJSON(os.Stdout)
	} else {
		err = r.writeText(os.Stdout)
	}
	if err != nil {
		errorf("doctor: %v", err)
		return exitSetup
	}
	if s := r.Summary; s.SetupFailure != "" {
		errorf("doctor: the sandbox could not start, nothing was tested: %s", s.SetupFailure)
	} else if len(s.NotRun) > 0 {
		errorf("doctor: the sandbox did not run the probes of %s", strings.Join(s.NotRun, ", "))
	}
	return r.exitStatus()
}
