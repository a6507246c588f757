package main

// User-space tests of the seccomp filter, on every OS.
//
// The filter buildSeccomp assembles is run two ways: in the x/net/bpf
// emulator, and in a small interpreter of the instructions the kernel's
// seccomp checker accepts, which reads seccomp_data exactly as the kernel
// does. Both must agree with an expectation written here by hand from the
// kernel's syscall tables (arch/x86/entry/syscalls/syscall_64.tbl and
// include/uapi/asm-generic/unistd.h) and from the kernel's own argument
// handling; nothing below reads archFor or seccompRules to decide what
// a syscall should get. The kernel tests are in seccomp_linux_test.go.

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

// The verdicts, spelled out from include/uapi/linux/seccomp.h and
// asm-generic/errno*.h rather than taken from seccomp.go.
const (
	scRetAllow   = 0x7fff0000 // SECCOMP_RET_ALLOW
	scRetKill    = 0x80000000 // SECCOMP_RET_KILL_PROCESS
	scRetEPERM   = 0x00050000 | 1
	scRetENOSYS  = 0x00050000 | 38
	scRetENOTSUP = 0x00050000 | 95 // EOPNOTSUPP
)

// AUDIT_ARCH_* values (include/uapi/linux/audit.h).
const (
	scAuditX86_64  = 0xc000003e
	scAuditI386    = 0x40000003
	scAuditAArch64 = 0xc00000b7
	scAuditARM     = 0x40000028
)

// Kernel constants the argument checks are about, written out again here.
const (
	scAFUnspec  = 0
	scAFUnix    = 1
	scAFInet    = 2
	scAFInet6   = 10
	scAFNetlink = 16
	scAFPacket  = 17
	scAFVsock   = 40
	scAFSMC     = 43

	scSockStream    = 1
	scSockDgram     = 2
	scSockRaw       = 3
	scSockRDM       = 4
	scSockSeqpacket = 5
	scSockPacket    = 10
	scSockNonblock  = 0x800
	scSockCloexec   = 0x80000

	scTCGETS    = 0x5401
	scTIOCSCTTY = 0x540e
	scTIOCSTI   = 0x5412
	scTIOCLINUX = 0x541c
	scFIONBIO   = 0x5421

	scTIOCVHANGUP = 0x5437
	scTIOCSETD    = 0x5423
	scTIOCEXCL    = 0x540c
	scFIONREAD    = 0x541b
	scTIOCGWINSZ  = 0x5413
	scFIOCLEX     = 0x5451

	scFSIocGetFlags   = 0x80086601
	scFSIocSetFlags   = 0x40086602
	scFSIoc32SetFlags = 0x40046602
	scFSIocFSSetXattr = 0x401c5820
	scFSIocFSGetXattr = 0x801c581f

	// include/uapi/linux/fs.h, fscrypt.h, fsverity.h, btrfs.h,
	// fs/xfs/libxfs/xfs_fs.h, fs/ext4/ext4.h, msdos_fs.h.
	scFICLONE            = 0x40049409
	scFICLONERANGE       = 0x4020940d
	scFIDEDUPERANGE      = 0xc0189436
	scFIEMAP             = 0xc020660b
	scFIFREEZE           = 0xc0045877
	scFITHAW             = 0xc0045878
	scFITRIM             = 0xc0185879
	scFIGETBSZ           = 0x00000002
	scFSIocGetFSLabel    = 0x81009431
	scFSIocSetFSLabel    = 0x41009432
	scFSIocGetFSUUID     = 0x80111500
	scFSIocGetVersion    = 0x80087601
	scFSIocSetVersion    = 0x40087602
	scFSIocSetEncPolicy  = 0x800c6613
	scFSIocGetEncPolicy  = 0x400c6615
	scFSIocAddEncKey     = 0xc0506617
	scFSIocEnableVerity  = 0x40806685
	scFSIocMeasureVerity = 0xc0046686
	scBtrfsSubvolCreate  = 0x5000940e
	scBtrfsSnapCreateV2  = 0x50009417
	scBtrfsSnapDestroy   = 0x5000940f
	scBtrfsSetDefault    = 0x40089413
	scXFSGoingDown       = 0x8004587d
	scXFSFDToHandle      = 0xc038586a
	scXFSAttrMultiByHdl  = 0x4048587b
	scXFSFSGeometry      = 0x8100587e
	scExt4SetFSUUID      = 0x4008662c
	scExt4ResizeFS       = 0x40086610
	scF2FSStartAtomic    = 0x0000f501
	scFATSetAttributes   = 0x40047211
	scFATGetAttributes   = 0x80047210

	scSIGCHLD         = 17
	scCloneVM         = 0x00000100
	scCloneFS         = 0x00000200
	scCloneFiles      = 0x00000400
	scCloneSighand    = 0x00000800
	scClonePidfd      = 0x00001000
	scCloneVfork      = 0x00004000
	scCloneThread     = 0x00010000
	scCloneNewNS      = 0x00020000
	scCloneSysvsem    = 0x00040000
	scCloneSettls     = 0x00080000
	scCloneParentTID  = 0x00100000
	scCloneChildClear = 0x00200000
	scCloneNewCgroup  = 0x02000000
	scCloneNewUTS     = 0x04000000
	scCloneNewIPC     = 0x08000000
	scCloneNewUser    = 0x10000000
	scCloneNewPID     = 0x20000000
	scCloneNewNet     = 0x40000000
	scCloneNewTime    = 0x00000080 // unshare(2) only; in clone(2) the low byte is the exit signal
)

// scCloneNewAll is every namespace flag clone(2) can take.
const scCloneNewAll = scCloneNewNS | scCloneNewCgroup | scCloneNewUTS | scCloneNewIPC |
	scCloneNewUser | scCloneNewPID | scCloneNewNet

// scWhen says in which configurations a syscall is denied.
type scWhen int

const (
	scAlways    scWhen = iota // whenever the filter is installed
	scNoNet                   // only with the network off
	scTruncate                // only with denyTruncate
	scSharedIPC               // unless ipcNamespace
	scNever                   // never: listed so a regression that denies it is caught by name
)

// scCond is the argument condition under which a syscall is denied, as the
// kernel would see the arguments.
type scCond int

const (
	scAny        scCond = iota // whatever the arguments
	scSocket                   // unless AF_UNIX with SOCK_STREAM or SOCK_SEQPACKET
	scDest                     // if the destination address (arg 4) is not NULL
	scIoctl                    // if the request is TIOCSTI, TIOCLINUX or sets inode flags
	scCloneNS                  // if clone flags ask for a namespace
	scUnshareNS                // if unshare flags ask for a namespace, time included
	scSetid1                   // if the mode in argument 1 has S_ISUID (04000) or S_ISGID (02000)
	scSetid2                   // same, mode in argument 2
	scSetid3                   // same, mode in argument 3
	scPid0                     // unless the pid in argument 0 is 0
	scPrioSelf                 // unless setpriority(PRIO_PROCESS, 0, ...)
	scIoprioSelf               // unless ioprio_set(IOPRIO_WHO_PROCESS, 0, ...)
	scPrlimit                  // unless pid 0 or new_limit (argument 2) NULL
)

// scSys is one syscall of the hand-written table: its numbers on x86_64 and
// on arm64 (-1 where the architecture lacks it) and how the filter must
// treat it. A number that no row names must be allowed.
type scSys struct {
	name         string
	amd64, arm64 int
	when         scWhen
	cond         scCond
	errno        uint32 // the verdict when denied
}

