package optim

import (
	"math"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// Plateau cuts the rate after Patience epochs without an improvement of more than MinDelta,
// then waits Patience epochs again; EarlyStop stops after Patience epochs without one.
func TestPlateauAndEarlyStop(t *testing.T) {
	p, e := NewPlateau(0.1, 2), NewEarlyStop(3)
	lr := 1.0
	var rates []float64
	var stops []bool
	for _, loss := range []float64{1, 0.5, 0.49995, 0.6, 0.4, 0.5, 0.5, 0.5} {
		lr = p.Next(loss, lr)
		rates = append(rates, lr)
		stops = append(stops, e.Stop(loss))
	}
	want := []float64{1, 1, 1, 0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002}
	for i := range want {
		if rates[i] != want[i] {
			t.Fatalf("rates %v, want %v", rates, want)
		}
	}
	if stops[6] || !stops[7] {
		t.Errorf("early stopping %v: want a stop at the last epoch only", stops)
	}
}

func param(name string, v ...float32) Param {
	return Param{Name: name, Value: tensor.New(tensor.WithShape(len(v)), tensor.WithBacking(v))}
}

// Restore takes only moments that fit the parameters, and both moments after any step.
func TestAdamRestoreRefusesStateThatDoesNotFit(t *testing.T) {
	w := param("w", 1, 2)
	a := NewAdam(0.1)
	if err := a.Update([]Param{w}, []*tensor.Dense{param("g", 1, 1).Value}); err != nil {
		t.Fatal(err)
	}
	state, steps := a.State()
	cases := []struct {
		name  string
		edit  func(map[string]*tensor.Dense)
		steps int
		want  string
	}{
		{"missing v", func(s map[string]*tensor.Dense) { delete(s, "adam/v/w") }, steps, "adam/v/w is missing after 1 steps"},
		{"float64 m", func(s map[string]*tensor.Dense) {
			s["adam/m/w"] = tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{0, 0}))
		}, steps, "float64"},
		{"wrong shape", func(s map[string]*tensor.Dense) {
			s["adam/m/w"] = tensor.New(tensor.WithShape(3), tensor.WithBacking([]float32{0, 0, 0}))
		}, steps, "(3)"},
		{"negative steps", func(map[string]*tensor.Dense) {}, -1, "negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := map[string]*tensor.Dense{}
			for k, v := range state {
				s[k] = v
			}
			tc.edit(s)
			if err := NewAdam(0.1).Restore(s, tc.steps, []Param{w}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	b := NewAdam(0.1)
	if err := b.Restore(state, steps, []Param{w}); err != nil || b.Step != 1 {
		t.Fatalf("a fitting state: %v, step %d", err, b.Step)
	}
	if err := NewAdam(0.1).Restore(nil, 0, []Param{w}); err != nil {
		t.Fatalf("no state before the first step: %v", err)
	}
}

// Cosine goes from the peak to the floor in Epochs steps; one-cycle climbs from a 25th of the
// peak to it over 30% of the epochs, then falls to a 10,000th.
func TestCosineAndOneCycle(t *testing.T) {
	c := &Cosine{Epochs: 4, Floor: 0}
	rates := []float64{c.Begin(1)}
	for range 4 {
		rates = append(rates, c.Next(0, 0))
	}
	want := []float64{1, 0.8535533905932737, 0.5, 0.14644660940672627, 0}
	for i := range want {
		if math.Abs(rates[i]-want[i]) > 1e-12 {
			t.Fatalf("cosine rates %v, want %v", rates, want)
		}
	}
	o := &OneCycle{Epochs: 10}
	first := o.Begin(0.01)
	var max float64
	last := first
	for range 10 {
		last = o.Next(0, 0)
		max = math.Max(max, last)
	}
	if math.Abs(first-0.01/25) > 1e-15 || math.Abs(max-0.01) > 1e-15 || math.Abs(last-0.01/1e4) > 1e-12 {
		t.Errorf("one-cycle: first %g, max %g, last %g", first, max, last)
	}
}
