//! `framelens.prevalence(results)`, `framelens.adapt(results)` and
//! `classify_batch(..., adapt=True)`: thin wrappers over
//! `framelens::corpus::Prevalence` (what `batch --summary` and `batch
//! --adapt` run).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::results::Analysis;
use crate::{py_error, taxonomy_of, unlocked};

/// One item of `results` as the library's analysis; `None` for a failed
/// document (an exception instance or `None`), skipped like `batch`'s error
/// records.
pub(crate) fn analysis_of(
    py: Python<'_>,
    item: &Bound<'_, PyAny>,
    index: usize,
) -> PyResult<Option<framelens::DocumentAnalysis>> {
    if item.is_none() || item.is_instance_of::<pyo3::exceptions::PyBaseException>() {
        return Ok(None);
    }
    if let Ok(a) = item.downcast::<Analysis>() {
        return Ok(Some(a.get().inner.clone()));
    }
    let json: String = if let Ok(s) = item.downcast::<PyString>() {
        s.to_cow()?.into_owned()
    } else if item.downcast::<PyDict>().is_ok() {
        py.import("json")?.call_method1("dumps", (item,))?.extract()?
    } else {
        let ty = item.get_type().name()?;
        return Err(py_error(
            py,
            "InvalidInputError",
            &format!(
                "invalid input: result {index}: expected a framelens.Analysis, its to_dict() or to_json(), or a failed document's error; got {ty}"
            ),
        ));
    };
    serde_json::from_str(&json).map(Some).map_err(|e| {
        py_error(py, "InvalidInputError", &format!("invalid input: result {index}: not an analysis's JSON ({e})"))
    })
}

/// The taxonomy to estimate with: `taxonomy=` if given, else the built-in
/// one the first analysis names.
pub(crate) fn taxonomy_for(
    py: Python<'_>,
    taxonomy: Option<&Bound<'_, PyAny>>,
    docs: &[framelens::DocumentAnalysis],
) -> PyResult<framelens::Taxonomy> {
    if let Some(t) = taxonomy.filter(|t| !t.is_none()) {
        return taxonomy_of(py, t);
    }
    // With no documents the library's own "no classified documents" error
    // comes next, whatever the taxonomy.
    let name = docs.first().map_or("media-frames", |d| d.taxonomy.as_str()).to_string();
    if !framelens::taxonomy::BUILTIN_NAMES.contains(&name.as_str()) {
        return Err(py_error(
            py,
            "InvalidSettingError",
            &format!("invalid setting `taxonomy`: the results were classified with `{name}`, not a built-in taxonomy: pass it as taxonomy= (a path or a framelens.Taxonomy)"),
        ));
    }
    unlocked(py, move || framelens::Taxonomy::builtin(&name))
}

/// prevalence(results, *, taxonomy=None, method="gate") -> dict
///
/// How much of a corpus carries each category: the summary ``batch --summary``
/// writes, as a dict ``{"documents", "taxonomy", "prevalence": {label:
/// {"estimate", "low", "high", "counted", "note"?}}, "method",
/// "by_language"?}`` (90% intervals; ``by_language`` when the documents are
/// in several languages).
///
/// ``results``: what ``classify_batch`` returns (failed documents, i.e.
/// exception instances, and ``None`` are skipped, as ``batch`` skips its
/// error records), or analyses as ``to_dict()``/``to_json()`` gave them (the
/// Spark job's ``analysis`` column). ``taxonomy``: the one they were
/// classified with (default: the built-in one they name). ``method``:
/// ``"gate"`` (the default, chosen on evidence), ``"anchored"`` or ``"count"``.
/// No results, or every one failed, raises ``InvalidInputError``.
#[pyfunction]
#[pyo3(signature = (results, *, taxonomy = None, method = "gate"))]
pub fn prevalence(
    py: Python<'_>,
    results: &Bound<'_, PyAny>,
    taxonomy: Option<&Bound<'_, PyAny>>,
    method: &str,
) -> PyResult<PyObject> {
    let method: framelens::corpus::Method = serde_json::from_value(serde_json::Value::String(method.to_string()))
        .map_err(|_| {
            py_error(
                py,
                "InvalidSettingError",
                &format!("invalid setting `method`: `{method}`; expected gate, anchored or count"),
            )
        })?;
    if results.is_instance_of::<PyString>() {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "prevalence takes a list of results (one per document), not a str",
        ));
    }
    let mut docs = Vec::new();
    for (i, item) in results.try_iter()?.enumerate() {
        if let Some(a) = analysis_of(py, &item?, i)? {
            docs.push(a);
        }
    }
    let taxonomy = taxonomy_for(py, taxonomy, &docs)?;
    let summary = unlocked(py, move || {
        let p = framelens::corpus::Prevalence::estimate_with(&docs, &taxonomy, method)?;
        serde_json::to_string(&p).map_err(framelens::Error::from)
    })?;
    Ok(py.import("json")?.call_method1("loads", (summary,))?.unbind())
}

