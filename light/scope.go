package light

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/pkg/errors"
)

// Param is a trainable parameter: its full name, its node, and the L2 weight decay coefficient
// the trainer should apply to it (0 for none).
type Param struct {
	Name  string
	Node  *G.Node
	Decay float64
}

// Size is the number of scalars in the parameter.
func (p *Param) Size() int { return p.Node.Shape().TotalSize() }

// LayerInfo describes one layer for summaries and cost accounting.
type LayerInfo struct {
	Name     string
	Kind     string
	OutShape tensor.Shape // per image, batch dimension excluded
	Params   int          // trainable scalars
	Stats    int          // non-trainable scalars (BatchNorm running statistics)
	FLOPs    int64        // forward floating-point operations per image
}

// Scope owns a graph, a dtype, a seed and a name path. Sub returns a child scope that shares
// everything but extends the path. All parameter names created through one root are unique.
type Scope struct {
	root *scopeRoot
	path string
}

type scopeRoot struct {
	g      *G.ExprGraph
	dt     tensor.Dtype
	seed   uint64
	params []*Param
	names  map[string]bool
	bns    []*BatchNormNodes
	layers []LayerInfo
	// frobenius are the layers' Frobenius decays, for the trainer.
	frobenius []Frobenius
	shared    *Scope // if set, parameters and statistics are taken from here
	inference bool   // ForInference
}

// ScopeOption configures a new Scope.
type ScopeOption func(*scopeRoot)

// ShareWeights makes every parameter and BatchNorm statistic created in the new scope use the
// tensors of the same name in from (built earlier from the same network). This is how an
// inference graph of another batch size shares a training graph's weights.
func ShareWeights(from *Scope) ScopeOption {
	return func(r *scopeRoot) { r.shared = from }
}

// ForInference builds a graph that is only run for inference: its BatchNorms use the running
// statistics, and each one that follows a convolution is folded into it, which normalizes
// every output plane while the plane is in cache (the same bits as a BatchNorm op, one pass
// over the activations fewer). The convolution's node becomes the BatchNorm's output, so
// nothing else should read it. A folded convolution has no gradient, and a run after
// SetTraining(true), UseBatchStats or UseAveragedStats fails: build those graphs without it.
func ForInference() ScopeOption {
	return func(r *scopeRoot) { r.inference = true }
}

// NewScope returns a root scope on g. dt must be tensor.Float32 or tensor.Float64.
// The seed fixes every initial value: the same seed gives the same weights, bit for bit.
func NewScope(g *G.ExprGraph, dt tensor.Dtype, seed uint64, opts ...ScopeOption) (*Scope, error) {
	if g == nil {
		return nil, errors.New("light: NewScope: graph is nil; pass gorgonia.NewGraph()")
	}
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, errors.Errorf("light: NewScope: dtype %v is not supported; use tensor.Float32 or tensor.Float64", dt)
	}
	r := &scopeRoot{g: g, dt: dt, seed: seed, names: map[string]bool{}}
	for _, o := range opts {
		o(r)
	}
	if r.shared != nil && r.shared.root.dt != dt {
		return nil, errors.Errorf("light: NewScope: cannot share %v weights in a %v scope", r.shared.root.dt, dt)
	}
	return &Scope{root: r}, nil
}

// Sub returns a child scope named name under s.
func (s *Scope) Sub(name string) *Scope {
	return &Scope{root: s.root, path: s.join(name)}
}

// Subf is Sub with a formatted name.
func (s *Scope) Subf(format string, args ...any) *Scope { return s.Sub(fmt.Sprintf(format, args...)) }

// Path is the scope's name path ("" at the root).
func (s *Scope) Path() string { return s.path }

// Graph is the scope's expression graph.
func (s *Scope) Graph() *G.ExprGraph { return s.root.g }

// Dtype is the scope's element type.
func (s *Scope) Dtype() tensor.Dtype { return s.root.dt }

// Params returns the trainable parameters in creation order.
func (s *Scope) Params() []*Param { return append([]*Param(nil), s.root.params...) }

