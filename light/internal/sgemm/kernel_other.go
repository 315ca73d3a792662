//go:build !amd64 || purego

package sgemm

// Accelerated says whether Gemm runs assembly kernels; Wide whether the AVX-512 one.
var Accelerated, Wide = false, false

// SetWide does nothing without assembly kernels.
func SetWide(bool) {}

func kernel(kb int, a, b []float32, ldb int, c []float32, ldc int, store bool) {
	kernelGo(kb, a, b, ldb, c, ldc, store)
}

func direct(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	return false
}

func kernelRows(kb int, a, b []float32, ldb int, c []float32, ldc, rows int, store bool) bool {
	return false
}

func kernelShiftedRows(kb int, a, x []float32, offs []int, c []float32, ldc, rows int, store bool) bool {
	return false
}

func kernelShifted(kb int, a, x []float32, offs []int, c []float32, ldc int, store bool) {
	kernelGoShifted(kb, a, x, offs, c, ldc, store)
}

// NTShifted says that MulNTShifted, which needs AVX2 and FMA, never runs here.
func NTShifted(m, k int) bool { return false }

// MulNTShifted reports that it did nothing (see NTShifted).
func MulNTShifted(m, n, k int, a []float32, lda int, x []float32, offs []int, c []float32, ldc int) bool {
	return false
}
