//! The neutral-text norms per document length and language that a decision
//! rests on, learnt when the classifier is built, and the [`DecisionBasis`]
//! each result keeps (the types live in `basis`, below `analysis`; building
//! them needs `aggregate`, so it lives here, above both).

use ndarray::ArrayView2;

use crate::aggregate::{document_scores, MIN_SD, PSEUDO_DOCUMENT_SENTENCES};
use crate::basis::{DecisionBasis, Norms, Rule, NORM_SENTENCES};
use crate::pool::Pooling;
use crate::taxonomy::Taxonomy;

/// Norms of every document length from 1 to [`NORM_SENTENCES`] sentences
/// (at most the background's length), for one background (a language's, or the default one).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NormTable {
    /// `[length − 1][category]`.
    mean: Vec<Vec<f32>>,
    sd: Vec<Vec<f32>>,
    /// `[length − 1][domain]`: `[mean, sd]` of the best top-level score.
    gate: Vec<Vec<[f32; 2]>>,
}

/// Norms learnt from the taxonomy's background (default and per language).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BackgroundNormSet {
    domains: Vec<Option<String>>,
    default: Option<NormTable>,
    by_language: Vec<(String, NormTable)>,
}

fn table(
    taxonomy: &Taxonomy,
    domains: &[Option<String>],
    scores: ArrayView2<'_, f32>,
    pooling: Pooling,
) -> Option<NormTable> {
    let n = scores.nrows();
    if n < PSEUDO_DOCUMENT_SENTENCES {
        return None;
    }
    let k = scores.ncols();
    let roots_of: Vec<Vec<usize>> = domains
        .iter()
        .map(|d| {
            (0..k)
                .filter(|&c| {
                    taxonomy.categories[c].parent.is_none() && (d.is_none() || taxonomy.categories[c].domain == *d)
                })
                .collect()
        })
        .collect();
    let stats = |v: &[f64]| -> [f32; 2] {
        let m = v.iter().sum::<f64>() / v.len().max(1) as f64;
        let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len().max(1) as f64;
        [m as f32, (var.sqrt() as f32).max(MIN_SD)]
    };
    let (mut mean, mut sd, mut gate) = (Vec::new(), Vec::new(), Vec::new());
    for len in 1..=NORM_SENTENCES.min(n) {
        let mut per_cat: Vec<Vec<f64>> = vec![Vec::with_capacity(n); k];
        let mut best: Vec<Vec<f64>> = vec![Vec::with_capacity(n); domains.len()];
        for start in 0..n {
            let rows: Vec<usize> = (start..start + len).map(|i| i % n).collect();
            let doc = document_scores(scores.select(ndarray::Axis(0), &rows).view(), pooling);
            for c in 0..k {
                per_cat[c].push(f64::from(doc[c]));
            }
            for (d, roots) in roots_of.iter().enumerate() {
                best[d].push(roots.iter().map(|&c| f64::from(doc[c])).fold(0.0, f64::max));
            }
        }
        let s: Vec<[f32; 2]> = per_cat.iter().map(|v| stats(v)).collect();
        mean.push(s.iter().map(|x| x[0]).collect());
        sd.push(s.iter().map(|x| x[1]).collect());
        gate.push(best.iter().map(|v| stats(v)).collect());
    }
    Some(NormTable { mean, sd, gate })
}

impl BackgroundNormSet {
    /// Learn the norms from the scored default background and the scored
    /// backgrounds per language (ISO 639-3 code); a background shorter than
    /// one pseudo-document gives none.
    pub(crate) fn learn(
        taxonomy: &Taxonomy,
        pooling: Pooling,
        default: ArrayView2<'_, f32>,
        by_language: &[(String, ndarray::Array2<f32>)],
    ) -> Self {
        let mut domains: Vec<Option<String>> = vec![None];
        for c in &taxonomy.categories {
            if c.domain.is_some() && !domains.contains(&c.domain) {
                domains.push(c.domain.clone());
            }
        }
        let default = table(taxonomy, &domains, default, pooling);
        let by_language = by_language
            .iter()
            .filter_map(|(code, s)| table(taxonomy, &domains, s.view(), pooling).map(|t| (code.clone(), t)))
            .collect();
        BackgroundNormSet { domains, default, by_language }
    }

    /// The norms of a document of `sentences` sentences, calibrated in
    /// `language` (its own background when it has one, else the default),
    /// routed to `domain`.
    pub(crate) fn norms(&self, language: Option<&str>, sentences: usize, domain: Option<&str>) -> Option<Norms> {
        let t = language
            .and_then(|l| self.by_language.iter().find(|(code, _)| code == l).map(|(_, t)| t))
            .or(self.default.as_ref())?;
        let row = sentences.clamp(1, t.mean.len()) - 1;
        let d = self.domains.iter().position(|x| x.as_deref() == domain).unwrap_or(0);
        Some(Norms { mean: t.mean[row].clone(), sd: t.sd[row].clone(), gate: t.gate[row][d] })
    }
}

/// The basis of a zero-shot or head decision, as the classifier made it:
/// `doc` the document scores, `thresholds` the ones in use for it, `base`
/// the base rates when they decided, `head` whether a head scored it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn basis_of(
    fingerprint: &str,
    doc: &[f32],
    sentences: usize,
    thresholds: &[f32],
    base: Option<&crate::aggregate::BaseRates<'_>>,
    head: bool,
    config: &crate::aggregate::DecisionConfig,
    norms: Option<Norms>,
) -> DecisionBasis {
    let (rule, scores, cuts, labels) = match base {
        Some(base) => {
            let scores = crate::aggregate::base_rate_scores(doc, base, config.prior_weight);
            let m = crate::aggregate::expected_labels(base.priors, sentences, config.max_labels)
                .max(crate::aggregate::min_labels_for(config, doc.len(), sentences))
                .min(config.max_labels.unwrap_or(usize::MAX))
                .clamp(1, doc.len().max(1));
            let mut sorted = scores.clone();
            sorted.sort_by(|a, b| b.total_cmp(a));
            let cut = sorted.get(m - 1).copied().unwrap_or(f32::INFINITY);
            let cuts = vec![cut; doc.len()];
            (Rule::BaseRates, scores, cuts, Some(m))
        }
        None => (if head { Rule::Head } else { Rule::Threshold }, doc.to_vec(), thresholds.to_vec(), None),
    };
    DecisionBasis { taxonomy: fingerprint.to_string(), sentences, rule, labels, scores, cuts, norms }
}
