"""train / evaluate from Python against the `train` / `evaluate` binaries."""

from __future__ import annotations

import json

import pytest

import framelens
from conftest import REPO, run_example

SEMEVAL2023 = REPO / "tests" / "data" / "semeval2023" / "en"
SEMEVAL2025 = REPO / "tests" / "data" / "semeval2025" / "EN"


def assert_same_scores(py: dict, rust: dict) -> None:
    assert py.keys() == rust.keys()
    for key in ("corpus", "taxonomy", "scorer", "documents"):
        assert py[key] == rust[key], key
    for key in ("f1_samples_coarse", "f1_samples_fine", "top1_accuracy"):
        if key in rust:
            assert py[key] == pytest.approx(rust[key], abs=1e-12), key
    assert json.dumps(py["report"], sort_keys=True) == json.dumps(rust["report"], sort_keys=True)


def test_evaluate_equals_the_binary_zero_shot(models, example):
    rust = json.loads(run_example(example("evaluate"), "--semeval2025", str(SEMEVAL2025), "--models", str(models), "--json"))
    py = framelens.evaluate(semeval2025=SEMEVAL2025, models_dir=models)
    assert py["taxonomy"] == "semeval2025-narratives" and py["documents"] == 60
    assert_same_scores(py, rust)


def test_head_trained_and_loaded_from_python(models, example, tmp_path):
    # Train on half of the SemEval-2023 fixture, as the binary does with the same options.
    out = tmp_path / "py-head.json"
    head = framelens.train(semeval2023=SEMEVAL2023, exclude_fold="0/2", out=out, models_dir=models)
    assert isinstance(head, framelens.Head)
    assert head.taxonomy == "media-frames" and head.documents == 24 and head.units > head.documents
    assert len(head.labels) == len(head.thresholds) == 14
    rust_out = tmp_path / "rust-head.json"
    run_example(example("train"), "--semeval2023", str(SEMEVAL2023), "--exclude-fold", "0/2",
                "--models", str(models), "--out", str(rust_out), "--kind", "head", "--quiet")
    assert json.loads(out.read_text()) == json.loads(rust_out.read_text())
    assert json.loads(head.to_json()) == json.loads(out.read_text())

    # Loaded back, from its file or as the object, it classifies with the head.
    loaded = framelens.Head.load(out)
    assert loaded.to_json() == head.to_json()
    text = (SEMEVAL2023 / "train-articles-subtask-2").glob("*.txt").__next__().read_text(encoding="utf-8")
    by_path = framelens.Classifier(models_dir=models, head=out).classify(text)
    by_object = framelens.Classifier(models_dir=models, head=head).classify(text)
    assert by_path.scorer == "head:py-head.json" and by_object.scorer == "head"
    assert by_path.labels == by_object.labels
    assert by_path.document_scores == by_object.document_scores

    # Evaluated on the held-out fold: the binary's figures.
    rust = json.loads(run_example(example("evaluate"), "--semeval2023", str(SEMEVAL2023), "--fold", "0/2",
                                  "--head", str(rust_out), "--models", str(models), "--json"))
    py = framelens.evaluate(semeval2023=SEMEVAL2023, fold="0/2", head=rust_out, models_dir=models)
    assert_same_scores(py, rust)
    predictions = tmp_path / "predictions.txt"
    framelens.evaluate(semeval2023=SEMEVAL2023, fold="0/2", head=head, models_dir=models, predictions=predictions)
    assert len(predictions.read_text().splitlines()) == py["documents"]


def test_a_head_for_another_taxonomy_is_refused(models, tmp_path):
    head = framelens.train(semeval2023=SEMEVAL2023, exclude_fold="0/2", models_dir=models, epochs=20, folds=2)
    with pytest.raises(framelens.HeadMismatchError):
        framelens.Classifier("persuasion-techniques", models_dir=models, head=head)


def test_calibration_from_a_few_labels(models):
    # The binary's --kind: a calibration of the zero-shot scores, scored as probabilities.
    head = framelens.train(semeval2023=SEMEVAL2023, exclude_fold="0/2", models_dir=models, kind="calibration")
    assert isinstance(head, framelens.Head) and head.documents == 24
    assert json.loads(head.to_json())["kind"] == "calibration"
    # auto: a head or a calibration, or None when neither beats zero-shot out of fold.
    auto = framelens.train(semeval2023=SEMEVAL2023, exclude_fold="0/2", models_dir=models, kind="auto")
    assert auto is None or json.loads(auto.to_json())["kind"] in ("head", "calibration")


