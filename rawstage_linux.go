//go:build linux

package main

// The raw inner stage: the namespace engine's inner stage without a second
// Go runtime.
//
// The Go inner stage (runInner) is this binary exec'd again into the new
// namespaces: a second runtime start (about 3-4 ms on these hosts, most of
// it CPUID exits, page faults and thread start-up) and a full fork and exec
// of a 5 MB binary, on every command. The raw stage instead forks this
// process straight into the namespaces and runs a program prepared here, in
// the outer stage, before the child reads it (on amd64 while the child
// starts: see startRaw and rawBoot): a list of system calls whose arguments
// are all in memory already (rawProgram), interpreted by rawChild, which
// allocates nothing, grows no stack and calls nothing but the raw system
// call entry, the way syscall.forkAndExecInChild runs SysProcAttr between
// fork and exec. After the program, the child is PID 1 of the new PID
// namespace: it forks the command (rawExec searches PATH as execvp does),
// hands its pidfd to the supervisor and reaps until the command ends.
//
// The program is data: rawPlan builds it from the mount plan and the
// Landlock and seccomp plans (rawplan_linux.go), a test reads it as a list,
// and every step carries the words an error about it needs, so the child
// reports only "step i failed with errno e" and the outer stage says the
// rest. Policies the program does not cover (--cache, --allow-host) keep
// the Go inner stage.
//
// See clone(2), fork(2), and the runtime's syscall_runtime_BeforeFork.

