#!/usr/bin/env python3
"""Build all-minilm-l6-v2-qint8/model.onnx: all-MiniLM-L6-v2 with int8 arithmetic.

Run by `models/fetch` with pinned `onnx`, `onnxruntime` and `numpy` in a
throw-away directory; nothing here runs when framelens runs.

1. fp32 graph: take the graph of all-minilm-l6-v2-int8/model.onnx (int8
   weights dequantised inside the graph: Cast + Mul by a per-row scale) and
   replace each Cast/Mul pair with the exact fp32 weight from
   all-minilm-l6-v2/model.safetensors (the original PyTorch weights). Every
   replacement is checked: the fp32 weight must lie within half a
   quantisation step of the int8 one, and every other float initialiser
   must equal its safetensors tensor bit for bit.
2. onnxruntime.quantization.quantize_dynamic, per channel, int8 weights:
   MatMul becomes DynamicQuantizeLinear + MatMulInteger (integer products
   at run time, activations quantised per batch), the embedding tables are
   stored as int8 (Gather + DequantizeLinear). Per-tensor quantisation was
   measured too inaccurate (min cosine 0.915 against fp32).

Usage: make_qint8.py INT8_ONNX SAFETENSORS OUT_ONNX [FP32_ONNX]
  FP32_ONNX  also keep the fp32 graph of step 1 there (benches/model_agreement.sh
             compares both models' document labels with it).
"""

import json
import os
import struct
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic


def read_safetensors(path):
    """name -> float32 array, for the F32 tensors of a safetensors file."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry["dtype"] != "F32":
            continue
        a, b = entry["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=np.float32).reshape(entry["shape"])
    return out


def fp32_graph(int8_path, safetensors_path):
    model = onnx.load(int8_path)
    graph = model.graph
    weights = read_safetensors(safetensors_path)
    inits = {i.name: i for i in graph.initializer}
    # The graph's MatMul weights, in graph order, are these [in, out] matrices.
    linear = []
    for layer in range(6):
        p = f"encoder.layer.{layer}."
        linear += [p + s + ".weight" for s in ("attention.self.query", "attention.self.key", "attention.self.value",
                                               "attention.output.dense", "intermediate.dense", "output.dense")]
    casts = [n for n in graph.node if n.op_type == "Cast" and n.input[0].endswith("_q") and n.input[0] in inits]
    drop, added, next_linear = [], [], 0
    for cast in casts:
        stem = cast.input[0][:-2]
        muls = [n for n in graph.node if n.op_type == "Mul" and cast.output[0] in n.input]
        if len(muls) != 1:
            sys.exit(f"make_qint8: {cast.input[0]} feeds {len(muls)} Mul nodes, expected 1")
        mul = muls[0]
        q = numpy_helper.to_array(inits[cast.input[0]]).astype(np.float32)
        scale = numpy_helper.to_array(inits[stem + "_scale"])
        if stem.startswith("inner."):
            name = stem[len("inner."):]
            w = weights[name]
        else:
            name = linear[next_linear]
            w = weights[name].T
            next_linear += 1
        if w.shape != q.shape:
            sys.exit(f"make_qint8: {stem} has shape {q.shape}, {name} has {w.shape}")
        err = float(np.abs(q * scale - w).max())
        step = float(np.broadcast_to(scale, w.shape).max())
        if err > 0.51 * step:
            sys.exit(f"make_qint8: {stem} does not match {name} (max error {err}, step {step})")
        drop += [cast, mul]
        added.append(numpy_helper.from_array(np.ascontiguousarray(w, dtype=np.float32), mul.output[0]))
        graph.initializer.remove(inits[cast.input[0]])
        graph.initializer.remove(inits[stem + "_scale"])
    if next_linear != len(linear):
        sys.exit(f"make_qint8: replaced {next_linear} MatMul weights, expected {len(linear)}")
    for node in drop:
        graph.node.remove(node)
    graph.initializer.extend(added)
    for name, init in inits.items():
        if name.startswith("inner.") and name[len("inner."):] in weights:
            if not np.array_equal(numpy_helper.to_array(init), weights[name[len("inner."):]]):
                sys.exit(f"make_qint8: initialiser {name} differs from the safetensors weights")
    onnx.checker.check_model(model)
    return model


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    int8_path, safetensors_path, out_path = sys.argv[1:4]
    model = fp32_graph(int8_path, safetensors_path)
    if len(sys.argv) == 5:
        onnx.save(model, sys.argv[4])
        print(f"make_qint8: wrote {sys.argv[4]}")
    out_dir = os.path.dirname(os.path.abspath(out_path))
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".qint8-") as tmp:
        fp32 = os.path.join(tmp, "fp32.onnx")
        onnx.save(model, fp32)
        quantized = os.path.join(tmp, "model.onnx")
        quantize_dynamic(fp32, quantized, per_channel=True, weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul", "Gather"])
        os.chmod(quantized, 0o644)
        os.replace(quantized, out_path)
    print(f"make_qint8: wrote {out_path}")


if __name__ == "__main__":
    main()
