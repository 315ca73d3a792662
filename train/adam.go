package train

import (
	"math"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Adam is Keras' Adam (beta1 0.9, beta2 0.999, epsilon 1e-7) over float32 or float64 tensors,
// with its state exposed so that a checkpoint can hold it and a schedule can change the rate.
// Gorgonia's AdamSolver keeps both private.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	Step                  int                      // updates done so far
	M, V                  map[string]*tensor.Dense // first and second moments by parameter name
}

// NewAdam returns Adam with Keras' defaults and learning rate lr.
func NewAdam(lr float64) *Adam {
	return &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-7, M: map[string]*tensor.Dense{}, V: map[string]*tensor.Dense{}}
}

// Update applies one step to each weight w[i] with gradient g[i]; names key the moments.
func (a *Adam) Update(names []string, w, g []*tensor.Dense) error {
	a.Step++
	t := float64(a.Step)
	lr := a.LR * math.Sqrt(1-math.Pow(a.Beta2, t)) / (1 - math.Pow(a.Beta1, t))
	for i, name := range names {
		m, v := a.moment(a.M, name, w[i]), a.moment(a.V, name, w[i])
		switch wd := w[i].Data().(type) {
		case []float32:
			adamStep(a, lr, wd, g[i].Data().([]float32), m.Data().([]float32), v.Data().([]float32))
		case []float64:
			adamStep(a, lr, wd, g[i].Data().([]float64), m.Data().([]float64), v.Data().([]float64))
		default:
			return errors.Errorf("train: Adam: parameter %s has dtype %v; use float32 or float64", name, w[i].Dtype())
		}
	}
	return nil
}

func (a *Adam) moment(store map[string]*tensor.Dense, name string, like *tensor.Dense) *tensor.Dense {
	m, ok := store[name]
	if !ok || !m.Shape().Eq(like.Shape()) {
		m = tensor.New(tensor.Of(like.Dtype()), tensor.WithShape(like.Shape().Clone()...))
		store[name] = m
	}
	return m
}

func adamStep[T float32 | float64](a *Adam, lr float64, w, g, m, v []T) {
	b1, b2, eps, rate := T(a.Beta1), T(a.Beta2), T(a.Eps), T(lr)
	for j := range w {
		m[j] = b1*m[j] + (1-b1)*g[j]
		v[j] = b2*v[j] + (1-b2)*g[j]*g[j]
		w[j] -= rate * m[j] / (T(math.Sqrt(float64(v[j]))) + eps)
	}
}
