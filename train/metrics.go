package train

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

// tally accumulates predictions.
type tally struct {
	lossSum, errorLossSum, maxLoss float64
	confusion                      [][]int
}

func newTally(classes int) *tally {
	c := make([][]int, classes)
	for i := range c {
		c[i] = make([]int, classes)
	}
	return &tally{confusion: c}
}

func (t *tally) add(label, predicted int, loss float64) {
	t.confusion[label][predicted]++
	t.lossSum += loss
	t.maxLoss = max(t.maxLoss, loss)
	if label != predicted {
		t.errorLossSum += loss
	}
}

func (t *tally) metrics() Metrics {
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
