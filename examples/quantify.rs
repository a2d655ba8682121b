//! How well prevalence estimates and adapted decisions do on FLICC's labelled
//! paragraphs, by the artificial prevalence protocol: many samples of a
//! split drawn with class shares spread uniformly over the simplex; per
//! sample, each estimator's mean absolute error against the sample's true
//! shares, and F1 of the run's decisions with and without `--adapt`.
//!
//! ```text
//! cargo run --release --example quantify -- --taxonomy examples/taxonomies/flicc-fallacies.toml
//! cargo run --release --example quantify -- --taxonomy semeval2025-narratives --samples 200
//! ```

use std::collections::BTreeSet;
use std::process::ExitCode;

use clap::Parser;
use framelens::corpus::{Method, Prevalence};
use framelens::{data, metrics, DocumentAnalysis};

#[path = "common/mod.rs"]
mod common;

#[derive(Parser, Debug)]
#[command(about = "Prevalence estimates and adapted decisions on FLICC by the artificial prevalence protocol")]
struct Args {
    #[command(flatten)]
    classifier: common::ClassifierOptions,
    /// FLICC split: test, val or train.
    #[arg(long, default_value = "test")]
    split: String,
    /// Samples drawn.
    #[arg(long, default_value_t = 100)]
    samples: usize,
    /// Documents per sample.
    #[arg(long, default_value_t = 100)]
    size: usize,
    /// Seed of the draws.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print the figures as JSON.
    #[arg(long)]
    json: bool,
    /// Also write each document's gold labels and analysis here (JSONL),
    /// for checks with other tools.
    #[arg(long, value_name = "FILE")]
    dump: Option<std::path::PathBuf>,
}

fn main() -> ExitCode {
    common::exit_code(run(Args::parse()))
}

/// A small deterministic generator (the draws must repeat across runs).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        ((self.next() * n as f64) as usize).min(n.saturating_sub(1))
    }
}

/// The figures of one run of the protocol.
#[derive(Debug, serde::Serialize)]
struct Figures {
    taxonomy: String,
    split: String,
    samples: usize,
    size: usize,
    classes: usize,
    mae_count: f64,
    mae_anchored: f64,
    mae_gate: f64,
    /// With a head: the mean of its probabilities (probabilistic
    /// classify-and-count), beside the default's prior adjustment.
    mae_mean_probability: Option<f64>,
    /// Two-level taxonomies: error of the share that carries any narrative.
    any_error_count: Option<f64>,
    any_error_gate: Option<f64>,
    f1: f64,
    /// Two-level taxonomies only (`--adapt` refuses flat ones).
    f1_adapted: Option<f64>,
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let classifier = args.classifier.build()?;
    let t = classifier.taxonomy().clone();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/flicc/fallacy_{}.csv", args.split));
    let flicc = data::read_flicc(&path, &t)?;
    let docs = &flicc.corpus.documents;
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let analyses: Vec<DocumentAnalysis> = classifier.classify_batch(&texts).into_iter().collect::<Result<_, _>>()?;
    if let Some(path) = &args.dump {
        let mut text = String::new();
        for (d, a) in docs.iter().zip(&analyses) {
            let line = serde_json::json!({"id": d.id, "gold": gold(&t, d), "analysis": a});
            text.push_str(&format!("{line}\n"));
        }
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let figures = protocol(&t, docs, &analyses, &args)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&figures)?);
    } else {
        println!(
            "{} on FLICC {} ({} classes), {} samples of {}:\n  prevalence MAE: count {:.3}, anchored {:.3}, gate (default) {:.3}\n  F1: decisions {:.3}{}",
            figures.taxonomy,
            figures.split,
            figures.classes,
            figures.samples,
            figures.size,
            figures.mae_count,
            figures.mae_anchored,
            figures.mae_gate,
            figures.f1,
            figures.f1_adapted.map_or_else(|| " (--adapt: two-level taxonomies only)".to_string(), |f| format!(", --adapt {f:.3}"))
        );
        if let Some(m) = figures.mae_mean_probability {
            println!("  head: mean of its probabilities (PCC) {m:.3}; the default above normalises them per document when each carries one category");
        }
        if let (Some(c), Some(g)) = (figures.any_error_count, figures.any_error_gate) {
            println!("  share carrying any narrative, mean absolute error: count {c:.3}, gate {g:.3}");
        }
    }
    Ok(())
}

/// The gold labels a document's prevalence is judged on: fallacies for a
/// flat taxonomy, narratives (or `Other`) for a two-level one.
fn gold(t: &framelens::Taxonomy, d: &data::LabelledDocument) -> Vec<String> {
    if !t.is_hierarchical() {
        return d.labels.clone();
    }
    if d.coarse.is_empty() {
        t.other_label.iter().cloned().collect()
    } else {
        d.coarse.clone()
    }
}

fn predicted(t: &framelens::Taxonomy, a: &DocumentAnalysis) -> Vec<String> {
    let l = if t.is_hierarchical() { a.coarse.as_deref().unwrap_or_default() } else { &a.labels };
    l.iter().map(|l| l.label.clone()).collect()
}

