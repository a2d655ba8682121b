//! Classify a corpus: a directory of `.txt` files or JSONL (`{"id","text"}`
//! per line, from a file or standard input) → JSONL, one analysis per line.
//!
//! Streams in chunks, so memory stays flat however large the corpus;
//! `--resume` continues a killed run; `--shard i/n` takes a deterministic
//! share of the ids, so that n workers on any engine cover the corpus once.
//!
//! ```text
//! cargo run --release --example batch -- examples/data --output frames.jsonl
//! cargo run --release --example batch -- corpus.jsonl --output part-3.jsonl --shard 3/8 --resume
//! ```

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use framelens::corpus::{self, InputRecord, OutputRecord, RecordResult, Shard};
use framelens::Classifier;
use indicatif::{ProgressBar, ProgressStyle};

#[path = "common/mod.rs"]
mod common;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

#[derive(Parser, Debug)]
#[command(
    about = "Classify a corpus of news articles into JSONL, one analysis per line",
    long_about = "Classify a corpus of news articles into JSONL, one analysis per line.\n\n\
        Each output line is {\"id\": ID, \"analysis\": {...}} for a classified document or \
        {\"id\": ID, \"error\": REASON} for one that could not be read or is empty; failures are \
        also reported on standard error and the run goes on.",
    after_help = "Exit status: 0 when every document was classified, 2 when some failed \
        (their error records are in the output), 1 on a fatal error (bad option, unreadable \
        input, models missing, output not writable).\n\n\
        Examples:\n  \
        batch examples/data --output frames.jsonl\n  \
        batch corpus.jsonl --taxonomy semeval2025-narratives --output part-3.jsonl --shard 3/8 --resume\n  \
        cat corpus.jsonl | batch - --quiet > out.jsonl"
)]
struct Args {
    /// A directory of .txt files (id = file name without .txt), a JSONL file
    /// with one {"id": ..., "text": ...} object per line, or `-` for JSONL on
    /// standard input.
    #[arg(value_name = "INPUT")]
    input: String,
    /// Write the JSONL here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Skip the ids already in --output and append the rest; a half-written
    /// last line left by a killed run is removed first.
    #[arg(long, requires = "output")]
    resume: bool,
    /// Replace a non-empty --output file (by default batch refuses, to keep
    /// finished work).
    #[arg(long, requires = "output", conflicts_with = "resume")]
    overwrite: bool,
    /// Process only shard i of n (0-based): the ids whose stable hash falls in
    /// it. Shards 0/n to (n-1)/n together cover every id exactly once.
    #[arg(long, value_name = "i/n", default_value = "0/1")]
    shard: Shard,
    #[command(flatten)]
    classifier: common::ClassifierOptions,
    /// Documents per call to the classifier; sentences of a chunk are batched
    /// together. Memory grows with it.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    chunk: u32,
    /// Keep only the N highest category scores of each sentence (5, as
    /// `classify --json`), or `all`. Every category's score of every sentence
    /// (116 for semeval2025-narratives) would make most of the output's size.
    #[arg(long, value_name = "N|all", default_value = "5")]
    sentence_scores: common::SentenceScoresKept,
    /// `jsonl`: one record per line, the whole analysis; `csv`: a table, one
    /// row per document (id, error, language, decided labels, metadata as
    /// JSON, then one column per category with its document score).
    #[arg(long, value_name = "FORMAT", default_value = "jsonl")]
    format: Format,
    /// Classify each document whole, or each of its paragraphs or sentences on
    /// its own (records then hold `units`: byte range and analysis of each).
    #[arg(long, value_name = "UNIT", default_value = "document")]
    unit: framelens::Granularity,
    /// No progress bar and no summary (errors are still reported).
    #[arg(long, short)]
    quiet: bool,
    /// Write the corpus's prevalence estimates here as JSON: per label the
    /// estimated share of documents that carry it with a 90% interval, and
    /// the same per language when the corpus holds several.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Two-level taxonomies (narratives): re-decide every document with the
    /// corpus's estimated prevalences as its priors (per language), from the
    /// scores already computed: a label is chosen when its probability
    /// reaches 0.5. The output is rewritten once the run ends (held in
    /// memory when it goes to standard output). Flat taxonomies are refused.
    #[arg(long)]
    adapt: bool,
    /// INPUT is a JSONL file that batch wrote: no model is loaded; its
    /// documents are re-decided (--adapt) and/or summarised (--summary).
    /// --taxonomy must name the taxonomy (and version) that scored it.
    #[arg(long)]
    redecide: bool,
}

