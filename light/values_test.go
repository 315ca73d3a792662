package light

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/lightzoo/lightzoo/light/internal/testkit"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// refConv is a direct grouped convolution of x (n, c, h, w) with w (o, c/groups, k, k), SAME
// padding (k-1)/2, the stride, plus bias (nil for none): the reference the layers must equal.
func values(n *G.Node) []float64 { return n.Value().Data().([]float64) }

// randomize gives a parameter random values (biases start at zero, which would hide them).
func randomize(n *G.Node, seed uint64) {
	copy(values(n), testkit.RandTensor(n.Shape(), seed).Data().([]float64))
}

func reluRef(v []float64) []float64 {
	for i := range v {
		v[i] = math.Max(v[i], 0)
	}
	return v
}

func TestGlobalAvgPoolValues(t *testing.T) {
	f := newFixture(t, 2, 3, 4, 5)
	y, err := GlobalAvgPool(f.s, f.x)
	if err != nil {
		t.Fatal(err)
	}
	got := runGraph(t, f.g, y)[0]
	x := values(f.x)
	want := make([]float64, 6)
	for p := range want {
		for _, v := range x[p*20 : (p+1)*20] {
			want[p] += v / 20
		}
	}
	testkit.AssertClose(t, "mean", got, want, 1e-12)
}

func TestLightDenseEqualsDense(t *testing.T) {
	for _, order := range []Order{FactorsFirst, ProductFirst} {
		f := newFixture(t, 4, 6)
		d, err := LightDense(f.s.Sub("light"), f.x, 5, WithRank(3), WithOrder(order))
		if err != nil {
			t.Fatal(err)
		}
		randomize(d.B, 11)
		w, err := d.Weight()
		if err != nil {
			t.Fatal(err)
		}
		got := runGraph(t, f.g, d.Out, w)
		// Dense with W = (2/units)·W1·W2 and the same bias.
		w1, w2, x, b := values(d.W1), values(d.W2), values(f.x), values(d.B)
		want := make([]float64, 4*5)
		for r := 0; r < 4; r++ {
			for u := 0; u < 5; u++ {
				want[r*5+u] = b[u]
				for i := 0; i < 6; i++ {
					for j := 0; j < 3; j++ {
						want[r*5+u] += x[r*6+i] * 2.0 / 5 * w1[i*3+j] * w2[j*5+u]
					}
				}
			}
		}
		testkit.AssertClose(t, "LightDense", got[0], want, 1e-12)
		dense := make([]float64, 4*5)
		for r := 0; r < 4; r++ {
			for u := 0; u < 5; u++ {
				dense[r*5+u] = b[u]
				for i := 0; i < 6; i++ {
					dense[r*5+u] += x[r*6+i] * got[1][i*5+u]
				}
			}
		}
		testkit.AssertClose(t, "Dense with Weight()", dense, want, 1e-12)
	}
}

func TestLowRankConvEqualsConv2D(t *testing.T) {
	xs := tensor.Shape{2, 3, 6, 5}
	for _, order := range []Order{FactorsFirst, ProductFirst} {
		f := newFixture(t, xs...)
		c, err := LightConv2D(f.s.Sub("light"), f.x, 4, 3, WithRank(2), WithForm(LowRank), WithOrder(order))
		if err != nil {
			t.Fatal(err)
		}
		randomize(c.B2, 12)
		kernel, err := c.Weight()
		if err != nil {
			t.Fatal(err)
		}
		got := runGraph(t, f.g, c.Out, kernel)
		// The kernel is W1·W2 (Cin·k·k, filters) transposed to OIHW.
		w1, w2 := values(c.W1), values(c.W2)
		want := make([]float64, 4*27)
		for o := 0; o < 4; o++ {
			for r := 0; r < 27; r++ {
				want[o*27+r] = w1[r*2]*w2[o] + w1[r*2+1]*w2[4+o]
			}
		}
		testkit.AssertClose(t, "kernel", got[1], want, 1e-12)
		ref := testkit.RefConv(values(f.x), xs, want, tensor.Shape{4, 3, 3, 3}, values(c.B2), 1, 1)
		testkit.AssertClose(t, "LowRank output", got[0], ref, 1e-12)
	}
}

