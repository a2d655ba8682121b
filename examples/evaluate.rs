//! Score framelens on a labelled corpus with the shared tasks' metrics.
//!
//! ```text
//! cargo run --release --example evaluate -- --semeval2025 tests/data/semeval2025/EN
//! cargo run --release --example evaluate -- --semeval2023 tests/data/semeval2023/en --head head.json --fold 0/2
//! cargo run --release --example evaluate -- --flicc tests/data/flicc/fallacy_test.csv
//! cargo run --release --example evaluate -- --semeval2023 tests/data/semeval2023-subtask3/en --taxonomy persuasion-techniques
//! ```

#[path = "common/mod.rs"]
mod common;
#[path = "common/corpus_args.rs"]
mod corpus_args;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use framelens::{data, metrics, Taxonomy};
use serde::Serialize;

#[derive(Parser, Debug)]
#[command(about = "Evaluate framelens on a labelled corpus (SemEval-2025 F1 samples; SemEval-2023 micro/macro F1)")]
struct Args {
    #[command(flatten)]
    corpus: corpus_args::CorpusOptions,
    #[command(flatten)]
    classifier: common::ClassifierOptions,
    /// Write the predictions in the task's annotation layout.
    #[arg(long, value_name = "FILE")]
    predictions: Option<PathBuf>,
    /// Print the scores as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// What `--json` prints.
#[derive(Debug, Serialize)]
struct Scores {
    corpus: String,
    taxonomy: String,
    scorer: String,
    documents: usize,
    /// SemEval-2025: F1 samples over narratives and sub-narratives.
    #[serde(skip_serializing_if = "Option::is_none")]
    f1_samples_coarse: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    f1_samples_fine: Option<f64>,
    /// Share of documents with gold labels whose best-scored category (a
    /// narrative, for two-level taxonomies) is one of them: how well the
    /// categories are ranked, whatever the thresholds.
    top1_accuracy: f64,
    /// Flat taxonomies (and SemEval-2025 fine labels): micro/macro F1.
    report: metrics::MultiLabelReport,
}

fn main() -> ExitCode {
    common::exit_code(run(Args::parse()))
}

fn run(mut args: Args) -> Result<(), Box<dyn std::error::Error>> {
    args.corpus.adjust_taxonomy(&mut args.classifier);
    let taxonomy = Taxonomy::from_name_or_path(&args.classifier.taxonomy)?;
    let corpus = args.corpus.read(&taxonomy)?;
    if corpus.is_empty() {
        return Err("the corpus (after --fold/--exclude-fold) has no documents".into());
    }
    let classifier = args.classifier.build()?;
    let texts: Vec<&str> = corpus.documents.iter().map(|d| d.text.as_str()).collect();
    let mut fine = Vec::with_capacity(texts.len());
    let mut coarse = Vec::with_capacity(texts.len());
    let mut scorer = String::new();
    let (mut top1_hits, mut top1_docs) = (0usize, 0usize);
    for (doc, result) in corpus.documents.iter().zip(classifier.classify_batch(&texts)) {
        let a = result.map_err(|e| format!("document {}: {e}", doc.id))?;
        scorer.clone_from(&a.scorer);
        let gold = if taxonomy.is_hierarchical() { &doc.coarse } else { &doc.labels };
        let gold: Vec<&String> = gold.iter().filter(|l| taxonomy.other_label.as_ref() != Some(*l)).collect();
        if !gold.is_empty() {
            top1_docs += 1;
            let best = a.best_category(&taxonomy);
            top1_hits += usize::from(best.is_some_and(|b| gold.iter().any(|g| *g == b)));
        }
        fine.push((doc.id.clone(), a.labels.iter().map(|l| l.label.clone()).collect::<Vec<_>>()));
        let c = a.coarse.as_ref().map(|c| c.iter().map(|l| l.label.clone()).collect()).unwrap_or_default();
        coarse.push((doc.id.clone(), c));
    }
    let top1_accuracy = if top1_docs == 0 { 0.0 } else { top1_hits as f64 / top1_docs as f64 };
    let two_level = args.corpus.semeval2025.is_some() || taxonomy.is_hierarchical();
    let scores = if two_level {
        let coarse_list = data::coarse_labels(&taxonomy);
        let fine_list = data::fine_labels(&taxonomy);
        Scores {
            corpus: corpus.name.clone(),
            taxonomy: taxonomy.name.clone(),
            scorer,
            documents: corpus.len(),
            f1_samples_coarse: Some(metrics::f1_samples(&corpus.coarse_by_id(), &coarse, &coarse_list)),
            f1_samples_fine: Some(metrics::f1_samples(&corpus.labels_by_id(), &fine, &fine_list)),
            top1_accuracy,
            report: metrics::multilabel_report(&corpus.labels_by_id(), &fine, &fine_list),
        }
    } else {
        Scores {
            corpus: corpus.name.clone(),
            taxonomy: taxonomy.name.clone(),
            scorer,
            documents: corpus.len(),
            f1_samples_coarse: None,
            f1_samples_fine: None,
            top1_accuracy,
            report: metrics::multilabel_report(&corpus.labels_by_id(), &fine, &data::all_labels(&taxonomy)),
        }
    };
    if let Some(path) = &args.predictions {
        if two_level {
            let rows: Vec<_> =
                fine.iter().zip(&coarse).map(|((id, f), (_, c))| (id.clone(), c.clone(), f.clone())).collect();
            data::write_semeval2025_annotations(path, &rows)?;
        } else if args.corpus.paragraphs(&taxonomy) {
            data::write_semeval2023_paragraph_labels(path, &fine)?;
        } else {
            data::write_semeval2023_labels(path, &fine)?;
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&scores)?);
        return Ok(());
    }
    println!(
        "corpus: {}   taxonomy: {}   scorer: {}   documents: {}",
        scores.corpus, scores.taxonomy, scores.scorer, scores.documents
    );
    println!("best-scored category right: {:.3} of documents with a label", scores.top1_accuracy);
    if let (Some(c), Some(f)) = (scores.f1_samples_coarse, scores.f1_samples_fine) {
        println!("F1 samples, narratives (coarse):     {c:.3}");
        println!("F1 samples, sub-narratives (fine):   {f:.3}");
        println!("\nsub-narratives, per label:");
    }
    print!("{}", metrics::format_table(&scores.report));
    Ok(())
}
