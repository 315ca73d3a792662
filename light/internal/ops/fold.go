package ops

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pkg/errors"
)

// fold is a BatchNorm in inference mode applied by the convolution that computes its input, to
// each output plane while the plane is in cache, instead of by an op of its own that reads and
// writes the whole tensor again. It computes y = a·x + b (then max(y, 0) with ReLU) with the
// BatchNorm op's own a and b and loops, so the output is the same bits.
type fold struct {
	norm        *Norm
	gamma, beta *G.Node
}

// FoldBatchNorm makes conv, a node made by Conv, apply the inference-mode BatchNorm n with
// scale gamma and shift beta to its output, and reports whether it did (not for other nodes,
// nor twice). conv's output is then the BatchNorm's, and conv has no gradient: fold only in a
// graph that is run for inference and nowhere else reads conv. n must stay in inference mode
// (Training false); a run in training mode fails.
func FoldBatchNorm(conv, gamma, beta *G.Node, n *Norm) bool {
	op, ok := conv.Op().(*Op)
	if !ok || !op.canFold || op.fold != nil || gamma.Dtype() != conv.Dtype() || beta.Dtype() != conv.Dtype() {
		return false
	}
	op.fold = &fold{norm: n, gamma: gamma, beta: beta}
	return true
}

// check refuses a folded BatchNorm that was switched to batch statistics: the convolution
// sees one image at a time and cannot gather them.
func (f *fold) check() error {
	if f != nil && f.norm.Training {
		return errors.New("a BatchNorm folded into its convolution for inference cannot use batch statistics; build the graph without light.ForInference to train or recalibrate it")
	}
	return nil
}

// planeFn is applied to each output plane, of channel c, once the plane is written.
type planeFn[T float] func(c int, plane []T)

// foldPlanes returns the folded BatchNorm as a planeFn, with this run's running statistics, γ
// and β (nil when f is nil).
func foldPlanes[T float](f *fold, channels int) planeFn[T] {
	if f == nil {
		return nil
	}
	mean, inv := channelStats[T](f.norm, tensor.Shape{1, channels}, nil, false)
	a, b := normAffine(mean, inv, f.gamma.Value().Data().([]T), f.beta.Value().Data().([]T))
	return func(c int, plane []T) {
		if f.norm.ReLU {
			scaleShiftReLU(plane, plane, a[c], b[c])
		} else {
			scaleShift(plane, plane, a[c], b[c])
		}
	}
}
