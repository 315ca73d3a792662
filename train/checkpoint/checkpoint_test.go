package checkpoint

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/zoo"
)

func model(t *testing.T, v light.Variant) *zoo.Model {
	t.Helper()
	m, err := zoo.Build("mnist", v, zoo.Config{Batch: 1, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var light1 = light.Light{ConvRank: 1, DenseRank: light.PaperDenseRank}

// A checkpoint whose tensors decode but do not fit the model is refused by name: missing,
// of the wrong dtype or shape, or holding values no trained model has.
func TestLoadIntoRejectsTensorsThatDoNotFit(t *testing.T) {
	const w = "param/block1/conv1/w1" // (1, 1, 3, 3)
	cases := []struct {
		name string
		edit func(ts map[string]*tensor.Dense)
		want string
	}{
		{"missing parameter", func(ts map[string]*tensor.Dense) { delete(ts, w) }, "no tensor " + w},
		{"float64 parameter", func(ts map[string]*tensor.Dense) {
			ts[w] = tensor.New(tensor.WithShape(1, 1, 3, 3), tensor.WithBacking(make([]float64, 9)))
		}, "float64"},
		{"flattened parameter", func(ts map[string]*tensor.Dense) {
			ts[w] = tensor.New(tensor.WithShape(9), tensor.WithBacking(make([]float32, 9)))
		}, "(1, 1, 3, 3)"},
		{"NaN parameter", func(ts map[string]*tensor.Dense) { ts[w].Data().([]float32)[4] = float32(math.NaN()) }, "NaN or infinite value (element 4)"},
		{"infinite variance", func(ts map[string]*tensor.Dense) {
			ts["bn/block1/bn1/moving_variance"].Data().([]float64)[0] = math.Inf(1)
		}, "bn/block1/bn1/moving_variance holds a NaN"},
		{"negative variance", func(ts map[string]*tensor.Dense) {
			ts["bn/block1/bn1/moving_variance"].Data().([]float64)[0] = -1
		}, "negative value"},
		{"missing statistics", func(ts map[string]*tensor.Dense) { delete(ts, "bn/block2/bn1/moving_mean") }, "no tensor bn/block2/bn1/moving_mean"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := model(t, light1)
			path := filepath.Join(t.TempDir(), "c.safetensors")
			if err := Save(path, m, nil, []byte("{}")); err != nil {
				t.Fatal(err)
			}
			ts, meta, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(ts)
			delete(meta, checksumKey)
			if err := WriteFile(path, ts, meta); err != nil {
				t.Fatal(err)
			}
			f, err := Open(path)
			if err == nil {
				err = f.LoadInto(model(t, light1))
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// The metadata must name a lightzoo format, a registered model, a valid variant, and the
// model it is loaded into.
func TestOpenChecksWhatTheFileIs(t *testing.T) {
	cases := []struct {
		name, key, value, want string
	}{
		{"format", "format", "safetensors", "not a lightzoo checkpoint"},
		{"model", "model", "imagenet", `unknown model "imagenet"`},
		{"variant", "variant", "light0", "rank 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.safetensors")
			if err := Save(path, model(t, light1), nil, nil); err != nil {
				t.Fatal(err)
			}
			ts, meta, _ := ReadFile(path)
			meta[tc.key] = tc.value
			WriteFile(path, ts, meta)
			if _, err := Open(path); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	path := filepath.Join(t.TempDir(), "c.safetensors")
	Save(path, model(t, light1), nil, nil)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.LoadInto(model(t, light.Regular{})); err == nil || !strings.Contains(err.Error(), "holds mnist light1, but the model is mnist conv2d") {
		t.Fatalf("wrong model: %v", err)
	}
}

// A first-format checkpoint (variant, rank and form as separate fields, no digests) still
// loads, as the variant it names.
func TestFirstFormatLoads(t *testing.T) {
	m := model(t, light.Light{ConvRank: 2, DenseRank: light.PaperDenseRank, Form: light.LowRank})
	path := filepath.Join(t.TempDir(), "c.safetensors")
	if err := Save(path, m, nil, nil); err != nil {
		t.Fatal(err)
	}
	ts, meta, _ := ReadFile(path)
	delete(meta, checksumKey)
	meta["format"], meta["variant"], meta["rank"], meta["form"], meta["dense_rank"] = formatV1, "light", "2", "lowrank", "8"
	data, _ := Encode(ts, meta)
	n := binary.LittleEndian.Uint64(data)
	var h map[string]any
	json.Unmarshal(data[8:8+n], &h)
	delete(h["__metadata__"].(map[string]any), checksumKey)
	head, _ := json.Marshal(h)
	WriteAtomic(path, append(binary.LittleEndian.AppendUint64(nil, uint64(len(head))), append(head, data[8+n:]...)...))
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Variant.Name() != "light2-lowrank" {
		t.Fatalf("variant %q", f.Variant.Name())
	}
	if err := f.LoadInto(m); err != nil {
		t.Fatal(err)
	}
}
