package ops

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Norm is one BatchNorm's state: Keras-style batch normalization over axis 1 of x (N, C, ...),
// y = γ·x̂ + β. In training x̂ uses the batch mean and biased variance, and every forward run
// moves the running statistics: r ← momentum·r + (1-momentum)·batch, the variance with
// Bessel's correction as Keras' fused kernel and PyTorch do. Otherwise x̂ uses the running
// statistics. Graphs of other batch sizes share Mean and Var by sharing the slices.
type Norm struct {
	Momentum, Eps float64
	Mean, Var     []float64 // running statistics (C)
	Training      bool
	// Frozen keeps the running statistics as they are in training mode: batch statistics for
	// an evaluation that must not move the model's.
	Frozen bool
	// Average (in training mode) makes the running statistics the plain average of the batch
	// statistics of every forward run since Runs was last set to 0, instead of a moving one:
	// a recalibration of statistics that no longer match the weights.
	Average bool
	Runs    int
	// ReLU fuses a ReLU after the normalization: the op outputs max(y, 0), and its gradient
	// ops recompute y = a·x + b from the last forward run's per-channel a and b (exactly, the
	// same way) to mask dy, instead of a separate ReLU op reading and writing the tensor.
	ReLU bool
	a, b []float64
	// batchMean and batchInv are the last forward run's statistics, which the gradient ops of
	// the same run use instead of recomputing them.
	batchMean, batchInv []float64
	// sumDy and sumDyXhat (per channel, Σdy and Σdy·x̂) are computed by the first of the
	// gradient ops to run after a forward run and reused by the other two.
	sumDy, sumDyXhat []float64
}

// BatchNorm adds the normalization n of x (N, C, H, W) with scale gamma and shift beta (C).
func BatchNorm(x, gamma, beta *G.Node, n *Norm) (*G.Node, error) {
	xs, cs := x.Shape().Clone(), gamma.Shape().Clone()
	// The state's address tells BatchNorms of one shape apart (Gorgonia merges ops of one name).
	id := fmt.Sprintf("%s %p", dims(xs), n)
	name := "lightzoo.BatchNorm(" + id + ")"
	return apply(&Op{
		Name: name, In: []int{4, 1, 1}, Shape: xs,
		F32: func(y []float32, a [][]float32) { bnForward(n, xs, y, a[0], a[1], a[2]) },
		F64: func(y []float64, a [][]float64) { bnForward(n, xs, y, a[0], a[1], a[2]) },
		Grad: func(in G.Nodes, _, dy *G.Node) (G.Nodes, error) {
			out := make(G.Nodes, 3)
			for i, shape := range []tensor.Shape{xs, cs, cs} {
				wrt := i
				var err error
				out[i], err = apply(&Op{
					Name: fmt.Sprintf("lightzoo.BatchNormGrad%d(%s)", wrt, id), In: []int{4, 1, 4}, Shape: shape,
					F32: func(g []float32, a [][]float32) { bnBackward(n, wrt, xs, g, a[0], a[1], a[2]) },
					F64: func(g []float64, a [][]float64) { bnBackward(n, wrt, xs, g, a[0], a[1], a[2]) },
				}, in[0], in[1], dy)
				if err != nil {
					return nil, err
				}
			}
			return out, nil
		},
	}, x, gamma, beta)
}

// channelStats returns per-channel mean and 1/sqrt(var+eps) of x, from the batch (updating the
// running statistics when update is set) or from the running statistics.
func channelStats[T float](op *Norm, shape tensor.Shape, x []T, update bool) (mean, inv []float64) {
	c := shape[1]
	mean, inv = make([]float64, c), make([]float64, c)
	rm, rv := op.Mean, op.Var
	if !op.Training {
		for i := range c {
			mean[i], inv[i] = rm[i], 1/math.Sqrt(rv[i]+op.Eps)
		}
		return mean, inv
	}
	m := float64(shape.TotalSize() / c)
	sum, sq := make([]float64, c), make([]float64, c)
	reduce(shape, func(_, lo, hi int) float64 { return float64(sumOf(x[lo:hi])) }, func(i int, v float64) { sum[i] += v })
	reduce(shape, func(i, lo, hi int) float64 { return float64(sumSqDev(x[lo:hi], T(sum[i]/m))) }, func(i int, v float64) { sq[i] += v })
	for i := range c {
		mean[i], inv[i] = sum[i]/m, 1/math.Sqrt(sq[i]/m+op.Eps)
		if keep := op.Momentum; update {
			if op.Average {
				keep = 1 - 1/float64(op.Runs+1)
			}
			rm[i] = keep*rm[i] + (1-keep)*mean[i]
			rv[i] = keep*rv[i] + (1-keep)*sq[i]/max(m-1, 1)
		}
	}
	if update && op.Average {
		op.Runs++
	}
	return mean, inv
}

