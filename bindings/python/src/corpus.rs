//! `train` and `evaluate`: what the `train` and `evaluate` example binaries
//! do (examples/train.rs, examples/evaluate.rs, examples/common/), over the
//! same library functions, with the same corpus options and defaults, so
//! that they give the same head and the same figures.

use std::path::PathBuf;

use framelens::data::CorpusSpec;
use framelens::head::TrainConfig;
// `training`: the pyfunction `train` below is also a name in this module.
use framelens::train::{self as training, OtherHeadFrom, RoutedTrainConfig};
use framelens::{Error, Taxonomy};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::{fspath, head_arg, optional_path, other_languages_arg, to_pyerr, unlocked, Head, HeadSet, Options};

/// The corpus keyword arguments as the library's [`CorpusSpec`]
/// (``semeval2025`` is one folder or a list of folders); the library checks
/// that it names exactly one corpus when it reads it.
#[allow(clippy::too_many_arguments)]
fn corpus_spec(
    semeval2025: Option<&Bound<'_, PyAny>>,
    semeval2023: Option<&Bound<'_, PyAny>>,
    jsonl: Option<&Bound<'_, PyAny>>,
    flicc: Option<&Bound<'_, PyAny>>,
    fold: Option<&str>,
    exclude_fold: Option<&str>,
) -> PyResult<CorpusSpec> {
    let semeval2025 = match semeval2025.filter(|o| !o.is_none()) {
        None => Vec::new(),
        Some(one) if one.extract::<PathBuf>().is_ok() => vec![fspath(one)?],
        Some(many) => many
            .try_iter()
            .map_err(|_| {
                PyTypeError::new_err("semeval2025 must be a folder (str or os.PathLike) or a list of folders")
            })?
            .map(|f| fspath(&f?))
            .collect::<PyResult<Vec<PathBuf>>>()?,
    };
    Ok(CorpusSpec {
        semeval2025,
        semeval2023: optional_path(semeval2023)?,
        jsonl: optional_path(jsonl)?,
        flicc: optional_path(flicc)?,
        fold: fold.map(str::parse).transpose().map_err(to_pyerr)?,
        exclude_fold: exclude_fold.map(str::parse).transpose().map_err(to_pyerr)?,
    })
}

/// Read the corpus (without the GIL): its warnings as Python warnings, and
/// an empty corpus refused with the keyword names.
fn read_corpus(py: Python<'_>, spec: &CorpusSpec, taxonomy: &Taxonomy) -> PyResult<framelens::data::Corpus> {
    let read = {
        let (spec, taxonomy) = (spec.clone(), taxonomy.clone());
        unlocked(py, move || spec.read(&taxonomy))?
    };
    let warn = py.import("warnings")?;
    for warning in &read.warnings {
        warn.call_method1("warn", (warning.as_str(),))?;
    }
    if read.corpus.is_empty() {
        return Err(to_pyerr(Error::InvalidInput("the corpus (after fold/exclude_fold) has no documents".into())));
    }
    Ok(read.corpus)
}

/// The taxonomy argument of `train`/`evaluate`: a `Taxonomy` is used as
/// given; a name or path goes through the corpus's choice
/// ([`CorpusSpec::taxonomy_name`]), as in the binaries.
fn corpus_taxonomy(py: Python<'_>, spec: &CorpusSpec, taxonomy: Option<&Bound<'_, PyAny>>) -> PyResult<Taxonomy> {
    let given = match taxonomy {
        Some(t) if t.downcast::<crate::Taxonomy>().is_ok() => return crate::taxonomy_of(py, t),
        Some(t) if !t.is_none() => match t.extract::<String>() {
            Ok(s) => s,
            Err(_) => fspath(t)?.display().to_string(),
        },
        _ => "media-frames".to_string(),
    };
    let name = spec.taxonomy_name(&given);
    unlocked(py, move || Taxonomy::from_name_or_path(&name))
}

