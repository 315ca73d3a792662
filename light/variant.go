package light

import (
	"fmt"
	"math"
	"sort"
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
	// Spectral and Frobenius are WithSpectralInit and WithFrobeniusDecay for every factorized
	// layer (LowRank convolutions and the head).
	Spectral  bool
	Frobenius float64
	// Ranks overrides the rank of named layers: "block1/conv1=2,head=4", sorted by name
	// (use LayerRanks to make one). Layers it does not name take ConvRank or DenseRank.
	Ranks string
}

// PaperDenseRank is the rank of the paper's LightDense heads.
const PaperDenseRank = 8

func (l Light) Conv(s *Scope, x *G.Node, filters, kernel int) (*G.Node, error) {
	opts := []LightConvOption{WithRank(l.rankOf(s.Path(), l.ConvRank)), WithForm(l.Form), WithMiddle(l.Middle), WithGlorotBiases(l.GlorotBiases)}
	if l.Form == LowRank {
		opts = append(opts, WithSpectralInit(l.Spectral), WithFrobeniusDecay(l.Frobenius))
	}
	c, err := LightConv2D(s, x, filters, kernel, opts...)
	return out(c, err, func() *G.Node { return c.Out })
}

func (l Light) Dense(s *Scope, x *G.Node, units int) (*G.Node, error) {
	d, err := LightDense(s, x, units, WithRank(l.rankOf(s.Path(), l.DenseRank)), WithSpectralInit(l.Spectral), WithFrobeniusDecay(l.Frobenius))
	return out(d, err, func() *G.Node { return d.Out })
}

// rankOf is the rank Ranks gives the layer at path, or def.
func (l Light) rankOf(path string, def int) int {
	if r, ok := l.layerRanks()[path]; ok {
		return r
	}
	return def
}

// layerRanks parses Ranks (checked when the variant was made or parsed).
func (l Light) layerRanks() map[string]int {
	out := map[string]int{}
	for _, kv := range strings.Split(l.Ranks, ",") {
		if name, r, ok := strings.Cut(kv, "="); ok {
			out[name], _ = strconv.Atoi(r)
		}
	}
	return out
}

// LayerRanks is the Ranks text of per-layer ranks: "name=rank,..." sorted by name.
func LayerRanks(ranks map[string]int) string {
	names := make([]string, 0, len(ranks))
	for n := range ranks {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s=%d", n, ranks[n])
	}
	return strings.Join(parts, ",")
}

// Name is light<k>, followed by -lowrank, -linear, -dense<d> (when the dense rank is not the
// paper's 8), -glorotbias, -spectral, -frob<coefficient> and -ranks:<Ranks> as they apply.
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
	if l.Spectral {
		b.WriteString("-spectral")
	}
	if l.Frobenius != 0 {
		b.WriteString("-frob" + strconv.FormatFloat(l.Frobenius, 'f', -1, 64))
	}
	if l.Ranks != "" {
		b.WriteString("-ranks:" + l.Ranks)
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
	if (l.Spectral || l.Frobenius != 0) && l.Form != LowRank {
		return errors.New("spectral initialization and Frobenius decay need the low-rank form (light<k>-lowrank-...)")
	}
	if !(l.Frobenius >= 0) || math.IsInf(l.Frobenius, 0) {
		return errors.Errorf("Frobenius decay %g is not a number >= 0", l.Frobenius)
	}
	return l.checkRanks()
}

// checkRanks refuses a Ranks text that is not name=rank pairs, sorted, with ranks >= 1.
func (l Light) checkRanks() error {
	if l.Ranks == "" {
		return nil
	}
	ranks := map[string]int{}
	for _, kv := range strings.Split(l.Ranks, ",") {
		name, r, ok := strings.Cut(kv, "=")
		k, err := strconv.Atoi(r)
		if !ok || name == "" || err != nil || k < 1 || strings.ContainsAny(name, "-:") {
			return errors.Errorf("layer rank %q is not name=rank with a rank >= 1", kv)
		}
		ranks[name] = k
	}
	if LayerRanks(ranks) != l.Ranks {
		return errors.Errorf("layer ranks %q are not in their canonical form %q (sorted, one per layer)", l.Ranks, LayerRanks(ranks))
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
	case p == "spectral":
		l.Spectral = true
	case strings.HasPrefix(p, "frob"):
		f, err := strconv.ParseFloat(p[len("frob"):], 64)
		if err != nil {
			return errors.Errorf("%q is not frob<coefficient>", p)
		}
		l.Frobenius = f
	case strings.HasPrefix(p, "ranks:"):
		l.Ranks = p[len("ranks:"):]
	case strings.HasPrefix(p, "dense"):
		d, err := strconv.Atoi(p[len("dense"):])
		if err != nil {
			return errors.Errorf("%q is not dense<rank>", p)
		}
		l.DenseRank = d
	default:
		return errors.Errorf("unknown suffix %q; suffixes are lowrank, linear, dense<d>, glorotbias, spectral, frob<c>, ranks:<layer=rank,...>", p)
	}
	return nil
}
