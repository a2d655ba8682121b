#!/usr/bin/env bash
# benches/peer_compare.sh — framelens against the usual Python path, same
# sentences, same machine, same run.
#
#   framelens:  end to end (split, tokenise, encode, score 14 media frames,
#               aggregate) with classify_batch on THREADS threads, on each ONNX
#               model (int8 weights; qint8 if models/fetch built it)
#   Python:     sentence-transformers SentenceTransformer.encode, PyTorch, fp32
#               all-MiniLM-L6-v2 (models/all-minilm-l6-v2), CPU,
#               torch.set_num_threads(THREADS), batch_size 32 — the encoder
#               alone, no scoring
#
# on benches/data/sentences.txt (the committed corpus split into sentences;
# the script prints their average length in word-pieces). Each side runs one
# warm-up pass and REPEAT timed passes; the best pass counts. The two sides
# run one after the other, never at the same time.
#
# Usage: benches/peer_compare.sh [THREADS (default 2)] [REPEAT (default 3)]
# Environment:
#   PEER_VENV  an existing venv with sentence-transformers and torch to reuse
#              (e.g. the one of tests/data/parity/make_reference.py); without
#              it a throw-away venv is made in a temporary directory and
#              removed at the end (pip install sentence-transformers torch:
#              torch from the registry brings CUDA wheels, several GB).
#   PYTHON     interpreter for the throw-away venv (default python3).
# Measure on a quiet machine (1-minute load average well below 1): PyTorch's
# OpenMP threads spin while they wait, and lose far more than framelens when
# other processes compete for the cores (sentences/s of both sides, and the
# load average, are printed).
# Needs models/fetch to have run (it runs it if the models are missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

THREADS="${1:-2}"
REPEAT="${2:-3}"
SENTENCES="benches/data/sentences.txt"
PYTHON="${PYTHON:-python3}"
ST_PIN="sentence-transformers==6.2.0"
TORCH_PIN="torch==2.15.0"

log() { echo "peer_compare: $*" >&2; }

[[ -f models/all-minilm-l6-v2/model.safetensors && -f models/all-minilm-l6-v2-int8/model.onnx ]] || models/fetch

# ------------------------------------------------------------ Python side --
tmp=""
cleanup() { [[ -n "$tmp" ]] && rm -rf "$tmp"; }
trap cleanup EXIT
if [[ -n "${PEER_VENV:-}" ]]; then
  VPY="$PEER_VENV/bin/python"
  "$VPY" -c 'import sentence_transformers, torch' \
    || { log "PEER_VENV=$PEER_VENV has no sentence-transformers/torch"; exit 1; }
else
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/framelens-peer.XXXXXX")"
  log "making a throw-away venv in $tmp (pip install $ST_PIN $TORCH_PIN; several GB)"
  "$PYTHON" -m venv "$tmp/venv"
  "$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$ST_PIN" "$TORCH_PIN" >&2
  VPY="$tmp/venv/bin/python"
fi

# ---------------------------------------------------------- framelens side --
log "building the framelens throughput bench (cargo bench --no-run)"
cargo bench --bench throughput --no-run >&2
models=(int8)
[[ -f models/all-minilm-l6-v2-qint8/model.onnx ]] && models+=(qint8)

declare -A RATE=()
for m in "${models[@]}"; do
  log "framelens, model $m, $THREADS threads"
  out="$(cargo bench --quiet --bench throughput -- --threads "$THREADS" --repeat "$REPEAT" \
           --model "$m" --sentences "$SENTENCES" --machine 2>/dev/null)"
  echo "$out" | grep -v '^sentences_per_s=' | sed "s/^/  [framelens $m] /"
  RATE[$m]="$(echo "$out" | sed -n 's/^sentences_per_s=//p')"
done

log "sentence-transformers (PyTorch, fp32, CPU), $THREADS threads, batch 32"
py_out="$(HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false \
  OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS" \
  "$VPY" - "$SENTENCES" "$THREADS" "$REPEAT" <<'PY'
import sys, time
import torch
from sentence_transformers import SentenceTransformer

path, threads, repeat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
sentences = [l.strip() for l in open(path, encoding="utf-8") if l.strip()]
model = SentenceTransformer("models/all-minilm-l6-v2", device="cpu", local_files_only=True)
pieces = [len(model.tokenizer(s, add_special_tokens=False)["input_ids"]) for s in sentences]
print(f"{len(sentences)} sentences, {sum(pieces) / len(pieces):.1f} word-pieces on average; "
      f"sentence-transformers, torch {torch.__version__}, {torch.get_num_threads()} threads, fp32")
def run():
    with torch.inference_mode():
        model.encode(sentences, batch_size=32, show_progress_bar=False, convert_to_numpy=True)
run()
best, cpu0 = float("inf"), time.process_time()
for _ in range(repeat):
    t = time.perf_counter(); run(); best = min(best, time.perf_counter() - t)
cpu = (time.process_time() - cpu0) / repeat
print(f"  CPU time per pass {cpu:.2f} s = {len(sentences) / cpu:.1f} sentences per CPU-second")
print(f"encode: {len(sentences)} sentences in {best:.3f} s = {len(sentences) / best:.1f} sentences/s")
print(f"sentences_per_s={len(sentences) / best:.1f}")
PY
)"
echo "$py_out" | grep -v '^sentences_per_s=' | sed "s/^/  [python] /"
PY_RATE="$(echo "$py_out" | sed -n 's/^sentences_per_s=//p')"

# ------------------------------------------------------------------ result --
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-58s %10s %8s\n' "pipeline ($THREADS threads, $SENTENCES)" "sent/s" "ratio"
printf '%-58s %10s %8s\n' "sentence-transformers + PyTorch, fp32 (encoder only)" "$PY_RATE" "1.00"
for m in "${models[@]}"; do
  ratio="$(awk -v a="${RATE[$m]}" -v b="$PY_RATE" 'BEGIN { printf "%.2f", a / b }')"
  printf '%-58s %10s %8s\n' "framelens, $m, end to end (classify_batch)" "${RATE[$m]}" "${ratio}x"
done
