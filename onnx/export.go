// Package onnx writes zoo models as ONNX inference graphs (opset 13), so that any runtime
// that reads ONNX can run them. Every layer keeps its own shape: a LightConv2D is its two
// convolutions and a LightDense its two matrix products, so the exported graph keeps the
// parameter savings. BatchNorm is exported with its running statistics.
package onnx

import (
	"fmt"
	"io"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/lightzoo/lightzoo/light"
	"github.com/lightzoo/lightzoo/train/checkpoint"
	"github.com/lightzoo/lightzoo/zoo"
)

// Input and Output name the graph's input, (batch, C, H, W) float32 images in [0, 1], and its
// output, (batch, classes) logits. The batch size is a named, free dimension.
const (
	Input  = "input"
	Output = "logits"
)

// Export writes m as an ONNX model to w.
func Export(m *zoo.Model, w io.Writer) error {
	data, err := Encode(m)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return errors.Wrap(err, "onnx")
}

// ExportFile writes m as an ONNX model to path, atomically.
func ExportFile(m *zoo.Model, path string) error {
	data, err := Encode(m)
	if err != nil {
		return err
	}
	return checkpoint.WriteAtomic(path, data)
}

// Encode returns m as the bytes of an ONNX model.
func Encode(m *zoo.Model) ([]byte, error) {
	if m.Scope.Dtype() != tensor.Float32 {
		return nil, errors.Errorf("onnx: %s is a %v model; export takes float32 models", m.Spec.Name, m.Scope.Dtype())
	}
	b := &builder{m: m, params: map[string]*light.Param{}, norms: map[string]*light.BatchNormNodes{}}
	for _, p := range m.Scope.Params() {
		b.params[p.Name] = p
	}
	for _, bn := range m.Scope.BatchNorms() {
		b.norms[bn.Name] = bn
	}
	in := m.Spec.Input
	b.g = graph{name: m.Spec.Name + "-" + m.Variant.Name(),
		doc:     fmt.Sprintf("lightzoo %s, %s (%s): input %s (batch, %d, %d, %d) in [0, 1], output %s (batch, %d)", m.Spec.Title, m.Variant.Name(), m.Variant, Input, in[0], in[1], in[2], Output, m.Spec.Classes),
		inputs:  []message{valueInfo(Input, "batch", in[0], in[1], in[2])},
		outputs: []message{valueInfo(Output, "batch", m.Spec.Classes)}}
	b.network()
	if b.err != nil {
		return nil, errors.Wrapf(b.err, "onnx: %s %s", m.Spec.Name, m.Variant.Name())
	}
	return b.g.encode("lightzoo-checkpoint-2"), nil
}

// builder adds nodes and initializers to a graph, keeping the first error.
type builder struct {
	m      *zoo.Model
	params map[string]*light.Param
	norms  map[string]*light.BatchNormNodes
	g      graph
	count  int
	err    error
}

// network is zoo's architecture (zoo/model.go) as ONNX nodes: blocks of conv, BatchNorm and
// ReLU, with a 1x1 shortcut where the spec has one, each ending in 2x2 max pooling and a
// ReLU; global average pooling; the head.
func (b *builder) network() {
	spec, x := b.m.Spec, Input
	for i := range spec.Filters {
		block := fmt.Sprintf("block%d", i+1)
		h := b.convBN(block, "1", x, 3, true)
		h = b.convBN(block, "2", h, 3, false)
		if spec.Shortcut {
			h = b.node("Add", []string{h, b.convBN(block, "_shortcut", x, 1, false)})
		}
		h = b.node("MaxPool", []string{h}, intsAttr("kernel_shape", 2, 2), intsAttr("strides", 2, 2))
		x = b.node("Relu", []string{h})
	}
	x = b.node("GlobalAveragePool", []string{x})
	x = b.node("Flatten", []string{x}, intAttr("axis", 1))
	b.dense("head", x, Output)
}

// convBN is conv<id> (kernel x kernel) then bn<id> of block, followed by a ReLU when relu is
// set.
func (b *builder) convBN(block, id, x string, kernel int, relu bool) string {
	h := b.conv(block+"/conv"+id, x, kernel)
	h = b.batchNorm(block+"/bn"+id, h)
	if relu {
		h = b.node("Relu", []string{h})
	}
	return h
}

// conv is the variant's kernel x kernel convolution in scope.
func (b *builder) conv(scope, x string, kernel int) string {
	switch v := b.m.Variant.(type) {
	case light.Regular:
		return b.convolution(x, scope+"/w", scope+"/b", 1)
	case light.Separable:
		dw := b.param(scope + "/depthwise")
		h := b.convolution(x, scope+"/depthwise", "", dw.Node.Shape()[0])
		return b.convolution(h, scope+"/pointwise", scope+"/b", 1)
	case light.Light:
		if v.Form == light.LowRank {
			return b.lowRank(scope, x, kernel)
		}
		h := b.convolution(x, scope+"/w1", scope+"/b1", 1)
		if v.Middle == light.ReLUActivation {
			h = b.node("Relu", []string{h})
		}
		return b.convolution(h, scope+"/w2", scope+"/b2", 1)
	}
	b.fail(errors.Errorf("variant %T cannot be exported", b.m.Variant))
	return ""
}

