//! What a head's labelled documents say beyond its weights: the share of
//! them that carries each category, and the out-of-fold true- and
//! false-positive rates of its decisions (kept in the head for prevalence
//! estimates). Used by full heads (`held_out`) and calibrations (`calibrate`).

use ndarray::Array2;

use crate::taxonomy::Taxonomy;

/// Share of the documents (label index lists) that carry each of `k` categories.
pub(crate) fn prevalence<'a>(k: usize, labels: impl Iterator<Item = &'a [usize]>) -> Vec<f32> {
    let mut count = vec![0usize; k];
    let mut n = 0usize;
    for l in labels {
        n += 1;
        for &c in l.iter().filter(|&&c| c < k) {
            count[c] += 1;
        }
    }
    count.iter().map(|&c| if n == 0 { 0.0 } else { c as f32 / n as f32 }).collect()
}

/// Per document, the categories a head with these scores and thresholds
/// gives: the best-scored one for an exclusive taxonomy (`max_labels = 1`),
/// every one at or above its threshold otherwise.
fn decided(taxonomy: &Taxonomy, scores: &Array2<f32>, thresholds: &[f32]) -> Vec<Vec<usize>> {
    scores
        .rows()
        .into_iter()
        .map(|row| {
            if taxonomy.max_labels == Some(1) {
                row.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(c, _)| vec![c]).unwrap_or_default()
            } else {
                (0..row.len()).filter(|&c| row[c] >= thresholds[c]).collect()
            }
        })
        .collect()
}

/// Out-of-fold true- and false-positive rates per category of documents
/// scored `scores` (decided as [`decided`] decides) against `gold`.
pub(crate) fn rates(
    taxonomy: &Taxonomy,
    scores: &Array2<f32>,
    gold: &[Vec<usize>],
    thresholds: &[f32],
) -> (Vec<Option<f32>>, Vec<Option<f32>>) {
    let decisions = decided(taxonomy, scores, thresholds);
    let k = scores.ncols();
    let (mut tpr, mut fpr) = (Vec::with_capacity(k), Vec::with_capacity(k));
    for c in 0..k {
        let (mut tp, mut pos, mut fp, mut neg) = (0usize, 0usize, 0usize, 0usize);
        for (d, g) in decisions.iter().zip(gold) {
            let given = d.contains(&c);
            if g.contains(&c) {
                pos += 1;
                tp += usize::from(given);
            } else {
                neg += 1;
                fp += usize::from(given);
            }
        }
        tpr.push((pos > 0).then(|| tp as f32 / pos as f32));
        fpr.push((neg > 0).then(|| fp as f32 / neg as f32));
    }
    (tpr, fpr)
}
