// Command export writes a checkpoint's model as an ONNX model for inference (opset 13):
// input "input" (batch, C, H, W) float32 in [0, 1], output "logits" (batch, classes).
//
//	go run ./examples/export -checkpoint runs/mnist-light3/checkpoint.safetensors -o mnist-light3.onnx
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/lightzoo/lightzoo/onnx"
	"github.com/lightzoo/lightzoo/train/checkpoint"
	"github.com/lightzoo/lightzoo/zoo"
)

func main() {
	path := flag.String("checkpoint", "", "checkpoint written by examples/train (required)")
	out := flag.String("o", "", "ONNX file to write (required)")
	flag.Parse()
	if err := run(*path, *out); err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
}

func run(path, out string) error {
	switch {
	case path == "" || out == "":
		return fmt.Errorf("usage: export -checkpoint FILE -o MODEL.onnx")
	case flag.NArg() > 0:
		return fmt.Errorf("unexpected argument %q; every setting is a flag (see -h)", flag.Arg(0))
	}
	f, err := checkpoint.Open(path)
	if err != nil {
		return err
	}
	m, err := f.Build(zoo.Config{Batch: 1, Inference: true})
	if err != nil {
		return err
	}
	if err := onnx.ExportFile(m, out); err != nil {
		return err
	}
	fmt.Printf("%s: %s %s, %d parameters and statistics, input %q (batch, %d, %d, %d), output %q (batch, %d)\n",
		out, m.Spec.Name, m.Variant.Name(), m.Total(), onnx.Input, m.Spec.Input[0], m.Spec.Input[1], m.Spec.Input[2], onnx.Output, m.Spec.Classes)
	return nil
}
