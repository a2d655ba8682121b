//! Model loading: a whole classifier (runtime, model, tokenizer, taxonomy
//! embedded and calibrated), and the encoder alone (runtime + model +
//! tokenizer), on 1 and 2 threads (one ONNX session per thread).

#[path = "common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use framelens::encode::{load_tokenizer, onnx::OnnxBackend, TextEncoder};
use framelens::models;

fn load(c: &mut Criterion) {
    let dir = common::root().join("models");
    let library = models::onnxruntime_library(&dir);
    for model in common::models() {
        let mut g = c.benchmark_group(format!("load/{}", common::name(model)));
        for threads in [1, 2] {
            g.bench_with_input(BenchmarkId::new("classifier", threads), &threads, |b, &t| {
                b.iter(|| common::classifier(model, t, None))
            });
            let sub = dir.join(model.dir_name());
            g.bench_with_input(BenchmarkId::new("encoder", threads), &threads, |b, &t| {
                b.iter(|| {
                    let tokenizer = load_tokenizer(&sub.join("tokenizer.json")).unwrap_or_else(|e| panic!("{e}"));
                    let backend = OnnxBackend::load(&sub.join("model.onnx"), &library, t, model.encoder_name())
                        .unwrap_or_else(|e| panic!("{e}"));
                    TextEncoder::new(tokenizer, Box::new(backend), Default::default()).unwrap_or_else(|e| panic!("{e}"))
                })
            });
        }
        g.finish();
    }
}

criterion_group! { name = benches; config = common::quick(); targets = load }
criterion_main!(benches);
