package train

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/infer"
	"github.com/lightzoo/lightzoo/train/checkpoint"
	"github.com/pkg/errors"
)

// Result is the summary of a finished run.
type Result struct {
	Model    string `json:"model"`
	Variant  string `json:"variant"` // the variant's Name: conv2d, light3, ...
	Protocol string `json:"protocol"`
	Schedule string `json:"schedule"`
	Init     string `json:"init,omitempty"` // the checkpoint the weights started from
	// Teacher is the checkpoint distilled from, with the teacher's share of the loss and the
	// temperature.
	Teacher      string  `json:"teacher,omitempty"`
	Distill      float64 `json:"distill,omitempty"`
	Temperature  float64 `json:"temperature,omitempty"`
	Seed         uint64  `json:"seed"`
	Epochs       int     `json:"epochs"`
	StoppedEarly bool    `json:"stopped_early"`
	Trainable    int     `json:"trainable"`
	Total        int     `json:"total"`
	FLOPs        int64   `json:"flops_per_image"`
	TestAccuracy float64 `json:"test_accuracy"`
	// TestAccuracyBatchStats is the test accuracy with BatchNorm on each test batch's own
	// statistics (batches of EvalBatch): the gap to TestAccuracy is what the running
	// statistics' lag behind the weights costs.
	TestAccuracyBatchStats float64       `json:"test_accuracy_batch_stats"`
	TestLoss               float64       `json:"test_loss"`  // cross-entropy
	L2Penalty              float64       `json:"l2_penalty"` // of the evaluated weights; Keras' loss is TestLoss + L2Penalty
	TrainImages            int           `json:"train_images"`
	TestImages             int           `json:"test_images"`
	SecondsPerEpoch        float64       `json:"seconds_per_epoch"`
	TrainImagesPerSecond   float64       `json:"train_images_per_second"`
	Test                   infer.Metrics `json:"test"`
	History                []EpochLog    `json:"history"`
	// DataVerified says whether every data file matched its official digest; Unverified
	// lists those that did not.
	DataVerified bool     `json:"data_verified"`
	Unverified   []string `json:"data_files_unverified,omitempty"`
	// WeightsDigest is checkpoint.Digest of the evaluated weights: equal digests, equal bits.
	WeightsDigest string `json:"weights_sha256"`
	// Command is the command that started the run (command.txt), to make it again.
	Command string `json:"command"`
	Build   Build  `json:"build"`
}

// splits returns the training, validation and test sets of the protocol.
func (t *Trainer) splits(d *datasets.Dataset) (train, val, test *datasets.Set, err error) {
	if t.cfg.Protocol == Paper {
		return d.Train, d.Test, d.Test, nil
	}
	train, val, err = d.Train.Split(t.cfg.Holdout, t.cfg.Seed)
	return train, val, d.Test, err
}

// Fit trains until the configured epochs or early stopping, saving a checkpoint after every
// epoch (and when ctx is cancelled, returning ErrInterrupted), then evaluates on the test set:
// the last weights (Paper) or the best by validation loss (Clean). Call Resume first to
// continue an interrupted run.
func (t *Trainer) Fit(ctx context.Context, d *datasets.Dataset) (*Result, error) {
	if err := os.MkdirAll(t.cfg.Out, 0o755); err != nil {
		return nil, errors.Wrap(err, "train")
	}
	if err := t.CheckData(d); err != nil {
		return nil, err
	}
	train, val, test, err := t.splits(d)
	if err != nil {
		return nil, err
	}
	t.data, t.trainImages = d, train.N
	for t.state.Epoch < t.cfg.Epochs && !t.state.Stopped {
		if err := t.runEpoch(ctx, train); err != nil {
			return nil, err
		}
		if err := t.endEpoch(val); err != nil {
			return nil, err
		}
	}
	return t.finish(test)
}

