//! `train` and `evaluate`: what the `train` and `evaluate` example binaries
//! do (examples/train.rs, examples/evaluate.rs, examples/common/), over the
//! same library functions, with the same corpus options and defaults, so
//! that they give the same head and the same figures.

use std::path::PathBuf;

use framelens::corpus::Shard;
use framelens::data::{self, Corpus, Semeval2023Subtask};
use framelens::head::TrainConfig;
use framelens::train as core_train;
use framelens::{metrics, Error, Taxonomy};
use pyo3::prelude::*;
use serde::Serialize;

use crate::{fspath, head_arg, optional_path, other_languages_arg, to_pyerr, unlocked, Head, Options};

/// Which labelled corpus to read (the binaries' `--semeval2025`,
/// `--semeval2023`, `--jsonl`, `--flicc`, `--fold`, `--exclude-fold`).
struct CorpusSpec {
    semeval2025: Option<PathBuf>,
    semeval2023: Option<PathBuf>,
    jsonl: Option<PathBuf>,
    flicc: Option<PathBuf>,
    fold: Option<Shard>,
    exclude_fold: Option<Shard>,
}

impl CorpusSpec {
    #[allow(clippy::too_many_arguments)]
    fn new(
        semeval2025: Option<&Bound<'_, PyAny>>,
        semeval2023: Option<&Bound<'_, PyAny>>,
        jsonl: Option<&Bound<'_, PyAny>>,
        flicc: Option<&Bound<'_, PyAny>>,
        fold: Option<&str>,
        exclude_fold: Option<&str>,
    ) -> PyResult<Self> {
        let spec = CorpusSpec {
            semeval2025: optional_path(semeval2025)?,
            semeval2023: optional_path(semeval2023)?,
            jsonl: optional_path(jsonl)?,
            flicc: optional_path(flicc)?,
            fold: fold.map(str::parse).transpose().map_err(to_pyerr)?,
            exclude_fold: exclude_fold.map(str::parse).transpose().map_err(to_pyerr)?,
        };
        let given =
            [&spec.semeval2025, &spec.semeval2023, &spec.jsonl, &spec.flicc].iter().filter(|p| p.is_some()).count();
        if given != 1 {
            return Err(to_pyerr(Error::InvalidInput(
                "give exactly one corpus: semeval2025=DIR, semeval2023=DIR, jsonl=FILE or flicc=FILE".into(),
            )));
        }
        if spec.fold.is_some() && spec.exclude_fold.is_some() {
            return Err(to_pyerr(Error::InvalidInput(
                "give fold= (evaluate on fold i of k) or exclude_fold= (train on the rest), not both".into(),
            )));
        }
        Ok(spec)
    }

    /// The taxonomy: as the binaries choose it, `media-frames` (their
    /// default) becomes the narratives for SemEval-2025 and FLICC, and the
    /// techniques for a SemEval-2023 folder with only subtask-3 files.
    fn taxonomy_name(&self, given: &str) -> String {
        if given != "media-frames" {
            return given.to_string();
        }
        if self.semeval2025.is_some() || self.flicc.is_some() {
            "semeval2025-narratives".to_string()
        } else if let Some(dir) = &self.semeval2023 {
            if Semeval2023Subtask::Techniques.present_in(dir) && !Semeval2023Subtask::Frames.present_in(dir) {
                "persuasion-techniques".to_string()
            } else {
                given.to_string()
            }
        } else {
            given.to_string()
        }
    }

    /// True when the corpus is SemEval-2023 subtask 3: one document per paragraph.
    fn paragraphs(&self, taxonomy: &Taxonomy) -> bool {
        self.semeval2023.as_deref().is_some_and(|dir| {
            Semeval2023Subtask::Techniques.present_in(dir)
                && (taxonomy.name != "media-frames" || !Semeval2023Subtask::Frames.present_in(dir))
        })
    }

