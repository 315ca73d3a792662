package zoo

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/light"
	"github.com/pkg/errors"
)

// Config says how to build a model's graph. The zero value builds a float32 graph for batch 1
// with seed 0.
type Config struct {
	Batch int
	Dtype tensor.Dtype
	// Seed fixes the initial weights; 0 is a seed like any other (the paper's is 42).
	Seed uint64
	// Share, when set, makes the new graph use Share's weights and BatchNorm statistics (the
	// same network built earlier, for example for another batch size).
	Share *Model
	// Inference builds a graph for inference only (light.ForInference): BatchNorm uses the
	// running statistics, folded into the convolution before it; the graph has no gradients.
	Inference bool
	// BatchStats builds BatchNorm on each batch's statistics, leaving the running ones as they
	// are (Scope.UseBatchStats); it overrides Inference.
	BatchStats bool
	// Recalibrate builds BatchNorm on each batch's statistics, setting the running ones to
	// their average over the batches run (Scope.UseAveragedStats); it overrides the others.
	Recalibrate bool
}

func (c Config) withDefaults() Config {
	if c.Batch == 0 {
		c.Batch = 1
	}
	if c.Dtype == (tensor.Dtype{}) {
		c.Dtype = tensor.Float32
	}
	return c
}

// Model is a network built as a Gorgonia graph: Input (batch, C, H, W) to Logits (batch,
// classes), with its parameters in Scope.
type Model struct {
	Spec    Spec
	Variant light.Variant
	Batch   int
	Graph   *G.ExprGraph
	Scope   *light.Scope
	Input   *G.Node
	Logits  *G.Node
}

// Build builds the registered model name in variant v.
func Build(name string, v light.Variant, cfg Config) (*Model, error) {
	spec, err := Get(name)
	if err != nil {
		return nil, err
	}
	return New(spec, v, cfg)
}

// New builds spec in variant v.
func New(spec Spec, v light.Variant, cfg Config) (*Model, error) {
	cfg = cfg.withDefaults()
	if v == nil {
		return nil, errors.Errorf("zoo: %s: variant is nil; use light.Regular{}, light.Separable{} or light.Light{...}", spec.Name)
	}
	if cfg.Batch < 0 {
		return nil, errors.Errorf("zoo: %s: batch size %d is not allowed; use a batch >= 1", spec.Name, cfg.Batch)
	}
	g := G.NewGraph()
	var opts []light.ScopeOption
	if cfg.Share != nil {
		if cfg.Share.Spec.Name != spec.Name || cfg.Share.Variant != v {
			return nil, errors.Errorf("zoo: cannot share the weights of %s %v with %s %v", cfg.Share.Spec.Name, cfg.Share.Variant, spec.Name, v)
		}
		opts = append(opts, light.ShareWeights(cfg.Share.Scope))
	}
	if cfg.Inference && !cfg.BatchStats && !cfg.Recalibrate {
		opts = append(opts, light.ForInference())
	}
	s, err := light.NewScope(g, cfg.Dtype, cfg.Seed, opts...)
	if err != nil {
		return nil, errors.Wrapf(err, "zoo: %s", spec.Name)
	}
	in := spec.Input
	x := G.NewTensor(g, cfg.Dtype, 4, G.WithShape(cfg.Batch, in[0], in[1], in[2]), G.WithName("input"))
	logits, err := network(s, x, spec, v)
	if err != nil {
		return nil, errors.Wrapf(err, "zoo: %s %v", spec.Name, v)
	}
	s.SetTraining(!cfg.Inference)
	if cfg.BatchStats {
		s.UseBatchStats()
	}
	if cfg.Recalibrate {
		s.UseAveragedStats()
	}
	return &Model{Spec: spec, Variant: v, Batch: cfg.Batch, Graph: g, Scope: s, Input: x, Logits: logits}, nil
}

