#!/usr/bin/env python3
"""Write tests/data/parity/reference.json: fp32 all-MiniLM-L6-v2 sentence embeddings.

The reference comes from sentence-transformers running the fp32 safetensors
model that `models/fetch` unpacks into models/all-minilm-l6-v2/ (no hub access:
HF_HUB_OFFLINE=1). The model's own modules.json gives the pipeline:
Transformer (max_seq_length 256, from sentence_bert_config.json) -> mean
pooling over the attention mask (1_Pooling/config.json) -> L2 normalisation.
None of the sentences is longer than 128 tokens, so tokenizer.json's own
truncation (128) and sentence-transformers' (256) give the same input.

How to run (from the repository root), in a throw-away venv:

    models/fetch
    python3 -m venv /tmp/venv-ref
    /tmp/venv-ref/bin/pip install sentence-transformers==6.2.0 torch==2.15.0 \
        transformers==5.23.0 tokenizers==0.23.3 numpy==2.4.6 \
        onnxruntime==1.31.1 onnx==1.23.2      # the last two: for check_onnx.py
    /tmp/venv-ref/bin/python tests/data/parity/make_reference.py

(torch from the registry pulls in the CUDA wheels, several GB; only the CPU is
used.) Output: tests/data/parity/reference.json, embeddings rounded to 6
decimals. Re-run it only when sentences.txt or the model changes, and commit
the result.
"""

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
MODEL_DIR = ROOT / "models" / "all-minilm-l6-v2"
SENTENCES = HERE / "sentences.txt"
OUT = HERE / "reference.json"


def read_sentences(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    sentences = [line for line in lines if line.strip()]
    if not sentences:
        sys.exit(f"no sentences in {path}")
    return sentences


def main() -> None:
    if not (MODEL_DIR / "model.safetensors").is_file():
        sys.exit(f"{MODEL_DIR} has no model.safetensors: run models/fetch first")

    import numpy as np
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    model = SentenceTransformer(str(MODEL_DIR), device="cpu", local_files_only=True)
    model.eval()
    modules = [type(m).__name__ for m in model]
    if modules != ["Transformer", "Pooling", "Normalize"]:
        sys.exit(f"unexpected module pipeline {modules}: is modules.json in {MODEL_DIR}?")

    sentences = read_sentences(SENTENCES)
    with torch.inference_mode():
        emb = model.encode(
            sentences,
            batch_size=8,
            convert_to_numpy=True,
            normalize_embeddings=False,  # the Normalize module already does it
            show_progress_bar=False,
        )
    emb = np.asarray(emb, dtype=np.float64)
    dim = int(emb.shape[1])
    if dim != 384:
        sys.exit(f"unexpected embedding dimension {dim}")
    norms = np.linalg.norm(emb, axis=1)
    if not np.allclose(norms, 1.0, atol=1e-5):
        sys.exit(f"embeddings are not unit length: {norms}")

    st_ver = ".".join(sentence_transformers.__version__.split(".")[:2])
    torch_ver = ".".join(torch.__version__.split("+")[0].split(".")[:2])
    doc = {
        "model": f"all-MiniLM-L6-v2 fp32 (sentence-transformers {st_ver}, torch {torch_ver})",
        "dim": dim,
        "sentences": sentences,
        "embeddings": [[round(float(x), 6) for x in row] for row in emb],
    }
    # Plain JSON, laid out one sentence / one embedding per line for readable diffs.
    def dumps(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    with OUT.open("w", encoding="utf-8") as f:
        f.write("{\n")
        f.write(f'  "model": {dumps(doc["model"])},\n')
        f.write(f'  "dim": {dim},\n')
        f.write('  "sentences": [\n    ' + ",\n    ".join(dumps(s) for s in sentences) + "\n  ],\n")
        f.write('  "embeddings": [\n    '
                + ",\n    ".join(dumps(row) for row in doc["embeddings"]) + "\n  ]\n")
        f.write("}\n")
    json.loads(OUT.read_text(encoding="utf-8"))  # sanity: it parses
    print(f"wrote {OUT.relative_to(ROOT)}: {len(sentences)} sentences x {dim} "
          f"({doc['model']}; sentence-transformers {sentence_transformers.__version__}, "
          f"torch {torch.__version__})")


if __name__ == "__main__":
    main()
