//! Encoder speed, sentences/s, by batch size (1, 8, 16, 32, 64) and threads
//! (1, 2), for each ONNX model; 128 sentences of the corpus per iteration
//! (23 word-pieces on average), through `Classifier::embed` (tokenise, batch,
//! run, pool).

#[path = "common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn encode(c: &mut Criterion) {
    // Every 24th sentence: a spread of lengths from all documents.
    let all = common::sentences();
    let sentences: Vec<&str> = all.iter().step_by(all.len() / 128).take(128).map(String::as_str).collect();
    for model in common::models() {
        let mut g = c.benchmark_group(format!("encode/{}", common::name(model)));
        g.throughput(Throughput::Elements(sentences.len() as u64));
        for threads in [1, 2] {
            for batch in [1, 8, 16, 32, 64] {
                // batch 1 is slow and says little about the fp32-compute model
                if batch == 1 && threads == 2 {
                    continue;
                }
                let classifier = common::classifier(model, threads, Some(batch));
                g.bench_with_input(BenchmarkId::new(format!("{threads}t"), batch), &batch, |b, _| {
                    b.iter(|| classifier.embed(&sentences).map(|e| e.vectors.nrows()))
                });
            }
        }
        g.finish();
    }
}

criterion_group! { name = benches; config = common::quick(); targets = encode }
criterion_main!(benches);
