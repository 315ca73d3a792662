package ops

import (
	"testing"

	"gorgonia.org/tensor"
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
