package train

import (
	"io"
	"math"

	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/zoo"
	"github.com/pkg/errors"
)

// Protocols.
const (
	// Paper reproduces the reference code: the test set doubles as the validation set, no
	// shuffling, the last epoch's weights are evaluated.
	Paper = "paper"
	// Schedules.
	Plateau, Cosine, OneCycle = "plateau", "cosine", "onecycle"
	// Clean holds a validation split out of the training set, shuffles every epoch, keeps the
	// best weights by validation loss and touches the test set once at the end.
	Clean = "clean"
)

// Recipe is how a model is trained: learning rate, epochs and the schedule's patience.
type Recipe struct {
	LR              float64
	Epochs          int
	PlateauPatience int // ReduceLROnPlateau's patience (factor 0.1)
}

// paperRecipes are the reference code's settings for each of the zoo's models.
var paperRecipes = map[string]Recipe{
	"mnist":         {LR: 1e-3, Epochs: 10, PlateauPatience: 4},
	"fashion-mnist": {LR: 1e-3, Epochs: 10, PlateauPatience: 3},
	"cifar10":       {LR: 1e-4, Epochs: 20, PlateauPatience: 4},
	"cifar100":      {LR: 1e-4, Epochs: 20, PlateauPatience: 4},
}

// PaperRecipe returns the reference code's recipe for the zoo model named model.
func PaperRecipe(model string) (Recipe, error) {
	r, ok := paperRecipes[model]
	if !ok {
		return Recipe{}, errors.Errorf("train: no recipe for model %q; the paper's are for %v", model, zoo.List())
	}
	return r, nil
}

// Config of a training run. Zero fields take the paper's recipe for the model.
type Config struct {
	Model    string        // registry name, e.g. "mnist"
	Variant  light.Variant // e.g. light.Light{ConvRank: 3, DenseRank: 8}
	Protocol string        // Paper (default) or Clean
	Epochs   int           // default: the paper's (10 MNIST-like, 20 CIFAR)
	Batch    int           // default 64
	// EvalBatch is the inference batch size (default 128).
	EvalBatch int
	LR        float64 // default: the paper's (1e-3 MNIST-like, 1e-4 CIFAR)
	// Seed fixes the initial weights, the shuffling and the augmentation; 0 is a seed like
	// any other (the paper's is 42).
	Seed uint64
	// L2, when not nil, replaces the weight decay the layers declare (1e-4 on LightConv2D
	// factors, as in the reference code); nil keeps the layers' own, and 0 turns it off.
	L2 *float64
	// PlateauPatience, PlateauFactor: ReduceLROnPlateau on validation loss (default: the
	// paper's patience, factor 0.1). StopPatience: early stopping (default 10).
	PlateauPatience int
	PlateauFactor   float64
	StopPatience    int
	// Holdout is the validation split of the Clean protocol (default 5000 images).
	Holdout int
	// Schedule is the learning-rate schedule: Plateau (ReduceLROnPlateau, the paper's and the
	// default), Cosine or OneCycle (clean protocol only; they run every epoch, without early
	// stopping).
	Schedule string
	// Augment turns on random crops and flips (CIFAR); off by default, as in the paper.
	Augment bool
	// Init, when set, is a checkpoint whose weights and BatchNorm statistics start the run
	// (for example a compressed model to fine-tune); it must hold the same model and variant.
	// Everything else starts afresh.
	Init string
	// Teacher, when set, is a checkpoint of a trained model of the same data set to distill
	// from (clean protocol only): the loss becomes (1-Distill)·CE(labels) +
	// Distill·T²·CE(the teacher's softmax at temperature T, the model's at T), T =
	// Temperature. Defaults with a teacher: DefaultDistill and DefaultTemperature.
	Teacher     string
	Distill     float64
	Temperature float64
	// Out is the run directory: checkpoint, metrics.jsonl, result.json. Required.
	Out string
	// Progress receives a progress bar on a terminal, periodic lines otherwise (nil: none).
	Progress io.Writer
	// Log receives one line per epoch (nil: none).
	Log io.Writer
	// AfterBatch, when set, is called after every training batch (epoch and batch from 0).
	AfterBatch func(epoch, batch int, loss float64)
}

