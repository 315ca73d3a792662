// Package compress turns a trained Conv2D model into a light one: every convolution kernel
// and the head's weight are replaced by the truncated SVD of the trained matrix (Denton et
// al., 2014), with per-layer ranks chosen for a parameter budget or an energy threshold, and
// the biases, BatchNorm scales, shifts and statistics carried over. The result is an
// ordinary LowRank light model, to fine-tune, evaluate, predict with or checkpoint.
package compress

import (
	"math"
	"strings"

	"github.com/pkg/errors"
	"gonum.org/v1/gonum/mat"

	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/zoo"
)

// Layer is one factorizable layer of a trained model: its trained weight as a matrix (rows:
// a convolution's (channel, ky, kx) patch or a dense layer's inputs; columns: its outputs),
// the weight's SVD, and the scale the light layer multiplies its factors' product by. In a
// low-rank light source the matrix is the product W1·W2 of the layer's factors and Scale is
// 1: the compressed layer is built with the source's own scale, so it keeps applying it.
type Layer struct {
	Name       string
	Rows, Cols int
	Scale      float64
	// Held is how many weight scalars the layer has in the source model: Rows·Cols in a
	// Conv2D, k·(Rows+Cols) as a rank-k factor pair.
	Held  int
	Sigma []float64 // singular values, largest first
	svd   mat.SVD
}

// MaxRank is the largest rank the layer can take.
func (l *Layer) MaxRank() int { return min(l.Rows, l.Cols) }

// Energy is the fraction of the weight's squared Frobenius norm that rank k keeps.
func (l *Layer) Energy(k int) float64 {
	var kept, all float64
	for i, s := range l.Sigma {
		all += s * s
		if i < k {
			kept += s * s
		}
	}
	if all == 0 {
		return 1
	}
	return kept / all
}

