// Command evaluate measures a checkpoint on its data set's test split (or -split train): loss,
// accuracy and per-class precision, recall and F1.
//
//	go run ./examples/evaluate -checkpoint runs/mnist-light3/checkpoint.safetensors
//
// -batch-stats normalizes each batch with its own BatchNorm statistics instead of the running
// ones: when that scores much better, the running statistics lag behind the weights (as they do
// at the end of the paper protocol's LightLayers runs, results/README.md).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/infer"
	"github.com/lightzoo/lightzoo/train"
)

func main() {
	checkpoint := flag.String("checkpoint", "", "checkpoint file written by examples/train (required)")
	dataDir := flag.String("data", "", "data directory (else $"+datasets.EnvVar+", the user cache, the system copies)")
	split := flag.String("split", "test", "test or train")
	batch := flag.Int("batch", 1000, "images per batch")
	batchStats := flag.Bool("batch-stats", false, "BatchNorm on each batch's statistics instead of the running ones")
	asJSON := flag.Bool("json", false, "print the metrics as JSON")
	flag.Parse()
	if err := run(*checkpoint, *dataDir, *split, *batch, *batchStats, *asJSON); err != nil {
		fmt.Fprintln(os.Stderr, "evaluate:", err)
		os.Exit(1)
	}
}

func run(checkpoint, dataDir, split string, batch int, batchStats, asJSON bool) error {
	if checkpoint == "" {
		return fmt.Errorf("-checkpoint is required (a checkpoint.safetensors written by examples/train)")
	}
	if split != "test" && split != "train" {
		return fmt.Errorf("-split %q: use test or train", split)
	}
	if batch <= 0 {
		return fmt.Errorf("-batch %d: use a batch of at least 1", batch)
	}
	opts := []infer.Option{infer.WithBatch(batch)}
	if batchStats {
		opts = append(opts, infer.WithBatchStats())
	}
	r, err := infer.Load(checkpoint, opts...)
	if err != nil {
		return err
	}
	defer r.Close()
	spec := r.Model().Spec
	d, err := datasets.Load(spec.Dataset, datasets.Options{Dir: dataDir})
	if err != nil {
		return err
	}
	for _, w := range d.Warnings() {
		fmt.Fprintln(os.Stderr, w)
	}
	set := d.Test
	if split == "train" {
		set = d.Train
	}
	m, err := r.Evaluate(set)
	if err != nil {
		return err
	}
	if asJSON {
		out, err := train.MarshalJSON(m, true)
		if err != nil {
			return err
		}
		fmt.Println(string(out))
		return nil
	}
	fmt.Printf("%s %s, %s split, %d images, BatchNorm on %s statistics: accuracy %.4f, loss %.4f\n",
		spec.Name, r.Model().Variant.Name(), split, m.Images, map[bool]string{false: "running", true: "batch"}[batchStats], m.Accuracy, m.Loss)
	return nil
}
