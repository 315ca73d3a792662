package datasets

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the fixtures under ../testdata")

// fixtureDir holds tiny data sets in the official formats, written by TestWriteFixtures.
const fixtureDir = "../testdata/data"

// Fixture sizes: images per split.
const (
	fixTrain = 6
	fixTest  = 3
)

// pattern is a deterministic image whose brightness depends on its label.
func pattern(size, label, i int) []byte {
	img := make([]byte, size)
	for k := range img {
		img[k] = byte((label*25 + k*7 + i*13) % 256)
	}
	return img
}

func idxBytes(dims []int, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	return b.Bytes()
}

func gz(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// idxFiles returns image and label files of n 28x28 images.
func idxFiles(n int) (images, labels []byte) {
	var pix, lab []byte
	for i := 0; i < n; i++ {
		pix = append(pix, pattern(28*28, i%10, i)...)
		lab = append(lab, byte(i%10))
	}
	return idxBytes([]int{n, 28, 28}, pix), idxBytes([]int{n}, lab)
}

// cifarFile returns n records with head label bytes each.
func cifarFile(n, head, classes int) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		label := i % classes
		if head == 2 {
			b = append(b, byte(label%20))
		}
		b = append(b, byte(label))
		b = append(b, pattern(3072, label, i)...)
	}
	return b
}

func fixtureFiles() map[string][]byte {
	trImg, trLab := idxFiles(fixTrain)
	teImg, teLab := idxFiles(fixTest)
	files := map[string][]byte{
		"mnist/train-images-idx3-ubyte.gz":    gz(trImg),
		"mnist/train-labels-idx1-ubyte.gz":    gz(trLab),
		"mnist/t10k-images-idx3-ubyte":        teImg,
		"mnist/t10k-labels-idx1-ubyte":        teLab,
		"cifar-10-batches-bin/test_batch.bin": cifarFile(fixTest, 1, 10),
		"cifar-100-binary/train.bin":          cifarFile(fixTrain, 2, 100),
		"cifar-100-binary/test.bin":           cifarFile(fixTest, 2, 100),
	}
	for i := 1; i <= 5; i++ {
		files[filepath.Join("cifar-10-batches-bin", "data_batch_"+string(rune('0'+i))+".bin")] = cifarFile(2, 1, 10)
	}
	return files
}

func TestWriteFixtures(t *testing.T) {
	for name, data := range fixtureFiles() {
		path := filepath.Join(fixtureDir, name)
		if *update {
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./datasets -run TestWriteFixtures -update)", err)
		}
		if name[len(name)-3:] != ".gz" && !bytes.Equal(got, data) {
			t.Errorf("%s differs from what the generator writes; run with -update", path)
		}
	}
}
