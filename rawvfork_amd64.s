//go:build linux && amd64

#include "textflag.h"

// func rawVfork(flags, ptid uintptr) (pid, errno uintptr)
//
// clone(flags, 0, ptid, 0, 0) with CLONE_VM|CLONE_VFORK in flags: the
// child runs on the caller's stack until it execs or exits, while the
// caller waits in the kernel. The return address is held in a register
// across the system call, not on the stack, so that whatever the child
// writes to the stack after it returns cannot change where the caller
// returns to (the technique of the Go runtime's own vfork). NOFRAME: this
// function keeps nothing else on the stack.
TEXT ·rawVfork(SB), NOSPLIT|NOFRAME, $0-32
	MOVQ flags+0(FP), DI
	MOVQ $0, SI
	MOVQ ptid+8(FP), DX
	MOVQ $0, R10
	MOVQ $0, R8
	MOVQ $0, R9
	MOVQ $56, AX // SYS_clone
	POPQ R12
	SYSCALL
	PUSHQ R12
	CMPQ AX, $0xfffffffffffff001
	JLS  ok
	MOVQ $-1, pid+16(FP)
	NEGQ AX
	MOVQ AX, errno+24(FP)
	RET
ok:
	MOVQ AX, pid+16(FP)
	MOVQ $0, errno+24(FP)
	RET

// func rawCloneVM(flags, stack, tls uintptr) (pid, errno uintptr)
//
// clone(flags, stack, 0, 0, tls) with CLONE_VM|CLONE_SETTLS in flags: the
// child shares the caller's memory, runs on stack (the top of memory of
// its own, not Go's) with tls as its FS base, and calls rawChildEntry,
// which never returns; exit_group(125) if it did. tls points into zeroed
// memory, so the ABI wrapper of rawChildEntry loads a nil g into R14: the
// child has no goroutine, and any path into the Go runtime (a bounds
// check's panic, a stack check) faults at once instead of running on the
// caller's goroutine. Every other register is the caller's, which is all
// rawChildEntry needs: it calls only functions that never grow the stack,
// and takes its program from rawActive.
TEXT ·rawCloneVM(SB), NOSPLIT|NOFRAME, $0-40
	MOVQ flags+0(FP), DI
	MOVQ stack+8(FP), SI
	MOVQ $0, DX
	MOVQ $0, R10
	MOVQ tls+16(FP), R8
	MOVQ $0, R9
	MOVQ $56, AX // SYS_clone
	SYSCALL
	CMPQ AX, $0
	JEQ  child
	CMPQ AX, $0xfffffffffffff001
	JLS  parent
	MOVQ $-1, pid+24(FP)
	NEGQ AX
	MOVQ AX, errno+32(FP)
	RET
parent:
	MOVQ AX, pid+24(FP)
	MOVQ $0, errno+32(FP)
	RET
child:
	JMP ·rawCloneChild(SB)

// rawCloneChild is where rawCloneVM's and rawClone3VM's child goes, on
// its own stack, with nothing of the caller's frame: a nil g in R14 (see
// rawCloneVM), rawChildEntry, which never returns, and exit_group(125) if
// it did.
TEXT ·rawCloneChild(SB), NOSPLIT|NOFRAME, $0-0
	XORQ R14, R14
	CALL ·rawChildEntry(SB)
	MOVQ $125, DI
	MOVQ $231, AX // SYS_exit_group
	SYSCALL
	INT  $3

// func rawClone3VM(args unsafe.Pointer, size uintptr) (pid, errno uintptr)
//
// clone3(args, size) with CLONE_VM|CLONE_SETTLS in args' flags: as
// rawCloneVM, the child starts on the stack args names, with its tls, and
// calls rawChildEntry. The kernel reads args during the call: it may live
// on the caller's stack.
TEXT ·rawClone3VM(SB), NOSPLIT|NOFRAME, $0-32
	MOVQ args+0(FP), DI
	MOVQ size+8(FP), SI
	MOVQ $435, AX // SYS_clone3
	SYSCALL
	CMPQ AX, $0
	JEQ  child
	CMPQ AX, $0xfffffffffffff001
	JLS  parent
	MOVQ $-1, pid+16(FP)
	NEGQ AX
	MOVQ AX, errno+24(FP)
	RET
parent:
	MOVQ AX, pid+16(FP)
	MOVQ $0, errno+24(FP)
	RET
child:
	JMP ·rawCloneChild(SB)