/// train(*, semeval2025=None, semeval2023=None, jsonl=None, flicc=None,
/// fold=None, exclude_fold=None, taxonomy=None, out=None, models_dir=None,
/// threads=None, model=None, tuned=None, other_languages="auto",
/// threshold=None, backend=None, exemplars=True, exemplar_weight=0.5,
/// paragraphs=False, folds=5, epochs=300, l2=0.001, other_head_from="routed",
/// min_documents=5, kind="head") -> Head | HeadSet | None
///
/// Train heads (one logistic regression per category) on a labelled
/// corpus, as the ``train`` example binary does with the same options, and
/// return them (written to ``out`` as JSON too, when given, in the file
/// format the binary writes).
///
/// ``kind`` is the binary's ``--kind``: ``"head"`` (the default here),
/// ``"calibration"`` (a logistic regression per category on its zero-shot
/// score: what 20-50 labels can teach), or ``"auto"``: whichever scores
/// better out of fold, and ``None`` (nothing written) when neither beats
/// zero-shot there.
///
/// Give exactly one corpus: ``semeval2025`` (a SemEval-2025 Task 10
/// subtask-2 language folder, or a list of them read into one corpus),
/// ``semeval2023`` (a SemEval-2023 Task 3 folder), ``jsonl`` (``{"id",
/// "text", "labels"}`` per line; give ``taxonomy``) or ``flicc`` (a FLICC
/// split). ``exclude_fold="i/k"`` keeps every document but fold i of k
/// (evaluate on it with ``fold="i/k"``). Without ``taxonomy``, the corpus
/// chooses it as the binary does (narratives for SemEval-2025 and FLICC,
/// frames or techniques for SemEval-2023).
///
/// Each document is routed as :class:`Classifier` routes it: on an English
/// model, documents detected in a language that multilingual-e5-small reads
/// train a head of their own on its vectors (``min_documents`` of them at
/// least; ``other_head_from="all"`` trains it on every document). The
/// result is then a :class:`HeadSet`, one head per encoder; otherwise a
/// :class:`Head`. Either one, or the file, goes to :class:`Classifier` as
/// ``head=``. The other options are :class:`Classifier`'s and the binary's
/// (``exemplars=False`` is ``--no-exemplars``). ``KeyboardInterrupt`` takes
/// effect once training returns.
#[pyfunction]
#[pyo3(signature = (
    *, semeval2025 = None, semeval2023 = None, jsonl = None, flicc = None, fold = None, exclude_fold = None,
    taxonomy = None, out = None, models_dir = None, threads = None, model = None, tuned = None,
    other_languages = Some("auto".to_string()), threshold = None, backend = None, exemplars = true,
    exemplar_weight = 0.5, paragraphs = false, folds = 5, epochs = 300, l2 = 1e-3,
    other_head_from = "routed".to_string(), min_documents = RoutedTrainConfig::default().min_documents,
    kind = "head"
), text_signature = "(*, semeval2025=None, semeval2023=None, jsonl=None, flicc=None, fold=None, exclude_fold=None, taxonomy=None, out=None, models_dir=None, threads=None, model=None, tuned=None, other_languages='auto', threshold=None, backend=None, exemplars=True, exemplar_weight=0.5, paragraphs=False, folds=5, epochs=300, l2=0.001, other_head_from='routed', min_documents=5, kind='head')")]
#[allow(clippy::too_many_arguments)]
pub fn train(
    py: Python<'_>,
    semeval2025: Option<&Bound<'_, PyAny>>,
    semeval2023: Option<&Bound<'_, PyAny>>,
    jsonl: Option<&Bound<'_, PyAny>>,
    flicc: Option<&Bound<'_, PyAny>>,
    fold: Option<&str>,
    exclude_fold: Option<&str>,
    taxonomy: Option<&Bound<'_, PyAny>>,
    out: Option<&Bound<'_, PyAny>>,
    models_dir: Option<&Bound<'_, PyAny>>,
    threads: Option<usize>,
    model: Option<String>,
    tuned: Option<&Bound<'_, PyAny>>,
    other_languages: Option<String>,
    threshold: Option<f32>,
    backend: Option<String>,
    exemplars: bool,
    exemplar_weight: f32,
    paragraphs: bool,
    folds: usize,
    epochs: usize,
    l2: f32,
    other_head_from: String,
    min_documents: usize,
    kind: &str,
) -> PyResult<PyObject> {
    let kind: training::KindChoice = kind.parse().map_err(to_pyerr)?;
    let spec = corpus_spec(semeval2025, semeval2023, jsonl, flicc, fold, exclude_fold)?;
    let taxonomy = corpus_taxonomy(py, &spec, taxonomy)?;
    let out = optional_path(out)?;
    let other_from = match other_head_from.as_str() {
        "routed" => OtherHeadFrom::Routed,
        "all" => OtherHeadFrom::All,
        other => {
            return Err(to_pyerr(Error::InvalidSetting {
                name: "other_head_from",
                reason: format!("`{other}`: use \"routed\" or \"all\""),
            }))
        }
    };
    let routing = RoutedTrainConfig { other_from, min_documents, kind };
    let options = Options {
        models_dir: optional_path(models_dir)?,
        threads,
        model,
        tuned: optional_path(tuned)?,
        other_languages: other_languages_arg(other_languages),
        threshold,
        backend,
        vector_cache: true,
        ..Options::default()
    };
    let corpus = read_corpus(py, &spec, &taxonomy)?;
    let heads = unlocked(py, move || {
        let classifier = options.build(taxonomy)?;
        let config = TrainConfig {
            folds,
            epochs,
            l2,
            use_exemplars: exemplars,
            paragraphs,
            exemplar_weight,
            // Pool the zero-shot scores the head builds on as the classifier does at run time.
            pooling: classifier.decision().pooling,
            ..TrainConfig::default()
        };
        let trained = training::train_routed(&classifier, &corpus.documents, &config, &routing, &mut |_| {})?;
        if let (Some(path), Some(heads)) = (&out, &trained.heads) {
            heads.save(path)?;
        }
        Ok(trained.heads)
    })?;
    // `kind="auto"` keeps zero-shot (no head) when no trained kind beats it out of fold.
    let Some(heads) = heads else { return Ok(py.None()) };
    match heads.heads() {
        [one] => Ok(Head { inner: one.clone() }.into_pyobject(py)?.into_any().unbind()),
        _ => Ok(HeadSet { inner: heads }.into_pyobject(py)?.into_any().unbind()),
    }
}

