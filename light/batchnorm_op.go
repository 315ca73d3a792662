package light

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pkg/errors"

	"github.com/lightzoo/lightzoo/light/internal/vec"
)

// bnOp is Keras-style batch normalization over axis 1 of x (N, C, ...): y = γ·x̂ + β.
// In training x̂ uses the batch mean and biased variance, and every forward run moves the
// running statistics: r ← momentum·r + (1-momentum)·batch, the variance with Bessel's
// correction as Keras' fused kernel and PyTorch do. Otherwise x̂ uses the running statistics.
type bnOp struct {
	opBase
	momentum, eps float64
	mean, vari    []float64 // running statistics (C), shared with inference graphs
	training      bool
	// batchMean and batchInv are the last forward run's statistics, which the gradient ops of
	// the same run use instead of recomputing them.
	batchMean, batchInv []float64
	// sumDy and sumDyXhat (per channel, Σdy and Σdy·x̂) are computed by the first of the
	// gradient ops to run after a forward run and reused by the other two.
	sumDy, sumDyXhat []float64
	// relu fuses a ReLU after the normalization: the op outputs max(y, 0), and its gradient
	// ops recompute y = a·x + b from the last forward run's per-channel a and b (exactly, the
	// same way) to mask dy, instead of a separate ReLU op reading and writing the tensor.
	relu bool
	a, b []float64
}

func (op *bnOp) Arity() int { return 3 }
func (op *bnOp) Type() hm.Type {
	return hm.NewFnType(tensorType(4), tensorType(1), tensorType(1), tensorType(4))
}
func (op *bnOp) String() string         { return fmt.Sprintf("lightzoo.BatchNorm(%p)", op) }
func (op *bnOp) Hashcode() uint32       { return hashOf(op) }
func (op *bnOp) WriteHash(h hashWriter) { writeHash(h, op) }
func (op *bnOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	return in[0].(tensor.Shape).Clone(), nil
}

func (op *bnOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 3)
	if err != nil {
		return nil, err
	}
	return op.runOver(in[0].Shape(), in,
		func(y []float32, a ...[]float32) { bnForward(op, in[0].Shape(), y, a[0], a[1], a[2]) },
		func(y []float64, a ...[]float64) { bnForward(op, in[0].Shape(), y, a[0], a[1], a[2]) })
}

func (op *bnOp) DiffWRT(int) []bool { return []bool{true, true, true} }

