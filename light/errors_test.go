package light

import (
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestBadArgumentsAreErrors(t *testing.T) {
	f := newFixture(t, 2, 3, 8, 8)
	flat := G.NewTensor(f.g, tensor.Float64, 2, G.WithShape(2, 5), G.WithName("flat"))
	other := G.NewTensor(G.NewGraph(), tensor.Float64, 4, G.WithShape(2, 3, 8, 8), G.WithName("other"))
	f32 := G.NewTensor(f.g, tensor.Float32, 4, G.WithShape(2, 3, 8, 8), G.WithName("f32"))
	cases := []struct {
		name  string
		call  func() error
		wants []string
	}{
		{"rank 0", func() error { _, err := LightConv2D(f.s.Sub("a"), f.x, 4, 3, WithRank(0)); return err }, []string{"LightConv2D", `"a"`, "rank 0", ">= 1"}},
		{"negative dense rank", func() error { _, err := LightDense(f.s.Sub("b"), flat, 4, WithRank(-2)); return err }, []string{"LightDense", "rank -2"}},
		{"stride 0", func() error { _, err := Conv2D(f.s.Sub("c"), f.x, 4, 3, WithStride(0)); return err }, []string{"Conv2D", "stride 0"}},
		{"even kernel", func() error { _, err := SeparableConv2D(f.s.Sub("d"), f.x, 4, 2); return err }, []string{"SeparableConv2D", "kernel size 2", "odd"}},
		{"2-D input to conv", func() error { _, err := Conv2D(f.s.Sub("f"), flat, 4, 3); return err }, []string{"(2, 5)", "expected 4", "NCHW"}},
		{"4-D input to dense", func() error { _, err := Dense(f.s.Sub("g"), f.x, 4); return err }, []string{"Dense", "expected 2"}},
		{"zero units", func() error { _, err := Dense(f.s.Sub("h"), flat, 0); return err }, []string{"units 0"}},
		{"nil input", func() error { _, err := BatchNorm(f.s.Sub("i"), nil); return err }, []string{"BatchNorm", "nil"}},
		{"other graph", func() error { _, err := Conv2D(f.s.Sub("j"), other, 4, 3); return err }, []string{"another graph"}},
		{"dtype", func() error { _, err := Conv2D(f.s.Sub("k"), f32, 4, 3); return err }, []string{"float32", "float64"}},
		{"pool too big", func() error { _, err := MaxPool(f.s.Sub("l"), f.x, 9, 2); return err }, []string{"pool size 9"}},
		{"add shapes", func() error { _, err := Add(f.s.Sub("m"), f.x, flat); return err }, []string{"differ"}},
		{"momentum", func() error { _, err := BatchNorm(f.s.Sub("n"), f.x, WithMomentum(1)); return err }, []string{"momentum 1"}},
		{"activation", func() error { _, err := BatchNorm(f.s.Sub("n"), f.x, WithActivation(Activation(7))); return err }, []string{"activation 7"}},
		{"pool activation", func() error { _, err := MaxPool(f.s.Sub("q"), f.x, 2, 2, WithActivation(Activation(7))); return err }, []string{"MaxPool", "activation 7"}},
		{"duplicate", func() error {
			if _, err := Conv2D(f.s.Sub("dup"), f.x, 4, 3); err != nil {
				return err
			}
			_, err := Conv2D(f.s.Sub("dup"), f.x, 4, 3)
			return err
		}, []string{`"dup/w" already exists`, "Sub"}},
		{"two-stage weight", func() error {
			c, err := LightConv2D(f.s.Sub("o"), f.x, 4, 3)
			if err != nil {
				return err
			}
			_, err = c.Weight()
			return err
		}, []string{"no single kernel", "LowRank"}},
		{"variant without rank", func() error { _, err := ParseVariant("light"); return err }, []string{"needs a rank", "light1"}},
		{"variant rank 0", func() error { _, err := ParseVariant("light0"); return err }, []string{"rank 0", ">= 1"}},
		{"variant name", func() error { _, err := ParseVariant("dense"); return err }, []string{`unknown variant "dense"`}},
		{"variant suffix", func() error { _, err := ParseVariant("light3-wide"); return err }, []string{`unknown suffix "wide"`}},
		{"variant lowrank linear", func() error { _, err := ParseVariant("light3-lowrank-linear"); return err }, []string{"two-stage form only"}},
		{"variant not canonical", func() error { _, err := ParseVariant("light3-dense8"); return err }, []string{`canonical form "light3"`}},
		{"lowrank with a middle", func() error {
			_, err := LightConv2D(f.s.Sub("p"), f.x, 4, 3, WithForm(LowRank), WithMiddle(Linear))
			return err
		}, []string{"two-stage form only"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestNewScopeRejectsBadDtype(t *testing.T) {
	if _, err := NewScope(G.NewGraph(), tensor.Int, 1); err == nil || !strings.Contains(err.Error(), "Float32") {
		t.Fatalf("got %v", err)
	}
	if _, err := NewScope(nil, tensor.Float32, 1); err == nil {
		t.Fatal("nil graph accepted")
	}
}
