package light

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"

	"github.com/lightzoo/lightzoo/light/internal/testkit"
)

// Spectral initialization makes the factors a balanced truncated SVD: W1ᵀW1 = W2W2ᵀ = S/scale,
// diagonal with decreasing entries, and the product carries far more of a full weight's energy
// than two independent Glorot factors do.
func TestSpectralInit(t *testing.T) {
	energy := func(opts ...LightDenseOption) (*LightDenseNodes, *mat.Dense) {
		f := newFixture(t, 2, 40)
		d, err := LightDense(f.s.Sub("d"), f.x, 30, append([]LightDenseOption{WithRank(5)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		p := product(f.s.Param("d/w1"), f.s.Param("d/w2"))
		p.Scale(d.Scale, p)
		return d, p
	}
	d, spectral := energy(WithSpectralInit(true))
	_, plain := energy()
	w1, w2 := asMatrix(&Param{Node: d.W1}), asMatrix(&Param{Node: d.W2})
	var g1, g2 mat.Dense
	g1.Mul(w1.T(), w1)
	g2.Mul(w2, w2.T())
	for i := 0; i < 5; i++ {
		for j := 0; j < 5; j++ {
			a, b := g1.At(i, j), g2.At(i, j)
			if math.Abs(a-b) > 1e-9*(1+math.Abs(a)) || (i != j && math.Abs(a) > 1e-9) {
				t.Fatalf("W1ᵀW1[%d][%d] = %g, W2W2ᵀ = %g: not a balanced diagonal", i, j, a, b)
			}
		}
		if i > 0 && g1.At(i, i) > g1.At(i-1, i-1) {
			t.Errorf("singular values not decreasing at %d", i)
		}
	}
	// A 40x30 Glorot weight has energy 40·30·limit²/3 = 40·30·2/70; its top 5 of 30 singular
	// values hold well over a sixth of it. Two Glorot factors give a product hundreds of times smaller.
	full := 40 * 30 * 2.0 / 70
	if e := mat.Norm(spectral, 2) * mat.Norm(spectral, 2); e < full/6 || e > full {
		t.Errorf("spectral product energy %.3g, full weight's %.3g", e, full)
	}
	if ep, es := mat.Norm(plain, 2), mat.Norm(spectral, 2); ep > es/10 {
		t.Errorf("plain factors' product norm %.3g is not far below the spectral one's %.3g", ep, es)
	}
	f := newFixture(t, 2, 3, 5, 5)
	if _, err := LightConv2D(f.s.Sub("big"), f.x, 4, 1, WithForm(LowRank), WithRank(4), WithSpectralInit(true)); err == nil || !strings.Contains(err.Error(), "rank of at most 3") {
		t.Errorf("rank above the weight's: %v", err)
	}
	if _, err := LightConv2D(f.s.Sub("two"), f.x, 4, 3, WithSpectralInit(true)); err == nil || !strings.Contains(err.Error(), "WithForm(LowRank)") {
		t.Errorf("two-stage: %v", err)
	}
}

// The Frobenius decay's node is coef·s²·‖W1·W2‖²_F, its gradient 2·coef·s²·(W1W2)·W2ᵀ for W1
// and 2·coef·s²·W1ᵀ·(W1W2) for W2, and the factors it decays carry no L2 of their own.
func TestFrobeniusDecay(t *testing.T) {
	f := newFixture(t, 2, 6)
	if _, err := LightDense(f.s.Sub("d"), f.x, 4, WithRank(3), WithDecay(0.5), WithFrobeniusDecay(0.3)); err != nil {
		t.Fatal(err)
	}
	pen := f.s.FrobeniusPenalties()
	if len(pen) != 1 || pen[0].W1.Decay != 0 || pen[0].W2.Decay != 0 {
		t.Fatalf("penalties %+v", pen)
	}
	randomize(pen[0].W1.Node, 3)
	randomize(pen[0].W2.Node, 4)
	node, err := pen[0].Node()
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(node, pen[0].W1.Node, pen[0].W2.Node)
	if err != nil {
		t.Fatal(err)
	}
	out := append([][]float64{nil}, runGraph(t, f.g, grads...)...)
	if got, want := node.Value().Data().(float64), pen[0].Value(); math.Abs(got-want) > 1e-12*want {
		t.Errorf("node %g, Value %g", got, want)
	}
	w1, w2 := asMatrix(pen[0].W1), asMatrix(pen[0].W2)
	p := product(pen[0].W1, pen[0].W2)
	c := 2 * 0.3 * pen[0].Scale * pen[0].Scale
	var d1, d2 mat.Dense
	d1.Mul(p, w2.T())
	d1.Scale(c, &d1)
	d2.Mul(w1.T(), p)
	d2.Scale(c, &d2)
	testkit.AssertClose(t, "dW1", out[1], d1.RawMatrix().Data, 1e-10)
	testkit.AssertClose(t, "dW2", out[2], d2.RawMatrix().Data, 1e-10)
	if _, err := LightDense(f.s.Sub("bad"), f.x, 4, WithFrobeniusDecay(-1)); err == nil {
		t.Error("a negative Frobenius decay accepted")
	}
}
