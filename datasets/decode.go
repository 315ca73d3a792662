// Package datasets reads MNIST, Fashion-MNIST, CIFAR-10 and CIFAR-100 from their official
// files, finds them on the machine, verifies them against the official digests, fetches them
// when asked, and serves NCHW float32 batches.
package datasets

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/pkg/errors"
)

// ErrFormat is the cause of every error about a file that is not what its format says.
var ErrFormat = errors.New("datasets: bad format")

// maxBytes bounds what one file may claim to hold, so a corrupt header cannot exhaust memory.
const maxBytes = 1 << 30

// Set is a split of a data set: N images of C×H×W bytes (CHW order, as CIFAR stores them)
// and their labels.
type Set struct {
	Images     []byte
	Labels     []uint8
	N, C, H, W int
}

// ImageSize is C·H·W.
func (s *Set) ImageSize() int { return s.C * s.H * s.W }

// BadLabel is the index of the first image whose label is not below classes, or -1.
func (s *Set) BadLabel(classes int) int {
	for i, l := range s.Labels {
		if int(l) >= classes {
			return i
		}
	}
	return -1
}

// ClassCounts returns how many images each of the classes has.
func (s *Set) ClassCounts(classes int) []int {
	counts := make([]int, classes)
	for _, l := range s.Labels {
		if int(l) < classes {
			counts[l]++
		}
	}
	return counts
}

// formatError is a format error whose message says what was wrong; it matches ErrFormat.
type formatError struct{ msg string }

func (e *formatError) Error() string        { return e.msg }
func (e *formatError) Is(target error) bool { return target == ErrFormat }

func formatErr(format string, args ...any) error {
	return &formatError{fmt.Sprintf(format, args...)}
}

// maybeGunzip returns r decompressed if it starts with the gzip magic, else r itself.
func maybeGunzip(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, formatErr("corrupt gzip header: %v", err)
		}
		return zr, nil
	}
	return br, nil
}

// readExactly reads exactly n bytes and then requires the end of the stream.
func readExactly(r io.Reader, n int, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(n)+1))
	if err != nil {
		return nil, readErr(err, what)
	}
	if len(data) < n {
		return nil, formatErr("%s is truncated: %d of %d bytes", what, len(data), n)
	}
	if len(data) > n {
		return nil, formatErr("%s has bytes past the %d its header declares", what, n)
	}
	return data, nil
}

// readErr classifies a read error: a corrupt or cut compressed stream is a format error.
func readErr(err error, what string) error {
	var corrupt flate.CorruptInputError
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &corrupt) {
		return formatErr("%s: corrupt or truncated gzip stream (%v)", what, err)
	}
	return errors.Wrapf(err, "reading %s", what)
}

// DecodeIDX reads an IDX file of unsigned bytes (gzipped or not) whose header must declare
// dims dimensions, and returns its dimensions and data.
func DecodeIDX(r io.Reader, dims int) ([]int, []byte, error) {
	r, err := maybeGunzip(r)
	if err != nil {
		return nil, nil, err
	}
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, nil, formatErr("IDX header is truncated: %v", err)
	}
	if head[0] != 0 || head[1] != 0 || head[2] != 0x08 || int(head[3]) != dims {
		return nil, nil, formatErr("IDX magic number %#08x, expected %#08x (unsigned bytes, %d dimensions)",
			binary.BigEndian.Uint32(head[:]), 0x0800|dims, dims)
	}
	shape := make([]int, dims)
	total := 1
	for i := range shape {
		var d uint32
		if err := binary.Read(r, binary.BigEndian, &d); err != nil {
			return nil, nil, formatErr("IDX dimensions are truncated: %v", err)
		}
		shape[i] = int(d)
		total *= max(shape[i], 1)
		if total > maxBytes {
			return nil, nil, formatErr("IDX header declares more than %d bytes", maxBytes)
		}
	}
	for _, d := range shape {
		if d == 0 {
			total = 0
		}
	}
	data, err := readExactly(r, total, "IDX data")
	return shape, data, err
}

// DecodeIDXSet reads an IDX image file and an IDX label file with labels below classes.
func DecodeIDXSet(images, labels io.Reader, classes int) (*Set, error) {
	shape, pixels, err := DecodeIDX(images, 3)
	if err != nil {
		return nil, errors.Wrap(err, "images")
	}
	lshape, lab, err := DecodeIDX(labels, 1)
	if err != nil {
		return nil, errors.Wrap(err, "labels")
	}
	if shape[0] != lshape[0] {
		return nil, formatErr("%d images but %d labels", shape[0], lshape[0])
	}
	if shape[0] == 0 || shape[1] == 0 || shape[2] == 0 {
		return nil, formatErr("%d images of %dx%d pixels: a split needs at least one image of at least one pixel", shape[0], shape[1], shape[2])
	}
	if err := checkLabels(lab, classes, "label"); err != nil {
		return nil, err
	}
	return &Set{Images: pixels, Labels: lab, N: shape[0], C: 1, H: shape[1], W: shape[2]}, nil
}

func checkLabels(labels []uint8, classes int, what string) error {
	for i, l := range labels {
		if int(l) >= classes {
			return formatErr("%s %d of record %d is out of range; expected 0..%d", what, l, i, classes-1)
		}
	}
	return nil
}

// CIFAR record layouts.
const (
	cifarImage     = 3 * 32 * 32
	cifar10Record  = 1 + cifarImage
	cifar100Record = 2 + cifarImage
)

// DecodeCIFAR10 reads a CIFAR-10 binary batch: records of a label byte and 3072 image bytes.
func DecodeCIFAR10(r io.Reader) (*Set, error) {
	return decodeCIFAR(r, 1, 0, 10, "label")
}

// DecodeCIFAR100 reads a CIFAR-100 binary file: records of a coarse label, a fine label and
// 3072 image bytes. It returns the fine labels, or the coarse ones when coarse is set.
func DecodeCIFAR100(r io.Reader, coarse bool) (*Set, error) {
	if coarse {
		return decodeCIFAR(r, 2, 0, 20, "coarse label")
	}
	return decodeCIFAR(r, 2, 1, 100, "fine label")
}

// decodeCIFAR reads records of head label bytes and an image, keeping label byte pick.
func decodeCIFAR(r io.Reader, head, pick, classes int, what string) (*Set, error) {
	record := head + cifarImage
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, readErr(err, "CIFAR file")
	}
	if len(data) > maxBytes {
		return nil, formatErr("CIFAR file is larger than %d bytes", maxBytes)
	}
	if len(data) == 0 || len(data)%record != 0 {
		return nil, formatErr("CIFAR file of %d bytes is not a whole number of %d-byte records (truncated or not CIFAR-%d)",
			len(data), record, map[int]int{cifar10Record: 10, cifar100Record: 100}[record])
	}
	n := len(data) / record
	s := &Set{Images: make([]byte, n*cifarImage), Labels: make([]uint8, n), N: n, C: 3, H: 32, W: 32}
	for i := 0; i < n; i++ {
		rec := data[i*record : (i+1)*record]
		s.Labels[i] = rec[pick]
		copy(s.Images[i*cifarImage:], rec[head:])
	}
	if err := checkLabels(s.Labels, classes, what); err != nil {
		return nil, err
	}
	return s, nil
}
