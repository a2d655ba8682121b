#!/usr/bin/env bash
# bindings/python/ci.sh — build the Python package from this clone and run its tests.
#
# Run from anywhere after `tests/setup` (the models fetched): creates a venv
# (.venv-py at the repository's root, gitignored; $FRAMELENS_PY_VENV to change
# it), installs maturin, pytest, pandas and pyarrow from the package registry,
# installs the package with `pip install ./bindings/python` (as a user does),
# runs the binding crate's Rust unit tests and bindings/python/tests with
# pytest. Exits non-zero when anything fails.
#
# The build shares the core crate's target/ ($CARGO_TARGET_DIR if set), so the
# dependencies compiled for `cargo test --release` are reused where their
# features agree. The tests compare results with the `classify`, `evaluate`
# and `train` example binaries, built here if `cargo test --release` has not.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
venv="${FRAMELENS_PY_VENV:-.venv-py}"
case "$venv" in /*) ;; *) venv="$root/$venv" ;; esac
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
export FRAMELENS_MODELS="${FRAMELENS_MODELS:-$root/models}"

if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
py="$venv/bin/python"
"$py" -m pip install --quiet --disable-pip-version-check "maturin>=1.5,<2" pytest "pandas<3" pyarrow
"$py" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./bindings/python
cargo build --release --quiet --example classify --example evaluate --example train --example batch --example report
# The binding crate's own Rust unit tests (byte to character offsets).
(cd bindings/python && PYO3_PYTHON="$py" cargo test --release --quiet --lib)
# Out of the source tree, so that the installed package is the one imported.
cd "$root/bindings/python/tests"
"$py" -m pytest -q -p no:cacheprovider .
