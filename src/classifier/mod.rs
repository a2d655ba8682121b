//! The classifier: one builder that does all I/O, then pure computation on `&self`.
//!
//! - `builder`: [`ClassifierBuilder`], its settings and `build`;
//! - `calibration`: the zero-shot scorer's calibration, thresholds learnt
//!   from the background (per language too), base rates, and their cache;
//! - `routing`: the second classifier for languages the encoder does not
//!   read, and which classifier reads a text;
//! - `batch`: the batch runner (documents routed, embedded and scored one
//!   encoder run per classifier);
//! - `analyse`: one document from its sentences and scores to its analysis;
//! - here: the [`Classifier`] and its public methods.

mod analyse;
mod batch;
mod builder;
mod calibration;
mod norms;
mod routing;
mod warnings;

pub use builder::{ClassifierBuilder, DEFAULT_MAX_INPUT_BYTES, THREADS_ENV};

use ndarray::Array2;

use crate::aggregate::{self, DecisionConfig};
use crate::analysis::{DocumentAnalysis, UnitAnalysis};
use crate::encode::{Embeddings, TextEncoder};
use crate::error::{Error, Result};
use crate::head::Head;
use crate::route::DomainRouter;
use crate::score::ZeroShot;
use crate::segment::{Granularity, Segmenter, Span};
use crate::taxonomy::Taxonomy;

use batch::{units, whole};
use calibration::ByLanguage;
use routing::Others;

/// Scores news text against a taxonomy. Cheap to share: `Send + Sync`.
pub struct Classifier {
    /// The taxonomy's background sentences, embedded (training units).
    background_vectors: Array2<f32>,
    taxonomy: Taxonomy,
    encoder: std::sync::Arc<TextEncoder>,
    segmenter: Segmenter,
    scorer: ZeroShot,
    router: Option<DomainRouter>,
    /// Languages the encoder reads (`None`: an encoder of the user's, unknown).
    languages: Option<&'static [&'static str]>,
    /// Where documents go whose language the encoder does not read.
    others: Option<Others>,
    /// The categories' labels, shared by every sentence's scores.
    labels: std::sync::Arc<[std::sync::Arc<str>]>,
    head: Option<Head>,
    /// Thresholds per category; `thresholds[n − 1]` serves documents of `n`
    /// sentences, the last row longer ones (a single row: any length).
    thresholds: Vec<Vec<f32>>,
    /// Thresholds learnt from the background of one language, by ISO 639-3
    /// code, laid out as `thresholds` (see [`Classifier::calibration_for`]).
    language_thresholds: ByLanguage,
    /// Scorers of the languages with category texts of their own, for
    /// documents detected (settled) in them and scored zero-shot.
    language_scorers: crate::language_texts::LanguageScorers,
    /// The taxonomy's priors and the background's norms, for a flat
    /// taxonomy with priors scored zero-shot.
    base_rates: Option<(Vec<f32>, aggregate::BackgroundNorms)>,
    /// Neutral-text norms per length and language (zero-shot only), kept in
    /// each result's basis for prevalence estimates and re-decisions.
    norms: Option<norms::BackgroundNormSet>,
    /// The taxonomy's fingerprint ([`crate::basis::fingerprint`]).
    fingerprint: String,
    decision: DecisionConfig,
    pool: rayon::ThreadPool,
    threads: usize,
    max_input_bytes: usize,
    /// What the build could not do as the taxonomy asked ([`Classifier::warnings`]).
    warnings: Vec<String>,
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier")
            .field("taxonomy", &self.taxonomy.name)
            .field("encoder", &self.encoder)
            .field("decision", &self.decision)
            .field("threads", &self.threads)
            .finish()
    }
}

/// A document split into sentences, before encoding.
struct Prepared<'a> {
    text: &'a str,
    spans: Vec<Span>,
    /// The language detected in the text the spans cover.
    language: Option<crate::language::Language>,
    /// Whether that detection is sure enough to act on (see `language::settled`).
    settled: bool,
}

impl Prepared<'_> {
    /// The language whose category texts score the document: its detected
    /// one when the detection is settled.
    fn scoring_language(&self) -> Option<&str> {
        self.language.as_ref().filter(|_| self.settled).map(|l| l.code.as_str())
    }
}

impl Classifier {
    /// Start building a classifier.
    pub fn builder() -> ClassifierBuilder {
        ClassifierBuilder::default()
    }