/// What batch writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// JSONL, one [`OutputRecord`] per line.
    Jsonl,
    /// CSV, one row per document: the scores and decisions, no sentences.
    Csv,
}

/// Counts for the summary and the exit status.
#[derive(Debug, Default)]
struct Tally {
    ok: usize,
    failed: usize,
}

/// Which ids this run processes: those of its shard not already in the output.
struct Selection {
    shard: Shard,
    done: HashSet<String>,
}

impl Selection {
    fn keep(&self, id: &str) -> bool {
        self.shard.contains(id) && !self.done.contains(id)
    }
}

fn main() -> ExitCode {
    // Usage errors are fatal errors: status 1, as 2 means "some documents failed".
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(1);
        }
        Err(e) => e.exit(),
    };
    match run(&args) {
        Ok(tally) if tally.failed > 0 => ExitCode::from(2),
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Where the records come from.
enum Input {
    Dir(PathBuf),
    Jsonl(PathBuf),
    Stdin,
}

impl Input {
    fn of(spec: &str) -> Fallible<Input> {
        if spec == "-" {
            return Ok(Input::Stdin);
        }
        let path = PathBuf::from(spec);
        let meta = std::fs::metadata(&path).map_err(|e| format!("{spec}: {e}"))?;
        if meta.is_dir() {
            return Ok(Input::Dir(path));
        }
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("txt")) {
            return Err(format!(
                "{spec} is a single text file; batch reads a directory of .txt files or a JSONL file \
                 (use the `classify` example for one article)"
            )
            .into());
        }
        Ok(Input::Jsonl(path))
    }
}

fn run(args: &Args) -> Fallible<Tally> {
    if args.adapt {
        // Refused before any work when the taxonomy is flat.
        let t = framelens::Taxonomy::from_name_or_path(&args.classifier.taxonomy)?;
        corpus::Adaptation::check_adaptable(&t)?;
    }
    if args.redecide {
        return redecide(args);
    }
    let input = Input::of(&args.input)?;
    let selection = std::rc::Rc::new(Selection { shard: args.shard, done: prepare_output(args)? });
    let select = std::rc::Rc::clone(&selection);
    let keep = move |r: &RecordResult| match r {
        Ok(r) => select.keep(&r.id),
        // A failing stream must reach the loop below to end the run.
        Err(e) => e.is_fatal() || select.keep(&e.id),
    };
    let (records, total): (Box<dyn Iterator<Item = RecordResult>>, Option<u64>) = match &input {
        Input::Dir(dir) => {
            let records = corpus::records_from_dir(dir)?.retain_ids(|id| selection.keep(id));
            let total = records.len() as u64;
            (Box::new(records), Some(total))
        }
        Input::Jsonl(path) => {
            // A first pass over the ids gives the total for the ETA.
            let open = || File::open(path).map(BufReader::new).map_err(|e| format!("{}: {e}", path.display()));
            let total = corpus::jsonl_ids(open()?, path).filter(|id| selection.keep(id)).count() as u64;
            (Box::new(corpus::records_from_jsonl(open()?, path).filter(keep)), Some(total))
        }
        Input::Stdin => (Box::new(corpus::records_from_jsonl(std::io::stdin().lock(), "<stdin>").filter(keep)), None),
    };

    let classifier = args.classifier.build()?;
    if args.format == Format::Csv && (args.adapt || args.summary.is_some()) {
        return Err("--adapt and --summary read back the JSONL output; with --format csv, run batch --redecide on a JSONL run instead".into());
    }
    // --adapt to standard output: the lines are held until the corpus is read.
    let held = args.adapt && args.output.is_none();
    let mut buffer = Vec::new();
    let mut out: Box<dyn Write + '_> = if held { Box::new(&mut buffer) } else { open_output(args)? };
    let mut csv = match args.format {
        Format::Jsonl => None,
        Format::Csv => Some(CsvTable::new(&classifier, args)?),
    };
    let progress = progress_bar(args, total);
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut chunk: Vec<RecordResult> = Vec::new();
    let mut docs_in_chunk = 0;
    let mut stream_error = None;
    for record in records {
        match record {
            Err(e) if e.is_fatal() => {
                stream_error = Some(e.error);
                break;
            }
            record => {
                docs_in_chunk += usize::from(record.is_ok());
                chunk.push(record);
            }
        }
        if docs_in_chunk >= args.chunk as usize {
            let chunk = std::mem::take(&mut chunk);
            process_chunk(&classifier, chunk, args, (&mut out, csv.as_mut()), &progress, &mut tally)?;
            docs_in_chunk = 0;
        }
    }
    process_chunk(&classifier, chunk, args, (&mut out, csv.as_mut()), &progress, &mut tally)?;
    drop(out);
    progress.finish_and_clear();
    if args.adapt || args.summary.is_some() {
        let records = match &args.output {
            Some(path) => corpus::read_output(path)?.collect::<framelens::Result<Vec<_>>>()?,
            None => String::from_utf8(buffer)?
                .lines()
                .enumerate()
                .map(|(i, l)| OutputRecord::from_line(l, std::path::Path::new("<stdout>"), i + 1))
                .collect::<framelens::Result<Vec<_>>>()?,
        };
        finish(classifier.taxonomy(), records, args)?;
    }
    if let Some(e) = stream_error {
        return Err(format!("reading the input failed after {} records: {e}", tally.ok + tally.failed).into());
    }
    if !args.quiet {
        let skipped = selection.done.iter().filter(|id| args.shard.contains(id)).count();
        summary(&tally, skipped, args, started.elapsed());
    }
    Ok(tally)
}

