package ops

import (
	"math/rand/v2"
	"runtime"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Engine.Add gives the standard engine's bits, in place, into a reused tensor, and where it
// hands the work back (incr, views, other types), for sizes around its chunk and the vector
// width, on any number of cores.
func TestEngineAddMatchesStandard(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	r := rand.New(rand.NewPCG(1, 2))
	var e, std = Engine{}, G.StandardEngine{}
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{1, 7, 9, addChunk - 1, 2*addChunk + 3} {
			a, b := randomDense(r, n), randomDense(r, n)
			want, err := std.Add(a, b)
			if err != nil {
				t.Fatal(err)
			}
			reuse := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(n))
			got, err := e.Add(a, b, tensor.WithReuse(reuse))
			sameBits(t, "reuse", got, want, err)
			if got != reuse {
				t.Fatalf("n=%d: the result is not the reused tensor", n)
			}
			incr := randomDense(r, n) // (the standard engine writes a too)
			wantIncr, _ := std.Add(a.Clone().(*tensor.Dense), b, tensor.WithIncr(incr.Clone().(*tensor.Dense)))
			gotIncr, err := e.Add(a.Clone().(*tensor.Dense), b, tensor.WithIncr(incr))
			sameBits(t, "incr", gotIncr, wantIncr, err)
			got, err = e.Add(a, b, tensor.UseUnsafe())
			sameBits(t, "unsafe", got, want, err)
			if got != a {
				t.Fatalf("n=%d: the unsafe result is not a", n)
			}
		}
	}
	a64 := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{1, 2, 3}))
	got, err := e.Add(a64, a64)
	if err != nil || got.Data().([]float64)[2] != 6 {
		t.Fatalf("float64: %v, %v", got, err)
	}
}

func randomDense(r *rand.Rand, n int) *tensor.Dense {
	x := make([]float32, n)
	for i := range x {
		x[i] = r.Float32()*4 - 2
	}
	return tensor.New(tensor.WithShape(n), tensor.WithBacking(x))
}

func sameBits(t *testing.T, what string, got, want tensor.Tensor, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	g, w := got.Data().([]float32), want.Data().([]float32)
	for i := range w {
		if g[i] != w[i] {
			t.Fatalf("%s, %d elements: [%d] = %g, want %g", what, len(w), i, g[i], w[i])
		}
	}
}
