package train

import (
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/datasets"
	"github.com/lightzoo/lightzoo/infer"
	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/zoo"
	"github.com/pkg/errors"
)

// net is the model compiled at one batch size for training: loss, L2 penalties and
// gradients, BatchNorm on batch statistics. Inference goes through package infer.
type net struct {
	model  *zoo.Model
	x, y   *tensor.Dense // input images and one-hot labels, refilled every batch
	labels []int
	// soft holds the teacher's softened predictions of the batch (distillation only).
	soft    *tensor.Dense
	teacher *teacher
	ce      *G.Node // mean cross-entropy (training nets only)
	loss    *G.Node // ce plus the L2 penalties
	grads   G.Nodes
	vm      G.VM
}

// objective is what the loss adds to the cross-entropy with the labels: l2, when not nil,
// replaces every declared weight decay; teacher, when not nil, is distilled from.
type objective struct {
	l2      *float64
	teacher *teacher
}

// buildNet compiles spec in variant v for training on batch images. share is the net whose
// weights it uses (nil for the first one).
func buildNet(spec zoo.Spec, v light.Variant, batch int, seed uint64, share *net, obj objective) (n *net, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("train: building %s %v at batch %d: gorgonia panicked: %v", spec.Name, v, batch, r)
		}
	}()
	cfg := zoo.Config{Batch: batch, Seed: seed}
	if share != nil {
		cfg.Share = share.model
	}
	m, err := zoo.New(spec, v, cfg)
	if err != nil {
		return nil, err
	}
	if err := m.CheckMemory(batch, true); err != nil {
		return nil, err
	}
	n = &net{model: m, labels: make([]int, m.Batch), teacher: obj.teacher}
	n.x = tensor.New(tensor.WithShape(m.Input.Shape()...), tensor.Of(tensor.Float32))
	if err := G.Let(m.Input, n.x); err != nil {
		return nil, err
	}
	if err := n.addLoss(spec.Classes, obj.l2); err != nil {
		return nil, errors.Wrapf(err, "train: loss of %s %s", spec.Name, v.Name())
	}
	n.vm = G.NewTapeMachine(n.step(), G.WithEngine(light.Engine()))
	return n, nil
}

// step is the part of the graph that one run needs: what the loss and the gradients depend
// on. Gorgonia differentiates every input of an op, so the full graph also holds the
// gradient with respect to the images, which nothing reads.
func (n *net) step() *G.ExprGraph {
	return n.model.Graph.ExactSubgraphRoots(append(G.Nodes{n.loss}, n.grads...)...)
}

// addLoss adds mean cross-entropy through LogSoftMax, the L2 penalties, and the gradients.
func (n *net) addLoss(classes int, l2 *float64) error {
	g, batch := n.model.Graph, n.model.Batch
	n.y = tensor.New(tensor.WithShape(batch, classes), tensor.Of(tensor.Float32))
	y := G.NewTensor(g, tensor.Float32, 2, G.WithShape(batch, classes), G.WithName("labels"), G.WithValue(n.y))
	logp, err := G.LogSoftMax(n.model.Logits, 1)
	if err != nil {
		return err
	}
	picked, err := G.HadamardProd(logp, y)
	if err != nil {
		return err
	}
	sum, err := G.Sum(picked)
	if err != nil {
		return err
	}
	if n.ce, err = G.Mul(sum, G.NewConstant(float32(-1)/float32(batch))); err != nil {
		return err
	}
	loss := n.ce
	if n.teacher != nil {
		if loss, err = n.addDistillation(n.ce, n.teacher); err != nil {
			return err
		}
	}
	for _, p := range n.model.Scope.Params() {
		decay := decayOf(p, l2)
		if decay == 0 {
			continue
		}
		if loss, err = addPenalty(loss, p.Node, decay); err != nil {
			return err
		}
	}
	for _, f := range n.model.Scope.FrobeniusPenalties() {
		p, err := f.Node()
		if err == nil {
			loss, err = G.Add(loss, p)
		}
		if err != nil {
			return err
		}
	}
	n.loss = loss
	n.grads, err = G.Grad(loss, n.model.Learnables()...)
	return err
}

// decayOf is the L2 coefficient of p: its declared decay, or l2 in its place when l2 is set
// and p declares one.
func decayOf(p *light.Param, l2 *float64) float64 {
	if p.Decay > 0 && l2 != nil {
		return *l2
	}
	return p.Decay
}

// penalty is Σ decay·Σw² over the model's parameters at their current values, plus the
// layers' Frobenius decays: the regularization term that Keras adds to every loss it reports,
// validation loss included.
func penalty(m *zoo.Model, l2 *float64) float64 {
	var sum float64
	for _, p := range m.Scope.Params() {
		decay := decayOf(p, l2)
		if decay == 0 {
			continue
		}
		var sq float64
		for _, v := range p.Node.Value().Data().([]float32) {
			sq += float64(v) * float64(v)
		}
		sum += decay * sq
	}
	for _, f := range m.Scope.FrobeniusPenalties() {
		sum += f.Value()
	}
	return sum
}

// addPenalty returns loss + decay·Σw², Keras' L2 regularizer.
func addPenalty(loss, w *G.Node, decay float64) (*G.Node, error) {
	s, err := light.SquaredNorm(w, decay)
	if err != nil {
		return nil, err
	}
	return G.Add(loss, s)
}

// run feeds images idx of set (augmented when rng is set) and runs the graph once.
func (n *net) run(set *datasets.Set, idx []int, aug augmenter) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("train: gorgonia panicked while running the graph: %v", r)
		}
	}()
	set.Fill(idx, n.x.Data().([]float32), n.labels, aug.rng())
	datasets.OneHot(n.labels, n.model.Spec.Classes, n.y.Data().([]float32))
	if n.teacher != nil {
		if err := n.teacher.soften(n.x.Data().([]float32), n.model.Batch, n.soft.Data().([]float32)); err != nil {
			return err
		}
	}
	n.vm.Reset()
	return n.vm.RunAll()
}

// correct is the number of the last run's count images that the logits classify correctly.
func (n *net) correct(count int) int {
	logits := n.model.Logits.Value().Data().([]float32)
	k, right := n.model.Spec.Classes, 0
	for i := 0; i < count; i++ {
		if infer.Argmax(logits[i*k:(i+1)*k]) == n.labels[i] {
			right++
		}
	}
	return right
}

func (n *net) crossEntropy() float64 { return float64(n.ce.Value().Data().(float32)) }

func (n *net) close() {
	if n.vm != nil {
		n.vm.Close()
	}
}

// augmenter gives the random generator of one batch's augmentation, derived from the seed,
// epoch and batch alone so that a resumed run augments exactly as an uninterrupted one.
type augmenter struct {
	on           bool
	seed         uint64
	epoch, batch int
}

func (a augmenter) rng() *rand.Rand {
	if !a.on {
		return nil
	}
	return rand.New(rand.NewPCG(a.seed^0xa5a5a5a5, uint64(a.epoch)<<32|uint64(a.batch)))
}
