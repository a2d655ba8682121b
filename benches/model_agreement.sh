#!/usr/bin/env bash
# benches/model_agreement.sh — do the int8, qint8 and rowq8 models decide
# documents like the fp32 model?
#
# Builds the fp32 ONNX graph (models/make_qint8.py: the int8 graph with the
# original fp32 safetensors weights put back) into a temporary model directory,
# runs the `batch` example with each model on the labelled fixtures
# (tests/data/semeval2025/EN with semeval2025-narratives, tests/data/semeval2023/en
# with media-frames) and on FLICC's 713 val and test paragraphs (real text, with
# semeval2025-narratives), and counts the (document, label) decisions — label
# chosen or not, fine and coarse labels of the taxonomy — that agree with fp32's.
#
# Usage: benches/model_agreement.sh        (after models/fetch; about 2 minutes)
# Environment: PYTHON (default python3); the quantiser pins of models/fetch
# are installed into a throw-away directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
[[ -f models/all-minilm-l6-v2-qint8/model.onnx && -f models/all-minilm-l6-v2-rowq8/model.onnx ]] || models/fetch

tmp="$(mktemp -d "${TMPDIR:-/tmp}/framelens-agree.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
pins="$(models/fetch --print-quantizer-pins)"
# shellcheck disable=SC2086
"$PYTHON" -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: --target "$tmp/site" $pins >&2
mkdir -p "$tmp/fp32/all-minilm-l6-v2-int8"
PYTHONPATH="$tmp/site" PYTHONNOUSERSITE=1 "$PYTHON" -W ignore models/make_qint8.py \
  models/all-minilm-l6-v2-int8/model.onnx models/all-minilm-l6-v2/model.safetensors \
  "$tmp/unused.onnx" "$tmp/fp32/all-minilm-l6-v2-int8/model.onnx" 2>/dev/null >&2
for f in tokenizer.json config.json special_tokens_map.json tokenizer_config.json; do
  cp models/all-minilm-l6-v2-int8/$f "$tmp/fp32/all-minilm-l6-v2-int8/"
done
ln -s "$PWD/models/onnxruntime" "$tmp/fp32/onnxruntime"

cargo build --quiet --release --example batch
run() { # run NAME ENV...
  local name=$1; shift
  env "$@" target/release/examples/batch tests/data/semeval2025/EN/raw-documents \
    --taxonomy semeval2025-narratives --quiet --sentence-scores 0 > "$tmp/$name-s25.jsonl"
  env "$@" target/release/examples/batch tests/data/semeval2023/en/train-articles-subtask-2 \
    --taxonomy media-frames --quiet --sentence-scores 0 > "$tmp/$name-s23.jsonl"
  env "$@" target/release/examples/batch "$tmp/flicc.jsonl" \
    --taxonomy semeval2025-narratives --quiet --sentence-scores 0 > "$tmp/$name-flicc.jsonl"
}
"$PYTHON" - "$tmp/flicc.jsonl" <<'PY'
import csv, json, sys
with open(sys.argv[1], "w", encoding="utf-8") as out:
    for split in ("val", "test"):
        for i, row in enumerate(csv.DictReader(open(f"tests/data/flicc/fallacy_{split}.csv", encoding="utf-8"))):
            out.write(json.dumps({"id": f"{split}-{i + 1:04}", "text": row["text"]}) + "\n")
PY
run fp32 FRAMELENS_MODELS="$tmp/fp32" FRAMELENS_MODEL=int8
run int8 FRAMELENS_MODEL=int8
run qint8 FRAMELENS_MODEL=qint8
run rowq8 FRAMELENS_MODEL=rowq8

"$PYTHON" - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
def load(path):
    out = {}
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        a = r["analysis"]
        chosen = {l["label"] for l in a["labels"]} | {l["label"] for l in (a.get("coarse") or [])}
        out[r["id"]] = (chosen, [s["label"] for s in a["document_scores"]])
    return out
print(f"{'fixtures':34} {'model':6} {'decisions agreeing with fp32':>30} {'labels chosen (fp32)':>21} {'Jaccard':>8}")
for fixture, name in (("s25", "semeval2025 EN, narratives"), ("s23", "semeval2023 en, media-frames"),
                      ("flicc", "FLICC val+test, narratives")):
    ref = load(f"{tmp}/fp32-{fixture}.jsonl")
    for model in ("int8", "qint8", "rowq8"):
        other = load(f"{tmp}/{model}-{fixture}.jsonl")
        total = agree = inter = union = chosen = chosen_ref = 0
        for doc, (a, labels) in ref.items():
            b = other[doc][0]
            for label in set(labels) | a | b:   # the taxonomy's labels, plus "Other"
                total += 1
                agree += (label in a) == (label in b)
            inter += len(a & b); union += len(a | b); chosen += len(b); chosen_ref += len(a)
        print(f"{name:34} {model:6} {agree:>12}/{total} = {100 * agree / total:6.2f}% {chosen:>10} ({chosen_ref}) {inter / union:>8.3f}")
PY
