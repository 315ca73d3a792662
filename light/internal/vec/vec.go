// Package vec holds lightzoo's elementwise float32 loops (BatchNorm, alone and fused with a
// ReLU; ReLU; 2x2 max pooling; the AXPY and dot of the depthwise convolution), 8 lanes wide
// with AVX2 and FMA on amd64 processors that have them (Go does not vectorize loops), in
// plain Go elsewhere and under the purego tag. Every function handles any length.
package vec

import (
	"math"
	"slices"
)

// ScaleShift sets y[i] = a·x[i] + b.
func ScaleShift(y, x []float32, a, b float32) {
	x = x[:len(y)]
	n := wide(len(y))
	if n > 0 {
		scaleShiftAVX(&y[0], &x[0], n, a, b)
	}
	for i := n; i < len(y); i++ {
		y[i] = affine(a, x[i], b)
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
		y[i] = relu(x[i])
	}
}

// relu is max(x, 0) as reluAVX computes it (VMAXPS keeps a NaN x, then adds +0), so a NaN
// keeps its sign and payload wherever it falls: Go's max builtin returns another NaN.
func relu(x float32) float32 {
	if x > 0 || x != x {
		return x + 0
	}
	return 0
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
		dx[i] = masked(dy[i], x[i])
	}
}

// MaxPool2 sets out[i] to the largest of r0[2i], r0[2i+1], r1[2i], r1[2i+1]: one output row of
// 2x2 max pooling with stride 2 from two input rows. A NaN in a window gives NaN.
func MaxPool2(out, r0, r1 []float32) {
	r0, r1 = r0[:2*len(out)], r1[:2*len(out)]
	n := wide(len(out))
	if n > 0 {
		maxPool2AVX(&out[0], &r0[0], &r1[0], n)
		if t := len(out) - 8; t > n-8 { // the tail, as 8 windows overlapping those done
			maxPool2AVX(&out[t], &r0[2*t], &r1[2*t], 8)
			return
		}
	}
	for i := n; i < len(out); i++ {
		out[i] = max(r0[2*i], r0[2*i+1], r1[2*i], r1[2*i+1])
	}
}

// MaxPool2Grad is the gradient of MaxPool2: it stores g[i] at the first input of window i
// that equals the window's maximum (the first NaN, if there is one) in d0 or d1, the
// gradient rows of r0 and r1, and zero at the window's other three inputs.
func MaxPool2Grad(d0, d1, r0, r1, g []float32) {
	m := 2 * len(g)
	d0, d1, r0, r1 = d0[:m], d1[:m], r0[:m], r1[:m]
	n := wide(len(g))
	grad8 := func(i int) { // windows i..i+7, in Go if they hold a NaN
		if maxPool2GradAVX(&d0[2*i], &d1[2*i], &r0[2*i], &r1[2*i], &g[i], 8) == 0 {
			maxPool2GradGo(d0, d1, r0, r1, g, i, i+8)
		}
	}
	for i := 0; i < n; {
		if i += maxPool2GradAVX(&d0[2*i], &d1[2*i], &r0[2*i], &r1[2*i], &g[i], n-i); i < n {
			grad8(i)
			i += 8
		}
	}
	if t := len(g) - 8; n > 0 && t > n-8 { // the tail, as 8 windows overlapping those done
		grad8(t)
		return
	}
	maxPool2GradGo(d0, d1, r0, r1, g, n, len(g))
}

func maxPool2GradGo(d0, d1, r0, r1, g []float32, lo, hi int) {
	for i := lo; i < hi; i++ {
		w := [4]float32{r0[2*i], r0[2*i+1], r1[2*i], r1[2*i+1]}
		best := 3
		if m := max(w[0], w[1], w[2], w[3]); m != m {
			best = slices.IndexFunc(w[:], func(v float32) bool { return v != v })
		} else { // the first equal to m, without branches
			if w[2] == m {
				best = 2
			}
			if w[1] == m {
				best = 1
			}
			if w[0] == m {
				best = 0
			}
		}
		var out [4]float32
		out[best] = g[i]
		d0[2*i], d0[2*i+1], d1[2*i], d1[2*i+1] = out[0], out[1], out[2], out[3]
	}
}

// The BatchNorm loops fused with a following ReLU: y = a·x + b is recomputed from x in the
// backward loops (in the same way, so the same bits) instead of being read back.

// ScaleShiftReLU sets y[i] = max(a·x[i] + b, 0), with ReLU's NaN and -0 rules.
func ScaleShiftReLU(y, x []float32, a, b float32) {
	x = x[:len(y)]
	n := wide(len(y))
	if n > 0 {
		scaleShiftReLUAVX(&y[0], &x[0], n, a, b)
	}
	for i := n; i < len(y); i++ {
		y[i] = max(affine(a, x[i], b), 0)
	}
}

