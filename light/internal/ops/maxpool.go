package ops

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/light/internal/vec"
)

// poolGeom is the geometry of max pooling without padding, and whether a ReLU follows.
type poolGeom struct {
	n, c, h, w, size, stride, oh, ow int
	relu                             bool
}

func (p poolGeom) String() string {
	s := fmt.Sprintf("%dx%dx%dx%d size %d stride %d", p.n, p.c, p.h, p.w, p.size, p.stride)
	if p.relu {
		s += " relu"
	}
	return s
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
	parallel(p.n*p.c, func(lo, hi int) { maxPoolPlanes(p, y, x, lo, hi) })
}

// maxPoolPlanes pools planes lo..hi-1, then applies the ReLU, if any, to each while it is in
// cache; float32 2x2 windows with stride 2 run 8 at a time (package vec).
func maxPoolPlanes[T float](p poolGeom, y, x []T, lo, hi int) {
	pairs := p.scratch()
	defer giveBack(pairs)
	for plane := lo; plane < hi; plane++ {
		in, out := x[plane*p.h*p.w:][:p.h*p.w], y[plane*p.oh*p.ow:][:p.oh*p.ow]
		if in32, ok := any(in).([]float32); ok && p.size == 2 && p.stride == 2 {
			maxPool2Plane(p, any(out).([]float32), in32, pairs)
		} else {
			for oy := 0; oy < p.oh; oy++ {
				for ox := 0; ox < p.ow; ox++ {
					out[oy*p.ow+ox] = in[argmax(p, in, oy, ox)]
				}
			}
		}
		if p.relu {
			relu(out, out)
		}
	}
}

// maxPoolBackward writes the gradient into dx, given the output y (read only with a ReLU).
// The float32 path of windows that tile the input writes every element; the others add into a
// cleared dx.
func maxPoolBackward[T float](p poolGeom, dx, x, y, dy []T) {
	if _, f32 := any(dx).([]float32); !f32 || !p.tiles() {
		clear(dx)
	}
	parallel(p.n*p.c, func(lo, hi int) { maxPoolGradPlanes(p, dx, x, y, dy, lo, hi) })
}

// maxPoolGradPlanes adds the gradient of planes lo..hi-1 into dx, dy masked first by the ReLU
// (on its output y), if any; float32 2x2 windows with stride 2 store it (and zeros) instead, 8
// windows at a time (package vec).
func maxPoolGradPlanes[T float](p poolGeom, dx, x, y, dy []T, lo, hi int) {
	pairs := p.scratch()
	defer giveBack(pairs)
	var masked []T
	if p.relu {
		masked = borrow[T](p.oh * p.ow)
		defer giveBack(masked)
	}
	for plane := lo; plane < hi; plane++ {
		in, d := x[plane*p.h*p.w:][:p.h*p.w], dx[plane*p.h*p.w:][:p.h*p.w]
		g := dy[plane*p.oh*p.ow:][:p.oh*p.ow]
		if p.relu {
			reluGrad(masked, y[plane*p.oh*p.ow:][:p.oh*p.ow], g)
			g = masked
		}
		if d32, ok := any(d).([]float32); ok && p.size == 2 && p.stride == 2 {
			maxPool2GradPlane(p, d32, any(in).([]float32), any(g).([]float32), pairs)
			continue
		}
		for oy := 0; oy < p.oh; oy++ {
			for ox := 0; ox < p.ow; ox++ {
				d[argmax(p, in, oy, ox)] += g[oy*p.ow+ox]
			}
		}
	}
}

// maxPool2Plane pools one float32 plane in 2x2 windows with stride 2, a row of windows at a
// time, or, for rows of fewer than 8 windows (which vec runs in plain Go), all rows as one
// long row gathered into pairs (p.scratch).
func maxPool2Plane(p poolGeom, out, in, pairs []float32) {
	if p.short() {
		r0, r1, _, _ := p.pairRows(in, pairs)
		vec.MaxPool2(out[:p.oh*p.ow], r0, r1)
		return
	}
	for oy := 0; oy < p.oh; oy++ {
		r0, r1 := 2*oy*p.w, (2*oy+1)*p.w
		vec.MaxPool2(out[oy*p.ow:(oy+1)*p.ow], in[r0:r0+2*p.ow], in[r1:r1+2*p.ow])
	}
}

