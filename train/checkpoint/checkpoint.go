// Package checkpoint reads and writes lightzoo's checkpoints: safetensors files holding a zoo
// model's weights and BatchNorm statistics, an optimizer's state and a training state, with
// the model and variant they belong to. Everything read is checked before it is used.
package checkpoint

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/zoo"
)

// A checkpoint holds
//
//	param/<name>                  every trainable parameter (F32)
//	bn/<name>/moving_mean         BatchNorm running statistics (F64)
//	bn/<name>/moving_variance
//	<optimizer state>             e.g. adam/m/<name>, adam/v/<name> (F32)
//
// and the metadata "format" (Format), "model" (its registry name), "variant" (the variant's
// Name), "state" (the trainer's JSON) and "sha256" (every tensor's digest).
const Format = "lightzoo-checkpoint-2"

// formatV1 is the first format: no digests, the variant as kind, rank, form and dense rank.
const formatV1 = "lightzoo-checkpoint-1"

// File is a checkpoint read from disk and verified.
type File struct {
	Path    string
	Spec    zoo.Spec
	Variant light.Variant
	// Tensors are all the file's tensors by name; State is the trainer's JSON (may be empty).
	Tensors map[string]*tensor.Dense
	State   []byte
}

// Save writes m's weights and statistics, the optimizer tensors and the state to path,
// atomically.
func Save(path string, m *zoo.Model, optimizer map[string]*tensor.Dense, state []byte) error {
	tensors := map[string]*tensor.Dense{}
	for name, t := range optimizer {
		tensors[name] = t
	}
	for _, p := range m.Scope.Params() {
		tensors["param/"+p.Name] = p.Node.Value().(*tensor.Dense)
	}
	for _, bn := range m.Scope.BatchNorms() {
		mean, vari := bn.Stats()
		tensors["bn/"+bn.Name+"/moving_mean"] = tensor.New(tensor.WithBacking(mean))
		tensors["bn/"+bn.Name+"/moving_variance"] = tensor.New(tensor.WithBacking(vari))
	}
	meta := map[string]string{"format": Format, "model": m.Spec.Name, "variant": m.Variant.Name(), "state": string(state)}
	return WriteFile(path, tensors, meta)
}

// Open reads and verifies the checkpoint at path and finds the model it records.
func Open(path string) (*File, error) {
	tensors, meta, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := &File{Path: path, Tensors: tensors, State: []byte(meta["state"])}
	if f.Variant, err = variantOf(meta); err != nil {
		return nil, errors.Wrapf(err, "checkpoint %s", path)
	}
	if f.Spec, err = zoo.Get(meta["model"]); err != nil {
		return nil, errors.Wrapf(err, "checkpoint %s", path)
	}
	return f, nil
}

func variantOf(meta map[string]string) (light.Variant, error) {
	switch meta["format"] {
	case Format:
		return light.ParseVariant(meta["variant"])
	case formatV1:
		return variantV1(meta)
	}
	return nil, errors.Errorf("format %q is not a lightzoo checkpoint (expected %q)", meta["format"], Format)
}

// variantV1 reads the variant of a first-format checkpoint.
func variantV1(meta map[string]string) (light.Variant, error) {
	name := meta["variant"]
	if name == "light" {
		name += meta["rank"]
		if meta["form"] == light.LowRank.String() {
			name += "-lowrank"
		}
		if d := meta["dense_rank"]; d != "" && d != strconv.Itoa(light.PaperDenseRank) {
			name += "-dense" + d
		}
	}
	return light.ParseVariant(name)
}

// Build builds the model the checkpoint records with cfg (whose batch and mode it keeps) and
// loads the weights into it.
func (f *File) Build(cfg zoo.Config) (*zoo.Model, error) {
	m, err := zoo.New(f.Spec, f.Variant, cfg)
	if err != nil {
		return nil, errors.Wrapf(err, "checkpoint %s", f.Path)
	}
	return m, f.LoadInto(m)
}