/// Refuse `adapt=True` for a flat taxonomy before any work, with the
/// library's error.
pub fn check_adaptable(taxonomy: &framelens::Taxonomy) -> PyResult<()> {
    framelens::corpus::Adaptation::check_adaptable(taxonomy).map_err(crate::to_pyerr)
}

/// `classify_batch(..., adapt=True)`: re-decide the analyses among `slots`
/// with the corpus's prevalences as priors (`Prevalence::adapt`); failed
/// documents stay as they are. Nothing to do when every document failed.
pub fn adapt_slots(py: Python<'_>, taxonomy: &framelens::Taxonomy, slots: &mut [Option<PyObject>]) -> PyResult<()> {
    let mut at = Vec::new();
    let mut docs = Vec::new();
    for (i, s) in slots.iter().enumerate() {
        if let Some(obj) = s {
            if let Ok(a) = obj.bind(py).downcast::<Analysis>() {
                at.push((i, a.get().chars.clone()));
                docs.push(a.get().inner.clone());
            }
        }
    }
    if docs.is_empty() {
        return Ok(());
    }
    let t = taxonomy.clone();
    let docs = unlocked(py, move || {
        let mut docs = docs;
        framelens::corpus::Prevalence::adapt(&mut docs, &t)?;
        Ok(docs)
    })?;
    for ((i, chars), inner) in at.into_iter().zip(docs) {
        slots[i] = Some(Py::new(py, Analysis { inner, chars })?.into_any());
    }
    Ok(())
}

/// How an item of `results` came in, so that `adapt` gives it back the same
/// way.
pub(crate) enum Kind {
    /// A failed document (an exception instance or `None`): passed through.
    Passed,
    /// A `framelens.Analysis`, with its sentences' character offsets.
    Analysis(Vec<(usize, usize)>),
    /// `to_dict()`'s dict.
    Dict,
    /// `to_json()`'s string.
    Json,
}

/// One item of `results`: how it came in and its analysis (`None` for a
/// failed document).
pub(crate) fn item_of(
    py: Python<'_>,
    item: &Bound<'_, PyAny>,
    index: usize,
) -> PyResult<(Kind, Option<framelens::DocumentAnalysis>)> {
    let doc = analysis_of(py, item, index)?;
    let kind = if doc.is_none() {
        Kind::Passed
    } else if let Ok(a) = item.downcast::<Analysis>() {
        Kind::Analysis(a.get().chars.clone())
    } else if item.is_instance_of::<PyString>() {
        Kind::Json
    } else {
        Kind::Dict
    };
    Ok((kind, doc))
}

/// A re-decided analysis as the kind it came in as.
pub(crate) fn give_back(py: Python<'_>, kind: Kind, doc: framelens::DocumentAnalysis) -> PyResult<PyObject> {
    let json = || serde_json::to_string(&doc).map_err(|e| crate::to_pyerr(e.into()));
    Ok(match kind {
        Kind::Analysis(chars) => Py::new(py, Analysis { inner: doc, chars })?.into_any(),
        Kind::Json => PyString::new(py, &json()?).into_any().unbind(),
        Kind::Dict => py.import("json")?.call_method1("loads", (json()?,))?.unbind(),
        Kind::Passed => py.None(),
    })
}

/// Every analysis was classified with `taxonomy` (this version of it): the
/// library checks this too, but counts only the analyses; this names the
/// item's index in `results`.
pub(crate) fn check_items(
    py: Python<'_>,
    taxonomy: &framelens::Taxonomy,
    items: &[(usize, &framelens::DocumentAnalysis)],
) -> PyResult<()> {
    check_items_against(py, taxonomy, &framelens::basis::fingerprint(taxonomy), items)
}

