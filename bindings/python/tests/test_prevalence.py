"""framelens.prevalence and classify_batch(adapt=True) against `batch --summary` and `batch --adapt`.

Smoke tests on the example articles and their paragraphs (written here): they
check that Python and `batch` give the same summary and decisions, not that
the estimates are accurate (docs/accuracy.md measures that on real text).
"""

from __future__ import annotations

import json
import subprocess

import pytest

import framelens
from conftest import REPO, SAMPLES

NARRATIVES = "semeval2025-narratives"


def _documents():
    texts = [p.read_text(encoding="utf-8") for p in SAMPLES]
    for t in list(texts):
        texts.extend(p for p in t.split("\n\n") if len(p) > 300)
    return texts[:24] + ["   ", "Москва заявила, что западные санкции провалились и что Европа замерзнет этой зимой."]


TEXTS = _documents()


def _batch(example, tmp_path, taxonomy, *flags):
    inp = tmp_path / "in.jsonl"
    with inp.open("w", encoding="utf-8") as f:
        for i, t in enumerate(TEXTS):
            f.write(json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False) + "\n")
    out, summary = tmp_path / "out.jsonl", tmp_path / "summary.json"
    r = subprocess.run(
        [str(example("batch")), str(inp), "--quiet", "--taxonomy", taxonomy, "--output", str(out),
         "--summary", str(summary), *flags],
        cwd=REPO, capture_output=True, text=True,
    )
    assert r.returncode == 2, r.stderr  # the blank text fails
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return records, json.loads(summary.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def narratives(models):
    return framelens.Classifier(NARRATIVES, models_dir=models)


@pytest.mark.parametrize("taxonomy", ["media-frames", NARRATIVES])
def test_prevalence_equals_batch_summary(taxonomy, models, example, tmp_path):
    assert len(TEXTS) > framelens_min_documents()
    _, expected = _batch(example, tmp_path, taxonomy)
    results = framelens.Classifier(taxonomy, models_dir=models).classify_batch(TEXTS)
    assert isinstance(results[-2], framelens.InvalidInputError)
    got = framelens.prevalence(results)
    assert got == expected
    assert got["documents"] == len(TEXTS) - 1
    # The Spark job's `analysis` column (JSON strings, None for failures) and to_dict() give the same.
    as_json = [r.to_json() if isinstance(r, framelens.Analysis) else None for r in results]
    assert framelens.prevalence(as_json) == expected
    assert framelens.prevalence([r for r in results if isinstance(r, framelens.Analysis)],
                                taxonomy=framelens.Taxonomy(taxonomy)) == expected
    frame = framelens.prevalence_frame(got)
    whole = frame[frame["language"] == "all"] if "language" in frame.columns else frame
    assert list(whole["label"]) == list(expected["prevalence"])
    assert list(whole["estimate"]) == [e["estimate"] for e in expected["prevalence"].values()]
    if expected.get("by_language"):
        assert set(frame["language"]) == {"all", *expected["by_language"]}


def framelens_min_documents():
    return 10  # framelens::corpus::MIN_DOCUMENTS: fewer give "not enough documents"


def test_adapt_equals_batch_adapt(narratives, example, tmp_path):
    # All sentence scores kept: batch picks the adapted labels' evidence from
    # the scores it wrote (with the default 5 per sentence, an evidence
    # sentence may differ; labels and scores do not).
    records, _ = _batch(example, tmp_path, NARRATIVES, "--adapt", "--sentence-scores", "all")
    adapted = narratives.classify_batch(TEXTS, adapt=True)
    plain = narratives.classify_batch(TEXTS)
    assert len(records) == len(adapted)
    for rec, a in zip(records, adapted):
        if "error" in rec:
            assert isinstance(a, framelens.FramelensError)
            continue
        assert a.to_dict()["labels"] == rec["analysis"]["labels"]
        assert a.to_dict().get("coarse") == rec["analysis"].get("coarse")
    changed = sum(a.to_dict() != p.to_dict() for a, p in zip(adapted, plain) if isinstance(a, framelens.Analysis))
    assert changed > 0  # adapt re-decided (labels' scores become posteriors), not a no-op


def test_adapt_refuses_flat_taxonomy(classifier):
    with pytest.raises(framelens.InvalidInputError, match="two-level taxonomies only"):
        classifier.classify_batch(["NATO moved two brigades east."], adapt=True)


def test_prevalence_bad_input(classifier):
    with pytest.raises(framelens.InvalidInputError, match="no classified documents"):
        framelens.prevalence([])
    failed = classifier.classify_batch(["", "   "])
    with pytest.raises(framelens.InvalidInputError, match="no classified documents"):
        framelens.prevalence(failed)
    with pytest.raises(framelens.InvalidInputError, match="result 0"):
        framelens.prevalence([42])
    with pytest.raises(framelens.InvalidInputError, match="result 1: not an analysis"):
        framelens.prevalence([None, "{not json"])
    with pytest.raises(framelens.InvalidSettingError, match="method"):
        framelens.prevalence([], method="median")
    a = classifier.classify("NATO moved two brigades east.")
    with pytest.raises(framelens.InvalidInputError, match="taxonomy `media-frames`, not `semeval2025-narratives`"):
        framelens.prevalence([a], taxonomy=NARRATIVES)
