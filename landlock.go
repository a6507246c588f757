//go:build linux

package main

// Landlock, driven through its three raw system calls.
//
// See https://docs.kernel.org/userspace-api/landlock.html and
// landlock(7), landlock_create_ruleset(2), landlock_add_rule(2),
// landlock_restrict_self(2).

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// landlockMaxABI is the highest ABI whose rights this binary knows. A newer
// kernel is treated as this one: every right we ask for exists there too.
const landlockMaxABI = 7

// Access rights by the ABI that introduced them.
const (
	fsRightsV1 = unix.LANDLOCK_ACCESS_FS_EXECUTE |
		unix.LANDLOCK_ACCESS_FS_WRITE_FILE |
		unix.LANDLOCK_ACCESS_FS_READ_FILE |
		unix.LANDLOCK_ACCESS_FS_READ_DIR |
		unix.LANDLOCK_ACCESS_FS_REMOVE_DIR |
		unix.LANDLOCK_ACCESS_FS_REMOVE_FILE |
		unix.LANDLOCK_ACCESS_FS_MAKE_CHAR |
		unix.LANDLOCK_ACCESS_FS_MAKE_DIR |
		unix.LANDLOCK_ACCESS_FS_MAKE_REG |
		unix.LANDLOCK_ACCESS_FS_MAKE_SOCK |
		unix.LANDLOCK_ACCESS_FS_MAKE_FIFO |
		unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		unix.LANDLOCK_ACCESS_FS_MAKE_SYM

	// fsReadExec is what the whole filesystem gets.
	fsReadExec = unix.LANDLOCK_ACCESS_FS_EXECUTE |
		unix.LANDLOCK_ACCESS_FS_READ_FILE |
		unix.LANDLOCK_ACCESS_FS_READ_DIR

	// fsFileRights are the rights that make sense on a non-directory; the
	// kernel rejects a rule on a file that grants any other (EINVAL).
	fsFileRights = unix.LANDLOCK_ACCESS_FS_EXECUTE |
		unix.LANDLOCK_ACCESS_FS_WRITE_FILE |
		unix.LANDLOCK_ACCESS_FS_READ_FILE |
		unix.LANDLOCK_ACCESS_FS_TRUNCATE |
		unix.LANDLOCK_ACCESS_FS_IOCTL_DEV

	// fsDeviceNodes are never granted, not even in a writable root: root
	// inside the sandbox could otherwise mknod a block device for the
	// system disk there and write to it. Nobody else can mknod devices.
	fsDeviceNodes = unix.LANDLOCK_ACCESS_FS_MAKE_CHAR |
		unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK

	netTCP = unix.LANDLOCK_ACCESS_NET_BIND_TCP | unix.LANDLOCK_ACCESS_NET_CONNECT_TCP

	// fsDeviceWrite opens a character device for writing.
	fsDeviceWrite = unix.LANDLOCK_ACCESS_FS_READ_FILE |
		unix.LANDLOCK_ACCESS_FS_WRITE_FILE |
		unix.LANDLOCK_ACCESS_FS_TRUNCATE

	// fsTerminal also allows ioctl on a terminal opened in the sandbox
	// (ABI 5): tcgetattr, tcsetattr, the window size, and on /dev/ptmx
	// unlocking and naming the new pseudo-terminal.
	fsTerminal = fsDeviceWrite | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
)

// deviceRules are the devices every command may open for writing besides
// /dev/null, because ordinary tools do: the data sinks and sources, the
// controlling terminal (/dev/tty: the prompts of ssh, git, gpg, sudo) and
// pseudo-terminals of the command's own (/dev/ptmx, then /dev/pts/N:
// script, expect, Python's pty, node-pty).
//
// What the terminal grants cost: /dev/tty is always the caller's own
// controlling terminal, but a rule on /dev/pts covers every
// pseudo-terminal on the host, so a command can also open and write to
// another terminal of the same user (root: of anyone), which it could
// already open for reading. The ioctls that would make that more than
// output stay refused whatever Landlock allows: keystroke injection
// (TIOCSTI, TIOCLINUX) by the seccomp filter on every descriptor, and
// console redirection, hang-up and stealing another session's terminal
// (TIOCCONS, TIOCVHANGUP, TIOCSCTTY) need CAP_SYS_ADMIN, which the command
// does not have. Nothing in the seccomp filter relies on Landlock's
// ioctl right; it only keeps ioctl on devices the command opens from
// reaching drivers it has no business with.
//
// A missing device, or one that is not what its name says (a regular file
// or a directory where a container put one, a /dev/pts that is not a
// devpts mount), gets no rule: it is skipped, not an error.
var deviceRules = []landlockRule{
	{path: "/dev/zero", rights: fsDeviceWrite, device: devChar},
	{path: "/dev/full", rights: fsDeviceWrite, device: devChar},
	{path: "/dev/random", rights: fsDeviceWrite, device: devChar},
	{path: "/dev/urandom", rights: fsDeviceWrite, device: devChar},
	{path: "/dev/tty", rights: fsTerminal, device: devChar},
	{path: "/dev/ptmx", rights: fsTerminal, device: devChar},
	{path: "/dev/pts", rights: fsTerminal, device: devPts},
}

