package light

import (
	"testing"

	"github.com/lightzoo/lightzoo/light/internal/testkit"

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
	x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(shape...), G.WithName("x"), G.WithValue(testkit.Float32s(shape, 1)))
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
// Max pooling's forward and backward kernels without the graph, batch 64, 16 channels 28x28.
