#!/usr/bin/env python3
"""Build all-minilm-l6-v2-rowq8/model.onnx: all-MiniLM-L6-v2 with int8
matrix products whose activation scales are per token.

Run by `models/fetch` with pinned `onnx`, `onnxruntime` and `numpy` in a
throw-away directory; nothing here runs when framelens runs.

Dynamic quantisation (the qint8 model) scales a MatMul's input by the
largest value in the whole batch, so a sentence's vector depends on the
other sentences of its batch. Here every MatMul of the encoder with a
constant weight, X·W, becomes

    s   = max(|x|) / 127 over each token's row of X   (ReduceMax, per token)
    X_q = round(X / s) + 128                           (QuantizeLinear, uint8)
    Y   = MatMulIntegerToFloat(X_q, W_q; zero point 128, w_scale) · s

with W_q the int8 weights, symmetric per output column (w_scale); the
word-piece embedding table is stored as int8 rows with a scale per row. Each
token's row is scaled on its own, so a sentence's vector is the same
whatever batch it is in, and the integer products run on the CPU's int8
units as in the qint8 model.

Usage: make_rowq8.py INT8_ONNX SAFETENSORS OUT_ONNX
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_qint8 import fp32_graph  # noqa: E402


def per_token_quantised(model, matmuls=36, table=True):
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    consts = [
        numpy_helper.from_array(np.array(1e-12, dtype=np.float32), "rowq8.eps"),
        numpy_helper.from_array(np.array(127.0, dtype=np.float32), "rowq8.127"),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "rowq8.one"),
        numpy_helper.from_array(np.array(128, dtype=np.uint8), "rowq8.zp"),
    ]
    new_nodes, done, quantised = [], 0, {}
    for node in graph.node:
        weight = inits.get(node.input[1]) if node.op_type == "MatMul" else None
        if weight is None or len(weight.dims) != 2:
            new_nodes.append(node)
            continue
        w = numpy_helper.to_array(weight).astype(np.float32)
        w_scale = np.maximum(np.abs(w).max(axis=0), 1e-12) / 127.0
        w_q = np.clip(np.round(w / w_scale), -127, 127).astype(np.int8)
        p = f"rowq8.{done}."
        graph.initializer.remove(weight)
        graph.initializer.extend([
            numpy_helper.from_array(w_q, p + "w_q"),
            numpy_helper.from_array(w_scale.astype(np.float32), p + "w_scale"),
        ])
        x, y = node.input[0], node.output[0]
        if x in quantised:
            # Query, key and value share their input: quantise it once.
            x_q, inv = quantised[x]
            new_nodes += [
                helper.make_node("MatMulIntegerToFloat", [x_q, p + "w_q", "rowq8.one", p + "w_scale", "rowq8.zp"],
                                 [p + "y_unscaled"], domain="com.microsoft"),
                helper.make_node("Div", [p + "y_unscaled", inv], [y]),
            ]
            done += 1
            continue
        quantised[x] = (p + "x_q", p + "inv")
        new_nodes += [
            helper.make_node("Abs", [x], [p + "abs"]),
            helper.make_node("ReduceMax", [p + "abs"], [p + "max"], axes=[-1], keepdims=1),
            helper.make_node("Max", [p + "max", "rowq8.eps"], [p + "max_eps"]),
            # inv = 127 / max: each token's row then spans [-127, 127].
            helper.make_node("Div", ["rowq8.127", p + "max_eps"], [p + "inv"]),
            helper.make_node("Mul", [x, p + "inv"], [p + "scaled"]),
            # Round half to even and saturate, + 128: uint8 in [1, 255].
            helper.make_node("QuantizeLinear", [p + "scaled", "rowq8.one", "rowq8.zp"], [p + "x_q"]),
            # (x_q - 128) · w_q · w_scale, in float, on the int8 units.
            helper.make_node("MatMulIntegerToFloat", [p + "x_q", p + "w_q", "rowq8.one", p + "w_scale", "rowq8.zp"],
                             [p + "y_unscaled"], domain="com.microsoft"),
            helper.make_node("Div", [p + "y_unscaled", p + "inv"], [y]),
        ]
        done += 1
    if done != matmuls:
        sys.exit(f"make_rowq8: quantised {done} MatMul nodes, expected {matmuls}")
    # The word-piece embedding table (30,522 × 384, the largest tensor): int8
    # rows with a scale per row, looked up and scaled back by Gather (unless
    # the caller stores it otherwise: table=False).
    for node in new_nodes if table else []:
        table = inits.get(node.input[0]) if node.op_type == "Gather" else None
        if table is None or len(table.dims) != 2 or table.dims[0] < 10000:
            continue
        e = numpy_helper.to_array(table).astype(np.float32)
        e_scale = (np.maximum(np.abs(e).max(axis=1, keepdims=True), 1e-12) / 127.0).astype(np.float32)
        e_q = np.clip(np.round(e / e_scale), -127, 127).astype(np.int8)
        graph.initializer.remove(table)
        graph.initializer.extend([
            numpy_helper.from_array(e_q, "rowq8.emb.q"),
            numpy_helper.from_array(e_scale, "rowq8.emb.scale"),
        ])
        ids, out = node.input[1], node.output[0]
        at = new_nodes.index(node)
        new_nodes[at:at + 1] = [
            helper.make_node("Gather", ["rowq8.emb.q", ids], ["rowq8.emb.rows_q"], axis=0),
            helper.make_node("Gather", ["rowq8.emb.scale", ids], ["rowq8.emb.rows_scale"], axis=0),
            helper.make_node("Cast", ["rowq8.emb.rows_q"], ["rowq8.emb.rows_f"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["rowq8.emb.rows_f", "rowq8.emb.rows_scale"], [out]),
        ]
        break
    else:
        if table:
            sys.exit("make_rowq8: found no word-piece embedding table to quantise")
    del graph.node[:]
    graph.node.extend(new_nodes)
    graph.initializer.extend(consts)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return model


def encoder_constants(const, heads, head_dim, hidden):
    """The constants the hand-written encoder graphs (make_mpnet.py,
    make_e5.py) share: slice bounds, the attention mask fill, head shapes,
    the attention scale and the exact GELU's factors. `const(name, array)`
    adds an initialiser."""
    const("c.0", np.array([0], dtype=np.int64))
    const("c.1", np.array([1], dtype=np.int64))
    const("c.2", np.array([2], dtype=np.int64))
    const("c.one", np.array(1.0, dtype=np.float32))
    const("c.min", np.array(np.finfo(np.float32).min, dtype=np.float32))
    const("c.heads", np.array([0, 0, heads, head_dim], dtype=np.int64))
    const("c.hidden", np.array([0, 0, hidden], dtype=np.int64))
    const("c.scale", np.array(1.0 / np.sqrt(head_dim), dtype=np.float32))
    const("c.sqrt2", np.array(np.sqrt(2.0), dtype=np.float32))
    const("c.half", np.array(0.5, dtype=np.float32))


def gelu(node, h):
    """Exact (erf) GELU of `h`, from the constants of `encoder_constants`."""
    return node("Mul", [node("Mul", [h, "c.half"]), node("Add", ["c.one", node("Erf", [node("Div", [h, "c.sqrt2"])])])])


def encoder_model(name, nodes, x, inits, hidden, opsets):
    """The graph of a hand-written encoder: `nodes` ending in the token
    states `x`, inputs `input_ids` and `attention_mask` [batch, seq], output
    `last_hidden_state` [batch, seq, hidden]; opset 17 plus `opsets`, IR 8."""
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", hidden])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)] + opsets)
    model.ir_version = 8
    return model


def save(model, out_path, tool):
    """Write `model` to `out_path` whole or not at all (a temporary file, then a rename)."""
    tmp = out_path + ".tmp"
    onnx.save(model, tmp)
    os.chmod(tmp, 0o644)
    os.replace(tmp, out_path)
    print(f"{tool}: wrote {out_path}")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    int8_path, safetensors_path, out_path = sys.argv[1:4]
    save(per_token_quantised(fp32_graph(int8_path, safetensors_path)), out_path, "make_rowq8")


if __name__ == "__main__":
    main()
