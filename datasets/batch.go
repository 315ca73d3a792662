package datasets

import (
	"math/rand/v2"

	"github.com/pkg/errors"
)

// Fill writes the images idx of s into x as NCHW float32 scaled to [0, 1] and their labels
// into labels. With a non-nil rng it augments each image (random crop from the image padded
// by 4 zero pixels, then a horizontal flip with probability 1/2). x must hold len(idx) images.
func (s *Set) Fill(idx []int, x []float32, labels []int, rng *rand.Rand) {
	size := s.ImageSize()
	for i, j := range idx {
		img := s.Images[j*size : (j+1)*size]
		dst := x[i*size : (i+1)*size]
		if rng == nil {
			for k, v := range img {
				dst[k] = float32(v) / 255
			}
		} else {
			s.augment(dst, img, rng)
		}
		labels[i] = int(s.Labels[j])
	}
}

const cropPad = 4

func (s *Set) augment(dst []float32, img []byte, rng *rand.Rand) {
	dy, dx := rng.IntN(2*cropPad+1)-cropPad, rng.IntN(2*cropPad+1)-cropPad
	flip := rng.IntN(2) == 1
	for c := 0; c < s.C; c++ {
		plane := img[c*s.H*s.W:]
		for y := 0; y < s.H; y++ {
			for x := 0; x < s.W; x++ {
				sx := x
				if flip {
					sx = s.W - 1 - x
				}
				iy, ix := y+dy, sx+dx
				v := float32(0)
				if iy >= 0 && iy < s.H && ix >= 0 && ix < s.W {
					v = float32(plane[iy*s.W+ix]) / 255
				}
				dst[(c*s.H+y)*s.W+x] = v
			}
		}
	}
}

// OneHot writes one-hot rows of labels into out (len(labels) × classes).
func OneHot(labels []int, classes int, out []float32) {
	clear(out[:len(labels)*classes])
	for i, l := range labels {
		out[i*classes+l] = 1
	}
}

// First returns the first n images of s (copied), or s itself when n is 0 or s.N.
func (s *Set) First(n int) (*Set, error) {
	switch {
	case n == 0 || n == s.N:
		return s, nil
	case n < 0 || n > s.N:
		return nil, errors.Errorf("datasets: %d images asked of a split of %d", n, s.N)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return s.Subset(idx), nil
}

// Keep keeps the first train training and test test images (0 keeps a split whole).
func (d *Dataset) Keep(train, test int) error {
	tr, err := d.Train.First(train)
	if err != nil {
		return errors.Wrap(err, "training split")
	}
	te, err := d.Test.First(test)
	if err != nil {
		return errors.Wrap(err, "test split")
	}
	d.Train, d.Test = tr, te
	return nil
}

// Subset returns the images idx of s (copied).
func (s *Set) Subset(idx []int) *Set {
	size := s.ImageSize()
	out := &Set{Images: make([]byte, len(idx)*size), Labels: make([]uint8, len(idx)), N: len(idx), C: s.C, H: s.H, W: s.W}
	for i, j := range idx {
		copy(out.Images[i*size:], s.Images[j*size:(j+1)*size])
		out.Labels[i] = s.Labels[j]
	}
	return out
}

// Split holds n images out of s, chosen by a seeded permutation, and returns the rest and
// the held-out images.
func (s *Set) Split(n int, seed uint64) (rest, held *Set, err error) {
	if n <= 0 || n >= s.N {
		return nil, nil, errors.Errorf("datasets: cannot hold out %d of %d images; use 1..%d", n, s.N, s.N-1)
	}
	perm := rand.New(rand.NewPCG(seed, 0x5eed)).Perm(s.N)
	return s.Subset(perm[n:]), s.Subset(perm[:n]), nil
}

// Batches cuts 0..n-1 into batches of size (the last may be smaller), in order, or shuffled
// by a permutation that depends only on seed and epoch, so a resumed run sees the same order.
func Batches(n, size int, shuffle bool, seed uint64, epoch int) [][]int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	if shuffle {
		rand.New(rand.NewPCG(seed, uint64(epoch))).Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	var out [][]int
	for lo := 0; lo < n; lo += size {
		out = append(out, order[lo:min(lo+size, n)])
	}
	return out
}
