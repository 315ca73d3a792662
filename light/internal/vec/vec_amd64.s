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

// EVENODD splits 16 columns of a row (Ya: columns 0-7, Yb: 8-15) into the even columns (Ye)
// and the odd ones (Yo), both in the window order w0 w1 w4 w5 | w2 w3 w6 w7.
#define EVENODD(Ya, Yb, Ye, Yo) \
	VSHUFPS $0x88, Yb, Ya, Ye \
	VSHUFPS $0xDD, Yb, Ya, Yo

// func maxPool2AVX(out, r0, r1 *float32, n int)
// Eight windows per iteration; lanes holding a NaN are set to all-ones bits, a NaN.
TEXT ·maxPool2AVX(SB), NOSPLIT, $0-32
	MOVQ out+0(FP), DI
	MOVQ r0+8(FP), SI
	MOVQ r1+16(FP), DX
	MOVQ n+24(FP), CX

pool2Loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS (DX), Y2
	VMOVUPS 32(DX), Y3
	EVENODD(Y0, Y1, Y4, Y5)
	EVENODD(Y2, Y3, Y6, Y7)
	VCMPPS  $3, Y5, Y4, Y8 // unordered: a NaN in the pair
	VCMPPS  $3, Y7, Y6, Y9
	VORPS   Y9, Y8, Y8
	VMAXPS  Y5, Y4, Y4
	VMAXPS  Y7, Y6, Y6
	VMAXPS  Y6, Y4, Y4
	VORPS   Y8, Y4, Y4
	VPERMPD $0xD8, Y4, Y4 // back to w0..w7
	VMOVUPS Y4, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     pool2Loop
	VZEROUPPER
	RET

// func maxPool2GradAVX(d0, d1, r0, r1, grad *float32, n int) int
// For each window, masks q0..q3 select the first of a, b, c, d (r0 even, r0 odd, r1 even,
// r1 odd) equal to the maximum; the gradient goes there and zeros to the rest.
TEXT ·maxPool2GradAVX(SB), NOSPLIT, $0-56
	MOVQ     d0+0(FP), DI
	MOVQ     d1+8(FP), R8
	MOVQ     r0+16(FP), SI
	MOVQ     r1+24(FP), DX
	MOVQ     grad+32(FP), R9
	MOVQ     n+40(FP), CX
	XORQ     AX, AX
	VPCMPEQD Y15, Y15, Y15

pool2GradLoop:
	VMOVUPS   (SI), Y0
	VMOVUPS   32(SI), Y1
	VMOVUPS   (DX), Y2
	VMOVUPS   32(DX), Y3
	EVENODD(Y0, Y1, Y4, Y5)
	EVENODD(Y2, Y3, Y6, Y7)
	VCMPPS    $3, Y5, Y4, Y8
	VCMPPS    $3, Y7, Y6, Y9
	VORPS     Y9, Y8, Y8
	VMOVMSKPS Y8, BX
	TESTL     BX, BX
	JNZ       pool2GradDone
	VMAXPS    Y5, Y4, Y8
	VMAXPS    Y7, Y6, Y9
	VMAXPS    Y9, Y8, Y8         // the maximum m
	VCMPPS    $0, Y8, Y4, Y10    // q0 = a == m
	VCMPPS    $0, Y8, Y5, Y11
	VANDNPS   Y11, Y10, Y11      // q1 = b == m and not q0
	VORPS     Y11, Y10, Y12
	VCMPPS    $0, Y8, Y6, Y13
	VANDNPS   Y13, Y12, Y13      // q2
	VORPS     Y13, Y12, Y12
	VANDNPS   Y15, Y12, Y12      // q3 = not (q0 or q1 or q2)
	VMOVUPS   (R9), Y14
	VPERMPD   $0xD8, Y14, Y14    // g in window order
	VANDPS    Y14, Y10, Y10
	VANDPS    Y14, Y11, Y11
	VANDPS    Y14, Y13, Y13
	VANDPS    Y14, Y12, Y12
	VUNPCKLPS Y11, Y10, Y0
	VUNPCKHPS Y11, Y10, Y1
	VUNPCKLPS Y12, Y13, Y2
	VUNPCKHPS Y12, Y13, Y3
	VMOVUPS   Y0, (DI)
	VMOVUPS   Y1, 32(DI)
	VMOVUPS   Y2, (R8)
	VMOVUPS   Y3, 32(R8)
	ADDQ      $64, SI
	ADDQ      $64, DX
	ADDQ      $64, DI
	ADDQ      $64, R8
	ADDQ      $32, R9
	ADDQ      $8, AX
	CMPQ      AX, CX
	JLT       pool2GradLoop

