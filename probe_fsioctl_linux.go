//go:build linux

package main

// The fs-ioctl doctor vector: filesystem administration through ioctls on
// files and directories outside the writable root, each opened read-only
// (Landlock does not see ioctls on them; the filter refuses these request
// types, seccomp_ioctl.go). Which variants exist depends on the
// filesystem beneath the doctor's fixtures: btrfs (subvolume create), XFS
// (attributes set by handle, root only), ext2/ext4 without metadata_csum
// (FS_IOC_SETVERSION), ext4 or f2fs with the verity or encrypt feature.
// The rest answer ENOTTY or EOPNOTSUPP, and the vector is N/A.
//
// On a scratch filesystem (a loop device the tests mount, never the
// host's) the probe also sets the label and freezes and thaws the
// filesystem: on the host's own filesystem the control run would really
// relabel or freeze it.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Request numbers and structures, from include/uapi/linux/fs.h,
// fscrypt.h, fsverity.h, btrfs.h and fs/xfs/libxfs/xfs_fs.h.
const (
	fsIocGetVersion         = 0x80087601 // FS_IOC_GETVERSION
	fsIocSetVersion         = 0x40087602 // FS_IOC_SETVERSION
	fsIocSetEncryptionPol   = 0x800c6613 // FS_IOC_SET_ENCRYPTION_POLICY
	fsIocEnableVerity       = 0x40806685 // FS_IOC_ENABLE_VERITY
	fsIocGetFSLabel         = 0x81009431 // FS_IOC_GETFSLABEL
	fsIocSetFSLabel         = 0x41009432 // FS_IOC_SETFSLABEL
	fiFreeze                = 0xc0045877 // FIFREEZE
	fiThaw                  = 0xc0045878 // FITHAW
	btrfsIocSubvolCreate    = 0x5000940e // BTRFS_IOC_SUBVOL_CREATE
	xfsIocFDToHandle        = 0xc038586a // XFS_IOC_FD_TO_HANDLE
	xfsIocAttrMultiByHandle = 0x4048587b // XFS_IOC_ATTRMULTI_BY_HANDLE
	fsVerityFl              = 0x00100000 // FS_VERITY_FL
	fsEncryptFl             = 0x00000800 // FS_ENCRYPT_FL
	fsLabelMax              = 256
	scratchArg              = "scratch"
	byHandleXattr           = "user.sandbox-doctor-by-handle"
)

// xfsHandleReq is struct xfs_fsop_handlereq (64-bit layout).
type xfsHandleReq struct {
	fd       uint32
	_        uint32
	path     uintptr
	oflags   uint32
	_        uint32
	ihandle  uintptr
	ihandlen uint32
	_        uint32
	ohandle  uintptr
	ohandlen uintptr // __u32 *
}

// xfsAttrMultiOp is struct xfs_attr_multiop.
type xfsAttrMultiOp struct {
	opcode uint32 // ATTR_OP_SET = 2
	errno  int32
	name   uintptr
	value  uintptr
	length uint32
	flags  uint32 // 0: the user namespace
}

// xfsAttrMultiReq is struct xfs_fsop_attrmulti_handlereq.
type xfsAttrMultiReq struct {
	hreq    xfsHandleReq
	opcount uint32
	_       uint32
	ops     uintptr
}

// fsIoctlFiles are the fixtures outside; "byhandle" sits in the root.
var fsIoctlFiles = []string{"setversion", "verity"}

// fsIoctlState is what the fs-ioctl witness compares.
type fsIoctlState struct {
	entries  string // the names in out
	version  uint64
	verity   uint32 // FS_IOC_GETFLAGS of out/verity
	crypt    uint32 // of out/fscrypt
	byHandle string // xattrs of root/byhandle
	label    string
}

