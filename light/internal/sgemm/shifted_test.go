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
