//! The one error type of the crate.
//!
//! Every variant names what is at fault (a file, a line, a field, a label) so
//! that a message is enough to fix the problem without reading the code.

use std::path::PathBuf;

/// Result alias used throughout framelens.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in framelens.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A model file or directory is missing.
    #[error("model file not found: {path} ({what}); run `models/fetch` to download the models, or point FRAMELENS_MODELS / --models at a directory that holds them")]
    ModelMissing { path: PathBuf, what: &'static str },

    /// A model file exists but cannot be used (truncated, corrupt, wrong format).
    #[error("model file {path} cannot be used: {reason}; run `models/fetch` again to restore it")]
    ModelCorrupt { path: PathBuf, reason: String },

    /// The ONNX Runtime shared library is missing or is not a usable ONNX Runtime.
    #[error("cannot load the ONNX Runtime library {path}: {reason}; run `models/fetch` (it installs models/onnxruntime/libonnxruntime.so) or set ORT_DYLIB_PATH to a libonnxruntime.so of version 1.31")]
    Runtime { path: PathBuf, reason: String },

    /// The requested backend was not compiled into this build.
    #[error("backend `{0}` is not compiled in; rebuild with `--features {0}`")]
    BackendUnavailable(String),

    /// The encoder failed while running a batch.
    #[error("encoder `{backend}` failed: {reason}")]
    Inference { backend: String, reason: String },

    /// The tokenizer failed on a piece of text.
    #[error("tokenizer failed on sentence {sentence}: {reason}")]
    Tokenizer { sentence: usize, reason: String },

    /// A taxonomy file or definition has one or more problems.
    #[error("invalid taxonomy {source_name}:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    InvalidTaxonomy { source_name: String, problems: Vec<String> },

    /// No built-in taxonomy has this name.
    #[error("unknown taxonomy `{name}`; built-in taxonomies: {known}; or give a path to a .toml/.json file")]
    UnknownTaxonomy { name: String, known: String },

    /// A data file (corpus, labels, JSONL, head) is malformed.
    #[error("{path}:{line}: {message}")]
    Data { path: PathBuf, line: usize, message: String },

    /// A label is not part of the taxonomy.
    #[error("{path}:{line}: unknown label `{label}` for taxonomy `{taxonomy}`")]
    UnknownLabel { path: PathBuf, line: usize, label: String, taxonomy: String },

    /// A trained head does not fit the encoder or taxonomy it is used with.
    #[error("head {path} does not fit: {reason}; train a head for this taxonomy and encoder (the `train` example), or leave the head out to score zero-shot")]
    HeadMismatch { path: PathBuf, reason: String },

    /// A tuned encoder does not fit the taxonomy, base model or backend it is used with.
    #[error("tuned encoder {path} does not fit: {reason}")]
    EncoderMismatch { path: PathBuf, reason: String },

    /// The input text cannot be classified.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// A setting has a value outside its range.
    #[error("invalid setting `{name}`: {reason}")]
    InvalidSetting { name: &'static str, reason: String },

    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// JSON (de)serialisation failed outside a file (files give `Data`).
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}
