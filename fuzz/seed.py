#!/usr/bin/env python3
"""Fill fuzz/corpus/<target>/ with seed inputs taken from the repo's fixtures.

Run from anywhere: `python3 fuzz/seed.py`. The corpus folder is not committed;
this script is, so every fuzzing run starts from the same seeds.
"""
import glob
import hashlib
import json
import os
import tomllib

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(FUZZ, "corpus", target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(rel):
    with open(os.path.join(ROOT, rel), "rb") as f:
        return f.read()


articles = sorted(glob.glob(os.path.join(ROOT, "examples/data/*.txt")))
texts = [open(p, encoding="utf-8").read() for p in articles]
snippets = [
    "Ukraine war\nU.S. President Joe Biden spoke at 9 a.m. Monday. Talks stalled.",
    "1. First point\n2. Second point\na. sub",
    "Gen. He Weidong met Ms. Smith at 10 p.m. EST. approx. 300 troops",
    "\"He said (quote. more) 'x.' ok.\" Then. ",
    "总统说制裁无效。军队正在推进！ قال الرئيس إن العقوبات لا تجدي نفعا؟",
]

# segment: first byte picks newline_breaks (even: on).
for t in texts[:8] + snippets:
    put("segment", b"0" + t.encode())
    put("segment", b"1" + t.encode())
put("segment", b"0" + ("word " * 3000).encode())

# taxonomy: the built-ins as TOML and as JSON.
for p in ["media-frames.toml", "persuasion-techniques.toml"]:
    raw = read("src/taxonomy/builtin/" + p)
    put("taxonomy", raw)
    put("taxonomy", json.dumps(tomllib.loads(raw.decode()), ensure_ascii=False, indent=1))
narr = b"\n".join(read("src/taxonomy/builtin/" + f) for f in [
    "narratives-header.toml", "narratives-background.toml", "narratives-urw-a.toml"])
put("taxonomy", narr[:20000])

# read_jsonl: first byte picks the taxonomy (even: media-frames).
for p in sorted(glob.glob(os.path.join(ROOT, "tests/data/bad/jsonl/*.jsonl"))):
    raw = open(p, "rb").read()
    put("read_jsonl", b"0" + raw)
    put("read_jsonl", b"1" + raw)
put("read_jsonl", b"0" + "\n".join(json.dumps({"id": i, "text": t[:300], "labels": ["Economic", "Other"]}) for i, t in enumerate(texts[:3])).encode())
put("read_jsonl", b"1" + "\n".join(json.dumps({"id": f"d{i}", "text": t[:300], "labels": ["URW: Discrediting Ukraine", "Other"]}) for i, t in enumerate(texts[:3])).encode())

# read_semeval2025: annotations, then \0 name \0 content per document.
en = os.path.join(ROOT, "tests/data/semeval2025/EN")
lines = open(os.path.join(en, "subtask-2-annotations.txt"), "rb").read().splitlines()
for n in (1, 3):
    data = b"\n".join(lines[:n])
    for line in lines[:n]:
        doc_id = line.split(b"\t")[0]
        doc = open(os.path.join(en, "raw-documents", doc_id.decode() + ".txt"), "rb").read()[:400]
        data += b"\0" + doc_id + b"\0" + doc
    put("read_semeval2025", data)

# classify: short texts (the model runs on every input).
for t in snippets + [t[:500] for t in texts[:4]]:
    put("classify", t)
