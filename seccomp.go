package main

// The seccomp-BPF filter, built as data and assembled with x/net/bpf.
//
// See seccomp(2) and https://docs.kernel.org/userspace-api/seccomp_filter.html.
//
// The filter allows by default and denies a short list: an allowlist would
// break whatever new syscall the next glibc starts using, while everything
// that matters for confinement is a short, stable list. The file system is
// Landlock's job; the filter covers what Landlock cannot see.
//
// Order of checks, for every syscall:
//
//  1. arch: anything but the native ABI (i386 int 0x80 on amd64, AArch32 on
//     arm64) kills the process. Those ABIs have other syscall numbers and
//     i386 has socketcall(2), whose arguments sit behind a pointer, so the
//     only safe answer is to refuse them whole.
//  2. the rules below, found by a search over the syscall number (see
//     buildSeccomp); all else is allowed. Among them, every number this
//     build does not know gets ENOSYS (see unassigned): the x32 ABI (amd64
//     numbers with bit 30 set, under the same AUDIT_ARCH_X86_64), and any
//     syscall a later kernel adds, which a deny list would otherwise let
//     through unexamined (file_setattr, Linux 6.17, sets inode flags).
//
// Argument checks read only the low 32 bits of int-typed arguments (socket
// domain and type, ioctl request, clone and unshare flags): the kernel
// truncates them, so high bits cannot smuggle a value past the filter, and
// a full 64-bit comparison could be dodged by setting them. Pointers
// (sendto's dest_addr) are compared in full.
//
// Network off, and UNIX sockets. Only AF_UNIX sockets can be created, and
// only the connection-oriented kinds (SOCK_STREAM, SOCK_SEQPACKET), by
// socket(2) or socketpair(2). Nothing can then reach a socket outside:
//   - connect(2), bind, listen, accept, accept4 are refused, so an AF_UNIX
//     stream socket can reach nothing but its socketpair peer. That covers
//     pathname sockets (docker.sock, ssh-agent, D-Bus), which Landlock does
//     not check before ABI 9, and abstract ones, which Landlock scopes only
//     from ABI 6.
//   - a datagram socket could address any socket with sendto/sendmsg and a
//     destination (/dev/log, the journal, sd_notify). sendmsg's destination
//     sits behind a pointer the filter cannot read, so datagram AF_UNIX
//     sockets are not created at all, and sendto with a destination address
//     is refused. On stream and seqpacket sockets the kernel rejects a
//     destination address by itself (EISCONN / EOPNOTSUPP).
//   - sendmsg/recvmsg/recvfrom stay allowed: they carry SCM_RIGHTS between
//     processes of the sandbox and cannot open a new path out.
//   - sendmmsg and recvmmsg are refused as upstream Codex does.
//   - shutdown, getsockopt, setsockopt, getsockname and getpeername stay
//     allowed, although upstream refuses them: they act on a socket the
//     process already holds and open no path out, and libuv calls
//     shutdown(2) on the socketpairs it uses for a child's stdio, so
//     refusing it breaks every Node.js child_process (npm, jest, tsc -b).
//   - ptrace and process_vm_readv/writev are refused (Landlock already
//     confines ptrace to the sandbox; this is defence in depth).
// So local IPC over socketpair (Python's asyncio self-pipe, multiprocessing
// over pipes, libuv child stdio) keeps working.
//
// Always, whenever the sandbox restricts anything:
//   - ioctl TIOCSTI and TIOCLINUX: injecting keystrokes into an inherited
//     terminal would run commands in the user's shell after we exit.
//   - ioctl TIOCVHANGUP and vhangup(2): hanging up the inherited terminal
//     kills the user's shell; TIOCSETD: line disciplines are kernel attack
//     surface, on the pseudo-terminals a command may open.
//   - filesystem administration by ioctl, by whole request type (chattr's
//     FS_IOC_SETFLAGS and FS_IOC_FSSETXATTR among them; see
//     seccomp_ioctl.go), and file_setattr(2): they change a file or a whole
//     filesystem through a read-only descriptor or a path, so Landlock
//     never sees them; as root, chattr +i or +a on a file outside would
//     outlive us.
//   - other processes' limits and scheduling (only pid 0, the caller), SysV
//     IPC (unless the command has an IPC namespace of its own) and POSIX
//     message queues; see seccompTable.
//   - io_uring, whole (ENOSYS, so libuv and Tokio fall back): its openat,
//     setxattr, socket and connect operations never pass through seccomp,
//     so it would undo every rule here, network on or off.
//   - privilege planted in file metadata, which Landlock does not cover and
//     which outlives the sandbox: set-user/group-ID bits (chmod and the
//     create calls with such a mode; openat2, whose mode sits behind a
//     pointer, gets ENOSYS so libc falls back to openat) and extended
//     attributes, among them file capabilities (EOPNOTSUPP, which cp -a,
//     tar and rsync take as "this filesystem has none").
//   - host-wide state root could change: hostname, clock, kernel log,
//     fanotify.
//   - new namespaces (clone, unshare with CLONE_NEW*, setns; clone3, whose
//     flags sit behind a pointer, gets ENOSYS so libc falls back to clone):
//     a user namespace hands out capabilities over fresh kernel objects.
//   - kernel attack surface no sandboxed tool needs: bpf, perf_event_open,
//     userfaultfd, keyrings, modules, kexec, reboot, swap, accounting,
//     quotas, iopl/ioperm, the mount API, file handles (open_by_handle_at
//     reads any file by inode number with CAP_DAC_READ_SEARCH, as root).

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"golang.org/x/net/bpf"
)

// Offsets into struct seccomp_data, which the filter reads:
//
//	struct seccomp_data {
//		int   nr;                  /* 0 */
//		__u32 arch;                /* 4 */
//		__u64 instruction_pointer; /* 8 */
//		__u64 args[6];             /* 16 */
//	};
//
// Both supported architectures are little-endian, so the low half of an
// argument comes first.
const (
	seccompDataNR   = 0
	seccompDataArch = 4
	seccompDataArgs = 16
)

func argLow(i int) uint32  { return uint32(seccompDataArgs + 8*i) }
func argHigh(i int) uint32 { return uint32(seccompDataArgs + 8*i + 4) }

// Return values (SECCOMP_RET_*) and the Linux errno numbers we return.
// Declared here, not taken from x/sys/unix, so the filter builds and is
// tested on every OS with Linux's values.
const (
	retKillProcess = 0x80000000
	retErrno       = 0x00050000
	retAllow       = 0x7fff0000

	errnoEPERM      = 1
	errnoENOSYS     = 38
	errnoEOPNOTSUPP = 95

	x32SyscallBit = 0x40000000
)

