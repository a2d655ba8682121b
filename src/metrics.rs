//! The shared tasks' metrics, as their official scorers compute them.
//!
//! Gold and predicted labels come as `(id, labels)` pairs and are paired by
//! ID, never by position. In both metrics:
//! - labels outside `label_list` are dropped (as scikit-learn's
//!   `MultiLabelBinarizer` fitted on the label list does), duplicates count once;
//! - a gold document without a prediction counts as predicted with no labels;
//! - predictions for IDs not in gold are ignored;
//! - several entries with the same ID (gold or predicted) are merged.
//!
//! SemEval-2025 Task 10 subtask 2 ranks by [`f1_samples`] (scikit-learn's
//! `f1_score(average="samples")`); SemEval-2023 Task 3 subtask 2 by micro-F1,
//! and macro-F1 shows how the rarer frames fare ([`multilabel_report`]).
//!
//! ```
//! use framelens::metrics::{f1_samples, multilabel_report};
//! let labels: Vec<String> = ["A", "B", "C"].map(String::from).to_vec();
//! let gold = vec![("d1".to_string(), vec!["A".to_string(), "B".to_string()])];
//! let pred = vec![("d1".to_string(), vec!["A".to_string(), "C".to_string()])];
//! // One shared label of two gold and two predicted: F1 = 2·1 / (2 + 2).
//! assert_eq!(f1_samples(&gold, &pred, &labels), 0.5);
//! assert_eq!(multilabel_report(&gold, &pred, &labels).micro_f1, 0.5);
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use serde::Serialize;

/// Precision, recall and F1 of one label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelPrf {
    /// The label.
    pub label: String,
    /// TP / (TP + FP); 0.0 when nothing was predicted.
    pub precision: f64,
    /// TP / (TP + FN); 0.0 when the label never occurs in gold.
    pub recall: f64,
    /// 2·TP / (2·TP + FP + FN); 0.0 when the label is neither in gold nor predicted.
    pub f1: f64,
    /// Gold documents carrying the label.
    pub support: usize,
}

/// Micro and macro scores over (document, label) decisions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultiLabelReport {
    /// F1 over all (document, label) pairs: 2·TP / (2·TP + FP + FN).
    pub micro_f1: f64,
    /// Mean of the per-label F1 over every label of the label list.
    pub macro_f1: f64,
    /// TP / (TP + FP) over all pairs.
    pub micro_precision: f64,
    /// TP / (TP + FN) over all pairs.
    pub micro_recall: f64,
    /// One entry per label, in label-list order.
    pub per_label: Vec<LabelPrf>,
    /// Gold documents scored.
    pub documents: usize,
}

/// SemEval-2025 "F1 samples": per gold document, the binary F1 between the
/// gold and the predicted label set, averaged over gold documents.
///
/// Per document F1 = 2·|G ∩ P| / (|G| + |P|) after dropping labels outside
/// `label_list` (`Other` counts as a label when it is in the list). When both
/// sets are empty the document scores 1.0 (scikit-learn with
/// `zero_division=1`; the official scorer never meets the case because every
/// SemEval-2025 document has at least `Other`); when one of them is empty it
/// scores 0.0. With no gold documents the result is 0.0.
pub fn f1_samples(gold: &[(String, Vec<String>)], predicted: &[(String, Vec<String>)], label_list: &[String]) -> f64 {
    let labels = LabelIndex::new(label_list);
    let gold = labels.sets(gold, None);
    if gold.is_empty() {
        return 0.0;
    }
    let pred = labels.sets(predicted, Some(&gold));
    let empty = BTreeSet::new();
    let total: f64 = gold
        .iter()
        .map(|(id, g)| {
            let p = pred.get(id).unwrap_or(&empty);
            if g.is_empty() && p.is_empty() {
                1.0
            } else {
                let tp = g.intersection(p).count();
                2.0 * tp as f64 / (g.len() + p.len()) as f64
            }
        })
        .sum();
    total / gold.len() as f64
}

