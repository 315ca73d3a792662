package datasets

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestDecodeIDXSet(t *testing.T) {
	img, lab := idxFiles(4)
	for _, compress := range []bool{false, true} {
		i, l := img, lab
		if compress {
			i, l = gz(img), gz(lab)
		}
		s, err := DecodeIDXSet(bytes.NewReader(i), bytes.NewReader(l), 10)
		if err != nil {
			t.Fatal(err)
		}
		if s.N != 4 || s.C != 1 || s.H != 28 || s.W != 28 || len(s.Images) != 4*784 {
			t.Fatalf("set %d×%d×%d×%d with %d bytes", s.N, s.C, s.H, s.W, len(s.Images))
		}
		if s.Labels[3] != 3 || s.Images[784] != pattern(784, 1, 1)[0] {
			t.Errorf("labels %v, first pixel of image 1 %d", s.Labels, s.Images[784])
		}
	}
}

func TestDecodeCIFAR(t *testing.T) {
	s, err := DecodeCIFAR10(bytes.NewReader(cifarFile(3, 1, 10)))
	if err != nil || s.N != 3 || s.C != 3 || s.Labels[2] != 2 {
		t.Fatalf("CIFAR-10: %+v %v", s, err)
	}
	data := cifarFile(25, 2, 100)
	fine, err := DecodeCIFAR100(bytes.NewReader(data), false)
	if err != nil || fine.Labels[21] != 21 {
		t.Fatalf("CIFAR-100 fine: %v %v", fine.Labels, err)
	}
	coarse, err := DecodeCIFAR100(bytes.NewReader(data), true)
	if err != nil || coarse.Labels[21] != 1 {
		t.Fatalf("CIFAR-100 coarse: %v %v", coarse.Labels, err)
	}
	if !bytes.Equal(fine.Images[3072:2*3072], pattern(3072, 1, 1)) {
		t.Error("image bytes differ")
	}
}

func TestBadInputs(t *testing.T) {
	img, lab := idxFiles(4)
	corrupt := gz(img)
	corrupt[len(corrupt)/2] ^= 0xff
	corrupt[len(corrupt)/2+1] ^= 0xff
	badLabel := append([]byte(nil), lab...)
	badLabel[len(badLabel)-1] = 10
	_, lab3 := idxFiles(3)
	cases := []struct {
		name    string
		decode  func() error
		message string
	}{
		{"wrong magic", func() error { return idx(append([]byte{0, 0, 9, 3}, img[4:]...), lab) }, "magic number"},
		{"labels as images", func() error { return idx(lab, lab) }, "magic number"},
		{"truncated images", func() error { return idx(img[:len(img)-10], lab) }, "truncated"},
		{"truncated header", func() error { return idx(img[:6], lab) }, "truncated"},
		{"trailing bytes", func() error { return idx(append(append([]byte(nil), img...), 1, 2), lab) }, "past the"},
		{"count mismatch", func() error { return idx(img, lab3) }, "4 images but 3 labels"},
		{"label out of range", func() error { return idx(img, badLabel) }, "label 10 of record 3 is out of range"},
		{"no images", func() error { return idx(idxBytes([]int{0, 28, 28}, nil), idxBytes([]int{0}, nil)) }, "at least one image"},
		{"zero rows", func() error { return idx(idxBytes([]int{4, 0, 28}, nil), lab) }, "at least one pixel"},
		{"corrupt gzip", func() error { return idx(corrupt, lab) }, "gzip"},
		{"truncated gzip", func() error { g := gz(img); return idx(g[:len(g)/2], lab) }, "gzip"},
		{"cifar partial record", func() error { _, err := DecodeCIFAR10(bytes.NewReader(cifarFile(2, 1, 10)[:5000])); return err }, "whole number"},
		{"cifar empty", func() error { _, err := DecodeCIFAR10(bytes.NewReader(nil)); return err }, "whole number"},
		{"cifar-100 as cifar-10", func() error { _, err := DecodeCIFAR10(bytes.NewReader(cifarFile(3, 2, 100))); return err }, "whole number"},
		{"cifar label", func() error { _, err := DecodeCIFAR10(bytes.NewReader(cifarFile(12, 1, 12))); return err }, "label 10 of record 10"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.decode()
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("%v is not an ErrFormat", err)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not say %q", err, tc.message)
			}
		})
	}
}

func idx(img, lab []byte) error {
	_, err := DecodeIDXSet(bytes.NewReader(img), bytes.NewReader(lab), 10)
	return err
}

func FuzzDecodeIDX(f *testing.F) {
	img, lab := idxFiles(2)
	f.Add(img)
	f.Add(lab)
	f.Add(gz(img))
	f.Add([]byte{0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		for dims := 1; dims <= 3; dims++ {
			shape, out, err := DecodeIDX(bytes.NewReader(data), dims)
			if err != nil {
				continue
			}
			n := 1
			for _, d := range shape {
				n *= d
			}
			if len(shape) != dims || len(out) != n {
				t.Fatalf("shape %v with %d bytes", shape, len(out))
			}
		}
	})
}

func FuzzDecodeCIFAR(f *testing.F) {
	f.Add(cifarFile(1, 1, 10))
	f.Add(cifarFile(2, 2, 100))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		if s, err := DecodeCIFAR10(bytes.NewReader(data)); err == nil && (s.N*cifar10Record != len(data) || len(s.Images) != s.N*3072) {
			t.Fatalf("CIFAR-10: %d records from %d bytes", s.N, len(data))
		}
		if s, err := DecodeCIFAR100(bytes.NewReader(data), false); err == nil && s.N*cifar100Record != len(data) {
			t.Fatalf("CIFAR-100: %d records from %d bytes", s.N, len(data))
		}
	})
}