// Constants the argument checks compare against (same on amd64 and arm64;
// the ioctl requests are in seccomp_ioctl.go).
const (
	afUnix          = 1
	sockTypeMask    = 0xf
	sockStream      = 1
	sockSeqpacket   = 5
	cloneNamespaces = 0x00020000 | // CLONE_NEWNS
		0x02000000 | // CLONE_NEWCGROUP
		0x04000000 | // CLONE_NEWUTS
		0x08000000 | // CLONE_NEWIPC
		0x10000000 | // CLONE_NEWUSER
		0x20000000 | // CLONE_NEWPID
		0x40000000 // CLONE_NEWNET
	cloneNewTime     = 0x00000080 // unshare only: in clone(2) these bits are the exit signal
	modeSetid        = 0o6000     // S_ISUID | S_ISGID
	prioProcess      = 0          // PRIO_PROCESS, setpriority(2)'s which
	ioprioWhoProcess = 1          // IOPRIO_WHO_PROCESS, ioprio_set(2)'s which
	prioPgrp         = 1          // PRIO_PGRP
	ioprioWhoPgrp    = 2          // IOPRIO_WHO_PGRP
)

// seccompArch is one native syscall ABI the filter can be built for.
type seccompArch struct {
	name       string
	audit      uint32 // AUDIT_ARCH_*
	x32        bool   // numbers with x32SyscallBit set arrive under audit
	nr         map[string]uint32
	unassigned []numRange // numbers no syscall of this build has
}

// numRange is the syscall numbers lo..hi, both included.
type numRange struct{ lo, hi uint32 }

// newestSyscall is the highest syscall number this build knows, on both
// architectures (rseq_slice_yield; x/sys v0.49 knows it too). Every number
// above it is refused with ENOSYS, as a kernel that predates the syscall
// would answer: libc and language runtimes fall back, as they must on
// older kernels, and a syscall added later (file_setattr was, Linux 6.17,
// and set inode flags past the chattr rule) cannot slip past rules written
// before it. When the tables below learn a newer syscall, decide its rule
// (see the list above seccompTable) and raise this.
const newestSyscall = 471

// The numbers no syscall has, per architecture: the gaps where new
// architecture-specific syscalls land (amd64's run after uprobe; arm64's
// block reserved for architecture-specific calls, and its numbers below
// the common block that only 32-bit architectures use), and everything
// above newestSyscall, x32's bit-30 numbers included. All get ENOSYS.
var (
	amd64Unassigned = [...]numRange{{337, 423}, {newestSyscall + 1, 0xffffffff}}
	arm64Unassigned = [...]numRange{{244, 259}, {295, 423}, {newestSyscall + 1, 0xffffffff}}
)

// sysnum is one syscall number. The tables are static data, not maps, so
// that start-up pays nothing for the architecture it does not run on.
type sysnum struct {
	name string
	nr   uint32
}

var amd64Syscalls = [...]sysnum{
	{"ioctl", 16}, {"clone", 56}, {"clone3", 435}, {"unshare", 272}, {"setns", 308},
	{"socket", 41}, {"socketpair", 53}, {"connect", 42}, {"bind", 49}, {"listen", 50},
	{"accept", 43}, {"accept4", 288}, {"sendto", 44}, {"sendmmsg", 307}, {"recvmmsg", 299},
	{"getsockopt", 55}, {"setsockopt", 54}, {"getsockname", 51}, {"getpeername", 52},
	{"shutdown", 48}, {"io_uring_setup", 425}, {"io_uring_enter", 426},
	{"io_uring_register", 427}, {"ptrace", 101}, {"process_vm_readv", 310},
	{"process_vm_writev", 311}, {"bpf", 321}, {"perf_event_open", 298},
	{"userfaultfd", 323}, {"keyctl", 250}, {"add_key", 248}, {"request_key", 249},
	{"kexec_load", 246}, {"kexec_file_load", 320}, {"init_module", 175},
	{"finit_module", 313}, {"delete_module", 176}, {"reboot", 169}, {"swapon", 167},
	{"swapoff", 168}, {"acct", 163}, {"quotactl", 179}, {"quotactl_fd", 443},
	{"lookup_dcookie", 212}, {"uselib", 134}, {"iopl", 172}, {"ioperm", 173},
	{"mount", 165}, {"umount2", 166}, {"pivot_root", 155}, {"move_mount", 429},
	{"fsopen", 430}, {"fsconfig", 431}, {"fsmount", 432}, {"fspick", 433},
	{"open_tree", 428}, {"mount_setattr", 442}, {"open_tree_attr", 467},
	{"name_to_handle_at", 303}, {"open_by_handle_at", 304}, {"truncate", 76},
	{"chmod", 90}, {"fchmod", 91}, {"fchmodat", 268}, {"fchmodat2", 452}, {"open", 2},
	{"creat", 85}, {"openat", 257}, {"openat2", 437}, {"mknod", 133}, {"mknodat", 259},
	{"setxattr", 188}, {"lsetxattr", 189}, {"fsetxattr", 190}, {"removexattr", 197},
	{"lremovexattr", 198}, {"fremovexattr", 199}, {"setxattrat", 463}, {"removexattrat", 466},
	{"sethostname", 170}, {"setdomainname", 171}, {"settimeofday", 164},
	{"clock_settime", 227}, {"adjtimex", 159}, {"clock_adjtime", 305}, {"syslog", 103},
	{"fanotify_init", 300}, {"file_setattr", 469}, {"lsm_set_self_attr", 460},
	{"pidfd_getfd", 438}, {"vhangup", 153}, {"prlimit64", 302}, {"setpriority", 141},
	{"sched_setaffinity", 203}, {"sched_setscheduler", 144}, {"sched_setparam", 142},
	{"sched_setattr", 314}, {"ioprio_set", 251}, {"shmget", 29}, {"shmat", 30},
	{"shmctl", 31}, {"shmdt", 67}, {"semget", 64}, {"semop", 65}, {"semctl", 66},
	{"semtimedop", 220}, {"msgget", 68}, {"msgsnd", 69}, {"msgrcv", 70}, {"msgctl", 71},
	{"mq_open", 240}, {"mq_unlink", 241}, {"mq_timedsend", 242}, {"mq_timedreceive", 243},
	{"mq_notify", 244}, {"mq_getsetattr", 245},
}

