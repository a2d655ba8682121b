"""What `batch` writes, read back: read_batch, ids, metadata and the wide score table."""

from __future__ import annotations

import csv
import json
import math

import pytest

import framelens
from conftest import REPO, SAMPLES, run_example

TEXTS = [p.read_text(encoding="utf-8") for p in SAMPLES[:3]] + ["  ", "Москва заявила, что санкции провалились."]
IDS = ["a", "b", "c", "blank", "ru"]
META = [
    {"title": "First", "date": "2024-01-02", "source": "wire", "tags": ["x", 1]},
    {"title": "Second", "language": "en"},
    {},
    {"title": "Empty"},
    {"url": "https://example.org/ru", "title": "Русский"},
]


@pytest.fixture(scope="module")
def batch_file(tmp_path_factory, example):
    d = tmp_path_factory.mktemp("batch")
    inp = d / "in.jsonl"
    with inp.open("w", encoding="utf-8") as f:
        for id_, text, meta in zip(IDS, TEXTS, META):
            f.write(json.dumps({"id": id_, "text": text, **meta}, ensure_ascii=False) + "\n")
    out = d / "out.jsonl"
    import subprocess

    r = subprocess.run([str(example("batch")), str(inp), "--quiet", "--output", str(out)], cwd=REPO,
                       capture_output=True, text=True)
    assert r.returncode == 2, r.stderr  # the blank text fails
    table = d / "out.csv"
    run_csv = subprocess.run([str(example("batch")), str(inp), "--quiet", "--format", "csv", "--output", str(table)],
                             cwd=REPO, capture_output=True, text=True)
    assert run_csv.returncode == 2, run_csv.stderr
    return out, table


@pytest.fixture(scope="module")
def direct(classifier):
    return classifier.classify_batch(TEXTS, ids=IDS)


def test_read_batch_gives_classify_batch_results(batch_file, direct):
    read = framelens.read_batch(batch_file[0])
    assert isinstance(read, framelens.BatchResults) and isinstance(read, list)
    assert read.ids == IDS == direct.ids
    assert read.metadata == META
    for r, d in zip(read, direct):
        assert type(r) is framelens.Analysis or isinstance(r, framelens.FramelensError)
        if isinstance(d, BaseException):
            assert isinstance(r, framelens.FramelensError) and str(r) == str(d)
            continue
        assert r.label_names() == d.label_names()
        for label, score in d.document_scores.items():
            assert r.document_scores[label] == pytest.approx(score, abs=1e-6)
        # Byte offsets exact; character offsets exact here (ASCII gaps).
        for s, t in zip(r.sentences, d.sentences):
            assert (s.byte_start, s.byte_end, s.start, s.end, s.text) == (t.byte_start, t.byte_end, t.start, t.end, t.text)


def test_tables_from_a_file_equal_tables_from_a_run(batch_file, direct):
    pd = pytest.importorskip("pandas")
    read = framelens.read_batch(batch_file[0])
    df = framelens.to_pandas(read)
    assert list(df["id"]) == IDS
    # Metadata columns after id (keys sorted, as batch writes them); `language` clashes with a result column.
    assert list(df.columns[:6]) == ["id", "date", "source", "tags", "title", "metadata_language"]
    assert df.loc[0, "tags"] == ["x", 1] and df.loc[1, "metadata_language"] == "en"
    assert "empty" in df.loc[3, "error"]
    ref = framelens.to_pandas(direct)
    assert [list(x) for x in df["labels"]] == [list(x) for x in ref["labels"]]
    long = framelens.to_pandas(read, per="label")
    assert len(long) == len(framelens.to_pandas(direct, per="label"))
    pa = pytest.importorskip("pyarrow")
    assert isinstance(framelens.to_arrow(read, per="score"), pa.Table)


def test_the_wide_score_table(batch_file, direct, classifier):
    pytest.importorskip("pandas")
    wide = framelens.to_pandas(direct, per="score")
    categories = classifier.taxonomy.labels
    assert list(wide.columns) == ["id", "error", "labels"] + categories
    for i, r in enumerate(direct):
        if isinstance(r, BaseException):
            assert all(math.isnan(wide.loc[i, c]) for c in categories)
        else:
            assert [wide.loc[i, c] for c in categories] == [r.document_scores[c] for c in categories]
    # batch --format csv: the same table (labels joined by "; ", metadata as JSON).
    with open(batch_file[1], newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == IDS
    for row, (i, r) in zip(rows, enumerate(direct)):
        assert json.loads(row["metadata"]) == META[i] if META[i] else row["metadata"] == ""
        if isinstance(r, BaseException):
            assert row["error"] and all(row[c] == "" for c in categories)
            continue
        assert row["labels"].split("; ") == r.label_names()
        assert [float(row[c]) for c in categories] == pytest.approx([wide.loc[i, c] for c in categories], abs=1e-6)


def test_parsed_lines_and_bad_input(batch_file):
    pytest.importorskip("pandas")
    with open(batch_file[0], encoding="utf-8") as f:
        lines = [json.loads(l) for l in f]
    df = framelens.to_pandas(lines)
    assert df["error"].notna().sum() == 1
    assert list(df["labels"][0]) == [l["label"] for l in lines[0]["analysis"]["labels"]]
    with pytest.raises(TypeError, match="read_batch"):
        framelens.to_pandas([{"id": "x", "text": "not a result"}])


def test_ids_and_errors(classifier, tmp_path):
    with pytest.raises(ValueError, match="2 ids for 1 texts"):
        classifier.classify_batch(["one text"], ids=["a", "b"])
    plain = classifier.classify_batch(["NATO moved troops east."])
    assert type(plain) is list
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "error": "x"}\nnot json\n', encoding="utf-8")
    with pytest.raises(framelens.DataError, match=r"bad.jsonl:2"):
        framelens.read_batch(bad)
    old = tmp_path / "old.jsonl"
    old.write_text('{"id": "a", "error": "x"}\n', encoding="utf-8")
    read = framelens.read_batch(old)
    assert read.ids == ["a"] and read.metadata == [{}] and isinstance(read[0], framelens.FramelensError)
