//go:build !amd64 || purego

package vec

// Accelerated says whether the AVX2 loops run.
var Accelerated = false

func wide(int) int { return 0 }

func scaleShiftAVX(y, x *float32, n int, a, b float32)               { panic("vec: no assembly") }
func affine2AVX(dst, u, v *float32, n int, p, q, r, mu float32)      { panic("vec: no assembly") }
func sumAVX(x *float32, n int) float32                               { panic("vec: no assembly") }
func sumSqDevAVX(x *float32, n int, mu float32) float32              { panic("vec: no assembly") }
func sumDevAVX(dy, x *float32, n int, mu float32) (float32, float32) { panic("vec: no assembly") }
func reluAVX(y, x *float32, n int)                                   { panic("vec: no assembly") }
func reluGradAVX(dx, x, dy *float32, n int)                          { panic("vec: no assembly") }

func maxPool2AVX(out, r0, r1 *float32, n int)                  { panic("vec: no assembly") }
func maxPool2GradAVX(d0, d1, r0, r1, grad *float32, n int) int { panic("vec: no assembly") }

func scaleShiftReLUAVX(y, x *float32, n int, a, b float32) { panic("vec: no assembly") }
func sumDevReLUAVX(dy, x *float32, n int, mu, a, b float32) (float32, float32) {
	panic("vec: no assembly")
}
func affine2ReLUAVX(dst, u, v *float32, n int, p, q, r, mu, a, b float32) { panic("vec: no assembly") }

func addAVX(z, x, y *float32, n int)               { panic("vec: no assembly") }
func addScaledAVX(y, x *float32, n int, a float32) { panic("vec: no assembly") }
func dotAVX(x, y *float32, n int) float32          { panic("vec: no assembly") }

func copyRowsAVX(dst *float32, dpitch int, src *float32, spitch, rows, w int) {
	panic("vec: no assembly")
}
func addRowsAVX(dst *float32, dpitch int, src *float32, spitch, rows, w int, b float32) {
	panic("vec: no assembly")
}
