//! Results: what `classify` returns. Every type is serde, with byte offsets
//! into the caller's text and scores sorted high to low.

use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A label and its score in [0, 1].
///
/// The label is shared (`Arc<str>`): a long document holds one score per
/// category per sentence, and each of them points at the same label text
/// instead of a copy. It serialises as a plain string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelScore {
    /// The category's label, as the taxonomy writes it.
    pub label: std::sync::Arc<str>,
    /// Its score in [0, 1].
    pub score: f32,
}

/// The order of every list of labels in the results: score high to low,
/// then label.
pub(crate) fn by_score(a: (f32, &str), b: (f32, &str)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1))
}

/// One sentence of the input with its per-category scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    /// Byte offset of the first byte in the input.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// `input[start..end]`.
    pub text: String,
    /// Word pieces, special tokens excluded.
    pub tokens: usize,
    /// How many overlapping windows the encoder needed: more than 1 means the
    /// sentence was longer than the model's limit and was embedded in parts.
    pub windows: usize,
    /// Web-page furniture (a breadcrumb, a share or newsletter prompt, a
    /// byline, a photo credit; see `furniture.rs`): kept with its scores, but
    /// never evidence and never part of a document score. Serialised only
    /// when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub furniture: bool,
    /// Every category's score for this sentence, high to low.
    pub scores: SentenceScores,
}

/// Every category's score for one sentence, high to low: it iterates, and
/// serialises, as a list of [`LabelScore`]s.
///
/// The sentences of a document share one table of scores (four bytes per
/// category per sentence, the labels once), so a long document through a
/// large taxonomy stays small: 600,000 sentences through the 116 narratives
/// hold 280 MB of scores, not the 1.7 GB of a list per sentence.
#[derive(Clone)]
pub struct SentenceScores {
    table: Arc<ScoreTable>,
    row: usize,
    /// How many of the best scores are kept ([`SentenceScores::truncate`]).
    limit: usize,
}

/// The scores `[sentences, categories]` of one document and their labels.
struct ScoreTable {
    labels: Arc<[Arc<str>]>,
    values: ndarray::Array2<f32>,
}

impl SentenceScores {
    /// One entry per row of `values` (`[sentences, labels.len()]`).
    pub(crate) fn rows(labels: Arc<[Arc<str>]>, values: ndarray::Array2<f32>) -> Vec<SentenceScores> {
        debug_assert_eq!(values.ncols(), labels.len());
        let (n, k) = values.dim();
        let table = Arc::new(ScoreTable { labels, values });
        (0..n).map(|row| SentenceScores { table: Arc::clone(&table), row, limit: k }).collect()
    }

    /// The category indices, best first, as many as are kept.
    fn order(&self) -> Vec<usize> {
        let t = &*self.table;
        let row = t.values.row(self.row);
        let mut order: Vec<usize> = (0..t.labels.len()).collect();
        order.sort_by(|&a, &b| by_score((row[a], &t.labels[a]), (row[b], &t.labels[b])));
        order.truncate(self.limit);
        order
    }

    fn entry(&self, c: usize) -> LabelScore {
        LabelScore { label: Arc::clone(&self.table.labels[c]), score: self.table.values[[self.row, c]] }
    }

    /// The scores, high to low (ties by label).
    pub fn iter(&self) -> impl Iterator<Item = LabelScore> + '_ {
        self.order().into_iter().map(|c| self.entry(c))
    }

    /// The best score, if any is kept.
    pub fn first(&self) -> Option<LabelScore> {
        self.iter().next()
    }

    /// The score of `label`, if it is kept.
    pub fn get(&self, label: &str) -> Option<f32> {
        self.iter().find(|s| &*s.label == label).map(|s| s.score)
    }

    /// How many scores are kept.
    pub fn len(&self) -> usize {
        self.limit.min(self.table.labels.len())
    }

    /// True when no score is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keep only the `n` best scores (as `batch --sentence-scores N` does).
    pub fn truncate(&mut self, n: usize) {
        self.limit = self.limit.min(n);
    }

    /// The kept scores as a list, high to low.
    pub fn to_vec(&self) -> Vec<LabelScore> {
        self.iter().collect()
    }
}

impl From<Vec<LabelScore>> for SentenceScores {
    /// Scores given as a list (e.g. read back from JSON), in any order.
    fn from(list: Vec<LabelScore>) -> Self {
        let values = ndarray::Array2::from_shape_fn((1, list.len()), |(_, c)| list[c].score);
        let labels: Arc<[Arc<str>]> = list.into_iter().map(|s| s.label).collect();
        SentenceScores::rows(labels, values).pop().expect("one row")
    }
}

