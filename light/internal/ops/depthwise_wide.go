package ops

// The stride-1 depthwise kernels work on whole planes. Padded by pad zeros on every side, a
// plane is (h+2·pad) rows of wp = w+2·pad; output pixel (y, x) lives at index y·wp+x of a
// span-long accumulator (the columns x >= w in between are scratch), and its tap (ky, kx)
// reads the padded plane at that same index plus ky·wp+kx. So each tap is one vector AXPY
// or dot product over the whole plane rather than one short call per row.

func (g geom) wp() int     { return g.w + 2*g.pad }
func (g geom) span() int   { return (g.h-1)*g.wp() + g.w }
func (g geom) padded() int { return (g.h + 2*g.pad) * g.wp() }

// tap is the offset of tap t (row-major in the kernel) in the padded plane.
func (g geom) tap(t int) int { return t/g.kw*g.wp() + t%g.kw }

// spread copies the h rows of plane src (width w) to dst at row pitch wp, starting at index
// at; what lies between the rows in dst is left as it is (zero in a scratch buffer that only
// ever receives rows this way).
func spread[T float](g geom, dst, src []T, at int) {
	copyRows(dst[at:], g.wp(), src, g.w, g.h, g.w)
}

// wideForward sets y = x ⊛ w for stride 1, with the kernel turned by 180 degrees if flip
// (which makes it the input gradient, from y = dx and x = dy). With stride 1 an input plane
// and its output plane sit at the same offset.
func wideForward[T float](g geom, y, x, w []T, flip bool) {
	taps, span, pad := g.kh*g.kw, g.span(), g.padded()
	planes(g, pad+span, false, func(s []T, in, _, ker int) {
		xp, acc := s[:pad], s[pad:]
		spread(g, xp, x[in:], g.pad*g.wp()+g.pad)
		clear(acc)
		for t := 0; t < taps; t++ {
			k := w[ker+t]
			if flip {
				k = w[ker+taps-1-t]
			}
			addScaled(acc, xp[g.tap(t):][:span], k)
		}
		copyRows(y[in:], g.w, acc, g.wp(), g.h, g.w)
	})
}

// wideGradFilter adds to dw the kernel gradient for stride 1: for each tap, the dot product
// of the padded input shifted to that tap with dy laid out at pitch wp (zeros between rows).
func wideGradFilter[T float](g geom, dw, x, dy []T) {
	span, pad := g.span(), g.padded()
	planes(g, pad+span, true, func(s []T, in, out, ker int) {
		xp, dyw := s[:pad], s[pad:]
		spread(g, xp, x[in:], g.pad*g.wp()+g.pad)
		spread(g, dyw, dy[out:], 0)
		for t := 0; t < g.kh*g.kw; t++ {
			dw[ker+t] += dotOf(xp[g.tap(t):][:span], dyw)
		}
	})
}
