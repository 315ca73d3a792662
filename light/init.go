package light

import (
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"
)

// filler writes initial values into t.
type filler func(t *tensor.Dense, rng *rand.Rand)

// glorotUniform draws from U(-l, l) with l = sqrt(6/(fanIn+fanOut)), Keras' default.
func glorotUniform(fanIn, fanOut int) filler {
	limit := math.Sqrt(6 / float64(fanIn+fanOut))
	return func(t *tensor.Dense, rng *rand.Rand) {
		switch d := t.Data().(type) {
		case []float32:
			for i := range d {
				d[i] = float32(limit * (2*rng.Float64() - 1))
			}
		case []float64:
			for i := range d {
				d[i] = limit * (2*rng.Float64() - 1)
			}
		}
	}
}

// constant fills with v (zeros for biases, ones for BatchNorm scales).
func constant(v float64) filler {
	return func(t *tensor.Dense, _ *rand.Rand) {
		switch d := t.Data().(type) {
		case []float32:
			for i := range d {
				d[i] = float32(v)
			}
		case []float64:
			for i := range d {
				d[i] = v
			}
		}
	}
}

var zeros = constant(0)