var arm64Syscalls = [...]sysnum{
	{"ioctl", 29}, {"clone", 220}, {"clone3", 435}, {"unshare", 97}, {"setns", 268},
	{"socket", 198}, {"socketpair", 199}, {"connect", 203}, {"bind", 200}, {"listen", 201},
	{"accept", 202}, {"accept4", 242}, {"sendto", 206}, {"sendmmsg", 269}, {"recvmmsg", 243},
	{"getsockopt", 209}, {"setsockopt", 208}, {"getsockname", 204}, {"getpeername", 205},
	{"shutdown", 210}, {"io_uring_setup", 425}, {"io_uring_enter", 426},
	{"io_uring_register", 427}, {"ptrace", 117}, {"process_vm_readv", 270},
	{"process_vm_writev", 271}, {"bpf", 280}, {"perf_event_open", 241},
	{"userfaultfd", 282}, {"keyctl", 219}, {"add_key", 217}, {"request_key", 218},
	{"kexec_load", 104}, {"kexec_file_load", 294}, {"init_module", 105},
	{"finit_module", 273}, {"delete_module", 106}, {"reboot", 142}, {"swapon", 224},
	{"swapoff", 225}, {"acct", 89}, {"quotactl", 60}, {"quotactl_fd", 443},
	{"lookup_dcookie", 18}, {"mount", 40}, {"umount2", 39}, {"pivot_root", 41}, {"move_mount", 429},
	{"fsopen", 430}, {"fsconfig", 431}, {"fsmount", 432}, {"fspick", 433},
	{"open_tree", 428}, {"mount_setattr", 442}, {"open_tree_attr", 467},
	{"name_to_handle_at", 264}, {"open_by_handle_at", 265}, {"truncate", 45},
	{"fchmod", 52}, {"fchmodat", 53}, {"fchmodat2", 452}, {"openat", 56}, {"openat2", 437},
	{"mknodat", 33}, {"setxattr", 5}, {"lsetxattr", 6}, {"fsetxattr", 7}, {"removexattr", 14},
	{"lremovexattr", 15}, {"fremovexattr", 16}, {"setxattrat", 463}, {"removexattrat", 466},
	{"sethostname", 161}, {"setdomainname", 162}, {"settimeofday", 170},
	{"clock_settime", 112}, {"adjtimex", 171}, {"clock_adjtime", 266}, {"syslog", 116},
	{"fanotify_init", 262}, {"file_setattr", 469}, {"lsm_set_self_attr", 460},
	{"pidfd_getfd", 438}, {"vhangup", 58}, {"prlimit64", 261}, {"setpriority", 140},
	{"sched_setaffinity", 122}, {"sched_setscheduler", 119}, {"sched_setparam", 118},
	{"sched_setattr", 274}, {"ioprio_set", 30}, {"shmget", 194}, {"shmat", 196},
	{"shmctl", 195}, {"shmdt", 197}, {"semget", 190}, {"semop", 193}, {"semctl", 191},
	{"semtimedop", 192}, {"msgget", 186}, {"msgsnd", 189}, {"msgrcv", 188}, {"msgctl", 187},
	{"mq_open", 180}, {"mq_unlink", 181}, {"mq_timedsend", 182}, {"mq_timedreceive", 183},
	{"mq_notify", 184}, {"mq_getsetattr", 185},
}

// seccompArchNames are the architectures archFor knows.
var seccompArchNames = []string{"amd64", "arm64"}

// archFor returns the filter target for a GOARCH, or nil. It is made
// once a process (its map of some 370 names is most of a filter's
// building) and never changed after.
func archFor(goarch string) *seccompArch {
	switch goarch {
	case "amd64":
		return amd64Arch()
	case "arm64":
		return arm64Arch()
	}
	return nil
}

var (
	amd64Arch = sync.OnceValue(func() *seccompArch {
		return newSeccompArch(&seccompArch{name: "amd64", audit: 0xc000003e, x32: true, unassigned: amd64Unassigned[:]}, amd64Syscalls[:])
	})
	arm64Arch = sync.OnceValue(func() *seccompArch {
		return newSeccompArch(&seccompArch{name: "arm64", audit: 0xc00000b7, unassigned: arm64Unassigned[:]}, arm64Syscalls[:])
	})
)

// newSeccompArch fills a's map of names from table.
func newSeccompArch(a *seccompArch, table []sysnum) *seccompArch {
	a.nr = make(map[string]uint32, len(table))
	for _, s := range table {
		a.nr[s.name] = s.nr
	}
	return a
}

// cond is what a rule looks at before it denies.
type cond int

const (
	always               cond = iota // deny unconditionally
	unlessUnixConn                   // deny unless AF_UNIX and SOCK_STREAM or SOCK_SEQPACKET
	ifDestAddr                       // deny if the destination address pointer (arg 4) is set
	ifIoctlDenied                    // deny the requests of seccomp_ioctl.go
	ifCloneNS                        // deny clone flags creating namespaces
	ifUnshareNS                      // deny unshare flags creating namespaces
	ifSetidArg1                      // deny a mode (argument 1) with S_ISUID or S_ISGID
	ifSetidArg2                      // same, mode in argument 2
	ifSetidArg3                      // same, mode in argument 3
	unlessPid0                       // deny unless the pid (argument 0) is 0, the caller
	unlessPrioSelf                   // deny unless PRIO_PROCESS and who 0 (setpriority)
	unlessIoprioSelf                 // deny unless IOPRIO_WHO_PROCESS and who 0 (ioprio_set)
	unlessOwnOrGetter                // deny unless pid 0 or no new limit (prlimit64)
	ifPrioPgrp                       // deny PRIO_PGRP (setpriority)
	ifIoprioPgrp                     // deny IOPRIO_WHO_PGRP (ioprio_set)
	unlessInetOrUnixConn             // deny unless AF_INET, AF_INET6, or AF_UNIX stream/seqpacket (seccomp_loopback.go)
)

// sysRule denies one syscall, under a condition, with an errno.
type sysRule struct {
	name  string
	cond  cond
	errno uint32
	why   string
}

// seccompOptions selects the rules; the front-end's policy and the
// kernel's abilities decide them.
type seccompOptions struct {
	network      bool // network allowed: skip the network rules
	denyTruncate bool // Landlock cannot confine truncate(2) (ABI < 3)
	// ipcNamespace: the command runs in an IPC namespace of its own (the
	// namespace engine), so SysV IPC reaches only the sandbox's objects.
	ipcNamespace bool
	// loopbackOnly: the command has a network namespace of its own with
	// only a loopback (the namespace engine, network off). IP sockets are
	// then harmless and opened up; see seccomp_loopback.go.
	loopbackOnly bool
	// pidNamespace: the command runs in a PID namespace of its own (the
	// namespace engine), where a pid names only the sandbox's processes.
	// The rules on other processes' limits and scheduling then refuse
	// only the process-group forms (see pidNamespaceCond).
	pidNamespace bool
}

// ruleSet says when a rule of seccompTable applies.
type ruleSet uint8

const (
	anyPolicy  ruleSet = iota // whenever the sandbox restricts anything
	noNetwork                 // unless the network is allowed
	noTruncate                // when Landlock cannot confine truncate(2) (ABI < 3)
	sharedIPC                 // unless the command has an IPC namespace of its own
)