import (
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The runtime's fork hooks, as package syscall uses them (go.dev/issue/67401
// keeps them for outside users): BeforeFork blocks signals and poisons the
// stack guard so that any stack growth in the child throws; AfterForkInChild
// resets the runtime's signal handlers to SIG_DFL (inherited SIG_IGN stays)
// and restores the signal mask.

//go:linkname runtimeBeforeFork syscall.runtime_BeforeFork
func runtimeBeforeFork()

//go:linkname runtimeAfterFork syscall.runtime_AfterFork
func runtimeAfterFork()

//go:linkname runtimeAfterForkInChild syscall.runtime_AfterForkInChild
func runtimeAfterForkInChild()

// rawKind is what one step of a raw program does.
type rawKind uint8

const (
	rawSys      rawKind = iota // a system call: nr with args
	rawIsType                  // fstat of reg args[0]: its S_IFMT must be in want
	rawIsDevIno                // fstat of reg args[0]: a directory with dev and ino
	rawIsFSType                // fstatfs of reg args[0]: f_type must be want
	rawIfFD                    // reg args[0] holds a descriptor (else skip)
	rawStore                   // *dst = int32(reg args[0])
	rawClose                   // close reg args[0] if it holds a descriptor
	rawSend                    // write the record rec on the status socket
)

var rawKindNames = [...]string{
	rawSys: "sys", rawIsType: "is-type", rawIsDevIno: "is-dev-ino", rawIsFSType: "is-fstype",
	rawIfFD: "if-fd", rawStore: "store", rawClose: "close", rawSend: "send",
}

// rawArg is one argument of a system call: an immediate, an address of
// memory the program owns (rawProgram.mem and obj keep it alive, and Go's
// heap does not move), or, when the step's regs bit for it is set, a
// register number.
type rawArg = uintptr

// rawOp is one step. On failure (an errno, or a test that does not hold)
// the step either skips the next skip steps (errno in skipOn, or a test
// with skip > 0) or ends the program with a fail record naming the step.
type rawOp struct {
	kind   rawKind
	regs   uint8 // bit i: args[i] is a register (1-based)
	nr     uintptr
	args   [6]rawArg
	out    uint16 // register the result goes to (0: none)
	skipOn uint64 // errnos below 64, as bits, that skip instead of failing
	skip   uint16
	note   bool // a skip sends a note record first (a weaker choice)
	// checkRet (rawSys): the call must return want, else the step fails
	// as a test does (a read of 1 byte that saw the end of the stream).
	checkRet bool
	want     uint64
	dev      uint64
	ino      uint64
	dst      *int32
	rec      uint32 // rawSend: the record's kind

	// For the outer stage only: what the step does, for errors ("openat2
	// \"/w/.git\""), and which errnos mean the host refuses the engine.
	what     string
	how      *unix.OpenHow // openat2's, for tests
	host     uint64
	explain  map[syscall.Errno]string // more words for an errno
	noteText string                   // a note's text, %s the step's error
}

// rawRecord is what the child tells the supervisor, one per message on a
// SOCK_SEQPACKET socket; the started and notify records carry descriptors.
type rawRecord struct {
	kind  uint32
	index uint32 // the step (fail, note)
	errno uint32
	value uint32 // the wait status (status), the candidate (exec)
}

const (
	recReady   = 1 + iota // the namespaces and mounts are in place
	recFail               // step index failed with errno (0: a test failed)
	recNote               // step index chose the weaker way (its errno)
	recNotify             // SCM_RIGHTS: seccomp listener, sock_diag socket
	recStarted            // SCM_RIGHTS: the command's pidfd
	recExec               // the command could not be executed: errno
	recStatus             // the command's wait status; index: statusAlone or 0
)

// rawFinishReaps bounds rawFinish's reaping of ended children.
const rawFinishReaps = 64

// statusAlone, as a status record's index, says that no process of the
// sandbox but PID 1 was left when it was sent (see rawFinish).
const statusAlone = 1

// rawExecCand is one path execvp would try, with the argv for it and for
// /bin/sh (a file without #! that execve refuses with ENOEXEC).
type rawExecCand struct {
	path, argv, shArgv unsafe.Pointer
}

// rawProgram is everything the child uses, complete before the child
// reads it (past rawBoot), and never freed while the child may run.
type rawProgram struct {
	ops  []rawOp
	regs []uintptr

	sock  uintptr        // the child's end of the status socket
	outer uintptr        // the outer's end, closed in the child
	mask  unix.Sigset_t  // the command's signal mask (the caller's)
	cands []rawExecCand  // execvp's candidates, in order
	envp  unsafe.Pointer // the command's environment
	// nofile is the command's RLIMIT_NOFILE, if setNofile (callerNofile).
	nofile    unix.Rlimit
	setNofile bool
	sh        unsafe.Pointer // "/bin/sh"
	scratch   rawScratch

	// stack is the inner stage's stack with rawCloneVM (rawNewStack):
	// never unmapped, as the inner stage may run until this process ends.
	stack []byte
	// handlersCleared: the inner stage started with every handler reset
	// (CLONE_CLEAR_SIGHAND, see rawFork).
	handlersCleared bool

	mem [][]byte // the C strings and arrays the pointers above point into
	obj []any    // the structs they point to
}

// rawScratch is memory the child writes.
type rawScratch struct {
	st      unix.Stat_t
	sfs     unix.Statfs_t
	rec     rawRecord
	ws      int32
	pidfd   int32
	iov     unix.Iovec
	msg     unix.Msghdr
	oob     [32]byte // one cmsghdr with up to two descriptors
	sync    [1]byte
	sigmask unix.Sigset_t
	sigold  rawSigaction
	sigdfl  rawSigaction // all zero: SIG_DFL, no flags, an empty mask
}

// rawNone is an empty register.
const rawNone = ^uintptr(0)

// rawActive is the program the inner stage runs when it starts with
// rawCloneVM (it has no arguments then); never cleared, so that the
// program stays alive for as long as the inner stage may read it.
var rawActive *rawProgram

// rawStackSize is the inner stage's stack with rawCloneVM, its lowest page
// a guard. It needs a few KiB: rawChild and what it calls are nosplit
// functions, whose frames the linker bounds.
const rawStackSize = 128 << 10

// rawFork starts the inner stage in new namespaces (flags) running pr and
// returns its PID. Where rawCloneVM exists the inner stage shares this
// process's memory on a stack of its own; elsewhere it is a fork of the
// calling (startup) thread. Either way nothing in it may grow a Go stack
// or allocate: the runtime's hooks make a stack check throw.
func rawFork(pr *rawProgram, flags uintptr) (pid int, err syscall.Errno) {
	if !rawHaveCloneVM {
		return rawForkCopy(pr, flags)
	}
	// The stack's top 64 bytes are never written: the stack grows down
	// from beneath them, and the thread pointer points among them, so
	// that the g the runtime keeps at -8(FS) reads as nil.
	top := uintptr(unsafe.Pointer(&pr.stack[len(pr.stack)-64])) &^ 15
	tls := uintptr(unsafe.Pointer(&pr.stack[len(pr.stack)-32]))
	rawActive = pr
	base := uintptr(unsafe.Pointer(&pr.stack[0]))
	args := rawCloneArgs{
		flags:      uint64(flags | unix.CLONE_VM | unix.CLONE_SETTLS | unix.CLONE_CLEAR_SIGHAND),
		exitSignal: uint64(unix.SIGCHLD),
		stack:      uint64(base),
		stackSize:  uint64(top - base),
		tls:        uint64(tls),
	}
	// Under a seccomp filter from outside, clone3 is not tried: a filter
	// that knows only clone(2) may kill for it (SECCOMP_RET_KILL, TRAP:
	// systemd's SystemCallFilter= without an errno, libseccomp's
	// default), where clone(2) was allowed.
	tryClone3 := !outsideFilter()
	syscall.ForkLock.Lock()
	runtimeBeforeFork() // every signal blocked: the inner stage starts so
	pr.handlersCleared = tryClone3
	r, e := uintptr(0), uintptr(unix.ENOSYS)
	if tryClone3 {
		r, e = rawClone3VM(unsafe.Pointer(&args), unsafe.Sizeof(args))
	}
	if e != 0 && rawCloneFallback {
		// No clone3 (before Linux 5.3, or refused with ENOSYS by a
		// seccomp filter, as Docker's is) or no CLONE_CLEAR_SIGHAND
		// (before 5.5): clone(2), and the inner stage clears the
		// handlers itself. Whatever made clone3 fail that clone(2)
		// shares (no user namespaces), clone(2) says.
		pr.handlersCleared = false
		r, e = rawCloneVM(flags|unix.CLONE_VM|unix.CLONE_SETTLS|uintptr(unix.SIGCHLD), top, tls)
	}
	runtimeAfterFork()
	syscall.ForkLock.Unlock()
	if e != 0 {
		return -1, syscall.Errno(e)
	}
	return int(r), 0
}

// rawNewStack maps the inner stage's stack for rawCloneVM (none is needed
// without it).
func rawNewStack() ([]byte, error) {
	if !rawHaveCloneVM {
		return nil, nil
	}
	stack, err := unix.Mmap(-1, 0, rawStackSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_STACK)
	if err != nil {
		return nil, fmt.Errorf("mmap of the inner stage's stack: %w", err)
	}
	if err := unix.Mprotect(stack[:unix.Getpagesize()], unix.PROT_NONE); err != nil {
		unix.Munmap(stack)
		return nil, fmt.Errorf("mprotect of the inner stage's stack guard: %w", err)
	}
	return stack, nil
}

// rawChildEntry is where the inner stage starts with rawCloneVM: with the
// runtime's signal handlers, every signal blocked, and this process's
// memory shared. It cannot use runtimeAfterForkInChild, which writes a
// variable the supervisor's runtime reads.
//
//go:nosplit
//go:norace
//go:nocheckptr
func rawChildEntry() {
	pr := rawActive
	if !pr.handlersCleared {
		rawResetHandlers(pr)
	}
	s := &pr.scratch
	s.sigmask = pr.mask
	syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&s.sigmask)), 0, 8, 0, 0)
	rawChild(pr)
}

