package light

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

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
func LightDense(s *Scope, x *G.Node, units int, opts ...LightDenseOption) (d *LightDenseNodes, err error) {
	defer guard(&err, "LightDense", s)
	def := defaults
	def.rank = 8
	set := apply(def, opts, LightDenseOption.lightDense)
	if err = firstErr(set.checkRank(), set.checkDecay(), checkInput(s, x, 2, "batch, features"), checkPositive("units", units)); err != nil {
		return nil, err
	}
	batch, in, k := x.Shape()[0], x.Shape()[1], set.rank
	d = &LightDenseNodes{Scale: 1}
	if set.scale {
		d.Scale = 2 / float64(units)
	}
	if d.W1, d.W2, err = s.factorPair(in, k, units, in, units, d.Scale, set); err != nil {
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
	s.record(LayerInfo{Kind: fmt.Sprintf("LightDense(k=%d)", k), OutShape: perImage(d.Out.Shape()), Params: k*(in+units) + units,
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
