#!/usr/bin/env python3
"""Cross-check: the int8 ONNX model against the fp32 reference in reference.json.

Does in Python what framelens' ONNX backend does in Rust:
  * tokenise with the `tokenizers` package from
    models/all-minilm-l6-v2-int8/tokenizer.json, padding disabled
    (tokenizer.json itself pads to a fixed 128; truncation is left as the file
    has it, 128 tokens, and no sentence here reaches it);
  * run models/all-minilm-l6-v2-int8/model.onnx with onnxruntime (CPU) on
    input_ids, attention_mask, token_type_ids (all int64 [batch, seq]);
  * mean-pool last_hidden_state [batch, seq, 384] over the attention mask;
  * L2-normalise;
and prints the cosine similarity with each fp32 reference vector (min / mean).
It does so twice: one sentence at a time (no padding at all) and as one batch
padded to the longest sentence, which must agree with each other.

Run from the repository root, after models/fetch and in the venv described in
make_reference.py (needs onnxruntime==1.31.1, tokenizers==0.23.3, numpy):

    /tmp/venv-ref/bin/python tests/data/parity/check_onnx.py [--min-cosine 0.98]

Exits 1 when the smallest cosine is below --min-cosine.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
MODEL_DIR = ROOT / "models" / "all-minilm-l6-v2-int8"


def embed(session: ort.InferenceSession, encodings) -> np.ndarray:
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    types = np.array([e.type_ids for e in encodings], dtype=np.int64)
    (hidden,) = session.run(
        ["last_hidden_state"],
        {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
    )
    m = mask[:, :, None].astype(np.float32)
    pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def report(name: str, got: np.ndarray, ref: np.ndarray, sentences: list[str]) -> float:
    cos = (got * ref).sum(axis=1) / (np.linalg.norm(got, axis=1) * np.linalg.norm(ref, axis=1))
    worst = int(np.argmin(cos))
    print(f"{name}: cosine vs fp32 reference: min {cos.min():.6f}  mean {cos.mean():.6f}  "
          f"max {cos.max():.6f}  (worst: #{worst} {sentences[worst]!r})")
    print(f"{name}: max |difference| of a component: {np.abs(got - ref).max():.6f}")
    return float(cos.min())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--min-cosine", type=float, default=0.98)
    ap.add_argument("--verbose", action="store_true", help="print each sentence's cosine")
    args = ap.parse_args()

    ref_doc = json.loads((HERE / "reference.json").read_text(encoding="utf-8"))
    sentences = ref_doc["sentences"]
    ref = np.array(ref_doc["embeddings"], dtype=np.float64)
    print(f"reference: {ref_doc['model']}, {len(sentences)} sentences x {ref_doc['dim']}")

    tok = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
    tok.no_padding()
    encodings = tok.encode_batch(sentences)
    lengths = [len(e.ids) for e in encodings]
    truncated = [i for i, e in enumerate(encodings) if e.overflowing]
    print(f"tokens per sentence: min {min(lengths)} max {max(lengths)}; truncated: {truncated or 'none'}")

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    session = ort.InferenceSession(str(MODEL_DIR / "model.onnx"), opts,
                                   providers=["CPUExecutionProvider"])
    print(f"onnxruntime {ort.__version__}, model {MODEL_DIR.relative_to(ROOT)}/model.onnx")

    single = np.concatenate([embed(session, [e]) for e in encodings]).astype(np.float64)
    worst = report("one at a time", single, ref, sentences)

    tok.enable_padding(pad_id=0, pad_type_id=0, pad_token="[PAD]")  # pad to the longest
    batch = embed(session, tok.encode_batch(sentences)).astype(np.float64)
    worst = min(worst, report("padded batch ", batch, ref, sentences))
    print(f"padded batch vs one at a time: max |difference| {np.abs(batch - single).max():.2e}")

    if args.verbose:
        cos = (single * ref).sum(axis=1)
        for c, n, s in zip(cos, lengths, sentences):
            print(f"  {c:.6f}  {n:3d} tok  {s}")

    if worst < args.min_cosine:
        print(f"FAIL: min cosine {worst:.6f} < {args.min_cosine}")
        sys.exit(1)
    print(f"OK: min cosine {worst:.6f} >= {args.min_cosine}")


if __name__ == "__main__":
    main()
