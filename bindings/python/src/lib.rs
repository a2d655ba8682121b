//! Python bindings of framelens: the native module `framelens._framelens`.
//!
//! A thin layer over the `framelens` crate. Every call into the library runs
//! with the GIL released and inside `catch_unwind`, so a panic becomes a
//! `FramelensError` instead of ending the interpreter; errors map to the
//! exception classes of `framelens/_errors.py`, one per kind of
//! `framelens::Error`, with the library's message.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

mod adaptation;
mod batchfile;
mod corpus;
mod offsets;
mod prevalence;
mod report;
mod results;

use results::{Analysis, Unit};

/// The exception class (from `framelens._errors`) for a kind of error.
fn error_class_name(e: &framelens::Error) -> &'static str {
    use framelens::Error as E;
    match e {
        E::ModelMissing { .. } => "ModelMissingError",
        E::ModelCorrupt { .. } => "ModelCorruptError",
        E::Runtime { .. } => "RuntimeLibraryError",
        E::BackendUnavailable(_) => "BackendUnavailableError",
        E::Inference { .. } => "InferenceError",
        E::Tokenizer { .. } => "TokenizerError",
        E::InvalidTaxonomy { .. } | E::UnknownTaxonomy { .. } => "TaxonomyError",
        E::Data { .. } | E::Json(_) => "DataError",
        E::UnknownLabel { .. } => "UnknownLabelError",
        E::HeadMismatch { .. } => "HeadMismatchError",
        E::EncoderMismatch { .. } => "EncoderMismatchError",
        E::InvalidInput(_) => "InvalidInputError",
        E::InvalidSetting { .. } => "InvalidSettingError",
        E::Io { .. } => "FramelensIOError",
        _ => "FramelensError",
    }
}

/// An exception instance of class `class` with `message` and the given attributes.
fn make_error(py: Python<'_>, class: &str, message: &str, attrs: &[(&str, PyObject)]) -> PyResult<PyObject> {
    let module = py.import("framelens._errors")?;
    let err = module.getattr(class)?.call1((message,))?;
    for (name, value) in attrs {
        err.setattr(*name, value)?;
    }
    Ok(err.unbind())
}

/// The Python exception instance for a library error: the library's message,
/// and `path`/`line` where the error names a file.
fn error_object(py: Python<'_>, e: &framelens::Error) -> PyObject {
    use framelens::Error as E;
    let path = |p: &std::path::Path| PyString::new(py, &p.display().to_string()).into_any().unbind();
    let mut attrs: Vec<(&str, PyObject)> = Vec::new();
    match e {
        E::ModelMissing { path: p, .. }
        | E::ModelCorrupt { path: p, .. }
        | E::Runtime { path: p, .. }
        | E::HeadMismatch { path: p, .. }
        | E::EncoderMismatch { path: p, .. }
        | E::Io { path: p, .. } => attrs.push(("path", path(p))),
        E::Data { path: p, line, .. } => {
            attrs.push(("path", path(p)));
            attrs.push(("line", line_object(py, *line)));
        }
        E::UnknownLabel { path: p, line, label, .. } => {
            if let Some(p) = p.as_deref().map(path) {
                attrs.push(("path", p));
            }
            attrs.push(("line", line_object(py, *line)));
            attrs.push(("label", PyString::new(py, label).into_any().unbind()));
        }
        _ => {}
    }
    let message = e.to_string();
    make_error(py, error_class_name(e), &message, &attrs).unwrap_or_else(|err| err.into_value(py).into_any())
}

/// A 1-based line number, or None.
fn line_object(py: Python<'_>, line: Option<usize>) -> PyObject {
    match line {
        Some(l) => match l.into_pyobject(py) {
            Ok(n) => n.into_any().unbind(),
            Err(never) => match never {},
        },
        None => py.None(),
    }
}

/// A library error as a `PyErr` to raise.
fn to_pyerr(e: framelens::Error) -> PyErr {
    Python::with_gil(|py| PyErr::from_value(error_object(py, &e).into_bound(py)))
}

/// An error of class `class` (from `framelens._errors`) with `message`, to raise.
fn py_error(py: Python<'_>, class: &str, message: &str) -> PyErr {
    match make_error(py, class, message, &[]) {
        Ok(obj) => PyErr::from_value(obj.into_bound(py)),
        Err(e) => e,
    }
}

/// The message of a caught panic.
fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    format!("internal error in framelens (a bug; please report it with the input): {what}")
}

