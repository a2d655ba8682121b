//! Aggregate: sentence scores → document scores, labels and evidence.
//!
//! A document score pools its sentences' scores for a category. Labels are
//! the categories whose document score reaches their threshold; evidence is
//! the strongest sentences for that category.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::analysis::DocumentLabel;
use crate::pool::Pooling;
use crate::taxonomy::Taxonomy;

/// Settings for document decisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionConfig {
    /// Pooling of sentence scores.
    pub pooling: Pooling,
    /// Document threshold for categories without their own.
    pub threshold: f32,
    /// Most evidence sentences kept per label.
    pub max_evidence: usize,
    /// A sentence is evidence when its score reaches this share of the best
    /// sentence's score for that category.
    pub evidence_ratio: f32,
    /// Flat taxonomies: fewest labels a document gets; the best-scored
    /// categories fill up to it even below their thresholds (frames run
    /// through every news article, about 3.7 of the 14 per article).
    #[serde(default)]
    pub min_labels: usize,
    /// Most labels a document gets per level (the best-scored ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_labels: Option<usize>,
    /// Taxonomies without explicit thresholds: the share of documents of
    /// neutral reporting (runs of the taxonomy's background sentences)
    /// allowed through the "carries a category at all" gate. It sets the
    /// thresholds of every level; see [`background_thresholds`].
    #[serde(default = "default_false_alarm_rate")]
    pub false_alarm_rate: f32,
    /// Taxonomies with priors: the weight of a category's log base rate
    /// against its evidence (its document score in standard deviations of
    /// neutral documents of the same length); see [`BaseRates`].
    #[serde(default = "default_prior_weight")]
    pub prior_weight: f32,
}

fn default_false_alarm_rate() -> f32 {
    0.1
}

fn default_prior_weight() -> f32 {
    1.0
}

impl Default for DecisionConfig {
    fn default() -> Self {
        DecisionConfig {
            pooling: Pooling::TopK(3),
            threshold: 0.5,
            max_evidence: 3,
            evidence_ratio: 0.8,
            min_labels: 0,
            max_labels: None,
            false_alarm_rate: default_false_alarm_rate(),
            prior_weight: default_prior_weight(),
        }
    }
}

/// Sentences in a pseudo-document of neutral reporting: about the length of
/// a news article (SemEval-2025 articles have about 21 sentences).
pub const PSEUDO_DOCUMENT_SENTENCES: usize = 20;

/// Thresholds learnt from neutral text: `[n − 1][c]` is category `c`'s
/// threshold for a document of `n` sentences (`n` up to
/// [`PSEUDO_DOCUMENT_SENTENCES`]; longer documents use the last row).
///
/// For each length `n` and each level of the taxonomy, the threshold is the
/// `1 − false_alarm_rate` quantile, over pseudo-documents of `n` consecutive
/// background sentences (the background lists neutral reporting grouped by
/// topic), of the best document score at that level. A document gets a
/// label only when it looks less neutral than all but `false_alarm_rate` of
/// neutral documents of its length: a one-sentence paragraph is compared
/// with single neutral sentences, an article with neutral articles.
///
/// `None` when there are fewer background sentences than one pseudo-document.
pub fn background_thresholds(
    taxonomy: &Taxonomy,
    background_scores: ArrayView2<'_, f32>,
    pooling: Pooling,
    false_alarm_rate: f32,
) -> Option<Vec<Vec<f32>>> {
    let n = background_scores.nrows();
    if n < PSEUDO_DOCUMENT_SENTENCES {
        return None;
    }
    let k = taxonomy.categories.len();
    let depth: Vec<usize> = (0..k).map(|c| taxonomy.depth(c)).collect();
    let levels = depth.iter().copied().max().unwrap_or(0) + 1;
    let rate = false_alarm_rate.clamp(0.0, 1.0);
    let by_length = (1..=PSEUDO_DOCUMENT_SENTENCES)
        .map(|len| {
            let mut best: Vec<Vec<f32>> = vec![Vec::with_capacity(n); levels];
            for start in 0..n {
                let rows: Vec<usize> = (start..start + len).map(|i| i % n).collect();
                let doc = document_scores(background_scores.select(ndarray::Axis(0), &rows).view(), pooling);
                for (level, values) in best.iter_mut().enumerate() {
                    let top = (0..k).filter(|&c| depth[c] == level).map(|c| doc[c]).fold(0.0f32, f32::max);
                    values.push(top);
                }
            }
            let quantiles: Vec<f32> = best
                .into_iter()
                .map(|mut v| {
                    v.sort_by(f32::total_cmp);
                    let at = ((1.0 - rate) * (v.len() - 1) as f32).round() as usize;
                    v[at.min(v.len() - 1)]
                })
                .collect();
            depth.iter().map(|&d| quantiles[d]).collect()
        })
        .collect();
    Some(by_length)
}

