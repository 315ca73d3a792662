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
	"github.com/lightzoo/lightzoo/sweep"
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
	shardFlag := flag.String("shard", "", "run only shard i/n of the sweep (every n-th run from the i-th) and write no report; default: $JOB_COMPLETION_INDEX or $SLURM_ARRAY_TASK_ID when set")
	shards := flag.Int("shards", 0, "the number of shards, with $JOB_COMPLETION_INDEX or $SLURM_ARRAY_TASK_ID (Slurm: default $SLURM_ARRAY_TASK_COUNT)")
	trainImages := flag.Int("images", 0, "train each run on the first N training images; 0: all")
	testImages := flag.Int("test-images", 0, "test each run on the first N test images; 0: all")
	verifyDir := flag.String("verify", "", "rerun the run recorded in this directory from its command.txt and check that it reproduces bit for bit")
	atRecorded := flag.Bool("at-recorded", false, "with -verify: rerun with the code of the commit that recorded the run (built in a temporary clone), not this checkout's")
	flag.Parse()
	if *atRecorded && *verifyDir == "" {
		fmt.Fprintln(os.Stderr, "compare: -at-recorded goes with -verify RUN")
		os.Exit(2)
	}
	if *verifyDir != "" {
		if err := verify(*verifyDir, *atRecorded); err != nil {
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
	case *trainImages < 0 || *testImages < 0:
		err = fmt.Errorf("compare: -images %d, -test-images %d: use 0 (all) or more", *trainImages, *testImages)
	}
	part, sharded, serr := sweep.ParseShard(*shardFlag, *shards, os.Getenv)
	if err == nil {
		err = serr
	}
	s := settings{runs: *runs, out: *out, dataDir: *dataDir, epochs: *epochs, trainImages: *trainImages, testImages: *testImages}
	if err == nil && sharded && !*reportOnly {
		jobs = sweep.Take(jobs, part)
		fmt.Fprintf(os.Stderr, "compare: shard %v: %d runs\n", part, len(jobs))
		if err = runAll(jobs, s, nil); err == nil {
			fmt.Fprintf(os.Stderr, "compare: shard %v done; merge the shards' runs with -report\n", part)
			return
		}
	}
	if err == nil && !*reportOnly {
		err = runAll(jobs, s, func() error { return writeReport(jobs, *runs, *out) })
	}
	if !sharded && (err == nil || errors.Is(err, train.ErrInterrupted)) {
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

// settings are what every run of a sweep shares.
type settings struct {
	runs, out, dataDir              string
	epochs, trainImages, testImages int
}

// runAll runs every job that has no result yet, resuming those with a checkpoint, and calls
// after (when not nil) after each run.
func runAll(jobs []job, s settings, after func() error) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	data := map[string]*datasets.Dataset{}
	for i, j := range jobs {
		dir := filepath.Join(s.runs, j.name())
		if exists(filepath.Join(dir, "result.json")) {
			continue
		}
		d, ok := data[j.spec.Dataset]
		if !ok {
			var err error
			if d, err = s.load(j.spec.Dataset); err != nil {
				return err
			}
			data[j.spec.Dataset] = d
		}
		fmt.Fprintf(os.Stderr, "\n[%d/%d] %s\n", i+1, len(jobs), j.name())
		if err := runJob(ctx, j, dir, d, s); err != nil {
			return err
		}
		if after != nil {
			if err := after(); err != nil {
				return err
			}
		}
	}
	return nil
}

// load reads a data set, announces files that are not the official ones, and keeps the
// first images the settings ask for.
func (s settings) load(name string) (*datasets.Dataset, error) {
	d, err := datasets.Load(name, datasets.Options{Dir: s.dataDir})
	if err != nil {
		return nil, err
	}
	for _, w := range d.Warnings() {
		fmt.Fprintln(os.Stderr, w)
	}
	return d, d.Keep(s.trainImages, s.testImages)
}

func runJob(ctx context.Context, j job, dir string, d *datasets.Dataset, s settings) error {
	v, err := light.ParseVariant(j.row.Variant)
	if err != nil {
		return err
	}
	t, err := train.New(train.Config{Model: j.spec.Name, Variant: v, Protocol: j.protocol, Seed: j.seed,
		Epochs: s.epochs, Out: dir, Progress: os.Stderr, Log: os.Stderr})
	if err != nil {
		return err
	}
	defer t.Close()
	if err := t.Continue(j.command(dir, s)); err != nil {
		return err
	}
	_, err = t.Fit(ctx, d)
	return err
}

// command is the examples/train command that makes the same run.
func (j job) command(dir string, s settings) string {
	cmd := fmt.Sprintf("go run ./examples/train -model %s -variant %s -protocol %s -seed %d -out %s",
		j.spec.Name, j.row.Variant, j.protocol, j.seed, dir)
	for _, f := range []struct {
		name string
		v    int
	}{{"epochs", s.epochs}, {"images", s.trainImages}, {"test-images", s.testImages}} {
		if f.v != 0 {
			cmd += fmt.Sprintf(" -%s %d", f.name, f.v)
		}
	}
	if s.dataDir != "" {
		cmd += " -data " + s.dataDir
	}
	return cmd
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