func TestTwoStageConvValues(t *testing.T) {
	xs := tensor.Shape{2, 3, 5, 5}
	for _, middle := range []Activation{ReLUActivation, Linear} {
		f := newFixture(t, xs...)
		c, err := LightConv2D(f.s.Sub("light"), f.x, 4, 3, WithRank(2), WithMiddle(middle))
		if err != nil {
			t.Fatal(err)
		}
		randomize(c.B1, 13)
		randomize(c.B2, 14)
		got := runGraph(t, f.g, c.Out)[0]
		h := testkit.RefConv(values(f.x), xs, values(c.W1), c.W1.Shape(), values(c.B1), 1, 1)
		if middle == ReLUActivation {
			h = reluRef(h)
		}
		want := testkit.RefConv(h, tensor.Shape{2, 2, 5, 5}, values(c.W2), c.W2.Shape(), values(c.B2), 1, 1)
		testkit.AssertClose(t, "TwoStage", got, want, 1e-12)
	}
}

func TestSeparableEqualsDepthwiseThenPointwise(t *testing.T) {
	for _, stride := range []int{1, 2} {
		xs := tensor.Shape{2, 3, 7, 6}
		f := newFixture(t, xs...)
		c, err := SeparableConv2D(f.s.Sub("sep"), f.x, 4, 3, WithStride(stride))
		if err != nil {
			t.Fatal(err)
		}
		randomize(c.B, 15)
		got := runGraph(t, f.g, c.Out)[0]
		h := testkit.RefConv(values(f.x), xs, values(c.Depthwise), c.Depthwise.Shape(), nil, stride, 3)
		hs := tensor.Shape{2, 3, (7-1)/stride + 1, (6-1)/stride + 1}
		want := testkit.RefConv(h, hs, values(c.Pointwise), c.Pointwise.Shape(), values(c.B), 1, 1)
		testkit.AssertClose(t, "Separable", got, want, 1e-12)
	}
}

func TestBatchNormStatistics(t *testing.T) {
	xs := tensor.Shape{4, 2, 3, 3}
	f := newFixture(t, xs...)
	b, err := BatchNorm(f.s.Sub("bn"), f.x)
	if err != nil {
		t.Fatal(err)
	}
	got := runGraph(t, f.g, b.Out)[0]
	x := values(f.x)
	mean, vari := b.Stats()
	for c := 0; c < 2; c++ {
		var vals []float64
		for n := 0; n < 4; n++ {
			vals = append(vals, x[(n*2+c)*9:(n*2+c+1)*9]...)
		}
		m, v := meanVar(vals)
		// Keras: moving = 0.99·moving + 0.01·batch, from mean 0 and variance 1; Bessel-corrected.
		testkit.AssertClose(t, "running mean", mean[c:c+1], []float64{0.01 * m}, 1e-12)
		testkit.AssertClose(t, "running variance", vari[c:c+1], []float64{0.99 + 0.01*v*36/35}, 1e-12)
		for n := 0; n < 4; n++ {
			for i := 0; i < 9; i++ {
				j := (n*2+c)*9 + i
				testkit.AssertClose(t, "normalized", got[j:j+1], []float64{(x[j] - m) / math.Sqrt(v+1e-3)}, 1e-12)
			}
		}
	}
	// Inference uses the running statistics.
	f.s.SetTraining(false)
	got = runGraph(t, f.g, b.Out)[0]
	testkit.AssertClose(t, "inference", got[:1], []float64{(x[0] - mean[0]) / math.Sqrt(vari[0]+1e-3)}, 1e-12)
}

