//! Reading what `batch` writes: each line back into the result objects that
//! `classify_batch` returns (`framelens.read_batch` in Python builds on it).
//!
//! A batch file holds the analyses but not the texts, so character offsets
//! come from a stand-in text: each sentence's own text at its byte offsets,
//! the gaps between sentences counted one character per byte. They are exact
//! when those gaps are ASCII (whitespace and newlines, as in news text);
//! `Sentence.byte_start`/`byte_end` are always exact.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::results::{Analysis, Unit};

/// A text with each sentence's text at its byte offsets and spaces between.
fn stand_in<'a>(sentences: impl Iterator<Item = &'a framelens::Sentence>) -> String {
    let mut bytes: Vec<u8> = Vec::new();
    for s in sentences {
        if s.end < s.start || s.text.len() != s.end - s.start || s.start < bytes.len() {
            continue;
        }
        bytes.resize(s.start, b' ');
        bytes.extend_from_slice(s.text.as_bytes());
    }
    // Whole sentences were copied between ASCII spaces: valid UTF-8.
    String::from_utf8(bytes).unwrap_or_default()
}

/// What one line of a batch file holds, before it has the GIL.
enum Outcome {
    /// Boxed: an analysis is far larger than the other variants.
    Analysis(Box<Analysis>),
    Units(Vec<crate::results::PendingUnit>),
    Error(String),
}

/// read_batch_records(path) -> list[tuple[str, str | None, Analysis | list[Unit] | str]]
///
/// Every record of a batch output file: ``(id, metadata JSON or None,
/// result)``, the result an ``Analysis``, the ``Unit`` list of a ``--unit``
/// record, or the error message (a ``str``). A line that is not a batch
/// record raises ``DataError`` naming the file and line.
#[pyfunction]
fn _read_batch_records(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Py<PyList>> {
    let path: PathBuf = crate::fspath(path)?;
    let records = crate::unlocked(py, move || {
        let mut out = Vec::new();
        for record in framelens::corpus::read_output(&path)? {
            let record = record?;
            let metadata =
                if record.metadata().is_empty() { None } else { Some(serde_json::to_string(record.metadata())?) };
            let id = record.id().to_string();
            let outcome = match record {
                framelens::corpus::OutputRecord::Analysis { analysis, .. } => {
                    let text = stand_in(analysis.sentences.iter());
                    Outcome::Analysis(Box::new(Analysis::new(analysis, &text)))
                }
                framelens::corpus::OutputRecord::Units { units, .. } => {
                    let text = stand_in(units.iter().flat_map(|u| u.analysis.sentences.iter()));
                    Outcome::Units(Unit::list(units, &text))
                }
                framelens::corpus::OutputRecord::Error { error, .. } => Outcome::Error(error),
                // OutputRecord is not #[non_exhaustive]; a new kind would be a compile error here.
            };
            out.push((id, metadata, outcome));
        }
        Ok(out)
    })?;
    let rows = PyList::empty(py);
    for (id, metadata, outcome) in records {
        let result: PyObject = match outcome {
            Outcome::Analysis(a) => Py::new(py, *a)?.into_any(),
            Outcome::Units(units) => {
                let units: Vec<Unit> = units.into_iter().map(|u| u.into_unit(py)).collect::<PyResult<_>>()?;
                units.into_pyobject(py)?.into_any().unbind()
            }
            Outcome::Error(e) => e.into_pyobject(py)?.into_any().unbind(),
        };
        rows.append(PyTuple::new(
            py,
            [id.into_pyobject(py)?.into_any().unbind(), metadata.into_pyobject(py)?.into_any().unbind(), result],
        )?)?;
    }
    Ok(rows.unbind())
}

/// analysis_from_json(json) -> Analysis
///
/// An ``Analysis`` from the library's JSON of one (``Analysis.to_json()``,
/// ``classify --json``, the ``analysis`` of a batch line), with character
/// offsets as in :func:`_read_batch_records`.
#[pyfunction]
fn _analysis_from_json(py: Python<'_>, json: String) -> PyResult<Analysis> {
    crate::unlocked(py, move || {
        let analysis: framelens::DocumentAnalysis = serde_json::from_str(&json)?;
        let text = stand_in(analysis.sentences.iter());
        Ok(Analysis::new(analysis, &text))
    })
}

/// Each of a classifier's build warnings as a Python `UserWarning`, pointing
/// at the caller's line.
pub fn warn_all(py: Python<'_>, warnings: &[String]) -> PyResult<()> {
    let category = py.get_type::<pyo3::exceptions::PyUserWarning>();
    for w in warnings {
        let message = std::ffi::CString::new(w.replace('\0', " ")).unwrap_or_default();
        PyErr::warn(py, category.as_any(), &message, 1)?;
    }
    Ok(())
}

/// Add the functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_read_batch_records, m)?)?;
    m.add_function(wrap_pyfunction!(_analysis_from_json, m)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stand_in_puts_sentences_at_their_byte_offsets() {
        let text = "Москва.  Kyiv!\n\nDone.";
        let sentence = |start: usize, end: usize| -> framelens::Sentence {
            let json = serde_json::json!({
                "start": start, "end": end, "text": &text[start..end], "tokens": 1, "windows": 1, "scores": []
            });
            serde_json::from_value(json).expect("a sentence")
        };
        let sentences = [sentence(0, 13), sentence(15, 20), sentence(22, 27)];
        let s = stand_in(sentences.iter());
        for x in &sentences {
            assert_eq!(&s[x.start..x.end], x.text);
        }
    }
}
