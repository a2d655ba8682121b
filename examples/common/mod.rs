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
    /// their own in the taxonomy (default: 0.5).
    #[arg(long, value_name = "T")]
    pub threshold: Option<f32>,
    /// Worker threads (default: $FRAMELENS_THREADS, then all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Trained head (JSON from the `train` example); zero-shot scoring without one.
    #[arg(long, value_name = "FILE")]
    pub head: Option<PathBuf>,
    /// Tuned encoder directory (from `train --tune`) in place of the base model.
    #[arg(long, value_name = "DIR")]
    pub tuned: Option<PathBuf>,
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
            builder = builder.head(framelens::Head::load(path)?);
        }
        if let Some(dir) = &self.tuned {
            builder = builder.tuned_encoder(framelens::TunedEncoder::open(dir)?);
        }
        builder.build()
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
