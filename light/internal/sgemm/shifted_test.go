package sgemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// MulShifted gives the bits Mul gives on the materialized matrix, on every kernel path, for
// shapes with partial tiles and more than one kc block.
func TestMulShiftedEqualsMul(t *testing.T) {
	hasAVX2, hasWide := Accelerated, Wide
	defer func() { Accelerated = hasAVX2; SetWide(hasWide) }()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, path := range []struct{ accelerated, wide bool }{{false, false}, {true, false}, {true, true}} {
		Accelerated = path.accelerated && hasAVX2
		SetWide(path.wide)
		for _, tc := range []struct{ m, k, n int }{{5, 27, 70}, {8, 300, 64}, {13, 600, 33}, {3, 9, 5}, {16, 144, 100}} {
			x := make([]float32, 4000)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			offs := make([]int, tc.k)
			for i := range offs {
				offs[i] = rng.IntN(2000)
			}
			a := make([]float32, tc.m*tc.k)
			for i := range a {
				a[i] = float32(rng.NormFloat64())
			}
			b := make([]float32, tc.k*tc.n)
			for p, o := range offs {
				copy(b[p*tc.n:(p+1)*tc.n], x[o:])
			}
			want, got := make([]float32, tc.m*tc.n), make([]float32, tc.m*tc.n)
			pa := PackA(false, tc.m, tc.k, a, tc.k)
			pa.Mul(false, tc.n, b, tc.n, 0, want, tc.n)
			pa.MulShifted(x, offs, tc.n, got, tc.n)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("accelerated %v wide %v %+v: [%d] = %g, Mul %g", Accelerated, Wide, tc, i, got[i], want[i])
				}
			}
		}
	}
}

// A row of a product has the same bits whatever rows surround it, on every kernel: a tile of
// fewer rows than the register tile (the AVX-512 kernels compute only its rows) gives what a
// full tile gives. Both products, stored (beta 0) and added (beta 1, and k past one block).
func TestPartialTilesMatchFullTiles(t *testing.T) {
	hasAVX2, hasWide := Accelerated, Wide
	defer func() { Accelerated = hasAVX2; SetWide(hasWide) }()
	rng := rand.New(rand.NewPCG(7, 8))
	for _, path := range []struct{ accelerated, wide bool }{{false, false}, {true, false}, {true, true}} {
		Accelerated = path.accelerated && hasAVX2
		SetWide(path.wide)
		for _, tc := range []struct{ k, n int }{{9, 64}, {45, 70}, {600, 32}} {
			const full = 16
			x, a := random(rng, 4000), random(rng, full*tc.k)
			offs := make([]int, tc.k)
			for i := range offs {
				offs[i] = rng.IntN(2000)
			}
			b := make([]float32, tc.k*tc.n)
			for p, o := range offs {
				copy(b[p*tc.n:(p+1)*tc.n], x[o:])
			}
			c0 := random(rng, full*tc.n)
			products := func(m int) [3][]float32 {
				var out [3][]float32
				for i := range out {
					out[i] = append([]float32(nil), c0[:m*tc.n]...)
				}
				pa := PackA(false, m, tc.k, a[:m*tc.k], tc.k)
				pa.Mul(false, tc.n, b, tc.n, 0, out[0], tc.n)
				pa.Mul(false, tc.n, b, tc.n, 1, out[1], tc.n)
				pa.MulShifted(x, offs, tc.n, out[2], tc.n)
				return out
			}
			want := products(full)
			for m := 1; m <= 9; m++ {
				for i, got := range products(m) {
					for j := range got {
						if math.Float32bits(got[j]) != math.Float32bits(want[i][j]) {
							t.Fatalf("accelerated %v wide %v %+v, %d rows, product %d: [%d] = %g, with %d rows %g", Accelerated, Wide, tc, m, i, j, got[j], full, want[i][j])
						}
					}
				}
			}
		}
	}
}
