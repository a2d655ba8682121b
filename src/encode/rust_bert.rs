//! libtorch backend: all-MiniLM-L6-v2 in fp32 through rust-bert's `BertModel`
//! (feature `rust-bert`; build against the libtorch of `models/fetch-libtorch`).
//!
//! Thread plan, the same as the ONNX backend: one model per worker thread,
//! each behind a `Mutex` (tch tensors are `Send` but not `Sync`), and libtorch's
//! own intra-op pool set to one thread, so that rayon alone spreads batches
//! over the cores. The weights are read once and shared by every model (the
//! tensors point at the same storage), so `threads` costs no extra memory.
//! `tch::set_num_threads(1)` is process-wide: it also applies to any other
//! libtorch code in the same process.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ndarray::{Array2, Array3};
use rust_bert::bert::{BertConfig, BertEmbeddings, BertModel};
use tch::{Device, Kind, Tensor};

use super::{load_tokenizer, mean_pool_normalize, Backend, EncoderConfig, TextEncoder, TokenBatch};
use crate::error::{Error, Result};
use crate::models;

type Bert = BertModel<BertEmbeddings>;

/// Load the fp32 all-MiniLM-L6-v2 of `<models_dir>/all-minilm-l6-v2/`
/// (`model.safetensors`, `config.json`, `tokenizer.json`) on libtorch.
///
/// The tokenizer is the one the ONNX backend uses, so both see the same ids.
/// With `tuned`, its tensors replace the base model's.
pub fn load_text_encoder(
    models_dir: &Path,
    threads: usize,
    config: EncoderConfig,
    tuned: Option<&crate::tuned::TunedEncoder>,
) -> Result<TextEncoder> {
    let dir = models::require_dir(models_dir.join(models::MINILM_FP32), "fp32 all-MiniLM-L6-v2 directory")?;
    let tokenizer_path = models::require_file(dir.join("tokenizer.json"), "tokenizer.json")?;
    let tokenizer = load_tokenizer(&tokenizer_path)?;
    let weights = models::require_file(dir.join("model.safetensors"), "safetensors weights")?;
    let config_path = models::require_file(dir.join("config.json"), "model config.json")?;
    let base_name = "rust-bert:all-MiniLM-L6-v2";
    let backend = match tuned {
        None => RustBertBackend::load(&weights, &config_path, threads, base_name)?,
        Some(t) => {
            RustBertBackend::load_with(&weights, Some(&t.weights()), &config_path, threads, t.encoder_name(base_name))?
        }
    };

    let vocab = tokenizer.get_vocab_size(true);
    if vocab > backend.vocab_size {
        return Err(Error::ModelCorrupt {
            path: tokenizer_path,
            reason: format!(
                "the vocabulary has {vocab} tokens but {} has vocab_size {}",
                config_path.display(),
                backend.vocab_size
            ),
        });
    }
    if config.max_tokens > backend.max_positions {
        return Err(Error::InvalidSetting {
            name: "max_tokens",
            reason: format!(
                "{} exceeds the model's max_position_embeddings {} ({})",
                config.max_tokens,
                backend.max_positions,
                config_path.display()
            ),
        });
    }
    TextEncoder::new(tokenizer, Box::new(backend), config)
}

/// A BERT encoder from a Hugging Face `config.json` and `model.safetensors`
/// (tensor names without a `bert.` prefix, as sentence-transformers saves them).
pub struct RustBertBackend {
    name: String,
    dim: usize,
    vocab_size: usize,
    max_positions: usize,
    models: Vec<Mutex<Bert>>,
}

impl std::fmt::Debug for RustBertBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RustBertBackend").field("name", &self.name).field("models", &self.models.len()).finish()
    }
}

impl RustBertBackend {
    /// Build one model per thread from `config` and share the `weights` between them.
    pub fn load(weights: &Path, config: &Path, threads: usize, name: impl Into<String>) -> Result<Self> {
        Self::load_with(weights, None, config, threads, name)
    }

