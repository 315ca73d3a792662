//go:build !purego

#include "textflag.h"

// The kernels for a tile of fewer rows than the register tile's (a rank-k layer's k output
// channels): the products of absent rows are not computed, and only the tile's rows of C are
// written. BX holds the row count (AVX-512: 1-7 of 8, accumulators Z4..Z17; AVX2: 1-5 of 6,
// Y4..Y13), two accumulators per row.

// FMA2(off, za, zb) adds row off/4 of the packed panel times B's 32 values in Z0, Z1.
#define FMA2(off, za, zb) \
	VBROADCASTSS off(SI), Z2 \
	VFMADD231PS  Z0, Z2, za \
	VFMADD231PS  Z1, Z2, zb

// ADDROW adds a row of the tile to C at DX and moves DX to the next row; STOREROW stores it.
#define ADDROW(za, zb) \
	VADDPS  (DX), za, za \
	VADDPS  64(DX), zb, zb \
	VMOVUPS za, (DX) \
	VMOVUPS zb, 64(DX) \
	ADDQ    R8, DX

#define STOREROW(za, zb) \
	VMOVUPS za, (DX) \
	VMOVUPS zb, 64(DX) \
	ADDQ    R8, DX

// FMA2Y, ADDROWY and STOREROWY are the same for 16 values of B in Y0, Y1.
#define FMA2Y(off, ya, yb) \
	VBROADCASTSS off(SI), Y2 \
	VFMADD231PS  Y0, Y2, ya \
	VFMADD231PS  Y1, Y2, yb

#define ADDROWY(ya, yb) \
	VADDPS  (DX), ya, ya \
	VADDPS  32(DX), yb, yb \
	VMOVUPS ya, (DX) \
	VMOVUPS yb, 32(DX) \
	ADDQ    R8, DX

#define STOREROWY(ya, yb) \
	VMOVUPS ya, (DX) \
	VMOVUPS yb, 32(DX) \
	ADDQ    R8, DX

#define ZEROROWS \
	VPXORD Z4, Z4, Z4 \
	VPXORD Z5, Z5, Z5 \
	VPXORD Z6, Z6, Z6 \
	VPXORD Z7, Z7, Z7 \
	VPXORD Z8, Z8, Z8 \
	VPXORD Z9, Z9, Z9 \
	VPXORD Z10, Z10, Z10 \
	VPXORD Z11, Z11, Z11 \
	VPXORD Z12, Z12, Z12 \
	VPXORD Z13, Z13, Z13 \
	VPXORD Z14, Z14, Z14 \
	VPXORD Z15, Z15, Z15 \
	VPXORD Z16, Z16, Z16 \
	VPXORD Z17, Z17, Z17

#define ZEROROWSY \
	VXORPS Y4, Y4, Y4 \
	VXORPS Y5, Y5, Y5 \
	VXORPS Y6, Y6, Y6 \
	VXORPS Y7, Y7, Y7 \
	VXORPS Y8, Y8, Y8 \
	VXORPS Y9, Y9, Y9 \
	VXORPS Y10, Y10, Y10 \
	VXORPS Y11, Y11, Y11 \
	VXORPS Y12, Y12, Y12 \
	VXORPS Y13, Y13, Y13

// FMAROWS runs one step of the BX rows, then goes to next; FMAROWSY likewise.
#define FMAROWS(next) \
	FMA2(0, Z4, Z5) \
	CMPQ BX, $1 \
	JEQ next \
	FMA2(4, Z6, Z7) \
	CMPQ BX, $2 \
	JEQ next \
	FMA2(8, Z8, Z9) \
	CMPQ BX, $3 \
	JEQ next \
	FMA2(12, Z10, Z11) \
	CMPQ BX, $4 \
	JEQ next \
	FMA2(16, Z12, Z13) \
	CMPQ BX, $5 \
	JEQ next \
	FMA2(20, Z14, Z15) \
	CMPQ BX, $6 \
	JEQ next \
	FMA2(24, Z16, Z17)

#define FMAROWSY(next) \
	FMA2Y(0, Y4, Y5) \
	CMPQ BX, $1 \
	JEQ next \
	FMA2Y(4, Y6, Y7) \
	CMPQ BX, $2 \
	JEQ next \
	FMA2Y(8, Y8, Y9) \
	CMPQ BX, $3 \
	JEQ next \
	FMA2Y(12, Y10, Y11) \
	CMPQ BX, $4 \
	JEQ next \
	FMA2Y(16, Y12, Y13)

// ENDROWS adds the BX rows to C (stores them when the flag at store is set) and returns;
// ENDROWSY likewise.
#define ENDROWS(store, add, done) \
	MOVBLZX store, AX \
	TESTL   AX, AX \
	JNZ     add \
	ADDROW(Z4, Z5) \
	CMPQ BX, $1 \
	JEQ done \
	ADDROW(Z6, Z7) \
	CMPQ BX, $2 \
	JEQ done \
	ADDROW(Z8, Z9) \
	CMPQ BX, $3 \
	JEQ done \
	ADDROW(Z10, Z11) \
	CMPQ BX, $4 \
	JEQ done \
	ADDROW(Z12, Z13) \
	CMPQ BX, $5 \
	JEQ done \
	ADDROW(Z14, Z15) \
	CMPQ BX, $6 \
	JEQ done \
	ADDROW(Z16, Z17) \
	JMP done \
