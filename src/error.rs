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
    ModelMissing {
        /// The file or directory looked for.
        path: PathBuf,
        /// What it should have held.
        what: &'static str,
    },

    /// A model file exists but cannot be used (truncated, corrupt, wrong format).
    #[error("model file {path} cannot be used: {reason}; run `models/fetch` again to restore it")]
    ModelCorrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// The ONNX Runtime shared library is missing or is not a usable ONNX Runtime.
    #[error("cannot load the ONNX Runtime library {path}: {reason}; run `models/fetch` (it installs models/onnxruntime/libonnxruntime.so) or set ORT_DYLIB_PATH to a libonnxruntime.so of version 1.31")]
    Runtime {
        /// The library file.
        path: PathBuf,
        /// Why it could not be loaded.
        reason: String,
    },

    /// The requested backend was not compiled into this build.
    #[error("backend `{0}` is not compiled in; rebuild with `--features {0}`")]
    BackendUnavailable(String),

    /// The encoder failed while running a batch.
    #[error("encoder `{backend}` failed: {reason}")]
    Inference {
        /// The encoder's name, e.g. `onnx:all-MiniLM-L6-v2-rowq8`.
        backend: String,
        /// What the runtime reported.
        reason: String,
    },

    /// The tokenizer failed on a piece of text.
    #[error("tokenizer failed on the text starting `{text}`: {reason}")]
    Tokenizer {
        /// The start of the text it failed on (at most 60 characters).
        text: String,
        /// What the tokenizer reported.
        reason: String,
    },

    /// A taxonomy file or definition has one or more problems.
    #[error("invalid taxonomy {source_name}:\n{}", .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    InvalidTaxonomy {
        /// The file, or the built-in taxonomy's name.
        source_name: String,
        /// Every problem found, each naming its field or label.
        problems: Vec<String>,
    },

    /// No built-in taxonomy has this name.
    #[error("unknown taxonomy `{name}`; built-in taxonomies: {known}; or give a path to a .toml/.json file")]
    UnknownTaxonomy {
        /// The name asked for.
        name: String,
        /// The built-in names, comma-separated.
        known: String,
    },

    /// A data file (corpus, labels, JSONL, head, manifest) is malformed.
    #[error("{}: {message}", at(path, *line))]
    Data {
        /// The file.
        path: PathBuf,
        /// The 1-based line at fault; `None` when the problem is the whole file.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },

    /// A label is not part of the taxonomy.
    #[error("{}: unknown label `{label}` for taxonomy `{taxonomy}`", label_place(path.as_deref(), *line, document.as_deref()))]
    UnknownLabel {
        /// The file the label was read from, when it came from a file.
        path: Option<PathBuf>,
        /// The 1-based line of that file, when the label has one.
        line: Option<usize>,
        /// The document that carries the label, when it is known.
        document: Option<String>,
        /// The label.
        label: String,
        /// The taxonomy's name.
        taxonomy: String,
    },

    /// A trained head does not fit the encoder or taxonomy it is used with.
    #[error("head {path} does not fit: {reason}; train a head for this taxonomy and encoder (the `train` example), or leave the head out to score zero-shot")]
    HeadMismatch {
        /// The head's file (`<head>` for a head built in code).
        path: PathBuf,
        /// What does not fit.
        reason: String,
    },

    /// A tuned encoder does not fit the taxonomy, base model or backend it is used with.
    #[error("tuned encoder {path} does not fit: {reason}")]
    EncoderMismatch {
        /// The tuned encoder's directory or manifest.
        path: PathBuf,
        /// What does not fit.
        reason: String,
    },

    /// The input text cannot be classified.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// A setting has a value outside its range.
    #[error("invalid setting `{name}`: {reason}")]
    InvalidSetting {
        /// The setting.
        name: &'static str,
        /// Why its value cannot be used.
        reason: String,
    },

    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// JSON (de)serialisation failed outside a file (files give `Data`).
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// `path:line`, or `path` when there is no line.
fn at(path: &std::path::Path, line: Option<usize>) -> String {
    match line {
        Some(n) => format!("{}:{n}", path.display()),
        None => path.display().to_string(),
    }
}

/// Where an unknown label was found: file and line, document, or both.
fn label_place(path: Option<&std::path::Path>, line: Option<usize>, document: Option<&str>) -> String {
    match (path, document) {
        (Some(p), Some(id)) => format!("document {id} ({})", at(p, line)),
        (Some(p), None) => at(p, line),
        (None, Some(id)) => format!("document {id}"),
        (None, None) => "labels".to_string(),
    }
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }

    /// A [`Error::Tokenizer`] for `text`.
    pub(crate) fn tokenizer(text: &str, reason: impl std::fmt::Display) -> Self {
        let end = text.char_indices().nth(60).map_or(text.len(), |(i, _)| i);
        Error::Tokenizer { text: text[..end].to_string(), reason: reason.to_string() }
    }
}
