package onnx

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/infer"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/zoo"
)

const python = "/usr/bin/python3"

// needPython skips the test where Debian's python3-onnx and python3-numpy are missing.
func needPython(t *testing.T) {
	if err := exec.Command(python, "-c", "import onnx, numpy").Run(); err != nil {
		t.Skip("python3-onnx and python3-numpy are not installed (apt-get install python3-onnx python3-numpy); the ONNX checks need them")
	}
}

// Every variant of both architectures exports to a model that passes onnx.checker and shape
// inference, holds exactly the model's parameters and BatchNorm statistics, and, run by an
// independent NumPy evaluator on real test images, gives lightzoo's logits within 1e-4.
func TestExportMatchesLightzoo(t *testing.T) {
	needPython(t)
	cases := map[string][]string{
		"mnist":   {"conv2d", "separable", "light3", "light3-lowrank", "light3-linear", "light2-dense4"},
		"cifar10": {"conv2d", "separable", "light5", "light5-lowrank"},
	}
	for model, variants := range cases {
		images, n := testImages(t, model, 6)
		for _, name := range variants {
			t.Run(model+"/"+name, func(t *testing.T) {
				v, err := light.ParseVariant(name)
				if err != nil {
					t.Fatal(err)
				}
				m, err := zoo.Build(model, v, zoo.Config{Seed: 5, Inference: true})
				if err != nil {
					t.Fatal(err)
				}
				perturb(m, 9)
				want := logits(t, m, images, n)
				got, params := evaluate(t, m, images, n)
				if params != m.Total() {
					t.Errorf("the ONNX model holds %d values; the model has %d parameters and statistics", params, m.Total())
				}
				for i := range want {
					if d := math.Abs(float64(got[i] - want[i])); d > 1e-4 {
						t.Fatalf("logit %d: ONNX %g, lightzoo %g (difference %.2g)", i, got[i], want[i], d)
					}
				}
			})
		}
	}
}

// testImages are the first n test images of the model's data set, or of the repository's
// fixtures where the data set is not on this machine.
func testImages(t *testing.T, model string, n int) ([]float32, int) {
	spec, _ := zoo.Get(model)
	d, err := datasets.Load(spec.Dataset, datasets.Options{NoDownload: true})
	if err != nil {
		t.Logf("%s: %v; using the fixtures in testdata", model, err)
		if d, err = datasets.Load(spec.Dataset, datasets.Options{Dir: "../testdata/data"}); err != nil {
			t.Fatal(err)
		}
	}
	n = min(n, d.Test.N)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	x := make([]float32, n*d.Test.ImageSize())
	d.Test.Fill(idx, x, make([]int, n), nil)
	return x, n
}

// perturb gives every parameter and statistic seeded values away from its initial ones
// (biases start at zero, statistics at 0 and 1, which would hide mistakes).
func perturb(m *zoo.Model, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	for _, p := range m.Scope.Params() {
		data := p.Node.Value().Data().([]float32)
		last := p.Name[strings.LastIndex(p.Name, "/")+1:]
		for i := range data {
			switch last {
			case "gamma":
				data[i] = float32(u(0.5, 1.5))
			case "b", "b1", "b2", "beta":
				data[i] = float32(u(-0.2, 0.2))
			}
		}
	}
	for _, bn := range m.Scope.BatchNorms() {
		mean, vari := bn.Stats()
		for i := range mean {
			mean[i], vari[i] = u(-0.3, 0.3), u(0.5, 2)
		}
		bn.SetStats(mean, vari)
	}
}

func logits(t *testing.T, m *zoo.Model, images []float32, n int) []float32 {
	r, err := infer.New(m)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out, err := r.Logits(images, n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// evaluate exports m and runs testdata/evaluate.py on the images; it returns the logits and
// the number of values the ONNX model holds.
func evaluate(t *testing.T, m *zoo.Model, images []float32, n int) ([]float32, int) {
	dir := t.TempDir()
	model, in, out := filepath.Join(dir, "m.onnx"), filepath.Join(dir, "x.f32"), filepath.Join(dir, "y.f32")
	if err := ExportFile(m, model); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(in, floats(images), 0o644)
	report, err := exec.Command(python, "testdata/evaluate.py", model, in, fmt.Sprint(n), out).CombinedOutput()
	if err != nil {
		t.Fatalf("evaluate.py: %v\n%s", err, report)
	}
	var params int
	fmt.Sscanf(string(report), "params %d", &params)
	data, _ := os.ReadFile(out)
	got := make([]float32, len(data)/4)
	for i := range got {
		got[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return got, params
}

func floats(x []float32) []byte {
	out := make([]byte, 0, 4*len(x))
	for _, v := range x {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
	}
	return out
}
