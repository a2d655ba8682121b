//! What a document's decision rested on, kept with its result: the rule,
//! the number each category's decision compared and the cut it had to
//! reach, and the neutral-text norms of the document's length and language.
//! With it a label explains itself ([`DecisionBasis::explain`]), and a
//! corpus's prevalences can be estimated and its documents re-decided
//! without the models ([`crate::corpus::Prevalence`]).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::taxonomy::Taxonomy;

/// Longest pseudo-document the norms are learnt for: a top-k score grows
/// with a document's length, and news stories run past 50 sentences.
pub const NORM_SENTENCES: usize = 64;

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
    /// Standard deviation per category (at least `aggregate::MIN_SD`).
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
    /// The number category `c` shows next to its label (JSON `labels`,
    /// `classify`, the report): the one its decision compared, on a scale
    /// where a chosen label never shows less than one left out. Under
    /// [`Rule::BaseRates`] the base-rate score (evidence above neutral text
    /// plus the log prior, in pooled standard deviations of neutral text) is
    /// shown as `sigmoid(score − cut)`: 0.5 at the cut, above it chosen;
    /// under the other rules the score itself (document score, head
    /// probability or adapted probability).
    pub fn shown(&self, c: usize) -> Option<f32> {
        let s = *self.scores.get(c)?;
        match self.rule {
            Rule::BaseRates => Some(crate::score::sigmoid(s - *self.cuts.get(c)?)),
            _ => Some(s),
        }
    }

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