func meanVar(v []float64) (mean, variance float64) {
	for _, x := range v {
		mean += x / float64(len(v))
	}
	for _, x := range v {
		variance += (x - mean) * (x - mean) / float64(len(v))
	}
	return mean, variance
}

func TestSameSeedSameWeights(t *testing.T) {
	build := func(seed uint64) []*Param {
		g := G.NewGraph()
		s, err := NewScope(g, tensor.Float32, seed)
		if err != nil {
			t.Fatal(err)
		}
		x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(1, 3, 8, 8), G.WithName("x"))
		if _, err := LightConv2D(s.Sub("a"), x, 4, 3, WithRank(2)); err != nil {
			t.Fatal(err)
		}
		return s.Params()
	}
	a, b, c := build(42), build(42), build(43)
	for i := range a {
		va, vb, vc := a[i].Node.Value().Data().([]float32), b[i].Node.Value().Data().([]float32), c[i].Node.Value().Data().([]float32)
		same := true
		for j := range va {
			if math.Float32bits(va[j]) != math.Float32bits(vb[j]) {
				t.Fatalf("%s[%d] differs between two builds with seed 42", a[i].Name, j)
			}
			same = same && va[j] == vc[j]
		}
		if same && strings.HasSuffix(a[i].Name, "w1") {
			t.Errorf("%s is the same with seeds 42 and 43", a[i].Name)
		}
	}
}

func TestGlorotUniformRange(t *testing.T) {
	f := newFixture(t, 2, 16, 4, 4)
	c, err := Conv2D(f.s.Sub("c"), f.x, 32, 3)
	if err != nil {
		t.Fatal(err)
	}
	limit := math.Sqrt(6.0 / float64(16*9+32*9))
	m, v := meanVar(values(c.W))
	if math.Abs(m) > 0.01 || math.Abs(v-limit*limit/3) > 0.1*limit*limit/3 {
		t.Errorf("kernel mean %g variance %g; Glorot uniform(±%g) has mean 0, variance %g", m, v, limit, limit*limit/3)
	}
	for _, w := range values(c.W) {
		if math.Abs(w) > limit {
			t.Fatalf("weight %g outside ±%g", w, limit)
		}
	}
	for _, b := range values(c.B) {
		if b != 0 {
			t.Fatalf("bias %g, want 0", b)
		}
	}
}

func TestMaxPoolValuesAndNaN(t *testing.T) {
	f := newFixture(t, 1, 1, 5, 4)
	y, err := MaxPool(f.s, f.x, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	x := values(f.x)
	want := make([]float64, 4)
	for oy := 0; oy < 2; oy++ {
		for ox := 0; ox < 2; ox++ {
			m := math.Inf(-1)
			for ky := 0; ky < 2; ky++ {
				for kx := 0; kx < 2; kx++ {
					m = math.Max(m, x[(2*oy+ky)*4+2*ox+kx])
				}
			}
			want[oy*2+ox] = m
		}
	}
	testkit.AssertClose(t, "max", runGraph(t, f.g, y)[0], want, 0)
	for i := range x {
		x[i] = math.NaN()
	}
	for _, v := range runGraph(t, f.g, y)[0] {
		if !math.IsNaN(v) {
			t.Fatalf("NaN input gave %g", v)
		}
	}
}

// The conv op equals Gorgonia's own Conv2d plus a broadcast bias (the plain path) in float32,
// for several shapes and strides.
func TestGlorotBiasesOption(t *testing.T) {
	f := newFixture(t, 1, 3, 5, 5)
	c, err := LightConv2D(f.s.Sub("ref"), f.x, 8, 3, WithRank(3), WithGlorotBiases(true))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]*G.Node{"b1": c.B1, "b2": c.B2} {
		n := b.Shape()[0]
		limit, nonzero := math.Sqrt(3/float64(n)), false
		for _, v := range values(b) {
			nonzero = nonzero || v != 0
			if math.Abs(v) > limit {
				t.Errorf("%s value %g outside ±%g", name, v, limit)
			}
		}
		if !nonzero {
			t.Errorf("%s is all zero", name)
		}
	}
}

