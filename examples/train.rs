//! Train a head on labelled articles and save it as JSON.
//!
//! ```text
//! cargo run --release --example train -- --semeval2025 tests/data/semeval2025/EN --out head.json
//! cargo run --release --example train -- --semeval2023 tests/data/semeval2023/en --exclude-fold 0/2 --out frames-head.json
//! cargo run --release --example train -- --semeval2025 tests/data/semeval2025/EN --semeval2025 tests/data/semeval2025/RU --out heads.json
//! ```
//!
//! Each document is routed as `classify` routes it: on an English model
//! (the default), documents detected in another language that
//! multilingual-e5-small reads train a head of their own on e5's vectors,
//! and the file then holds one head per encoder (see `framelens::head::HeadSet`).
//!
//! With `--tune DIR` (a build with `--features rust-bert`), the encoder is
//! first fine-tuned on the corpus less a held-out slice (`--tune-held-out`,
//! 20%); heads on the frozen and on the tuned encoder are judged out of fold
//! on that slice, and the tuned encoder is written to DIR only if it wins
//! there. Otherwise train says so, writes nothing to DIR, and the head is
//! trained on the frozen encoder. Classify with both: `--tuned DIR --head
//! FILE` (or `--head FILE` alone when the frozen encoder was kept).

#[path = "common/mod.rs"]
mod common;
#[path = "common/corpus_args.rs"]
mod corpus_args;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use framelens::head::{Head, TrainConfig};
use framelens::train::{self, OtherHeadFrom, RoutedTrainConfig};
use framelens::Taxonomy;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Parser, Debug)]
#[command(about = "Train a framelens head (one logistic regression per category) on a labelled corpus")]
struct Args {
    #[command(flatten)]
    corpus: corpus_args::CorpusOptions,
    #[command(flatten)]
    classifier: common::ClassifierOptions,
    /// Where to write the head.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Do not add the taxonomy's exemplars and background as training units.
    #[arg(long)]
    no_exemplars: bool,
    /// Weight of one exemplar unit relative to one training document.
    #[arg(long, default_value_t = 0.5)]
    exemplar_weight: f32,
    /// Also train on each paragraph with its document's labels.
    #[arg(long)]
    paragraphs: bool,
    /// Folds for choosing per-category thresholds.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Gradient steps.
    #[arg(long, default_value_t = 300)]
    epochs: usize,
    /// L2 penalty.
    #[arg(long, default_value_t = 1e-3)]
    l2: f32,
    /// Which documents train the head for other languages (e5): `routed`
    /// (those routed to it) or `all` (every document, embedded with e5 too).
    #[arg(long, value_name = "routed|all", default_value = "routed", value_parser = other_head_from)]
    other_head_from: OtherHeadFrom,
    /// Fewest documents routed to the encoder for other languages for a head
    /// of their own; fewer train the main head instead.
    #[arg(long, value_name = "N", default_value_t = RoutedTrainConfig::default().min_documents)]
    min_documents: usize,
    /// Fine-tune the encoder first and save it to this directory (needs a
    /// build with `--features rust-bert`).
    #[arg(long, value_name = "DIR")]
    tune: Option<PathBuf>,
    /// Passes over the corpus when tuning.
    #[arg(long, default_value_t = 3)]
    tune_epochs: usize,
    /// Peak step size of the encoder when tuning.
    #[arg(long, default_value_t = 1e-4)]
    tune_learning_rate: f64,
    /// Share of the corpus held out of tuning, on which the tuned encoder is
    /// judged against the frozen one and the head's thresholds are chosen.
    #[arg(long, default_value_t = 0.2)]
    tune_held_out: f64,
    /// Most tokens kept for one backward pass when tuning (bounds its memory).
    #[arg(long, default_value_t = 2048)]
    tune_pass_tokens: usize,
    /// Seed of the tuning (document order, dropout, the held-out slice).
    #[arg(long, default_value_t = 13)]
    seed: u64,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

fn other_head_from(s: &str) -> Result<OtherHeadFrom, String> {
    match s {
        "routed" => Ok(OtherHeadFrom::Routed),
        "all" => Ok(OtherHeadFrom::All),
        other => Err(format!("`{other}`: use routed or all")),
    }
}

fn main() -> ExitCode {
    common::exit_code(run(Args::parse()))
}

fn run(mut args: Args) -> Result<(), Box<dyn std::error::Error>> {
    if args.classifier.head.is_some() {
        return Err("--head is for classifying; train writes a new head with --out".into());
    }
    args.corpus.adjust_taxonomy(&mut args.classifier);
    let taxonomy = Taxonomy::from_name_or_path(&args.classifier.taxonomy)?;
    let corpus = args.corpus.read(&taxonomy)?;
    if corpus.is_empty() {
        return Err("the corpus (after --fold/--exclude-fold) has no documents".into());
    }
    let show = !args.quiet && std::io::stderr().is_terminal();
    if args.tune.is_some() && args.classifier.tuned.is_some() {
        return Err("give either --tune (tune now) or --tuned (use a tuned encoder), not both".into());
    }
    let classifier = args.classifier.build()?;
    let config = TrainConfig {
        folds: args.folds,
        epochs: args.epochs,
        l2: args.l2,
        use_exemplars: !args.no_exemplars,
        paragraphs: args.paragraphs,
        exemplar_weight: args.exemplar_weight,
        // Pool the zero-shot scores the head builds on as the classifier does at run time.
        pooling: classifier.decision().pooling,
        ..TrainConfig::default()
    };
    if let Some(dir) = &args.tune {
        // One head on the tuned (or, when it loses, the frozen) encoder: a
        // tuned encoder reads every document, so nothing is routed.
        let head = tune(&args, &taxonomy, &corpus, &classifier, &config, dir, show)?;
        return save(&head, &args.out);
    }
    let routing = RoutedTrainConfig { other_from: args.other_head_from, min_documents: args.min_documents };
    let bar = if show { ProgressBar::new(corpus.len() as u64) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})")?.progress_chars("=> "),
    );
    bar.set_message("routing");
    let trained = train::train_routed(&classifier, &corpus.documents, &config, &routing, &mut |p| {
        bar.set_message(p.stage.to_string());
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
    })?;
    bar.finish_and_clear();
    trained.heads.save(&args.out)?;
    for (head, report) in trained.heads.heads().iter().zip(&trained.encoders) {
        let count = |m: &std::collections::BTreeMap<String, usize>| {
            m.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
        };
        eprintln!(
            "head for {}: {} documents ({} units); detected languages: {}; declared: {}{}",
            report.encoder,
            report.documents,
            head.units,
            count(&report.detected),
            count(&report.declared),
            if report.unsupported > 0 {
                format!("; {} in a language this encoder does not read", report.unsupported)
            } else {
                String::new()
            }
        );
    }
    if !trained.fallback.is_empty() {
        eprintln!(
            "warning: {} documents in other languages were too few (under --min-documents {}) for a head of their own \
             and trained the main head: {}",
            trained.fallback.len(),
            args.min_documents,
            trained.fallback.join(", ")
        );
    }
    if !trained.language_mismatches.is_empty() {
        eprintln!(
            "note: {} documents were detected in another language than the corpus declares (routed by the detection, as classify routes them): {}",
            trained.language_mismatches.len(),
            trained.language_mismatches.iter().take(10).cloned().collect::<Vec<_>>().join(", ")
        );
    }
    eprintln!(
        "trained {} head{} for taxonomy {} on {} documents; written to {}",
        trained.heads.len(),
        if trained.heads.len() == 1 { "" } else { "s (one per encoder)" },
        trained.heads.taxonomy(),
        corpus.len(),
        args.out.display()
    );
    Ok(())
}

