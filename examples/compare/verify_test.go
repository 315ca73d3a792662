package main

import (
	"math"
	"strings"
	"testing"

	"github.com/lightzoo/lightzoo/train"
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

func TestSameCommit(t *testing.T) {
	full := "299b700001fa686d585ea79b302b7aa311d3cf98"
	for _, tc := range []struct {
		a, b string
		want bool
	}{{full, full, true}, {full, "299b700001", true}, {"299b700", full, true}, {full, "299b701", false}, {"unknown", "unknown", false}, {"", full, false}} {
		if got := sameCommit(tc.a, tc.b); got != tc.want {
			t.Errorf("sameCommit(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

func TestBuildAtNeedsARecordedCommit(t *testing.T) {
	for _, c := range []string{"", "unknown"} {
		if _, err := buildAt(train.Build{Commit: c}, t.TempDir()); err == nil || !strings.Contains(err.Error(), "records no commit") {
			t.Errorf("commit %q: %v", c, err)
		}
	}
}
