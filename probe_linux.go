//go:build linux

package main

// The probe side of --doctor: `sandbox --doctor-probe NAME args...` makes
// one escape attempt and prints a probeReport as one JSON line on stdout.
// The doctor runs it inside the sandbox and, as the control, outside. A
// probe tries every variant of its vector it knows and goes on after a
// failure; it claims an effect only when the last step of a variant
// worked. Every target (file, listener, process, terminal) is one the
// doctor set up for this run and named in args: a probe touches nothing
// else, so a hole found is a hole shown, not a hole used.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// probeReport is what a probe says about its attempt. It travels to the
// doctor as one line of JSON: {"effect":"...","errors":["..."],
// "netns":"net:[...]"}, each member left out when empty.
type probeReport struct {
	Effect string
	Errors []string
	// NetNS is the network namespace the probe ran in (runProbe fills it
	// in): what a socket call that succeeded could reach.
	NetNS string
}

func (r *probeReport) marshal() []byte {
	w := jsonWriter{compact: true}
	w.openObject()
	if r.Effect != "" {
		w.key("effect").str(r.Effect)
	}
	if len(r.Errors) > 0 {
		w.key("errors").strings(r.Errors)
	}
	if r.NetNS != "" {
		w.key("netns").str(r.NetNS)
	}
	w.closeObject()
	return w.buf
}

// unmarshal reads a line marshal wrote. Unknown members are ignored, and
// null is an absent member.
func (r *probeReport) unmarshal(line string) error {
	v, err := parseJSON(line, 2)
	if err != nil {
		return err
	}
	if v.kind != jsonObject {
		return fmt.Errorf("expected a JSON object, found a JSON %v", v.kind)
	}
	*r = probeReport{}
	if e, ok := v.member("effect"); ok && e.kind != jsonNull {
		if e.kind != jsonString {
			return fmt.Errorf("effect: expected a string, found a JSON %v", e.kind)
		}
		r.Effect = e.text
	}
	if e, ok := v.member("errors"); ok && e.kind != jsonNull {
		if e.kind != jsonArray {
			return fmt.Errorf("errors: expected an array, found a JSON %v", e.kind)
		}
		for _, item := range e.items {
			if item.kind != jsonString {
				return fmt.Errorf("errors: expected strings, found a JSON %v", item.kind)
			}
			r.Errors = append(r.Errors, item.text)
		}
	}
	if e, ok := v.member("netns"); ok && e.kind != jsonNull {
		if e.kind != jsonString {
			return fmt.Errorf("netns: expected a string, found a JSON %v", e.kind)
		}
		r.NetNS = e.text
	}
	return nil
}

// fail records a failed step, with the errno's name when there is one.
func (r *probeReport) fail(step string, err error) {
	r.Errors = append(r.Errors, step+": "+errName(err))
}

// did records the first effect achieved.
func (r *probeReport) did(format string, v ...any) {
	if r.Effect == "" {
		r.Effect = fmt.Sprintf(format, v...)
	}
}

func errName(err error) string {
	var e syscall.Errno
	if errors.As(err, &e) {
		if n := unix.ErrnoName(e); n != "" {
			return n
		}
	}
	return err.Error()
}

// A probe that holds (probe.holds) stays alive for probeHold after
// reporting, because what the witness looks at dies with it: the TIOCSTI
// probe leads the session of the terminal under test, whose hang-up would
// flush the input the doctor must inspect, and the tcp-listen probe's
// listener closes when it exits. The doctor kills it once it has looked.
const (
	tiocstiProbe = "tiocsti"
	probeHold    = 3 * time.Second
)

// runProbe runs --doctor-probe NAME: a vector's attempt, or one of the
// helpers the doctor needs outside the sandbox.
func runProbe(name string, args []string) int {
	if name == "witness" {
		return runWitness()
	}
	try, hold := helperProbe(name), false
	for _, p := range probes {
		if p.name == name {
			try, hold = p.try, p.holds
		}
	}
	if try == nil {
		errorf("--doctor-probe %s: unknown probe", name)
		return exitUsage
	}
	r := try(args)
	r.NetNS = netNS()
	os.Stdout.Write(append(r.marshal(), '\n'))
	if hold {
		time.Sleep(probeHold)
	}
	return 0
}

// helperProbe returns a probe that is not an escape: the doctor runs it
// outside the sandbox. (A switch, not a map: a map would be built at
// start-up, before every command the sandbox runs.)
func helperProbe(name string) func([]string) probeReport {
	switch name {
	case "abi-i386":
		return tryI386Getpid
	case "abi-x32":
		return tryX32Getpid
	case "userns-id":
		return func([]string) probeReport { return probeReport{Effect: userNS()} }
	case "memfd-ran":
		return func([]string) probeReport { return probeReport{Effect: "a memfd copy of the sandbox ran"} }
	}
	return nil
}

// probeArg returns args[i], or "" when the doctor passed too few.
func probeArg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

var probePayload = []byte("escaped\n")

// appendTo opens path with flags and writes to it.
func appendTo(r *probeReport, step, path string, flags int) {
	fd, err := unix.Open(path, flags|unix.O_CLOEXEC, 0)
	if err != nil {
		r.fail(step, err)
		return
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, probePayload); err != nil {
		r.fail(step+": write", err)
		return
	}
	r.did("%s: wrote to %s", step, path)
}

// Filesystem probes get args [root, out]: the writable root, and a
// directory outside it holding "target" (a file) and "subdir". The root
// holds "inner".

func tryWrite(a []string) (r probeReport) {
	appendTo(&r, "open(target, O_WRONLY)", filepath.Join(probeArg(a, 1), "target"), unix.O_WRONLY|unix.O_APPEND)
	return r
}

func tryCreate(a []string) (r probeReport) {
	out := probeArg(a, 1)
	if fd, err := unix.Open(filepath.Join(out, "new"), unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0o644); err != nil {
		r.fail("open(O_CREAT)", err)
	} else {
		unix.Close(fd)
		r.did("created a file outside")
	}
	if err := unix.Mkdir(filepath.Join(out, "newdir"), 0o755); err != nil {
		r.fail("mkdir", err)
	} else {
		r.did("created a directory outside")
	}
	if err := unix.Mkfifo(filepath.Join(out, "fifo"), 0o644); err != nil {
		r.fail("mkfifo", err)
	} else {
		r.did("created a fifo outside")
	}
	if err := unix.Symlink("target", filepath.Join(out, "symlink")); err != nil {
		r.fail("symlink", err)
	} else {
		r.did("created a symlink outside")
	}
	return r
}

func tryRemove(a []string) (r probeReport) {
	out := probeArg(a, 1)
	if err := unix.Unlink(filepath.Join(out, "target")); err != nil {
		r.fail("unlink", err)
	} else {
		r.did("removed a file outside")
	}
	if err := unix.Rmdir(filepath.Join(out, "subdir")); err != nil {
		r.fail("rmdir", err)
	} else {
		r.did("removed a directory outside")
	}
	return r
}

func tryTruncate(a []string) (r probeReport) {
	target := filepath.Join(probeArg(a, 1), "target")
	if err := unix.Truncate(target, 0); err != nil {
		r.fail("truncate", err)
	} else {
		r.did("truncate(2) emptied a file outside")
	}
	if fd, err := unix.Open(target, unix.O_RDONLY|unix.O_TRUNC|unix.O_CLOEXEC, 0); err != nil {
		r.fail("open(O_RDONLY|O_TRUNC)", err)
	} else {
		unix.Close(fd)
		r.did("open(O_TRUNC) emptied a file outside")
	}
	return r
}

