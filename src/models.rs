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
/// Sub-directory holding the dynamically quantised all-MiniLM-L6-v2 (int8
/// arithmetic), which `models/fetch` builds from the fp32 weights.
pub const MINILM_QINT8: &str = "all-minilm-l6-v2-qint8";
/// Sub-directory holding all-MiniLM-L6-v2 with int8 products scaled per
/// token, which `models/fetch` builds from the fp32 weights.
pub const MINILM_ROWQ8: &str = "all-minilm-l6-v2-rowq8";
/// Sub-directory holding all-mpnet-base-v2 with int8 products scaled per
/// token, which `models/fetch-mpnet` builds (optional, 12 layers, 768 dimensions).
pub const MPNET_ROWQ8: &str = "all-mpnet-base-v2-rowq8";
/// Environment variable choosing the ONNX model (`int8`, `qint8`, `rowq8` or `mpnet`).
pub const MODEL_ENV: &str = "FRAMELENS_MODEL";
/// Sub-directory holding the fp32 safetensors all-MiniLM-L6-v2 (rust-bert backend).
pub const MINILM_FP32: &str = "all-minilm-l6-v2";
/// Encoder layers of all-MiniLM-L6-v2.
pub const MINILM_LAYERS: usize = 6;
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

/// Which model the ONNX backend runs: one of three all-MiniLM-L6-v2 files,
/// or the larger all-mpnet-base-v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnnxModel {
    /// int8 weights, fp32 arithmetic (`all-minilm-l6-v2-int8/`): the model
    /// as the registry ships it, closest to fp32, and the slowest.
    Int8,
    /// Dynamic per-channel int8 quantisation with integer matrix products
    /// (`all-minilm-l6-v2-qint8/`): about twice as fast, with smaller sessions;
    /// its document labels agree with the fp32 model's on 99% of decisions
    /// over the labelled fixtures (docs/speed.md).
    Qint8,
    /// The default: int8 matrix products with each token's activations
    /// scaled on its own (`all-minilm-l6-v2-rowq8/`, `models/make_rowq8.py`):
    /// about 2.3 times as fast as `Int8`, and a sentence's vector does not
    /// depend on its batch, unlike `Qint8`'s.
    #[default]
    Rowq8,
    /// all-mpnet-base-v2 (`all-mpnet-base-v2-rowq8/`, built by
    /// `models/fetch-mpnet`): 110 M parameters and 768 dimensions against
    /// MiniLM's 22 M and 384, quantised like `Rowq8`; more accurate with a
    /// trained head, several times slower (README §5, §6).
    Mpnet,
}

impl OnnxModel {
    /// The sub-directory of the model directory that holds it.
    pub fn dir_name(self) -> &'static str {
        match self {
            OnnxModel::Int8 => MINILM_INT8,
            OnnxModel::Qint8 => MINILM_QINT8,
            OnnxModel::Rowq8 => MINILM_ROWQ8,
            OnnxModel::Mpnet => MPNET_ROWQ8,
        }
    }

    /// Encoder name, as recorded in results and heads.
    pub fn encoder_name(self) -> &'static str {
        match self {
            OnnxModel::Int8 => "onnx:all-MiniLM-L6-v2-int8",
            OnnxModel::Qint8 => "onnx:all-MiniLM-L6-v2-qint8",
            OnnxModel::Rowq8 => "onnx:all-MiniLM-L6-v2-rowq8",
            OnnxModel::Mpnet => "onnx:all-mpnet-base-v2-rowq8",
        }
    }

    /// The builder's choice, else `$FRAMELENS_MODEL`, else [`OnnxModel::Rowq8`].
    pub fn resolve(explicit: Option<OnnxModel>) -> Result<OnnxModel> {
        if let Some(m) = explicit {
            return Ok(m);
        }
        match std::env::var(MODEL_ENV) {
            Ok(v) if !v.trim().is_empty() => v.trim().parse().map_err(|e| match e {
                Error::InvalidSetting { reason, .. } => {
                    Error::InvalidSetting { name: "model", reason: format!("{MODEL_ENV}: {reason}") }
                }
                other => other,
            }),
            _ => Ok(OnnxModel::default()),
        }
    }
}

impl std::str::FromStr for OnnxModel {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "int8" => Ok(OnnxModel::Int8),
            "qint8" => Ok(OnnxModel::Qint8),
            "rowq8" | "fast" => Ok(OnnxModel::Rowq8),
            "mpnet" => Ok(OnnxModel::Mpnet),
            other => Err(Error::InvalidSetting {
                name: "model",
                reason: format!(
                    "`{other}` is not an ONNX model; use `int8`, `qint8`, `rowq8` (alias `fast`) or `mpnet`"
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onnx_model_names_parse_and_name_their_directory() {
        assert_eq!("int8".parse::<OnnxModel>().unwrap(), OnnxModel::Int8);
        assert_eq!("qint8".parse::<OnnxModel>().unwrap(), OnnxModel::Qint8);
        assert_eq!("fast".parse::<OnnxModel>().unwrap(), OnnxModel::Rowq8);
        assert_eq!("rowq8".parse::<OnnxModel>().unwrap(), OnnxModel::Rowq8);
        assert_eq!(OnnxModel::Qint8.dir_name(), MINILM_QINT8);
        assert_eq!(OnnxModel::Int8.dir_name(), MINILM_INT8);
        let err = "fp16".parse::<OnnxModel>().unwrap_err().to_string();
        assert!(err.contains("fp16") && err.contains("qint8"), "{err}");
        assert_eq!(OnnxModel::resolve(Some(OnnxModel::Qint8)).unwrap(), OnnxModel::Qint8);
    }
}