// rawResetHandlers gives every signal with a handler its default action
// (the handlers are the Go runtime's, which must never run here) and
// keeps those ignored, as clone3's CLONE_CLEAR_SIGHAND does in one step
// where the kernel has it: 64 system calls and some 60 more, about 0.1 ms
// of the inner stage's start here. See sigaction(2), clone(2).
//
//go:nosplit
//go:nocheckptr
func rawResetHandlers(pr *rawProgram) {
	s := &pr.scratch
	for sig := uintptr(1); sig <= 64; sig++ {
		s.sigold = rawSigaction{}
		if _, _, e := syscall.RawSyscall6(unix.SYS_RT_SIGACTION, sig, 0, uintptr(unsafe.Pointer(&s.sigold)), 8, 0, 0); e != 0 {
			continue
		}
		if s.sigold.handler == sigDfl || s.sigold.handler == sigIgn {
			continue
		}
		s.sigdfl = rawSigaction{}
		syscall.RawSyscall6(unix.SYS_RT_SIGACTION, sig, uintptr(unsafe.Pointer(&s.sigdfl)), 0, 8, 0, 0)
	}
}

// rawCloneFallback lets rawFork fall back to clone(2) when clone3 fails;
// a test turns it off to see clone3 used.
var rawCloneFallback = true

