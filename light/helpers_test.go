package light

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/lightzoo/lightzoo/light/internal/testkit"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// randTensor returns a float64 tensor of shape with values in [-1, 1) from a local seeded RNG.
// fixture is a float64 graph with a scope and a random input x.
type fixture struct {
	g *G.ExprGraph
	s *Scope
	x *G.Node
}

func newFixture(t *testing.T, shape ...int) *fixture {
	t.Helper()
	g := G.NewGraph()
	s, err := NewScope(g, tensor.Float64, 1)
	if err != nil {
		t.Fatal(err)
	}
	x := G.NewTensor(g, tensor.Float64, len(shape), G.WithShape(shape...), G.WithName("x"), G.WithValue(testkit.RandTensor(shape, 99)))
	return &fixture{g: g, s: s, x: x}
}

// runGraph executes the graph once and returns the values of nodes as float64 slices (copies).
func runGraph(t *testing.T, g *G.ExprGraph, nodes ...*G.Node) [][]float64 {
	t.Helper()
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	out := make([][]float64, len(nodes))
	for i, n := range nodes {
		out[i] = append([]float64(nil), n.Value().Data().([]float64)...)
	}
	return out
}

// gradCheck compares the symbolic gradient of loss = sum(out ⊙ r), r random, with respect to
// every parameter of f.s and to the input, with central finite differences.
func gradCheck(t *testing.T, f *fixture, out *G.Node) {
	t.Helper()
	r := G.NewTensor(f.g, tensor.Float64, out.Dims(), G.WithShape(out.Shape()...), G.WithName("r"), G.WithValue(testkit.RandTensor(out.Shape(), 5)))
	prod, err := G.HadamardProd(out, r)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := G.Sum(prod)
	if err != nil {
		t.Fatal(err)
	}
	wrt := append(f.s.Learnables(), f.x)
	grads, err := G.Grad(loss, wrt...)
	if err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(f.g)
	defer m.Close()
	eval := func() float64 {
		m.Reset()
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		return loss.Value().Data().(float64)
	}
	eval()
	symbolic := make([][]float64, len(grads))
	for i, gn := range grads {
		symbolic[i] = append([]float64(nil), gn.Value().Data().([]float64)...)
	}
	const h = 1e-6
	rng := rand.New(rand.NewPCG(3, 3))
	for i, n := range wrt {
		data := n.Value().Data().([]float64)
		for _, j := range sample(rng, len(data), 24) {
			orig := data[j]
			data[j] = orig + h
			up := eval()
			data[j] = orig - h
			down := eval()
			data[j] = orig
			fd := (up - down) / (2 * h)
			if d := math.Abs(fd - symbolic[i][j]); d > 1e-5*(1+math.Abs(fd)) {
				t.Errorf("d loss / d %s[%d]: symbolic %.10g, finite difference %.10g", n.Name(), j, symbolic[i][j], fd)
			}
		}
	}
}

// sample returns up to k distinct indices below n (all of them when n <= k).
func sample(rng *rand.Rand, n, k int) []int {
	if n <= k {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	return rng.Perm(n)[:k]
}
