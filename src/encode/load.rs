//! Loading a framelens encoder from the model directory: the backend kind,
//! the ONNX or libtorch model (with tuned weights), and the files its vectors
//! depend on.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::models;

use super::{EncoderConfig, TextEncoder};

/// Which encoder backend runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackendKind {
    /// ONNX Runtime (feature `onnx`, default).
    #[default]
    Onnx,
    /// libtorch through rust-bert (feature `rust-bert`).
    RustBert,
}

impl std::str::FromStr for BackendKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "onnx" => Ok(BackendKind::Onnx),
            "rust-bert" => Ok(BackendKind::RustBert),
            other => Err(Error::InvalidSetting {
                name: "backend",
                reason: format!("`{other}` is not a backend; use `onnx` or `rust-bert`"),
            }),
        }
    }
}

/// The files the encoder's vectors depend on (part of the vector cache's key).
pub(crate) fn model_files(kind: BackendKind, model: models::OnnxModel, models_dir: &Path) -> Vec<PathBuf> {
    let dir = match kind {
        BackendKind::Onnx => models_dir.join(model.dir_name()),
        BackendKind::RustBert => models_dir.join(models::MINILM_FP32),
    };
    ["model.onnx", "model.safetensors", "tokenizer.json", "config.json"]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .collect()
}

pub(crate) fn load_encoder(
    kind: BackendKind,
    model: models::OnnxModel,
    models_dir: &Path,
    threads: usize,
    config: EncoderConfig,
    tuned: Option<&crate::tuned::TunedEncoder>,
) -> Result<TextEncoder> {
    models::require_dir(models_dir.to_path_buf(), "model directory")?;
    match kind {
        BackendKind::Onnx => {
            #[cfg(feature = "onnx")]
            {
                let dir = models::require_dir(models_dir.join(model.dir_name()), model.what())?;
                let tokenizer = crate::encode::load_tokenizer(&models::require_file(
                    dir.join("tokenizer.json"),
                    "tokenizer.json",
                )?)?;
                let file = models::require_file(dir.join("model.onnx"), "ONNX model")?;
                let library = models::onnxruntime_library(models_dir);
                let (name, initializers) = match tuned {
                    None => (model.encoder_name().to_string(), Vec::new()),
                    Some(tuned) if model == models::OnnxModel::Rowq8 => (
                        tuned.encoder_name(model.encoder_name()),
                        crate::tuned::rowq8_initializers(tuned.tensors()?, models::MINILM_LAYERS, &tuned.weights())?,
                    ),
                    Some(tuned) => {
                        return Err(Error::EncoderMismatch {
                            path: tuned.dir().to_path_buf(),
                            reason: format!(
                                "a tuned encoder runs on the rowq8 ONNX model or the rust-bert backend, not on {}",
                                model.encoder_name()
                            ),
                        })
                    }
                };
                let backend =
                    crate::encode::onnx::OnnxBackend::load_with(&file, &library, threads, name, initializers)?;
                let encoder = TextEncoder::new(tokenizer, Box::new(backend), config)?;
                let (sentences, categories) = model.prefixes()?;
                let encoder = match sentences {
                    Some(prefix) => encoder.with_prefix(prefix)?,
                    None => encoder,
                };
                match categories.filter(|c| Some(*c) != sentences) {
                    Some(prefix) => encoder.with_category_prefix(prefix),
                    None => Ok(encoder),
                }
            }
            #[cfg(not(feature = "onnx"))]
            {
                let _ = (model, threads, config, tuned);
                Err(Error::BackendUnavailable("onnx".into()))
            }
        }
        BackendKind::RustBert => {
            #[cfg(feature = "rust-bert")]
            {
                crate::encode::rust_bert::load_text_encoder(models_dir, threads, config, tuned)
            }
            #[cfg(not(feature = "rust-bert"))]
            {
                let _ = (threads, config, tuned);
                Err(Error::BackendUnavailable("rust-bert".into()))
            }
        }
    }
}
