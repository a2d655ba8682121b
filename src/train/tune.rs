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
//! with [`crate::train::train`], as for the base encoder.
//!
//! Deterministic for a fixed `seed` and thread count: the order of the
//! documents comes from the seed, and so does libtorch's dropout.
//!
//! Memory is bounded by [`TuneConfig::max_pass_tokens`], not by the length
//! of the documents: a step whose sentences do not fit the budget is done in
//! two passes (gradient caching: the sentence vectors without a graph, the
//! loss's gradient per sentence vector, then slice by slice forward and
//! backward again with the same dropout).
//!
//! [`tune_guarded`] (what `train --tune` runs) makes sure tuning never makes
//! things worse: it tunes on the corpus less a held-out slice, and keeps the
//! tuned encoder only if a head on it beats a head on the frozen encoder out
//! of fold on that slice, where the head's thresholds and zero-shot
//! fallbacks are also chosen.

use std::path::Path;
use std::time::Instant;

use rust_bert::bert::{BertEmbeddings, BertModel};
use serde::{Deserialize, Serialize};
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Reduction, Tensor};
use tokenizers::Tokenizer;

use super::HeldOutReport;
use crate::classifier::Classifier;
use crate::data::LabelledDocument;
use crate::error::{Error, Result};
use crate::head::{Head, TrainConfig};
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
    /// Most tokens (sentences × their padded length) whose activations are
    /// kept for one backward pass. A step over it is done in two passes: all
    /// its sentences forward without a graph, the loss and its gradient per
    /// sentence vector, then the sentences again in slices of at most this
    /// many tokens, each slice forward and backward on its own (with the
    /// same dropout). The gradient is the same; memory is bounded by this
    /// budget, not by the length of the documents.
    pub max_pass_tokens: usize,
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
            max_pass_tokens: 2048,
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
    if config.max_pass_tokens < config.max_tokens {
        return Err(setting("max_pass_tokens", "must be at least max_tokens (one sentence per pass)"));
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
    // Dropout seeds of the two-pass steps (a stream of their own, so that the
    // document order does not depend on which steps needed two passes).
    let mut pass_seeds = SplitMix(config.seed ^ 0x005e_ed0f_d20b);
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
            let batch = Batch::of(chunk.iter().map(|&i| &tokenized[i]));
            let loss_of = |docs_vec: &Tensor| {
                let logits = linear.forward(docs_vec);
                if exclusive {
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
                }
            };
            encoder_opt.zero_grad();
            head_opt.zero_grad();
            let loss = if batch.tokens() <= config.max_pass_tokens {
                // One pass: the whole step's graph fits the budget.
                let sentences = sentence_vectors(&model, &batch.rows)?;
                let loss = loss_of(&batch.documents(&sentences));
                loss.backward();
                loss
            } else {
                // Two passes (gradient caching): sentence vectors without a
                // graph, the loss's gradient per sentence vector, then each
                // slice again with its graph, backward on its own.
                let slices = batch.slices(config.max_pass_tokens);
                let seeds: Vec<i64> = slices.iter().map(|_| (pass_seeds.next() >> 1) as i64).collect();
                let mut parts = Vec::with_capacity(slices.len());
                for (rows, &seed) in slices.iter().zip(&seeds) {
                    tch::manual_seed(seed);
                    let rows: Vec<&[i64]> = rows.iter().map(|&r| batch.rows[r]).collect();
                    parts.push(tch::no_grad(|| sentence_vectors(&model, &rows))?);
                }
                let order: Vec<usize> = slices.iter().flatten().copied().collect();
                let sentences = Tensor::cat(&parts, 0).set_requires_grad(true);
                let owner: Vec<i64> = order.iter().map(|&r| batch.owner[r]).collect();
                let loss = loss_of(&pool_documents(&sentences, &owner, batch.documents));
                loss.backward();
                let grad = sentences.grad();
                let mut start = 0i64;
                for (rows, &seed) in slices.iter().zip(&seeds) {
                    tch::manual_seed(seed);
                    let rows: Vec<&[i64]> = rows.iter().map(|&r| batch.rows[r]).collect();
                    let part = sentence_vectors(&model, &rows)?;
                    let g = grad.narrow(0, start, rows.len() as i64);
                    (part * g).sum(Kind::Float).backward();
                    start += rows.len() as i64;
                }
                loss
            };
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

/// The sentences of one step's documents.
struct Batch<'a> {
    /// Word-piece ids of each sentence.
    rows: Vec<&'a [i64]>,
    /// The document (0-based within the step) of each sentence.
    owner: Vec<i64>,
    /// Documents in the step.
    documents: i64,
}

