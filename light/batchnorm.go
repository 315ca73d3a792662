package light

import (
	G "gorgonia.org/gorgonia"

	"github.com/pkg/errors"

	"github.com/lightzoo/lightzoo/light/internal/ops"
)

// BatchNormNodes are the nodes a BatchNorm adds: scale Gamma (C, ones), shift Beta (C, zeros)
// and the output Out, plus the running statistics, which are not trainable.
type BatchNormNodes struct {
	Gamma, Beta, Out *G.Node
	Name             string
	norm             *ops.Norm
}

// Stats returns copies of the running mean and variance.
func (b *BatchNormNodes) Stats() (mean, variance []float64) {
	return append([]float64(nil), b.norm.Mean...), append([]float64(nil), b.norm.Var...)
}

// Epsilon is the constant added to the variance before its square root.
func (b *BatchNormNodes) Epsilon() float64 { return b.norm.Eps }

// SetStats replaces the running mean and variance.
func (b *BatchNormNodes) SetStats(mean, variance []float64) error {
	if len(mean) != len(b.norm.Mean) || len(variance) != len(b.norm.Var) {
		return errors.Errorf("light: BatchNorm %q: got %d means and %d variances, expected %d of each",
			b.Name, len(mean), len(variance), len(b.norm.Mean))
	}
	copy(b.norm.Mean, mean)
	copy(b.norm.Var, variance)
	return nil
}

// BatchNorm adds batch normalization over the channels of x (N, C, H, W), Keras
// style: momentum 0.99 and epsilon 1e-3 unless WithMomentum and WithEpsilon say otherwise;
// WithActivation(ReLUActivation) applies a ReLU to the output in the same op. It starts in
// training mode; Scope.SetTraining(false) switches to the running statistics. In a scope made
// ForInference it starts in inference mode and, after a convolution, is folded into it (Out is
// then the convolution's node).
func BatchNorm(s *Scope, x *G.Node, opts ...BatchNormOption) (b *BatchNormNodes, err error) {
	defer guard(&err, "BatchNorm", s)
	set := apply(defaults, opts, BatchNormOption.batchNorm)
	if err = firstErr(set.checkBatchNorm(), checkInput(s, x, 4, "NCHW")); err != nil {
		return nil, err
	}
	c := x.Shape()[1]
	gamma, err := s.newParam("gamma", []int{c}, constant(1), 0)
	if err != nil {
		return nil, err
	}
	beta, err := s.newParam("beta", []int{c}, zeros, 0)
	if err != nil {
		return nil, err
	}
	norm := &ops.Norm{Momentum: set.momentum, Eps: set.epsilon, Training: !s.root.inference, ReLU: set.after == ReLUActivation}
	if norm.Mean, norm.Var, err = s.runningStats(c); err != nil {
		return nil, err
	}
	b = &BatchNormNodes{Gamma: gamma.Node, Beta: beta.Node, Name: s.path, norm: norm}
	if s.root.inference && ops.FoldBatchNorm(x, b.Gamma, b.Beta, norm) {
		b.Out = x
	} else if b.Out, err = ops.BatchNorm(x, b.Gamma, b.Beta, norm); err != nil {
		return nil, err
	}
	s.root.bns = append(s.root.bns, b)
	info := LayerInfo{Kind: "BatchNorm", OutShape: perImage(x.Shape()), Params: 2 * c, Stats: 2 * c,
		FLOPs: 2 * int64(x.Shape()[1:].TotalSize())}
	if norm.ReLU {
		info.Kind, info.FLOPs = "BatchNorm+ReLU", info.FLOPs*3/2
	}
	s.record(info)
	return b, nil
}