    /// What the build could not do as the taxonomy asked, one message each,
    /// naming the taxonomy: e.g. thresholds that could not be learnt from a
    /// background of fewer than 20 sentences, and the fixed threshold used
    /// instead. Empty when all went as asked; the examples print them on
    /// standard error, the Python package as `warnings.warn`.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The taxonomy in use.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// The decision settings in use.
    pub fn decision(&self) -> &DecisionConfig {
        &self.decision
    }

    /// The calibration the zero-shot scorer fitted on the taxonomy's own
    /// sentences (`score = σ(w_raw·raw + w_gap·gap + bias)`).
    pub fn calibration(&self) -> crate::score::Calibration {
        self.scorer.calibration()
    }

    /// Zero-shot scores `[rows, categories]` of sentence vectors you embedded
    /// yourself (unit rows of the encoder's dimension, e.g. from [`Classifier::embed`]).
    pub fn score_vectors(&self, vectors: ndarray::ArrayView2<'_, f32>) -> Result<Array2<f32>> {
        if vectors.ncols() != self.encoder.dim() {
            return Err(Error::InvalidInput(format!(
                "the vectors have {} dimensions; the encoder gives {}",
                vectors.ncols(),
                self.encoder.dim()
            )));
        }
        Ok(self.scorer.score(vectors))
    }

    /// The sentence splitter.
    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    /// Number of worker threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Largest document, in bytes, that `classify*` accepts.
    pub fn max_input_bytes(&self) -> usize {
        self.max_input_bytes
    }

    /// Encoder name, e.g. `onnx:all-MiniLM-L6-v2-int8`.
    pub fn encoder_name(&self) -> &str {
        self.encoder.backend_name()
    }

    /// Embed texts (one vector each) on the classifier's threads.
    pub fn embed(&self, texts: &[&str]) -> Result<Embeddings> {
        self.pool.install(|| self.encoder.embed(texts))
    }

    /// Classify one document, using all the classifier's threads.
    pub fn classify(&self, text: &str) -> Result<DocumentAnalysis> {
        self.classify_batch(&[text]).pop().expect("one result per text")
    }

    /// Classify one document on the calling thread only.
    pub fn classify_sequential(&self, text: &str) -> Result<DocumentAnalysis> {
        self.classify_batch_sequential(&[text]).pop().expect("one result per text")
    }

    /// Classify many documents on the classifier's threads. Sentences of all
    /// documents are batched together by length. One result per text, in order:
    /// an empty text gives its own error and does not stop the others.
    pub fn classify_batch(&self, texts: &[&str]) -> Vec<Result<DocumentAnalysis>> {
        self.pool.install(|| self.batch(texts, true, Granularity::Document)).into_iter().map(|r| r.map(whole)).collect()
    }

    /// [`Classifier::classify_batch`] on the calling thread only.
    pub fn classify_batch_sequential(&self, texts: &[&str]) -> Vec<Result<DocumentAnalysis>> {
        self.batch(texts, false, Granularity::Document).into_iter().map(|r| r.map(whole)).collect()
    }

    /// Classify each unit of a text on its own — each paragraph or each
    /// sentence (see [`Granularity`]) — after embedding the whole text once.
    /// `Granularity::Document` gives one unit, the same analysis as
    /// [`Classifier::classify`].
    pub fn classify_units(&self, text: &str, unit: Granularity) -> Result<Vec<UnitAnalysis>> {
        self.classify_batch_units(&[text], unit).pop().expect("one result per text")
    }

    /// [`Classifier::classify_units`] for many texts, batched as
    /// [`Classifier::classify_batch`] batches them.
    pub fn classify_batch_units(&self, texts: &[&str], unit: Granularity) -> Vec<Result<Vec<UnitAnalysis>>> {
        self.pool.install(|| self.batch(texts, true, unit)).into_iter().map(|r| r.map(units)).collect()
    }

    /// The domain router of a two-level taxonomy with domains.
    pub(super) fn domain_router(&self) -> Option<&DomainRouter> {
        self.router.as_ref().filter(|_| self.taxonomy.is_hierarchical())
    }

    /// The zero-shot scorer (for training).
    pub(crate) fn scorer(&self) -> &ZeroShot {
        &self.scorer
    }

    /// The background sentences' vectors, embedded when it was built.
    pub(crate) fn background_vectors(&self) -> ndarray::ArrayView2<'_, f32> {
        self.background_vectors.view()
    }

    /// The encoder's vector size.
    pub(crate) fn dim(&self) -> usize {
        self.encoder.dim()
    }

    /// Sentence scores `[sentences, categories]` for texts already split.
    pub fn score_sentences(&self, sentences: &[&str]) -> Result<Array2<f32>> {
        let e = self.embed(sentences)?;
        Ok(self.scorer.score(e.vectors.view()))
    }
}