// seccompTable is every rule, with when it applies. It is static data,
// laid out by the compiler: the rules are picked before every command, and
// a list built in code would cost a large stack frame and its copying.
//
// File metadata is not a Landlock right. Two kinds of it plant privilege
// that outlives the sandbox, so they are refused anywhere: set-user/group-ID
// bits (at chmod or at creation) and extended attributes, which include
// file capabilities (security.capability). Plain permission bits stay
// allowed: tools chmod +x all the time.
//
// io_uring's operations (openat with any mode, setxattr, socket, connect)
// never pass through this filter, so it would undo the rules here as well
// as the network ones: it is refused even with the network on.
//
// Processes outside. Landlock confines ptrace-like access (ptrace,
// process_vm_*, pidfd_getfd, process_madvise, migrate_pages, move_pages,
// kcmp: everything that asks ptrace_may_access) to the sandbox, and from
// ABI 6 signals too. It does not see the calls that change another
// process's scheduling or limits, which need only the same user: prlimit64
// (RLIMIT_CPU kills the target, RLIMIT_NOFILE=3 breaks a shell),
// setpriority, the sched_set* calls and ioprio_set. Those are allowed only
// on the caller, named as pid 0 (who 0), because the filter cannot know
// any other pid of the sandbox: it is built before exec, and every child
// has a pid of its own. prlimit64 as a getter (no new limit) stays open.
// The cost: renice, taskset -p, chrt -p, ionice -p and prlimit --pid on
// other processes, and pthread_setaffinity_np / pthread_setschedparam,
// which name a thread by its TID even for the caller (OpenMP thread
// binding): they get EPERM, which they already meet without privileges.
//
// SysV IPC has no path and no owner but a uid: a command could attach,
// read and write any segment of its user, send to and remove any queue
// (the IDs are small integers, listed in /proc/sysvipc). Without an IPC
// namespace nothing tells the sandbox's objects apart, and IPC_PRIVATE
// does not help (shmat takes any ID), so the exec-only engine refuses all
// of it with ENOSYS, as a kernel built without CONFIG_SYSVIPC answers.
// That breaks programs that need a SysV segment (a PostgreSQL server,
// fakeroot's SysV flavour); Python's multiprocessing (POSIX semaphores in
// /dev/shm) and anything using mmap'd files are unaffected. The namespace
// engine gives the command an IPC namespace of its own and sets
// ipcNamespace, which lifts the rule.
//
// POSIX message queues are refused with ENOSYS always: mq_open reaches
// its queue through the kernel's internal mqueue mount, which Landlock
// refuses to open (EACCES) after the queue is created, and mq_unlink
// removed any queue of the user. Nothing could use a queue anyway; now
// nothing is created or removed either.
//
// Recent syscalls, one by one (424 and up; 334-336 are amd64's own).
// Refused, with their rule below: io_uring (425-427), the mount API
// (open_tree 428, move_mount 429, fsopen/fsconfig/fsmount/fspick 430-433,
// mount_setattr 442, open_tree_attr 467), clone3 (435) and openat2 (437)
// for their pointers, pidfd_getfd (438) with ptrace, quotactl_fd (443),
// fchmodat2 (452) under the set-ID rule, lsm_set_self_attr (460: it writes
// what /proc/self/attr holds, which Landlock keeps read-only), setxattrat
// and removexattrat (463, 466) under the xattr rule, file_setattr (469)
// under the chattr rule. Allowed, because they act only on the caller or
// only read: rseq (334), uretprobe and uprobe (335, 336: the kernel lets
// them past seccomp anyway), pidfd_send_signal (424, scoped by Landlock
// ABI 6 like kill), pidfd_open (434: no access by itself), close_range
// (436), faccessat2 (439), process_madvise (440: Landlock's ptrace scope),
// epoll_pwait2 (441), landlock_* (444-446: can only restrict), memfd_secret
// (447: the caller's memory), process_mrelease (448: only a process
// already being killed), futex_waitv and futex_wake/wait/requeue (449,
// 454-456), set_mempolicy_home_node (450: the caller's memory), cachestat
// (451: like mincore, on a descriptor it holds), map_shadow_stack (453),
// statmount and listmount (457-458: what /proc/self/mountinfo shows),
// lsm_get_self_attr and lsm_list_modules (459, 461), mseal (462: the
// caller's memory), getxattrat and listxattrat (464-465: reads),
// file_getattr (468: a read), listns (470: namespaces the caller may see)
// and rseq_slice_yield (471: gives up the caller's CPU).
var seccompTable = [...]struct {
	set ruleSet
	sysRule
}{
	{anyPolicy, sysRule{"ioctl", ifIoctlDenied, errnoEPERM, "keystroke injection, terminal hang-up; request types 'f' (chattr, ext4, fscrypt, fs-verity), 'X' (XFS, freeze, shutdown, by-handle), 0x94 (btrfs, label), 0xf5 (f2fs) but for the ones ordinary tools use; FS_IOC_SETVERSION, FAT attributes"}},
	{anyPolicy, sysRule{"file_setattr", always, errnoEPERM, "inode flags by path (chattr's newest door; its flags sit behind a pointer)"}},
	{anyPolicy, sysRule{"vhangup", always, errnoEPERM, "hangs up the terminal the command inherited, killing the user's shell"}},
	{anyPolicy, sysRule{"lsm_set_self_attr", always, errnoEPERM, "writes /proc/self/attr, which Landlock keeps read-only"}},
	{anyPolicy, sysRule{"clone", ifCloneNS, errnoEPERM, "new namespaces"}},
	{anyPolicy, sysRule{"clone3", always, errnoENOSYS, "flags unreadable behind a pointer; libc falls back to clone"}},
	{anyPolicy, sysRule{"unshare", ifUnshareNS, errnoEPERM, "new namespaces"}},
	{anyPolicy, sysRule{"setns", always, errnoEPERM, "joining namespaces"}},

	{anyPolicy, sysRule{"bpf", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"perf_event_open", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"userfaultfd", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"keyctl", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"add_key", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"request_key", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"kexec_load", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"kexec_file_load", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"init_module", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"finit_module", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"delete_module", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"reboot", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"swapon", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"swapoff", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"acct", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"quotactl", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"quotactl_fd", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"lookup_dcookie", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"uselib", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"iopl", always, errnoEPERM, attackSurface}},
	{anyPolicy, sysRule{"ioperm", always, errnoEPERM, attackSurface}},

	{anyPolicy, sysRule{"mount", always, errnoEPERM, mountTopology}},
	{anyPolicy, sysRule{"umount2", always, errnoEPERM, mountTopology}},
	{anyPolicy, sysRule{"pivot_root", always, errnoEPERM, mountTopology}},
	{anyPolicy, sysRule{"move_mount", always, errnoEPERM, mountTopology}},
	{anyPolicy, sysRule{"fsopen", always, errnoEPERM, mountTopology}},
	{anyPolicy, sysRule{"fsconfig", always, errnoEPERM, mountTopology}},
	{anyPolicy, sysRule{"fsmount", always, errnoEPERM, mountTopology}},
	{anyPolicy, sysRule{"fspick", always, errnoEPERM, mountTopology}},
	{anyPolicy, sysRule{"open_tree", always, errnoEPERM, mountTopology}},
	{anyPolicy, sysRule{"mount_setattr", always, errnoEPERM, mountTopology}},
	{anyPolicy, sysRule{"open_tree_attr", always, errnoEPERM, mountTopology}},

	{anyPolicy, sysRule{"sethostname", always, errnoEPERM, hostState}},
	{anyPolicy, sysRule{"setdomainname", always, errnoEPERM, hostState}},
	{anyPolicy, sysRule{"settimeofday", always, errnoEPERM, hostState}},
	{anyPolicy, sysRule{"clock_settime", always, errnoEPERM, hostState}},
	{anyPolicy, sysRule{"adjtimex", always, errnoEPERM, hostState}},
	{anyPolicy, sysRule{"clock_adjtime", always, errnoEPERM, hostState}},
	{anyPolicy, sysRule{"syslog", always, errnoEPERM, hostState}},
	{anyPolicy, sysRule{"fanotify_init", always, errnoEPERM, hostState}},

	{anyPolicy, sysRule{"name_to_handle_at", always, errnoEPERM, "file handles bypass path checks"}},
	{anyPolicy, sysRule{"open_by_handle_at", always, errnoEPERM, "file handles bypass path checks"}},

	{anyPolicy, sysRule{"chmod", ifSetidArg1, errnoEPERM, setID}},
	{anyPolicy, sysRule{"fchmod", ifSetidArg1, errnoEPERM, setID}},
	{anyPolicy, sysRule{"fchmodat", ifSetidArg2, errnoEPERM, setID}},
	{anyPolicy, sysRule{"fchmodat2", ifSetidArg2, errnoEPERM, setID}},
	{anyPolicy, sysRule{"creat", ifSetidArg1, errnoEPERM, setID}},
	{anyPolicy, sysRule{"open", ifSetidArg2, errnoEPERM, setID}},
	{anyPolicy, sysRule{"openat", ifSetidArg3, errnoEPERM, setID}},
	{anyPolicy, sysRule{"mknod", ifSetidArg1, errnoEPERM, setID}},
	{anyPolicy, sysRule{"mknodat", ifSetidArg2, errnoEPERM, setID}},
	{anyPolicy, sysRule{"openat2", always, errnoENOSYS, "mode unreadable behind a pointer; libc falls back to openat"}},

	// EOPNOTSUPP: cp -a, tar and rsync treat it as "no xattrs here".
	{anyPolicy, sysRule{"setxattr", always, errnoEOPNOTSUPP, xattrs}},
	{anyPolicy, sysRule{"lsetxattr", always, errnoEOPNOTSUPP, xattrs}},
	{anyPolicy, sysRule{"fsetxattr", always, errnoEOPNOTSUPP, xattrs}},
	{anyPolicy, sysRule{"removexattr", always, errnoEOPNOTSUPP, xattrs}},
	{anyPolicy, sysRule{"lremovexattr", always, errnoEOPNOTSUPP, xattrs}},
	{anyPolicy, sysRule{"fremovexattr", always, errnoEOPNOTSUPP, xattrs}},
	{anyPolicy, sysRule{"setxattrat", always, errnoEOPNOTSUPP, xattrs}},
	{anyPolicy, sysRule{"removexattrat", always, errnoEOPNOTSUPP, xattrs}},

	{anyPolicy, sysRule{"io_uring_setup", always, errnoENOSYS, ioURing}},
	{anyPolicy, sysRule{"io_uring_enter", always, errnoENOSYS, ioURing}},
	{anyPolicy, sysRule{"io_uring_register", always, errnoENOSYS, ioURing}},

	{anyPolicy, sysRule{"prlimit64", unlessOwnOrGetter, errnoEPERM, otherProcessLimits}},
	{anyPolicy, sysRule{"setpriority", unlessPrioSelf, errnoEPERM, otherProcessLimits}},
	{anyPolicy, sysRule{"sched_setaffinity", unlessPid0, errnoEPERM, otherProcessLimits}},
	{anyPolicy, sysRule{"sched_setscheduler", unlessPid0, errnoEPERM, otherProcessLimits}},
	{anyPolicy, sysRule{"sched_setparam", unlessPid0, errnoEPERM, otherProcessLimits}},
	{anyPolicy, sysRule{"sched_setattr", unlessPid0, errnoEPERM, otherProcessLimits}},
	{anyPolicy, sysRule{"ioprio_set", unlessIoprioSelf, errnoEPERM, otherProcessLimits}},

	{sharedIPC, sysRule{"shmget", always, errnoENOSYS, sysvIPC}},
	{sharedIPC, sysRule{"shmat", always, errnoENOSYS, sysvIPC}},
	{sharedIPC, sysRule{"shmctl", always, errnoENOSYS, sysvIPC}},
	{sharedIPC, sysRule{"shmdt", always, errnoENOSYS, sysvIPC}},
	{sharedIPC, sysRule{"semget", always, errnoENOSYS, sysvIPC}},
	{sharedIPC, sysRule{"semop", always, errnoENOSYS, sysvIPC}},
	{sharedIPC, sysRule{"semctl", always, errnoENOSYS, sysvIPC}},
	{sharedIPC, sysRule{"semtimedop", always, errnoENOSYS, sysvIPC}},
	{sharedIPC, sysRule{"msgget", always, errnoENOSYS, sysvIPC}},
	{sharedIPC, sysRule{"msgsnd", always, errnoENOSYS, sysvIPC}},
	{sharedIPC, sysRule{"msgrcv", always, errnoENOSYS, sysvIPC}},
	{sharedIPC, sysRule{"msgctl", always, errnoENOSYS, sysvIPC}},

	{anyPolicy, sysRule{"mq_open", always, errnoENOSYS, mqueue}},
	{anyPolicy, sysRule{"mq_unlink", always, errnoENOSYS, mqueue}},
	{anyPolicy, sysRule{"mq_timedsend", always, errnoENOSYS, mqueue}},
	{anyPolicy, sysRule{"mq_timedreceive", always, errnoENOSYS, mqueue}},
	{anyPolicy, sysRule{"mq_notify", always, errnoENOSYS, mqueue}},
	{anyPolicy, sysRule{"mq_getsetattr", always, errnoENOSYS, mqueue}},

	{noTruncate, sysRule{"truncate", always, errnoEPERM, "Landlock ABI < 3 cannot confine truncate(2)"}},

	{noNetwork, sysRule{"socket", unlessUnixConn, errnoEPERM, "network: only AF_UNIX stream/seqpacket sockets"}},
	{noNetwork, sysRule{"socketpair", unlessUnixConn, errnoEPERM, "network: only AF_UNIX stream/seqpacket pairs"}},
	{noNetwork, sysRule{"sendto", ifDestAddr, errnoEPERM, "network: no explicit destination address"}},
	{noNetwork, sysRule{"connect", always, errnoEPERM, "network"}},
	{noNetwork, sysRule{"bind", always, errnoEPERM, "network"}},
	{noNetwork, sysRule{"listen", always, errnoEPERM, "network"}},
	{noNetwork, sysRule{"accept", always, errnoEPERM, "network"}},
	{noNetwork, sysRule{"accept4", always, errnoEPERM, "network"}},
	{noNetwork, sysRule{"sendmmsg", always, errnoEPERM, "network"}},
	{noNetwork, sysRule{"recvmmsg", always, errnoEPERM, "network"}},
	{noNetwork, sysRule{"ptrace", always, errnoEPERM, otherProcesses}},
	{noNetwork, sysRule{"process_vm_readv", always, errnoEPERM, otherProcesses}},
	{noNetwork, sysRule{"process_vm_writev", always, errnoEPERM, otherProcesses}},
	{noNetwork, sysRule{"pidfd_getfd", always, errnoEPERM, "another process's descriptors (a socket connected outside)"}},
}