/// [`check_items`] with the taxonomy's fingerprint already known (it is a
/// SHA-256 of the whole serialised taxonomy: `Adaptation.apply`, called
/// once per row, passes the one its adaptation was fitted with).
pub(crate) fn check_items_against(
    py: Python<'_>,
    taxonomy: &framelens::Taxonomy,
    fingerprint: &str,
    items: &[(usize, &framelens::DocumentAnalysis)],
) -> PyResult<()> {
    for &(i, d) in items {
        if d.taxonomy != taxonomy.name {
            return Err(py_error(
                py,
                "InvalidInputError",
                &format!(
                    "invalid input: result {i} was classified with taxonomy `{}`, not `{}`: adapt one taxonomy at a time",
                    d.taxonomy, taxonomy.name
                ),
            ));
        }
        if let Some(b) = d.basis.as_ref().filter(|b| b.taxonomy != fingerprint) {
            return Err(py_error(
                py,
                "InvalidInputError",
                &format!(
                    "invalid input: result {i} was classified with another version of taxonomy `{}` ({}, this one is {})",
                    taxonomy.name, b.taxonomy, fingerprint
                ),
            ));
        }
    }
    Ok(())
}

/// What adapting reads from `results`: every item as it came in (`items`,
/// `kinds`), the analyses among them (`docs`, at the indices `at`), and the
/// taxonomy, checked: every analysis is of it (this version) and it can be
/// adapted.
pub(crate) struct ToAdapt {
    pub items: Vec<PyObject>,
    pub kinds: Vec<Kind>,
    pub at: Vec<usize>,
    pub docs: Vec<framelens::DocumentAnalysis>,
    pub taxonomy: framelens::Taxonomy,
}

/// Read `results` for `framelens.adapt` or `Adaptation.fit`: `caller` names
/// the call and `purpose` what the analyses are for, in the errors.
pub(crate) fn to_adapt(
    py: Python<'_>,
    results: &Bound<'_, PyAny>,
    taxonomy: Option<&Bound<'_, PyAny>>,
    caller: &str,
    purpose: &str,
) -> PyResult<ToAdapt> {
    if results.is_instance_of::<PyString>() {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{caller} takes a list of results (one per document), not a str"
        )));
    }
    let mut items = Vec::new();
    let mut kinds = Vec::new();
    let mut docs = Vec::new();
    let mut at = Vec::new();
    for (i, item) in results.try_iter()?.enumerate() {
        let item = item?;
        let (kind, doc) = item_of(py, &item, i)?;
        if let Some(d) = doc {
            at.push(i);
            docs.push(d);
        }
        kinds.push(kind);
        items.push(item.unbind());
    }
    if docs.is_empty() {
        return Err(py_error(
            py,
            "InvalidInputError",
            &format!("invalid input: no classified documents to {purpose} (none given, or every one failed)"),
        ));
    }
    let taxonomy = taxonomy_for(py, taxonomy, &docs)?;
    check_items(py, &taxonomy, &at.iter().copied().zip(&docs).collect::<Vec<_>>())?;
    check_adaptable(&taxonomy)?;
    Ok(ToAdapt { items, kinds, at, docs, taxonomy })
}

/// adapt(results, *, taxonomy=None) -> list
///
/// Re-decide every document of a corpus with the corpus's estimated
/// prevalences as priors (per language when it holds several): what
/// ``batch --adapt`` and ``classify_batch(..., adapt=True)`` do, from the
/// scores and decision basis already in each result (no model, no second
/// encoding). Two-level taxonomies only (a flat one raises
/// ``InvalidInputError``, as ``batch --adapt`` refuses it).
///
/// ``results``: what ``classify_batch`` returns, or analyses as
/// ``to_dict()``/``to_json()`` gave them (the Spark job's ``analysis``
/// column). Returns a new list in the same order, each item of the kind it
/// came in as (an ``Analysis`` for an ``Analysis``, a dict for a dict, a JSON
/// string for a string); failed documents (exception instances, ``None``)
/// are passed through in place. ``taxonomy``: the one they were classified
/// with (default: the built-in one they name). Items of another taxonomy,
/// or that are not analyses, raise ``InvalidInputError`` naming the item's
/// index; no analysis at all (none given, or every one failed) raises it too.
#[pyfunction]
#[pyo3(signature = (results, *, taxonomy = None))]
pub fn adapt(
    py: Python<'_>,
    results: &Bound<'_, PyAny>,
    taxonomy: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<PyObject>> {
    let ToAdapt { items, kinds, at, docs, taxonomy } = to_adapt(py, results, taxonomy, "adapt", "adapt")?;
    let docs = unlocked(py, move || {
        let mut docs = docs;
        framelens::corpus::Prevalence::adapt(&mut docs, &taxonomy)?;
        Ok(docs)
    })?;
    let mut adapted = at.into_iter().zip(docs).peekable();
    let mut out = Vec::with_capacity(items.len());
    for (i, (item, kind)) in items.into_iter().zip(kinds).enumerate() {
        match adapted.next_if(|(j, _)| *j == i) {
            Some((_, doc)) => out.push(give_back(py, kind, doc)?),
            None => out.push(item),
        }
    }
    Ok(out)
}
