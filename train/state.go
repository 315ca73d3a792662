package train

import (
	"encoding/json"

	"github.com/pkg/errors"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/train/optim"
)

// State is the training progress a checkpoint records (as JSON in its metadata). The order of
// batches and augmentations depends only on the seed, epoch and batch, so no generator state
// needs saving.
type State struct {
	Protocol string  `json:"protocol"`
	Seed     uint64  `json:"seed"`
	Batch    int     `json:"batch_size"`
	Epoch    int     `json:"epoch"`      // epochs completed
	Next     int     `json:"next_batch"` // next batch of the current epoch (after an interrupt)
	LR       float64 `json:"lr"`
	Steps    int     `json:"optimizer_steps"`
	// Schedule is the learning-rate schedule's own JSON; Stop early stopping's counters.
	Schedule json.RawMessage `json:"schedule"`
	Stop     optim.EarlyStop `json:"early_stop"`
	Stopped  bool            `json:"stopped_early"`
	BestVal  float64         `json:"best_val_loss"` // Clean protocol: the loss of best.safetensors
	// Teacher is the weights digest of the model distilled from, with the teacher's share of
	// the loss and the temperature (empty without a teacher).
	Teacher     string  `json:"teacher_sha256,omitempty"`
	Distill     float64 `json:"distill,omitempty"`
	Temperature float64 `json:"temperature,omitempty"`
	// Sums over the current epoch so far.
	LossSum float64    `json:"epoch_loss_sum"`
	Correct int        `json:"epoch_correct"`
	Seen    int        `json:"epoch_seen"`
	Seconds float64    `json:"epoch_seconds"`
	History []EpochLog `json:"history"`
}

// EpochLog is one epoch's line of metrics.jsonl.
type EpochLog struct {
	Epoch         int     `json:"epoch"`
	TrainLoss     float64 `json:"train_loss"`
	TrainAccuracy float64 `json:"train_accuracy"`
	ValLoss       float64 `json:"val_loss"` // cross-entropy
	ValAccuracy   float64 `json:"val_accuracy"`
	// L2 is the weights' L2 penalty after the epoch (zero without weight decay); Keras' val_loss
	// is ValLoss + L2, and that is what the paper protocol's schedule watches.
	L2              float64 `json:"l2_penalty"`
	LR              float64 `json:"lr"`
	Seconds         float64 `json:"seconds"`
	ImagesPerSecond float64 `json:"images_per_second"`
}

// check refuses a state that cannot belong to a run of cfg: counters out of range, a history
// that does not match the epoch count, a learning rate that is not a positive number.
func (s State) check(cfg Config) error {
	switch {
	case s.Epoch < 0 || s.Epoch > cfg.Epochs:
		return errors.Errorf("the training state says %d epochs are done, of %d", s.Epoch, cfg.Epochs)
	case len(s.History) != s.Epoch:
		return errors.Errorf("the training state has %d epochs of history for %d epochs done", len(s.History), s.Epoch)
	case s.Next < 0 || s.Seen < 0 || s.Correct < 0 || s.Correct > s.Seen || s.Steps < 0:
		return errors.Errorf("the training state's counters are out of range (next batch %d, seen %d, correct %d, steps %d)", s.Next, s.Seen, s.Correct, s.Steps)
	case !(s.LR > 0) || s.LR > 1e6:
		return errors.Errorf("the training state's learning rate %g is not a positive number", s.LR)
	case len(s.Schedule) == 0:
		return errors.New("the training state has no schedule")
	}
	return nil
}

// checkNext refuses a next batch beyond the epoch's batches of train.
func (s State) checkNext(train *datasets.Set, batch int) error {
	if batches := (train.N + batch - 1) / batch; s.Next > batches {
		return errors.Errorf("train: the checkpoint resumes at batch %d of an epoch of %d batches; it belongs to another data set", s.Next+1, batches)
	}
	return nil
}
