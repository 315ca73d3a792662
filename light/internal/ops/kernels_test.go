package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/light/internal/sgemm"
	"github.com/lightzoo/lightzoo/light/internal/testkit"
)

func TestConvOpEqualsGorgoniaConv2d(t *testing.T) {
	for _, tc := range []struct{ n, c, h, w, cout, k, stride int }{
		{3, 2, 7, 6, 4, 3, 1}, {2, 3, 8, 8, 5, 3, 2}, {2, 4, 5, 5, 3, 1, 1}, {1, 2, 9, 7, 2, 5, 2},
		{2, 2, 3, 2, 3, 5, 1}, {1, 3, 6, 9, 2, 5, 1},
	} {
		g := G.NewGraph()
		xs := tensor.Shape{tc.n, tc.c, tc.h, tc.w}
		x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(xs...), G.WithName("x"), G.WithValue(testkit.Float32s(xs, 1)))
		ws := tensor.Shape{tc.cout, tc.c, tc.k, tc.k}
		w := G.NewTensor(g, tensor.Float32, 4, G.WithShape(ws...), G.WithName("w"), G.WithValue(testkit.Float32s(ws, 2)))
		b := G.NewTensor(g, tensor.Float32, 1, G.WithShape(tc.cout), G.WithName("b"), G.WithValue(testkit.Float32s(tensor.Shape{tc.cout}, 3)))
		ours, err := Conv(x, w, b, tc.stride)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := G.Conv2d(x, w, tensor.Shape{tc.k, tc.k}, []int{tc.k / 2, tc.k / 2}, []int{tc.stride, tc.stride}, []int{1, 1})
		if err != nil {
			t.Fatal(err)
		}
		b4, _ := G.Reshape(b, tensor.Shape{1, tc.cout, 1, 1})
		if plain, err = G.BroadcastAdd(plain, b4, nil, []byte{0, 2, 3}); err != nil {
			t.Fatal(err)
		}
		m := G.NewTapeMachine(g)
		if err := m.RunAll(); err != nil {
			t.Fatal(err)
		}
		a, p := ours.Value().Data().([]float32), plain.Value().Data().([]float32)
		if !ours.Shape().Eq(plain.Shape()) {
			t.Fatalf("%+v: shape %v, Gorgonia %v", tc, ours.Shape(), plain.Shape())
		}
		for i := range a {
			if math.Abs(float64(a[i]-p[i])) > 1e-5 {
				t.Fatalf("%+v: [%d] = %g, Gorgonia %g", tc, i, a[i], p[i])
			}
		}
		m.Close()
	}
}

func TestReLUGradientMask(t *testing.T) {
	x := []float64{-2, math.Copysign(0, -1), 0, 1e-310, 3, math.Inf(1), math.Inf(-1)}
	dy := []float64{1, 2, 3, 4, 5, 6, 7}
	dx := make([]float64, len(x))
	reluGrad64(dx, x, dy)
	testkit.AssertClose(t, "dx64", dx, []float64{0, 0, 0, 4, 5, 6, 0}, 0)
	y := make([]float64, len(x))
	reluForward(y, []float64{-1, 2, math.NaN()})
	if y[0] != 0 || y[1] != 2 || !math.IsNaN(y[2]) {
		t.Errorf("forward %v", y[:3])
	}
}

