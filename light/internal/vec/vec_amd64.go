//go:build !purego

package vec

import "golang.org/x/sys/cpu"

// Accelerated says whether the AVX2 loops run.
var Accelerated = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// wide is how many leading elements of n the assembly handles: multiples of 8, or none.
func wide(n int) int {
	if !Accelerated {
		return 0
	}
	return n &^ 7
}

//go:noescape
func scaleShiftAVX(y, x *float32, n int, a, b float32)

//go:noescape
func affine2AVX(dst, u, v *float32, n int, p, q, r, mu float32)

//go:noescape
func sumAVX(x *float32, n int) float32

//go:noescape
func sumSqDevAVX(x *float32, n int, mu float32) float32

//go:noescape
func sumDevAVX(dy, x *float32, n int, mu float32) (sd, sdx float32)

//go:noescape
func reluAVX(y, x *float32, n int)

//go:noescape
func reluGradAVX(dx, x, dy *float32, n int)

//go:noescape
func maxPool2AVX(out, r0, r1 *float32, n int)

// maxPool2GradAVX handles windows 8 at a time until n or a group of 8 with a NaN, and
// returns how many it handled.
//
//go:noescape
func maxPool2GradAVX(d0, d1, r0, r1, grad *float32, n int) int

//go:noescape
func scaleShiftReLUAVX(y, x *float32, n int, a, b float32)

//go:noescape
func sumDevReLUAVX(dy, x *float32, n int, mu, a, b float32) (sd, sdx float32)

//go:noescape
func affine2ReLUAVX(dst, u, v *float32, n int, p, q, r, mu, a, b float32)

//go:noescape
func addAVX(z, x, y *float32, n int)

//go:noescape
func addScaledAVX(y, x *float32, n int, a float32)

//go:noescape
func dotAVX(x, y *float32, n int) float32

//go:noescape
func copyRowsAVX(dst *float32, dpitch int, src *float32, spitch, rows, w int)

//go:noescape
func addRowsAVX(dst *float32, dpitch int, src *float32, spitch, rows, w int, b float32)
