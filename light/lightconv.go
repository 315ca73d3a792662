package light

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pkg/errors"

	"github.com/lightzoo/lightzoo/light/internal/ops"
)

// LightConvNodes are the nodes a LightConv2D adds. TwoStage: W1 (rank, Cin, k, k), B1 (rank),
// W2 (filters, rank, k, k), B2 (filters). LowRank: W1 (Cin*k*k, rank), W2 (rank, filters),
// B2 (filters), B1 nil. Out is (batch, filters, H', W').
type LightConvNodes struct {
	W1, B1, W2, B2, Out *G.Node
	Form                Form
	kernel, cin         int
}

// LightConv2D adds a rank-k light convolution (WithRank, default 1) in the reference code's
// TwoStage form or, WithForm(LowRank), as a true low-rank kernel. The factors carry L2 decay
// 1e-4 unless WithDecay says otherwise; biases start at zero.
func LightConv2D(s *Scope, x *G.Node, filters, kernel int, opts ...LightConvOption) (c *LightConvNodes, err error) {
	defer guard(&err, "LightConv2D", s)
	def := defaults
	def.rank, def.decay = 1, 1e-4
	set := apply(def, opts, LightConvOption.lightConv)
	if err = firstErr(set.checkRank(), set.checkForm(), checkConv(s, x, set, filters, kernel)); err != nil {
		return nil, err
	}
	c = &LightConvNodes{Form: set.form, kernel: kernel, cin: x.Shape()[1]}
	if set.form == LowRank {
		err = c.buildLowRank(s, x, filters, set)
	} else {
		err = c.buildTwoStage(s, x, filters, set)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (c *LightConvNodes) buildTwoStage(s *Scope, x *G.Node, filters int, set settings) error {
	k, kk := set.rank, c.kernel*c.kernel
	w1, err := s.newParam("w1", []int{k, c.cin, c.kernel, c.kernel}, glorotUniform(c.cin*kk, k*kk), set.decay)
	if err != nil {
		return err
	}
	w2, err := s.newParam("w2", []int{filters, k, c.kernel, c.kernel}, glorotUniform(k*kk, filters*kk), set.decay)
	if err != nil {
		return err
	}
	c.W1, c.W2 = w1.Node, w2.Node
	biasInit := func(n int) filler { return zeros }
	if set.glorotBias {
		biasInit = func(n int) filler { return glorotUniform(n, n) } // Keras' fans of a vector
	}
	b1, err := s.newParam("b1", []int{k}, biasInit(k), 0)
	if err != nil {
		return err
	}
	b2, err := s.newParam("b2", []int{filters}, biasInit(filters), 0)
	if err != nil {
		return err
	}
	c.B1, c.B2 = b1.Node, b2.Node
	first := ops.Conv
	if set.middle == ReLUActivation {
		first = ops.ConvReLU
	}
	h, err := first(x, c.W1, c.B1, set.stride)
	if err != nil {
		return err
	}
	mid := int64(h.Shape()[1:].TotalSize())
	if c.Out, err = ops.Conv(h, c.W2, c.B2, set.stride); err != nil {
		return err
	}
	out := int64(c.Out.Shape()[1:].TotalSize())
	s.record(LayerInfo{Kind: fmt.Sprintf("LightConv2D(k=%d)", k), OutShape: perImage(c.Out.Shape()), Params: kk*k*(c.cin+filters) + k + filters,
		FLOPs: mid*int64(2*c.cin*kk+2) + out*int64(2*k*kk+1)})
	return nil
}

func (c *LightConvNodes) buildLowRank(s *Scope, x *G.Node, filters int, set settings) error {
	k, kk := set.rank, c.kernel*c.kernel
	rows := c.cin * kk
	var err error
	if c.W1, c.W2, err = s.factorPair(rows, k, filters, rows, filters*kk, 1, set); err != nil {
		return err
	}
	batch := x.Shape()[0]
	pixels := int64(outSize(x.Shape()[2], c.kernel, set.stride) * outSize(x.Shape()[3], c.kernel, set.stride))
	factorsFirst := int64(batch) * pixels * int64(2*k*(rows+filters))
	productFirst := int64(2*rows*k*filters) + int64(batch)*pixels*int64(2*rows*filters)
	if c.B2, err = s.newBias("b", filters); err != nil {
		return err
	}
	if useProduct(set.order, productFirst, factorsFirst) {
		var w *G.Node
		if w, err = c.Weight(); err == nil {
			c.Out, err = ops.Conv(x, w, c.B2, set.stride)
		}
	} else {
		c.Out, err = c.applyFactors(x, filters, set.stride)
	}
	if err != nil {
		return err
	}
	s.record(LayerInfo{Kind: fmt.Sprintf("LightConv2D(lowrank, k=%d)", k), OutShape: perImage(c.Out.Shape()), Params: k*(rows+filters) + filters,
		FLOPs: pixels * int64(min(2*k*(rows+filters), 2*rows*filters)+1)})
	return nil
}

// Weight adds and returns the effective kernel (filters, Cin, k, k) of a LowRank LightConv2D:
// the reshaped product W1·W2 that a Conv2D would need to compute the same function. A
// TwoStage layer has no single kernel; for it Weight returns an error.
func (c *LightConvNodes) Weight() (*G.Node, error) {
	if c.Form != LowRank {
		return nil, errors.Errorf("a two-stage LightConv2D is two convolutions with an activation between; it has no single kernel (use WithForm(LowRank))")
	}
	w, err := G.Mul(c.W1, c.W2)
	if err != nil {
		return nil, err
	}
	if w, err = G.Transpose(w); err != nil {
		return nil, err
	}
	return G.Reshape(w, tensor.Shape{c.W2.Shape()[1], c.cin, c.kernel, c.kernel})
}

// applyFactors runs a kxk conv to rank channels with W1, then a 1x1 conv with W2 and the bias.
func (c *LightConvNodes) applyFactors(x *G.Node, filters, stride int) (*G.Node, error) {
	k := c.W1.Shape()[1]
	w1, err := G.Transpose(c.W1)
	if err != nil {
		return nil, err
	}
	if w1, err = G.Reshape(w1, tensor.Shape{k, c.cin, c.kernel, c.kernel}); err != nil {
		return nil, err
	}
	w2, err := G.Transpose(c.W2)
	if err != nil {
		return nil, err
	}
	if w2, err = G.Reshape(w2, tensor.Shape{filters, k, 1, 1}); err != nil {
		return nil, err
	}
	h, err := ops.Conv(x, w1, nil, stride)
	if err != nil {
		return nil, err
	}
	return ops.Conv(h, w2, c.B2, 1)
}
