package train

import (
	"github.com/pkg/errors"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/zoo"
)

// CheckpointModel returns the model and variant a checkpoint records.
func CheckpointModel(path string) (zoo.Spec, light.Variant, error) {
	_, meta, err := readSafetensors(path)
	if err != nil {
		return zoo.Spec{}, nil, err
	}
	v, err := variantFromMeta(meta)
	if err != nil {
		return zoo.Spec{}, nil, errors.Wrapf(err, "checkpoint %s", path)
	}
	spec, err := zoo.Get(meta["model"])
	if err != nil {
		return zoo.Spec{}, nil, errors.Wrapf(err, "checkpoint %s", path)
	}
	return spec, v, nil
}

// EvaluateCheckpoint evaluates the checkpoint at path on set, batch images at a time. With
// batchStats, BatchNorm normalizes every batch with that batch's own statistics instead of
// the running ones: a diagnostic of how much a model's test error comes from running
// statistics that lag behind its weights.
func EvaluateCheckpoint(path string, set *datasets.Set, batch int, batchStats bool) (Metrics, error) {
	if batch <= 0 {
		return Metrics{}, errors.Errorf("train: batch size %d; use a positive one", batch)
	}
	spec, v, err := CheckpointModel(path)
	if err != nil {
		return Metrics{}, err
	}
	if set.C != spec.Input[0] || set.H != spec.Input[1] || set.W != spec.Input[2] {
		return Metrics{}, errors.Errorf("train: the images are %dx%dx%d; checkpoint %s is a %s model, which needs %v", set.C, set.H, set.W, path, spec.Name, spec.Input)
	}
	nets := map[int]*net{} // the full batch and a last partial one
	defer func() {
		for _, n := range nets {
			n.close()
		}
	}()
	return evaluate(set, batch, spec.Classes, func(size int) (*net, error) {
		if n, ok := nets[size]; ok {
			return n, nil
		}
		m, err := zoo.New(spec, v, zoo.Config{Batch: size, Inference: !batchStats})
		if err != nil {
			return nil, err
		}
		if _, err := loadCheckpoint(path, m, nil); err != nil {
			return nil, err
		}
		n, err := compile(m, nil)
		if err != nil {
			return nil, err
		}
		nets[size] = n
		return n, nil
	})
}
