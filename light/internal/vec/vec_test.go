package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

func random(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = r.Float32()*4 - 2
	}
	return x
}

func near(a, b float32, n int) bool {
	return math.Abs(float64(a-b)) <= 1e-5*float64(n+1)*(1+math.Abs(float64(b)))
}

// Each function matches its scalar definition for lengths around the 8-lane width.
func TestMatchesScalar(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 8, 9, 16, 23, 100, 1027} {
		x, u, dy := random(r, n), random(r, n), random(r, n)
		y, g := make([]float32, n), make([]float32, n)
		ScaleShift(y, x, 1.5, -0.25)
		Affine2(g, u, x, 0.5, -2, 0.125, 0.3)
		var s, ssd, sd, sdx float32
		for i := range x {
			if !near(y[i], 1.5*x[i]-0.25, 0) || !near(g[i], 0.5*u[i]-2*(x[i]-0.3)+0.125, 0) {
				t.Fatalf("n=%d [%d]: ScaleShift %g, Affine2 %g", n, i, y[i], g[i])
			}
			s += x[i]
			ssd += (x[i] - 0.3) * (x[i] - 0.3)
			sd += dy[i]
			sdx += dy[i] * (x[i] - 0.3)
		}
		ys := append([]float32(nil), y...)
		AddScaled(ys, x, -0.75)
		sum := make([]float32, n)
		Add(sum, x, dy)
		var dot float32
		for i := range x {
			if sum[i] != x[i]+dy[i] {
				t.Fatalf("n=%d [%d]: Add %g, want %g", n, i, sum[i], x[i]+dy[i])
			}
			if !near(ys[i], y[i]-0.75*x[i], 0) {
				t.Fatalf("n=%d [%d]: AddScaled %g, want %g", n, i, ys[i], y[i]-0.75*x[i])
			}
			dot += x[i] * dy[i]
		}
		if !near(Dot(x, dy), dot, n) {
			t.Fatalf("n=%d: Dot %g, want %g", n, Dot(x, dy), dot)
		}
		gsd, gsdx := SumDev(dy, x, 0.3)
		if !near(Sum(x), s, n) || !near(SumSqDev(x, 0.3), ssd, n) || !near(gsd, sd, n) || !near(gsdx, sdx, n) {
			t.Fatalf("n=%d: sums %g %g %g %g, want %g %g %g %g", n, Sum(x), SumSqDev(x, 0.3), gsd, gsdx, s, ssd, sd, sdx)
		}
	}
}

// ReLU and its gradient treat signed zeros, subnormals, infinities and NaNs as the scalar
// code does, in the vector lanes and the tail alike.
func TestReLUSpecialValues(t *testing.T) {
	nan := float32(math.NaN())
	special := []float32{-2, float32(math.Copysign(0, -1)), 0, math.SmallestNonzeroFloat32, 3,
		float32(math.Inf(1)), float32(math.Inf(-1)), nan, -math.SmallestNonzeroFloat32, -nan}
	x := append(append([]float32(nil), special...), special...) // 20: two lanes' worth and a tail
	dy := make([]float32, len(x))
	for i := range dy {
		dy[i] = float32(i + 1)
	}
	y, dx := make([]float32, len(x)), make([]float32, len(x))
	ReLU(y, x)
	ReLUGrad(dx, x, dy)
	for i, v := range x {
		want := max(v, 0)
		if v != v {
			want = v // a NaN keeps its sign and payload, in the lanes and in the tail
		}
		if math.Float32bits(y[i]) != math.Float32bits(want) {
			t.Errorf("ReLU(%g) at %d = %g (%#x), want %g (%#x)", v, i, y[i], math.Float32bits(y[i]), want, math.Float32bits(want))
		}
		wantDx := float32(0)
		if v > 0 || (v != v && !math.Signbit(float64(v))) {
			wantDx = dy[i]
		}
		if dx[i] != wantDx {
			t.Errorf("ReLUGrad at x = %g: %g, want %g", v, dx[i], wantDx)
		}
	}
}

// The plain-Go path is what runs without AVX2 or under the purego tag.
func TestPlainPath(t *testing.T) {
	defer func(v bool) { Accelerated = v }(Accelerated)
	Accelerated = false
	TestMatchesScalar(t)
	TestReLUSpecialValues(t)
	TestMaxPool2(t)
	TestFusedReLUMatchesUnfused(t)
}

