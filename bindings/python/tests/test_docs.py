"""The Python in README.md and bindings/python/README.md runs as written.

Each ```python block runs, in file order, in one namespace per file, in a
scratch folder that links the repository's top-level entries (so relative
paths work and files the snippets write stay there); a block preceded by
``<!-- not run: REASON -->`` is skipped. Each ```text block preceded by
``<!-- output (python): COMMAND -->`` must be what COMMAND prints (run after
that file's snippets, in the same folder). ``FRAMELENS_BLESS=1`` rewrites
those blocks from the run instead (then review the diff). The Rust side of
the same markers is tests/docs.rs.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

FILES = [REPO / "README.md", REPO / "bindings" / "python" / "README.md"]
FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(r"^<!--\s*(.*?)\s*-->$")


def blocks(path: Path):
    """(marker or None, language, first body line, end line) of each fenced block."""
    lines = path.read_text(encoding="utf-8").split("\n")
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
        before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        marker = MARKER.match(before.strip())
        out.append((marker.group(1) if marker else None, m.group(1), i + 1, end))
        i = end + 1
    return lines, out


WORD_SPLIT = re.compile(r"[\s,]+")
STRIP = "\"'[](){};:%"


def words(line: str) -> list[str]:
    """The words of a line: split at spaces and commas, quotes and brackets off."""
    return [w for w in (w.strip(STRIP) for w in WORD_SPLIT.split(line)) if w]


def agrees(expected: str, got: str) -> bool:
    """The rule of tests/docs.rs: the same words; numbers may differ by what
    ONNX Runtime's int8 kernels change between CPUs (AVX2 and AVX-512): a
    whole number within 1%, a decimal up to 1 within 0.15, a larger one within
    0.5 plus 12%; one label shown at 0.05 or less on both sides may be
    another (near-ties trade places)."""
    if expected == got:
        return True
    e, g = words(expected), words(got)
    if len(e) != len(g):
        return False

    def number(w):
        try:
            x = float(w)
        except ValueError:
            return None
        return x if x == x and abs(x) != float("inf") else None

    def tiny(ws, i):
        x = number(ws[i + 1]) if i + 1 < len(ws) else None
        return x is not None and abs(x) <= 0.05

    relabelled = False
    for i, (a, b) in enumerate(zip(e, g)):
        if a == b:
            continue
        x, y = number(a), number(b)
        if x is not None and y is not None:
            scale = max(abs(x), abs(y))
            whole = not any(c in a + b for c in ".e")
            tolerance = 0.01 * scale if whole else (0.15 if scale <= 1 else 0.5 + 0.12 * scale)
            if abs(x - y) > tolerance:
                return False
        elif not relabelled and tiny(e, i) and tiny(g, i):
            relabelled = True
        else:
            return False
    return True


def block_agrees(want: list[str], got: list[str]) -> bool:
    """Line by line, or each of the docs' lines with a different printed one."""
    if len(want) != len(got):
        return False
    if all(agrees(w, g) for w, g in zip(want, got)):
        return True
    used = [False] * len(got)
    for w in want:
        j = next((j for j in range(len(got)) if not used[j] and agrees(w, got[j])), None)
        if j is None:
            return False
        used[j] = True
    return True


def test_agrees_follows_the_cpu_tolerance():
    assert agrees("Morality 0.34 score 4.77", "Morality 0.43 score 5.28")
    assert agrees('{"top":["Morality 0.93"]}', '{"top":["Morality 0.95"]}')
    assert not agrees("Public_opinion 0.30", "Political 0.30")
    assert agrees("Cultural_identity 0.01 score 0.97", "Political 0.01 score 1.01")
    assert block_agrees(["x 0.53", "y 0.51"], ["y 0.52", "x 0.51"])
    assert not agrees("decided 4", "decided 5")
    assert not agrees("Morality 0.34", "Morality 0.90")


@pytest.fixture()
def scratch(tmp_path, models, example):
    for entry in REPO.iterdir():
        if entry.name.startswith(".") or entry.name == "target":
            continue
        (tmp_path / entry.name).symlink_to(entry)
    # The batch binary the snippets call, where the docs say it is.
    exe = example("batch")
    (tmp_path / "target" / "release").mkdir(parents=True)
    (tmp_path / "target" / "release" / "examples").symlink_to(exe.parent)
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_snippets_run_and_print_what_the_docs_show(path, scratch, models):
    lines, found = blocks(path)
    namespace: dict = {"__name__": "__docs__"}
    ran = 0
    for marker, lang, start, end in found:
        if lang != "python" or (marker or "").startswith("not run:"):
            continue
        code = "\n".join(lines[start:end])
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                exec(compile(code, f"{path.name}:{start}", "exec"), namespace)
            except Exception as e:  # noqa: BLE001 - name the block
                pytest.fail(f"{path.relative_to(REPO)}:{start}: the snippet raised {e!r}\n{code}")
        ran += 1
    assert ran > 0
    problems, rewrites = [], []
    env = dict(os.environ, FRAMELENS_MODELS=str(models))
    for marker, lang, start, end in found:
        if not (marker or "").startswith("output (python):"):
            continue
        command = marker[len("output (python):"):].strip()
        argv = shlex.split(command)
        assert argv[0] in ("python", "python3"), command
        r = subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True, env=env)
        got = (r.stderr + r.stdout).rstrip("\n").split("\n") if (r.stderr + r.stdout) else []
        got = [l.rstrip() for l in got]
        want = lines[start:end]
        if not block_agrees(want, got):
            problems.append(f"{path.relative_to(REPO)}:{start}: `{command}` printed\n" + "\n".join(got)
                            + "\n--- but the docs show ---\n" + "\n".join(want))
            rewrites.append((start, end, got))
    if problems and os.environ.get("FRAMELENS_BLESS") == "1":
        for start, end, got in reversed(rewrites):
            lines[start:end] = got
        path.write_text("\n".join(lines), encoding="utf-8")
        return
    assert not problems, "\n\n".join(problems) + "\n\nrefresh with FRAMELENS_BLESS=1 if the new output is right"