// The float32 convolution kernels (lightzoo's sgemm) agree with the float64 ones (gonum's
// BLAS, whose gradients TestGradients checks) on shapes larger than one register tile.
// The float32 2x2 fast path of max pooling (package vec, or its plain-Go fallback under
// purego) gives the general path's values and gradients, ties and NaNs included; float64
// takes the general path itself.
// poison fills the output an op reuses between runs with NaN.
// Ops that skip zeroing their reused output write every element of it: a second run over
// outputs filled with NaN gives the first run's values, gradients included.
func TestReusedOutputsAreOverwritten(t *testing.T) {
	g := G.NewGraph()
	s, err := NewScope(g, tensor.Float32, 3)
	if err != nil {
		t.Fatal(err)
	}
	xs := tensor.Shape{3, 4, 10, 10} // pooled to 5x5: the windows tile it
	x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(xs...), G.WithName("x"), G.WithValue(testkit.Float32s(xs, 1)))
	y, err := chain(s, x)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := G.Sum(y)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(loss, append(s.Learnables(), x)...)
	if err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	nodes := append(G.Nodes{y}, grads...)
	var first [][]float32
	for run := 0; run < 2; run++ {
		m.Reset()
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		for i, n := range nodes {
			v := n.Value().Data().([]float32)
			if run == 0 {
				first = append(first, append([]float32(nil), v...))
				continue
			}
			for j := range v {
				if math.Float32bits(v[j]) != math.Float32bits(first[i][j]) {
					t.Fatalf("%v[%d]: %g after reuse, %g before", n, j, v[j], first[i][j])
				}
			}
		}
		for _, n := range g.AllNodes() {
			if p, ok := n.Op().(interface{ Poison() }); ok {
				p.Poison()
			}
		}
	}
}

// chain applies one of every layer kind: 3x3 and 1x1 convolutions, stride 2, BatchNorm,
// ReLU, max pooling, separable and light convolutions, global pooling and dense layers.
func chain(s *Scope, x *G.Node) (*G.Node, error) {
	c, err := Conv2D(s.Sub("c1"), x, 6, 3)
	if err != nil {
		return nil, err
	}
	b, err := BatchNorm(s.Sub("bn"), c.Out)
	if err != nil {
		return nil, err
	}
	h, err := ReLU(s, b.Out)
	if err != nil {
		return nil, err
	}
	if h, err = MaxPool(s, h, 2, 2); err != nil {
		return nil, err
	}
	sep, err := SeparableConv2D(s.Sub("sep"), h, 5, 3, WithStride(2))
	if err != nil {
		return nil, err
	}
	l, err := LightConv2D(s.Sub("light"), sep.Out, 7, 3, WithRank(2))
	if err != nil {
		return nil, err
	}
	p, err := Conv2D(s.Sub("c2"), l.Out, 4, 1)
	if err != nil {
		return nil, err
	}
	gp, err := GlobalAvgPool(s, p.Out)
	if err != nil {
		return nil, err
	}
	d, err := LightDense(s.Sub("d"), gp, 3, WithRank(2))
	if err != nil {
		return nil, err
	}
	return d.Out, nil
}

