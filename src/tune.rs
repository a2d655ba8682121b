//! Fine-tune the encoder on labelled documents (feature `rust-bert`; CPU,
//! offline). The result is a [`TunedEncoder`] directory that the default ONNX
//! backend runs (see [`crate::tuned`]).
//!
//! End to end, on the same vector a head scores at run time: each
//! document's sentences go through the encoder, each sentence is mean-pooled
//! over its tokens and L2-normalised, the document is the normalised mean of
//! its sentences, and a linear layer on top gives one logit per category.
//! The loss is cross-entropy when the taxonomy is exclusive
//! (`max_labels = 1`, e.g. FLICC's fallacies) and binary cross-entropy per
//! category otherwise. AdamW with linear warm-up and decay, gradients clipped
//! to norm 1; the word-piece table stays frozen (half the parameters, and
//! the words a small training set never shows keep their meaning). The linear
//! layer is thrown away afterwards: a head is trained on the tuned vectors
//! with [`crate::head::train`], as for the base encoder.
//!
//! Deterministic for a fixed `seed` and thread count: the order of the
//! documents comes from the seed, and so does libtorch's dropout.

use std::path::Path;
use std::time::Instant;

use rust_bert::bert::{BertEmbeddings, BertModel};
use serde::{Deserialize, Serialize};
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Reduction, Tensor};
use tokenizers::Tokenizer;

use crate::data::LabelledDocument;
use crate::error::{Error, Result};
use crate::models;
use crate::segment::Segmenter;
use crate::taxonomy::Taxonomy;
use crate::tuned::{self, TunedEncoder, TunedManifest};

/// Tuning settings, recorded in the tuned encoder's manifest. The defaults
/// (3 epochs, step size 1e-4) were chosen on FLICC's validation split among
/// {3, 5} epochs × {5e-5, 1e-4} (docs/accuracy.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TuneConfig {
    /// Passes over the training documents.
    pub epochs: usize,
    /// Peak AdamW step size of the encoder.
    pub learning_rate: f64,
    /// Step size of the linear layer on top (trained from zero).
    pub head_learning_rate: f64,
    /// AdamW weight decay of the encoder.
    pub weight_decay: f64,
    /// Share of the steps spent warming the step size up from zero.
    pub warmup: f64,
    /// Documents per step.
    pub documents_per_step: usize,
    /// Sentences of a document used in tuning (its first ones).
    pub max_sentences: usize,
    /// Tokens per sentence, special tokens included (longer ones are cut in tuning only).
    pub max_tokens: usize,
    /// Seed of the document order and of dropout.
    pub seed: u64,
    /// libtorch threads.
    pub threads: usize,
}

