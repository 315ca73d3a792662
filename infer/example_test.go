package infer_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/lightzoo/lightzoo/infer"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/train/checkpoint"
	"github.com/lightzoo/lightzoo/zoo"
)

// Load a checkpoint (here one written from a freshly built model; examples/train writes
// them) and classify two images.
func Example() {
	dir, _ := os.MkdirTemp("", "infer-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "checkpoint.safetensors")
	m, err := zoo.Build("mnist", light.Light{ConvRank: 3, DenseRank: light.PaperDenseRank}, zoo.Config{})
	if err == nil {
		err = checkpoint.Save(path, m, nil, nil)
	}
	if err != nil {
		fmt.Println(err)
		return
	}

	r, err := infer.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	images := make([]float32, 2*28*28) // two black 28x28 images, NCHW, values in [0, 1]
	preds, err := r.Predict(images, 2, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	top := preds[0].Top[0]
	fmt.Printf("%s %s: %d predictions; image 0: class %d, p = %.2f\n", r.Model().Spec.Name, r.Model().Variant.Name(), len(preds), top, preds[0].Probs[top])
	// Output: mnist light3: 2 predictions; image 0: class 0, p = 0.10
}
