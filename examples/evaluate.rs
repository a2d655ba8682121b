//! Score framelens on a labelled corpus with the shared tasks' metrics.
//!
//! ```text
//! cargo run --release --example evaluate -- --semeval2025 tests/data/semeval2025/EN
//! cargo run --release --example evaluate -- --semeval2025 tests/data/semeval2025/RU --semeval2025 tests/data/semeval2025/BG --head heads.json
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
use framelens::{metrics, train, Taxonomy};

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
    let scores = train::evaluate(&classifier, &corpus, args.corpus.spec().layout(&taxonomy))?;
    if let Some(path) = &args.predictions {
        scores.write_predictions(path)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&scores)?);
        return Ok(());
    }
    println!(
        "corpus: {}   taxonomy: {}   scorer: {}   documents: {}",
        scores.corpus, scores.taxonomy, scores.scorer, scores.documents
    );
    if scores.encoders.len() > 1 {
        let list: Vec<String> = scores.encoders.iter().map(|(e, n)| format!("{e} {n}")).collect();
        println!("documents per encoder: {}", list.join(", "));
    }
    println!("best-scored category right: {:.3} of documents with a label", scores.top1_accuracy);
    println!("a gold one among the best 3: {:.3}", scores.top3_accuracy);
    if let (Some(c), Some(f)) = (scores.f1_samples_coarse, scores.f1_samples_fine) {
        println!("F1 samples, narratives (coarse):     {c:.3}");
        println!("F1 samples, sub-narratives (fine):   {f:.3}");
    }
    if !scores.by_language.is_empty() {
        println!("\nper declared language:");
        for (language, s) in &scores.by_language {
            let figures = match (s.f1_samples_coarse, s.f1_samples_fine, s.micro_f1) {
                (Some(c), Some(f), _) => format!("F1 samples coarse {c:.3}, fine {f:.3}"),
                (_, _, Some(m)) => format!("micro-F1 {m:.3}"),
                _ => String::new(),
            };
            let encoders: Vec<String> = s.encoders.iter().map(|(e, n)| format!("{e} {n}")).collect();
            println!("  {language}: {} documents, {figures} ({})", s.documents, encoders.join(", "));
        }
        if scores.f1_samples_fine.is_none() {
            println!();
        }
    }
    if scores.f1_samples_fine.is_some() {
        println!("\nsub-narratives, per label:");
    }
    print!("{}", metrics::format_table(&scores.report));
    Ok(())
}
