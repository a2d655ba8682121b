"""The exceptions framelens raises: one class per kind of ``framelens::Error``.

Every message is the Rust library's, naming the file, line, field or label at
fault. Catch :class:`FramelensError` for all of them. Some also derive from
the built-in exception a Python user would reach for (``FileNotFoundError``
for a missing model, ``ValueError`` for bad input or settings, ``OSError``
for a failed read or write).

In ``Classifier.classify_batch`` a document that fails gets its exception
*instance* in the result list instead of being raised.
"""

from __future__ import annotations

from typing import Optional


class FramelensError(Exception):
    """Base class of every framelens error.

    ``path`` and ``line`` name the file (and 1-based line) at fault when the
    error comes from one, else they are ``None``.
    """

    path: Optional[str] = None
    line: Optional[int] = None

    @property
    def message(self) -> str:
        """The library's message."""
        return str(self)


class ModelMissingError(FramelensError, FileNotFoundError):
    """A model file or directory is missing: run ``models/fetch`` (or
    ``framelens.fetch_models``), or point ``models_dir`` / ``FRAMELENS_MODELS``
    at the directory that holds the models."""


class ModelCorruptError(FramelensError):
    """A model file exists but cannot be used (truncated, corrupt, wrong format)."""


class RuntimeLibraryError(FramelensError):
    """The ONNX Runtime shared library is missing or unusable
    (``ORT_DYLIB_PATH``, else ``<models_dir>/onnxruntime/libonnxruntime.so``)."""


class BackendUnavailableError(FramelensError):
    """The requested encoder backend was not compiled into this build."""


class InferenceError(FramelensError):
    """The encoder failed while running a batch."""


class TokenizerError(FramelensError):
    """The tokenizer failed on a piece of text."""


class TaxonomyError(FramelensError, ValueError):
    """A taxonomy file or definition is invalid (every problem is listed),
    or no built-in taxonomy has the name given."""


class DataError(FramelensError, ValueError):
    """A data file (corpus, labels, JSONL, head, manifest) is malformed."""


class UnknownLabelError(DataError):
    """A label is not part of the taxonomy (``label`` names it)."""

    label: Optional[str] = None


class HeadMismatchError(FramelensError, ValueError):
    """A trained head does not fit the taxonomy or encoder it is used with."""


class EncoderMismatchError(FramelensError, ValueError):
    """A tuned encoder does not fit the taxonomy, base model or backend."""


class InvalidInputError(FramelensError, ValueError):
    """The input cannot be classified: empty or whitespace-only text, not a
    ``str``, over ``max_input_bytes``, or text with lone surrogates."""


class InvalidSettingError(FramelensError, ValueError):
    """A setting has a value outside its range (threads, threshold, model, ...)."""


class FramelensIOError(FramelensError, OSError):
    """Reading or writing a file failed."""


# Shown (and pickled) as framelens.<Name>, where the package exports them.
for _cls in list(globals().values()):
    if isinstance(_cls, type) and issubclass(_cls, FramelensError):
        _cls.__module__ = "framelens"
del _cls

__all__ = [
    "FramelensError",
    "ModelMissingError",
    "ModelCorruptError",
    "RuntimeLibraryError",
    "BackendUnavailableError",
    "InferenceError",
    "TokenizerError",
    "TaxonomyError",
    "DataError",
    "UnknownLabelError",
    "HeadMismatchError",
    "EncoderMismatchError",
    "InvalidInputError",
    "InvalidSettingError",
    "FramelensIOError",
]
