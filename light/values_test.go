package light

import (
	"testing"

	G "gorgonia.org/gorgonia"
)

func TestGlobalAvgPoolValues(t *testing.T) {
	f := newFixture(t, 2, 3, 4, 5)
	y, err := GlobalAvgPool(f.s, f.x)
	if err != nil {
		t.Fatal(err)
	}
	got := runGraph(t, f.g, y)[0]
	x := f.x.Value().Data().([]float64)
	want := make([]float64, 6)
	for p := range want {
		for _, v := range x[p*20 : (p+1)*20] {
			want[p] += v / 20
		}
	}
	assertClose(t, "mean", got, want, 1e-12)
}

var _ = G.NewGraph