func tryRename(a []string) (r probeReport) {
	root, out := probeArg(a, 0), probeArg(a, 1)
	inner, target := filepath.Join(root, "inner"), filepath.Join(out, "target")
	if err := unix.Rename(inner, filepath.Join(out, "moved")); err != nil {
		r.fail("rename(inner, out)", err)
	} else {
		r.did("moved a file out of the writable root")
	}
	if err := unix.Rename(target, filepath.Join(root, "stolen")); err != nil {
		r.fail("rename(target, root)", err)
	} else {
		r.did("moved a file from outside into the writable root")
	}
	if err := unix.Renameat2(unix.AT_FDCWD, inner, unix.AT_FDCWD, target, unix.RENAME_EXCHANGE); err != nil {
		r.fail("renameat2(RENAME_EXCHANGE)", err)
	} else {
		r.did("exchanged a file outside with one inside")
	}
	return r
}

func tryLink(a []string) (r probeReport) {
	root, out := probeArg(a, 0), probeArg(a, 1)
	if err := unix.Link(filepath.Join(root, "inner"), filepath.Join(out, "linked")); err != nil {
		r.fail("link(inner, out)", err)
	} else {
		r.did("hard-linked a file out of the writable root")
	}
	alias := filepath.Join(root, "alias")
	if err := unix.Link(filepath.Join(out, "target"), alias); err != nil {
		r.fail("link(target, root)", err)
	} else {
		appendTo(&r, "open(hard link to target)", alias, unix.O_WRONLY|unix.O_APPEND)
	}
	return r
}

func trySymlinkWrite(a []string) (r probeReport) {
	link := filepath.Join(probeArg(a, 0), "link")
	if err := unix.Symlink(filepath.Join(probeArg(a, 1), "target"), link); err != nil {
		r.fail("symlink", err)
		return r
	}
	appendTo(&r, "open(symlink to target)", link, unix.O_WRONLY|unix.O_APPEND)
	return r
}

// tryMknod makes device nodes for /dev/null and loop0 in the writable
// root; the doctor never opens them.
func tryMknod(a []string) (r probeReport) {
	root := probeArg(a, 0)
	if err := unix.Mknod(filepath.Join(root, "chr"), unix.S_IFCHR|0o600, int(unix.Mkdev(1, 3))); err != nil {
		r.fail("mknod(S_IFCHR)", err)
	} else {
		r.did("made a character device node")
	}
	if err := unix.Mknod(filepath.Join(root, "blk"), unix.S_IFBLK|0o600, int(unix.Mkdev(7, 0))); err != nil {
		r.fail("mknod(S_IFBLK)", err)
	} else {
		r.did("made a block device node")
	}
	return r
}

// tryFileHandle opens the target by handle, which skips path lookup.
func tryFileHandle(a []string) (r probeReport) {
	out := probeArg(a, 1)
	h, _, err := unix.NameToHandleAt(unix.AT_FDCWD, filepath.Join(out, "target"), 0)
	if err != nil {
		r.fail("name_to_handle_at", err)
		return r
	}
	mountFD, err := unix.Open(out, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		r.fail("open(out)", err)
		return r
	}
	defer unix.Close(mountFD)
	fd, err := unix.OpenByHandleAt(mountFD, h, unix.O_WRONLY|unix.O_APPEND|unix.O_CLOEXEC)
	if err != nil {
		r.fail("open_by_handle_at(O_WRONLY)", err)
		return r
	}
	defer unix.Close(fd)
	if _, err := unix.Write(fd, probePayload); err != nil {
		r.fail("write", err)
		return r
	}
	r.did("wrote to a file outside through a file handle")
	return r
}

func tryChmod(a []string) (r probeReport) {
	if err := unix.Chmod(filepath.Join(probeArg(a, 1), "target"), 0o640); err != nil {
		r.fail("chmod", err)
	}
	return r
}

func tryUtime(a []string) (r probeReport) {
	t := unix.NsecToTimespec(time.Date(2001, 9, 9, 1, 46, 40, 0, time.UTC).UnixNano())
	if err := unix.UtimesNano(filepath.Join(probeArg(a, 1), "target"), []unix.Timespec{t, t}); err != nil {
		r.fail("utimensat", err)
	}
	return r
}

// The metadata probes below plant privilege that outlives the sandbox,
// which the README says is refused everywhere, the writable root
// included. Each call tried has a file of its own, named for it, which the
// doctor makes (mode 0644) in the writable root and outside: the witness
// then tells which call got through. The witness judges by the files
// alone, so these probes claim nothing.
var (
	setidFiles = []string{"fchmodat-4755", "fchmodat-2755", "fchmodat2-6755", "fchmod-4755", "chmod-4755"}
	xattrFiles = []string{"setxattr", "lsetxattr", "fsetxattr", "setxattrat", "removexattr"}
	flagFiles  = []string{"setflags", "setflags-high", "fssetxattr", "file_setattr"} // outside only
)

// The attributes of fs-xattr: the probe sets doctorXattr and removes
// keptXattr, which the doctor put on every "removexattr" file.
const (
	doctorXattr = "user.sandbox-doctor"
	keptXattr   = "user.sandbox-doctor-kept"
)

// xattrValue is what fs-xattr writes. A package variable, not a literal:
// setxattrat takes its address inside a struct, where the garbage
// collector would not see it, and globals never move.
var xattrValue = []byte("1")

// legacySetID, on amd64, tries the older calls that arm64 lacks and libc
// no longer makes, but a static binary may (probe_amd64.go).
var legacySetID func(r *probeReport, root, out string)

// trySetID sets the set-user-ID and set-group-ID bits of files inside and
// outside the writable root, and creates files with them inside it.
func trySetID(a []string) (r probeReport) {
	root, out := probeArg(a, 0), probeArg(a, 1)
	chmodSetID(&r, root)
	chmodSetID(&r, out)
	createSetID(&r, root)
	if legacySetID != nil {
		legacySetID(&r, root, out)
	}
	return r
}

