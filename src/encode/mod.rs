//! Encode: sentences → token ids → a backend → one unit vector per sentence.
//!
//! The tokenizer lives here, outside the backends, so that every backend sees
//! exactly the same token ids and only runs the network. A backend gets a
//! padded batch and returns mean-pooled, L2-normalised vectors.
//!
//! Sentences longer than the model's limit are not cut: they are split into
//! overlapping windows of at most `max_tokens`, each window is embedded, and
//! the sentence vector is the normalised mean of its windows. The number of
//! windows is reported so callers can flag such sentences.

#[cfg(feature = "onnx")]
pub mod onnx;
#[cfg(feature = "rust-bert")]
pub mod rust_bert;

use std::path::Path;

use ndarray::{Array2, ArrayView3, Axis};
use rayon::prelude::*;
use tokenizers::Tokenizer;

use crate::error::{Error, Result};

/// One padded batch of token sequences, row-major `[batch, seq]`.
#[derive(Debug, Clone)]
pub struct TokenBatch {
    pub input_ids: Array2<i64>,
    pub attention_mask: Array2<i64>,
    pub token_type_ids: Array2<i64>,
}

/// A network that turns a padded batch into sentence vectors.
///
/// Implementations run the transformer and pool with [`mean_pool_normalize`];
/// they do no tokenisation and no file lookup after construction.
pub trait Backend: Send + Sync {
    /// Short name of the backend and model, e.g. `onnx:all-minilm-l6-v2-int8`.
    fn name(&self) -> &str;
    /// Dimension of the vectors it returns.
    fn dim(&self) -> usize;
    /// Embed one batch: one L2-normalised row per sequence.
    fn embed_batch(&self, batch: &TokenBatch) -> Result<Array2<f32>>;
}

/// Mean of the token states where the mask is 1, then L2 normalisation.
pub fn mean_pool_normalize(hidden: ArrayView3<'_, f32>, mask: &Array2<i64>) -> Array2<f32> {
    let (n, seq, dim) = hidden.dim();
    let mut out = Array2::<f32>::zeros((n, dim));
    for (i, mut row) in out.axis_iter_mut(Axis(0)).enumerate() {
        let mut count = 0.0f32;
        for t in 0..seq.min(mask.ncols()) {
            if mask[[i, t]] != 0 {
                row += &hidden.slice(ndarray::s![i, t, ..]);
                count += 1.0;
            }
        }
        if count > 0.0 {
            row /= count;
        }
        let norm = row.dot(&row).sqrt();
        if norm > 0.0 {
            row /= norm;
        }
    }
    out
}

/// Settings of the text encoder.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EncoderConfig {
    /// Sequences per batch given to the backend.
    pub batch_size: usize,
    /// Longest sequence the model takes, special tokens included
    /// (all-MiniLM-L6-v2 was trained at 256).
    pub max_tokens: usize,
    /// Tokens shared by two consecutive windows of a long sentence.
    pub window_overlap: usize,
}

impl Default for EncoderConfig {
    fn default() -> Self {
        EncoderConfig { batch_size: 32, max_tokens: 256, window_overlap: 64 }
    }
}

/// Sentence vectors and what the tokenizer saw.
#[derive(Debug, Clone)]
pub struct Embeddings {
    /// `[sentences, dim]`, each row of unit length (all zero for a sentence with no tokens).
    pub vectors: Array2<f32>,
    /// Word-piece count of each sentence, special tokens excluded.
    pub tokens: Vec<usize>,
    /// Number of windows each sentence was embedded in (1 unless it was too long).
    pub windows: Vec<usize>,
}

/// Tokenizer plus backend: the whole "text → vector" stage.
pub struct TextEncoder {
    tokenizer: Tokenizer,
    backend: Box<dyn Backend>,
    config: EncoderConfig,
    cls: u32,
    sep: u32,
    pad: u32,
}

impl std::fmt::Debug for TextEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextEncoder")
            .field("backend", &self.backend.name())
            .field("config", &self.config)
            .finish()
    }
}

/// Load a `tokenizer.json`, with its fixed padding and truncation switched off
/// (the bundled files pad everything to 128 tokens).
pub fn load_tokenizer(path: &Path) -> Result<Tokenizer> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::ModelMissing { path: path.to_path_buf(), what: "tokenizer.json" },
        _ => Error::io(path, e),
    })?;
    let mut tokenizer = Tokenizer::from_bytes(&bytes)
        .map_err(|e| Error::ModelCorrupt { path: path.to_path_buf(), reason: e.to_string() })?;
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(None)
        .map_err(|e| Error::ModelCorrupt { path: path.to_path_buf(), reason: e.to_string() })?;
    Ok(tokenizer)
}

