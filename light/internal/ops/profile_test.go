package ops

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/light/internal/testkit"
)

// While the profile is on, each op's runs are counted and timed, one row per op value (two
// ops of one name are two rows) in the order they first ran; off, nothing is recorded, and
// a new profile starts empty.
func TestProfileTimesEachOp(t *testing.T) {
	double := func() *Op {
		return &Op{Name: "double", In: []int{1}, Shape: tensor.Shape{2}, F32: func(y []float32, in [][]float32) {
			for i := range y {
				y[i] = 2 * in[0][i]
			}
		}}
	}
	a, b := double(), double()
	x := tensor.New(tensor.WithBacking([]float32{1, 2}))
	run := func(ops ...*Op) {
		for _, op := range ops {
			if _, err := op.Do(x); err != nil {
				t.Fatal(err)
			}
		}
	}
	run(a)
	StartProfile()
	run(b, a, a)
	got := StopProfile()
	if len(got) != 2 || got[0].Name != "double" || got[0].Runs != 1 || got[1].Runs != 2 || got[1].Time <= 0 {
		t.Fatalf("profile of b, a, a: %+v", got)
	}
	run(a)
	if again := StopProfile(); len(again) != 2 || again[1].Runs != 2 {
		t.Fatalf("a run after the profile stopped was recorded: %+v", again)
	}
	StartProfile()
	if fresh := StopProfile(); len(fresh) != 0 {
		t.Fatalf("a new profile holds %+v", fresh)
	}
}

// A profile counts each product's floating-point operations: two per multiply-add of a
// convolution and of its input's and its kernel's gradients, the bias gradient's adds, and
// the same for a depthwise convolution (Gorgonia makes every gradient, the kernels' too).
func TestProfileCountsFlops(t *testing.T) {
	g := G.NewGraph()
	node := func(name string, shape ...int) *G.Node {
		return G.NewTensor(g, tensor.Float32, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(testkit.Float32s(shape, 1)))
	}
	x := node("x", 2, 3, 8, 8)
	y, err := Conv(x, node("w", 4, 3, 3, 3), node("b", 4), 2) // to 2x4x4x4
	if err != nil {
		t.Fatal(err)
	}
	d, err := Depthwise(x, node("dw", 3, 1, 3, 3), 1)
	if err != nil {
		t.Fatal(err)
	}
	loss := G.Must(G.Add(G.Must(G.Sum(y)), G.Must(G.Sum(d))))
	if _, err := G.Grad(loss, x); err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	StartProfile()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	conv, depthwise := int64(2*2*4*4*4*3*3*3), int64(2*2*3*8*8*3*3)
	want := map[string]int64{
		"lightzoo.Conv(2x3x8x8 k3x3 s2 p1 to 4 bias true)": conv, "lightzoo.ConvGrad0(2x3x8x8 k3x3 s2 p1 to 4 bias true)": conv,
		"lightzoo.ConvGrad1(2x3x8x8 k3x3 s2 p1 to 4 bias true)": conv, "lightzoo.ConvGrad2(2x3x8x8 k3x3 s2 p1 to 4 bias true)": 2 * 4 * 4 * 4,
		"lightzoo.Depthwise(2x3x8x8 k3x3 s1 p1)": depthwise, "lightzoo.DepthwiseGrad0(2x3x8x8 k3x3 s1 p1)": depthwise,
		"lightzoo.DepthwiseGrad1(2x3x8x8 k3x3 s1 p1)": depthwise,
	}
	rows := StopProfile()
	for _, r := range rows {
		if f, ok := want[r.Name]; !ok || r.Flops != f || r.Runs != 1 {
			t.Errorf("%s: %d runs of %d flops; want 1 of %d", r.Name, r.Runs, r.Flops, f)
		}
	}
	if len(rows) != len(want) {
		t.Errorf("%d ops ran, want %d: %+v", len(rows), len(want), rows)
	}
}