// chmodSetID tries each generic chmod call on its file in dir: fchmodat
// (what libc's chmod makes) with each bit, fchmodat2 (Linux 6.6, what
// unix.Fchmodat makes when given a flag) and fchmod, through a descriptor
// opened read-only, which Landlock does not check.
func chmodSetID(r *probeReport, dir string) {
	where := filepath.Base(dir) + "/"
	for _, c := range []struct {
		file  string
		mode  uint32
		flags int
	}{
		{"fchmodat-4755", 0o4755, 0},
		{"fchmodat-2755", 0o2755, 0},
		{"fchmodat2-6755", 0o6755, unix.AT_SYMLINK_NOFOLLOW},
	} {
		if err := unix.Fchmodat(unix.AT_FDCWD, filepath.Join(dir, c.file), c.mode, c.flags); err != nil {
			r.fail(fmt.Sprintf("%s(%s%s, %#o)", strings.Split(c.file, "-")[0], where, c.file, c.mode), err)
		}
	}
	fd, err := unix.Open(filepath.Join(dir, "fchmod-4755"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		r.fail("open("+where+"fchmod-4755, O_RDONLY)", err)
		return
	}
	defer unix.Close(fd)
	if err := unix.Fchmod(fd, 0o4755); err != nil {
		r.fail("fchmod("+where+"fchmod-4755, 04755)", err)
	}
}

// createSetID creates files with set-ID modes in the writable root, where
// creating files is allowed: openat, openat2 (whose mode sits behind a
// pointer) and mknodat of a regular file.
func createSetID(r *probeReport, root string) {
	if fd, err := unix.Open(filepath.Join(root, "openat"), unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0o4755); err != nil {
		r.fail("openat(root/openat, O_CREAT, 04755)", err)
	} else {
		unix.Close(fd)
	}
	how := unix.OpenHow{Flags: unix.O_CREAT | unix.O_EXCL | unix.O_WRONLY | unix.O_CLOEXEC, Mode: 0o2755}
	if fd, err := unix.Openat2(unix.AT_FDCWD, filepath.Join(root, "openat2"), &how); err != nil {
		r.fail("openat2(root/openat2, O_CREAT, 02755)", err)
	} else {
		unix.Close(fd)
	}
	if err := unix.Mknodat(unix.AT_FDCWD, filepath.Join(root, "mknodat"), unix.S_IFREG|0o4755, 0); err != nil {
		r.fail("mknodat(root/mknodat, S_IFREG|04755)", err)
	}
}

// tryXattr sets a user.* attribute with every setxattr call, and removes
// one, on files inside and outside the writable root. User attributes
// are the ones an owner may set; the filter refuses the calls whatever
// the name, security.capability included.
func tryXattr(a []string) (r probeReport) {
	for _, dir := range []string{probeArg(a, 0), probeArg(a, 1)} {
		where := filepath.Base(dir) + "/"
		file := func(name string) string { return filepath.Join(dir, name) }
		if err := unix.Setxattr(file("setxattr"), doctorXattr, xattrValue, 0); err != nil {
			r.fail("setxattr("+where+"setxattr)", err)
		}
		if err := unix.Lsetxattr(file("lsetxattr"), doctorXattr, xattrValue, 0); err != nil {
			r.fail("lsetxattr("+where+"lsetxattr)", err)
		}
		if err := setxattrat(file("setxattrat"), doctorXattr, xattrValue); err != nil {
			r.fail("setxattrat("+where+"setxattrat)", err)
		}
		if err := unix.Removexattr(file("removexattr"), keptXattr); err != nil {
			r.fail("removexattr("+where+"removexattr)", err)
		}
		if fd, err := unix.Open(file("fsetxattr"), unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
			r.fail("open("+where+"fsetxattr, O_RDONLY)", err)
		} else {
			if err := unix.Fsetxattr(fd, doctorXattr, xattrValue, 0); err != nil {
				r.fail("fsetxattr("+where+"fsetxattr)", err)
			}
			unix.Close(fd)
		}
	}
	return r
}

// xattrArgs is struct xattr_args, the value setxattrat (Linux 6.13) takes.
type xattrArgs struct {
	value uint64
	size  uint32
	flags uint32
}

// setxattrat sets name on path relative to the current directory.
// x/sys has no wrapper for it.
func setxattrat(path, name string, value []byte) error {
	p, err := unix.BytePtrFromString(path)
	if err != nil {
		return err
	}
	n, err := unix.BytePtrFromString(name)
	if err != nil {
		return err
	}
	args := xattrArgs{value: uint64(uintptr(unsafe.Pointer(&value[0]))), size: uint32(len(value))}
	dirfd := unix.AT_FDCWD
	_, _, e := unix.Syscall6(unix.SYS_SETXATTRAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)), 0,
		uintptr(unsafe.Pointer(n)), uintptr(unsafe.Pointer(&args)), unsafe.Sizeof(args))
	if e != 0 {
		return e
	}
	return nil
}

// File attribute flags: the ioctls that set them check ownership, not how
// the file was opened, and Landlock's ioctl right covers devices only. A
// file made append-only (or immutable) outside stays so after the
// sandbox; that needs CAP_LINUX_IMMUTABLE, so an unprivileged probe sets
// the no-atime flag, which its ownership allows, through the same calls.
const (
	fsAppendFl      = 0x20       // FS_APPEND_FL
	fsNoatimeFl     = 0x80       // FS_NOATIME_FL
	fsXflagAppend   = 0x10       // FS_XFLAG_APPEND
	fsXflagNoatime  = 0x40       // FS_XFLAG_NOATIME
	fsIocFSGetXattr = 0x801c581f // FS_IOC_FSGETXATTR: _IOR('X', 31, struct fsxattr)
	fsIocFSSetXattr = 0x401c5820 // FS_IOC_FSSETXATTR: _IOW('X', 32, struct fsxattr)
)

// fsxattr is struct fsxattr of include/uapi/linux/fs.h.
type fsxattr struct {
	xflags     uint32
	extsize    uint32
	nextents   uint32
	projid     uint32
	cowextsize uint32
	pad        [8]byte
}

// tryChattr sets a flag on files outside, each opened read-only: with
// FS_IOC_SETFLAGS, again with junk in the upper 32 bits of the request
// (the kernel ignores them, a careless filter not), and with
// FS_IOC_FSSETXATTR; and on one more by path with file_setattr.
func tryChattr(a []string) (r probeReport) {
	out := probeArg(a, 1)
	flag, xflag := uint32(fsNoatimeFl), uint32(fsXflagNoatime)
	if unix.Geteuid() == 0 {
		flag, xflag = fsAppendFl, fsXflagAppend
	}
	setFlag(&r, filepath.Join(out, "setflags"), unix.FS_IOC_SETFLAGS, flag)
	setFlag(&r, filepath.Join(out, "setflags-high"), 0xffffffff<<32|unix.FS_IOC_SETFLAGS, flag)
	setXflag(&r, filepath.Join(out, "fssetxattr"), xflag)
	fileSetattr(&r, filepath.Join(out, "file_setattr"), xflag)
	return r
}

// fileAttr is struct file_attr (include/uapi/linux/fs.h, Linux 6.17),
// FILE_ATTR_SIZE_VER0 bytes: the fsxattr fields file_getattr(2) and
// file_setattr(2) take by path.
type fileAttr struct {
	xflags                                uint64
	extsize, nextents, projid, cowextsize uint32
}

// fileSetattr adds xflag to the extended flags of path by path, with
// file_getattr and file_setattr: no descriptor at all.
func fileSetattr(r *probeReport, path string, xflag uint32) {
	p, err := unix.BytePtrFromString(path)
	if err != nil {
		r.fail("file_setattr", err)
		return
	}
	var fa fileAttr
	const atFDCWD = uintptr(0xffffff9c) // AT_FDCWD as an int
	if _, _, e := unix.Syscall6(unix.SYS_FILE_GETATTR, atFDCWD, uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&fa)), unsafe.Sizeof(fa), 0, 0); e != 0 {
		r.fail("file_getattr(out/"+filepath.Base(path)+")", e)
		return
	}
	fa.xflags |= uint64(xflag)
	fa.nextents = 0 // read-only; file_setattr refuses anything else
	if _, _, e := unix.Syscall6(unix.SYS_FILE_SETATTR, atFDCWD, uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&fa)), unsafe.Sizeof(fa), 0, 0); e != 0 {
		r.fail("file_setattr(out/"+filepath.Base(path)+")", e)
	}
}

// setFlag adds flag to the flags of path with the ioctl req.
func setFlag(r *probeReport, path string, req uint64, flag uint32) {
	step := fmt.Sprintf("ioctl(out/%s, %#x)", filepath.Base(path), req)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		r.fail("open(out/"+filepath.Base(path)+", O_RDONLY)", err)
		return
	}
	defer unix.Close(fd)
	// Keep the flags the file has: ext4 refuses to clear FS_EXTENT_FL.
	old, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
	if err != nil {
		r.fail(step+": FS_IOC_GETFLAGS", err)
	}
	flags := int32(old | flag)
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(unsafe.Pointer(&flags))); e != 0 {
		r.fail(step, e)
	}
}

