package light

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pkg/errors"
)

// checkInput verifies that x exists, has dims dimensions and the scope's dtype.
func checkInput(s *Scope, x *G.Node, dims int, layout string) error {
	if x == nil {
		return errors.New("input node is nil")
	}
	if x.Graph() != s.root.g {
		return errors.Errorf("input %q belongs to another graph than the scope", x.Name())
	}
	if x.Dims() != dims {
		return errors.Errorf("input shape %v has %d dimensions; expected %d (%s)", x.Shape(), x.Dims(), dims, layout)
	}
	if x.Dtype() != s.root.dt {
		return errors.Errorf("input dtype %v differs from the scope's %v", x.Dtype(), s.root.dt)
	}
	return nil
}

func checkPositive(what string, n int) error {
	if n <= 0 {
		return errors.Errorf("%s %d is not allowed; use a value >= 1", what, n)
	}
	return nil
}

// checkKernel requires an odd kernel size, which SAME padding of (k-1)/2 needs.
func checkKernel(kernel int) error {
	if kernel <= 0 || kernel%2 == 0 {
		return errors.Errorf("kernel size %d is not allowed; SAME padding needs an odd size >= 1", kernel)
	}
	return nil
}

// scaled multiplies n by the constant c unless c is 1.
func scaled(n *G.Node, c float64) (*G.Node, error) {
	if c == 1 {
		return n, nil
	}
	var k *G.Node
	if n.Dtype() == tensor.Float32 {
		k = G.NewConstant(float32(c))
	} else {
		k = G.NewConstant(c)
	}
	return G.Mul(n, k)
}

// perImage drops the batch dimension of a shape.
func perImage(s tensor.Shape) tensor.Shape { return s[1:].Clone() }

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
