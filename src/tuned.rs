//! A tuned encoder: all-MiniLM-L6-v2 fine-tuned on labelled text, saved as a
//! directory that the default ONNX backend (and the `rust-bert` one) can run.
//!
//! ```text
//! my-tuned/
//!   manifest.json       what it is: base encoder and its checksum, taxonomy,
//!                       training data hash, settings, the checksum of the weights
//!   model.safetensors   the tuned tensors, named as in the base model's file;
//!                       the word-piece table is frozen in tuning and not stored
//! ```
//!
//! `framelens::tune` (feature `rust-bert`) writes it. On the default backend the
//! tuned tensors replace the base graph's initialisers when the session is
//! created: the matrices are quantised exactly as `models/make_rowq8.py`
//! quantises the base ones (int8, symmetric, one scale per output column), so
//! the graph, its speed and its batch-independent vectors are those of the
//! default model. A tuned encoder is refused when its base model, its weights
//! or its taxonomy do not match.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::models;
use crate::taxonomy::Taxonomy;

/// File format tag of `manifest.json`.
pub const TUNED_FORMAT: &str = "framelens-tuned-encoder";
/// Current manifest version.
pub const TUNED_VERSION: u32 = 1;
/// The manifest's file name in a tuned encoder directory.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The weights' file name in a tuned encoder directory.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// The tensor tuning leaves as it is, and that a tuned directory does not store.
pub const FROZEN_WORD_PIECES: &str = "embeddings.word_embeddings.weight";

/// What a tuned encoder directory says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TunedManifest {
    /// Always [`TUNED_FORMAT`].
    pub format: String,
    /// Always [`TUNED_VERSION`].
    pub version: u32,
    /// The base encoder, e.g. `all-MiniLM-L6-v2`.
    pub base_encoder: String,
    /// sha256 of the base model's `model.safetensors` it was tuned from.
    pub base_sha256: String,
    /// sha256 of this directory's `model.safetensors`.
    pub weights_sha256: String,
    /// Name of the taxonomy whose labels it was tuned on.
    pub taxonomy: String,
    /// [`taxonomy_fingerprint`] of that taxonomy.
    pub taxonomy_sha256: String,
    /// sha256 over the training documents' texts and labels, in order.
    pub training_data_sha256: String,
    /// Training documents used.
    pub documents: usize,
    /// Training settings, as the tuner recorded them.
    pub settings: serde_json::Value,
    /// Mean training loss of the first and of the last epoch.
    pub loss: Vec<f64>,
    /// Seconds the tuning took.
    pub seconds: f64,
}

/// A tuned encoder directory, opened and checked.
#[derive(Debug, Clone)]
pub struct TunedEncoder {
    dir: PathBuf,
    manifest: TunedManifest,
}

impl TunedEncoder {
    /// Open `dir`: read its manifest and check that the weights are the ones
    /// it names. A missing file, a malformed manifest (the field at fault is
    /// named) or changed weights are errors.
    pub fn open(dir: impl AsRef<Path>) -> Result<TunedEncoder> {
        let dir = dir.as_ref().to_path_buf();
        let manifest_path = models::require_file(dir.join(MANIFEST_FILE), "tuned encoder manifest.json")?;
        let bytes = std::fs::read(&manifest_path).map_err(|e| Error::io(&manifest_path, e))?;
        let manifest: TunedManifest = serde_json::from_slice(&bytes).map_err(|e| Error::Data {
            path: manifest_path.clone(),
            line: Some(e.line()),
            message: format!("not a tuned encoder manifest: {e}"),
        })?;
        let mismatch = |reason: String| Error::EncoderMismatch { path: manifest_path.clone(), reason };
        if manifest.format != TUNED_FORMAT || manifest.version != TUNED_VERSION {
            return Err(mismatch(format!(
                "field `format`/`version` is {}/{}; this build reads {TUNED_FORMAT}/{TUNED_VERSION}",
                manifest.format, manifest.version
            )));
        }
        let weights = models::require_file(dir.join(WEIGHTS_FILE), "tuned encoder weights")?;
        let actual = sha256_file(&weights)?;
        if actual != manifest.weights_sha256 {
            return Err(Error::ModelCorrupt {
                path: weights,
                reason: format!(
                    "sha256 {actual} differs from the manifest's `weights_sha256` {}",
                    manifest.weights_sha256
                ),
            });
        }
        Ok(TunedEncoder { dir, manifest })
    }

