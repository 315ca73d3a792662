//go:build !purego

package sgemm

import (
	"sync"

	"golang.org/x/sys/cpu"
)

// Accelerated says whether Gemm runs assembly kernels (AVX2 and FMA); Wide whether its main
// kernel is the AVX-512 one, 32 columns wide. Both may be switched off (tests do).
var (
	Accelerated = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	Wide        bool
)

func init() { SetWide(true) }

// SetWide chooses the AVX-512 kernel (when the processor has it) or the AVX2 one.
func SetWide(on bool) {
	Wide = on && Accelerated && cpu.X86.HasAVX512F
	mr, nr, directRows = 6, 16, 32
	if Wide {
		mr, nr, directRows = 8, 32, 64
	}
}

//go:noescape
func kernelAVX2(kb int, a, b, c *float32, ldb, ldc int, store bool)

//go:noescape
func kernelAVX512(kb int, a, b, c *float32, ldb, ldc int, store bool)

func kernel(kb int, a, b []float32, ldb int, c []float32, ldc int, store bool) {
	if !Accelerated {
		kernelGo(kb, a, b, ldb, c, ldc, store)
		return
	}
	_ = a[kb*mr-1] // bounds the assembly's reads and writes
	_ = b[(kb-1)*ldb+nr-1]
	_ = c[(mr-1)*ldc+nr-1]
	if nr == 32 {
		kernelAVX512(kb, &a[0], &b[0], &c[0], ldb, ldc, store)
		return
	}
	kernelAVX2(kb, &a[0], &b[0], &c[0], ldb, ldc, store)
}

// kernelRows is kernel for a tile's first rows (< mr) rows, writing only those rows of C. It
// reports false, doing nothing, without assembly kernels (the Go one computes whole tiles).
func kernelRows(kb int, a, b []float32, ldb int, c []float32, ldc, rows int, store bool) bool {
	if !Accelerated {
		return false
	}
	_ = a[kb*mr-1] // bounds the assembly's reads and writes
	_ = b[(kb-1)*ldb+nr-1]
	_ = c[(rows-1)*ldc+nr-1]
	if nr == 32 {
		kernelAVX512Rows(kb, &a[0], &b[0], &c[0], ldb, ldc, rows, store)
	} else {
		kernelAVX2Rows(kb, &a[0], &b[0], &c[0], ldb, ldc, rows, store)
	}
	return true
}

// kernelShiftedRows is kernelRows with row p of B at x[offs[p]:] (MulShifted).
func kernelShiftedRows(kb int, a, x []float32, offs []int, c []float32, ldc, rows int, store bool) bool {
	if !Accelerated {
		return false
	}
	_ = a[kb*mr-1] // x's reads are bounded by MulShifted's check
	_ = offs[kb-1]
	_ = c[(rows-1)*ldc+nr-1]
	if nr == 32 {
		kernelAVX512ShiftedRows(kb, &a[0], &x[0], &offs[0], &c[0], ldc, rows, store)
	} else {
		kernelAVX2ShiftedRows(kb, &a[0], &x[0], &offs[0], &c[0], ldc, rows, store)
	}
	return true
}

//go:noescape
func kernelAVX512Rows(kb int, a, b, c *float32, ldb, ldc, rows int, store bool)

//go:noescape
func kernelAVX512ShiftedRows(kb int, a, x *float32, offs *int, c *float32, ldc, rows int, store bool)

//go:noescape
func kernelAVX2Rows(kb int, a, b, c *float32, ldb, ldc, rows int, store bool)

//go:noescape
func kernelAVX2ShiftedRows(kb int, a, x *float32, offs *int, c *float32, ldc, rows int, store bool)

// kernelShifted is kernel with row p of B at x[offs[p]:] (MulShifted).
func kernelShifted(kb int, a, x []float32, offs []int, c []float32, ldc int, store bool) {
	if !Accelerated {
		kernelGoShifted(kb, a, x, offs, c, ldc, store)
		return
	}
	_ = a[kb*mr-1] // x's reads are bounded by MulShifted's check
	_ = offs[kb-1]
	_ = c[(mr-1)*ldc+nr-1]
	if nr == 32 {
		kernelAVX512Shifted(kb, &a[0], &x[0], &offs[0], &c[0], ldc, store)
		return
	}
	kernelAVX2Shifted(kb, &a[0], &x[0], &offs[0], &c[0], ldc, store)
}

//go:noescape
func kernelAVX2Shifted(kb int, a, x *float32, offs *int, c *float32, ldc int, store bool)

//go:noescape
func kernelAVX512Shifted(kb int, a, x *float32, offs *int, c *float32, ldc int, store bool)

//go:noescape
func dotAVX2(steps int, a *float32, lda int, b *float32, ldb int, out *[12]float32, rows int)

//go:noescape
func dotAVX512(steps int, a *float32, lda int, b *float32, ldb int, out *[24]float32, tail, rows int)