var scTable = []scSys{
	// Always denied or conditionally denied.
	{"ioctl", 16, 29, scAlways, scIoctl, scRetEPERM},
	{"clone", 56, 220, scAlways, scCloneNS, scRetEPERM},
	{"clone3", 435, 435, scAlways, scAny, scRetENOSYS},
	{"unshare", 272, 97, scAlways, scUnshareNS, scRetEPERM},
	{"setns", 308, 268, scAlways, scAny, scRetEPERM},
	{"bpf", 321, 280, scAlways, scAny, scRetEPERM},
	{"perf_event_open", 298, 241, scAlways, scAny, scRetEPERM},
	{"userfaultfd", 323, 282, scAlways, scAny, scRetEPERM},
	{"keyctl", 250, 219, scAlways, scAny, scRetEPERM},
	{"add_key", 248, 217, scAlways, scAny, scRetEPERM},
	{"request_key", 249, 218, scAlways, scAny, scRetEPERM},
	{"kexec_load", 246, 104, scAlways, scAny, scRetEPERM},
	{"kexec_file_load", 320, 294, scAlways, scAny, scRetEPERM},
	{"init_module", 175, 105, scAlways, scAny, scRetEPERM},
	{"finit_module", 313, 273, scAlways, scAny, scRetEPERM},
	{"delete_module", 176, 106, scAlways, scAny, scRetEPERM},
	{"reboot", 169, 142, scAlways, scAny, scRetEPERM},
	{"swapon", 167, 224, scAlways, scAny, scRetEPERM},
	{"swapoff", 168, 225, scAlways, scAny, scRetEPERM},
	{"acct", 163, 89, scAlways, scAny, scRetEPERM},
	{"quotactl", 179, 60, scAlways, scAny, scRetEPERM},
	{"quotactl_fd", 443, 443, scAlways, scAny, scRetEPERM},
	{"lookup_dcookie", 212, 18, scAlways, scAny, scRetEPERM},
	{"uselib", 134, -1, scAlways, scAny, scRetEPERM},
	{"iopl", 172, -1, scAlways, scAny, scRetEPERM},
	{"ioperm", 173, -1, scAlways, scAny, scRetEPERM},
	{"mount", 165, 40, scAlways, scAny, scRetEPERM},
	{"umount2", 166, 39, scAlways, scAny, scRetEPERM},
	{"pivot_root", 155, 41, scAlways, scAny, scRetEPERM},
	{"move_mount", 429, 429, scAlways, scAny, scRetEPERM},
	{"fsopen", 430, 430, scAlways, scAny, scRetEPERM},
	{"fsconfig", 431, 431, scAlways, scAny, scRetEPERM},
	{"fsmount", 432, 432, scAlways, scAny, scRetEPERM},
	{"fspick", 433, 433, scAlways, scAny, scRetEPERM},
	{"open_tree", 428, 428, scAlways, scAny, scRetEPERM},
	{"mount_setattr", 442, 442, scAlways, scAny, scRetEPERM},
	{"open_tree_attr", 467, 467, scAlways, scAny, scRetEPERM},
	{"name_to_handle_at", 303, 264, scAlways, scAny, scRetEPERM},
	{"open_by_handle_at", 304, 265, scAlways, scAny, scRetEPERM},
	{"file_setattr", 469, 469, scAlways, scAny, scRetEPERM},
	{"vhangup", 153, 58, scAlways, scAny, scRetEPERM},
	{"lsm_set_self_attr", 460, 460, scAlways, scAny, scRetEPERM},

	// Other processes' limits and scheduling: only the caller, as pid 0.
	{"prlimit64", 302, 261, scAlways, scPrlimit, scRetEPERM},
	{"setpriority", 141, 140, scAlways, scPrioSelf, scRetEPERM},
	{"sched_setaffinity", 203, 122, scAlways, scPid0, scRetEPERM},
	{"sched_setscheduler", 144, 119, scAlways, scPid0, scRetEPERM},
	{"sched_setparam", 142, 118, scAlways, scPid0, scRetEPERM},
	{"sched_setattr", 314, 274, scAlways, scPid0, scRetEPERM},
	{"ioprio_set", 251, 30, scAlways, scIoprioSelf, scRetEPERM},

	// SysV IPC, unless the command has an IPC namespace; POSIX queues always.
	{"shmget", 29, 194, scSharedIPC, scAny, scRetENOSYS},
	{"shmat", 30, 196, scSharedIPC, scAny, scRetENOSYS},
	{"shmctl", 31, 195, scSharedIPC, scAny, scRetENOSYS},
	{"shmdt", 67, 197, scSharedIPC, scAny, scRetENOSYS},
	{"semget", 64, 190, scSharedIPC, scAny, scRetENOSYS},
	{"semop", 65, 193, scSharedIPC, scAny, scRetENOSYS},
	{"semctl", 66, 191, scSharedIPC, scAny, scRetENOSYS},
	{"semtimedop", 220, 192, scSharedIPC, scAny, scRetENOSYS},
	{"msgget", 68, 186, scSharedIPC, scAny, scRetENOSYS},
	{"msgsnd", 69, 189, scSharedIPC, scAny, scRetENOSYS},
	{"msgrcv", 70, 188, scSharedIPC, scAny, scRetENOSYS},
	{"msgctl", 71, 187, scSharedIPC, scAny, scRetENOSYS},
	{"mq_open", 240, 180, scAlways, scAny, scRetENOSYS},
	{"mq_unlink", 241, 181, scAlways, scAny, scRetENOSYS},
	{"mq_timedsend", 242, 182, scAlways, scAny, scRetENOSYS},
	{"mq_timedreceive", 243, 183, scAlways, scAny, scRetENOSYS},
	{"mq_notify", 244, 184, scAlways, scAny, scRetENOSYS},
	{"mq_getsetattr", 245, 185, scAlways, scAny, scRetENOSYS},

	// Host-wide state (arch/x86/entry/syscalls/syscall_64.tbl, asm-generic/unistd.h).
	{"sethostname", 170, 161, scAlways, scAny, scRetEPERM},
	{"setdomainname", 171, 162, scAlways, scAny, scRetEPERM},
	{"settimeofday", 164, 170, scAlways, scAny, scRetEPERM},
	{"clock_settime", 227, 112, scAlways, scAny, scRetEPERM},
	{"adjtimex", 159, 171, scAlways, scAny, scRetEPERM},
	{"clock_adjtime", 305, 266, scAlways, scAny, scRetEPERM},
	{"syslog", 103, 116, scAlways, scAny, scRetEPERM},
	{"fanotify_init", 300, 262, scAlways, scAny, scRetEPERM},

	// Set-user/group-ID modes and extended attributes.
	{"chmod", 90, -1, scAlways, scSetid1, scRetEPERM},
	{"fchmod", 91, 52, scAlways, scSetid1, scRetEPERM},
	{"fchmodat", 268, 53, scAlways, scSetid2, scRetEPERM},
	{"fchmodat2", 452, 452, scAlways, scSetid2, scRetEPERM},
	{"open", 2, -1, scAlways, scSetid2, scRetEPERM},
	{"creat", 85, -1, scAlways, scSetid1, scRetEPERM},
	{"openat", 257, 56, scAlways, scSetid3, scRetEPERM},
	{"mknod", 133, -1, scAlways, scSetid1, scRetEPERM},
	{"mknodat", 259, 33, scAlways, scSetid2, scRetEPERM},
	{"openat2", 437, 437, scAlways, scAny, scRetENOSYS},
	{"setxattr", 188, 5, scAlways, scAny, scRetENOTSUP},
	{"lsetxattr", 189, 6, scAlways, scAny, scRetENOTSUP},
	{"fsetxattr", 190, 7, scAlways, scAny, scRetENOTSUP},
	{"removexattr", 197, 14, scAlways, scAny, scRetENOTSUP},
	{"lremovexattr", 198, 15, scAlways, scAny, scRetENOTSUP},
	{"fremovexattr", 199, 16, scAlways, scAny, scRetENOTSUP},
	{"setxattrat", 463, 463, scAlways, scAny, scRetENOTSUP},
	{"removexattrat", 466, 466, scAlways, scAny, scRetENOTSUP},

	{"truncate", 76, 45, scTruncate, scAny, scRetEPERM},

	{"socket", 41, 198, scNoNet, scSocket, scRetEPERM},
	{"socketpair", 53, 199, scNoNet, scSocket, scRetEPERM},
	{"sendto", 44, 206, scNoNet, scDest, scRetEPERM},
	{"connect", 42, 203, scNoNet, scAny, scRetEPERM},
	{"bind", 49, 200, scNoNet, scAny, scRetEPERM},
	{"listen", 50, 201, scNoNet, scAny, scRetEPERM},
	{"accept", 43, 202, scNoNet, scAny, scRetEPERM},
	{"accept4", 288, 242, scNoNet, scAny, scRetEPERM},
	{"sendmmsg", 307, 269, scNoNet, scAny, scRetEPERM},
	{"recvmmsg", 299, 243, scNoNet, scAny, scRetEPERM},
	{"io_uring_setup", 425, 425, scAlways, scAny, scRetENOSYS},
	{"io_uring_enter", 426, 426, scAlways, scAny, scRetENOSYS},
	{"io_uring_register", 427, 427, scAlways, scAny, scRetENOSYS},
	{"ptrace", 101, 117, scNoNet, scAny, scRetEPERM},
	{"process_vm_readv", 310, 270, scNoNet, scAny, scRetEPERM},
	{"process_vm_writev", 311, 271, scNoNet, scAny, scRetEPERM},
	{"pidfd_getfd", 438, 438, scNoNet, scAny, scRetEPERM},

	// Never denied. Anything absent from this table is allowed too; these
	// are named because a tool or the runtime needs them, or because the
	// design allows them on purpose (the socket calls on a held socket).
	{"read", 0, 63, scNever, scAny, 0},
	{"write", 1, 64, scNever, scAny, 0},
	{"close", 3, 57, scNever, scAny, 0},
	{"mmap", 9, 222, scNever, scAny, 0},
	{"mprotect", 10, 226, scNever, scAny, 0},
	{"rt_sigaction", 13, 134, scNever, scAny, 0},
	{"rt_sigprocmask", 14, 135, scNever, scAny, 0},
	{"rt_sigreturn", 15, 139, scNever, scAny, 0},
	{"sched_yield", 24, 124, scNever, scAny, 0},
	{"madvise", 28, 233, scNever, scAny, 0},
	{"getpid", 39, 172, scNever, scAny, 0},
	{"recvfrom", 45, 207, scNever, scAny, 0},
	{"sendmsg", 46, 211, scNever, scAny, 0},
	{"recvmsg", 47, 212, scNever, scAny, 0},
	{"shutdown", 48, 210, scNever, scAny, 0},
	{"getsockname", 51, 204, scNever, scAny, 0},
	{"getpeername", 52, 205, scNever, scAny, 0},
	{"setsockopt", 54, 208, scNever, scAny, 0},
	{"getsockopt", 55, 209, scNever, scAny, 0},
	{"fork", 57, -1, scNever, scAny, 0},
	{"vfork", 58, -1, scNever, scAny, 0},
	{"execve", 59, 221, scNever, scAny, 0},
	{"wait4", 61, 260, scNever, scAny, 0},
	{"kill", 62, 129, scNever, scAny, 0},
	{"ftruncate", 77, 46, scNever, scAny, 0},
	{"personality", 135, 92, scNever, scAny, 0},
	{"sigaltstack", 131, 132, scNever, scAny, 0},
	{"prctl", 157, 167, scNever, scAny, 0},
	{"futex", 202, 98, scNever, scAny, 0},
	{"restart_syscall", 219, 128, scNever, scAny, 0},
	{"clock_gettime", 228, 113, scNever, scAny, 0},
	{"exit_group", 231, 94, scNever, scAny, 0},
	{"newfstatat", 262, 79, scNever, scAny, 0},
	{"set_robust_list", 273, 99, scNever, scAny, 0},
	{"dup3", 292, 24, scNever, scAny, 0},
	{"pipe2", 293, 59, scNever, scAny, 0},
	{"kcmp", 312, 272, scNever, scAny, 0},
	{"seccomp", 317, 277, scNever, scAny, 0},
	{"getrandom", 318, 278, scNever, scAny, 0},
	{"memfd_create", 319, 279, scNever, scAny, 0},
	{"execveat", 322, 281, scNever, scAny, 0},
	{"statx", 332, 291, scNever, scAny, 0},
	{"rseq", 334, 293, scNever, scAny, 0},
	{"pidfd_open", 434, 434, scNever, scAny, 0},
	{"close_range", 436, 436, scNever, scAny, 0},
	{"faccessat2", 439, 439, scNever, scAny, 0},
	{"landlock_create_ruleset", 444, 444, scNever, scAny, 0},
	{"landlock_add_rule", 445, 445, scNever, scAny, 0},
	{"landlock_restrict_self", 446, 446, scNever, scAny, 0},
	{"getpriority", 140, 141, scNever, scAny, 0},
	{"sched_getaffinity", 204, 123, scNever, scAny, 0},
	{"ioprio_get", 252, 31, scNever, scAny, 0},
	{"setrlimit", 160, 164, scNever, scAny, 0},
	{"migrate_pages", 256, 238, scNever, scAny, 0},
	{"move_pages", 279, 239, scNever, scAny, 0},
	{"set_mempolicy", 238, 237, scNever, scAny, 0},

	// Recent additions allowed on purpose (seccomp.go says why, one by one).
	{"uretprobe", 335, -1, scNever, scAny, 0},
	{"uprobe", 336, -1, scNever, scAny, 0},
	{"pidfd_send_signal", 424, 424, scNever, scAny, 0},
	{"process_madvise", 440, 440, scNever, scAny, 0},
	{"epoll_pwait2", 441, 441, scNever, scAny, 0},
	{"memfd_secret", 447, 447, scNever, scAny, 0},
	{"process_mrelease", 448, 448, scNever, scAny, 0},
	{"futex_waitv", 449, 449, scNever, scAny, 0},
	{"set_mempolicy_home_node", 450, 450, scNever, scAny, 0},
	{"cachestat", 451, 451, scNever, scAny, 0},
	{"map_shadow_stack", 453, 453, scNever, scAny, 0},
	{"futex_wake", 454, 454, scNever, scAny, 0},
	{"futex_wait", 455, 455, scNever, scAny, 0},
	{"futex_requeue", 456, 456, scNever, scAny, 0},
	{"statmount", 457, 457, scNever, scAny, 0},
	{"listmount", 458, 458, scNever, scAny, 0},
	{"lsm_get_self_attr", 459, 459, scNever, scAny, 0},
	{"lsm_list_modules", 461, 461, scNever, scAny, 0},
	{"mseal", 462, 462, scNever, scAny, 0},
	{"getxattrat", 464, 464, scNever, scAny, 0},
	{"listxattrat", 465, 465, scNever, scAny, 0},
	{"file_getattr", 468, 468, scNever, scAny, 0},
	{"listns", 470, 470, scNever, scAny, 0},
	{"rseq_slice_yield", 471, 471, scNever, scAny, 0},
}

