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