impl<'a> Batch<'a> {
    fn of(docs: impl Iterator<Item = &'a Vec<Vec<i64>>>) -> Batch<'a> {
        let mut batch = Batch { rows: Vec::new(), owner: Vec::new(), documents: 0 };
        for doc in docs {
            for s in doc {
                batch.rows.push(s);
                batch.owner.push(batch.documents);
            }
            batch.documents += 1;
        }
        batch
    }

    /// Tokens of one pass over all the sentences, padding included.
    fn tokens(&self) -> usize {
        self.rows.len() * self.rows.iter().map(|r| r.len()).max().unwrap_or(1)
    }

    /// The sentences (row indices), shortest first, in slices of at most
    /// `budget` tokens padding included (a sentence longer than the budget
    /// makes a slice of its own).
    fn slices(&self, budget: usize) -> Vec<Vec<usize>> {
        let mut order: Vec<usize> = (0..self.rows.len()).collect();
        order.sort_by_key(|&r| self.rows[r].len());
        let mut slices: Vec<Vec<usize>> = Vec::new();
        let mut current: Vec<usize> = Vec::new();
        for r in order {
            // Sorted by length: this row is the widest of the slice so far.
            if !current.is_empty() && (current.len() + 1) * self.rows[r].len() > budget {
                slices.push(std::mem::take(&mut current));
            }
            current.push(r);
        }
        if !current.is_empty() {
            slices.push(current);
        }
        slices
    }

    /// `[documents, dim]` from the sentence vectors in row order.
    fn documents(&self, sentences: &Tensor) -> Tensor {
        pool_documents(sentences, &self.owner, self.documents)
    }
}

/// `[sentences, dim]`: each sentence's normalised, mean-pooled token states
/// (training mode: dropout on).
fn sentence_vectors(model: &BertModel<BertEmbeddings>, rows: &[&[i64]]) -> Result<Tensor> {
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
    Ok(normalise(&pooled))
}

/// `[documents, dim]`: each document the normalised mean of its sentences'
/// vectors (`owner[i]`: the document of sentence row `i`).
fn pool_documents(sentences: &Tensor, owner: &[i64], documents: i64) -> Tensor {
    let owner = Tensor::from_slice(owner);
    let dim = sentences.size()[1];
    let docs = Tensor::zeros([documents, dim], (Kind::Float, Device::Cpu)).index_add(0, &owner, sentences);
    normalise(&docs)
}

fn normalise(x: &Tensor) -> Tensor {
    x / x.norm_scalaropt_dim(2, [-1i64].as_slice(), true).clamp_min(1e-12)
}

/// Mark about `share` of the documents as held out of tuning, deterministically
/// for `seed`: the documents are shuffled, grouped by their first label (none
/// first), and every document at which the running count of `share` passes a
/// whole number is held out, so each label keeps about its share.
pub fn held_out_split(labels: &[Vec<usize>], share: f64, seed: u64) -> Vec<bool> {
    let mut order: Vec<usize> = (0..labels.len()).collect();
    let mut rng = SplitMix(seed ^ 0x0b5e_17ed);
    for i in (1..order.len()).rev() {
        order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    order.sort_by_key(|&d| labels[d].first().map_or(0, |&c| c + 1));
    let mut held = vec![false; labels.len()];
    for (i, &d) in order.iter().enumerate() {
        held[d] = ((i + 1) as f64 * share).floor() > (i as f64 * share).floor();
    }
    held
}

/// Peak resident memory of this process so far, in bytes (`VmHWM` of
/// `/proc/self/status`; `None` where that is not available).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

/// Settings of [`tune_guarded`] beyond the tuning's and the head's own.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardConfig {
    /// Share of the documents held out of tuning; the tuned encoder is judged,
    /// and the head's thresholds and fallbacks chosen, on them only.
    pub held_out: f64,
    /// Seed of the held-out split.
    pub seed: u64,
}

impl Default for GuardConfig {
    fn default() -> Self {
        GuardConfig { held_out: 0.2, seed: 13 }
    }
}

/// What [`tune_guarded`] decided, and on what.
#[derive(Debug)]
pub struct Guarded {
    /// Per document of the corpus, whether it was held out of tuning.
    pub held_out: Vec<bool>,
    /// A head on the frozen encoder, out of fold on the held-out documents
    /// (trained on the tuning documents and the other held-out folds).
    pub frozen: HeldOutReport,
    /// The same for the tuned encoder.
    pub tuned: HeldOutReport,
    /// The figure compared: accuracy for an exclusive taxonomy, micro-F1 otherwise.
    pub metric: &'static str,
    /// The tuned encoder, written to the output directory, when it beat the
    /// frozen one on the held-out documents; `None` when the frozen encoder
    /// was kept and nothing was written.
    pub encoder: Option<TunedEncoder>,
    /// The head to use: on the tuned encoder with thresholds and fallbacks
    /// chosen on the held-out documents, or on the frozen encoder with them
    /// chosen out of fold on all the documents.
    pub head: Head,
    /// Seconds spent tuning.
    pub tuning_seconds: f64,
}

/// Tune the encoder without letting it make anything worse (cross-fitting
/// by a held-out slice): a share of `corpus` ([`GuardConfig::held_out`],
/// stratified by label) is held out, the encoder is tuned on the rest, and
/// heads on the frozen (`frozen`) and the tuned encoder (`with_tuned` builds
/// a classifier like `frozen` on it) are trained on all the documents with
/// their thresholds and head-or-zero-shot choices made, and their figure
/// measured, out of fold on the held-out documents only — documents the tuned
/// encoder never saw. The tuned encoder is kept (moved to `out`) only when
/// its figure beats the frozen one's; otherwise nothing is written and the
/// head is trained on the frozen encoder ([`crate::train::train`]).
///
/// A slice rather than tuning once per fold: one tuning run on 80% of the
/// documents instead of five on 80% each plus a final one (tuning is the
/// cost that counts on a CPU; embedding the corpus twice is cheap).
#[allow(clippy::too_many_arguments)]
pub fn tune_guarded(
    models_dir: &Path,
    taxonomy: &Taxonomy,
    corpus: &[LabelledDocument],
    frozen: &Classifier,
    with_tuned: &mut dyn FnMut(TunedEncoder) -> Result<Classifier>,
    tune_config: &TuneConfig,
    head_config: &TrainConfig,
    guard: &GuardConfig,
    out: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<Guarded> {
    if !(guard.held_out > 0.0 && guard.held_out < 1.0) {
        return Err(Error::InvalidSetting {
            name: "held_out",
            reason: format!("the held-out share must be between 0 and 1, not {}", guard.held_out),
        });
    }
    let labels: Vec<Vec<usize>> = corpus.iter().map(|d| d.label_indices(taxonomy)).collect::<Result<_>>()?;
    let held_out = held_out_split(&labels, guard.held_out, guard.seed);
    let judged = held_out.iter().filter(|&&h| h).count();
    if judged < head_config.folds {
        return Err(Error::InvalidInput(format!(
            "{} documents: holding out {:.0}% leaves {judged}, fewer than the {} folds that judge the tuned encoder",
            corpus.len(),
            guard.held_out * 100.0,
            head_config.folds
        )));
    }
    let tuning: Vec<LabelledDocument> =
        corpus.iter().zip(&held_out).filter(|(_, &h)| !h).map(|(d, _)| d.clone()).collect();
    let segmenter = Segmenter::new(crate::segment::SegmenterConfig::default());
    let docs = documents(taxonomy, &segmenter, &tuning)?;
    // Tuned into a staging directory beside `out`; moved there only if kept.
    let mut staging = out.as_os_str().to_owned();
    staging.push(".tuning");
    let staging = std::path::PathBuf::from(staging);
    let result = judge(
        models_dir,
        taxonomy,
        corpus,
        frozen,
        with_tuned,
        (&docs, &tuning, tune_config),
        head_config,
        (&held_out, &staging),
        out,
        progress,
    );
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    }
    result
}

/// [`tune_guarded`] from the split on: tune into `staging`, judge, keep or not.
#[allow(clippy::too_many_arguments)]
fn judge(
    models_dir: &Path,
    taxonomy: &Taxonomy,
    corpus: &[LabelledDocument],
    frozen: &Classifier,
    with_tuned: &mut dyn FnMut(TunedEncoder) -> Result<Classifier>,
    (docs, tuning, tune_config): (&[TuneDocument], &[LabelledDocument], &TuneConfig),
    head_config: &TrainConfig,
    (held_out, staging): (&[bool], &Path),
    out: &Path,
    progress: &mut dyn FnMut(Progress),
) -> Result<Guarded> {
    let started = Instant::now();
    let encoder = tune(models_dir, taxonomy, docs, &data_fingerprint(tuning), tune_config, staging, progress)?;
    let tuning_seconds = started.elapsed().as_secs_f64();
    let tuned_classifier = with_tuned(encoder)?;
    let embed_all = |c: &Classifier| -> Result<(Vec<super::TrainDocument>, Vec<super::Unit>)> {
        let docs = super::training_documents(c, corpus)?;
        let extra =
            if head_config.use_exemplars { super::taxonomy_units(c, head_config.exemplar_weight) } else { Vec::new() };
        Ok((docs, extra))
    };
    let (frozen_docs, frozen_extra) = embed_all(frozen)?;
    let (tuned_docs, tuned_extra) = embed_all(&tuned_classifier)?;
    let tuned_name = tuned_classifier.encoder_name().to_string();
    drop(tuned_classifier);
    let (_, frozen_report) = super::train_held_out(
        taxonomy,
        frozen.encoder_name(),
        &frozen_docs,
        &frozen_extra,
        head_config,
        held_out,
        &mut |_, _| {},
    )?;
    let (tuned_head, tuned_report) =
        super::train_held_out(taxonomy, &tuned_name, &tuned_docs, &tuned_extra, head_config, held_out, &mut |_, _| {})?;
    let keep = tuned_report.score(taxonomy) > frozen_report.score(taxonomy);
    let (encoder, head) = if keep {
        std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
        for file in [tuned::WEIGHTS_FILE, tuned::MANIFEST_FILE] {
            let to = out.join(file);
            std::fs::rename(staging.join(file), &to).map_err(|e| Error::io(&to, e))?;
        }
        (Some(TunedEncoder::open(out)?), tuned_head)
    } else {
        let head =
            super::train(taxonomy, frozen.encoder_name(), &frozen_docs, &frozen_extra, head_config, &mut |_, _| {})?;
        (None, head)
    };
    let metric =
        if taxonomy.max_labels == Some(1) && tuned_report.accuracy.is_some() { "accuracy" } else { "micro-F1" };
    Ok(Guarded {
        held_out: held_out.to_vec(),
        frozen: frozen_report,
        tuned: tuned_report,
        metric,
        encoder,
        head,
        tuning_seconds,
    })
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
