// Command frontier measures accuracy against parameters for each data set under the clean
// protocol: Conv2D, SeparableConv2D, the paper's LightLayers rows, low-rank light models with
// spectral initialization and Frobenius decay at budgets of Conv2D's parameters, and Conv2D
// compressed by SVD to the same budgets and fine-tuned; at one budget also each technique on
// its own, the compression fine-tuned twice as long and, when the budgets include a half, the
// compression in two steps (the ablation). It is resumable and shards like examples/compare,
// and writes results/frontier.{md,csv} and one plot per data set.
//
//	go run ./examples/frontier -models mnist -seeds 42,1,2
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/lightzoo/lightzoo/sweep"
	"github.com/lightzoo/lightzoo/train"
	"github.com/lightzoo/lightzoo/zoo"
)

func main() {
	var o options
	flag.StringVar(&o.models, "models", strings.Join(zoo.List(), ","), "comma-separated models")
	flag.StringVar(&o.seeds, "seeds", "42,1,2", "comma-separated seeds")
	flag.StringVar(&o.budgets, "budgets", "2,3,5,10", "budgets as divisors of Conv2D's parameters: 3 is a third")
	flag.StringVar(&o.cifarBudgets, "cifar-budgets", "3", "the budgets of the CIFAR models, whose runs take five times as long")
	flag.StringVar(&o.cifarRows, "cifar-rows", "light5", "the paper's LightLayers rows the CIFAR models run (comma-separated, all or none)")
	flag.IntVar(&o.ablation, "ablation", 3, "the budget (divisor) at which each technique also runs on its own")
	flag.Float64Var(&o.frobenius, "frob", 1e-4, "the Frobenius decay's coefficient")
	flag.StringVar(&o.schedule, "schedule", train.Cosine, "learning-rate schedule of every run: plateau, cosine or onecycle")
	flag.IntVar(&o.epochs, "epochs", 0, "epochs per run; 0: the paper's")
	flag.BoolVar(&o.augment, "augment", true, "random crops and flips for the CIFAR models")
	flag.Float64Var(&o.cifarLR, "cifar-lr", 1e-3, "learning rate of the CIFAR models (the paper's 1e-4 is too small for 20 epochs); 0: the paper's")
	flag.StringVar(&o.runs, "runs", "runs/frontier", "folder of the run directories")
	flag.StringVar(&o.out, "out", "results", "folder of frontier.{md,csv} and plots/")
	flag.StringVar(&o.dataDir, "data", "", "data directory")
	flag.IntVar(&o.trainImages, "images", 0, "train on the first N training images; 0: all")
	flag.IntVar(&o.testImages, "test-images", 0, "test on the first N test images; 0: all")
	flag.IntVar(&o.holdout, "holdout", 5000, "validation images held out of the training set")
	reportOnly := flag.Bool("report", false, "only write the report from finished runs")
	shardFlag := flag.String("shard", "", "run only shard i/n (as examples/compare)")
	shards := flag.Int("shards", 0, "the number of shards, with $JOB_COMPLETION_INDEX or $SLURM_ARRAY_TASK_ID")
	list := flag.Bool("list", false, "only list the planned runs: each one's shard of -shards (default 2), cost and state")
	flag.Parse()
	var err error
	if *list {
		err = listPlan(os.Stdout, o, max(*shards, 2))
	} else {
		err = run(o, *reportOnly, *shardFlag, *shards)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// options are the flags.
type options struct {
	models, seeds, budgets, cifarBudgets, cifarRows, schedule, runs, out, dataDir string
	ablation, epochs, trainImages, testImages, holdout                            int
	frobenius, cifarLR                                                            float64
	augment                                                                       bool
}

func run(o options, reportOnly bool, shardFlag string, shards int) error {
	if flag.NArg() > 0 {
		return fmt.Errorf("frontier: unexpected argument %q; every setting is a flag (see -h)", flag.Arg(0))
	}
	jobs, err := plan(o)
	if err != nil {
		return err
	}
	part, sharded, err := sweep.ParseShard(shardFlag, shards, os.Getenv)
	if err != nil {
		return err
	}
	if sharded {
		jobs = sweep.TakeBalanced(jobs, part, job.cost)
	}
	if !reportOnly {
		err = runAll(jobs, o)
	}
	if sharded || (err != nil && !errors.Is(err, train.ErrInterrupted)) {
		return err
	}
	if rerr := writeReport(jobs, o); err == nil {
		err = rerr
	}
	return err
}

// listPlan writes every planned job with its shard of n, its cost (a training run of an MNIST
// model is 1) and its state, then what is left of each shard.
func listPlan(w io.Writer, o options, n int) error {
	jobs, err := plan(o)
	if err != nil {
		return err
	}
	left := make([]float64, n)
	for s := range n {
		for _, j := range sweep.TakeBalanced(jobs, sweep.Shard{Index: s, Count: n}, job.cost) {
			state := "done"
			if !exists(filepath.Join(j.dir(o), "result.json")) {
				state, left[s] = "to do", left[s]+j.cost()
				if exists(filepath.Join(j.dir(o), "checkpoint.safetensors")) {
					state = "started"
				}
			}
			fmt.Fprintf(w, "%d/%d  %-40s %4g  %s\n", s, n, j.name(), j.cost(), state)
		}
	}
	for s, l := range left {
		fmt.Fprintf(w, "shard %d/%d: %g left\n", s, n, l)
	}
	return nil
}

// runAll runs every job without a result. A compression waits for its Conv2D run: when that
// has not finished (another shard may be on it), it is left for the next pass.
func runAll(jobs []job, o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	data := map[string]*loaded{}
	var waiting int
	for i, j := range jobs {
		if exists(filepath.Join(j.dir(o), "result.json")) {
			continue
		}
		if j.compress && !exists(filepath.Join(j.sourceDir(o), "result.json")) {
			waiting++
			continue
		}
		d, err := load(data, j.spec.Dataset, o)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "\n[%d/%d] %s\n", i+1, len(jobs), j.name())
		if err := j.run(ctx, d, o); err != nil {
			return fmt.Errorf("frontier: %s: %w", j.name(), err)
		}
	}
	if waiting > 0 {
		fmt.Fprintf(os.Stderr, "frontier: %d compressions wait for their Conv2D runs; run again when those have finished\n", waiting)
	}
	return nil
}

// plan lists the jobs: for each model and seed, Conv2D first (the compressions start from
// it), then SeparableConv2D, the paper's light rows, the spectral and Frobenius light models
// and the compressions at every budget, and the ablation's single techniques.
func plan(o options) ([]job, error) {
	budgets, err := divisors(o.budgets)
	if err != nil {
		return nil, err
	}
	cifarBudgets := budgets
	if o.cifarBudgets != "" {
		if cifarBudgets, err = divisors(o.cifarBudgets); err != nil {
			return nil, err
		}
	}
	if o.schedule != train.Plateau && o.schedule != train.Cosine && o.schedule != train.OneCycle {
		return nil, fmt.Errorf("frontier: -schedule %q: use %s, %s or %s", o.schedule, train.Plateau, train.Cosine, train.OneCycle)
	}
	if o.ablation < 2 {
		return nil, fmt.Errorf("frontier: -ablation %d: a budget divides Conv2D's parameters by 2 or more", o.ablation)
	}
	if o.epochs < 0 || o.trainImages < 0 || o.testImages < 0 || o.holdout < 1 || !(o.frobenius >= 0) || !(o.cifarLR >= 0) {
		return nil, fmt.Errorf("frontier: -epochs, -images, -test-images, -frob and -cifar-lr must not be negative, -holdout at least 1")
	}
	var jobs []job
	for _, m := range strings.Split(o.models, ",") {
		spec, err := zoo.Get(strings.TrimSpace(m))
		if err != nil {
			return nil, err
		}
		for _, s := range strings.Split(o.seeds, ",") {
			seed, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("frontier: seed %q is not a whole number >= 0", s)
			}
			bs := budgets
			if spec.Input[0] == 3 {
				bs = cifarBudgets
			}
			js, err := modelJobs(spec, seed, bs, o)
			if err != nil {
				return nil, err
			}
			jobs = append(jobs, js...)
		}
	}
	return jobs, nil
}

// divisors parses "2,3,5,10".
func divisors(text string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(text, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || d < 2 {
			return nil, fmt.Errorf("frontier: budget %q: give divisors of Conv2D's parameters, 2 or more (3 is a third)", f)
		}
		out = append(out, d)
	}
	return out, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
