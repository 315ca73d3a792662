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
func Dense(s *Scope, x *G.Node, units int, opts ...DenseOption) (d *DenseNodes, err error) {
	defer guard(&err, "Dense", s)
	set := apply(defaults, opts, DenseOption.dense)
	if err = firstErr(set.checkDecay(), checkInput(s, x, 2, "batch, features"), checkPositive("units", units)); err != nil {
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
