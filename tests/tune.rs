//! Fine-tuning the encoder (feature `rust-bert`): deterministic, it moves the
//! vectors, and the tuned directory runs on both backends.
//!
//! `eval "$(models/fetch-libtorch)" && cargo test --release --features rust-bert --test tune`.
//! The tests take a lock, so that no other test changes libtorch's thread
//! count while one tunes.
#![cfg(feature = "rust-bert")]

mod common;

use common::root;
use framelens::train::tune::{self, TuneConfig};
use framelens::{BackendKind, Classifier, Segmenter, SegmenterConfig, Taxonomy, TunedEncoder};

/// One tuning at a time (libtorch's thread count is global).
static TORCH: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn classifier(taxonomy: &Taxonomy, backend: BackendKind, tuned: Option<&std::path::Path>) -> Classifier {
    let mut b = Classifier::builder()
        .taxonomy(taxonomy.clone())
        .models_dir(root().join("models"))
        .backend(backend)
        .threads(1)
        .vector_cache(false);
    if let Some(dir) = tuned {
        b = b.tuned_encoder(TunedEncoder::open(dir).unwrap());
    }
    b.build().unwrap()
}

#[test]
fn tuning_is_deterministic_moves_the_vectors_and_runs_on_both_backends() {
    let _lock = TORCH.lock().unwrap_or_else(|e| e.into_inner());
    let taxonomy = Taxonomy::from_file(&root().join("examples/taxonomies/flicc-fallacies.toml")).unwrap();
    let flicc = framelens::data::read_flicc(&root().join("tests/data/flicc/fallacy_val.csv"), &taxonomy).unwrap();
    // 24 paragraphs, 3 steps: seconds, not minutes.
    let docs = &flicc.corpus.documents[..24];
    let segmenter = Segmenter::new(SegmenterConfig::default());
    let units = tune::documents(&taxonomy, &segmenter, docs).unwrap();
    let config = TuneConfig {
        epochs: 1,
        documents_per_step: 8,
        max_sentences: 4,
        learning_rate: 1e-4,
        threads: 2,
        ..TuneConfig::default()
    };
    let hash = tune::data_fingerprint(docs);
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let models = root().join("models");
    let mut steps = 0;
    let tuned_a = tune::tune(&models, &taxonomy, &units, &hash, &config, a.path(), &mut |p| steps = p.steps).unwrap();
    let tuned_b = tune::tune(&models, &taxonomy, &units, &hash, &config, b.path(), &mut |_| {}).unwrap();
    assert_eq!(steps, 3);
    // Same seed, same data, same threads: the same weights, bit for bit.
    assert_eq!(tuned_a.manifest().weights_sha256, tuned_b.manifest().weights_sha256);
    let m = tuned_a.manifest();
    assert_eq!(
        (m.documents, m.taxonomy.as_str(), m.training_data_sha256.as_str()),
        (24, "flicc-fallacies", hash.as_str())
    );
    assert_eq!(m.loss.len(), 2);
    assert!(m.loss.iter().all(|l| l.is_finite() && *l > 0.0), "{:?}", m.loss);

    // Another seed, other weights.
    let c = tempfile::tempdir().unwrap();
    let other = TuneConfig { seed: 7, ..config.clone() };
    let tuned_c = tune::tune(&models, &taxonomy, &units, &hash, &other, c.path(), &mut |_| {}).unwrap();
    assert_ne!(tuned_a.manifest().weights_sha256, tuned_c.manifest().weights_sha256);

    // The tuned vectors differ from the base ones, and the default backend
    // (rowq8 with the tuned tensors) agrees with libtorch (fp32) on them.
    let texts: Vec<&str> = flicc.corpus.documents[100..108].iter().map(|d| d.text.as_str()).collect();
    let base = classifier(&taxonomy, BackendKind::Onnx, None).embed(&texts).unwrap().vectors;
    let onnx = classifier(&taxonomy, BackendKind::Onnx, Some(a.path())).embed(&texts).unwrap().vectors;
    let torch = classifier(&taxonomy, BackendKind::RustBert, Some(a.path())).embed(&texts).unwrap().vectors;
    let cos = |x: &ndarray::Array2<f32>, y: &ndarray::Array2<f32>| -> Vec<f32> {
        x.rows().into_iter().zip(y.rows()).map(|(p, q)| p.dot(&q)).collect()
    };
    let moved = cos(&base, &onnx);
    assert!(moved.iter().any(|&c| c < 0.9999), "tuning left the vectors where they were: {moved:?}");
    let agree = cos(&onnx, &torch);
    assert!(agree.iter().all(|&c| c > 0.98), "rowq8 and libtorch disagree on the tuned encoder: {agree:?}");

    // A pass budget of one sentence: every step in two passes (gradient
    // caching). Deterministic too, and the gradient reaches the encoder.
    let sliced = TuneConfig { max_pass_tokens: config.max_tokens, ..config.clone() };
    let d = tempfile::tempdir().unwrap();
    let e = tempfile::tempdir().unwrap();
    let tuned_d = tune::tune(&models, &taxonomy, &units, &hash, &sliced, d.path(), &mut |_| {}).unwrap();
    let tuned_e = tune::tune(&models, &taxonomy, &units, &hash, &sliced, e.path(), &mut |_| {}).unwrap();
    assert_eq!(tuned_d.manifest().weights_sha256, tuned_e.manifest().weights_sha256);
    assert!(tuned_d.manifest().loss.iter().all(|l| l.is_finite() && *l > 0.0));
    let two_pass = classifier(&taxonomy, BackendKind::Onnx, Some(d.path())).embed(&texts).unwrap().vectors;
    let moved = cos(&base, &two_pass);
    assert!(moved.iter().any(|&c| c < 0.9999), "two-pass tuning left the vectors where they were: {moved:?}");
    let bad = TuneConfig { max_pass_tokens: config.max_tokens - 1, ..config.clone() };
    assert!(tune::tune(&models, &taxonomy, &units, &hash, &bad, d.path(), &mut |_| {}).is_err());
}

