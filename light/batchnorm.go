package light

import (
	G "gorgonia.org/gorgonia"

	"github.com/pkg/errors"
)

// BatchNormNodes are the nodes a BatchNorm adds: scale Gamma (C, ones), shift Beta (C, zeros)
// and the output Out, plus the running statistics, which are not trainable.
type BatchNormNodes struct {
	Gamma, Beta, Out *G.Node
	Name             string
	op               *bnOp
}

// Stats returns copies of the running mean and variance.
func (b *BatchNormNodes) Stats() (mean, variance []float64) {
	return append([]float64(nil), b.op.mean...), append([]float64(nil), b.op.vari...)
}

// SetStats replaces the running mean and variance.
func (b *BatchNormNodes) SetStats(mean, variance []float64) error {
	if len(mean) != len(b.op.mean) || len(variance) != len(b.op.vari) {
		return errors.Errorf("light: BatchNorm %q: got %d means and %d variances, expected %d of each",
			b.Name, len(mean), len(variance), len(b.op.mean))
	}
	copy(b.op.mean, mean)
	copy(b.op.vari, variance)
	return nil
}

// BatchNorm adds batch normalization over the channels of x (N, C, H, W), Keras
// style: momentum 0.99 and epsilon 1e-3 unless WithMomentum and WithEpsilon say otherwise;
// WithActivation(ReLUActivation) applies a ReLU to the output in the same op. It starts in
// training mode; Scope.SetTraining(false) switches to the running statistics.
func BatchNorm(s *Scope, x *G.Node, opts ...Option) (b *BatchNormNodes, err error) {
	defer guard(&err, "BatchNorm", s)
	set := newSettings(baseSettings, append([]Option{WithRank(1)}, opts...))
	if err = firstErr(set.check(), checkInput(s, x, 4, "NCHW")); err != nil {
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
	op := &bnOp{momentum: set.momentum, eps: set.epsilon, training: true, relu: set.after == ReLUActivation}
	if op.mean, op.vari, err = s.runningStats(c); err != nil {
		return nil, err
	}
	b = &BatchNormNodes{Gamma: gamma.Node, Beta: beta.Node, Name: s.path, op: op}
	if b.Out, err = G.ApplyOp(op, x, b.Gamma, b.Beta); err != nil {
		return nil, err
	}
	s.root.bns = append(s.root.bns, b)
	info := LayerInfo{Kind: "BatchNorm", OutShape: perImage(x.Shape()), Params: 2 * c, Stats: 2 * c,
		FLOPs: 2 * int64(x.Shape()[1:].TotalSize())}
	if op.relu {
		info.Kind, info.FLOPs = "BatchNorm+ReLU", info.FLOPs*3/2
	}
	s.record(info)
	return b, nil
}

// runningStats returns fresh statistics (mean 0, variance 1) or those of the shared scope.
func (s *Scope) runningStats(c int) (mean, vari []float64, err error) {
	if s.root.shared == nil {
		vari = make([]float64, c)
		for i := range vari {
			vari[i] = 1
		}
		return make([]float64, c), vari, nil
	}
	for _, src := range s.root.shared.root.bns {
		if src.Name == s.path && len(src.op.mean) == c {
			return src.op.mean, src.op.vari, nil
		}
	}
	return nil, nil, errors.Errorf("the shared scope has no BatchNorm %q of %d channels", s.path, c)
}
