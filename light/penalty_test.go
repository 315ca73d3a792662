package light

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/light/internal/testkit"
)

// SquaredNorm of a float32 kernel is coef·Σw² and its gradient 2·coef·w, added to what
// the rest of the loss gives (here a plain sum, whose gradient is 1).
func TestSquaredNorm(t *testing.T) {
	g := G.NewGraph()
	shape := tensor.Shape{3, 2, 3, 3}
	w := G.NewTensor(g, tensor.Float32, 4, G.WithShape(shape...), G.WithName("w"),
		G.WithValue(testkit.Dense(tensor.Float32, shape, testkit.RandTensor(shape, 5).Data().([]float64))))
	pen, err := SquaredNorm(w, 0.25)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := G.Sum(w)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := G.Add(sum, pen)
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(loss, w)
	if err != nil {
		t.Fatal(err)
	}
	m := G.NewTapeMachine(g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		t.Fatal(err)
	}
	data := w.Value().Data().([]float32)
	var want float64
	for _, v := range data {
		want += 0.25 * float64(v) * float64(v)
	}
	if got := float64(pen.Value().Data().(float32)); math.Abs(got-want) > 1e-6*want {
		t.Errorf("penalty %g, want %g", got, want)
	}
	wantGrad := make([]float64, len(data))
	for i, v := range data {
		wantGrad[i] = 1 + 0.5*float64(v)
	}
	testkit.AssertClose(t, "gradient", testkit.Widen(grads[0].Value().Data().([]float32)), wantGrad, 1e-6)
	if _, err := SquaredNorm(nil, 1); err == nil {
		t.Error("a nil node accepted")
	}
}