// scABI is what the test knows of one architecture, independently of
// archFor: its audit value, the foreign ABI the kernel also accepts on
// it, whether x32 numbers arrive under the native audit value, and other
// audit values the filter must kill.
type scABI struct {
	goarch  string
	native  uint32
	foreign uint32
	x32     bool
	others  []uint32
	// unassigned are the numbers no syscall has in the kernel's table
	// (lo..hi): every one must get ENOSYS.
	unassigned [][2]uint32
}

var scABIs = []scABI{
	{"amd64", scAuditX86_64, scAuditI386, true, []uint32{
		0, scAuditAArch64, scAuditARM, 0xffffffff,
		scAuditX86_64 &^ 0x80000000, // no __AUDIT_ARCH_64BIT
		scAuditX86_64 &^ 0x40000000, // no __AUDIT_ARCH_LE
		scAuditX86_64 + 1,
	}, [][2]uint32{{337, 423}, {472, 0xffffffff}}},
	{"arm64", scAuditAArch64, scAuditARM, false, []uint32{
		0, scAuditX86_64, scAuditI386, 0xffffffff,
		scAuditAArch64 &^ 0x80000000,
		scAuditAArch64 &^ 0x40000000,
		scAuditAArch64 - 1,
	}, [][2]uint32{{244, 259}, {295, 423}, {472, 0xffffffff}}},
}

func (a scABI) number(s scSys) int {
	if a.goarch == "amd64" {
		return s.amd64
	}
	return s.arm64
}

// byNumber indexes scTable by a's syscall numbers.
func (a scABI) byNumber(t *testing.T) map[uint32]scSys {
	m := map[uint32]scSys{}
	for _, s := range scTable {
		n := a.number(s)
		if n < 0 {
			continue
		}
		if prev, ok := m[uint32(n)]; ok {
			t.Fatalf("test table: %s and %s both have number %d on %s", prev.name, s.name, n, a.goarch)
		}
		m[uint32(n)] = s
	}
	return m
}

func scLookup(t *testing.T, name string) scSys {
	for _, s := range scTable {
		if s.name == name {
			return s
		}
	}
	t.Fatalf("test table has no syscall %q", name)
	return scSys{}
}

// scExpect is the verdict the filter for a, built with o, must return.
func scExpect(a scABI, byNR map[uint32]scSys, o seccompOptions, arch, nr uint32, args [6]uint64) uint32 {
	if arch != a.native {
		return scRetKill
	}
	if a.x32 && nr >= 0x40000000 {
		// x32 numbers (bit 30); higher ones are not valid x86_64
		// numbers either, and the kernel refuses them all the same.
		return scRetENOSYS
	}
	for _, u := range a.unassigned {
		if nr >= u[0] && nr <= u[1] {
			return scRetENOSYS
		}
	}
	s, ok := byNR[nr]
	if !ok {
		return scRetAllow
	}
	switch s.when {
	case scNever:
		return scRetAllow
	case scSharedIPC:
		if o.ipcNamespace {
			return scRetAllow
		}
	case scNoNet:
		if o.network {
			return scRetAllow
		}
	case scTruncate:
		if !o.denyTruncate {
			return scRetAllow
		}
	}
	if o.pidNamespace {
		// A pid names only the sandbox's processes; the process-group
		// forms still reach the caller's group outside.
		switch s.cond {
		case scPid0, scPrlimit:
			return scRetAllow
		case scPrioSelf:
			if int32(args[0]) == 1 { // PRIO_PGRP
				return s.errno
			}
			return scRetAllow
		case scIoprioSelf:
			if int32(args[0]) == 2 { // IOPRIO_WHO_PGRP
				return s.errno
			}
			return scRetAllow
		}
	}
	if scDenied(s.cond, args) {
		return s.errno
	}
	return scRetAllow
}

// scDenied models the argument conditions the way the kernel reads the
// arguments: int and unsigned int parameters are truncated to their low 32
// bits (socket's domain and type, ioctl's cmd); clone takes only the low 32
// bits of its flags (lower_32_bits in kernel/fork.c); pointers are whole.
func scDenied(c scCond, args [6]uint64) bool {
	switch c {
	case scAny:
		return true
	case scSocket:
		domain, typ := uint32(args[0]), uint32(args[1])&0xf // SOCK_TYPE_MASK
		return !(domain == scAFUnix && (typ == scSockStream || typ == scSockSeqpacket))
	case scDest:
		return args[4] != 0
	case scIoctl:
		return scIoctlDenied(uint32(args[1]))
	case scCloneNS:
		return uint32(args[0])&scCloneNewAll != 0
	case scSetid1, scSetid2, scSetid3:
		// mode_t is an unsigned int: the low word is what the kernel reads.
		return uint32(args[int(c-scSetid1)+1])&0o6000 != 0
	case scUnshareNS:
		// The kernel does not truncate unshare's flags, but refuses any
		// bit above the low 32 with EINVAL, so the low word decides.
		return uint32(args[0])&(scCloneNewAll|scCloneNewTime) != 0
	case scPid0:
		return int32(args[0]) != 0 // pid_t
	case scPrioSelf:
		return int32(args[0]) != 0 || int32(args[1]) != 0 // PRIO_PROCESS is 0
	case scIoprioSelf:
		return int32(args[0]) != 1 || int32(args[1]) != 0 // IOPRIO_WHO_PROCESS is 1
	case scPrlimit:
		return int32(args[0]) != 0 && args[2] != 0 // new_limit is a pointer
	}
	panic("unknown condition")
}

// scIoctlDenied models the ioctl rule from the request numbers'
// owners (Documentation/userspace-api/ioctl/ioctl-number.rst): the types
// only filesystems use are refused but for the requests ordinary tools
// make, plus a few single requests.
func scIoctlDenied(cmd uint32) bool {
	switch cmd {
	case scTIOCSTI, scTIOCLINUX, scTIOCVHANGUP, scTIOCSETD, scTIOCEXCL, scFSIocSetVersion, scFATSetAttributes:
		return true
	case scFICLONE, scFICLONERANGE, scFIDEDUPERANGE, scFSIocGetFlags, scFSIocFSGetXattr, scFIEMAP:
		return false
	}
	switch cmd >> 8 & 0xff { // _IOC_TYPE
	case 'f', 'X', 0x94, 0xf5:
		return true
	}
	return false
}