/// SemEval-2023 subtask 2: micro-F1 over (document, label) pairs, macro-F1 (the
/// mean of per-label F1 over every label in `label_list`, rare and absent ones
/// included) and per-label precision, recall and F1.
///
/// A zero denominator gives 0.0, as scikit-learn's default
/// `zero_division="warn"` does: a label that is never predicted has precision
/// 0.0, one that never occurs in gold recall 0.0, one that is neither in gold
/// nor predicted F1 0.0 (and it still counts in the macro mean). Same pairing
/// and dropping rules as [`f1_samples`]; duplicates in `label_list` count once.
pub fn multilabel_report(
    gold: &[(String, Vec<String>)],
    predicted: &[(String, Vec<String>)],
    label_list: &[String],
) -> MultiLabelReport {
    let labels = LabelIndex::new(label_list);
    let gold = labels.sets(gold, None);
    let pred = labels.sets(predicted, Some(&gold));
    let n = labels.labels.len();
    let (mut tp, mut fp, mut fn_) = (vec![0usize; n], vec![0usize; n], vec![0usize; n]);
    let empty = BTreeSet::new();
    for (id, g) in &gold {
        let p = pred.get(id).unwrap_or(&empty);
        for &l in g {
            if p.contains(&l) {
                tp[l] += 1;
            } else {
                fn_[l] += 1;
            }
        }
        for &l in p.difference(g) {
            fp[l] += 1;
        }
    }
    let per_label: Vec<LabelPrf> = (0..n)
        .map(|i| LabelPrf {
            label: labels.labels[i].to_string(),
            precision: ratio(tp[i], tp[i] + fp[i]),
            recall: ratio(tp[i], tp[i] + fn_[i]),
            f1: ratio(2 * tp[i], 2 * tp[i] + fp[i] + fn_[i]),
            support: tp[i] + fn_[i],
        })
        .collect();
    let (tp, fp, fn_) = (tp.iter().sum::<usize>(), fp.iter().sum::<usize>(), fn_.iter().sum::<usize>());
    let macro_f1 = if n == 0 { 0.0 } else { per_label.iter().map(|l| l.f1).sum::<f64>() / n as f64 };
    MultiLabelReport {
        micro_f1: ratio(2 * tp, 2 * tp + fp + fn_),
        macro_f1,
        micro_precision: ratio(tp, tp + fp),
        micro_recall: ratio(tp, tp + fn_),
        per_label,
        documents: gold.len(),
    }
}

/// A plain-text table: one row per label, then the micro and macro rows.
pub fn format_table(report: &MultiLabelReport) -> String {
    let width = report.per_label.iter().map(|l| l.label.chars().count()).max().unwrap_or(0).max(5);
    let mut out = String::new();
    let _ = writeln!(out, "{:<width$}  {:>9}  {:>6}  {:>6}  {:>7}", "label", "precision", "recall", "f1", "support");
    for l in &report.per_label {
        let _ = writeln!(
            out,
            "{:<width$}  {:>9.3}  {:>6.3}  {:>6.3}  {:>7}",
            l.label, l.precision, l.recall, l.f1, l.support
        );
    }
    let support: usize = report.per_label.iter().map(|l| l.support).sum();
    let _ = writeln!(
        out,
        "{:<width$}  {:>9.3}  {:>6.3}  {:>6.3}  {:>7}",
        "micro", report.micro_precision, report.micro_recall, report.micro_f1, support
    );
    let _ = writeln!(out, "{:<width$}  {:>9}  {:>6}  {:>6.3}  {:>7}", "macro", "", "", report.macro_f1, "");
    let _ = writeln!(out, "{} documents", report.documents);
    out
}

/// `num / den`, 0.0 when `den` is 0.
fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// The label list, deduplicated, with an index per label.
struct LabelIndex<'a> {
    labels: Vec<&'a str>,
    index: HashMap<&'a str, usize>,
}

impl<'a> LabelIndex<'a> {
    fn new(label_list: &'a [String]) -> Self {
        let mut labels = Vec::with_capacity(label_list.len());
        let mut index = HashMap::with_capacity(label_list.len());
        for l in label_list {
            if !index.contains_key(l.as_str()) {
                index.insert(l.as_str(), labels.len());
                labels.push(l.as_str());
            }
        }
        LabelIndex { labels, index }
    }

    /// Label-index sets by ID (sorted, so sums run in a fixed order), entries
    /// of one ID merged; with `only`, IDs outside it are skipped.
    fn sets<'d>(
        &self,
        pairs: &'d [(String, Vec<String>)],
        only: Option<&BTreeMap<&'d str, BTreeSet<usize>>>,
    ) -> BTreeMap<&'d str, BTreeSet<usize>> {
        let mut out: BTreeMap<&'d str, BTreeSet<usize>> = BTreeMap::new();
        for (id, labels) in pairs {
            if only.is_some_and(|o| !o.contains_key(id.as_str())) {
                continue;
            }
            out.entry(id.as_str())
                .or_default()
                .extend(labels.iter().filter_map(|l| self.index.get(l.as_str()).copied()));
        }
        out
    }
}
