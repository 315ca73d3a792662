package light

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/pkg/errors"
)

// Variant is the one argument that swaps the kind of every weight layer of a network: a
// network calls Conv and Dense, and the variant decides which layers those are.
type Variant interface {
	// Conv adds a kxk convolution to filters channels (SAME padding, stride 1, with bias).
	Conv(s *Scope, x *G.Node, filters, kernel int) (*G.Node, error)
	// Dense adds a fully connected layer to units outputs.
	Dense(s *Scope, x *G.Node, units int) (*G.Node, error)
	// Kind is "conv2d", "separable" or "light".
	Kind() string
	// Rank is the conv rank of a light variant, 0 otherwise.
	Rank() int
	fmt.Stringer
}

// Regular builds Conv2D and Dense: the paper's "Conv2D" rows.
type Regular struct{}

func (Regular) Conv(s *Scope, x *G.Node, filters, kernel int) (*G.Node, error) {
	c, err := Conv2D(s, x, filters, kernel)
	return out(c, err, func() *G.Node { return c.Out })
}

func (Regular) Dense(s *Scope, x *G.Node, units int) (*G.Node, error) {
	d, err := Dense(s, x, units)
	return out(d, err, func() *G.Node { return d.Out })
}

func (Regular) Kind() string   { return "conv2d" }
func (Regular) Rank() int      { return 0 }
func (Regular) String() string { return "Conv2D" }

// Separable builds SeparableConv2D and Dense: the paper's "SeparableConv2D" rows.
type Separable struct{}

func (Separable) Conv(s *Scope, x *G.Node, filters, kernel int) (*G.Node, error) {
	c, err := SeparableConv2D(s, x, filters, kernel)
	return out(c, err, func() *G.Node { return c.Out })
}

func (Separable) Dense(s *Scope, x *G.Node, units int) (*G.Node, error) {
	return Regular{}.Dense(s, x, units)
}
func (Separable) Kind() string   { return "separable" }
func (Separable) Rank() int      { return 0 }
func (Separable) String() string { return "SeparableConv2D" }

// Light builds LightConv2D of rank ConvRank and LightDense of rank DenseRank: the paper's
// "LightLayers (K=k)" rows use Light{ConvRank: k, DenseRank: 8}. Form and Options are passed
// to every LightConv2D.
type Light struct {
	ConvRank, DenseRank int
	Form                Form
	Options             []Option
}

func (l Light) Conv(s *Scope, x *G.Node, filters, kernel int) (*G.Node, error) {
	opts := append([]Option{WithRank(l.ConvRank), WithForm(l.Form)}, l.Options...)
	c, err := LightConv2D(s, x, filters, kernel, opts...)
	return out(c, err, func() *G.Node { return c.Out })
}

func (l Light) Dense(s *Scope, x *G.Node, units int) (*G.Node, error) {
	d, err := LightDense(s, x, units, WithRank(l.DenseRank))
	return out(d, err, func() *G.Node { return d.Out })
}

func (l Light) Kind() string { return "light" }
func (l Light) Rank() int    { return l.ConvRank }
func (l Light) String() string {
	if l.Form == LowRank {
		return fmt.Sprintf("LightLayers(K=%d, lowrank)", l.ConvRank)
	}
	return fmt.Sprintf("LightLayers(K=%d)", l.ConvRank)
}

// out returns the output node of a layer that was built without error.
func out[T any](layer *T, err error, node func() *G.Node) (*G.Node, error) {
	if err != nil {
		return nil, err
	}
	return node(), nil
}

// ParseVariant returns the variant named kind ("conv2d", "separable" or "light"); rank is the
// conv rank of "light" (the dense rank is the paper's 8) and must be 0 otherwise.
func ParseVariant(kind string, rank int) (Variant, error) {
	switch kind {
	case "conv2d", "separable":
		if rank != 0 {
			return nil, errors.Errorf("light: variant %q takes no rank, got %d; use rank 0 or variant \"light\"", kind, rank)
		}
		if kind == "conv2d" {
			return Regular{}, nil
		}
		return Separable{}, nil
	case "light":
		if rank <= 0 {
			return nil, errors.Errorf("light: variant \"light\" needs a rank >= 1 (the paper's k), got %d", rank)
		}
		return Light{ConvRank: rank, DenseRank: 8}, nil
	}
	return nil, errors.Errorf("light: unknown variant %q; use conv2d, separable or light", kind)
}
