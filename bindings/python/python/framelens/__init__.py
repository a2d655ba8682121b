"""framelens: find framing and propaganda narratives in news text.

Python bindings of the framelens Rust crate (PyO3). Text is split into
sentences, embedded by a transformer encoder (ONNX Runtime), scored against
every category of a taxonomy (frames, narratives, persuasion techniques), and
decided into document labels, each with the sentences that carry it.

>>> import framelens
>>> clf = framelens.Classifier("media-frames")            # doctest: +SKIP
>>> a = clf.classify(open("examples/data/001_1bab8556ee00fa53.txt").read())  # doctest: +SKIP
>>> [(l.label, round(l.score, 2), l.evidence[:2]) for l in a.labels]          # doctest: +SKIP

Models are never downloaded at run time: run ``models/fetch`` in the clone
(or ``framelens.fetch_models(dir)``) and point ``models_dir`` or
``$FRAMELENS_MODELS`` at the directory.

Offsets: ``Sentence.start``/``end`` are character offsets into the Python
``str`` (``text[s.start:s.end] == s.text``); ``byte_start``/``byte_end`` and
the JSON of ``to_dict()``/``to_json()`` are UTF-8 byte offsets, as in Rust.
"""

from __future__ import annotations

from ._errors import (
    BackendUnavailableError,
    DataError,
    EncoderMismatchError,
    FramelensError,
    FramelensIOError,
    HeadMismatchError,
    InferenceError,
    InvalidInputError,
    InvalidSettingError,
    ModelCorruptError,
    ModelMissingError,
    RuntimeLibraryError,
    TaxonomyError,
    TokenizerError,
    UnknownLabelError,
)
from ._framelens import (
    BUILTIN_TAXONOMIES,
    Adaptation,
    Analysis,
    Classifier,
    Head,
    HeadSet,
    Label,
    Language,
    Sentence,
    Taxonomy,
    Unit,
    adapt,
    decode_text,
    evaluate,
    onnxruntime_library,
    prevalence,
    report,
    resolve_models_dir,
    train,
)
from ._fetch import fetch_models, find_fetch_script
from ._batch import BatchResults, read_batch
from ._frames import to_arrow, to_pandas
from ._prevalence import prevalence_frame

__version__ = "0.2.0"

__all__ = [
    "Adaptation",
    "Analysis",
    "BUILTIN_TAXONOMIES",
    "BackendUnavailableError",
    "BatchResults",
    "Classifier",
    "DataError",
    "EncoderMismatchError",
    "FramelensError",
    "FramelensIOError",
    "Head",
    "HeadMismatchError",
    "HeadSet",
    "InferenceError",
    "InvalidInputError",
    "InvalidSettingError",
    "Label",
    "Language",
    "ModelCorruptError",
    "ModelMissingError",
    "RuntimeLibraryError",
    "Sentence",
    "Taxonomy",
    "TaxonomyError",
    "TokenizerError",
    "Unit",
    "UnknownLabelError",
    "adapt",
    "decode_text",
    "evaluate",
    "fetch_models",
    "find_fetch_script",
    "onnxruntime_library",
    "prevalence",
    "prevalence_frame",
    "read_batch",
    "report",
    "resolve_models_dir",
    "to_arrow",
    "to_pandas",
    "train",
]
