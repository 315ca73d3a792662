package main

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// load refuses what is not a small PNG or JPEG with a line that says what it got.
func TestLoadRefusesWhatIsNotAnImage(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.png")
	if err := os.WriteFile(text, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "digit.png")
	f, err := os.Create(good)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, image.NewGray(image.Rect(0, 0, 28, 28))); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for file, want := range map[string]string{dir: "is a folder", text: "not a PNG or JPEG", filepath.Join(dir, "none.png"): "no such file"} {
		if _, err := load(file); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", file, err, want)
		}
	}
	if img, err := load(good); err != nil || img.Bounds().Dx() != 28 {
		t.Errorf("a 28x28 PNG: %v", err)
	}
}
