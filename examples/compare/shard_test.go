package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/sweep"
)

// The shards of a plan are disjoint and cover it.
func TestShardsCoverThePlan(t *testing.T) {
	jobs, _ := plan("mnist,cifar10", "paper", "1,2", "")
	var all []string
	for i := range 3 {
		for _, j := range sweep.Take(jobs, sweep.Shard{Index: i, Count: 3}) {
			all = append(all, j.name())
		}
	}
	slices.Sort(all)
	if len(all) != len(jobs) || len(slices.Compact(all)) != len(jobs) {
		t.Errorf("three shards cover %d distinct of %d runs", len(slices.Compact(all)), len(jobs))
	}
}

// Three processes sharding a sweep into one runs folder, then -report, write the same tables
// as one process running it all (times aside).
func TestShardedSweepEqualsOneProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("trains eight short runs")
	}
	if _, err := datasets.Load("mnist", datasets.Options{NoDownload: true}); err != nil {
		t.Skipf("MNIST is not on this machine: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "compare")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	args := []string{"-models", "mnist", "-rows", "conv2d,light1", "-seeds", "1,2", "-epochs", "1", "-images", "256", "-test-images", "128"}
	compare := func(extra ...string) {
		var stderr bytes.Buffer
		cmd := exec.Command(bin, append(append([]string(nil), args...), extra...)...)
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Errorf("compare %v: %v\n%s", extra, err, stderr.String())
		}
	}
	one, many := t.TempDir(), t.TempDir()
	compare("-runs", filepath.Join(one, "runs"), "-out", filepath.Join(one, "results"))
	var wg sync.WaitGroup
	for _, s := range []string{"0/3", "1/3", "2/3"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			compare("-shard", s, "-runs", filepath.Join(many, "runs"), "-out", filepath.Join(many, "results"))
		}()
	}
	wg.Wait()
	compare("-report", "-runs", filepath.Join(many, "runs"), "-out", filepath.Join(many, "results"))
	a, b := tables(t, filepath.Join(one, "results")), tables(t, filepath.Join(many, "results"))
	if len(a) != 5 || !slices.Equal(a, b) {
		t.Fatalf("one process:\n%s\nthree shards:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
}

// tables are paper-tables.csv's rows without the columns that time the runs.
func tables(t *testing.T, dir string) []string {
	f, err := os.Open(filepath.Join(dir, "paper-tables.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range records {
		var keep []string
		for i, v := range r {
			if c := records[0][i]; c != "seconds_per_epoch" && c != "train_images_per_second" {
				keep = append(keep, v)
			}
		}
		out = append(out, strings.Join(keep, ","))
	}
	slices.Sort(out)
	return out
}
