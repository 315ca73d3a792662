package light

import (
	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/light/internal/ops"
)

// Engine is the tensor engine to run graphs of these layers with: Gorgonia's standard CPU
// engine, but for the additions of whole float32 activations that Gorgonia's own ops still
// make (shortcuts, gradients of a value read twice), which it runs as vector code spread
// over the cores, to the same bits. Give it to the VM:
//
//	vm := G.NewTapeMachine(g, G.WithEngine(light.Engine()))
func Engine() tensor.Engine { return ops.Engine{} }
