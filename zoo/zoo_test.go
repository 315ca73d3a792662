package zoo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/light"
)

// variants returns every variant of the paper's table for spec, with the paper's total.
func variants(t *testing.T, spec Spec) []struct {
	v     light.Variant
	total int
} {
	t.Helper()
	var out []struct {
		v     light.Variant
		total int
	}
	for _, r := range spec.Paper {
		v, err := light.ParseVariant(r.Variant)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, struct {
			v     light.Variant
			total int
		}{v, r.Total})
	}
	return out
}

func TestParameterCountsMatchThePaper(t *testing.T) {
	rows := 0
	for _, name := range List() {
		spec, _ := Get(name)
		for _, row := range variants(t, spec) {
			m, err := New(spec, row.v, Config{})
			if err != nil {
				t.Fatal(err)
			}
			rows++
			if m.Total() != row.total {
				t.Errorf("%s %v: total %d, paper %d", name, row.v, m.Total(), row.total)
			}
			bnChannels := 0
			for _, f := range spec.Filters {
				bnChannels += 2 * f
				if spec.Shortcut {
					bnChannels += f
				}
			}
			if m.Trainable() != row.total-2*bnChannels {
				t.Errorf("%s %v: trainable %d, want %d - %d", name, row.v, m.Trainable(), row.total, 2*bnChannels)
			}
		}
	}
	if rows != 28 {
		t.Errorf("checked %d rows, the paper's tables have 28", rows)
	}
}