pool2GradDone:
	MOVQ AX, ret+48(FP)
	VZEROUPPER
	RET

// RELUMASK(Yy, Yt) turns Yy into the ReLU-gradient mask of its values (all ones where the
// sign bit is clear and the value is not +0), using Yt; Y15 must be all ones, Y14 zero.
#define RELUMASK(Yy, Yt) \
	VPSUBD Yy, Y14, Yt  \
	VPOR   Yy, Yt, Yt   \
	VPXOR  Y15, Yy, Yy  \
	VPSRAD $31, Yy, Yy  \
	VPSRAD $31, Yt, Yt  \
	VPAND  Yt, Yy, Yy

// func scaleShiftReLUAVX(y, x *float32, n int, a, b float32)
TEXT ·scaleShiftReLUAVX(SB), NOSPLIT, $0-32
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS a+24(FP), Y1
	VBROADCASTSS b+28(FP), Y2
	VXORPS       Y7, Y7, Y7

scaleShiftReLULoop:
	VMOVUPS     (SI), Y0
	VFMADD213PS Y2, Y1, Y0 // a*x + b
	VMAXPS      Y0, Y7, Y0
	VADDPS      Y7, Y0, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JNZ         scaleShiftReLULoop
	VZEROUPPER
	RET

// func sumDevReLUAVX(dy, x *float32, n int, mu, a, b float32) (sd, sdx float32)
// sumDevAVX of dy masked where a*x + b (computed as in scaleShiftReLUAVX) is not positive.
TEXT ·sumDevReLUAVX(SB), NOSPLIT, $0-48
	MOVQ         dy+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS mu+24(FP), Y2
	VBROADCASTSS a+28(FP), Y8
	VBROADCASTSS b+32(FP), Y9
	VPCMPEQD     Y15, Y15, Y15
	VPXOR        Y14, Y14, Y14
	VXORPS       Y0, Y0, Y0
	VXORPS       Y5, Y5, Y5

sumDevReLULoop:
	VMOVUPS     (SI), Y3
	VMOVAPS     Y3, Y6
	VFMADD213PS Y9, Y8, Y6 // y = a*x + b
	RELUMASK(Y6, Y7)
	VANDPS      (DI), Y6, Y4 // dy where y > 0
	VADDPS      Y4, Y5, Y5
	VSUBPS      Y2, Y3, Y3
	VFMADD231PS Y3, Y4, Y0
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JNZ         sumDevReLULoop
	HSUM
	VMOVSS      X0, sdx+44(FP)
	VMOVAPS     Y5, Y0
	HSUM
	VMOVSS      X0, sd+40(FP)
	VZEROUPPER
	RET

// func affine2ReLUAVX(dst, u, v *float32, n int, p, q, r, mu, a, b float32)
// affine2AVX with u masked where a*v + b is not positive.
TEXT ·affine2ReLUAVX(SB), NOSPLIT, $0-56
	MOVQ         dst+0(FP), DI
	MOVQ         u+8(FP), SI
	MOVQ         v+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS p+32(FP), Y1
	VBROADCASTSS q+36(FP), Y2
	VBROADCASTSS r+40(FP), Y3
	VBROADCASTSS mu+44(FP), Y5
	VBROADCASTSS a+48(FP), Y8
	VBROADCASTSS b+52(FP), Y9
	VPCMPEQD     Y15, Y15, Y15
	VPXOR        Y14, Y14, Y14

affine2ReLULoop:
	VMOVUPS     (DX), Y0
	VMOVAPS     Y0, Y6
	VFMADD213PS Y9, Y8, Y6 // y = a*v + b
	RELUMASK(Y6, Y7)
	VANDPS      (SI), Y6, Y4 // u where y > 0
	VSUBPS      Y5, Y0, Y0
	VFMADD213PS Y3, Y2, Y0 // q*(v-mu) + r
	VFMADD231PS Y4, Y1, Y0 // += p*u
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DX
	ADDQ        $32, DI
	SUBQ        $8, CX
	JNZ         affine2ReLULoop
	VZEROUPPER
	RET

// func addAVX(z, x, y *float32, n int)
TEXT ·addAVX(SB), NOSPLIT, $0-32
	MOVQ z+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX

