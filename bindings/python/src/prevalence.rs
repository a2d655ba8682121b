//! `framelens.prevalence(results)` and `classify_batch(..., adapt=True)`: thin
//! wrappers over `framelens::corpus::Prevalence` (what `batch --summary` and
//! `batch --adapt` run).

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
pub fn check_adaptable(py: Python<'_>, taxonomy: &framelens::Taxonomy) -> PyResult<()> {
    if taxonomy.is_hierarchical() {
        return Ok(());
    }
    let t = taxonomy.clone();
    unlocked(py, move || framelens::corpus::Prevalence::adapt(&mut [], &t))
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