/// Each category's document score on neutral reporting, per document
/// length: the mean and standard deviation over pseudo-documents of `n`
/// consecutive background sentences (as for [`background_thresholds`]).
/// `mean[n − 1][c]`, `sd[n − 1][c]` for `n` up to
/// [`PSEUDO_DOCUMENT_SENTENCES`]; longer documents use the last row.
#[derive(Debug, Clone, PartialEq)]
pub struct BackgroundNorms {
    /// Mean document score, `[length − 1][category]`.
    pub mean: Vec<Vec<f32>>,
    /// Standard deviation of the document score, `[length − 1][category]`
    /// (at least [`MIN_SD`]).
    pub sd: Vec<Vec<f32>>,
}

/// Smallest spread a category's background scores are given, so that a
/// category that scores the same on every neutral document does not get an
/// unbounded z-score.
pub const MIN_SD: f32 = 1e-3;

impl BackgroundNorms {
    /// The norms of a document of `sentences` sentences: `(mean, sd)` per category.
    pub fn for_length(&self, sentences: usize) -> (&[f32], &[f32]) {
        let row = sentences.clamp(1, self.mean.len().max(1)) - 1;
        (&self.mean[row], &self.sd[row])
    }
}

/// The norms of every category's document score on neutral reporting; `None`
/// when there are fewer background sentences than one pseudo-document.
pub fn background_norms(background_scores: ArrayView2<'_, f32>, pooling: Pooling) -> Option<BackgroundNorms> {
    let n = background_scores.nrows();
    if n < PSEUDO_DOCUMENT_SENTENCES {
        return None;
    }
    let k = background_scores.ncols();
    let (mut mean, mut sd) = (Vec::new(), Vec::new());
    for len in 1..=PSEUDO_DOCUMENT_SENTENCES {
        let mut sum = vec![0.0f64; k];
        let mut sum_sq = vec![0.0f64; k];
        for start in 0..n {
            let rows: Vec<usize> = (start..start + len).map(|i| i % n).collect();
            let doc = document_scores(background_scores.select(ndarray::Axis(0), &rows).view(), pooling);
            for c in 0..k {
                sum[c] += f64::from(doc[c]);
                sum_sq[c] += f64::from(doc[c]) * f64::from(doc[c]);
            }
        }
        let m: Vec<f64> = sum.iter().map(|s| s / n as f64).collect();
        sd.push((0..k).map(|c| ((sum_sq[c] / n as f64 - m[c] * m[c]).max(0.0).sqrt() as f32).max(MIN_SD)).collect());
        mean.push(m.into_iter().map(|v| v as f32).collect());
    }
    Some(BackgroundNorms { mean, sd })
}

/// What a base-rate decision needs beside the document scores: how common
/// each category is in news and how its score is spread on neutral text.
#[derive(Debug, Clone, Copy)]
pub struct BaseRates<'a> {
    /// Every category's prior, summing to one ([`Taxonomy::priors`]).
    pub priors: &'a [f32],
    /// Mean document score of each category on neutral documents of this length.
    pub mean: &'a [f32],
    /// Its standard deviation there.
    pub sd: &'a [f32],
}