/// evaluate(*, semeval2025=None, semeval2023=None, jsonl=None, flicc=None,
/// fold=None, exclude_fold=None, taxonomy=None, head=None, predictions=None,
/// models_dir=None, threads=None, model=None, tuned=None,
/// other_languages="auto", threshold=None, backend=None) -> dict
///
/// Score framelens on a labelled corpus with the shared tasks' metrics, as
/// the ``evaluate`` example binary does with the same options: the dict is
/// its ``--json`` output (``corpus``, ``taxonomy``, ``scorer``,
/// ``documents``, ``f1_samples_coarse``/``f1_samples_fine`` for SemEval-2025
/// and two-level taxonomies, ``top1_accuracy``, ``report`` with micro and
/// macro F1 and per-label precision, recall and F1, ``encoders``, the
/// documents per encoder that read them, and ``by_language``, the same
/// scores per declared language when the corpus declares several).
///
/// The corpus options are :func:`train`'s; ``head`` is a :class:`Head`, a
/// :class:`HeadSet` or the path of a file ``train`` wrote (zero-shot
/// without); ``predictions=PATH`` writes the predictions in the task's
/// annotation layout. All documents are classified in one call, as the
/// binary does, so ``KeyboardInterrupt`` takes effect once it returns.
#[pyfunction]
#[pyo3(signature = (
    *, semeval2025 = None, semeval2023 = None, jsonl = None, flicc = None, fold = None, exclude_fold = None,
    taxonomy = None, head = None, predictions = None, models_dir = None, threads = None, model = None,
    tuned = None, other_languages = Some("auto".to_string()), threshold = None, backend = None
), text_signature = "(*, semeval2025=None, semeval2023=None, jsonl=None, flicc=None, fold=None, exclude_fold=None, taxonomy=None, head=None, predictions=None, models_dir=None, threads=None, model=None, tuned=None, other_languages='auto', threshold=None, backend=None)")]
#[allow(clippy::too_many_arguments)]
pub fn evaluate<'py>(
    py: Python<'py>,
    semeval2025: Option<&Bound<'_, PyAny>>,
    semeval2023: Option<&Bound<'_, PyAny>>,
    jsonl: Option<&Bound<'_, PyAny>>,
    flicc: Option<&Bound<'_, PyAny>>,
    fold: Option<&str>,
    exclude_fold: Option<&str>,
    taxonomy: Option<&Bound<'_, PyAny>>,
    head: Option<&Bound<'_, PyAny>>,
    predictions: Option<&Bound<'_, PyAny>>,
    models_dir: Option<&Bound<'_, PyAny>>,
    threads: Option<usize>,
    model: Option<String>,
    tuned: Option<&Bound<'_, PyAny>>,
    other_languages: Option<String>,
    threshold: Option<f32>,
    backend: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let spec = corpus_spec(semeval2025, semeval2023, jsonl, flicc, fold, exclude_fold)?;
    let taxonomy = corpus_taxonomy(py, &spec, taxonomy)?;
    let (head, head_path) = head_arg(head)?;
    let predictions = optional_path(predictions)?;
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
        max_input_bytes: None,
        vector_cache: true,
    };
    let corpus = read_corpus(py, &spec, &taxonomy)?;
    let json = unlocked(py, move || {
        let layout = spec.layout(&taxonomy);
        let classifier = options.build(taxonomy)?;
        let scores = training::evaluate(&classifier, &corpus, layout)?;
        if let Some(path) = &predictions {
            scores.write_predictions(path)?;
        }
        Ok(serde_json::to_string(&scores)?)
    })?;
    py.import("json")?.call_method1("loads", (json,))
}
