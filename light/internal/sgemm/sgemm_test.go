package sgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// naive is C = op(A)·op(B) + beta·C accumulated in float64.
func naive(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) []float64 {
	out := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				ai, bi := i*lda+p, p*ldb+j
				if tA {
					ai = p*lda + i
				}
				if tB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				s += float64(av) * float64(bv)
			}
			if beta != 0 {
				s += float64(beta) * float64(c[i*ldc+j])
			}
			out[i*n+j] = s
		}
	}
	return out
}

func random(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = r.Float32()*2 - 1
	}
	return x
}

// check multiplies with padded leading dimensions and compares with the float64 product;
// C's padding must stay untouched.
func check(t *testing.T, tA, tB bool, m, n, k int, beta float32) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(m*1000+n), uint64(k)))
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	lda, ldb, ldc := ac+3, bc+1, n+2
	a, b, c := random(r, ar*lda), random(r, br*ldb), random(r, m*ldc)
	if beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN()) // beta = 0 must ignore C
		}
	}
	want := naive(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
	before := append([]float32(nil), c...)
	Gemm(tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc)
	tol := 1e-5 * float64(k+1)
	for i := 0; i < m; i++ {
		for j := 0; j < ldc; j++ {
			got := c[i*ldc+j]
			if j >= n {
				if math.Float32bits(got) != math.Float32bits(before[i*ldc+j]) {
					t.Fatalf("wrote outside C at (%d, %d)", i, j)
				}
				continue
			}
			if d := math.Abs(float64(got) - want[i*n+j]); !(d <= tol) {
				t.Fatalf("C[%d][%d] = %g, want %g", i, j, got, want[i*n+j])
			}
		}
	}
}

func shapes() [][3]int {
	return [][3]int{{1, 1, 1}, {6, 16, 1}, {5, 15, 3}, {7, 17, 9}, {12, 32, 256}, {13, 33, 257},
		{16, 784, 9}, {8, 24, 40}, {3, 27, 33}, {100, 50, 600}, {97, 2100, 30}, {32, 196, 288}}
}

func TestGemmMatchesFloat64Product(t *testing.T) {
	for _, s := range shapes() {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, beta := range []float32{0, 1, 0.5} {
				t.Run(fmt.Sprintf("%v/%v/%v", s, tr, beta), func(t *testing.T) {
					check(t, tr[0], tr[1], s[0], s[1], s[2], beta)
				})
			}
		}
	}
}

// Every kernel this machine can run gives the product: the AVX-512 one (32 columns), the
// AVX2 one (16) and the plain-Go one, which runs without AVX2 or under the purego tag.
func TestEveryKernelMatchesFloat64Product(t *testing.T) {
	hasAVX2, hasWide := Accelerated, Wide // what this machine runs by default
	defer func() { Accelerated = hasAVX2; SetWide(hasWide) }()
	for _, k := range []struct {
		name        string
		accelerated bool
		wide        bool
	}{{"avx512", true, true}, {"avx2", true, false}, {"go", false, false}} {
		Accelerated = k.accelerated && hasAVX2
		SetWide(k.wide)
		if Accelerated != k.accelerated || Wide != k.wide {
			t.Logf("%s kernel: not on this machine", k.name)
			continue
		}
		t.Run(k.name, func(t *testing.T) {
			for _, s := range shapes() {
				for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}} {
					check(t, tr[0], tr[1], s[0], s[1], s[2], 0)
					check(t, tr[0], tr[1], s[0], s[1], s[2], 1)
				}
			}
		})
	}
}

func TestEmptyDimensions(t *testing.T) {
	c := []float32{1, 2, 3, 4}
	Gemm(false, false, 2, 2, 0, nil, 1, nil, 2, 0.5, c, 2)
	if c[0] != 0.5 || c[3] != 2 {
		t.Errorf("k = 0 should scale C by beta: %v", c)
	}
	Gemm(false, false, 0, 2, 3, nil, 3, nil, 2, 0, nil, 2)
}

// Shapes of the zoo's convolutions: forward (W·cols), input gradient (Wᵀ·dy), kernel
// gradient (dy·colsᵀ), per image.
var benchShapes = []struct {
	name    string
	tA, tB  bool
	m, n, k int
}{
	{"fwd_16x784x144", false, false, 16, 784, 144},
	{"fwd_64x256x576", false, false, 64, 256, 576},
	{"dx_144x784x16", true, false, 144, 784, 16},
	{"dw_16x144x784", false, true, 16, 144, 784},
	{"dw_64x576x256", false, true, 64, 576, 256},
}

func BenchmarkGemm(b *testing.B) {
	for _, s := range benchShapes {
		r := rand.New(rand.NewPCG(1, 2))
		a, bb, c := random(r, s.m*s.k), random(r, s.k*s.n), random(r, s.m*s.n)
		lda, ldb := s.k, s.n
		if s.tA {
			lda = s.m
		}
		if s.tB {
			ldb = s.k
		}
		flops := 2 * float64(s.m*s.n*s.k)
		for _, wide := range []bool{true, false} {
			name := "lightzoo-avx2/"
			if wide {
				name = "lightzoo-avx512/"
			}
			b.Run(name+s.name, func(b *testing.B) {
				defer SetWide(Wide)
				if SetWide(wide); Wide != wide {
					b.Skip("no AVX-512 here")
				}
				for b.Loop() {
					Gemm(s.tA, s.tB, s.m, s.n, s.k, a, lda, bb, ldb, 0, c, s.n)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
		b.Run("gonum/"+s.name, func(b *testing.B) {
			ta, tb := blas.NoTrans, blas.NoTrans
			if s.tA {
				ta = blas.Trans
			}
			if s.tB {
				tb = blas.Trans
			}
			for b.Loop() {
				gonum.Implementation{}.Sgemm(ta, tb, s.m, s.n, s.k, 1, a, lda, bb, ldb, 0, c, s.n)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// One packed A multiplies several B, concurrently, as Gemm does each.
func TestPackedAReused(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tA := range []bool{false, true} {
		m, k, n := 13, 300, 40
		a := random(r, m*k)
		lda := k
		if tA {
			lda = m
		}
		pa := PackA(tA, m, k, a, lda)
		bs := make([][]float32, 4)
		got, want := make([][]float32, 4), make([][]float32, 4)
		done := make(chan int)
		for i := range bs {
			bs[i], got[i], want[i] = random(r, k*n), make([]float32, m*n), make([]float32, m*n)
			Gemm(tA, false, m, n, k, a, lda, bs[i], n, 0, want[i], n)
			go func() { pa.Mul(false, n, bs[i], n, 0, got[i], n); done <- i }()
		}
		for range bs {
			<-done
		}
		for i := range bs {
			for j := range got[i] {
				if got[i][j] != want[i][j] {
					t.Fatalf("transA %v, B %d [%d]: %g, Gemm gives %g", tA, i, j, got[i][j], want[i][j])
				}
			}
		}
	}
}
