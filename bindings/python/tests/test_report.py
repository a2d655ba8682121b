"""framelens.report against `report --corpus`: the same overview page, byte for byte."""

from __future__ import annotations

import json
import subprocess

import pandas as pd
import pytest

import framelens
from conftest import REPO, SAMPLES

TITLE = "Five samples"
TEXTS = [p.read_text(encoding="utf-8") for p in SAMPLES] + ["   "]  # the blank text fails
IDS = [f"doc-{i + 1}" for i in range(len(TEXTS))]
META = pd.DataFrame({
    "id": ["doc-1", "doc-2", "doc-4", "doc-6"],
    "title": ["Sanctions <b>bite</b>", "Climate talks", "Budget row", "Empty"],
    "source": ["Outlet A", "Outlet B", "Outlet A", "Outlet C"],
    "date": ["2024-01-05", "2024-02-11", "2024-03-20", "2024-03-21"],
})


@pytest.fixture(scope="module")
def expected(example, tmp_path_factory):
    """The page `report --corpus` writes for `batch`'s output of TEXTS, with META as CSV."""
    d = tmp_path_factory.mktemp("cli")
    inp, out = d / "in.jsonl", d / "out.jsonl"
    with inp.open("w", encoding="utf-8") as f:
        for id_, t in zip(IDS, TEXTS):
            f.write(json.dumps({"id": id_, "text": t}, ensure_ascii=False) + "\n")
    # All sentence scores kept, as classify_batch keeps them (the views draw them).
    r = subprocess.run([str(example("batch")), str(inp), "--quiet", "--taxonomy", "media-frames", "--output", str(out),
                        "--sentence-scores", "all"], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 2, r.stderr
    META.to_csv(d / "meta.csv", index=False)
    page = d / "overview.html"
    r = subprocess.run([str(example("report")), "--corpus", str(out), "--metadata", str(d / "meta.csv"),
                        "--title", TITLE, "--output", str(page)], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    html = page.read_bytes()
    assert b"Outlet B" in html and b"Sanctions &lt;b&gt;bite" in html  # the metadata reached the page, escaped
    return out, html


def _data(page: bytes) -> str:
    html = page.decode("utf-8")
    start = html.index('<script type="application/json"')
    return html[start:html.index("</script>", start)]


def _check(page_path, written, expected_page):
    got = page_path.read_bytes()
    assert written == {"bytes": len(got), "view_files": 0}
    assert _data(got) == _data(expected_page)  # the embedded data first, for a readable failure
    assert got == expected_page


def test_report_equals_report_corpus(classifier, expected, tmp_path):
    results = classifier.classify_batch(TEXTS)
    assert isinstance(results[-1], framelens.FramelensError)
    page = tmp_path / "overview.html"
    _check(page, framelens.report(results, page, META, title=TITLE), expected[1])


def test_report_metadata_forms_and_read_batch(classifier, expected, tmp_path):
    out, want = expected
    read = framelens.read_batch(out)
    assert list(read.ids) == IDS
    page = tmp_path / "overview.html"
    _check(page, framelens.report(read, page, META.set_index("id"), title=TITLE), want)
    as_dict = {r["id"]: {k: v for k, v in r.items() if k != "id"} for r in META.to_dict("records")}
    results = classifier.classify_batch(TEXTS)
    _check(page, framelens.report(results, page, as_dict, ids=IDS, title=TITLE), want)


def test_report_bad_metadata(classifier, tmp_path):
    results = classifier.classify_batch(TEXTS[:1])
    with pytest.raises(TypeError, match="DataFrame .* or a dict"):
        framelens.report(results, tmp_path / "o.html", [("doc-1", {"title": "x"})])
    with pytest.raises(TypeError, match="expected a dict of fields"):
        framelens.report(results, tmp_path / "o.html", {"doc-1": "x"})
    with pytest.raises(framelens.InvalidInputError, match="no `id` column"):
        framelens.report(results, tmp_path / "o.html", META.drop(columns="id"))
    assert not (tmp_path / "o.html").exists()
