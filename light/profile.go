package light

import (
	"time"

	"github.com/lightzoo/lightzoo/light/internal/ops"
)

// OpTime is how long one of lightzoo's ops (one node of a graph: a convolution, one of its
// gradients, a BatchNorm, ...) ran while the profile was on. Name is the op's, which names
// its shapes and settings; two nodes of the same name are two rows.
type OpTime struct {
	Name  string
	Runs  int
	Time  time.Duration
	Flops int64 // a run's floating-point operations, where the op is a product (a convolution or its gradient); else 0
}

// StartOpProfile starts timing every run of lightzoo's ops, in every graph, afresh.
// Gorgonia's own ops (the loss, reshapes, additions) and its tape are not timed.
func StartOpProfile() { ops.StartProfile() }

// StopOpProfile stops timing and returns one row per op that ran since StartOpProfile, in
// the order they first ran.
func StopOpProfile() []OpTime {
	var out []OpTime
	for _, r := range ops.StopProfile() {
		out = append(out, OpTime(r))
	}
	return out
}
