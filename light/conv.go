package light

import (
	G "gorgonia.org/gorgonia"

	"github.com/lightzoo/lightzoo/light/internal/ops"
)

// ConvNodes are the nodes a Conv2D adds: kernel W (filters, Cin, k, k), bias B (filters) or
// nil, and the output Out (batch, filters, H', W').
type ConvNodes struct {
	W, B, Out *G.Node
}

// Conv2D adds a kxk convolution with SAME padding and a bias, for x in NCHW.
func Conv2D(s *Scope, x *G.Node, filters, kernel int, opts ...ConvOption) (c *ConvNodes, err error) {
	defer guard(&err, "Conv2D", s)
	set := apply(defaults, opts, ConvOption.conv)
	if err = checkConv(s, x, set, filters, kernel); err != nil {
		return nil, err
	}
	cin, kk := x.Shape()[1], kernel*kernel
	w, err := s.newParam("w", []int{filters, cin, kernel, kernel}, glorotUniform(cin*kk, filters*kk), set.decay)
	if err != nil {
		return nil, err
	}
	c = &ConvNodes{W: w.Node}
	params, flops := filters*cin*kk, 2*cin*kk
	if set.bias {
		if c.B, err = s.newBias("b", filters); err != nil {
			return nil, err
		}
		params, flops = params+filters, flops+1
	}
	if c.Out, err = ops.Conv(x, c.W, c.B, set.stride); err != nil {
		return nil, err
	}
	s.record(LayerInfo{Kind: "Conv2D", OutShape: perImage(c.Out.Shape()), Params: params,
		FLOPs: int64(flops) * int64(c.Out.Shape()[1:].TotalSize())})
	return c, nil
}

func outSize(in, kernel, stride int) int { return (in+kernel/2*2-kernel)/stride + 1 }

func checkConv(s *Scope, x *G.Node, set settings, filters, kernel int) error {
	return firstErr(set.checkStride(), set.checkDecay(), checkInput(s, x, 4, "NCHW"), checkPositive("filters", filters), checkKernel(kernel))
}