func bnForward[T float](op *Norm, shape tensor.Shape, y, x, gamma, beta []T) {
	mean, inv := channelStats(op, shape, x, !op.Frozen)
	op.batchMean, op.batchInv = mean, inv
	op.sumDy, op.sumDyXhat = nil, nil
	a, b := normAffine(mean, inv, gamma, beta)
	op.a, op.b = make([]float64, len(a)), make([]float64, len(a))
	for c := range a {
		op.a[c], op.b[c] = float64(a[c]), float64(b[c])
	}
	forEach(shape, x, func(c, lo, hi int) {
		if op.ReLU {
			scaleShiftReLU(y[lo:hi], x[lo:hi], a[c], b[c])
		} else {
			scaleShift(y[lo:hi], x[lo:hi], a[c], b[c])
		}
	})
}

// normAffine returns the per-channel a = γ·inv and b = β - mean·a of y = a·x + b.
func normAffine[T float](mean, inv []float64, gamma, beta []T) (a, b []T) {
	a, b = make([]T, len(mean)), make([]T, len(mean))
	for c := range a {
		a[c] = T(inv[c]) * gamma[c]
		b[c] = beta[c] - T(mean[c])*a[c]
	}
	return a, b
}

// bnBackward writes into g the gradient with respect to x (wrt 0), γ (1) or β (2). The per-channel sums all three
// need take one pass over x and dy, made once per run.
func bnBackward[T float](bn *Norm, wrt int, shape tensor.Shape, g, x, gamma, dy []T) {
	mean, inv := bn.batchMean, bn.batchInv
	if mean == nil || !bn.Training {
		mean, inv = channelStats(bn, shape, x, false)
	}
	if bn.sumDy == nil {
		bn.sumDy, bn.sumDyXhat = gradSums(bn, shape, x, dy, mean, inv)
	}
	switch wrt {
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
func gradSums[T float](bn *Norm, shape tensor.Shape, x, dy []T, mean, inv []float64) (sumDy, sumDyXhat []float64) {
	c := shape[1]
	sumDy, sumDyXhat = make([]float64, c), make([]float64, c)
	reduce(shape, func(i, lo, hi int) [2]float64 {
		var sd, sdx T
		if bn.ReLU {
			sd, sdx = sumDevReLU(dy[lo:hi], x[lo:hi], T(mean[i]), T(bn.a[i]), T(bn.b[i]))
		} else {
			sd, sdx = sumDev(dy[lo:hi], x[lo:hi], T(mean[i]))
		}
		return [2]float64{float64(sd), float64(sdx) * inv[i]}
	}, func(i int, v [2]float64) {
		sumDy[i] += v[0]
		sumDyXhat[i] += v[1]
	})
	return sumDy, sumDyXhat
}

// bnGradInput is dx = γ·inv·(dy - (Σdy + x̂·Σdy·x̂)/m) in training, γ·inv·dy otherwise
// (dy masked by the fused ReLU, if any).
func bnGradInput[T float](bn *Norm, shape tensor.Shape, g, x, gamma, dy []T, mean, inv []float64) {
	m := float64(shape.TotalSize() / shape[1])
	forEach(shape, x, func(i, lo, hi int) {
		k, mu, iv := gamma[i]*T(inv[i]), T(mean[i]), T(inv[i])
		if !bn.Training && !bn.ReLU {
			scaleShift(g[lo:hi], dy[lo:hi], k, 0)
			return
		}
		p, q, r := k, T(0), T(0) // k·dy
		if bn.Training {
			a, b := T(bn.sumDy[i]/m), T(bn.sumDyXhat[i]/m)
			q, r = -k*iv*b, -k*a // k·(dy - a - (x-mu)·iv·b)
		}
		if bn.ReLU {
			affine2ReLU(g[lo:hi], dy[lo:hi], x[lo:hi], p, q, r, mu, T(bn.a[i]), T(bn.b[i]))
		} else {
			affine2(g[lo:hi], dy[lo:hi], x[lo:hi], p, q, r, mu)
		}
	})
}
