//go:build linux

package main

// The fs-ioctl vector on real filesystems: ext4 (with the verity and
// encrypt features, without metadata_csum, so that FS_IOC_SETVERSION
// works), XFS and btrfs, each made in an image file and loop-mounted for
// the test alone. That filesystem is scratch, so the vector also sets its
// label and freezes it, which it never does on the host's. As root and as
// 65534, each attempt runs unconfined first (the control must show the
// effect) and then in the sandbox (it must not).

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// scratchFilesystems are the filesystems the test makes, with the mkfs
// options and what the control run must show, as root and as 65534 ("" when
// nothing is expected: no unprivileged variant exists there).
var scratchFilesystems = []struct {
	name       string
	mkfs       []string
	size       int64
	rootSees   []string
	nobodySees []string
	reflink    bool // FICLONE works here
}{
	{"ext4", []string{"mkfs.ext4", "-q", "-F", "-b", "4096", "-O", "verity,encrypt,^metadata_csum"}, 64 << 20,
		[]string{"generation", "verity", "encrypted", "label", "FIFREEZE"},
		[]string{"generation", "verity", "encrypted"}, false},
	{"xfs", []string{"mkfs.xfs", "-q", "-f", "-m", "reflink=1"}, 320 << 20,
		[]string{"root/byhandle", "label", "FIFREEZE"}, nil, true},
	{"btrfs", []string{"mkfs.btrfs", "-q", "-f"}, 128 << 20,
		[]string{"subvol", "label", "FIFREEZE"},
		[]string{"subvol"}, true},
}

func TestFSIoctlRealFilesystems(t *testing.T) {
	requireLandlock(t, 3)
	if os.Geteuid() != 0 {
		skipOrFail(t, "loop-mounting a filesystem needs root")
	}
	bin, _ := binaries(t)
	for _, fs := range scratchFilesystems {
		t.Run(fs.name, func(t *testing.T) {
			mnt := mountScratch(t, fs.name, fs.mkfs, fs.size)
			forEachUser(t, func(t *testing.T, u runAs) {
				d, err := newDoctorIn(mnt, bin, u.cred)
				if err != nil {
					t.Fatal(err)
				}
				defer d.close()
				d.scratch = true
				var p probe
				for _, v := range probes {
					if v.name == "fs-ioctl" {
						p = v
					}
				}
				v := d.check(p)
				ordinaryFileTools(t, u, mnt, fs.reflink)
				want := fs.rootSees
				if u.cred != nil {
					want = fs.nobodySees
				}
				t.Logf("%s as %s: %s\n  control: %s\n  confined: %s", fs.name, u.name, v.Result, v.Control, v.Reason)
				if len(want) == 0 {
					if v.Result == verdictOpen {
						t.Errorf("OPEN: %s", v.Reason)
					}
					return
				}
				if v.Result != verdictBlocked {
					t.Errorf("got %s, want BLOCKED: %s", v.Result, v.Reason)
				}
				for _, w := range want {
					if w == "verity" && !kernelHasVerity() {
						t.Logf("this kernel has no fs-verity (CONFIG_FS_VERITY): its variant is not shown")
						continue
					}
					if !strings.Contains(v.Control, w) {
						t.Errorf("the control run did not show %q: %s", w, v.Control)
					}
				}
			})
		})
	}
}

// ordinaryFileTools runs, in the sandbox with a writable tree on the
// scratch filesystem, what ordinary tools do with the ioctls the filter
// keeps: cp --reflink (FICLONE), lsattr (FS_IOC_GETFLAGS), filefrag
// (FS_IOC_FIEMAP); each must work there as it does unconfined.
func ordinaryFileTools(t *testing.T, u runAs, mnt string, reflink bool) {
	t.Helper()
	w, err := os.MkdirTemp(mnt, "w-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(w)
	a := filepath.Join(w, "a")
	if err := os.WriteFile(a, []byte(strings.Repeat("sandbox\n", 4096)), 0o644); err != nil {
		t.Fatal(err)
	}
	u.own(t, w)
	var tools [][]string
	if reflink {
		tools = append(tools, []string{"cp", "--reflink=always", a, filepath.Join(w, "b")})
	}
	tools = append(tools, []string{"lsattr", a}, []string{"filefrag", a})
	for _, argv := range tools {
		path, err := exec.LookPath(argv[0])
		if err != nil {
			skipOrFail(t, "%s is not installed", argv[0])
		}
		argv[0] = path
		os.Remove(filepath.Join(w, "b"))
		if r := runPlain(t, u, argv...); r.code != 0 {
			t.Errorf("unconfined %q: %v", argv, r)
			continue
		}
		os.Remove(filepath.Join(w, "b"))
		if r := runSandbox(t, u, append([]string{"-w", w, "--"}, argv...)...); r.code != 0 {
			t.Errorf("sandboxed %q fails: %v", argv, r)
		}
		if filepath.Base(argv[0]) == "cp" {
			if b, err := os.ReadFile(filepath.Join(w, "b")); err != nil || len(b) != 8*4096 {
				t.Errorf("sandboxed cp --reflink left no copy: %v", err)
			}
		}
	}
}

// kernelHasVerity reports whether ext4 here can enable fs-verity.
func kernelHasVerity() bool {
	_, err := os.Stat("/sys/fs/ext4/features/verity")
	return err == nil
}

// mountScratch makes a filesystem of the given kind in an image file and
// loop-mounts it on a directory every test user can reach; the test's
// cleanup unmounts it.
func mountScratch(t *testing.T, name string, mkfs []string, size int64) string {
	t.Helper()
	if _, err := exec.LookPath(mkfs[0]); err != nil {
		skipOrFail(t, "%s is not installed (apt-get install xfsprogs btrfs-progs e2fsprogs)", mkfs[0])
	}
	dir, err := os.MkdirTemp(testRoot, "fs-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	img, mnt := filepath.Join(dir, "image"), filepath.Join(dir, "mnt")
	mounted := false
	t.Cleanup(func() {
		if mounted {
			if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
				t.Errorf("umount %s: %v: %s", mnt, err, out)
				exec.Command("umount", "-l", mnt).Run()
			}
		}
		os.RemoveAll(dir)
	})
	f, err := os.Create(img)
	if err == nil {
		err = f.Truncate(size)
		f.Close()
	}
	if err == nil {
		err = os.Mkdir(mnt, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(mkfs[0], append(mkfs[1:], img)...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(mkfs, " "), err, out)
	}
	if out, err := exec.Command("mount", "-t", name, "-o", "loop", img, mnt).CombinedOutput(); err != nil {
		skipOrFail(t, "mount -t %s -o loop: %v: %s", name, err, out)
	}
	mounted = true
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	return mnt
}