/// Run `f` without the GIL, turning a panic into a `FramelensError`.
fn unlocked<T: Send>(py: Python<'_>, f: impl FnOnce() -> framelens::Result<T> + Send) -> PyResult<T> {
    match py.allow_threads(|| catch_unwind(AssertUnwindSafe(f))) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_pyerr(e)),
        Err(panic) => Err(py_error(py, "FramelensError", &panic_message(panic))),
    }
}

/// A `str` or `os.PathLike` as a path.
fn fspath(obj: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    obj.extract::<PathBuf>()
}

/// An optional path argument: absent or `None` is no path.
fn optional_path(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<PathBuf>> {
    obj.filter(|o| !o.is_none()).map(fspath).transpose()
}

// ------------------------------------------------------------------ Taxonomy

/// A set of categories (frames, narratives, techniques), validated.
///
/// Load a built-in one by name (``Taxonomy("media-frames")``, or
/// ``Taxonomy.builtin(name)``), or your own from a TOML or JSON file
/// (``Taxonomy.from_file(path)``; the format follows the extension). Give it
/// to :class:`Classifier` as ``taxonomy=``.
#[pyclass(module = "framelens", name = "Taxonomy", frozen)]
#[derive(Clone)]
pub struct Taxonomy {
    inner: framelens::Taxonomy,
}

#[pymethods]
impl Taxonomy {
    /// Taxonomy(name_or_path)
    ///
    /// A built-in taxonomy's name (see ``framelens.BUILTIN_TAXONOMIES``) or
    /// the path of a ``.toml``/``.json`` file. Raises ``TaxonomyError`` for an
    /// unknown name or an invalid file (the message names every problem).
    #[new]
    fn new(py: Python<'_>, spec: &Bound<'_, PyAny>) -> PyResult<Self> {
        let inner = taxonomy_of(py, spec)?;
        Ok(Taxonomy { inner })
    }

    /// Load a built-in taxonomy by name.
    #[staticmethod]
    fn builtin(py: Python<'_>, name: String) -> PyResult<Self> {
        let inner = unlocked(py, move || framelens::Taxonomy::builtin(&name))?;
        Ok(Taxonomy { inner })
    }

    /// Load a taxonomy from a TOML or JSON file (by its extension: ``.json``
    /// is JSON, anything else TOML).
    #[staticmethod]
    fn from_file(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Self> {
        let path = fspath(path)?;
        let inner = unlocked(py, move || framelens::Taxonomy::from_file(&path))?;
        Ok(Taxonomy { inner })
    }

    /// Parse a taxonomy from a string of TOML (``format="toml"``) or JSON
    /// (``format="json"``); ``source_name`` names it in error messages.
    #[staticmethod]
    #[pyo3(signature = (text, format = "toml", source_name = "<string>"))]
    fn from_str(py: Python<'_>, text: String, format: &str, source_name: &str) -> PyResult<Self> {
        let format = match format {
            "toml" => framelens::taxonomy::Format::Toml,
            "json" => framelens::taxonomy::Format::Json,
            other => {
                return Err(py_error(
                    py,
                    "InvalidSettingError",
                    &format!("invalid setting `format`: `{other}` is not a taxonomy format; use `toml` or `json`"),
                ))
            }
        };
        let source = source_name.to_string();
        let inner = unlocked(py, move || framelens::Taxonomy::from_str_as(&text, format, &source))?;
        Ok(Taxonomy { inner })
    }

    /// Short name, e.g. ``media-frames``.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// Human title, if the taxonomy has one.
    #[getter]
    fn title(&self) -> Option<&str> {
        self.inner.title.as_deref()
    }

    /// Every category's label, in the taxonomy's order (for two-level
    /// taxonomies, narratives and sub-narratives alike).
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.inner.labels().map(str::to_string).collect()
    }

    /// The labels of the top-level categories (the narratives of a two-level taxonomy).
    #[getter]
    fn coarse_labels(&self) -> Vec<String> {
        self.inner.roots().into_iter().map(|i| self.inner.categories[i].label.clone()).collect()
    }

    /// True for two-level taxonomies (narratives with sub-narratives).
    #[getter]
    fn is_hierarchical(&self) -> bool {
        self.inner.is_hierarchical()
    }

    /// The domains of the categories (e.g. ``["CC", "URW"]``), empty if none.
    #[getter]
    fn domains(&self) -> Vec<String> {
        self.inner.domains().into_iter().map(str::to_string).collect()
    }

    /// The label given when no category is confident (e.g. ``Other``), if any.
    #[getter]
    fn other_label(&self) -> Option<&str> {
        self.inner.other_label.as_deref()
    }

    /// The taxonomy as JSON text (the format ``from_str(..., format="json")`` reads).
    fn to_json(&self) -> PyResult<String> {
        self.inner.to_string_as(framelens::taxonomy::Format::Json).map_err(to_pyerr)
    }

    /// The taxonomy as TOML text.
    fn to_toml(&self) -> PyResult<String> {
        self.inner.to_string_as(framelens::taxonomy::Format::Toml).map_err(to_pyerr)
    }

    fn __len__(&self) -> usize {
        self.inner.categories.len()
    }

    fn __repr__(&self) -> String {
        format!("<framelens.Taxonomy {:?}: {} categories>", self.inner.name, self.inner.categories.len())
    }
}

/// A taxonomy from a `Taxonomy`, a built-in name or path (`str`), or an `os.PathLike`.
fn taxonomy_of(py: Python<'_>, spec: &Bound<'_, PyAny>) -> PyResult<framelens::Taxonomy> {
    if let Ok(t) = spec.downcast::<Taxonomy>() {
        return Ok(t.get().inner.clone());
    }
    if let Ok(s) = spec.downcast::<PyString>() {
        let s = s.to_cow()?.into_owned();
        return unlocked(py, move || framelens::Taxonomy::from_name_or_path(&s));
    }
    match fspath(spec) {
        Ok(path) => unlocked(py, move || framelens::Taxonomy::from_file(&path)),
        Err(_) => Err(PyTypeError::new_err(format!(
            "taxonomy must be a built-in name, a path (str or os.PathLike) or a framelens.Taxonomy, not {}",
            spec.get_type().name()?
        ))),
    }
}

// ---------------------------------------------------------------------- Head

/// A trained head: one logistic regression per category over the encoder's
/// vectors, with per-category thresholds (see ``framelens.train``).
///
/// Give it (or the path of its JSON file) to :class:`Classifier` as ``head=``.
/// A corpus in several languages trains one head per encoder: a
/// :class:`HeadSet`.
#[pyclass(module = "framelens", name = "Head", frozen)]
#[derive(Clone)]
pub struct Head {
    inner: framelens::Head,
}

#[pymethods]
impl Head {
    /// Load a head from the JSON file ``framelens.train`` (or the ``train``
    /// example) wrote. A file with one head per encoder is a
    /// :class:`HeadSet` (``HeadSet.load`` reads both kinds).
    #[staticmethod]
    fn load(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Self> {
        let path = fspath(path)?;
        let inner = unlocked(py, move || framelens::Head::load(&path))?;
        Ok(Head { inner })
    }

    /// Write the head as JSON.
    fn save(&self, py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<()> {
        let path = fspath(path)?;
        let head = self.inner.clone();
        unlocked(py, move || head.save(&path))
    }

    /// The taxonomy it was trained for.
    #[getter]
    fn taxonomy(&self) -> &str {
        &self.inner.taxonomy
    }

    /// The encoder its vectors came from, e.g. ``onnx:all-MiniLM-L6-v2-rowq8``.
    #[getter]
    fn encoder(&self) -> &str {
        &self.inner.encoder
    }

    /// The taxonomy's labels, in category order.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.inner.labels.clone()
    }

    /// Training documents used.
    #[getter]
    fn documents(&self) -> usize {
        self.inner.documents
    }

    /// Training units used (documents, paragraphs, exemplars).
    #[getter]
    fn units(&self) -> usize {
        self.inner.units
    }

    /// Per-category document thresholds, ``{label: threshold}``.
    #[getter]
    fn thresholds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (l, t) in self.inner.labels.iter().zip(&self.inner.thresholds) {
            d.set_item(l, results::score(*t))?;
        }
        Ok(d)
    }

    /// The head as its JSON file holds it.
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| to_pyerr(e.into()))
    }

    fn __repr__(&self) -> String {
        format!(
            "<framelens.Head for {:?} on {}: {} documents, {} units>",
            self.inner.taxonomy, self.inner.encoder, self.inner.documents, self.inner.units
        )
    }
}