// LoadInto copies the weights and BatchNorm statistics into m (in place, so graphs sharing
// them see the change), after checking that m is the recorded model and every tensor it
// needs is there, of the right dtype and shape, and finite.
func (f *File) LoadInto(m *zoo.Model) error {
	if m.Spec.Name != f.Spec.Name || m.Variant != f.Variant {
		return errors.Errorf("checkpoint %s holds %s %s, but the model is %s %s", f.Path, f.Spec.Name, f.Variant.Name(), m.Spec.Name, m.Variant.Name())
	}
	for _, p := range m.Scope.Params() {
		dst := p.Node.Value().(*tensor.Dense)
		src, err := f.tensor("param/"+p.Name, dst.Dtype(), dst.Shape())
		if err != nil {
			return err
		}
		if err := tensor.Copy(dst, src); err != nil {
			return errors.Wrapf(err, "checkpoint %s: parameter %s", f.Path, p.Name)
		}
	}
	for _, bn := range m.Scope.BatchNorms() {
		mean, vari := bn.Stats()
		mt, err := f.tensor("bn/"+bn.Name+"/moving_mean", tensor.Float64, tensor.Shape{len(mean)})
		if err != nil {
			return err
		}
		vt, err := f.tensor("bn/"+bn.Name+"/moving_variance", tensor.Float64, tensor.Shape{len(vari)})
		if err != nil {
			return err
		}
		for _, v := range vt.Data().([]float64) {
			if v < 0 {
				return errors.Errorf("checkpoint %s: bn/%s/moving_variance holds the negative value %g", f.Path, bn.Name, v)
			}
		}
		if err := bn.SetStats(mt.Data().([]float64), vt.Data().([]float64)); err != nil {
			return errors.Wrapf(err, "checkpoint %s", f.Path)
		}
	}
	return nil
}

// Optimizer returns the tensors that are neither parameters nor statistics, each finite.
func (f *File) Optimizer() (map[string]*tensor.Dense, error) {
	out := map[string]*tensor.Dense{}
	for name, t := range f.Tensors {
		if strings.HasPrefix(name, "param/") || strings.HasPrefix(name, "bn/") {
			continue
		}
		if err := f.finite(name, t); err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

// tensor returns the named tensor after checking its dtype, shape and values.
func (f *File) tensor(name string, dt tensor.Dtype, shape tensor.Shape) (*tensor.Dense, error) {
	t := f.Tensors[name]
	if t == nil {
		return nil, errors.Errorf("checkpoint %s has no tensor %s", f.Path, name)
	}
	if t.Dtype() != dt || !slices.Equal(t.Shape(), shape) {
		return nil, errors.Errorf("checkpoint %s: %s is %v %v, the model needs %v %v", f.Path, name, t.Dtype(), t.Shape(), dt, shape)
	}
	return t, f.finite(name, t)
}

func (f *File) finite(name string, t *tensor.Dense) error {
	bad := -1
	switch d := t.Data().(type) {
	case []float32:
		for i, v := range d {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				bad = i
				break
			}
		}
	case []float64:
		for i, v := range d {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				bad = i
				break
			}
		}
	}
	if bad >= 0 {
		return errors.Errorf("checkpoint %s: %s holds a NaN or infinite value (element %d)", f.Path, name, bad)
	}
	return nil
}

// Digest is the SHA-256 of m's weights and BatchNorm statistics, in the order the model
// creates them: two runs that end with the same digest ended with the same bits.
func Digest(m *zoo.Model) string {
	h := sha256.New()
	for _, p := range m.Scope.Params() {
		binary.Write(h, binary.LittleEndian, p.Node.Value().Data())
	}
	for _, bn := range m.Scope.BatchNorms() {
		mean, vari := bn.Stats()
		binary.Write(h, binary.LittleEndian, mean)
		binary.Write(h, binary.LittleEndian, vari)
	}
	return hex.EncodeToString(h.Sum(nil))
}