add: \
	STOREROW(Z4, Z5) \
	CMPQ BX, $1 \
	JEQ done \
	STOREROW(Z6, Z7) \
	CMPQ BX, $2 \
	JEQ done \
	STOREROW(Z8, Z9) \
	CMPQ BX, $3 \
	JEQ done \
	STOREROW(Z10, Z11) \
	CMPQ BX, $4 \
	JEQ done \
	STOREROW(Z12, Z13) \
	CMPQ BX, $5 \
	JEQ done \
	STOREROW(Z14, Z15) \
	CMPQ BX, $6 \
	JEQ done \
	STOREROW(Z16, Z17) \
done: \
	VZEROUPPER \
	RET

#define ENDROWSY(store, add, done) \
	MOVBLZX store, AX \
	TESTL   AX, AX \
	JNZ     add \
	ADDROWY(Y4, Y5) \
	CMPQ BX, $1 \
	JEQ done \
	ADDROWY(Y6, Y7) \
	CMPQ BX, $2 \
	JEQ done \
	ADDROWY(Y8, Y9) \
	CMPQ BX, $3 \
	JEQ done \
	ADDROWY(Y10, Y11) \
	CMPQ BX, $4 \
	JEQ done \
	ADDROWY(Y12, Y13) \
	JMP done \
add: \
	STOREROWY(Y4, Y5) \
	CMPQ BX, $1 \
	JEQ done \
	STOREROWY(Y6, Y7) \
	CMPQ BX, $2 \
	JEQ done \
	STOREROWY(Y8, Y9) \
	CMPQ BX, $3 \
	JEQ done \
	STOREROWY(Y10, Y11) \
	CMPQ BX, $4 \
	JEQ done \
	STOREROWY(Y12, Y13) \
done: \
	VZEROUPPER \
	RET

// func kernelAVX512Rows(kb int, a, b, c *float32, ldb, ldc, rows int, store bool)
// kernelAVX512 for the first rows rows of the tile.
TEXT ·kernelAVX512Rows(SB), NOSPLIT, $0-57
	MOVQ kb+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldb+32(FP), R9
	SHLQ $2, R9
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	MOVQ rows+48(FP), BX
	ZEROROWS
rowsloop:
	VMOVUPS (DI), Z0
	VMOVUPS 64(DI), Z1
	FMAROWS(rowsnext)
rowsnext:
	ADDQ $32, SI
	ADDQ R9, DI
	DECQ CX
	JNZ  rowsloop
	ENDROWS(store+56(FP), rowsstore, rowsdone)

// func kernelAVX512ShiftedRows(kb int, a, x *float32, offs *int, c *float32, ldc, rows int, store bool)
// kernelAVX512Shifted for the first rows rows of the tile.
TEXT ·kernelAVX512ShiftedRows(SB), NOSPLIT, $0-57
	MOVQ kb+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ x+16(FP), DI
	MOVQ offs+24(FP), R11
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	MOVQ rows+48(FP), BX
	ZEROROWS
srowsloop:
	MOVQ    (R11), R10
	VMOVUPS (DI)(R10*4), Z0
	VMOVUPS 64(DI)(R10*4), Z1
	FMAROWS(srowsnext)
srowsnext:
	ADDQ $32, SI
	ADDQ $8, R11
	DECQ CX
	JNZ  srowsloop
	ENDROWS(store+56(FP), srowsstore, srowsdone)

// func kernelAVX2Rows(kb int, a, b, c *float32, ldb, ldc, rows int, store bool)
// kernelAVX2 for the first rows rows of the tile.
TEXT ·kernelAVX2Rows(SB), NOSPLIT, $0-57
	MOVQ kb+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldb+32(FP), R9
	SHLQ $2, R9
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	MOVQ rows+48(FP), BX
	ZEROROWSY
yrowsloop:
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	FMAROWSY(yrowsnext)
yrowsnext:
	ADDQ $24, SI
	ADDQ R9, DI
	DECQ CX
	JNZ  yrowsloop
	ENDROWSY(store+56(FP), yrowsstore, yrowsdone)

// func kernelAVX2ShiftedRows(kb int, a, x *float32, offs *int, c *float32, ldc, rows int, store bool)
// kernelAVX2Shifted for the first rows rows of the tile.
TEXT ·kernelAVX2ShiftedRows(SB), NOSPLIT, $0-57
	MOVQ kb+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ x+16(FP), DI
	MOVQ offs+24(FP), R11
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	MOVQ rows+48(FP), BX
	ZEROROWSY
ysrowsloop:
	MOVQ    (R11), R10
	VMOVUPS (DI)(R10*4), Y0
	VMOVUPS 32(DI)(R10*4), Y1
	FMAROWSY(ysrowsnext)
ysrowsnext:
	ADDQ $24, SI
	ADDQ $8, R11
	DECQ CX
	JNZ  ysrowsloop
	ENDROWSY(store+56(FP), ysrowsstore, ysrowsdone)