// ------------------------------------------------------------------- HeadSet

/// Heads for a classifier that routes documents by language: one
/// :class:`Head` per encoder, for the same taxonomy. ``framelens.train`` (and
/// the ``train`` binary) make one from a corpus in several languages.
///
/// Give it (or the path of its JSON file) to :class:`Classifier` as
/// ``head=``: each document is scored by the head of the encoder that reads it.
#[pyclass(module = "framelens", name = "HeadSet", frozen)]
#[derive(Clone)]
pub struct HeadSet {
    inner: framelens::HeadSet,
}

#[pymethods]
impl HeadSet {
    /// Load any head file ``train`` writes: one head per encoder, or a
    /// single head (a set of one).
    #[staticmethod]
    fn load(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Self> {
        let path = fspath(path)?;
        let inner = unlocked(py, move || framelens::HeadSet::load(&path))?;
        Ok(HeadSet { inner })
    }

    /// Write the set as JSON (a set of one head in the single-head format).
    fn save(&self, py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<()> {
        let path = fspath(path)?;
        let set = self.inner.clone();
        unlocked(py, move || set.save(&path))
    }

    /// The heads, the main encoder's first.
    #[getter]
    fn heads(&self) -> Vec<Head> {
        self.inner.heads().iter().map(|h| Head { inner: h.clone() }).collect()
    }

    /// The encoders it holds a head for.
    #[getter]
    fn encoders(&self) -> Vec<String> {
        self.inner.encoders().into_iter().map(str::to_string).collect()
    }

    /// The taxonomy the heads serve.
    #[getter]
    fn taxonomy(&self) -> &str {
        self.inner.taxonomy()
    }

    /// The head for an encoder (e.g. ``onnx:multilingual-e5-small-q4``), or None.
    fn get(&self, encoder: &str) -> Option<Head> {
        self.inner.get(encoder).map(|h| Head { inner: h.clone() })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("<framelens.HeadSet for {:?}: {}>", self.inner.taxonomy(), self.inner.encoders().join(", "))
    }
}

// ---------------------------------------------------------------- Classifier

/// The options `Classifier(...)`, `train` and `evaluate` share (the example
/// binaries' `ClassifierOptions`).
#[derive(Default)]
pub(crate) struct Options {
    pub models_dir: Option<PathBuf>,
    pub threads: Option<usize>,
    pub model: Option<String>,
    pub head: Option<framelens::HeadSet>,
    pub head_path: Option<PathBuf>,
    pub tuned: Option<PathBuf>,
    /// `None`: the library's default; `Some(None)`: no second classifier.
    pub other_languages: Option<Option<String>>,
    pub threshold: Option<f32>,
    pub backend: Option<String>,
    pub max_input_bytes: Option<usize>,
    pub vector_cache: bool,
}

impl Options {
    /// Build the classifier (all I/O; run without the GIL).
    pub(crate) fn build(self, taxonomy: framelens::Taxonomy) -> framelens::Result<framelens::Classifier> {
        let mut b = framelens::Classifier::builder().taxonomy(taxonomy).vector_cache(self.vector_cache);
        if let Some(backend) = &self.backend {
            b = b.backend(backend.parse()?);
        }
        if let Some(dir) = self.models_dir {
            b = b.models_dir(dir);
        }
        if let Some(t) = self.threshold {
            b = b.threshold(t);
        }
        if let Some(n) = self.threads {
            b = b.threads(n);
        }
        if let Some(path) = &self.head_path {
            b = b.heads(framelens::HeadSet::load(path)?);
        }
        if let Some(heads) = self.head {
            b = b.heads(heads);
        }
        if let Some(dir) = &self.tuned {
            b = b.tuned_encoder(framelens::TunedEncoder::open(dir)?);
        }
        if let Some(model) = &self.model {
            b = b.model(model.parse()?);
        }
        match self.other_languages {
            None => {}
            Some(None) => b = b.other_languages(None),
            Some(Some(m)) if m == "none" => b = b.other_languages(None),
            Some(Some(m)) => b = b.other_languages(Some(m.parse()?)),
        }
        if let Some(n) = self.max_input_bytes {
            b = b.max_input_bytes(n);
        }
        b.build()
    }
}

/// `other_languages=`: `"auto"` (the library's default), `None`/`"none"`, or a model name.
fn other_languages_arg(value: Option<String>) -> Option<Option<String>> {
    match value {
        Some(s) if s == "auto" => None,
        Some(s) => Some(Some(s)),
        None => Some(None),
    }
}

/// `head=`: a `Head`, a `HeadSet`, a path (of either kind of file), or None.
fn head_arg(head: Option<&Bound<'_, PyAny>>) -> PyResult<(Option<framelens::HeadSet>, Option<PathBuf>)> {
    let Some(h) = head.filter(|h| !h.is_none()) else { return Ok((None, None)) };
    if let Ok(h) = h.downcast::<Head>() {
        return Ok((Some(framelens::HeadSet::single(h.get().inner.clone())), None));
    }
    if let Ok(set) = h.downcast::<HeadSet>() {
        return Ok((Some(set.get().inner.clone()), None));
    }
    let path = fspath(h).map_err(|_| {
        PyTypeError::new_err("head must be a framelens.Head, a framelens.HeadSet or the path of a head file")
    })?;
    Ok((None, Some(path)))
}

/// Finds framing and propaganda narratives in news text.
///
/// Classifier(taxonomy="media-frames", *, models_dir=None, threads=None,
/// model=None, head=None, tuned=None, other_languages="auto",
/// threshold=None, backend="onnx", max_input_bytes=None, vector_cache=True)
///
/// - ``taxonomy``: a built-in name (``media-frames``,
///   ``semeval2025-narratives``, ``persuasion-techniques``), the path of a
///   TOML/JSON file, or a :class:`Taxonomy`.
/// - ``models_dir``: the directory ``models/fetch`` filled (default:
///   ``$FRAMELENS_MODELS``, then ``./models``). The ONNX Runtime library is
///   ``$ORT_DYLIB_PATH``, else ``<models_dir>/onnxruntime/libonnxruntime.so``.
/// - ``threads``: worker threads (default: ``$FRAMELENS_THREADS``, then all cores).
/// - ``model``: ONNX model, ``rowq8`` (default, English), ``int8``, ``qint8``,
///   ``mpnet`` or ``e5`` (multilingual; ``models/fetch-e5``).
/// - ``head``: a trained :class:`Head` or :class:`HeadSet`, or the path of
///   a file ``train`` wrote (either kind; zero-shot scoring without one).
/// - ``tuned``: a tuned encoder's directory (``train --tune``).
/// - ``other_languages``: where documents go whose language the model does
///   not read: ``"auto"`` (multilingual-e5-small when an English model is
///   used and ``models/fetch-e5`` has built it), ``"e5"`` (required), or
///   ``None`` (score them with the model anyway, flagged unsupported).
/// - ``threshold``: document threshold in [0, 1] for categories without their own.
/// - ``backend``: ``onnx`` or ``rust-bert`` (a build with that feature only).
/// - ``max_input_bytes``: largest document accepted (default 64 MiB).
/// - ``vector_cache``: cache the taxonomy's vectors under ``<models_dir>/vector-cache``.
///
/// Building loads the model and embeds the taxonomy (about 0.2 s with a warm
/// cache). A classifier is thread-safe: share one between Python threads;
/// the GIL is released while it works.
#[pyclass(module = "framelens", name = "Classifier", frozen)]
pub struct Classifier {
    inner: Arc<framelens::Classifier>,
}

/// Documents per call to the library in `classify_batch` (as `batch --chunk`).
const DEFAULT_CHUNK: usize = 64;

#[pymethods]
impl Classifier {
    #[new]
    #[pyo3(
        text_signature = "(taxonomy='media-frames', *, models_dir=None, threads=None, model=None, head=None, tuned=None, other_languages='auto', threshold=None, backend=None, max_input_bytes=None, vector_cache=True)"
    )]
    #[pyo3(signature = (
        taxonomy = None, *, models_dir = None, threads = None, model = None, head = None, tuned = None,
        other_languages = Some("auto".to_string()), threshold = None, backend = None, max_input_bytes = None,
        vector_cache = true
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        taxonomy: Option<&Bound<'_, PyAny>>,
        models_dir: Option<&Bound<'_, PyAny>>,
        threads: Option<usize>,
        model: Option<String>,
        head: Option<&Bound<'_, PyAny>>,
        tuned: Option<&Bound<'_, PyAny>>,
        other_languages: Option<String>,
        threshold: Option<f32>,
        backend: Option<String>,
        max_input_bytes: Option<usize>,
        vector_cache: bool,
    ) -> PyResult<Self> {
        let taxonomy = match taxonomy {
            Some(t) if !t.is_none() => taxonomy_of(py, t)?,
            _ => unlocked(py, || framelens::Taxonomy::builtin("media-frames"))?,
        };
        let (head, head_path) = head_arg(head)?;
        let options = Options {
            models_dir: optional_path(models_dir)?,
            threads,
            model,
            head,
            head_path,
            tuned: optional_path(tuned)?,
            other_languages: other_languages_arg(other_languages),
            threshold,
            backend,
            max_input_bytes,
            vector_cache,
        };
        let inner = unlocked(py, move || options.build(taxonomy))?;
        batchfile::warn_all(py, inner.warnings())?;
        Ok(Classifier { inner: Arc::new(inner) })
    }

    /// classify(text) -> Analysis
    ///
    /// Classify one document (a ``str``) on all the classifier's threads.
    /// Raises ``InvalidInputError`` for an empty or whitespace-only text or
    /// one over ``max_input_bytes``.
    fn classify(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Analysis> {
        let text = match text_of(py, text, None) {
            Ok(t) => t,
            Err(e) => return Err(PyErr::from_value(e.into_bound(py))),
        };
        let c = Arc::clone(&self.inner);
        unlocked(py, move || {
            let a = c.classify(&text)?;
            Ok(Analysis::new(a, &text))
        })
    }

    /// classify_batch(texts, *, chunk_size=64, ids=None, adapt=False) -> list[Analysis | FramelensError]
    ///
    /// Classify many documents (any iterable of ``str``): one result per
    /// text, in order. With ``ids`` (one per text), the list carries them
    /// (``results.ids``) and ``to_pandas``/``to_arrow`` use them. A document that cannot be classified (empty, not a
    /// ``str``, too large, ...) gets a ``FramelensError`` instance in its
    /// place, not raised: one bad document never sinks the others.
    ///
    /// Documents go to the library ``chunk_size`` at a time (their sentences
    /// are batched together, as ``batch --chunk``); ``KeyboardInterrupt``
    /// (Ctrl-C) is honoured between chunks.
    ///
    /// ``adapt=True`` re-decides every document with the corpus's estimated
    /// prevalences as priors, as ``batch --adapt`` (no second encoding);
    /// two-level taxonomies only: a flat one raises ``InvalidInputError``
    /// before any work.
    #[pyo3(
        signature = (texts, *, chunk_size = DEFAULT_CHUNK, ids = None, adapt = false),
        text_signature = "(self, texts, *, chunk_size=64, ids=None, adapt=False)"
    )]
    fn classify_batch(
        &self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        chunk_size: usize,
        ids: Option<&Bound<'_, PyAny>>,
        adapt: bool,
    ) -> PyResult<PyObject> {
        let chunk_size = chunk_size.max(1);
        if adapt {
            prevalence::check_adaptable(self.inner.taxonomy())?;
        }
        if texts.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "classify_batch takes an iterable of str (one per document), not a str; use classify for one text",
            ));
        }
        // Read every text first: a failing iterator raises before any work.
        let mut items: Vec<Result<String, PyObject>> = Vec::new();
        for (i, t) in texts.try_iter()?.enumerate() {
            items.push(text_of(py, &t?, Some(i)));
        }
        let ids = batch_ids(ids, items.len())?;
        let mut out: Vec<PyObject> = Vec::with_capacity(items.len());
        let mut pending: Vec<(usize, String)> = Vec::new();
        let mut slots: Vec<Option<PyObject>> = items.iter().map(|_| None).collect();
        let flush = |py: Python<'_>, pending: &mut Vec<(usize, String)>, slots: &mut Vec<Option<PyObject>>| {
            let batch = std::mem::take(pending);
            let c = Arc::clone(&self.inner);
            let results = py.allow_threads(move || classify_chunk(&c, batch));
            for (i, r) in results {
                slots[i] = Some(match r {
                    Ok(a) => Py::new(py, a)?.into_any(),
                    Err(e) => e.into_object(py),
                });
            }
            py.check_signals()
        };
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Ok(text) => pending.push((i, text)),
                Err(e) => slots[i] = Some(e),
            }
            if pending.len() == chunk_size {
                flush(py, &mut pending, &mut slots)?;
            }
        }
        if !pending.is_empty() {
            flush(py, &mut pending, &mut slots)?;
        }
        if adapt {
            prevalence::adapt_slots(py, self.inner.taxonomy(), &mut slots)?;
        }
        for s in slots {
            out.push(s.expect("every document has a result"));
        }
        let list = PyList::new(py, out)?;
        match ids {
            None => Ok(list.into_any().unbind()),
            Some(ids) => Ok(py.import("framelens._batch")?.getattr("BatchResults")?.call1((list, ids))?.unbind()),
        }
    }

    /// classify_units(text, unit="paragraph") -> list[Unit]
    ///
    /// Classify each unit of a text on its own — each ``"paragraph"`` (a
    /// block of lines up to a blank line, or a line in one-paragraph-a-line
    /// layouts) or each ``"sentence"``; ``"document"`` gives one unit. Each
    /// :class:`Unit` has its offsets in ``text`` and its :class:`Analysis`
    /// (whose sentence offsets are into the whole text too).
    #[pyo3(signature = (text, unit = "paragraph"))]
    fn classify_units(&self, py: Python<'_>, text: &Bound<'_, PyAny>, unit: &str) -> PyResult<Vec<Unit>> {
        let granularity: framelens::Granularity = unit
            .parse()
            .map_err(|e: String| py_error(py, "InvalidSettingError", &format!("invalid setting `unit`: {e}")))?;
        let text = match text_of(py, text, None) {
            Ok(t) => t,
            Err(e) => return Err(PyErr::from_value(e.into_bound(py))),
        };
        let c = Arc::clone(&self.inner);
        let pending = unlocked(py, move || {
            let units = c.classify_units(&text, granularity)?;
            Ok(Unit::list(units, &text))
        })?;
        pending.into_iter().map(|u| u.into_unit(py)).collect()
    }

    /// The taxonomy in use.
    #[getter]
    fn taxonomy(&self) -> Taxonomy {
        Taxonomy { inner: self.inner.taxonomy().clone() }
    }

    /// The encoder's name, e.g. ``onnx:all-MiniLM-L6-v2-rowq8``.
    #[getter]
    fn encoder(&self) -> String {
        self.inner.encoder_name().to_string()
    }

    /// What the build could not do as the taxonomy asked (each also given
    /// to ``warnings.warn`` when the classifier was built): e.g. thresholds
    /// that could not be learnt from a background of fewer than 20 sentences.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.inner.warnings().to_vec()
    }

    /// Worker threads.
    #[getter]
    fn threads(&self) -> usize {
        self.inner.threads()
    }

    /// Largest document, in bytes (UTF-8), that ``classify*`` accepts.
    #[getter]
    fn max_input_bytes(&self) -> usize {
        self.inner.max_input_bytes()
    }

    /// The encoder documents in other languages go to (``None`` if none).
    #[getter]
    fn other_languages_encoder(&self) -> Option<&'static str> {
        self.inner.other_languages_encoder()
    }

    /// The document thresholds for an article-length document, ``{label: threshold}``.
    #[getter]
    fn thresholds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (l, t) in self.inner.taxonomy().labels().zip(self.inner.thresholds()) {
            d.set_item(l, results::score(*t))?;
        }
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "<framelens.Classifier taxonomy={:?} encoder={:?} threads={}>",
            self.inner.taxonomy().name,
            self.inner.encoder_name(),
            self.inner.threads()
        )
    }
}