// rawCloneArgs is struct clone_args, its first version (64 bytes, Linux
// 5.3). See clone(2).
type rawCloneArgs struct {
	flags      uint64
	pidfd      uint64
	childTID   uint64
	parentTID  uint64
	exitSignal uint64
	stack      uint64 // the lowest address of the stack
	stackSize  uint64
	tls        uint64
}

// rawForkCopy is rawFork by fork(2): the child is a copy of this process
// (its calling thread only).
//
//go:noinline
//go:norace
//go:nocheckptr
func rawForkCopy(pr *rawProgram, flags uintptr) (pid int, err syscall.Errno) {
	syscall.ForkLock.Lock()
	runtimeBeforeFork()
	r, _, e := syscall.RawSyscall6(unix.SYS_CLONE, flags|uintptr(unix.SIGCHLD), 0, 0, 0, 0, 0)
	if e == 0 && r == 0 {
		runtimeAfterForkInChild()
		rawChild(pr)
		// not reached: rawChild ends with exit_group
	}
	runtimeAfterFork()
	syscall.ForkLock.Unlock()
	if e != 0 {
		return -1, e
	}
	return int(r), 0
}

// rawExit ends the process (every thread of it: there is one).
//
//go:nosplit
func rawExit(code uintptr) {
	for {
		syscall.RawSyscall(unix.SYS_EXIT_GROUP, code, 0, 0)
	}
}

// rawArgValue is the value of argument i of op for the system call.
//
//go:nosplit
func rawArgValue(pr *rawProgram, op *rawOp, i int) uintptr {
	if op.regs&(1<<i) != 0 {
		return pr.regs[op.args[i]-1]
	}
	return op.args[i]
}

// rawSendRec writes rec on the status socket, with the descriptors in
// scratch.oob when n > 0, and returns sendmsg's errno. A record that
// carries descriptors can fail where others do not (ETOOMANYREFS: the
// user's descriptors in flight exceed its RLIMIT_NOFILE, which the
// command, running as the same user, can bring about): the caller must
// not go on as if the supervisor had it.
//
//go:nosplit
//go:nocheckptr
func rawSendRec(pr *rawProgram, kind, index, errno, value uint32, n int) syscall.Errno {
	// Only numbers are stored here: a pointer store could call the
	// garbage collector's write barrier. rawPrepare set the pointers.
	s := &pr.scratch
	s.rec = rawRecord{kind: kind, index: index, errno: errno, value: value}
	s.msg.Controllen = 0
	if n > 0 {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&s.oob[0]))
		h.Level = unix.SOL_SOCKET
		h.Type = unix.SCM_RIGHTS
		h.Len = uint64(unix.SizeofCmsghdr + 4*n)
		s.msg.Controllen = uint64(unix.SizeofCmsghdr + 8)
	}
	for {
		_, _, e := syscall.RawSyscall6(unix.SYS_SENDMSG, pr.sock, uintptr(unsafe.Pointer(&s.msg)), unix.MSG_NOSIGNAL, 0, 0, 0)
		if e != unix.EINTR {
			return e
		}
	}
}

