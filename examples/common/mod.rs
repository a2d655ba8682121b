//! Options shared by the examples that build a classifier (`classify`,
//! `batch`, `report`, `evaluate`), so that taxonomies, heads, models,
//! backends, thresholds and threads are named the same way everywhere.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use framelens::{BackendKind, Classifier, Taxonomy};

/// How to build the classifier.
#[derive(Args, Debug, Clone)]
pub struct ClassifierOptions {
    /// Taxonomy: a built-in name (media-frames, semeval2025-narratives,
    /// persuasion-techniques) or a path to a .toml/.json file.
    #[arg(long, value_name = "NAME|PATH", default_value = "media-frames")]
    pub taxonomy: String,
    /// Model directory (default: $FRAMELENS_MODELS, then ./models).
    #[arg(long, value_name = "DIR")]
    pub models: Option<PathBuf>,
    /// Encoder backend: onnx or rust-bert (needs a build with `--features rust-bert`).
    #[arg(long, value_name = "BACKEND", default_value = "onnx")]
    pub backend: BackendKind,
    /// Document threshold in [0, 1] for categories without a threshold of
    /// their own in the taxonomy (default: learnt from the taxonomy's
    /// neutral background, else 0.5). For taxonomies decided by base rates
    /// (media-frames, persuasion-techniques) it replaces them: a label is
    /// then chosen at or above T, topped up to the taxonomy's min_labels.
    #[arg(long, value_name = "T")]
    pub threshold: Option<f32>,
    /// Worker threads (default: $FRAMELENS_THREADS, then all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Trained head (JSON from the `train` example; one head, or one per
    /// encoder when it was trained on several languages); zero-shot scoring without one.
    #[arg(long, value_name = "FILE")]
    pub head: Option<PathBuf>,
    /// Tuned encoder directory (from `train --tune`) in place of the base model.
    #[arg(long, value_name = "DIR")]
    pub tuned: Option<PathBuf>,
    /// ONNX model: rowq8 (English, fast), int8, qint8, mpnet (English,
    /// larger) or e5 (multilingual-e5-small, about 100 languages; needs
    /// models/fetch-e5). Default: $FRAMELENS_MODEL, then rowq8.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<framelens::models::OnnxModel>,
    /// Where documents go whose language the model does not read: `e5`, or
    /// `none` to score them with the model anyway (flagged in the result).
    /// Default: e5 for an English model, when models/fetch-e5 has built it.
    #[arg(long, value_name = "MODEL|none", value_parser = other_languages)]
    pub other_languages: Option<OtherLanguages>,
}

/// `--other-languages`: a model, or none.
#[derive(Debug, Clone, Copy)]
pub struct OtherLanguages(Option<framelens::models::OnnxModel>);

fn other_languages(s: &str) -> framelens::Result<OtherLanguages> {
    if s == "none" {
        Ok(OtherLanguages(None))
    } else {
        s.parse().map(|m| OtherLanguages(Some(m)))
    }
}

impl ClassifierOptions {
    /// Load the taxonomy, the head and the model.
    pub fn build(&self) -> framelens::Result<Classifier> {
        let mut builder =
            Classifier::builder().taxonomy(Taxonomy::from_name_or_path(&self.taxonomy)?).backend(self.backend);
        if let Some(dir) = &self.models {
            builder = builder.models_dir(dir);
        }
        if let Some(t) = self.threshold {
            builder = builder.threshold(t);
        }
        if let Some(n) = self.threads {
            builder = builder.threads(n);
        }
        if let Some(path) = &self.head {
            builder = builder.heads(framelens::HeadSet::load(path)?);
        }
        if let Some(dir) = &self.tuned {
            builder = builder.tuned_encoder(framelens::TunedEncoder::open(dir)?);
        }
        if let Some(model) = self.model {
            builder = builder.model(model);
        }
        if let Some(OtherLanguages(other)) = self.other_languages {
            builder = builder.other_languages(other);
        }
        let classifier = builder.build()?;
        for warning in classifier.warnings() {
            eprintln!("warning: {warning}");
        }
        Ok(classifier)
    }
}

/// `--sentence-scores N|all`: how many of each sentence's best category
/// scores the output keeps. Every sentence carries a score per category
/// (116 for semeval2025-narratives), which makes most of a JSON output's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)]
pub enum SentenceScoresKept {
    /// The `N` best of each sentence.
    Best(usize),
    /// Every category's score.
    All,
}

impl std::str::FromStr for SentenceScoresKept {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "all" {
            return Ok(SentenceScoresKept::All);
        }
        s.parse().map(SentenceScoresKept::Best).map_err(|_| format!("`{s}` is neither a number of scores nor `all`"))
    }
}

impl std::fmt::Display for SentenceScoresKept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SentenceScoresKept::Best(n) => write!(f, "{n}"),
            SentenceScoresKept::All => f.write_str("all"),
        }
    }
}

#[allow(dead_code)]
impl SentenceScoresKept {
    /// Keep only the chosen scores of every sentence of `analysis`.
    pub fn apply(self, analysis: &mut framelens::DocumentAnalysis) {
        if let SentenceScoresKept::Best(n) = self {
            analysis.sentences.iter_mut().for_each(|s| s.scores.truncate(n));
        }
    }
}

/// Print a fatal error on standard error and turn the outcome into an exit status
/// (`batch` has exit codes of its own).
#[allow(dead_code)]
pub fn exit_code(result: Result<(), Box<dyn std::error::Error>>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
