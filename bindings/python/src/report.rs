//! `framelens.report(results, path, metadata=None)`: the corpus overview that
//! `report --corpus` writes, through `framelens::report::corpus`.

use std::collections::HashMap;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyList, PyString};

use framelens::report::corpus::{self as overview, CorpusDocument, Metadata, OverviewOptions};

use crate::prevalence::{analysis_of, taxonomy_for};
use crate::{fspath, py_error, unlocked};

/// A Python value as JSON (via `json.dumps`, other objects as their `str`).
fn json_value(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    let builtins = py.import("builtins")?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("default", builtins.getattr("str")?)?;
    kwargs.set_item("allow_nan", false)?;
    let text: String = py.import("json")?.call_method("dumps", (value,), Some(&kwargs))?.extract()?;
    serde_json::from_str(&text).map_err(|e| PyTypeError::new_err(format!("metadata value not JSON: {e}")))
}

/// A mapping's fields as metadata: `id` and `text` dropped, as are missing
/// values (`None`, NaN), as `--metadata` drops a CSV's empty cells.
fn metadata_of(py: Python<'_>, fields: &Bound<'_, PyAny>, what: &str) -> PyResult<Metadata> {
    let fields = fields.downcast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what}: expected a dict of fields, got {}",
            fields.get_type().name().map_or_else(|_| "?".into(), |n| n.to_string())
        ))
    })?;
    let mut out = Metadata::new();
    for (k, v) in fields.iter() {
        let key = k.str()?.to_cow()?.into_owned();
        if key == "id" || key == "text" || v.is_none() {
            continue;
        }
        if let Ok(f) = v.downcast::<PyFloat>() {
            if f.value().is_nan() {
                continue;
            }
        }
        out.insert(key, json_value(py, &v)?);
    }
    Ok(out)
}

/// `metadata=`: a dict id → dict, or a pandas DataFrame with an `id` column
/// (or indexed by `id`).
fn extra_metadata(py: Python<'_>, metadata: &Bound<'_, PyAny>) -> PyResult<HashMap<String, Metadata>> {
    let mut out = HashMap::new();
    if let Ok(d) = metadata.downcast::<PyDict>() {
        for (id, fields) in d.iter() {
            let id = id.str()?.to_cow()?.into_owned();
            let m = metadata_of(py, &fields, &format!("metadata[{id:?}]"))?;
            out.insert(id, m);
        }
        return Ok(out);
    }
    let is_frame = metadata.hasattr("columns")? && metadata.hasattr("to_dict")? && metadata.hasattr("reset_index")?;
    if !is_frame {
        let ty = metadata.get_type().name()?;
        return Err(PyTypeError::new_err(format!(
            "metadata must be a pandas DataFrame with an `id` column (or indexed by id) or a dict id -> dict of fields; got {ty}"
        )));
    }
    let columns: Vec<String> =
        metadata.getattr("columns")?.try_iter()?.map(|c| c?.str()?.extract::<String>()).collect::<PyResult<_>>()?;
    let frame = if columns.iter().any(|c| c == "id") {
        metadata.clone()
    } else if metadata.getattr("index")?.getattr("name")?.str()?.to_cow()? == "id" {
        metadata.call_method0("reset_index")?
    } else {
        return Err(py_error(
            py,
            "InvalidInputError",
            "invalid input: the metadata DataFrame has no `id` column and is not indexed by `id`",
        ));
    };
    let records = frame.call_method1("to_dict", ("records",))?;
    for (n, record) in records.try_iter()?.enumerate() {
        let record = record?;
        let id = record.get_item("id")?.str()?.to_cow()?.into_owned();
        let m = metadata_of(py, &record, &format!("metadata row {n}"))?;
        out.insert(id, m);
    }
    Ok(out)
}