func readFSIoctlState(root, out string) fsIoctlState {
	var s fsIoctlState
	if f, err := os.Open(out); err == nil {
		names, _ := f.Readdirnames(-1)
		f.Close()
		s.entries = strings.Join(sortedStrings(names), " ")
	}
	if fd, err := unix.Open(filepath.Join(out, "setversion"), unix.O_RDONLY|unix.O_CLOEXEC, 0); err == nil {
		unix.Syscall(unix.SYS_IOCTL, uintptr(fd), fsIocGetVersion, uintptr(unsafe.Pointer(&s.version)))
		unix.Close(fd)
	}
	s.verity, _ = fileFlags(filepath.Join(out, "verity"))
	s.crypt, _ = fileFlags(filepath.Join(out, "fscrypt"))
	s.byHandle = xattrText(filepath.Join(root, "byhandle"))
	s.label = fsLabel(out)
	return s
}

func (s fsIoctlState) diff(after fsIoctlState) string {
	var d []string
	if after.entries != s.entries {
		d = append(d, fmt.Sprintf("out/ now holds [%s], not [%s]", after.entries, s.entries))
	}
	if after.version != s.version {
		d = append(d, fmt.Sprintf("out/setversion generation %d -> %d", s.version, after.version))
	}
	if after.verity&fsVerityFl != s.verity&fsVerityFl {
		d = append(d, "out/verity became a verity file (read-only for good)")
	}
	if after.crypt&fsEncryptFl != s.crypt&fsEncryptFl {
		d = append(d, "out/fscrypt became encrypted")
	}
	if after.byHandle != s.byHandle {
		d = append(d, fmt.Sprintf("root/byhandle extended attributes [%s] -> [%s]", s.byHandle, after.byHandle))
	}
	if after.label != s.label {
		d = append(d, fmt.Sprintf("the filesystem label %q -> %q", s.label, after.label))
	}
	return strings.Join(d, ", ")
}

// fsLabel is FS_IOC_GETFSLABEL of the filesystem holding dir.
func fsLabel(dir string) string {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return ""
	}
	defer unix.Close(fd)
	var label [fsLabelMax]byte
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), fsIocGetFSLabel, uintptr(unsafe.Pointer(&label))); e != 0 {
		return ""
	}
	return unix.ByteSliceToString(label[:])
}

func sortedStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

func arrangeFSIoctl(d *doctor, root, out string) (*witness, error) {
	if err := makeFiles([]string{out}, fsIoctlFiles); err != nil {
		return nil, err
	}
	if err := makeFiles([]string{root}, []string{"byhandle"}); err != nil {
		return nil, err
	}
	if err := os.Mkdir(filepath.Join(out, "fscrypt"), 0o755); err != nil {
		return nil, err
	}
	before := readFSIoctlState(root, out)
	args := []string{root, out}
	if d.scratch {
		args = append(args, scratchArg)
	}
	return &witness{
		args:  args,
		saw:   func() string { return before.diff(readFSIoctlState(root, out)) },
		close: func() {},
	}, nil
}

// ioctlPath opens path read-only and makes one ioctl on it.
func ioctlPath(r *probeReport, step, path string, req uintptr, arg unsafe.Pointer) bool {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		r.fail("open("+step+")", err)
		return false
	}
	defer unix.Close(fd)
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg)); e != 0 {
		r.fail(step, e)
		return false
	}
	return true
}