/// How many labels a document of `sentences` sentences carries, from the
/// priors: a document is taken to make about √n independent choices of a
/// category (sentences next to each other share theirs), each category
/// being chosen with its prior; the expected number of distinct categories
/// is `Σ_c 1 − (1 − p_c)^√n`, rounded, at least one and at most
/// `max_labels`. One sentence carries one label; a 20-sentence article
/// about four under a spread-out prior such as the frames'; fewer under a
/// concentrated one.
pub fn expected_labels(priors: &[f32], sentences: usize, max_labels: Option<usize>) -> usize {
    let draws = (sentences.max(1) as f64).sqrt();
    let expected: f64 = priors.iter().map(|&p| 1.0 - (1.0 - f64::from(p).clamp(0.0, 1.0)).powf(draws)).sum();
    (expected.round() as usize).clamp(1, max_labels.unwrap_or(usize::MAX).max(1)).min(priors.len().max(1))
}

/// Each category's decision score under base rates: how far its document
/// score lies above its mean on neutral documents of the same length (so no
/// category is favoured by its raw score level), in standard deviations of
/// neutral documents pooled over the categories (their root mean square),
/// plus `prior_weight` times the log of its prior relative to a uniform one.
///
/// The spread is pooled, not each category's own: a category that neutral
/// text hardly touches has a tiny spread of its own and would get huge
/// z-scores on any text that touches it at all. Measured on the 169 Global
/// Voices stories with per-category spreads: Fairness_and_equality went to
/// 95% of them, and Appeal_to_Values, whose prior is the smallest, to 16% of
/// their paragraphs (docs/accuracy.md).
pub fn base_rate_scores(doc: &[f32], base: &BaseRates<'_>, prior_weight: f32) -> Vec<f32> {
    let k = doc.len() as f32;
    let pooled = (base.sd.iter().map(|s| s * s).sum::<f32>() / k.max(1.0)).sqrt().max(MIN_SD);
    (0..doc.len())
        .map(|c| {
            let z = (doc[c] - base.mean[c]) / pooled;
            z + prior_weight * (base.priors[c].max(f32::MIN_POSITIVE) * k).ln()
        })
        .collect()
}

/// The fewest labels a base-rate decision gives a document of `sentences`
/// sentences: `config.min_labels`, but never more than one per sentence (a
/// one-sentence text is not forced to three frames).
pub(crate) fn min_labels_for(config: &DecisionConfig, categories: usize, sentences: usize) -> usize {
    config.min_labels.min(categories).min(sentences.max(1))
}

/// Flat decision under base rates: the [`expected_labels`] categories with
/// the best [`base_rate_scores`] (at least `config.min_labels` but at most one
/// per sentence, at most `config.max_labels`), best first. Thresholds play no
/// part: every document carries as many labels as documents of its length carry.
pub fn base_rate_decision(doc: &[f32], base: &BaseRates<'_>, sentences: usize, config: &DecisionConfig) -> Vec<usize> {
    let decision = base_rate_scores(doc, base, config.prior_weight);
    let m =
        expected_labels(base.priors, sentences, config.max_labels).max(min_labels_for(config, doc.len(), sentences));
    let mut chosen = ranked(&decision, 0..doc.len());
    chosen.truncate(m.min(config.max_labels.unwrap_or(usize::MAX)));
    chosen
}

/// Document score of every category: `[k]`.
pub fn document_scores(sentence_scores: ArrayView2<'_, f32>, pooling: Pooling) -> Vec<f32> {
    (0..sentence_scores.ncols()).map(|c| pooling.pool(sentence_scores.column(c))).collect()
}

/// Evidence sentences for category `c`: strongest first.
pub fn evidence(sentence_scores: ArrayView2<'_, f32>, c: usize, config: &DecisionConfig) -> Vec<usize> {
    let col = sentence_scores.column(c);
    let mut order: Vec<usize> = (0..col.len()).collect();
    order.sort_by(|&a, &b| col[b].total_cmp(&col[a]).then(a.cmp(&b)));
    let best = order.first().map_or(0.0, |&i| col[i]);
    order
        .into_iter()
        .take(config.max_evidence.max(1))
        .enumerate()
        .take_while(|&(rank, i)| rank == 0 || col[i] >= best * config.evidence_ratio)
        .map(|(_, i)| i)
        .collect()
}

/// Per-category thresholds: the category's own, else the config's.
pub fn thresholds(taxonomy: &Taxonomy, config: &DecisionConfig) -> Vec<f32> {
    taxonomy.categories.iter().map(|c| c.threshold.unwrap_or(config.threshold)).collect()
}

