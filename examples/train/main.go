// Command train fits one zoo model on its data set and reports the test result.
//
//	go run ./examples/train -model mnist -variant light3 -epochs 10 -out runs/mnist-light3
//
// Ctrl-C saves a checkpoint; -resume continues from it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/train"
	"github.com/lightzoo/lightzoo/train/checkpoint"
	"github.com/lightzoo/lightzoo/zoo"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err) // every error names its package: "train:", "datasets:", ...
		if errors.Is(err, train.ErrInterrupted) {
			os.Exit(130)
		}
		os.Exit(1)
	}
}

func run() error {
	var cfg train.Config
	var variant, dataDir string
	var resume, force, asJSON bool
	var trainImages, testImages int
	flag.StringVar(&cfg.Model, "model", "mnist", "model: "+strings.Join(zoo.List(), ", "))
	flag.StringVar(&variant, "variant", "light3", "conv2d, separable or light<k> (the paper's k), optionally with -lowrank, -linear, -dense<d>, -glorotbias, -spectral, -frob<c>, -ranks:<layer=k,...>")
	flag.IntVar(&cfg.Epochs, "epochs", 0, "epochs; 0: the paper's for the model (10 MNIST-like, 20 CIFAR)")
	flag.StringVar(&cfg.Out, "out", "", "run directory for checkpoints and metrics (required)")
	flag.StringVar(&dataDir, "data", "", "data directory, the only place looked in when given (else $"+datasets.EnvVar+", the user cache, the system copies)")
	flag.StringVar(&cfg.Protocol, "protocol", train.Paper, "paper or clean")
	flag.Uint64Var(&cfg.Seed, "seed", 42, "seed of weights, shuffling and augmentation (0 is a seed too)")
	flag.Float64Var(&cfg.LR, "lr", 0, "learning rate; 0: the paper's for the model (1e-3 MNIST-like, 1e-4 CIFAR)")
	flag.IntVar(&cfg.Batch, "batch", 64, "training batch size")
	flag.BoolVar(&cfg.Augment, "augment", false, "random crops and flips")
	flag.StringVar(&cfg.Init, "init", "", "start from this checkpoint's weights (e.g. from examples/compress); its model and variant are the run's unless -model or -variant say otherwise")
	flag.StringVar(&cfg.Teacher, "teacher", "", "distill from this trained checkpoint of the same data set (clean protocol; e.g. the Conv2D a compression came from)")
	flag.Float64Var(&cfg.Distill, "distill", 0, fmt.Sprintf("with -teacher: the teacher's share of the loss, in (0, 1]; 0: %g", train.DefaultDistill))
	flag.Float64Var(&cfg.Temperature, "temperature", 0, fmt.Sprintf("with -teacher: the softmax temperature of distillation; 0: %g", train.DefaultTemperature))
	flag.StringVar(&cfg.Schedule, "schedule", train.Plateau, "learning-rate schedule: plateau (the paper's), or with -protocol clean cosine or onecycle")
	flag.BoolVar(&resume, "resume", false, "continue from the checkpoint in -out")
	flag.BoolVar(&force, "force", false, "start a new run in an -out that holds another run's files, removing them")
	flag.BoolVar(&asJSON, "json", false, "print the final summary as one JSON object")
	flag.IntVar(&trainImages, "images", 0, "train on the first N training images; 0: all")
	flag.IntVar(&testImages, "test-images", 0, "test on the first N test images; 0: all")
	flag.IntVar(&cfg.Holdout, "holdout", 5000, "clean protocol: validation images held out of the training set")
	flag.Parse()
	if trainImages < 0 || testImages < 0 {
		return fmt.Errorf("train: -images %d, -test-images %d: use 0 (all) or more", trainImages, testImages)
	}
	if err := checkFlags(cfg, resume, force); err != nil {
		return err
	}
	if cfg.Init != "" {
		if err := fromInit(&cfg, &variant); err != nil {
			return err
		}
	}
	v, err := light.ParseVariant(variant)
	if err != nil {
		return fmt.Errorf("-variant: %v", err)
	}
	cfg.Variant, cfg.Progress, cfg.Log = v, os.Stderr, os.Stderr
	t, err := train.New(cfg)
	if err != nil {
		return err
	}
	defer t.Close()
	spec := t.Model().Spec
	data, err := datasets.Load(spec.Dataset, datasets.Options{Dir: dataDir})
	if err != nil {
		return err
	}
	for _, w := range data.Warnings() {
		fmt.Fprintln(os.Stderr, w)
	}
	if err := data.Keep(trainImages, testImages); err != nil {
		return fmt.Errorf("train: -images, -test-images: %v", err)
	}
	if err := t.CheckData(data); err != nil {
		return err
	}
	if err := prepare(t, resume, force); err != nil {
		return err
	}
	if err := t.CheckData(data); err != nil { // again: a resumed state must fit the data too
		return err
	}
	c := t.Config()
	fmt.Fprintf(os.Stderr, "%s %s: %d trainable, %d total parameters; %s protocol, %s schedule, lr %g, batch %d, %d epochs, seed %d; %s data from %s (%d train, %d test)\n",
		spec.Title, v.Name(), t.Model().Trainable(), t.Model().Total(), c.Protocol, c.Schedule, c.LR, c.Batch, c.Epochs, c.Seed,
		data.Name, data.Dir, data.Train.N, data.Test.N)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := t.Fit(ctx, data)
	if err != nil {
		return err
	}
	return report(res, asJSON)
}