/// The `ids` of `classify_batch` as a list, one per text.
fn batch_ids<'py>(ids: Option<&Bound<'py, PyAny>>, texts: usize) -> PyResult<Option<Bound<'py, PyList>>> {
    let Some(ids) = ids.filter(|i| !i.is_none()) else { return Ok(None) };
    if ids.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err("ids: expected an iterable of ids, one per text, not a str"));
    }
    let list = PyList::new(ids.py(), ids.try_iter()?.collect::<PyResult<Vec<_>>>()?)?;
    if list.len() != texts {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "ids: {} ids for {texts} texts; give one id per text",
            list.len()
        )));
    }
    Ok(Some(list))
}

/// A document's text, or the `InvalidInputError` instance for an item that is
/// not a `str` (or holds lone surrogates, which UTF-8 cannot carry).
fn text_of(py: Python<'_>, obj: &Bound<'_, PyAny>, index: Option<usize>) -> Result<String, PyObject> {
    let which = index.map_or_else(String::new, |i| format!("document {i}: "));
    let invalid = |message: String| {
        make_error(py, "InvalidInputError", &message, &[]).unwrap_or_else(|e| e.into_value(py).into_any())
    };
    match obj.downcast::<PyString>() {
        Ok(s) => match s.to_cow() {
            Ok(t) => Ok(t.into_owned()),
            Err(e) => Err(invalid(format!("invalid input: {which}the text cannot be encoded as UTF-8 ({e})"))),
        },
        Err(_) => {
            let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
            Err(invalid(format!("invalid input: {which}expected a str, got {ty}")))
        }
    }
}

