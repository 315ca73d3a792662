package ops

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/lightzoo/lightzoo/light/internal/vec"
)

// ReLU adds max(x, 0) over a tensor of any shape, NaN passing through. Its gradient is one op
// (dy where x > 0), where Gorgonia's Rectify differentiates through a comparison and a product.
func ReLU(x *G.Node) (*G.Node, error) {
	shape, d := x.Shape().Clone(), x.Dims()
	return apply(&Op{
		Name: fmt.Sprintf("lightzoo.ReLU%v", shape), In: []int{d}, Shape: shape,
		F32: func(y []float32, a [][]float32) { reluForward(y, a[0]) },
		F64: func(y []float64, a [][]float64) { reluForward(y, a[0]) },
		Grad: func(in G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			dx, err := reluGradOf(in[0], dy)
			return G.Nodes{dx}, err
		},
	}, x)
}

// reluGradOf adds the op dy masked where x > 0. The mask of a ReLU's output is the mask of its
// input (max(x, 0) keeps x where x > 0, NaNs included, and gives 0 elsewhere), so ops with a
// ReLU fused in pass their output as x.
func reluGradOf(x, dy *G.Node) (*G.Node, error) {
	shape, d := x.Shape().Clone(), x.Dims()
	return apply(&Op{
		Name: fmt.Sprintf("lightzoo.ReLUGrad%v", shape), In: []int{d, d}, Shape: shape,
		F32: func(dx []float32, a [][]float32) {
			parallel(len(dx), func(lo, hi int) { reluGrad(dx[lo:hi], a[0][lo:hi], a[1][lo:hi]) })
		},
		F64: func(dx []float64, a [][]float64) {
			parallel(len(dx), func(lo, hi int) { reluGrad(dx[lo:hi], a[0][lo:hi], a[1][lo:hi]) })
		},
	}, x, dy)
}

// reluGrad sets dx = dy where x > 0, else 0.
func reluGrad[T float](dx, x, dy []T) {
	if dx32, ok := any(dx).([]float32); ok {
		vec.ReLUGrad(dx32, any(x).([]float32), any(dy).([]float32))
		return
	}
	reluGrad64(any(dx).([]float64), any(x).([]float64), any(dy).([]float64))
}

// reluForward is max(x, 0) over the cores; float32 runs 8 lanes wide without a branch
// (package vec): a branch on the sign of activations mispredicts half the time and ran six
// times slower.
func reluForward[T float](y, x []T) {
	parallel(len(x), func(lo, hi int) { relu(y[lo:hi], x[lo:hi]) })
}

// relu sets y = max(x, 0), a NaN keeping its sign (as vec.ReLU), so that the gradient mask of
// the output is the input's. float64 (gradient checks) branches: the max builtin can change a
// NaN's sign.
func relu[T float](y, x []T) {
	if y32, ok := any(y).([]float32); ok {
		vec.ReLU(y32, any(x).([]float32))
		return
	}
	for i, v := range x {
		if v > 0 || v != v {
			y[i] = v + 0
		} else {
			y[i] = 0
		}
	}
}

// reluGrad64 keeps dy where x > 0 with a bit mask instead of a branch: the mask is all ones
// when x's sign bit is clear and x is not +0. vec.ReLUGrad does the same for float32.
func reluGrad64(dx, x, dy []float64) {
	for i, v := range x {
		b := math.Float64bits(v)
		mask := uint64(int64(^b)>>63) & uint64(int64(b|-b)>>63)
		dx[i] = math.Float64frombits(math.Float64bits(dy[i]) & mask)
	}
}
