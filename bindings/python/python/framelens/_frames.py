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
- ``"score"``: one row per document, columns ``id``, ``error``, ``labels``
  (decided, high to low), then one column per category with the document's
  score (built-in taxonomies in their order, others alphabetically); failed
  documents have ``NaN`` scores. The table to feed a regression.

Results from ``framelens.read_batch(path)`` (or ``classify_batch(texts,
ids=...)``) carry their ids, used when ``ids`` is not given, and
``read_batch``'s carry each document's input metadata (``title``, ``date``,
``source``, ...), which ``"document"`` and ``"score"`` add as columns after
``id`` (a key that is already a column name gets a ``metadata_`` prefix).
A parsed batch line (``json.loads`` of it) is read as its result.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from . import _framelens

Result = Union["_framelens.Analysis", BaseException]


def _results(results: Iterable[Any]) -> List[Any]:
    """The results as a list, batch lines parsed into result objects."""
    from ._batch import from_record

    out = []
    for r in results:
        if isinstance(r, dict):
            r = from_record(r)
        elif isinstance(r, list):
            raise TypeError(
                "a list of Units (a `batch --unit` record) has no single row; "
                "tabulate its units' analyses: [u.analysis for u in units]"
            )
        out.append(r)
    return out


def _metadata(results: Any, n: int) -> List[Dict[str, Any]]:
    metadata = getattr(results, "metadata", None)
    return list(metadata) if metadata is not None and len(metadata) == n else [{} for _ in range(n)]


def _with_metadata(rows: List[Dict[str, Any]], metadata: List[Dict[str, Any]], columns: List[str]) -> List[str]:
    """Add each document's metadata to its row, after ``id``; the columns."""
    keys: List[str] = []
    for m in metadata:
        keys.extend(k for k in m if k not in keys)
    names = {k: (f"metadata_{k}" if k in columns else k) for k in keys}
    for row, m in zip(rows, metadata):
        for k in keys:
            row[names[k]] = m.get(k)
    return columns[:1] + [names[k] for k in keys] + columns[1:]


def _ids(results: Sequence[Result], ids: Optional[Iterable[Any]]) -> List[Any]:
    if ids is None:
        carried = getattr(results, "ids", None)
        if carried is not None and len(carried) == len(results):
            return list(carried)
        return list(range(len(results)))
    ids = list(ids)
    if len(ids) != len(results):
        raise ValueError(f"{len(ids)} ids for {len(results)} results; give one id per result")
    return ids


def document_rows(results: Iterable[Result], ids: Optional[Iterable[Any]] = None) -> List[Dict[str, Any]]:
    """One dict per document (the ``per="document"`` columns)."""
    ids = _ids(results, ids) if isinstance(results, Sequence) else ids
    results = _results(results)
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
    ids = _ids(results, ids) if isinstance(results, Sequence) else ids
    results = _results(results)
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


def _category_order(analyses: List[Any]) -> List[str]:
    """The categories of the analyses' taxonomy: a built-in's order, else alphabetical."""
    seen: List[str] = []
    for a in analyses:
        seen.extend(k for k in a.document_scores if k not in seen)
    names = {a.taxonomy for a in analyses}
    if len(names) == 1:
        name = names.pop()
        if name in _framelens.BUILTIN_TAXONOMIES:
            order = _framelens.Taxonomy.builtin(name).labels
            if set(order) == set(seen):
                return list(order)
    return sorted(seen)


def score_rows(results: Iterable[Result], ids: Optional[Iterable[Any]] = None) -> "tuple[List[Dict[str, Any]], List[str]]":
    """One dict per document with every category's document score (the
    ``per="score"`` columns), and the category columns in order."""
    ids = _ids(results, ids) if isinstance(results, Sequence) else ids
    results = _results(results)
    analyses = [r for r in results if not isinstance(r, BaseException)]
    categories = _category_order(analyses)
    rows = []
    for id_, r in zip(_ids(results, ids), results):
        if isinstance(r, BaseException):
            row = {"id": id_, "error": str(r), "labels": []}
            row.update({c: float("nan") for c in categories})
        else:
            scores = r.document_scores
            row = {"id": id_, "error": None, "labels": r.label_names()}
            row.update({c: scores.get(c, float("nan")) for c in categories})
        rows.append(row)
    return rows, categories


_COLUMNS = {
    "document": ["id", "error", "language", "language_supported", "domain", "sentences", "labels", "scores", "coarse", "analysis"],
    "label": ["id", "label", "score", "rank", "level", "evidence", "evidence_text", "evidence_start", "evidence_end"],
}


def _rows(results: Iterable[Result], ids: Optional[Iterable[Any]], per: str) -> "tuple[List[Dict[str, Any]], List[str]]":
    """The rows and their columns, metadata included."""
    if per not in ("document", "label", "score"):
        raise ValueError(f"per={per!r}: use 'document', 'label' or 'score'")
    if not isinstance(results, Sequence):
        results = list(results)
    metadata = _metadata(results, len(results))
    if per == "label":
        return label_rows(results, ids), list(_COLUMNS["label"])
    if per == "document":
        rows, columns = document_rows(results, ids), list(_COLUMNS["document"])
    else:
        rows, categories = score_rows(results, ids)
        columns = ["id", "error", "labels"] + categories
    return rows, _with_metadata(rows, metadata, columns)


def to_pandas(results: Iterable[Result], ids: Optional[Iterable[Any]] = None, *, per: str = "document") -> Any:
    """The results (``Analysis`` or exception, as ``classify_batch`` and
    ``read_batch`` return them) as a pandas DataFrame: one row per document
    (``per="document"``), per (document, label) (``per="label"``), or per
    document with a column per category score (``per="score"``). ``ids``
    default to the ids the results carry, else 0, 1, ...
    """
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("framelens.to_pandas needs pandas: pip install pandas") from e
    rows, columns = _rows(results, ids, per)
    return pd.DataFrame(rows, columns=columns)


def _arrow_column(pa: Any, values: List[Any], type_: Any) -> Any:
    """An Arrow array; a metadata column whose values Arrow cannot type as
    one (``[1, "a"]``, mixed kinds) becomes their JSON text."""
    if type_ is not None:
        return pa.array(values, type=type_)
    try:
        return pa.array(values)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        import json

        return pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in values], type=pa.string())


def to_arrow(results: Iterable[Result], ids: Optional[Iterable[Any]] = None, *, per: str = "document") -> Any:
    """The results as a pyarrow Table, with the columns of :func:`to_pandas`
    (lists as Arrow list columns)."""
    try:
        import pyarrow as pa
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("framelens.to_arrow needs pyarrow: pip install pyarrow") from e
    rows, columns = _rows(results, ids, per)
    data = {c: [row.get(c) for row in rows] for c in columns}
    if per == "score":
        types = {"error": pa.string(), "labels": pa.list_(pa.string())}
        types.update({c: pa.float64() for c in columns[columns.index("labels") + 1:]})
    elif per == "document":
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
    arrays = [_arrow_column(pa, data[c], types.get(c)) for c in columns]
    return pa.Table.from_arrays(arrays, names=columns)


__all__ = ["to_pandas", "to_arrow", "document_rows", "label_rows", "score_rows"]
