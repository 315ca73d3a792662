package ops

// im2col unfolds one image x (c, h, w) into cols (c·kh·kw, oh·ow), whose rows are ld apart.
func im2col[T float](g convGeom, x, cols []T, ld int) {
	p := g.pixels()
	for c := 0; c < g.c; c++ {
		plane := x[c*g.h*g.w:][:g.h*g.w]
		for ky := 0; ky < g.kh; ky++ {
			for kx := 0; kx < g.kw; kx++ {
				row := cols[((c*g.kh+ky)*g.kw+kx)*ld:][:p]
				if g.stride == 1 {
					shifted(g, plane, row, ky, kx)
				} else {
					strided(g, plane, row, ky, kx)
				}
			}
		}
	}
}

// shifted writes the row of tap (ky, kx) with stride 1 (so ow = w): the plane shifted by
// (ky-pad, kx-pad), which is one contiguous copy whose wrapped-around edge columns are then
// zeroed.
func shifted[T float](g convGeom, plane, row []T, ky, kx int) {
	lo, hi, _ := g.columns(kx)
	y0, y1 := max(0, g.pad-ky), min(g.oh, g.h+g.pad-ky) // rows whose input row exists
	if y0 >= y1 || lo >= hi {
		clear(row)
		return
	}
	clear(row[:y0*g.ow])
	clear(row[y1*g.ow:])
	off := (ky-g.pad)*g.w + kx - g.pad
	copy(row[y0*g.ow+lo:(y1-1)*g.ow+hi], plane[y0*g.ow+lo+off:])
	zeroWrapped(g, row, y0, y1, lo, hi)
}

// zeroWrapped zeroes the columns outside [lo, hi) (at most pad on each side) of the row's
// lines y0..y1-1.
func zeroWrapped[T float](g convGeom, row []T, y0, y1, lo, hi int) {
	zero := func(ox int) {
		for i := y0*g.ow + ox; i < y1*g.ow; i += g.ow {
			row[i] = 0
		}
	}
	for ox := 0; ox < lo; ox++ {
		zero(ox)
	}
	for ox := hi; ox < g.ow; ox++ {
		zero(ox)
	}
}

// strided writes the row of tap (ky, kx) for a stride above 1, element by element.
func strided[T float](g convGeom, plane, row []T, ky, kx int) {
	lo, hi, ix0 := g.columns(kx)
	for oy := 0; oy < g.oh; oy++ {
		dst := row[oy*g.ow : (oy+1)*g.ow]
		iy := oy*g.stride - g.pad + ky
		if iy < 0 || iy >= g.h || lo >= hi {
			clear(dst)
			continue
		}
		clear(dst[:lo])
		clear(dst[hi:])
		src := plane[iy*g.w:]
		for ox, ix := lo, ix0; ox < hi; ox, ix = ox+1, ix+g.stride {
			dst[ox] = src[ix]
		}
	}
}

// col2im adds cols (c·kh·kw, oh·ow) back into the image gradient dx (c, h, w); it may
// overwrite cols.
func col2im[T float](g convGeom, cols, dx []T) {
	p := g.pixels()
	for c := 0; c < g.c; c++ {
		plane := dx[c*g.h*g.w:]
		for ky := 0; ky < g.kh; ky++ {
			for kx := 0; kx < g.kw; kx++ {
				row := cols[((c*g.kh+ky)*g.kw+kx)*p:][:p]
				if g.stride == 1 {
					unshifted(g, plane, row, ky, kx)
					continue
				}
				lo, hi, ix0 := g.columns(kx)
				for oy := 0; oy < g.oh; oy++ {
					iy := oy*g.stride - g.pad + ky
					if iy < 0 || iy >= g.h {
						continue
					}
					src, dst := row[oy*g.ow:], plane[iy*g.w:]
					for ox, ix := lo, ix0; ox < hi; ox, ix = ox+1, ix+g.stride {
						dst[ix] += src[ox]
					}
				}
			}
		}
	}
}

// unshifted is shifted's adjoint: it adds the row of tap (ky, kx) to the plane as one
// contiguous vector add, after zeroing the row's wrapped-around edge columns, which would
// land on the wrong pixels.
func unshifted[T float](g convGeom, plane, row []T, ky, kx int) {
	lo, hi, _ := g.columns(kx)
	y0, y1 := max(0, g.pad-ky), min(g.oh, g.h+g.pad-ky)
	if y0 >= y1 || lo >= hi {
		return
	}
	zeroWrapped(g, row, y0, y1, lo, hi)
	off := (ky-g.pad)*g.w + kx - g.pad
	src := row[y0*g.ow+lo : (y1-1)*g.ow+hi]
	addScaled(plane[y0*g.ow+lo+off:][:len(src)], src, 1)
}

// unfold returns image x as the (c·kh·kw, oh·ow) matrix of the convolution: x itself for a
// 1x1 kernel with stride 1, else its im2col unfolding into cols.
func unfold[T float](g convGeom, x, cols []T) []T {
	if g.pointwise() {
		return x
	}
	im2col(g, x, cols, g.pixels())
	return cols
}

func (g convGeom) pointwise() bool { return g.kh == 1 && g.kw == 1 && g.stride == 1 }

// cols is the scratch matrix of one worker (none for a pointwise convolution).
func (g convGeom) cols() int {
	if g.pointwise() {
		return 0
	}
	return g.patch() * g.pixels()
}
