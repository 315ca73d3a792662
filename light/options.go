package light

import (
	"math"

	"github.com/pkg/errors"
)

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

// Each layer takes its own option type, so that an option that means nothing to a layer does
// not compile: light.Dense(s, x, 10, light.WithMomentum(.5)) is a type error. An option that
// several layers understand (WithStride, WithDecay, ...) implements each of their types.
type (
	// DenseOption configures Dense: WithBias, WithDecay.
	DenseOption interface{ dense(*settings) }
	// LightDenseOption configures LightDense: WithRank, WithFactorScale, WithOrder, WithDecay,
	// WithSpectralInit, WithFrobeniusDecay.
	LightDenseOption interface{ lightDense(*settings) }
	// ConvOption configures Conv2D: WithStride, WithBias, WithDecay.
	ConvOption interface{ conv(*settings) }
	// LightConvOption configures LightConv2D: WithRank, WithStride, WithForm, WithOrder,
	// WithMiddle, WithDecay, WithGlorotBiases, and for the LowRank form WithSpectralInit and
	// WithFrobeniusDecay.
	LightConvOption interface{ lightConv(*settings) }
	// SeparableOption configures SeparableConv2D: WithStride, WithBias, WithDecay.
	SeparableOption interface{ separable(*settings) }
	// BatchNormOption configures BatchNorm: WithMomentum, WithEpsilon, WithActivation.
	BatchNormOption interface{ batchNorm(*settings) }
	// PoolOption configures MaxPool: WithActivation.
	PoolOption interface{ pool(*settings) }
)

// settings is what the options write; each layer reads and checks the fields it takes.
type settings struct {
	stride     int
	bias       bool
	rank       int
	scale      bool
	form       Form
	order      Order
	middle     Activation
	after      Activation
	decay      float64
	momentum   float64
	epsilon    float64
	glorotBias bool // the reference code's bias initialization bug (see WithGlorotBiases)
	spectral   bool
	frobenius  float64
}

type (
	strideOpt     int
	biasOpt       bool
	rankOpt       int
	scaleOpt      bool
	formOpt       Form
	orderOpt      Order
	middleOpt     Activation
	decayOpt      float64
	glorotOpt     bool
	activationOpt Activation
	momentumOpt   float64
	epsilonOpt    float64
	spectralOpt   bool
	frobeniusOpt  float64
)

// WithStride sets the convolution stride (default 1).
func WithStride(n int) strideOpt { return strideOpt(n) }

func (o strideOpt) conv(s *settings)      { s.stride = int(o) }
func (o strideOpt) lightConv(s *settings) { s.stride = int(o) }
func (o strideOpt) separable(s *settings) { s.stride = int(o) }

// WithBias turns the bias of Dense, Conv2D and the pointwise stage of SeparableConv2D on or off
// (default on).
func WithBias(on bool) biasOpt { return biasOpt(on) }

func (o biasOpt) dense(s *settings)     { s.bias = bool(o) }
func (o biasOpt) conv(s *settings)      { s.bias = bool(o) }
func (o biasOpt) separable(s *settings) { s.bias = bool(o) }

// WithRank sets the rank of a light layer, the paper's k (default 8 for LightDense, 1 for
// LightConv2D).
func WithRank(k int) rankOpt { return rankOpt(k) }

func (o rankOpt) lightDense(s *settings) { s.rank = int(o) }
func (o rankOpt) lightConv(s *settings)  { s.rank = int(o) }

// WithFactorScale turns LightDense's reference scaling of each factor by sqrt(2/units) on or
// off (default on).
func WithFactorScale(on bool) scaleOpt { return scaleOpt(on) }

func (o scaleOpt) lightDense(s *settings) { s.scale = bool(o) }

// WithForm chooses TwoStage (default) or LowRank for LightConv2D.
func WithForm(f Form) formOpt { return formOpt(f) }

func (o formOpt) lightConv(s *settings) { s.form = Form(o) }

// WithOrder forces an evaluation order for LightDense and a LowRank LightConv2D (default
// Cheapest).
func WithOrder(o Order) orderOpt { return orderOpt(o) }

func (o orderOpt) lightDense(s *settings) { s.order = Order(o) }
func (o orderOpt) lightConv(s *settings)  { s.order = Order(o) }

// WithMiddle sets the activation between the stages of a TwoStage LightConv2D (default ReLU).
func WithMiddle(a Activation) middleOpt { return middleOpt(a) }

func (o middleOpt) lightConv(s *settings) { s.middle = Activation(o) }

// WithDecay records an L2 weight-decay coefficient on the layer's weights for the trainer
// (default 1e-4 on LightConv2D factors, as in the reference code; 0 elsewhere).
func WithDecay(l2 float64) decayOpt { return decayOpt(l2) }

func (o decayOpt) dense(s *settings)      { s.decay = float64(o) }
func (o decayOpt) lightDense(s *settings) { s.decay = float64(o) }
func (o decayOpt) conv(s *settings)       { s.decay = float64(o) }
func (o decayOpt) lightConv(s *settings)  { s.decay = float64(o) }
func (o decayOpt) separable(s *settings)  { s.decay = float64(o) }