/// report(results, path, metadata=None, *, taxonomy=None, ids=None, title=None) -> dict
///
/// Write the corpus overview that ``report --corpus`` writes (one
/// self-contained HTML page: prevalence per category, breakdowns by outlet,
/// language and period, the strongest evidence, a filterable table of
/// documents) to ``path``; returns ``{"bytes", "view_files"}`` (view files
/// go into ``<stem>_docs/`` beside the page for a large corpus).
///
/// ``results``: what ``classify_batch`` or ``read_batch`` return (failed
/// documents, i.e. exception instances or ``None``, in place). Ids: ``ids=``,
/// else the results' ``.ids`` (``read_batch``), else ``doc-1``, ``doc-2``…;
/// the results' ``.metadata`` is used when present. ``metadata``: a pandas
/// DataFrame with an ``id`` column (or indexed by ``id``), or a dict id →
/// dict of fields (title, source, date, url, language…), merged over the
/// documents' own as ``--metadata`` is. ``taxonomy``: the one the results
/// were classified with (default: the built-in one they name).
#[pyfunction]
#[pyo3(signature = (results, path, metadata = None, *, taxonomy = None, ids = None, title = None))]
pub fn report(
    py: Python<'_>,
    results: &Bound<'_, PyAny>,
    path: &Bound<'_, PyAny>,
    metadata: Option<&Bound<'_, PyAny>>,
    taxonomy: Option<&Bound<'_, PyAny>>,
    ids: Option<&Bound<'_, PyAny>>,
    title: Option<String>,
) -> PyResult<PyObject> {
    if results.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err("report takes a list of results (one per document), not a str"));
    }
    let path = fspath(path)?;
    let extra = metadata.filter(|m| !m.is_none()).map(|m| extra_metadata(py, m)).transpose()?;
    let items: Vec<Bound<'_, PyAny>> = results.try_iter()?.collect::<PyResult<_>>()?;
    let ids: Option<Vec<String>> = match ids.filter(|i| !i.is_none()) {
        Some(i) => Some(i.try_iter()?.map(|x| x?.str()?.extract::<String>()).collect::<PyResult<_>>()?),
        None if results.hasattr("ids")? => {
            Some(results.getattr("ids")?.try_iter()?.map(|x| x?.str()?.extract::<String>()).collect::<PyResult<_>>()?)
        }
        None => None,
    };
    if let Some(ids) = &ids {
        if ids.len() != items.len() {
            return Err(py_error(
                py,
                "InvalidInputError",
                &format!("invalid input: {} ids for {} results", ids.len(), items.len()),
            ));
        }
    }
    let own: Option<Bound<'_, PyList>> = if results.hasattr("metadata")? {
        Some(PyList::new(py, results.getattr("metadata")?.try_iter()?.collect::<PyResult<Vec<_>>>()?)?)
    } else {
        None
    };
    let mut docs = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let id = ids.as_ref().map_or_else(|| format!("doc-{}", i + 1), |v| v[i].clone());
        let outcome = if item.is_none() {
            Err("no result".to_string())
        } else if item.is_instance_of::<pyo3::exceptions::PyBaseException>() {
            Err(item.str()?.to_cow()?.into_owned())
        } else if item.downcast::<PyList>().is_ok() {
            return Err(py_error(
                py,
                "InvalidInputError",
                &format!("invalid input: result {i} (`{id}`) was classified per paragraph or sentence; the overview needs whole documents"),
            ));
        } else {
            analysis_of(py, item, i)?.ok_or_else(|| "no result".to_string())
        };
        let metadata = match own.as_ref().and_then(|m| m.get_item(i).ok()) {
            Some(m) if !m.is_none() => metadata_of(py, &m, &format!("results.metadata[{i}]"))?,
            _ => Metadata::new(),
        };
        docs.push(CorpusDocument { id, metadata, outcome });
    }
    if let Some(extra) = extra {
        overview::merge_metadata(&mut docs, extra);
    }
    let analyses: Vec<framelens::DocumentAnalysis> =
        docs.iter().filter_map(|d| d.outcome.as_ref().ok()).take(1).cloned().collect();
    let taxonomy = taxonomy_for(py, taxonomy, &analyses)?;
    let mut options = OverviewOptions::default();
    if let Some(t) = title {
        options.title = t;
    }
    let written = unlocked(py, move || overview::write_overview(&docs, &taxonomy, &options, &path))?;
    let out = PyDict::new(py);
    out.set_item("bytes", written.bytes)?;
    out.set_item("view_files", written.view_files)?;
    Ok(out.into_any().unbind())
}
