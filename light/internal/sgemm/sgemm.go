// Package sgemm multiplies row-major float32 matrices with a packed, cache-blocked algorithm
// (Goto and van de Geijn's, as in BLIS) around a register-tile kernel: an 8x32 AVX-512 tile or
// a 6x16 AVX2/FMA one in assembly on amd64 processors that have them, plain Go elsewhere or
// under the purego tag; A·Bᵀ with few rows in A takes an unpacked dot-product tile. A tile of
// fewer rows than the register tile (a rank-k layer's k output channels) computes only its
// rows in the assembly kernels, with the same bits per row. On the convolution shapes of the
// zoo it is several times faster than gonum's pure-Go Sgemm, which streams rows through
// 4-wide axpy and dot products (see BenchmarkGemm).
package sgemm

import "sync"

// Register tile (mr x nr) and cache blocks: a kc x nr slice of packed B stays in L1, an
// mc x kc block of packed A in L2, a kc x nc panel of packed B in L3.
const (
	maxMR = 8
	maxNR = 32
	kc    = 256
	mc    = 96
	nc    = 2048
)

// directRows is the most rows of A for which A·Bᵀ takes the unpacked dot-product path on
// accelerated processors (the longer its dot products, k, the better it runs): 64 with the
// 8-row AVX-512 tile, where 33-64 rows ran 1.1-4.5x faster than packing (the kernel
// gradients of CIFAR's 64-filter layers), 32 with the 4-row AVX2 tile.
var directRows = 32

// DirectRows is the most rows of A for which A·Bᵀ takes the dot-product path.
func DirectRows() int { return directRows }

// MaxTile is the widest register tile's columns: MulShifted reads whole tiles.
const MaxTile = maxNR

// mr x nr is the register tile: 8x32 for the AVX-512 kernel, else 6x16.
var mr, nr = 6, 16

// Gemm computes C = op(A)·op(B) + beta·C, where op(A) is m x k, op(B) is k x n and C is
// m x n, all row-major with leading dimensions lda, ldb and ldc; op transposes a matrix when
// its flag is set. Like BLAS, beta = 0 ignores C's previous contents (NaNs included).
func Gemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scale(m, n, beta, c, ldc)
		return
	}
	if direct(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	pa := packs.Get().(*PackedA)
	defer packs.Put(pa)
	pa.pack(transA, m, k, a, lda)
	pa.Mul(transB, n, b, ldb, beta, c, ldc)
}

// PackedA is op(A) packed once for products with many matrices B, such as a convolution
// kernel with every image of a batch. Mul may run concurrently.
type PackedA struct {
	m, k, mPad int
	data       []float32 // for each kc-block of columns, all rows in panels of mr
}

var packs = sync.Pool{New: func() any { return new(PackedA) }}

// PackA packs op(A), m x k, row-major with leading dimension lda.
func PackA(transA bool, m, k int, a []float32, lda int) *PackedA {
	p := new(PackedA)
	p.pack(transA, m, k, a, lda)
	return p
}

func (p *PackedA) pack(transA bool, m, k int, a []float32, lda int) {
	p.m, p.k, p.mPad = m, k, (m+mr-1)/mr*mr
	if cap(p.data) < p.mPad*k {
		p.data = make([]float32, p.mPad*k)
	}
	p.data = p.data[:p.mPad*k]
	for pc := 0; pc < k; pc += kc {
		packA(transA, m, min(kc, k-pc), a, lda, 0, pc, p.data[pc*p.mPad:])
	}
}

// Mul computes C = A·op(B) + beta·C for the packed A (m x k), op(B) k x n and C m x n.
func (p *PackedA) Mul(transB bool, n int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if p.m == 0 || n == 0 {
		return
	}
	if p.k == 0 || beta != 0 {
		scale(p.m, n, beta, c, ldc)
	}
	buf := pool.Get().(*buffers)
	defer pool.Put(buf)
	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc := 0; pc < p.k; pc += kc {
			kb := min(kc, p.k-pc)
			bb := blockB{b: b, ldb: ldb, p0: pc, j0: jc, kb: kb, nb: nb, packed: buf.b[:], direct: !transB}
			bb.pack()
			slab := p.data[pc*p.mPad:]
			for ic := 0; ic < p.m; ic += mc {
				macro(min(mc, p.m-ic), kb, slab[ic*kb:], buf, bb, c[ic*ldc+jc:], ldc, beta == 0 && pc == 0)
			}
		}
	}
}

// blockB is the kb x nb block of op(B) at (p0, j0). Its nr-column panels are read in place
// when B is not transposed (rows of a panel are then ldb apart), else packed; a last
// partial panel is always packed, zero-padded.
type blockB struct {
	b              []float32
	ldb            int
	p0, j0, kb, nb int
	packed         []float32
	direct         bool
}

