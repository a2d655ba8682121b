//! Evaluation on a labelled corpus with the shared tasks' metrics: what the
//! `evaluate` binary prints (`--json` is [`Evaluation`] serialised) and what
//! the Python package's `evaluate` returns.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::classifier::Classifier;
use crate::data::{self, Corpus, Layout};
use crate::error::{Error, Result};
use crate::metrics::{self, MultiLabelReport};

/// One document's decided labels: its ID and labels.
type Labels = (String, Vec<String>);

/// Scores of a classifier on a labelled corpus.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// The corpus's name, e.g. `semeval2025-EN+RU`.
    pub corpus: String,
    /// The taxonomy's name.
    pub taxonomy: String,
    /// The scorers that decided the documents (`zero-shot`, `head:<file>`),
    /// joined by `, ` in order of first use.
    pub scorer: String,
    /// Documents classified.
    pub documents: usize,
    /// Two levels (SemEval-2025): F1 samples over the narratives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f1_samples_coarse: Option<f64>,
    /// Two levels: F1 samples over the sub-narratives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f1_samples_fine: Option<f64>,
    /// Share of documents with gold labels whose best-scored category (a
    /// narrative, for two-level taxonomies) is one of them: how well the
    /// categories are ranked, whatever the thresholds.
    pub top1_accuracy: f64,
    /// The same with a gold one among the three best-scored.
    pub top3_accuracy: f64,
    /// Micro/macro F1 and per-label scores (the fine labels with two levels).
    pub report: MultiLabelReport,
    /// Documents per encoder that read them (routing by language).
    pub encoders: BTreeMap<String, usize>,
    /// The same scores per declared language (SemEval-2025 folder, JSONL
    /// `language`), when the corpus declares more than one.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by_language: BTreeMap<String, LanguageScores>,
    #[serde(skip)]
    layout: Layout,
    #[serde(skip)]
    fine: Vec<Labels>,
    #[serde(skip)]
    coarse: Vec<Labels>,
}

/// Scores of the documents of one declared language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LanguageScores {
    /// Documents in that language.
    pub documents: usize,
    /// Two levels: F1 samples over the narratives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f1_samples_coarse: Option<f64>,
    /// Two levels: F1 samples over the sub-narratives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f1_samples_fine: Option<f64>,
    /// Flat taxonomies: micro-F1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub micro_f1: Option<f64>,
    /// Documents per encoder that read them.
    pub encoders: BTreeMap<String, usize>,
}

