//! ONNX Runtime backend (`ort`, library loaded at run time).
//!
//! `ort`'s `Session::run` takes `&mut self`, so the backend keeps one session
//! per worker thread, each with one intra-op thread: parallelism comes from
//! rayon running batches side by side, and ONNX Runtime's own thread pool
//! never competes with rayon's for the cores (threads × 1 intra-op thread ≤
//! cores). Each session holds its weights (about 28 MB for the qint8 model,
//! 130 MB for the int8-weight one, whose weights are dequantised at load) and
//! an arena for activations, which the encoder's `attention_budget` bounds.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ndarray::{Array2, Ix3};
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use ort::value::{DynValue, Tensor, TensorRef};

use super::{mean_pool_normalize, Backend, TokenBatch};
use crate::error::{Error, Result};

/// The runtime library can be loaded once per process: remember the one that
/// loaded. A failed attempt is not remembered, so a later call with a correct
/// path still works.
static RUNTIME: Mutex<Option<(PathBuf, ort::environment::Environment)>> = Mutex::new(None);

fn environment(library: &Path) -> Result<ort::environment::Environment> {
    let failed = |reason: String| Error::Runtime { path: library.to_path_buf(), reason };
    // The same file reached through another path (a symlink) is the same library.
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut loaded = RUNTIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((path, env)) = loaded.as_ref() {
        return if canonical(path) == canonical(library) {
            Ok(env.clone())
        } else {
            Err(failed(format!(
                "this process already loaded the ONNX Runtime library {}, and a process can load only one",
                path.display()
            )))
        };
    }
    if !library.is_file() {
        return Err(failed(format!("file not found: {}", library.display())));
    }
    let env = ort::init_from(library)
        .map_err(|e| failed(e.to_string()))?
        .with_name("framelens")
        .with_telemetry(false)
        .build()
        .map_err(|e| failed(e.to_string()))?;
    *loaded = Some((library.to_path_buf(), env.clone()));
    Ok(env)
}

/// ONNX Runtime values for replacement initialisers, shared by every session.
fn initializer_values(initializers: Vec<crate::tuned::Initializer>) -> ort::Result<Vec<(String, Arc<DynValue>)>> {
    use crate::tuned::Initializer;
    initializers
        .into_iter()
        .map(|init| {
            Ok(match init {
                Initializer::F32 { name, shape, values } => {
                    (name, Arc::new(Tensor::from_array((shape, values))?.into_dyn()))
                }
                Initializer::I8 { name, shape, values } => {
                    (name, Arc::new(Tensor::from_array((shape, values))?.into_dyn()))
                }
            })
        })
        .collect()
}

/// all-MiniLM-L6-v2 (or any BERT-like encoder exported with token states as
/// its first output) on ONNX Runtime.
pub struct OnnxBackend {
    name: String,
    dim: usize,
    sessions: Vec<Mutex<Session>>,
    wants_token_types: bool,
}

impl std::fmt::Debug for OnnxBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxBackend").field("name", &self.name).field("sessions", &self.sessions.len()).finish()
    }
}

impl OnnxBackend {
    /// Load `model` with the runtime at `library`, one session per thread.
    pub fn load(model: &Path, library: &Path, threads: usize, name: impl Into<String>) -> Result<Self> {
        Self::load_with(model, library, threads, name, Vec::new())
    }

    /// [`OnnxBackend::load`], with some of the graph's initialisers replaced
    /// (a tuned encoder's weights). A name the graph does not have, or a
    /// shape or type it does not take, is an error.
    pub(crate) fn load_with(
        model: &Path,
        library: &Path,
        threads: usize,
        name: impl Into<String>,
        initializers: Vec<crate::tuned::Initializer>,
    ) -> Result<Self> {
        let env = environment(library)?;
        if !model.is_file() {
            return Err(Error::ModelMissing { path: model.to_path_buf(), what: "ONNX model" });
        }
        let corrupt = |reason: String| Error::ModelCorrupt { path: model.to_path_buf(), reason };
        let overrides = initializer_values(initializers).map_err(|e| corrupt(e.to_string()))?;
        let mut sessions = Vec::with_capacity(threads.max(1));
        for _ in 0..threads.max(1) {
            let session = Session::builder(&env)
                .and_then(|b| Ok(b.with_intra_threads(1)?))
                .and_then(|b| Ok(b.with_inter_threads(1)?))
                .and_then(|b| Ok(b.with_optimization_level(GraphOptimizationLevel::Level3)?))
                // ORT 1.31's fused SkipLayerNormalization kernel is slower
                // than the Add + LayerNormalization it replaces: it took 25%
                // of the run time, and the encoder runs 25–30% faster without
                // it (docs/speed.md).
                .and_then(|b| Ok(b.with_disabled_optimizers("SkipLayerNormFusion")?))
                // Memory patterns plan one block per input shape; every batch
                // has its own shape here, so they only add memory (+100 MB).
                .and_then(|b| Ok(b.with_memory_pattern(false)?))
                .and_then(|b| {
                    Ok(b.with_execution_providers([ort::ep::CPU::default().with_arena_allocator(true).build()])?)
                })
                .and_then(|b| {
                    overrides.iter().try_fold(b, |b, (name, value)| Ok(b.with_initializer(name, Arc::clone(value))?))
                })
                .and_then(|mut b| b.commit_from_file(model))
                .map_err(|e| corrupt(e.to_string()))?;
            sessions.push(Mutex::new(session));
        }
        let first = sessions[0].lock().map_err(|_| corrupt("session lock poisoned".into()))?;
        let inputs: Vec<String> = first.inputs().iter().map(|i| i.name().to_string()).collect();
        for needed in ["input_ids", "attention_mask"] {
            if !inputs.iter().any(|n| n == needed) {
                return Err(corrupt(format!("the graph has no `{needed}` input (inputs: {inputs:?})")));
            }
        }
        let wants_token_types = inputs.iter().any(|n| n == "token_type_ids");
        if first.outputs().is_empty() {
            return Err(corrupt("the graph has no outputs".into()));
        }
        drop(first);
        let mut backend = OnnxBackend { name: name.into(), dim: 0, sessions, wants_token_types };
        // Probe the output width with a two-token sequence ([CLS] [SEP] ids of BERT vocabularies).
        let probe = TokenBatch {
            input_ids: Array2::from_shape_vec((1, 2), vec![101, 102]).map_err(|e| corrupt(e.to_string()))?,
            attention_mask: Array2::ones((1, 2)),
            token_type_ids: Array2::zeros((1, 2)),
        };
        backend.dim = backend.run(&probe, 0)?.ncols();
        Ok(backend)
    }

