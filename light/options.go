package light

import "github.com/pkg/errors"

// Form selects how a LightConv2D is computed.
type Form int

const (
	// TwoStage is the reference code's form: kxk conv Cin->rank, bias, activation, kxk conv
	// rank->filters, bias. Its parameter counts are the paper's tables.
	TwoStage Form = iota
	// LowRank is a true factorization of one kernel: W1 (kh*kw*Cin, rank) times W2 (rank,
	// filters) is the kernel, plus one bias.
	LowRank
)

func (f Form) String() string {
	if f == LowRank {
		return "lowrank"
	}
	return "twostage"
}

// Order selects how a factorized layer is evaluated. Both orders compute the same function.
type Order int

const (
	// Cheapest picks the order with fewer forward FLOPs for the input's batch size.
	Cheapest Order = iota
	// FactorsFirst applies the factors one after the other to the input.
	FactorsFirst
	// ProductFirst forms the product W1*W2 first, then applies it once.
	ProductFirst
)

// Activation between the two stages of a TwoStage LightConv2D, or after BatchNorm.
type Activation int

const (
	ReLUActivation Activation = iota // the reference code's hard-coded ReLU
	Linear                           // Figure 1 of the paper: no activation
)

func (a Activation) valid() bool { return a == ReLUActivation || a == Linear }

// settings is the one struct every option writes to; each layer reads what applies to it.
type settings struct {
	stride   int
	bias     bool
	rank     int
	scale    bool
	form     Form
	order    Order
	middle   Activation
	after    Activation
	decay    float64
	momentum float64
	epsilon  float64
	// glorotBias reproduces the reference code's bias initialization bug (see WithGlorotBiases).
	glorotBias bool
}

// Option configures a layer.
type Option func(*settings)

// WithStride sets the convolution stride (default 1).
func WithStride(n int) Option { return func(s *settings) { s.stride = n } }

// WithBias turns the bias of Dense, Conv2D and the pointwise stage of SeparableConv2D on or off
// (default on).
func WithBias(on bool) Option { return func(s *settings) { s.bias = on } }

// WithRank sets the rank of a light layer, the paper's k (default 8 for LightDense, 1 for
// LightConv2D).
func WithRank(k int) Option { return func(s *settings) { s.rank = k } }

// WithFactorScale turns LightDense's reference scaling of each factor by sqrt(2/units) on or
// off (default on).
func WithFactorScale(on bool) Option { return func(s *settings) { s.scale = on } }

// WithForm chooses TwoStage (default) or LowRank for LightConv2D.
func WithForm(f Form) Option { return func(s *settings) { s.form = f } }

// WithOrder forces an evaluation order for factorized layers (default Cheapest).
func WithOrder(o Order) Option { return func(s *settings) { s.order = o } }

// WithMiddle sets the activation between the stages of a TwoStage LightConv2D (default ReLU).
func WithMiddle(a Activation) Option { return func(s *settings) { s.middle = a } }

// WithDecay records an L2 weight-decay coefficient on the layer's weights for the trainer
// (default 1e-4 on LightConv2D factors, as in the reference code; 0 elsewhere).
func WithDecay(l2 float64) Option { return func(s *settings) { s.decay = l2 } }

// WithGlorotBiases(true) starts a two-stage LightConv2D's biases Glorot-uniform, as the
// reference code does by mistake (it passed the bias regularizer where the initializer
// belonged), instead of at zero. For reproducing the paper's numbers; off by default.
func WithGlorotBiases(on bool) Option { return func(s *settings) { s.glorotBias = on } }

// WithActivation applies an activation to BatchNorm's output inside the same op (default
// Linear: none). BatchNorm followed by ReLU as one op saves a pass over the tensor each way.
func WithActivation(a Activation) Option { return func(s *settings) { s.after = a } }

// WithMomentum sets BatchNorm's running-statistics momentum (default 0.99, Keras).
func WithMomentum(m float64) Option { return func(s *settings) { s.momentum = m } }

// WithEpsilon sets BatchNorm's epsilon (default 1e-3, Keras).
func WithEpsilon(e float64) Option { return func(s *settings) { s.epsilon = e } }

func newSettings(defaults settings, opts []Option) settings {
	s := defaults
	for _, o := range opts {
		o(&s)
	}
	return s
}

var baseSettings = settings{stride: 1, bias: true, scale: true, after: Linear, momentum: 0.99, epsilon: 1e-3}

func (s settings) check() error {
	switch {
	case s.stride <= 0:
		return errors.Errorf("stride %d is not allowed; use a stride >= 1", s.stride)
	case s.rank <= 0:
		return errors.Errorf("rank %d is not allowed; use a rank >= 1 (the paper's k)", s.rank)
	case s.decay < 0:
		return errors.Errorf("weight decay %g is negative; use 0 or more", s.decay)
	case s.momentum < 0 || s.momentum >= 1:
		return errors.Errorf("momentum %g is outside [0, 1)", s.momentum)
	case s.epsilon <= 0:
		return errors.Errorf("epsilon %g must be positive", s.epsilon)
	case !s.middle.valid():
		return errors.Errorf("activation %d is not one of light.ReLUActivation, light.Linear", s.middle)
	case !s.after.valid():
		return errors.Errorf("activation %d is not one of light.ReLUActivation, light.Linear", s.after)
	}
	return nil
}
