package main

import (
	"math"
	"strings"
	"testing"
)

func TestRerunArgs(t *testing.T) {
	args, err := rerunArgs("go run ./examples/train -model mnist -out runs/x -seed 1 -resume -out=y")
	if err != nil || strings.Join(args, " ") != "run ./examples/train -model mnist -seed 1" {
		t.Fatalf("%q, %v", args, err)
	}
	if _, err := rerunArgs("rm -rf /"); err == nil {
		t.Fatal("a command that is not examples/train accepted")
	}
}

// Any difference in a metric's bits is reported; times are not metrics.
func TestCompareRuns(t *testing.T) {
	a := run{epochs: []map[string]float64{{"val_loss": 0.5, "seconds": 3}}}
	b := run{epochs: []map[string]float64{{"val_loss": math.Nextafter(0.5, 1), "seconds": 4}}}
	if d := compareRuns(a, a); len(d) != 0 {
		t.Errorf("a run differs from itself: %v", d)
	}
	b.result.WeightsDigest = "x"
	d := compareRuns(a, b)
	if len(d) != 2 || !strings.Contains(d[0], "val_loss") || !strings.Contains(d[1], "weights") {
		t.Errorf("diffs %v", d)
	}
}
