"""Results against the Rust `classify --json`, batches with bad documents, offsets."""

from __future__ import annotations

import json
import pickle

import pytest

import framelens
from conftest import SAMPLES, run_example


def assert_same_analysis(py: dict, rust: dict) -> None:
    """Labels, evidence and offsets exact; scores within 1e-6."""
    assert py["taxonomy"] == rust["taxonomy"]
    assert py["encoder"] == rust["encoder"]
    assert py.get("language") == rust.get("language")
    assert py.get("domain") == rust.get("domain")
    for key in ("labels", "coarse"):
        a, b = py.get(key) or [], rust.get(key) or []
        assert [(l["label"], l["evidence"]) for l in a] == [(l["label"], l["evidence"]) for l in b], key
        for x, y in zip(a, b):
            assert x["score"] == pytest.approx(y["score"], abs=1e-6)
    assert [s["label"] for s in py["document_scores"]] == [s["label"] for s in rust["document_scores"]]
    for x, y in zip(py["document_scores"], rust["document_scores"]):
        assert x["score"] == pytest.approx(y["score"], abs=1e-6)
    assert len(py["sentences"]) == len(rust["sentences"])
    for s, t in zip(py["sentences"], rust["sentences"]):
        assert (s["start"], s["end"], s["text"], s["tokens"], s["windows"]) == (
            t["start"], t["end"], t["text"], t["tokens"], t["windows"])
        for x, y in zip(s["scores"], t["scores"]):
            assert x["label"] == y["label"]
            assert x["score"] == pytest.approx(y["score"], abs=1e-6)


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_classify_equals_the_rust_binary(classifier, models, example, path):
    rust = json.loads(run_example(example("classify"), "--json", "--models", str(models), str(path)))
    text = path.read_text(encoding="utf-8")
    analysis = classifier.classify(text)
    assert_same_analysis(analysis.to_dict(), rust)
    # The attributes say what the JSON says.
    assert [l.label for l in analysis.labels] == [l["label"] for l in rust["labels"]]
    assert [l.evidence for l in analysis.labels] == [l["evidence"] for l in rust["labels"]]
    assert list(analysis.document_scores) == [s["label"] for s in rust["document_scores"]]
    assert analysis.language.code == rust["language"]["code"]
    for s in analysis.sentences:
        assert text[s.start:s.end] == s.text
    # to_json is the same JSON, and classify --json's layout with pretty=True.
    assert json.loads(analysis.to_json()) == analysis.to_dict()
    assert json.loads(analysis.to_json(pretty=True)) == analysis.to_dict()


def test_batch_equals_one_by_one_and_the_binary(classifier, models, example):
    texts = [p.read_text(encoding="utf-8") for p in SAMPLES]
    results = classifier.classify_batch(texts)
    assert len(results) == len(texts)
    for r, t in zip(results, texts):
        assert isinstance(r, framelens.Analysis)
        assert r.to_dict() == classifier.classify(t).to_dict()
    # A small chunk size gives the same results (the default model's vectors do not depend on the batch).
    again = classifier.classify_batch(iter(texts), chunk_size=2)
    assert [a.to_dict() for a in again] == [a.to_dict() for a in results]


def test_a_bad_document_in_the_middle_does_not_sink_the_others(classifier):
    good = "Sanctions have cost Europe billions. NATO moved troops east."
    other = "The minister said the new tax would hurt farmers and raise food prices."
    texts = [good, "", None, "   \n\t ", 42, "bad \ud800 surrogate", other]
    results = classifier.classify_batch(texts)
    assert len(results) == len(texts)
    assert isinstance(results[0], framelens.Analysis) and isinstance(results[-1], framelens.Analysis)
    for i in range(1, 6):
        assert isinstance(results[i], framelens.InvalidInputError), (i, results[i])
        assert isinstance(results[i], framelens.FramelensError) and isinstance(results[i], ValueError)
    assert "empty" in str(results[1])
    assert "document 2" in str(results[2]) and "NoneType" in str(results[2])
    assert "int" in str(results[4])
    assert "UTF-8" in str(results[5])
    assert results[0].to_dict() == classifier.classify(good).to_dict()
    assert results[-1].to_dict() == classifier.classify(other).to_dict()
    # Too large for the classifier's limit: an error for that document only.
    assert classifier.classify_batch([]) == []


def test_too_large_document_gets_its_own_error(models):
    small = framelens.Classifier(models_dir=models, max_input_bytes=100)
    results = small.classify_batch(["A short text about tariffs.", "x " * 200, "Another short one about wars."])
    assert isinstance(results[0], framelens.Analysis) and isinstance(results[2], framelens.Analysis)
    assert isinstance(results[1], framelens.InvalidInputError) and "over the limit of 100 bytes" in str(results[1])


NON_ASCII = (
    "Москва заявила, что санкции провалились. Цены на газ выросли вдвое!\n\n"
    "भारत ने कहा कि युद्ध से सबको नुकसान होगा। किसानों की आय घटी है।\n\n"
    "Prices are up 😀🇺🇦 again — the minister blamed “foreign speculators”. "
    "Ça coûte cher; naïve façade. 👩‍👩‍👧 Families struggle.\n"
)