// fromInit takes the model and variant of the -init checkpoint for the flags not given.
func fromInit(cfg *train.Config, variant *string) error {
	f, err := checkpoint.Open(cfg.Init)
	if err != nil {
		return fmt.Errorf("-init: %v", err)
	}
	set := map[string]bool{}
	flag.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if !set["model"] {
		cfg.Model = f.Spec.Name
	}
	if !set["variant"] {
		*variant = f.Variant.Name()
	}
	return nil
}

// checkFlags refuses values that cannot make a run, before any work.
func checkFlags(cfg train.Config, resume, force bool) error {
	switch {
	case flag.NArg() > 0:
		return fmt.Errorf("train: unexpected argument %q; every setting is a flag (see -h)", flag.Arg(0))
	case cfg.Out == "":
		return fmt.Errorf("train: -out is required: the run directory for the checkpoint, metrics and result")
	case !(cfg.LR >= 0) || math.IsInf(cfg.LR, 0):
		return fmt.Errorf("train: -lr %g: use a positive learning rate, or 0 for the paper's", cfg.LR)
	case cfg.Epochs < 0:
		return fmt.Errorf("train: -epochs %d: use at least 1, or 0 for the paper's", cfg.Epochs)
	case cfg.Batch <= 0:
		return fmt.Errorf("train: -batch %d: use a batch of at least 1", cfg.Batch)
	case resume && force:
		return fmt.Errorf("train: -resume continues the run in -out and -force replaces it; pass one")
	}
	return nil
}

// prepare resumes or refuses to overwrite an earlier run, and records the command.
func prepare(t *train.Trainer, resume, force bool) error {
	if resume {
		if !t.HasCheckpoint() {
			return fmt.Errorf("train: -resume: no checkpoint at %s", t.CheckpointPath())
		}
		return t.Resume()
	}
	err := t.Start("go run ./examples/train "+strings.Join(os.Args[1:], " "), force)
	if errors.Is(err, train.ErrRunExists) {
		return fmt.Errorf("%v; pass -resume to continue it, -force to replace it, or choose another -out", err)
	}
	return err
}

func report(r *train.Result, asJSON bool) error {
	if asJSON {
		summary := *r
		summary.History, summary.Test.Confusion = nil, nil
		out, err := train.MarshalJSON(summary, true)
		if err != nil {
			return err
		}
		fmt.Println(string(out))
		return nil
	}
	fmt.Printf("%s %s, %s protocol, %d epochs%s\n", r.Model, r.Variant, r.Protocol, r.Epochs, map[bool]string{true: " (stopped early)"}[r.StoppedEarly])
	fmt.Printf("  parameters: %d trainable, %d total\n", r.Trainable, r.Total)
	fmt.Printf("  test accuracy %.4f, loss %.4f on %d images\n", r.TestAccuracy, r.TestLoss, r.TestImages)
	fmt.Printf("  %.1f s per epoch, %.0f training images/s\n", r.SecondsPerEpoch, r.TrainImagesPerSecond)
	if !r.DataVerified {
		fmt.Printf("  data not verified: %s\n", strings.Join(r.Unverified, ", "))
	}
	return nil
}