// ReLU then max pooling equals max pooling then ReLU, gradients included (the zoo relies on
// it to run ReLU on pooled tensors), with ties and non-positive windows in the data.
func TestMaxPoolAndReLUCommute(t *testing.T) {
	shape := tensor.Shape{2, 3, 6, 6}
	x := testkit.RandTensor(shape, 5).Data().([]float64)
	for i := range x {
		x[i] = math.Round(x[i]*2) / 2 // ties and exact zeros
	}
	grads := func(poolFirst bool) [][]float64 {
		f := newFixture(t, shape...)
		copy(f.x.Value().Data().([]float64), x)
		var y *G.Node
		var err error
		if poolFirst {
			if y, err = MaxPool(f.s, f.x, 2, 2); err == nil {
				y, err = ReLU(f.s, y)
			}
		} else {
			if y, err = ReLU(f.s, f.x); err == nil {
				y, err = MaxPool(f.s, y, 2, 2)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		w := G.NewTensor(f.g, tensor.Float64, 4, G.WithShape(y.Shape()...), G.WithName("w"), G.WithValue(testkit.RandTensor(y.Shape(), 6)))
		prod, _ := G.HadamardProd(y, w)
		loss, _ := G.Sum(prod)
		dx, err := G.Grad(loss, f.x)
		if err != nil {
			t.Fatal(err)
		}
		return runGraph(t, f.g, y, dx[0])
	}
	a, b := grads(true), grads(false)
	testkit.AssertClose(t, "values", a[0], b[0], 0)
	testkit.AssertClose(t, "gradients", a[1], b[1], 0)
}

// BatchNorm and ReLU in float32 (package vec's 8-lane loops) agree with float64, forward
// and backward, in training and inference mode, fused or not.
func TestBatchNormReLUFloat32MatchesFloat64(t *testing.T) {
	for _, fused := range []bool{false, true} {
		for _, training := range []bool{true, false} {
			want := bnReLU(t, tensor.Float64, fused, training)
			for i, got := range bnReLU(t, tensor.Float32, fused, training) {
				testkit.AssertClose(t, fmt.Sprintf("fused %v, training %v, output %d", fused, training, i), got, want[i], 1e-4)
			}
		}
	}
}

// BatchNorm with a fused ReLU gives what BatchNorm then ReLU give, values and gradients,
// in float32 and float64, in training and inference mode.
func TestBatchNormFusedReLUEqualsSeparate(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		for _, training := range []bool{true, false} {
			want := bnReLU(t, dt, false, training)
			for i, got := range bnReLU(t, dt, true, training) {
				testkit.AssertClose(t, fmt.Sprintf("%v training %v output %d", dt, training, i), got, want[i], 1e-5)
			}
		}
	}
}

// bnReLU runs ReLU(BatchNorm(x)) (one op when fused) with set running statistics on fixed
// data and returns the output and the gradients of Σ w·output with respect to x, γ and β.
func bnReLU(t *testing.T, dt tensor.Dtype, fused, training bool) [][]float64 {
	t.Helper()
	shape := tensor.Shape{3, 4, 5, 7}
	g := G.NewGraph()
	s, err := NewScope(g, dt, 1)
	if err != nil {
		t.Fatal(err)
	}
	x := G.NewTensor(g, dt, 4, G.WithShape(shape...), G.WithName("x"), G.WithValue(testkit.Dense(dt, shape, testkit.RandTensor(shape, 10).Data().([]float64))))
	var opts []BatchNormOption
	if fused {
		opts = append(opts, WithActivation(ReLUActivation))
	}
	b, err := BatchNorm(s.Sub("bn"), x, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetStats([]float64{0.1, -0.2, 0.3, 0}, []float64{0.5, 2, 1, 0.7}); err != nil {
		t.Fatal(err)
	}
	s.SetTraining(training)
	y := b.Out
	if !fused {
		if y, err = ReLU(s, y); err != nil {
			t.Fatal(err)
		}
	}
	return testkit.OutputAndGrads(t, y, x, b.Gamma, b.Beta)
}

// The stride-1 whole-plane depthwise kernels agree with the row-by-row ones, in both
// precisions, for several kernel sizes and a plane narrower than the padding allows for.
// The float32 depthwise kernels (package vec's loops with stride 1) agree with float64.
// The kernel gradient of images in groups, side by side in one product, equals the sum of
// their products one at a time, in both precisions and with a last partial group.
