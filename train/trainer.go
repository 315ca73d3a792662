// Package train fits, evaluates, checkpoints and resumes any zoo model on Gorgonia's symbolic
// differentiation and tape machine.
package train

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"

	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/infer"
	"github.com/lightzoo/lightzoo/train/checkpoint"
	"github.com/lightzoo/lightzoo/train/optim"
	"github.com/lightzoo/lightzoo/zoo"
	"github.com/pkg/errors"
)

// ErrInterrupted is returned by Fit when its context is cancelled; the run directory then
// holds a checkpoint to resume from.
var ErrInterrupted = errors.New("train: interrupted; a checkpoint was saved, resume to continue")

// Trainer owns what is compiled once: a training graph per batch size (the full batch and a
// last partial one) and a runner for evaluation, all sharing one set of weights and BatchNorm
// statistics, and the optimizer and schedules.
type Trainer struct {
	cfg   Config
	spec  zoo.Spec
	main  *net
	train map[int]*net
	eval  *infer.Runner
	opt   optim.Optimizer
	sched optim.Schedule
	stop  *optim.EarlyStop
	state State
	data  *datasets.Dataset // what Fit trains on
	// objective is the loss's terms beside the cross-entropy, shared by every training net.
	objective objective
	// trainImages is the size of the training split.
	trainImages int
}

// New builds the model of cfg for training.
func New(cfg Config) (*Trainer, error) {
	cfg, spec, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	t := &Trainer{cfg: cfg, spec: spec, train: map[int]*net{}, opt: optim.NewAdam(cfg.LR),
		sched: newSchedule(cfg), stop: optim.NewEarlyStop(cfg.StopPatience)}
	cfg.LR = t.sched.Begin(cfg.LR)
	t.opt.SetLR(cfg.LR)
	t.objective.l2 = cfg.L2
	if cfg.Teacher != "" {
		if t.objective.teacher, err = loadTeacher(cfg.Teacher, spec, cfg.Distill, cfg.Temperature, cfg.Batch); err != nil {
			return nil, err
		}
	}
	if t.main, err = buildNet(spec, cfg.Variant, cfg.Batch, cfg.Seed, nil, t.objective); err != nil {
		return nil, err
	}
	t.train[cfg.Batch] = t.main
	if t.eval, err = infer.New(t.main.model, infer.WithBatch(cfg.EvalBatch)); err != nil {
		return nil, err
	}
	if cfg.Init != "" {
		if err := t.initFrom(cfg.Init); err != nil {
			return nil, err
		}
	}
	t.state = State{Protocol: cfg.Protocol, Seed: cfg.Seed, Batch: cfg.Batch, LR: cfg.LR, BestVal: math.MaxFloat64}
	if tc := t.objective.teacher; tc != nil {
		t.state.Teacher, t.state.Distill, t.state.Temperature = checkpoint.Digest(tc.runner.Model()), tc.weight, tc.temp
	}
	return t, nil
}

// newSchedule is the schedule cfg names. Cosine and one-cycle run every epoch: early
// stopping would cut their annealing short, so they switch it off.
func newSchedule(cfg Config) optim.Schedule {
	switch cfg.Schedule {
	case Cosine:
		return &optim.Cosine{Epochs: cfg.Epochs}
	case OneCycle:
		return &optim.OneCycle{Epochs: cfg.Epochs}
	}
	return optim.NewPlateau(cfg.PlateauFactor, cfg.PlateauPatience)
}

// initFrom loads the weights and statistics of the checkpoint at path into the model.
func (t *Trainer) initFrom(path string) error {
	f, err := checkpoint.Open(path)
	if err != nil {
		return err
	}
	return errors.Wrap(f.LoadInto(t.main.model), "train: Init")
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
	t.eval.Close()
	if t.objective.teacher != nil {
		t.objective.teacher.runner.Close()
	}
}

// CheckpointPath is the latest checkpoint of the run; BestPath the best by validation loss.
func (t *Trainer) CheckpointPath() string { return filepath.Join(t.cfg.Out, "checkpoint.safetensors") }
func (t *Trainer) BestPath() string       { return filepath.Join(t.cfg.Out, "best.safetensors") }

// HasCheckpoint reports whether the run directory already holds a checkpoint.
func (t *Trainer) HasCheckpoint() bool { return exists(t.CheckpointPath()) }

// runFiles are the files a run writes into its directory.
var runFiles = []string{"checkpoint.safetensors", "best.safetensors", "metrics.jsonl", "result.json", "command.txt"}

// ErrRunExists is returned by Start when the run directory holds another run's files.
var ErrRunExists = errors.New("train: the run directory holds another run's files")

// Start makes the run directory of a new run and records in command.txt the command that
// started it, so that every result can say how it was made. A directory that holds another
// run's files is refused with ErrRunExists, unless overwrite is set: then those files are
// removed first. Temporary files that a crash left are removed either way.
func (t *Trainer) Start(command string, overwrite bool) error {
	if err := os.MkdirAll(t.cfg.Out, 0o755); err != nil {
		return errors.Wrap(err, "train")
	}
	if err := checkpoint.RemoveStale(t.cfg.Out); err != nil {
		return err
	}
	for _, f := range runFiles {
		path := filepath.Join(t.cfg.Out, f)
		if !exists(path) {
			continue
		}
		if !overwrite {
			return errors.Wrapf(ErrRunExists, "%s", path)
		}
		if err := os.Remove(path); err != nil {
			return errors.Wrap(err, "train")
		}
	}
	return checkpoint.WriteAtomic(filepath.Join(t.cfg.Out, "command.txt"), []byte(command+"\n"))
}