/// A library error waiting for the GIL, or an analysis.
enum ChunkError {
    Library(framelens::Error),
    Panic(String),
}

impl ChunkError {
    fn into_object(self, py: Python<'_>) -> PyObject {
        match self {
            ChunkError::Library(e) => error_object(py, &e),
            ChunkError::Panic(m) => {
                make_error(py, "FramelensError", &m, &[]).unwrap_or_else(|e| e.into_value(py).into_any())
            }
        }
    }
}

/// Classify a chunk of `(index, text)`; if the library panics on it, each
/// document again on its own, so that only the one at fault gets the error.
fn classify_chunk(
    c: &framelens::Classifier,
    batch: Vec<(usize, String)>,
) -> Vec<(usize, Result<Analysis, ChunkError>)> {
    let texts: Vec<&str> = batch.iter().map(|(_, t)| t.as_str()).collect();
    match catch_unwind(AssertUnwindSafe(|| c.classify_batch(&texts))) {
        Ok(results) => batch
            .iter()
            .zip(results)
            .map(|((i, t), r)| (*i, r.map(|a| Analysis::new(a, t)).map_err(ChunkError::Library)))
            .collect(),
        Err(_) => batch
            .iter()
            .map(|(i, t)| {
                let r = match catch_unwind(AssertUnwindSafe(|| c.classify(t))) {
                    Ok(Ok(a)) => Ok(Analysis::new(a, t)),
                    Ok(Err(e)) => Err(ChunkError::Library(e)),
                    Err(p) => Err(ChunkError::Panic(panic_message(p))),
                };
                (*i, r)
            })
            .collect(),
    }
}

