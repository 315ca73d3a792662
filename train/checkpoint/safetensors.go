package checkpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/internal/tempfile"
)

// Checkpoints are safetensors files (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length, a JSON header mapping each tensor name to its dtype, shape and
// byte range, optional string metadata under "__metadata__", then the raw little-endian data.
// Python reads them with safetensors.numpy.load_file or safe_open. lightzoo adds the metadata
// "sha256": the JSON of every tensor's SHA-256, checked when the file is read.

type entry struct {
	Dtype   string `json:"dtype"`
	Shape   []int  `json:"shape"`
	Offsets [2]int `json:"data_offsets"`
}

var dtypeNames = map[tensor.Dtype]string{tensor.Float32: "F32", tensor.Float64: "F64"}

// checksumKey is the metadata entry that holds the tensors' SHA-256 digests.
const checksumKey = "sha256"

// MaxHeader bounds the JSON header a reader accepts (the zoo's are a few kilobytes).
const MaxHeader = 16 << 20

// WriteFile writes tensors and metadata to path atomically: a temporary file in the same
// folder, synced, then renamed over path, so a crash at any moment leaves either the previous
// file or the new one, whole. The metadata gains the tensors' digests.
func WriteFile(path string, tensors map[string]*tensor.Dense, meta map[string]string) error {
	data, err := Encode(tensors, meta)
	if err != nil {
		return err
	}
	return WriteAtomic(path, data)
}

// Encode returns the bytes of a safetensors file.
func Encode(tensors map[string]*tensor.Dense, meta map[string]string) ([]byte, error) {
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	header := map[string]any{}
	sums := map[string]string{}
	var body bytes.Buffer
	for _, n := range names {
		t := tensors[n]
		dt, ok := dtypeNames[t.Dtype()]
		if !ok {
			return nil, errors.Errorf("checkpoint: tensor %s has dtype %v, which is not supported", n, t.Dtype())
		}
		start := body.Len()
		if err := binary.Write(&body, binary.LittleEndian, t.Data()); err != nil {
			return nil, errors.Wrapf(err, "checkpoint: tensor %s", n)
		}
		header[n] = entry{Dtype: dt, Shape: []int(t.Shape()), Offsets: [2]int{start, body.Len()}}
		sums[n] = digest(body.Bytes()[start:])
	}
	m := map[string]string{}
	for k, v := range meta {
		m[k] = v
	}
	s, _ := json.Marshal(sums)
	m[checksumKey] = string(s)
	header["__metadata__"] = m
	head, err := json.Marshal(header)
	if err != nil {
		return nil, errors.Wrap(err, "checkpoint")
	}
	for len(head)%8 != 0 {
		head = append(head, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(head)))
	return append(append(out, head...), body.Bytes()...), nil
}

// WriteAtomic writes data to a temporary file beside path, syncs it, renames it over path and
// syncs the folder. A crash leaves a temporary file at worst, which RemoveStale deletes.
// The file gets the permissions os.Create would give it (0666 less the umask), not
// os.CreateTemp's 0600.
func WriteAtomic(path string, data []byte) error {
	tmp, err := tempfile.Create(filepath.Dir(path), "."+filepath.Base(path)+TempSuffix)
	if err != nil {
		return errors.Errorf("cannot write %s: %v", path, errors.Cause(err))
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return errors.Wrapf(err, "checkpoint: writing %s", path)
	}
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		dir.Sync()
		dir.Close()
	}
	return nil
}

// TempSuffix marks the temporary files of WriteAtomic: ".<name>.tmp-<random>".
const TempSuffix = ".tmp-*"

// RemoveStale deletes the temporary files that a crash during WriteAtomic left in dir.
func RemoveStale(dir string) error {
	matches, err := filepath.Glob(filepath.Join(dir, ".*"+TempSuffix))
	if err != nil {
		return err
	}
	for _, m := range matches {
		if err := os.Remove(m); err != nil {
			return errors.Wrap(err, "checkpoint: removing a temporary file a crash left")
		}
	}
	return nil
}

// ReadFile reads and verifies a safetensors file.
func ReadFile(path string) (map[string]*tensor.Dense, map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, errors.Wrap(err, "checkpoint")
	}
	tensors, meta, err := Decode(data)
	if err != nil {
		return nil, nil, errors.Wrapf(err, "checkpoint %s", path)
	}
	return tensors, meta, nil
}