fn protocol(
    t: &framelens::Taxonomy,
    docs: &[data::LabelledDocument],
    analyses: &[DocumentAnalysis],
    args: &Args,
) -> Result<Figures, Box<dyn std::error::Error>> {
    // Each document's class for the draw: its first gold label.
    let classes: Vec<String> = docs
        .iter()
        .map(|d| gold(t, d).first().cloned().unwrap_or_default())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let members: Vec<Vec<usize>> =
        classes.iter().map(|c| (0..docs.len()).filter(|&i| gold(t, &docs[i]).first() == Some(c)).collect()).collect();
    let label_list: Vec<String> =
        if t.is_hierarchical() { data::coarse_labels(t) } else { t.labels().map(str::to_string).collect() };
    let mut rng = Lcg(args.seed);
    let (mut err_count, mut err_anchored, mut err_gate, mut n_err) = (0.0, 0.0, 0.0, 0usize);
    let (mut any_count, mut any_gate) = (0.0, 0.0);
    let (mut f1, mut f1_adapted) = (0.0, 0.0);
    let head = analyses.iter().any(|a| a.scorer.starts_with("head"));
    let adaptable = t.is_hierarchical();
    let mut err_pcc = 0.0;
    for _ in 0..args.samples {
        // Uniform over the simplex: normalised exponential draws.
        let w: Vec<f64> = (0..classes.len()).map(|_| -rng.next().ln()).collect();
        let total: f64 = w.iter().sum();
        let mut sample: Vec<usize> = Vec::with_capacity(args.size);
        for _ in 0..args.size {
            let mut u = rng.next() * total;
            let mut class = classes.len() - 1;
            for (c, wc) in w.iter().enumerate() {
                if u < *wc {
                    class = c;
                    break;
                }
                u -= wc;
            }
            let m = &members[class];
            sample.push(m[rng.below(m.len())]);
        }
        let batch: Vec<DocumentAnalysis> = sample.iter().map(|&i| analyses[i].clone()).collect();
        let counted = Prevalence::estimate_with(&batch, t, Method::Count)?;
        let anchored = Prevalence::estimate_with(&batch, t, Method::Anchored)?;
        let gated = Prevalence::estimate_with(&batch, t, Method::Gate)?;
        if let Some(other) = &t.other_label {
            let truth =
                sample.iter().filter(|&&i| !gold(t, &docs[i]).contains(other)).count() as f64 / sample.len() as f64;
            let any = |p: &Prevalence| 1.0 - p.prevalence.get(other).map_or(0.0, |e| e.estimate);
            any_count += (any(&counted) - truth).abs();
            any_gate += (any(&gated) - truth).abs();
        }
        // Error over the classes FLICC has (the rest are absent by construction).
        for label in &classes {
            let truth =
                sample.iter().filter(|&&i| gold(t, &docs[i]).contains(label)).count() as f64 / sample.len() as f64;
            let get = |p: &Prevalence| p.prevalence.get(label).map_or(0.0, |e| e.estimate);
            err_count += (get(&counted) - truth).abs();
            err_anchored += (get(&anchored) - truth).abs();
            err_gate += (get(&gated) - truth).abs();
            if head {
                let mean = batch
                    .iter()
                    .map(|a| {
                        a.document_scores
                            .iter()
                            .find(|s| &*s.label == label.as_str())
                            .map_or(0.0, |s| f64::from(s.score))
                    })
                    .sum::<f64>()
                    / batch.len() as f64;
                err_pcc += (mean - truth).abs();
            }
            n_err += 1;
        }
        let gold_sets: Vec<(String, Vec<String>)> =
            sample.iter().enumerate().map(|(j, &i)| (j.to_string(), gold(t, &docs[i]))).collect();
        let before: Vec<(String, Vec<String>)> =
            batch.iter().enumerate().map(|(j, a)| (j.to_string(), predicted(t, a))).collect();
        let adapted_f1 = if adaptable {
            let mut adapted = batch;
            Prevalence::adapt(&mut adapted, t)?;
            let after: Vec<(String, Vec<String>)> =
                adapted.iter().enumerate().map(|(j, a)| (j.to_string(), predicted(t, a))).collect();
            metrics::f1_samples(&gold_sets, &after, &label_list)
        } else {
            0.0
        };
        f1 += metrics::f1_samples(&gold_sets, &before, &label_list);
        f1_adapted += adapted_f1;
    }
    let n = args.samples.max(1) as f64;
    Ok(Figures {
        taxonomy: t.name.clone(),
        split: args.split.clone(),
        samples: args.samples,
        size: args.size,
        classes: classes.len(),
        mae_count: err_count / n_err.max(1) as f64,
        mae_anchored: err_anchored / n_err.max(1) as f64,
        mae_gate: err_gate / n_err.max(1) as f64,
        mae_mean_probability: head.then_some(err_pcc / n_err.max(1) as f64),
        any_error_count: t.other_label.as_ref().map(|_| any_count / n),
        any_error_gate: t.other_label.as_ref().map(|_| any_gate / n),
        f1: f1 / n,
        f1_adapted: adaptable.then_some(f1_adapted / n),
    })
}
