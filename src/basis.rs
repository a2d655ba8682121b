//! What a document's decision rested on, kept with its result: the rule,
//! the number each category's decision compared and the cut it had to
//! reach, and the neutral-text norms of the document's length and language.
//! With it a label explains itself ([`DecisionBasis::explain`]), and a
//! corpus's prevalences can be estimated and its documents re-decided
//! without the models ([`crate::corpus::Prevalence`]).

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::aggregate::{document_scores, MIN_SD, PSEUDO_DOCUMENT_SENTENCES};

/// Longest pseudo-document the norms are learnt for: a top-k score grows
/// with a document's length, and news stories run past 50 sentences.
pub const NORM_SENTENCES: usize = 64;
use crate::pool::Pooling;
use crate::taxonomy::Taxonomy;

/// The rule that decided a document's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// A category is chosen when its document score reaches its threshold
    /// (learnt from neutral text, the taxonomy's, or `--threshold`).
    Threshold,
    /// Flat taxonomies with priors, zero-shot: the categories with the best
    /// base-rate score (evidence above neutral text plus log prior), as many
    /// as a document of that length carries.
    BaseRates,
    /// A trained head's probability against its threshold.
    Head,
    /// Re-decided with the corpus's estimated prevalences as priors: a
    /// category is chosen when its posterior probability reaches the cut.
    Adapted,
    /// The document is in neither domain of a two-level taxonomy
    /// (`domain_reason` says why): it gets the taxonomy's `Other`, whatever
    /// its scores; `scores` and `cuts` are the document scores and thresholds.
    OutsideDomains,
}

impl Rule {
    /// The rule in words, as the text output and the report footer state it.
    pub fn describe(self) -> &'static str {
        match self {
            Rule::Threshold => "a label is chosen when its document score reaches its threshold",
            Rule::BaseRates => {
                "base rates: the categories with the best score above neutral text plus log prior are chosen, as many as a document of this length carries"
            }
            Rule::Head => "trained head: a label is chosen when its probability reaches its threshold",
            Rule::Adapted => {
                "adapted to the corpus: a label is chosen when its probability, with the corpus's estimated prevalence as its prior, reaches the cut"
            }
            Rule::OutsideDomains => "the document is in neither domain: it gets Other, whatever its scores",
        }
    }
}

/// Neutral-text norms of a document score: mean and standard deviation over
/// pseudo-documents of the taxonomy's background of the same length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Norms {
    /// Mean per category, in taxonomy order.
    pub mean: Vec<f32>,
    /// Standard deviation per category (at least [`MIN_SD`]).
    pub sd: Vec<f32>,
    /// The best top-level score among the categories of the document's
    /// domain (all of them without domains): `[mean, sd]` on neutral text.
    /// The "carries any category at all" share is estimated from it.
    pub gate: [f32; 2],
}

/// What a document's decision rested on (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionBasis {
    /// The taxonomy's fingerprint ([`fingerprint`]): results from another
    /// version of a taxonomy are not comparable and are refused.
    pub taxonomy: String,
    /// Sentences in the document (the length its norms are for).
    pub sentences: usize,
    /// The rule that decided.
    pub rule: Rule,
    /// Under [`Rule::BaseRates`]: how many labels a document of this length gets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<usize>,
    /// Per category, in taxonomy order: the number its decision compared
    /// (document score, base-rate score, head probability or posterior).
    pub scores: Vec<f32>,
    /// Per category: the cut that number had to reach to be chosen.
    pub cuts: Vec<f32>,
    /// Neutral-text norms for this document's length and language
    /// (zero-shot only: a head's scores are probabilities already).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub norms: Option<Norms>,
}

impl DecisionBasis {
    /// Why category `c` was chosen or left out, in words with its numbers,
    /// e.g. `score 0.41 ≥ threshold 0.38`. Two-level taxonomies add rules of
    /// their own (a sub-narrative implies its narrative, a narrative with no
    /// sub-narrative gets its `…: Other`); `chosen` says what happened.
    pub fn explain(&self, c: usize, chosen: bool) -> String {
        let (Some(&s), Some(&cut)) = (self.scores.get(c), self.cuts.get(c)) else {
            return String::new();
        };
        let met = s >= cut;
        let (what, cut_name) = match self.rule {
            Rule::Threshold => ("score", "threshold"),
            Rule::BaseRates => ("base-rate score", "cut"),
            Rule::Head => ("head probability", "threshold"),
            Rule::Adapted => ("adapted probability", "cut"),
            Rule::OutsideDomains => ("score", "threshold"),
        };
        let sign = if met { "≥" } else { "<" };
        let mut out = format!("{what} {s:.2} {sign} {cut_name} {cut:.2}");
        if let (Rule::BaseRates, Some(n)) = (self.rule, self.labels) {
            out.push_str(&format!(" (the best {n})"));
        }
        if self.rule == Rule::OutsideDomains {
            out.push_str("; the document is in neither domain");
        } else if chosen != met {
            out.push_str(if chosen { "; chosen by the taxonomy's rules" } else { "; left out by the label limit" });
        }
        out
    }
}

/// A taxonomy's fingerprint: its name and the first 16 hex digits of the
/// SHA-256 of its full definition (labels, structure, exemplars, background),
/// so that any change that moves scores changes it.
pub fn fingerprint(taxonomy: &Taxonomy) -> String {
    let json = serde_json::to_vec(taxonomy).unwrap_or_default();
    let digest = Sha256::digest(&json);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{}@{hex}", taxonomy.name)
}

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

impl crate::analysis::DocumentAnalysis {
    /// Why `label` was chosen or left out, in words with the rule's numbers
    /// ([`DecisionBasis::explain`]); `None` without a basis or for a label
    /// the taxonomy lacks (`Other` says which gate it fell below).
    pub fn explain(&self, label: &str, taxonomy: &Taxonomy) -> Option<String> {
        let basis = self.basis.as_ref()?;
        let chosen = self.labels.iter().chain(self.coarse.iter().flatten()).any(|l| l.label == label);
        if taxonomy.other_label.as_deref() == Some(label) {
            return Some(if basis.rule == Rule::OutsideDomains {
                "the document is in neither domain".to_string()
            } else if chosen {
                "no narrative's number reached its cut".to_string()
            } else {
                "a narrative's number reached its cut".to_string()
            });
        }
        let c = taxonomy.index_of_label(label)?;
        Some(basis.explain(c, chosen))
    }

    /// The rule that decided this document, in words (the report footer's line).
    pub fn rule(&self) -> Option<&'static str> {
        self.basis.as_ref().map(|b| b.rule.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explanations_name_the_rule_and_numbers() {
        let b = DecisionBasis {
            taxonomy: "t@0".into(),
            sentences: 3,
            rule: Rule::Threshold,
            labels: None,
            scores: vec![0.41, 0.2],
            cuts: vec![0.38, 0.38],
            norms: None,
        };
        assert_eq!(b.explain(0, true), "score 0.41 ≥ threshold 0.38");
        assert_eq!(b.explain(1, false), "score 0.20 < threshold 0.38");
        assert!(b.explain(1, true).contains("chosen by the taxonomy's rules"));
        assert_eq!(b.explain(7, true), "");
    }
}
