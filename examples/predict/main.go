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
	"os"

	"golang.org/x/image/draw"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/infer"
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
	if top <= 0 {
		return fmt.Errorf("-top %d: ask for at least 1 class", top)
	}
	r, err := infer.Load(checkpoint)
	if err != nil {
		return err
	}
	defer r.Close()
	spec := r.Model().Spec
	classes, err := datasets.Classes(spec.Dataset, false)
	if err != nil {
		return err
	}
	var images []float32
	for _, f := range files {
		img, err := load(f)
		if err != nil {
			return err
		}
		images = append(images, pixels(img, spec.Input, invert)...)
	}
	preds, err := r.Predict(images, len(files), top)
	if err != nil {
		return err
	}
	for i, f := range files {
		fmt.Println(f)
		for _, c := range preds[i].Top {
			fmt.Printf("  %-14s %.4f\n", classes[c], preds[i].Probs[c])
		}
	}
	return nil
}

// maxPixels bounds the images predict decodes: a small file can declare a huge image.
const maxPixels = 50_000_000

func load(file string) (image.Image, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s is a folder; give the image files themselves (e.g. %s/*.png)", file, file)
	}
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not a PNG or JPEG image: %v", file, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels {
		return nil, fmt.Errorf("%s: a %dx%d image; predict takes images of 1 to %d pixels", file, cfg.Width, cfg.Height, maxPixels)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, err
	}
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