impl IntoIterator for &SentenceScores {
    type Item = LabelScore;
    type IntoIter = std::vec::IntoIter<LabelScore>;
    fn into_iter(self) -> Self::IntoIter {
        self.to_vec().into_iter()
    }
}

impl PartialEq for SentenceScores {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for SentenceScores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for SentenceScores {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for SentenceScores {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        Vec::<LabelScore>::deserialize(deserializer).map(SentenceScores::from)
    }
}

impl Sentence {
    /// True when the sentence exceeded the model's token limit.
    pub fn is_long(&self) -> bool {
        self.windows > 1
    }
}

/// A document-level label with the sentences that carry it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentLabel {
    /// The category's label, as the taxonomy writes it.
    pub label: String,
    /// Document score in [0, 1].
    pub score: f32,
    /// Indices into `sentences`, strongest first.
    pub evidence: Vec<usize>,
}

/// The analysis of one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentAnalysis {
    /// Name of the taxonomy used.
    pub taxonomy: String,
    /// The encoder backend and model.
    pub encoder: String,
    /// `zero-shot` or `head:<file>`.
    pub scorer: String,
    /// Domain the document was routed to, for taxonomies with domains (e.g. `URW`, `CC`), also
    /// when it carries no category of it (`Other`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Why a document of a taxonomy with domains has none (`domain` absent):
    /// its sentences are in none of the domains (see `route.rs`); it is then
    /// `Other`. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_reason: Option<String>,
    /// The language detected in the text, and whether the encoder reads it
    /// (`supported: false` means these scores are not meaningful); `None`
    /// when the text has too little script to tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<crate::language::Language>,
    /// The language (ISO 639-3 code) whose own neutral reporting set the
    /// thresholds that decided this document: the document's language, when
    /// the taxonomy has background sentences in it
    /// ([`crate::Taxonomy::background_by_language`]) and the encoder reads
    /// it. Absent when the taxonomy's default background (or a fixed
    /// threshold, or a head) decided it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<String>,
    /// The sentences, in text order.
    pub sentences: Vec<Sentence>,
    /// The document's labels (fine labels for two-level taxonomies), high to low.
    pub labels: Vec<DocumentLabel>,
    /// For two-level taxonomies: the coarse labels, high to low.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coarse: Option<Vec<DocumentLabel>>,
    /// Every category's document score, high to low (decided or not).
    pub document_scores: Vec<LabelScore>,
    /// What the decision rested on: its rule, each category's number and
    /// cut, the neutral-text norms of this document's length and language,
    /// and the taxonomy's fingerprint (absent in results written before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<crate::basis::DecisionBasis>,
}

impl DocumentAnalysis {
    /// Every label decided, of both levels: the labels (for a two-level
    /// taxonomy, the sub-narratives), then the narratives (`coarse`), each
    /// high to low.
    pub fn decided(&self) -> impl Iterator<Item = &DocumentLabel> {
        self.labels.iter().chain(self.coarse.iter().flatten())
    }

    /// The label names, high to low.
    pub fn label_names(&self) -> Vec<&str> {
        self.labels.iter().map(|l| l.label.as_str()).collect()
    }

    /// The best-scored top-level category (a narrative, for two-level
    /// taxonomies), among those of the domain the document was routed to when
    /// there is one; decided or not. `taxonomy` is the one it was scored with.
    pub fn best_category(&self, taxonomy: &crate::taxonomy::Taxonomy) -> Option<&str> {
        self.document_scores
            .iter()
            .find(|s| {
                taxonomy.index_of_label(&s.label).is_some_and(|c| {
                    let cat = &taxonomy.categories[c];
                    cat.parent.is_none() && (self.domain.is_none() || cat.domain == self.domain)
                })
            })
            .map(|s| &*s.label)
    }

    /// The `n` best-scored top-level categories (of the routed domain, if
    /// any), best first: [`DocumentAnalysis::best_category`] and the next ones.
    pub fn best_categories(&self, taxonomy: &crate::taxonomy::Taxonomy, n: usize) -> Vec<&str> {
        self.document_scores
            .iter()
            .filter(|s| {
                taxonomy.index_of_label(&s.label).is_some_and(|c| {
                    let cat = &taxonomy.categories[c];
                    cat.parent.is_none() && (self.domain.is_none() || cat.domain == self.domain)
                })
            })
            .take(n)
            .map(|s| &*s.label)
            .collect()
    }