    /// Read the corpus and keep the fold asked for.
    fn read(&self, taxonomy: &Taxonomy) -> framelens::Result<Corpus> {
        let mut corpus = if let Some(dir) = &self.semeval2025 {
            data::read_semeval2025(dir, taxonomy)?
        } else if let Some(dir) = &self.semeval2023 {
            if self.paragraphs(taxonomy) {
                data::read_semeval2023_paragraphs(dir, taxonomy)?
            } else {
                data::read_semeval2023(dir, taxonomy)?
            }
        } else if let Some(file) = &self.jsonl {
            data::read_jsonl(file, taxonomy)?
        } else if let Some(file) = &self.flicc {
            data::read_flicc(file, taxonomy)?.corpus
        } else {
            unreachable!("checked in CorpusSpec::new")
        };
        if let Some(fold) = self.fold {
            corpus.documents.retain(|d| fold.contains(&d.id));
        }
        if let Some(fold) = self.exclude_fold {
            corpus.documents.retain(|d| !fold.contains(&d.id));
        }
        if corpus.is_empty() {
            return Err(Error::InvalidInput("the corpus (after fold/exclude_fold) has no documents".into()));
        }
        Ok(corpus)
    }
}

/// The taxonomy argument of `train`/`evaluate`: a `Taxonomy` is used as
/// given; a name or path goes through the binaries' choice by corpus.
fn corpus_taxonomy(py: Python<'_>, spec: &CorpusSpec, taxonomy: Option<&Bound<'_, PyAny>>) -> PyResult<Taxonomy> {
    match taxonomy {
        Some(t) if t.downcast::<crate::Taxonomy>().is_ok() => crate::taxonomy_of(py, t),
        Some(t) if !t.is_none() => {
            let given: String = match t.extract::<String>() {
                Ok(s) => s,
                Err(_) => fspath(t)?.display().to_string(),
            };
            let name = spec.taxonomy_name(&given);
            unlocked(py, move || Taxonomy::from_name_or_path(&name))
        }
        _ => {
            let name = spec.taxonomy_name("media-frames");
            unlocked(py, move || Taxonomy::from_name_or_path(&name))
        }
    }
}

/// Documents embedded per call while training (as the `train` binary);
/// `KeyboardInterrupt` is honoured between calls.
const TRAIN_CHUNK: usize = 16;

