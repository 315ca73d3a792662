package ops

import (
	"math"

	"github.com/lightzoo/lightzoo/light/internal/vec"
)

// The vector loops of the kernels: float32 through package vec (8 lanes), float64 in plain Go.

// addScaled sets y += a·x.
func addScaled[T float](y, x []T, a T) {
	if y32, ok := any(y).([]float32); ok {
		vec.AddScaled(y32, any(x).([]float32), float32(a))
		return
	}
	for i := range y {
		y[i] += a * x[i]
	}
}

// dotOf is Σx·y.
func dotOf[T float](x, y []T) T {
	if x32, ok := any(x).([]float32); ok {
		return T(vec.Dot(x32, any(y).([]float32)))
	}
	var s T
	for i := range x {
		s += x[i] * y[i]
	}
	return s
}

// copyRows copies rows rows of w values from src, spitch apart, to dst, dpitch apart: one
// call a plane rather than a memmove a row (vec.CopyRows for float32).
func copyRows[T float](dst []T, dpitch int, src []T, spitch, rows, w int) {
	if d32, ok := any(dst).([]float32); ok {
		vec.CopyRows(d32, dpitch, any(src).([]float32), spitch, rows, w)
		return
	}
	for r := range rows {
		copy(dst[r*dpitch:][:w], src[r*spitch:])
	}
}

// scaleShift sets y = a·x + b.
func scaleShift[T float](y, x []T, a, b T) {
	if y32, ok := any(y).([]float32); ok {
		vec.ScaleShift(y32, any(x).([]float32), float32(a), float32(b))
		return
	}
	for j := range y {
		y[j] = x[j]*a + b
	}
}

// affine2 sets g = p·u + q·(v-mu) + r.
func affine2[T float](g, u, v []T, p, q, r, mu T) {
	if g32, ok := any(g).([]float32); ok {
		vec.Affine2(g32, any(u).([]float32), any(v).([]float32), float32(p), float32(q), float32(r), float32(mu))
		return
	}
	for j := range g {
		g[j] = p*u[j] + q*(v[j]-mu) + r
	}
}

func sumOf[T float](x []T) T {
	if x32, ok := any(x).([]float32); ok {
		return T(vec.Sum(x32))
	}
	var s T
	for _, v := range x {
		s += v
	}
	return s
}

// sumSqDev is Σ(x-mu)².
func sumSqDev[T float](x []T, mu T) T {
	if x32, ok := any(x).([]float32); ok {
		return T(vec.SumSqDev(x32, float32(mu)))
	}
	var s T
	for _, v := range x {
		s += (v - mu) * (v - mu)
	}
	return s
}

// sumDev returns Σdy and Σdy·(x-mu).
func sumDev[T float](dy, x []T, mu T) (sd, sdx T) {
	if dy32, ok := any(dy).([]float32); ok {
		a, b := vec.SumDev(dy32, any(x).([]float32), float32(mu))
		return T(a), T(b)
	}
	for j := range dy {
		sd += dy[j]
		sdx += dy[j] * (x[j] - mu)
	}
	return sd, sdx
}

// The loops fused with a ReLU after the normalization y = a·x + b.

func scaleShiftReLU[T float](y, x []T, a, b T) {
	if y32, ok := any(y).([]float32); ok {
		vec.ScaleShiftReLU(y32, any(x).([]float32), float32(a), float32(b))
		return
	}
	for j := range y {
		y[j] = max(T(a*x[j])+b, 0)
	}
}

// sumDevReLU is sumDev of dy where a·x + b passes ReLU's gradient mask.
func sumDevReLU[T float](dy, x []T, mu, a, b T) (sd, sdx T) {
	if dy32, ok := any(dy).([]float32); ok {
		s, t := vec.SumDevReLU(dy32, any(x).([]float32), float32(mu), float32(a), float32(b))
		return T(s), T(t)
	}
	for j := range dy {
		if passesReLU(T(a*x[j]) + b) {
			sd += dy[j]
			sdx += dy[j] * (x[j] - mu)
		}
	}
	return sd, sdx
}

// affine2ReLU is affine2 with u where a·v + b passes ReLU's gradient mask, 0 elsewhere.
func affine2ReLU[T float](g, u, v []T, p, q, r, mu, a, b T) {
	if g32, ok := any(g).([]float32); ok {
		vec.Affine2ReLU(g32, any(u).([]float32), any(v).([]float32), float32(p), float32(q), float32(r), float32(mu), float32(a), float32(b))
		return
	}
	for j := range g {
		uj := u[j]
		if !passesReLU(T(a*v[j]) + b) {
			uj = 0
		}
		g[j] = p*uj + q*(v[j]-mu) + r
	}
}

// passesReLU says whether ReLU's gradient flows at y: y > 0, or a NaN with the sign clear.
func passesReLU[T float](y T) bool {
	return y > 0 || (y != y && !math.Signbit(float64(y)))
}