func (bb blockB) pack() {
	if !bb.direct {
		packB(true, bb.kb, bb.nb, bb.b, bb.ldb, bb.p0, bb.j0, bb.packed)
		return
	}
	if full := bb.nb / nr * nr; full < bb.nb {
		packB(false, bb.kb, bb.nb-full, bb.b, bb.ldb, bb.p0, bb.j0+full, bb.packed)
	}
}

// panel returns the panel at column jr and the distance between its rows.
func (bb blockB) panel(jr int) ([]float32, int) {
	switch {
	case !bb.direct:
		return bb.packed[jr*bb.kb:], nr
	case jr+nr <= bb.nb:
		return bb.b[bb.p0*bb.ldb+bb.j0+jr:], bb.ldb
	default:
		return bb.packed, nr
	}
}

// buffers are the packed B blocks of one call, pooled so that steady-state calls allocate
// nothing.
type buffers struct {
	b    [kc * (nc + maxNR)]float32
	edge [maxMR * maxNR]float32
}

var pool = sync.Pool{New: func() any { return new(buffers) }}

// scale multiplies C by beta (beta = 0 clears it).
func scale(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// packA copies the mb x kb block of op(A) at (i0, p0) into row panels of mr rows, each
// stored column after column (mr values per column), zero-padding the last panel.
func packA(trans bool, mb, kb int, a []float32, lda, i0, p0 int, dst []float32) {
	for ip := 0; ip < mb; ip += mr {
		panel := dst[ip*kb : (ip+mr)*kb]
		rows := min(mr, mb-ip)
		for i := 0; i < mr; i++ {
			if i >= rows {
				for p := 0; p < kb; p++ {
					panel[p*mr+i] = 0
				}
				continue
			}
			if trans { // A[row][p] = a[p*lda+row]
				src := a[p0*lda+i0+ip+i:]
				for p := 0; p < kb; p++ {
					panel[p*mr+i] = src[p*lda]
				}
				continue
			}
			src := a[(i0+ip+i)*lda+p0:][:kb]
			for p, v := range src {
				panel[p*mr+i] = v
			}
		}
	}
}

// packB copies the kb x nb block of op(B) at (p0, j0) into column panels of nr columns, each
// stored row after row (nr values per row), zero-padding the last panel.
func packB(trans bool, kb, nb int, b []float32, ldb, p0, j0 int, dst []float32) {
	for jp := 0; jp < nb; jp += nr {
		panel := dst[jp*kb : (jp+nr)*kb]
		cols := min(nr, nb-jp)
		if trans { // B[p][col] = b[col*ldb+p]: read nr rows of b side by side
			src := b[(j0+jp)*ldb+p0:]
			for p := 0; p < kb; p++ {
				row := panel[p*nr : (p+1)*nr]
				for j := range cols {
					row[j] = src[j*ldb+p]
				}
				clear(row[cols:])
			}
			continue
		}
		for p := 0; p < kb; p++ {
			row := panel[p*nr : (p+1)*nr]
			n := copy(row[:cols], b[(p0+p)*ldb+j0+jp:])
			clear(row[n:])
		}
	}
}

// macro adds the product of the packed mb x kb block a of A and kb x nb panel of B to C (or
// stores it, when store is set), one register tile at a time; tiles that stick out of C go
// through an edge buffer, but for those short of rows only, which the assembly kernels write
// directly (kernelRows).
func macro(mb, kb int, a []float32, buf *buffers, bb blockB, c []float32, ldc int, store bool) {
	for jr := 0; jr < bb.nb; jr += nr {
		bp, ldb := bb.panel(jr)
		cols := min(nr, bb.nb-jr)
		for ir := 0; ir < mb; ir += mr {
			ap := a[ir*kb:]
			rows := min(mr, mb-ir)
			switch {
			case rows == mr && cols == nr:
				kernel(kb, ap, bp, ldb, c[ir*ldc+jr:], ldc, store)
			case cols == nr && kernelRows(kb, ap, bp, ldb, c[ir*ldc+jr:], ldc, rows, store):
			default:
				kernel(kb, ap, bp, ldb, buf.edge[:], nr, true)
				addEdge(buf.edge[:], c[ir*ldc+jr:], ldc, rows, cols, store)
			}
		}
	}
}

// kernelGo adds the product of an mr x kb packed panel of A and kb rows of nr values of B,
// ldb apart, to the mr x nr tile of C at c, or stores it there when store is set.
func kernelGo(kb int, a, b []float32, ldb int, c []float32, ldc int, store bool) {
	var acc [maxMR * maxNR]float32
	for p := 0; p < kb; p++ {
		ap, bp := a[p*mr:][:mr], b[p*ldb:][:nr]
		for i, ai := range ap {
			row := acc[i*nr:][:nr]
			for j, bj := range bp {
				row[j] += ai * bj
			}
		}
	}
	addEdge(acc[:], c, ldc, mr, nr, store)
}

// dot is Σ x[p]·y[p] over x.
func dot(x, y []float32) float32 {
	var s float32
	y = y[:len(x)]
	for p, v := range x {
		s += v * y[p]
	}
	return s
}