// ----------------------------------------------------------------- the module

/// decode_text(data, path=None) -> str
///
/// A text from its bytes by the rules ``batch`` reads files and JSONL texts
/// with: UTF-8, the byte order mark removed. Bytes that are not UTF-8 raise
/// ``DataError`` naming ``path``, the line and the byte offset when ``path``
/// (the file they came from) is given, and ``InvalidInputError`` otherwise.
#[pyfunction]
#[pyo3(signature = (data, path = None))]
fn decode_text(py: Python<'_>, data: &[u8], path: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
    let (data, path) = (data.to_vec(), optional_path(path)?);
    unlocked(py, move || framelens::corpus::decode_text(data, path.as_deref()))
}

/// The path of the repository this module was built from (for `fetch_models`).
#[pyfunction]
fn _source_root() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../..").to_string()
}

/// The model directory the library would use: ``models_dir`` if given, else
/// ``$FRAMELENS_MODELS``, else ``models`` (relative to the working directory).
#[pyfunction]
#[pyo3(signature = (models_dir = None))]
fn resolve_models_dir(models_dir: Option<&Bound<'_, PyAny>>) -> PyResult<PathBuf> {
    let explicit = optional_path(models_dir)?;
    Ok(framelens::models::resolve_models_dir(explicit.as_deref()))
}

