//go:build !purego

#include "textflag.h"

// Every loop takes n > 0, a multiple of 8, and handles 8 floats per iteration.

// HSUM leaves the sum of the 8 lanes of Y0 in the low lane of X0.
#define HSUM \
	VEXTRACTF128 $1, Y0, X1 \
	VADDPS       X1, X0, X0 \
	VHADDPS      X0, X0, X0 \
	VHADDPS      X0, X0, X0

// func scaleShiftAVX(y, x *float32, n int, a, b float32)
TEXT ·scaleShiftAVX(SB), NOSPLIT, $0-32
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS a+24(FP), Y1
	VBROADCASTSS b+28(FP), Y2

scaleShiftLoop:
	VMOVUPS     (SI), Y0
	VFMADD213PS Y2, Y1, Y0 // Y0 = a*x + b
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JNZ         scaleShiftLoop
	VZEROUPPER
	RET

// func affine2AVX(dst, u, v *float32, n int, p, q, r, mu float32)
TEXT ·affine2AVX(SB), NOSPLIT, $0-48
	MOVQ         dst+0(FP), DI
	MOVQ         u+8(FP), SI
	MOVQ         v+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS p+32(FP), Y1
	VBROADCASTSS q+36(FP), Y2
	VBROADCASTSS r+40(FP), Y3
	VBROADCASTSS mu+44(FP), Y5

affine2Loop:
	VMOVUPS     (DX), Y0
	VSUBPS      Y5, Y0, Y0
	VFMADD213PS Y3, Y2, Y0 // Y0 = q*(v-mu) + r
	VMOVUPS     (SI), Y4
	VFMADD231PS Y4, Y1, Y0 // Y0 += p*u
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DX
	ADDQ        $32, DI
	SUBQ        $8, CX
	JNZ         affine2Loop
	VZEROUPPER
	RET

// func sumAVX(x *float32, n int) float32
TEXT ·sumAVX(SB), NOSPLIT, $0-20
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPS Y0, Y0, Y0

sumLoop:
	VADDPS (SI), Y0, Y0
	ADDQ   $32, SI
	SUBQ   $8, CX
	JNZ    sumLoop
	HSUM
	VMOVSS X0, ret+16(FP)
	VZEROUPPER
	RET

// func sumSqDevAVX(x *float32, n int, mu float32) float32
TEXT ·sumSqDevAVX(SB), NOSPLIT, $0-28
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS mu+16(FP), Y2
	VXORPS       Y0, Y0, Y0

sumSqDevLoop:
	VMOVUPS     (SI), Y3
	VSUBPS      Y2, Y3, Y3
	VFMADD231PS Y3, Y3, Y0
	ADDQ        $32, SI
	SUBQ        $8, CX
	JNZ         sumSqDevLoop
	HSUM
	VMOVSS      X0, ret+24(FP)
	VZEROUPPER
	RET

// func sumDevAVX(dy, x *float32, n int, mu float32) (sd, sdx float32)
TEXT ·sumDevAVX(SB), NOSPLIT, $0-40
	MOVQ         dy+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS mu+24(FP), Y2
	VXORPS       Y0, Y0, Y0
	VXORPS       Y5, Y5, Y5

sumDevLoop:
	VMOVUPS     (DI), Y4
	VADDPS      Y4, Y5, Y5
	VMOVUPS     (SI), Y3
	VSUBPS      Y2, Y3, Y3
	VFMADD231PS Y3, Y4, Y0
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JNZ         sumDevLoop
	HSUM
	VMOVSS      X0, sdx+36(FP)
	VMOVAPS     Y5, Y0
	HSUM
	VMOVSS      X0, sd+32(FP)
	VZEROUPPER
	RET

// func reluAVX(y, x *float32, n int)
// max(0, x) returns x when x is NaN; adding +0 turns -0 into +0.
TEXT ·reluAVX(SB), NOSPLIT, $0-24
	MOVQ   y+0(FP), DI
	MOVQ   x+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Y7, Y7, Y7

reluLoop:
	VMOVUPS (SI), Y0
	VMAXPS  Y0, Y7, Y1
	VADDPS  Y7, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     reluLoop
	VZEROUPPER
	RET

// func reluGradAVX(dx, x, dy *float32, n int)
// mask = (^b >> 31) & ((b | -b) >> 31), arithmetic shifts of the bits b of x.
TEXT ·reluGradAVX(SB), NOSPLIT, $0-32
	MOVQ     dx+0(FP), DI
	MOVQ     x+8(FP), SI
	MOVQ     dy+16(FP), DX
	MOVQ     n+24(FP), CX
	VPCMPEQD Y6, Y6, Y6
	VPXOR    Y7, Y7, Y7

reluGradLoop:
	VMOVDQU (SI), Y0
	VPXOR   Y6, Y0, Y1
	VPSRAD  $31, Y1, Y1
	VPSUBD  Y0, Y7, Y2
	VPOR    Y0, Y2, Y2
	VPSRAD  $31, Y2, Y2
	VPAND   Y1, Y2, Y2
	VPAND   (DX), Y2, Y2
	VMOVDQU Y2, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     reluGradLoop
	VZEROUPPER
	RET