// Decode parses a safetensors file's bytes, checking everything before it allocates or
// indexes: the header's length and JSON, every tensor's dtype (F32 or F64), shape (no
// negative sizes, no overflowing products) and byte range (inside the data, the size the
// shape needs, no two overlapping), and, where the metadata holds them, the digests.
func Decode(data []byte) (map[string]*tensor.Dense, map[string]string, error) {
	if len(data) < 8 {
		return nil, nil, errors.Errorf("not a safetensors file: %d bytes, fewer than the 8 of the header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > MaxHeader || n > uint64(len(data)-8) {
		return nil, nil, errors.Errorf("not a safetensors file, or truncated: header length %d, file %d bytes", n, len(data))
	}
	head, body := data[8:8+n], data[8+n:]
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(head, &raw); err != nil {
		return nil, nil, errors.Errorf("header is not a JSON object: %v", err)
	}
	meta := map[string]string{}
	if m, ok := raw["__metadata__"]; ok {
		if err := json.Unmarshal(m, &meta); err != nil {
			return nil, nil, errors.New("metadata is not a map of strings")
		}
		delete(raw, "__metadata__")
	}
	entries, err := entries(raw, len(body))
	if err != nil {
		return nil, nil, err
	}
	sums, err := checksums(meta)
	if err != nil {
		return nil, nil, err
	}
	tensors := map[string]*tensor.Dense{}
	for name, e := range entries {
		buf := body[e.Offsets[0]:e.Offsets[1]]
		if want, ok := sums[name]; ok && digest(buf) != want {
			return nil, nil, errors.Errorf("tensor %s: its bytes do not match the recorded SHA-256: the file is damaged", name)
		}
		tensors[name] = decodeTensor(e, buf)
	}
	for name := range sums {
		if _, ok := entries[name]; !ok {
			return nil, nil, errors.Errorf("tensor %s is recorded in the digests but missing from the file", name)
		}
	}
	return tensors, meta, nil
}

// entries parses and checks every tensor's header entry against a data section of size bytes.
func entries(raw map[string]json.RawMessage, size int) (map[string]entry, error) {
	out := map[string]entry{}
	var ranges [][2]int
	for name, msg := range raw {
		var e entry
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, errors.Errorf("tensor %s: bad header entry: %v", name, err)
		}
		width := map[string]int{"F32": 4, "F64": 8}[e.Dtype]
		if width == 0 {
			return nil, errors.Errorf("tensor %s: dtype %q is not supported (F32 and F64 are)", name, e.Dtype)
		}
		elems, err := elements(e.Shape, size/width)
		if err != nil {
			return nil, errors.Wrapf(err, "tensor %s", name)
		}
		lo, hi := e.Offsets[0], e.Offsets[1]
		if lo < 0 || hi > size || lo > hi {
			return nil, errors.Errorf("tensor %s: bytes %d..%d lie outside the %d data bytes (truncated file?)", name, lo, hi, size)
		}
		if hi-lo != elems*width {
			return nil, errors.Errorf("tensor %s: %d bytes for shape %v of %s", name, hi-lo, e.Shape, e.Dtype)
		}
		out[name] = e
		ranges = append(ranges, e.Offsets)
	}
	sort.Slice(ranges, func(i, j int) bool { return ranges[i][0] < ranges[j][0] })
	for i := 1; i < len(ranges); i++ {
		if ranges[i][0] < ranges[i-1][1] {
			return nil, errors.Errorf("two tensors share bytes %d..%d", ranges[i][0], ranges[i-1][1])
		}
	}
	return out, nil
}

// elements is the product of shape, refused when a size is negative or the product exceeds
// limit (the most elements the data could hold).
func elements(shape []int, limit int) (int, error) {
	if len(shape) > 8 {
		return 0, errors.Errorf("shape %v has %d dimensions", shape, len(shape))
	}
	n := 1
	for _, d := range shape {
		if d <= 0 {
			return 0, errors.Errorf("shape %v has a size below 1", shape)
		}
		if n > limit/d {
			return 0, errors.Errorf("shape %v needs more elements than the file holds", shape)
		}
		n *= d
	}
	return n, nil
}

func checksums(meta map[string]string) (map[string]string, error) {
	sums := map[string]string{}
	if s, ok := meta[checksumKey]; ok {
		if err := json.Unmarshal([]byte(s), &sums); err != nil {
			return nil, errors.Errorf("metadata %q is not a map of digests", checksumKey)
		}
	}
	return sums, nil
}

func decodeTensor(e entry, buf []byte) *tensor.Dense {
	shape := append([]int(nil), e.Shape...)
	if e.Dtype == "F64" {
		v := make([]float64, len(buf)/8)
		for i := range v {
			v[i] = math.Float64frombits(binary.LittleEndian.Uint64(buf[8*i:]))
		}
		return newDense(shape, v)
	}
	v := make([]float32, len(buf)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
	}
	return newDense(shape, v)
}

// newDense wraps data; a scalar (shape []) becomes a one-element vector.
func newDense[T float32 | float64](shape []int, data []T) *tensor.Dense {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
