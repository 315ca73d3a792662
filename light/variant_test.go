package light

import "testing"

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
	}
	want := []string{"conv2d", "separable", "light3", "light1-lowrank", "light5-linear", "light2-dense4",
		"light3-glorotbias", "light12-linear-dense16-glorotbias"}
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