// CheckData refuses a data set whose splits do not fit the model (image shape, label range),
// an empty split, a training split smaller than one batch, and a resume point past the
// epoch's end. Fit checks the same; calling it first finds bad data before any other work.
func (t *Trainer) CheckData(d *datasets.Dataset) error {
	train, val, test, err := t.splits(d)
	if err != nil {
		return err
	}
	name, in := d.Name, t.spec.Input
	for _, s := range []struct {
		what string
		set  *datasets.Set
	}{{"training", train}, {"validation", val}, {"test", test}} {
		switch {
		case s.set.N == 0:
			return errors.Errorf("train: the %s split of %s has no images", s.what, name)
		case s.set.C != in[0] || s.set.H != in[1] || s.set.W != in[2]:
			return errors.Errorf("train: the %s split of %s has %dx%dx%d images; model %s needs %dx%dx%d", s.what, name, s.set.C, s.set.H, s.set.W, t.spec.Name, in[0], in[1], in[2])
		}
		if bad := s.set.BadLabel(t.spec.Classes); bad >= 0 {
			return errors.Errorf("train: image %d of the %s split of %s has label %d; model %s has %d classes", bad, s.what, name, s.set.Labels[bad], t.spec.Name, t.spec.Classes)
		}
	}
	if t.cfg.Batch > train.N {
		return errors.Errorf("train: batch %d is larger than the %d training images of %s; use a batch of at most %d", t.cfg.Batch, train.N, name, train.N)
	}
	return t.state.checkNext(train, t.cfg.Batch)
}

// runEpoch trains over the batches of the current epoch from state.Next on.
func (t *Trainer) runEpoch(ctx context.Context, train *datasets.Set) error {
	st := &t.state
	batches := datasets.Batches(train.N, t.cfg.Batch, t.cfg.Protocol == Clean, t.cfg.Seed, st.Epoch)
	bar := newProgress(t.cfg.Progress, fmt.Sprintf("epoch %d/%d", st.Epoch+1, t.cfg.Epochs), len(batches), st.Next)
	defer bar.done()
	start := time.Now()
	for b := st.Next; b < len(batches); b++ {
		if ctx.Err() != nil {
			st.Next, st.Seconds = b, st.Seconds+time.Since(start).Seconds()
			if err := t.save(t.CheckpointPath()); err != nil {
				return err
			}
			return ErrInterrupted
		}
		idx := batches[b]
		loss, correct, err := t.step(train, idx, augmenter{on: t.cfg.Augment, seed: t.cfg.Seed, epoch: st.Epoch, batch: b})
		if err != nil {
			return errors.Wrapf(err, "train: epoch %d, batch %d", st.Epoch+1, b+1)
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return t.diverged(loss, b)
		}
		st.LossSum += loss * float64(len(idx))
		st.Correct += correct
		st.Seen += len(idx)
		bar.set(b+1, st.LossSum/float64(st.Seen))
		if t.cfg.AfterBatch != nil {
			t.cfg.AfterBatch(st.Epoch, b, loss)
		}
	}
	st.Seconds += time.Since(start).Seconds()
	return nil
}

// diverged is the error of a loss that became NaN or infinite at batch b: the weights were
// not updated, and the last checkpoint, if there is one, is the last good state.
func (t *Trainer) diverged(loss float64, b int) error {
	where := "no checkpoint was written yet"
	if t.HasCheckpoint() {
		where = t.CheckpointPath() + " holds the last good checkpoint"
	}
	return errors.Errorf("train: the loss became %v at epoch %d, batch %d; the weights were not updated and %s (try a lower learning rate)",
		loss, t.state.Epoch+1, b+1, where)
}

// endEpoch validates, applies the learning-rate schedule and early stopping, logs, and saves.
func (t *Trainer) endEpoch(val *datasets.Set) error {
	st := &t.state
	vm, err := t.Evaluate(val)
	if err != nil {
		return err
	}
	log := EpochLog{Epoch: st.Epoch + 1, TrainLoss: st.LossSum / math.Max(float64(st.Seen), 1),
		TrainAccuracy: float64(st.Correct) / math.Max(float64(st.Seen), 1), ValLoss: vm.Loss, ValAccuracy: vm.Accuracy,
		L2: penalty(t.main.model, t.cfg.L2), LR: st.LR, Seconds: st.Seconds, ImagesPerSecond: float64(st.Seen) / st.Seconds}
	st.History = append(st.History, log)
	t.schedule(t.monitored(log))
	st.Epoch, st.Next, st.LossSum, st.Correct, st.Seen, st.Seconds = st.Epoch+1, 0, 0, 0, 0, 0
	if t.cfg.Log != nil {
		fmt.Fprintf(t.cfg.Log, "epoch %d/%d  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f  lr %.0e  %.1fs  %.0f img/s\n",
			log.Epoch, t.cfg.Epochs, log.TrainLoss, log.TrainAccuracy, log.ValLoss, log.ValAccuracy, log.LR, log.Seconds, log.ImagesPerSecond)
	}
	if t.cfg.Protocol == Clean && vm.Loss < st.BestVal {
		st.BestVal = vm.Loss
		if err := t.save(t.BestPath()); err != nil {
			return err
		}
	}
	if err := t.save(t.CheckpointPath()); err != nil {
		return err
	}
	return t.writeMetrics()
}

