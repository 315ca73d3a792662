package train

import (
	"math/rand/v2"
	"os"
	"sort"
	"time"

	"github.com/pkg/errors"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/zoo"
)

// Speed is a throughput measurement.
type Speed struct {
	TrainImagesPerSecond float64 `json:"train_images_per_second"`
	InferImagesPerSecond float64 `json:"infer_images_per_second"`
}

// MeasureSpeed times full training steps (forward, backward, Adam) at batch trainBatch and
// inference at batch inferBatch on random images, after warmup untimed repetitions, and
// returns the medians of reps repetitions. afterTrain, when not nil, runs between the two
// (before the inference graph exists), for example to read the training's peak memory.
func MeasureSpeed(model string, v light.Variant, trainBatch, inferBatch, warmup, reps int, afterTrain func()) (Speed, error) {
	r, err := newRig(model, v, trainBatch, inferBatch, warmup, reps)
	if err != nil {
		return Speed{}, err
	}
	defer r.close()
	trainTime, err := median(warmup, reps, r.step)
	if err != nil {
		return Speed{}, err
	}
	if afterTrain != nil {
		afterTrain()
	}
	inferTime, err := median(warmup, reps, r.infer)
	if err != nil {
		return Speed{}, err
	}
	return Speed{float64(trainBatch) / trainTime.Seconds(), float64(inferBatch) / inferTime.Seconds()}, nil
}

// Profile is where the time of reps repetitions of a training step or an inference batch
// went: in all, and in each of lightzoo's ops (sums over the repetitions). The rest is
// Gorgonia's own ops, its tape and, in training, Adam.
type Profile struct {
	Reps  int
	Total time.Duration
	Ops   []light.OpTime
}

// ProfileSpeed is MeasureSpeed with every op timed (light.StartOpProfile), the
// repetitions' times summed instead of their median taken.
func ProfileSpeed(model string, v light.Variant, trainBatch, inferBatch, warmup, reps int) (trainP, inferP Profile, err error) {
	r, err := newRig(model, v, trainBatch, inferBatch, warmup, reps)
	if err != nil {
		return Profile{}, Profile{}, err
	}
	defer r.close()
	if trainP, err = profiled(warmup, reps, r.step); err != nil {
		return Profile{}, Profile{}, err
	}
	inferP, err = profiled(warmup, reps, r.infer)
	return trainP, inferP, err
}

// rig is a trainer on random images, with a training step and an inference batch to time.
type rig struct {
	t           *Trainer
	dir         string
	step, infer func() error
}

func newRig(model string, v light.Variant, trainBatch, inferBatch, warmup, reps int) (*rig, error) {
	if reps < 1 || warmup < 0 || trainBatch < 1 || inferBatch < 1 {
		return nil, errors.Errorf("train: %d repetitions, %d warm-up, batches %d and %d; want at least 1 repetition and batches of at least 1", reps, warmup, trainBatch, inferBatch)
	}
	dir, err := os.MkdirTemp("", "lightzoo-speed-")
	if err != nil {
		return nil, err
	}
	t, err := New(Config{Model: model, Variant: v, Batch: trainBatch, EvalBatch: inferBatch, Out: dir})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	set := randomSet(t.spec, max(trainBatch, inferBatch))
	images := make([]float32, inferBatch*set.ImageSize())
	set.Fill(seq(inferBatch), images, make([]int, inferBatch), nil)
	return &rig{t: t, dir: dir,
		step: func() error {
			_, _, err := t.step(set, seq(trainBatch), augmenter{})
			return err
		},
		infer: func() error {
			_, err := t.eval.Logits(images, inferBatch)
			return err
		},
	}, nil
}

func (r *rig) close() {
	r.t.Close()
	os.RemoveAll(r.dir)
}

// profiled runs f warmup times, then reps times with every op timed.
func profiled(warmup, reps int, f func() error) (Profile, error) {
	if err := repeat(warmup, f); err != nil {
		return Profile{}, err
	}
	light.StartOpProfile()
	start := time.Now()
	err := repeat(reps, f)
	p := Profile{Reps: reps, Total: time.Since(start), Ops: light.StopOpProfile()}
	return p, err
}

func repeat(n int, f func() error) error {
	for range n {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

func median(warmup, reps int, f func() error) (time.Duration, error) {
	if err := repeat(warmup, f); err != nil {
		return 0, err
	}
	times := make([]time.Duration, reps)
	for i := range times {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		times[i] = time.Since(start)
	}
	sort.Slice(times, func(a, b int) bool { return times[a] < times[b] })
	return times[reps/2], nil
}

func randomSet(spec zoo.Spec, n int) *datasets.Set {
	c, h, w := spec.Input[0], spec.Input[1], spec.Input[2]
	s := &datasets.Set{Images: make([]byte, n*c*h*w), Labels: make([]uint8, n), N: n, C: c, H: h, W: w}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range s.Images {
		s.Images[i] = byte(rng.IntN(256))
	}
	for i := range s.Labels {
		s.Labels[i] = uint8(rng.IntN(spec.Classes))
	}
	return s
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
