//! Result objects: `Analysis`, `Sentence`, `Label`, `Language`, `Unit`.
//!
//! Each holds the library's result and the character offsets of its
//! sentences (computed once, without the GIL, from the text it came from);
//! attributes build Python objects when they are read.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::offsets::CharIndex;

/// The analysis of one document: its labels with evidence, its sentences
/// with their scores, and every category's document score.
///
/// Offsets: ``Sentence.start``/``end`` (and ``Unit.start``/``end``) are
/// CHARACTER offsets into the Python ``str`` that was classified, so
/// ``text[s.start:s.end] == s.text``; ``byte_start``/``byte_end`` are the
/// UTF-8 byte offsets the Rust library reports. ``to_dict()``/``to_json()``
/// give exactly the library's JSON (what ``classify --json`` and ``batch``
/// write), whose offsets are byte offsets.
#[pyclass(module = "framelens", name = "Analysis", frozen)]
pub struct Analysis {
    pub(crate) inner: framelens::DocumentAnalysis,
    /// Character `(start, end)` of each sentence.
    pub(crate) chars: Vec<(usize, usize)>,
}

impl Analysis {
    /// Wrap the library's analysis of `text`.
    pub fn new(inner: framelens::DocumentAnalysis, text: &str) -> Self {
        Self::with_index(inner, &CharIndex::new(text))
    }

    fn with_index(inner: framelens::DocumentAnalysis, index: &CharIndex<'_>) -> Self {
        let chars = inner.sentences.iter().map(|s| (index.chars_before(s.start), index.chars_before(s.end))).collect();
        Analysis { inner, chars }
    }

    fn json(&self, pretty: bool) -> PyResult<String> {
        let r = if pretty { serde_json::to_string_pretty(&self.inner) } else { serde_json::to_string(&self.inner) };
        r.map_err(|e| crate::to_pyerr(e.into()))
    }
}

/// A score as Python reads it from the library's JSON: the shortest decimal
/// that gives back the `f32` (0.5361328, not 0.5361328125), so that the
/// attributes equal `to_dict()`'s values.
pub fn score(value: f32) -> f64 {
    if !value.is_finite() {
        return f64::from(value);
    }
    value.to_string().parse().unwrap_or(f64::from(value))
}

fn labels(list: &[framelens::DocumentLabel]) -> Vec<Label> {
    list.iter().map(|l| Label { label: l.label.clone(), score: score(l.score), evidence: l.evidence.clone() }).collect()
}

fn score_dict<'py>(
    py: Python<'py>,
    scores: impl Iterator<Item = framelens::LabelScore>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for s in scores {
        d.set_item(&*s.label, score(s.score))?;
    }
    Ok(d)
}

#[pymethods]
impl Analysis {
    /// The taxonomy's name.
    #[getter]
    fn taxonomy(&self) -> &str {
        &self.inner.taxonomy
    }

    /// The encoder backend and model, e.g. ``onnx:all-MiniLM-L6-v2-rowq8``.
    #[getter]
    fn encoder(&self) -> &str {
        &self.inner.encoder
    }

    /// ``zero-shot`` or ``head:<file>``.
    #[getter]
    fn scorer(&self) -> &str {
        &self.inner.scorer
    }

    /// The domain the document was routed to (``URW``, ``CC``) for
    /// taxonomies with domains, else ``None``.
    #[getter]
    fn domain(&self) -> Option<&str> {
        self.inner.domain.as_deref()
    }

    /// Why a document of a taxonomy with domains has no ``domain``: its
    /// sentences are in none of the domains (it is then ``Other``); ``None``
    /// otherwise.
    #[getter]
    fn domain_reason(&self) -> Option<&str> {
        self.inner.domain_reason.as_deref()
    }

    /// The language detected, or ``None`` when the text has too little
    /// script to tell. ``language.supported`` is False when the encoder does
    /// not read it (the scores are then not meaningful).
    #[getter]
    fn language(&self) -> Option<Language> {
        self.inner.language.as_ref().map(|l| Language {
            code: l.code.clone(),
            name: l.name.clone(),
            confidence: l.confidence,
            supported: l.supported,
        })
    }

    /// The sentences, in text order (see :class:`Sentence` for offsets).
    #[getter]
    fn sentences(&self) -> Vec<Sentence> {
        self.inner
            .sentences
            .iter()
            .zip(&self.chars)
            .map(|(s, &(start, end))| Sentence { inner: s.clone(), start, end })
            .collect()
    }

    /// The document's labels (fine labels for two-level taxonomies), high to
    /// low; each with its ``evidence``, indices into ``sentences``.
    #[getter]
    fn labels(&self) -> Vec<Label> {
        labels(&self.inner.labels)
    }