// MaxPool2 and MaxPool2Grad match the scalar rules (Go's max, first maximum or first NaN)
// on data full of ties, with NaNs in some windows, at lengths around the lane width.
func TestMaxPool2(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	pick := []float32{-1, 0, negZero, 2, 2, 3, nan}
	for _, n := range []int{1, 7, 8, 9, 16, 17, 40} {
		for trial := 0; trial < 50; trial++ {
			r0, r1, g := make([]float32, 2*n), make([]float32, 2*n), random(r, n)
			for i := range r0 {
				r0[i], r1[i] = pick[r.IntN(len(pick)-1)], pick[r.IntN(len(pick)-1)]
				if trial%3 == 0 && r.IntN(20) == 0 {
					r0[i] = nan
				}
			}
			out, d0, d1 := make([]float32, n), make([]float32, 2*n), make([]float32, 2*n)
			MaxPool2(out, r0, r1)
			MaxPool2Grad(d0, d1, r0, r1, g)
			w0, w1 := make([]float32, 2*n), make([]float32, 2*n)
			maxPool2GradGo(w0, w1, r0, r1, g, 0, n)
			for i := range out {
				want := max(r0[2*i], r0[2*i+1], r1[2*i], r1[2*i+1])
				if out[i] != want && !(out[i] != out[i] && want != want) {
					t.Fatalf("n=%d window %d (%v %v / %v %v): max %g, want %g", n, i, r0[2*i], r0[2*i+1], r1[2*i], r1[2*i+1], out[i], want)
				}
			}
			for i := range g {
				if k := firstMax(r0[2*i], r0[2*i+1], r1[2*i], r1[2*i+1]); [4]float32{w0[2*i], w0[2*i+1], w1[2*i], w1[2*i+1]}[k] != g[i] {
					t.Fatalf("n=%d window %d (%v %v / %v %v): the scalar gradient is not at input %d", n, i, r0[2*i], r0[2*i+1], r1[2*i], r1[2*i+1], k)
				}
			}
			for i := range d0 {
				if d0[i] != w0[i] || d1[i] != w1[i] {
					t.Fatalf("n=%d column %d: gradient %g %g, want %g %g (rows %v / %v)", n, i, d0[i], d1[i], w0[i], w1[i], r0, r1)
				}
			}
		}
	}
}

// firstMax is the index of the window's first NaN, else of its first input equal to Go's max.
func firstMax(w ...float32) int {
	m := max(w[0], w[1], w[2], w[3])
	for i, v := range w {
		if v != v || (m == m && v == m) {
			return i
		}
	}
	panic("no maximum")
}

// The ReLU-fused BatchNorm loops equal the unfused loops run one after the other.
func TestFusedReLUMatchesUnfused(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 7, 8, 9, 100, 1027} {
		x, dy := random(r, n), random(r, n)
		x[0] = 0.25 // a·x + b = 0 exactly: the mask's edge
		const a, b, mu, p, q, rr = 2, -0.5, 0.1, 0.7, -1.3, 0.05
		fused, y, z := make([]float32, n), make([]float32, n), make([]float32, n)
		ScaleShiftReLU(fused, x, a, b)
		ScaleShift(y, x, a, b)
		ReLU(z, y)
		dyMasked := make([]float32, n)
		ReLUGrad(dyMasked, y, dy)
		sd, sdx := SumDevReLU(dy, x, mu, a, b)
		wsd, wsdx := SumDev(dyMasked, x, mu)
		g, wg := make([]float32, n), make([]float32, n)
		Affine2ReLU(g, dy, x, p, q, rr, mu, a, b)
		Affine2(wg, dyMasked, x, p, q, rr, mu)
		for i := range x {
			if math.Float32bits(fused[i]) != math.Float32bits(z[i]) || g[i] != wg[i] {
				t.Fatalf("n=%d [%d]: fused %g, unfused %g; gradient %g, unfused %g", n, i, fused[i], z[i], g[i], wg[i])
			}
		}
		if sd != wsd || sdx != wsdx {
			t.Fatalf("n=%d: sums %g %g, unfused %g %g", n, sd, sdx, wsd, wsdx)
		}
	}
}

// CopyRows and AddRows give, on both paths, the bits of a copy and of ScaleShift(·, ·, 1, b)
// row by row, special values included, and leave what lies between dst's rows alone.
func TestRowsMatchRowByRow(t *testing.T) {
	defer func(was bool) { Accelerated = was }(Accelerated)
	r := rand.New(rand.NewPCG(9, 10))
	special := []float32{float32(math.NaN()), -float32(math.NaN()), float32(math.Inf(1)), float32(math.Copysign(0, -1)), 0, 1e-40}
	for _, acc := range []bool{false, Accelerated} {
		Accelerated = acc
		for _, w := range []int{1, 3, 4, 5, 7, 8, 9, 12, 14, 16, 20, 28, 32, 33} {
			for _, rows := range []int{1, 3} {
				spitch, dpitch := w+3, w+2
				src := random(r, rows*spitch)
				for i, v := range special {
					src[(i*7)%len(src)] = v
				}
				for _, b := range []float32{0.75, float32(math.Copysign(0, -1)), float32(math.NaN())} {
					want, got := make([]float32, rows*dpitch), make([]float32, rows*dpitch)
					for i := range want {
						want[i], got[i] = 9, 9
					}
					for row := range rows {
						copy(want[row*dpitch:][:w], src[row*spitch:])
					}
					CopyRows(got, dpitch, src, spitch, rows, w)
					sameBits(t, "CopyRows", acc, w, rows, got, want)
					for row := range rows {
						ScaleShift(want[row*dpitch:][:w], src[row*spitch:][:w], 1, b)
					}
					AddRows(got, dpitch, src, spitch, rows, w, b)
					sameBits(t, "AddRows", acc, w, rows, got, want)
				}
			}
		}
	}
}

func sameBits(t *testing.T, name string, acc bool, w, rows int, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s accelerated %v, w %d, %d rows: [%d] = %g, want %g", name, acc, w, rows, i, got[i], want[i])
		}
	}
}