fn save(head: &Head, out: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    head.save(out)?;
    eprintln!(
        "trained on {} documents ({} units) for taxonomy {}; head written to {}",
        head.documents,
        head.units,
        head.taxonomy,
        out.display()
    );
    Ok(())
}

/// Tune with the held-out guard; the head to save.
#[cfg(feature = "rust-bert")]
fn tune(
    args: &Args,
    taxonomy: &Taxonomy,
    corpus: &framelens::data::Corpus,
    frozen: &framelens::Classifier,
    head_config: &TrainConfig,
    out: &std::path::Path,
    show: bool,
) -> Result<Head, Box<dyn std::error::Error>> {
    use framelens::train::tune::{self, GuardConfig, TuneConfig};
    let config = TuneConfig {
        epochs: args.tune_epochs,
        learning_rate: args.tune_learning_rate,
        max_pass_tokens: args.tune_pass_tokens,
        seed: args.seed,
        threads: args.classifier.threads.unwrap_or(TuneConfig::default().threads),
        ..TuneConfig::default()
    };
    let guard = GuardConfig { held_out: args.tune_held_out, seed: args.seed };
    let models = framelens::models::resolve_models_dir(args.classifier.models.as_deref());
    let bar = if show { ProgressBar::new(0) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} steps (eta {eta})")?.progress_chars("=> "),
    );
    bar.set_message("tuning");
    let mut options = args.classifier.clone();
    let mut with_tuned = |encoder: framelens::TunedEncoder| {
        options.tuned = Some(encoder.dir().to_path_buf());
        options.build()
    };
    let guarded = tune::tune_guarded(
        &models,
        taxonomy,
        &corpus.documents,
        frozen,
        &mut with_tuned,
        &config,
        head_config,
        &guard,
        out,
        &mut |p| {
            bar.set_length(p.steps as u64);
            bar.set_position(p.step as u64);
            bar.set_message(format!("loss {:.3}", p.loss));
        },
    )?;
    bar.finish_and_clear();
    let held = guarded.held_out.iter().filter(|&&h| h).count();
    let peak = tune::peak_rss_bytes().map_or("unknown".into(), |b| format!("{:.2} GB", b as f64 / 1e9));
    eprintln!(
        "tuned the encoder on {} documents in {:.0} s (peak memory of the process {peak}); {held} held out",
        corpus.len() - held,
        guarded.tuning_seconds,
    );
    let figure = |r: &train::HeldOutReport| {
        format!(
            "{} {:.3} (micro-F1 {:.3}, macro-F1 {:.3}, {} categories on zero-shot)",
            guarded.metric,
            r.score(taxonomy),
            r.micro_f1,
            r.macro_f1,
            r.zero_shot_categories
        )
    };
    eprintln!("held out of tuning, {held} documents, head out of fold:");
    eprintln!("  frozen encoder: {}", figure(&guarded.frozen));
    eprintln!("  tuned encoder:  {}", figure(&guarded.tuned));
    match &guarded.encoder {
        Some(_) => eprintln!("the tuned encoder beats the frozen one there: written to {}", out.display()),
        None => eprintln!(
            "the tuned encoder does NOT beat the frozen one on the held-out documents: kept the frozen encoder, \
             wrote nothing to {}; the head is on the frozen encoder (use it without --tuned)",
            out.display()
        ),
    }
    Ok(guarded.head)
}

#[cfg(not(feature = "rust-bert"))]
fn tune(
    _: &Args,
    _: &Taxonomy,
    _: &framelens::data::Corpus,
    _: &framelens::Classifier,
    _: &TrainConfig,
    _: &std::path::Path,
    _: bool,
) -> Result<Head, Box<dyn std::error::Error>> {
    Err("--tune needs a build with `--features rust-bert` (run models/fetch-libtorch first)".into())
}
