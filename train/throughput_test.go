package train

import (
	"strings"
	"testing"
	"time"

	"github.com/lightzoo/lightzoo/light"
)

// A profile of a training step holds every op of forward and backward pass once per
// repetition, and no more time than the steps took; inference runs no gradient.
func TestProfileSpeedTimesEveryOp(t *testing.T) {
	step, infer, err := ProfileSpeed("mnist", light.Light{ConvRank: 2, DenseRank: 4}, 8, 8, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what  string
		p     Profile
		grads bool
	}{{"training step", step, true}, {"inference", infer, false}} {
		var sum time.Duration
		grads := 0
		for _, o := range c.p.Ops {
			if o.Runs != c.p.Reps {
				t.Errorf("%s: %s ran %d times in %d repetitions", c.what, o.Name, o.Runs, c.p.Reps)
			}
			if strings.Contains(o.Name, "Grad") {
				grads++
			}
			sum += o.Time
		}
		if len(c.p.Ops) < 10 || c.p.Reps != 3 || sum <= 0 || sum > c.p.Total || (grads > 0) != c.grads {
			t.Errorf("%s: %d ops (%d gradients) took %v of %v in %d repetitions", c.what, len(c.p.Ops), grads, sum, c.p.Total, c.p.Reps)
		}
	}
	if _, _, err := ProfileSpeed("mnist", light.Regular{}, 8, 8, 0, 0); err == nil {
		t.Error("0 repetitions: no error")
	}
}