/// A deliberately harmful tuning (a step size a hundred times the default)
/// makes the encoder worse on the documents held out of tuning: the guard of
/// `train --tune` sees it there, keeps the frozen encoder, writes nothing,
/// and gives a head on the frozen encoder.
#[test]
fn a_tuned_encoder_worse_on_held_out_documents_is_rejected() {
    let _lock = TORCH.lock().unwrap_or_else(|e| e.into_inner());
    let taxonomy = Taxonomy::from_file(&root().join("examples/taxonomies/flicc-fallacies.toml")).unwrap();
    let flicc = framelens::data::read_flicc(&root().join("tests/data/flicc/fallacy_val.csv"), &taxonomy).unwrap();
    let docs = &flicc.corpus.documents[..160];
    let frozen = classifier(&taxonomy, BackendKind::Onnx, None);
    let harmful = TuneConfig {
        epochs: 2,
        learning_rate: 1e-2,
        documents_per_step: 8,
        max_sentences: 4,
        threads: 2,
        ..TuneConfig::default()
    };
    let head_config = framelens::head::TrainConfig { epochs: 150, ..Default::default() };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tuned");
    let guarded = tune::tune_guarded(
        &root().join("models"),
        &taxonomy,
        docs,
        &frozen,
        &mut |encoder| {
            Classifier::builder()
                .taxonomy(taxonomy.clone())
                .models_dir(root().join("models"))
                .threads(1)
                .vector_cache(false)
                .tuned_encoder(encoder)
                .build()
        },
        &harmful,
        &head_config,
        &tune::GuardConfig::default(),
        &out,
        &mut |_| {},
    )
    .unwrap();
    let held = guarded.held_out.iter().filter(|&&h| h).count();
    assert_eq!(held, 32, "a fifth held out");
    assert_eq!((guarded.frozen.documents, guarded.tuned.documents), (32, 32));
    let (f, t) = (guarded.frozen.score(&taxonomy), guarded.tuned.score(&taxonomy));
    println!("held out: frozen {} {f:.3}, harmfully tuned {t:.3}", guarded.metric);
    assert_eq!(guarded.metric, "accuracy");
    assert!(t <= f, "the harmful tuning should not win: frozen {f}, tuned {t}");
    assert!(guarded.encoder.is_none(), "the frozen encoder is kept");
    assert!(!out.exists() && !dir.path().join("tuned.tuning").exists(), "nothing written");
    assert_eq!(guarded.head.encoder, frozen.encoder_name());
    assert_eq!(guarded.head.documents, 160);
}
