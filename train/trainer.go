// Package train fits, evaluates, checkpoints and resumes any zoo model on Gorgonia's symbolic
// differentiation and tape machine.
package train

import (
	"math"
	"os"
	"path/filepath"

	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/zoo"
	"github.com/pkg/errors"
)

// ErrInterrupted is returned by Fit when its context is cancelled; the run directory then
// holds a checkpoint to resume from.
var ErrInterrupted = errors.New("train: interrupted; a checkpoint was saved, resume to continue")

// Trainer owns what is compiled once: a training graph per batch size (the full batch and a
// last partial one) and an inference graph per batch size, all sharing one set of weights and
// BatchNorm statistics, and the optimizer.
type Trainer struct {
	cfg   Config
	spec  zoo.Spec
	main  *net
	train map[int]*net
	eval  map[int]*net
	adam  *Adam
	state State
}

// New builds the model of cfg for training.
func New(cfg Config) (*Trainer, error) {
	cfg, spec, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	t := &Trainer{cfg: cfg, spec: spec, train: map[int]*net{}, eval: map[int]*net{}, adam: NewAdam(cfg.LR)}
	if t.main, err = buildNet(spec, cfg.Variant, cfg.Batch, cfg.Seed, nil, true, cfg.L2); err != nil {
		return nil, err
	}
	t.train[cfg.Batch] = t.main
	t.state = State{Protocol: cfg.Protocol, Seed: cfg.Seed, Batch: cfg.Batch, LR: cfg.LR,
		PlateauBest: math.MaxFloat64, StopBest: math.MaxFloat64, BestVal: math.MaxFloat64}
	return t, nil
}

// Model is the training model (its weights are the run's weights).
func (t *Trainer) Model() *zoo.Model { return t.main.model }

// Config is the configuration with defaults filled in.
func (t *Trainer) Config() Config { return t.cfg }

// State is the training progress so far.
func (t *Trainer) State() State { return t.state }

// Close releases the compiled machines.
func (t *Trainer) Close() {
	for _, n := range t.train {
		n.close()
	}
	for _, n := range t.eval {
		n.close()
	}
}

// CheckpointPath is the latest checkpoint of the run; BestPath the best by validation loss.
func (t *Trainer) CheckpointPath() string { return filepath.Join(t.cfg.Out, "checkpoint.safetensors") }
func (t *Trainer) BestPath() string       { return filepath.Join(t.cfg.Out, "best.safetensors") }

// HasCheckpoint reports whether the run directory already holds a checkpoint.
func (t *Trainer) HasCheckpoint() bool { return exists(t.CheckpointPath()) }

// Start makes the run directory of a new run and records in command.txt the command that
// started it, so that every result can say how it was made.
func (t *Trainer) Start(command string) error {
	if err := os.MkdirAll(t.cfg.Out, 0o755); err != nil {
		return errors.Wrap(err, "train")
	}
	return writeFileAtomic(filepath.Join(t.cfg.Out, "command.txt"), []byte(command+"\n"))
}

// Resume loads the run directory's checkpoint, refusing one written with another protocol,
// seed or batch size (which would not continue the same run).
func (t *Trainer) Resume() error {
	st, err := loadCheckpoint(t.CheckpointPath(), t.main.model, t.adam)
	if err != nil {
		return err
	}
	if st.Protocol != t.cfg.Protocol || st.Seed != t.cfg.Seed || st.Batch != t.cfg.Batch {
		return errors.Errorf("train: checkpoint %s was written with protocol %s, seed %d, batch %d; this run has %s, %d, %d",
			t.CheckpointPath(), st.Protocol, st.Seed, st.Batch, t.cfg.Protocol, t.cfg.Seed, t.cfg.Batch)
	}
	t.state = st
	return nil
}

// net returns the compiled graph for batch images, building it on first use.
func (t *Trainer) net(batch int, training bool) (*net, error) {
	cache := t.eval
	if training {
		cache = t.train
	}
	if n, ok := cache[batch]; ok {
		return n, nil
	}
	n, err := buildNet(t.spec, t.cfg.Variant, batch, t.cfg.Seed, t.main, training, t.cfg.L2)
	if err != nil {
		return nil, err
	}
	cache[batch] = n
	return n, nil
}

// step trains on images idx of set and returns the batch's mean cross-entropy and the
// number it classified correctly.
func (t *Trainer) step(set *datasets.Set, idx []int, aug augmenter) (float64, int, error) {
	n, err := t.net(len(idx), true)
	if err != nil {
		return 0, 0, err
	}
	if err := n.run(set, idx, aug); err != nil {
		return 0, 0, err
	}
	loss := n.crossEntropy()
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, 0, nil
	}
	correct := n.score(nil, len(idx))
	params := t.main.model.Scope.Params()
	names := make([]string, len(params))
	weights := make([]*tensor.Dense, len(params))
	grads := make([]*tensor.Dense, len(params))
	for i, p := range params {
		names[i], weights[i] = p.Name, p.Node.Value().(*tensor.Dense)
		grads[i] = n.grads[i].Value().(*tensor.Dense)
	}
	return loss, correct, t.adam.Update(names, weights, grads)
}

// Evaluate runs the inference graphs over set (every image, the last batch partial) with the
// current weights and BatchNorm running statistics.
func (t *Trainer) Evaluate(set *datasets.Set) (Metrics, error) {
	return evaluate(set, t.cfg.EvalBatch, t.spec.Classes, func(batch int) (*net, error) { return t.net(batch, false) })
}

// evaluate scores set, batch images at a time (the last batch may be smaller), with the net
// that netFor returns for each batch size.
func evaluate(set *datasets.Set, batch, classes int, netFor func(batch int) (*net, error)) (Metrics, error) {
	tl := newTally(classes)
	for _, idx := range datasets.Batches(set.N, batch, false, 0, 0) {
		n, err := netFor(len(idx))
		if err != nil {
			return Metrics{}, err
		}
		if err := n.run(set, idx, augmenter{}); err != nil {
			return Metrics{}, err
		}
		n.score(tl, len(idx))
	}
	return tl.metrics(), nil
}

// exists reports whether path is a file.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