    /// The document score of a label, if the taxonomy has it.
    pub fn score_of(&self, label: &str) -> Option<f32> {
        self.document_scores.iter().find(|s| &*s.label == label).map(|s| s.score)
    }
}

/// The analysis of one unit (paragraph or sentence) of a text: its byte
/// range in the whole text, and the unit classified on its own. Sentence
/// offsets in `analysis` are into the whole text too; evidence indices are
/// into the unit's own sentences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitAnalysis {
    /// Byte offset of the unit's first sentence.
    pub start: usize,
    /// Byte offset one past its last sentence.
    pub end: usize,
    /// The unit's labels, sentences and scores.
    pub analysis: DocumentAnalysis,
}

impl DocumentAnalysis {
    /// Why `label` was chosen or left out, in words with the rule's numbers
    /// ([`crate::basis::DecisionBasis::explain`]); `None` without a basis or for a label
    /// the taxonomy lacks (`Other` says which gate it fell below).
    pub fn explain(&self, label: &str, taxonomy: &crate::taxonomy::Taxonomy) -> Option<String> {
        let basis = self.basis.as_ref()?;
        let chosen = self.decided().any(|l| l.label == label);
        if taxonomy.other_label.as_deref() == Some(label) {
            return Some(if basis.rule == crate::basis::Rule::OutsideDomains {
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

    /// The categories left out, each with the number its decision compared
    /// ([`crate::basis::DecisionBasis::shown`]), best first: what `classify`
    /// and the report list under "not chosen". Without a basis (results
    /// written before it), the document scores.
    pub fn undecided(&self, taxonomy: &crate::taxonomy::Taxonomy) -> Vec<LabelScore> {
        let decided: Vec<&str> = self.decided().map(|l| l.label.as_str()).collect();
        let mut out: Vec<LabelScore> = self
            .document_scores
            .iter()
            .filter(|s| !decided.contains(&&*s.label))
            .map(|s| {
                let shown = self
                    .basis
                    .as_ref()
                    .zip(taxonomy.index_of_label(&s.label))
                    .and_then(|(b, c)| b.shown(c))
                    .unwrap_or(s.score);
                LabelScore { label: std::sync::Arc::clone(&s.label), score: shown }
            })
            .collect();
        out.sort_by(|a, b| by_score((a.score, &a.label), (b.score, &b.label)));
        out
    }

    /// The rule that decided this document, in words (the report footer's line).
    pub fn rule(&self) -> Option<&'static str> {
        self.basis.as_ref().map(|b| b.rule.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(pairs: &[(&str, f32)]) -> Vec<LabelScore> {
        pairs.iter().map(|&(l, s)| LabelScore { label: l.into(), score: s }).collect()
    }

    #[test]
    fn sentence_scores_sort_truncate_and_round_trip() {
        let labels: Arc<[Arc<str>]> = ["b", "a", "c"].iter().map(|&l| Arc::from(l)).collect();
        let values = ndarray::arr2(&[[0.2, 0.2, 0.9], [0.5, 0.1, 0.3]]);
        let mut rows = SentenceScores::rows(labels, values);
        // High to low, ties by label.
        assert_eq!(rows[0].to_vec(), list(&[("c", 0.9), ("a", 0.2), ("b", 0.2)]));
        assert_eq!(rows[1].first(), Some(LabelScore { label: "b".into(), score: 0.5 }));
        assert_eq!((rows[1].get("a"), rows[1].get("x")), (Some(0.1), None));
        assert_eq!(rows[1].len(), 3);
        let json = serde_json::to_string(&rows[0]).unwrap();
        assert_eq!(json, r#"[{"label":"c","score":0.9},{"label":"a","score":0.2},{"label":"b","score":0.2}]"#);
        let back: SentenceScores = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rows[0]);
        rows[0].truncate(1);
        assert_eq!((rows[0].len(), rows[0].get("a")), (1, None));
        assert_eq!(serde_json::to_string(&rows[0]).unwrap(), r#"[{"label":"c","score":0.9}]"#);
        assert_ne!(back, rows[0]);
        // Given in any order, iterated high to low.
        let given = SentenceScores::from(list(&[("x", 0.1), ("y", 0.7)]));
        assert_eq!(given.iter().map(|s| s.label.to_string()).collect::<Vec<_>>(), ["y", "x"]);
    }
}
