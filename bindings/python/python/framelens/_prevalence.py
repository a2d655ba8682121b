"""``prevalence_frame``: a corpus summary (``framelens.prevalence``) as a table."""

from __future__ import annotations

from typing import Any, Dict, List


def prevalence_frame(summary: Dict[str, Any]) -> "Any":
    """The summary of :func:`framelens.prevalence` (or ``batch --summary``'s
    JSON, loaded) as a pandas DataFrame: one row per label with ``estimate``,
    ``low``, ``high``, ``counted`` and ``note``; when the summary has
    ``by_language``, a ``language`` column (``"all"`` for the whole corpus,
    then one set of rows per language)."""
    import pandas as pd

    def rows(s: Dict[str, Any], language: str) -> List[Dict[str, Any]]:
        return [
            {
                "language": language,
                "label": label,
                "estimate": e["estimate"],
                "low": e["low"],
                "high": e["high"],
                "counted": e["counted"],
                "note": e.get("note"),
                "documents": s["documents"],
            }
            for label, e in s["prevalence"].items()
        ]

    out = rows(summary, "all")
    for language, s in summary.get("by_language", {}).items():
        out.extend(rows(s, language))
    frame = pd.DataFrame(
        out, columns=["language", "label", "estimate", "low", "high", "counted", "note", "documents"]
    )
    if not summary.get("by_language"):
        frame = frame.drop(columns="language")
    return frame
