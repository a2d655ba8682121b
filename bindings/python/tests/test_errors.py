"""Errors: a Python exception per kind, with the library's message; never a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import framelens
from conftest import REPO


def test_missing_model_directory(tmp_path):
    missing = tmp_path / "no-models-here"
    with pytest.raises(framelens.ModelMissingError) as info:
        framelens.Classifier(models_dir=missing)
    e = info.value
    assert isinstance(e, framelens.FramelensError) and isinstance(e, FileNotFoundError)
    assert str(missing) in str(e) and "models/fetch" in str(e)
    assert e.path == str(missing)


def test_missing_model_file(tmp_path, models):
    # A models directory with the runtime but without the model.
    (tmp_path / "onnxruntime").symlink_to(models / "onnxruntime")
    with pytest.raises(framelens.ModelMissingError) as info:
        framelens.Classifier(models_dir=tmp_path, other_languages=None)
    assert "all-minilm-l6-v2-rowq8" in str(info.value)


def test_bad_taxonomy_file_names_the_file_and_the_problem(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "mine"\n[[categories]]\nid = "a"\nlabel = "A"\n', encoding="utf-8")
    with pytest.raises(framelens.TaxonomyError) as info:
        framelens.Taxonomy.from_file(bad)
    assert str(bad) in str(info.value)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(framelens.TaxonomyError) as info:
        framelens.Classifier(broken)
    assert str(broken) in str(info.value)
    with pytest.raises(framelens.TaxonomyError) as info:
        framelens.Taxonomy("no-such-taxonomy")
    assert "media-frames" in str(info.value)
    with pytest.raises(framelens.FramelensIOError):
        framelens.Taxonomy.from_file(tmp_path / "missing.toml")
    with pytest.raises(TypeError):
        framelens.Classifier(taxonomy=3.5)


def test_taxonomy_objects(tmp_path, models):
    t = framelens.Taxonomy("media-frames")
    assert t.name == "media-frames" and len(t) == len(t.labels) == 14
    again = framelens.Taxonomy.from_str(t.to_json(), format="json")
    assert again.labels == t.labels
    path = tmp_path / "frames.toml"
    path.write_text(t.to_toml(), encoding="utf-8")
    loaded = framelens.Taxonomy.from_file(path)
    assert loaded.labels == t.labels
    assert framelens.Classifier(loaded, models_dir=models).taxonomy.labels == t.labels
    n = framelens.Taxonomy.builtin("semeval2025-narratives")
    assert n.is_hierarchical and set(n.domains) == {"CC", "URW"} and n.coarse_labels
    with pytest.raises(framelens.InvalidSettingError):
        framelens.Taxonomy.from_str("", format="yaml")


def test_bad_input(classifier):
    for text in ("", "  \n "):
        with pytest.raises(framelens.InvalidInputError) as info:
            classifier.classify(text)
        assert "empty" in str(info.value)
    with pytest.raises(framelens.InvalidInputError):
        classifier.classify(None)
    with pytest.raises(framelens.InvalidInputError):
        classifier.classify(b"bytes are not text")
    with pytest.raises(framelens.InvalidInputError):
        classifier.classify("lone \udc80 surrogate")
    with pytest.raises(framelens.InvalidSettingError) as info:
        classifier.classify_units("Some text.", unit="chapter")
    assert "chapter" in str(info.value)
    with pytest.raises(TypeError):
        classifier.classify_batch(5)
    with pytest.raises(TypeError):
        classifier.classify_batch("one text, not a list of texts")


def test_bad_settings(models):
    with pytest.raises(framelens.InvalidSettingError) as info:
        framelens.Classifier(models_dir=models, threshold=2.0)
    assert "threshold" in str(info.value)
    with pytest.raises(framelens.InvalidSettingError) as info:
        framelens.Classifier(models_dir=models, model="fp16")
    assert "fp16" in str(info.value)
    with pytest.raises(framelens.InvalidSettingError):
        framelens.Classifier(models_dir=models, backend="tensorflow")
    with pytest.raises(framelens.InvalidSettingError):
        framelens.Classifier(models_dir=models, threads=0)
    with pytest.raises(framelens.FramelensIOError):
        framelens.Classifier(models_dir=models, head="/no/such/head.json")


def test_data_errors_name_file_and_line(models):
    bad = REPO / "tests" / "data" / "bad" / "jsonl"
    with pytest.raises(framelens.UnknownLabelError) as info:
        framelens.evaluate(jsonl=bad / "unknown-label.jsonl", taxonomy="media-frames", models_dir=models)
    e = info.value
    assert isinstance(e, framelens.DataError)
    assert e.path == str(bad / "unknown-label.jsonl") and e.line is not None and e.label
    with pytest.raises(framelens.DataError) as info:
        framelens.evaluate(jsonl=bad / "malformed.jsonl", taxonomy="media-frames", models_dir=models)
    assert info.value.path == str(bad / "malformed.jsonl") and info.value.line is not None
    with pytest.raises(framelens.InvalidInputError):
        framelens.evaluate(models_dir=models)  # no corpus
    with pytest.raises(framelens.InvalidSettingError):
        framelens.evaluate(jsonl=bad / "malformed.jsonl", fold="1", models_dir=models)


def test_missing_runtime_library_is_an_exception_not_a_crash(models, tmp_path):
    # ONNX Runtime is loaded once per process: check a bad ORT_DYLIB_PATH in a fresh interpreter.
    fake = tmp_path / "libonnxruntime.so"
    fake.write_bytes(b"not a shared library")
    code = (
        "import framelens, sys\n"
        "try:\n"
        f"    framelens.Classifier(models_dir={str(models)!r})\n"
        "except framelens.RuntimeLibraryError as e:\n"
        "    print('RuntimeLibraryError', e.path); sys.exit(0)\n"
        "sys.exit(3)\n"
    )
    env = dict(os.environ, ORT_DYLIB_PATH=str(fake))
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert str(fake) in r.stdout


def test_onnxruntime_library_is_found_like_rust(models, monkeypatch):
    monkeypatch.delenv("ORT_DYLIB_PATH", raising=False)
    assert framelens.onnxruntime_library(models) == Path(models) / "onnxruntime" / "libonnxruntime.so"
    monkeypatch.setenv("FRAMELENS_MODELS", "/somewhere")
    assert framelens.resolve_models_dir() == Path("/somewhere")
    assert framelens.onnxruntime_library() == Path("/somewhere/onnxruntime/libonnxruntime.so")
    monkeypatch.delenv("FRAMELENS_MODELS")
    assert framelens.resolve_models_dir() == Path("models")
    monkeypatch.setenv("ORT_DYLIB_PATH", "/opt/ort.so")
    assert framelens.onnxruntime_library(models) == Path("/opt/ort.so")


def test_fetch_models_runs_the_repository_script(tmp_path, monkeypatch):
    script = framelens.find_fetch_script()
    assert script == (REPO / "models" / "fetch").resolve()
    with pytest.raises(framelens.ModelMissingError) as info:
        monkeypatch.setattr(framelens._fetch, "_candidate_repos", lambda repo: [tmp_path])
        framelens.find_fetch_script()
    assert "models/fetch not found" in str(info.value)
    monkeypatch.undo()
    # Into another directory: the script and its helpers are copied there and
    # run; --verify finds nothing fetched yet and fails (no download in tests).
    target = tmp_path / "my-models"
    with pytest.raises(framelens.FramelensError) as info:
        framelens.fetch_models(target, verify=True, quiet=True)
    assert "exited with status" in str(info.value)
    assert (target / "fetch").is_file() and (target / "fetch-e5").is_file()


def test_help_shows_the_docstrings():
    assert "character offsets" in framelens.Analysis.__doc__.lower() or "CHARACTER" in framelens.Analysis.__doc__
    assert "KeyboardInterrupt" in framelens.Classifier.classify_batch.__doc__
    assert "models_dir" in framelens.Classifier.__doc__
    # A class's signature needs CPython 3.10's limited API (abi3); the docstring has it everywhere.
    assert "Classifier(taxonomy=\"media-frames\"" in framelens.Classifier.__doc__
    if sys.version_info >= (3, 10):
        assert framelens.Classifier.__text_signature__.startswith("(taxonomy='media-frames'")
    assert "evaluate" in framelens.evaluate.__doc__
