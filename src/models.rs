//! Where the model files live and checking that they are there.
//!
//! Lookup order for the model directory: the builder's `models_dir`, then the
//! environment variable `FRAMELENS_MODELS`, then `./models`. The directory is
//! the one `models/fetch` fills.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Environment variable naming the model directory.
pub const MODELS_ENV: &str = "FRAMELENS_MODELS";

/// Sub-directory holding the int8 ONNX all-MiniLM-L6-v2 and its tokenizer.
pub const MINILM_INT8: &str = "all-minilm-l6-v2-int8";
/// Sub-directory holding the fp32 safetensors all-MiniLM-L6-v2 (rust-bert backend).
pub const MINILM_FP32: &str = "all-minilm-l6-v2";
/// Sub-directory holding `libonnxruntime.so`.
pub const ONNXRUNTIME: &str = "onnxruntime";

/// Resolve the model directory from an explicit choice, the environment, or `./models`.
pub fn resolve_models_dir(explicit: Option<&Path>) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_path_buf();
    }
    match std::env::var_os(MODELS_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from("models"),
    }
}

/// Return `path` if it is an existing file, else a `ModelMissing` error naming it.
pub fn require_file(path: PathBuf, what: &'static str) -> Result<PathBuf> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::ModelMissing { path, what })
    }
}

/// Return `path` if it is an existing directory, else a `ModelMissing` error naming it.
pub fn require_dir(path: PathBuf, what: &'static str) -> Result<PathBuf> {
    if path.is_dir() {
        Ok(path)
    } else {
        Err(Error::ModelMissing { path, what })
    }
}

/// The runtime library path: `ORT_DYLIB_PATH` if set, else `<models>/onnxruntime/libonnxruntime.so`.
pub fn onnxruntime_library(models_dir: &Path) -> PathBuf {
    match std::env::var_os("ORT_DYLIB_PATH") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => models_dir.join(ONNXRUNTIME).join("libonnxruntime.so"),
    }
}
