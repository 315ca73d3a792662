package light

import (
	G "gorgonia.org/gorgonia"

	"github.com/pkg/errors"

	"github.com/lightzoo/lightzoo/light/internal/ops"
)

// ReLU adds max(x, 0).
func ReLU(s *Scope, x *G.Node) (out *G.Node, err error) {
	defer guard(&err, "ReLU", s)
	if x == nil {
		return nil, errors.New("input node is nil")
	}
	if out, err = ops.ReLU(x); err != nil {
		return nil, err
	}
	s.record(LayerInfo{Kind: "ReLU", OutShape: perImage(out.Shape()), FLOPs: int64(x.Shape()[1:].TotalSize())})
	return out, nil
}

// Add adds two nodes of the same shape (a residual connection).
func Add(s *Scope, a, b *G.Node) (out *G.Node, err error) {
	defer guard(&err, "Add", s)
	if a == nil || b == nil {
		return nil, errors.New("input node is nil")
	}
	if !a.Shape().Eq(b.Shape()) {
		return nil, errors.Errorf("shapes %v and %v differ; a residual add needs equal shapes", a.Shape(), b.Shape())
	}
	if out, err = G.Add(a, b); err != nil {
		return nil, err
	}
	s.record(LayerInfo{Kind: "Add", OutShape: perImage(out.Shape()), FLOPs: int64(a.Shape()[1:].TotalSize())})
	return out, nil
}
