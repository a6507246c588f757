package main

// Which ioctl(2) requests the filter refuses, and why.
//
// Landlock sees an ioctl only on a device file opened after the sandbox
// started (ABI 5). On a regular file or a directory every request reaches
// the filesystem, whatever the descriptor was opened for: most
// administrative requests need no more than a read-only descriptor, or a
// directory descriptor, so a command can reach them on any file it can
// read. The review behind issue 12 showed btrfs subvolume creation,
// snapshots and deletion outside the writable trees (as an ordinary user
// too), an XFS attribute-by-handle request planting a file capability,
// freezing and shutting down the root filesystem, setting its label and
// UUID, and an fscrypt policy making a directory unreadable for good.
//
// The request number is _IOC(dir, type, nr, size): the type byte (bits
// 8-15) names the subsystem that owns it (Documentation/userspace-api/
// ioctl/ioctl-number.rst). The filter refuses by class, whole types that
// only filesystems use, so a request added to them later is refused too,
// and keeps by exact value the few requests of those types ordinary tools
// rely on. Only the low 32 bits are compared: the kernel's cmd is an
// unsigned int.
//
// Requests of other types that ordinary programs use stay allowed without
// a check: terminals ('T': TCGETS, TIOCGWINSZ, FIONREAD, FIONBIO, FIOCLEX),
// sockets, FIGETBSZ and FIBMAP (type 0), FS_IOC_GETFSUUID and
// FS_IOC_GETFSSYSFSPATH (type 0x15, read-only), pidfd and nsfs queries,
// and device requests, which Landlock ABI 5 confines to the devices the
// command already held open.
//
// Left to the capability bounding set rather than refused here: the
// administrative requests of rarer filesystems whose types other drivers
// share or which need CAP_SYS_ADMIN anyway (nilfs2 'n' 0x80-0x8f, OCFS2
// 'o', autofs 0x93, ceph 0x97, cifs 0xcf), and block-device requests (type
// 0x12) on kernels below Landlock ABI 5.

// ioctlTypeMask picks the type byte of a request.
const ioctlTypeMask = 0xff00

// ioctlDeniedTypes are the request types refused whole, as type<<8.
var ioctlDeniedTypes = [...]uint32{
	// 'f': the generic inode-flag requests (FS_IOC_SETFLAGS: chattr +i,
	// +a), ext4's administration (online resize, EXT4_IOC_SETFSUUID,
	// EXT4_IOC_SWAP_BOOT, EXT4_IOC_MIGRATE, journal checkpoint, the
	// generation number), fscrypt (FS_IOC_SET_ENCRYPTION_POLICY, adding
	// and removing keys, FS_IOC_GET_ENCRYPTION_PWSALT, which writes a salt
	// into the superblock) and fs-verity (FS_IOC_ENABLE_VERITY, which makes
	// a file immutable for good and wants a read-only descriptor). Kept:
	// FS_IOC_GETFLAGS (lsattr) and FS_IOC_FIEMAP (filefrag, cp).
	'f' << 8,
	// 'X': XFS's requests and the generic ones it lent its type to:
	// FS_IOC_FSSETXATTR (chattr's other door), FIFREEZE and FITHAW (a
	// frozen root hangs the host), FITRIM, the GOINGDOWN/shutdown request
	// ext4, XFS and f2fs share, growfs, reserved blocks, error injection,
	// bulkstat, and the handle requests (open by handle, read a link and
	// set extended attributes by handle: a file capability planted where
	// setxattr is refused). Kept: FS_IOC_FSGETXATTR (lsattr -p, project
	// quotas). XFS's read-only queries (xfs_info, xfs_bmap) are refused
	// with the rest: only xfsprogs uses them.
	'X' << 8,
	// 0x94: btrfs, whose every request but the cloning ones is
	// administration: subvolume and snapshot create and delete (allowed to
	// an ordinary user in a directory it owns, through a read-only
	// descriptor), set-default, send and receive, balance, scrub, device
	// add and remove, quotas, and the generic FS_IOC_SETFSLABEL (with
	// FS_IOC_GETFSLABEL) that grew out of btrfs. Kept: FICLONE,
	// FICLONERANGE and FIDEDUPERANGE (cp --reflink, ccache, package
	// managers), which act on descriptors Landlock checked and need the
	// destination open for writing.
	0x94 << 8,
	// 0xf5: f2fs's own requests (garbage collection, defragmentation,
	// pinning, compression, atomic writes): administration, and Android's
	// SQLite is the only ordinary user of any of them.
	0xf5 << 8,
}

