package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Checkpoints are safetensors files (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length, a JSON header mapping each tensor name to its dtype, shape and
// byte range, optional string metadata under "__metadata__", then the raw little-endian data.
// Python reads them with safetensors.numpy.load_file or safe_open.

type tensorEntry struct {
	Dtype   string `json:"dtype"`
	Shape   []int  `json:"shape"`
	Offsets [2]int `json:"data_offsets"`
}

var dtypeNames = map[tensor.Dtype]string{tensor.Float32: "F32", tensor.Float64: "F64"}

// writeSafetensors writes tensors and metadata to path atomically: a temporary file in the same
// folder, synced, then renamed over path, so a crash leaves the previous file intact.
func writeSafetensors(path string, tensors map[string]*tensor.Dense, meta map[string]string) error {
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	header := map[string]any{"__metadata__": meta}
	offset := 0
	for _, n := range names {
		t := tensors[n]
		dt, ok := dtypeNames[t.Dtype()]
		if !ok {
			return errors.Errorf("checkpoint: tensor %s has dtype %v, which is not supported", n, t.Dtype())
		}
		size := t.MemSize()
		header[n] = tensorEntry{Dtype: dt, Shape: []int(t.Shape()), Offsets: [2]int{offset, offset + int(size)}}
		offset += int(size)
	}
	head, err := json.Marshal(header)
	if err != nil {
		return err
	}
	for len(head)%8 != 0 {
		head = append(head, ' ')
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return errors.Wrap(err, "checkpoint")
	}
	defer os.Remove(tmp.Name())
	err = binary.Write(tmp, binary.LittleEndian, uint64(len(head)))
	if err == nil {
		_, err = tmp.Write(head)
	}
	for _, n := range names {
		if err == nil {
			err = binary.Write(tmp, binary.LittleEndian, tensors[n].Data())
		}
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errors.Wrapf(err, "checkpoint: writing %s", path)
	}
	return errors.Wrap(os.Rename(tmp.Name(), path), "checkpoint")
}

// readSafetensors reads a file written by writeSafetensors (or any F32/F64 safetensors file).
func readSafetensors(path string) (map[string]*tensor.Dense, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, errors.Wrap(err, "checkpoint")
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, errors.Wrap(err, "checkpoint")
	}
	var n uint64
	if err := binary.Read(f, binary.LittleEndian, &n); err != nil || n > uint64(info.Size()-8) {
		return nil, nil, errors.Errorf("checkpoint %s: not a safetensors file or truncated (header length %d, file %d bytes)", path, n, info.Size())
	}
	head := make([]byte, n)
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, nil, errors.Errorf("checkpoint %s: header is truncated", path)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(head, &raw); err != nil {
		return nil, nil, errors.Errorf("checkpoint %s: header is not valid JSON: %v", path, err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, errors.Wrap(err, "checkpoint")
	}
	meta := map[string]string{}
	tensors := map[string]*tensor.Dense{}
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &meta); err != nil {
				return nil, nil, errors.Errorf("checkpoint %s: metadata is not a string map", path)
			}
			continue
		}
		t, err := decodeEntry(name, msg, data)
		if err != nil {
			return nil, nil, errors.Wrapf(err, "checkpoint %s", path)
		}
		tensors[name] = t
	}
	return tensors, meta, nil
}

func decodeEntry(name string, msg json.RawMessage, data []byte) (*tensor.Dense, error) {
	var e tensorEntry
	if err := json.Unmarshal(msg, &e); err != nil {
		return nil, errors.Errorf("tensor %s: bad header entry", name)
	}
	size := 1
	for _, d := range e.Shape {
		size *= d
	}
	lo, hi := e.Offsets[0], e.Offsets[1]
	if lo < 0 || hi > len(data) || lo > hi {
		return nil, errors.Errorf("tensor %s: bytes %d..%d lie outside the %d data bytes (truncated file?)", name, lo, hi, len(data))
	}
	buf := data[lo:hi]
	switch e.Dtype {
	case "F32":
		if len(buf) != 4*size {
			return nil, errors.Errorf("tensor %s: %d bytes for shape %v", name, len(buf), e.Shape)
		}
		v := make([]float32, size)
		binary.Read(bytes.NewReader(buf), binary.LittleEndian, v)
		return tensor.New(tensor.WithShape(e.Shape...), tensor.WithBacking(v)), nil
	case "F64":
		if len(buf) != 8*size {
			return nil, errors.Errorf("tensor %s: %d bytes for shape %v", name, len(buf), e.Shape)
		}
		v := make([]float64, size)
		binary.Read(bytes.NewReader(buf), binary.LittleEndian, v)
		return tensor.New(tensor.WithShape(e.Shape...), tensor.WithBacking(v)), nil
	}
	return nil, errors.Errorf("tensor %s: dtype %s is not supported (F32 and F64 are)", name, e.Dtype)
}