// scDataVM serialises struct seccomp_data for the x/net/bpf VM.
//
// The kernel hands a filter the struct in host byte order, and both hosts
// the filter supports are little-endian; a 32-bit load at offset k reads
// the host-order word at k. The VM, written for network packets, loads
// every word big-endian. So each 32-bit word is written big-endian at the
// offset where the kernel's load would find it, and the filter then sees
// the same value in both: nr at 0, arch at 4, the instruction pointer's
// low word at 8 and high word at 12, and args[i]'s low word at 16+8i and
// high word at 20+8i (low first, as a little-endian host stores a u64).
func scDataVM(nr, arch uint32, ip uint64, args [6]uint64) []byte {
	b := make([]byte, 64)
	be := binary.BigEndian
	be.PutUint32(b[0:], nr)
	be.PutUint32(b[4:], arch)
	be.PutUint32(b[8:], uint32(ip))
	be.PutUint32(b[12:], uint32(ip>>32))
	for i, a := range args {
		be.PutUint32(b[16+8*i:], uint32(a))
		be.PutUint32(b[20+8*i:], uint32(a>>32))
	}
	return b
}

// scDataKernel is struct seccomp_data as a little-endian kernel lays it out.
func scDataKernel(nr, arch uint32, ip uint64, args [6]uint64) []byte {
	b := make([]byte, 64)
	le := binary.LittleEndian
	le.PutUint32(b[0:], nr)
	le.PutUint32(b[4:], arch)
	le.PutUint64(b[8:], ip)
	for i, a := range args {
		le.PutUint64(b[16+8*i:], a)
	}
	return b
}

// Classic BPF opcodes (include/uapi/linux/filter.h, bpf_common.h).
const (
	scOpLdWAbs  = 0x20 // BPF_LD | BPF_W | BPF_ABS
	scOpAluAndK = 0x54 // BPF_ALU | BPF_AND | BPF_K
	scOpAluOrK  = 0x44 // BPF_ALU | BPF_OR | BPF_K
	scOpJa      = 0x05 // BPF_JMP | BPF_JA
	scOpJeqK    = 0x15 // BPF_JMP | BPF_JEQ | BPF_K
	scOpJgtK    = 0x25 // BPF_JMP | BPF_JGT | BPF_K
	scOpJgeK    = 0x35 // BPF_JMP | BPF_JGE | BPF_K
	scOpJsetK   = 0x45 // BPF_JMP | BPF_JSET | BPF_K
	scOpRetK    = 0x06 // BPF_RET | BPF_K
	scOpRetA    = 0x16 // BPF_RET | BPF_A
)

// scCheckKernelRules fails unless the kernel would accept prog: at most
// BPF_MAXINSNS instructions, every jump inside the program, a return last,
// and, as seccomp_check_filter demands, every absolute load a whole aligned
// word inside struct seccomp_data. It also refuses opcodes scEval does not
// know, so the interpreter never silently skips one.
func scCheckKernelRules(t *testing.T, prog []bpf.RawInstruction) {
	t.Helper()
	if len(prog) == 0 || len(prog) > 4096 {
		t.Fatalf("program has %d instructions; the kernel takes 1..4096", len(prog))
	}
	for pc, ins := range prog {
		rest := uint32(len(prog) - pc - 1)
		switch ins.Op {
		case scOpLdWAbs:
			if ins.K >= 64 || ins.K%4 != 0 {
				t.Fatalf("insn %d: load at offset %d; seccomp allows aligned words below 64", pc, ins.K)
			}
		case scOpJa:
			if ins.K >= rest {
				t.Fatalf("insn %d: jump of %d leaves the program", pc, ins.K)
			}
		case scOpJeqK, scOpJgtK, scOpJgeK, scOpJsetK:
			if uint32(ins.Jt) >= rest || uint32(ins.Jf) >= rest {
				t.Fatalf("insn %d: jump (%d, %d) leaves the program", pc, ins.Jt, ins.Jf)
			}
		case scOpAluAndK, scOpAluOrK, scOpRetK, scOpRetA:
		default:
			t.Fatalf("insn %d: opcode %#x unknown to this test's interpreter", pc, ins.Op)
		}
	}
	if op := prog[len(prog)-1].Op; op != scOpRetK && op != scOpRetA {
		t.Fatalf("last instruction %#x is not a return", op)
	}
}

// scEval runs prog over data (seccomp_data in kernel layout) like the
// kernel's classic BPF interpreter. It reports whether the run loaded
// anything past arch (the instruction pointer or an argument).
func scEval(prog []bpf.RawInstruction, data []byte) (ret uint32, readArgs bool) {
	var a uint32
	for pc := 0; pc < len(prog); pc++ {
		ins := prog[pc]
		switch ins.Op {
		case scOpLdWAbs:
			a = binary.LittleEndian.Uint32(data[ins.K:])
			if ins.K >= 8 {
				readArgs = true
			}
		case scOpAluAndK:
			a &= ins.K
		case scOpAluOrK:
			a |= ins.K
		case scOpJa:
			pc += int(ins.K)
		case scOpJeqK, scOpJgtK, scOpJgeK, scOpJsetK:
			pc += scJump(ins, a)
		case scOpRetK:
			return ins.K, readArgs
		case scOpRetA:
			return a, readArgs
		default:
			panic(fmt.Sprintf("opcode %#x", ins.Op)) // scCheckKernelRules ran first
		}
	}
	panic("ran off the end") // scCheckKernelRules ran first
}

// scJump is how far a conditional jump with a constant moves the program
// counter, given the accumulator a.
func scJump(ins bpf.RawInstruction, a uint32) int {
	var taken bool
	switch ins.Op {
	case scOpJeqK:
		taken = a == ins.K
	case scOpJgtK:
		taken = a > ins.K
	case scOpJgeK:
		taken = a >= ins.K
	case scOpJsetK:
		taken = a&ins.K != 0
	}
	if taken {
		return int(ins.Jt)
	}
	return int(ins.Jf)
}

// scConstAllow reimplements the kernel's seccomp_is_const_allow
// (kernel/seccomp.c), which fills the action cache when a filter is
// installed: it emulates the filter for one syscall number with only nr and
// arch known, and the syscall is cached as allowed only if the emulation
// reaches RET ALLOW without touching anything else. Any other load, and any
// opcode it does not model, makes the answer "not constant".
func scConstAllow(prog []bpf.RawInstruction, arch, nr uint32) bool {
	var a uint32
	for pc := 0; pc < len(prog); {
		ins := prog[pc]
		pc++
		switch ins.Op {
		case scOpLdWAbs:
			switch ins.K {
			case 0:
				a = nr
			case 4:
				a = arch
			default:
				return false
			}
		case scOpJa:
			pc += int(ins.K)
		case scOpJeqK, scOpJgtK, scOpJgeK, scOpJsetK:
			pc += scJump(ins, a)
		case scOpRetK:
			return ins.K == scRetAllow
		case scOpAluAndK:
			a &= ins.K
		default:
			return false
		}
	}
	return false
}

// scFilter is one assembled filter under test.
type scFilter struct {
	abi  scABI
	opts seccompOptions
	raw  []bpf.RawInstruction
	vm   *bpf.VM
	byNR map[uint32]scSys
}

func (f *scFilter) String() string {
	return fmt.Sprintf("%s network=%v denyTruncate=%v ipcNamespace=%v pidNamespace=%v", f.abi.goarch, f.opts.network, f.opts.denyTruncate, f.opts.ipcNamespace, f.opts.pidNamespace)
}

// scBuild assembles the filter for abi with o and checks that the kernel
// would take it.
func scBuild(t *testing.T, abi scABI, o seccompOptions) *scFilter {
	t.Helper()
	a := archFor(abi.goarch)
	if a == nil {
		t.Fatalf("archFor has no %s", abi.goarch)
	}
	raw, err := buildSeccomp(a, seccompRules(o))
	if err != nil {
		t.Fatalf("buildSeccomp(%s, %+v): %v", abi.goarch, o, err)
	}
	scCheckKernelRules(t, raw)
	insts, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatalf("%s: program does not disassemble", abi.goarch)
	}
	vm, err := bpf.NewVM(insts)
	if err != nil {
		t.Fatalf("%s: bpf.NewVM: %v", abi.goarch, err)
	}
	return &scFilter{abi: abi, opts: o, raw: raw, vm: vm, byNR: abi.byNumber(t)}
}

// run returns the verdict of both the VM and the kernel-layout interpreter,
// failing if they disagree.
func (f *scFilter) run(t *testing.T, arch, nr uint32, args [6]uint64) uint32 {
	const ip = 0x00007f0123456789
	got, err := f.vm.Run(scDataVM(nr, arch, ip, args))
	if err != nil {
		t.Fatalf("%v: VM: %v", f, err)
	}
	eval, _ := scEval(f.raw, scDataKernel(nr, arch, ip, args))
	if uint32(got) != eval {
		t.Fatalf("%v arch=%#x nr=%d args=%#x: VM says %s, interpreter %s", f, arch, nr, args, scVerdict(uint32(got)), scVerdict(eval))
	}
	return eval
}