func (c Config) withDefaults() (Config, zoo.Spec, error) {
	spec, err := zoo.Get(c.Model)
	if err != nil {
		return c, spec, errors.Wrap(err, "train")
	}
	recipe, err := PaperRecipe(c.Model)
	if err != nil {
		return c, spec, err
	}
	if c.Variant == nil {
		return c, spec, errors.New("train: no variant; use light.Regular{}, light.Separable{} or light.Light{...}")
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if c.Protocol == "" {
		c.Protocol = Paper
	}
	if c.Schedule == "" {
		c.Schedule = Plateau
	}
	def(&c.Epochs, recipe.Epochs)
	def(&c.Batch, 64)
	def(&c.EvalBatch, 128)
	def(&c.PlateauPatience, recipe.PlateauPatience)
	def(&c.StopPatience, 10)
	def(&c.Holdout, 5000)
	if c.LR == 0 {
		c.LR = recipe.LR
	}
	if c.PlateauFactor == 0 {
		c.PlateauFactor = 0.1
	}
	if c.Teacher != "" && c.Distill == 0 {
		c.Distill = DefaultDistill
	}
	if c.Teacher != "" && c.Temperature == 0 {
		c.Temperature = DefaultTemperature
	}
	return c, spec, c.check()
}

func (c Config) check() error {
	switch {
	case c.Protocol != Paper && c.Protocol != Clean:
		return errors.Errorf("train: unknown protocol %q; use %q or %q", c.Protocol, Paper, Clean)
	case c.Epochs < 0 || c.Batch < 0 || c.EvalBatch < 0 || c.Holdout < 0:
		return errors.Errorf("train: epochs %d, batch %d, eval batch %d, holdout %d: none may be negative", c.Epochs, c.Batch, c.EvalBatch, c.Holdout)
	case !(c.LR > 0) || math.IsInf(c.LR, 0):
		return errors.Errorf("train: learning rate %g is not a positive number", c.LR)
	case c.L2 != nil && (!(*c.L2 >= 0) || math.IsInf(*c.L2, 0)):
		return errors.Errorf("train: L2 %g is not a number >= 0", *c.L2)
	case c.PlateauPatience < 0 || c.StopPatience < 0:
		return errors.Errorf("train: patience %d (plateau) and %d (early stopping) may not be negative", c.PlateauPatience, c.StopPatience)
	case !(c.PlateauFactor > 0 && c.PlateauFactor < 1):
		return errors.Errorf("train: plateau factor %g must lie in (0, 1)", c.PlateauFactor)
	case c.Schedule != Plateau && c.Schedule != Cosine && c.Schedule != OneCycle:
		return errors.Errorf("train: unknown schedule %q; use %q, %q or %q", c.Schedule, Plateau, Cosine, OneCycle)
	case c.Schedule != Plateau && c.Protocol == Paper:
		return errors.Errorf("train: the %s schedule is not the paper's; use it with the %s protocol", c.Schedule, Clean)
	case c.Out == "":
		return errors.New("train: no run directory; set Config.Out")
	}
	return c.checkDistill()
}

func (c Config) checkDistill() error {
	switch {
	case c.Teacher == "" && (c.Distill != 0 || c.Temperature != 0):
		return errors.Errorf("train: distill %g, temperature %g without a teacher; give the teacher's checkpoint", c.Distill, c.Temperature)
	case c.Teacher == "":
		return nil
	case c.Protocol == Paper:
		return errors.Errorf("train: distillation is not the paper's; use it with the %s protocol", Clean)
	case !(c.Distill > 0 && c.Distill <= 1):
		return errors.Errorf("train: distill %g: the teacher's share of the loss must lie in (0, 1]", c.Distill)
	case !(c.Temperature > 0) || math.IsInf(c.Temperature, 0):
		return errors.Errorf("train: temperature %g is not a positive number", c.Temperature)
	}
	return nil
}
