package light

import (
	G "gorgonia.org/gorgonia"

	"github.com/pkg/errors"

	"github.com/lightzoo/lightzoo/light/internal/ops"
)

// SquaredNorm adds coef·Σw², a weight's L2 penalty, as one scalar node with a one-op
// gradient (2·coef·w times the loss's gradient): the trainer adds one per decayed weight,
// and Gorgonia's Square, Sum and Mul took about ten ops each.
func SquaredNorm(w *G.Node, coef float64) (*G.Node, error) {
	if w == nil {
		return nil, errors.New("SquaredNorm: the node is nil")
	}
	return ops.SquaredNorm(w, coef)
}
