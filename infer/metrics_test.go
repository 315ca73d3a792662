package infer

import (
	"math"
	"testing"
)

func TestMetrics(t *testing.T) {
	tl := NewTally(3)
	for i, p := range [][2]int{{0, 0}, {0, 0}, {0, 1}, {1, 1}, {2, 1}, {2, 2}} {
		tl.add(p[0], p[1], float64(i+1))
	}
	m := tl.Metrics()
	if m.Accuracy != 4.0/6 || m.Precision[1] != 1.0/3 || m.Recall[0] != 2.0/3 || math.Abs(m.F1[2]-2.0/3) > 1e-12 {
		t.Errorf("%+v", m)
	}
	if m.Loss != 21.0/6 || m.ErrorLoss != (3.0+5)/6 || m.MaxLoss != 6 {
		t.Errorf("loss %g, from errors %g, max %g; want 3.5, 1.333, 6", m.Loss, m.ErrorLoss, m.MaxLoss)
	}
}
