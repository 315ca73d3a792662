package light

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pkg/errors"

	"github.com/lightzoo/lightzoo/light/internal/vec"
)

// geom is the geometry of a depthwise convolution: input (n, c, h, w), kernel (c, 1, kh, kw),
// output (n, c, oh, ow), one stride and symmetric padding for both axes.
type geom struct{ n, c, h, w, kh, kw, oh, ow, stride, pad int }

func newGeom(x tensor.Shape, kh, kw, stride int) geom {
	g := geom{n: x[0], c: x[1], h: x[2], w: x[3], kh: kh, kw: kw, stride: stride, pad: kh / 2}
	g.oh = (g.h+2*g.pad-kh)/stride + 1
	g.ow = (g.w+2*g.pad-kw)/stride + 1
	return g
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

// planes calls f for every (image, channel) pair with the offsets of its input and output
// planes and its kernel, spreading the channels over the cores (all calls for one channel run
// on one goroutine, so f may accumulate into that channel's kernel gradient). Each worker
// hands f its own zeroed scratch buffer of the given length, reused across its calls.
func planes[T float](g geom, scratch int, f func(s []T, in, out, ker int)) {
	parallel(g.c, func(_, lo, hi int) {
		s := borrow[T](scratch)
		defer giveBack(s)
		clear(s)
		for c := lo; c < hi; c++ {
			for n := 0; n < g.n; n++ {
				p := n*g.c + c
				f(s, p*g.h*g.w, p*g.oh*g.ow, c*g.kh*g.kw)
			}
		}
	})
}

// With stride 1 the kernels work on whole planes (depthwise_wide.go); other strides go row by
// row, element by element.

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
	if g.stride == 1 {
		wideGradFilter(g, dw, x, dy)
		return
	}
	depthwiseGradFilterRows(g, dw, x, dy)
}

func depthwiseForwardRows[T float](g geom, y, x, w []T) {
	planes(g, 0, func(_ []T, in, out, ker int) {
		g.rows(func(tap, oy, iy, lo, hi, ix0 int) {
			wv, yr, xr := w[ker+tap], y[out+oy*g.ow:], x[in+iy*g.w:]
			for ox, ix := lo, ix0; ox < hi; ox, ix = ox+1, ix+g.stride {
				yr[ox] += wv * xr[ix]
			}
		})
	})
}

func depthwiseGradInputRows[T float](g geom, dx, w, dy []T) {
	planes(g, 0, func(_ []T, in, out, ker int) {
		g.rows(func(tap, oy, iy, lo, hi, ix0 int) {
			wv, dyr, dxr := w[ker+tap], dy[out+oy*g.ow:], dx[in+iy*g.w:]
			for ox, ix := lo, ix0; ox < hi; ox, ix = ox+1, ix+g.stride {
				dxr[ix] += wv * dyr[ox]
			}
		})
	})
}