func TestConvKernelsFloat32MatchFloat64(t *testing.T) {
	for _, tc := range []struct{ n, c, h, w, cout, k, stride int }{
		{3, 5, 14, 13, 20, 3, 1}, {2, 16, 8, 8, 7, 3, 2}, {2, 3, 9, 9, 33, 1, 1}, {2, 8, 10, 9, 6, 3, 1},
		{2, 3, 9, 11, 16, 3, 1}, {2, 2, 7, 6, 9, 5, 1}, // more than twice the input channels: col2im
		{2, 40, 6, 6, 5, 3, 1}, // a long patch to few outputs: read in place
	} {
		g := convGeom{geom: newGeom(tensor.Shape{tc.n, tc.c, tc.h, tc.w}, tc.k, tc.k, tc.stride), cout: tc.cout}
		x := testkit.RandTensor(tensor.Shape{tc.n, tc.c, tc.h, tc.w}, 1).Data().([]float64)
		w := testkit.RandTensor(tensor.Shape{tc.cout, g.patch()}, 2).Data().([]float64)
		dy := testkit.RandTensor(tensor.Shape{tc.n, tc.cout, g.pixels()}, 3).Data().([]float64)
		y64, dx64, dw64 := make([]float64, len(dy)), make([]float64, len(x)), make([]float64, len(w))
		convForward(g, y64, x, w, nil, nil)
		convGradInput(g, dx64, w, dy)
		convGradKernel(g, dw64, x, dy)
		x32, w32, dy32 := testkit.Narrow(x), testkit.Narrow(w), testkit.Narrow(dy)
		y32, dx32, dw32 := make([]float32, len(dy)), make([]float32, len(x)), make([]float32, len(w))
		convForward(g, y32, x32, w32, nil, nil)
		convGradInput(g, dx32, w32, dy32)
		convGradKernel(g, dw32, x32, dy32)
		for name, pair := range map[string][2][]float64{"y": {y64, testkit.Widen(y32)}, "dx": {dx64, testkit.Widen(dx32)}, "dw": {dw64, testkit.Widen(dw32)}} {
			for i := range pair[0] {
				if math.Abs(pair[0][i]-pair[1][i]) > 1e-4*(1+math.Abs(pair[0][i])) {
					t.Fatalf("%+v %s[%d]: float32 %g, float64 %g", tc, name, i, pair[1][i], pair[0][i])
				}
			}
		}
	}
}

// The two ways to the input gradient agree, on both sides of flipsGradInput's line.
func TestGradInputPathsAgree(t *testing.T) {
	for _, tc := range []struct {
		n, c, h, w, cout, k int
		flips               bool
	}{
		{2, 5, 30, 28, 16, 3, true}, {2, 4, 28, 29, 16, 3, true}, {2, 4, 28, 9, 16, 3, false}, {2, 3, 28, 28, 8, 3, false},
		{2, 5, 28, 28, 21, 3, false}, {2, 8, 6, 7, 16, 3, true}, {2, 6, 28, 28, 16, 1, false}, {2, 6, 7, 7, 12, 1, true},
	} {
		g := convGeom{geom: newGeom(tensor.Shape{tc.n, tc.c, tc.h, tc.w}, tc.k, tc.k, 1), cout: tc.cout}
		if g.flipsGradInput() != tc.flips {
			t.Fatalf("%+v: flips %v", tc, !tc.flips)
		}
		w := testkit.RandTensor(tensor.Shape{tc.cout, g.patch()}, 2).Data().([]float64)
		dy := testkit.RandTensor(tensor.Shape{tc.n, tc.cout, g.pixels()}, 3).Data().([]float64)
		flipped, unfolded := make([]float64, tc.n*tc.c*tc.h*tc.w), make([]float64, tc.n*tc.c*tc.h*tc.w)
		gradInputFlipped(g, flipped, w, dy)
		gradInputUnfolded(g, unfolded, w, dy)
		testkit.AssertClose(t, fmt.Sprintf("%+v", tc), flipped, unfolded, 1e-12)
	}
}

func TestMaxPool2MatchesGeneral(t *testing.T) {
	testMaxPool2[float64](t)
	testMaxPool2[float32](t)
}

// Rows of 11 windows (8 at a time and a tail), and planes of short rows run as one: 3x3
// windows of a 7x7 plane (a row and a column left over), 7x7 of 14x14, 4x4 of 8x8.
func testMaxPool2[T float](t *testing.T) {
	for _, side := range [][2]int{{7, 22}, {7, 7}, {14, 14}, {8, 8}} {
		testMaxPool2Plane[T](t, poolGeom{n: 1, c: 2, h: side[0], w: side[1], size: 2, stride: 2, oh: side[0] / 2, ow: side[1] / 2})
	}
}

