// Package ops holds lightzoo's Gorgonia ops and the kernels behind them: convolution,
// depthwise convolution, BatchNorm, ReLU and max pooling, float32 through lightzoo's sgemm and
// 8-lane loops (packages sgemm and vec), float64 in plain Go for gradient checks.
//
// Every op is one value of type Op, described by a name, its inputs' dimensions, its output
// shape, a kernel per dtype and a gradient; Op implements Gorgonia's Op and SDOp interfaces.
package ops

import (
	"hash"
	"hash/fnv"
	"math"
	"time"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pkg/errors"
)

// float is the element type of the kernels.
type float interface{ ~float32 | ~float64 }

// Op is a Gorgonia op built from its description. It calls no external code, hashes by its
// Name (which names every setting that changes the result) and reuses one output tensor from
// run to run instead of allocating one each time (the allocations were most of a training
// step's garbage): a run's outputs stay valid until the next run of the graph. Kernels write
// every element of the output, which holds the previous run's values when they start.
type Op struct {
	Name  string
	In    []int        // the dimensions of each input
	Shape tensor.Shape // the output's shape
	F32   func(y []float32, in [][]float32)
	F64   func(y []float64, in [][]float64)
	// Grad returns the gradients with respect to every input, given the op's output node and
	// the output's gradient dy; nil for ops that are not differentiated (the gradient ops
	// themselves).
	Grad func(inputs G.Nodes, out, dy *G.Node) (G.Nodes, error)
	// Flops is a run's floating-point operations where the op is a product (the
	// convolutions and their gradients: two per multiply-add), 0 elsewhere; for profiles.
	Flops int64
	out   *tensor.Dense
	// canFold marks a convolution, which can apply a BatchNorm to its output: fold
	// (FoldBatchNorm).
	canFold bool
	fold    *fold
}

func (op *Op) Arity() int                                     { return len(op.In) }
func (op *Op) String() string                                 { return op.Name }
func (op *Op) ReturnsPtr() bool                               { return false }
func (op *Op) CallsExtern() bool                              { return false }
func (op *Op) OverwritesInput() int                           { return -1 }
func (op *Op) WriteHash(h hash.Hash)                          { h.Write([]byte(op.Name)) }
func (op *Op) Hashcode() uint32                               { h := fnv.New32a(); op.WriteHash(h); return h.Sum32() }
func (op *Op) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.Shape.Clone(), nil }

// Type is a -> b -> ... over tensors of the inputs' and the output's dimensions, a scalar
// where the dimensions are 0.
func (op *Op) Type() hm.Type {
	ts := make([]hm.Type, 0, len(op.In)+1)
	for _, d := range append(append([]int(nil), op.In...), op.Shape.Dims()) {
		if d == 0 {
			ts = append(ts, hm.TypeVariable('a'))
			continue
		}
		ts = append(ts, &G.TensorType{Dims: d, Of: hm.TypeVariable('a')})
	}
	return hm.NewFnType(ts...)
}

func (op *Op) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for i := range d {
		d[i] = op.Grad != nil
	}
	return d
}

func (op *Op) SymDiff(inputs G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	if op.Grad == nil {
		return nil, errors.Errorf("%s has no gradient", op.Name)
	}
	if len(inputs) != op.Arity() {
		return nil, errors.Errorf("%s: got %d inputs, expected %d", op.Name, len(inputs), op.Arity())
	}
	return op.Grad(inputs, out, grad)
}

// Do runs the kernel of the inputs' dtype into the reused output tensor, or into a scalar
// for an op of scalar shape.
func (op *Op) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != op.Arity() {
		return nil, errors.Errorf("%s: got %d inputs, expected %d", op.Name, len(vals), op.Arity())
	}
	if err := op.fold.check(); err != nil {
		return nil, errors.Wrap(err, op.Name)
	}
	if profile.on.Load() {
		defer record(op, time.Now())
	}
	switch dt := vals[0].Dtype(); dt {
	case tensor.Float32:
		return do(op, vals, op.F32, func(v float32) G.Value { return G.NewF32(v) })
	case tensor.Float64:
		return do(op, vals, op.F64, func(v float64) G.Value { return G.NewF64(v) })
	default:
		return nil, errors.Errorf("%s: dtype %v is not supported; use float32 or float64", op.Name, dt)
	}
}

func do[T float](op *Op, vals []G.Value, kernel func([]T, [][]T), scalar func(T) G.Value) (G.Value, error) {
	in, err := args[T](op.Name, vals)
	if err != nil {
		return nil, err
	}
	if op.Shape.Dims() == 0 {
		var y [1]T
		kernel(y[:], in)
		return scalar(y[0]), nil
	}
	dt := vals[0].Dtype()
	if op.out == nil || op.out.Dtype() != dt || !op.out.Shape().Eq(op.Shape) {
		op.out = tensor.New(tensor.Of(dt), tensor.WithShape(op.Shape...))
	}
	kernel(op.out.Data().([]T), in)
	return op.out, nil
}

// Poison fills the reused output with NaN, so a test can show that the next run writes it
// all.
func (op *Op) Poison() {
	if op.out == nil {
		return
	}
	switch d := op.out.Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32(math.NaN())
		}
	case []float64:
		for i := range d {
			d[i] = math.NaN()
		}
	}
}

// apply adds op with the inputs to their graph.
func apply(op *Op, inputs ...*G.Node) (*G.Node, error) { return G.ApplyOp(op, inputs...) }

// args returns the inputs' values: contiguous dense tensors and scalars (one value), all of
// dtype T.
func args[T float](op string, vals []G.Value) ([][]T, error) {
	out := make([][]T, len(vals))
	for i, v := range vals {
		switch v := v.(type) {
		case *tensor.Dense:
			if v.RequiresIterator() {
				v = v.Materialize().(*tensor.Dense)
			}
			if d, ok := v.Data().([]T); ok {
				out[i] = d
				continue
			}
		case G.Scalar:
			if x, ok := v.Data().(T); ok {
				out[i] = []T{x}
				continue
			}
		default:
			return nil, errors.Errorf("%s: input %d is %T, expected a dense tensor or a scalar", op, i, v)
		}
		return nil, errors.Errorf("%s: input %d has dtype %v, expected %v", op, i, v.Dtype(), vals[0].Dtype())
	}
	return out, nil
}
