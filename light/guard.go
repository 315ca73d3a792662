package light

import (
	"fmt"

	"github.com/pkg/errors"
)

// guard is the one boundary between Gorgonia and callers: it turns a panic raised while
// building a layer into an error, and prefixes every error with the layer kind and scope path.
// Use as: defer guard(&err, "LightConv2D", s).
func guard(err *error, kind string, s *Scope) {
	where := fmt.Sprintf("light: %s %q", kind, s.path)
	if r := recover(); r != nil {
		*err = errors.Errorf("%s: gorgonia panicked: %v", where, r)
		return
	}
	if *err != nil {
		*err = errors.Wrap(*err, where)
	}
}
