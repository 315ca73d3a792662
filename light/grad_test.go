package light

import (
	"testing"

	G "gorgonia.org/gorgonia"
)

func TestGradients(t *testing.T) {
	cases := []struct {
		name  string
		shape []int
		build func(s *Scope, x *G.Node) (*G.Node, error)
	}{
		{"Dense", []int{3, 5}, func(s *Scope, x *G.Node) (*G.Node, error) {
			d, err := Dense(s, x, 4)
			return out(d, err, func() *G.Node { return d.Out })
		}},
		{"LightDense/factors", []int{3, 5}, lightDense(WithRank(2), WithOrder(FactorsFirst))},
		{"LightDense/product", []int{3, 5}, lightDense(WithRank(2), WithOrder(ProductFirst))},
		{"Conv2D", []int{2, 2, 5, 5}, func(s *Scope, x *G.Node) (*G.Node, error) {
			c, err := Conv2D(s, x, 3, 3)
			return out(c, err, func() *G.Node { return c.Out })
		}},
		{"Conv2D/stride2", []int{2, 2, 6, 5}, func(s *Scope, x *G.Node) (*G.Node, error) {
			c, err := Conv2D(s, x, 3, 3, WithStride(2))
			return out(c, err, func() *G.Node { return c.Out })
		}},
		{"Conv2D/5x5-nobias", []int{2, 2, 6, 6}, func(s *Scope, x *G.Node) (*G.Node, error) {
			c, err := Conv2D(s, x, 3, 5, WithBias(false))
			return out(c, err, func() *G.Node { return c.Out })
		}},
		{"Conv2D/1x1", []int{2, 3, 4, 5}, func(s *Scope, x *G.Node) (*G.Node, error) {
			c, err := Conv2D(s, x, 2, 1)
			return out(c, err, func() *G.Node { return c.Out })
		}},
		{"Conv2D/1x1-widening", []int{2, 2, 4, 5}, func(s *Scope, x *G.Node) (*G.Node, error) {
			c, err := Conv2D(s, x, 5, 1) // more than twice the input channels: no flipped kernel
			return out(c, err, func() *G.Node { return c.Out })
		}},
		{"Conv2D/3x3-widening", []int{2, 2, 5, 4}, func(s *Scope, x *G.Node) (*G.Node, error) {
			c, err := Conv2D(s, x, 5, 3) // more than twice the input channels: col2im
			return out(c, err, func() *G.Node { return c.Out })
		}},
		{"LightConv2D/twostage", []int{2, 2, 5, 5}, lightConv(WithRank(2))},
		{"LightConv2D/linear", []int{2, 2, 5, 5}, lightConv(WithRank(2), WithMiddle(Linear))},
		{"LightConv2D/lowrank-factors", []int{2, 2, 5, 5}, lightConv(WithRank(2), WithForm(LowRank), WithOrder(FactorsFirst))},
		{"LightConv2D/lowrank-product", []int{2, 2, 5, 5}, lightConv(WithRank(2), WithForm(LowRank), WithOrder(ProductFirst))},
		{"SeparableConv2D", []int{2, 3, 5, 5}, separable()},
		{"SeparableConv2D/stride2", []int{2, 3, 6, 5}, separable(WithStride(2))},
		{"BatchNorm", []int{3, 2, 3, 3}, func(s *Scope, x *G.Node) (*G.Node, error) {
			b, err := BatchNorm(s, x)
			return out(b, err, func() *G.Node { return b.Out })
		}},
		{"BatchNorm+ReLU", []int{3, 2, 3, 3}, func(s *Scope, x *G.Node) (*G.Node, error) {
			b, err := BatchNorm(s, x, WithActivation(ReLUActivation))
			return out(b, err, func() *G.Node { return b.Out })
		}},
		{"MaxPool", []int{2, 2, 5, 5}, func(s *Scope, x *G.Node) (*G.Node, error) { return MaxPool(s, x, 2, 2) }},
		{"GlobalAvgPool", []int{2, 3, 4, 4}, func(s *Scope, x *G.Node) (*G.Node, error) { return GlobalAvgPool(s, x) }},
		{"ReLU+Add", []int{2, 3, 4, 4}, func(s *Scope, x *G.Node) (*G.Node, error) {
			r, err := ReLU(s, x)
			if err != nil {
				return nil, err
			}
			return Add(s, r, x)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.shape...)
			y, err := tc.build(f.s.Sub("layer"), f.x)
			if err != nil {
				t.Fatal(err)
			}
			gradCheck(t, f, y)
		})
	}
}

func TestBatchNormEvalGradient(t *testing.T) {
	f := newFixture(t, 3, 2, 3, 3)
	b, err := BatchNorm(f.s.Sub("bn"), f.x)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.SetStats([]float64{0.3, -0.2}, []float64{0.5, 2}); err != nil {
		t.Fatal(err)
	}
	f.s.SetTraining(false)
	gradCheck(t, f, b.Out)
}

func lightDense(opts ...LightDenseOption) func(s *Scope, x *G.Node) (*G.Node, error) {
	return func(s *Scope, x *G.Node) (*G.Node, error) {
		d, err := LightDense(s, x, 4, opts...)
		return out(d, err, func() *G.Node { return d.Out })
	}
}

func lightConv(opts ...LightConvOption) func(s *Scope, x *G.Node) (*G.Node, error) {
	return func(s *Scope, x *G.Node) (*G.Node, error) {
		c, err := LightConv2D(s, x, 3, 3, opts...)
		return out(c, err, func() *G.Node { return c.Out })
	}
}

func separable(opts ...SeparableOption) func(s *Scope, x *G.Node) (*G.Node, error) {
	return func(s *Scope, x *G.Node) (*G.Node, error) {
		c, err := SeparableConv2D(s, x, 4, 3, opts...)
		return out(c, err, func() *G.Node { return c.Out })
	}
}