// direct computes C = A·Bᵀ + beta·C without packing and reports whether it did, for few rows
// in A: the kernel gradient's layout (dy·colsᵀ), where packing Bᵀ costs as much as the multiply.
func direct(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	if !Accelerated || transA || !transB || k < 8 || m > directRows {
		return false
	}
	scale(m, n, beta, c, ldc)
	gemmNT(m, n, k, a, lda, b, ldb, c, ldc)
	return true
}

// gemmNT computes C += A·Bᵀ for A (m x k) and B (n x k), both contiguous along k, in tiles
// of 4 rows of A by 3 rows of B whose dot products run 8 lanes wide (16 with AVX-512).
// A partial tile of B reads a zero-padded copy of its rows; one of A, only its own rows.
func gemmNT(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	gemmNTTiles(m, n, k, a, lda, func(j int, pad []float32) ([]float32, int) {
		return rowsTile(b, ldb, j, n, 3, k, pad)
	}, c, ldc)
}

// MulNTShifted computes C += A·Bᵀ for A (m x k, rows lda apart) and the n x k matrix B whose
// row p is x[offs[p]:][:k]: a stride-1 convolution's kernel gradient dy·colsᵀ with the
// unfolded image read in place from the padded image. B's rows go three at a time, in place
// when their offsets are equally spaced (the taps of one kernel row), else copied. It
// reports false, doing nothing, where the dot-product path does not run: without AVX2 and
// FMA, for more than DirectRows() rows of A, or for k below 8.
func MulNTShifted(m, n, k int, a []float32, lda int, x []float32, offs []int, c []float32, ldc int) bool {
	if !NTShifted(m, k) {
		return false
	}
	offs = offs[:n]
	gemmNTTiles(m, n, k, a, lda, func(j int, pad []float32) ([]float32, int) {
		o := offs[j:min(n, j+3)]
		if len(o) == 3 && o[1] > o[0] && o[2]-o[1] == o[1]-o[0] {
			_ = x[o[2]+k-1] // bounds the assembly's reads
			return x[o[0]:], o[1] - o[0]
		}
		clear(pad[:3*k])
		for r, at := range o {
			copy(pad[r*k:(r+1)*k], x[at:][:k])
		}
		return pad, k
	}, c, ldc)
	return true
}

// NTShifted says whether MulNTShifted runs for m rows of A and dot products of length k.
func NTShifted(m, k int) bool { return Accelerated && m <= directRows && k >= 8 }

// gemmNTTiles is gemmNT with rows j..j+2 of B and their distance given by tileB, which may
// copy them into pad (3k values, zero past B's last row). A's rows go 4 at a time, 8 with
// AVX-512 (32 registers: 24 sums), which halves how often B's rows are read for each A row;
// the last tile of A has only the rows that exist (a rank-3 layer's 3 rows cost 3, not 8).
func gemmNTTiles(m, n, k int, a []float32, lda int, tileB func(j int, pad []float32) ([]float32, int), c []float32, ldc int) {
	// dots is the kernel and done how much of each dot product it computes; plain Go adds the
	// rest (the AVX-512 kernel covers the tail itself with masked loads).
	var out [24]float32
	rows, done := 4, k/8*8
	dots := func(a, b *float32, lda, ldb, r int) { dotAVX2(k/8, a, lda, b, ldb, (*[12]float32)(out[:12]), r) }
	if Wide {
		rows, done = 8, k
		dots = func(a, b *float32, lda, ldb, r int) { dotAVX512(k/16, a, lda, b, ldb, &out, k%16, r) }
	}
	pad := pads.Get().(*[]float32)
	defer pads.Put(pad)
	if cap(*pad) < 3*k {
		*pad = make([]float32, 3*k)
	}
	padB := (*pad)[:3*k]           // a zero-padded copy of a partial tile's rows of B
	for i := 0; i < m; i += rows { // A's tile stays in L1 while B's rows stream past it
		r := min(rows, m-i)
		at, ldat := rowsTile(a, lda, i, m, r, k, nil)
		for j := 0; j < n; j += 3 {
			bt, ldbt := tileB(j, padB)
			if done > 0 {
				dots(&at[0], &bt[0], ldat, ldbt, r)
			}
			for t, sum := range out[:r*3] {
				s := t % 3
				if j+s >= n {
					continue
				}
				if done < k {
					sum += dot(at[t/3*ldat+done:t/3*ldat+k], bt[s*ldbt+done:])
				}
				c[(i+t/3)*ldc+j+s] += sum
			}
		}
	}
}

// pads holds gemmNT's padded rows between calls: the kernel gradient calls it per image.
var pads = sync.Pool{New: func() any { return new([]float32) }}

// rowsTile returns rows r0..r0+rows-1 of x (ld apart, k long) and their distance: in place
// when all exist, else copied into pad with zero rows after the last.
func rowsTile(x []float32, ld, r0, n, rows, k int, pad []float32) ([]float32, int) {
	if r0+rows <= n {
		_ = x[(r0+rows-1)*ld+k-1] // bounds the assembly's reads
		return x[r0*ld:], ld
	}
	clear(pad[:rows*k])
	for r := r0; r < n; r++ {
		copy(pad[(r-r0)*k:(r-r0+1)*k], x[r*ld:])
	}
	return pad, k
}
