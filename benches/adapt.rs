//! What `--adapt` costs beside the run it re-decides (issue 27: at most 5%
//! of a `batch` run): the narratives taxonomy (two levels, the gate) on the
//! default model, 2 threads, over the 40 short documents of the committed
//! corpus. `classify_batch` is the run; `Prevalence::adapt` re-decides its
//! analyses from their scores (fit and apply, no encoding); `estimate` is
//! `--summary`. Compare the adapt and estimate times with the run's.
//!
//! ```text
//! cargo bench --bench adapt
//! ```

#[path = "common/mod.rs"]
mod common;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use framelens::corpus::Prevalence;
use framelens::models::OnnxModel;
use framelens::{DocumentAnalysis, Taxonomy};

fn adapt(c: &mut Criterion) {
    let docs: Vec<String> = common::corpus().into_iter().filter(|d| d.len() < 12_000).take(40).collect();
    let texts: Vec<&str> = docs.iter().map(String::as_str).collect();
    let taxonomy = Taxonomy::builtin("semeval2025-narratives").unwrap_or_else(|e| panic!("{e}"));
    let classifier = common::classifier_for(taxonomy.clone(), OnnxModel::Rowq8, 2, None);
    let analyses: Vec<DocumentAnalysis> =
        classifier.classify_batch(&texts).into_iter().map(|r| r.unwrap_or_else(|e| panic!("{e}"))).collect();
    let mut g = c.benchmark_group("adapt/semeval2025-narratives/rowq8");
    g.throughput(Throughput::Elements(texts.len() as u64));
    g.bench_function("classify_batch_2t", |b| b.iter(|| classifier.classify_batch(&texts).len()));
    g.bench_function("adapt", |b| {
        b.iter_batched(
            || analyses.clone(),
            |mut a| Prevalence::adapt(&mut a, &taxonomy).unwrap_or_else(|e| panic!("{e}")),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("estimate", |b| {
        b.iter(|| Prevalence::estimate(&analyses, &taxonomy).unwrap_or_else(|e| panic!("{e}")).documents)
    });
    g.finish();
}

criterion_group! { name = benches; config = common::quick(); targets = adapt }
criterion_main!(benches);