func (op *bnOp) SymDiff(inputs G.Nodes, _, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 3 {
		return nil, errors.Errorf("%v: got %d inputs, expected 3", op, len(inputs))
	}
	out := make(G.Nodes, 3)
	for i := range out {
		var err error
		if out[i], err = G.ApplyOp(&bnGradOp{bn: op, wrt: i}, inputs[0], inputs[1], grad); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// channelStats returns per-channel mean and 1/sqrt(var+eps) of x, from the batch (updating the
// running statistics when update is set) or from the running statistics.
func channelStats[T float](op *bnOp, shape tensor.Shape, x []T, update bool) (mean, inv []float64) {
	c := shape[1]
	mean, inv = make([]float64, c), make([]float64, c)
	rm, rv := op.mean, op.vari
	if !op.training {
		for i := range c {
			mean[i], inv[i] = rm[i], 1/math.Sqrt(rv[i]+op.eps)
		}
		return mean, inv
	}
	m := float64(shape.TotalSize() / c)
	sum, sq := make([]float64, c), make([]float64, c)
	forEach(shape, x, func(i, lo, hi int) { sum[i] += float64(sumOf(x[lo:hi])) })
	forEach(shape, x, func(i, lo, hi int) { sq[i] += float64(sumSqDev(x[lo:hi], T(sum[i]/m))) })
	for i := range c {
		mean[i], inv[i] = sum[i]/m, 1/math.Sqrt(sq[i]/m+op.eps)
		if update {
			rm[i] = op.momentum*rm[i] + (1-op.momentum)*mean[i]
			rv[i] = op.momentum*rv[i] + (1-op.momentum)*sq[i]/max(m-1, 1)
		}
	}
	return mean, inv
}

// forEach calls f with each (image, channel) slice [lo, hi) of x and its channel, spreading
// the channels over the cores; every call for one channel runs on the same goroutine, so f may
// accumulate per channel without locks.
func forEach[T float](shape tensor.Shape, x []T, f func(c int, lo, hi int)) {
	n, c := shape[0], shape[1]
	sp := shape[1:].TotalSize() / c
	parallel(c, func(_, clo, chi int) {
		for i := clo; i < chi; i++ {
			for b := range n {
				lo := (b*c + i) * sp
				f(i, lo, lo+sp)
			}
		}
	})
}

func bnForward[T float](op *bnOp, shape tensor.Shape, y, x, gamma, beta []T) {
	mean, inv := channelStats(op, shape, x, true)
	op.batchMean, op.batchInv = mean, inv
	op.sumDy, op.sumDyXhat = nil, nil
	op.a, op.b = make([]float64, len(mean)), make([]float64, len(mean))
	forEach(shape, x, func(c, lo, hi int) {
		a := T(inv[c]) * gamma[c]
		b := beta[c] - T(mean[c])*a
		op.a[c], op.b[c] = float64(a), float64(b)
		if op.relu {
			scaleShiftReLU(y[lo:hi], x[lo:hi], a, b)
		} else {
			scaleShift(y[lo:hi], x[lo:hi], a, b)
		}
	})
}

// bnGradOp is the gradient of bnOp with respect to x (wrt 0), γ (1) or β (2); its inputs are
// x, γ and the output gradient.
type bnGradOp struct {
	opBase
	bn  *bnOp
	wrt int
}

func (op *bnGradOp) Arity() int { return 3 }
func (op *bnGradOp) String() string {
	return fmt.Sprintf("lightzoo.BatchNormGrad%d(%p)", op.wrt, op.bn)
}
func (op *bnGradOp) Hashcode() uint32       { return hashOf(op) }
func (op *bnGradOp) WriteHash(h hashWriter) { writeHash(h, op) }
func (op *bnGradOp) Type() hm.Type {
	out := 1
	if op.wrt == 0 {
		out = 4
	}
	return hm.NewFnType(tensorType(4), tensorType(1), tensorType(4), tensorType(out))
}

func (op *bnGradOp) InferShape(in ...G.DimSizer) (tensor.Shape, error) {
	if op.wrt == 0 {
		return in[0].(tensor.Shape).Clone(), nil
	}
	return in[1].(tensor.Shape).Clone(), nil
}

func (op *bnGradOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := denseArgs(op.String(), vals, 3)
	if err != nil {
		return nil, err
	}
	shape := in[1].Shape()
	if op.wrt == 0 {
		shape = in[0].Shape()
	}
	xs := in[0].Shape()
	return op.runOver(shape, in,
		func(g []float32, a ...[]float32) { bnBackward(op, xs, g, a[0], a[1], a[2]) },
		func(g []float64, a ...[]float64) { bnBackward(op, xs, g, a[0], a[1], a[2]) })
}

// bnBackward writes into g the gradient op.wrt asks for. The per-channel sums all three
// need take one pass over x and dy, made once per run.
func bnBackward[T float](op *bnGradOp, shape tensor.Shape, g, x, gamma, dy []T) {
	bn := op.bn
	mean, inv := bn.batchMean, bn.batchInv
	if mean == nil || !bn.training {
		mean, inv = channelStats(bn, shape, x, false)
	}
	if bn.sumDy == nil {
		bn.sumDy, bn.sumDyXhat = gradSums(bn, shape, x, dy, mean, inv)
	}
	switch op.wrt {
	case 1:
		for i := range g {
			g[i] = T(bn.sumDyXhat[i])
		}
	case 2:
		for i := range g {
			g[i] = T(bn.sumDy[i])
		}
	default:
		bnGradInput(bn, shape, g, x, gamma, dy, mean, inv)
	}
}

// gradSums returns Σdy and Σdy·x̂ per channel (dy masked by the fused ReLU, if any).
func gradSums[T float](bn *bnOp, shape tensor.Shape, x, dy []T, mean, inv []float64) (sumDy, sumDyXhat []float64) {
	c := shape[1]
	sumDy, sumDyXhat = make([]float64, c), make([]float64, c)
	forEach(shape, x, func(i, lo, hi int) {
		var sd, sdx T
		if bn.relu {
			sd, sdx = sumDevReLU(dy[lo:hi], x[lo:hi], T(mean[i]), T(bn.a[i]), T(bn.b[i]))
		} else {
			sd, sdx = sumDev(dy[lo:hi], x[lo:hi], T(mean[i]))
		}
		sumDy[i] += float64(sd)
		sumDyXhat[i] += float64(sdx) * inv[i]
	})
	return sumDy, sumDyXhat
}

// bnGradInput is dx = γ·inv·(dy - (Σdy + x̂·Σdy·x̂)/m) in training, γ·inv·dy otherwise
// (dy masked by the fused ReLU, if any).
func bnGradInput[T float](bn *bnOp, shape tensor.Shape, g, x, gamma, dy []T, mean, inv []float64) {
	m := float64(shape.TotalSize() / shape[1])
	forEach(shape, x, func(i, lo, hi int) {
		k, mu, iv := gamma[i]*T(inv[i]), T(mean[i]), T(inv[i])
		if !bn.training && !bn.relu {
			scaleShift(g[lo:hi], dy[lo:hi], k, 0)
			return
		}
		p, q, r := k, T(0), T(0) // k·dy
		if bn.training {
			a, b := T(bn.sumDy[i]/m), T(bn.sumDyXhat[i]/m)
			q, r = -k*iv*b, -k*a // k·(dy - a - (x-mu)·iv·b)
		}
		if bn.relu {
			affine2ReLU(g[lo:hi], dy[lo:hi], x[lo:hi], p, q, r, mu, T(bn.a[i]), T(bn.b[i]))
		} else {
			affine2(g[lo:hi], dy[lo:hi], x[lo:hi], p, q, r, mu)
		}
	})
}

// The loops of BatchNorm: float32 through package vec (8 lanes), float64 in plain Go.

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
