// Command predict classifies image files (PNG or JPEG, any size) with a checkpoint written by
// examples/train, and prints the top classes with their probabilities.
//
//	go run ./examples/predict -checkpoint runs/mnist-light3-paper/checkpoint.safetensors digit.png
//
// Images are resized to the model's input and, for MNIST-like models, made grayscale. MNIST
// and Fashion-MNIST show light objects on a dark background: pass -invert for dark on light.
package main

import (
	"flag"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"math"
	"os"
	"sort"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"golang.org/x/image/draw"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/train"
	"github.com/lightzoo/lightzoo/zoo"
)

func main() {
	checkpoint := flag.String("checkpoint", "", "checkpoint file written by examples/train (required)")
	top := flag.Int("top", 3, "how many classes to print")
	invert := flag.Bool("invert", false, "invert brightness (for dark objects on a light background)")
	flag.Parse()
	if err := run(*checkpoint, *top, *invert, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "predict:", err)
		os.Exit(1)
	}
}

func run(checkpoint string, top int, invert bool, files []string) error {
	if checkpoint == "" || len(files) == 0 {
		return fmt.Errorf("usage: predict -checkpoint FILE IMAGE [IMAGE ...]")
	}
	m, err := train.LoadModel(checkpoint, 1)
	if err != nil {
		return err
	}
	classes, err := datasets.Classes(m.Spec.Dataset, false)
	if err != nil {
		return err
	}
	vm := G.NewTapeMachine(m.Graph)
	defer vm.Close()
	for _, f := range files {
		probs, err := classify(m, vm, f, invert)
		if err != nil {
			return err
		}
		fmt.Println(f)
		for _, c := range topK(probs, top) {
			fmt.Printf("  %-14s %.4f\n", classes[c], probs[c])
		}
	}
	return nil
}

// classify returns the softmax probabilities the model gives the image in file.
func classify(m *zoo.Model, vm G.VM, file string, invert bool) ([]float64, error) {
	img, err := load(file)
	if err != nil {
		return nil, err
	}
	x := pixels(img, m.Spec.Input, invert)
	if err := G.Let(m.Input, tensor.New(tensor.WithShape(m.Input.Shape()...), tensor.WithBacking(x))); err != nil {
		return nil, err
	}
	vm.Reset()
	if err := vm.RunAll(); err != nil {
		return nil, err
	}
	return softmax(m.Logits.Value().Data().([]float32)), nil
}

func load(file string) (image.Image, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not a PNG or JPEG image: %v", file, err)
	}
	return img, nil
}

// pixels resizes img to (C, H, W) and returns it as CHW float32 in [0, 1].
func pixels(img image.Image, shape [3]int, invert bool) []float32 {
	c, h, w := shape[0], shape[1], shape[2]
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	x := make([]float32, c*h*w)
	for y := 0; y < h; y++ {
		for i := 0; i < w; i++ {
			px := dst.RGBAAt(i, y)
			rgb := [3]float32{float32(px.R) / 255, float32(px.G) / 255, float32(px.B) / 255}
			if c == 1 {
				rgb[0] = 0.299*rgb[0] + 0.587*rgb[1] + 0.114*rgb[2]
			}
			for ch := 0; ch < c; ch++ {
				v := rgb[ch]
				if invert {
					v = 1 - v
				}
				x[(ch*h+y)*w+i] = v
			}
		}
	}
	return x
}

func softmax(logits []float32) []float64 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, float64(v))
	}
	p := make([]float64, len(logits))
	var z float64
	for i, v := range logits {
		p[i] = math.Exp(float64(v) - mx)
		z += p[i]
	}
	for i := range p {
		p[i] /= z
	}
	return p
}

func topK(p []float64, k int) []int {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
	return idx[:min(k, len(idx))]
}