// network is the paper's architecture, written once for every variant. Each block ends in
// ReLU then 2x2 max pooling; they are applied in the other order, in one op, which gives the
// same values and gradients (max and ReLU commute; a window's gradient goes to its first
// maximum either way, and is zero where the maximum is not positive) on a quarter of the
// elements.
func network(s *light.Scope, x *G.Node, spec Spec, v light.Variant) (*G.Node, error) {
	h := x
	var err error
	for i, f := range spec.Filters {
		block := s.Subf("block%d", i+1)
		if spec.Shortcut {
			h, err = residualBlock(block, h, f, v)
		} else {
			h, err = mainPath(block, h, f, v)
		}
		if err != nil {
			return nil, err
		}
		if h, err = light.MaxPool(block.Sub("pool"), h, 2, 2, light.WithActivation(light.ReLUActivation)); err != nil {
			return nil, err
		}
	}
	if h, err = light.GlobalAvgPool(s.Sub("gap"), h); err != nil {
		return nil, err
	}
	return v.Dense(s.Sub("head"), h, spec.Classes)
}

// residualBlock is conv3x3-BN-ReLU-conv3x3-BN + conv1x1-BN of the input, whose ReLU follows.
func residualBlock(s *light.Scope, x *G.Node, filters int, v light.Variant) (*G.Node, error) {
	h, err := mainPath(s, x, filters, v)
	if err != nil {
		return nil, err
	}
	short, err := convBN(s, "_shortcut", x, filters, 1, v, light.Linear)
	if err != nil {
		return nil, err
	}
	return light.Add(s.Sub("add"), h, short)
}

// mainPath is conv3x3 -> BN -> ReLU -> conv3x3 -> BN, the first ReLU fused into its BN op.
func mainPath(s *light.Scope, x *G.Node, filters int, v light.Variant) (*G.Node, error) {
	h, err := convBN(s, "1", x, filters, 3, v, light.ReLUActivation)
	if err != nil {
		return nil, err
	}
	return convBN(s, "2", h, filters, 3, v, light.Linear)
}

// convBN adds conv<id> and bn<id> under s, bn<id> followed by the activation.
func convBN(s *light.Scope, id string, x *G.Node, filters, kernel int, v light.Variant, act light.Activation) (*G.Node, error) {
	h, err := v.Conv(s.Sub("conv"+id), x, filters, kernel)
	if err != nil {
		return nil, err
	}
	bn, err := light.BatchNorm(s.Sub("bn"+id), h, light.WithActivation(act))
	if err != nil {
		return nil, err
	}
	return bn.Out, nil
}

// Learnables are the trainable parameter nodes, for gorgonia.Grad and solvers.
func (m *Model) Learnables() G.Nodes { return m.Scope.Learnables() }

// Trainable is the number of trainable parameters.
func (m *Model) Trainable() int {
	n := 0
	for _, p := range m.Scope.Params() {
		n += p.Size()
	}
	return n
}

// Total is Trainable plus the BatchNorm running statistics: Keras' and the paper's count.
func (m *Model) Total() int {
	n := m.Trainable()
	for _, l := range m.Scope.Layers() {
		n += l.Stats
	}
	return n
}

// FLOPs is the forward cost of one image: a multiply-add counts 2, every other elementwise
// operation (bias, BatchNorm scale and shift, ReLU, pooling comparison, addition) 1.
func (m *Model) FLOPs() int64 {
	var n int64
	for _, l := range m.Scope.Layers() {
		n += l.FLOPs
	}
	return n
}

// Summary writes a Keras-style table of layers, output shapes and parameter counts.
func (m *Model) Summary(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Model: %s, %v\n", m.Spec.Title, m.Variant)
	fmt.Fprintln(tw, "Layer\tType\tOutput shape\tParams\tFLOPs")
	fmt.Fprintln(tw, strings.Repeat("-", 24)+"\t"+strings.Repeat("-", 12)+"\t"+strings.Repeat("-", 14)+"\t------\t-------")
	for _, l := range m.Scope.Layers() {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%d\t%d\n", l.Name, l.Kind, shapeString(l.OutShape), l.Params+l.Stats, l.FLOPs)
	}
	fmt.Fprintf(tw, "Total params: %d\nTrainable params: %d\nNon-trainable params: %d\nForward FLOPs per image: %d\n",
		m.Total(), m.Trainable(), m.Total()-m.Trainable(), m.FLOPs())
	return tw.Flush()
}

func shapeString(s tensor.Shape) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "(None, " + strings.Join(parts, ", ") + ")"
}