// maxPool2GradPlane is the gradient of maxPool2Plane.
func maxPool2GradPlane(p poolGeom, d, in, g, pairs []float32) {
	if p.short() {
		r0, r1, d0, d1 := p.pairRows(in, pairs)
		vec.MaxPool2Grad(d0, d1, r0, r1, g[:p.oh*p.ow])
		n := 2 * p.ow
		vec.CopyRows(d, 2*p.w, d0, n, p.oh, n)
		vec.CopyRows(d[p.w:], 2*p.w, d1, n, p.oh, n)
		return
	}
	for oy := 0; oy < p.oh; oy++ {
		r0, r1 := 2*oy*p.w, (2*oy+1)*p.w
		vec.MaxPool2Grad(d[r0:r0+2*p.ow], d[r1:r1+2*p.ow], in[r0:r0+2*p.ow], in[r1:r1+2*p.ow], g[oy*p.ow:(oy+1)*p.ow])
	}
}

// short says whether a plane's rows hold fewer than 8 windows but the plane at least 8.
func (p poolGeom) short() bool { return p.size == 2 && p.stride == 2 && p.ow < 8 && p.oh*p.ow >= 8 }

// scratch is the buffer of pairRows for a plane of short rows (nil for other planes).
func (p poolGeom) scratch() []float32 {
	if !p.short() {
		return nil
	}
	return borrow[float32](4 * p.oh * 2 * p.ow)
}

// pairRows copies the two input rows of each row of windows (2·ow values each) into pairs:
// the upper ones one after another in r0, the lower in r1, so that a plane of short rows runs
// as one long row; d0 and d1 are the rest of pairs, for their gradients.
func (p poolGeom) pairRows(in, pairs []float32) (r0, r1, d0, d1 []float32) {
	n, m := 2*p.ow, 2*p.ow*p.oh
	r0, r1, d0, d1 = pairs[:m], pairs[m:2*m], pairs[2*m:3*m], pairs[3*m:4*m]
	vec.CopyRows(r0, n, in, 2*p.w, p.oh, n)
	vec.CopyRows(r1, n, in[p.w:], 2*p.w, p.oh, n)
	return r0, r1, d0, d1
}

// MaxPool adds size x size max pooling of x (NCHW) every stride pixels, no padding: output
// sides are floor((side-size)/stride)+1. A window of NaNs gives NaN, where Gorgonia's own
// max pooling panics in a goroutine that no caller can recover.
func MaxPool(x *G.Node, size, stride int) (*G.Node, error) { return maxPool(x, size, stride, false) }

// MaxPoolReLU is MaxPool followed by a ReLU, applied to each output plane while it is in cache
// (the same bits as a ReLU op, forward and back).
func MaxPoolReLU(x *G.Node, size, stride int) (*G.Node, error) {
	return maxPool(x, size, stride, true)
}

func maxPool(x *G.Node, size, stride int, relu bool) (*G.Node, error) {
	xs := x.Shape()
	p := poolGeom{n: xs[0], c: xs[1], h: xs[2], w: xs[3], size: size, stride: stride, relu: relu}
	p.oh, p.ow = (p.h-size)/stride+1, (p.w-size)/stride+1
	in, out := tensor.Shape{p.n, p.c, p.h, p.w}, tensor.Shape{p.n, p.c, p.oh, p.ow}
	return apply(&Op{
		Name: "lightzoo.MaxPool(" + p.String() + ")", In: []int{4}, Shape: out,
		F32: func(y []float32, a [][]float32) { maxPoolForward(p, y, a[0]) },
		F64: func(y []float64, a [][]float64) { maxPoolForward(p, y, a[0]) },
		Grad: func(inputs G.Nodes, y, dy *G.Node) (G.Nodes, error) {
			dx, err := apply(&Op{
				Name: "lightzoo.MaxPoolGrad(" + p.String() + ")", In: []int{4, 4, 4}, Shape: in,
				F32: func(dx []float32, a [][]float32) { maxPoolBackward(p, dx, a[0], a[1], a[2]) },
				F64: func(dx []float64, a [][]float64) { maxPoolBackward(p, dx, a[0], a[1], a[2]) },
			}, inputs[0], y, dy)
			return G.Nodes{dx}, err
		},
	}, x)
}

// tiles says whether 2x2 windows with stride 2 cover the input exactly.
func (p poolGeom) tiles() bool { return p.size == 2 && p.stride == 2 && p.h%2 == 0 && p.w%2 == 0 }