/// Build a sorted list of labels from chosen categories.
pub fn labels_for(
    taxonomy: &Taxonomy,
    chosen: &[usize],
    doc: &[f32],
    sentence_scores: ArrayView2<'_, f32>,
    config: &DecisionConfig,
) -> Vec<DocumentLabel> {
    let mut out: Vec<DocumentLabel> = chosen
        .iter()
        .map(|&c| DocumentLabel {
            label: taxonomy.categories[c].label.clone(),
            score: doc[c],
            evidence: evidence(sentence_scores, c, config),
        })
        .collect();
    out.sort_by(|a, b| crate::analysis::by_score((a.score, &a.label), (b.score, &b.label)));
    out
}

/// Category indices by document score, best first (ties by index).
fn ranked(doc: &[f32], candidates: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut order: Vec<usize> = candidates.collect();
    order.sort_by(|&a, &b| doc[b].total_cmp(&doc[a]).then(a.cmp(&b)));
    order
}

/// Flat decision: every category at or above its threshold, topped up to
/// `config.min_labels` with the best-scored ones and cut to
/// `config.max_labels`, best first.
pub fn flat_decision(doc: &[f32], thresholds: &[f32], config: &DecisionConfig) -> Vec<usize> {
    let order = ranked(doc, 0..doc.len());
    // Sorted by score, the categories above threshold are not always a
    // prefix (thresholds differ per category): take them, then fill up.
    let mut chosen: Vec<usize> = order.iter().copied().filter(|&c| doc[c] >= thresholds[c]).collect();
    let keep = chosen.len().max(config.min_labels.min(order.len()));
    for &c in &order {
        if chosen.len() >= keep {
            break;
        }
        if !chosen.contains(&c) {
            chosen.push(c);
        }
    }
    chosen.sort_by(|&a, &b| doc[b].total_cmp(&doc[a]).then(a.cmp(&b)));
    chosen.truncate(config.max_labels.unwrap_or(usize::MAX));
    chosen
}

/// The outcome of a two-level decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Hierarchical {
    /// Chosen fine categories (children), including `…: Other` children added by rule.
    pub fine: Vec<usize>,
    /// The `…: Other` children added by rule 4 (a subset of `fine`).
    pub added_catch_all: Vec<usize>,
    /// Chosen top-level categories.
    pub coarse: Vec<usize>,
}

/// Two-level decision, consistent by construction:
///
/// 1. only categories of `domain` are considered when one is given
///    (the caller decides the domain first);
/// 2. a child at or above its threshold is chosen, and implies its parent;
/// 3. a parent at or above its threshold is chosen;
/// 4. a chosen parent with no chosen child gets its catch-all (`…: Other`) child;
/// 5. nothing chosen means the taxonomy's `other_label` at both levels
///    (empty `fine` and `coarse` here; the caller adds the label).
pub fn hierarchical_decision(
    taxonomy: &Taxonomy,
    doc: &[f32],
    domain: Option<&str>,
    thresholds: &[f32],
    max_labels: Option<usize>,
) -> Hierarchical {
    let in_domain = |c: usize| domain.is_none() || taxonomy.categories[c].domain.as_deref() == domain;
    let k = taxonomy.categories.len();
    let parent: Vec<Option<usize>> = (0..k).map(|c| taxonomy.parent_index(c)).collect();
    let mut fine: Vec<usize> =
        (0..k).filter(|&c| parent[c].is_some() && in_domain(c) && doc[c] >= thresholds[c]).collect();
    let mut coarse: Vec<usize> =
        (0..k).filter(|&c| parent[c].is_none() && in_domain(c) && doc[c] >= thresholds[c]).collect();
    for &f in &fine {
        if let Some(p) = parent[f] {
            if !coarse.contains(&p) {
                coarse.push(p);
            }
        }
    }
    if let Some(max) = max_labels {
        // Keep the best-scored top-level categories and their children.
        coarse = ranked(doc, coarse.into_iter());
        coarse.truncate(max);
        fine.retain(|&f| parent[f].is_some_and(|p| coarse.contains(&p)));
    }
    let mut added_catch_all = Vec::new();
    for &c in &coarse {
        let has_child = fine.iter().any(|&f| parent[f] == Some(c));
        if !has_child {
            if let Some(other) = (0..k).find(|&f| parent[f] == Some(c) && taxonomy.categories[f].catch_all) {
                fine.push(other);
                added_catch_all.push(other);
            }
        }
    }
    fine.sort_unstable();
    coarse.sort_unstable();
    Hierarchical { fine, added_catch_all, coarse }
}