addLoop:
	VMOVUPS (SI), Y0
	VADDPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JNZ     addLoop
	VZEROUPPER
	RET

// func addScaledAVX(y, x *float32, n int, a float32)
TEXT ·addScaledAVX(SB), NOSPLIT, $0-28
	MOVQ         y+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS a+24(FP), Y1

addScaledLoop:
	VMOVUPS     (DI), Y0
	VFMADD231PS (SI), Y1, Y0 // y += a*x
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JNZ         addScaledLoop
	VZEROUPPER
	RET

// func dotAVX(x, y *float32, n int) float32
TEXT ·dotAVX(SB), NOSPLIT, $0-28
	MOVQ   x+0(FP), SI
	MOVQ   y+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPS Y0, Y0, Y0

dotLoop:
	VMOVUPS     (SI), Y2
	VFMADD231PS (DI), Y2, Y0
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JNZ         dotLoop
	HSUM
	VMOVSS      X0, ret+24(FP)
	VZEROUPPER
	RET

// The row loops take dst in DI and src in SI, their pitches in bytes in R8 and R9, the row
// count in BX and the row length in DX. ROW starts a row: R10 and R11 at its destination
// and source, CX its length.
#define ROW \
	MOVQ DI, R10 \
	MOVQ SI, R11 \
	MOVQ DX, CX

// NEXTROW moves to the next row and loops to row while rows remain.
#define NEXTROW(row) \
	ADDQ R8, DI \
	ADDQ R9, SI \
	DECQ BX \
	JNZ  row

// func copyRowsAVX(dst *float32, dpitch int, src *float32, spitch, rows, w int)
// Copies rows > 0 rows of w > 0 floats, 8, then 4, then 1 at a time.
TEXT ·copyRowsAVX(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ dpitch+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ spitch+24(FP), R9
	SHLQ $2, R9
	MOVQ rows+32(FP), BX
	MOVQ w+40(FP), DX

copyRow:
	ROW
	CMPQ CX, $8
	JLT  copyFour

copyEight:
	VMOVUPS (R11), Y0
	VMOVUPS Y0, (R10)
	ADDQ    $32, R11
	ADDQ    $32, R10
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     copyEight

copyFour:
	CMPQ    CX, $4
	JLT     copyOne
	VMOVUPS (R11), X0
	VMOVUPS X0, (R10)
	ADDQ    $16, R11
	ADDQ    $16, R10
	SUBQ    $4, CX

copyOne:
	TESTQ CX, CX
	JZ    copyNext

copyOneLoop:
	MOVSS (R11), X0
	MOVSS X0, (R10)
	ADDQ  $4, R11
	ADDQ  $4, R10
	DECQ  CX
	JNZ   copyOneLoop

copyNext:
	NEXTROW(copyRow)
	VZEROUPPER
	RET

// func addRowsAVX(dst *float32, dpitch int, src *float32, spitch, rows, w int, b float32)
// Sets rows > 0 rows of w > 0 floats to src + b as ScaleShift(row, row, 1, b) does: 1·x + b
// by FMA 8 at a time, then x + b one at a time.
TEXT ·addRowsAVX(SB), NOSPLIT, $0-52
	MOVQ dst+0(FP), DI
	MOVQ dpitch+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ spitch+24(FP), R9
	SHLQ $2, R9
	MOVQ rows+32(FP), BX
	MOVQ w+40(FP), DX
	VBROADCASTSS b+48(FP), Y2
	MOVL         $0x3f800000, AX // 1.0
	MOVL         AX, X1
	VBROADCASTSS X1, Y1

addRow:
	ROW
	CMPQ CX, $8
	JLT  addOne

addEight:
	VMOVUPS     (R11), Y0
	VFMADD213PS Y2, Y1, Y0 // Y0 = 1*x + b
	VMOVUPS     Y0, (R10)
	ADDQ        $32, R11
	ADDQ        $32, R10
	SUBQ        $8, CX
	CMPQ        CX, $8
	JGE         addEight

addOne:
	TESTQ CX, CX
	JZ    addNext

addOneLoop:
	MOVSS (R11), X0
	ADDSS X2, X0
	MOVSS X0, (R10)
	ADDQ  $4, R11
	ADDQ  $4, R10
	DECQ  CX
	JNZ   addOneLoop

addNext:
	NEXTROW(addRow)
	VZEROUPPER
	RET
