package onnx

import (
	"encoding/binary"
	"math"
)

// The few ONNX protobuf messages an inference graph needs, written by hand: protobuf's wire
// format is a field number and type followed by a varint, a fixed 32-bit value, or a
// length-prefixed body (onnx.proto3 gives the numbers used below). Writing them takes less
// code than a generated package and adds no dependency.

// message is a protobuf message being encoded.
type message []byte

const (
	wireVarint = 0
	wireBytes  = 2
	wire32     = 5
)

func (m *message) key(field, wire int) { *m = binary.AppendUvarint(*m, uint64(field<<3|wire)) }

func (m *message) int(field int, v int64) {
	m.key(field, wireVarint)
	*m = binary.AppendUvarint(*m, uint64(v))
}

func (m *message) float(field int, v float32) {
	m.key(field, wire32)
	*m = binary.LittleEndian.AppendUint32(*m, math.Float32bits(v))
}

func (m *message) bytes(field int, b []byte) {
	m.key(field, wireBytes)
	*m = binary.AppendUvarint(*m, uint64(len(b)))
	*m = append(*m, b...)
}

func (m *message) string(field int, s string)     { m.bytes(field, []byte(s)) }
func (m *message) message(field int, sub message) { m.bytes(field, sub) }

// ONNX enumerations used here.
const (
	irVersion    = 7 // goes with opset 13
	opsetVersion = 13
	typeFloat    = 1 // TensorProto.DataType FLOAT
	attrFloat    = 1 // AttributeProto.AttributeType
	attrInt      = 2
	attrInts     = 7
)

// tensorProto is an initializer: float32 values of a shape (TensorProto: dims 1, data_type 2,
// name 8, raw_data 9).
func tensorProto(name string, shape []int, values []float32) message {
	var m message
	for _, d := range shape {
		m.int(1, int64(d))
	}
	m.int(2, typeFloat)
	m.string(8, name)
	raw := make([]byte, 0, 4*len(values))
	for _, v := range values {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	m.bytes(9, raw)
	return m
}

// valueInfo is a graph input or output: a float tensor whose dimensions are numbers, or names
// for the ones that vary (ValueInfoProto: name 1, type 2; TypeProto.tensor_type 1;
// Tensor: elem_type 1, shape 2; TensorShapeProto.dim 1; Dimension: dim_value 1, dim_param 2).
func valueInfo(name string, dims ...any) message {
	var shape message
	for _, d := range dims {
		var dim message
		switch d := d.(type) {
		case int:
			dim.int(1, int64(d))
		case string:
			dim.string(2, d)
		}
		shape.message(1, dim)
	}
	var tensor message
	tensor.int(1, typeFloat)
	tensor.message(2, shape)
	var typ message
	typ.message(1, tensor)
	var m message
	m.string(1, name)
	m.message(2, typ)
	return m
}

// attr is a node attribute (AttributeProto: name 1, f 2, i 3, ints 8, type 20).
type attr struct {
	name string
	f    *float32
	i    *int64
	ints []int64
}

func intAttr(name string, v int64) attr     { return attr{name: name, i: &v} }
func floatAttr(name string, v float32) attr { return attr{name: name, f: &v} }
func intsAttr(name string, v ...int64) attr { return attr{name: name, ints: v} }

func (a attr) encode() message {
	var m message
	m.string(1, a.name)
	switch {
	case a.f != nil:
		m.float(2, *a.f)
		m.int(20, attrFloat)
	case a.i != nil:
		m.int(3, *a.i)
		m.int(20, attrInt)
	default:
		for _, v := range a.ints {
			m.int(8, v)
		}
		m.int(20, attrInts)
	}
	return m
}

// node is a graph node (NodeProto: input 1, output 2, name 3, op_type 4, attribute 5).
type node struct {
	op, name        string
	inputs, outputs []string
	attrs           []attr
}

func (n node) encode() message {
	var m message
	for _, in := range n.inputs {
		m.string(1, in)
	}
	for _, out := range n.outputs {
		m.string(2, out)
	}
	m.string(3, n.name)
	m.string(4, n.op)
	for _, a := range n.attrs {
		m.message(5, a.encode())
	}
	return m
}

// graph is what the exporter builds; encode makes it a ModelProto (ir_version 1,
// producer_name 2, producer_version 3, graph 7, opset_import 8; GraphProto: node 1, name 2,
// initializer 5, doc_string 10, input 11, output 12; OperatorSetIdProto: domain 1, version 2).
type graph struct {
	name, doc    string
	nodes        []node
	initializers []message
	inputs       []message
	outputs      []message
}

func (g *graph) encode(producerVersion string) []byte {
	var gm message
	for _, n := range g.nodes {
		gm.message(1, n.encode())
	}
	gm.string(2, g.name)
	for _, t := range g.initializers {
		gm.message(5, t)
	}
	gm.string(10, g.doc)
	for _, in := range g.inputs {
		gm.message(11, in)
	}
	for _, out := range g.outputs {
		gm.message(12, out)
	}
	var opset message
	opset.string(1, "")
	opset.int(2, opsetVersion)
	var m message
	m.int(1, irVersion)
	m.string(2, "lightzoo")
	m.string(3, producerVersion)
	m.message(7, gm)
	m.message(8, opset)
	return m
}
