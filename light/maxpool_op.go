package light

import (
	"fmt"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pkg/errors"

	"github.com/lightzoo/lightzoo/light/internal/vec"
)

// poolGeom is the geometry of max pooling without padding.
type poolGeom struct{ n, c, h, w, size, stride, oh, ow int }

func (p poolGeom) String() string {
	return fmt.Sprintf("%dx%dx%dx%d size %d stride %d", p.n, p.c, p.h, p.w, p.size, p.stride)
}

// argmax returns the offset within the plane of the largest input of window (oy, ox). A NaN
// wins, so it propagates as in PyTorch; Gorgonia's own max pooling indexes -1 on an all-NaN
// window and panics in a goroutine that no caller can recover.
func argmax[T float](p poolGeom, plane []T, oy, ox int) int {
	best := oy*p.stride*p.w + ox*p.stride
	for ky := 0; ky < p.size; ky++ {
		row := (oy*p.stride + ky) * p.w
		for kx := 0; kx < p.size; kx++ {
			i := row + ox*p.stride + kx
			if v := plane[i]; v > plane[best] || v != v {
				best = i
				if v != v {
					return best
				}
			}
		}
	}
	return best
}

func maxPoolForward[T float](p poolGeom, y, x []T) {
	parallel(p.n*p.c, func(_, lo, hi int) { maxPoolPlanes(p, y, x, lo, hi) })
}

// maxPoolPlanes pools planes lo..hi-1; float32 2x2 windows with stride 2 run 8 at a time
// (package vec).
func maxPoolPlanes[T float](p poolGeom, y, x []T, lo, hi int) {
	for plane := lo; plane < hi; plane++ {
		in, out := x[plane*p.h*p.w:][:p.h*p.w], y[plane*p.oh*p.ow:][:p.oh*p.ow]
		if in32, ok := any(in).([]float32); ok && p.size == 2 && p.stride == 2 {
			maxPool2Plane(p, any(out).([]float32), in32)
			continue
		}
		for oy := 0; oy < p.oh; oy++ {
			for ox := 0; ox < p.ow; ox++ {
				out[oy*p.ow+ox] = in[argmax(p, in, oy, ox)]
			}
		}
	}
}

func maxPoolBackward[T float](p poolGeom, dx, x, dy []T) {
	parallel(p.n*p.c, func(_, lo, hi int) { maxPoolGradPlanes(p, dx, x, dy, lo, hi) })
}

// maxPoolGradPlanes adds the gradient of planes lo..hi-1 into dx; float32 2x2 windows with
// stride 2 store it (and zeros) instead, 8 windows at a time (package vec).
func maxPoolGradPlanes[T float](p poolGeom, dx, x, dy []T, lo, hi int) {
	for plane := lo; plane < hi; plane++ {
		in, d := x[plane*p.h*p.w:][:p.h*p.w], dx[plane*p.h*p.w:][:p.h*p.w]
		g := dy[plane*p.oh*p.ow:][:p.oh*p.ow]
		if d32, ok := any(d).([]float32); ok && p.size == 2 && p.stride == 2 {
			maxPool2GradPlane(p, d32, any(in).([]float32), any(g).([]float32))
			continue
		}
		for oy := 0; oy < p.oh; oy++ {
			for ox := 0; ox < p.ow; ox++ {
				d[argmax(p, in, oy, ox)] += g[oy*p.ow+ox]
			}
		}
	}
}

// maxPool2Plane pools one float32 plane in 2x2 windows with stride 2, a row of windows at a time.
func maxPool2Plane(p poolGeom, out, in []float32) {
	for oy := 0; oy < p.oh; oy++ {
		r0, r1 := 2*oy*p.w, (2*oy+1)*p.w
		vec.MaxPool2(out[oy*p.ow:(oy+1)*p.ow], in[r0:r0+2*p.ow], in[r1:r1+2*p.ow])
	}
}

// maxPool2GradPlane is the gradient of maxPool2Plane.
func maxPool2GradPlane(p poolGeom, d, in, g []float32) {
	for oy := 0; oy < p.oh; oy++ {
		r0, r1 := 2*oy*p.w, (2*oy+1)*p.w
		vec.MaxPool2Grad(d[r0:r0+2*p.ow], d[r1:r1+2*p.ow], in[r0:r0+2*p.ow], in[r1:r1+2*p.ow], g[oy*p.ow:(oy+1)*p.ow])
	}
}

// maxPoolOp is max pooling over windows of size×size every stride pixels, no padding.
type maxPoolOp struct {
	opBase
	p poolGeom
}

func (op *maxPoolOp) Arity() int             { return 1 }
func (op *maxPoolOp) Type() hm.Type          { return fnType(4, 4) }
func (op *maxPoolOp) String() string         { return "lightzoo.MaxPool(" + op.p.String() + ")" }
func (op *maxPoolOp) Hashcode() uint32       { return hashOf(op) }
func (op *maxPoolOp) WriteHash(h hashWriter) { writeHash(h, op) }
func (op *maxPoolOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.p.n, op.p.c, op.p.oh, op.p.ow}, nil
}

func (op *maxPoolOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 1)
	if err != nil {
		return nil, err
	}
	shape, _ := op.InferShape()
	p := op.p
	return op.runOver(shape, in,
		func(y []float32, a ...[]float32) { maxPoolForward(p, y, a[0]) },
		func(y []float64, a ...[]float64) { maxPoolForward(p, y, a[0]) })
}

func (op *maxPoolOp) DiffWRT(int) []bool { return []bool{true} }

func (op *maxPoolOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, errors.Errorf("%v: got %d inputs, expected 1", op, len(inputs))
	}
	dx, err := G.ApplyOp(&maxPoolGradOp{p: op.p}, inputs[0], grad)
	return G.Nodes{dx}, err
}

// maxPoolGradOp routes the output gradient to each window's maximum; inputs x and dy.
type maxPoolGradOp struct {
	opBase
	p poolGeom
}

func (op *maxPoolGradOp) Arity() int             { return 2 }
func (op *maxPoolGradOp) Type() hm.Type          { return fnType(4, 4, 4) }
func (op *maxPoolGradOp) String() string         { return "lightzoo.MaxPoolGrad(" + op.p.String() + ")" }
func (op *maxPoolGradOp) Hashcode() uint32       { return hashOf(op) }
func (op *maxPoolGradOp) WriteHash(h hashWriter) { writeHash(h, op) }
func (op *maxPoolGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.p.n, op.p.c, op.p.h, op.p.w}, nil
}

func (op *maxPoolGradOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 2)
	if err != nil {
		return nil, err
	}
	shape, _ := op.InferShape()
	p := op.p
	run := op.run
	if p.tiles() && in[0].Dtype() == tensor.Float32 {
		run = op.runOver // package vec writes every input's gradient, zeros included
	}
	return run(shape, in,
		func(dx []float32, a ...[]float32) { maxPoolBackward(p, dx, a[0], a[1]) },
		func(dx []float64, a ...[]float64) { maxPoolBackward(p, dx, a[0], a[1]) })
}

// tiles says whether 2x2 windows with stride 2 cover the input exactly.
func (p poolGeom) tiles() bool { return p.size == 2 && p.stride == 2 && p.h%2 == 0 && p.w%2 == 0 }
