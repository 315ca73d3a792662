package checkpoint

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
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

// sample is a small valid file: tensors a (F32, 2x3) and b/c (F64, 2) with their digests.
func sample(t testing.TB) []byte {
	a := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float32{1, 2, 3, 4, 5, 6}))
	b := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{0.5, -1}))
	data, err := Encode(map[string]*tensor.Dense{"a": a, "b/c": b}, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// withHeader replaces the sample's header by the JSON of edit(header), keeping its data.
func withHeader(t *testing.T, edit func(h map[string]any)) []byte {
	data := sample(t)
	n := binary.LittleEndian.Uint64(data)
	var h map[string]any
	if err := json.Unmarshal(data[8:8+n], &h); err != nil {
		t.Fatal(err)
	}
	edit(h)
	head, _ := json.Marshal(h)
	return append(binary.LittleEndian.AppendUint64(nil, uint64(len(head))), append(head, data[8+n:]...)...)
}

func entryOf(h map[string]any, name string) map[string]any { return h[name].(map[string]any) }

// Every corruption of a checkpoint's bytes is an error that says what is wrong, never a panic
// or a tensor read from the wrong bytes.
func TestDecodeRejectsCorruptFiles(t *testing.T) {
	good := sample(t)
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-3] ^= 0x10
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "fewer than the 8"},
		{"short", good[:5], "fewer than the 8"},
		{"header past the end", append(binary.LittleEndian.AppendUint64(nil, uint64(len(good))), good[8:]...), "truncated"},
		{"huge header", append(binary.LittleEndian.AppendUint64(nil, 1<<62), good[8:]...), "header length"},
		{"not JSON", append(binary.LittleEndian.AppendUint64(nil, 3), []byte("{{{")...), "not a JSON object"},
		{"array", append(binary.LittleEndian.AppendUint64(nil, 2), []byte("[]")...), "not a JSON object"},
		{"metadata not strings", withHeader(t, func(h map[string]any) { h["__metadata__"] = []int{1} }), "metadata"},
		{"dtype", withHeader(t, func(h map[string]any) { entryOf(h, "a")["dtype"] = "I64" }), `dtype "I64"`},
		{"negative size", withHeader(t, func(h map[string]any) { entryOf(h, "a")["shape"] = []int{-2, -3} }), "size below 1"},
		{"zero size", withHeader(t, func(h map[string]any) { entryOf(h, "a")["shape"] = []int{0, 3} }), "size below 1"},
		{"overflowing shape", withHeader(t, func(h map[string]any) { entryOf(h, "a")["shape"] = []int{1 << 40, 1 << 40, 1 << 40} }), "more elements"},
		{"offsets reversed", withHeader(t, func(h map[string]any) { entryOf(h, "a")["data_offsets"] = []int{24, 0} }), "outside"},
		{"offsets outside", withHeader(t, func(h map[string]any) { entryOf(h, "a")["data_offsets"] = []int{0, 1 << 40} }), "outside"},
		{"size mismatch", withHeader(t, func(h map[string]any) { entryOf(h, "a")["shape"] = []int{2, 2} }), "bytes for shape"},
		{"unknown field", withHeader(t, func(h map[string]any) { entryOf(h, "a")["offset"] = 3 }), "bad header entry"},
		{"overlap", withHeader(t, func(h map[string]any) {
			entryOf(h, "b/c")["data_offsets"] = []int{8, 24}
		}), "share bytes"},
		{"flipped byte", flipped, "SHA-256"},
		{"digest of a missing tensor", withHeader(t, func(h map[string]any) { delete(h, "b/c") }), "missing from the file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Decode(tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
	if _, _, err := Decode(good); err != nil {
		t.Fatalf("the uncorrupted sample: %v", err)
	}
}

// A crash between writing the temporary file and renaming it leaves the temporary file;
// RemoveStale deletes it and nothing else.
func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{".checkpoint.safetensors.tmp-123", "checkpoint.safetensors", ".hidden"} {
		os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644)
	}
	if err := RemoveStale(dir); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if strings.Join(left, ",") != ".hidden,checkpoint.safetensors" {
		t.Errorf("left %v", left)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(sample(f))
	f.Add([]byte{})
	f.Add(append(binary.LittleEndian.AppendUint64(nil, 2), []byte("{}")...))
	f.Fuzz(func(t *testing.T, data []byte) {
		tensors, _, err := Decode(data)
		if err != nil {
			return
		}
		for name, x := range tensors {
			if x.Shape().TotalSize() <= 0 {
				t.Fatalf("%s: empty tensor accepted", name)
			}
		}
	})
}