    /// The directory it was opened from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Its manifest.
    pub fn manifest(&self) -> &TunedManifest {
        &self.manifest
    }

    /// The tuned weights file.
    pub fn weights(&self) -> PathBuf {
        self.dir.join(WEIGHTS_FILE)
    }

    /// Encoder name of a base backend with these weights, e.g.
    /// `onnx:all-MiniLM-L6-v2-rowq8+tuned:3f2a…` (recorded in heads and results).
    pub fn encoder_name(&self, base: &str) -> String {
        format!("{base}+tuned:{}", &self.manifest.weights_sha256[..12.min(self.manifest.weights_sha256.len())])
    }

    /// Refuse a taxonomy other than the one it was tuned on, or a base model
    /// (`<models_dir>/all-minilm-l6-v2/model.safetensors`) other than its own.
    pub fn check_fits(&self, taxonomy: &Taxonomy, models_dir: &Path) -> Result<()> {
        let mismatch = |reason: String| Error::EncoderMismatch { path: self.dir.join(MANIFEST_FILE), reason };
        let fingerprint = taxonomy_fingerprint(taxonomy);
        if taxonomy.name != self.manifest.taxonomy || fingerprint != self.manifest.taxonomy_sha256 {
            return Err(mismatch(format!(
                "tuned on taxonomy `{}` (labels {}), not on `{}` (labels {fingerprint})",
                self.manifest.taxonomy, self.manifest.taxonomy_sha256, taxonomy.name
            )));
        }
        let base = models::require_file(
            models_dir.join(models::MINILM_FP32).join("model.safetensors"),
            "base all-MiniLM-L6-v2 weights (a tuned encoder's word pieces come from them)",
        )?;
        let sha = sha256_file(&base)?;
        if sha != self.manifest.base_sha256 {
            return Err(mismatch(format!(
                "tuned from a base model with sha256 {}, but {} has {sha}",
                self.manifest.base_sha256,
                base.display()
            )));
        }
        Ok(())
    }

    /// The tuned tensors, as stored.
    pub fn tensors(&self) -> Result<Vec<NamedTensor>> {
        read_safetensors_f32(&self.weights())
    }
}

/// sha256 of the taxonomy's labels and parents in category order: two
/// taxonomies with the same fingerprint score the same label set.
pub fn taxonomy_fingerprint(taxonomy: &Taxonomy) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for c in &taxonomy.categories {
        h.update(c.label.as_bytes());
        h.update([0]);
        h.update(c.parent.as_deref().unwrap_or("").as_bytes());
        h.update([1]);
    }
    crate::cache::hex(&h.finalize())
}

/// sha256 of a file, in lower-case hex.
pub fn sha256_file(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(crate::cache::hex(&h.finalize()))
}

/// One f32 tensor of a weights file.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    /// Its name in the file, e.g. `encoder.layer.0.attention.self.query.weight`.
    pub name: String,
    /// Its shape (a torch `Linear` weight is `[out, in]`).
    pub shape: Vec<usize>,
    /// Its values, row-major.
    pub values: Vec<f32>,
}

/// Every tensor of a safetensors file as f32, sorted by name.
pub(crate) fn read_safetensors_f32(path: &Path) -> Result<Vec<NamedTensor>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let corrupt = |reason: String| Error::ModelCorrupt { path: path.to_path_buf(), reason };
    let file = safetensors::SafeTensors::deserialize(&bytes).map_err(|e| corrupt(format!("{e:?}")))?;
    let mut out = Vec::new();
    for (name, view) in file.tensors() {
        if view.dtype() != safetensors::Dtype::F32 {
            return Err(corrupt(format!("tensor `{name}` is {:?}; tuned weights are F32", view.dtype())));
        }
        let values: Vec<f32> =
            view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        out.push(NamedTensor { name, shape: view.shape().to_vec(), values });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The matrices of one encoder layer, in the order `models/make_rowq8.py`
/// numbers them (`rowq8.{6 × layer + j}`): the graph's MatMuls in node order.
const LAYER_MATRICES: [&str; 6] = [
    "attention.self.query.weight",
    "attention.self.key.weight",
    "attention.self.value.weight",
    "attention.output.dense.weight",
    "intermediate.dense.weight",
    "output.dense.weight",
];

/// One initialiser of the rowq8 graph: its name and its value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Initializer {
    /// f32 tensor.
    F32 { name: String, shape: Vec<usize>, values: Vec<f32> },
    /// int8 tensor.
    I8 { name: String, shape: Vec<usize>, values: Vec<i8> },
}

