package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/lightzoo/lightzoo/compress"
	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/infer"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/train"
	"github.com/lightzoo/lightzoo/train/checkpoint"
	"github.com/lightzoo/lightzoo/zoo"
)

// job is one run of the frontier: a model trained from scratch, or Conv2D compressed to a
// budget and fine-tuned (or only evaluated).
type job struct {
	spec    zoo.Spec
	seed    uint64
	label   string // the row: conv2d, separable, light3, spectral-frob-b3, svd-b3, ...
	family  string // the plot's series
	variant light.Variant
	// compress jobs start from the seed's Conv2D run, compressed to 1/budget of its
	// parameters; finetune trains the result, else it is only evaluated. With via, they start
	// instead from the fine-tuned compression to 1/via: the compression in two steps.
	compress, finetune bool
	budget, via        int
	// longer multiplies the epochs of the fine-tuning (0 or 1: the runs' epochs).
	longer int
}

// Families of the plot and the tables.
const (
	famConv2D    = "Conv2D"
	famSeparable = "SeparableConv2D"
	famPaper     = "LightLayers (paper)"
	famSpectral  = "low-rank spectral+FD"
	famSVD       = "SVD of Conv2D, tuned"
	famAblation  = "ablation"
)

func (j job) name() string { return fmt.Sprintf("%s-%s-seed%d", j.spec.Name, j.label, j.seed) }

func (j job) dir(o options) string { return filepath.Join(o.runs, j.name()) }

// sourceDir is the run a compression starts from: the seed's Conv2D, or its compression to
// 1/via fine-tuned.
func (j job) sourceDir(o options) string {
	from := "conv2d"
	if j.via > 0 {
		from = fmt.Sprintf("svd-b%d", j.via)
	}
	return filepath.Join(o.runs, fmt.Sprintf("%s-%s-seed%d", j.spec.Name, from, j.seed))
}

// modelJobs are one model's and seed's jobs.
func modelJobs(spec zoo.Spec, seed uint64, budgets []int, o options) ([]job, error) {
	jobs := []job{
		{spec: spec, seed: seed, label: "conv2d", family: famConv2D, variant: light.Regular{}},
		{spec: spec, seed: seed, label: "separable", family: famSeparable, variant: light.Separable{}},
	}
	rows, err := paperRows(spec, o)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		v, err := light.ParseVariant(r)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, job{spec: spec, seed: seed, label: r, family: famPaper, variant: v})
	}
	conv, err := zoo.New(spec, light.Regular{}, zoo.Config{})
	if err != nil {
		return nil, err
	}
	for _, b := range budgets {
		techniques := []technique{{"spectral-frob", famSpectral, true, o.frobenius}}
		if b == o.ablation {
			techniques = append(techniques, technique{"lowrank", famAblation, false, 0},
				technique{"spectral", famAblation, true, 0}, technique{"frob", famAblation, false, o.frobenius})
		}
		for _, t := range techniques {
			v, err := uniform(spec, conv.Total()/b, t)
			if err != nil {
				return nil, err
			}
			jobs = append(jobs, job{spec: spec, seed: seed, label: fmt.Sprintf("%s-b%d", t.label, b), family: t.family, variant: v, budget: b})
		}
		jobs = append(jobs, job{spec: spec, seed: seed, label: fmt.Sprintf("svd-b%d", b), family: famSVD, compress: true, finetune: true, budget: b})
		if b == o.ablation {
			jobs = append(jobs, job{spec: spec, seed: seed, label: fmt.Sprintf("svd-nofinetune-b%d", b), family: famAblation, compress: true, budget: b})
		}
	}
	if slices.Contains(budgets, o.ablation) {
		jobs = append(jobs, job{spec: spec, seed: seed, label: fmt.Sprintf("svd-ft2x-b%d", o.ablation), family: famAblation, compress: true, finetune: true, budget: o.ablation, longer: 2})
	}
	// The compression in two steps needs the first step's jobs, planned above.
	if slices.Contains(budgets, 2) && slices.Contains(budgets, o.ablation) && o.ablation > 2 {
		jobs = append(jobs, job{spec: spec, seed: seed, label: fmt.Sprintf("svd-via2-b%d", o.ablation), family: famAblation, compress: true, finetune: true, budget: o.ablation, via: 2})
	}
	return jobs, nil
}

