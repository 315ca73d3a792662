package light

import (
	"fmt"
	"strconv"
	"strings"

	G "gorgonia.org/gorgonia"

	"github.com/pkg/errors"
)

// Variant is the one argument that swaps the kind of every weight layer of a network: a
// network calls Conv and Dense, and the variant decides which layers those are. Variants are
// comparable values with one text form, Name, which ParseVariant reads back: flags, file
// names, table rows and checkpoints all spell a variant that way.
type Variant interface {
	// Conv adds a kxk convolution to filters channels (SAME padding, stride 1, with bias).
	Conv(s *Scope, x *G.Node, filters, kernel int) (*G.Node, error)
	// Dense adds a fully connected layer to units outputs.
	Dense(s *Scope, x *G.Node, units int) (*G.Node, error)
	// Name is the text form: "conv2d", "separable", "light3", "light3-lowrank", ...
	Name() string
	// String is the paper's name of the row: "Conv2D", "SeparableConv2D", "LightLayers(K=3)".
	String() string
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

func (Regular) Name() string   { return "conv2d" }
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
func (Separable) Name() string   { return "separable" }
func (Separable) String() string { return "SeparableConv2D" }

// Light builds LightConv2D of rank ConvRank and LightDense of rank DenseRank: the paper's
// "LightLayers (K=k)" rows are Light{ConvRank: k, DenseRank: 8}. Form, Middle and
// GlorotBiases are passed to every LightConv2D.
type Light struct {
	ConvRank, DenseRank int
	Form                Form
	Middle              Activation // between a TwoStage layer's stages (default ReLU)
	GlorotBiases        bool       // the reference code's bias initialization (WithGlorotBiases)
}

// PaperDenseRank is the rank of the paper's LightDense heads.
const PaperDenseRank = 8

func (l Light) Conv(s *Scope, x *G.Node, filters, kernel int) (*G.Node, error) {
	c, err := LightConv2D(s, x, filters, kernel, WithRank(l.ConvRank), WithForm(l.Form), WithMiddle(l.Middle), WithGlorotBiases(l.GlorotBiases))
	return out(c, err, func() *G.Node { return c.Out })
}

func (l Light) Dense(s *Scope, x *G.Node, units int) (*G.Node, error) {
	d, err := LightDense(s, x, units, WithRank(l.DenseRank))
	return out(d, err, func() *G.Node { return d.Out })
}

// Name is light<k>, followed by -lowrank, -linear, -dense<d> (when the dense rank is not the
// paper's 8) and -glorotbias as they apply.
func (l Light) Name() string {
	var b strings.Builder
	fmt.Fprintf(&b, "light%d", l.ConvRank)
	if l.Form == LowRank {
		b.WriteString("-lowrank")
	}
	if l.Middle == Linear {
		b.WriteString("-linear")
	}
	if l.DenseRank != PaperDenseRank {
		fmt.Fprintf(&b, "-dense%d", l.DenseRank)
	}
	if l.GlorotBiases {
		b.WriteString("-glorotbias")
	}
	return b.String()
}

func (l Light) String() string {
	s := fmt.Sprintf("LightLayers(K=%d", l.ConvRank)
	if rest := strings.TrimPrefix(l.Name(), fmt.Sprintf("light%d", l.ConvRank)); rest != "" {
		s += ", " + strings.ReplaceAll(rest[1:], "-", ", ")
	}
	return s + ")"
}

// check reports a Light variant whose settings do not make a network.
func (l Light) check() error {
	set := defaults
	set.rank, set.form, set.middle, set.glorotBias = l.ConvRank, l.Form, l.Middle, l.GlorotBiases
	if err := firstErr(set.checkRank(), set.checkForm()); err != nil {
		return err
	}
	if l.DenseRank <= 0 {
		return errors.Errorf("dense rank %d is not allowed; use a rank >= 1", l.DenseRank)
	}
	return nil
}

// out returns the output node of a layer that was built without error.
func out[T any](layer *T, err error, node func() *G.Node) (*G.Node, error) {
	if err != nil {
		return nil, err
	}
	return node(), nil
}

// ParseVariant reads a variant's text form (its Name): "conv2d", "separable", or "light<k>"
// with optional suffixes "-lowrank", "-linear", "-dense<d>" and "-glorotbias".
func ParseVariant(text string) (Variant, error) {
	switch text {
	case "conv2d":
		return Regular{}, nil
	case "separable":
		return Separable{}, nil
	}
	parts := strings.Split(text, "-")
	k, ok := strings.CutPrefix(parts[0], "light")
	if !ok {
		return nil, errors.Errorf("light: unknown variant %q; use conv2d, separable or light<k> (light3, light3-lowrank, ...)", text)
	}
	l := Light{DenseRank: PaperDenseRank}
	var err error
	if l.ConvRank, err = strconv.Atoi(k); err != nil {
		return nil, errors.Errorf("light: variant %q needs a rank, the paper's k: light1, light2, ...", text)
	}
	for _, p := range parts[1:] {
		if err := l.setSuffix(p); err != nil {
			return nil, errors.Wrapf(err, "light: variant %q", text)
		}
	}
	if err := l.check(); err != nil {
		return nil, errors.Wrapf(err, "light: variant %q", text)
	}
	if l.Name() != text {
		return nil, errors.Errorf("light: variant %q is not in its canonical form %q", text, l.Name())
	}
	return l, nil
}

func (l *Light) setSuffix(p string) error {
	switch {
	case p == "lowrank":
		l.Form = LowRank
	case p == "linear":
		l.Middle = Linear
	case p == "glorotbias":
		l.GlorotBiases = true
	case strings.HasPrefix(p, "dense"):
		d, err := strconv.Atoi(p[len("dense"):])
		if err != nil {
			return errors.Errorf("%q is not dense<rank>", p)
		}
		l.DenseRank = d
	default:
		return errors.Errorf("unknown suffix %q; suffixes are lowrank, linear, dense<d>, glorotbias", p)
	}
	return nil
}
