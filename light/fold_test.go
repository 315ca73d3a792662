package light

import (
	"fmt"
	"math"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/light/internal/testkit"
)

// A ForInference scope folds each BatchNorm into the convolution before it, and the result
// is the same bits as the BatchNorm ops in inference mode: for every variant, with and without
// the fused ReLU, in both dtypes, on planes of 49 pixels (8-lane tails) and 144, through the
// unfolded path (3 input channels) and the in-place one (16).
func TestForInferenceFoldsBatchNormBitForBit(t *testing.T) {
	variants := []Variant{Regular{}, Separable{}, Light{ConvRank: 2, DenseRank: 2}, Light{ConvRank: 2, DenseRank: 2, Form: LowRank}}
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, side := range []int{7, 12} {
			for _, v := range variants {
				shape := tensor.Shape{2, 3, side, side}
				want, folds := foldNet(t, dt, v, shape, nil)
				if folds != 0 {
					t.Fatalf("%v: %d BatchNorms folded without ForInference", v, folds)
				}
				got, folds := foldNet(t, dt, v, shape, []ScopeOption{ForInference()})
				if folds != 2 {
					t.Errorf("%v %v side %d: %d of 2 BatchNorms folded", dt, v, side, folds)
				}
				for i := range want {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
						t.Fatalf("%v %v side %d: output %d is %v folded, %v not", dt, v, side, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// foldNet runs conv-BN-ReLU-conv-BN in inference mode on random input, with random γ, β and
// running statistics, and returns its output and how many BatchNorms were folded.
func foldNet(t *testing.T, dt tensor.Dtype, v Variant, shape tensor.Shape, opts []ScopeOption) ([]float64, int) {
	t.Helper()
	g := G.NewGraph()
	s, err := NewScope(g, dt, 3, opts...)
	if err != nil {
		t.Fatal(err)
	}
	x := G.NewTensor(g, dt, 4, G.WithShape(shape...), G.WithName("x"), G.WithValue(testkit.Dense(dt, shape, testkit.Rand(shape, 4))))
	h, folds := x, 0
	for i, act := range []Activation{ReLUActivation, Linear} {
		if h, err = v.Conv(s.Subf("conv%d", i), h, 16, 3); err != nil {
			t.Fatal(err)
		}
		conv := h
		bn, err := BatchNorm(s.Subf("bn%d", i), h, WithActivation(act))
		if err != nil {
			t.Fatal(err)
		}
		c := conv.Shape()[1]
		if err := bn.SetStats(testkit.Rand(tensor.Shape{c}, uint64(10+i)), positive(testkit.Rand(tensor.Shape{c}, uint64(20+i)))); err != nil {
			t.Fatal(err)
		}
		setValues(bn.Gamma, testkit.Rand(tensor.Shape{c}, uint64(30+i)))
		setValues(bn.Beta, testkit.Rand(tensor.Shape{c}, uint64(40+i)))
		if bn.Out == conv {
			folds++
		}
		h = bn.Out
	}
	s.SetTraining(false)
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	return testkit.Float64s(h.Value()), folds
}

func positive(x []float64) []float64 {
	for i := range x {
		x[i] = math.Abs(x[i]) + 0.1
	}
	return x
}

// setValues overwrites a float32 or float64 node's value with x.
func setValues(n *G.Node, x []float64) {
	switch d := n.Value().Data().(type) {
	case []float32:
		copy(d, testkit.Narrow(x))
	case []float64:
		copy(d, x)
	}
}

// A folded convolution refuses what it cannot do: a run with batch statistics, and a gradient.
func TestForInferenceRefusesTrainingUses(t *testing.T) {
	build := func() (*G.ExprGraph, *Scope, *G.Node, *G.Node) {
		g := G.NewGraph()
		s, err := NewScope(g, tensor.Float32, 1, ForInference())
		if err != nil {
			t.Fatal(err)
		}
		shape := tensor.Shape{2, 3, 6, 6}
		x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(shape...), G.WithName("x"), G.WithValue(testkit.Dense(tensor.Float32, shape, testkit.Rand(shape, 1))))
		h, err := Regular{}.Conv(s.Sub("conv"), x, 4, 3)
		if err != nil {
			t.Fatal(err)
		}
		bn, err := BatchNorm(s.Sub("bn"), h)
		if err != nil {
			t.Fatal(err)
		}
		return g, s, x, bn.Out
	}
	g, s, _, _ := build()
	s.UseBatchStats()
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err == nil || !strings.Contains(err.Error(), "batch statistics") {
		t.Errorf("a folded BatchNorm ran with batch statistics: error %v", err)
	}
	_, _, x, out := build()
	loss, err := G.Sum(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := G.Grad(loss, x); err == nil || !strings.Contains(err.Error(), "no gradient") {
		t.Errorf("a folded convolution was differentiated: error %v", err)
	}
}

func ExampleForInference() {
	g := G.NewGraph()
	s, _ := NewScope(g, tensor.Float32, 42, ForInference())
	x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(1, 3, 8, 8), G.WithName("x"))
	h, _ := Conv2D(s.Sub("conv"), x, 16, 3)
	bn, _ := BatchNorm(s.Sub("bn"), h.Out, WithActivation(ReLUActivation))
	fmt.Println(bn.Out == h.Out)
	// Output: true
}
