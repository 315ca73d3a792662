package ops

import (
	"fmt"
	"strconv"
	"strings"

	"gorgonia.org/tensor"
)

// geom is the geometry of a convolution over planes: input (n, c, h, w), kernel (c, 1, kh, kw),
// output (n, c, oh, ow), one stride and symmetric padding for both axes.
type geom struct{ n, c, h, w, kh, kw, oh, ow, stride, pad int }

func newGeom(x tensor.Shape, kh, kw, stride int) geom {
	g := geom{n: x[0], c: x[1], h: x[2], w: x[3], kh: kh, kw: kw, stride: stride, pad: kh / 2}
	g.oh = (g.h+2*g.pad-kh)/stride + 1
	g.ow = (g.w+2*g.pad-kw)/stride + 1
	return g
}

// dims writes a shape as 64x16x32x32.
func dims(s tensor.Shape) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "x")
}

func (g geom) String() string {
	return fmt.Sprintf("%dx%dx%dx%d k%dx%d s%d p%d", g.n, g.c, g.h, g.w, g.kh, g.kw, g.stride, g.pad)
}

// rows calls f for every kernel tap and every output row that reads a valid input row, with
// the half-open range [lo, hi) of output columns whose input column is valid and ix0, the input
// column of lo.
func (g geom) rows(f func(tap, oy, iy, lo, hi, ix0 int)) {
	for ky := 0; ky < g.kh; ky++ {
		for kx := 0; kx < g.kw; kx++ {
			lo, hi, ix0 := g.columns(kx)
			if lo >= hi {
				continue
			}
			for oy := 0; oy < g.oh; oy++ {
				if iy := oy*g.stride - g.pad + ky; iy >= 0 && iy < g.h {
					f(ky*g.kw+kx, oy, iy, lo, hi, ix0)
				}
			}
		}
	}
}

func ceilDiv(a, b int) int {
	if a <= 0 {
		return -((-a) / b)
	}
	return (a + b - 1) / b
}

// columns is the range [lo, hi) of output columns whose input column for tap kx is inside the
// image, and the input column of lo.
func (g geom) columns(kx int) (lo, hi, ix0 int) {
	if g.stride == 1 { // no divisions: this runs for every tap of every image
		lo, hi = max(0, g.pad-kx), min(g.ow, g.w+g.pad-kx)
		return lo, hi, lo - g.pad + kx
	}
	lo = max(0, ceilDiv(g.pad-kx, g.stride))
	hi = min(g.ow, (g.w-1+g.pad-kx)/g.stride+1)
	return lo, hi, lo*g.stride - g.pad + kx
}
