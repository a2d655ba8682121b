//! Pool: one category's sentence scores → its document score. Used by the
//! decisions ([`crate::aggregate`]), by training ([`crate::train`]) and named
//! by taxonomies ([`crate::taxonomy`]), so it depends on none of them.

use ndarray::ArrayView1;
use serde::{Deserialize, Serialize};

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
    TopShare {
        /// Fewest sentences averaged.
        min_k: usize,
        /// Share of the document's sentences averaged, in (0, 1].
        share: f32,
    },
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

/// Mean of the `k` highest values (all of them when there are fewer),
/// found by selection rather than a full sort, and summed from the highest
/// down.
pub(crate) fn top_k_mean(values: ArrayView1<'_, f32>, k: usize) -> f32 {
    let mut v: Vec<f32> = values.to_vec();
    let n = k.min(v.len());
    if n == 0 {
        return 0.0;
    }
    if n < v.len() {
        v.select_nth_unstable_by(n - 1, |a, b| b.total_cmp(a));
        v.truncate(n);
    }
    v.sort_by(|a, b| b.total_cmp(a));
    v.iter().sum::<f32>() / n as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn top_k_mean_averages_the_highest_values() {
        let v = array![0.1, 0.9, 0.5, 0.7, 0.3];
        assert!((top_k_mean(v.view(), 2) - 0.8).abs() < 1e-6);
        assert!((top_k_mean(v.view(), 9) - 0.5).abs() < 1e-6);
        assert_eq!(top_k_mean(v.view(), 0), 0.0);
        assert!((Pooling::TopShare { min_k: 1, share: 0.4 }.pool(v.view()) - 0.8).abs() < 1e-6);
        assert!((Pooling::Mean.pool(v.view()) - 0.5).abs() < 1e-6);
    }
}