/// The ONNX Runtime library the library would load for ``models_dir``:
/// ``$ORT_DYLIB_PATH`` if set, else ``<models_dir>/onnxruntime/libonnxruntime.so``.
#[pyfunction]
#[pyo3(signature = (models_dir = None))]
fn onnxruntime_library(models_dir: Option<&Bound<'_, PyAny>>) -> PyResult<PathBuf> {
    let dir = resolve_models_dir(models_dir)?;
    Ok(framelens::models::onnxruntime_library(&dir))
}

#[pymodule]
fn _framelens(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Taxonomy>()?;
    m.add_class::<Head>()?;
    m.add_class::<HeadSet>()?;
    m.add_class::<Classifier>()?;
    results::register(m)?;
    batchfile::register(m)?;
    m.add_function(wrap_pyfunction!(corpus::train, m)?)?;
    m.add_function(wrap_pyfunction!(corpus::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(decode_text, m)?)?;
    m.add_function(wrap_pyfunction!(prevalence::prevalence, m)?)?;
    m.add_function(wrap_pyfunction!(prevalence::adapt, m)?)?;
    m.add_class::<adaptation::Adaptation>()?;
    m.add_function(wrap_pyfunction!(report::report, m)?)?;
    m.add_function(wrap_pyfunction!(resolve_models_dir, m)?)?;
    m.add_function(wrap_pyfunction!(onnxruntime_library, m)?)?;
    m.add_function(wrap_pyfunction!(_source_root, m)?)?;
    m.add("BUILTIN_TAXONOMIES", framelens::taxonomy::BUILTIN_NAMES.to_vec())?;
    m.add("DEFAULT_CHUNK", DEFAULT_CHUNK)?;
    Ok(())
}