// Continue is what a sweep does with a run directory that has no result: resume from its
// checkpoint if there is one, else start afresh (whatever is there never finished an epoch).
func (t *Trainer) Continue(command string) error {
	if t.HasCheckpoint() {
		return t.Resume()
	}
	return t.Start(command, true)
}

// Resume loads the run directory's checkpoint, refusing one written with another protocol,
// seed or batch size (which would not continue the same run).
func (t *Trainer) Resume() error {
	if err := checkpoint.RemoveStale(t.cfg.Out); err != nil {
		return err
	}
	if err := checkpoint.WriteAtomic(filepath.Join(t.cfg.Out, ".write-test"), nil); err != nil {
		return errors.Wrapf(err, "train: the run directory %s cannot be written", t.cfg.Out)
	}
	os.Remove(filepath.Join(t.cfg.Out, ".write-test"))
	st, err := t.load(t.CheckpointPath(), true)
	if err != nil {
		return err
	}
	if st.Protocol != t.cfg.Protocol || st.Seed != t.cfg.Seed || st.Batch != t.cfg.Batch {
		return errors.Errorf("train: checkpoint %s was written with protocol %s, seed %d, batch %d; this run has %s, %d, %d",
			t.CheckpointPath(), st.Protocol, st.Seed, st.Batch, t.cfg.Protocol, t.cfg.Seed, t.cfg.Batch)
	}
	if st.Teacher != t.state.Teacher || st.Distill != t.state.Distill || st.Temperature != t.state.Temperature {
		return errors.Errorf("train: checkpoint %s was written distilling from weights %s (share %g, temperature %g); this run has %s (%g, %g): resume with the same -teacher, -distill and -temperature",
			t.CheckpointPath(), orNone(st.Teacher), st.Distill, st.Temperature, orNone(t.state.Teacher), t.state.Distill, t.state.Temperature)
	}
	t.state = st
	return nil
}

// load reads a checkpoint into the model and, with all set, the optimizer and schedules, and
// returns its training state.
func (t *Trainer) load(path string, all bool) (State, error) {
	var st State
	f, err := checkpoint.Open(path)
	if err != nil {
		return st, err
	}
	if err := f.LoadInto(t.main.model); err != nil {
		return st, err
	}
	if !all {
		return st, nil
	}
	if err := json.Unmarshal(f.State, &st); err != nil {
		return st, errors.Errorf("train: checkpoint %s: the training state is unreadable: %v", path, err)
	}
	if err := st.check(t.cfg); err != nil {
		return st, errors.Wrapf(err, "train: checkpoint %s", path)
	}
	moments, err := f.Optimizer()
	if err != nil {
		return st, err
	}
	if err := t.opt.Restore(moments, st.Steps, t.params()); err != nil {
		return st, errors.Wrapf(err, "train: checkpoint %s", path)
	}
	t.opt.SetLR(st.LR)
	if err := json.Unmarshal(st.Schedule, t.sched); err != nil {
		return st, errors.Errorf("train: checkpoint %s: the schedule's state is unreadable: %v", path, err)
	}
	*t.stop = st.Stop
	return st, nil
}

// save writes the model, optimizer, schedules and state to path.
func (t *Trainer) save(path string) error {
	st := t.state
	moments, steps := t.opt.State()
	st.Steps, st.Stop = steps, *t.stop
	var err error
	if st.Schedule, err = json.Marshal(t.sched); err != nil {
		return errors.Wrap(err, "train")
	}
	state, err := json.Marshal(st)
	if err != nil {
		return errors.Wrap(err, "train")
	}
	return checkpoint.Save(path, t.main.model, moments, state)
}

// net returns the training graph for batch images, building it on first use.
func (t *Trainer) net(batch int) (*net, error) {
	if n, ok := t.train[batch]; ok {
		return n, nil
	}
	n, err := buildNet(t.spec, t.cfg.Variant, batch, t.cfg.Seed, t.main, t.objective)
	if err != nil {
		return nil, err
	}
	t.train[batch] = n
	return n, nil
}

// params are the model's parameters as the optimizer sees them.
func (t *Trainer) params() []optim.Param {
	ps := t.main.model.Scope.Params()
	out := make([]optim.Param, len(ps))
	for i, p := range ps {
		out[i] = optim.Param{Name: p.Name, Value: p.Node.Value().(*tensor.Dense)}
	}
	return out
}

// step trains on images idx of set and returns the batch's mean cross-entropy and the
// number it classified correctly.
func (t *Trainer) step(set *datasets.Set, idx []int, aug augmenter) (float64, int, error) {
	n, err := t.net(len(idx))
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
	grads := make([]*tensor.Dense, len(n.grads))
	for i, g := range n.grads {
		grads[i] = g.Value().(*tensor.Dense)
	}
	correct := n.correct(len(idx))
	return loss, correct, t.opt.Update(t.params(), grads)
}

// Evaluate scores set (every image, the last batch partial) with the current weights and
// BatchNorm running statistics.
func (t *Trainer) Evaluate(set *datasets.Set) (infer.Metrics, error) { return t.eval.Evaluate(set) }

// orNone is a digest's first 16 digits, or "none".
func orNone(digest string) string {
	if digest == "" {
		return "none"
	}
	return digest[:min(16, len(digest))]
}

// exists reports whether path is a file.
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