impl TextEncoder {
    /// Combine a tokenizer (see [`load_tokenizer`]) and a backend.
    pub fn new(tokenizer: Tokenizer, backend: Box<dyn Backend>, config: EncoderConfig) -> Result<Self> {
        if config.batch_size == 0 {
            return Err(Error::InvalidSetting { name: "batch_size", reason: "must be at least 1".into() });
        }
        if config.max_tokens < 8 || config.window_overlap >= config.max_tokens - 2 {
            return Err(Error::InvalidSetting {
                name: "max_tokens",
                reason: format!(
                    "max_tokens {} must be at least 8 and larger than window_overlap {} + 2",
                    config.max_tokens, config.window_overlap
                ),
            });
        }
        let special = |tok: &str| {
            tokenizer.token_to_id(tok).ok_or_else(|| Error::ModelCorrupt {
                path: "tokenizer.json".into(),
                reason: format!("the vocabulary has no {tok} token"),
            })
        };
        let (cls, sep, pad) = (special("[CLS]")?, special("[SEP]")?, special("[PAD]")?);
        Ok(TextEncoder { tokenizer, backend, config, cls, sep, pad })
    }

    /// The backend's name.
    pub fn backend_name(&self) -> &str {
        self.backend.name()
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.backend.dim()
    }

    /// The settings in use.
    pub fn config(&self) -> &EncoderConfig {
        &self.config
    }

    /// Word-piece ids of `text`, special tokens excluded.
    pub fn token_ids(&self, text: &str, index: usize) -> Result<Vec<u32>> {
        let enc = self
            .tokenizer
            .encode(text, false)
            .map_err(|e| Error::Tokenizer { sentence: index, reason: e.to_string() })?;
        Ok(enc.get_ids().to_vec())
    }

    /// Embed texts. Work is spread over the current rayon pool; call it inside
    /// `ThreadPool::install` to choose the threads.
    pub fn embed(&self, texts: &[&str]) -> Result<Embeddings> {
        self.embed_with(texts, true)
    }

    /// Embed texts on the calling thread only.
    pub fn embed_sequential(&self, texts: &[&str]) -> Result<Embeddings> {
        self.embed_with(texts, false)
    }

    fn embed_with(&self, texts: &[&str], parallel: bool) -> Result<Embeddings> {
        let dim = self.dim();
        let tokenize = |(i, t): (usize, &&str)| self.token_ids(t, i);
        let ids: Vec<Vec<u32>> = if parallel {
            texts.par_iter().enumerate().map(tokenize).collect::<Result<_>>()?
        } else {
            texts.iter().enumerate().map(tokenize).collect::<Result<_>>()?
        };

        // Windows: (sentence index, token slice). A sentence with no tokens gets none.
        let content = self.config.max_tokens - 2;
        let step = content - self.config.window_overlap;
        let mut pieces: Vec<(usize, &[u32])> = Vec::with_capacity(ids.len());
        let mut windows = vec![0usize; ids.len()];
        for (i, seq) in ids.iter().enumerate() {
            let mut start = 0;
            while start < seq.len() {
                let end = (start + content).min(seq.len());
                pieces.push((i, &seq[start..end]));
                windows[i] += 1;
                if end == seq.len() {
                    break;
                }
                start += step;
            }
        }
        // Sort by length so each batch pads little.
        pieces.sort_by_key(|(_, p)| p.len());
        let batches: Vec<&[(usize, &[u32])]> = pieces.chunks(self.config.batch_size).collect();
        let run = |batch: &&[(usize, &[u32])]| -> Result<Array2<f32>> {
            self.backend.embed_batch(&self.pad_batch(batch))
        };
        let outputs: Vec<Array2<f32>> = if parallel {
            batches.par_iter().map(run).collect::<Result<_>>()?
        } else {
            batches.iter().map(run).collect::<Result<_>>()?
        };

        let mut vectors = Array2::<f32>::zeros((texts.len(), dim));
        for (batch, out) in batches.iter().zip(&outputs) {
            if out.dim() != (batch.len(), dim) {
                return Err(Error::Inference {
                    backend: self.backend.name().to_string(),
                    reason: format!("returned shape {:?} for a batch of {} (dim {dim})", out.dim(), batch.len()),
                });
            }
            for ((sentence, _), row) in batch.iter().zip(out.axis_iter(Axis(0))) {
                let mut target = vectors.row_mut(*sentence);
                target += &row;
            }
        }
        for (mut row, &w) in vectors.axis_iter_mut(Axis(0)).zip(&windows) {
            if w > 1 {
                let norm = row.dot(&row).sqrt();
                if norm > 0.0 {
                    row /= norm;
                }
            }
        }
        let tokens = ids.iter().map(Vec::len).collect();
        Ok(Embeddings { vectors, tokens, windows })
    }

    fn pad_batch(&self, batch: &[(usize, &[u32])]) -> TokenBatch {
        let width = batch.iter().map(|(_, p)| p.len() + 2).max().unwrap_or(2);
        let n = batch.len();
        let mut input_ids = Array2::<i64>::from_elem((n, width), i64::from(self.pad));
        let mut attention_mask = Array2::<i64>::zeros((n, width));
        for (r, (_, piece)) in batch.iter().enumerate() {
            input_ids[[r, 0]] = i64::from(self.cls);
            for (c, &id) in piece.iter().enumerate() {
                input_ids[[r, c + 1]] = i64::from(id);
            }
            input_ids[[r, piece.len() + 1]] = i64::from(self.sep);
            attention_mask.row_mut(r).slice_mut(ndarray::s![..piece.len() + 2]).fill(1);
        }
        TokenBatch { input_ids, attention_mask, token_type_ids: Array2::zeros((n, width)) }
    }
}
