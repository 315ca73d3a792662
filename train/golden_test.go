package train

import (
	"bufio"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/train/checkpoint"
	"github.com/lightzoo/lightzoo/zoo"
)

var update = flag.Bool("update", false, "rewrite testdata/golden-steps.txt from this build")

const goldenFile = "testdata/golden-steps.txt"

// goldenCases are short training runs whose final weights must not change by a single bit
// unless a change means to alter the arithmetic (then: go test ./train -run Golden -update,
// and say so in the commit).
var goldenCases = []struct {
	model   string
	variant light.Variant
}{
	{"mnist", light.Regular{}},
	{"mnist", light.Separable{}},
	{"mnist", light.Light{ConvRank: 2, DenseRank: 8}},
	{"mnist", light.Light{ConvRank: 2, DenseRank: 8, Form: light.LowRank}},
	{"cifar10", light.Regular{}},
	{"cifar10", light.Light{ConvRank: 2, DenseRank: 8}},
	{"cifar10", light.Light{ConvRank: 5, DenseRank: 8}}, // 5 rows of 8 per tile; 5->16 dx flipped
}

// TestGoldenSteps trains each case for one epoch of three batches on random images and
// compares a digest of every weight and BatchNorm statistic with the recorded one.
func TestGoldenSteps(t *testing.T) {
	want := readGolden(t)
	var lines []string
	for _, c := range goldenCases {
		name := c.model + "/" + c.variant.String()
		got := goldenDigest(t, c.model, c.variant)
		lines = append(lines, name+" "+got)
		if !*update && want[name] != got {
			t.Errorf("%s: weights digest %s, recorded %s: the arithmetic changed", name, got, want[name])
		}
	}
	if *update {
		if err := os.WriteFile(goldenFile, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The same seed gives the same bits on any number of cores: work is cut into pieces that do
// not depend on GOMAXPROCS, and partial sums are added in a fixed order.
func TestSameWeightsOnAnyCoreCount(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, c := range goldenCases {
		var digests []string
		for _, procs := range []int{1, 4} {
			runtime.GOMAXPROCS(procs)
			digests = append(digests, trainedDigest(t, c.model, c.variant, 64))
		}
		if digests[0] != digests[1] {
			t.Errorf("%s %v: weights digest %s on 1 core, %s on 4", c.model, c.variant, digests[0], digests[1])
		}
	}
}

func goldenDigest(t *testing.T, model string, v light.Variant) string {
	return trainedDigest(t, model, v, 16)
}

// trainedDigest trains model in variant v on three batches of random images and returns a
// digest of its weights and BatchNorm statistics.
func trainedDigest(t *testing.T, model string, v light.Variant, batch int) string {
	t.Helper()
	spec, err := zoo.Get(model)
	if err != nil {
		t.Fatal(err)
	}
	d := &datasets.Dataset{Name: "random", Train: randomSet(spec, 3*batch), Test: randomSet(spec, 16)}
	tr, _ := fit(t, Config{Model: model, Variant: v, Epochs: 1, Batch: batch, EvalBatch: 16, Seed: 42, Out: t.TempDir()}, d)
	return checkpoint.Digest(tr.Model())[:24]
}

func readGolden(t *testing.T) map[string]string {
	out := map[string]string{}
	f, err := os.Open(filepath.Clean(goldenFile))
	if err != nil {
		if *update {
			return out
		}
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if i := strings.LastIndexByte(sc.Text(), ' '); i > 0 {
			out[sc.Text()[:i]] = sc.Text()[i+1:]
		}
	}
	return out
}
