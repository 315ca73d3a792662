package light

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pkg/errors"
)

// float is the element type of the custom ops' kernels.
type float interface{ ~float32 | ~float64 }

// opBase holds what lightzoo's Gorgonia ops have in common: they call no external code, hash
// by their String (which names every setting that changes the result) and reuse one output
// tensor from run to run instead of allocating a new one each time (the allocations were most
// of a training step's garbage). A run's outputs stay valid until the next run of the graph.
type opBase struct {
	out *tensor.Dense
}

func (opBase) ReturnsPtr() bool     { return false }
func (opBase) CallsExtern() bool    { return false }
func (opBase) OverwritesInput() int { return -1 }

type hashWriter = hash.Hash

func hashOf(s fmt.Stringer) uint32          { h := fnv.New32a(); h.Write([]byte(s.String())); return h.Sum32() }
func writeHash(h hash.Hash, s fmt.Stringer) { h.Write([]byte(s.String())) }

// tensorType is a Gorgonia tensor type of dims dimensions over the type variable a.
func tensorType(dims int) hm.Type { return &G.TensorType{Dims: dims, Of: hm.TypeVariable('a')} }

// fnType builds a -> b -> ... from tensor dimensionalities.
func fnType(dims ...int) hm.Type {
	ts := make([]hm.Type, len(dims))
	for i, d := range dims {
		ts[i] = tensorType(d)
	}
	return hm.NewFnType(ts...)
}

// denseArgs returns the inputs as contiguous dense tensors of one dtype.
func denseArgs(op string, vals []G.Value, n int) ([]*tensor.Dense, error) {
	if len(vals) != n {
		return nil, errors.Errorf("%s: got %d inputs, expected %d", op, len(vals), n)
	}
	out := make([]*tensor.Dense, n)
	for i, v := range vals {
		d, ok := v.(*tensor.Dense)
		if !ok {
			return nil, errors.Errorf("%s: input %d is %T, expected a dense tensor", op, i, v)
		}
		if d.RequiresIterator() {
			d = d.Materialize().(*tensor.Dense)
		}
		if i > 0 && d.Dtype() != out[0].Dtype() {
			return nil, errors.Errorf("%s: input %d has dtype %v, expected %v", op, i, d.Dtype(), out[0].Dtype())
		}
		out[i] = d
	}
	return out, nil
}

type (
	kernel32 = func(out []float32, in ...[]float32)
	kernel64 = func(out []float64, in ...[]float64)
)

// run fills a zeroed tensor of shape and the inputs' dtype with k32 or k64, which receive
// the output data followed by the inputs' data.
func (b *opBase) run(shape tensor.Shape, in []*tensor.Dense, k32 kernel32, k64 kernel64) (G.Value, error) {
	return b.fill(b.output(shape, in[0].Dtype(), true), in, k32, k64)
}

// runOver is run for kernels that write every output element: the output is not zeroed
// first (it holds the previous run's values).
func (b *opBase) runOver(shape tensor.Shape, in []*tensor.Dense, k32 kernel32, k64 kernel64) (G.Value, error) {
	return b.fill(b.output(shape, in[0].Dtype(), false), in, k32, k64)
}

func (b *opBase) fill(out *tensor.Dense, in []*tensor.Dense, kernel32 kernel32, kernel64 kernel64) (G.Value, error) {
	dt := out.Dtype()
	switch dt {
	case tensor.Float32:
		kernel32(out.Data().([]float32), slices[float32](in)...)
	case tensor.Float64:
		kernel64(out.Data().([]float64), slices[float64](in)...)
	default:
		return nil, errors.Errorf("dtype %v is not supported; use float32 or float64", dt)
	}
	return out, nil
}

func slices[T float](in []*tensor.Dense) [][]T {
	out := make([][]T, len(in))
	for i, d := range in {
		out[i] = d.Data().([]T)
	}
	return out
}

// output returns the op's output tensor, allocating it on first use, zeroed if zero is set.
func (b *opBase) output(shape tensor.Shape, dt tensor.Dtype, zero bool) *tensor.Dense {
	if b.out == nil || b.out.Dtype() != dt || !b.out.Shape().Eq(shape) {
		b.out = tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
		return b.out
	}
	if zero {
		b.out.Zero()
	}
	return b.out
}