/// train(*, semeval2025=None, semeval2023=None, jsonl=None, flicc=None,
/// fold=None, exclude_fold=None, taxonomy=None, out=None, models_dir=None,
/// threads=None, model=None, tuned=None, other_languages="auto",
/// threshold=None, backend=None, exemplars=True, exemplar_weight=0.5,
/// paragraphs=False, folds=5, epochs=300, l2=0.001, kind="head") -> Optional[Head]
///
/// Train a head (one logistic regression per category) on a labelled
/// corpus, as the ``train`` example binary does with the same options, and
/// return it (written to ``out`` as JSON too, when given).
///
/// ``kind`` is the binary's ``--kind``: ``"head"`` (the default here),
/// ``"calibration"`` (a logistic regression per category on its zero-shot
/// score: what 20-50 labels can teach), or ``"auto"``: whichever scores
/// better out of fold, and ``None`` (nothing written) when neither beats
/// zero-shot there.
///
/// Give exactly one corpus: ``semeval2025`` (a SemEval-2025 Task 10
/// subtask-2 language folder), ``semeval2023`` (a SemEval-2023 Task 3
/// folder), ``jsonl`` (``{"id", "text", "labels"}`` per line; give
/// ``taxonomy``) or ``flicc`` (a FLICC split). ``exclude_fold="i/k"`` keeps
/// every document but fold i of k (evaluate on it with ``fold="i/k"``).
/// Without ``taxonomy``, the corpus chooses it as the binary does
/// (narratives for SemEval-2025 and FLICC, frames or techniques for
/// SemEval-2023). The other options are :class:`Classifier`'s and the
/// binary's (``exemplars=False`` is ``--no-exemplars``).
#[pyfunction]
#[pyo3(signature = (
    *, semeval2025 = None, semeval2023 = None, jsonl = None, flicc = None, fold = None, exclude_fold = None,
    taxonomy = None, out = None, models_dir = None, threads = None, model = None, tuned = None,
    other_languages = Some("auto".to_string()), threshold = None, backend = None, exemplars = true,
    exemplar_weight = 0.5, paragraphs = false, folds = 5, epochs = 300, l2 = 1e-3, kind = "head"
), text_signature = "(*, semeval2025=None, semeval2023=None, jsonl=None, flicc=None, fold=None, exclude_fold=None, taxonomy=None, out=None, models_dir=None, threads=None, model=None, tuned=None, other_languages='auto', threshold=None, backend=None, exemplars=True, exemplar_weight=0.5, paragraphs=False, folds=5, epochs=300, l2=0.001, kind='head')")]
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
    kind: &str,
) -> PyResult<Option<Head>> {
    let kind: core_train::KindChoice = kind.parse().map_err(to_pyerr)?;
    let spec = CorpusSpec::new(semeval2025, semeval2023, jsonl, flicc, fold, exclude_fold)?;
    let taxonomy = corpus_taxonomy(py, &spec, taxonomy)?;
    let out = optional_path(out)?;
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
    let (corpus, classifier) = {
        let taxonomy = taxonomy.clone();
        unlocked(py, move || {
            let corpus = spec.read(&taxonomy)?;
            let classifier = options.build(taxonomy)?;
            Ok((corpus, classifier))
        })?
    };
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
    let mut docs = Vec::with_capacity(corpus.len());
    for chunk in corpus.documents.chunks(TRAIN_CHUNK) {
        let c = &classifier;
        docs.extend(unlocked(py, move || core_train::training_documents(c, chunk))?);
        py.check_signals()?;
    }
    let c = &classifier;
    let head = unlocked(py, move || {
        let extra = if config.use_exemplars { core_train::taxonomy_units(c, config.exemplar_weight) } else { Vec::new() };
        let head = if kind == core_train::KindChoice::Head {
            core_train::train(&taxonomy, c.encoder_name(), &docs, &extra, &config, &mut |_, _| {})?
        } else {
            let zero_shot = core_train::calibrate::zero_shot_decisions(c, &corpus.documents.iter().collect::<Vec<_>>());
            let trained = core_train::train_choosing(
                &taxonomy,
                c.encoder_name(),
                &docs,
                &extra,
                &config,
                kind,
                &zero_shot,
                &mut |_, _| {},
            )?;
            match trained.chosen() {
                Some(head) => head.clone(),
                None => return Ok(None),
            }
        };
        if let Some(path) = &out {
            head.save(path)?;
        }
        Ok(Some(head))
    })?;
    Ok(head.map(|inner| Head { inner }))
}

/// What `evaluate` returns: the `evaluate` binary's `--json` output.
#[derive(Debug, Serialize)]
struct Scores {
    corpus: String,
    taxonomy: String,
    scorer: String,
    documents: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    f1_samples_coarse: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    f1_samples_fine: Option<f64>,
    top1_accuracy: f64,
    report: metrics::MultiLabelReport,
    /// Documents per encoder that read them (routing by language), as the binary.
    encoders: std::collections::BTreeMap<String, usize>,
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
/// and two-level taxonomies, ``top1_accuracy``, and ``report`` with micro
/// and macro F1 and per-label precision, recall and F1, and ``encoders``,
/// the documents per encoder that read them). The binary's ``by_language``
/// (a corpus declaring several languages) is not computed here.
///
/// The corpus options are :func:`train`'s; ``head`` is a :class:`Head` or
/// the path of one (zero-shot without); ``predictions=PATH`` writes the
/// predictions in the task's annotation layout. All documents are
/// classified in one call, as the binary does, so ``KeyboardInterrupt``
/// takes effect once it returns.
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
    let spec = CorpusSpec::new(semeval2025, semeval2023, jsonl, flicc, fold, exclude_fold)?;
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
    let json = unlocked(py, move || {
        let corpus = spec.read(&taxonomy)?;
        let classifier = options.build(taxonomy.clone())?;
        let scores = score(&spec, &taxonomy, &corpus, &classifier, predictions.as_deref())?;
        Ok(serde_json::to_string(&scores)?)
    })?;
    py.import("json")?.call_method1("loads", (json,))
}