    /// For two-level taxonomies, the coarse labels (narratives), high to
    /// low; ``None`` for flat taxonomies.
    #[getter]
    fn coarse(&self) -> Option<Vec<Label>> {
        self.inner.coarse.as_deref().map(labels)
    }

    /// Every category's document score, decided or not, ``{label: score}``
    /// from high to low.
    #[getter]
    fn document_scores<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        score_dict(py, self.inner.document_scores.iter().cloned())
    }

    /// The decided labels' names, high to low.
    fn label_names(&self) -> Vec<String> {
        self.inner.labels.iter().map(|l| l.label.clone()).collect()
    }

    /// The document score of ``label`` (``None`` if the taxonomy has no such label).
    fn score_of(&self, label: &str) -> Option<f64> {
        self.inner.score_of(label).map(score)
    }

    /// The analysis as the library's JSON (byte offsets, as in Rust):
    /// compact, or indented as ``classify --json`` prints it with ``pretty=True``.
    #[pyo3(signature = (pretty = false))]
    fn to_json(&self, pretty: bool) -> PyResult<String> {
        self.json(pretty)
    }

    /// ``json.loads(self.to_json())``: the library's JSON as Python objects
    /// (byte offsets, as in Rust).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let json = self.json(false)?;
        py.import("json")?.call_method1("loads", (json,))
    }

    /// Rebuild an analysis from ``__reduce__``'s state (for pickle).
    #[staticmethod]
    fn _from_state(json: &str, chars: Vec<(usize, usize)>) -> PyResult<Self> {
        let inner: framelens::DocumentAnalysis = serde_json::from_str(json).map_err(|e| crate::to_pyerr(e.into()))?;
        if chars.len() != inner.sentences.len() {
            return Err(pyo3::exceptions::PyValueError::new_err("analysis state: one offset pair per sentence"));
        }
        Ok(Analysis { inner, chars })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let this = slf.get();
        let rebuild = slf.get_type().getattr("_from_state")?;
        let args = PyTuple::new(
            slf.py(),
            [this.json(false)?.into_pyobject(slf.py())?.into_any(), this.chars.clone().into_pyobject(slf.py())?],
        )?;
        Ok((rebuild, args))
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.downcast::<Analysis>().is_ok_and(|o| o.get().inner == self.inner && o.get().chars == self.chars)
    }

    fn __repr__(&self) -> String {
        let names: Vec<&str> = self.inner.labels.iter().map(|l| l.label.as_str()).collect();
        format!(
            "<framelens.Analysis {}: {} sentences, labels {:?}>",
            self.inner.taxonomy,
            self.inner.sentences.len(),
            names
        )
    }
}

/// A document-level label: ``label``, ``score`` in [0, 1], and ``evidence``,
/// the indices into ``Analysis.sentences`` of the sentences that carry it,
/// strongest first.
#[pyclass(module = "framelens", name = "Label", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct Label {
    /// The category's label, as the taxonomy writes it.
    #[pyo3(get)]
    label: String,
    /// The document score in [0, 1].
    #[pyo3(get)]
    score: f64,
    /// Indices into ``Analysis.sentences``, strongest first.
    #[pyo3(get)]
    evidence: Vec<usize>,
}

#[pymethods]
impl Label {
    /// ``{"label", "score", "evidence"}``, as in the library's JSON.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("label", &self.label)?;
        d.set_item("score", self.score)?;
        d.set_item("evidence", self.evidence.clone())?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!("Label(label={:?}, score={:.4}, evidence={:?})", self.label, self.score, self.evidence)
    }
}

/// One sentence of a document with its per-category scores.
///
/// ``start``/``end`` are character offsets into the Python ``str`` that was
/// classified (``text[start:end] == sentence.text``); ``byte_start``/
/// ``byte_end`` are the UTF-8 byte offsets the library (and its JSON) uses.
#[pyclass(module = "framelens", name = "Sentence", frozen)]
pub struct Sentence {
    inner: framelens::Sentence,
    start: usize,
    end: usize,
}

#[pymethods]
impl Sentence {
    /// Character offset of the sentence's first character in the text.
    #[getter]
    fn start(&self) -> usize {
        self.start
    }

    /// Character offset one past its last character.
    #[getter]
    fn end(&self) -> usize {
        self.end
    }

    /// UTF-8 byte offset of its first byte (as in the library's JSON).
    #[getter]
    fn byte_start(&self) -> usize {
        self.inner.start
    }

    /// UTF-8 byte offset one past its last byte.
    #[getter]
    fn byte_end(&self) -> usize {
        self.inner.end
    }

