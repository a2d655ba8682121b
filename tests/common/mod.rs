//! Shared test helpers: one classifier per taxonomy per test binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use framelens::{Classifier, Taxonomy};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn read(rel: &str) -> String {
    let p = root().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn build(name: &str) -> Classifier {
    Classifier::builder()
        .taxonomy(Taxonomy::builtin(name).expect("built-in taxonomy"))
        .models_dir(root().join("models"))
        .build()
        .unwrap_or_else(|e| panic!("building the {name} classifier failed (run models/fetch first): {e}"))
}

/// A classifier for taxonomy `name` on an optional ONNX model, on two
/// threads; `fetch` is the script that makes the model (named when it is
/// missing).
pub fn on_model(model: framelens::OnnxModel, name: &str, fetch: &str) -> Classifier {
    let dir = root().join("models").join(model.dir_name());
    assert!(dir.join("model.onnx").is_file(), "{} is missing: run {fetch}", dir.display());
    Classifier::builder()
        .taxonomy(Taxonomy::builtin(name).expect("built-in taxonomy"))
        .models_dir(root().join("models"))
        .model(model)
        .threads(2)
        .build()
        .unwrap_or_else(|e| panic!("building the {name} classifier on {model:?} failed: {e}"))
}

pub fn frames() -> &'static Classifier {
    static C: OnceLock<Classifier> = OnceLock::new();
    C.get_or_init(|| build("media-frames"))
}

pub fn narratives() -> &'static Classifier {
    static C: OnceLock<Classifier> = OnceLock::new();
    C.get_or_init(|| build("semeval2025-narratives"))
}

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

/// Path of an example binary, built first so that a test run with a filter
/// (`cargo test --test NAME`, which does not build examples) never runs a
/// stale one. Same profile and features as this test.
pub fn example(name: &str) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps");
    let path = profile_dir.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if !built.iter().any(|b| b == name) {
        let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev".to_string(),
            Some(other) => other.to_string(),
        };
        let features: Vec<&str> = [("onnx", cfg!(feature = "onnx")), ("rust-bert", cfg!(feature = "rust-bert"))]
            .iter()
            .filter(|f| f.1)
            .map(|f| f.0)
            .collect();
        let status = Command::new(env!("CARGO"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["build", "--quiet", "--example", name, "--profile", &profile, "--no-default-features"])
            .args(if features.is_empty() { vec![] } else { vec!["--features".to_string(), features.join(",")] })
            .status()
            .expect("run cargo build");
        assert!(status.success(), "`cargo build --example {name}` failed");
        built.push(name.to_string());
    }
    assert!(path.exists(), "{} is missing after building it", path.display());
    path
}

/// fp32 reference vectors made by tests/data/parity/make_reference.py.
#[derive(serde::Deserialize)]
pub struct ParityReference {
    pub dim: usize,
    pub sentences: Vec<String>,
    pub embeddings: Vec<Vec<f32>>,
}

pub fn parity_reference() -> ParityReference {
    serde_json::from_str(&read("tests/data/parity/reference.json")).expect("tests/data/parity/reference.json")
}

/// Accuracy and macro-F1 on FLICC `test` of the FLICC fallacies taxonomy
/// (single-label), zero-shot and with a head trained on `train` with the
/// default settings, for a classifier that `configure` sets up (model,
/// tuned encoder). With one gold and one predicted label per row, micro-F1
/// is accuracy.
pub struct FallacyScores {
    pub zero_shot: (f64, f64),
    pub head: (f64, f64),
}

pub fn fallacy_head_on_flicc(
    configure: impl Fn(framelens::ClassifierBuilder) -> framelens::ClassifierBuilder,
) -> FallacyScores {
    use framelens::head::TrainConfig;
    use framelens::{data, metrics};
    let taxonomy = Taxonomy::from_file(&root().join("examples/taxonomies/flicc-fallacies.toml")).unwrap();
    let build = |head: Option<framelens::Head>| {
        let b = configure(Classifier::builder().taxonomy(taxonomy.clone()).models_dir(root().join("models")));
        match head {
            Some(h) => b.head(h),
            None => b,
        }
        .build()
        .unwrap()
    };
    let split =
        |s: &str| data::read_flicc(&root().join(format!("tests/data/flicc/fallacy_{s}.csv")), &taxonomy).unwrap();
    let zero_shot = build(None);
    let train = split("train");
    let docs = framelens::train::training_documents(&zero_shot, &train.corpus.documents).unwrap();
    let config = TrainConfig { pooling: zero_shot.decision().pooling, ..TrainConfig::default() };
    let extra = framelens::train::taxonomy_units(&zero_shot, config.exemplar_weight);
    let head =
        framelens::train::train(&taxonomy, zero_shot.encoder_name(), &docs, &extra, &config, &mut |_, _| {}).unwrap();
    let trained = build(Some(head));
    let test = split("test");
    let texts: Vec<&str> = test.corpus.documents.iter().map(|d| d.text.as_str()).collect();
    let labels = data::all_labels(&taxonomy);
    let score = |c: &Classifier| {
        let predicted: Vec<(String, Vec<String>)> = test
            .corpus
            .documents
            .iter()
            .zip(c.classify_batch(&texts))
            .map(|(d, a)| (d.id.clone(), a.unwrap().labels.iter().map(|l| l.label.clone()).collect()))
            .collect();
        assert!(predicted.iter().all(|(_, p)| p.len() == 1), "single-label decisions");
        let r = metrics::multilabel_report(&test.corpus.labels_by_id(), &predicted, &labels);
        (r.micro_f1, r.macro_f1)
    };
    FallacyScores { zero_shot: score(&zero_shot), head: score(&trained) }
}
