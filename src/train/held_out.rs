//! Training a head: cross-validation for the thresholds and for the choice,
//! per category, between the head and zero-shot scoring; held-out selection.

use ndarray::{Array2, Axis};

use crate::error::{Error, Result};
use crate::head::{Head, HeadKind, TrainConfig, HEAD_FORMAT, RESIDUAL_HEAD_VERSION};
use crate::taxonomy::Taxonomy;

use super::fit::{document_units, fit};
use super::thresholds::{choose_thresholds, counts, f1};
use super::{TrainDocument, Unit};

/// Train a head on documents plus optional taxonomy units. `progress` is
/// called after each cross-validation fold and after the final fit.
///
/// Thresholds and the head-or-zero-shot choice per category are chosen on
/// out-of-fold scores of all the documents ([`train_held_out`] with every
/// document held out).
pub fn train(
    taxonomy: &Taxonomy,
    encoder: &str,
    docs: &[TrainDocument],
    extra: &[Unit],
    config: &TrainConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Head> {
    let all = vec![true; docs.len()];
    train_held_out(taxonomy, encoder, docs, extra, config, &all, progress).map(|(head, _)| head)
}

/// How a head did out of fold on the documents it was judged on (see
/// [`train_held_out`]); the scores are those of the head as trained, with
/// its chosen thresholds and its zero-shot fallbacks.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldOutReport {
    /// Documents the choices were made on.
    pub documents: usize,
    /// Micro-F1 over all categories at the chosen thresholds.
    pub micro_f1: f64,
    /// Macro-F1 over the categories that some of those documents carry.
    pub macro_f1: f64,
    /// Share of the documents with one label whose best-scored category is
    /// that label (`None` when no document has exactly one label).
    pub accuracy: Option<f64>,
    /// Categories that keep zero-shot scoring.
    pub zero_shot_categories: usize,
}

impl HeldOutReport {
    /// The one figure two heads are compared by: accuracy for an exclusive
    /// taxonomy (`max_labels = 1`, the decision is the best-scored category),
    /// micro-F1 otherwise.
    pub fn score(&self, taxonomy: &Taxonomy) -> f64 {
        match (taxonomy.max_labels, self.accuracy) {
            (Some(1), Some(a)) => a,
            _ => self.micro_f1,
        }
    }
}