func scVerdict(v uint32) string {
	switch v {
	case scRetAllow:
		return "ALLOW"
	case scRetKill:
		return "KILL_PROCESS"
	case scRetEPERM:
		return "ERRNO(EPERM)"
	case scRetENOSYS:
		return "ERRNO(ENOSYS)"
	case scRetENOTSUP:
		return "ERRNO(EOPNOTSUPP)"
	case 0x7fc00000:
		return "USER_NOTIF"
	}
	return fmt.Sprintf("%#08x", v)
}

func scOptionSets() []seccompOptions {
	var out []seccompOptions
	for _, net := range []bool{false, true} {
		for _, trunc := range []bool{false, true} {
			for _, ipc := range []bool{false, true} {
				out = append(out, seccompOptions{network: net, denyTruncate: trunc, ipcNamespace: ipc})
				if ipc { // the namespace engine sets both
					out = append(out, seccompOptions{network: net, denyTruncate: trunc, ipcNamespace: ipc, pidNamespace: true})
				}
			}
		}
	}
	return out
}

// scArgValues are argument words likely to sit on either side of a check.
var scArgValues = []uint64{
	0, 1, 2, 5, 10, 16, 17, 0x80, scSockStream | scSockCloexec | scSockNonblock,
	scSockSeqpacket | scSockCloexec, scSockDgram | scSockCloexec, scTIOCSTI, scTIOCLINUX, scTCGETS,
	scFSIocSetFlags, scFSIoc32SetFlags, scFSIocFSSetXattr, scFSIocGetFlags, scTIOCVHANGUP, scTIOCSETD, scTIOCEXCL,
	scFICLONE, scFICLONERANGE, scFIDEDUPERANGE, scFIEMAP, scFIFREEZE, scFSIocFSGetXattr,
	scBtrfsSubvolCreate, scXFSGoingDown, scFSIocSetVersion, scFATSetAttributes, 0x6600, 0x66ff,
	0x5800, 0x9400, 0xf500, 0x94ff, 0xffffffff00009409, 0x00000001_40049409,
	scCloneNewUser, scCloneNewNS | scSIGCHLD, scCloneVM | scCloneThread | scCloneSighand,
	scCloneNewTime | scSIGCHLD, 1 << 32, 1<<32 | 1, 2<<32 | 1, 1<<32 | 2, 0xdeadbeef00005412,
	scTIOCSTI << 32, scCloneNewUser << 32, 0xffffffff00000000, 0x00000000ffffffff,
	0xffffffffffffffff, 0x00007ffd12345678,
}

func scRandomArgs(r *rand.Rand) [6]uint64 {
	var args [6]uint64
	for i := range args {
		switch r.IntN(3) {
		case 0:
			args[i] = scArgValues[r.IntN(len(scArgValues))]
		case 1:
			args[i] = uint64(r.Uint32())
		default:
			args[i] = r.Uint64()
		}
	}
	return args
}

// TestSeccompFilterSweep runs every syscall number below 1024, and some
// above, through the amd64 and arm64 filters in every configuration, under
// the native, foreign and other audit values, and compares each verdict
// with the hand-written table.
func TestSeccompFilterSweep(t *testing.T) {
	var numbers []uint32
	for nr := uint32(0); nr < 1024; nr++ {
		numbers = append(numbers, nr)
	}
	numbers = append(numbers, 0x3fffffff, 0x7fffffff, 0x80000000, 0xbfffffff, 0xfffffffe, 0xffffffff)
	var x32 []uint32
	for nr := uint32(0); nr < 1024; nr++ {
		x32 = append(x32, nr|0x40000000)
	}

	for _, abi := range scABIs {
		for _, o := range scOptionSets() {
			f := scBuild(t, abi, o)
			t.Run(strings.ReplaceAll(f.String(), " ", "/"), func(t *testing.T) {
				r := rand.New(rand.NewPCG(uint64(abi.native), 1))
				runs, bad := 0, 0
				check := func(arch, nr uint32, args [6]uint64) {
					runs++
					got := f.run(t, arch, nr, args)
					want := scExpect(abi, f.byNR, o, arch, nr, args)
					if got != want {
						bad++
						if bad <= 20 {
							name := "?"
							if s, ok := f.byNR[nr]; ok {
								name = s.name
							}
							t.Errorf("arch=%#x nr=%d (%s) args=%#x: got %s, want %s",
								arch, nr, name, args, scVerdict(got), scVerdict(want))
						}
					}
				}
				ones := [6]uint64{}
				for i := range ones {
					ones[i] = ^uint64(0)
				}
				all := append(slices.Clone(numbers), x32...)
				for _, nr := range all {
					check(abi.native, nr, [6]uint64{})
					check(abi.native, nr, ones)
					for range 4 {
						check(abi.native, nr, scRandomArgs(r))
					}
					check(abi.foreign, nr, [6]uint64{})
					for _, other := range abi.others {
						check(other, nr, scRandomArgs(r))
					}
				}
				// The conditional rules get many more argument vectors.
				for _, s := range scTable {
					if s.cond == scAny || abi.number(s) < 0 {
						continue
					}
					for range 3000 {
						check(abi.native, uint32(abi.number(s)), scRandomArgs(r))
					}
				}
				if bad > 20 {
					t.Errorf("... %d mismatches in all", bad)
				}
				t.Logf("%d runs, %d instructions", runs, len(f.raw))
			})
		}
	}
}