// setXflag adds xflag to the extended flags of path with
// FS_IOC_FSSETXATTR, the XFS-born interface to the same flags.
func setXflag(r *probeReport, path string, xflag uint32) {
	step := "ioctl(out/" + filepath.Base(path) + ", FS_IOC_FSSETXATTR)"
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		r.fail("open(out/"+filepath.Base(path)+", O_RDONLY)", err)
		return
	}
	defer unix.Close(fd)
	var fa fsxattr
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), fsIocFSGetXattr, uintptr(unsafe.Pointer(&fa))); e != 0 {
		r.fail(step+": FS_IOC_FSGETXATTR", e)
		return
	}
	fa.xflags |= xflag
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), fsIocFSSetXattr, uintptr(unsafe.Pointer(&fa))); e != 0 {
		r.fail(step, e)
	}
}

// Network probes get the witness's port, socket path or abstract name.

func loopback(family int, port string) (unix.Sockaddr, string) {
	p, _ := strconv.Atoi(port)
	if family == unix.AF_INET6 {
		return &unix.SockaddrInet6{Port: p, Addr: [16]byte{15: 1}}, "AF_INET6"
	}
	return &unix.SockaddrInet4{Port: p, Addr: [4]byte{127, 0, 0, 1}}, "AF_INET"
}

// tryTCP connects with plain TCP and with MPTCP, which Landlock's TCP
// rights do not cover.
func tryTCP(family int, a []string) (r probeReport) {
	sa, fam := loopback(family, probeArg(a, 0))
	for _, proto := range []int{0, unix.IPPROTO_MPTCP} {
		step := fmt.Sprintf("socket(%s, SOCK_STREAM, %d)", fam, proto)
		fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, proto)
		if err != nil {
			r.fail(step, err)
			continue
		}
		err = unix.Connect(fd, sa)
		unix.Close(fd)
		if err != nil {
			r.fail(step+": connect", err)
			continue
		}
		r.did("%s: connected", step)
	}
	return r
}

func tryTCP4(a []string) probeReport { return tryTCP(unix.AF_INET, a) }
func tryTCP6(a []string) probeReport { return tryTCP(unix.AF_INET6, a) }

// tryTCPListen listens on 127.0.0.1 at the port the doctor picked, with
// TCP and, failing that, with MPTCP, which Landlock's TCP rights do not
// cover. The listener stays open: the probe holds after reporting, and
// the witness connects to it from outside.
func tryTCPListen(a []string) (r probeReport) {
	sa, _ := loopback(unix.AF_INET, probeArg(a, 0))
	for _, proto := range []int{0, unix.IPPROTO_MPTCP} {
		step := fmt.Sprintf("socket(AF_INET, SOCK_STREAM, %d)", proto)
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, proto)
		if err != nil {
			r.fail(step, err)
			continue
		}
		if err := unix.Bind(fd, sa); err != nil {
			r.fail(step+": bind(127.0.0.1:"+probeArg(a, 0)+")", err)
			unix.Close(fd)
			continue
		}
		if err := unix.Listen(fd, 1); err != nil {
			r.fail(step+": listen", err)
			unix.Close(fd)
			continue
		}
		r.did("%s: listening on 127.0.0.1:%s", step, probeArg(a, 0))
		return r
	}
	return r
}

// tryUDP sends with sendto and with connect+write.
func tryUDP(family int, a []string) (r probeReport) {
	sa, fam := loopback(family, probeArg(a, 0))
	step := "socket(" + fam + ", SOCK_DGRAM)"
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		r.fail(step, err)
		return r
	}
	defer unix.Close(fd)
	if err := unix.Sendto(fd, probePayload, 0, sa); err != nil {
		r.fail("sendto", err)
	} else {
		r.did("sendto sent a datagram")
	}
	if err := unix.Connect(fd, sa); err != nil {
		r.fail("connect", err)
	} else if _, err := unix.Write(fd, probePayload); err != nil {
		r.fail("write", err)
	} else {
		r.did("write sent a datagram")
	}
	return r
}

func tryUDP4(a []string) probeReport { return tryUDP(unix.AF_INET, a) }
func tryUDP6(a []string) probeReport { return tryUDP(unix.AF_INET6, a) }

// udpDatagram is a UDP header (checksum 0: none, valid for IPv4) and
// payload, for the hand-made packets.
func udpDatagram(port int, payload []byte) []byte {
	b := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(b[0:], 9) // source port: discard
	binary.BigEndian.PutUint16(b[2:], uint16(port))
	binary.BigEndian.PutUint16(b[4:], uint16(8+len(payload)))
	return append(b, payload...)
}

// tryRaw sends a hand-made UDP datagram through a raw IP socket.
func tryRaw(a []string) (r probeReport) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		r.fail("socket(AF_INET, SOCK_RAW, IPPROTO_UDP)", err)
		return r
	}
	defer unix.Close(fd)
	port, _ := strconv.Atoi(probeArg(a, 0))
	if err := unix.Sendto(fd, udpDatagram(port, probePayload), 0, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		r.fail("sendto", err)
		return r
	}
	r.did("sent a raw IP packet")
	return r
}

// tryPacket sends a hand-made IPv4/UDP packet carrying the doctor's token
// on the loopback device through an AF_PACKET socket, below the whole IP
// stack. (IP drops it on arrival: a packet for 127.0.0.1 that did not
// come from the local IP stack is martian. The doctor watches the device.)
func tryPacket(a []string) (r probeReport) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, int(hostToNet16(unix.ETH_P_IP)))
	if err != nil {
		r.fail("socket(AF_PACKET, SOCK_DGRAM)", err)
		return r
	}
	defer unix.Close(fd)
	lo, err := loopbackIndex(fd)
	if err != nil {
		r.fail("SIOCGIFINDEX lo", err)
		return r
	}
	udp := udpDatagram(9, []byte(probeArg(a, 0)))
	ip := make([]byte, 20, 20+len(udp))
	ip[0] = 0x45 // IPv4, 5-word header
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(udp)))
	ip[8] = 64 // TTL
	ip[9] = unix.IPPROTO_UDP
	copy(ip[12:], []byte{127, 0, 0, 1})
	copy(ip[16:], []byte{127, 0, 0, 1})
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	sum = (sum >> 16) + (sum & 0xffff)
	sum += sum >> 16
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	to := &unix.SockaddrLinklayer{Protocol: hostToNet16(unix.ETH_P_IP), Ifindex: lo, Halen: 6}
	if err := unix.Sendto(fd, append(ip, udp...), 0, to); err != nil {
		r.fail("sendto(lo)", err)
		return r
	}
	r.did("sent a packet on lo")
	return r
}

func hostToNet16(v uint16) uint16 { return v<<8 | v>>8 }

// loopbackIndex asks the kernel, through any socket fd, for the index of
// the loopback device.
func loopbackIndex(fd int) (int, error) {
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return 0, err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr); err != nil {
		return 0, err
	}
	return int(ifr.Uint32()), nil
}