/// The rowq8 graph's initialisers for a model's tensors: linear weights
/// (`[out, in]`, as stored) become `rowq8.N.w_q` (int8 `[in, out]`) and
/// `rowq8.N.w_scale`, quantised as `models/make_rowq8.py` does (numpy's
/// round-half-to-even included); every other tensor keeps its name under the
/// graph's `inner.` prefix. A tensor the graph does not have is an error.
pub(crate) fn rowq8_initializers(tensors: Vec<NamedTensor>, layers: usize, source: &Path) -> Result<Vec<Initializer>> {
    let corrupt = |reason: String| Error::ModelCorrupt { path: source.to_path_buf(), reason };
    let mut out = Vec::with_capacity(tensors.len() + layers * 6);
    for NamedTensor { name, shape, values } in tensors {
        let matrix = name.strip_prefix("encoder.layer.").and_then(|rest| {
            let (layer, param) = rest.split_once('.')?;
            let layer: usize = layer.parse().ok()?;
            let j = LAYER_MATRICES.iter().position(|m| *m == param)?;
            Some(6 * layer + j)
        });
        match matrix {
            Some(index) => {
                let [rows, cols] = shape[..] else {
                    return Err(corrupt(format!("tensor `{name}` has shape {shape:?}; a matrix is needed")));
                };
                if index >= 6 * layers {
                    return Err(corrupt(format!("tensor `{name}`: the model has {layers} layers")));
                }
                let (w_q, w_scale) = quantise_columns(&values, rows, cols);
                out.push(Initializer::I8 { name: format!("rowq8.{index}.w_q"), shape: vec![cols, rows], values: w_q });
                out.push(Initializer::F32 {
                    name: format!("rowq8.{index}.w_scale"),
                    shape: vec![rows],
                    values: w_scale,
                });
            }
            None if name == FROZEN_WORD_PIECES => {
                return Err(corrupt(format!("`{name}` is frozen in tuning and must not be stored")));
            }
            None if name.starts_with("embeddings.") || name.starts_with("encoder.layer.") => {
                out.push(Initializer::F32 { name: format!("inner.{name}"), shape, values })
            }
            None => return Err(corrupt(format!("tensor `{name}` is not part of the encoder"))),
        }
    }
    Ok(out)
}

/// A torch `Linear` weight `[out = rows, in = cols]` as the graph's MatMul
/// weight `[in, out]` in int8, with one scale per output: the scale is
/// `max(|w|) / 127` over the output's weights, the value `round(w / scale)`.
fn quantise_columns(w: &[f32], rows: usize, cols: usize) -> (Vec<i8>, Vec<f32>) {
    let scale: Vec<f32> = (0..rows)
        .map(|r| {
            let max = w[r * cols..(r + 1) * cols].iter().fold(0f32, |m, v| m.max(v.abs()));
            max.max(1e-12) / 127.0
        })
        .collect();
    let mut q = vec![0i8; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            let v = (w[r * cols + c] / scale[r]).round_ties_even().clamp(-127.0, 127.0);
            q[c * rows + r] = v as i8;
        }
    }
    (q, scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_quantised_per_output_and_transposed() {
        // Two outputs (rows) over three inputs.
        let w = [1.0, -0.6, 0.25, 0.0, 1.0, -4.0];
        let (q, s) = quantise_columns(&w, 2, 3);
        assert_eq!(s, vec![1.0 / 127.0, 4.0 / 127.0]);
        // [in, out]: row c holds input c's weights for both outputs.
        assert_eq!(q, vec![127, 0, -76, 32, 32, -127]);
    }

    #[test]
    fn unknown_and_frozen_tensors_are_refused() {
        let path = Path::new("t.safetensors");
        let t = |name: &str| vec![NamedTensor { name: name.into(), shape: vec![2, 2], values: vec![0.0; 4] }];
        let bad = t("pooler.dense.weight");
        assert!(rowq8_initializers(bad, 6, path).unwrap_err().to_string().contains("pooler.dense.weight"));
        let frozen = t(FROZEN_WORD_PIECES);
        assert!(rowq8_initializers(frozen, 6, path).is_err());
        let deep = t("encoder.layer.6.output.dense.weight");
        assert!(rowq8_initializers(deep, 6, path).unwrap_err().to_string().contains("6 layers"));
    }
}
