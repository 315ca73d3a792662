// Package infer runs zoo models for inference: a Runner takes a built model or a checkpoint,
// and turns batches of images into logits, probabilities and top-k classes, or scores a data
// set. Training's evaluation, examples/evaluate and examples/predict all go through it.
package infer

import (
	"math"
	"sort"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pkg/errors"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/train/checkpoint"
	"github.com/lightzoo/lightzoo/zoo"
)

// Runner evaluates one model's weights at any batch size: it compiles, on first use, an
// inference graph per batch size that shares the weights and BatchNorm statistics of the
// model it was made from (so it sees that model's training as it happens).
type Runner struct {
	base       *zoo.Model
	batch      int
	batchStats bool
	// recalibrate builds the graphs with zoo.Config.Recalibrate (see Recalibrate).
	recalibrate bool
	nets        map[int]*net
}

// Option configures a Runner.
type Option func(*Runner)

// WithBatch sets the largest batch run at once (default 128).
func WithBatch(n int) Option { return func(r *Runner) { r.batch = n } }

// WithBatchStats normalizes each batch with its own BatchNorm statistics instead of the
// running ones: a diagnostic of how much a model's error comes from running statistics that
// lag behind its weights.
func WithBatchStats() Option { return func(r *Runner) { r.batchStats = true } }

// New returns a runner over m's weights. m itself is not run (it may be a training graph).
func New(m *zoo.Model, opts ...Option) (*Runner, error) {
	r := &Runner{base: m, batch: 128, nets: map[int]*net{}}
	for _, o := range opts {
		o(r)
	}
	if r.batch <= 0 {
		return nil, errors.Errorf("infer: batch size %d; use a batch of at least 1", r.batch)
	}
	return r, nil
}

// Load returns a runner over the checkpoint at path.
func Load(path string, opts ...Option) (*Runner, error) {
	f, err := checkpoint.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := f.Build(zoo.Config{Batch: 1, Inference: true})
	if err != nil {
		return nil, err
	}
	return New(m, opts...)
}

// Model is the model whose weights the runner uses.
func (r *Runner) Model() *zoo.Model { return r.base }

// Close releases the compiled graphs.
func (r *Runner) Close() {
	for _, n := range r.nets {
		n.vm.Close()
	}
	r.nets = map[int]*net{}
}

// Logits returns the logits (n x classes) of n images laid out NCHW in images, as float32
// values in [0, 1] of the model's input shape.
func (r *Runner) Logits(images []float32, n int) ([]float32, error) {
	size := r.imageSize()
	if n < 0 || len(images) != n*size {
		return nil, errors.Errorf("infer: %d values for %d images; a %s image has %d values (%v)", len(images), n, r.base.Spec.Name, size, r.base.Spec.Input)
	}
	classes := r.base.Spec.Classes
	out := make([]float32, 0, n*classes)
	for lo := 0; lo < n; lo += r.batch {
		hi := min(n, lo+r.batch)
		logits, err := r.run(hi-lo, func(x []float32) { copy(x, images[lo*size:hi*size]) })
		if err != nil {
			return nil, err
		}
		out = append(out, logits...)
	}
	return out, nil
}

// Prediction is one image's class probabilities and its k most probable classes, best first.
type Prediction struct {
	Probs []float64
	Top   []int
}

// Predict returns the softmax probabilities and top k classes of each of n images.
func (r *Runner) Predict(images []float32, n, k int) ([]Prediction, error) {
	if k <= 0 {
		return nil, errors.Errorf("infer: top %d; ask for at least 1 class", k)
	}
	logits, err := r.Logits(images, n)
	if err != nil {
		return nil, err
	}
	classes := r.base.Spec.Classes
	out := make([]Prediction, n)
	for i := range out {
		p := Softmax(logits[i*classes : (i+1)*classes])
		out[i] = Prediction{Probs: p, Top: topK(p, k)}
	}
	return out, nil
}

// Evaluate scores every image of set, the runner's batch at a time.
func (r *Runner) Evaluate(set *datasets.Set) (Metrics, error) {
	if err := r.check(set); err != nil {
		return Metrics{}, err
	}
	t := NewTally(r.base.Spec.Classes)
	classes := r.base.Spec.Classes
	for _, idx := range datasets.Batches(set.N, r.batch, false, 0, 0) {
		labels := make([]int, len(idx))
		logits, err := r.run(len(idx), func(x []float32) { set.Fill(idx, x, labels, nil) })
		if err != nil {
			return Metrics{}, err
		}
		for i, l := range labels {
			t.AddLogits(logits[i*classes:(i+1)*classes], l)
		}
	}
	return t.Metrics(), nil
}

