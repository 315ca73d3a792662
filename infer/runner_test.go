package infer

import (
	"strings"
	"testing"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/zoo"
)

// Bad requests are errors that say what was expected.
func TestRunnerRefusesBadInput(t *testing.T) {
	m, err := zoo.Build("mnist", light.Separable{}, zoo.Config{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(m, WithBatch(4))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Logits(make([]float32, 783), 1); err == nil || !strings.Contains(err.Error(), "784 values") {
		t.Errorf("short image: %v", err)
	}
	if _, err := r.Predict(make([]float32, 784), 1, 0); err == nil || !strings.Contains(err.Error(), "top 0") {
		t.Errorf("top 0: %v", err)
	}
	bad := &datasets.Set{Images: make([]byte, 3*784), Labels: []uint8{1, 12, 3}, N: 3, C: 1, H: 28, W: 28}
	if _, err := r.Evaluate(bad); err == nil || !strings.Contains(err.Error(), "image 1 has label 12") {
		t.Errorf("label 12: %v", err)
	}
	if _, err := New(m, WithBatch(0)); err == nil {
		t.Error("batch 0 accepted")
	}
	preds, err := r.Predict(make([]float32, 9*784), 9, 2) // three batches, the last partial
	if err != nil || len(preds) != 9 || len(preds[8].Top) != 2 {
		t.Fatalf("%d predictions, %v", len(preds), err)
	}
}

// Evaluating with batch statistics leaves the model's running statistics as they were.
func TestBatchStatsKeepRunningStats(t *testing.T) {
	m, err := zoo.Build("mnist", light.Regular{}, zoo.Config{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(m, WithBatchStats(), WithBatch(8))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	before, _ := m.Scope.BatchNorms()[0].Stats()
	images := make([]float32, 8*784)
	for i := range images {
		images[i] = float32(i%7) / 7
	}
	if _, err := r.Logits(images, 8); err != nil {
		t.Fatal(err)
	}
	after, _ := m.Scope.BatchNorms()[0].Stats()
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("running mean %d moved from %g to %g", i, before[i], after[i])
		}
	}
}

// Recalibration sets every BatchNorm's running statistics to the plain average of its batch
// statistics: over batches A and B they are the mean of those over A alone and over B alone,
// and a last partial batch is left out.
func TestRecalibrateAverages(t *testing.T) {
	m, err := zoo.Build("mnist", light.Regular{}, zoo.Config{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	set := func(n, seed int) *datasets.Set {
		s := &datasets.Set{Images: make([]byte, n*784), Labels: make([]uint8, n), N: n, C: 1, H: 28, W: 28}
		for i := range s.Images {
			s.Images[i] = byte((i*seed + i/97) % 251)
		}
		return s
	}
	stats := func(s *datasets.Set) [][]float64 {
		if err := Recalibrate(m, s, 8); err != nil {
			t.Fatal(err)
		}
		var out [][]float64
		for _, bn := range m.Scope.BatchNorms() {
			mean, variance := bn.Stats()
			out = append(out, append(append([]float64(nil), mean...), variance...))
		}
		return out
	}
	a, b := set(8, 3), set(8, 7)
	both := &datasets.Set{Images: append(append([]byte(nil), a.Images...), b.Images...), Labels: make([]uint8, 16), N: 16, C: 1, H: 28, W: 28}
	ragged := &datasets.Set{Images: append(append([]byte(nil), both.Images...), set(3, 5).Images...), Labels: make([]uint8, 19), N: 19, C: 1, H: 28, W: 28}
	sa, sb, sab, sr := stats(a), stats(b), stats(both), stats(ragged)
	for l := range sa {
		for i := range sa[l] {
			if want := 0.5*sa[l][i] + 0.5*sb[l][i]; sab[l][i] != want || sr[l][i] != want {
				t.Fatalf("BatchNorm %d statistic %d: %g over A and B, %g with a partial batch, want %g (A %g, B %g)", l, i, sab[l][i], sr[l][i], want, sa[l][i], sb[l][i])
			}
		}
		if sa[l][0] == sb[l][0] {
			t.Fatalf("BatchNorm %d: the same statistics over A and B", l)
		}
	}
	if err := Recalibrate(m, &datasets.Set{C: 1, H: 28, W: 28}, 8); err == nil {
		t.Error("recalibration on no images accepted")
	}
}
