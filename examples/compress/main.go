// Command compress turns a trained Conv2D checkpoint (or a low-rank light one, to compress it
// further) into a light low-rank one: each kernel and the head's weight become the truncated
// SVD of the trained matrix, with per-layer ranks chosen for a parameter budget (a fraction
// of Conv2D's parameters) or an energy threshold; biases and BatchNorm scales carry
// over, and the BatchNorm statistics are recalibrated on training images (they no longer match
// the truncated kernels). The result is an ordinary checkpoint: evaluate and predict take it, and examples/train -init
// fine-tunes it.
//
//	go run ./examples/compress -checkpoint runs/mnist-conv2d/checkpoint.safetensors -budget 0.333 -o runs/mnist-svd3/init.safetensors
//	go run ./examples/train -model mnist -init runs/mnist-svd3/init.safetensors -protocol clean -out runs/mnist-svd3
package main

import (
	"flag"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/lightzoo/lightzoo/compress"
	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/infer"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/train/checkpoint"
	"github.com/lightzoo/lightzoo/zoo"
)

func main() {
	path := flag.String("checkpoint", "", "a trained Conv2D (conv2d) or low-rank light checkpoint (required)")
	budget := flag.Float64("budget", 0, "keep at most this fraction of the Conv2D model's parameters, e.g. 0.333")
	energy := flag.Float64("energy", 0, "instead: keep at least this fraction of each layer's singular-value energy, e.g. 0.9")
	out := flag.String("o", "", "checkpoint to write (required)")
	recalibrate := flag.Int("recalibrate", 10000, "recompute the BatchNorm statistics over the first N training images; 0: keep the source's")
	dataDir := flag.String("data", "", "data directory of the training images (else the usual places, see examples/train)")
	flag.Parse()
	if err := run(*path, *budget, *energy, *out, *recalibrate, *dataDir); err != nil {
		fmt.Fprintln(os.Stderr, err) // the library's errors say "compress:", "checkpoint", ...
		os.Exit(1)
	}
}

func run(path string, budget, energy float64, out string, recalibrate int, dataDir string) error {
	switch {
	case path == "" || out == "":
		return fmt.Errorf("compress: usage: compress -checkpoint FILE (-budget F | -energy F) -o FILE")
	case flag.NArg() > 0:
		return fmt.Errorf("compress: unexpected argument %q; every setting is a flag (see -h)", flag.Arg(0))
	case (budget == 0) == (energy == 0):
		return fmt.Errorf("compress: pass one of -budget (a fraction of the parameters) and -energy (a fraction of each layer's energy)")
	case budget != 0 && !(budget > 0 && budget < 1):
		return fmt.Errorf("compress: -budget %g: use a fraction between 0 and 1", budget)
	case energy != 0 && !(energy > 0 && energy <= 1):
		return fmt.Errorf("compress: -energy %g: use a fraction above 0 and at most 1", energy)
	case recalibrate < 0:
		return fmt.Errorf("compress: -recalibrate %d: give a number of training images, or 0 to keep the source's statistics", recalibrate)
	}
	f, err := checkpoint.Open(path)
	if err != nil {
		return err
	}
	images, err := trainImages(f, recalibrate, dataDir)
	if err != nil {
		return err
	}
	src, err := f.Build(zoo.Config{Batch: 1, Inference: true})
	if err != nil {
		return err
	}
	layers, err := compress.Layers(src)
	if err != nil {
		return err
	}
	conv, err := zoo.New(src.Spec, light.Regular{}, zoo.Config{Batch: 1, Inference: true})
	if err != nil {
		return err
	}
	var ranks map[string]int
	if budget > 0 {
		ranks, err = compress.ForBudget(src, layers, int(budget*float64(conv.Total())))
	} else {
		ranks, err = compress.ForEnergy(layers, energy)
	}
	if err != nil {
		return err
	}
	dst, err := compress.FromConv2D(src, layers, ranks, zoo.Config{Batch: 1, Inference: true})
	if err != nil {
		return err
	}
	if images != nil {
		if err := infer.Recalibrate(dst, images, 128); err != nil {
			return err
		}
	}
	if err := checkpoint.Save(out, dst, nil, nil); err != nil {
		return err
	}
	report(conv, dst, layers, ranks, out)
	return nil
}

// trainImages are the first n training images of the checkpoint's data set (nil when n is 0).
func trainImages(f *checkpoint.File, n int, dataDir string) (*datasets.Set, error) {
	if n == 0 {
		return nil, nil
	}
	d, err := datasets.Load(f.Spec.Dataset, datasets.Options{Dir: dataDir})
	if err != nil {
		return nil, err
	}
	for _, w := range d.Warnings() {
		fmt.Fprintln(os.Stderr, w)
	}
	return d.Train.First(min(n, d.Train.N))
}

func report(conv, dst *zoo.Model, layers []*compress.Layer, ranks map[string]int, out string) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "layer\tweight\trank\tenergy kept")
	for _, l := range layers {
		fmt.Fprintf(tw, "%s\t%dx%d\t%d\t%.3f\n", l.Name, l.Rows, l.Cols, ranks[l.Name], l.Energy(ranks[l.Name]))
	}
	tw.Flush()
	fmt.Printf("%s: %s %s, %d parameters (%.1f%% of Conv2D's %d)\n", out, dst.Spec.Name, dst.Variant.Name(),
		dst.Total(), 100*float64(dst.Total())/float64(conv.Total()), conv.Total())
}