// validate checks what rawRun takes on trust, so that it can never fail a
// bounds check: with rawCloneVM that panic would run the Go runtime on
// the supervisor's memory with no goroutine of its own (it faults at
// once, but the inner stage is lost). Register arguments and results
// name registers that exist; skips stay within the program; stores have
// a destination; sends carry at most two descriptors.
func (pr *rawProgram) validate() error {
	n := len(pr.regs)
	for i := range pr.ops {
		op := &pr.ops[i]
		if int(op.kind) >= len(rawKindNames) {
			return fmt.Errorf("raw program step %d (%s): unknown kind %d", i, op.what, op.kind)
		}
		for j := range op.args {
			if op.regs&(1<<j) != 0 && (op.args[j] < 1 || op.args[j] > uintptr(n)) {
				return fmt.Errorf("raw program step %d (%s): argument %d names register %d of %d", i, op.what, j, op.args[j], n)
			}
		}
		if op.regs>>len(op.args) != 0 {
			return fmt.Errorf("raw program step %d (%s): register bits %#x", i, op.what, op.regs)
		}
		if int(op.out) > n {
			return fmt.Errorf("raw program step %d (%s): result to register %d of %d", i, op.what, op.out, n)
		}
		if i+int(op.skip) >= len(pr.ops) {
			return fmt.Errorf("raw program step %d (%s): skips %d steps past the end", i, op.what, op.skip)
		}
		if op.kind == rawStore && op.dst == nil {
			return fmt.Errorf("raw program step %d (%s): a store without a destination", i, op.what)
		}
		if op.kind == rawSend && op.regs&^0b110 != 0 {
			return fmt.Errorf("raw program step %d (%s): a send with descriptors other than in arguments 1 and 2", i, op.what)
		}
	}
	return nil
}

// rawPrepare sets the pointers of the scratch memory, before the child
// reads its program.
func (pr *rawProgram) rawPrepare() {
	s := &pr.scratch
	s.iov.Base = (*byte)(unsafe.Pointer(&s.rec))
	s.iov.Len = uint64(unsafe.Sizeof(s.rec))
	s.msg = unix.Msghdr{Iov: &s.iov, Iovlen: 1, Control: &s.oob[0]}
}

// rawOOBFD puts descriptor fd in slot i of scratch.oob.
//
//go:nosplit
//go:nocheckptr
func rawOOBFD(pr *rawProgram, i int, fd uintptr) {
	*(*int32)(unsafe.Pointer(&pr.scratch.oob[unix.SizeofCmsghdr+4*i])) = int32(fd)
}

// rawChild is the child: the program, then PID 1's work. It never returns.
//
//go:nosplit
//go:norace
//go:nocheckptr
func rawChild(pr *rawProgram) {
	if !rawBoot(pr) {
		rawExit(exitSetup)
	}
	if i, e := rawRun(pr); i >= 0 {
		rawSendRec(pr, recFail, uint32(i), uint32(e), 0, 0)
		rawExit(exitSetup)
	}
	// The command, as a child of this PID 1, with a pidfd for the
	// supervisor: it signals the command through it.
	pr.scratch.pidfd = -1
	r, e := rawSpawn(pr)
	if e != 0 {
		rawSendRec(pr, recFail, uint32(len(pr.ops)), uint32(e), 0, 0)
		rawExit(exitSetup)
	}
	rawOOBFD(pr, 0, uintptr(pr.scratch.pidfd))
	if e := rawSendRec(pr, recStarted, 0, 0, uint32(r), 1); e != 0 {
		// The supervisor cannot signal the command without its pidfd:
		// end it all (the end of PID 1 kills every process of its PID
		// namespace) rather than run it unsupervised.
		rawSendRec(pr, recFail, uint32(len(pr.ops)+2), uint32(e), 0, 0)
		rawExit(exitSetup)
	}
	syscall.RawSyscall(unix.SYS_CLOSE, uintptr(pr.scratch.pidfd), 0, 0)
	// Init: reap every child; the command's status is the answer.
	for {
		w, _, e := syscall.RawSyscall6(unix.SYS_WAIT4, rawNone, uintptr(unsafe.Pointer(&pr.scratch.ws)), 0, 0, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			rawSendRec(pr, recFail, uint32(len(pr.ops)+1), uint32(e), 0, 0)
			rawExit(exitSetup)
		}
		if w == r {
			rawFinish(pr, uint32(pr.scratch.ws))
		}
	}
}