// ioctlKeptRequests are allowed although their type is refused.
var ioctlKeptRequests = [...]uint32{
	ioctlFICLONE,
	ioctlFICLONERANGE,
	ioctlFIDEDUPERANGE,
	ioctlFSGetFlags,
	ioctlFSGetXattr,
	ioctlFIEMAP,
}

// ioctlDeniedRequests are refused by exact value, in types kept otherwise.
var ioctlDeniedRequests = [...]uint32{
	// Keystroke injection into the terminal the command inherited would
	// run commands in the user's shell after the sandbox exits.
	ioctlTIOCSTI,
	ioctlTIOCLINUX,
	// Hanging up the terminal kills the user's shell (vhangup(2) is
	// refused too).
	ioctlTIOCVHANGUP,
	// Changing a terminal's line discipline loads and runs line-discipline
	// code (n_gsm, n_hdlc, slip), a recurring source of kernel bugs, on
	// the pseudo-terminals a command may now open (slattach and pppd are
	// the only ordinary users).
	ioctlTIOCSETD,
	// Exclusive mode locks every later opener out of a terminal (EBUSY),
	// the user's own shell reopening it included; the command may open
	// its user's other terminals (and, as root, everyone's) in the
	// exec-only engine.
	ioctlTIOCEXCL,
	// FS_IOC_SETVERSION ('v'): sets an inode's generation number
	// through a read-only descriptor.
	ioctlFSSetVersion,
	// FAT_IOCTL_SET_ATTRIBUTES ('r'): sets the DOS attributes (read-only,
	// hidden, system) of a FAT file through a read-only descriptor.
	ioctlFATSetAttributes,
}

// Request numbers, the same on amd64 and arm64 (pinned against x/sys in
// seccomp_linux_test.go where it has them).
const (
	ioctlTIOCSTI          = 0x5412     // TIOCSTI
	ioctlTIOCLINUX        = 0x541c     // TIOCLINUX
	ioctlTIOCVHANGUP      = 0x5437     // TIOCVHANGUP
	ioctlTIOCSETD         = 0x5423     // TIOCSETD
	ioctlTIOCEXCL         = 0x540c     // TIOCEXCL
	ioctlFICLONE          = 0x40049409 // _IOW(0x94, 9, int)
	ioctlFICLONERANGE     = 0x4020940d // _IOW(0x94, 13, struct file_clone_range)
	ioctlFIDEDUPERANGE    = 0xc0189436 // _IOWR(0x94, 54, struct file_dedupe_range)
	ioctlFSGetFlags       = 0x80086601 // FS_IOC_GETFLAGS, _IOR('f', 1, long)
	ioctlFIEMAP           = 0xc020660b // FS_IOC_FIEMAP, _IOWR('f', 11, struct fiemap)
	ioctlFSGetXattr       = 0x801c581f // FS_IOC_FSGETXATTR, _IOR('X', 31, struct fsxattr)
	ioctlFSSetVersion     = 0x40087602 // FS_IOC_SETVERSION, _IOW('v', 2, long)
	ioctlFATSetAttributes = 0x40047211 // FAT_IOCTL_SET_ATTRIBUTES, _IOW('r', 0x11, __u32)
)

// ioctlBodyLen is the length of the ioctl rule's body (see body).
const ioctlBodyLen = 1 + len(ioctlDeniedRequests) + len(ioctlKeptRequests) + 1 + len(ioctlDeniedTypes)