// tryNetlink dumps the network interfaces over NETLINK_ROUTE with plain
// write and read: the information is the prize, so the probe reports it.
func tryNetlink([]string) (r probeReport) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		r.fail("socket(AF_NETLINK, NETLINK_ROUTE)", err)
		return r
	}
	defer unix.Close(fd)
	req := make([]byte, unix.NLMSG_HDRLEN+unix.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(req[0:], uint32(len(req)))
	binary.NativeEndian.PutUint16(req[4:], unix.RTM_GETLINK)
	binary.NativeEndian.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	binary.NativeEndian.PutUint32(req[8:], 1) // sequence number
	req[unix.NLMSG_HDRLEN] = unix.AF_UNSPEC
	if _, err := unix.Write(fd, req); err != nil {
		r.fail("write(RTM_GETLINK)", err)
		return r
	}
	var names []string
	buf := make([]byte, 1<<16)
	for done := false; !done; {
		n, err := unix.Read(fd, buf)
		if err != nil {
			r.fail("read", err)
			break
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil || n == 0 {
			break
		}
		for _, m := range msgs {
			if m.Header.Type != unix.RTM_NEWLINK {
				done = done || m.Header.Type == unix.NLMSG_DONE || m.Header.Type == unix.NLMSG_ERROR
				continue
			}
			attrs, _ := syscall.ParseNetlinkRouteAttr(&m)
			for _, at := range attrs {
				if at.Attr.Type == unix.IFLA_IFNAME {
					names = append(names, strings.TrimRight(string(at.Value), "\x00"))
				}
			}
		}
	}
	if len(names) > 0 {
		r.did("read the host's interface list: %s", strings.Join(names, " "))
	}
	return r
}

// io_uring, enough of it to create a socket and connect it from the ring,
// where seccomp never sees the operations. Layouts from
// include/uapi/linux/io_uring.h; offsets into struct io_uring_params.
const (
	ioringOffSQRing  = 0
	ioringOffCQRing  = 0x8000000
	ioringOffSQEs    = 0x10000000
	ioringEnterWait  = 1 // IORING_ENTER_GETEVENTS
	ioringOpConnect  = 16
	ioringOpSocket   = 45 // Linux 5.19
	ioringSQESize    = 64
	ioringCQESize    = 16
	ioringParamsSize = 120
)

// ioRing is a mapped ring with one submission in flight at a time.
type ioRing struct {
	fd       int
	sq, cq   []byte
	sqes     []byte
	params   [ioringParamsSize]byte
	sqTail   *uint32
	sqMask   uint32
	sqArray  []byte
	cqHead   *uint32
	cqTail   *uint32
	cqMask   uint32
	cqesOff  uint32
	pinnedSA [16]byte // struct sockaddr_in for the connect operation
}

func (g *ioRing) u32(off int) uint32 { return binary.NativeEndian.Uint32(g.params[off:]) }

func ioUringSetup(entries uint32) (*ioRing, error) {
	g := &ioRing{}
	fd, _, e := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&g.params)), 0)
	if e != 0 {
		return nil, e
	}
	g.fd = int(fd)
	sqEntries, cqEntries := g.u32(0), g.u32(4)
	const sq, cq = 40, 80 // io_sqring_offsets, io_cqring_offsets
	var err error
	if g.sq, err = unix.Mmap(g.fd, ioringOffSQRing, int(g.u32(sq+24)+sqEntries*4), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err != nil {
		return g, err
	}
	if g.cq, err = unix.Mmap(g.fd, ioringOffCQRing, int(g.u32(cq+20)+cqEntries*ioringCQESize), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err != nil {
		return g, err
	}
	if g.sqes, err = unix.Mmap(g.fd, ioringOffSQEs, int(sqEntries*ioringSQESize), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED); err != nil {
		return g, err
	}
	g.sqTail = (*uint32)(unsafe.Pointer(&g.sq[g.u32(sq+4)]))
	g.sqMask = *(*uint32)(unsafe.Pointer(&g.sq[g.u32(sq+8)]))
	g.sqArray = g.sq[g.u32(sq+24):]
	g.cqHead = (*uint32)(unsafe.Pointer(&g.cq[g.u32(cq+0)]))
	g.cqTail = (*uint32)(unsafe.Pointer(&g.cq[g.u32(cq+4)]))
	g.cqMask = *(*uint32)(unsafe.Pointer(&g.cq[g.u32(cq+8)]))
	g.cqesOff = g.u32(cq + 20)
	return g, nil
}

// submit runs one operation and returns its result (a negated errno on
// failure, as the kernel puts it in the completion).
func (g *ioRing) submit(op uint8, fd int32, off, addr uint64, length uint32) (int32, error) {
	sqe := g.sqes[:ioringSQESize]
	clear(sqe)
	sqe[0] = op
	binary.NativeEndian.PutUint32(sqe[4:], uint32(fd))
	binary.NativeEndian.PutUint64(sqe[8:], off)
	binary.NativeEndian.PutUint64(sqe[16:], addr)
	binary.NativeEndian.PutUint32(sqe[24:], length)
	tail := atomic.LoadUint32(g.sqTail)
	binary.NativeEndian.PutUint32(g.sqArray[4*(tail&g.sqMask):], 0)
	atomic.StoreUint32(g.sqTail, tail+1)
	_, _, e := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(g.fd), 1, 1, ioringEnterWait, 0, 0)
	runtime.KeepAlive(g)
	if e != 0 {
		return 0, e
	}
	head := atomic.LoadUint32(g.cqHead)
	if head == atomic.LoadUint32(g.cqTail) {
		return 0, errors.New("no completion")
	}
	cqe := g.cq[g.cqesOff+ioringCQESize*(head&g.cqMask):]
	res := int32(binary.NativeEndian.Uint32(cqe[8:]))
	atomic.StoreUint32(g.cqHead, head+1)
	return res, nil
}

func (g *ioRing) close() {
	for _, m := range [][]byte{g.sq, g.cq, g.sqes} {
		if m != nil {
			unix.Munmap(m)
		}
	}
	unix.Close(g.fd)
}

// tryIOUring sets up a ring, then creates and connects a TCP socket with
// ring operations. A ring alone is already the hole: its operations
// bypass every seccomp rule.
func tryIOUring(a []string) (r probeReport) {
	g, err := ioUringSetup(4)
	if g != nil {
		defer g.close()
	}
	if err != nil {
		r.fail("io_uring_setup", err)
		return r
	}
	r.Effect = "io_uring_setup gave a ring, whose operations bypass seccomp"
	res, err := g.submit(ioringOpSocket, unix.AF_INET, unix.SOCK_STREAM, 0, 0)
	if err == nil && res < 0 {
		err = syscall.Errno(-res)
	}
	if err != nil {
		r.fail("IORING_OP_SOCKET", err)
		return r
	}
	defer unix.Close(int(res))
	p, _ := strconv.Atoi(probeArg(a, 0))
	binary.NativeEndian.PutUint16(g.pinnedSA[0:], unix.AF_INET)
	binary.BigEndian.PutUint16(g.pinnedSA[2:], uint16(p))
	copy(g.pinnedSA[4:], []byte{127, 0, 0, 1})
	cres, err := g.submit(ioringOpConnect, res, uint64(len(g.pinnedSA)), uint64(uintptr(unsafe.Pointer(&g.pinnedSA))), 0)
	if err == nil && cres < 0 {
		err = syscall.Errno(-cres)
	}
	if err != nil {
		r.fail("IORING_OP_CONNECT", err)
		return r
	}
	r.Effect = "io_uring created a TCP socket and connected it"
	return r
}

// UNIX socket probes.

func tryUnixConnect(a []string) (r probeReport) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		r.fail("socket(AF_UNIX, SOCK_STREAM)", err)
		return r
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: probeArg(a, 0)}); err != nil {
		r.fail("connect", err)
		return r
	}
	r.did("connected to the listener")
	return r
}

