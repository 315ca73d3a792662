// Package testkit holds what the tests of light and of its ops share: seeded random tensors,
// conversions between precisions, a tolerance check, a reference convolution, and a run of a
// graph's output and gradients.
package testkit

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// RandTensor returns a float64 tensor of shape with values in [-1, 1) from a local seeded RNG.
func RandTensor(shape tensor.Shape, seed uint64) *tensor.Dense {
	rng := rand.New(rand.NewPCG(seed, 7))
	data := make([]float64, shape.TotalSize())
	for i := range data {
		data[i] = 2*rng.Float64() - 1
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
}

// Rand is RandTensor's values.
func Rand(shape tensor.Shape, seed uint64) []float64 {
	return RandTensor(shape, seed).Data().([]float64)
}

// Float32s is RandTensor in float32.
func Float32s(shape tensor.Shape, seed uint64) *tensor.Dense {
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(Narrow(Rand(shape, seed))))
}

// Narrow converts to float32.
func Narrow(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// Widen converts to float64.
func Widen(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// Dense is x as a tensor of dtype dt (float32 or float64).
func Dense(dt tensor.Dtype, shape tensor.Shape, x []float64) *tensor.Dense {
	if dt == tensor.Float32 {
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(Narrow(x)))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), x...)))
}

// Float64s copies a float32 or float64 value as float64s.
func Float64s(v G.Value) []float64 {
	if f, ok := v.Data().([]float32); ok {
		return Widen(f)
	}
	return append([]float64(nil), v.Data().([]float64)...)
}

// OutputAndGrads adds to y's graph the gradients of Σ r·y, r a fixed random tensor of y's
// shape, with respect to wrt, runs the graph once and returns y's value and the gradients.
func OutputAndGrads(t testing.TB, y *G.Node, wrt ...*G.Node) [][]float64 {
	t.Helper()
	g := y.Graph()
	r := G.NewTensor(g, y.Dtype(), y.Dims(), G.WithShape(y.Shape()...), G.WithName("r"), G.WithValue(Dense(y.Dtype(), y.Shape(), Rand(y.Shape(), 11))))
	prod, err := G.HadamardProd(y, r)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := G.Sum(prod)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(loss, wrt...)
	if err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	out := [][]float64{Float64s(y.Value())}
	for _, n := range grads {
		out = append(out, Float64s(n.Value()))
	}
	return out
}

// AssertClose fails t unless got and want have the same length and agree within tol,
// relative to 1+|want|.
func AssertClose(t testing.TB, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(got[i] - want[i]); d > tol*(1+math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %.12g, want %.12g (diff %.3g)", what, i, got[i], want[i], d)
		}
	}
}

// RefConv is a direct grouped convolution of x (n, c, h, w) with w (o, c/groups, k, k), SAME
// padding (k-1)/2, the stride, plus bias (nil for none): the reference the layers must equal.
func RefConv(x []float64, xs tensor.Shape, w []float64, ws tensor.Shape, bias []float64, stride, groups int) []float64 {
	n, c, h, wd := xs[0], xs[1], xs[2], xs[3]
	o, k := ws[0], ws[2]
	pad, cg, og := k/2, c/groups, o/groups
	oh, ow := (h+2*pad-k)/stride+1, (wd+2*pad-k)/stride+1
	y := make([]float64, n*o*oh*ow)
	for b := 0; b < n; b++ {
		for f := 0; f < o; f++ {
			grp := f / og
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					sum := 0.0
					if bias != nil {
						sum = bias[f]
					}
					for ci := 0; ci < cg; ci++ {
						for ky := 0; ky < k; ky++ {
							for kx := 0; kx < k; kx++ {
								iy, ix := oy*stride-pad+ky, ox*stride-pad+kx
								if iy < 0 || iy >= h || ix < 0 || ix >= wd {
									continue
								}
								sum += w[((f*cg+ci)*k+ky)*k+kx] * x[((b*c+grp*cg+ci)*h+iy)*wd+ix]
							}
						}
					}
					y[((b*o+f)*oh+oy)*ow+ox] = sum
				}
			}
		}
	}
	return y
}
