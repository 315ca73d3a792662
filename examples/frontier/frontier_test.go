package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/train"
	"github.com/lightzoo/lightzoo/zoo"
)

// A frontier over a few hundred MNIST images runs every kind of job (from scratch, compressed
// and fine-tuned, compressed only, compressed in two steps, fine-tuned twice as long), writes the tables and the plot, and a second pass finds
// nothing left to do.
func TestFrontierRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains sixteen short runs")
	}
	if _, err := datasets.Load("mnist", datasets.Options{NoDownload: true}); err != nil {
		t.Skipf("MNIST is not on this machine: %v", err)
	}
	dir := t.TempDir()
	o := options{models: "mnist", seeds: "1", budgets: "2,3", ablation: 3, frobenius: 1e-4, schedule: "cosine", epochs: 1,
		runs: filepath.Join(dir, "runs"), out: filepath.Join(dir, "out"), trainImages: 512, testImages: 128, holdout: 128}
	for pass := 0; pass < 2; pass++ {
		if err := run(o, false, "", 0); err != nil {
			t.Fatal(err)
		}
	}
	md, err := os.ReadFile(filepath.Join(o.out, "frontier.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| conv2d | Conv2D | 18818 | 1.000 | 1 |", "| svd-b3 |", "| spectral-frob-b3 |", "| svd-nofinetune-b3 |", "| svd-via2-b3 |", "| svd-ft2x-b3 |", "Ablation at 1/3", "Target at most a third"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("frontier.md lacks %q:\n%s", want, md)
		}
	}
	data, err := os.ReadFile(filepath.Join(o.runs, "mnist-svd-ft2x-b3-seed1", "result.json"))
	if err != nil {
		t.Fatal(err)
	}
	var long train.Result
	if err := json.Unmarshal(data, &long); err != nil || long.Epochs != 2 || !strings.Contains(long.Command, "-epochs 2") {
		t.Errorf("the longer fine-tuning ran %d epochs with %q (%v), want 2", long.Epochs, long.Command, err)
	}
	if _, err := os.Stat(filepath.Join(o.out, "plots", "mnist-frontier.png")); err != nil {
		t.Error(err)
	}
	if _, err := plan(options{models: "mnist", seeds: "1", budgets: "1", ablation: 3}); err == nil {
		t.Error("budget 1 accepted")
	}
	if _, err := plan(options{models: "cifar10", seeds: "1", budgets: "3", cifarRows: "light6", ablation: 3, holdout: 1, schedule: "cosine"}); err == nil {
		t.Error("-cifar-rows light6 accepted for CIFAR-10, whose paper rows end at light5")
	}
}

// The uniform rank is capped per layer, so the CIFAR models (whose first shortcut has three
// input channels) fill their budgets instead of stopping at rank 3.
func TestUniformFillsTheBudget(t *testing.T) {
	spec, err := zoo.Get("cifar10")
	if err != nil {
		t.Fatal(err)
	}
	conv, err := zoo.New(spec, light.Regular{}, zoo.Config{Batch: 1, Inference: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []int{2, 3, 5, 10} {
		budget := conv.Total() / b
		v, err := uniform(spec, budget, technique{spectral: true, frobenius: 1e-4})
		if err != nil {
			t.Fatal(err)
		}
		m, err := zoo.New(spec, v, zoo.Config{Batch: 1, Inference: true})
		if err != nil {
			t.Fatal(err)
		}
		if n := m.Total(); n > budget || float64(n) < 0.9*float64(budget) {
			t.Errorf("budget 1/%d (%d): %s has %d parameters", b, budget, v.Name(), n)
		}
	}
}

// -list names every planned job once, in a shard, with its state.
func TestListPlan(t *testing.T) {
	dir := t.TempDir()
	o := options{models: "mnist,cifar10", seeds: "1", budgets: "2,3", cifarBudgets: "3", cifarRows: "light5", ablation: 3, schedule: "cosine", holdout: 100, runs: dir}
	jobs, err := plan(o)
	if err != nil {
		t.Fatal(err)
	}
	done := filepath.Join(dir, jobs[0].name())
	if err := os.MkdirAll(done, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(done, "result.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := listPlan(&b, o, 2); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for i, j := range jobs {
		want := "to do"
		if i == 0 {
			want = "done"
		}
		if n := strings.Count(out, " "+j.name()+" "); n != 1 {
			t.Errorf("%s listed %d times", j.name(), n)
		}
		if !regexp.MustCompile(regexp.QuoteMeta(j.name()) + ` +[0-9.]+  ` + want).MatchString(out) {
			t.Errorf("%s is not listed as %q:\n%s", j.name(), want, out)
		}
	}
	if !strings.Contains(out, "shard 1/2:") {
		t.Errorf("no shard totals:\n%s", out)
	}
}