// tryUnixDgram addresses a datagram socket outside: from a datagram
// socket with sendto and sendmsg, and with sendmsg on a stream socket.
func tryUnixDgram(a []string) (r probeReport) {
	to := &unix.SockaddrUnix{Name: probeArg(a, 0)}
	if fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err != nil {
		r.fail("socket(AF_UNIX, SOCK_DGRAM)", err)
	} else {
		if err := unix.Sendto(fd, probePayload, 0, to); err != nil {
			r.fail("sendto", err)
		} else {
			r.did("sendto sent a datagram")
		}
		if _, err := unix.SendmsgN(fd, probePayload, nil, to, 0); err != nil {
			r.fail("sendmsg", err)
		} else {
			r.did("sendmsg sent a datagram")
		}
		unix.Close(fd)
	}
	if p, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err != nil {
		r.fail("socketpair(AF_UNIX, SOCK_DGRAM)", err)
	} else {
		if err := unix.Sendto(p[0], probePayload, 0, to); err != nil {
			r.fail("socketpair sendto", err)
		} else {
			r.did("sendto from a socketpair sent a datagram")
		}
		unix.Close(p[0])
		unix.Close(p[1])
	}
	if fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0); err != nil {
		r.fail("socket(AF_UNIX, SOCK_STREAM)", err)
	} else {
		if _, err := unix.SendmsgN(fd, probePayload, nil, to, 0); err != nil {
			r.fail("stream sendmsg with an address", err)
		} else {
			r.did("sendmsg on a stream socket sent a datagram")
		}
		unix.Close(fd)
	}
	return r
}

// Process probes get the witness process's pid and the address of its
// witnessMem.

func tryKill(a []string) (r probeReport) {
	pid, _ := strconv.Atoi(probeArg(a, 0))
	if err := unix.Kill(pid, unix.SIGUSR1); err != nil {
		r.fail("kill(SIGUSR1)", err)
	} else {
		r.did("kill sent SIGUSR1")
	}
	if pfd, err := unix.PidfdOpen(pid, 0); err != nil {
		r.fail("pidfd_open", err)
	} else {
		if err := unix.PidfdSendSignal(pfd, unix.SIGUSR1, nil, 0); err != nil {
			r.fail("pidfd_send_signal(SIGUSR1)", err)
		} else {
			r.did("pidfd_send_signal sent SIGUSR1")
		}
		unix.Close(pfd)
	}
	return r
}

var witnessMarker = []byte("ESCAPED!")

// tryPtrace attaches (probes run on the startup thread, where main.go's
// init keeps the goroutine, and ptrace needs one thread throughout) and
// pokes the marker into the witness's memory.
func tryPtrace(a []string) (r probeReport) {
	pid, _ := strconv.Atoi(probeArg(a, 0))
	addr, _ := strconv.ParseUint(probeArg(a, 1), 0, 64)
	if err := unix.PtraceAttach(pid); err != nil {
		r.fail("ptrace(PTRACE_ATTACH)", err)
		return r
	}
	r.did("attached to the process")
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, unix.WALL, nil); err != nil {
		r.fail("wait4", err)
	}
	if _, err := unix.PtracePokeData(pid, uintptr(addr), witnessMarker); err != nil {
		r.fail("ptrace(PTRACE_POKEDATA)", err)
	}
	if err := unix.PtraceDetach(pid); err != nil {
		r.fail("ptrace(PTRACE_DETACH)", err)
	}
	return r
}

func tryProcessVMWritev(a []string) (r probeReport) {
	pid, _ := strconv.Atoi(probeArg(a, 0))
	addr, _ := strconv.ParseUint(probeArg(a, 1), 0, 64)
	local := []unix.Iovec{{Base: &witnessMarker[0], Len: uint64(len(witnessMarker))}}
	remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: len(witnessMarker)}}
	if _, err := unix.ProcessVMWritev(pid, local, remote, 0); err != nil {
		r.fail("process_vm_writev", err)
	} else {
		r.did("process_vm_writev wrote")
	}
	mem := fmt.Sprintf("/proc/%d/mem", pid)
	if fd, err := unix.Open(mem, unix.O_WRONLY|unix.O_CLOEXEC, 0); err != nil {
		r.fail("open("+mem+")", err)
	} else {
		if _, err := unix.Pwrite(fd, witnessMarker, int64(addr)); err != nil {
			r.fail("pwrite("+mem+")", err)
		} else {
			r.did("wrote %s", mem)
		}
		unix.Close(fd)
	}
	return r
}

// tioclPasteSel is the TIOCLINUX subcode that pastes the console
// selection into the terminal's input (TIOCL_PASTESEL).
const tioclPasteSel = 3

// tryTIOCSTI pushes a byte into the input of the terminal on stdin (a pty
// the doctor opened), once with the plain request and once with junk in
// the upper 32 bits, which the kernel ignores and a careless filter not.
// Then it pastes with TIOCLINUX, the other injection the filter refuses;
// only a virtual console knows that request, so on the pty it fails even
// unconfined (ENOTTY) and its line in the report shows the filter's answer.
func tryTIOCSTI([]string) (r probeReport) {
	c := byte('#')
	for _, req := range []uint64{unix.TIOCSTI, 0xffffffff<<32 | unix.TIOCSTI} {
		_, _, e := unix.Syscall(unix.SYS_IOCTL, 0, uintptr(req), uintptr(unsafe.Pointer(&c)))
		if e != 0 {
			r.fail(fmt.Sprintf("ioctl(%#x)", req), e)
		} else {
			r.did("ioctl(TIOCSTI) succeeded")
		}
	}
	sub := byte(tioclPasteSel)
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, 0, unix.TIOCLINUX, uintptr(unsafe.Pointer(&sub))); e != 0 {
		r.fail("ioctl(TIOCLINUX, TIOCL_PASTESEL)", e)
	} else {
		r.did("ioctl(TIOCLINUX, TIOCL_PASTESEL) succeeded")
	}
	return r
}

// tryUserNS starts a child in a new user namespace, by clone and by
// unshare (the unshare syscall itself refuses a multi-threaded caller,
// so it runs in the forked child, as unshare(1) would).
func tryUserNS([]string) (r probeReport) {
	own := userNS()
	for _, v := range []struct {
		step string
		attr syscall.SysProcAttr
	}{
		{"clone(CLONE_NEWUSER)", syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER}},
		{"unshare(CLONE_NEWUSER)", syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWUSER}},
	} {
		out, err := runHelper([]string{"/proc/self/exe", "--doctor-probe", "userns-id"}, &v.attr)
		if err != nil {
			r.fail(v.step, err)
			continue
		}
		var child probeReport
		if child.unmarshal(out) == nil && child.Effect != own {
			r.did("%s: a child ran in a new user namespace", v.step)
		}
	}
	return r
}

// runHelper runs a helper probe and returns the line it printed; an
// error says why the helper could not start or how it failed.
func runHelper(argv []string, sys *syscall.SysProcAttr) (string, error) {
	outR, outW, err := pipe()
	if err != nil {
		return "", err
	}
	defer unix.Close(outR)
	pid, err := spawn(argv, "", [3]int{-1, outW, -1}, sys)
	unix.Close(outW)
	if err != nil {
		return "", errors.Unwrap(err)
	}
	out, timedOut := (&pipeReader{fd: outR}).line(time.Now().Add(probeTimeout))
	if timedOut {
		unix.Kill(pid, unix.SIGKILL)
	}
	ws, err := reap(pid)
	switch {
	case err != nil:
		return "", err
	case timedOut || !ws.Exited() || ws.ExitStatus() != 0:
		return "", errors.New(exitText(ws))
	}
	return out, nil
}

func userNS() string { return nsLink("user") }

