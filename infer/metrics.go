package infer

import "math"

// Metrics are the results of evaluating a model on a set of images.
type Metrics struct {
	Images   int     `json:"images"`
	Loss     float64 `json:"loss"`     // mean softmax cross-entropy
	Accuracy float64 `json:"accuracy"` // fraction classified correctly
	// ErrorLoss is the part of Loss that the misclassified images contribute (their summed
	// cross-entropy over all images), MaxLoss the largest cross-entropy of one image: they
	// tell a confidently wrong model from a hesitant one at the same accuracy.
	ErrorLoss float64 `json:"error_loss"`
	MaxLoss   float64 `json:"max_loss"`
	// Confusion[t][p] counts images of true class t predicted as p.
	Confusion [][]int   `json:"confusion"`
	Precision []float64 `json:"precision"`
	Recall    []float64 `json:"recall"`
	F1        []float64 `json:"f1"`
}

// Tally accumulates predictions into Metrics.
type Tally struct {
	lossSum, errorLossSum, maxLoss float64
	confusion                      [][]int
}

// NewTally returns an empty tally over classes classes.
func NewTally(classes int) *Tally {
	c := make([][]int, classes)
	for i := range c {
		c[i] = make([]int, classes)
	}
	return &Tally{confusion: c}
}

// AddLogits scores one image's logits against its label: the prediction is the argmax, the
// loss the softmax cross-entropy.
func (t *Tally) AddLogits(row []float32, label int) {
	t.add(label, Argmax(row), CrossEntropy(row, label))
}

// Argmax is the index of the largest logit (the first of equals).
func Argmax(row []float32) int {
	best := 0
	for j, v := range row {
		if v > row[best] {
			best = j
		}
	}
	return best
}

// CrossEntropy is -log softmax(row)[label], computed in float64 from the largest logit.
func CrossEntropy(row []float32, label int) float64 {
	mx := row[Argmax(row)]
	var z float64
	for _, v := range row {
		z += math.Exp(float64(v - mx))
	}
	return math.Log(z) - float64(row[label]-mx)
}

func (t *Tally) add(label, predicted int, loss float64) {
	t.confusion[label][predicted]++
	t.lossSum += loss
	t.maxLoss = max(t.maxLoss, loss)
	if label != predicted {
		t.errorLossSum += loss
	}
}

// Metrics is what the tally has seen.
func (t *Tally) Metrics() Metrics {
	k := len(t.confusion)
	m := Metrics{Confusion: t.confusion, Precision: make([]float64, k), Recall: make([]float64, k), F1: make([]float64, k)}
	correct := 0
	predicted := make([]int, k)
	actual := make([]int, k)
	for i, row := range t.confusion {
		for j, n := range row {
			m.Images += n
			predicted[j] += n
			actual[i] += n
		}
		correct += row[i]
	}
	for c := 0; c < k; c++ {
		m.Precision[c] = ratio(t.confusion[c][c], predicted[c])
		m.Recall[c] = ratio(t.confusion[c][c], actual[c])
		if p, r := m.Precision[c], m.Recall[c]; p+r > 0 {
			m.F1[c] = 2 * p * r / (p + r)
		}
	}
	m.Accuracy = ratio(correct, m.Images)
	m.Loss = t.lossSum / math.Max(float64(m.Images), 1)
	m.ErrorLoss = t.errorLossSum / math.Max(float64(m.Images), 1)
	m.MaxLoss = t.maxLoss
	return m
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