// convolution is a Conv with the OIHW kernel parameter w, SAME padding, stride 1 and, when
// bias is not "", that bias parameter.
func (b *builder) convolution(x, w, bias string, group int) string {
	p := b.param(w)
	if p == nil {
		return ""
	}
	s := p.Node.Shape()
	inputs := []string{x, b.initializer(w)}
	if bias != "" {
		inputs = append(inputs, b.initializer(bias))
	}
	kh, kw := int64(s[2]), int64(s[3])
	return b.node("Conv", inputs, intsAttr("kernel_shape", kh, kw), intsAttr("pads", kh/2, kw/2, kh/2, kw/2),
		intsAttr("strides", 1, 1), intAttr("group", int64(group)))
}

// lowRank is a LowRank LightConv2D as two convolutions: the kxk one to rank channels with
// W1ᵀ as its kernel (W1's rows are (channel, ky, kx), OIHW's order), then the 1x1 one with
// W2ᵀ and the bias.
func (b *builder) lowRank(scope, x string, k int) string {
	w1, w2 := b.param(scope+"/w1"), b.param(scope+"/w2")
	if w1 == nil || w2 == nil {
		return ""
	}
	rows, rank, filters := w1.Node.Shape()[0], w1.Node.Shape()[1], w2.Node.Shape()[1]
	cin := rows / (k * k)
	k1 := b.constant(scope+"/w1ᵀ", []int{rank, cin, k, k}, transpose(values(w1), rows, rank))
	k2 := b.constant(scope+"/w2ᵀ", []int{filters, rank, 1, 1}, transpose(values(w2), rank, filters))
	pad := int64(k / 2)
	h := b.node("Conv", []string{x, k1}, intsAttr("kernel_shape", int64(k), int64(k)), intsAttr("pads", pad, pad, pad, pad), intsAttr("strides", 1, 1))
	return b.node("Conv", []string{h, k2, b.initializer(scope + "/b")}, intsAttr("kernel_shape", 1, 1), intsAttr("strides", 1, 1))
}

// batchNorm is BatchNormalization with the layer's scale, shift and running statistics.
func (b *builder) batchNorm(scope, x string) string {
	bn := b.norms[scope]
	if bn == nil {
		b.fail(errors.Errorf("the model has no BatchNorm %s", scope))
		return ""
	}
	mean, vari := bn.Stats()
	c := len(mean)
	return b.node("BatchNormalization", []string{x, b.initializer(scope + "/gamma"), b.initializer(scope + "/beta"),
		b.constant(scope+"/moving_mean", []int{c}, narrow(mean)), b.constant(scope+"/moving_variance", []int{c}, narrow(vari))},
		floatAttr("epsilon", float32(bn.Epsilon())))
}

// dense is the variant's head: Gemm for Dense, two MatMuls and an Add for LightDense (the
// reference scaling 2/units folded into W2), writing out.
func (b *builder) dense(scope, x, out string) {
	if _, ok := b.m.Variant.(light.Light); !ok {
		b.named(out, "Gemm", []string{x, b.initializer(scope + "/w"), b.initializer(scope + "/b")})
		return
	}
	w2 := b.param(scope + "/w2")
	if w2 == nil {
		return
	}
	units := w2.Node.Shape()[1]
	scaled := values(w2)
	for i := range scaled {
		scaled[i] *= float32(2 / float64(units))
	}
	h := b.node("MatMul", []string{x, b.initializer(scope + "/w1")})
	h = b.node("MatMul", []string{h, b.constant(scope+"/w2·2/units", w2.Node.Shape(), scaled)})
	b.named(out, "Add", []string{h, b.initializer(scope + "/b")})
}

// node adds op over inputs and returns its output's name.
func (b *builder) node(op string, inputs []string, attrs ...attr) string {
	b.count++
	out := fmt.Sprintf("%s_%d", op, b.count)
	b.named(out, op, inputs, attrs...)
	return out
}

func (b *builder) named(out, op string, inputs []string, attrs ...attr) {
	for _, in := range inputs {
		if in == "" {
			b.fail(errors.Errorf("%s has a missing input", op))
		}
	}
	b.g.nodes = append(b.g.nodes, node{op: op, name: out, inputs: inputs, outputs: []string{out}, attrs: attrs})
}

// initializer adds the parameter name as an initializer of the same name and shape.
func (b *builder) initializer(name string) string {
	p := b.param(name)
	if p == nil {
		return ""
	}
	return b.constant(name, p.Node.Shape(), values(p))
}

func (b *builder) constant(name string, shape []int, vals []float32) string {
	b.g.initializers = append(b.g.initializers, tensorProto(name, shape, vals))
	return name
}

func (b *builder) param(name string) *light.Param {
	p := b.params[name]
	if p == nil {
		b.fail(errors.Errorf("the model has no parameter %s", name))
	}
	return p
}

func (b *builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// values copies a parameter's float32 values.
func values(p *light.Param) []float32 {
	return append([]float32(nil), p.Node.Value().Data().([]float32)...)
}

// transpose returns the (cols x rows) transpose of a row-major rows x cols matrix.
func transpose(a []float32, rows, cols int) []float32 {
	out := make([]float32, len(a))
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			out[j*rows+i] = a[i*cols+j]
		}
	}
	return out
}

func narrow(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}