// netNS names the network namespace of this process, as userNS does the
// user namespace.
func netNS() string { return nsLink("net") }

// nsLink reads /proc/self/ns/KIND: "KIND:[inode]", the same name for the
// same namespace in every PID namespace's /proc (namespaces(7)).
func nsLink(kind string) string {
	ns, err := os.Readlink("/proc/self/ns/" + kind)
	if err != nil {
		return err.Error()
	}
	return ns
}

// Kernel attack surface that no sandboxed tool needs: the prize of each
// probe below is a kernel object (a map, a counter, a key, a namespace, a
// child) through a call the filter refuses, so the probe reports it and
// closes it at once. The mount probe also leaves its mount for the
// witness to see and remove.

// tryBPF creates the smallest BPF object there is, a one-element array
// map: every BPF object is reachable kernel code.
func tryBPF([]string) (r probeReport) {
	// union bpf_attr for BPF_MAP_CREATE: map_type, key_size, value_size,
	// max_entries, map_flags; the kernel zeroes the rest.
	attr := [5]uint32{unix.BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0}
	fd, _, e := unix.Syscall(unix.SYS_BPF, unix.BPF_MAP_CREATE, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr))
	if e != 0 {
		r.fail("bpf(BPF_MAP_CREATE, BPF_MAP_TYPE_ARRAY)", e)
		return r
	}
	unix.Close(int(fd))
	r.did("bpf(BPF_MAP_CREATE) made an array map")
	return r
}

// tryPerfEvent opens a software counter on the calling thread, user time
// only: what perf_event_paranoid 2, the usual default, lets anyone open.
func tryPerfEvent([]string) (r probeReport) {
	attr := unix.PerfEventAttr{
		Type:   unix.PERF_TYPE_SOFTWARE,
		Config: unix.PERF_COUNT_SW_CPU_CLOCK,
		Bits:   unix.PerfBitExcludeKernel | unix.PerfBitExcludeHv,
	}
	attr.Size = uint32(unsafe.Sizeof(attr))
	fd, err := unix.PerfEventOpen(&attr, 0, -1, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		r.fail("perf_event_open(PERF_COUNT_SW_CPU_CLOCK, this thread)", err)
		return r
	}
	unix.Close(fd)
	r.did("perf_event_open gave a CPU clock counter")
	return r
}

// userfaultfd flags and the /dev/userfaultfd request (Linux 6.1), from
// include/uapi/linux/userfaultfd.h.
const (
	uffdUserModeOnly  = 1      // UFFD_USER_MODE_ONLY, Linux 5.11
	userfaultfdIOCNew = 0xaa00 // USERFAULTFD_IOC_NEW: _IO(0xAA, 0x00)
)

// tryUserfaultfd gets a userfaultfd, the classic tool for widening kernel
// race windows: plainly, with UFFD_USER_MODE_ONLY (which
// vm.unprivileged_userfaultfd=0 still grants anyone) and from
// /dev/userfaultfd.
func tryUserfaultfd([]string) (r probeReport) {
	for _, v := range []struct {
		step  string
		flags uintptr
	}{
		{"userfaultfd(O_CLOEXEC)", unix.O_CLOEXEC},
		{"userfaultfd(O_CLOEXEC|UFFD_USER_MODE_ONLY)", unix.O_CLOEXEC | uffdUserModeOnly},
	} {
		fd, _, e := unix.Syscall(unix.SYS_USERFAULTFD, v.flags, 0, 0)
		if e != 0 {
			r.fail(v.step, e)
			continue
		}
		unix.Close(int(fd))
		r.did("%s gave a userfaultfd", v.step)
	}
	dev, err := unix.Open("/dev/userfaultfd", unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		r.fail("open(/dev/userfaultfd)", err)
		return r
	}
	defer unix.Close(dev)
	fd, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(dev), userfaultfdIOCNew, unix.O_CLOEXEC)
	if e != 0 {
		r.fail("ioctl(/dev/userfaultfd, USERFAULTFD_IOC_NEW)", e)
		return r
	}
	unix.Close(int(fd))
	r.did("/dev/userfaultfd gave a userfaultfd")
	return r
}

// tryKeyring adds a key to the process keyring (created on demand, gone
// with the process) and joins a new session keyring: both are keyrings
// code the filter keeps out of reach.
func tryKeyring([]string) (r probeReport) {
	if id, err := unix.AddKey("user", "sandbox-doctor", probePayload, unix.KEY_SPEC_PROCESS_KEYRING); err != nil {
		r.fail("add_key(user, KEY_SPEC_PROCESS_KEYRING)", err)
	} else {
		r.did("add_key made key %d in the process keyring", id)
	}
	if id, err := unix.KeyctlJoinSessionKeyring("sandbox-doctor"); err != nil {
		r.fail("keyctl(KEYCTL_JOIN_SESSION_KEYRING)", err)
	} else {
		r.did("keyctl joined a new session keyring %d", id)
	}
	return r
}

// tryMount mounts a tmpfs on the directory "mnt" the doctor made in the
// writable root, and leaves it for the witness to see and unmount; then
// it builds a detached tmpfs with the new mount API, which it closes.
func tryMount(a []string) (r probeReport) {
	mnt := filepath.Join(probeArg(a, 0), "mnt")
	if err := unix.Mount("sandbox-doctor", mnt, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=16k"); err != nil {
		r.fail("mount(tmpfs, root/mnt)", err)
	} else {
		r.did("mount put a tmpfs on root/mnt")
	}
	fs, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		r.fail("fsopen(tmpfs)", err)
		return r
	}
	defer unix.Close(fs)
	if err := unix.FsconfigCreate(fs); err != nil {
		r.fail("fsconfig(FSCONFIG_CMD_CREATE)", err)
		r.did("fsopen gave a tmpfs context")
		return r
	}
	m, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, 0)
	if err != nil {
		r.fail("fsmount", err)
		r.did("fsopen and fsconfig made a tmpfs")
		return r
	}
	unix.Close(m)
	r.did("fsopen, fsconfig and fsmount made a detached tmpfs")
	return r
}

// trySetns joins the network namespace the probe is already in, through
// /proc/self/ns/net and through a pidfd (Linux 5.8): the call is the
// same that would join any namespace it can name. The thread is the
// startup thread, and the namespace is unchanged.
func trySetns([]string) (r probeReport) {
	if fd, err := unix.Open("/proc/self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
		r.fail("open(/proc/self/ns/net)", err)
	} else {
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			r.fail("setns(/proc/self/ns/net, CLONE_NEWNET)", err)
		} else {
			r.did("setns joined a network namespace through /proc/self/ns/net")
		}
		unix.Close(fd)
	}
	if fd, err := unix.PidfdOpen(os.Getpid(), 0); err != nil {
		r.fail("pidfd_open(self)", err)
	} else {
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			r.fail("setns(pidfd, CLONE_NEWNET)", err)
		} else {
			r.did("setns joined a network namespace through a pidfd")
		}
		unix.Close(fd)
	}
	return r
}

// cloneArgs is struct clone_args as of Linux 5.3 (CLONE_ARGS_SIZE_VER0).
type cloneArgs struct {
	flags      uint64
	pidfd      uint64
	childTID   uint64
	parentTID  uint64
	exitSignal uint64
	stack      uint64
	stackSize  uint64
	tls        uint64
}

// clone3ChildExit is how a child of clone3 ends, to tell it from others.
const clone3ChildExit = 42

