"""Shared fixtures: where the repository, the models and the example binaries are.

The models are found as the library finds them: ``$FRAMELENS_MODELS``, else
the repository's ``models/`` (run ``tests/setup`` or ``models/fetch`` first).
The Rust example binaries (``classify``, ``evaluate``, ``train``) that the
results are compared with are taken from ``$CARGO_TARGET_DIR`` or the
repository's ``target/``, and built with cargo when missing.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import framelens

REPO = Path(__file__).resolve().parents[3]
SAMPLES = sorted((REPO / "examples" / "data").glob("*.txt"))


def models_dir() -> Path:
    env = os.environ.get("FRAMELENS_MODELS")
    return Path(env) if env else REPO / "models"


@pytest.fixture(scope="session")
def models() -> Path:
    d = models_dir()
    if not (d / "all-minilm-l6-v2-rowq8" / "model.onnx").is_file():
        pytest.fail(f"no models in {d}: run tests/setup (or models/fetch) in {REPO}, or set FRAMELENS_MODELS")
    return d


@pytest.fixture(scope="session")
def classifier(models: Path) -> "framelens.Classifier":
    return framelens.Classifier("media-frames", models_dir=models)


def _target_dir() -> Path:
    env = os.environ.get("CARGO_TARGET_DIR")
    return Path(env) if env else REPO / "target"


@pytest.fixture(scope="session")
def example():
    """A function giving the path of a Rust example binary, built if missing."""
    built = {}

    def path(name: str) -> Path:
        if name not in built:
            exe = _target_dir() / "release" / "examples" / name
            if not exe.is_file():
                subprocess.run(["cargo", "build", "--release", "--example", name], cwd=REPO, check=True)
            built[name] = exe
        return built[name]

    return path


def run_example(exe: Path, *args: str) -> str:
    """Run an example binary and return its standard output (fail on a non-zero status)."""
    r = subprocess.run([str(exe), *args], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, f"{exe.name} {' '.join(args)} failed: {r.stderr}"
    return r.stdout