// Param returns the parameter with the full name, or nil.
func (s *Scope) Param(name string) *Param {
	for _, p := range s.root.params {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Learnables returns the parameter nodes in creation order, for gorgonia.Grad and solvers.
func (s *Scope) Learnables() G.Nodes {
	ns := make(G.Nodes, len(s.root.params))
	for i, p := range s.root.params {
		ns[i] = p.Node
	}
	return ns
}

// BatchNorms returns the BatchNorm layers in creation order.
func (s *Scope) BatchNorms() []*BatchNormNodes { return append([]*BatchNormNodes(nil), s.root.bns...) }

// Layers returns what every layer constructor recorded, in creation order.
func (s *Scope) Layers() []LayerInfo { return append([]LayerInfo(nil), s.root.layers...) }

// UseBatchStats makes every BatchNorm of the scope normalize with each batch's own statistics
// without moving the running ones: an evaluation that diagnoses running statistics lagging
// behind the weights, safe on a graph that shares a training model's statistics.
func (s *Scope) UseBatchStats() {
	for _, bn := range s.root.bns {
		bn.norm.Training, bn.norm.Frozen = true, true
	}
}

// UseAveragedStats makes every BatchNorm of the scope normalize with each batch's own
// statistics and set its running statistics to the average of those of the batches run from
// now on: after a change of weights that left them stale (a compression), a forward pass over
// training images recalibrates them (as PyTorch's update_bn).
func (s *Scope) UseAveragedStats() {
	for _, bn := range s.root.bns {
		bn.norm.Training, bn.norm.Frozen, bn.norm.Average, bn.norm.Runs = true, false, true, 0
	}
}

// SetTraining switches every BatchNorm of the scope between batch statistics (true) and
// running statistics (false).
func (s *Scope) SetTraining(training bool) {
	for _, bn := range s.root.bns {
		bn.norm.Training = training
	}
}

// ParamNames returns the sorted names of all parameters.
func (s *Scope) ParamNames() []string {
	names := make([]string, 0, len(s.root.params))
	for _, p := range s.root.params {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

func (s *Scope) join(name string) string {
	if s.path == "" {
		return name
	}
	return s.path + "/" + name
}

func (s *Scope) record(info LayerInfo) {
	info.Name = s.path
	s.root.layers = append(s.root.layers, info)
}

// claim reserves a full name, refusing duplicates and malformed names.
func (s *Scope) claim(name string) (string, error) {
	full := s.join(name)
	if name == "" || strings.HasPrefix(full, "/") || strings.HasSuffix(full, "/") || strings.Contains(full, "//") {
		return "", errors.Errorf("light: parameter name %q is malformed; scope names must be non-empty", full)
	}
	if s.root.names[full] {
		return "", errors.Errorf("light: parameter %q already exists; give each layer its own scope with Sub", full)
	}
	s.root.names[full] = true
	return full, nil
}

// newParam creates a trainable parameter named name under s, filled by fill from an RNG seeded
// by the scope seed and the full name, so adding a layer never changes another's weights.
func (s *Scope) newParam(name string, shape tensor.Shape, fill filler, decay float64) (*Param, error) {
	full, err := s.claim(name)
	if err != nil {
		return nil, err
	}
	var t *tensor.Dense
	if s.root.shared != nil {
		src := s.root.shared.Param(full)
		if src == nil || !src.Node.Shape().Eq(shape) {
			return nil, errors.Errorf("light: cannot share parameter %q %v: the source scope has no such parameter of that shape", full, shape)
		}
		t = src.Node.Value().(*tensor.Dense)
	} else {
		t = tensor.New(tensor.Of(s.root.dt), tensor.WithShape(shape...))
		fill(t, s.rng(full))
	}
	n := G.NewTensor(s.root.g, s.root.dt, shape.Dims(), G.WithShape(shape...), G.WithName(full), G.WithValue(t))
	p := &Param{Name: full, Node: n, Decay: decay}
	s.root.params = append(s.root.params, p)
	return p, nil
}

func (s *Scope) rng(full string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(full))
	return rand.New(rand.NewPCG(s.root.seed, h.Sum64()))
}

// newBias creates a zero bias of n channels.
func (s *Scope) newBias(name string, n int) (*G.Node, error) {
	p, err := s.newParam(name, []int{n}, zeros, 0)
	if err != nil {
		return nil, err
	}
	return p.Node, nil
}

// bias creates a zero bias "b" of n units and adds it to h (batch, n).
func (s *Scope) bias(h *G.Node, n int) (b, out *G.Node, err error) {
	if b, err = s.newBias("b", n); err != nil {
		return nil, nil, err
	}
	out, err = G.BroadcastAdd(h, b, nil, []byte{0})
	return b, out, err
}

// runningStats returns fresh statistics (mean 0, variance 1) or those of the shared scope.
func (s *Scope) runningStats(c int) (mean, vari []float64, err error) {
	if s.root.shared == nil {
		vari = make([]float64, c)
		for i := range vari {
			vari[i] = 1
		}
		return make([]float64, c), vari, nil
	}
	for _, src := range s.root.shared.root.bns {
		if src.Name == s.path && len(src.norm.Mean) == c {
			return src.norm.Mean, src.norm.Var, nil
		}
	}
	return nil, nil, errors.Errorf("the shared scope has no BatchNorm %q of %d channels", s.path, c)
}