// deviceKind is what a device rule's path must be for the rule to apply.
type deviceKind int

const (
	devNone deviceKind = iota // not a device rule: the path must open
	devChar                   // a character device
	devPts                    // the root of a devpts mount
)

// landlockFSRights returns every filesystem right ABI abi knows.
func landlockFSRights(abi int) uint64 {
	r := uint64(fsRightsV1)
	if abi >= 2 {
		r |= unix.LANDLOCK_ACCESS_FS_REFER
	}
	if abi >= 3 {
		r |= unix.LANDLOCK_ACCESS_FS_TRUNCATE
	}
	if abi >= 5 {
		r |= unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	}
	return r
}

// rulesetAttr is struct landlock_ruleset_attr as of ABI 6:
//
//	struct landlock_ruleset_attr {
//		__u64 handled_access_fs;
//		__u64 handled_access_net;   /* ABI 4 */
//		__u64 scoped;               /* ABI 6 */
//	};
//
// The kernel takes the size from the caller, so older kernels are given
// only the prefix they know (rulesetAttrSize).
type rulesetAttr struct {
	handledAccessFS  uint64
	handledAccessNet uint64
	scoped           uint64
}

func rulesetAttrSize(abi int) uintptr {
	switch {
	case abi >= 6:
		return 24
	case abi >= 4:
		return 16
	}
	return 8
}

// pathBeneathAttr is struct landlock_path_beneath_attr, which the kernel
// declares packed: 12 bytes, no padding after the s32 parent_fd.
type pathBeneathAttr struct {
	allowedAccess uint64
	parentFD      int32
}

// landlockCreateRuleset wraps landlock_create_ruleset(2).
func landlockCreateRuleset(attr *rulesetAttr, size uintptr, flags uint32) (int, error) {
	fd, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET,
		uintptr(unsafe.Pointer(attr)), size, uintptr(flags))
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

// landlockAddRule wraps landlock_add_rule(2) for LANDLOCK_RULE_PATH_BENEATH.
func landlockAddRule(rulesetFD int, attr *pathBeneathAttr) error {
	_, _, e := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(rulesetFD),
		unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(attr)), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// landlockRestrictSelf wraps landlock_restrict_self(2). It acts on the
// calling thread only, which is why main.go's init, on the startup thread,
// runs everything up to execve. RawSyscall: nothing may run in between.
func landlockRestrictSelf(rulesetFD int, flags uint32) error {
	_, _, e := unix.RawSyscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(rulesetFD), uintptr(flags), 0)
	if e != 0 {
		return e
	}
	return nil
}

