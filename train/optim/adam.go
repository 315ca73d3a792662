package optim

import (
	"math"
	"slices"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Adam is Keras' Adam (beta1 0.9, beta2 0.999, epsilon 1e-7) over float32 or float64 tensors.
// Gorgonia's AdamSolver keeps its state private, so a checkpoint could not hold it.
type Adam struct {
	Rate, Beta1, Beta2, Eps float64
	Step                    int                      // updates done so far
	M, V                    map[string]*tensor.Dense // first and second moments by parameter name
}

// NewAdam returns Adam with Keras' defaults and learning rate lr.
func NewAdam(lr float64) *Adam {
	return &Adam{Rate: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-7, M: map[string]*tensor.Dense{}, V: map[string]*tensor.Dense{}}
}

func (a *Adam) LR() float64      { return a.Rate }
func (a *Adam) SetLR(lr float64) { a.Rate = lr }

// Update applies one step to each parameter.
func (a *Adam) Update(params []Param, grads []*tensor.Dense) error {
	a.Step++
	t := float64(a.Step)
	lr := a.Rate * math.Sqrt(1-math.Pow(a.Beta2, t)) / (1 - math.Pow(a.Beta1, t))
	for i, p := range params {
		m, v := a.moment(a.M, p), a.moment(a.V, p)
		switch wd := p.Value.Data().(type) {
		case []float32:
			adamStep(a, lr, wd, grads[i].Data().([]float32), m.Data().([]float32), v.Data().([]float32))
		case []float64:
			adamStep(a, lr, wd, grads[i].Data().([]float64), m.Data().([]float64), v.Data().([]float64))
		default:
			return errors.Errorf("optim: Adam: parameter %s has dtype %v; use float32 or float64", p.Name, p.Value.Dtype())
		}
	}
	return nil
}

// State names the moments adam/m/<parameter> and adam/v/<parameter>.
func (a *Adam) State() (map[string]*tensor.Dense, int) {
	out := map[string]*tensor.Dense{}
	for name, m := range a.M {
		out["adam/m/"+name], out["adam/v/"+name] = m, a.V[name]
	}
	return out, a.Step
}

// Restore takes the moments of every parameter from tensors, which must hold both of each,
// of the parameter's dtype and shape, or none at all (a run that has not stepped yet).
func (a *Adam) Restore(tensors map[string]*tensor.Dense, steps int, params []Param) error {
	if steps < 0 {
		return errors.Errorf("optim: Adam: step count %d is negative", steps)
	}
	m, v := map[string]*tensor.Dense{}, map[string]*tensor.Dense{}
	for _, p := range params {
		for _, moment := range []struct {
			key   string
			store map[string]*tensor.Dense
		}{{"adam/m/" + p.Name, m}, {"adam/v/" + p.Name, v}} {
			t := tensors[moment.key]
			if t == nil {
				if steps == 0 {
					continue
				}
				return errors.Errorf("optim: Adam: %s is missing after %d steps", moment.key, steps)
			}
			if t.Dtype() != p.Value.Dtype() || !slices.Equal(t.Shape(), p.Value.Shape()) {
				return errors.Errorf("optim: Adam: %s is %v %v; parameter %s is %v %v", moment.key, t.Dtype(), t.Shape(), p.Name, p.Value.Dtype(), p.Value.Shape())
			}
			moment.store[p.Name] = t
		}
	}
	a.M, a.V, a.Step = m, v, steps
	return nil
}

func (a *Adam) moment(store map[string]*tensor.Dense, p Param) *tensor.Dense {
	m, ok := store[p.Name]
	if !ok || !m.Shape().Eq(p.Value.Shape()) {
		m = tensor.New(tensor.Of(p.Value.Dtype()), tensor.WithShape(p.Value.Shape().Clone()...))
		store[p.Name] = m
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
