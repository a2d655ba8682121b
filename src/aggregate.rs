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
}

impl Pooling {
    /// Pool one category's column of sentence scores.
    pub fn pool(&self, column: ArrayView1<'_, f32>) -> f32 {
        match *self {
            Pooling::Mean => column.mean().unwrap_or(0.0),
            Pooling::TopK(k) => top_k_mean(column, k.max(1)),
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

/// The threshold of category `c`.
pub fn threshold_of(taxonomy: &Taxonomy, c: usize, config: &DecisionConfig) -> f32 {
    taxonomy.categories[c].threshold.unwrap_or(config.threshold)
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
pub fn flat_decision(taxonomy: &Taxonomy, doc: &[f32], config: &DecisionConfig) -> Vec<usize> {
    (0..doc.len()).filter(|&c| doc[c] >= threshold_of(taxonomy, c, config)).collect()
}
