// Command compare runs the paper's sweep (every row of its Tables 1-4: Conv2D,
// SeparableConv2D and LightLayers k=1..K) for one data set or all four, under the paper's
// protocol and optionally the clean one and several seeds, and writes the tables side by side
// with the paper's. It is resumable: finished runs are skipped and interrupted ones continue
// from their checkpoint, so a sweep can span several sittings.
//
//	go run ./examples/compare -models mnist -protocols paper,clean -seeds 42
//	go run ./examples/compare -verify results/runs/mnist-light3-paper-seed42
//
// Built with go build -buildvcs=true, each result.json records the commit that made it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/train"
	"github.com/lightzoo/lightzoo/zoo"
)

// job is one run of the sweep.
type job struct {
	spec     zoo.Spec
	row      zoo.PaperRow
	protocol string
	seed     uint64
}

func (j job) name() string {
	return fmt.Sprintf("%s-%s-%s-seed%d", j.spec.Name, rowName(j.row), j.protocol, j.seed)
}

// rowName names a row of the paper's tables by its variant: conv2d, separable, light1, ...
func rowName(r zoo.PaperRow) string { return r.Variant }

func main() {
	models := flag.String("models", strings.Join(zoo.List(), ","), "comma-separated models")
	protocols := flag.String("protocols", train.Paper, "comma-separated protocols: paper, clean")
	seeds := flag.String("seeds", "42", "comma-separated seeds")
	rows := flag.String("rows", "", "comma-separated rows to run, e.g. conv2d,light3 (default: every row of each table)")
	runs := flag.String("runs", "runs/compare", "folder of the run directories (checkpoints)")
	out := flag.String("out", "results", "folder of the report: paper-tables.{csv,json,md} and each run's result")
	dataDir := flag.String("data", "", "data directory (else $"+datasets.EnvVar+", the user cache, the system copies)")
	epochs := flag.Int("epochs", 0, "epochs per run (default: the paper's)")
	reportOnly := flag.Bool("report", false, "only rewrite the report from finished runs")
	verifyDir := flag.String("verify", "", "rerun the run recorded in this directory from its command.txt and check that it reproduces bit for bit")
	flag.Parse()
	if *verifyDir != "" {
		if err := verify(*verifyDir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	jobs, err := plan(*models, *protocols, *seeds, *rows)
	switch {
	case flag.NArg() > 0:
		err = fmt.Errorf("compare: unexpected argument %q; every setting is a flag (see -h)", flag.Arg(0))
	case *epochs < 0:
		err = fmt.Errorf("compare: -epochs %d: use at least 1, or 0 for the paper's", *epochs)
	}
	if err == nil && !*reportOnly {
		err = sweep(jobs, *runs, *out, *dataDir, *epochs)
	}
	if err == nil || errors.Is(err, train.ErrInterrupted) {
		if rerr := writeReport(jobs, *runs, *out); rerr != nil && err == nil {
			err = rerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func plan(models, protocols, seeds, rows string) ([]job, error) {
	var jobs []job
	only := map[string]bool{}
	for _, r := range strings.Split(rows, ",") {
		if r = strings.TrimSpace(r); r != "" {
			only[r] = true
		}
	}
	for _, m := range strings.Split(models, ",") {
		spec, err := zoo.Get(strings.TrimSpace(m))
		if err != nil {
			return nil, err
		}
		for _, p := range strings.Split(protocols, ",") {
			if p != train.Paper && p != train.Clean {
				return nil, fmt.Errorf("compare: unknown protocol %q; use paper or clean", p)
			}
			for _, s := range strings.Split(seeds, ",") {
				seed, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
				if err != nil {
					return nil, fmt.Errorf("compare: seed %q is not a whole number >= 0", s)
				}
				for _, row := range spec.Paper {
					if len(only) == 0 || only[rowName(row)] {
						jobs = append(jobs, job{spec: spec, row: row, protocol: p, seed: seed})
					}
				}
			}
		}
	}
	if len(jobs) == 0 {
		return nil, fmt.Errorf("compare: no row of %s is named in -rows %q; rows are conv2d, separable, light1, light2 and so on", models, rows)
	}
	return jobs, nil
}

// sweep runs every job that has no result yet, resuming those with a checkpoint.
func sweep(jobs []job, runs, out, dataDir string, epochs int) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	data := map[string]*datasets.Dataset{}
	for i, j := range jobs {
		dir := filepath.Join(runs, j.name())
		if exists(filepath.Join(dir, "result.json")) {
			continue
		}
		d, ok := data[j.spec.Dataset]
		if !ok {
			var err error
			if d, err = datasets.Load(j.spec.Dataset, datasets.Options{Dir: dataDir}); err != nil {
				return err
			}
			for _, w := range d.Warnings() {
				fmt.Fprintln(os.Stderr, w)
			}
			data[j.spec.Dataset] = d
		}
		fmt.Fprintf(os.Stderr, "\n[%d/%d] %s\n", i+1, len(jobs), j.name())
		if err := runJob(ctx, j, dir, d, epochs); err != nil {
			return err
		}
		if err := writeReport(jobs, runs, out); err != nil {
			return err
		}
	}
	return nil
}

func runJob(ctx context.Context, j job, dir string, d *datasets.Dataset, epochs int) error {
	v, err := light.ParseVariant(j.row.Variant)
	if err != nil {
		return err
	}
	t, err := train.New(train.Config{Model: j.spec.Name, Variant: v, Protocol: j.protocol, Seed: j.seed,
		Epochs: epochs, Out: dir, Progress: os.Stderr, Log: os.Stderr})
	if err != nil {
		return err
	}
	defer t.Close()
	if t.HasCheckpoint() {
		err = t.Resume()
	} else {
		cmd := fmt.Sprintf("go run ./examples/train -model %s -variant %s -protocol %s -seed %d -out %s",
			j.spec.Name, j.row.Variant, j.protocol, j.seed, dir)
		if epochs != 0 {
			cmd += fmt.Sprintf(" -epochs %d", epochs)
		}
		err = t.Start(cmd, true) // no result and no checkpoint: whatever is there never finished an epoch
	}
	if err != nil {
		return err
	}
	_, err = t.Fit(ctx, d)
	return err
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
