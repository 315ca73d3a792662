package light

import (
	G "gorgonia.org/gorgonia"
)

// DenseNodes are the nodes a Dense layer adds: weight W (in, units), bias B (units) or nil,
// and the output Out (batch, units).
type DenseNodes struct {
	W, B, Out *G.Node
}

// Dense adds y = x·W + b for x of shape (batch, in). Weights are Glorot-uniform, the bias zero.
func Dense(s *Scope, x *G.Node, units int, opts ...Option) (d *DenseNodes, err error) {
	defer guard(&err, "Dense", s)
	set := newSettings(baseSettings, append([]Option{WithRank(1)}, opts...))
	if err = firstErr(set.check(), checkInput(s, x, 2, "batch, features"), checkPositive("units", units)); err != nil {
		return nil, err
	}
	in := x.Shape()[1]
	d = &DenseNodes{}
	w, err := s.newParam("w", []int{in, units}, glorotUniform(in, units), set.decay)
	if err != nil {
		return nil, err
	}
	d.W = w.Node
	if d.Out, err = G.Mul(x, d.W); err != nil {
		return nil, err
	}
	params := in * units
	if set.bias {
		if d.B, d.Out, err = s.bias(d.Out, units); err != nil {
			return nil, err
		}
		params += units
	}
	s.record(LayerInfo{Kind: "Dense", OutShape: perImage(d.Out.Shape()), Params: params, FLOPs: int64(2*in*units + units)})
	return d, nil
}

// LightDenseNodes are the nodes a LightDense layer adds: factors W1 (in, rank) and W2 (rank,
// units), bias B (units), and the output Out (batch, units). Scale is the constant the
// product W1·W2 is multiplied by (2/units with the reference scaling, else 1).
type LightDenseNodes struct {
	W1, W2, B, Out *G.Node
	Scale          float64
}

// LightDense adds y = x·(s·W1)·(s·W2) + b with s = sqrt(2/units) (the reference code's
// scaling; WithFactorScale(false) drops it) and rank WithRank(k), default 8. Both factors are
// Glorot-uniform, the bias zero, and no decay unless WithDecay. It evaluates in the order with
// fewer FLOPs unless WithOrder says otherwise.
func LightDense(s *Scope, x *G.Node, units int, opts ...Option) (d *LightDenseNodes, err error) {
	defer guard(&err, "LightDense", s)
	set := newSettings(baseSettings, append([]Option{WithRank(8)}, opts...))
	if err = firstErr(set.check(), checkInput(s, x, 2, "batch, features"), checkPositive("units", units)); err != nil {
		return nil, err
	}
	batch, in, k := x.Shape()[0], x.Shape()[1], set.rank
	d = &LightDenseNodes{Scale: 1}
	if set.scale {
		d.Scale = 2 / float64(units)
	}
	if d.W1, d.W2, err = s.factors(in, k, units, glorotUniform(in, k), glorotUniform(k, units), set.decay); err != nil {
		return nil, err
	}
	factorsFirst := int64(batch*k*(in+units)) + int64(batch*units)
	productFirst := int64(in*k*units) + int64(in*units) + int64(batch*in*units)
	if useProduct(set.order, productFirst, factorsFirst) {
		var w *G.Node
		if w, err = d.Weight(); err == nil {
			d.Out, err = G.Mul(x, w)
		}
	} else {
		d.Out, err = d.applyFactors(x)
	}
	if err != nil {
		return nil, err
	}
	if d.B, d.Out, err = s.bias(d.Out, units); err != nil {
		return nil, err
	}
	s.record(LayerInfo{Kind: "LightDense", OutShape: perImage(d.Out.Shape()), Params: k*(in+units) + units,
		FLOPs: int64(2*k*(in+units) + 2*units)})
	return d, nil
}

// Weight adds and returns the node of the effective weight Scale·W1·W2 (in, units): the
// matrix a Dense layer would need to compute the same function.
func (d *LightDenseNodes) Weight() (*G.Node, error) {
	w, err := G.Mul(d.W1, d.W2)
	if err != nil {
		return nil, err
	}
	return scaled(w, d.Scale)
}

func (d *LightDenseNodes) applyFactors(x *G.Node) (*G.Node, error) {
	h, err := G.Mul(x, d.W1)
	if err != nil {
		return nil, err
	}
	if h, err = G.Mul(h, d.W2); err != nil {
		return nil, err
	}
	return scaled(h, d.Scale)
}

// factors creates w1 (rows, k) and w2 (k, cols).
func (s *Scope) factors(rows, k, cols int, f1, f2 filler, decay float64) (w1, w2 *G.Node, err error) {
	p1, err := s.newParam("w1", []int{rows, k}, f1, decay)
	if err != nil {
		return nil, nil, err
	}
	p2, err := s.newParam("w2", []int{k, cols}, f2, decay)
	if err != nil {
		return nil, nil, err
	}
	return p1.Node, p2.Node, nil
}

// newBias creates a zero bias of n channels.
func (s *Scope) newBias(name string, n int) (*G.Node, error) {
	p, err := s.newParam(name, []int{n}, zeros, 0)
	if err != nil {
		return nil, err
	}
	return p.Node, nil
}

// bias creates a zero bias "b" of n units and adds it to h (batch, n).
func (s *Scope) bias(h *G.Node, n int) (b, out *G.Node, err error) {
	if b, err = s.newBias("b", n); err != nil {
		return nil, nil, err
	}
	out, err = G.BroadcastAdd(h, b, nil, []byte{0})
	return b, out, err
}

// useProduct decides the evaluation order of a factorized layer.
func useProduct(o Order, productCost, factorsCost int64) bool {
	switch o {
	case ProductFirst:
		return true
	case FactorsFirst:
		return false
	}
	return productCost < factorsCost
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