// TestSeccompFilterArgs spells out the argument cases one by one.
func TestSeccompFilterArgs(t *testing.T) {
	type c struct {
		sys    string
		args   [6]uint64
		netOff uint32
		netOn  uint32
		why    string
	}
	const A, P, N = scRetAllow, scRetEPERM, scRetENOSYS
	cases := []c{
		{"socket", [6]uint64{scAFUnix, scSockStream}, A, A, "AF_UNIX stream"},
		{"socket", [6]uint64{scAFUnix, scSockSeqpacket}, A, A, "AF_UNIX seqpacket"},
		{"socket", [6]uint64{scAFUnix, scSockStream | scSockNonblock | scSockCloexec}, A, A, "flags masked off the type"},
		{"socket", [6]uint64{scAFUnix, scSockSeqpacket | scSockCloexec}, A, A, "flags masked off the type"},
		{"socket", [6]uint64{scAFUnix, scSockDgram}, P, A, "datagram can address any socket"},
		{"socket", [6]uint64{scAFUnix, scSockDgram | scSockCloexec | scSockNonblock}, P, A, "datagram with flags"},
		{"socket", [6]uint64{scAFUnix, scSockRaw}, P, A, ""},
		{"socket", [6]uint64{scAFUnix, scSockRDM}, P, A, ""},
		{"socket", [6]uint64{scAFUnix, scSockPacket}, P, A, ""},
		{"socket", [6]uint64{scAFUnspec, scSockStream}, P, A, ""},
		{"socket", [6]uint64{scAFInet, scSockStream}, P, A, ""},
		{"socket", [6]uint64{scAFInet, scSockDgram}, P, A, ""},
		{"socket", [6]uint64{scAFInet6, scSockStream}, P, A, ""},
		{"socket", [6]uint64{scAFNetlink, scSockRaw}, P, A, ""},
		{"socket", [6]uint64{scAFPacket, scSockRaw}, P, A, ""},
		{"socket", [6]uint64{scAFVsock, scSockStream}, P, A, ""},
		{"socket", [6]uint64{scAFSMC, scSockStream}, P, A, ""},
		{"socket", [6]uint64{0xdeadbeef<<32 | scAFUnix, scSockStream}, A, A, "kernel truncates the domain to AF_UNIX"},
		{"socket", [6]uint64{scAFInet<<32 | scAFUnix, scSockStream}, A, A, "kernel truncates the domain to AF_UNIX"},
		{"socket", [6]uint64{scAFUnix<<32 | scAFInet, scSockStream}, P, A, "AF_UNIX only in the high word: the kernel sees AF_INET"},
		{"socket", [6]uint64{scAFUnix<<32 | scAFInet6, scSockStream}, P, A, "AF_UNIX only in the high word: the kernel sees AF_INET6"},
		{"socket", [6]uint64{scAFUnix, 0xffffffff<<32 | scSockStream}, A, A, "kernel truncates the type to SOCK_STREAM"},
		{"socket", [6]uint64{scAFUnix, scSockStream<<32 | scSockDgram}, P, A, "SOCK_STREAM only in the high word"},
		{"chmod", [6]uint64{0, 0o755}, A, A, "plain permission bits"},
		{"chmod", [6]uint64{0, 0o4755}, P, P, "set-user-ID"},
		{"fchmod", [6]uint64{3, 0o2755}, P, P, "set-group-ID"},
		{"fchmod", [6]uint64{3, 0o6000<<32 | 0o644}, A, A, "high word ignored: mode_t is 32 bits"},
		{"fchmodat", [6]uint64{0, 0, 0o1777}, A, A, "sticky bit is no privilege"},
		{"fchmodat", [6]uint64{0, 0, 0o4711}, P, P, ""},
		{"fchmodat2", [6]uint64{0, 0, 0o6755, 0}, P, P, ""},
		{"openat", [6]uint64{0, 0, 0o101, 0o644}, A, A, "O_CREAT with a plain mode"},
		{"openat", [6]uint64{0, 0, 0o101, 0o4755}, P, P, "O_CREAT with set-user-ID"},
		{"openat", [6]uint64{0, 0, 0o4000, 0}, A, A, "the flags argument is not the mode"},
		{"mknodat", [6]uint64{0, 0, 0o10644}, A, A, "a FIFO"},
		{"mknodat", [6]uint64{0, 0, 0o102755}, P, P, "a set-group-ID file"},
		{"socketpair", [6]uint64{scAFUnix, scSockStream}, A, A, ""},
		{"socketpair", [6]uint64{scAFUnix, scSockSeqpacket | scSockCloexec}, A, A, ""},
		{"socketpair", [6]uint64{scAFUnix, scSockStream | scSockNonblock | scSockCloexec}, A, A, ""},
		{"socketpair", [6]uint64{scAFUnix, scSockDgram}, P, A, ""},
		{"socketpair", [6]uint64{scAFUnix, scSockRaw}, P, A, ""},
		{"socketpair", [6]uint64{scAFInet, scSockStream}, P, A, ""},
		{"socketpair", [6]uint64{0x1234<<32 | scAFUnix, scSockStream}, A, A, ""},
		{"socketpair", [6]uint64{scAFUnix<<32 | scAFNetlink, scSockRaw}, P, A, ""},

		{"sendto", [6]uint64{3, 0x1000, 1, 0, 0, 0}, A, A, "no destination"},
		{"sendto", [6]uint64{3, 0x1000, 1, 0, 0, 110}, A, A, "addrlen without an address is ignored"},
		{"sendto", [6]uint64{3, 0x1000, 1, 0, 0x00007ffd12345678, 110}, P, A, "destination address"},
		{"sendto", [6]uint64{3, 0x1000, 1, 0, 0x12345678, 110}, P, A, "low word only"},
		{"sendto", [6]uint64{3, 0x1000, 1, 0, 0x00007ffd00000000, 110}, P, A, "a pointer with a zero low word"},
		{"sendto", [6]uint64{3, 0x1000, 1, 0, 1, 0}, P, A, ""},

		{"ioctl", [6]uint64{0, scTIOCSTI, 0x1000}, P, P, "keystroke injection"},
		{"ioctl", [6]uint64{0, scTIOCLINUX, 0x1000}, P, P, "console paste"},
		{"ioctl", [6]uint64{0, 0xdeadbeef00000000 | scTIOCSTI, 0x1000}, P, P, "high bits: the kernel still sees TIOCSTI"},
		{"ioctl", [6]uint64{0, 0xffffffff00000000 | scTIOCLINUX, 0x1000}, P, P, "high bits: the kernel still sees TIOCLINUX"},
		{"ioctl", [6]uint64{0, scTIOCSTI << 32, 0x1000}, A, A, "TIOCSTI only in the high word: the kernel sees 0"},
		{"ioctl", [6]uint64{0, scTCGETS, 0x1000}, A, A, ""},
		{"ioctl", [6]uint64{0, scFIONBIO, 0x1000}, A, A, ""},
		{"ioctl", [6]uint64{0, scTIOCSCTTY, 0}, A, A, ""},
		{"ioctl", [6]uint64{scTIOCSTI, 0, 0}, A, A, "TIOCSTI as the fd is no request"},
		{"ioctl", [6]uint64{3, scFSIocSetFlags, 0x1000}, P, P, "chattr through a read-only fd"},
		{"ioctl", [6]uint64{3, scFSIoc32SetFlags, 0x1000}, P, P, "chattr, 32-bit flags"},
		{"ioctl", [6]uint64{3, scFSIocFSSetXattr, 0x1000}, P, P, "fsxattr flags"},
		{"ioctl", [6]uint64{3, 0xffffffff00000000 | scFSIocSetFlags, 0x1000}, P, P, "high bits: the kernel still sees FS_IOC_SETFLAGS"},
		{"ioctl", [6]uint64{3, scFSIocGetFlags, 0x1000}, A, A, "lsattr reads flags"},
		{"ioctl", [6]uint64{3, scFSIocFSGetXattr, 0x1000}, A, A, ""},
		{"ioctl", [6]uint64{0, scTIOCVHANGUP, 0}, P, P, "hangs up the user's terminal"},
		{"ioctl", [6]uint64{0, scTIOCSETD, 0}, P, P, "changes a terminal's line discipline"},
		{"ioctl", [6]uint64{0, scTIOCEXCL, 0}, P, P, "locks a terminal's owner out"},
		{"ioctl", [6]uint64{0, scFIONREAD, 0x1000}, A, A, ""},
		{"ioctl", [6]uint64{0, scTIOCGWINSZ, 0x1000}, A, A, ""},
		{"ioctl", [6]uint64{0, scFIOCLEX, 0}, A, A, ""},
		{"ioctl", [6]uint64{4, scFICLONE, 3}, A, A, "cp --reflink"},
		{"ioctl", [6]uint64{4, 0xffffffff00000000 | scFICLONE, 3}, A, A, "high bits: the kernel sees FICLONE"},
		{"ioctl", [6]uint64{4, scFICLONERANGE, 0x1000}, A, A, ""},
		{"ioctl", [6]uint64{3, scFIDEDUPERANGE, 0x1000}, A, A, ""},
		{"ioctl", [6]uint64{3, scFIEMAP, 0x1000}, A, A, "filefrag"},
		{"ioctl", [6]uint64{3, scFIGETBSZ, 0x1000}, A, A, ""},
		{"ioctl", [6]uint64{3, scFSIocGetFSUUID, 0x1000}, A, A, "type 0x15 is read-only"},
		{"ioctl", [6]uint64{3, scFSIocGetVersion, 0x1000}, A, A, "lsattr -v"},
		{"ioctl", [6]uint64{3, scFATGetAttributes, 0x1000}, A, A, ""},
		{"ioctl", [6]uint64{3, scFIFREEZE, 0}, P, P, "a frozen root hangs the host"},
		{"ioctl", [6]uint64{3, scFITHAW, 0}, P, P, ""},
		{"ioctl", [6]uint64{3, scFITRIM, 0x1000}, P, P, ""},
		{"ioctl", [6]uint64{3, scXFSGoingDown, 0x1000}, P, P, "ext4/XFS/f2fs shutdown"},
		{"ioctl", [6]uint64{3, scXFSFDToHandle, 0x1000}, P, P, ""},
		{"ioctl", [6]uint64{3, scXFSAttrMultiByHdl, 0x1000}, P, P, "plants a file capability"},
		{"ioctl", [6]uint64{3, scXFSFSGeometry, 0x1000}, P, P, "XFS queries go with their type"},
		{"ioctl", [6]uint64{3, scFSIocGetFSLabel, 0x1000}, P, P, "btrfs's type"},
		{"ioctl", [6]uint64{3, scFSIocSetFSLabel, 0x1000}, P, P, ""},
		{"ioctl", [6]uint64{3, scBtrfsSubvolCreate, 0x1000}, P, P, "btrfs subvolume create"},
		{"ioctl", [6]uint64{3, scBtrfsSnapCreateV2, 0x1000}, P, P, ""},
		{"ioctl", [6]uint64{3, scBtrfsSnapDestroy, 0x1000}, P, P, ""},
		{"ioctl", [6]uint64{3, scBtrfsSetDefault, 0x1000}, P, P, ""},
		{"ioctl", [6]uint64{3, 0xdead000000000000 | scBtrfsSubvolCreate, 0x1000}, P, P, "high bits"},
		{"ioctl", [6]uint64{3, scBtrfsSubvolCreate << 32, 0x1000}, A, A, "only in the high word: the kernel sees 0"},
		{"ioctl", [6]uint64{3, scFSIocSetEncPolicy, 0x1000}, P, P, "fscrypt"},
		{"ioctl", [6]uint64{3, scFSIocGetEncPolicy, 0x1000}, P, P, "fscrypt queries go with their type"},
		{"ioctl", [6]uint64{3, scFSIocAddEncKey, 0x1000}, P, P, ""},
		{"ioctl", [6]uint64{3, scFSIocEnableVerity, 0x1000}, P, P, "fs-verity on a read-only fd"},
		{"ioctl", [6]uint64{3, scFSIocMeasureVerity, 0x1000}, P, P, ""},
		{"ioctl", [6]uint64{3, scExt4SetFSUUID, 0x1000}, P, P, ""},
		{"ioctl", [6]uint64{3, scExt4ResizeFS, 0x1000}, P, P, ""},
		{"ioctl", [6]uint64{3, scF2FSStartAtomic, 0}, P, P, ""},
		{"ioctl", [6]uint64{3, scFSIocSetVersion, 0x1000}, P, P, ""},
		{"ioctl", [6]uint64{3, scFATSetAttributes, 0x1000}, P, P, ""},

		{"file_setattr", [6]uint64{0xffffff9c, 0x1000, 0x2000, 24, 0}, P, P, "chattr by path"},
		{"vhangup", [6]uint64{}, P, P, ""},
		{"lsm_set_self_attr", [6]uint64{}, P, P, ""},
		{"pidfd_getfd", [6]uint64{3, 4, 0}, P, A, ""},

		{"prlimit64", [6]uint64{0, 7, 0x1000, 0}, A, A, "setrlimit: the caller"},
		{"prlimit64", [6]uint64{1234, 7, 0, 0x1000}, A, A, "getter on another process"},
		{"prlimit64", [6]uint64{1234, 7, 0x1000, 0x2000}, P, P, "sets another process's limit"},
		{"prlimit64", [6]uint64{1234, 7, 0x00007ffd00000000, 0}, P, P, "new_limit with a zero low word"},
		{"prlimit64", [6]uint64{0xffffffff00000000, 7, 0x1000, 0}, A, A, "pid_t: the kernel sees 0"},
		{"prlimit64", [6]uint64{1234 << 32, 7, 0x1000, 0}, A, A, "pid only in the high word"},
		{"prlimit64", [6]uint64{0xffffffff, 7, 0x1000, 0}, P, P, "pid -1"},
		{"setpriority", [6]uint64{0, 0, 10}, A, A, "nice"},
		{"setpriority", [6]uint64{0, 1234, 10}, P, P, "renice -p"},
		{"setpriority", [6]uint64{1, 0, 10}, P, P, "the caller's process group may reach outside"},
		{"setpriority", [6]uint64{2, 0, 10}, P, P, "every process of the user"},
		{"setpriority", [6]uint64{0xffffffff00000000, 0xffffffff00000000, 10}, A, A, "high words ignored"},
		{"sched_setaffinity", [6]uint64{0, 8, 0x1000}, A, A, ""},
		{"sched_setaffinity", [6]uint64{1234, 8, 0x1000}, P, P, "taskset -p, pthread_setaffinity_np"},
		{"sched_setscheduler", [6]uint64{0, 3, 0x1000}, A, A, ""},
		{"sched_setscheduler", [6]uint64{1234, 5, 0x1000}, P, P, ""},
		{"sched_setparam", [6]uint64{1234, 0x1000}, P, P, ""},
		{"sched_setattr", [6]uint64{0, 0x1000, 0}, A, A, ""},
		{"sched_setattr", [6]uint64{1, 0x1000, 0}, P, P, ""},
		{"ioprio_set", [6]uint64{1, 0, 0x6000}, A, A, "ionice CMD"},
		{"ioprio_set", [6]uint64{1, 1234, 0x6000}, P, P, "ionice -p"},
		{"ioprio_set", [6]uint64{2, 0, 0x6000}, P, P, "process group"},
		{"ioprio_set", [6]uint64{3, 0, 0x6000}, P, P, "every process of the user"},
		{"getpriority", [6]uint64{2, 0}, A, A, ""},
		{"migrate_pages", [6]uint64{1234}, A, A, "Landlock's ptrace scope"},

		{"clone", [6]uint64{scSIGCHLD}, A, A, "fork"},
		{"clone", [6]uint64{scCloneVM | scCloneVfork | scSIGCHLD}, A, A, "vfork"},
		{"clone", [6]uint64{scCloneVM | scCloneFS | scCloneFiles | scCloneSighand | scCloneThread |
			scCloneSysvsem | scCloneSettls | scCloneParentTID | scCloneChildClear}, A, A, "a thread"},
		{"clone", [6]uint64{scClonePidfd | scSIGCHLD}, A, A, ""},
		{"clone", [6]uint64{scCloneNewTime}, A, A, "0x80 is the exit signal in clone"},
		{"clone", [6]uint64{scCloneNewTime | scSIGCHLD}, A, A, "exit signal 0x91"},
		{"clone", [6]uint64{0xff}, A, A, "any exit signal"},
		{"clone", [6]uint64{scCloneNewUser | scSIGCHLD}, P, P, ""},
		{"clone", [6]uint64{scCloneNewNS | scSIGCHLD}, P, P, ""},
		{"clone", [6]uint64{scCloneNewPID | scSIGCHLD}, P, P, ""},
		{"clone", [6]uint64{scCloneNewNet | scSIGCHLD}, P, P, ""},
		{"clone", [6]uint64{scCloneNewUTS | scSIGCHLD}, P, P, ""},
		{"clone", [6]uint64{scCloneNewIPC | scSIGCHLD}, P, P, ""},
		{"clone", [6]uint64{scCloneNewCgroup | scSIGCHLD}, P, P, ""},
		{"clone", [6]uint64{scCloneNewAll | scSIGCHLD}, P, P, ""},
		{"clone", [6]uint64{0xffffffff00000000 | scCloneNewUser}, P, P, ""},
		{"clone", [6]uint64{scCloneNewUser << 32}, A, A, "only in the high word, which clone ignores"},

		{"unshare", [6]uint64{scCloneNewTime}, P, P, "time namespace"},
		{"unshare", [6]uint64{scCloneNewUser}, P, P, ""},
		{"unshare", [6]uint64{scCloneNewNS}, P, P, ""},
		{"unshare", [6]uint64{scCloneNewNet}, P, P, ""},
		{"unshare", [6]uint64{scCloneNewPID}, P, P, ""},
		{"unshare", [6]uint64{scCloneNewUTS}, P, P, ""},
		{"unshare", [6]uint64{scCloneNewIPC}, P, P, ""},
		{"unshare", [6]uint64{scCloneNewCgroup}, P, P, ""},
		{"unshare", [6]uint64{scCloneFiles}, A, A, ""},
		{"unshare", [6]uint64{scCloneFS}, A, A, ""},
		{"unshare", [6]uint64{scCloneSysvsem}, A, A, ""},
		{"unshare", [6]uint64{0}, A, A, ""},
		{"unshare", [6]uint64{scCloneNewUser << 32}, A, A, "high bits alone: the kernel answers EINVAL"},

		{"clone3", [6]uint64{0x1000, 88}, N, N, "flags behind a pointer"},
		{"setns", [6]uint64{3, 0}, P, P, ""},
		{"bpf", [6]uint64{}, P, P, ""},
		{"mount", [6]uint64{}, P, P, ""},
		{"open_by_handle_at", [6]uint64{}, P, P, ""},

		{"connect", [6]uint64{3, 0x1000, 16}, P, A, ""},
		{"bind", [6]uint64{3, 0x1000, 16}, P, A, ""},
		{"listen", [6]uint64{3, 1}, P, A, ""},
		{"accept4", [6]uint64{3}, P, A, ""},
		{"sendmmsg", [6]uint64{3}, P, A, ""},
		{"recvmmsg", [6]uint64{3}, P, A, ""},
		{"io_uring_setup", [6]uint64{8, 0x1000}, N, N, "its operations bypass the filter, network or not"},
		{"io_uring_enter", [6]uint64{3}, N, N, ""},
		{"io_uring_register", [6]uint64{3}, N, N, ""},
		{"ptrace", [6]uint64{0}, P, A, "PTRACE_TRACEME"},
		{"process_vm_readv", [6]uint64{1}, P, A, ""},
		{"process_vm_writev", [6]uint64{1}, P, A, ""},
		{"sendmsg", [6]uint64{3, 0x1000}, A, A, "SCM_RIGHTS between sandboxed processes"},
		{"recvmsg", [6]uint64{3, 0x1000}, A, A, ""},
		{"recvfrom", [6]uint64{3, 0x1000, 1, 0, 0x1000, 0x2000}, A, A, ""},
		{"shutdown", [6]uint64{3, 1}, A, A, "libuv child stdio"},
		{"getsockopt", [6]uint64{3}, A, A, ""},
		{"ftruncate", [6]uint64{3}, A, A, "needs a writable fd, which Landlock checks"},
	}
	// In a PID namespace of the sandbox's own a pid names only its
	// processes; the process-group forms still reach the caller's group.
	pidNS := []struct {
		sys  string
		args [6]uint64
		want uint32
	}{
		{"setpriority", [6]uint64{0, 1234, 10}, scRetAllow},
		{"setpriority", [6]uint64{2, 0, 10}, scRetAllow},
		{"setpriority", [6]uint64{1, 0, 10}, scRetEPERM},
		{"ioprio_set", [6]uint64{1, 1234, 0x6000}, scRetAllow},
		{"ioprio_set", [6]uint64{3, 0, 0x6000}, scRetAllow},
		{"ioprio_set", [6]uint64{2, 0, 0x6000}, scRetEPERM},
		{"prlimit64", [6]uint64{1234, 7, 0x1000}, scRetAllow},
		{"sched_setaffinity", [6]uint64{1234, 8, 0x1000}, scRetAllow},
		{"sched_setscheduler", [6]uint64{1234, 5, 0x1000}, scRetAllow},
	}
	for _, abi := range scABIs {
		for _, o := range scOptionSets() {
			f := scBuild(t, abi, o)
			if o.pidNamespace {
				for _, tc := range pidNS {
					if nr := abi.number(scLookup(t, tc.sys)); nr >= 0 {
						if got := f.run(t, abi.native, uint32(nr), tc.args); got != tc.want {
							t.Errorf("%v: %s%#x: got %s, want %s", f, tc.sys, tc.args, scVerdict(got), scVerdict(tc.want))
						}
					}
				}
				continue
			}
			for _, tc := range cases {
				s := scLookup(t, tc.sys)
				nr := abi.number(s)
				if nr < 0 {
					continue
				}
				want := tc.netOff
				if o.network {
					want = tc.netOn
				}
				if got := f.run(t, abi.native, uint32(nr), tc.args); got != want {
					t.Errorf("%v: %s%#x: got %s, want %s (%s)", f, tc.sys, tc.args, scVerdict(got), scVerdict(want), tc.why)
				}
			}
			trunc := uint32(scLookup(t, "truncate").amd64)
			if abi.goarch == "arm64" {
				trunc = uint32(scLookup(t, "truncate").arm64)
			}
			want := uint32(scRetAllow)
			if o.denyTruncate {
				want = scRetEPERM
			}
			if got := f.run(t, abi.native, trunc, [6]uint64{0x1000}); got != want {
				t.Errorf("%v: truncate: got %s, want %s", f, scVerdict(got), scVerdict(want))
			}
		}
	}
}