def test_character_offsets_slice_the_python_string(classifier):
    a = classifier.classify(NON_ASCII)
    data = NON_ASCII.encode("utf-8")
    assert len(a.sentences) >= 6
    for s, d in zip(a.sentences, a.to_dict()["sentences"]):
        assert NON_ASCII[s.start:s.end] == s.text
        assert data[s.byte_start:s.byte_end].decode("utf-8") == s.text
        assert (s.byte_start, s.byte_end) == (d["start"], d["end"])
    # The offsets differ where the text is not ASCII: the JSON has bytes, the attributes characters.
    assert any(s.byte_start != s.start for s in a.sentences)
    # Units: offsets into the whole text, the unit's sentences inside it.
    units = classifier.classify_units(NON_ASCII, unit="paragraph")
    assert len(units) == 3
    for u in units:
        assert NON_ASCII[u.start:u.end].strip() == NON_ASCII[u.start:u.end]
        assert data[u.byte_start:u.byte_end].decode("utf-8") == NON_ASCII[u.start:u.end]
        for s in u.analysis.sentences:
            assert u.start <= s.start < s.end <= u.end
            assert NON_ASCII[s.start:s.end] == s.text
        assert u.to_dict()["start"] == u.byte_start
    assert "Москва" in NON_ASCII[units[0].start:units[0].end]
    sentences = classifier.classify_units(NON_ASCII, unit="sentence")
    assert [u.start for u in sentences] == [s.start for s in a.sentences]
    document = classifier.classify_units(NON_ASCII, unit="document")
    assert len(document) == 1 and document[0].analysis.to_dict() == a.to_dict()


def test_language_and_attributes(classifier):
    a = classifier.classify("Sanctions have cost Europe billions. NATO moved troops east.")
    assert a.taxonomy == "media-frames" and a.scorer == "zero-shot"
    assert a.encoder == classifier.encoder
    assert a.coarse is None and a.domain is None
    assert a.language is None or a.language.code == "eng"
    scores = a.document_scores
    assert list(scores.values()) == sorted(scores.values(), reverse=True)
    assert set(scores) == set(classifier.taxonomy.labels)
    assert a.score_of(a.labels[0].label) == pytest.approx(scores[a.labels[0].label])
    # Under base rates a label shows the number its decision compared
    # (sigmoid of base-rate score minus cut): chosen ones at 0.5 or above.
    assert all(l.score >= 0.5 for l in a.labels)
    assert a.score_of("no such label") is None
    assert a.label_names() == [l.label for l in a.labels]
    assert a.labels[0].to_dict() == a.to_dict()["labels"][0]
    s = a.sentences[0]
    assert list(s.scores) == [x["label"] for x in a.to_dict()["sentences"][0]["scores"]]
    assert s.tokens > 0 and s.windows == 1


def test_pickle_round_trip(classifier):
    a = classifier.classify(NON_ASCII)
    b = pickle.loads(pickle.dumps(a))
    assert b == a and b.to_json() == a.to_json()
    assert [(s.start, s.end) for s in b.sentences] == [(s.start, s.end) for s in a.sentences]


def test_two_level_taxonomy(models):
    clf = framelens.Classifier("semeval2025-narratives", models_dir=models)
    text = (
        "The West is pushing Ukraine to fight to the last Ukrainian. NATO expansion provoked the war, "
        "and sanctions only hurt ordinary Europeans who now pay more for gas."
    )
    a = clf.classify(text)
    assert a.coarse is not None
    assert a.domain in {"URW", "CC", None}
    d = a.to_dict()
    assert [l.label for l in a.coarse] == [l["label"] for l in d["coarse"]]
    assert clf.taxonomy.is_hierarchical and "Other" in (clf.taxonomy.other_label or "Other")
    # domain_reason: why a document has no domain (in neither), as in the JSON (tests/stance.rs's text).
    assert a.domain_reason is None and "domain_reason" not in d
    shoes = clf.classify(
        "The new trail shoes have a wider toe box and a softer foam sole.\n"
        "They weigh 260 grams and come in five colours.\n"
        "The brand says the outsole lasts about 800 kilometres.\n"
        "Runners who tested them liked the grip on wet rock.\n"
        "A pair costs 140 euros in most shops."
    )
    assert shoes.domain is None and "none of the domains" in shoes.domain_reason
    assert shoes.domain_reason == shoes.to_dict()["domain_reason"]


def test_furniture_flag(classifier):
    a = classifier.classify(
        "Share this article\n\nNATO moved two brigades east on Monday, officials said. "
        "The deployment follows weeks of tension along the border.\n\nPhoto: Reuters"
    )
    flags = [s.furniture for s in a.sentences]
    assert flags == [s.get("furniture", False) for s in a.to_dict()["sentences"]]
    assert flags[0] and flags[-1] and not any(flags[1:-1])
    assert all(not a.sentences[i].furniture for l in a.labels for i in l.evidence)