// clone3 forks with clone3(2) and returns the child's pid; the child
// exits at once. The child is a copy of this process with one thread and
// no runtime to speak of, so until it exits it may only make raw system
// calls: no stack growth (nosplit, and RawSyscall is nosplit too), no
// allocation, no race instrumentation. Callers pass CLONE_CLEAR_SIGHAND,
// so that a stray signal cannot run Go's handler in the child.
//
//go:nosplit
//go:norace
func clone3(args *cloneArgs) (int, syscall.Errno) {
	pid, _, e := syscall.RawSyscall(unix.SYS_CLONE3, uintptr(unsafe.Pointer(args)), unsafe.Sizeof(*args), 0)
	if e == 0 && pid == 0 {
		syscall.RawSyscall(unix.SYS_EXIT_GROUP, clone3ChildExit, 0, 0)
	}
	return int(pid), e
}

// tryClone3 creates a child with clone3, whose flags the filter cannot
// read behind their pointer: plainly, and in a new user namespace, the
// prize of getting past the filter's clone rule.
func tryClone3([]string) (r probeReport) {
	for _, v := range []struct {
		step  string
		flags uint64
		what  string
	}{
		{"clone3", 0, "a child"},
		{"clone3(CLONE_NEWUSER)", unix.CLONE_NEWUSER, "a child in a new user namespace"},
	} {
		args := cloneArgs{flags: v.flags | unix.CLONE_CLEAR_SIGHAND, exitSignal: uint64(unix.SIGCHLD)}
		pid, e := clone3(&args)
		if e != 0 {
			r.fail(v.step, e)
			continue
		}
		ws, err := reap(pid)
		switch {
		case err != nil:
			r.fail(v.step+": wait4", err)
		case !ws.Exited() || ws.ExitStatus() != clone3ChildExit:
			r.Errors = append(r.Errors, v.step+": the child ended with "+exitText(ws))
		default:
			r.did("%s created %s", v.step, v.what)
		}
	}
	return r
}

// tryNoNewPrivs: with no_new_privs unset, a setuid or file-capability
// binary would run with its owner's privileges.
func tryNoNewPrivs([]string) (r probeReport) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		r.fail("read /proc/self/status", err)
		return r
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "NoNewPrivs:"); ok {
			v = strings.TrimSpace(v)
			if v == "0" {
				r.did("NoNewPrivs: 0, setuid binaries would elevate")
			} else {
				r.Errors = append(r.Errors, "NoNewPrivs: "+v)
			}
			return r
		}
	}
	r.Errors = append(r.Errors, "no NoNewPrivs line in /proc/self/status")
	return r
}

// tryMemfdExec copies the sandbox binary into a memfd and executes it
// with execveat(AT_EMPTY_PATH); the copy reports that it ran.
func tryMemfdExec([]string) (r probeReport) {
	fd, err := unix.MemfdCreate("sandbox-doctor", unix.MFD_CLOEXEC|unix.MFD_EXEC)
	if errors.Is(err, unix.EINVAL) { // before Linux 6.3, no MFD_EXEC
		fd, err = unix.MemfdCreate("sandbox-doctor", unix.MFD_CLOEXEC)
	}
	if err != nil {
		r.fail("memfd_create", err)
		return r
	}
	self, err := os.Open("/proc/self/exe")
	if err != nil {
		r.fail("open /proc/self/exe", err)
		return r
	}
	image, err := io.ReadAll(self)
	self.Close()
	for len(image) > 0 && err == nil {
		var n int
		if n, err = unix.Write(fd, image); err == nil {
			image = image[n:]
		}
	}
	if err != nil {
		r.fail("copy to memfd", err)
		return r
	}
	argv, _ := syscall.SlicePtrFromStrings([]string{"sandbox", "--doctor-probe", "memfd-ran"})
	envv, _ := syscall.SlicePtrFromStrings(os.Environ())
	empty := []byte{0}
	_, _, e := unix.Syscall6(unix.SYS_EXECVEAT, uintptr(fd), uintptr(unsafe.Pointer(&empty[0])),
		uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&envv[0])), unix.AT_EMPTY_PATH, 0)
	r.fail("execveat(memfd, AT_EMPTY_PATH)", e)
	return r
}

// witnessMem is the word the process probes try to overwrite in the
// witness process.
var witnessMem uint64

// runWitness is the process outside the sandbox that the signal, ptrace
// and process_vm_writev probes aim at. It prints its pid and the address
// of witnessMem, waits until the doctor closes its stdin, and prints how
// many SIGUSR1 it got and what witnessMem holds.
//
// The doctor starts it with SIGUSR1 blocked (spawnWitness), and it takes
// each SIGUSR1 from a signalfd as soon as it is pending: a second one
// sent while the first was still pending would be lost.
func runWitness() int {
	// Under Yama ptrace_scope 1 only ancestors may attach; the probe is a
	// sibling, and the control run must be able to succeed.
	unix.Prctl(unix.PR_SET_PTRACER, unix.PR_SET_PTRACER_ANY, 0, 0, 0)
	var usr1, mask unix.Sigset_t
	sigaddset(&usr1, unix.SIGUSR1)
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, nil, &mask); err != nil || !sigismember(&mask, unix.SIGUSR1) {
		errorf("--doctor-probe witness: must start with SIGUSR1 blocked")
		return exitUsage
	}
	sfd, err := unix.Signalfd(-1, &usr1, unix.SFD_CLOEXEC|unix.SFD_NONBLOCK)
	if err != nil {
		errorf("--doctor-probe witness: signalfd: %v", err)
		return exitSetup
	}
	var usr1Count int
	take := func() { // each read returns whole struct signalfd_siginfo, one per signal
		var info [8 * unsafe.Sizeof(unix.SignalfdSiginfo{})]byte
		for {
			n, err := unix.Read(sfd, info[:])
			if err != nil || n <= 0 {
				return
			}
			usr1Count += n / int(unsafe.Sizeof(unix.SignalfdSiginfo{}))
		}
	}
	fmt.Printf("%d %#x\n", os.Getpid(), uintptr(unsafe.Pointer(&witnessMem)))
	fds := []unix.PollFd{{Fd: 0, Events: unix.POLLIN}, {Fd: int32(sfd), Events: unix.POLLIN}}
	for stdinOpen := true; stdinOpen; {
		if _, err := unix.Poll(fds, -1); err != nil && err != unix.EINTR {
			break
		}
		if fds[1].Revents != 0 {
			take()
		}
		if fds[0].Revents != 0 {
			var b [512]byte
			n, err := unix.Read(0, b[:])
			stdinOpen = n > 0 || err == unix.EINTR || err == unix.EAGAIN
		}
	}
	// A signal already sent may still be on its way.
	for deadline := time.Now().Add(20 * time.Millisecond); time.Now().Before(deadline); {
		unix.Poll(fds[1:], int(time.Until(deadline)/time.Millisecond)+1)
		take()
	}
	fmt.Printf("%d %#x\n", usr1Count, atomic.LoadUint64(&witnessMem))
	return 0
}

// sigaddset and sigismember are sigaddset(3) and sigismember(3): signal
// n is bit n-1 of the set, whatever the word size of Sigset_t.
func sigaddset(set *unix.Sigset_t, sig unix.Signal) {
	w, b := sigbit(set, sig)
	set.Val[w] |= 1 << b
}

func sigismember(set *unix.Sigset_t, sig unix.Signal) bool {
	w, b := sigbit(set, sig)
	return set.Val[w]&(1<<b) != 0
}

func sigbit(set *unix.Sigset_t, sig unix.Signal) (word, bit uint) {
	bits := uint(8 * unsafe.Sizeof(set.Val[0]))
	n := uint(sig) - 1
	return n / bits, n % bits
}
