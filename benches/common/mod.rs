//! What the criterion benches share: the committed corpus and classifiers.
#![allow(dead_code)] // each bench uses a part

use std::path::PathBuf;
use std::time::Duration;

use criterion::Criterion;
use framelens::models::OnnxModel;
use framelens::{Classifier, Taxonomy};

/// The repository root (benches run there under `cargo bench`, but be sure).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The committed news articles of `benches/data/corpus`, sorted by file name.
pub fn corpus() -> Vec<String> {
    let dir = root().join("benches/data/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).collect()
}

/// The sentences of `benches/data/sentences.txt` (the corpus, split), in order.
pub fn sentences() -> Vec<String> {
    let path = root().join("benches/data/sentences.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

/// The models to bench: int8 always, qint8 when `models/fetch` built it.
pub fn models() -> Vec<OnnxModel> {
    let dir = root().join("models").join(OnnxModel::Qint8.dir_name()).join("model.onnx");
    if dir.is_file() {
        vec![OnnxModel::Int8, OnnxModel::Qint8, OnnxModel::Rowq8]
    } else {
        eprintln!("{} is missing (models/fetch builds it): benching int8 only", dir.display());
        vec![OnnxModel::Int8]
    }
}

/// A media-frames classifier on `threads` threads.
pub fn classifier(model: OnnxModel, threads: usize, batch_size: Option<usize>) -> Classifier {
    classifier_for(Taxonomy::builtin("media-frames").unwrap_or_else(|e| panic!("{e}")), model, threads, batch_size)
}

/// A classifier of `taxonomy` on `threads` threads.
pub fn classifier_for(taxonomy: Taxonomy, model: OnnxModel, threads: usize, batch_size: Option<usize>) -> Classifier {
    let mut b =
        Classifier::builder().taxonomy(taxonomy).models_dir(root().join("models")).model(model).threads(threads);
    if let Some(n) = batch_size {
        b = b.batch_size(n);
    }
    b.build().unwrap_or_else(|e| panic!("building the classifier: {e} (run models/fetch first)"))
}

/// Short name of a model for bench ids.
pub fn name(model: OnnxModel) -> &'static str {
    match model {
        OnnxModel::Int8 => "int8",
        OnnxModel::Qint8 => "qint8",
        OnnxModel::Rowq8 => "rowq8",
        OnnxModel::Mpnet => "mpnet",
        OnnxModel::E5 => "e5",
    }
}

/// Settings that keep the whole `cargo bench` run near ten minutes on 2 cores.
pub fn quick() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args()
}

/// First `n` entries (or all).
pub fn take<T: Clone>(v: &[T], n: usize) -> Vec<T> {
    v.iter().take(n).cloned().collect()
}
