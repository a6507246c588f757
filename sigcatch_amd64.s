//go:build linux && amd64

#include "textflag.h"

// rawSigHandler is a signal handler as the kernel calls it (the C ABI,
// the signal's number in DI), on the thread's alternate signal stack: it
// writes that number, one byte, into the pipe rawSigPipe and returns to
// the restorer. Every register it changes the kernel restores at
// rt_sigreturn.
TEXT ·rawSigHandler(SB), NOSPLIT|NOFRAME, $0
	SUBQ $16, SP
	MOVB DI, 0(SP)
	MOVQ ·rawSigPipe(SB), DI
	MOVQ SP, SI
	MOVQ $1, DX
	MOVQ $1, AX // SYS_write
	SYSCALL
	ADDQ $16, SP
	RET

// rawSigReturn is rawSigHandler's restorer: rt_sigreturn(2).
TEXT ·rawSigReturn(SB), NOSPLIT|NOFRAME, $0
	MOVQ $15, AX // SYS_rt_sigreturn
	SYSCALL
	INT  $3

// func rawSigAddrs() (handler, restorer uintptr)
TEXT ·rawSigAddrs(SB), NOSPLIT, $0-16
	LEAQ ·rawSigHandler(SB), AX
	MOVQ AX, handler+0(FP)
	LEAQ ·rawSigReturn(SB), AX
	MOVQ AX, restorer+8(FP)
	RET
