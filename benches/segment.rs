//! Sentence splitting speed, MB/s, on the committed corpus and on a 1 MB document.

#[path = "common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use framelens::Segmenter;

fn segment(c: &mut Criterion) {
    let docs = common::corpus();
    let segmenter = Segmenter::default();
    let mut g = c.benchmark_group("segment");
    let bytes: usize = docs.iter().map(String::len).sum();
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("corpus", |b| {
        b.iter(|| docs.iter().map(|d| segmenter.split(std::hint::black_box(d)).len()).sum::<usize>())
    });
    // One long document: the corpus repeated up to 1 MB, split in one call.
    let mut big = String::new();
    while big.len() < 1 << 20 {
        for d in &docs {
            big.push_str(d);
            big.push_str("\n\n");
        }
    }
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("one_1MB_document", |b| b.iter(|| segmenter.split(std::hint::black_box(&big)).len()));
    g.finish();
}

criterion_group! { name = benches; config = common::quick(); targets = segment }
criterion_main!(benches);
