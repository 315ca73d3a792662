// Package optim holds the optimizers and learning-rate schedules that package train drives,
// as small interfaces in the manner of optax and Keras callbacks: an Optimizer updates named
// parameters from their gradients and exposes its state for checkpoints; a Schedule picks
// the next epoch's learning rate from the validation loss.
package optim

import (
	"math"

	"gorgonia.org/tensor"
)

// Param is a parameter to update: its name (which keys the optimizer's state) and value.
type Param struct {
	Name  string
	Value *tensor.Dense
}

// Optimizer updates parameters in place from their gradients.
type Optimizer interface {
	// Update applies one step to each parameter with the gradient of the same index.
	Update(params []Param, grads []*tensor.Dense) error
	// LR is the learning rate; SetLR changes it (schedules do).
	LR() float64
	SetLR(lr float64)
	// State is everything a resumed run needs: tensors by name and the number of steps.
	State() (tensors map[string]*tensor.Dense, steps int)
	// Restore sets the state from State's output; params says which tensors must be there.
	Restore(tensors map[string]*tensor.Dense, steps int, params []Param) error
}

// Schedule decides the learning rate epoch by epoch. Schedules are JSON-serializable
// structs, so that a checkpoint can hold their counters.
type Schedule interface {
	// Begin returns the rate of the first epoch, given the configured one.
	Begin(lr float64) float64
	// Next returns the learning rate for the next epoch, given the loss the last epoch ended
	// with on the validation set and the current rate.
	Next(loss, lr float64) float64
}

// Cosine anneals the rate from Peak to Floor along half a cosine over Epochs epochs, one step
// per epoch (SGDR without restarts; Loshchilov and Hutter 2017).
type Cosine struct {
	Peak, Floor float64
	Epochs      int
	Done        int `json:"done"` // epochs finished
}

func (c *Cosine) Begin(lr float64) float64 { c.Peak = lr; return lr }

func (c *Cosine) Next(_, _ float64) float64 {
	c.Done++
	t := math.Min(float64(c.Done)/float64(max(c.Epochs, 1)), 1)
	return c.Floor + 0.5*(c.Peak-c.Floor)*(1+math.Cos(math.Pi*t))
}

// OneCycle warms the rate up linearly from Peak/25 to Peak over the first 30% of the epochs,
// then anneals it along a cosine to Peak/10⁴ (Smith and Topin 2019), one step per epoch.
type OneCycle struct {
	Peak   float64
	Epochs int
	Done   int `json:"done"`
}

func (o *OneCycle) Begin(lr float64) float64 { o.Peak = lr; return o.at(0) }

func (o *OneCycle) Next(_, _ float64) float64 {
	o.Done++
	return o.at(o.Done)
}

// at is the rate of epoch e (from 0).
func (o *OneCycle) at(e int) float64 {
	warm := max(1, int(math.Round(0.3*float64(o.Epochs))))
	if e < warm {
		return o.Peak / 25 * (1 + 24*float64(e)/float64(warm))
	}
	t := math.Min(float64(e-warm)/float64(max(o.Epochs-warm, 1)), 1)
	floor := o.Peak / 1e4
	return floor + 0.5*(o.Peak-floor)*(1+math.Cos(math.Pi*t))
}

// Plateau is Keras' ReduceLROnPlateau: the rate is multiplied by Factor when the loss has not
// improved by more than MinDelta for Patience epochs.
type Plateau struct {
	Factor   float64 `json:"factor"`
	Patience int     `json:"patience"`
	MinDelta float64 `json:"min_delta"`
	Best     float64 `json:"best"`
	Wait     int     `json:"wait"`
}

// NewPlateau is ReduceLROnPlateau with Keras' min_delta of 1e-4.
func NewPlateau(factor float64, patience int) *Plateau {
	return &Plateau{Factor: factor, Patience: patience, MinDelta: 1e-4, Best: maxFloat}
}

func (p *Plateau) Begin(lr float64) float64 { return lr }

func (p *Plateau) Next(loss, lr float64) float64 {
	if loss < p.Best-p.MinDelta {
		p.Best, p.Wait = loss, 0
		return lr
	}
	if p.Wait++; p.Wait >= p.Patience {
		p.Wait = 0
		return lr * p.Factor
	}
	return lr
}

// EarlyStop is Keras' EarlyStopping (min_delta 0): Stop says true once the loss has not
// improved for Patience epochs.
type EarlyStop struct {
	Patience int     `json:"patience"`
	Best     float64 `json:"best"`
	Wait     int     `json:"wait"`
}

// NewEarlyStop returns early stopping with the given patience.
func NewEarlyStop(patience int) *EarlyStop { return &EarlyStop{Patience: patience, Best: maxFloat} }

func (e *EarlyStop) Stop(loss float64) bool {
	if loss < e.Best {
		e.Best, e.Wait = loss, 0
		return false
	}
	e.Wait++
	return e.Wait >= e.Patience
}

const maxFloat = 1.7976931348623157e308