// monitored is the validation loss that the schedule watches: under the paper protocol the
// cross-entropy plus the L2 penalty, which is what the reference code's Keras callbacks see
// (Keras adds the regularization losses to val_loss); under the clean protocol the
// cross-entropy alone, the data term.
func (t *Trainer) monitored(log EpochLog) float64 {
	if t.cfg.Protocol == Paper {
		return log.ValLoss + log.L2
	}
	return log.ValLoss
}

// schedule applies the learning-rate schedule and early stopping to the validation loss.
func (t *Trainer) schedule(loss float64) {
	st := &t.state
	st.LR = t.sched.Next(loss, st.LR)
	t.opt.SetLR(st.LR)
	st.Stopped = t.stop.Stop(loss) && t.cfg.Schedule == Plateau
}

// writeMetrics rewrites metrics.jsonl, one JSON line per finished epoch.
func (t *Trainer) writeMetrics() error {
	var buf []byte
	for _, l := range t.state.History {
		line, err := MarshalJSON(l, false)
		if err != nil {
			return errors.Wrap(err, "train")
		}
		buf = append(append(buf, line...), '\n')
	}
	return checkpoint.WriteAtomic(filepath.Join(t.cfg.Out, "metrics.jsonl"), buf)
}

// evaluateBatchStats scores set with BatchNorm on each batch's statistics.
func (t *Trainer) evaluateBatchStats(set *datasets.Set) (infer.Metrics, error) {
	r, err := infer.New(t.main.model, infer.WithBatch(t.cfg.EvalBatch), infer.WithBatchStats())
	if err != nil {
		return infer.Metrics{}, err
	}
	defer r.Close()
	return r.Evaluate(set)
}

// command is the command that started the run, as command.txt records it.
func (t *Trainer) command() string {
	data, _ := os.ReadFile(filepath.Join(t.cfg.Out, "command.txt"))
	return strings.TrimSpace(string(data))
}

// finish evaluates on the test set and writes result.json.
func (t *Trainer) finish(test *datasets.Set) (*Result, error) {
	if t.cfg.Protocol == Clean && exists(t.BestPath()) {
		if _, err := t.load(t.BestPath(), false); err != nil {
			return nil, err
		}
	}
	tm, err := t.Evaluate(test)
	if err != nil {
		return nil, err
	}
	bs, err := t.evaluateBatchStats(test)
	if err != nil {
		return nil, err
	}
	m := t.main.model
	r := &Result{Model: t.spec.Name, Variant: m.Variant.Name(), Protocol: t.cfg.Protocol, Schedule: t.cfg.Schedule, Init: t.cfg.Init,
		Teacher: t.cfg.Teacher, Distill: t.cfg.Distill, Temperature: t.cfg.Temperature,
		Seed: t.cfg.Seed, Epochs: len(t.state.History), StoppedEarly: t.state.Stopped, Trainable: m.Trainable(),
		Total: m.Total(), FLOPs: m.FLOPs(), TestAccuracy: tm.Accuracy, TestAccuracyBatchStats: bs.Accuracy, TestLoss: tm.Loss, L2Penalty: penalty(m, t.cfg.L2), TestImages: tm.Images,
		Test: tm, History: t.state.History, Build: CurrentBuild(),
		DataVerified: t.data.Verified(), Unverified: t.data.Unverified(), WeightsDigest: checkpoint.Digest(m),
		TrainImages: t.trainImages, Command: t.command()}
	var secs float64
	var seen int
	for _, h := range r.History {
		secs += h.Seconds
		seen += int(h.ImagesPerSecond * h.Seconds)
	}
	if len(r.History) > 0 {
		r.SecondsPerEpoch = secs / float64(len(r.History))
		r.TrainImagesPerSecond = float64(seen) / secs
	}
	out, err := MarshalJSON(r, true)
	if err != nil {
		return nil, errors.Wrap(err, "train")
	}
	return r, checkpoint.WriteAtomic(filepath.Join(t.cfg.Out, "result.json"), append(out, '\n'))
}
