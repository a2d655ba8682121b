//! Results: what `classify` returns. Every type is serde, with byte offsets
//! into the caller's text and scores sorted high to low.

use serde::{Deserialize, Serialize};

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
    /// Every category's score for this sentence, high to low.
    pub scores: Vec<LabelScore>,
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
    /// The language detected in the text, and whether the encoder reads it
    /// (`supported: false` means these scores are not meaningful); `None`
    /// when the text has too little script to tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<crate::language::Language>,
    /// The sentences, in text order.
    pub sentences: Vec<Sentence>,
    /// The document's labels (fine labels for two-level taxonomies), high to low.
    pub labels: Vec<DocumentLabel>,
    /// For two-level taxonomies: the coarse labels, high to low.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coarse: Option<Vec<DocumentLabel>>,
    /// Every category's document score, high to low (decided or not).
    pub document_scores: Vec<LabelScore>,
}

impl DocumentAnalysis {
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
