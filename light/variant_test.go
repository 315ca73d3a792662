package light

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Every variant's Name parses back to the same value, and every canonical text names itself.
func TestVariantNamesRoundTrip(t *testing.T) {
	variants := []Variant{
		Regular{}, Separable{},
		Light{ConvRank: 3, DenseRank: 8},
		Light{ConvRank: 1, DenseRank: 8, Form: LowRank},
		Light{ConvRank: 5, DenseRank: 8, Middle: Linear},
		Light{ConvRank: 2, DenseRank: 4},
		Light{ConvRank: 3, DenseRank: 8, GlorotBiases: true},
		Light{ConvRank: 12, DenseRank: 16, Middle: Linear, GlorotBiases: true},
		Light{ConvRank: 3, DenseRank: 8, Form: LowRank, Spectral: true, Frobenius: 1e-5, Ranks: "block1/conv1=2,head=4"},
	}
	want := []string{"conv2d", "separable", "light3", "light1-lowrank", "light5-linear", "light2-dense4",
		"light3-glorotbias", "light12-linear-dense16-glorotbias", "light3-lowrank-spectral-frob0.00001-ranks:block1/conv1=2,head=4"}
	for i, v := range variants {
		if v.Name() != want[i] {
			t.Errorf("%#v: name %q, want %q", v, v.Name(), want[i])
		}
		back, err := ParseVariant(v.Name())
		if err != nil {
			t.Fatalf("%q: %v", v.Name(), err)
		}
		if back != v {
			t.Errorf("%q parses to %#v, want %#v", v.Name(), back, v)
		}
	}
	if got := (Light{ConvRank: 3, DenseRank: 8, Form: LowRank}).String(); got != "LightLayers(K=3, lowrank)" {
		t.Errorf("String %q", got)
	}
}

// Per-layer ranks reach the layers they name; the others take the variant's ranks.
func TestLayerRanks(t *testing.T) {
	f := newFixture(t, 2, 3, 6, 6)
	v := Light{ConvRank: 3, DenseRank: 5, Form: LowRank, Ranks: LayerRanks(map[string]int{"head": 2, "b/c1": 1})}
	h, err := v.Conv(f.s.Sub("b").Sub("c1"), f.x, 4, 3)
	if err == nil {
		h, err = v.Conv(f.s.Sub("b").Sub("c2"), h, 4, 3)
	}
	if err != nil {
		t.Fatal(err)
	}
	flat := G.Must(G.Reshape(h, tensor.Shape{2, 4 * 36}))
	if _, err := v.Dense(f.s.Sub("head"), flat, 7); err != nil {
		t.Fatal(err)
	}
	for name, rank := range map[string]int{"b/c1/w1": 1, "b/c2/w1": 3, "head/w1": 2} {
		if got := f.s.Param(name).Node.Shape()[1]; got != rank {
			t.Errorf("%s has rank %d, want %d", name, got, rank)
		}
	}
	for _, bad := range []string{"light3-lowrank-ranks:head=0", "light3-lowrank-ranks:head=2,b=1", "light3-spectral", "light3-lowrank-frob-1"} {
		if _, err := ParseVariant(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
