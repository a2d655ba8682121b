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


@pytest.fixture(scope="module")
def narrated(narratives):
    """classify_batch's results on TEXTS with the narratives (the blank text failed)."""
    return narratives.classify_batch(TEXTS)


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


def _labels(a):
    """An analysis's decisions (Analysis, dict or JSON string), label by label."""
    d = a.to_dict() if isinstance(a, framelens.Analysis) else json.loads(a) if isinstance(a, str) else a
    return [(l["label"], l["score"], l["evidence"]) for l in d["labels"]], [
        (l["label"], l["score"], l["evidence"]) for l in d.get("coarse") or []
    ]


def test_adapt_equals_classify_batch_adapt_and_batch_redecide(narratives, narrated, example, tmp_path):
    # The saved batch output (all sentence scores kept, as above), re-decided by batch itself.
    records, _ = _batch(example, tmp_path, NARRATIVES, "--sentence-scores", "all")
    redecided = tmp_path / "redecided.jsonl"
    r = subprocess.run(
        [str(example("batch")), "--redecide", str(tmp_path / "out.jsonl"), "--taxonomy", NARRATIVES, "--adapt",
         "--output", str(redecided)],
        cwd=REPO, capture_output=True, text=True,
    )
    assert r.returncode == 2, r.stderr  # the blank text's error record is kept (and counted)
    want = [json.loads(line) for line in redecided.read_text(encoding="utf-8").splitlines()]
    assert [w["id"] for w in want] == [rec["id"] for rec in records]

    plain = narrated
    adapted = framelens.adapt(plain)
    in_one_go = narratives.classify_batch(TEXTS, adapt=True)
    assert len(adapted) == len(plain) == len(want)
    assert adapted[-2] is plain[-2] and isinstance(adapted[-2], framelens.InvalidInputError)  # passed through
    changed = 0
    for a, p, b, w in zip(adapted, plain, in_one_go, want):
        if "error" in w:
            continue
        assert isinstance(a, framelens.Analysis)
        assert _labels(a) == _labels(b) == _labels(w["analysis"])
        assert a == b  # the whole analysis, offsets included
        assert a.to_dict()["basis"]["rule"] == "adapted"
        changed += _labels(a) != _labels(p)
    assert changed > 0  # re-decided, not a no-op

    # The saved output's analyses, as dicts and as JSON strings (the Spark
    # job's column), errors as None: the same kinds back, equal to batch's.
    saved = [rec.get("analysis") for rec in records]
    as_dicts = framelens.adapt(saved, taxonomy=NARRATIVES)
    as_json = framelens.adapt([json.dumps(s) if s is not None else None for s in saved])
    for d, s, w in zip(as_dicts, as_json, want):
        if "error" in w:
            assert d is None and s is None
            continue
        assert isinstance(d, dict) and isinstance(s, str)
        assert d == w["analysis"]
        assert json.loads(s) == w["analysis"]
    # A mix of kinds in one list: each comes back as it came in.
    mixed = [plain[0], plain[1].to_dict(), plain[2].to_json(), *plain[3:]]
    back = framelens.adapt(mixed)
    assert isinstance(back[0], framelens.Analysis) and back[0] == adapted[0]
    assert back[1] == adapted[1].to_dict()
    assert back[2] == adapted[2].to_json()
    assert plain[0].to_dict()["basis"]["rule"] != "adapted"  # the input is left as it was


def test_adapt_bad_input(classifier, narratives):
    with pytest.raises(framelens.InvalidInputError, match="no classified documents"):
        framelens.adapt([])
    with pytest.raises(framelens.InvalidInputError, match="no classified documents"):
        framelens.adapt(classifier.classify_batch(["", "   "]))
    with pytest.raises(framelens.InvalidInputError, match="result 1: expected a framelens.Analysis"):
        framelens.adapt([None, 42])
    with pytest.raises(framelens.InvalidInputError, match="result 1: not an analysis"):
        framelens.adapt([None, "{not json"])
    with pytest.raises(TypeError, match="not a str"):
        framelens.adapt("{}")
    n = narratives.classify_batch(TEXTS[:3])
    f = classifier.classify("NATO moved two brigades east.")
    with pytest.raises(
        framelens.InvalidInputError,
        match="result 3 was classified with taxonomy `media-frames`, not `semeval2025-narratives`",
    ):
        framelens.adapt([*n, f.to_dict()])
    with pytest.raises(framelens.InvalidInputError, match="result 1 was classified with taxonomy `semeval2025"):
        framelens.adapt([f, n[0]])
    with pytest.raises(framelens.InvalidInputError, match="two-level taxonomies only"):
        framelens.adapt([f, None])
    with pytest.raises(framelens.InvalidSettingError, match="not a built-in taxonomy"):
        framelens.adapt([dict(f.to_dict(), taxonomy="mine")])


def test_adaptation_fit_then_apply_equals_adapt(narrated):
    want = framelens.adapt(narrated)
    fitted = framelens.Adaptation.fit(narrated)
    assert [fitted.apply(r) for r in narrated] == want  # the failed document comes back as it is
    shipped = framelens.Adaptation.from_json(fitted.to_json())
    assert shipped.to_json() == fitted.to_json()
    for r, w in zip(narrated, want):
        if isinstance(r, framelens.Analysis):
            assert shipped.apply(r.to_json()) == w.to_json()
            assert shipped.apply(r.to_dict()) == w.to_dict()
    assert shipped.apply(None) is None
    # Fitted on JSON strings, or on analyses without their sentences (what the
    # Spark job's driver collects): the same adaptation.
    ok = [r for r in narrated if isinstance(r, framelens.Analysis)]
    assert framelens.Adaptation.fit([r.to_json() for r in ok]).to_json() == fitted.to_json()
    assert framelens.Adaptation.fit([dict(r.to_dict(), sentences=[]) for r in ok]).to_json() == fitted.to_json()


def test_adaptation_bad_input(classifier, narrated):
    with pytest.raises(framelens.InvalidInputError, match="no classified documents"):
        framelens.Adaptation.fit([None])
    with pytest.raises(framelens.InvalidInputError, match="result 1: expected a framelens.Analysis"):
        framelens.Adaptation.fit([narrated[0], 3.5])
    f = classifier.classify("NATO moved two brigades east.")
    with pytest.raises(framelens.InvalidInputError, match="two-level taxonomies only"):
        framelens.Adaptation.fit([f])
    with pytest.raises(framelens.InvalidInputError, match="result 2 was classified with taxonomy `media-frames`"):
        framelens.Adaptation.fit([narrated[0], None, f])
    fitted = framelens.Adaptation.fit(narrated)
    with pytest.raises(framelens.InvalidInputError, match="classified with taxonomy `media-frames`, not `semeval2025"):
        fitted.apply(f.to_json())
    with pytest.raises(framelens.InvalidInputError, match="not an analysis"):
        fitted.apply("{not json")
    with pytest.raises(framelens.InvalidInputError, match="not an adaptation's JSON"):
        framelens.Adaptation.from_json('{"no": "adaptation"}')