// Reasons shared by several rules of seccompTable.
const (
	attackSurface      = "kernel attack surface"
	mountTopology      = "mount topology"
	hostState          = "host-wide state (root only)"
	setID              = "set-user/group-ID bits"
	xattrs             = "extended attributes (file capabilities)"
	ioURing            = "io_uring operations bypass seccomp"
	otherProcesses     = "access to other processes' memory"
	otherProcessLimits = "limits and scheduling of other processes (only the caller: pid 0)"
	sysvIPC            = "SysV IPC objects of every process of the user (no IPC namespace)"
	mqueue             = "POSIX message queues of every process of the user"
)

// seccompRules returns the rules of seccompTable that apply under o.
func seccompRules(o seccompOptions) []sysRule {
	rules := make([]sysRule, 0, len(seccompTable))
	for _, r := range seccompTable {
		if r.set == noNetwork && o.loopbackOnly && !o.network && loopbackReplaces(r.name) {
			continue
		}
		if o.pidNamespace {
			c, keep := pidNamespaceCond(r.cond)
			if !keep {
				continue
			}
			r.cond = c
		}
		if r.set == anyPolicy || r.set == noNetwork && !o.network || r.set == noTruncate && o.denyTruncate ||
			r.set == sharedIPC && !o.ipcNamespace {
			rules = append(rules, r.sysRule)
		}
	}
	if o.loopbackOnly && !o.network {
		rules = append(rules, loopbackRules[:]...)
	}
	return rules
}

