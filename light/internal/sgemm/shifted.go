package sgemm

// MulShifted computes C = A·B for the packed A (m x k) and the k x n matrix B whose row p is
// x[offs[p]:][:n]: a stride-1 convolution's unfolded image, read in place from the padded
// image instead of copied out row by row. It adds the same products in the same order as
// Mul on the unfolded matrix, so the two give the same bits. x must hold offs[p]+n+nr values
// for every p (whole tiles are read; the values past n only reach discarded columns), and C
// is m x n with rows ldc apart.
func (p *PackedA) MulShifted(x []float32, offs []int, n int, c []float32, ldc int) {
	if p.m == 0 || n == 0 {
		return
	}
	if p.k == 0 {
		scale(p.m, n, 0, c, ldc)
		return
	}
	reach := 0
	for _, o := range offs[:p.k] {
		reach = max(reach, o)
	}
	_ = x[reach+(n+nr-1)/nr*nr-1] // every tile the kernels read lies in x
	buf := pool.Get().(*buffers)
	defer pool.Put(buf)
	for pc := 0; pc < p.k; pc += kc {
		kb := min(kc, p.k-pc)
		slab, offsets := p.data[pc*p.mPad:], offs[pc:pc+kb]
		for jr := 0; jr < n; jr += nr {
			cols := min(nr, n-jr)
			for ir := 0; ir < p.m; ir += mr {
				ap, rows, store := slab[ir*kb:], min(mr, p.m-ir), pc == 0
				switch {
				case rows == mr && cols == nr:
					kernelShifted(kb, ap, x[jr:], offsets, c[ir*ldc+jr:], ldc, store)
				case cols == nr && kernelShiftedRows(kb, ap, x[jr:], offsets, c[ir*ldc+jr:], ldc, rows, store):
				default:
					kernelShifted(kb, ap, x[jr:], offsets, buf.edge[:], nr, true)
					addEdge(buf.edge[:], c[ir*ldc+jr:], ldc, rows, cols, store)
				}
			}
		}
	}
}

// addEdge stores (or, without store, adds) the rows x cols corner of a tile computed into a
// buffer of nr columns into C.
func addEdge(edge, c []float32, ldc, rows, cols int, store bool) {
	for i := 0; i < rows; i++ {
		dst, src := c[i*ldc:][:cols], edge[i*nr:i*nr+cols]
		if store {
			copy(dst, src)
			continue
		}
		for j, v := range src {
			dst[j] += v
		}
	}
}

// kernelGoShifted is kernelGo with row p of B at x[offs[p]:].
func kernelGoShifted(kb int, a, x []float32, offs []int, c []float32, ldc int, store bool) {
	var acc [maxMR * maxNR]float32
	for p := 0; p < kb; p++ {
		ap, bp := a[p*mr:][:mr], x[offs[p]:][:nr]
		for i, ai := range ap {
			row := acc[i*nr:][:nr]
			for j, bj := range bp {
				row[j] += ai * bj
			}
		}
	}
	addEdge(acc[:], c, ldc, mr, nr, store)
}