// WithGlorotBiases(true) starts a two-stage LightConv2D's biases Glorot-uniform, as the
// reference code does by mistake (it passed the bias regularizer where the initializer
// belonged), instead of at zero. For reproducing the paper's numbers; off by default.
func WithGlorotBiases(on bool) glorotOpt { return glorotOpt(on) }

func (o glorotOpt) lightConv(s *settings) { s.glorotBias = bool(o) }

// WithActivation applies an activation to the output of BatchNorm or MaxPool inside the same
// op (default Linear: none). One op instead of two saves a pass over the tensor each way.
func WithActivation(a Activation) activationOpt { return activationOpt(a) }

func (o activationOpt) batchNorm(s *settings) { s.after = Activation(o) }
func (o activationOpt) pool(s *settings)      { s.after = Activation(o) }

// WithMomentum sets BatchNorm's running-statistics momentum (default 0.99, Keras).
func WithMomentum(m float64) momentumOpt { return momentumOpt(m) }

func (o momentumOpt) batchNorm(s *settings) { s.momentum = float64(o) }

// WithEpsilon sets BatchNorm's epsilon (default 1e-3, Keras).
func WithEpsilon(e float64) epsilonOpt { return epsilonOpt(e) }

func (o epsilonOpt) batchNorm(s *settings) { s.epsilon = float64(o) }

// WithSpectralInit(true) starts a factorized layer (LightDense, LowRank LightConv2D) at the
// rank-k truncated SVD of a full-rank Glorot-uniform weight, instead of two independent
// Glorot factors whose product is far smaller than a full layer's weight.
func WithSpectralInit(on bool) spectralOpt { return spectralOpt(on) }

func (o spectralOpt) lightDense(s *settings) { s.spectral = bool(o) }
func (o spectralOpt) lightConv(s *settings)  { s.spectral = bool(o) }

// WithFrobeniusDecay(coef) penalizes coef·‖W1·W2‖²_F, the squared Frobenius norm of the
// weight the factors make, instead of L2 on each factor (which it replaces): the trainer adds
// it to the loss. For LightDense and LowRank LightConv2D.
func WithFrobeniusDecay(coef float64) frobeniusOpt { return frobeniusOpt(coef) }

func (o frobeniusOpt) lightDense(s *settings) { s.frobenius = float64(o) }
func (o frobeniusOpt) lightConv(s *settings)  { s.frobenius = float64(o) }

// apply starts from the defaults and applies each option with set.
func apply[O any](defaults settings, opts []O, set func(O, *settings)) settings {
	s := defaults
	for _, o := range opts {
		set(o, &s)
	}
	return s
}

// The checks of the settings; each layer runs those of the fields it reads.

func (s settings) checkStride() error {
	if s.stride <= 0 {
		return errors.Errorf("stride %d is not allowed; use a stride >= 1", s.stride)
	}
	return nil
}

func (s settings) checkRank() error {
	if s.rank <= 0 {
		return errors.Errorf("rank %d is not allowed; use a rank >= 1 (the paper's k)", s.rank)
	}
	return nil
}

func (s settings) checkDecay() error {
	switch {
	case !(s.decay >= 0) || math.IsInf(s.decay, 0):
		return errors.Errorf("weight decay %g is not allowed; use 0 or more", s.decay)
	case !(s.frobenius >= 0) || math.IsInf(s.frobenius, 0):
		return errors.Errorf("Frobenius decay %g is not allowed; use 0 or more", s.frobenius)
	}
	return nil
}

func (s settings) checkForm() error {
	switch {
	case s.form != TwoStage && s.form != LowRank:
		return errors.Errorf("form %d is not one of light.TwoStage, light.LowRank", s.form)
	case s.order < Cheapest || s.order > ProductFirst:
		return errors.Errorf("order %d is not one of light.Cheapest, light.FactorsFirst, light.ProductFirst", s.order)
	case s.form == LowRank && (s.middle != ReLUActivation || s.glorotBias):
		return errors.New("WithMiddle and WithGlorotBiases apply to the two-stage form only; a LowRank LightConv2D has one kernel and one bias")
	case s.form == TwoStage && (s.spectral || s.frobenius > 0):
		return errors.New("WithSpectralInit and WithFrobeniusDecay apply to a product of factors; a two-stage LightConv2D has an activation between its stages (use WithForm(LowRank))")
	}
	return checkActivation(s.middle)
}

func (s settings) checkBatchNorm() error {
	switch {
	case !(s.momentum >= 0 && s.momentum < 1):
		return errors.Errorf("momentum %g is outside [0, 1)", s.momentum)
	case !(s.epsilon > 0):
		return errors.Errorf("epsilon %g must be positive", s.epsilon)
	}
	return checkActivation(s.after)
}

func checkActivation(a Activation) error {
	if a != ReLUActivation && a != Linear {
		return errors.Errorf("activation %d is not one of light.ReLUActivation, light.Linear", a)
	}
	return nil
}

var defaults = settings{stride: 1, bias: true, scale: true, after: Linear, momentum: 0.99, epsilon: 1e-3}
