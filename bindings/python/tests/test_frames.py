"""Many results as a pandas DataFrame or a pyarrow Table."""

from __future__ import annotations

import json

import pytest

import framelens

TEXTS = [
    "Sanctions have cost Europe billions. NATO moved troops east.",
    "",
    "Москва заявила, что санкции провалились. Цены на газ выросли вдвое!",
    "The new tax will hurt farmers and raise food prices. Families are struggling to pay their bills.",
]


@pytest.fixture(scope="module")
def results(classifier):
    return classifier.classify_batch(TEXTS)


def test_pandas_one_row_per_document(results):
    pd = pytest.importorskip("pandas")
    df = framelens.to_pandas(results, ids=["a", "b", "c", "d"])
    assert isinstance(df, pd.DataFrame) and list(df["id"]) == ["a", "b", "c", "d"]
    assert df.loc[1, "error"] is not None and "empty" in df.loc[1, "error"]
    assert df["error"].isna().sum() == 3
    row = df.loc[0]
    assert list(row["labels"]) == [l.label for l in results[0].labels]
    assert json.loads(row["analysis"]) == results[0].to_dict()
    assert row["sentences"] == len(results[0].sentences)


def test_pandas_one_row_per_label(results):
    pytest.importorskip("pandas")
    df = framelens.to_pandas(results, per="label")
    expected = sum(len(r.labels) for r in results if isinstance(r, framelens.Analysis))
    assert len(df) == expected
    first = df[df["id"] == 0].iloc[0]
    label = results[0].labels[0]
    assert (first["label"], first["rank"], first["level"]) == (label.label, 0, "fine")
    assert first["score"] == pytest.approx(label.score)
    assert list(first["evidence"]) == label.evidence
    assert list(first["evidence_text"]) == [results[0].sentences[i].text for i in label.evidence]
    ru = df[df["id"] == 2].iloc[0]
    for start, end, text in zip(ru["evidence_start"], ru["evidence_end"], ru["evidence_text"]):
        assert TEXTS[2][start:end] == text


def test_arrow_tables(results):
    pa = pytest.importorskip("pyarrow")
    t = framelens.to_arrow(results, per="document")
    assert isinstance(t, pa.Table) and t.num_rows == 4
    assert t.schema.field("labels").type == pa.list_(pa.string())
    assert t.column("error").null_count == 3
    long = framelens.to_arrow(results, ids=["a", "b", "c", "d"], per="label")
    assert long.num_rows == sum(len(r.labels) for r in results if isinstance(r, framelens.Analysis))
    assert set(long.column("id").to_pylist()) == {"a", "c", "d"}
    with pytest.raises(ValueError):
        framelens.to_arrow(results, per="sentence")
    with pytest.raises(ValueError):
        framelens.to_pandas(results, ids=[1, 2])