// pidNamespaceCond is what a rule's condition becomes in a PID namespace
// of the sandbox's own, and whether the rule stays. There prlimit64 and
// the sched_set* calls find a pid only among the sandbox's processes
// (find_task_by_vpid), and setpriority and ioprio_set with PRIO_USER /
// IOPRIO_WHO_USER skip every process the namespace does not show
// (task_pid_vnr), so those rules go: renice, taskset and thread affinity
// (pthread_setaffinity_np, OpenMP binding) work inside. The process-group
// forms stay refused: the command's process group is the caller's, outside
// the namespace, and "who 0" names it.
func pidNamespaceCond(c cond) (cond, bool) {
	switch c {
	case unlessPid0, unlessOwnOrGetter:
		return c, false
	case unlessPrioSelf:
		return ifPrioPgrp, true
	case unlessIoprioSelf:
		return ifIoprioPgrp, true
	}
	return c, true
}

// buildSeccomp assembles the filter for arch a. Rules naming a syscall the
// architecture does not have (iopl on arm64) are skipped.
//
// The layout is chosen for what the kernel does with the filter, because
// the filter is installed before every command and installing it is most
// of what the sandbox costs a short command: the kernel checks it,
// translates it to eBPF, JIT-compiles it (every instruction, several
// passes; a return costs more than a jump) and then fills its action cache
// by emulating the filter once for every syscall number of every ABI. So:
//
//   - after the arch check, the number is looked up in a binary
//     search tree, so each emulation (and each run the cache cannot answer)
//     takes about log2(rules) comparisons;
//   - consecutive numbers refused with the same errno (mount through
//     ioperm on amd64, the new mount API, io_uring) are one range test;
//   - every rule jumps to one shared return per verdict instead of having
//     its own, so the filter has a handful of returns in all;
//   - allowed syscalls never read an argument, so the cache answers them
//     without running the filter at all.
//
// Conditional jumps reach at most 255 instructions ahead. The production
// filter fits in one "chunk" (tree, rule bodies, shared returns) of that
// reach; larger rule sets are split into chunks joined by long jumps, each
// with its own returns.
func buildSeccomp(a *seccompArch, rules []sysRule) ([]bpf.RawInstruction, error) {
	// Sorted by number through small keys: a rule is 48 bytes to swap.
	type key struct{ nr, i uint32 }
	keys := make([]key, 0, len(rules)+len(a.unassigned))
	for i, r := range rules {
		nr, ok := a.nr[r.name]
		if !ok {
			if !knownSyscall(r.name) {
				return nil, fmt.Errorf("seccomp: rule for unknown syscall %s", r.name)
			}
			continue
		}
		if r.cond != always && condLen(r.cond) == 0 {
			return nil, fmt.Errorf("seccomp: rule for %s has no condition code", r.name)
		}
		keys = append(keys, key{nr, uint32(i)})
	}
	// The unassigned ranges join the rules as keys past the rules' end.
	for j, u := range a.unassigned {
		keys = append(keys, key{u.lo, uint32(len(rules) + j)})
	}
	slices.SortFunc(keys, func(x, y key) int { return cmp.Compare(x.nr, y.nr) })
	b := filterBuilder{items: make([]filterItem, 0, len(keys))}
	// Room for the production rules' bodies and errnos; more just grows.
	b.c.bodies, b.c.at, b.c.errnos = make([]filterItem, 0, 16), make([]int, 0, 16), make([]uint32, 0, 4)
	for _, k := range keys {
		it, name := filterItem{lo: k.nr, hi: k.nr, cond: always, errno: errnoENOSYS}, "unassigned numbers"
		if int(k.i) < len(rules) {
			r := rules[k.i]
			it.cond, it.errno, name = r.cond, r.errno, r.name
		} else {
			it.hi = a.unassigned[int(k.i)-len(rules)].hi
		}
		if n := len(b.items); n > 0 {
			prev := &b.items[n-1]
			if prev.hi >= it.lo {
				return nil, fmt.Errorf("seccomp: two rules for %s (number %d)", name, it.lo)
			}
			if it.cond == always && prev.cond == always && prev.errno == it.errno && prev.hi+1 == it.lo {
				prev.hi = it.hi
				continue
			}
		}
		b.items = append(b.items, it)
	}
	if a.x32 && (len(b.items) == 0 || b.items[len(b.items)-1].lo > x32SyscallBit || b.items[len(b.items)-1].hi != 0xffffffff) {
		return nil, fmt.Errorf("seccomp: %s: x32 numbers are not all unassigned", a.name)
	}

	header := 4
	size := header + b.regionLen(0, len(b.items))
	if size > 4096 { // BPF_MAXINSNS
		return nil, fmt.Errorf("seccomp: filter of %d instructions is too long", size)
	}
	b.prog.out = make([]bpf.RawInstruction, 0, size)
	b.prog.add(bpf.LoadAbsolute{Off: seccompDataArch, Size: 4}.Assemble()) // A = arch
	b.prog.add(bpf.JumpIf{Cond: bpf.JumpEqual, Val: a.audit, SkipTrue: 1}.Assemble())
	b.prog.add(bpf.RetConstant{Val: retKillProcess}.Assemble())          // foreign ABI
	b.prog.add(bpf.LoadAbsolute{Off: seccompDataNR, Size: 4}.Assemble()) // A = nr
	b.region(0, len(b.items))
	if b.prog.err == nil && len(b.prog.out) != size {
		b.prog.err = fmt.Errorf("laid out %d instructions, emitted %d", size, len(b.prog.out))
	}
	if b.prog.err != nil {
		return nil, fmt.Errorf("seccomp: %w", b.prog.err)
	}
	return b.prog.out, nil
}