/// A document's labels from its scores: `(labels, coarse)`. Flat
/// taxonomies get [`flat_decision`] and no coarse level. Two-level ones get
/// [`hierarchical_decision`] within `domain` (when the document was routed
/// to one): sub-narratives as `labels`, narratives as `coarse`; nothing
/// chosen gives the taxonomy's `other_label` at both levels, scored one minus
/// the best top-level score, and a catch-all child added by rule takes its
/// parent's score and evidence.
///
/// `doc` holds the document scores `[k]`, `scores` the sentence scores
/// `[sentences, k]` (for evidence), `thresholds` one per category.
pub fn decide(
    t: &Taxonomy,
    doc: &[f32],
    scores: ArrayView2<'_, f32>,
    domain: Option<&str>,
    thresholds: &[f32],
    decision: &DecisionConfig,
) -> (Vec<DocumentLabel>, Option<Vec<DocumentLabel>>) {
    decide_with_base_rates(t, doc, scores, domain, thresholds, decision, None)
}

/// [`decide`], and for a flat taxonomy with `base` given (its priors and the
/// background's norms for the document's length), [`base_rate_decision`]
/// instead of [`flat_decision`]. Two-level taxonomies decide as in [`decide`].
pub fn decide_with_base_rates(
    t: &Taxonomy,
    doc: &[f32],
    scores: ArrayView2<'_, f32>,
    domain: Option<&str>,
    thresholds: &[f32],
    decision: &DecisionConfig,
    base: Option<&BaseRates<'_>>,
) -> (Vec<DocumentLabel>, Option<Vec<DocumentLabel>>) {
    if !t.is_hierarchical() {
        let chosen = match base {
            Some(base) => base_rate_decision(doc, base, scores.nrows(), decision),
            None => flat_decision(doc, thresholds, decision),
        };
        return (labels_for(t, &chosen, doc, scores, decision), None);
    }
    let h = hierarchical_decision(t, doc, domain, thresholds, decision.max_labels);
    if h.coarse.is_empty() {
        let best = (0..doc.len())
            .filter(|&c| t.categories[c].parent.is_none())
            .filter(|&c| domain.is_none() || t.categories[c].domain.as_deref() == domain)
            .map(|c| doc[c])
            .fold(0.0f32, f32::max);
        let other =
            |label: &str| vec![DocumentLabel { label: label.to_string(), score: 1.0 - best, evidence: Vec::new() }];
        return match &t.other_label {
            Some(o) => (other(o), Some(other(o))),
            None => (Vec::new(), Some(Vec::new())),
        };
    }
    let mut fine = labels_for(t, &h.fine, doc, scores, decision);
    for &c in &h.added_catch_all {
        if let (Some(p), Some(label)) = (t.parent_index(c), fine.iter_mut().find(|l| l.label == t.categories[c].label))
        {
            label.score = doc[p];
            label.evidence = evidence(scores, p, decision);
        }
    }
    fine.sort_by(|a, b| crate::analysis::by_score((a.score, &a.label), (b.score, &b.label)));
    let coarse = labels_for(t, &h.coarse, doc, scores, decision);
    (fine, Some(coarse))
}

