package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/light/internal/testkit"
)

// ConvReLU and MaxPoolReLU give the same bits as the op followed by a ReLU op, values and
// gradients, in both dtypes, on inputs with NaNs of both signs, signed zeros and ties: through
// the unfolded and in-place convolution paths, and the 2x2 pooling of wide rows, of short
// rows, and a general window.
func TestFusedReLUEqualsSeparate(t *testing.T) {
	type build func(x, w, b *G.Node) (*G.Node, error)
	conv := func(fused bool) build {
		return func(x, w, b *G.Node) (*G.Node, error) {
			if fused {
				return ConvReLU(x, w, b, 1)
			}
			y, err := Conv(x, w, b, 1)
			if err != nil {
				return nil, err
			}
			return ReLU(y)
		}
	}
	pool := func(size int, fused bool) build {
		return func(x, _, _ *G.Node) (*G.Node, error) {
			if fused {
				return MaxPoolReLU(x, size, size)
			}
			y, err := MaxPool(x, size, size)
			if err != nil {
				return nil, err
			}
			return ReLU(y)
		}
	}
	cases := []struct {
		name         string
		x            tensor.Shape
		cout         int
		fused, plain build
		withWeights  bool
	}{
		{"conv 3 channels 7x7 (unfolded)", tensor.Shape{2, 3, 7, 7}, 5, conv(true), conv(false), true},
		{"conv 8 channels 12x12 (in place)", tensor.Shape{2, 8, 12, 12}, 6, conv(true), conv(false), true},
		{"pool 2x2 of 16x16", tensor.Shape{2, 3, 16, 16}, 0, pool(2, true), pool(2, false), false},
		{"pool 2x2 of 7x7", tensor.Shape{2, 3, 7, 7}, 0, pool(2, true), pool(2, false), false},
		{"pool 3x3 of 9x9", tensor.Shape{2, 3, 9, 9}, 0, pool(3, true), pool(3, false), false},
	}
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, tc := range cases {
			want := fusedCase(t, dt, tc.x, tc.cout, tc.plain, tc.withWeights)
			got := fusedCase(t, dt, tc.x, tc.cout, tc.fused, tc.withWeights)
			for i := range want {
				for j := range want[i] {
					if math.Float64bits(got[i][j]) != math.Float64bits(want[i][j]) {
						t.Fatalf("%v %s: output %d [%d] is %v fused, %v separate", dt, tc.name, i, j, got[i][j], want[i][j])
					}
				}
			}
		}
	}
}

// fusedCase runs f on an input of shape xs with special values, then the gradients of
// Σ r·f(x) (r random), and returns the output and the gradients as float64s.
func fusedCase(t *testing.T, dt tensor.Dtype, xs tensor.Shape, cout int, f func(x, w, b *G.Node) (*G.Node, error), withWeights bool) [][]float64 {
	t.Helper()
	g := G.NewGraph()
	node := func(name string, shape tensor.Shape, vals []float64) *G.Node {
		return G.NewTensor(g, dt, shape.Dims(), G.WithShape(shape...), G.WithName(name), G.WithValue(testkit.Dense(dt, shape, vals)))
	}
	x := node("x", xs, specials(xs.TotalSize(), 1))
	var w, b *G.Node
	wrt := G.Nodes{x}
	if withWeights {
		ws := tensor.Shape{cout, xs[1], 3, 3}
		w, b = node("w", ws, testkit.Rand(ws, 2)), node("b", tensor.Shape{cout}, testkit.Rand(tensor.Shape{cout}, 3))
		wrt = append(wrt, w, b)
	}
	y, err := f(x, w, b)
	if err != nil {
		t.Fatal(err)
	}
	return testkit.OutputAndGrads(t, y, wrt...)
}

// specials are n values drawn from NaNs of both signs, signed zeros and a few ties.
func specials(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	pick := []float64{math.NaN(), math.Copysign(math.NaN(), -1), math.Copysign(0, -1), 0, 1, -1, 0.5, 2, -2}
	out := make([]float64, n)
	for i := range out {
		if r.IntN(8) == 0 {
			out[i] = pick[r.IntN(len(pick))]
		} else {
			out[i] = pick[4+r.IntN(len(pick)-4)]
		}
	}
	return out
}