// rawProg collects assembled instructions, keeping the first error.
// Instructions are assembled one by one from their concrete types, so
// nothing is boxed in an interface: the filter is built before every
// command, and its allocations are start-up time.
type rawProg struct {
	out []bpf.RawInstruction
	err error
}

func (p *rawProg) add(ins bpf.RawInstruction, err error) {
	if err != nil && p.err == nil {
		p.err = err
	}
	p.out = append(p.out, ins)
}

// knownSyscall reports whether any architecture has a syscall called name,
// so that a misspelt rule fails loudly instead of being skipped.
func knownSyscall(name string) bool {
	for _, t := range [][]sysnum{amd64Syscalls[:], arm64Syscalls[:]} {
		for _, s := range t {
			if s.name == name {
				return true
			}
		}
	}
	return false
}

// filterItem is one test of the search tree: a syscall with its rule, or
// a run of consecutive numbers lo..hi refused unconditionally with one
// errno.
type filterItem struct {
	lo, hi uint32
	cond   cond
	errno  uint32
}

// filterBuilder lays out the search tree over items, sorted by number.
// Positions below are absolute indexes into prog.out.
type filterBuilder struct {
	items []filterItem
	prog  rawProg
	c     chunk // the chunk being laid out, reused
}

// leafItems is how many items a leaf of the tree tests one after another.
const leafItems = 4

// maxChunk is the longest chunk whose every jump, from its first
// instruction to its last return, fits a conditional jump's 8-bit offset.
const maxChunk = 257

// chunk is where one chunk's shared parts sit while its tree is emitted:
// one body per distinct condition and errno (chmod, fchmod, creat and
// mknod share theirs), then RET ALLOW, then one RET ERRNO per errno.
type chunk struct {
	bodies []filterItem // cond and errno of each body, in order
	at     []int        // where each body starts
	allow  int
	errnos []uint32 // in order of first use
}

func (c *chunk) deny(errno uint32) int {
	return c.allow + 1 + slices.Index(c.errnos, errno)
}

// target is where the tree sends a number that matched it.
func (c *chunk) target(it filterItem) int {
	if it.cond == always {
		return c.deny(it.errno)
	}
	return c.at[c.body(it)]
}

// body is the index of the body it uses in c.bodies, or -1.
func (c *chunk) body(it filterItem) int {
	for i, b := range c.bodies {
		if b.cond == it.cond && b.errno == it.errno {
			return i
		}
	}
	return -1
}

// layout lays out the shared parts of a chunk over items, whose tree
// starts at start.
func (c *chunk) layout(items []filterItem, start, tree int) {
	c.bodies, c.at, c.errnos = c.bodies[:0], c.at[:0], c.errnos[:0]
	pos := start + tree
	for _, it := range items {
		if it.cond != always && c.body(it) < 0 {
			c.bodies = append(c.bodies, filterItem{cond: it.cond, errno: it.errno})
			c.at = append(c.at, pos)
			pos += condLen(it.cond)
		}
		if !slices.Contains(c.errnos, it.errno) {
			c.errnos = append(c.errnos, it.errno)
		}
	}
	c.allow = pos
}

func itemLen(it filterItem) int {
	if it.lo == it.hi || it.hi == 0xffffffff {
		return 1 // nr == lo, or nr >= lo for a run to the top
	}
	return 2 // nr > hi, nr >= lo
}

// treeLen is the length of the tree over items[lo:hi].
func (b *filterBuilder) treeLen(lo, hi int) int {
	if hi-lo <= leafItems {
		n := 0
		for _, it := range b.items[lo:hi] {
			n += itemLen(it)
		}
		return n
	}
	mid := (lo + hi) / 2
	return 1 + b.treeLen(lo, mid) + b.treeLen(mid, hi)
}

// chunkLen is the length of a chunk over items[lo:hi]: its tree, the
// bodies of its conditional rules, and its returns.
func (b *filterBuilder) chunkLen(lo, hi int) int {
	b.c.layout(b.items[lo:hi], 0, b.treeLen(lo, hi))
	return b.c.allow + 1 + len(b.c.errnos)
}

// regionLen is the length region emits for items[lo:hi].
func (b *filterBuilder) regionLen(lo, hi int) int {
	if n := b.chunkLen(lo, hi); n <= maxChunk || hi-lo <= 1 {
		return n
	}
	mid := (lo + hi) / 2
	left := b.regionLen(lo, mid)
	n := 1 + left + b.regionLen(mid, hi)
	if left > 255 {
		n++ // the unconditional jump over a far left half
	}
	return n
}

// region emits code that runs with A = nr and returns on every path: the
// verdict of the item holding nr, or ALLOW.
func (b *filterBuilder) region(lo, hi int) {
	if b.chunkLen(lo, hi) <= maxChunk || hi-lo <= 1 {
		b.chunk(lo, hi)
		return
	}
	mid := (lo + hi) / 2
	left := b.regionLen(lo, mid)
	pc := len(b.prog.out) + 1
	if left <= 255 {
		b.jump(bpf.JumpGreaterOrEqual, b.items[mid].lo, pc+left, pc)
	} else {
		// Too far for a conditional jump: go through an unconditional one.
		b.jump(bpf.JumpGreaterOrEqual, b.items[mid].lo, pc, pc+1)
		b.prog.add(bpf.Jump{Skip: uint32(left)}.Assemble())
	}
	b.region(lo, mid)
	b.region(mid, hi)
}

// chunk emits the tree over items[lo:hi], then the bodies of its
// conditional rules, then its returns.
func (b *filterBuilder) chunk(lo, hi int) {
	c := &b.c
	c.layout(b.items[lo:hi], len(b.prog.out), b.treeLen(lo, hi))
	b.tree(c, lo, hi)
	for _, it := range c.bodies {
		b.body(it, c.allow, c.deny(it.errno))
	}
	b.prog.add(bpf.RetConstant{Val: retAllow}.Assemble())
	for _, e := range c.errnos {
		b.prog.add(bpf.RetConstant{Val: verdictFor(e)}.Assemble())
	}
}