func depthwiseGradFilterRows[T float](g geom, dw, x, dy []T) {
	planes(g, 0, func(_ []T, in, out, ker int) {
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

// addScaled sets y += a·x.
func addScaled[T float](y, x []T, a T) {
	if y32, ok := any(y).([]float32); ok {
		vec.AddScaled(y32, any(x).([]float32), float32(a))
		return
	}
	for i := range y {
		y[i] += a * x[i]
	}
}

// dotOf is Σx·y.
func dotOf[T float](x, y []T) T {
	if x32, ok := any(x).([]float32); ok {
		return T(vec.Dot(x32, any(y).([]float32)))
	}
	var s T
	for i := range x {
		s += x[i] * y[i]
	}
	return s
}

// depthwiseOp convolves each channel of x (N, C, H, W) with its own kernel w (C, 1, kh, kw),
// with SAME padding: the depthwise stage of SeparableConv2D, which Gorgonia lacks.
type depthwiseOp struct {
	opBase
	g geom
}

func (op *depthwiseOp) Arity() int             { return 2 }
func (op *depthwiseOp) Type() hm.Type          { return fnType(4, 4, 4) }
func (op *depthwiseOp) String() string         { return "lightzoo.Depthwise(" + op.g.String() + ")" }
func (op *depthwiseOp) Hashcode() uint32       { return hashOf(op) }
func (op *depthwiseOp) WriteHash(h hashWriter) { writeHash(h, op) }
func (op *depthwiseOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.g.n, op.g.c, op.g.oh, op.g.ow}, nil
}

func (op *depthwiseOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 2)
	if err != nil {
		return nil, err
	}
	shape, _ := op.InferShape()
	g := op.g
	return op.run(shape, in,
		func(y []float32, a ...[]float32) { depthwiseForward(g, y, a[0], a[1]) },
		func(y []float64, a ...[]float64) { depthwiseForward(g, y, a[0], a[1]) })
}

func (op *depthwiseOp) DiffWRT(int) []bool { return []bool{true, true} }

func (op *depthwiseOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, errors.Errorf("%v: got %d inputs, expected 2", op, len(inputs))
	}
	dx, err := G.ApplyOp(&depthwiseGradOp{g: op.g, wrt: 0}, inputs[1], grad)
	if err != nil {
		return nil, err
	}
	dw, err := G.ApplyOp(&depthwiseGradOp{g: op.g, wrt: 1}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw}, nil
}

// depthwiseGradOp is the gradient of depthwiseOp with respect to its input (wrt 0, inputs
// kernel and output gradient) or its kernel (wrt 1, inputs x and output gradient).
type depthwiseGradOp struct {
	opBase
	g   geom
	wrt int
}

func (op *depthwiseGradOp) Arity() int             { return 2 }
func (op *depthwiseGradOp) Type() hm.Type          { return fnType(4, 4, 4) }
func (op *depthwiseGradOp) Hashcode() uint32       { return hashOf(op) }
func (op *depthwiseGradOp) WriteHash(h hashWriter) { writeHash(h, op) }
func (op *depthwiseGradOp) String() string {
	return fmt.Sprintf("lightzoo.DepthwiseGrad%d(%v)", op.wrt, op.g)
}

func (op *depthwiseGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	if op.wrt == 0 {
		return tensor.Shape{op.g.n, op.g.c, op.g.h, op.g.w}, nil
	}
	return tensor.Shape{op.g.c, 1, op.g.kh, op.g.kw}, nil
}

func (op *depthwiseGradOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 2)
	if err != nil {
		return nil, err
	}
	shape, _ := op.InferShape()
	g := op.g
	if op.wrt == 0 {
		return op.run(shape, in,
			func(dx []float32, a ...[]float32) { depthwiseGradInput(g, dx, a[0], a[1]) },
			func(dx []float64, a ...[]float64) { depthwiseGradInput(g, dx, a[0], a[1]) })
	}
	return op.run(shape, in,
		func(dw []float32, a ...[]float32) { depthwiseGradFilter(g, dw, a[0], a[1]) },
		func(dw []float64, a ...[]float64) { depthwiseGradFilter(g, dw, a[0], a[1]) })
}

// Depthwise convolves every channel of x (NCHW) with its own kernel w (C, 1, kh, kw), SAME
// padding, the given stride. It is differentiable in both arguments.
func Depthwise(x, w *G.Node, stride int) (*G.Node, error) {
	xs, ws := x.Shape(), w.Shape()
	if xs.Dims() != 4 || ws.Dims() != 4 || ws[0] != xs[1] || ws[1] != 1 || ws[2]%2 == 0 || ws[3] != ws[2] || stride <= 0 {
		return nil, errors.Errorf("light: Depthwise: input %v and kernel %v (stride %d) do not fit; expected NCHW input, kernel (C, 1, k, k) with odd k, stride >= 1", xs, ws, stride)
	}
	return G.ApplyOp(&depthwiseOp{g: newGeom(xs, ws[2], ws[3], stride)}, x, w)
}