func TestSummary(t *testing.T) {
	m, err := Build("mnist", light.Light{ConvRank: 3, DenseRank: 8}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := m.Summary(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"block1/conv1", "LightConv2D", "(None, 8, 28, 28)", "head", "LightDense",
		"Total params: 6135", "Trainable params: 5911", "Non-trainable params: 224"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}

// TestEveryParameterLearns builds every registered model in every variant of its table (and
// the low-rank light form), runs a forward and backward pass on random images, and checks the
// logits' shape and that every parameter receives a nonzero gradient.
func TestEveryParameterLearns(t *testing.T) {
	for _, name := range List() {
		spec, _ := Get(name)
		vs := variants(t, spec)
		vs = append(vs, struct {
			v     light.Variant
			total int
		}{light.Light{ConvRank: 2, DenseRank: 8, Form: light.LowRank}, 0})
		for _, row := range vs {
			t.Run(fmt.Sprintf("%s/%v", name, row.v), func(t *testing.T) {
				checkLearns(t, spec, row.v)
			})
		}
	}
}

func checkLearns(t *testing.T, spec Spec, v light.Variant) {
	const batch = 2
	m, err := New(spec, v, Config{Batch: batch, Dtype: tensor.Float64})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	img := make([]float64, m.Input.Shape().TotalSize())
	for i := range img {
		img[i] = rng.Float64()
	}
	if err := G.Let(m.Input, tensor.New(tensor.WithShape(m.Input.Shape()...), tensor.WithBacking(img))); err != nil {
		t.Fatal(err)
	}
	if got := m.Logits.Shape(); !got.Eq(tensor.Shape{batch, spec.Classes}) {
		t.Fatalf("logits shape %v, want (%d, %d)", got, batch, spec.Classes)
	}
	w := G.NewTensor(m.Graph, tensor.Float64, 2, G.WithShape(batch, spec.Classes), G.WithName("w"),
		G.WithInit(G.RangedFrom(1)))
	prod, err := G.HadamardProd(m.Logits, w)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := G.Sum(prod)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(loss, m.Learnables()...)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(m.Graph)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	for i, p := range m.Scope.Params() {
		nonzero := false
		for _, g := range grads[i].Value().Data().([]float64) {
			nonzero = nonzero || g != 0
		}
		if !nonzero {
			t.Errorf("%s receives no gradient", p.Name)
		}
	}
}

func TestSameSeedSameModel(t *testing.T) {
	v := light.Light{ConvRank: 2, DenseRank: 8}
	a, _ := Build("cifar10", v, Config{})
	b, _ := Build("cifar10", v, Config{})
	for i, p := range a.Scope.Params() {
		x, y := p.Node.Value().Data().([]float32), b.Scope.Params()[i].Node.Value().Data().([]float32)
		for j := range x {
			if math.Float32bits(x[j]) != math.Float32bits(y[j]) {
				t.Fatalf("%s[%d]: %g and %g from the same seed", p.Name, j, x[j], y[j])
			}
		}
	}
}

func TestRegistry(t *testing.T) {
	if got := List(); strings.Join(got, ",") != "cifar10,cifar100,fashion-mnist,mnist" {
		t.Errorf("List() = %v", got)
	}
	if _, err := Get("imagenet"); err == nil || !strings.Contains(err.Error(), "cifar10") {
		t.Errorf("unknown name: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("duplicate registration did not panic")
		}
	}()
	Register(Spec{Name: "mnist"})
}

func TestBuildErrors(t *testing.T) {
	if _, err := Build("mnist", nil, Config{}); err == nil || !strings.Contains(err.Error(), "variant is nil") {
		t.Errorf("nil variant: %v", err)
	}
	if _, err := Build("mnist", light.Regular{}, Config{Batch: -1}); err == nil || !strings.Contains(err.Error(), "batch size -1") {
		t.Errorf("negative batch: %v", err)
	}
}

// A batch whose working set exceeds the machine's memory is refused with the figure; the
// paper's batch passes.
func TestCheckMemory(t *testing.T) {
	m, err := Build("cifar10", light.Regular{}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckMemory(64, true); err != nil {
		t.Fatalf("batch 64: %v", err)
	}
	if _, ok := availableMemory(); !ok {
		t.Skip("no /proc/meminfo here")
	}
	if err := m.CheckMemory(1<<30, true); err == nil || !strings.Contains(err.Error(), "MiB") || !strings.Contains(err.Error(), "use a batch of at most") {
		t.Fatalf("batch 2^30: %v", err)
	}
}

// An inference graph (its BatchNorms folded into the convolutions) gives the same logits, bit
// for bit, as the training graph of the same weights switched to the running statistics, for
// every network shape and every kind of variant.
func TestInferenceGraphMatchesEvalMode(t *testing.T) {
	vs := []light.Variant{light.Regular{}, light.Separable{}, light.Light{ConvRank: 3, DenseRank: 8},
		light.Light{ConvRank: 3, DenseRank: 8, Form: light.LowRank}}
	for _, name := range []string{"mnist", "cifar10"} {
		for _, v := range vs {
			m, err := Build(name, v, Config{Batch: 3, Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 2))
			for _, bn := range m.Scope.BatchNorms() {
				mean, variance := bn.Stats()
				for i := range mean {
					mean[i], variance[i] = r.NormFloat64()/4, 0.5+r.Float64()
				}
				if err := bn.SetStats(mean, variance); err != nil {
					t.Fatal(err)
				}
				for _, p := range []*G.Node{bn.Gamma, bn.Beta} {
					for i, d := 0, p.Value().Data().([]float32); i < len(d); i++ {
						d[i] = float32(r.NormFloat64())
					}
				}
			}
			m.Scope.SetTraining(false)
			folded, err := New(m.Spec, v, Config{Batch: 3, Share: m, Inference: true})
			if err != nil {
				t.Fatal(err)
			}
			x := make([]float32, m.Input.Shape().TotalSize())
			for i := range x {
				x[i] = r.Float32()
			}
			want, got := runLogits(t, m, x), runLogits(t, folded, x)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s %v: logit %d is %g folded, %g in eval mode", name, v, i, got[i], want[i])
				}
			}
		}
	}
}

// runLogits runs m's graph once on the images x and returns a copy of its logits.
func runLogits(t *testing.T, m *Model, x []float32) []float32 {
	t.Helper()
	if err := G.Let(m.Input, tensor.New(tensor.WithShape(m.Input.Shape()...), tensor.WithBacking(x))); err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(m.Graph, G.WithEngine(light.Engine()))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), m.Logits.Value().Data().([]float32)...)
}