impl Default for TuneConfig {
    fn default() -> Self {
        TuneConfig {
            epochs: 3,
            learning_rate: 1e-4,
            head_learning_rate: 1e-2,
            weight_decay: 0.01,
            warmup: 0.1,
            documents_per_step: 8,
            max_sentences: 12,
            max_tokens: 128,
            seed: 13,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// One training document: its sentences and the category indices it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct TuneDocument {
    /// The document's sentences, in order.
    pub sentences: Vec<String>,
    /// Category indices it carries.
    pub labels: Vec<usize>,
}

/// Split labelled documents into sentences and map their labels to category
/// indices (an unknown label is an error naming the document).
pub fn documents(taxonomy: &Taxonomy, segmenter: &Segmenter, docs: &[LabelledDocument]) -> Result<Vec<TuneDocument>> {
    docs.iter()
        .map(|d| {
            let sentences = segmenter.split(&d.text).iter().map(|s| s.text(&d.text).to_string()).collect();
            Ok(TuneDocument { sentences, labels: d.label_indices(taxonomy)? })
        })
        .collect()
}

/// sha256 over the documents' ids, texts and labels, in order (recorded in the manifest).
pub fn data_fingerprint(docs: &[LabelledDocument]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for d in docs {
        for part in [d.id.as_str(), d.text.as_str()].into_iter().chain(d.labels.iter().map(String::as_str)) {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
    }
    crate::cache::hex(&h.finalize())
}

/// Where tuning stands, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Steps done.
    pub step: usize,
    /// Steps in all.
    pub steps: usize,
    /// The current epoch, from 0.
    pub epoch: usize,
    /// Mean loss of the steps of this epoch so far.
    pub loss: f64,
}

/// Fine-tune all-MiniLM-L6-v2 of `models_dir` on `docs` for `taxonomy` and
/// write the tuned encoder to `out` (created if needed; its two files are
/// replaced). `data_sha256` identifies the training data in the manifest
/// ([`data_fingerprint`]).
pub fn tune(
    models_dir: &Path,
    taxonomy: &Taxonomy,
    docs: &[TuneDocument],
    data_sha256: &str,
    config: &TuneConfig,
    out: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<TunedEncoder> {
    let setting = |name: &'static str, reason: &str| Error::InvalidSetting { name, reason: reason.to_string() };
    if config.epochs == 0 || config.documents_per_step == 0 || config.max_sentences == 0 || config.threads == 0 {
        return Err(setting("tune", "epochs, documents_per_step, max_sentences and threads must be at least 1"));
    }
    if config.max_tokens < 3 {
        return Err(setting("max_tokens", "at least 3 tokens are needed ([CLS], a word piece, [SEP])"));
    }
    let k = taxonomy.categories.len();
    for (i, d) in docs.iter().enumerate() {
        if let Some(&c) = d.labels.iter().find(|&&c| c >= k) {
            return Err(setting("labels", &format!("document {i} has category index {c}; the taxonomy has {k}")));
        }
    }
    let exclusive = taxonomy.max_labels == Some(1);
    // Exclusive taxonomies learn from documents with one label; the others from all.
    let usable: Vec<&TuneDocument> =
        docs.iter().filter(|d| !d.sentences.is_empty() && (!exclusive || d.labels.len() == 1)).collect();
    if usable.is_empty() {
        return Err(setting("documents", "no document has sentences (and, for an exclusive taxonomy, one label)"));
    }

    let dir = models::require_dir(models_dir.join(models::MINILM_FP32), "fp32 all-MiniLM-L6-v2 directory")?;
    let base_weights = models::require_file(dir.join("model.safetensors"), "safetensors weights")?;
    let config_path = models::require_file(dir.join("config.json"), "model config.json")?;
    let tokenizer =
        crate::encode::load_tokenizer(&models::require_file(dir.join("tokenizer.json"), "tokenizer.json")?)?;
    let bert_config = crate::encode::rust_bert::read_config(&config_path)?;
    let base_sha256 = tuned::sha256_file(&base_weights)?;

    tch::manual_seed(config.seed as i64);
    tch::set_num_threads(config.threads as i32);
    let started = Instant::now();
    let vs = nn::VarStore::new(Device::Cpu);
    let model = BertModel::<BertEmbeddings>::new_with_optional_pooler(vs.root(), &bert_config, false);
    let base = crate::encode::rust_bert::read_weights(&base_weights)?;
    for (name, mut var) in vs.variables() {
        let src = base.get(&name).ok_or_else(|| Error::ModelCorrupt {
            path: base_weights.clone(),
            reason: format!("tensor `{name}` is missing"),
        })?;
        tch::no_grad(|| var.f_copy_(src))
            .map_err(|e| Error::ModelCorrupt { path: base_weights.clone(), reason: format!("`{name}`: {e}") })?;
        if name == tuned::FROZEN_WORD_PIECES {
            let _ = var.set_requires_grad(false);
        }
    }
    let hs = nn::VarStore::new(Device::Cpu);
    let dim = bert_config.hidden_size;
    let linear = nn::linear(
        hs.root(),
        dim,
        k as i64,
        nn::LinearConfig { ws_init: nn::Init::Const(0.0), bs_init: Some(nn::Init::Const(0.0)), bias: true },
    );
    let torch_err = |e: tch::TchError| Error::Inference { backend: "tune".into(), reason: e.to_string() };
    let mut encoder_opt = nn::AdamW { wd: config.weight_decay, ..Default::default() }
        .build(&vs, config.learning_rate)
        .map_err(torch_err)?;
    let mut head_opt =
        nn::AdamW { wd: 0.0, ..Default::default() }.build(&hs, config.head_learning_rate).map_err(torch_err)?;

    let tokenized: Vec<Vec<Vec<i64>>> = usable
        .iter()
        .map(|d| {
            d.sentences.iter().take(config.max_sentences).map(|s| token_ids(&tokenizer, s, config.max_tokens)).collect()
        })
        .collect::<Result<_>>()?;
    let per_epoch = usable.len().div_ceil(config.documents_per_step);
    let steps = per_epoch * config.epochs;
    let warmup = ((steps as f64) * config.warmup).ceil().max(1.0);
    let mut rng = SplitMix(config.seed);
    let mut epoch_losses = Vec::with_capacity(config.epochs);
    let mut step = 0usize;
    for epoch in 0..config.epochs {
        let mut order: Vec<usize> = (0..usable.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
        }
        let mut total = 0.0;
        for (b, chunk) in order.chunks(config.documents_per_step).enumerate() {
            let t = step as f64;
            let scale = if t < warmup {
                (t + 1.0) / warmup
            } else {
                ((steps as f64 - t) / (steps as f64 - warmup).max(1.0)).max(0.0)
            };
            encoder_opt.set_lr(config.learning_rate * scale);
            head_opt.set_lr(config.head_learning_rate * scale);
            let docs_vec = document_vectors(&model, chunk.iter().map(|&i| &tokenized[i]))?;
            let logits = linear.forward(&docs_vec);
            let loss = if exclusive {
                let targets: Vec<i64> = chunk.iter().map(|&i| usable[i].labels[0] as i64).collect();
                logits.cross_entropy_for_logits(&Tensor::from_slice(&targets))
            } else {
                let mut targets = vec![0f32; chunk.len() * k];
                for (row, &i) in chunk.iter().enumerate() {
                    for &c in &usable[i].labels {
                        targets[row * k + c] = 1.0;
                    }
                }
                let targets = Tensor::from_slice(&targets).view([chunk.len() as i64, k as i64]);
                logits.binary_cross_entropy_with_logits::<Tensor>(&targets, None, None, Reduction::Mean)
            };
            encoder_opt.zero_grad();
            head_opt.zero_grad();
            loss.backward();
            encoder_opt.clip_grad_norm(1.0);
            encoder_opt.step();
            head_opt.step();
            total += loss.double_value(&[]);
            step += 1;
            progress(Progress { step, steps, epoch, loss: total / (b + 1) as f64 });
        }
        epoch_losses.push(total / per_epoch as f64);
    }

    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let weights_path = out.join(tuned::WEIGHTS_FILE);
    let mut named: Vec<(String, Tensor)> =
        vs.variables().into_iter().filter(|(name, _)| name != tuned::FROZEN_WORD_PIECES).collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    Tensor::write_safetensors(&named, &weights_path)
        .map_err(|e| Error::io(&weights_path, std::io::Error::other(e.to_string())))?;
    let loss = match (epoch_losses.first(), epoch_losses.last()) {
        (Some(&a), Some(&b)) => vec![a, b],
        _ => Vec::new(),
    };
    let manifest = TunedManifest {
        format: tuned::TUNED_FORMAT.into(),
        version: tuned::TUNED_VERSION,
        base_encoder: "all-MiniLM-L6-v2".into(),
        base_sha256,
        weights_sha256: tuned::sha256_file(&weights_path)?,
        taxonomy: taxonomy.name.clone(),
        taxonomy_sha256: tuned::taxonomy_fingerprint(taxonomy),
        training_data_sha256: data_sha256.to_string(),
        documents: usable.len(),
        settings: serde_json::to_value(config).map_err(Error::Json)?,
        loss,
        seconds: started.elapsed().as_secs_f64(),
    };
    let manifest_path = out.join(tuned::MANIFEST_FILE);
    let json = serde_json::to_string_pretty(&manifest).map_err(Error::Json)?;
    std::fs::write(&manifest_path, json + "\n").map_err(|e| Error::io(&manifest_path, e))?;
    TunedEncoder::open(out)
}

/// A sentence's word-piece ids with `[CLS]` and `[SEP]`, cut to `max_tokens`.
fn token_ids(tokenizer: &Tokenizer, sentence: &str, max_tokens: usize) -> Result<Vec<i64>> {
    let encoding = tokenizer.encode(sentence, true).map_err(|e| Error::tokenizer(sentence, e))?;
    let mut ids: Vec<i64> = encoding.get_ids().iter().map(|&i| i64::from(i)).collect();
    if ids.len() > max_tokens {
        let sep = ids[ids.len() - 1];
        ids.truncate(max_tokens - 1);
        ids.push(sep);
    }
    Ok(ids)
}

/// `[documents, dim]`: each document the normalised mean of its sentences'
/// normalised, mean-pooled token states (training mode: dropout on).
fn document_vectors<'a>(
    model: &BertModel<BertEmbeddings>,
    docs: impl Iterator<Item = &'a Vec<Vec<i64>>>,
) -> Result<Tensor> {
    let mut rows: Vec<&[i64]> = Vec::new();
    let mut owner: Vec<i64> = Vec::new();
    let mut n_docs = 0i64;
    for doc in docs {
        for s in doc {
            rows.push(s);
            owner.push(n_docs);
        }
        n_docs += 1;
    }
    let width = rows.iter().map(|r| r.len()).max().unwrap_or(1);
    let mut ids = vec![0i64; rows.len() * width];
    let mut mask = vec![0i64; rows.len() * width];
    for (r, row) in rows.iter().enumerate() {
        ids[r * width..r * width + row.len()].copy_from_slice(row);
        mask[r * width..r * width + row.len()].iter_mut().for_each(|m| *m = 1);
    }
    let shape = [rows.len() as i64, width as i64];
    let ids = Tensor::from_slice(&ids).view(shape);
    let mask = Tensor::from_slice(&mask).view(shape);
    let output = model
        .forward_t(Some(&ids), Some(&mask), None, None, None, None, None, true)
        .map_err(|e| Error::Inference { backend: "tune".into(), reason: e.to_string() })?;
    let m = mask.to_kind(Kind::Float).unsqueeze(-1);
    let summed = (output.hidden_state * &m).sum_dim_intlist([1i64].as_slice(), false, Kind::Float);
    let pooled = summed / m.sum_dim_intlist([1i64].as_slice(), false, Kind::Float).clamp_min(1.0);
    let sentences = normalise(&pooled);
    let owner = Tensor::from_slice(&owner);
    let dim = sentences.size()[1];
    let docs = Tensor::zeros([n_docs, dim], (Kind::Float, Device::Cpu)).index_add(0, &owner, &sentences);
    Ok(normalise(&docs))
}

fn normalise(x: &Tensor) -> Tensor {
    x / x.norm_scalaropt_dim(2, [-1i64].as_slice(), true).clamp_min(1e-12)
}

/// A small, seedable generator for the document order.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}
