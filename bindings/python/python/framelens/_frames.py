"""Many results as one table: a pandas DataFrame or a pyarrow Table.

pandas and pyarrow are optional: each helper imports its library when it is
called and says how to install it when it is missing.

Two shapes (``per=``):

- ``"document"``: one row per document, columns ``id``, ``error`` (``None``
  when classified), ``language``, ``language_supported``, ``domain``,
  ``sentences`` (count), ``labels`` (list of decided labels, high to low),
  ``scores`` (their scores), ``coarse`` (two-level taxonomies' coarse labels,
  else an empty list), ``analysis`` (the library's JSON; byte offsets).
- ``"label"``: one row per (document, decided label), columns ``id``,
  ``label``, ``score``, ``rank`` (0 = best), ``level`` (``"fine"``, or
  ``"coarse"`` for a two-level taxonomy's narratives), ``evidence``
  (sentence indices, strongest first), ``evidence_text`` (those sentences),
  ``evidence_start``/``evidence_end`` (their character offsets in the
  text). Documents with an error or without a label have no row here.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from . import _framelens

Result = Union["_framelens.Analysis", BaseException]


def _ids(results: Sequence[Result], ids: Optional[Iterable[Any]]) -> List[Any]:
    if ids is None:
        return list(range(len(results)))
    ids = list(ids)
    if len(ids) != len(results):
        raise ValueError(f"{len(ids)} ids for {len(results)} results; give one id per result")
    return ids


def document_rows(results: Iterable[Result], ids: Optional[Iterable[Any]] = None) -> List[Dict[str, Any]]:
    """One dict per document (the ``per="document"`` columns)."""
    results = list(results)
    rows = []
    for id_, r in zip(_ids(results, ids), results):
        if isinstance(r, BaseException):
            rows.append({
                "id": id_, "error": str(r), "language": None, "language_supported": None, "domain": None,
                "sentences": None, "labels": [], "scores": [], "coarse": [], "analysis": None,
            })
            continue
        lang = r.language
        labels = r.labels
        coarse = r.coarse or []
        rows.append({
            "id": id_,
            "error": None,
            "language": lang.code if lang is not None else None,
            "language_supported": lang.supported if lang is not None else None,
            "domain": r.domain,
            "sentences": len(r.sentences),
            "labels": [l.label for l in labels],
            "scores": [l.score for l in labels],
            "coarse": [l.label for l in coarse],
            "analysis": r.to_json(),
        })
    return rows


def label_rows(results: Iterable[Result], ids: Optional[Iterable[Any]] = None) -> List[Dict[str, Any]]:
    """One dict per (document, decided label) (the ``per="label"`` columns)."""
    results = list(results)
    rows = []
    for id_, r in zip(_ids(results, ids), results):
        if isinstance(r, BaseException):
            continue
        sentences = r.sentences
        levels = [("fine", r.labels)]
        if r.coarse is not None:
            levels.insert(0, ("coarse", r.coarse))
        for level, labels in levels:
            for rank, l in enumerate(labels):
                ev = [sentences[i] for i in l.evidence]
                rows.append({
                    "id": id_,
                    "label": l.label,
                    "score": l.score,
                    "rank": rank,
                    "level": level,
                    "evidence": list(l.evidence),
                    "evidence_text": [s.text for s in ev],
                    "evidence_start": [s.start for s in ev],
                    "evidence_end": [s.end for s in ev],
                })
    return rows


_COLUMNS = {
    "document": ["id", "error", "language", "language_supported", "domain", "sentences", "labels", "scores", "coarse", "analysis"],
    "label": ["id", "label", "score", "rank", "level", "evidence", "evidence_text", "evidence_start", "evidence_end"],
}


def _rows(results: Iterable[Result], ids: Optional[Iterable[Any]], per: str) -> List[Dict[str, Any]]:
    if per == "document":
        return document_rows(results, ids)
    if per == "label":
        return label_rows(results, ids)
    raise ValueError(f"per={per!r}: use 'document' or 'label'")


def to_pandas(results: Iterable[Result], ids: Optional[Iterable[Any]] = None, *, per: str = "document") -> Any:
    """The results (``Analysis`` or exception, as ``classify_batch`` returns
    them) as a pandas DataFrame: one row per document (``per="document"``) or
    per (document, label) (``per="label"``). ``ids`` default to 0, 1, ...
    """
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("framelens.to_pandas needs pandas: pip install pandas") from e
    return pd.DataFrame(_rows(results, ids, per), columns=_COLUMNS[per])


def to_arrow(results: Iterable[Result], ids: Optional[Iterable[Any]] = None, *, per: str = "document") -> Any:
    """The results as a pyarrow Table, with the columns of :func:`to_pandas`
    (lists as Arrow list columns)."""
    try:
        import pyarrow as pa
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("framelens.to_arrow needs pyarrow: pip install pyarrow") from e
    rows = _rows(results, ids, per)
    columns = _COLUMNS[per]
    data = {c: [row[c] for row in rows] for c in columns}
    if per == "document":
        types = {
            "error": pa.string(), "language": pa.string(), "language_supported": pa.bool_(), "domain": pa.string(),
            "sentences": pa.int64(), "labels": pa.list_(pa.string()), "scores": pa.list_(pa.float32()),
            "coarse": pa.list_(pa.string()), "analysis": pa.string(),
        }
    else:
        types = {
            "label": pa.string(), "score": pa.float32(), "rank": pa.int64(), "level": pa.string(),
            "evidence": pa.list_(pa.int64()), "evidence_text": pa.list_(pa.string()),
            "evidence_start": pa.list_(pa.int64()), "evidence_end": pa.list_(pa.int64()),
        }
    arrays = [pa.array(data[c], type=types.get(c)) for c in columns]
    return pa.Table.from_arrays(arrays, names=columns)


__all__ = ["to_pandas", "to_arrow", "document_rows", "label_rows"]
