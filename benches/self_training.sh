#!/usr/bin/env bash
# benches/self_training.sh — does a transductive head, trained on a corpus's
# own most confident zero-shot decisions (self-training), beat zero-shot?
# (issue 27 item 5; the answer and the table: docs/accuracy.md, "Self-training
# (item 5), measured and not shipped").
#
# On FLICC's test and val splits (real text), two views: the narratives
# (semeval2025-narratives, the CARDS mapping; F1 samples coarse / fine) and the
# 12 fallacies (examples/taxonomies/flicc-fallacies.toml; accuracy /
# macro-F1). Per split: zero-shot `batch`; pseudo-labels = per decided
# category the share P of its most confident documents (benches/self_training.py
# pseudo), with or without the most confident `Other` decisions; `train --kind
# head` on them; `evaluate --head` on the same split. Gold labels are used only
# to score. Controls: the same documents with their pseudo-label lists shuffled,
# `batch --redecide --adapt`, and zero-shot with the gate removed. Then the
# share of the 169 Global Voices stories (unlabelled news) decided to carry a
# narrative, zero-shot and self-trained on themselves.
#
# Usage: benches/self_training.sh [THREADS]   (after models/fetch and
# cargo build --release --examples; about 10 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
threads="${1:-2}"
B=target/release/examples
PY="${PYTHON:-python3} benches/self_training.py"
NT=semeval2025-narratives
FT=examples/taxonomies/flicc-fallacies.toml
GV="${GV:-../shared/data/globalvoices/articles.jsonl}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/framelens-selftrain.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# evaluate's figures: F1 samples coarse / fine (and how often the best-scored
# narrative is the gold one), or accuracy / macro-F1
figures() {
  if [[ $1 == n ]]; then
    awk '/best-scored category right:/ {r=$4} /F1 samples, narratives/ {c=$NF} /F1 samples, sub-narratives/ {f=$NF}
      END {print c, f, "(best-scored right " r ")"}' "$2"
  else
    awk '/best-scored category right:/ {a=$4} /^macro/ {m=$NF} END {print a, m}' "$2"
  fi
}
self_train() { # view taxonomy split pseudo.jsonl tag
  $B/train --jsonl "$4" --taxonomy "$2" --kind head --out "$tmp/$5.json" --quiet --threads "$threads" >/dev/null 2>&1
  $B/evaluate --flicc "tests/data/flicc/fallacy_$3.csv" --taxonomy "$2" --head "$tmp/$5.json" \
    --threads "$threads" >"$tmp/$5.txt" 2>/dev/null
  figures "$1" "$tmp/$5.txt"
}

echo "| view | split | scorer | pseudo-labelled documents | figures |"
echo "|---|---|---|---:|---|"
for view in n f; do
  if [[ $view == n ]]; then T=$NT; else T=$FT; fi
  for split in test val; do
    $PY texts "tests/data/flicc/fallacy_$split.csv" "$tmp/$split.jsonl"
    $B/batch "$tmp/$split.jsonl" --taxonomy "$T" --output "$tmp/zs-$view-$split.jsonl" --quiet --threads "$threads" 2>/dev/null
    $B/evaluate --flicc "tests/data/flicc/fallacy_$split.csv" --taxonomy "$T" --threads "$threads" >"$tmp/zs.txt" 2>/dev/null
    echo "| $view | $split | zero-shot | — | $(figures $view "$tmp/zs.txt") |"
    if [[ $view == n ]]; then
      $B/batch --redecide "$tmp/zs-n-$split.jsonl" --taxonomy $NT --adapt --output "$tmp/ad.jsonl" --overwrite >/dev/null 2>&1
      echo "| n | $split | zero-shot --adapt | — | $($PY score n "$tmp/ad.jsonl" "$tmp/$split.jsonl") |"
      $PY forced "$tmp/zs-n-$split.jsonl" "$tmp/fo.jsonl"
      echo "| n | $split | zero-shot, gate removed (best narrative and sub-narrative) | — | $($PY score n "$tmp/fo.jsonl" "$tmp/$split.jsonl") |"
      others="0 1"
    else
      others="0"
    fi
    for other in $others; do
      for p in 0.2 0.3 0.5 1.0; do
        tag="$view-$split-$p-$other"
        kept="$($PY pseudo $view "$tmp/zs-$view-$split.jsonl" "$tmp/$split.jsonl" $p $other "$tmp/ps-$tag.jsonl")"
        what="self-trained, top $p per category"
        [[ $other == 1 ]] && what="$what + top $p of Other"
        echo "| $view | $split | $what | $kept | $(self_train $view "$T" $split "$tmp/ps-$tag.jsonl" "$tag") |"
      done
    done
    if [[ $view == n ]]; then
      for p in 0.3 0.5; do
        for seed in 1 2; do
          $PY shuffle "$tmp/ps-n-$split-$p-0.jsonl" "$tmp/sh.jsonl" $seed
          echo "| n | $split | control: top $p, label lists shuffled (seed $seed) | | $(self_train n $NT $split "$tmp/sh.jsonl" sh) |"
        done
      done
    fi
  done
done

if [[ -f $GV ]]; then
  echo
  echo "| Global Voices, 169 stories | stories decided to carry a narrative |"
  echo "|---|---:|"
  $B/batch "$GV" --taxonomy $NT --output "$tmp/gv.jsonl" --quiet --threads "$threads" 2>/dev/null
  echo "| zero-shot | $($PY share "$tmp/gv.jsonl") |"
  for other in 0 1; do
    for p in 0.3 0.5; do
      $PY pseudo n "$tmp/gv.jsonl" "$GV" $p $other "$tmp/ps-gv.jsonl" >/dev/null
      $B/train --jsonl "$tmp/ps-gv.jsonl" --taxonomy $NT --kind head --out "$tmp/gv.json" --quiet --threads "$threads" >/dev/null 2>&1
      $B/batch "$GV" --taxonomy $NT --head "$tmp/gv.json" --output "$tmp/gv-st.jsonl" --overwrite --quiet --threads "$threads" 2>/dev/null
      what="self-trained, top $p per category"
      [[ $other == 1 ]] && what="$what + top $p of Other"
      echo "| $what | $($PY share "$tmp/gv-st.jsonl") |"
    done
  done
fi