    /// [`RustBertBackend::load`], with the tensors of `overlay` (a tuned
    /// encoder's weights) in place of the base file's.
    pub fn load_with(
        weights: &Path,
        overlay: Option<&Path>,
        config: &Path,
        threads: usize,
        name: impl Into<String>,
    ) -> Result<Self> {
        let bert_config = read_config(config)?;
        let mut tensors = read_weights(weights)?;
        if let Some(overlay) = overlay {
            for (tensor_name, t) in read_weights(overlay)? {
                let Some(base) = tensors.get(&tensor_name) else {
                    return Err(Error::ModelCorrupt {
                        path: overlay.to_path_buf(),
                        reason: format!("tensor `{tensor_name}` is not in the base model {}", weights.display()),
                    });
                };
                if base.size() != t.size() {
                    return Err(Error::ModelCorrupt {
                        path: overlay.to_path_buf(),
                        reason: format!(
                            "tensor `{tensor_name}` has shape {:?}; the base has {:?}",
                            t.size(),
                            base.size()
                        ),
                    });
                }
                tensors.insert(tensor_name, t);
            }
        }
        let corrupt = |reason: String| Error::ModelCorrupt { path: weights.to_path_buf(), reason };

        tch::set_num_threads(1);
        let mut models = Vec::with_capacity(threads.max(1));
        for _ in 0..threads.max(1) {
            let vs = tch::nn::VarStore::new(Device::Cpu);
            // Built at the root, the variable names are those of the file:
            // `embeddings.word_embeddings.weight`, `encoder.layer.0...`.
            let model = Bert::new_with_optional_pooler(vs.root(), &bert_config, false);
            let mut missing = Vec::new();
            let mut variables: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
            variables.sort_by(|a, b| a.0.cmp(&b.0));
            for (var_name, mut var) in variables {
                let Some(src) = tensors.get(&var_name) else {
                    missing.push(var_name);
                    continue;
                };
                if src.size() != var.size() || src.kind() != Kind::Float {
                    return Err(corrupt(format!(
                        "tensor `{var_name}` has shape {:?} and type {:?}; the model in {} needs {:?} and Float",
                        src.size(),
                        src.kind(),
                        config.display(),
                        var.size()
                    )));
                }
                tch::no_grad(|| var.f_set_data(src)).map_err(|e| corrupt(format!("tensor `{var_name}`: {e}")))?;
            }
            if !missing.is_empty() {
                return Err(corrupt(format!(
                    "{} tensors the model needs are missing, e.g. {:?} (a `bert.` prefix is not expected)",
                    missing.len(),
                    &missing[..missing.len().min(3)]
                )));
            }
            models.push(Mutex::new(model));
        }
        let to_usize = |v: i64| usize::try_from(v).unwrap_or(0);
        Ok(RustBertBackend {
            name: name.into(),
            dim: to_usize(bert_config.hidden_size),
            vocab_size: to_usize(bert_config.vocab_size),
            max_positions: to_usize(bert_config.max_position_embeddings),
            models,
        })
    }

