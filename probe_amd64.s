//go:build linux && amd64

#include "textflag.h"

// func int80(trap, a1, a2, a3 uintptr) uintptr
//
// An i386 system call from 64-bit code: int $0x80 enters the kernel's
// compat table (eax = number; ebx, ecx, edx = arguments) whatever mode
// the caller runs in. Only the low 32 bits of each register count.
TEXT ·int80(SB), NOSPLIT, $0-40
	MOVQ trap+0(FP), AX
	MOVQ a1+8(FP), BX
	MOVQ a2+16(FP), CX
	MOVQ a3+24(FP), DX
	INT  $0x80
	MOVQ AX, ret+32(FP)
	RET