func testMaxPool2Plane[T float](t *testing.T, p poolGeom) {
	r := rand.New(rand.NewPCG(1, 2))
	pick := []T{T(math.NaN()), 1, 2, 2, -1, T(math.Inf(1))}
	x, dy := make([]T, p.c*p.h*p.w), make([]T, p.c*p.oh*p.ow)
	for i := range dy {
		dy[i] = T(i + 1)
	}
	for trial := 0; trial < 500; trial++ {
		for i := range x {
			x[i] = pick[r.IntN(len(pick)-1)+btoi(trial%4 == 0)]
		}
		y, dx := make([]T, len(dy)), make([]T, len(x))
		maxPoolPlanes(p, y, x, 0, p.c)
		maxPoolGradPlanes(p, dx, x, y, dy, 0, p.c)
		want := make([]T, len(x))
		for plane := 0; plane < p.c; plane++ {
			for oy := 0; oy < p.oh; oy++ {
				for ox := 0; ox < p.ow; ox++ {
					o, in := plane*p.oh*p.ow+oy*p.ow+ox, x[plane*p.h*p.w:]
					i := argmax(p, in, oy, ox)
					if m := in[i]; y[o] != m && !(y[o] != y[o] && m != m) {
						t.Fatalf("%v: window %d of %v: max %g, want %g", p, o, x, y[o], m)
					}
					want[plane*p.h*p.w+i] += dy[o]
				}
			}
		}
		for i := range dx {
			if dx[i] != want[i] {
				t.Fatalf("%v: input %d of %v: gradient %g, want %g", p, i, x, dx[i], want[i])
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestDepthwiseWideMatchesRows(t *testing.T) {
	for _, k := range []int{1, 3, 5} {
		for _, hw := range [][2]int{{11, 13}, {4, 2}} {
			xs := tensor.Shape{2, 3, hw[0], hw[1]}
			g := newGeom(xs, k, k, 1)
			x := testkit.RandTensor(xs, 1).Data().([]float64)
			w := testkit.RandTensor(tensor.Shape{3, k * k}, 2).Data().([]float64)
			dy := testkit.RandTensor(xs, 3).Data().([]float64)
			y, dx, dw := make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(w))
			depthwiseForwardRows(g, y, x, w)
			depthwiseGradInputRows(g, dx, w, dy)
			depthwiseGradFilterRows(g, dw, x, dy)
			y64, dx64, dw64 := make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(w))
			wideForward(g, y64, x, w, false)
			wideForward(g, dx64, dy, w, true)
			wideGradFilter(g, dw64, x, dy)
			y32, dx32, dw32 := make([]float32, len(x)), make([]float32, len(x)), make([]float32, len(w))
			wideForward(g, y32, testkit.Narrow(x), testkit.Narrow(w), false)
			wideForward(g, dx32, testkit.Narrow(dy), testkit.Narrow(w), true)
			wideGradFilter(g, dw32, testkit.Narrow(x), testkit.Narrow(dy))
			name := fmt.Sprintf("k%d %v", k, xs)
			testkit.AssertClose(t, name+" y", y64, y, 1e-12)
			testkit.AssertClose(t, name+" dx", dx64, dx, 1e-12)
			testkit.AssertClose(t, name+" dw", dw64, dw, 1e-12)
			testkit.AssertClose(t, name+" y32", testkit.Widen(y32), y, 1e-5)
			testkit.AssertClose(t, name+" dx32", testkit.Widen(dx32), dx, 1e-5)
			testkit.AssertClose(t, name+" dw32", testkit.Widen(dw32), dw, 1e-4)
		}
	}
}

func TestDepthwiseKernelsFloat32MatchFloat64(t *testing.T) {
	for _, stride := range []int{1, 2} {
		g := newGeom(tensor.Shape{2, 3, 11, 13}, 3, 3, stride)
		x := testkit.RandTensor(tensor.Shape{2, 3, 11, 13}, 1).Data().([]float64)
		w := testkit.RandTensor(tensor.Shape{3, 9}, 2).Data().([]float64)
		dy := testkit.RandTensor(tensor.Shape{2, 3, g.oh, g.ow}, 3).Data().([]float64)
		y64, dx64, dw64 := make([]float64, len(dy)), make([]float64, len(x)), make([]float64, len(w))
		depthwiseForward(g, y64, x, w)
		depthwiseGradInput(g, dx64, w, dy)
		depthwiseGradFilter(g, dw64, x, dy)
		y32, dx32, dw32 := make([]float32, len(dy)), make([]float32, len(x)), make([]float32, len(w))
		depthwiseForward(g, y32, testkit.Narrow(x), testkit.Narrow(w))
		depthwiseGradInput(g, dx32, testkit.Narrow(w), testkit.Narrow(dy))
		depthwiseGradFilter(g, dw32, testkit.Narrow(x), testkit.Narrow(dy))
		testkit.AssertClose(t, "y", testkit.Widen(y32), y64, 1e-5)
		testkit.AssertClose(t, "dx", testkit.Widen(dx32), dx64, 1e-5)
		testkit.AssertClose(t, "dw", testkit.Widen(dw32), dw64, 1e-4)
	}
}

func TestKernelGradGroupsMatchOneByOne(t *testing.T) {
	for _, tc := range []struct{ n, c, h, w, cout, k, group int }{
		{7, 3, 7, 6, 5, 3, 3}, {5, 2, 4, 4, 33, 3, 2}, {6, 4, 5, 5, 8, 1, 4},
	} {
		xs := tensor.Shape{tc.n, tc.c, tc.h, tc.w}
		g := convGeom{geom: newGeom(xs, tc.k, tc.k, 1), cout: tc.cout}
		x := testkit.RandTensor(xs, 1).Data().([]float64)
		dy := testkit.RandTensor(tensor.Shape{tc.n, tc.cout, g.pixels()}, 3).Data().([]float64)
		want, got := make([]float64, tc.cout*g.patch()), make([]float64, tc.cout*g.patch())
		addKernelGrads(g, want, x, dy, 0, tc.n)
		addKernelGradGroups(g, got, x, dy, 0, tc.n, tc.group)
		testkit.AssertClose(t, fmt.Sprintf("%+v", tc), got, want, 1e-12)
		got32 := make([]float32, len(want))
		addKernelGradGroups(g, got32, testkit.Narrow(x), testkit.Narrow(dy), 0, tc.n, tc.group)
		testkit.AssertClose(t, fmt.Sprintf("%+v float32", tc), testkit.Widen(got32), want, 1e-4)
	}
}

// The kernel gradient read in place from padded planes (float32, AVX2) against the unfolded
// product in float64: 3x3 and 5x5 kernels, a partial last group; it declines for more than
// twice as many outputs as inputs and for more than sgemm.DirectRows() outputs.
func TestKernelGradShiftedMatchesUnfolded(t *testing.T) {
	if !sgemm.NTShifted(1, 8) {
		t.Skip("no dot-product path on this processor")
	}
	for _, tc := range []struct {
		n, c, h, w, cout, k, group int
		runs                       bool
	}{
		{7, 3, 7, 6, 5, 3, 3, true}, {5, 8, 4, 4, 16, 3, 2, true}, {5, 2, 4, 4, 16, 3, 2, false}, {4, 16, 9, 9, 5, 3, 1, true},
		{3, 4, 6, 5, 7, 5, 2, true}, {3, 20, 6, 6, 40, 3, 2, 40 <= sgemm.DirectRows()},
		{2, sgemm.DirectRows()/2 + 1, 5, 5, sgemm.DirectRows() + 1, 3, 1, false},
	} {
		xs := tensor.Shape{tc.n, tc.c, tc.h, tc.w}
		g := convGeom{geom: newGeom(xs, tc.k, tc.k, 1), cout: tc.cout}
		x := testkit.RandTensor(xs, 1).Data().([]float64)
		dy := testkit.RandTensor(tensor.Shape{tc.n, tc.cout, g.pixels()}, 3).Data().([]float64)
		want, got := make([]float64, tc.cout*g.patch()), make([]float32, tc.cout*g.patch())
		addKernelGrads(g, want, x, dy, 0, tc.n)
		if ran := gradKernelShifted(g, got, testkit.Narrow(x), testkit.Narrow(dy), 0, tc.n, tc.group); ran != tc.runs {
			t.Fatalf("%+v: ran %v", tc, ran)
		}
		if tc.runs {
			testkit.AssertClose(t, fmt.Sprintf("%+v", tc), testkit.Widen(got), want, 1e-4)
		}
	}
}

func BenchmarkConvKernels(b *testing.B) {
	for _, tc := range []struct {
		name               string
		c, h, cout, k, str int
	}{{"16to16_28x28", 16, 28, 16, 3, 1}, {"8to16_14x14", 8, 14, 16, 3, 1}, {"32to32_7x7", 32, 7, 32, 3, 1},
		{"64to128_16x16", 64, 16, 128, 3, 1}, {"3to16_28x28", 3, 28, 16, 3, 1}, {"5to64_8x8", 5, 8, 64, 3, 1},
		{"3to16_28x28_1x1", 3, 28, 16, 1, 1}, {"32to5_16x16", 32, 16, 5, 3, 1}, {"16to5_32x32", 16, 32, 5, 3, 1},
		{"3to5_32x32", 3, 32, 5, 3, 1}, {"5to16_32x32", 5, 32, 16, 3, 1}, {"16to16_32x32", 16, 32, 16, 3, 1},
		{"4to16_32x32", 4, 32, 16, 3, 1}, {"5to32_16x16", 5, 16, 32, 3, 1}, {"3to32_16x16", 3, 16, 32, 3, 1}, {"2to16_32x32", 2, 32, 16, 3, 1}, {"6to16_28x28", 6, 28, 16, 3, 1},
		{"32to64_8x8", 32, 8, 64, 3, 1}, {"64to64_8x8", 64, 8, 64, 3, 1}, {"32to32_16x16", 32, 16, 32, 3, 1},
		{"16to5_16x16", 16, 16, 5, 3, 1}, {"32to5_8x8", 32, 8, 5, 3, 1}, {"64to5_8x8", 64, 8, 5, 3, 1}, // the rest of CIFAR light5
		{"3to5_32x32_1x1", 3, 32, 5, 1, 1}, {"5to16_32x32_1x1", 5, 32, 16, 1, 1}, {"16to5_16x16_1x1", 16, 16, 5, 1, 1},
		{"5to32_16x16_1x1", 5, 16, 32, 1, 1}, {"32to5_8x8_1x1", 32, 8, 5, 1, 1}, {"5to64_8x8_1x1", 5, 8, 64, 1, 1},
		{"3to16_32x32", 3, 32, 16, 3, 1}, {"16to32_16x16", 16, 16, 32, 3, 1}, {"3to16_32x32_1x1", 3, 32, 16, 1, 1}, // and of CIFAR Conv2D
		{"16to32_16x16_1x1", 16, 16, 32, 1, 1}, {"32to64_8x8_1x1", 32, 8, 64, 1, 1},
		{"1to3_28x28", 1, 28, 3, 3, 1}, {"3to8_28x28", 3, 28, 8, 3, 1}, {"8to3_28x28", 8, 28, 3, 3, 1}, {"3to16_14x14", 3, 14, 16, 3, 1}} { // and of MNIST light3
		g := convGeom{geom: newGeom(tensor.Shape{64, tc.c, tc.h, tc.h}, tc.k, tc.k, tc.str), cout: tc.cout}
		x := testkit.Narrow(testkit.RandTensor(tensor.Shape{64, tc.c, tc.h, tc.h}, 1).Data().([]float64))
		w := testkit.Narrow(testkit.RandTensor(tensor.Shape{tc.cout, g.patch()}, 2).Data().([]float64))
		dy := testkit.Narrow(testkit.RandTensor(tensor.Shape{64, tc.cout, g.pixels()}, 3).Data().([]float64))
		y, dx, dw := make([]float32, len(dy)), make([]float32, len(x)), make([]float32, len(w))
		for _, k := range []struct {
			name string
			f    func()
		}{
			{"forward", func() { convForward(g, y, x, w, nil, nil) }},
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

// The MNIST networks' first and last pooling: wide rows, and rows of three windows.
func BenchmarkMaxPoolKernels(b *testing.B) {
	for _, p := range []poolGeom{
		{n: 64, c: 16, h: 28, w: 28, size: 2, stride: 2, oh: 14, ow: 14},
		{n: 64, c: 32, h: 7, w: 7, size: 2, stride: 2, oh: 3, ow: 3},
		{n: 64, c: 16, h: 14, w: 14, size: 2, stride: 2, oh: 7, ow: 7},
		{n: 64, c: 64, h: 8, w: 8, size: 2, stride: 2, oh: 4, ow: 4},
	} {
		x := testkit.Narrow(testkit.RandTensor(tensor.Shape{p.n, p.c, p.h, p.w}, 1).Data().([]float64))
		dy := testkit.Narrow(testkit.RandTensor(tensor.Shape{p.n, p.c, p.oh, p.ow}, 2).Data().([]float64))
		y, dx := make([]float32, len(dy)), make([]float32, len(x))
		name := fmt.Sprintf("%dx%dx%d", p.c, p.h, p.w)
		b.Run(name+"/forward", func(b *testing.B) {
			for b.Loop() {
				maxPoolForward(p, y, x)
			}
			b.ReportMetric(float64(p.n*b.N)/b.Elapsed().Seconds(), "images/s")
		})
		b.Run(name+"/backward", func(b *testing.B) {
			for b.Loop() {
				maxPoolBackward(p, dx, x, y, dy)
			}
			b.ReportMetric(float64(p.n*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// The padded in-place forward path gives the unfolded path's bits: im2col, the product, the
// bias added to each plane, then the epilogue; odd widths (row tails), NaNs and signed
// zeros included.
func TestShiftedForwardMatchesUnfolded(t *testing.T) {
	for _, tc := range []struct{ c, h, w, cout, k int }{{8, 28, 28, 3, 3}, {16, 32, 32, 5, 3}, {16, 7, 7, 3, 3}, {32, 14, 13, 16, 3}, {64, 8, 8, 5, 3}, {1, 28, 29, 3, 3}, {3, 30, 28, 8, 3}} {
		g := convGeom{geom: newGeom(tensor.Shape{2, tc.c, tc.h, tc.w}, tc.k, tc.k, 1), cout: tc.cout, bias: true}
		if !g.readsInPlace() {
			t.Fatalf("%+v: unfolded, not read in place", tc)
		}
		x := testkit.Narrow(testkit.RandTensor(tensor.Shape{2, tc.c, tc.h, tc.w}, 1).Data().([]float64))
		x[5], x[len(x)/2] = float32(math.NaN()), float32(math.Copysign(0, -1))
		w := testkit.Narrow(testkit.RandTensor(tensor.Shape{tc.cout, g.patch()}, 2).Data().([]float64))
		b := testkit.Narrow(testkit.RandTensor(tensor.Shape{tc.cout}, 3).Data().([]float64))
		after := func(o int, plane []float32) { scaleShift(plane, plane, 1.5, float32(o)) }
		out, in := tc.cout*g.pixels(), tc.c*tc.h*tc.w
		want, got := make([]float32, 2*out), make([]float32, 2*out)
		cols := make([]float32, g.cols())
		for i := range 2 {
			yi := want[i*out : (i+1)*out]
			sgemm.Gemm(false, false, tc.cout, g.pixels(), g.patch(), w, g.patch(), unfold(g, x[i*in:(i+1)*in], cols), g.pixels(), 0, yi, g.pixels())
			for o := range tc.cout {
				plane := yi[o*g.pixels() : (o+1)*g.pixels()]
				scaleShift(plane, plane, 1, b[o])
				after(o, plane)
			}
		}
		convForward(g, got, x, w, b, after)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%+v: [%d] = %g, unfolded %g", tc, i, got[i], want[i])
			}
		}
	}
}