// landlockABI asks the kernel which Landlock ABI it implements. 0 means no
// Landlock: not built in (ENOSYS) or not enabled at boot (EOPNOTSUPP).
func landlockABI() (int, error) {
	v, err := landlockCreateRuleset(nil, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	switch {
	case err == nil:
		return v, nil
	case errors.Is(err, unix.ENOSYS):
		return 0, errors.New("the kernel has no Landlock (built without CONFIG_SECURITY_LANDLOCK)")
	case errors.Is(err, unix.EOPNOTSUPP):
		return 0, errors.New("Landlock is built in but not enabled (add landlock to the lsm= boot parameter)")
	}
	return 0, fmt.Errorf("landlock_create_ruleset(VERSION): %w", err)
}

// landlockErrata returns the kernel's bitmask of fixed Landlock errata
// (bit N-1 = erratum N), or 0 where the kernel cannot tell.
func landlockErrata() uint64 {
	v, err := landlockCreateRuleset(nil, 0, unix.LANDLOCK_CREATE_RULESET_ERRATA)
	if err != nil {
		return 0
	}
	return uint64(v)
}

// landlockRule is one path_beneath rule, prepared but not yet added.
type landlockRule struct {
	path   string
	rights uint64
	device deviceKind // a device rule, skipped unless path is that kind
	// noSymlinks: path is canonical and is opened without following any
	// symlink (a writable root; see canonicalWritableRoot).
	noSymlinks bool
	// optional: a missing path grants nothing and is no error (a cache
	// layer's directory, made for the run).
	optional bool
}

// landlockRuleset is the domain to enter, with the rule paths already open,
// so that landlockRuleset.restrict does nothing that can fail for a reason
// the user could have fixed.
type landlockRuleset struct {
	abi   int
	attr  rulesetAttr
	rules []landlockRule
	fd    int
	// added are the rules prepare added: rules without the device rules
	// whose path is missing or not that device.
	added []landlockRule
}

// prepare creates the ruleset and adds every rule. Opening each path with
// O_PATH follows symlinks, so a rule lands on what the path names now.
func (rs *landlockRuleset) prepare() error {
	rs.fd = -1
	rs.added = nil
	fd, err := landlockCreateRuleset(&rs.attr, rulesetAttrSize(rs.abi), 0)
	if err != nil {
		return fmt.Errorf("landlock_create_ruleset: %w", err)
	}
	rs.fd = fd
	for _, r := range rs.rules {
		var pfd int
		var err error
		if r.noSymlinks {
			pfd, err = openNoSymlinks(r.path)
		} else {
			pfd, err = unix.Open(r.path, unix.O_PATH|unix.O_CLOEXEC, 0)
		}
		if err != nil && (r.device != devNone || r.optional) && errors.Is(err, unix.ENOENT) {
			continue
		}
		if err != nil {
			rs.close()
			return fmt.Errorf("open %q: %w", r.path, err)
		}
		rights := r.rights & rs.attr.handledAccessFS
		var st unix.Stat_t
		if err := unix.Fstat(pfd, &st); err != nil {
			unix.Close(pfd)
			rs.close()
			return fmt.Errorf("fstat %q: %w", r.path, err)
		}
		if !isDeviceKind(pfd, &st, r.device) {
			unix.Close(pfd)
			continue
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			rights &= fsFileRights
		}
		attr := pathBeneathAttr{allowedAccess: rights, parentFD: int32(pfd)}
		err = landlockAddRule(rs.fd, &attr)
		unix.Close(pfd)
		if err != nil {
			rs.close()
			return fmt.Errorf("landlock_add_rule %q: %w", r.path, err)
		}
		rs.added = append(rs.added, r)
	}
	return nil
}

// isDeviceKind reports whether the file open as fd, with status st, is
// what a rule of kind k must name.
func isDeviceKind(fd int, st *unix.Stat_t, k deviceKind) bool {
	switch k {
	case devChar:
		return st.Mode&unix.S_IFMT == unix.S_IFCHR
	case devPts:
		var fs unix.Statfs_t
		return st.Mode&unix.S_IFMT == unix.S_IFDIR && unix.Fstatfs(fd, &fs) == nil && fs.Type == unix.DEVPTS_SUPER_MAGIC
	}
	return true
}

func (rs *landlockRuleset) close() {
	if rs.fd >= 0 {
		unix.Close(rs.fd)
		rs.fd = -1
	}
}

// restrict enters the domain on the calling thread and closes the ruleset,
// so that its descriptor does not reach the command.
func (rs *landlockRuleset) restrict() error {
	err := landlockRestrictSelf(rs.fd, 0)
	rs.close()
	if errors.Is(err, unix.E2BIG) {
		// The kernel's LANDLOCK_MAX_NUM_LAYERS: each sandbox inside a
		// sandbox stacks one more domain.
		return fmt.Errorf("landlock_restrict_self: Landlock allows at most %d nested domains, and this process is already inside that many sandboxes", landlockMaxLayers)
	}
	if err != nil {
		return fmt.Errorf("landlock_restrict_self: %w", err)
	}
	return nil
}

// landlockMaxLayers is how many Landlock domains may stack on a thread
// (LANDLOCK_MAX_NUM_LAYERS, security/landlock/limits.h); one more fails
// with E2BIG.
const landlockMaxLayers = 16

// Compile-time check that the struct sizes match the C layout.
var _ = [1]struct{}{}[unsafe.Sizeof(rulesetAttr{})-24]
var _ = [1]struct{}{}[unsafe.Offsetof(pathBeneathAttr{}.parentFD)-8]

// openNoSymlinks opens path, canonical, as an O_PATH descriptor without
// following a symlink anywhere on the way: openat2(RESOLVE_NO_SYMLINKS),
// Linux 5.6, on every kernel with Landlock. Where a seccomp profile of the
// host refuses openat2 (ENOSYS), the path is opened plainly and the
// descriptor must name path itself (/proc/self/fd), else a symlink was
// followed. Either way a symlink swapped in since path was resolved makes
// this fail rather than grant what the symlink names.
//
// https://man7.org/linux/man-pages/man2/openat2.2.html
func openNoSymlinks(path string) (int, error) {
	fd, err := unix.Openat2(unix.AT_FDCWD, path, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_SYMLINKS,
	})
	if errors.Is(err, unix.ELOOP) {
		return -1, fmt.Errorf("a symlink is on the way: it appeared since the sandbox resolved the path (a planted writable root?), or the path could not be resolved (a symlink loop)")
	}
	if !errors.Is(err, unix.ENOSYS) {
		return fd, err
	}
	fd, err = unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd), buf)
	if err != nil || string(buf[:n]) != path {
		unix.Close(fd)
		if err != nil {
			return -1, fmt.Errorf("cannot tell whether a symlink was followed: %w", err)
		}
		return -1, fmt.Errorf("it now leads to %q: a symlink appeared on the way since the sandbox resolved it (a planted writable root?)", string(buf[:n]))
	}
	return fd, nil
}
