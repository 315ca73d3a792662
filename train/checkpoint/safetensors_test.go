package checkpoint

import (
	"path/filepath"
	"testing"

	"gorgonia.org/tensor"
)

func TestSafetensorsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.safetensors")
	a := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float32{1, 2, 3, 4, 5, 6}))
	b := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{0.5, -1}))
	if err := WriteFile(path, map[string]*tensor.Dense{"a": a, "b/c": b}, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	got, meta, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if meta["k"] != "v" || got["a"].Data().([]float32)[5] != 6 || got["b/c"].Data().([]float64)[1] != -1 || !got["a"].Shape().Eq(a.Shape()) {
		t.Errorf("round trip: %v %v %v", meta, got["a"], got["b/c"])
	}
}
