#!/usr/bin/env python3
"""Build all-mpnet-base-v2-rowq8/model.onnx from the sentence-transformers
folder of all-mpnet-base-v2 (`model.safetensors`, `config.json`).

Run by `models/fetch-mpnet` with pinned `onnx`, `onnxruntime` and `numpy`
in a throw-away directory; nothing here runs when framelens runs.

The graph is written node by node from the weights, following
transformers' `MPNetModel` (v4.44, `modeling_mpnet.py`):

    positions   2, 3, ... (padding_idx + 1 onwards; right padding, so a real
                token's position is its index + 2, and padded tokens, which
                attention and pooling mask out, do not matter)
    embeddings  LayerNorm(word + position)
    each layer  x = LayerNorm(x + o(softmax(q·kᵀ/8 + bias + mask)·v))
                x = LayerNorm(x + W2·gelu(W1·x))
    bias        relative_attention_bias[bucket(j − i)] per head: 32 buckets,
                max distance 128, bidirectional (T5's bucketing), precomputed
                for 512 positions and sliced to the sequence length

Its output is the token states `[batch, seq, 768]`; framelens mean-pools
and normalises them, as sentence-transformers does for this model. Every
matrix product with a weight is then quantised per token as in
`make_rowq8.py` (72 of them), and the word-piece table to int8 rows.

Before writing, the fp32 graph is checked against a forward pass written
separately in numpy from the same description (cosine of the pooled
vectors ≥ 0.99999), and the quantised graph against the fp32 one (mean
cosine ≥ 0.99).

Usage: make_mpnet.py MODEL_DIR OUT_ONNX
"""

import json
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_qint8 import read_safetensors  # noqa: E402
from make_rowq8 import encoder_constants, encoder_model, gelu, per_token_quantised, save  # noqa: E402

MAX_POSITIONS = 512
CHECK_IDS = [
    # <s> ... </s> word pieces of a few sentences, and padding (id 1).
    [0, 1037, 2158, 2003, 5983, 2833, 1012, 2, 1, 1, 1, 1],
    [0, 1996, 4518, 3006, 3062, 2006, 9857, 2044, 1996, 2739, 1012, 2],
    [0, 2748, 1012, 2, 1, 1, 1, 1, 1, 1, 1, 1],
]


def bucket(relative, num_buckets=32, max_distance=128):
    """T5 / MPNet relative position bucket of `relative` = memory − context."""
    n = -relative
    half = num_buckets // 2
    ret = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    max_exact = half // 2
    with np.errstate(divide="ignore"):
        large = max_exact + (np.log(np.maximum(n, 1).astype(np.float32) / max_exact)
                             / np.log(max_distance / max_exact) * (half - max_exact)).astype(np.int64)
    large = np.minimum(large, half - 1)
    return ret + np.where(n < max_exact, n, large)


def position_bias(w):
    pos = np.arange(MAX_POSITIONS)
    rel = pos[None, :] - pos[:, None]
    return np.ascontiguousarray(w["encoder.relative_attention_bias.weight"][bucket(rel)].transpose(2, 0, 1))


def build(w, config):
    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    layers, eps = config["num_hidden_layers"], config["layer_norm_eps"]
    head_dim = hidden // heads
    inits, nodes = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(op, inputs, outputs=None, **kw):
        out = outputs or [f"{op.lower()}_{len(nodes)}"]
        nodes.append(helper.make_node(op, inputs, out, **kw))
        return out[0]

    def linear(x, name):
        wt = const(name + ".weight", w[name + ".weight"].T.copy())
        y = node("MatMul", [x, wt])
        return node("Add", [y, const(name + ".bias", w[name + ".bias"])])

    def layer_norm(x, name):
        return node("LayerNormalization", [x, const(name + ".weight", w[name + ".weight"]),
                                           const(name + ".bias", w[name + ".bias"])], axis=-1, epsilon=eps)

    encoder_constants(const, heads, head_dim, hidden)

    shape = node("Shape", ["input_ids"])
    seq = node("Slice", [shape, "c.1", "c.2", "c.0"])  # [L]
    seq_plus_2 = node("Add", [seq, "c.2"])
    words = node("Gather", [const("embeddings.word_embeddings.weight", w["embeddings.word_embeddings.weight"]),
                            "input_ids"], axis=0)
    positions = node("Slice", [const("embeddings.position_embeddings.weight",
                                     w["embeddings.position_embeddings.weight"]), "c.2", seq_plus_2, "c.0"])
    x = layer_norm(node("Add", [words, positions]), "embeddings.LayerNorm")

    bias_all = const("encoder.position_bias", position_bias(w))  # [heads, 512, 512]
    bias = node("Slice", [bias_all, "c.0", seq, "c.1"])
    bias = node("Slice", [bias, "c.0", seq, "c.2"])  # [heads, L, L]
    mask = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    mask = node("Unsqueeze", [mask, node("Concat", ["c.1", "c.2"], axis=0)])  # [B, 1, 1, L]
    mask = node("Mul", [node("Sub", ["c.one", mask]), "c.min"])
    bias_mask = node("Add", [bias, mask])  # [B, heads, L, L]

    for i in range(layers):
        p = f"encoder.layer.{i}."
        q = node("Transpose", [node("Reshape", [linear(x, p + "attention.attn.q"), "c.heads"])], perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [linear(x, p + "attention.attn.k"), "c.heads"])], perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [linear(x, p + "attention.attn.v"), "c.heads"])], perm=[0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k]), "c.scale"]), bias_mask])
        ctx = node("MatMul", [node("Softmax", [scores], axis=-1), v])
        ctx = node("Reshape", [node("Transpose", [ctx], perm=[0, 2, 1, 3]), "c.hidden"])
        x = layer_norm(node("Add", [linear(ctx, p + "attention.attn.o"), x]), p + "attention.LayerNorm")
        h = linear(x, p + "intermediate.dense")
        h = gelu(node, h)
        x = layer_norm(node("Add", [linear(h, p + "output.dense"), x]), p + "output.LayerNorm")
    return encoder_model("all-mpnet-base-v2", nodes, x, inits, hidden, [])


