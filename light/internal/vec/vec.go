// Package vec holds the float32 loops of BatchNorm and ReLU, 8 lanes wide with AVX2 and FMA
// on amd64 processors that have them (Go does not vectorize loops), in plain Go elsewhere
// and under the purego tag. Every function handles any length.
package vec

import "math"

// ScaleShift sets y[i] = a·x[i] + b.
func ScaleShift(y, x []float32, a, b float32) {
	x = x[:len(y)]
	n := wide(len(y))
	if n > 0 {
		scaleShiftAVX(&y[0], &x[0], n, a, b)
	}
	for i := n; i < len(y); i++ {
		y[i] = a*x[i] + b
	}
}

// Affine2 sets g[i] = p·u[i] + q·(v[i]-mu) + r.
func Affine2(g, u, v []float32, p, q, r, mu float32) {
	u, v = u[:len(g)], v[:len(g)]
	n := wide(len(g))
	if n > 0 {
		affine2AVX(&g[0], &u[0], &v[0], n, p, q, r, mu)
	}
	for i := n; i < len(g); i++ {
		g[i] = p*u[i] + q*(v[i]-mu) + r
	}
}

// Sum is Σx[i].
func Sum(x []float32) float32 {
	var s float32
	n := wide(len(x))
	if n > 0 {
		s = sumAVX(&x[0], n)
	}
	for _, v := range x[n:] {
		s += v
	}
	return s
}

// SumSqDev is Σ(x[i]-mu)².
func SumSqDev(x []float32, mu float32) float32 {
	var s float32
	n := wide(len(x))
	if n > 0 {
		s = sumSqDevAVX(&x[0], n, mu)
	}
	for _, v := range x[n:] {
		s += (v - mu) * (v - mu)
	}
	return s
}

// SumDev returns Σdy[i] and Σdy[i]·(x[i]-mu).
func SumDev(dy, x []float32, mu float32) (sd, sdx float32) {
	x = x[:len(dy)]
	n := wide(len(dy))
	if n > 0 {
		sd, sdx = sumDevAVX(&dy[0], &x[0], n, mu)
	}
	for i := n; i < len(dy); i++ {
		sd += dy[i]
		sdx += dy[i] * (x[i] - mu)
	}
	return sd, sdx
}

// ReLU sets y[i] = max(x[i], 0): NaN stays NaN and -0 becomes +0, as with Go's max.
func ReLU(y, x []float32) {
	x = x[:len(y)]
	n := wide(len(y))
	if n > 0 {
		reluAVX(&y[0], &x[0], n)
	}
	for i := n; i < len(y); i++ {
		y[i] = max(x[i], 0)
	}
}

// ReLUGrad sets dx[i] = dy[i] where x[i] > 0 (or is a NaN with the sign bit clear), else 0,
// with integer masks on the bits of x and no branch.
func ReLUGrad(dx, x, dy []float32) {
	x, dy = x[:len(dx)], dy[:len(dx)]
	n := wide(len(dx))
	if n > 0 {
		reluGradAVX(&dx[0], &x[0], &dy[0], n)
	}
	for i := n; i < len(dx); i++ {
		b := math.Float32bits(x[i])
		mask := uint32(int32(^b)>>31) & uint32(int32(b|-b)>>31)
		dx[i] = math.Float32frombits(math.Float32bits(dy[i]) & mask)
	}
}
