//go:build linux

package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestKeptCaps(t *testing.T) {
	all := uint64(1)<<(unix.CAP_LAST_CAP+1) - 1
	if got := keptCaps(0, all); got != rootKeptCaps {
		t.Errorf("root with every capability keeps %#x, want %#x", got, rootKeptCaps)
	}
	if got := keptCaps(0, 1<<unix.CAP_CHOWN|1<<unix.CAP_SYS_ADMIN); got != 1<<unix.CAP_CHOWN {
		t.Errorf("root keeps %#x, want only CAP_CHOWN: nothing it did not hold", got)
	}
	if got := keptCaps(1000, all); got != 0 {
		t.Errorf("a non-root user keeps %#x, want nothing", got)
	}
}

// statusCaps reads the capability lines of /proc/PID/status text.
func statusCaps(t *testing.T, status string) map[string]uint64 {
	t.Helper()
	caps := map[string]uint64{}
	for _, line := range strings.Split(status, "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(name, "Cap") {
			continue
		}
		v, err := strconv.ParseUint(strings.TrimSpace(value), 16, 64)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		caps[name] = v
	}
	if len(caps) < 5 {
		t.Fatalf("no capability lines in %q", status)
	}
	return caps
}

// TestDropCapabilities: in a re-executed child, dropCapabilities leaves
// root the kept four in every set, bounding set included, and everyone else
// nothing, as the command it then executes sees them; and as root the
// dropped ones are gone by effect (mknod of a device node, which needs
// CAP_MKNOD, fails; the control without the drop makes it).
func TestDropCapabilities(t *testing.T) {
	forEachUser(t, func(t *testing.T, u runAs) {
		_, probe := binaries(t)
		cmd := u.command(probe, "/bin/cat", "/proc/self/status")
		cmd.Env = append(cmd.Env, probeEnv+"=drop-caps")
		r := runCommand(t, cmd)
		if r.code != 0 {
			t.Fatalf("probe: %v", r)
		}
		caps := statusCaps(t, r.stdout)
		want := uint64(0)
		if u.root() {
			want = rootKeptCaps
		}
		// A caller without CAP_SETPCAP keeps its bounding set; it holds
		// nothing, and no_new_privs keeps execve from granting anything.
		sets := []string{"CapEff", "CapPrm"}
		if u.root() {
			sets = append(sets, "CapBnd")
		}
		for _, set := range sets {
			if caps[set] != want {
				t.Errorf("%s = %#x, want %#x", set, caps[set], want)
			}
		}
		if caps["CapInh"] != 0 || caps["CapAmb"] != 0 {
			t.Errorf("CapInh %#x CapAmb %#x, want 0", caps["CapInh"], caps["CapAmb"])
		}
		if !u.root() {
			return
		}
		d := u.dir(t)
		control := filepath.Join(d, "control")
		if r := runCommand(t, u.command("/usr/bin/mknod", control, "c", "1", "3")); r.code != 0 || !lexists(control) {
			t.Fatalf("control: root cannot mknod here: %v", r)
		}
		dropped := filepath.Join(d, "dropped")
		cmd = u.command(probe, "/usr/bin/mknod", dropped, "c", "1", "3")
		cmd.Env = append(cmd.Env, probeEnv+"=drop-caps")
		r = runCommand(t, cmd)
		if r.code == 0 || lexists(dropped) {
			t.Errorf("mknod after the drop: %v, node exists: %v", r, lexists(dropped))
		}
	})
}
