//! End to end (split, tokenise, encode, score 14 media frames, aggregate),
//! documents/s on the committed corpus: `classify_batch` on 2 threads against
//! `classify_batch_sequential` on 1, for each ONNX model. Then the shape of
//! the input: the same sentences as many one-sentence texts or as a few long
//! documents (sentences/s).

#[path = "common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// The short documents of the corpus (the long transcript is left out to keep
/// an iteration near a second): 40 documents, about 650 sentences.
fn documents() -> Vec<String> {
    common::corpus().into_iter().filter(|d| d.len() < 12_000).take(40).collect()
}

fn end_to_end(c: &mut Criterion) {
    let docs = documents();
    let texts: Vec<&str> = docs.iter().map(String::as_str).collect();
    for model in common::models() {
        let parallel = common::classifier(model, 2, None);
        let sentences: usize =
            parallel.classify_batch(&texts).into_iter().map(|r| r.map_or(0, |a| a.sentences.len())).sum();
        eprintln!("end_to_end: {} documents, {sentences} sentences", texts.len());
        let mut g = c.benchmark_group(format!("end_to_end/{}", common::name(model)));
        g.throughput(Throughput::Elements(texts.len() as u64));
        g.bench_function("classify_batch_2t", |b| b.iter(|| parallel.classify_batch(&texts).len()));
        drop(parallel);
        let single = common::classifier(model, 1, None);
        g.bench_function("classify_batch_sequential_1t", |b| b.iter(|| single.classify_batch_sequential(&texts).len()));
        g.finish();
    }
}

/// The same 320 sentences as 320 one-sentence texts, as 8 documents of 40,
/// and as one document (qint8 if built, else int8; 2 threads).
fn input_shape(c: &mut Criterion) {
    let model = *common::models().last().unwrap_or(&framelens::models::OnnxModel::Int8);
    let classifier = common::classifier(model, 2, None);
    let sentences = common::take(&common::sentences(), 320);
    let mut g = c.benchmark_group(format!("input_shape/{}", common::name(model)));
    g.throughput(Throughput::Elements(sentences.len() as u64));
    for per_doc in [1, 40, 320] {
        let docs: Vec<String> = sentences.chunks(per_doc).map(|s| s.join("\n")).collect();
        let texts: Vec<&str> = docs.iter().map(String::as_str).collect();
        g.bench_with_input(BenchmarkId::new("sentences_per_text", per_doc), &texts, |b, t| {
            b.iter(|| classifier.classify_batch(t).len())
        });
    }
    g.finish();
}

criterion_group! { name = benches; config = common::quick(); targets = end_to_end, input_shape }
criterion_main!(benches);
