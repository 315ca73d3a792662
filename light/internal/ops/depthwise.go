package ops

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pkg/errors"
)

// planes calls f for every (image, channel) pair with the offsets of its input and output
// planes and its kernel. With byChannel, the channels are spread over the cores and all calls
// for one channel run on one goroutine, in image order, so f may accumulate into that
// channel's kernel gradient; otherwise the images are, as the other ops spread them, so that
// a core reads planes it wrote. Each worker hands f its own zeroed scratch buffer of the given
// length, reused across its calls.
func planes[T float](g geom, scratch int, byChannel bool, f func(s []T, in, out, ker int)) {
	outer, inner := g.n, g.c
	if byChannel {
		outer, inner = g.c, g.n
	}
	parallel(outer, func(lo, hi int) {
		s := borrow[T](scratch)
		defer giveBack(s)
		clear(s)
		for a := lo; a < hi; a++ {
			for b := 0; b < inner; b++ {
				n, c := a, b
				if byChannel {
					n, c = b, a
				}
				p := n*g.c + c
				f(s, p*g.h*g.w, p*g.oh*g.ow, c*g.kh*g.kw)
			}
		}
	})
}

// With stride 1 the kernels work on whole planes (depthwise_wide.go); other strides go row by
// row, element by element.

// The depthwise kernels set every element of their output: the ones that accumulate clear
// it first.

func depthwiseForward[T float](g geom, y, x, w []T) {
	if g.stride == 1 {
		wideForward(g, y, x, w, false)
		return
	}
	depthwiseForwardRows(g, y, x, w)
}

func depthwiseGradInput[T float](g geom, dx, w, dy []T) {
	if g.stride == 1 { // the forward pass of dy with the kernel turned by 180 degrees
		wideForward(g, dx, dy, w, true)
		return
	}
	depthwiseGradInputRows(g, dx, w, dy)
}

func depthwiseGradFilter[T float](g geom, dw, x, dy []T) {
	clear(dw)
	if g.stride == 1 {
		wideGradFilter(g, dw, x, dy)
		return
	}
	depthwiseGradFilterRows(g, dw, x, dy)
}

func depthwiseForwardRows[T float](g geom, y, x, w []T) {
	clear(y)
	planes(g, 0, false, func(_ []T, in, out, ker int) {
		g.rows(func(tap, oy, iy, lo, hi, ix0 int) {
			wv, yr, xr := w[ker+tap], y[out+oy*g.ow:], x[in+iy*g.w:]
			for ox, ix := lo, ix0; ox < hi; ox, ix = ox+1, ix+g.stride {
				yr[ox] += wv * xr[ix]
			}
		})
	})
}

func depthwiseGradInputRows[T float](g geom, dx, w, dy []T) {
	clear(dx)
	planes(g, 0, false, func(_ []T, in, out, ker int) {
		g.rows(func(tap, oy, iy, lo, hi, ix0 int) {
			wv, dyr, dxr := w[ker+tap], dy[out+oy*g.ow:], dx[in+iy*g.w:]
			for ox, ix := lo, ix0; ox < hi; ox, ix = ox+1, ix+g.stride {
				dxr[ix] += wv * dyr[ox]
			}
		})
	})
}

func depthwiseGradFilterRows[T float](g geom, dw, x, dy []T) {
	planes(g, 0, true, func(_ []T, in, out, ker int) {
		g.rows(func(tap, oy, iy, lo, hi, ix0 int) {
			dyr, xr := dy[out+oy*g.ow:], x[in+iy*g.w:]
			var sum T
			for ox, ix := lo, ix0; ox < hi; ox, ix = ox+1, ix+g.stride {
				sum += xr[ix] * dyr[ox]
			}
			dw[ker+tap] += sum
		})
	})
}

// Depthwise convolves every channel of x (NCHW) with its own kernel w (C, 1, kh, kw), SAME
// padding, the given stride: the depthwise stage of SeparableConv2D, which Gorgonia lacks.
// It is differentiable in both arguments.
func Depthwise(x, w *G.Node, stride int) (*G.Node, error) {
	xs, ws := x.Shape(), w.Shape()
	if xs.Dims() != 4 || ws.Dims() != 4 || ws[0] != xs[1] || ws[1] != 1 || ws[2]%2 == 0 || ws[3] != ws[2] || stride <= 0 {
		return nil, errors.Errorf("depthwise: input %v and kernel %v (stride %d) do not fit; expected NCHW input, kernel (C, 1, k, k) with odd k, stride >= 1", xs, ws, stride)
	}
	g := newGeom(xs, ws[2], ws[3], stride)
	flops := 2 * int64(g.n*g.c*g.oh*g.ow*g.kh*g.kw)
	return apply(&Op{
		Name: "lightzoo.Depthwise(" + g.String() + ")", In: []int{4, 4}, Shape: tensor.Shape{g.n, g.c, g.oh, g.ow}, Flops: flops,
		F32: func(y []float32, a [][]float32) { depthwiseForward(g, y, a[0], a[1]) },
		F64: func(y []float64, a [][]float64) { depthwiseForward(g, y, a[0], a[1]) },
		Grad: func(in G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			dx, err := apply(&Op{
				Name: "lightzoo.DepthwiseGrad0(" + g.String() + ")", In: []int{4, 4}, Shape: tensor.Shape{g.n, g.c, g.h, g.w}, Flops: flops,
				F32: func(dx []float32, a [][]float32) { depthwiseGradInput(g, dx, a[0], a[1]) },
				F64: func(dx []float64, a [][]float64) { depthwiseGradInput(g, dx, a[0], a[1]) },
			}, in[1], dy)
			if err != nil {
				return nil, err
			}
			dw, err := apply(&Op{
				Name: "lightzoo.DepthwiseGrad1(" + g.String() + ")", In: []int{4, 4}, Shape: tensor.Shape{g.c, 1, g.kh, g.kw}, Flops: flops,
				F32: func(dw []float32, a [][]float32) { depthwiseGradFilter(g, dw, a[0], a[1]) },
				F64: func(dw []float64, a [][]float64) { depthwiseGradFilter(g, dw, a[0], a[1]) },
			}, in[0], dy)
			return G.Nodes{dx, dw}, err
		},
	}, x, w)
}