// SumDevReLU is SumDev of dy kept only where a·x + b passes ReLU's gradient mask.
func SumDevReLU(dy, x []float32, mu, a, b float32) (sd, sdx float32) {
	x = x[:len(dy)]
	n := wide(len(dy))
	if n > 0 {
		sd, sdx = sumDevReLUAVX(&dy[0], &x[0], n, mu, a, b)
	}
	for i := n; i < len(dy); i++ {
		d := masked(dy[i], affine(a, x[i], b))
		sd += d
		sdx += d * (x[i] - mu)
	}
	return sd, sdx
}

// Affine2ReLU is Affine2 with u kept only where a·v + b passes ReLU's gradient mask.
func Affine2ReLU(g, u, v []float32, p, q, r, mu, a, b float32) {
	u, v = u[:len(g)], v[:len(g)]
	n := wide(len(g))
	if n > 0 {
		affine2ReLUAVX(&g[0], &u[0], &v[0], n, p, q, r, mu, a, b)
	}
	for i := n; i < len(g); i++ {
		g[i] = p*masked(u[i], affine(a, v[i], b)) + q*(v[i]-mu) + r
	}
}

// affine is a·x + b, written once so that the forward and backward tails round alike (the
// assembly's FMA rounds once, this twice, but each element always takes the same path).
func affine(a, x, b float32) float32 { return float32(a*x) + b } // float32() forbids an FMA

// masked is d where y passes ReLU's gradient mask (y > 0, or a NaN with the sign clear), else 0.
func masked(d, y float32) float32 {
	bits := math.Float32bits(y)
	mask := uint32(int32(^bits)>>31) & uint32(int32(bits|-bits)>>31)
	return math.Float32frombits(math.Float32bits(d) & mask)
}

// AddScaled sets y[i] += a·x[i].
func AddScaled(y, x []float32, a float32) {
	x = x[:len(y)]
	n := wide(len(y))
	if n > 0 {
		addScaledAVX(&y[0], &x[0], n, a)
	}
	for i := n; i < len(y); i++ {
		y[i] += a * x[i]
	}
}

// Add sets z[i] = x[i] + y[i]; z may be x or y.
func Add(z, x, y []float32) {
	x, y = x[:len(z)], y[:len(z)]
	n := wide(len(z))
	if n > 0 {
		addAVX(&z[0], &x[0], &y[0], n)
	}
	for i := n; i < len(z); i++ {
		z[i] = x[i] + y[i]
	}
}

// Dot is Σx[i]·y[i].
func Dot(x, y []float32) float32 {
	y = y[:len(x)]
	var s float32
	n := wide(len(x))
	if n > 0 {
		s = dotAVX(&x[0], &y[0], n)
	}
	for i := n; i < len(x); i++ {
		s += x[i] * y[i]
	}
	return s
}

// CopyRows copies rows rows of w values from src, whose rows start spitch apart, to dst,
// whose rows start dpitch apart; what lies between the rows is left as it is. One call for a
// whole plane: a copy per row spent more on calling memmove than on moving 32 floats.
func CopyRows(dst []float32, dpitch int, src []float32, spitch, rows, w int) {
	if !rowsFit(dst, dpitch, src, spitch, rows, w) {
		return
	}
	if !Accelerated {
		for r := range rows {
			copy(dst[r*dpitch:][:w], src[r*spitch:])
		}
		return
	}
	copyRowsAVX(&dst[0], dpitch, &src[0], spitch, rows, w)
}

// AddRows is CopyRows setting each value to the source's plus b, with the bits
// ScaleShift(row, row, 1, b) gives each row.
func AddRows(dst []float32, dpitch int, src []float32, spitch, rows, w int, b float32) {
	if !rowsFit(dst, dpitch, src, spitch, rows, w) {
		return
	}
	if !Accelerated {
		for r := range rows {
			ScaleShift(dst[r*dpitch:][:w], src[r*spitch:][:w], 1, b)
		}
		return
	}
	addRowsAVX(&dst[0], dpitch, &src[0], spitch, rows, w, b)
}

// rowsFit reports whether there is a row to move, after checking (by panicking otherwise)
// that every row lies inside dst and src, as the assembly does not.
func rowsFit(dst []float32, dpitch int, src []float32, spitch, rows, w int) bool {
	if rows <= 0 || w <= 0 {
		return false
	}
	_ = dst[(rows-1)*dpitch+w-1]
	_ = src[(rows-1)*spitch+w-1]
	return true
}
