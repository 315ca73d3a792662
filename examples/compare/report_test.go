package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lightzoo/lightzoo/train"
)

func TestReportFromFinishedRuns(t *testing.T) {
	jobs, err := plan("mnist,cifar10", "paper", "1,2", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2*(6+7) {
		t.Fatalf("%d jobs, want 26", len(jobs))
	}
	runs, out := t.TempDir(), t.TempDir()
	// Two seeds of MNIST Conv2D and one of CIFAR-10 light k=2 have finished.
	for _, j := range jobs {
		if !(j.spec.Name == "mnist" && j.row.Variant == "conv2d") && !(j.spec.Name == "cifar10" && j.row.Variant == "light2" && j.seed == 1) {
			continue
		}
		dir := filepath.Join(runs, j.name())
		os.MkdirAll(dir, 0o755)
		res := train.Result{Model: j.spec.Name, Variant: j.row.Variant, Protocol: j.protocol, Seed: j.seed,
			Epochs: 2, Total: j.row.Total, TestAccuracy: 0.98 + float64(j.seed)/100, TestLoss: 0.05, TestImages: 1000,
			History: []train.EpochLog{{Epoch: 1, ValAccuracy: 0.9}, {Epoch: 2, ValAccuracy: 0.95}}}
		data, _ := json.Marshal(res)
		os.WriteFile(filepath.Join(dir, "result.json"), data, 0o644)
	}
	if err := writeReport(jobs, runs, out); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(filepath.Join(out, "paper-tables.csv"))
	records, err := csv.NewReader(f).ReadAll()
	if err != nil || len(records) != 4 {
		t.Fatalf("%d CSV records, %v", len(records), err)
	}
	for _, col := range []string{"model", "variant", "protocol", "seed", "epochs", "total", "trainable", "test_accuracy",
		"test_loss", "test_images", "seconds_per_epoch", "paper_accuracy", "paper_loss", "test_accuracy_batch_stats", "kernels", "weights_sha256"} {
		if !strings.Contains(strings.Join(records[0], ","), col) {
			t.Errorf("CSV lacks column %s", col)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "paper-tables.md"))
	for _, want := range []string{"## mnist, paper protocol", "| conv2d | 18818 | 2 | 0.9950 ± 0.0071 | 0.9900 | 1.0000 | 0.9887 | below (-0.0013) |", "Made by commit unknown: 2 runs", "first 1000 of the 10,000"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	for _, f := range []string{"runs/mnist-conv2d-paper-seed2/result.json", "plots/mnist-accuracy.png", "plots/mnist-accuracy.svg", "plots/cifar10-paper-curves.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestPlanRejectsBadInput(t *testing.T) {
	for _, args := range [][4]string{{"imagenet", "paper", "1", ""}, {"mnist", "fast", "1", ""}, {"mnist", "paper", "x", ""}, {"mnist", "paper", "1", "light9"}} {
		if _, err := plan(args[0], args[1], args[2], args[3]); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestPlanRows(t *testing.T) {
	jobs, err := plan("mnist,fashion-mnist", "paper", "3,4", "light3, conv2d")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, j := range jobs {
		names = append(names, j.name())
	}
	want := "mnist-conv2d-paper-seed3 mnist-light3-paper-seed3 mnist-conv2d-paper-seed4 mnist-light3-paper-seed4 " +
		"fashion-mnist-conv2d-paper-seed3 fashion-mnist-light3-paper-seed3 fashion-mnist-conv2d-paper-seed4 fashion-mnist-light3-paper-seed4"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("jobs %s\nwant %s", got, want)
	}
}

// With no finished run, -report is an error and leaves the committed tables as they were.
func TestReportWithoutRunsKeepsTables(t *testing.T) {
	jobs, err := plan("mnist", "paper", "42", "")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	table := filepath.Join(out, "paper-tables.md")
	os.WriteFile(table, []byte("committed"), 0o644)
	if err := writeReport(jobs, t.TempDir(), out); err == nil || !strings.Contains(err.Error(), "no finished run") {
		t.Fatalf("got %v", err)
	}
	if data, _ := os.ReadFile(table); string(data) != "committed" {
		t.Fatal("the committed table was overwritten")
	}
}
