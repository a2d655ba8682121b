//! Aggregate: sentence scores → document scores, labels and evidence.
//!
//! A document score pools its sentences' scores for a category. Labels are
//! the categories whose document score reaches their threshold; evidence is
//! the strongest sentences for that category.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::analysis::DocumentLabel;
pub use crate::pool::Pooling;
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
}

fn default_false_alarm_rate() -> f32 {
    0.1
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
    if !t.is_hierarchical() {
        let chosen = flat_decision(doc, thresholds, decision);
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
