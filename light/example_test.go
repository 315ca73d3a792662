package light_test

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/light"
)

// A small network of light layers; Learnables feed gorgonia.Grad and a solver.
func Example() {
	g := G.NewGraph()
	s, err := light.NewScope(g, tensor.Float32, 42)
	if err != nil {
		panic(err)
	}
	x := G.NewTensor(g, tensor.Float32, 4, G.WithShape(64, 1, 28, 28), G.WithName("x"))
	c, err := light.LightConv2D(s.Sub("conv1"), x, 16, 3, light.WithRank(2))
	if err != nil {
		panic(err)
	}
	bn, err := light.BatchNorm(s.Sub("bn1"), c.Out, light.WithActivation(light.ReLUActivation))
	if err != nil {
		panic(err)
	}
	h, err := light.GlobalAvgPool(s.Sub("gap"), bn.Out)
	if err != nil {
		panic(err)
	}
	d, err := light.LightDense(s.Sub("head"), h, 10)
	if err != nil {
		panic(err)
	}
	w, err := d.Weight()
	if err != nil {
		panic(err)
	}
	fmt.Println(s.ParamNames())
	fmt.Println("logits", d.Out.Shape(), "effective head weight", w.Shape())

	loss, err := G.Mean(d.Out) // a stand-in for a real loss
	if err != nil {
		panic(err)
	}
	grads, err := G.Grad(loss, s.Learnables()...)
	if err != nil {
		panic(err)
	}
	images := tensor.New(tensor.WithShape(64, 1, 28, 28), tensor.Of(tensor.Float32))
	if err := G.Let(x, images); err != nil {
		panic(err)
	}
	vm := G.NewTapeMachine(g, G.WithEngine(light.Engine())) // Gorgonia's additions on every core
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		panic(err)
	}
	fmt.Println(len(grads), "gradients, the first", grads[0].Shape())
	// Output:
	// [bn1/beta bn1/gamma conv1/b1 conv1/b2 conv1/w1 conv1/w2 head/b head/w1 head/w2]
	// logits (64, 10) effective head weight (16, 10)
	// 9 gradients, the first (2, 1, 3, 3)
}
