"""Reading what the ``batch`` binary writes back into result objects.

``read_batch(path)`` gives the same list that ``Classifier.classify_batch``
returns (an ``Analysis`` per classified document, a ``FramelensError`` in
place of a failed one), carrying each record's id and metadata, so that
``to_pandas``/``to_arrow`` make the same tables from a file as from a run.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, List, Optional, Union

from . import _framelens
from ._errors import FramelensError


class BatchResults(list):
    """A list of results (``Analysis``, a ``Unit`` list for ``--unit``
    records, or a ``FramelensError``) that also carries each document's
    ``ids`` and ``metadata`` (a dict per document, empty when the input line
    had no other fields). ``to_pandas``/``to_arrow`` use both."""

    def __init__(self, results: Iterable[Any] = (), ids: Optional[Iterable[Any]] = None,
                 metadata: Optional[Iterable[Dict[str, Any]]] = None) -> None:
        super().__init__(results)
        self.ids: List[Any] = list(ids) if ids is not None else list(range(len(self)))
        self.metadata: List[Dict[str, Any]] = list(metadata) if metadata is not None else [{} for _ in self]
        if len(self.ids) != len(self) or len(self.metadata) != len(self):
            raise ValueError(f"{len(self.ids)} ids and {len(self.metadata)} metadata for {len(self)} results")

    def __repr__(self) -> str:
        failed = sum(isinstance(r, BaseException) for r in self)
        return f"<framelens.BatchResults {len(self)} documents, {failed} failed>"


def read_batch(path: Union[str, "os.PathLike[str]"]) -> BatchResults:
    """Read a ``batch`` output file (JSONL) into the results ``classify_batch``
    returns, in file order: an ``Analysis`` per classified document, a
    ``FramelensError`` (with the recorded message) in place of a failed one,
    a list of ``Unit`` for a ``batch --unit`` record. ``.ids`` and
    ``.metadata`` hold each record's id and input metadata.

    The file has the analyses, not the texts: ``Sentence.start``/``end``
    count the gaps between sentences one character per byte, which is exact
    for ASCII gaps (whitespace); ``byte_start``/``byte_end`` are exact.
    A line that is not a batch record raises ``DataError`` naming the line.
    """
    rows = _framelens._read_batch_records(path)
    results: List[Any] = []
    ids: List[Any] = []
    metadata: List[Dict[str, Any]] = []
    for id_, meta, result in rows:
        ids.append(id_)
        metadata.append(json.loads(meta) if meta is not None else {})
        results.append(FramelensError(result) if isinstance(result, str) else result)
    return BatchResults(results, ids, metadata)


def from_record(record: Dict[str, Any]) -> Any:
    """The result object of one parsed batch line (``json.loads`` of it) or
    of an analysis dict (``Analysis.to_dict()``)."""
    if "error" in record and "analysis" not in record:
        return FramelensError(record["error"])
    if "analysis" in record:
        return _framelens._analysis_from_json(json.dumps(record["analysis"]))
    if "sentences" in record and "labels" in record:
        return _framelens._analysis_from_json(json.dumps(record))
    raise TypeError(
        "expected a framelens result: an Analysis, an exception, or a batch line as a dict "
        f"(with 'analysis' or 'error'); got a dict with keys {sorted(record)[:6]}. "
        "To read a batch file, use framelens.read_batch(path)"
    )


__all__ = ["BatchResults", "read_batch", "from_record"]