/// [`train`], with thresholds and the head-or-zero-shot choice per category
/// made only on the documents marked in `held_out` (cross-fitting): each of
/// them is scored by a head fitted on the other documents of all folds and on
/// every document *not* held out, which is always in training. Use it when
/// the vectors of the other documents are optimistic, e.g. from an encoder
/// tuned on them (the `tune` module, with the `rust-bert` feature). The head
/// itself is fitted on all the documents. Also returns how it did out of
/// fold on the held-out documents.
pub fn train_held_out(
    taxonomy: &Taxonomy,
    encoder: &str,
    docs: &[TrainDocument],
    extra: &[Unit],
    config: &TrainConfig,
    held_out: &[bool],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(Head, HeldOutReport)> {
    let k = taxonomy.categories.len();
    if docs.is_empty() {
        return Err(Error::InvalidInput("no training documents".into()));
    }
    let dim = docs[0].sentences.ncols();
    // Mismatched shapes would panic deep in the fit: name the document or unit instead.
    for (d, doc) in docs.iter().enumerate() {
        let bad = if doc.sentences.ncols() != dim {
            Some(format!("has {}-dimensional vectors, the first document {dim}", doc.sentences.ncols()))
        } else if doc.scores.dim() != (doc.sentences.nrows(), k) {
            Some(format!("has zero-shot scores {:?}, expected {:?}", doc.scores.dim(), (doc.sentences.nrows(), k)))
        } else {
            doc.labels
                .iter()
                .find(|&&c| c >= k)
                .map(|c| format!("has label index {c}, the taxonomy has {k} categories"))
        };
        if let Some(why) = bad {
            return Err(Error::InvalidInput(format!("training document {d} {why}")));
        }
    }
    for (i, u) in extra.iter().enumerate() {
        if u.vector.len() != dim || u.prior.len() != k || u.labels.iter().any(|&c| c >= k) {
            return Err(Error::InvalidInput(format!(
                "extra training unit {i} does not fit: {} dimensions (expected {dim}), {} zero-shot scores (expected {k}), labels {:?}",
                u.vector.len(),
                u.prior.len(),
                u.labels
            )));
        }
    }
    if config.folds < 2
        || config.epochs == 0
        || !config.l2.is_finite()
        || config.l2 < 0.0
        || !config.learning_rate.is_finite()
        || config.learning_rate <= 0.0
    {
        return Err(Error::InvalidSetting {
            name: "train config",
            reason: "folds must be at least 2, epochs at least 1, l2 >= 0 and learning_rate > 0".into(),
        });
    }
    if held_out.len() != docs.len() {
        return Err(Error::InvalidInput(format!(
            "{} held-out marks for {} training documents",
            held_out.len(),
            docs.len()
        )));
    }
    // The held-out documents, in order; the j-th of them is in fold j % folds.
    let judged: Vec<usize> = (0..docs.len()).filter(|&d| held_out[d]).collect();
    if judged.len() < config.folds {
        return Err(Error::InvalidInput(format!(
            "{} held-out documents, fewer than the {} folds that choose thresholds on them",
            judged.len(),
            config.folds
        )));
    }
    let mut fold_of: Vec<Option<usize>> = vec![None; docs.len()];
    for (j, &d) in judged.iter().enumerate() {
        fold_of[d] = Some(j % config.folds);
    }
    let steps = config.folds + 1;
    let doc_units = document_units(docs, config);
    let extra: Vec<Unit> = if config.use_exemplars { extra.to_vec() } else { Vec::new() };

    // Out-of-fold scores of the held-out documents for thresholds, and the
    // zero-shot scores they are compared with (row j: the j-th held-out document).
    let row_of: std::collections::HashMap<usize, usize> = judged.iter().enumerate().map(|(j, &d)| (d, j)).collect();
    let mut oof = Array2::<f32>::zeros((judged.len(), k));
    let mut zero_shot = Array2::<f32>::zeros((judged.len(), k));
    for u in &doc_units {
        if let Some(j) = u.document.filter(|_| u.weight >= 1.0).and_then(|d| row_of.get(&d)) {
            zero_shot.row_mut(*j).assign(&u.prior);
        }
    }
    for fold in 0..config.folds {
        let in_fold = |d: usize| fold_of[d] == Some(fold);
        let train_units: Vec<Unit> =
            doc_units.iter().filter(|u| u.document.is_some_and(|d| !in_fold(d))).chain(&extra).cloned().collect();
        let fitted = fit(&train_units, k, dim, config);
        for u in doc_units.iter().filter(|u| u.document.is_some_and(in_fold)) {
            if let Some(j) = u.document.filter(|_| u.weight >= 1.0).and_then(|d| row_of.get(&d)) {
                oof.row_mut(*j).assign(&fitted.score(&u.vector, &u.prior));
            }
        }
        progress(fold + 1, steps);
    }
    let gold: Vec<Vec<usize>> = judged.iter().map(|&d| docs[d].labels.clone()).collect();
    let (thresholds, use_zero_shot) = choose_scorers(taxonomy, &oof, &zero_shot, &gold, config);
    let report = held_out_report(&oof, &zero_shot, &gold, &thresholds, &use_zero_shot);
    let mut judged_scores = oof.clone();
    for c in (0..k).filter(|&c| use_zero_shot[c]) {
        judged_scores.column_mut(c).assign(&zero_shot.column(c));
    }
    let (true_positive_rate, false_positive_rate) = super::rates::rates(taxonomy, &judged_scores, &gold, &thresholds);
    let prevalence = super::rates::prevalence(k, docs.iter().map(|d| d.labels.as_slice()));

    let all: Vec<Unit> = doc_units.iter().chain(&extra).cloned().collect();
    let fitted = fit(&all, k, dim, config);
    progress(steps, steps);
    let head = Head {
        format: HEAD_FORMAT.into(),
        version: RESIDUAL_HEAD_VERSION,
        taxonomy: taxonomy.name.clone(),
        labels: taxonomy.labels().map(str::to_string).collect(),
        encoder: encoder.to_string(),
        dim,
        config: config.clone(),
        documents: docs.len(),
        units: all.len(),
        weights: fitted.w.axis_iter(Axis(0)).map(|r| r.to_vec()).collect(),
        prior_weight: fitted.a.to_vec(),
        bias: fitted.b.to_vec(),
        thresholds,
        zero_shot: use_zero_shot,
        kind: HeadKind::Residual,
        prevalence,
        true_positive_rate,
        false_positive_rate,
        path: None,
    };
    Ok((head, report))
}

/// Per category, the threshold and whether zero-shot scoring replaces the
/// head, from out-of-fold head scores `oof` and zero-shot scores of the same
/// documents: whichever scorer has the better F1 at its own threshold; on a
/// tie the one with fewer errors (false positives plus false negatives); on
/// a tie of both, zero-shot for a category with fewer positive documents than
/// `config.min_positives_for_threshold` (a head that shows nothing on a
/// handful of examples has not learnt the category: typically a
/// sub-narrative) and the head otherwise.
fn choose_scorers(
    taxonomy: &Taxonomy,
    oof: &Array2<f32>,
    zero_shot: &Array2<f32>,
    gold: &[Vec<usize>],
    config: &TrainConfig,
) -> (Vec<f32>, Vec<bool>) {
    let k = taxonomy.categories.len();
    let levels: Vec<usize> = (0..k).map(|c| taxonomy.depth(c)).collect();
    let head_thresholds = choose_thresholds(oof, gold, &levels, config.min_positives_for_threshold);
    let zero_shot_thresholds = choose_thresholds(zero_shot, gold, &levels, config.min_positives_for_threshold);
    let use_zero_shot: Vec<bool> = (0..k)
        .map(|c| {
            let positives = gold.iter().filter(|g| g.contains(&c)).count();
            zero_shot_wins(
                counts(zero_shot, gold, c, zero_shot_thresholds[c]),
                counts(oof, gold, c, head_thresholds[c]),
                positives < config.min_positives_for_threshold,
            )
        })
        .collect();
    let thresholds =
        (0..k).map(|c| if use_zero_shot[c] { zero_shot_thresholds[c] } else { head_thresholds[c] }).collect();
    (thresholds, use_zero_shot)
}

/// Whether zero-shot (its out-of-fold counts `zero_shot`) beats the head
/// (`head`) on a category: better F1, else fewer errors, else `few_examples`.
fn zero_shot_wins(zero_shot: (f32, f32, f32), head: (f32, f32, f32), few_examples: bool) -> bool {
    let (fz, fh) = (f1(zero_shot), f1(head));
    if fz != fh {
        return fz > fh;
    }
    let (ez, eh) = (zero_shot.1 + zero_shot.2, head.1 + head.2);
    if ez != eh {
        return ez < eh;
    }
    few_examples
}

/// [`HeldOutReport`] of out-of-fold scores with the chosen thresholds and fallbacks.
pub(super) fn held_out_report(
    oof: &Array2<f32>,
    zero_shot: &Array2<f32>,
    gold: &[Vec<usize>],
    thresholds: &[f32],
    use_zero_shot: &[bool],
) -> HeldOutReport {
    let k = thresholds.len();
    let mut scores = oof.clone();
    for c in (0..k).filter(|&c| use_zero_shot[c]) {
        scores.column_mut(c).assign(&zero_shot.column(c));
    }
    let per: Vec<(f32, f32, f32)> = (0..k).map(|c| counts(&scores, gold, c, thresholds[c])).collect();
    let sum = per.iter().fold((0.0, 0.0, 0.0), |s, x| (s.0 + x.0, s.1 + x.1, s.2 + x.2));
    let carried: Vec<f64> =
        (0..k).filter(|&c| gold.iter().any(|g| g.contains(&c))).map(|c| f64::from(f1(per[c]))).collect();
    let single: Vec<usize> = (0..gold.len()).filter(|&d| gold[d].len() == 1).collect();
    let accuracy = (!single.is_empty()).then(|| {
        let right = single
            .iter()
            .filter(|&&d| {
                let best = scores.row(d).iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(c, _)| c);
                best == Some(gold[d][0])
            })
            .count();
        right as f64 / single.len() as f64
    });
    HeldOutReport {
        documents: gold.len(),
        micro_f1: f64::from(f1(sum)),
        macro_f1: if carried.is_empty() { 0.0 } else { carried.iter().sum::<f64>() / carried.len() as f64 },
        accuracy,
        zero_shot_categories: use_zero_shot.iter().filter(|&&z| z).count(),
    }
}