// tree emits the binary search over items[lo:hi]. Every path ends in a
// jump to a body or a return of chunk c; none falls through.
func (b *filterBuilder) tree(c *chunk, lo, hi int) {
	if hi-lo > leafItems {
		mid := (lo + hi) / 2
		pc := len(b.prog.out) + 1
		b.jump(bpf.JumpGreaterOrEqual, b.items[mid].lo, pc+b.treeLen(lo, mid), pc)
		b.tree(c, lo, mid)
		b.tree(c, mid, hi)
		return
	}
	// A leaf, in ascending order: reaching an item means nr is none of
	// the ones before, and nr below an item's lo is in no item at all.
	for i := lo; i < hi; i++ {
		it := b.items[i]
		target := c.target(it)
		pc := len(b.prog.out) + 1
		miss := pc + itemLen(it) - 1 // the next item
		if i == hi-1 {
			miss = c.allow
		}
		switch {
		case it.lo == it.hi:
			b.jump(bpf.JumpEqual, it.lo, target, miss)
		case it.hi == 0xffffffff:
			// Items ascend: below lo, nr is in no item at all.
			b.jump(bpf.JumpGreaterOrEqual, it.lo, target, c.allow)
		default:
			b.jump(bpf.JumpGreaterThan, it.hi, miss, pc)
			b.jump(bpf.JumpGreaterOrEqual, it.lo, target, c.allow)
		}
	}
}

// jump emits a conditional jump to absolute positions ifTrue and ifFalse.
func (b *filterBuilder) jump(test bpf.JumpTest, val uint32, ifTrue, ifFalse int) {
	pc := len(b.prog.out) + 1
	t, f := ifTrue-pc, ifFalse-pc
	if t < 0 || t > 255 || f < 0 || f > 255 {
		b.prog.add(bpf.RawInstruction{}, fmt.Errorf("jump from %d to %d/%d out of reach", pc-1, ifTrue, ifFalse))
		return
	}
	b.prog.add(bpf.JumpIf{Cond: test, Val: val, SkipTrue: uint8(t), SkipFalse: uint8(f)}.Assemble())
}

func (b *filterBuilder) load(off uint32) {
	b.prog.add(bpf.LoadAbsolute{Off: off, Size: 4}.Assemble())
}

// condLen is the length of a conditional rule's body, 0 for always (and
// for a condition without code).
func condLen(c cond) int {
	switch c {
	case ifIoctlDenied:
		return ioctlBodyLen
	case unlessUnixConn, unlessOwnOrGetter:
		return 6
	case unlessInetOrUnixConn:
		return 8
	case ifDestAddr, unlessPrioSelf, unlessIoprioSelf:
		return 4
	case ifCloneNS, ifUnshareNS, ifSetidArg1, ifSetidArg2, ifSetidArg3, unlessPid0, ifPrioPgrp, ifIoprioPgrp:
		return 2
	}
	return 0
}

// body emits the body of a conditional rule: it runs with A = nr and
// jumps to allow or deny on every path.
func (b *filterBuilder) body(it filterItem, allow, deny int) {
	start := len(b.prog.out)
	next := func() int { return len(b.prog.out) + 1 }
	switch it.cond {
	case unlessUnixConn:
		b.load(argLow(0)) // A = domain
		b.jump(bpf.JumpEqual, afUnix, next(), deny)
		b.load(argLow(1)) // A = type | SOCK_NONBLOCK | SOCK_CLOEXEC
		b.prog.add(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: sockTypeMask}.Assemble())
		b.jump(bpf.JumpEqual, sockStream, allow, next())
		b.jump(bpf.JumpEqual, sockSeqpacket, allow, deny)
	case ifDestAddr: // the pointer, all 64 bits, must be NULL
		b.load(argLow(4))
		b.jump(bpf.JumpEqual, 0, next(), deny)
		b.load(argHigh(4))
		b.jump(bpf.JumpEqual, 0, allow, deny)
	case ifIoctlDenied: // see seccomp_ioctl.go
		b.load(argLow(1)) // A = request
		for _, req := range ioctlDeniedRequests {
			b.jump(bpf.JumpEqual, req, deny, next())
		}
		for _, req := range ioctlKeptRequests {
			b.jump(bpf.JumpEqual, req, allow, next())
		}
		b.prog.add(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: ioctlTypeMask}.Assemble()) // A = type << 8
		for i, typ := range ioctlDeniedTypes {
			miss := next()
			if i == len(ioctlDeniedTypes)-1 {
				miss = allow
			}
			b.jump(bpf.JumpEqual, typ, deny, miss)
		}
	case unlessPid0: // pid_t is an int: the low word is the pid
		b.load(argLow(0))
		b.jump(bpf.JumpEqual, 0, allow, deny)
	case unlessPrioSelf, unlessIoprioSelf: // which, then who
		which := uint32(prioProcess)
		if it.cond == unlessIoprioSelf {
			which = ioprioWhoProcess
		}
		b.load(argLow(0))
		b.jump(bpf.JumpEqual, which, next(), deny)
		b.load(argLow(1))
		b.jump(bpf.JumpEqual, 0, allow, deny)
	case ifPrioPgrp, ifIoprioPgrp: // which names a process group
		which := uint32(prioPgrp)
		if it.cond == ifIoprioPgrp {
			which = ioprioWhoPgrp
		}
		b.load(argLow(0))
		b.jump(bpf.JumpEqual, which, deny, allow)
	case unlessOwnOrGetter: // pid 0, or new_limit (a pointer, all 64 bits) NULL
		b.load(argLow(0))
		b.jump(bpf.JumpEqual, 0, allow, next())
		b.load(argLow(2))
		b.jump(bpf.JumpEqual, 0, next(), deny)
		b.load(argHigh(2))
		b.jump(bpf.JumpEqual, 0, allow, deny)
	case ifSetidArg1, ifSetidArg2, ifSetidArg3:
		b.load(argLow(int(it.cond-ifSetidArg1) + 1)) // A = mode
		b.jump(bpf.JumpBitsSet, modeSetid, deny, allow)
	case ifCloneNS, ifUnshareNS:
		mask := uint32(cloneNamespaces)
		if it.cond == ifUnshareNS {
			mask |= cloneNewTime
		}
		b.load(argLow(0)) // A = flags
		b.jump(bpf.JumpBitsSet, mask, deny, allow)
	case unlessInetOrUnixConn:
		b.load(argLow(0)) // A = domain
		b.jump(bpf.JumpEqual, afInet, allow, next())
		b.jump(bpf.JumpEqual, afInet6, allow, next())
		b.jump(bpf.JumpEqual, afUnix, next(), deny)
		b.load(argLow(1)) // A = type | SOCK_NONBLOCK | SOCK_CLOEXEC
		b.prog.add(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: sockTypeMask}.Assemble())
		b.jump(bpf.JumpEqual, sockStream, allow, next())
		b.jump(bpf.JumpEqual, sockSeqpacket, allow, deny)
	}
	if n := len(b.prog.out) - start; n != condLen(it.cond) && b.prog.err == nil {
		b.prog.err = fmt.Errorf("body of condition %d is %d instructions, laid out as %d", it.cond, n, condLen(it.cond))
	}
}