// Layers factorizes the trained weights of a Conv2D model (light.Regular), or the products of
// the factor pairs of a low-rank light model (to compress a compressed model further), in the
// order the model creates them.
func Layers(src *zoo.Model) ([]*Layer, error) {
	_, regular := src.Variant.(light.Regular)
	if v, ok := src.Variant.(light.Light); !regular && !(ok && v.Form == light.LowRank) {
		return nil, errors.Errorf("compress: %s is %s; compression starts from a trained Conv2D (conv2d) model or a low-rank light one", src.Spec.Name, src.Variant.Name())
	}
	params := map[string]*light.Param{}
	for _, p := range src.Scope.Params() {
		params[p.Name] = p
	}
	var out []*Layer
	for _, p := range src.Scope.Params() {
		var l *Layer
		var err error
		if name, whole := strings.CutSuffix(p.Name, "/w"); whole {
			l, err = fullLayer(name, p)
		} else if name, first := strings.CutSuffix(p.Name, "/w1"); first {
			l, err = pairLayer(name, p, params[name+"/w2"])
		} else {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// fullLayer factorizes the full weight p of the layer name.
func fullLayer(name string, p *light.Param) (*Layer, error) {
	s := p.Node.Shape()
	var l *Layer
	switch len(s) {
	case 4: // (filters, cin, kh, kw): the matrix is the kernel's transpose, (cin·kh·kw, filters)
		rows := s[1] * s[2] * s[3]
		l = &Layer{Name: name, Rows: rows, Cols: s[0], Scale: 1, Held: rows * s[0]}
		l.factorize(mat.DenseCopyOf(asMatrix(p, s[0], rows).T()))
	case 2: // dense (in, units), which LightDense scales by 2/units
		l = &Layer{Name: name, Rows: s[0], Cols: s[1], Scale: 2 / float64(s[1]), Held: s[0] * s[1]}
		l.factorize(asMatrix(p, s[0], s[1]))
	default:
		return nil, errors.Errorf("compress: parameter %s has shape %v", p.Name, s)
	}
	return l, l.converged()
}

// pairLayer factorizes the product of the factors w1 (rows, k) and w2 (k, cols).
func pairLayer(name string, w1, w2 *light.Param) (*Layer, error) {
	if w2 == nil {
		return nil, errors.Errorf("compress: %s/w1 has no %s/w2", name, name)
	}
	a, b := w1.Node.Shape(), w2.Node.Shape()
	if len(a) != 2 || len(b) != 2 || a[1] != b[0] {
		return nil, errors.Errorf("compress: factors %s/w1 %v and %s/w2 %v do not multiply", name, a, name, b)
	}
	l := &Layer{Name: name, Rows: a[0], Cols: b[1], Scale: 1, Held: a[1] * (a[0] + b[1])}
	var w mat.Dense
	w.Mul(asMatrix(w1, a[0], a[1]), asMatrix(w2, b[0], b[1]))
	l.factorize(&w)
	return l, l.converged()
}

func (l *Layer) converged() error {
	if l.Sigma == nil {
		return errors.Errorf("compress: the SVD of %s did not converge", l.Name)
	}
	return nil
}

func (l *Layer) factorize(w *mat.Dense) {
	if l.svd.Factorize(w, mat.SVDThin) {
		l.Sigma = l.svd.Values(nil)
	}
}

// factors are the rank-k truncation, split evenly and divided by √Scale: W1 (Rows, k), W2
// (k, Cols), with Scale·W1·W2 the truncated weight.
func (l *Layer) factors(k int) (w1, w2 []float64) {
	var u, v mat.Dense
	l.svd.UTo(&u)
	l.svd.VTo(&v)
	w1, w2 = make([]float64, l.Rows*k), make([]float64, k*l.Cols)
	for j := 0; j < k; j++ {
		r := math.Sqrt(l.Sigma[j] / l.Scale)
		for i := 0; i < l.Rows; i++ {
			w1[i*k+j] = u.At(i, j) * r
		}
		for i := 0; i < l.Cols; i++ {
			w2[j*l.Cols+i] = v.At(i, j) * r
		}
	}
	return w1, w2
}

// Variant is the LowRank light variant with the given per-layer ranks (the head's is also its
// DenseRank, the largest convolution rank its ConvRank, so that the name reads sensibly).
func Variant(ranks map[string]int) light.Light {
	v := light.Light{Form: light.LowRank, DenseRank: ranks["head"], Ranks: light.LayerRanks(ranks)}
	for name, k := range ranks {
		if name != "head" {
			v.ConvRank = max(v.ConvRank, k)
		}
	}
	return v
}

// Total is the parameter count (Keras' total, with BatchNorm statistics) of src compressed
// with ranks.
func Total(src *zoo.Model, layers []*Layer, ranks map[string]int) int {
	n := src.Total()
	for _, l := range layers {
		n += ranks[l.Name]*(l.Rows+l.Cols) - l.Held
	}
	return n
}

// ForEnergy gives each layer the smallest rank that keeps at least the fraction energy of its
// weight's squared Frobenius norm.
func ForEnergy(layers []*Layer, energy float64) (map[string]int, error) {
	if !(energy > 0 && energy <= 1) {
		return nil, errors.Errorf("compress: energy %g is not in (0, 1]", energy)
	}
	ranks := map[string]int{}
	for _, l := range layers {
		k := 1
		for k < l.MaxRank() && l.Energy(k) < energy {
			k++
		}
		ranks[l.Name] = k
	}
	return ranks, nil
}

// ForBudget chooses per-layer ranks whose compressed model has at most budget parameters:
// every layer starts at rank 1, then, greedily, the rank step that raises the product of the
// layers' kept energies the most per parameter it costs is taken, as long as it fits (Zhang
// et al., 2015). The product, unlike the sum, does not starve a large layer whose every
// rank step is dear: a layer left with a small share of its energy breaks the network.
func ForBudget(src *zoo.Model, layers []*Layer, budget int) (map[string]int, error) {
	ranks := map[string]int{}
	for _, l := range layers {
		ranks[l.Name] = 1
	}
	total := Total(src, layers, ranks)
	if total > budget {
		return nil, errors.Errorf("compress: even rank 1 everywhere needs %d parameters, over the budget of %d", total, budget)
	}
	for {
		best, bestGain := -1, 0.0
		for i, l := range layers {
			k, cost := ranks[l.Name], l.Rows+l.Cols
			if k >= l.MaxRank() || total+cost > budget {
				continue
			}
			if gain := math.Log(l.Energy(k+1)/l.Energy(k)) / float64(cost); gain > bestGain {
				best, bestGain = i, gain
			}
		}
		if best < 0 {
			return ranks, nil
		}
		ranks[layers[best].Name]++
		total += layers[best].Rows + layers[best].Cols
	}
}

// FromConv2D returns the light model of src (a Conv2D or low-rank light model, as Layers
// takes) compressed with ranks, built with cfg (its batch, mode and dtype; the seed does not
// matter: every value comes from src).
func FromConv2D(src *zoo.Model, layers []*Layer, ranks map[string]int, cfg zoo.Config) (*zoo.Model, error) {
	for _, l := range layers {
		if k := ranks[l.Name]; k < 1 || k > l.MaxRank() {
			return nil, errors.Errorf("compress: rank %d for %s; it takes 1 to %d", k, l.Name, l.MaxRank())
		}
	}
	dst, err := zoo.New(src.Spec, Variant(ranks), cfg)
	if err != nil {
		return nil, errors.Wrap(err, "compress")
	}
	values := map[string][]float64{}
	replaced := map[string]bool{} // the source's weights or factors of each factorized layer
	for _, l := range layers {
		values[l.Name+"/w1"], values[l.Name+"/w2"] = l.factors(ranks[l.Name])
		replaced[l.Name+"/w"], replaced[l.Name+"/w1"], replaced[l.Name+"/w2"] = true, true, true
	}
	for _, p := range src.Scope.Params() {
		if !replaced[p.Name] {
			values[p.Name] = floats(p)
		}
	}
	for _, p := range dst.Scope.Params() {
		v, ok := values[p.Name]
		if !ok || len(v) != p.Size() {
			return nil, errors.Errorf("compress: no value of %d for %s", p.Size(), p.Name)
		}
		setFloats(p, v)
	}
	return dst, copyStats(src, dst)
}

// copyStats carries the BatchNorm running statistics over.
func copyStats(src, dst *zoo.Model) error {
	stats := map[string][2][]float64{}
	for _, bn := range src.Scope.BatchNorms() {
		mean, vari := bn.Stats()
		stats[bn.Name] = [2][]float64{mean, vari}
	}
	for _, bn := range dst.Scope.BatchNorms() {
		if err := bn.SetStats(stats[bn.Name][0], stats[bn.Name][1]); err != nil {
			return errors.Wrap(err, "compress")
		}
	}
	return nil
}

func asMatrix(p *light.Param, rows, cols int) *mat.Dense { return mat.NewDense(rows, cols, floats(p)) }

func floats(p *light.Param) []float64 {
	switch d := p.Node.Value().Data().(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out
	case []float64:
		return append([]float64(nil), d...)
	}
	return nil
}

func setFloats(p *light.Param, v []float64) {
	switch d := p.Node.Value().Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32(v[i])
		}
	case []float64:
		copy(d, v)
	}
}
