package light

import (
	G "gorgonia.org/gorgonia"

	"github.com/lightzoo/lightzoo/light/internal/ops"
)

// SeparableNodes are the nodes a SeparableConv2D adds: the depthwise kernel Depthwise
// (Cin, 1, k, k), the pointwise kernel Pointwise (filters, Cin, 1, 1), bias B (filters) or nil,
// and the output Out.
type SeparableNodes struct {
	Depthwise, Pointwise, B, Out *G.Node
}

// SeparableConv2D adds Keras' SeparableConv2D (depth multiplier 1): a kxk depthwise
// convolution without bias, SAME padding and the stride, then a 1x1 convolution with bias.
func SeparableConv2D(s *Scope, x *G.Node, filters, kernel int, opts ...SeparableOption) (c *SeparableNodes, err error) {
	defer guard(&err, "SeparableConv2D", s)
	set := apply(defaults, opts, SeparableOption.separable)
	if err = checkConv(s, x, set, filters, kernel); err != nil {
		return nil, err
	}
	cin, kk := x.Shape()[1], kernel*kernel
	dw, err := s.newParam("depthwise", []int{cin, 1, kernel, kernel}, glorotUniform(cin*kk, kk), set.decay)
	if err != nil {
		return nil, err
	}
	pw, err := s.newParam("pointwise", []int{filters, cin, 1, 1}, glorotUniform(cin, filters), set.decay)
	if err != nil {
		return nil, err
	}
	c = &SeparableNodes{Depthwise: dw.Node, Pointwise: pw.Node}
	h, err := ops.Depthwise(x, c.Depthwise, set.stride)
	if err != nil {
		return nil, err
	}
	pixels := int64(h.Shape()[2] * h.Shape()[3])
	params, flops := cin*kk+cin*filters, pixels*int64(2*cin*kk+2*cin*filters)
	if set.bias {
		if c.B, err = s.newBias("b", filters); err != nil {
			return nil, err
		}
		params, flops = params+filters, flops+pixels*int64(filters)
	}
	if c.Out, err = ops.Conv(h, c.Pointwise, c.B, 1); err != nil {
		return nil, err
	}
	s.record(LayerInfo{Kind: "SeparableConv2D", OutShape: perImage(c.Out.Shape()), Params: params, FLOPs: flops})
	return c, nil
}
