package train

import (
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/infer"
	"github.com/lightzoo/lightzoo/zoo"
	"github.com/pkg/errors"
)

// Knowledge distillation (Hinton et al., 2015): a run with a teacher also learns the
// teacher's softened predictions, which say how alike the classes look, not only which one
// is right. The loss is (1-w)·CE(labels, softmax(z)) + w·T²·CE(softmax(t/T), softmax(z/T))
// for student logits z, teacher logits t, weight w and temperature T; T² keeps the soft
// term's gradients as large as the hard term's. CE against the teacher differs from the KL
// divergence by the teacher's entropy, a constant, so the gradients are Hinton's.

// Distillation defaults: Hinton's temperatures for small networks lie around 2-8, and an
// even split of the loss is the common starting point.
const (
	DefaultDistill     = 0.5
	DefaultTemperature = 4.0
)

// teacher is the trained model a run distills from, with the loss's weight and temperature.
type teacher struct {
	runner       *infer.Runner
	weight, temp float64
}

// loadTeacher opens the checkpoint at path, which must hold a model of spec's data set.
func loadTeacher(path string, spec zoo.Spec, weight, temp float64, batch int) (*teacher, error) {
	r, err := infer.Load(path, infer.WithBatch(batch))
	if err != nil {
		return nil, errors.Wrap(err, "train: Teacher")
	}
	if got := r.Model().Spec; got.Name != spec.Name {
		r.Close()
		return nil, errors.Errorf("train: teacher %s is a %s model; the run trains %s: give a teacher trained on the same data set", path, got.Name, spec.Name)
	}
	return &teacher{runner: r, weight: weight, temp: temp}, nil
}

// soften writes softmax(t/T) of the teacher's logits for the n images in x into soft.
func (tc *teacher) soften(x []float32, n int, soft []float32) error {
	logits, err := tc.runner.Logits(x, n)
	if err != nil {
		return err
	}
	classes := len(logits) / n
	for i := 0; i < n; i++ {
		row, out := logits[i*classes:(i+1)*classes], soft[i*classes:(i+1)*classes]
		top := float64(row[infer.Argmax(row)])
		var sum float64
		for j, v := range row {
			e := math.Exp((float64(v) - top) / tc.temp)
			out[j], sum = float32(e), sum+e
		}
		for j := range out {
			out[j] = float32(float64(out[j]) / sum)
		}
	}
	return nil
}

// addDistillation returns (1-w)·ce + w·T²·CE(soft, softmax(logits/T)) over a batch, with
// soft a graph input that run fills from the teacher.
func (n *net) addDistillation(ce *G.Node, tc *teacher) (*G.Node, error) {
	g, batch, classes := n.model.Graph, n.model.Batch, n.model.Spec.Classes
	n.soft = tensor.New(tensor.WithShape(batch, classes), tensor.Of(tensor.Float32))
	soft := G.NewTensor(g, tensor.Float32, 2, G.WithShape(batch, classes), G.WithName("teacher"), G.WithValue(n.soft))
	scaled, err := G.Mul(n.model.Logits, G.NewConstant(float32(1/tc.temp)))
	if err != nil {
		return nil, err
	}
	logp, err := G.LogSoftMax(scaled, 1)
	if err != nil {
		return nil, err
	}
	picked, err := G.HadamardProd(logp, soft)
	if err != nil {
		return nil, err
	}
	sum, err := G.Sum(picked)
	if err != nil {
		return nil, err
	}
	kd, err := G.Mul(sum, G.NewConstant(float32(-tc.weight*tc.temp*tc.temp/float64(batch))))
	if err != nil {
		return nil, err
	}
	hard, err := G.Mul(ce, G.NewConstant(float32(1-tc.weight)))
	if err != nil {
		return nil, err
	}
	return G.Add(hard, kd)
}
