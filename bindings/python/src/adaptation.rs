//! `framelens.Adaptation`: `framelens.adapt` in two steps, fitted once over a
//! corpus and applied to each document anywhere (the Spark job's second
//! pass: fitted on the driver, its JSON broadcast, applied on the
//! executors). A thin wrapper over `framelens::corpus::Adaptation`.

use std::sync::OnceLock;

use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::prevalence::{check_items_against, give_back, item_of, taxonomy_for, to_adapt, ToAdapt};
use crate::{py_error, unlocked};

/// The corpus's estimated prevalences as priors, fitted once
/// (``Adaptation.fit(results)``) and applied to one document at a time
/// (``apply``): ``[a.apply(r) for r in results]`` equals
/// ``framelens.adapt(results)``. ``to_json()``/``from_json()`` carry it
/// between processes or machines (a few KB).
#[pyclass(module = "framelens", name = "Adaptation", frozen)]
pub struct Adaptation {
    inner: framelens::corpus::Adaptation,
    /// The taxonomy it was fitted with; after `from_json` without one, the
    /// built-in taxonomy the first applied document names.
    taxonomy: OnceLock<framelens::Taxonomy>,
}

impl Adaptation {
    fn taxonomy(&self, py: Python<'_>, doc: &framelens::DocumentAnalysis) -> PyResult<&framelens::Taxonomy> {
        if let Some(t) = self.taxonomy.get() {
            return Ok(t);
        }
        let t = taxonomy_for(py, None, std::slice::from_ref(doc))?;
        // Kept only when it is the one the adaptation was fitted with.
        self.check_fitted(py, &t)?;
        Ok(self.taxonomy.get_or_init(|| t))
    }

    fn check_fitted(&self, py: Python<'_>, taxonomy: &framelens::Taxonomy) -> PyResult<()> {
        let fingerprint = framelens::basis::fingerprint(taxonomy);
        if fingerprint == self.inner.taxonomy {
            return Ok(());
        }
        Err(py_error(
            py,
            "InvalidInputError",
            &format!(
                "invalid input: the adaptation was fitted with taxonomy {}, not `{}` ({fingerprint}): fit and apply with the same one",
                self.inner.taxonomy, taxonomy.name
            ),
        ))
    }
}

#[pymethods]
impl Adaptation {
    /// fit(results, *, taxonomy=None) -> Adaptation
    ///
    /// Fit the adaptation over a corpus's results (what ``classify_batch``
    /// returns, or analyses as ``to_dict()``/``to_json()`` gave them; failed
    /// documents and ``None`` are skipped), as ``framelens.adapt`` does before
    /// re-deciding. The same errors as ``framelens.adapt``.
    #[classmethod]
    #[pyo3(signature = (results, *, taxonomy = None))]
    fn fit(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        results: &Bound<'_, PyAny>,
        taxonomy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let ToAdapt { docs, taxonomy, .. } = to_adapt(py, results, taxonomy, "Adaptation.fit", "fit an adaptation on")?;
        let (inner, taxonomy) = unlocked(py, move || {
            let a = framelens::corpus::Adaptation::fit(&docs, &taxonomy)?;
            Ok((a, taxonomy))
        })?;
        Ok(Adaptation { inner, taxonomy: OnceLock::from(taxonomy) })
    }

    /// apply(result) -> the result re-decided
    ///
    /// One document re-decided with the fitted priors, of the kind it came
    /// in as (an ``Analysis``, a ``to_dict()`` dict or a ``to_json()``
    /// string); a failed document (an exception instance or ``None``) is
    /// returned as it is. A document of another taxonomy raises
    /// ``InvalidInputError``.
    fn apply(&self, py: Python<'_>, result: &Bound<'_, PyAny>) -> PyResult<PyObject> {
        let (kind, doc) = item_of(py, result, 0)?;
        let Some(mut doc) = doc else {
            return Ok(result.clone().unbind());
        };
        let taxonomy = self.taxonomy(py, &doc)?;
        // The taxonomy held is the one fitted (checked when it was set), so
        // its fingerprint is the adaptation's: no second hash per row.
        check_items_against(py, taxonomy, &self.inner.taxonomy, &[(0, &doc)])?;
        let doc = unlocked(py, || {
            self.inner.apply(&mut doc, taxonomy)?;
            Ok(doc)
        })?;
        give_back(py, kind, doc)
    }

    /// The adaptation as JSON (to store it, or send it to other machines).
    fn to_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.inner).map_err(|e| crate::to_pyerr(e.into()))
    }

    /// from_json(json, *, taxonomy=None) -> Adaptation
    ///
    /// An adaptation from ``to_json()``'s string. ``taxonomy``: the one it
    /// was fitted with (default: the built-in one the documents it is
    /// applied to name).
    #[classmethod]
    #[pyo3(signature = (json, *, taxonomy = None))]
    fn from_json(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        json: &str,
        taxonomy: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let inner: framelens::corpus::Adaptation = serde_json::from_str(json).map_err(|e| {
            py_error(py, "InvalidInputError", &format!("invalid input: not an adaptation's JSON ({e})"))
        })?;
        let adaptation = Adaptation { inner, taxonomy: OnceLock::new() };
        if let Some(t) = taxonomy.filter(|t| !t.is_none()) {
            let t = crate::taxonomy_of(py, t)?;
            adaptation.check_fitted(py, &t)?;
            let _ = adaptation.taxonomy.set(t);
        }
        Ok(adaptation)
    }

    fn __repr__(&self) -> String {
        match self.taxonomy.get() {
            Some(t) => format!("<framelens.Adaptation {}>", t.name),
            None => "<framelens.Adaptation>".to_string(),
        }
    }
}
