#!/usr/bin/env python3
"""Time ``Classifier.classify_batch`` from Python against the Rust ``batch`` binary.

A benchmark, not a test: run it by hand on a quiet machine.

    python bindings/python/bench.py [--models DIR] [--rounds N] [--documents 200] [--threads N]

Corpus: the committed ``benches/data/corpus`` (113 news articles and
fixtures, the corpus of the criterion and throughput benches), taken in name
order and cycled to ``--documents`` documents (default 200; ids get a
round suffix), written once to a JSONL file that both sides read.

Rust: ``target/release/examples/batch CORPUS.jsonl --output OUT`` (its
default ``--chunk 64``), timed from outside as a whole process: reading the
JSONL, loading the model, classifying, writing one JSON line per document.

Python, the same work in one process: build the ``Classifier``, read the
JSONL, ``classify_batch`` (chunks of 64, as ``batch``), and write
``{"id", "analysis"}`` lines with ``Analysis.to_json()``; and, separately,
``classify_batch`` alone on the already-built classifier.

The two sides alternate for ``--rounds`` rounds; the median of each is
reported, with documents per second, and the CPU time (user + system, all
threads) of each side, which a busy machine disturbs less than the wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import framelens

REPO = Path(__file__).resolve().parents[2]


def write_corpus(path: Path, documents: int) -> int:
    files = sorted((REPO / "benches" / "data" / "corpus").glob("*.txt"))
    total = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(documents):
            f = files[i % len(files)]
            text = f.read_text(encoding="utf-8")
            total += len(text.encode("utf-8"))
            out.write(json.dumps({"id": f"{f.stem}-{i // len(files)}", "text": text}, ensure_ascii=False) + "\n")
    return total


def run_rust(exe: Path, corpus: Path, out: Path, models: Path, threads: int | None) -> tuple[float, float]:
    args = [str(exe), str(corpus), "--output", str(out), "--overwrite", "--quiet", "--models", str(models),
            "--sentence-scores", "all"]  # the same JSON as Python's to_json()
    if threads:
        args += ["--threads", str(threads)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def run_python(corpus: Path, out: Path, models: Path, threads: int | None) -> tuple[float, float, float]:
    cpu = time.process_time()
    start = time.perf_counter()
    clf = framelens.Classifier(models_dir=models, threads=threads)
    records = [json.loads(line) for line in corpus.open(encoding="utf-8")]
    t0 = time.perf_counter()
    results = clf.classify_batch([r["text"] for r in records])
    batch = time.perf_counter() - t0
    with out.open("w", encoding="utf-8") as f:
        for r, a in zip(records, results):
            if isinstance(a, framelens.FramelensError):
                f.write(json.dumps({"id": r["id"], "error": str(a)}) + "\n")
            else:
                f.write('{"id":' + json.dumps(r["id"]) + ',"analysis":' + a.to_json() + "}\n")
    return time.perf_counter() - start, batch, time.process_time() - cpu


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    p.add_argument("--models", type=Path, default=framelens.resolve_models_dir())
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--documents", type=int, default=200)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--batch", type=Path, default=None, help="the batch binary (default: target/release/examples/batch)")
    args = p.parse_args()
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    exe = args.batch or target / "release" / "examples" / "batch"
    if not exe.is_file():
        subprocess.run(["cargo", "build", "--release", "--example", "batch"], cwd=REPO, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus.jsonl"
        size = write_corpus(corpus, args.documents)
        print(f"corpus: {args.documents} documents, {size / 1e6:.2f} MB, from benches/data/corpus", file=sys.stderr)
        # Warm the vector cache and the page cache once, untimed.
        run_python(corpus, tmp / "warm.jsonl", args.models, args.threads)
        rust, python, batch_only, rust_cpu, python_cpu = [], [], [], [], []
        for r in range(args.rounds):
            wall, cpu = run_rust(exe, corpus, tmp / "rust.jsonl", args.models, args.threads)
            rust.append(wall)
            rust_cpu.append(cpu)
            whole, batch, cpu = run_python(corpus, tmp / "py.jsonl", args.models, args.threads)
            python.append(whole)
            batch_only.append(batch)
            python_cpu.append(cpu)
            print(f"round {r + 1}: rust batch {rust[-1]:.2f} s ({rust_cpu[-1]:.2f} s CPU), python {whole:.2f} s "
                  f"({cpu:.2f} s CPU; classify_batch {batch:.2f} s)", file=sys.stderr)
        # Same analyses on both sides.
        rust_lines = [json.loads(l) for l in (tmp / "rust.jsonl").open(encoding="utf-8")]
        py_lines = [json.loads(l) for l in (tmp / "py.jsonl").open(encoding="utf-8")]
        same = [a.get("analysis", {}).get("labels") == b.get("analysis", {}).get("labels")
                for a, b in zip(rust_lines, py_lines)]
    n = args.documents
    med = {k: statistics.median(v) for k, v in (
        ("rust", rust), ("python", python), ("batch", batch_only), ("rust_cpu", rust_cpu), ("python_cpu", python_cpu))}
    print(json.dumps({
        "documents": n,
        "rounds": args.rounds,
        "rust_batch_s": round(med["rust"], 3),
        "rust_batch_docs_per_s": round(n / med["rust"], 2),
        "python_whole_s": round(med["python"], 3),
        "python_whole_docs_per_s": round(n / med["python"], 2),
        "python_classify_batch_s": round(med["batch"], 3),
        "python_classify_batch_docs_per_s": round(n / med["batch"], 2),
        "python_over_rust": round(med["python"] / med["rust"], 3),
        "rust_batch_cpu_s": round(med["rust_cpu"], 3),
        "python_whole_cpu_s": round(med["python_cpu"], 3),
        "python_over_rust_cpu": round(med["python_cpu"] / med["rust_cpu"], 3),
        "same_labels": all(same) and len(rust_lines) == len(py_lines) == n,
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
