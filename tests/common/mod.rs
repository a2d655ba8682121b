//! Shared test helpers: one classifier per taxonomy per test binary.
#![allow(dead_code)]

use std::path::PathBuf;
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