func tryFSIoctl(a []string) (r probeReport) {
	root, out := probeArg(a, 0), probeArg(a, 1)

	// btrfs: a subvolume in a directory outside, through its read-only fd.
	var vol [4096]byte // struct btrfs_ioctl_vol_args: __s64 fd; char name[4088]
	copy(vol[8:], "subvol")
	ioctlPath(&r, "BTRFS_IOC_SUBVOL_CREATE(out/subvol)", out, btrfsIocSubvolCreate, unsafe.Pointer(&vol))

	// The inode generation (ext2, ext4 without metadata_csum).
	v := uint64(0x5a5d)
	ioctlPath(&r, "FS_IOC_SETVERSION(out/setversion)", filepath.Join(out, "setversion"), fsIocSetVersion, unsafe.Pointer(&v))

	// fs-verity: the file becomes read-only for good; it wants a
	// read-only descriptor.
	var en [128]byte                          // struct fsverity_enable_arg
	*(*uint32)(unsafe.Pointer(&en[0])) = 1    // version
	*(*uint32)(unsafe.Pointer(&en[4])) = 1    // FS_VERITY_HASH_ALG_SHA256
	*(*uint32)(unsafe.Pointer(&en[8])) = 4096 // block_size
	ioctlPath(&r, "FS_IOC_ENABLE_VERITY(out/verity)", filepath.Join(out, "verity"), fsIocEnableVerity, unsafe.Pointer(&en))

	// fscrypt: a v1 policy needs no key; the directory is then
	// unreadable to anyone without it.
	pol := [12]byte{0, 1, 4, 0, 's', 'a', 'n', 'd', 'b', 'o', 'x', '!'} // v1, AES-256-XTS, AES-256-CTS
	ioctlPath(&r, "FS_IOC_SET_ENCRYPTION_POLICY(out/fscrypt)", filepath.Join(out, "fscrypt"), fsIocSetEncryptionPol, unsafe.Pointer(&pol))

	// XFS: an extended attribute set by handle, in the writable root
	// where setxattr is refused (a file capability the same way).
	xfsAttrByHandle(&r, filepath.Join(root, "byhandle"))

	if probeArg(a, 2) == scratchArg {
		label := [fsLabelMax]byte{'e', 's', 'c', 'a', 'p', 'e', 'd'}
		ioctlPath(&r, "FS_IOC_SETFSLABEL", out, fsIocSetFSLabel, unsafe.Pointer(&label))
		if ioctlPath(&r, "FIFREEZE", out, fiFreeze, nil) {
			r.did("FIFREEZE froze the filesystem")
			ioctlPath(&r, "FITHAW", out, fiThaw, nil)
		}
	}
	return r
}

// xfsAttrByHandle sets byHandleXattr on path with XFS's handle requests.
func xfsAttrByHandle(r *probeReport, path string) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		r.fail("open(root/byhandle)", err)
		return
	}
	defer unix.Close(fd)
	var handle [64]byte
	hlen := uint32(len(handle))
	req := xfsHandleReq{fd: uint32(fd), ohandle: uintptr(unsafe.Pointer(&handle)), ohandlen: uintptr(unsafe.Pointer(&hlen))}
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), xfsIocFDToHandle, uintptr(unsafe.Pointer(&req))); e != 0 {
		r.fail("XFS_IOC_FD_TO_HANDLE(root/byhandle)", e)
		return
	}
	name, _ := unix.BytePtrFromString(strings.TrimPrefix(byHandleXattr, "user."))
	value := []byte("1")
	op := xfsAttrMultiOp{opcode: 2, name: uintptr(unsafe.Pointer(name)), value: uintptr(unsafe.Pointer(&value[0])), length: 1}
	multi := xfsAttrMultiReq{
		hreq:    xfsHandleReq{ihandle: uintptr(unsafe.Pointer(&handle)), ihandlen: hlen},
		opcount: 1,
		ops:     uintptr(unsafe.Pointer(&op)),
	}
	// The handle names the file; the request goes through a directory
	// descriptor on the same filesystem.
	dir, err := unix.Open(filepath.Dir(path), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		r.fail("open(root)", err)
		return
	}
	defer unix.Close(dir)
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(dir), xfsIocAttrMultiByHandle, uintptr(unsafe.Pointer(&multi))); e != 0 {
		r.fail("XFS_IOC_ATTRMULTI_BY_HANDLE(root/byhandle, ATTR_OP_SET)", e)
		return
	}
	if op.errno != 0 {
		r.fail("XFS_IOC_ATTRMULTI_BY_HANDLE(root/byhandle): ATTR_OP_SET", errors.New(unix.ErrnoName(unix.Errno(-op.errno))))
	}
}
