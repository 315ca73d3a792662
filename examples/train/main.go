// Command train fits one zoo model on its data set and reports the test result.
//
//	go run ./examples/train -model mnist -variant light3 -epochs 10 -out runs/mnist-light3
//
// Ctrl-C saves a checkpoint; -resume continues from it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/train"
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
	var resume, asJSON bool
	flag.StringVar(&cfg.Model, "model", "mnist", "model: "+strings.Join(zoo.List(), ", "))
	flag.StringVar(&variant, "variant", "light3", "conv2d, separable or light<k> (the paper's k), optionally with -lowrank, -linear, -dense<d>, -glorotbias")
	flag.IntVar(&cfg.Epochs, "epochs", 0, "epochs (default: the paper's, 10 or 20)")
	flag.StringVar(&cfg.Out, "out", "", "run directory for checkpoints and metrics (required)")
	flag.StringVar(&dataDir, "data", "", "data directory (else $"+datasets.EnvVar+", the user cache, the system copies)")
	flag.StringVar(&cfg.Protocol, "protocol", train.Paper, "paper or clean")
	flag.Uint64Var(&cfg.Seed, "seed", 42, "seed of weights, shuffling and augmentation")
	flag.Float64Var(&cfg.LR, "lr", 0, "learning rate (default: the paper's, 1e-3 or 1e-4)")
	flag.IntVar(&cfg.Batch, "batch", 64, "training batch size")
	flag.BoolVar(&cfg.Augment, "augment", false, "random crops and flips")
	flag.BoolVar(&resume, "resume", false, "continue from the checkpoint in -out")
	flag.BoolVar(&asJSON, "json", false, "print the final summary as one JSON object")
	flag.Parse()
	v, err := light.ParseVariant(variant)
	if err != nil {
		return fmt.Errorf("-variant: %v", err)
	}
	cfg.Variant, cfg.Progress, cfg.Log = v, os.Stderr, os.Stderr
	spec, err := zoo.Get(cfg.Model)
	if err != nil {
		return err
	}
	data, err := datasets.Load(spec.Dataset, datasets.Options{Dir: dataDir})
	if err != nil {
		return err
	}
	t, err := train.New(cfg)
	if err != nil {
		return err
	}
	defer t.Close()
	if err := prepare(t, resume); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s %v: %d trainable, %d total parameters; %s data from %s (%d train, %d test)\n",
		spec.Title, v, t.Model().Trainable(), t.Model().Total(), data.Name, data.Dir, data.Train.N, data.Test.N)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := t.Fit(ctx, data)
	if err != nil {
		return err
	}
	return report(res, asJSON)
}

// prepare resumes or refuses to overwrite an earlier run, and records the command.
func prepare(t *train.Trainer, resume bool) error {
	exists := t.HasCheckpoint()
	switch {
	case resume && !exists:
		return fmt.Errorf("train: -resume: no checkpoint at %s", t.CheckpointPath())
	case resume:
		return t.Resume()
	case exists:
		return fmt.Errorf("train: %s already holds a run; pass -resume to continue it or choose another -out", t.Config().Out)
	}
	return t.Start("go run ./examples/train " + strings.Join(os.Args[1:], " "))
}

func report(r *train.Result, asJSON bool) error {
	if asJSON {
		summary := *r
		summary.History, summary.Test.Confusion = nil, nil
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(summary)
	}
	fmt.Printf("%s %s, %s protocol, %d epochs%s\n", r.Model, r.Variant, r.Protocol, r.Epochs, map[bool]string{true: " (stopped early)"}[r.StoppedEarly])
	fmt.Printf("  parameters: %d trainable, %d total\n", r.Trainable, r.Total)
	fmt.Printf("  test accuracy %.4f, loss %.4f on %d images\n", r.TestAccuracy, r.TestLoss, r.TestImages)
	fmt.Printf("  %.1f s per epoch, %.0f training images/s\n", r.SecondsPerEpoch, r.TrainImagesPerSecond)
	return nil
}