// paperRows are the paper's LightLayers rows the model runs: all of them, or for CIFAR (whose
// runs take five times as long) those -cifar-rows names.
func paperRows(spec zoo.Spec, o options) ([]string, error) {
	var all []string
	for _, r := range spec.Paper {
		if r.Variant != "conv2d" && r.Variant != "separable" {
			all = append(all, r.Variant)
		}
	}
	if spec.Input[0] != 3 || o.cifarRows == "all" {
		return all, nil
	}
	if o.cifarRows == "none" || o.cifarRows == "" {
		return nil, nil
	}
	var rows []string
	for _, r := range strings.Split(o.cifarRows, ",") {
		if r = strings.TrimSpace(r); !slices.Contains(all, r) {
			return nil, fmt.Errorf("frontier: -cifar-rows: %q is not one of the paper's %s rows %v", r, spec.Name, all)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// technique is a way of training a low-rank light model from scratch.
type technique struct {
	label, family string
	spectral      bool
	frobenius     float64
}

// uniform is the low-rank light variant of the technique with the largest rank, the same in
// every layer but capped at what each layer can take (CIFAR's first 1x1 shortcut has three
// input channels), whose model has at most budget parameters.
func uniform(spec zoo.Spec, budget int, t technique) (light.Variant, error) {
	conv, err := zoo.New(spec, light.Regular{}, zoo.Config{Batch: 1, Inference: true})
	if err != nil {
		return nil, err
	}
	layers, err := compress.Layers(conv)
	if err != nil {
		return nil, err
	}
	var best light.Variant
	for k := 1; ; k++ {
		capped, grows := map[string]int{}, false
		for _, l := range layers {
			if l.MaxRank() < k {
				capped[l.Name] = l.MaxRank()
			} else {
				grows = true
			}
		}
		v := light.Light{ConvRank: k, DenseRank: k, Form: light.LowRank, Spectral: t.spectral, Frobenius: t.frobenius, Ranks: light.LayerRanks(capped)}
		m, err := zoo.New(spec, v, zoo.Config{Batch: 1, Inference: true})
		if err != nil {
			return nil, err
		}
		if !grows || m.Total() > budget {
			break
		}
		best = v
	}
	if best == nil {
		return nil, fmt.Errorf("frontier: no low-rank %s model fits %d parameters", spec.Name, budget)
	}
	return best, nil
}

// run trains (or, for a compression that is not fine-tuned, evaluates) the job into its
// directory.
func (j job) run(ctx context.Context, d *datasets.Dataset, o options) error {
	v, init := j.variant, ""
	if j.compress {
		var err error
		if init, v, err = j.compressed(d, o); err != nil {
			return err
		}
		if !j.finetune {
			return j.evaluate(init, d, o)
		}
	}
	cfg := train.Config{Model: j.spec.Name, Variant: v, Protocol: train.Clean, Schedule: o.schedule, Seed: j.seed,
		Epochs: j.epochs(o), LR: j.lr(o), Holdout: o.holdout, Augment: o.augment && j.spec.Input[0] == 3, Init: init, Out: j.dir(o), Progress: os.Stderr, Log: os.Stderr}
	t, err := train.New(cfg)
	if err != nil {
		return err
	}
	defer t.Close()
	if err := t.Continue(j.command(v, init, o)); err != nil {
		return err
	}
	_, err = t.Fit(ctx, d)
	return err
}

// compressed writes (once) and returns the compression of the source's weights (its best by
// validation loss) to 1/budget of Conv2D's parameters, with BatchNorm statistics
// recalibrated on the training images the runs train on (the holdout left out), and its
// variant.
func (j job) compressed(d *datasets.Dataset, o options) (string, light.Variant, error) {
	path := filepath.Join(j.dir(o), "init.safetensors")
	if f, err := checkpoint.Open(path); err == nil {
		return path, f.Variant, nil
	}
	source := filepath.Join(j.sourceDir(o), "best.safetensors")
	if !exists(source) {
		source = filepath.Join(j.sourceDir(o), "checkpoint.safetensors")
	}
	f, err := checkpoint.Open(source)
	if err != nil {
		return "", nil, err
	}
	src, err := f.Build(zoo.Config{Batch: 1, Inference: true})
	if err != nil {
		return "", nil, err
	}
	layers, err := compress.Layers(src)
	if err != nil {
		return "", nil, err
	}
	conv, err := zoo.New(j.spec, light.Regular{}, zoo.Config{Batch: 1, Inference: true})
	if err != nil {
		return "", nil, err
	}
	ranks, err := compress.ForBudget(src, layers, conv.Total()/j.budget)
	if err != nil {
		return "", nil, err
	}
	dst, err := compress.FromConv2D(src, layers, ranks, zoo.Config{Batch: 1, Inference: true})
	if err != nil {
		return "", nil, err
	}
	rest, _, err := d.Train.Split(o.holdout, j.seed)
	if err != nil {
		return "", nil, err
	}
	if err := infer.Recalibrate(dst, rest, 128); err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(j.dir(o), 0o755); err != nil {
		return "", nil, err
	}
	return path, dst.Variant, checkpoint.Save(path, dst, nil, nil)
}

// evaluate scores the compressed model without training and writes its result.json.
func (j job) evaluate(init string, d *datasets.Dataset, o options) error {
	r, err := infer.Load(init)
	if err != nil {
		return err
	}
	defer r.Close()
	tm, err := r.Evaluate(d.Test)
	if err != nil {
		return err
	}
	m := r.Model()
	res := train.Result{Model: j.spec.Name, Variant: m.Variant.Name(), Protocol: train.Clean, Seed: j.seed, Trainable: m.Trainable(),
		Total: m.Total(), FLOPs: m.FLOPs(), TestAccuracy: tm.Accuracy, TestLoss: tm.Loss, TestImages: tm.Images, Test: tm,
		DataVerified: d.Verified(), Unverified: d.Unverified(), Init: init, WeightsDigest: checkpoint.Digest(m),
		Command: fmt.Sprintf("go run ./examples/evaluate -checkpoint %s", init), Build: train.CurrentBuild()}
	out, err := train.MarshalJSON(res, true)
	if err != nil {
		return err
	}
	return checkpoint.WriteAtomic(filepath.Join(j.dir(o), "result.json"), append(out, '\n'))
}

// cost is about how long the job takes, relative to a training run of the model: shards are
// balanced by it. CIFAR's runs take five times as long as MNIST's.
func (j job) cost() float64 {
	if j.compress && !j.finetune {
		return 0
	}
	c := float64(max(1, j.longer))
	if j.spec.Input[0] == 3 {
		c *= 5
	}
	return c
}

// epochs is how long the job trains: the runs' epochs (0: the paper's), longer times over.
func (j job) epochs(o options) int {
	if j.longer < 2 {
		return o.epochs
	}
	e := o.epochs
	if e == 0 {
		r, _ := train.PaperRecipe(j.spec.Name) // every zoo model has one
		e = r.Epochs
	}
	return j.longer * e
}

// lr is the job's learning rate; 0 is the paper's.
func (j job) lr(o options) float64 {
	if j.spec.Input[0] == 3 {
		return o.cifarLR
	}
	return 0
}

// command is the examples/train command that makes the same run.
func (j job) command(v light.Variant, init string, o options) string {
	cmd := fmt.Sprintf("go run ./examples/train -model %s -variant %s -protocol clean -schedule %s -seed %d", j.spec.Name, v.Name(), o.schedule, j.seed)
	for _, f := range []struct {
		name string
		v    int
	}{{"epochs", j.epochs(o)}, {"images", o.trainImages}, {"test-images", o.testImages}, {"holdout", o.holdout}} {
		if f.v != 0 && !(f.name == "holdout" && f.v == 5000) {
			cmd += fmt.Sprintf(" -%s %d", f.name, f.v)
		}
	}
	if lr := j.lr(o); lr != 0 {
		cmd += fmt.Sprintf(" -lr %g", lr)
	}
	if o.augment && j.spec.Input[0] == 3 {
		cmd += " -augment"
	}
	if o.dataDir != "" {
		cmd += " -data " + o.dataDir
	}
	if init != "" {
		cmd += " -init " + init
	}
	return cmd + " -out " + j.dir(o)
}

// loaded caches the data sets a sweep reads.
type loaded = datasets.Dataset

func load(cache map[string]*loaded, name string, o options) (*loaded, error) {
	if d, ok := cache[name]; ok {
		return d, nil
	}
	d, err := datasets.Load(name, datasets.Options{Dir: o.dataDir})
	if err != nil {
		return nil, err
	}
	for _, w := range d.Warnings() {
		fmt.Fprintln(os.Stderr, w)
	}
	cache[name] = d
	return d, d.Keep(o.trainImages, o.testImages)
}
