package datasets

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestFillScalesAndLabels(t *testing.T) {
	s, err := DecodeCIFAR10(bytes.NewReader(cifarFile(4, 1, 10)))
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 2*3072)
	labels := make([]int, 2)
	s.Fill([]int{3, 1}, x, labels, nil)
	if labels[0] != 3 || labels[1] != 1 {
		t.Errorf("labels %v", labels)
	}
	if want := float32(s.Images[3*3072+5]) / 255; x[5] != want {
		t.Errorf("x[5] = %g, want %g", x[5], want)
	}
	oh := make([]float32, 2*10)
	OneHot(labels, 10, oh)
	if oh[3] != 1 || oh[11] != 1 || sum(oh) != 2 {
		t.Errorf("one-hot %v", oh)
	}
}

func TestAugmentShiftsAndFlips(t *testing.T) {
	s, _ := DecodeCIFAR10(bytes.NewReader(cifarFile(1, 1, 10)))
	plain := make([]float32, 3072)
	s.Fill([]int{0}, plain, make([]int, 1), nil)
	differs := 0
	for seed := uint64(0); seed < 20; seed++ {
		aug := make([]float32, 3072)
		s.Fill([]int{0}, aug, make([]int, 1), rand.New(rand.NewPCG(seed, 1)))
		if !slices.Equal(aug, plain) {
			differs++
		}
		for _, v := range aug {
			if v < 0 || v > 1 {
				t.Fatalf("augmented value %g outside [0, 1]", v)
			}
		}
	}
	if differs < 15 {
		t.Errorf("only %d of 20 augmentations changed the image", differs)
	}
}

func TestBatchesCoverEveryImageOnce(t *testing.T) {
	for _, shuffle := range []bool{false, true} {
		b := Batches(10, 4, shuffle, 7, 2)
		if len(b) != 3 || len(b[2]) != 2 {
			t.Fatalf("batch sizes %v", b)
		}
		var all []int
		for _, x := range b {
			all = append(all, x...)
		}
		slices.Sort(all)
		for i, v := range all {
			if v != i {
				t.Fatalf("indices %v", all)
			}
		}
	}
	a, again, other := Batches(50, 50, true, 7, 3)[0], Batches(50, 50, true, 7, 3)[0], Batches(50, 50, true, 7, 4)[0]
	if !slices.Equal(a, again) || slices.Equal(a, other) {
		t.Error("the shuffle must depend on seed and epoch only")
	}
}

func TestSplit(t *testing.T) {
	s, _ := DecodeCIFAR10(bytes.NewReader(cifarFile(10, 1, 10)))
	rest, held, err := s.Split(3, 1)
	if err != nil || rest.N != 7 || held.N != 3 {
		t.Fatalf("%v %v %v", rest, held, err)
	}
	seen := map[uint8]bool{}
	for _, l := range append(append([]uint8(nil), rest.Labels...), held.Labels...) {
		seen[l] = true
	}
	if len(seen) != 10 {
		t.Error("the split lost or duplicated images")
	}
	if _, _, err := s.Split(10, 1); err == nil {
		t.Error("holding out everything was accepted")
	}
}

func sum(v []float32) (s float32) {
	for _, x := range v {
		s += x
	}
	return s
}