    /// The sentence's text.
    #[getter]
    fn text(&self) -> &str {
        &self.inner.text
    }

    /// Word pieces, special tokens excluded.
    #[getter]
    fn tokens(&self) -> usize {
        self.inner.tokens
    }

    /// Overlapping windows the encoder needed (more than 1: longer than the model's limit).
    #[getter]
    fn windows(&self) -> usize {
        self.inner.windows
    }

    /// Web-page furniture (a breadcrumb, a share or newsletter prompt, a
    /// byline, a photo credit): kept with its scores, but never evidence and
    /// never part of a document score.
    #[getter]
    fn furniture(&self) -> bool {
        self.inner.furniture
    }

    /// Every category's score for this sentence, ``{label: score}`` from high to low.
    #[getter]
    fn scores<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        score_dict(py, self.inner.scores.iter())
    }

    fn __repr__(&self) -> String {
        let text: String = self.inner.text.chars().take(60).collect();
        format!("<framelens.Sentence [{}:{}] {:?}>", self.start, self.end, text)
    }
}

/// The language detected in a document.
#[pyclass(module = "framelens", name = "Language", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct Language {
    /// ISO 639-3 code, e.g. ``eng``, ``rus``.
    #[pyo3(get)]
    code: String,
    /// English name, e.g. ``Russian``.
    #[pyo3(get)]
    name: String,
    /// The detector's confidence in [0, 1].
    #[pyo3(get)]
    confidence: f64,
    /// False when the detection is settled and the encoder does not read
    /// the language: the document's scores are then not meaningful.
    #[pyo3(get)]
    supported: bool,
}

#[pymethods]
impl Language {
    fn __repr__(&self) -> String {
        format!(
            "Language(code={:?}, name={:?}, confidence={:.2}, supported={})",
            self.code,
            self.name,
            self.confidence,
            if self.supported { "True" } else { "False" }
        )
    }
}

/// One unit (paragraph or sentence) of a text classified on its own
/// (``Classifier.classify_units``): its offsets in the text and its
/// :class:`Analysis`. ``start``/``end`` are character offsets into the text,
/// ``byte_start``/``byte_end`` UTF-8 byte offsets; the analysis' sentence
/// offsets are into the whole text too, its evidence indices into the
/// unit's own sentences.
#[pyclass(module = "framelens", name = "Unit", frozen)]
pub struct Unit {
    /// Character offset of the unit's first sentence.
    #[pyo3(get)]
    start: usize,
    /// Character offset one past its last sentence.
    #[pyo3(get)]
    end: usize,
    /// UTF-8 byte offset of the unit's first sentence.
    #[pyo3(get)]
    byte_start: usize,
    /// UTF-8 byte offset one past its last sentence.
    #[pyo3(get)]
    byte_end: usize,
    /// The unit's analysis.
    #[pyo3(get)]
    analysis: Py<Analysis>,
}

/// A unit before it has the GIL (its analysis not yet a Python object).
pub struct PendingUnit {
    start: usize,
    end: usize,
    byte_start: usize,
    byte_end: usize,
    analysis: Analysis,
}

impl Unit {
    /// The library's units of `text`, with character offsets (no GIL needed).
    pub fn list(units: Vec<framelens::UnitAnalysis>, text: &str) -> Vec<PendingUnit> {
        let index = CharIndex::new(text);
        units
            .into_iter()
            .map(|u| PendingUnit {
                start: index.chars_before(u.start),
                end: index.chars_before(u.end),
                byte_start: u.start,
                byte_end: u.end,
                analysis: Analysis::with_index(u.analysis, &index),
            })
            .collect()
    }
}

impl PendingUnit {
    /// The Python object.
    pub fn into_unit(self, py: Python<'_>) -> PyResult<Unit> {
        Ok(Unit {
            start: self.start,
            end: self.end,
            byte_start: self.byte_start,
            byte_end: self.byte_end,
            analysis: Py::new(py, self.analysis)?,
        })
    }
}

#[pymethods]
impl Unit {
    /// The library's JSON of the unit as Python objects:
    /// ``{"start", "end", "analysis"}`` with byte offsets, as in Rust.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("start", self.byte_start)?;
        d.set_item("end", self.byte_end)?;
        d.set_item("analysis", self.analysis.get().to_dict(py)?)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!("<framelens.Unit [{}:{}] {}>", self.start, self.end, self.analysis.get().__repr__())
    }
}

/// Add the result classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Analysis>()?;
    m.add_class::<Label>()?;
    m.add_class::<Sentence>()?;
    m.add_class::<Language>()?;
    m.add_class::<Unit>()?;
    Ok(())
}
