package light

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pkg/errors"

	"github.com/lightzoo/lightzoo/light/internal/ops"
)

// MaxPool adds size x size max pooling with the given stride and no padding (Keras "valid"):
// output sides are floor((side-size)/stride)+1; WithActivation(ReLUActivation) applies a ReLU
// to the output in the same op. It is lightzoo's own op: Gorgonia's panics in a goroutine on
// a window of NaNs, which would crash a diverging training run.
func MaxPool(s *Scope, x *G.Node, size, stride int, opts ...PoolOption) (out *G.Node, err error) {
	defer guard(&err, "MaxPool", s)
	set := apply(defaults, opts, PoolOption.pool)
	if err = firstErr(checkInput(s, x, 4, "NCHW"), checkPositive("pool size", size), checkPositive("stride", stride), checkActivation(set.after)); err != nil {
		return nil, err
	}
	if h, w := x.Shape()[2], x.Shape()[3]; size > h || size > w {
		return nil, errors.Errorf("pool size %d does not fit a %dx%d input", size, h, w)
	}
	pool, kind := ops.MaxPool, "MaxPool"
	if set.after == ReLUActivation {
		pool, kind = ops.MaxPoolReLU, "MaxPool+ReLU"
	}
	if out, err = pool(x, size, stride); err != nil {
		return nil, err
	}
	info := LayerInfo{Kind: kind, OutShape: perImage(out.Shape()), FLOPs: int64(out.Shape()[1:].TotalSize() * (size*size - 1))}
	if set.after == ReLUActivation {
		info.FLOPs += int64(out.Shape()[1:].TotalSize())
	}
	s.record(info)
	return out, nil
}

// GlobalAvgPool averages x (N, C, H, W) over H and W, giving (N, C). Gorgonia's
// GlobalAveragePool2D has no gradient and its Mean(x, 2, 3) reads the wrong elements
// (TestGlobalAvgPoolValues), so this is Mean over the flattened spatial axis.
func GlobalAvgPool(s *Scope, x *G.Node) (out *G.Node, err error) {
	defer guard(&err, "GlobalAvgPool", s)
	if err = checkInput(s, x, 4, "NCHW"); err != nil {
		return nil, err
	}
	xs := x.Shape()
	flat, err := G.Reshape(x, tensor.Shape{xs[0], xs[1], xs[2] * xs[3]})
	if err != nil {
		return nil, err
	}
	if out, err = G.Mean(flat, 2); err != nil {
		return nil, err
	}
	s.record(LayerInfo{Kind: "GlobalAvgPool", OutShape: perImage(out.Shape()), FLOPs: int64(x.Shape()[1:].TotalSize())})
	return out, nil
}