// TestSeccompActionCache checks the filter against the kernel's action
// cache: a syscall the filter allows without reading an argument is
// answered from a bitmap without running the filter, so every syscall but
// the few with argument checks must be constant.
func TestSeccompActionCache(t *testing.T) {
	for _, abi := range scABIs {
		for _, o := range scOptionSets() {
			f := scBuild(t, abi, o)
			var argDep, constDeny []string
			cached := 0
			for nr := uint32(0); nr < 1024; nr++ {
				name := fmt.Sprintf("%d", nr)
				if s, ok := f.byNR[nr]; ok {
					name = fmt.Sprintf("%s(%d)", s.name, nr)
				}
				constant := scConstAllow(f.raw, abi.native, nr)
				_, readArgs := scEval(f.raw, scDataKernel(nr, abi.native, 0, [6]uint64{}))
				switch {
				case constant && readArgs:
					t.Fatalf("%v: %s: cached as allowed, yet the filter reads arguments", f, name)
				case constant:
					cached++
				case readArgs:
					argDep = append(argDep, name)
				default:
					constDeny = append(constDeny, name)
				}
				// Whatever the cache holds must be what the filter answers.
				if constant {
					if got := f.run(t, abi.native, nr, [6]uint64{scAFInet, scTIOCSTI, 1, 1, 1, 1}); got != scRetAllow {
						t.Errorf("%v: %s cached as allowed but the filter says %s", f, name, scVerdict(got))
					}
				}
			}
			var wantDep, wantDeny []string
			for _, s := range scTable {
				nr := abi.number(s)
				active := s.when == scAlways ||
					s.when == scNoNet && !o.network ||
					s.when == scTruncate && o.denyTruncate ||
					s.when == scSharedIPC && !o.ipcNamespace
				if o.pidNamespace && (s.cond == scPid0 || s.cond == scPrlimit) {
					active = false // a pid names only the sandbox's processes
				}
				if nr < 0 || !active {
					continue
				}
				name := fmt.Sprintf("%s(%d)", s.name, nr)
				if s.cond == scAny {
					wantDeny = append(wantDeny, name)
				} else {
					wantDep = append(wantDep, name)
				}
			}
			for _, u := range abi.unassigned {
				for nr := u[0]; nr <= min(u[1], 1023); nr++ {
					wantDeny = append(wantDeny, fmt.Sprintf("%d", nr))
				}
			}
			sort.Strings(argDep)
			sort.Strings(wantDep)
			sort.Strings(constDeny)
			sort.Strings(wantDeny)
			if !slices.Equal(argDep, wantDep) {
				t.Errorf("%v: syscalls whose verdict depends on arguments: got %v, want %v", f, argDep, wantDep)
			}
			if !slices.Equal(constDeny, wantDeny) {
				t.Errorf("%v: syscalls always denied: got %v, want %v", f, constDeny, wantDeny)
			}
			t.Logf("%v: %d of 1024 numbers cached as allowed; %d always denied; argument checks: %s",
				f, cached, len(constDeny), strings.Join(argDep, " "))
		}
	}
}