// rawFinish is PID 1's end, once the command has ended with wait status
// ws: the status to the supervisor, marked alone when no other process
// of the PID namespace is left, then PID 1's exit, whose kernel side
// kills whatever is (zap_pid_ns_processes, which no credential, LSM or
// seccomp filter can refuse, as they can a kill(2) of PID 1's). Alone,
// the supervisor removes the placeholders while PID 1's exit tears the
// namespaces down, since nothing is left in the sandbox to make a missing
// read-only path once its placeholder is gone; otherwise once PID 1 has
// ended.
//
// Alone is: PID 1 has no children, running or ended, once it has reaped
// those that ended (wait4 answers ECHILD). Every process of the sandbox
// descends from PID 1: each is forked inside from one that does (an
// init cannot use CLONE_PARENT), and an orphan goes to PID 1 or to a
// subreaper among its descendants before its parent can be reaped. So
// with no children there is no other process, and none can be made but
// by PID 1. (A process a host user puts in with setns(2) is not
// counted, and need not be: that user can make the path from outside.)
// No kill(-1, 0) count instead: it walks every process on the host. See
// wait4(2), pid_namespaces(7), PR_SET_CHILD_SUBREAPER in prctl(2).
//
//go:nosplit
//go:norace
//go:nocheckptr
func rawFinish(pr *rawProgram, ws uint32) {
	var alone uint32
	// Bounded: what the command left could end children as fast as PID
	// 1 reaps them, and the status must not wait for that (it is then
	// not alone).
	for n := 0; n < rawFinishReaps; n++ {
		w, _, e := syscall.RawSyscall6(unix.SYS_WAIT4, rawNone, uintptr(unsafe.Pointer(&pr.scratch.ws)), unix.WNOHANG|unix.WALL, 0, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e == unix.ECHILD {
			alone = statusAlone
		}
		if e != 0 || w == 0 {
			break
		}
	}
	if rawSendRec(pr, recStatus, alone, 0, ws, 0) != 0 {
		rawExit(exitSetup) // the supervisor must not take 0 for it
	}
	rawExit(0)
}

// rawBoot is what the inner stage does before its program, which may
// still be in the making when it starts: die with the supervisor's thread
// (PR_SET_PDEATHSIG), close the supervisor's end of the socket, and wait
// for the supervisor's byte, which says the ID maps are written and the
// program is complete. False if any of that fails: the end of the stream
// means the supervisor is gone.
//
//go:nosplit
//go:norace
//go:nocheckptr
func rawBoot(pr *rawProgram) bool {
	if _, _, e := syscall.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0); e != 0 {
		return false
	}
	syscall.RawSyscall(unix.SYS_CLOSE, pr.outer, 0, 0)
	for {
		n, _, e := syscall.RawSyscall(unix.SYS_READ, pr.sock, uintptr(unsafe.Pointer(&pr.scratch.sync[0])), 1)
		if e != unix.EINTR {
			return e == 0 && n == 1
		}
	}
}

// rawSpawn starts the command's process (rawExec) and returns its PID, in
// PID 1 only. With rawVforkFlags the child runs on this stack until it
// execs: a separate function, so that nothing it writes can change a
// frame PID 1 returns to (see rawvfork_amd64.s); its only stores to shared
// memory are to the scratch memory, which PID 1 writes again after.
//
//go:noinline
//go:nosplit
//go:norace
//go:nocheckptr
func rawSpawn(pr *rawProgram) (uintptr, syscall.Errno) {
	r, e := rawVfork(uintptr(unix.SIGCHLD|unix.CLONE_PIDFD|rawVforkFlags), uintptr(unsafe.Pointer(&pr.scratch.pidfd)))
	if e == 0 && r == 0 {
		rawExec(pr)
	}
	return r, syscall.Errno(e)
}

// rawExec is the command's process: the caller's signal mask, then
// execvp's search (see searchExec). It never returns.
//
//go:nosplit
//go:norace
//go:nocheckptr
func rawExec(pr *rawProgram) {
	pr.scratch.sigmask = pr.mask
	syscall.RawSyscall6(unix.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&pr.scratch.sigmask)), 0, 8, 0, 0)
	if pr.setNofile {
		// This process's own (a vfork without CLONE_THREAD has its own
		// limits); lowering a soft limit cannot fail.
		syscall.RawSyscall6(unix.SYS_PRLIMIT64, 0, unix.RLIMIT_NOFILE, uintptr(unsafe.Pointer(&pr.nofile)), 0, 0, 0)
	}
	sawEACCES := false
	for i := 0; i < len(pr.cands); i++ {
		c := &pr.cands[i]
		_, _, e := syscall.RawSyscall(unix.SYS_EXECVE, uintptr(c.path), uintptr(c.argv), uintptr(pr.envp))
		switch e {
		case unix.ENOEXEC:
			_, _, e = syscall.RawSyscall(unix.SYS_EXECVE, uintptr(pr.sh), uintptr(c.shArgv), uintptr(pr.envp))
			rawExecFailed(pr, e, i)
		case unix.EACCES:
			sawEACCES = true
		case unix.ENOENT, unix.ENOTDIR, unix.ESTALE, unix.ENODEV, unix.ETIMEDOUT:
		default:
			rawExecFailed(pr, e, i)
		}
	}
	if sawEACCES {
		rawExecFailed(pr, unix.EACCES, -1)
	}
	rawExecFailed(pr, unix.ENOENT, -1)
}