/// The labels of a two-level document that is in none of the taxonomy's
/// domains (see `route::DomainRouter`): the taxonomy's `other_label` at both
/// levels, scored one minus the best top-level score, and no evidence.
pub fn outside_domains(t: &Taxonomy, doc: &[f32]) -> (Vec<DocumentLabel>, Option<Vec<DocumentLabel>>) {
    let best = (0..doc.len()).filter(|&c| t.categories[c].parent.is_none()).map(|c| doc[c]).fold(0.0f32, f32::max);
    let other = |label: &str| vec![DocumentLabel { label: label.to_string(), score: 1.0 - best, evidence: Vec::new() }];
    match &t.other_label {
        Some(o) => (other(o), Some(other(o))),
        None => (Vec::new(), Some(Vec::new())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn expected_labels_grow_with_length_and_stop_at_the_cap() {
        let uniform = vec![0.1f32; 10];
        assert_eq!(expected_labels(&uniform, 1, None), 1);
        let counts: Vec<usize> = [1, 4, 9, 25, 100, 400].iter().map(|&n| expected_labels(&uniform, n, None)).collect();
        assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
        assert!(counts[5] > counts[0], "{counts:?}");
        assert_eq!(expected_labels(&uniform, 10_000, Some(5)), 5);
        // A concentrated prior: most documents carry the one common category.
        let peaked = [0.97f32, 0.01, 0.01, 0.01];
        assert_eq!(expected_labels(&peaked, 9, None), 1);
        // Never more than there are categories, never none.
        assert_eq!(expected_labels(&[1.0], 400, None), 1);
        assert_eq!(expected_labels(&[], 4, None), 1);
    }

    #[test]
    fn base_rates_centre_raw_levels_and_weigh_priors() {
        // Category 0 scores high on everything (its raw level), category 1 is
        // above its neutral level; equal priors: category 1 wins.
        let doc = [0.8f32, 0.5, 0.2];
        let (mean, sd) = ([0.8f32, 0.3, 0.2], [0.1f32, 0.1, 0.1]);
        let priors = [1.0 / 3.0; 3];
        let base = BaseRates { priors: &priors, mean: &mean, sd: &sd };
        let config = DecisionConfig { prior_weight: 1.0, ..DecisionConfig::default() };
        assert_eq!(base_rate_decision(&doc, &base, 1, &config), vec![1]);
        // With no evidence either way, the common category wins.
        let flat = [0.8f32, 0.3, 0.2];
        let priors = [0.2f32, 0.1, 0.7];
        let base = BaseRates { priors: &priors, mean: &mean, sd: &sd };
        assert_eq!(base_rate_decision(&flat, &base, 1, &config), vec![2]);
        // Strong evidence beats a prior.
        let strong = [0.8f32, 0.9, 0.2];
        assert_eq!(base_rate_decision(&strong, &base, 1, &config), vec![1]);
        // min_labels and max_labels bound the count.
        let two = DecisionConfig { min_labels: 2, ..config.clone() };
        assert_eq!(base_rate_decision(&flat, &base, 2, &two).len(), 2);
        // ... but never more than one label per sentence.
        assert_eq!(base_rate_decision(&flat, &base, 1, &two).len(), 1);
        let one = DecisionConfig { max_labels: Some(1), ..config };
        assert_eq!(base_rate_decision(&flat, &base, 10_000, &one).len(), 1);
    }

    #[test]
    fn background_norms_per_length() {
        // Category 0 alternates 0 and 1 sentence by sentence; category 1 is constant.
        let n = 40;
        let scores = Array2::from_shape_fn((n, 2), |(i, c)| if c == 0 { (i % 2) as f32 } else { 0.25 });
        assert!(background_norms(scores.slice(ndarray::s![..10, ..]), Pooling::Mean).is_none());
        let norms = background_norms(scores.view(), Pooling::Mean).unwrap();
        assert_eq!(norms.mean.len(), PSEUDO_DOCUMENT_SENTENCES);
        let (mean, sd) = norms.for_length(1);
        assert!((mean[0] - 0.5).abs() < 1e-6 && (sd[0] - 0.5).abs() < 1e-6);
        assert!((mean[1] - 0.25).abs() < 1e-6 && sd[1] == MIN_SD);
        // Two-sentence means of an alternating column are all 0.5.
        let (mean, sd) = norms.for_length(2);
        assert!((mean[0] - 0.5).abs() < 1e-6 && sd[0] <= 1e-3);
        // Longer documents use the last row.
        assert_eq!(norms.for_length(500), norms.for_length(PSEUDO_DOCUMENT_SENTENCES));
    }
}