    fn run(&self, batch: &TokenBatch, slot: usize) -> Result<Array2<f32>> {
        let fail = |reason: String| Error::Inference { backend: self.name.clone(), reason };
        let mut session = self.sessions[slot % self.sessions.len()]
            .lock()
            .map_err(|_| fail("a previous batch panicked while holding this session".into()))?;
        let ids = TensorRef::from_array_view(batch.input_ids.view()).map_err(|e| fail(e.to_string()))?;
        let mask = TensorRef::from_array_view(batch.attention_mask.view()).map_err(|e| fail(e.to_string()))?;
        let outputs = if self.wants_token_types {
            let types = TensorRef::from_array_view(batch.token_type_ids.view()).map_err(|e| fail(e.to_string()))?;
            session.run(ort::inputs!["input_ids" => ids, "attention_mask" => mask, "token_type_ids" => types])
        } else {
            session.run(ort::inputs!["input_ids" => ids, "attention_mask" => mask])
        }
        .map_err(|e| fail(e.to_string()))?;
        let hidden = outputs[0].try_extract_array::<f32>().map_err(|e| fail(e.to_string()))?;
        match hidden.ndim() {
            3 => {
                let hidden = hidden.into_dimensionality::<Ix3>().map_err(|e| fail(e.to_string()))?;
                Ok(mean_pool_normalize(hidden, &batch.attention_mask))
            }
            // Already pooled: just normalise.
            2 => {
                let mut pooled =
                    hidden.into_dimensionality::<ndarray::Ix2>().map_err(|e| fail(e.to_string()))?.to_owned();
                for mut row in pooled.rows_mut() {
                    let norm = row.dot(&row).sqrt();
                    if norm > 0.0 {
                        row /= norm;
                    }
                }
                Ok(pooled)
            }
            n => Err(fail(format!("first output has {n} dimensions; expected token states [batch, seq, dim]"))),
        }
    }
}

impl Backend for OnnxBackend {
    fn name(&self) -> &str {
        &self.name
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed_batch(&self, batch: &TokenBatch) -> Result<Array2<f32>> {
        self.run(batch, super::worker_slot(&self.sessions))
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::encode::{load_tokenizer, EncoderConfig, TextEncoder};
    use crate::models::{self, OnnxModel};

    fn encoder(model: OnnxModel, threads: usize) -> TextEncoder {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models");
        let dir = root.join(model.dir_name());
        let fail = |e: Error| -> ! { panic!("{e} (run models/fetch)") };
        let tokenizer = load_tokenizer(&dir.join("tokenizer.json")).unwrap_or_else(|e| fail(e));
        let backend = OnnxBackend::load(
            &dir.join("model.onnx"),
            &models::onnxruntime_library(&root),
            threads,
            model.encoder_name(),
        )
        .unwrap_or_else(|e| fail(e));
        TextEncoder::new(tokenizer, Box::new(backend), EncoderConfig::default()).unwrap_or_else(|e| fail(e))
    }

    const SENTENCES: [&str; 8] = [
        "The government announced new sanctions on Tuesday.",
        "Farmers say the drought has cost them half of this year's harvest.",
        "NATO moved additional troops to its eastern flank after the talks collapsed.",
        "Critics called the ruling an attack on press freedom.",
        "Prices at the pump rose for the fifth week in a row.",
        "The minister denied that the contract had been awarded without a tender.",
        "Scientists warn that the glacier could vanish within two decades.",
        "Ok.",
    ];

    /// The qint8 model that `models/fetch` builds stays close to the int8-weight one.
    #[test]
    fn qint8_model_agrees_with_the_int8_weight_model() {
        let a = encoder(OnnxModel::Int8, 1).embed_sequential(&SENTENCES).unwrap();
        let b = encoder(OnnxModel::Qint8, 2).embed(&SENTENCES).unwrap();
        assert_eq!(b.vectors.ncols(), 384);
        let cos: Vec<f32> = a.vectors.rows().into_iter().zip(b.vectors.rows()).map(|(x, y)| x.dot(&y)).collect();
        let min = cos.iter().copied().fold(1.0f32, f32::min);
        let mean = cos.iter().sum::<f32>() / cos.len() as f32;
        assert!(min > 0.95 && mean > 0.98, "cosines {cos:?}");
        // Different sentences stay apart.
        assert!(a.vectors.row(0).dot(&b.vectors.row(6)) < 0.6);
    }

    #[test]
    fn sessions_follow_the_thread_count() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models");
        let dir = root.join(OnnxModel::Qint8.dir_name());
        let backend =
            OnnxBackend::load(&dir.join("model.onnx"), &models::onnxruntime_library(&root), 3, "qint8").unwrap();
        assert_eq!(backend.sessions.len(), 3);
        assert_eq!(backend.dim(), 384);
    }
}