// rawExecFailed reports why the command could not run and exits as
// execError.exitCode says.
//
//go:nosplit
func rawExecFailed(pr *rawProgram, e syscall.Errno, cand int) {
	rawSendRec(pr, recExec, 0, uint32(e), uint32(cand), 0)
	if e == unix.ENOENT || e == unix.ENOTDIR {
		rawExit(exitNotFound)
	}
	rawExit(exitCannotRun)
}

// rawRun runs the program's steps. It returns -1 when all ran, else the
// failed step and its errno (0: a test failed).
//
//go:nosplit
//go:norace
//go:nocheckptr
func rawRun(pr *rawProgram) (int, syscall.Errno) {
	for i := range pr.regs {
		pr.regs[i] = rawNone
	}
	for i := 0; i < len(pr.ops); i++ {
		op := &pr.ops[i]
		var e syscall.Errno
		ok := true
		switch op.kind {
		case rawSys:
			var r uintptr
			r, _, e = syscall.RawSyscall6(op.nr,
				rawArgValue(pr, op, 0), rawArgValue(pr, op, 1), rawArgValue(pr, op, 2),
				rawArgValue(pr, op, 3), rawArgValue(pr, op, 4), rawArgValue(pr, op, 5))
			if e == 0 && op.out > 0 {
				pr.regs[op.out-1] = r
			}
			ok = e == 0 && (!op.checkRet || uint64(r) == op.want)
		case rawIsType, rawIsDevIno:
			_, _, e = syscall.RawSyscall(unix.SYS_FSTAT, rawArgValue(pr, op, 0), uintptr(unsafe.Pointer(&pr.scratch.st)), 0)
			if e != 0 {
				ok = false
				break
			}
			t := uint64(1) << ((pr.scratch.st.Mode & unix.S_IFMT) >> 12)
			ok = op.want&t != 0
			if op.kind == rawIsDevIno {
				ok = ok && uint64(pr.scratch.st.Dev) == op.dev && uint64(pr.scratch.st.Ino) == op.ino
			}
		case rawIsFSType:
			_, _, e = syscall.RawSyscall(unix.SYS_FSTATFS, rawArgValue(pr, op, 0), uintptr(unsafe.Pointer(&pr.scratch.sfs)), 0)
			ok = e == 0 && uint64(pr.scratch.sfs.Type) == op.want
		case rawIfFD:
			ok = rawArgValue(pr, op, 0) != rawNone
		case rawStore:
			*op.dst = int32(rawArgValue(pr, op, 0))
		case rawClose:
			if fd := rawArgValue(pr, op, 0); fd != rawNone {
				syscall.RawSyscall(unix.SYS_CLOSE, fd, 0, 0)
				if op.regs&1 != 0 {
					pr.regs[op.args[0]-1] = rawNone
				}
			}
		case rawSend:
			n := 0
			for j := 1; j < 3; j++ {
				if op.regs&(1<<j) != 0 {
					rawOOBFD(pr, j-1, rawArgValue(pr, op, j))
					n = j
				}
			}
			e = rawSendRec(pr, op.rec, uint32(i), 0, 0, n)
			ok = e == 0
		}
		if ok {
			continue
		}
		if e != 0 && e < 64 && op.skipOn&(1<<uint(e)) != 0 {
			if op.note {
				rawSendRec(pr, recNote, uint32(i), uint32(e), 0, 0)
			}
			i += int(op.skip)
			continue
		}
		if e == 0 && op.skip > 0 {
			i += int(op.skip)
			continue
		}
		return i, e
	}
	return -1, 0
}