/// `--redecide`: read a saved batch output and re-decide and/or summarise it.
fn redecide(args: &Args) -> Fallible<Tally> {
    if !args.adapt && args.summary.is_none() {
        return Err("--redecide needs --adapt and/or --summary FILE".into());
    }
    let path = PathBuf::from(&args.input);
    let taxonomy = framelens::Taxonomy::from_name_or_path(&args.classifier.taxonomy)?;
    let fingerprint = framelens::basis::fingerprint(&taxonomy);
    let mut records = Vec::new();
    for (i, record) in corpus::read_output(&path)?.enumerate() {
        let record = record?;
        let analyses: Vec<&framelens::DocumentAnalysis> = match &record {
            OutputRecord::Analysis { analysis, .. } => vec![analysis],
            OutputRecord::Units { units, .. } => units.iter().map(|u| &u.analysis).collect(),
            OutputRecord::Error { .. } => Vec::new(),
        };
        for a in analyses {
            let found = a.basis.as_ref().map(|b| b.taxonomy.as_str());
            if a.taxonomy != taxonomy.name || found.is_some_and(|f| f != fingerprint) {
                return Err(format!(
                    "{}: record {} (`{}`) was classified with taxonomy {}, not {fingerprint} (--taxonomy {}): \
                     re-decide it with the taxonomy, and the version of it, that scored it",
                    path.display(),
                    i + 1,
                    record.id(),
                    found.unwrap_or(&a.taxonomy),
                    args.classifier.taxonomy
                )
                .into());
            }
        }
        records.push(record);
    }
    let tally = Tally {
        ok: records.iter().filter(|r| r.error().is_none()).count(),
        failed: records.iter().filter(|r| r.error().is_some()).count(),
    };
    if args.adapt {
        prepare_output(args)?;
    }
    finish(&taxonomy, records, args)?;
    Ok(tally)
}