SEMEVAL2025_ALL = [REPO / "tests" / "data" / "semeval2025" / lang for lang in ("EN", "RU", "BG", "PT", "HI")]


def test_a_multilingual_heads_file_from_the_binary_is_used_from_python(models, example, tmp_path):
    # The binary trains one head per encoder on five language folders...
    heads = tmp_path / "heads.json"
    folders = [arg for folder in SEMEVAL2025_ALL for arg in ("--semeval2025", str(folder))]
    run_example(example("train"), *folders, "--kind", "head", "--epochs", "40", "--folds", "2", "--models", str(models),
                "--out", str(heads), "--quiet")
    assert json.loads(heads.read_text())["format"] == "framelens-heads"
    # ...which Python loads in one call, as a path or as a HeadSet.
    loaded = framelens.HeadSet.load(heads)
    assert len(loaded) == 2 and loaded.encoders[1] == "onnx:multilingual-e5-small-q4"
    assert loaded.taxonomy == "semeval2025-narratives"
    russian = (SEMEVAL2025_ALL[1] / "raw-documents").glob("*.txt").__next__().read_text(encoding="utf-8")
    by_path = framelens.Classifier("semeval2025-narratives", models_dir=models, head=heads)
    by_set = framelens.Classifier("semeval2025-narratives", models_dir=models, head=loaded)
    a, b = by_path.classify(russian), by_set.classify(russian)
    assert a.encoder == "onnx:multilingual-e5-small-q4" and a.scorer == "head:heads.json"
    assert a.labels == b.labels and a.document_scores == b.document_scores
    # The single-head loader says what the file is, in words, not in Rust API names.
    with pytest.raises(framelens.DataError) as e:
        framelens.Head.load(heads)
    assert "head set" in str(e.value) and "::" not in str(e.value)

    # Python evaluate with that file equals the binary's --json, field by field, by_language too.
    rust = json.loads(run_example(example("evaluate"), *folders, "--head", str(heads), "--models", str(models), "--json"))
    py = framelens.evaluate(semeval2025=SEMEVAL2025_ALL, head=heads, models_dir=models)
    assert_same_scores(py, rust)
    assert py["encoders"] == rust["encoders"] and len(py["encoders"]) == 2
    assert py.keys() == rust.keys() and set(py["by_language"]) == {"bg", "en", "hi", "pt", "ru"}
    for language, scores in rust["by_language"].items():
        assert py["by_language"][language].keys() == scores.keys()
        for key, value in scores.items():
            assert py["by_language"][language][key] == pytest.approx(value, abs=1e-12), (language, key)


def test_python_trains_routed_heads_as_the_binary_does(models, example, tmp_path):
    out = tmp_path / "py-heads.json"
    trained = framelens.train(semeval2025=SEMEVAL2025_ALL, epochs=40, folds=2, models_dir=models, out=out)
    assert isinstance(trained, framelens.HeadSet) and len(trained) == 2
    rust_out = tmp_path / "rust-heads.json"
    folders = [arg for folder in SEMEVAL2025_ALL for arg in ("--semeval2025", str(folder))]
    run_example(example("train"), *folders, "--kind", "head", "--epochs", "40", "--folds", "2", "--models", str(models),
                "--out", str(rust_out), "--quiet")
    assert json.loads(out.read_text()) == json.loads(rust_out.read_text())


def test_decode_text_follows_the_library_rules():
    assert framelens.decode_text(b"\xef\xbb\xbfHello.") == "Hello."
    with pytest.raises(framelens.DataError) as e:
        framelens.decode_text(b"ok\nbad \xff", "/c/x.txt")
    assert str(e.value) == "/c/x.txt:2: not valid UTF-8 (byte offset 7); save the file as UTF-8"
    assert e.value.line == 2
    with pytest.raises(framelens.InvalidInputError, match=r"line 1, byte offset 1"):
        framelens.decode_text(b"a\xc3")