/// Classify every document of `corpus` (in one batch) and score the
/// decisions against its labels; `layout` ([`data::CorpusSpec::layout`])
/// says whether to score two levels and how predictions are written. A
/// document that cannot be classified is an error naming its ID.
pub fn evaluate(classifier: &Classifier, corpus: &Corpus, layout: Layout) -> Result<Evaluation> {
    let taxonomy = classifier.taxonomy();
    let texts: Vec<&str> = corpus.documents.iter().map(|d| d.text.as_str()).collect();
    let mut fine = Vec::with_capacity(texts.len());
    let mut coarse = Vec::with_capacity(texts.len());
    let mut scorers: Vec<String> = Vec::new();
    let mut encoder_of: Vec<String> = Vec::with_capacity(texts.len());
    let (mut top1_hits, mut top3_hits, mut top1_docs) = (0usize, 0usize, 0usize);
    for (doc, result) in corpus.documents.iter().zip(classifier.classify_batch(&texts)) {
        let a = result.map_err(|e| document_error(&doc.id, e))?;
        if !scorers.contains(&a.scorer) {
            scorers.push(a.scorer.clone());
        }
        encoder_of.push(a.encoder.clone());
        let gold = if taxonomy.is_hierarchical() { &doc.coarse } else { &doc.labels };
        let gold: Vec<&String> = gold.iter().filter(|l| taxonomy.other_label.as_ref() != Some(*l)).collect();
        if !gold.is_empty() {
            top1_docs += 1;
            let best = a.best_category(taxonomy);
            top1_hits += usize::from(best.is_some_and(|b| gold.iter().any(|g| *g == b)));
            top3_hits += usize::from(a.best_categories(taxonomy, 3).iter().any(|b| gold.iter().any(|g| g == b)));
        }
        fine.push((doc.id.clone(), a.labels.iter().map(|l| l.label.clone()).collect::<Vec<_>>()));
        let c = a.coarse.as_ref().map(|c| c.iter().map(|l| l.label.clone()).collect()).unwrap_or_default();
        coarse.push((doc.id.clone(), c));
    }
    let top1_accuracy = if top1_docs == 0 { 0.0 } else { top1_hits as f64 / top1_docs as f64 };
    let top3_accuracy = if top1_docs == 0 { 0.0 } else { top3_hits as f64 / top1_docs as f64 };
    let two_level = layout == Layout::Semeval2025;
    let count = |members: &mut dyn Iterator<Item = usize>| {
        let mut by: BTreeMap<String, usize> = BTreeMap::new();
        for i in members {
            *by.entry(encoder_of[i].clone()).or_default() += 1;
        }
        by
    };
    let encoders = count(&mut (0..corpus.len()));
    let mut languages: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, d) in corpus.documents.iter().enumerate() {
        languages.entry(d.language.clone().unwrap_or_else(|| "-".into())).or_default().push(i);
    }
    let mut by_language = BTreeMap::new();
    if languages.len() > 1 {
        let pick = |pairs: &[Labels], members: &[usize]| -> Vec<Labels> {
            members.iter().map(|&i| pairs[i].clone()).collect()
        };
        let (gold_fine, gold_coarse) = (corpus.labels_by_id(), corpus.coarse_by_id());
        for (language, members) in languages {
            let (f_gold, f_pred) = (pick(&gold_fine, &members), pick(&fine, &members));
            let scores = if two_level {
                let (c_gold, c_pred) = (pick(&gold_coarse, &members), pick(&coarse, &members));
                LanguageScores {
                    documents: members.len(),
                    f1_samples_coarse: Some(metrics::f1_samples(&c_gold, &c_pred, &data::coarse_labels(taxonomy))),
                    f1_samples_fine: Some(metrics::f1_samples(&f_gold, &f_pred, &data::fine_labels(taxonomy))),
                    micro_f1: None,
                    encoders: count(&mut members.iter().copied()),
                }
            } else {
                LanguageScores {
                    documents: members.len(),
                    f1_samples_coarse: None,
                    f1_samples_fine: None,
                    micro_f1: Some(metrics::multilabel_report(&f_gold, &f_pred, &data::all_labels(taxonomy)).micro_f1),
                    encoders: count(&mut members.iter().copied()),
                }
            };
            by_language.insert(language, scores);
        }
    }
    let (f1_samples_coarse, f1_samples_fine, report) = if two_level {
        let fine_list = data::fine_labels(taxonomy);
        (
            Some(metrics::f1_samples(&corpus.coarse_by_id(), &coarse, &data::coarse_labels(taxonomy))),
            Some(metrics::f1_samples(&corpus.labels_by_id(), &fine, &fine_list)),
            metrics::multilabel_report(&corpus.labels_by_id(), &fine, &fine_list),
        )
    } else {
        (None, None, metrics::multilabel_report(&corpus.labels_by_id(), &fine, &data::all_labels(taxonomy)))
    };
    Ok(Evaluation {
        corpus: corpus.name.clone(),
        taxonomy: taxonomy.name.clone(),
        scorer: scorers.join(", "),
        documents: corpus.len(),
        f1_samples_coarse,
        f1_samples_fine,
        top1_accuracy,
        top3_accuracy,
        report,
        encoders,
        by_language,
        layout,
        fine,
        coarse,
    })
}

impl Evaluation {
    /// Write the decided labels in the task's submission layout: SemEval-2025
    /// annotations for two levels, SemEval-2023 paragraph or document labels
    /// otherwise.
    pub fn write_predictions(&self, path: &Path) -> Result<()> {
        match self.layout {
            Layout::Semeval2025 => {
                let rows: Vec<_> = self
                    .fine
                    .iter()
                    .zip(&self.coarse)
                    .map(|((id, f), (_, c))| (id.clone(), c.clone(), f.clone()))
                    .collect();
                data::write_semeval2025_annotations(path, &rows)
            }
            Layout::Semeval2023Paragraphs => data::write_semeval2023_paragraph_labels(path, &self.fine),
            Layout::Semeval2023 => data::write_semeval2023_labels(path, &self.fine),
        }
    }
}

/// A document's error, its message prefixed with the document's ID, keeping its kind.
fn document_error(id: &str, e: Error) -> Error {
    match e {
        Error::InvalidInput(m) => Error::InvalidInput(format!("document {id}: {m}")),
        other => Error::Data {
            path: std::path::PathBuf::from(format!("document {id}")),
            line: None,
            message: other.to_string(),
        },
    }
}