// TestSeccompTableMatchesArches compares the numbers in archFor with
// the hand-written table, so a wrong number is named rather than seen only
// as a wrong verdict somewhere in the sweep.
func TestSeccompTableMatchesArches(t *testing.T) {
	for _, abi := range scABIs {
		a := archFor(abi.goarch)
		if a == nil {
			t.Fatalf("archFor has no %s", abi.goarch)
		}
		if a.audit != abi.native {
			t.Errorf("%s: audit %#x, want %#x", abi.goarch, a.audit, abi.native)
		}
		if a.x32 != abi.x32 {
			t.Errorf("%s: x32 %v, want %v", abi.goarch, a.x32, abi.x32)
		}
		var un [][2]uint32
		for _, u := range a.unassigned {
			un = append(un, [2]uint32{u.lo, u.hi})
		}
		if !slices.Equal(un, abi.unassigned) {
			t.Errorf("%s: unassigned numbers %v, the kernel's table leaves %v", abi.goarch, un, abi.unassigned)
		}
		for name, nr := range a.nr {
			var s scSys
			found := false
			for _, row := range scTable {
				if row.name == name {
					s, found = row, true
				}
			}
			if !found {
				t.Errorf("%s: archFor names %s(%d), which the test table lacks", abi.goarch, name, nr)
				continue
			}
			if want := abi.number(s); int(nr) != want {
				t.Errorf("%s: %s is %d in archFor, %d in the kernel's table", abi.goarch, name, nr, want)
			}
		}
	}
}

// TestSeccompBuildLongJumps feeds buildSeccomp a made-up architecture with
// enough conditional rules that the search tree needs its unconditional
// long jumps (the production rules are too few to reach them), then runs
// of consecutive unconditional rules broken by another errno or by a gap
// (range tests), and checks every number against the same model as the
// real filter.
func TestSeccompBuildLongJumps(t *testing.T) {
	conds := []struct {
		code cond
		sc   scCond
	}{{always, scAny}, {ifCloneNS, scCloneNS}, {unlessUnixConn, scSocket}, {ifIoctlDenied, scIoctl}, {ifDestAddr, scDest}, {ifUnshareNS, scUnshareNS}}
	unassigned := [][2]uint32{{1650, 1690}, {1790, 0xffffffff}}
	arch := &seccompArch{name: "test", audit: scAuditX86_64, x32: true, nr: map[string]uint32{},
		unassigned: []numRange{{1650, 1690}, {1790, 0xffffffff}}}
	var rules []sysRule
	model := map[uint32]scSys{}
	for i := range 800 {
		name := fmt.Sprintf("sys%d", i)
		nr := uint32(2*i + 1)
		c := conds[i%len(conds)]
		errno := uint32(errnoEPERM)
		if i%7 == 0 {
			errno = errnoENOSYS
		}
		arch.nr[name] = nr
		rules = append(rules, sysRule{name, c.code, errno, "test"})
		model[nr] = scSys{name: name, when: scAlways, cond: c.sc, errno: 0x00050000 | errno}
	}
	for j := range 80 {
		if j%11 == 5 || j == 75 {
			continue // a number with no rule inside a run
		}
		name, nr := fmt.Sprintf("run%d", j), uint32(1700+j)
		errno := uint32(errnoEPERM)
		if j%9 == 0 {
			errno = errnoENOSYS
		}
		arch.nr[name] = nr
		rules = append(rules, sysRule{name, always, errno, "test"})
		model[nr] = scSys{name: name, when: scAlways, cond: scAny, errno: 0x00050000 | errno}
	}
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(rules), func(i, j int) { rules[i], rules[j] = rules[j], rules[i] })
	raw, err := buildSeccomp(arch, rules)
	if err != nil {
		t.Fatal(err)
	}
	scCheckKernelRules(t, raw)
	insts, _ := bpf.Disassemble(raw)
	long, ranges := 0, 0
	for _, ins := range insts {
		if _, ok := ins.(bpf.Jump); ok {
			long++
		}
		if j, ok := ins.(bpf.JumpIf); ok && j.Cond == bpf.JumpGreaterThan {
			ranges++ // only a range test compares nr > hi
		}
	}
	if long == 0 {
		t.Fatalf("%d instructions and no unconditional jump: the test no longer reaches the long-jump code", len(raw))
	}
	if ranges == 0 {
		t.Fatalf("%d instructions and no range test: the test no longer reaches the range code", len(raw))
	}
	vm, err := bpf.NewVM(insts)
	if err != nil {
		t.Fatal(err)
	}
	f := &scFilter{abi: scABI{goarch: "test", native: scAuditX86_64, x32: true, unassigned: unassigned}, raw: raw, vm: vm, byNR: model}
	r := rand.New(rand.NewPCG(5, 6))
	for nr := uint32(0); nr < 1800; nr++ {
		for range 10 {
			args := scRandomArgs(r)
			want := scExpect(f.abi, model, seccompOptions{}, scAuditX86_64, nr, args)
			if got := f.run(t, scAuditX86_64, nr, args); got != want {
				t.Fatalf("nr=%d args=%#x: got %s, want %s", nr, args, scVerdict(got), scVerdict(want))
			}
		}
	}
	t.Logf("%d instructions, %d long jumps, %d range tests", len(raw), long, ranges)
}

// TestSeccompBuildErrors checks that buildSeccomp refuses what it cannot
// build rather than emitting a filter that silently does less.
func TestSeccompBuildErrors(t *testing.T) {
	arch := &seccompArch{name: "test", audit: scAuditX86_64, nr: map[string]uint32{"a": 1, "b": 2, "c": 7},
		unassigned: []numRange{{5, 9}, {100, 0xffffffff}}}
	x32 := *arch
	x32.x32, x32.unassigned = true, []numRange{{5, 9}}
	for _, tc := range []struct {
		why   string
		arch  *seccompArch
		rules []sysRule
	}{
		{"two rules for one syscall", arch, []sysRule{{"a", always, errnoEPERM, ""}, {"a", ifCloneNS, errnoEPERM, ""}}},
		{"a condition without code", arch, []sysRule{{"b", cond(999), errnoEPERM, ""}}},
		{"a rule for an unassigned number", arch, []sysRule{{"c", always, errnoENOSYS, ""}}},
		{"x32 numbers not unassigned", &x32, []sysRule{{"a", always, errnoEPERM, ""}}},
	} {
		if _, err := buildSeccomp(tc.arch, tc.rules); err == nil {
			t.Errorf("%s: built without error", tc.why)
		}
	}
}

// BenchmarkBuildSeccomp is the filter's share of start-up: it is built
// before every command.
func BenchmarkBuildSeccomp(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := buildSeccomp(archFor("amd64"), seccompRules(seccompOptions{})); err != nil {
			b.Fatal(err)
		}
	}
}
