//! Tuned encoders on the default backend: their tensors replace the rowq8
//! graph's initialisers, and a directory that does not fit is refused.
//!
//! These tests build tuned directories by hand from the base weights (no
//! libtorch needed); `tests/rust_bert.rs` tunes for real.

mod common;

use std::path::{Path, PathBuf};

use framelens::models::OnnxModel;
use framelens::tuned::{self, TunedEncoder, TunedManifest};
use framelens::{Classifier, Error, Taxonomy};

const SENTENCES: [&str; 4] = [
    "The government announced new sanctions on Tuesday.",
    "Farmers say the drought has cost them half of this year's harvest.",
    "Critics called the ruling an attack on press freedom.",
    "Ok.",
];

fn models() -> PathBuf {
    common::root().join("models")
}

/// The base model's tensors (word pieces left out, as a tuned directory
/// stores them), with `edit` applied, written as a tuned directory for `taxonomy`.
fn tuned_dir(taxonomy: &Taxonomy, edit: impl Fn(&str, &mut [f32])) -> tempfile::TempDir {
    let base = models().join("all-minilm-l6-v2/model.safetensors");
    let bytes = std::fs::read(&base).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (name, view) in file.tensors() {
        // Buffers (`position_ids`) and the pooler (unused) are not tuned.
        if name == tuned::FROZEN_WORD_PIECES || view.dtype() != safetensors::Dtype::F32 || name.starts_with("pooler.") {
            continue;
        }
        let mut values: Vec<f32> =
            view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        edit(&name, &mut values);
        let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        tensors.push((name, view.shape().to_vec(), raw));
    }
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .map(|(n, s, d)| {
            (n.clone(), safetensors::tensor::TensorView::new(safetensors::Dtype::F32, s.clone(), d).unwrap())
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let weights = dir.path().join(tuned::WEIGHTS_FILE);
    safetensors::serialize_to_file(views, &None, &weights).unwrap();
    let manifest = TunedManifest {
        format: tuned::TUNED_FORMAT.into(),
        version: tuned::TUNED_VERSION,
        base_encoder: "all-MiniLM-L6-v2".into(),
        base_sha256: tuned::sha256_file(&base).unwrap(),
        weights_sha256: tuned::sha256_file(&weights).unwrap(),
        taxonomy: taxonomy.name.clone(),
        taxonomy_sha256: tuned::taxonomy_fingerprint(taxonomy),
        training_data_sha256: "test".into(),
        documents: 0,
        settings: serde_json::json!({}),
        loss: vec![],
        seconds: 0.0,
    };
    std::fs::write(dir.path().join(tuned::MANIFEST_FILE), serde_json::to_string(&manifest).unwrap()).unwrap();
    dir
}

fn classifier(taxonomy: &Taxonomy, tuned: Option<&Path>) -> framelens::Result<Classifier> {
    let mut b = Classifier::builder().taxonomy(taxonomy.clone()).models_dir(models()).threads(1).vector_cache(false);
    if let Some(dir) = tuned {
        b = b.tuned_encoder(TunedEncoder::open(dir)?);
    }
    b.build()
}

fn max_difference(a: &ndarray::Array2<f32>, b: &ndarray::Array2<f32>) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn base_weights_as_a_tuned_encoder_give_the_base_vectors() {
    let taxonomy = Taxonomy::builtin("media-frames").unwrap();
    let dir = tuned_dir(&taxonomy, |_, _| {});
    let base = classifier(&taxonomy, None).unwrap().embed(&SENTENCES).unwrap().vectors;
    let tuned = classifier(&taxonomy, Some(dir.path())).unwrap();
    assert!(tuned.encoder_name().starts_with("onnx:all-MiniLM-L6-v2-rowq8+tuned:"), "{}", tuned.encoder_name());
    // Quantised exactly as models/make_rowq8.py quantises the base weights:
    // the same graph, bit for bit.
    let same = tuned.embed(&SENTENCES).unwrap().vectors;
    assert_eq!(max_difference(&base, &same), 0.0);
}

#[test]
fn tuned_tensors_reach_the_graph() {
    let taxonomy = Taxonomy::builtin("media-frames").unwrap();
    // Change one matrix of each kind (query of layer 0, feed-forward out of
    // layer 5) and one bias: each must change the vectors.
    for (target, factor) in [
        ("encoder.layer.0.attention.self.query.weight", 3.0),
        ("encoder.layer.5.output.dense.weight", 0.5),
        ("encoder.layer.2.attention.output.LayerNorm.bias", 4.0),
    ] {
        let dir = tuned_dir(&taxonomy, |name, values| {
            if name == target {
                values.iter_mut().for_each(|v| *v *= factor);
            }
        });
        let base = classifier(&taxonomy, None).unwrap().embed(&SENTENCES).unwrap().vectors;
        let changed = classifier(&taxonomy, Some(dir.path())).unwrap().embed(&SENTENCES).unwrap().vectors;
        let d = max_difference(&base, &changed);
        assert!(d > 1e-3, "{target} ×{factor} changed the vectors by only {d}");
    }
}

#[test]
fn a_tuned_encoder_that_does_not_fit_is_refused() {
    let frames = Taxonomy::builtin("media-frames").unwrap();
    let dir = tuned_dir(&frames, |_, _| {});

    // Another taxonomy.
    let narratives = Taxonomy::builtin("semeval2025-narratives").unwrap();
    let err = classifier(&narratives, Some(dir.path())).unwrap_err();
    assert!(matches!(err, Error::EncoderMismatch { .. }), "{err}");
    assert!(err.to_string().contains("media-frames"), "{err}");

    // A model it does not run on.
    let err = Classifier::builder()
        .taxonomy(frames.clone())
        .models_dir(models())
        .model(OnnxModel::Int8)
        .tuned_encoder(TunedEncoder::open(dir.path()).unwrap())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("rowq8"), "{err}");

    // Weights changed after tuning.
    let weights = dir.path().join(tuned::WEIGHTS_FILE);
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&weights, &bytes).unwrap();
    let err = TunedEncoder::open(dir.path()).unwrap_err();
    assert!(matches!(err, Error::ModelCorrupt { .. }) && err.to_string().contains("weights_sha256"), "{err}");

    // A manifest with a field missing names the file.
    let manifest = dir.path().join(tuned::MANIFEST_FILE);
    let text = std::fs::read_to_string(&manifest).unwrap().replace("\"taxonomy\"", "\"taxonomie\"");
    std::fs::write(&manifest, text).unwrap();
    let err = TunedEncoder::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains("manifest.json") && err.to_string().contains("taxonomie"), "{err}");

    // No directory at all.
    let err = TunedEncoder::open(dir.path().join("nothing")).unwrap_err();
    assert!(matches!(err, Error::ModelMissing { .. }), "{err}");
}
