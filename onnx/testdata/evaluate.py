#!/usr/bin/python3
"""An evaluator of lightzoo's ONNX exports that shares no code with lightzoo: it checks the
model with onnx.checker and shape inference, then runs the graph with NumPy, op by op, and
writes the logits.

    /usr/bin/python3 onnx/testdata/evaluate.py MODEL.onnx IMAGES.f32 N OUT.f32

IMAGES.f32 holds N images, NCHW float32 little-endian; OUT.f32 receives N x classes logits.
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper, shape_inference


def conv(x, w, b, pads, group):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh, ow = xp.shape[2] - kh + 1, xp.shape[3] - kw + 1
    og = o // group
    y = np.zeros((n, o, oh, ow), dtype=np.float64)
    for g in range(group):
        xs, ws = xp[:, g * cg:(g + 1) * cg], w[g * og:(g + 1) * og]
        for ky in range(kh):
            for kx in range(kw):
                y[:, g * og:(g + 1) * og] += np.einsum("oc,ncyx->noyx", ws[:, :, ky, kx], xs[:, :, ky:ky + oh, kx:kx + ow])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def maxpool(x, k, s):
    n, c, h, w = x.shape
    oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    y = np.full((n, c, oh, ow), -np.inf)
    for ky in range(k[0]):
        for kx in range(k[1]):
            y = np.maximum(y, x[:, :, ky:ky + s[0] * oh:s[0], kx:kx + s[1] * ow:s[1]])
    return y


def run(model, x):
    values = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    values[model.graph.input[0].name] = x.astype(np.float64)
    for node in model.graph.node:
        a = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
        ins = [values[i] for i in node.input]
        op = node.op_type
        if op == "Conv":
            out = conv(ins[0], ins[1], ins[2] if len(ins) > 2 else None, a.get("pads", [0, 0, 0, 0]), a.get("group", 1))
        elif op == "BatchNormalization":
            x, scale, bias, mean, var = ins
            shape = (1, -1, 1, 1)
            out = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + a["epsilon"]) * scale.reshape(shape) + bias.reshape(shape)
        elif op == "Relu":
            out = np.maximum(ins[0], 0)
        elif op == "Add":
            out = ins[0] + ins[1]
        elif op == "MaxPool":
            out = maxpool(ins[0], a["kernel_shape"], a["strides"])
        elif op == "GlobalAveragePool":
            out = ins[0].mean(axis=(2, 3), keepdims=True)
        elif op == "Flatten":
            out = ins[0].reshape(ins[0].shape[0], -1)
        elif op == "MatMul":
            out = ins[0] @ ins[1]
        elif op == "Gemm":
            out = ins[0] @ ins[1] + ins[2]
        else:
            sys.exit(f"evaluate.py: op {op} is not implemented")
        values[node.output[0]] = out
    return values[model.graph.output[0].name]


def main():
    path, images, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    dims = [d.dim_value or d.dim_param for d in inferred.graph.output[0].type.tensor_type.shape.dim]
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[1:]]
    x = np.fromfile(images, dtype="<f4").reshape([n] + shape)
    logits = run(model, x)
    if logits.shape[1] != dims[1]:
        sys.exit(f"evaluate.py: logits {logits.shape}, shape inference says {dims}")
    logits.astype("<f4").tofile(out)
    params = sum(numpy_helper.to_array(t).size for t in model.graph.initializer)
    print(f"params {params}: opset {model.opset_import[0].version}, {len(model.graph.node)} nodes, output {dims}")


if __name__ == "__main__":
    main()
