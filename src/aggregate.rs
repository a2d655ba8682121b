//! Aggregate: sentence scores → document scores, labels and evidence.
//!
//! A document score pools its sentences' scores for a category. Labels are
//! the categories whose document score reaches their threshold; evidence is
//! the strongest sentences for that category.

use ndarray::{ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::analysis::DocumentLabel;
use crate::score::top_k_mean;
use crate::taxonomy::Taxonomy;

/// How sentence scores are pooled into a document score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pooling {
    /// Mean over all sentences: for diffuse categories such as frames.
    Mean,
    /// Mean of the `k` highest sentence scores: for categories that a few
    /// sentences carry, such as narratives.
    TopK(usize),
    /// Mean of the highest `max(min_k, share × sentences)` scores: like
    /// `TopK(min_k)` on a news article, but a 1,000-sentence transcript
    /// needs the category in a share of its text, not in three sentences.
    TopShare { min_k: usize, share: f32 },
}

impl Pooling {
    /// Pool one category's column of sentence scores.
    pub fn pool(&self, column: ArrayView1<'_, f32>) -> f32 {
        match *self {
            Pooling::Mean => column.mean().unwrap_or(0.0),
            Pooling::TopK(k) => top_k_mean(column, k.max(1)),
            Pooling::TopShare { min_k, share } => {
                let k = ((column.len() as f32 * share.clamp(0.0, 1.0)).ceil() as usize).max(min_k).max(1);
                top_k_mean(column, k)
            }
        }
    }
}

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
}

impl Default for DecisionConfig {
    fn default() -> Self {
        DecisionConfig { pooling: Pooling::TopK(3), threshold: 0.5, max_evidence: 3, evidence_ratio: 0.8 }
    }
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
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.label.cmp(&b.label)));
    out
}

/// Flat decision: every category at or above its threshold.
pub fn flat_decision(doc: &[f32], thresholds: &[f32]) -> Vec<usize> {
    (0..doc.len()).filter(|&c| doc[c] >= thresholds[c]).collect()
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