// check says whether the model can run set's images and labels.
func (r *Runner) check(set *datasets.Set) error {
	in := r.base.Spec.Input
	if set.C != in[0] || set.H != in[1] || set.W != in[2] {
		return errors.Errorf("infer: the images are %dx%dx%d; a %s model needs %dx%dx%d", set.C, set.H, set.W, r.base.Spec.Name, in[0], in[1], in[2])
	}
	if bad := set.BadLabel(r.base.Spec.Classes); bad >= 0 {
		return errors.Errorf("infer: image %d has label %d; a %s model has %d classes", bad, set.Labels[bad], r.base.Spec.Name, r.base.Spec.Classes)
	}
	return nil
}

// Recalibrate sets m's BatchNorm running statistics to the average of the batch statistics
// of set's images, batch images at a time (a last partial batch is left out when there is a
// full one): weights changed since the statistics were gathered, by a compression for
// instance, get statistics that match them (as PyTorch's torch.optim.swa_utils.update_bn).
// Use training images: the statistics are part of the model.
func Recalibrate(m *zoo.Model, set *datasets.Set, batch int) error {
	r, err := New(m, WithBatch(batch))
	if err != nil {
		return err
	}
	defer r.Close()
	r.recalibrate = true
	if err := r.check(set); err != nil {
		return err
	}
	if set.N == 0 {
		return errors.New("infer: no images to recalibrate BatchNorm with")
	}
	batches := datasets.Batches(set.N, batch, false, 0, 0)
	if len(batches) > 1 && len(batches[len(batches)-1]) < batch {
		batches = batches[:len(batches)-1]
	}
	for _, idx := range batches {
		if _, err := r.run(len(idx), func(x []float32) { set.Fill(idx, x, make([]int, len(idx)), nil) }); err != nil {
			return err
		}
	}
	return nil
}

// net is the model compiled for one batch size.
type net struct {
	model *zoo.Model
	x     *tensor.Dense
	vm    G.VM
}

// run fills the input of the batch-n graph with fill, runs it and returns its logits.
func (r *Runner) run(n int, fill func(x []float32)) (logits []float32, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errors.Errorf("infer: gorgonia panicked while running %s %s: %v", r.base.Spec.Name, r.base.Variant.Name(), p)
		}
	}()
	nt, err := r.net(n)
	if err != nil {
		return nil, err
	}
	fill(nt.x.Data().([]float32))
	nt.vm.Reset()
	if err := nt.vm.RunAll(); err != nil {
		return nil, errors.Wrap(err, "infer")
	}
	return nt.model.Logits.Value().Data().([]float32), nil
}

func (r *Runner) net(n int) (*net, error) {
	if nt, ok := r.nets[n]; ok {
		return nt, nil
	}
	m, err := zoo.New(r.base.Spec, r.base.Variant, zoo.Config{Batch: n, Share: r.base, Inference: true, BatchStats: r.batchStats, Recalibrate: r.recalibrate})
	if err == nil {
		err = m.CheckMemory(n, false)
	}
	if err != nil {
		return nil, errors.Wrap(err, "infer")
	}
	nt := &net{model: m, x: tensor.New(tensor.WithShape(m.Input.Shape()...), tensor.Of(tensor.Float32))}
	if err := G.Let(m.Input, nt.x); err != nil {
		return nil, errors.Wrap(err, "infer")
	}
	nt.vm = G.NewTapeMachine(m.Graph, G.WithEngine(light.Engine()))
	r.nets[n] = nt
	return nt, nil
}

func (r *Runner) imageSize() int {
	in := r.base.Spec.Input
	return in[0] * in[1] * in[2]
}

// Softmax returns the probabilities of logits, computed in float64.
func Softmax(logits []float32) []float64 {
	mx := logits[Argmax(logits)]
	p := make([]float64, len(logits))
	var z float64
	for i, v := range logits {
		p[i] = math.Exp(float64(v - mx))
		z += p[i]
	}
	for i := range p {
		p[i] /= z
	}
	return p
}

func topK(p []float64, k int) []int {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
	return idx[:min(k, len(idx))]
}