/// The `evaluate` binary's figures (examples/evaluate.rs, `run`).
fn score(
    spec: &CorpusSpec,
    taxonomy: &Taxonomy,
    corpus: &Corpus,
    classifier: &framelens::Classifier,
    predictions: Option<&std::path::Path>,
) -> framelens::Result<Scores> {
    let texts: Vec<&str> = corpus.documents.iter().map(|d| d.text.as_str()).collect();
    let mut fine = Vec::with_capacity(texts.len());
    let mut coarse = Vec::with_capacity(texts.len());
    let mut scorer = String::new();
    let (mut top1_hits, mut top1_docs) = (0usize, 0usize);
    let mut encoders: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for (doc, result) in corpus.documents.iter().zip(classifier.classify_batch(&texts)) {
        let a = result.map_err(|e| document_error(&doc.id, e))?;
        scorer.clone_from(&a.scorer);
        *encoders.entry(a.encoder.clone()).or_default() += 1;
        let gold = if taxonomy.is_hierarchical() { &doc.coarse } else { &doc.labels };
        let gold: Vec<&String> = gold.iter().filter(|l| taxonomy.other_label.as_ref() != Some(*l)).collect();
        if !gold.is_empty() {
            top1_docs += 1;
            let best = a.best_category(taxonomy);
            top1_hits += usize::from(best.is_some_and(|b| gold.iter().any(|g| *g == b)));
        }
        fine.push((doc.id.clone(), a.labels.iter().map(|l| l.label.clone()).collect::<Vec<_>>()));
        let c = a.coarse.as_ref().map(|c| c.iter().map(|l| l.label.clone()).collect()).unwrap_or_default();
        coarse.push((doc.id.clone(), c));
    }
    let top1_accuracy = if top1_docs == 0 { 0.0 } else { top1_hits as f64 / top1_docs as f64 };
    let two_level = spec.semeval2025.is_some() || taxonomy.is_hierarchical();
    let scores = if two_level {
        let coarse_list = data::coarse_labels(taxonomy);
        let fine_list = data::fine_labels(taxonomy);
        Scores {
            corpus: corpus.name.clone(),
            taxonomy: taxonomy.name.clone(),
            scorer,
            documents: corpus.len(),
            f1_samples_coarse: Some(metrics::f1_samples(&corpus.coarse_by_id(), &coarse, &coarse_list)),
            f1_samples_fine: Some(metrics::f1_samples(&corpus.labels_by_id(), &fine, &fine_list)),
            top1_accuracy,
            report: metrics::multilabel_report(&corpus.labels_by_id(), &fine, &fine_list),
            encoders,
        }
    } else {
        Scores {
            corpus: corpus.name.clone(),
            taxonomy: taxonomy.name.clone(),
            scorer,
            documents: corpus.len(),
            f1_samples_coarse: None,
            f1_samples_fine: None,
            top1_accuracy,
            report: metrics::multilabel_report(&corpus.labels_by_id(), &fine, &data::all_labels(taxonomy)),
            encoders,
        }
    };
    if let Some(path) = predictions {
        if two_level {
            let rows: Vec<_> =
                fine.iter().zip(&coarse).map(|((id, f), (_, c))| (id.clone(), c.clone(), f.clone())).collect();
            data::write_semeval2025_annotations(path, &rows)?;
        } else if spec.paragraphs(taxonomy) {
            data::write_semeval2023_paragraph_labels(path, &fine)?;
        } else {
            data::write_semeval2023_labels(path, &fine)?;
        }
    }
    Ok(scores)
}

/// A document's error, its message prefixed with the document's id (as the
/// binary reports it), keeping its kind.
fn document_error(id: &str, e: Error) -> Error {
    match e {
        Error::InvalidInput(m) => Error::InvalidInput(format!("document {id}: {m}")),
        other => Error::Data { path: PathBuf::from(format!("document {id}")), line: None, message: other.to_string() },
    }
}
