//go:build !purego

package sgemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// MulNTShifted gives the bits gemmNT gives on the materialized matrix, on both dot-product
// kernels: rows three at a time in place (equally spaced offsets) and copied (others), with
// partial tiles of A and B.
func TestMulNTShiftedEqualsGemmNT(t *testing.T) {
	if !Accelerated {
		t.Skip("no dot-product path on this processor")
	}
	hasWide := Wide
	defer SetWide(hasWide)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, wide := range []bool{false, true} {
		SetWide(wide)
		for _, tc := range []struct{ m, n, k int }{{5, 27, 70}, {8, 45, 300}, {13, 10, 33}, {4, 9, 1000}} {
			x := random(rng, 4000)
			offs := make([]int, tc.n)
			for i := range offs {
				offs[i] = i/3*211 + i%3 // the taps of a kernel row: one apart
				if i%6 >= 3 {
					offs[i] = rng.IntN(2000)
				}
			}
			a := random(rng, tc.m*tc.k)
			b := make([]float32, tc.n*tc.k)
			for p, o := range offs {
				copy(b[p*tc.k:(p+1)*tc.k], x[o:])
			}
			want, got := make([]float32, tc.m*tc.n), make([]float32, tc.m*tc.n)
			gemmNT(tc.m, tc.n, tc.k, a, tc.k, b, tc.k, want, tc.n)
			if !MulNTShifted(tc.m, tc.n, tc.k, a, tc.k, x, offs, got, tc.n) {
				t.Fatalf("%+v: did not run", tc)
			}
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("wide %v %+v: [%d] = %g, gemmNT %g", wide, tc, i, got[i], want[i])
				}
			}
		}
	}
}

// A row of gemmNT's product has the same bits whatever rows surround it: a partial tile of A
// (fewer rows than the kernel's 4 or 8) computes its rows exactly as a full tile does.
func TestGemmNTRowsIndependentOfTile(t *testing.T) {
	if !Accelerated {
		t.Skip("no dot-product path on this processor")
	}
	hasWide := Wide
	defer SetWide(hasWide)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, wide := range []bool{false, true} {
		SetWide(wide)
		for _, k := range []int{8, 37, 300} {
			const n, full = 7, 16
			a, b := random(rng, full*k), random(rng, n*k)
			all := make([]float32, full*n)
			gemmNT(full, n, k, a, k, b, k, all, n)
			for m := 1; m <= 9; m++ {
				got := make([]float32, m*n)
				gemmNT(m, n, k, a[:m*k], k, b, k, got, n) // a ends at its m-th row
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(all[i]) {
						t.Fatalf("wide %v, k %d, %d rows: [%d] = %g, with %d rows %g", wide, k, m, i, got[i], full, all[i])
					}
				}
			}
		}
	}
}
