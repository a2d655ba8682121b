//! Classify one article: a readable table of document labels with their
//! evidence sentences, or the whole analysis as JSON.
//!
//! ```text
//! cargo run --release --example classify -- examples/data/001_1bab8556ee00fa53.txt
//! cat article.txt | cargo run --release --example classify -- - --json
//! cargo run --release --example classify -- article.txt --json --sentence-scores all
//! ```
//!
//! The JSON is written to standard output as it is serialised, one sentence
//! after another, never held whole in memory: a 4 MiB article through the
//! narratives with every score is 606 MB of JSON.

use std::io::{Read, Write};
use std::process::ExitCode;

use clap::Parser;
use framelens::{DocumentAnalysis, DocumentLabel};

#[path = "common/mod.rs"]
mod common;

#[derive(Parser, Debug)]
#[command(about = "Find frames and narratives in one news article")]
struct Args {
    /// Article to classify (UTF-8 text), or `-` for standard input.
    input: String,
    #[command(flatten)]
    classifier: common::ClassifierOptions,
    /// Print the whole analysis as JSON.
    #[arg(long)]
    json: bool,
    /// With `--json`: keep only the N highest category scores of each
    /// sentence, or `all` of them (every category's score for every sentence:
    /// 116 per sentence for semeval2025-narratives). The default, 5, keeps the
    /// output in proportion to the text; `document_scores` always has every
    /// category.
    #[arg(long, value_name = "N|all", default_value = "5")]
    sentence_scores: common::SentenceScoresKept,
    /// How many of the best undecided labels to show below the decided ones.
    #[arg(long, default_value_t = 3)]
    top: usize,
}

fn main() -> ExitCode {
    common::exit_code(run(Args::parse()))
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let text = if args.input == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| format!("standard input: {e}"))?;
        s
    } else {
        std::fs::read_to_string(&args.input).map_err(|e| format!("{}: {e}", args.input))?
    };
    let classifier = args.classifier.build()?;
    let mut analysis = classifier.classify(&text)?;
    drop(text);
    if args.json {
        args.sentence_scores.apply(&mut analysis);
        write_json(&analysis)
    } else {
        print_table(&analysis, classifier.taxonomy(), args.top);
        Ok(())
    }
}

/// The analysis as pretty JSON on standard output, written as it is
/// serialised. A closed pipe (`| head`) ends the output quietly.
fn write_json(analysis: &DocumentAnalysis) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = serde_json::to_writer_pretty(&mut out, analysis)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("standard output: {e}").into()),
        Ok(()) => Ok(()),
    }
}

fn print_table(a: &DocumentAnalysis, t: &framelens::Taxonomy, top: usize) {
    println!("taxonomy: {}   encoder: {}   sentences: {}", a.taxonomy, a.encoder, a.sentences.len());
    if let Some(lang) = a.language.as_ref().filter(|l| !l.supported) {
        println!(
            "warning: the text looks {} ({}, confidence {:.2}), which the encoder ({}) does not read: these scores are not meaningful",
            lang.name, lang.code, lang.confidence, a.encoder
        );
    }
    if let Some(domain) = &a.domain {
        println!("domain: {domain}");
    }
    if let Some(code) = &a.calibration {
        println!("calibration: thresholds learnt from the taxonomy's background in `{code}`");
    }
    if let Some(coarse) = &a.coarse {
        println!("\nnarratives:");
        print_labels(a, t, coarse);
        println!("\nsub-narratives:");
    } else {
        println!("\nlabels:");
    }
    print_labels(a, t, &a.labels);
    let rest: Vec<String> = a
        .undecided(t)
        .iter()
        .take(top)
        .map(|s| match a.explain(&s.label, t) {
            Some(why) => format!("  {:<48} {:.2}   {why}", s.label, s.score),
            None => format!("  {:<48} {:.2}", s.label, s.score),
        })
        .collect();
    if !rest.is_empty() {
        println!("\nnot chosen:\n{}", rest.join("\n"));
    }
    if let Some(rule) = a.rule() {
        println!("\nrule: {rule}");
    }
    let long = a.sentences.iter().filter(|s| s.is_long()).count();
    if long > 0 {
        println!(
            "\nnote: {long} sentence(s) exceeded the model's token limit and were embedded in overlapping windows"
        );
    }
}

fn print_labels(a: &DocumentAnalysis, t: &framelens::Taxonomy, labels: &[DocumentLabel]) {
    if labels.is_empty() {
        println!("  (none above threshold)");
    }
    for l in labels {
        match a.explain(&l.label, t) {
            Some(why) => println!("  {:<48} {:.2}   {why}", l.label, l.score),
            None => println!("  {:<48} {:.2}", l.label, l.score),
        }
        for &i in &l.evidence {
            if let Some(s) = a.sentences.get(i) {
                println!("      [{i:>3}] {}", shorten(&s.text, 110));
            }
        }
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max - 1).collect();
    format!("{cut}…")
}