    fn run(&self, batch: &TokenBatch, slot: usize) -> Result<Array2<f32>> {
        let fail = |reason: String| Error::Inference { backend: self.name.clone(), reason };
        let (n, seq) = batch.input_ids.dim();
        if batch.attention_mask.dim() != (n, seq) || batch.token_type_ids.dim() != (n, seq) {
            return Err(fail(format!(
                "ids {:?}, mask {:?} and type ids {:?} differ in shape",
                batch.input_ids.dim(),
                batch.attention_mask.dim(),
                batch.token_type_ids.dim()
            )));
        }
        if seq > self.max_positions {
            return Err(fail(format!("{seq} tokens exceed the model's {} positions", self.max_positions)));
        }
        if let Some(&id) = batch.input_ids.iter().find(|&&id| id < 0 || id as usize >= self.vocab_size) {
            return Err(fail(format!("token id {id} is outside the vocabulary of {}", self.vocab_size)));
        }
        if n == 0 || seq == 0 {
            return Ok(Array2::zeros((n, self.dim)));
        }
        let model = self.models[slot % self.models.len()]
            .lock()
            .map_err(|_| fail("a previous batch panicked while holding this model".into()))?;
        let hidden = tch::no_grad(|| -> std::result::Result<Vec<f32>, String> {
            let ids = to_tensor(&batch.input_ids)?;
            let mask = to_tensor(&batch.attention_mask)?;
            let types = to_tensor(&batch.token_type_ids)?;
            // rust-bert's forward uses panicking tensor ops; turn a panic into an error.
            let output = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                model.forward_t(Some(&ids), Some(&mask), Some(&types), None, None, None, None, false)
            }))
            .map_err(|_| "libtorch raised an error in the forward pass".to_string())?
            .map_err(|e| e.to_string())?;
            let hidden = output.hidden_state.f_contiguous().map_err(|e| e.to_string())?;
            let mut data = vec![0f32; hidden.numel()];
            hidden.f_copy_data(&mut data, hidden.numel()).map_err(|e| e.to_string())?;
            Ok(data)
        })
        .map_err(fail)?;
        let hidden =
            Array3::from_shape_vec((n, seq, self.dim), hidden).map_err(|e| fail(format!("token states: {e}")))?;
        Ok(mean_pool_normalize(hidden.view(), &batch.attention_mask))
    }
}

impl Backend for RustBertBackend {
    fn name(&self) -> &str {
        &self.name
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed_batch(&self, batch: &TokenBatch) -> Result<Array2<f32>> {
        self.run(batch, super::worker_slot(&self.models))
    }
}

/// The tensors of a safetensors file by name.
pub(crate) fn read_weights(path: &Path) -> Result<std::collections::HashMap<String, Tensor>> {
    if !path.is_file() {
        return Err(Error::ModelMissing { path: path.to_path_buf(), what: "safetensors weights" });
    }
    let tensors = Tensor::read_safetensors(path)
        .map_err(|e| Error::ModelCorrupt { path: path.to_path_buf(), reason: e.to_string() })?;
    Ok(tensors.into_iter().collect())
}

/// A `[rows, cols]` int64 tensor with the array's values in row-major order.
fn to_tensor(array: &Array2<i64>) -> std::result::Result<Tensor, String> {
    let (rows, cols) = array.dim();
    let data: Vec<i64> = array.iter().copied().collect();
    Tensor::f_from_slice(&data).and_then(|t| t.f_view([rows as i64, cols as i64])).map_err(|e| e.to_string())
}

/// Read and check a BERT `config.json` (rust-bert's own reader panics on errors).
pub(crate) fn read_config(path: &Path) -> Result<BertConfig> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::ModelMissing { path: path.to_path_buf(), what: "model config.json" },
        _ => Error::io(path, e),
    })?;
    let corrupt = |reason: String| Error::ModelCorrupt { path: PathBuf::from(path), reason };
    let config: BertConfig = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    let positive = [
        ("hidden_size", config.hidden_size),
        ("intermediate_size", config.intermediate_size),
        ("max_position_embeddings", config.max_position_embeddings),
        ("num_attention_heads", config.num_attention_heads),
        ("num_hidden_layers", config.num_hidden_layers),
        ("type_vocab_size", config.type_vocab_size),
        ("vocab_size", config.vocab_size),
    ];
    for (field, value) in positive {
        if value <= 0 {
            return Err(corrupt(format!("`{field}` is {value}; it must be positive")));
        }
    }
    if config.hidden_size % config.num_attention_heads != 0 {
        return Err(corrupt(format!(
            "`hidden_size` {} is not a multiple of `num_attention_heads` {}",
            config.hidden_size, config.num_attention_heads
        )));
    }
    if config.is_decoder == Some(true) {
        return Err(corrupt("`is_decoder` is true; an encoder is needed".into()));
    }
    Ok(config)
}