def reference(w, config, ids):
    """The forward pass in numpy, written apart from the graph."""
    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    d = hidden // heads
    eps = config["layer_norm_eps"]
    ids = np.asarray(ids)
    mask = (ids != 1).astype(np.float32)
    b, n = ids.shape

    def ln(x, name):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * w[name + ".weight"] + w[name + ".bias"]

    def lin(x, name):
        return x @ w[name + ".weight"].T + w[name + ".bias"]

    def split(t):
        return t.reshape(b, n, heads, d).transpose(0, 2, 1, 3)

    pos = (np.cumsum(mask, axis=1) * mask).astype(np.int64) + 1  # transformers' create_position_ids
    x = ln(w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][pos],
           "embeddings.LayerNorm")
    rel = np.arange(n)[None, :] - np.arange(n)[:, None]
    bias = w["encoder.relative_attention_bias.weight"][bucket(rel)].transpose(2, 0, 1)[None]
    add = (1.0 - mask)[:, None, None, :] * np.finfo(np.float32).min
    from math import erf
    gelu = np.vectorize(lambda v: 0.5 * v * (1.0 + erf(v / np.sqrt(2.0))), otypes=[np.float32])
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q, k, v = (split(lin(x, p + "attention.attn." + s)) for s in "qkv")
        s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d) + bias + add
        s = np.exp(s - s.max(-1, keepdims=True))
        a = s / s.sum(-1, keepdims=True)
        c = (a @ v).transpose(0, 2, 1, 3).reshape(b, n, hidden)
        x = ln(lin(c, p + "attention.attn.o") + x, p + "attention.LayerNorm")
        x = ln(lin(gelu(lin(x, p + "intermediate.dense")), p + "output.dense") + x, p + "output.LayerNorm")
    return pooled(x, ids)


def pooled(states, ids):
    mask = (np.asarray(ids) != 1).astype(np.float32)[..., None]
    v = (states * mask).sum(1) / mask.sum(1)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def run(model, ids):
    import onnxruntime as ort
    s = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    ids = np.asarray(ids, dtype=np.int64)
    out = s.run(None, {"input_ids": ids, "attention_mask": (ids != 1).astype(np.int64)})[0]
    return pooled(out, ids)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    model_dir, out_path = sys.argv[1:3]
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    if config.get("model_type") != "mpnet" or config.get("pad_token_id") != 1:
        sys.exit(f"make_mpnet: {model_dir}/config.json is not an MPNet config with pad_token_id 1")
    w = {k: v.astype(np.float32) for k, v in read_safetensors(os.path.join(model_dir, "model.safetensors")).items()
         if v.dtype != np.int64}
    fp32 = build(w, config)
    want = reference(w, config, CHECK_IDS)
    got = run(fp32, CHECK_IDS)
    cos = (want * got).sum(-1)
    if cos.min() < 0.99999:
        sys.exit(f"make_mpnet: the fp32 graph differs from the numpy forward pass (cosines {cos})")
    print(f"make_mpnet: fp32 graph vs numpy forward pass, cosines {np.round(cos, 7).tolist()}")
    quantised = per_token_quantised(fp32, matmuls=6 * config["num_hidden_layers"])
    qcos = (run(quantised, CHECK_IDS) * got).sum(-1)
    if qcos.mean() < 0.99:
        sys.exit(f"make_mpnet: the quantised graph strays from the fp32 one (cosines {qcos})")
    print(f"make_mpnet: rowq8 graph vs fp32 graph, cosines {np.round(qcos, 5).tolist()}")
    save(quantised, out_path, "make_mpnet")


if __name__ == "__main__":
    main()
