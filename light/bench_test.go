package light

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// benchLayer times forward and backward of one layer on a float32 batch of 64.
func benchLayer(b *testing.B, shape tensor.Shape, build func(s *Scope, x *G.Node) (*G.Node, error)) {
	g := G.NewGraph()
	s, err := NewScope(g, tensor.Float32, 1)
	if err != nil {
		b.Fatal(err)
	}
	x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(shape...), G.WithName("x"), G.WithValue(float32s(shape, 1)))
	y, err := build(s, x)
	if err != nil {
		b.Fatal(err)
	}
	loss, err := G.Sum(y)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := G.Grad(loss, append(s.Learnables(), x)...); err != nil {
		b.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Reset()
		if err := m.RunAll(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(shape[0]*b.N)/b.Elapsed().Seconds(), "images/s")
}

func BenchmarkConv2D_16to16_14x14(b *testing.B) {
	benchLayer(b, tensor.Shape{64, 16, 14, 14}, func(s *Scope, x *G.Node) (*G.Node, error) {
		c, err := Conv2D(s, x, 16, 3)
		return out(c, err, func() *G.Node { return c.Out })
	})
}

// The plain path: Gorgonia's Conv2d with a broadcast bias, for comparison.
func BenchmarkGorgoniaConv2d_16to16_14x14(b *testing.B) {
	benchLayer(b, tensor.Shape{64, 16, 14, 14}, func(s *Scope, x *G.Node) (*G.Node, error) {
		p, err := s.newParam("w", []int{16, 16, 3, 3}, glorotUniform(144, 144), 0)
		if err != nil {
			return nil, err
		}
		return G.Conv2d(x, p.Node, tensor.Shape{3, 3}, []int{1, 1}, []int{1, 1}, []int{1, 1})
	})
}

func BenchmarkLightConv2D_k3_16to16_14x14(b *testing.B) {
	benchLayer(b, tensor.Shape{64, 16, 14, 14}, func(s *Scope, x *G.Node) (*G.Node, error) {
		c, err := LightConv2D(s, x, 16, 3, WithRank(3))
		return out(c, err, func() *G.Node { return c.Out })
	})
}

func BenchmarkSeparableConv2D_16to16_14x14(b *testing.B) {
	benchLayer(b, tensor.Shape{64, 16, 14, 14}, func(s *Scope, x *G.Node) (*G.Node, error) {
		c, err := SeparableConv2D(s, x, 16, 3)
		return out(c, err, func() *G.Node { return c.Out })
	})
}

func BenchmarkBatchNorm_16_14x14(b *testing.B) {
	benchLayer(b, tensor.Shape{64, 16, 14, 14}, func(s *Scope, x *G.Node) (*G.Node, error) {
		n, err := BatchNorm(s, x)
		return out(n, err, func() *G.Node { return n.Out })
	})
}

func BenchmarkMaxPool_16_28x28(b *testing.B) {
	benchLayer(b, tensor.Shape{64, 16, 28, 28}, func(s *Scope, x *G.Node) (*G.Node, error) { return MaxPool(s, x, 2, 2) })
}

// The three per-image kernels of a convolution (forward, input gradient, kernel gradient)
// without the graph, on a batch of 64.
func BenchmarkConvKernels(b *testing.B) {
	for _, tc := range []struct {
		name               string
		c, h, cout, k, str int
	}{{"16to16_28x28", 16, 28, 16, 3, 1}, {"8to16_14x14", 8, 14, 16, 3, 1}, {"32to32_7x7", 32, 7, 32, 3, 1},
		{"64to128_16x16", 64, 16, 128, 3, 1}, {"3to16_28x28", 3, 28, 16, 3, 1}, {"5to64_8x8", 5, 8, 64, 3, 1},
		{"3to16_28x28_1x1", 3, 28, 16, 1, 1}} {
		g := convGeom{geom: newGeom(tensor.Shape{64, tc.c, tc.h, tc.h}, tc.k, tc.k, tc.str), cout: tc.cout}
		x := narrow(randTensor(tensor.Shape{64, tc.c, tc.h, tc.h}, 1).Data().([]float64))
		w := narrow(randTensor(tensor.Shape{tc.cout, g.patch()}, 2).Data().([]float64))
		dy := narrow(randTensor(tensor.Shape{64, tc.cout, g.pixels()}, 3).Data().([]float64))
		y, dx, dw := make([]float32, len(dy)), make([]float32, len(x)), make([]float32, len(w))
		for _, k := range []struct {
			name string
			f    func()
		}{
			{"forward", func() { convForward(g, y, x, w, nil) }},
			{"dx", func() { convGradInput(g, dx, w, dy) }},
			{"dw", func() { convGradKernel(g, dw, x, dy) }},
		} {
			b.Run(tc.name+"/"+k.name, func(b *testing.B) {
				for b.Loop() {
					k.f()
				}
				b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "images/s")
			})
		}
	}
}

// Max pooling's forward and backward kernels without the graph, batch 64, 16 channels 28x28.
func BenchmarkMaxPoolKernels(b *testing.B) {
	p := poolGeom{n: 64, c: 16, h: 28, w: 28, size: 2, stride: 2, oh: 14, ow: 14}
	x := narrow(randTensor(tensor.Shape{64, 16, 28, 28}, 1).Data().([]float64))
	dy := narrow(randTensor(tensor.Shape{64, 16, 14, 14}, 2).Data().([]float64))
	y, dx := make([]float32, len(dy)), make([]float32, len(x))
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			maxPoolForward(p, y, x)
		}
		b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "images/s")
	})
	b.Run("backward", func(b *testing.B) {
		for b.Loop() {
			maxPoolBackward(p, dx, x, dy)
		}
		b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "images/s")
	})
}
