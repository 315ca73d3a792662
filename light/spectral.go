package light

import (
	"math"
	"math/rand/v2"

	"github.com/pkg/errors"
	"gonum.org/v1/gonum/mat"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Frobenius is a decay on the product of two factors: Coef·‖Scale·W1·W2‖²_F, the penalty of
// the weight a factorized layer computes with, in place of L2 on each factor (Khodak et al.,
// ICLR 2021). The trainer adds it to the loss.
type Frobenius struct {
	Layer  string
	W1, W2 *Param
	Scale  float64
	Coef   float64
}

// Value is the penalty at the factors' current values.
func (f Frobenius) Value() float64 {
	w := product(f.W1, f.W2)
	var sum float64
	for _, v := range w.RawMatrix().Data {
		sum += v * v
	}
	return f.Coef * f.Scale * f.Scale * sum
}

// product is W1·W2 in float64.
func product(w1, w2 *Param) *mat.Dense {
	a, b := asMatrix(w1), asMatrix(w2)
	var p mat.Dense
	p.Mul(a, b)
	return &p
}

func asMatrix(p *Param) *mat.Dense {
	s := p.Node.Shape()
	data := make([]float64, s.TotalSize())
	switch d := p.Node.Value().Data().(type) {
	case []float32:
		for i, v := range d {
			data[i] = float64(v)
		}
	case []float64:
		copy(data, d)
	}
	return mat.NewDense(s[0], s[1], data)
}

// spectralFactors fills two factors (rows, k) and (k, cols) with the rank-k truncated SVD of
// one full-rank Glorot-uniform weight (rows, cols) of limit sqrt(6/(fanIn+fanOut)):
// W1 = U_k·S_k^½ and W2 = S_k^½·V_kᵀ, each divided by sqrt(scale) so that scale·W1·W2 is
// that truncation. The weight is drawn from the generator of the layer's scope, so the same
// seed gives the same factors.
func (s *Scope) spectralFactors(rows, k, cols, fanIn, fanOut int, scale, decay float64) (w1, w2 *Param, err error) {
	if k > min(rows, cols) {
		return nil, nil, errors.Errorf("spectral initialization of rank %d needs a rank of at most %d (the smaller side of the %dx%d weight)", k, min(rows, cols), rows, cols)
	}
	full := tensor.New(tensor.Of(tensor.Float64), tensor.WithShape(rows, cols))
	glorotUniform(fanIn, fanOut)(full, s.rng(s.join("spectral")))
	var svd mat.SVD
	if !svd.Factorize(mat.NewDense(rows, cols, full.Data().([]float64)), mat.SVDThin) {
		return nil, nil, errors.New("the SVD of the sampled weight did not converge")
	}
	a, b := truncate(&svd, k, scale)
	if w1, err = s.newParam("w1", []int{rows, k}, fromMatrix(a), decay); err != nil {
		return nil, nil, err
	}
	w2, err = s.newParam("w2", []int{k, cols}, fromMatrix(b), decay)
	return w1, w2, err
}

// truncate splits the rank-k truncation of svd into U_k·S_k^½/√scale and S_k^½·V_kᵀ/√scale.
func truncate(svd *mat.SVD, k int, scale float64) (a, b *mat.Dense) {
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	sigma := svd.Values(nil)
	rows, cols := u.RawMatrix().Rows, v.RawMatrix().Rows
	a, b = mat.NewDense(rows, k, nil), mat.NewDense(k, cols, nil)
	for j := 0; j < k; j++ {
		r := math.Sqrt(sigma[j] / scale)
		for i := 0; i < rows; i++ {
			a.Set(i, j, u.At(i, j)*r)
		}
		for i := 0; i < cols; i++ {
			b.Set(j, i, v.At(i, j)*r)
		}
	}
	return a, b
}

// fromMatrix fills a tensor of the matrix's shape with its values.
func fromMatrix(m *mat.Dense) filler {
	return func(t *tensor.Dense, _ *rand.Rand) {
		raw := m.RawMatrix().Data
		switch d := t.Data().(type) {
		case []float32:
			for i, v := range raw {
				d[i] = float32(v)
			}
		case []float64:
			copy(d, raw)
		}
	}
}

// factorPair creates a factorized layer's w1 (rows, k) and w2 (k, cols): Glorot-uniform each
// (fans of each factor), or with WithSpectralInit the truncated SVD of a full weight of fans
// fanIn and fanOut. With WithFrobeniusDecay the factors carry no L2 decay and the product's
// penalty is registered instead.
func (s *Scope) factorPair(rows, k, cols, fanIn, fanOut int, scale float64, set settings) (w1, w2 *G.Node, err error) {
	decay := set.decay
	if set.frobenius > 0 {
		decay = 0
	}
	var p1, p2 *Param
	if set.spectral {
		p1, p2, err = s.spectralFactors(rows, k, cols, fanIn, fanOut, scale, decay)
	} else if p1, err = s.newParam("w1", []int{rows, k}, glorotUniform(rows, k), decay); err == nil {
		p2, err = s.newParam("w2", []int{k, cols}, glorotUniform(k, cols), decay)
	}
	if err != nil {
		return nil, nil, err
	}
	if set.frobenius > 0 {
		s.root.frobenius = append(s.root.frobenius, Frobenius{Layer: s.path, W1: p1, W2: p2, Scale: scale, Coef: set.frobenius})
	}
	return p1.Node, p2.Node, nil
}

// FrobeniusPenalties are the Frobenius decays the scope's layers asked for.
func (s *Scope) FrobeniusPenalties() []Frobenius {
	return append([]Frobenius(nil), s.root.frobenius...)
}

// Node adds the penalty to the factors' graph as a scalar node, for the loss.
func (f Frobenius) Node() (*G.Node, error) {
	w, err := G.Mul(f.W1.Node, f.W2.Node)
	if err != nil {
		return nil, err
	}
	return SquaredNorm(w, f.Coef*f.Scale*f.Scale)
}
