package compress

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/lightzoo/lightzoo/infer"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/zoo"
)

// trained is a Conv2D model with every parameter and statistic away from its initial value.
func trained(t *testing.T, model string) *zoo.Model {
	m, err := zoo.Build(model, light.Regular{}, zoo.Config{Seed: 3, Inference: true})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 5))
	for _, p := range m.Scope.Params() {
		d := p.Node.Value().Data().([]float32)
		for i := range d {
			d[i] += float32(0.1 * (2*rng.Float64() - 1))
		}
	}
	for _, bn := range m.Scope.BatchNorms() {
		mean, vari := bn.Stats()
		for i := range mean {
			mean[i], vari[i] = 0.2*rng.Float64(), 0.5+rng.Float64()
		}
		bn.SetStats(mean, vari)
	}
	return m
}

func logits(t *testing.T, m *zoo.Model, n int) []float32 {
	r, err := infer.New(m)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	in := m.Spec.Input
	x := make([]float32, n*in[0]*in[1]*in[2])
	rng := rand.New(rand.NewPCG(6, 7))
	for i := range x {
		x[i] = rng.Float32()
	}
	out, err := r.Logits(x, n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// At full rank the compressed model computes what the Conv2D model computes: the factors, the
// head's scaling, the biases, the BatchNorm parameters and statistics all carried over.
func TestFullRankIsExact(t *testing.T) {
	for _, model := range []string{"mnist", "cifar10"} {
		src := trained(t, model)
		layers, err := Layers(src)
		if err != nil {
			t.Fatal(err)
		}
		ranks := map[string]int{}
		for _, l := range layers {
			ranks[l.Name] = l.MaxRank()
		}
		dst, err := FromConv2D(src, layers, ranks, zoo.Config{Inference: true})
		if err != nil {
			t.Fatal(err)
		}
		want, got := logits(t, src, 5), logits(t, dst, 5)
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-3*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%s logit %d: compressed %g, Conv2D %g", model, i, got[i], want[i])
			}
		}
		if Total(src, layers, ranks) != dst.Total() {
			t.Errorf("%s: Total says %d, the model has %d", model, Total(src, layers, ranks), dst.Total())
		}
	}
}

// A budget is met as closely as the greedy choice allows, never exceeded, and a larger budget
// never lowers a rank; an energy threshold keeps at least that energy in every layer.
func TestRankSelection(t *testing.T) {
	src := trained(t, "cifar10")
	layers, err := Layers(src)
	if err != nil {
		t.Fatal(err)
	}
	third, err := ForBudget(src, layers, src.Total()/3)
	if err != nil {
		t.Fatal(err)
	}
	half, err := ForBudget(src, layers, src.Total()/2)
	if err != nil {
		t.Fatal(err)
	}
	if n := Total(src, layers, third); n > src.Total()/3 || n < src.Total()/3-200 {
		t.Errorf("a third of %d: %d parameters", src.Total(), n)
	}
	for _, l := range layers {
		if third[l.Name] > half[l.Name] || third[l.Name] < 1 {
			t.Errorf("%s: rank %d at a third, %d at a half", l.Name, third[l.Name], half[l.Name])
		}
	}
	if _, err := ForBudget(src, layers, 100); err == nil {
		t.Error("a budget below rank 1 everywhere accepted")
	}
	ranks, err := ForEnergy(layers, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		k := ranks[l.Name]
		if l.Energy(k) < 0.8 || (k > 1 && l.Energy(k-1) >= 0.8) {
			t.Errorf("%s: rank %d keeps %.3f, rank %d %.3f", l.Name, k, l.Energy(k), k-1, l.Energy(k-1))
		}
	}
	dst, err := FromConv2D(src, layers, third, zoo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := light.ParseVariant(dst.Variant.Name()); err != nil || v != dst.Variant {
		t.Errorf("the compressed variant %q does not parse back: %v", dst.Variant.Name(), err)
	}
}

func TestOnlyConv2DAndLowRankCompress(t *testing.T) {
	for _, v := range []light.Variant{light.Separable{}, light.Light{ConvRank: 3, DenseRank: 8}} {
		m, _ := zoo.Build("mnist", v, zoo.Config{})
		if _, err := Layers(m); err == nil {
			t.Errorf("a %s model accepted", v.Name())
		}
	}
}

// A compressed model compresses again: at its own ranks into the same function (the factor
// products, the head's scale, biases and statistics carried over), and to a smaller budget
// within it, with Total counting the source's factor pairs.
func TestCompressedModelsCompressAgain(t *testing.T) {
	src := trained(t, "cifar10")
	layers, err := Layers(src)
	if err != nil {
		t.Fatal(err)
	}
	half, err := ForBudget(src, layers, src.Total()/2)
	if err != nil {
		t.Fatal(err)
	}
	mid, err := FromConv2D(src, layers, half, zoo.Config{Inference: true})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Layers(mid)
	if err != nil {
		t.Fatal(err)
	}
	same, err := FromConv2D(mid, again, half, zoo.Config{Inference: true})
	if err != nil {
		t.Fatal(err)
	}
	want, got := logits(t, mid, 5), logits(t, same, 5)
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-3*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("logit %d: compressed again at the same ranks %g, once %g", i, got[i], want[i])
		}
	}
	if Total(mid, again, half) != mid.Total() {
		t.Errorf("at its own ranks Total says %d, the model has %d", Total(mid, again, half), mid.Total())
	}
	third, err := ForBudget(mid, again, src.Total()/3)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := FromConv2D(mid, again, third, zoo.Config{Inference: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := dst.Total(); n != Total(mid, again, third) || n > src.Total()/3 {
		t.Errorf("a third of Conv2D's %d: the model has %d, Total says %d", src.Total(), n, Total(mid, again, third))
	}
}

// With every singular value equal (no layer easier to compress than another), a third of the
// parameters leaves no layer with a sliver of its energy: maximizing the sum of kept energy
// fractions per parameter gave the largest layers rank 1 (1.6-3% of their energy), which
// breaks the network; the product keeps at least 9% in each.
func TestBudgetStarvesNoLayer(t *testing.T) {
	for _, model := range []string{"mnist", "cifar10"} {
		src := trained(t, model)
		layers, err := Layers(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range layers {
			for i := range l.Sigma {
				l.Sigma[i] = 1
			}
		}
		ranks, err := ForBudget(src, layers, src.Total()/3)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range layers {
			if e := l.Energy(ranks[l.Name]); e < 0.05 {
				t.Errorf("%s %s (%dx%d): rank %d keeps %.3f of its energy", model, l.Name, l.Rows, l.Cols, ranks[l.Name], e)
			}
		}
	}
}
