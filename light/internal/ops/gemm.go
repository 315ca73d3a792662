package ops

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/lightzoo/lightzoo/light/internal/sgemm"
)

// gemm is C = op(A)·op(B) + beta·C on row-major matrices: float32 through lightzoo's sgemm
// (several times gonum's speed), float64 (used by the gradient checks) through gonum's BLAS.
func gemm[T float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if tA {
		ta = blas.Trans
	}
	if tB {
		tb = blas.Trans
	}
	switch a := any(a).(type) {
	case []float32:
		sgemm.Gemm(tA, tB, m, n, k, a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	case []float64:
		gonum.Implementation{}.Dgemm(ta, tb, m, n, k, 1, a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	}
}

// matrix is a left operand op(A) (m x k) of many products, such as a convolution kernel with
// every image of a batch: float32 packed once for lightzoo's sgemm.
type matrix[T float] struct {
	trans  bool
	m, k   int
	a      []T
	lda    int
	packed *sgemm.PackedA
}

func newMatrix[T float](trans bool, m, k int, a []T, lda int) matrix[T] {
	mat := matrix[T]{trans: trans, m: m, k: k, a: a, lda: lda}
	if a32, ok := any(a).([]float32); ok {
		mat.packed = sgemm.PackA(trans, m, k, a32, lda)
	}
	return mat
}

// mul computes C = op(A)·B + beta·C for B (k x n, not transposed).
func (mat matrix[T]) mul(n int, b []T, ldb int, beta T, c []T, ldc int) {
	if mat.packed != nil {
		mat.packed.Mul(false, n, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
		return
	}
	gemm(mat.trans, false, mat.m, n, mat.k, mat.a, mat.lda, b, ldb, beta, c, ldc)
}