/// After the run: the summary of the corpus (before re-deciding, so that its
/// `counted` shares are the run's own decisions), then `--adapt`'s re-decided
/// records, written over the output (or to standard output).
fn finish(taxonomy: &framelens::Taxonomy, mut records: Vec<OutputRecord>, args: &Args) -> Fallible<()> {
    let mut analyses: Vec<framelens::DocumentAnalysis> = Vec::new();
    for r in &mut records {
        match r {
            OutputRecord::Analysis { analysis, .. } => analyses.push(std::mem::replace(analysis, placeholder())),
            OutputRecord::Units { units, .. } => {
                analyses.extend(units.iter_mut().map(|u| std::mem::replace(&mut u.analysis, placeholder())))
            }
            OutputRecord::Error { .. } => {}
        }
    }
    if let Some(path) = &args.summary {
        let summary = corpus::Prevalence::estimate(&analyses, taxonomy)?;
        let json = serde_json::to_string_pretty(&summary)? + "\n";
        std::fs::write(path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if !args.adapt {
        return Ok(());
    }
    corpus::Prevalence::adapt(&mut analyses, taxonomy)?;
    let mut back = analyses.into_iter();
    for r in &mut records {
        match r {
            OutputRecord::Analysis { analysis, .. } => *analysis = back.next().ok_or("lost a document")?,
            OutputRecord::Units { units, .. } => {
                for u in units {
                    u.analysis = back.next().ok_or("lost a document")?;
                }
            }
            OutputRecord::Error { .. } => {}
        }
    }
    let mut text = String::new();
    for r in &records {
        text.push_str(&r.to_line()?);
    }
    match &args.output {
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
        Some(path) => {
            // Written beside, then renamed: a kill never leaves half a file.
            let tmp = path.with_extension("adapt-tmp");
            std::fs::write(&tmp, text).map_err(|e| format!("{}: {e}", tmp.display()))?;
            std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// An empty analysis, held in a record while its own is re-decided.
fn placeholder() -> framelens::DocumentAnalysis {
    framelens::DocumentAnalysis {
        taxonomy: String::new(),
        encoder: String::new(),
        scorer: String::new(),
        domain: None,
        domain_reason: None,
        language: None,
        calibration: None,
        sentences: Vec::new(),
        labels: Vec::new(),
        coarse: None,
        document_scores: Vec::new(),
        basis: None,
    }
}

/// Check the output file and, for --resume, the ids it already holds.
fn prepare_output(args: &Args) -> Fallible<HashSet<String>> {
    let Some(path) = &args.output else { return Ok(HashSet::new()) };
    if args.resume {
        return Ok(corpus::completed_ids(path)?);
    }
    if !args.overwrite {
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.len() > 0 {
                return Err(format!(
                    "{} already holds {} bytes; pass --resume to continue that run or --overwrite to start again",
                    path.display(),
                    meta.len()
                )
                .into());
            }
        }
    }
    Ok(HashSet::new())
}

fn open_output(args: &Args) -> Fallible<Box<dyn Write>> {
    Ok(match &args.output {
        None => Box::new(std::io::stdout().lock()),
        Some(path) => {
            let file =
                if args.resume { File::options().create(true).append(true).open(path) } else { File::create(path) };
            Box::new(file.map_err(|e| format!("{}: {e}", path.display()))?)
        }
    })
}

/// What one document gives: its analysis, or one per unit.
enum Outcome {
    Document(Box<framelens::DocumentAnalysis>),
    Units(Vec<framelens::UnitAnalysis>),
}

/// Classify the documents of a chunk and write one line per record, in input order.
fn process_chunk(
    classifier: &Classifier,
    chunk: Vec<RecordResult>,
    args: &Args,
    (out, mut csv): (&mut dyn Write, Option<&mut CsvTable>),
    progress: &ProgressBar,
    tally: &mut Tally,
) -> Fallible<()> {
    let texts: Vec<&str> = chunk.iter().filter_map(|r| r.as_ref().ok()).map(|r| r.text.as_str()).collect();
    let mut results = if texts.is_empty() {
        Vec::new()
    } else if args.unit == framelens::Granularity::Document {
        classifier.classify_batch(&texts).into_iter().map(|r| r.map(|a| Outcome::Document(Box::new(a)))).collect()
    } else {
        classifier.classify_batch_units(&texts, args.unit).into_iter().map(|r| r.map(Outcome::Units)).collect()
    }
    .into_iter();
    let output_name = || args.output.as_deref().map_or_else(|| "<stdout>".to_string(), |p| p.display().to_string());
    for record in chunk {
        let record = match record {
            Ok(InputRecord { id, metadata, .. }) => {
                let result = results.next().ok_or("the classifier returned fewer results than documents")?;
                let mut record = match result {
                    Ok(Outcome::Units(units)) => OutputRecord::Units { id, metadata: Default::default(), units },
                    Ok(Outcome::Document(analysis)) => OutputRecord::from_result(id, Ok(*analysis)),
                    Err(e) => OutputRecord::from_result(id, Err(e)),
                }
                .with_metadata(metadata);
                if args.sentence_scores != common::SentenceScoresKept::All {
                    let analyses: Vec<&mut framelens::DocumentAnalysis> = match &mut record {
                        OutputRecord::Analysis { analysis, .. } => vec![analysis],
                        OutputRecord::Units { units, .. } => units.iter_mut().map(|u| &mut u.analysis).collect(),
                        _ => Vec::new(),
                    };
                    for analysis in analyses {
                        args.sentence_scores.apply(analysis);
                    }
                }
                record
            }
            Err(e) => OutputRecord::Error { id: e.id, error: e.error.to_string(), metadata: Default::default() },
        };
        if let Some(reason) = record.error() {
            tally.failed += 1;
            // Reasons about unparsable lines already start with `<source>:<line>`, the id.
            let id = record.id();
            let what = if reason.starts_with(id) { reason.to_string() } else { format!("{id}: {reason}") };
            progress.suspend(|| eprintln!("failed: {what}"));
        } else {
            tally.ok += 1;
        }
        // One write of the whole line, then flush: a kill leaves at most a
        // partial last line, which --resume removes.
        let line = match csv.as_deref_mut() {
            Some(table) => table.row(&record)?,
            None => record.to_line()?,
        };
        out.write_all(line.as_bytes()).and_then(|()| out.flush()).map_err(|e| format!("{}: {e}", output_name()))?;
        progress.inc(1);
        progress.set_message(if tally.failed > 0 { format!("{} failed", tally.failed) } else { String::new() });
    }
    Ok(())
}

fn progress_bar(args: &Args, total: Option<u64>) -> ProgressBar {
    if args.quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let rate = |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{:.1} docs/s", state.per_sec());
    };
    let bar = match total {
        Some(n) => ProgressBar::new(n).with_style(
            ProgressStyle::with_template("{spinner} {wide_bar} {pos}/{len} docs  {rate}  ETA {eta}  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key("rate", rate),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {pos} docs  {rate}  {elapsed}  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner())
                .with_key("rate", rate),
        ),
    };
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn summary(tally: &Tally, skipped: usize, args: &Args, elapsed: Duration) {
    let n = tally.ok + tally.failed;
    let secs = elapsed.as_secs_f64();
    let mut line = format!(
        "batch: {n} documents in {secs:.1} s ({:.2} docs/s): {} ok, {} failed",
        n as f64 / secs.max(1e-9),
        tally.ok,
        tally.failed
    );
    if args.shard.count > 1 {
        line.push_str(&format!("; shard {}", args.shard));
    }
    if let (true, Some(path)) = (args.resume, &args.output) {
        line.push_str(&format!("; {skipped} already in {}", path.display()));
    }
    eprintln!("{line}");
}

/// The `--format csv` table: one row per document, the header before the first.
struct CsvTable {
    /// Every category's label, in taxonomy order: one score column each.
    labels: Vec<String>,
    /// Two-level taxonomy: `coarse` and `domain` columns too.
    two_level: bool,
    /// The header, until it is written.
    header: Option<Vec<String>>,
}

impl CsvTable {
    fn new(classifier: &Classifier, args: &Args) -> Fallible<Self> {
        if args.unit != framelens::Granularity::Document {
            return Err("--format csv writes one row per document; with --unit, use --format jsonl".into());
        }
        if args.resume {
            return Err("--resume reads back JSONL output; with --format csv, write shards (--shard) instead".into());
        }
        let taxonomy = classifier.taxonomy();
        let labels: Vec<String> = taxonomy.labels().map(str::to_string).collect();
        let two_level = taxonomy.is_hierarchical();
        let mut header: Vec<String> = ["id", "error", "language", "labels"].map(String::from).to_vec();
        if two_level {
            header.extend(["coarse", "domain"].map(String::from));
        }
        header.push("metadata".into());
        header.extend(labels.iter().cloned());
        Ok(CsvTable { labels, two_level, header: Some(header) })
    }

    /// The record's row (after the header, for the first), `\n`-terminated.
    /// Labels are joined by `; `; scores are the shortest decimals that give
    /// back the library's `f32`; a failed document has an `error` and no scores.
    fn row(&mut self, record: &OutputRecord) -> Fallible<String> {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
        if let Some(header) = self.header.take() {
            w.write_record(&header)?;
        }
        let join = |labels: &[framelens::DocumentLabel]| {
            labels.iter().map(|l| l.label.as_str()).collect::<Vec<_>>().join("; ")
        };
        let metadata =
            if record.metadata().is_empty() { String::new() } else { serde_json::to_string(record.metadata())? };
        let analysis = record.analysis();
        let mut row: Vec<String> = vec![
            record.id().to_string(),
            record.error().unwrap_or_default().to_string(),
            analysis.and_then(|a| a.language.as_ref()).map(|l| l.code.clone()).unwrap_or_default(),
            analysis.map(|a| join(&a.labels)).unwrap_or_default(),
        ];
        if self.two_level {
            row.push(analysis.and_then(|a| a.coarse.as_deref()).map(join).unwrap_or_default());
            row.push(analysis.and_then(|a| a.domain.clone()).unwrap_or_default());
        }
        row.push(metadata);
        for label in &self.labels {
            row.push(analysis.and_then(|a| a.score_of(label)).map(|s| s.to_string()).unwrap_or_default());
        }
        w.write_record(&row)?;
        let bytes = w.into_inner().map_err(|e| e.to_string())?;
        Ok(String::from_utf8(bytes)?)
    }
}
