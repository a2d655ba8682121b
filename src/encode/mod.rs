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

mod load;
#[cfg(feature = "onnx")]
pub mod onnx;
#[cfg(feature = "rust-bert")]
pub mod rust_bert;

use std::path::Path;

use ndarray::{Array2, ArrayView3, Axis};
use rayon::prelude::*;
use tokenizers::Tokenizer;

use crate::error::{Error, Result};

pub use load::BackendKind;
pub(crate) use load::{load_encoder, model_files};

/// One padded batch of token sequences, row-major `[batch, seq]`.
#[derive(Debug, Clone)]
pub struct TokenBatch {
    /// Word-piece ids, special tokens included, padded with the pad id.
    pub input_ids: Array2<i64>,
    /// 1 for a real token, 0 for padding.
    pub attention_mask: Array2<i64>,
    /// All 0: one segment.
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

/// Which of a backend's per-thread workers (sessions, models) runs a batch:
/// inside a rayon pool the worker's own, so threads never wait on each other;
/// outside one, the first that is free (else the first).
pub(crate) fn worker_slot<T>(workers: &[std::sync::Mutex<T>]) -> usize {
    match rayon::current_thread_index() {
        Some(i) => i % workers.len().max(1),
        None => workers.iter().position(|w| w.try_lock().is_ok()).unwrap_or(0),
    }
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
#[serde(default)]
pub struct EncoderConfig {
    /// Most sequences per batch given to the backend.
    pub batch_size: usize,
    /// Most `sequences × width²` per batch (width in tokens, padding and
    /// special tokens included). Attention holds `heads × sequences × width²`
    /// scores, so this bounds the encoder's working memory: the default,
    /// 16 × 45², is 1.5 MB per attention tensor. Batches of typical news
    /// sentences (up to 45 tokens) stay at `batch_size`; a batch of 256-token
    /// windows holds 1. Batch sizes from 8 to 32 run equally fast on a CPU
    /// (see benches/encode.rs); smaller ones keep the memory lower.
    pub attention_budget: usize,
    /// Longest sequence the model takes, special tokens included
    /// (all-MiniLM-L6-v2 was trained at 256).
    pub max_tokens: usize,
    /// Tokens shared by two consecutive windows of a long sentence.
    pub window_overlap: usize,
}

impl Default for EncoderConfig {
    fn default() -> Self {
        EncoderConfig { batch_size: 16, attention_budget: 16 * 45 * 45, max_tokens: 256, window_overlap: 64 }
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
    /// Ids put after the first special token of every sequence (e5's `query:`).
    prefix: Vec<u32>,
}

impl std::fmt::Debug for TextEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextEncoder").field("backend", &self.backend.name()).field("config", &self.config).finish()
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
        // BERT vocabularies name them [CLS] [SEP] [PAD]; MPNet's and
        // RoBERTa's <s> </s> <pad>.
        let special = |names: [&str; 2]| {
            names.iter().find_map(|t| tokenizer.token_to_id(t)).ok_or_else(|| Error::ModelCorrupt {
                path: "tokenizer.json".into(),
                reason: format!("the vocabulary has neither a {} nor a {} token", names[0], names[1]),
            })
        };
        let (cls, sep, pad) = (special(["[CLS]", "<s>"])?, special(["[SEP]", "</s>"])?, special(["[PAD]", "<pad>"])?);
        Ok(TextEncoder { tokenizer, backend, config, cls, sep, pad, prefix: Vec::new() })
    }

    /// Put `prefix` before every text the model sees, joined by a space, as
    /// e5 models ask (`query: `): its tokens go after the first special token
    /// of every sequence, each window of a long sentence included. They are
    /// not counted in [`Embeddings::tokens`].
    pub fn with_prefix(mut self, prefix: &str) -> Result<Self> {
        let prefix = prefix.trim_end();
        self.prefix = if prefix.is_empty() { Vec::new() } else { self.token_ids(prefix)? };
        let room = self.config.max_tokens.saturating_sub(2 + self.prefix.len());
        if room <= self.config.window_overlap {
            return Err(Error::InvalidSetting {
                name: "max_tokens",
                reason: format!(
                    "max_tokens {} leaves no room for text after the prefix `{prefix}` ({} tokens) and window_overlap {}",
                    self.config.max_tokens,
                    self.prefix.len(),
                    self.config.window_overlap
                ),
            });
        }
        Ok(self)
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
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        let enc = self.tokenizer.encode(text, false).map_err(|e| Error::tokenizer(text, e))?;
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
        let tokenize = |t: &&str| self.token_ids(t);
        let ids: Vec<Vec<u32>> = if parallel {
            texts.par_iter().map(tokenize).collect::<Result<_>>()?
        } else {
            texts.iter().map(tokenize).collect::<Result<_>>()?
        };

        // Windows: (sentence index, token slice). A sentence with no tokens gets none.
        let content = self.config.max_tokens - 2 - self.prefix.len();
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
        let batches = self.batches(&pieces);
        let run =
            |batch: &&[(usize, &[u32])]| -> Result<Array2<f32>> { self.backend.embed_batch(&self.pad_batch(batch)) };
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

    /// Cut length-sorted pieces into batches of at most `batch_size`
    /// sequences and `attention_budget` sequences × width².
    fn batches<'p, 't>(&self, pieces: &'p [(usize, &'t [u32])]) -> Vec<&'p [(usize, &'t [u32])]> {
        let mut out = Vec::with_capacity(pieces.len() / self.config.batch_size + 1);
        let mut start = 0;
        while start < pieces.len() {
            let mut end = start;
            while end < pieces.len() && end - start < self.config.batch_size {
                // Sorted ascending: the newest piece sets the batch width.
                let width = pieces[end].1.len() + 2 + self.prefix.len();
                if end > start && (end + 1 - start) * width * width > self.config.attention_budget {
                    break;
                }
                end += 1;
            }
            out.push(&pieces[start..end]);
            start = end;
        }
        out
    }

    fn pad_batch(&self, batch: &[(usize, &[u32])]) -> TokenBatch {
        let extra = 2 + self.prefix.len();
        let width = batch.iter().map(|(_, p)| p.len() + extra).max().unwrap_or(extra);
        let n = batch.len();
        let mut input_ids = Array2::<i64>::from_elem((n, width), i64::from(self.pad));
        let mut attention_mask = Array2::<i64>::zeros((n, width));
        for (r, (_, piece)) in batch.iter().enumerate() {
            let ids = std::iter::once(self.cls)
                .chain(self.prefix.iter().copied())
                .chain(piece.iter().copied())
                .chain(std::iter::once(self.sep));
            for (c, id) in ids.enumerate() {
                input_ids[[r, c]] = i64::from(id);
            }
            attention_mask.row_mut(r).slice_mut(ndarray::s![..piece.len() + extra]).fill(1);
        }
        TokenBatch { input_ids, attention_mask, token_type_ids: Array2::zeros((n, width)) }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    type Shapes = Arc<Mutex<Vec<(usize, usize)>>>;

    /// Records each batch's shape; the vector of a sequence holds its token
    /// count (special tokens included) and its first word-piece id.
    struct Recorder(Shapes);

    impl Backend for Recorder {
        fn name(&self) -> &str {
            "recorder"
        }
        fn dim(&self) -> usize {
            2
        }
        fn embed_batch(&self, batch: &TokenBatch) -> Result<Array2<f32>> {
            let (n, w) = batch.input_ids.dim();
            self.0.lock().map_err(|_| Error::InvalidInput("poisoned".into()))?.push((n, w));
            let mut out = Array2::zeros((n, 2));
            for r in 0..n {
                out[[r, 0]] = batch.attention_mask.row(r).sum() as f32;
                out[[r, 1]] = batch.input_ids[[r, 1]] as f32;
            }
            Ok(out)
        }
    }

    /// An encoder over the tokenizer that `models/fetch` unpacks.
    fn encoder(config: EncoderConfig) -> (TextEncoder, Shapes) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/all-minilm-l6-v2-int8/tokenizer.json");
        let tokenizer = load_tokenizer(&path).unwrap_or_else(|e| panic!("{e} (run models/fetch)"));
        let shapes = Shapes::default();
        (TextEncoder::new(tokenizer, Box::new(Recorder(shapes.clone())), config).unwrap(), shapes)
    }

    /// Sentences of 1 to 120 words ("word word ..." is one word-piece a word).
    fn sentences() -> Vec<String> {
        (0..200).map(|i| vec!["news"; 1 + (i * 37) % 120].join(" ")).collect()
    }

    #[test]
    fn batches_respect_batch_size_and_attention_budget() {
        let config = EncoderConfig { batch_size: 16, attention_budget: 16 * 45 * 45, ..EncoderConfig::default() };
        let (enc, rec) = encoder(config.clone());
        let owned = sentences();
        let texts: Vec<&str> = owned.iter().map(String::as_str).collect();
        let e = enc.embed_sequential(&texts).unwrap();
        let shapes = rec.lock().unwrap().clone();
        assert_eq!(shapes.iter().map(|s| s.0).sum::<usize>(), texts.len(), "each sentence in exactly one batch");
        for &(n, w) in &shapes {
            assert!(n <= config.batch_size, "batch of {n}");
            assert!(n == 1 || n * w * w <= config.attention_budget, "batch {n} x {w} over the budget");
        }
        // Short sentences fill whole batches; the longest (122 tokens) go 1 or 2 at a time.
        assert!(shapes.iter().any(|&(n, _)| n == 16), "{shapes:?}");
        assert!(shapes.iter().any(|&(n, w)| w > 100 && n <= 2), "{shapes:?}");
        // Rows come back to their sentences: column 0 is the token count + 2.
        for (i, t) in texts.iter().enumerate() {
            let words = t.split(' ').count();
            assert_eq!(e.tokens[i], words);
            assert_eq!(e.vectors[[i, 0]], (words + 2) as f32, "sentence {i}");
        }
    }

    #[test]
    fn parallel_and_sequential_embedding_give_the_same_rows() {
        let (enc, _) = encoder(EncoderConfig::default());
        let owned = sentences();
        let texts: Vec<&str> = owned.iter().map(String::as_str).collect();
        let a = enc.embed_sequential(&texts).unwrap();
        let b = enc.embed(&texts).unwrap();
        assert_eq!(a.vectors, b.vectors);
        assert_eq!(a.tokens, b.tokens);
    }

    #[test]
    fn a_zero_budget_still_makes_progress() {
        let config = EncoderConfig { attention_budget: 0, ..EncoderConfig::default() };
        let (enc, rec) = encoder(config);
        let e = enc.embed_sequential(&["one two", "three", "four five six"]).unwrap();
        assert_eq!(e.vectors.nrows(), 3);
        assert!(rec.lock().unwrap().iter().all(|&(n, _)| n == 1));
    }
}
