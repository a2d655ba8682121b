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

use std::collections::BTreeMap;
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
    /// The same with a gold one among the three best-scored.
    top3_accuracy: f64,
    /// Flat taxonomies (and SemEval-2025 fine labels): micro/macro F1.
    report: metrics::MultiLabelReport,
    /// Documents per encoder that read them (routing by language).
    encoders: BTreeMap<String, usize>,
    /// The same scores per declared language (SemEval-2025 folder, JSONL
    /// `language`), when the corpus declares more than one.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    by_language: BTreeMap<String, LanguageScores>,
}

/// Scores of the documents of one declared language.
#[derive(Debug, Serialize)]
struct LanguageScores {
    documents: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    f1_samples_coarse: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    f1_samples_fine: Option<f64>,
    /// Flat taxonomies: micro-F1.
    #[serde(skip_serializing_if = "Option::is_none")]
    micro_f1: Option<f64>,
    encoders: BTreeMap<String, usize>,
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
    let mut scorers: Vec<String> = Vec::new();
    let mut encoder_of: Vec<String> = Vec::with_capacity(texts.len());
    let (mut top1_hits, mut top3_hits, mut top1_docs) = (0usize, 0usize, 0usize);
    for (doc, result) in corpus.documents.iter().zip(classifier.classify_batch(&texts)) {
        let a = result.map_err(|e| format!("document {}: {e}", doc.id))?;
        if !scorers.contains(&a.scorer) {
            scorers.push(a.scorer.clone());
        }
        encoder_of.push(a.encoder.clone());
        let gold = if taxonomy.is_hierarchical() { &doc.coarse } else { &doc.labels };
        let gold: Vec<&String> = gold.iter().filter(|l| taxonomy.other_label.as_ref() != Some(*l)).collect();
        if !gold.is_empty() {
            top1_docs += 1;
            let best = a.best_category(&taxonomy);
            top1_hits += usize::from(best.is_some_and(|b| gold.iter().any(|g| *g == b)));
            top3_hits += usize::from(a.best_categories(&taxonomy, 3).iter().any(|b| gold.iter().any(|g| g == b)));
        }
        fine.push((doc.id.clone(), a.labels.iter().map(|l| l.label.clone()).collect::<Vec<_>>()));
        let c = a.coarse.as_ref().map(|c| c.iter().map(|l| l.label.clone()).collect()).unwrap_or_default();
        coarse.push((doc.id.clone(), c));
    }
    let scorer = scorers.join(", ");
    let top1_accuracy = if top1_docs == 0 { 0.0 } else { top1_hits as f64 / top1_docs as f64 };
    let top3_accuracy = if top1_docs == 0 { 0.0 } else { top3_hits as f64 / top1_docs as f64 };
    let two_level = !args.corpus.semeval2025.is_empty() || taxonomy.is_hierarchical();
    let count = |members: &mut dyn Iterator<Item = usize>| {
        let mut by: BTreeMap<String, usize> = BTreeMap::new();
        for i in members {
            *by.entry(encoder_of[i].clone()).or_default() += 1;
        }
        by
    };
    let encoders = count(&mut (0..corpus.len()));
    let mut languages: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, d) in corpus.documents.iter().enumerate() {
        languages.entry(d.language.clone().unwrap_or_else(|| "-".into())).or_default().push(i);
    }
    let mut by_language = BTreeMap::new();
    if languages.len() > 1 {
        let pick = |pairs: &[(String, Vec<String>)], members: &[usize]| -> Vec<(String, Vec<String>)> {
            members.iter().map(|&i| pairs[i].clone()).collect()
        };
        let (gold_fine, gold_coarse) = (corpus.labels_by_id(), corpus.coarse_by_id());
        for (language, members) in languages {
            let (f_gold, f_pred) = (pick(&gold_fine, &members), pick(&fine, &members));
            let scores = if two_level {
                let (c_gold, c_pred) = (pick(&gold_coarse, &members), pick(&coarse, &members));
                LanguageScores {
                    documents: members.len(),
                    f1_samples_coarse: Some(metrics::f1_samples(&c_gold, &c_pred, &data::coarse_labels(&taxonomy))),
                    f1_samples_fine: Some(metrics::f1_samples(&f_gold, &f_pred, &data::fine_labels(&taxonomy))),
                    micro_f1: None,
                    encoders: count(&mut members.iter().copied()),
                }
            } else {
                LanguageScores {
                    documents: members.len(),
                    f1_samples_coarse: None,
                    f1_samples_fine: None,
                    micro_f1: Some(metrics::multilabel_report(&f_gold, &f_pred, &data::all_labels(&taxonomy)).micro_f1),
                    encoders: count(&mut members.iter().copied()),
                }
            };
            by_language.insert(language, scores);
        }
    }
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
            top3_accuracy,
            report: metrics::multilabel_report(&corpus.labels_by_id(), &fine, &fine_list),
            encoders,
            by_language,
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
            top3_accuracy,
            report: metrics::multilabel_report(&corpus.labels_by_id(), &fine, &data::all_labels(&taxonomy)),
            encoders,
            by_language,
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
