//! Write one self-contained HTML page that shows an article with its framing:
//! classify a text file, or render a line of `batch` output.
//!
//! ```text
//! cargo run --release --example report -- examples/data/001_1bab8556ee00fa53.txt \
//!     --taxonomy semeval2025-narratives --output page.html
//! cargo run --release --example report -- --from-jsonl out.jsonl --id 001_1bab8556ee00fa53 \
//!     --text examples/data/001_1bab8556ee00fa53.txt --output page.html
//! cargo run --release --example report -- --corpus out.jsonl --metadata articles.jsonl --output overview.html
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser};
use framelens::corpus::{self, OutputRecord};
use framelens::report;
use framelens::report::corpus as corpus_report;
use framelens::Taxonomy;

#[path = "common/mod.rs"]
mod common;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

#[derive(Parser, Debug)]
#[command(
    about = "Write a self-contained HTML page showing an article's frames or narratives",
    long_about = "Write a self-contained HTML page showing an article's frames or narratives: the text with \
        each sentence tinted by its top label (hover or click for its scores), a bar chart of the \
        document's labels, the narrative tree for two-level taxonomies, and a legend. The page has no \
        external assets and works offline.\n\n\
        Either classify ARTICLE (a UTF-8 text file, or `-` for standard input), or render the record \
        with --id from a `batch` output file given by --from-jsonl (its taxonomy is taken from the \
        record unless --taxonomy is given).\n\n\
        With --corpus, write an overview of a whole `batch` output instead: prevalence per category, \
        breakdowns by outlet, language and period, the strongest evidence, and a filterable table of \
        documents that each open their own page (metadata from the records, or from --metadata).",
    after_help = "Examples:\n  \
        report examples/data/001_1bab8556ee00fa53.txt --taxonomy semeval2025-narratives --output page.html\n  \
        report --from-jsonl out.jsonl --id 001_1bab8556ee00fa53 --text examples/data/001_1bab8556ee00fa53.txt --output page.html\n  \
        report --corpus out.jsonl --metadata articles.jsonl --output overview.html"
)]
struct Args {
    /// Article to classify (UTF-8 text), or `-` for standard input.
    #[arg(
        value_name = "ARTICLE",
        required_unless_present_any = ["from_jsonl", "corpus"],
        conflicts_with_all = ["from_jsonl", "corpus"]
    )]
    article: Option<String>,
    /// Render a record of this `batch` output file instead of classifying.
    #[arg(long, value_name = "FILE", requires = "id", conflicts_with = "corpus")]
    from_jsonl: Option<PathBuf>,
    /// Write an overview of this whole `batch` output file.
    #[arg(long, value_name = "BATCH.jsonl")]
    corpus: Option<PathBuf>,
    /// Metadata by id for --corpus (JSONL with an `id` per object, e.g. the
    /// batch input; or CSV with an `id` column): title, source, date, url,
    /// language. Fills in or overrides what the batch records carry.
    #[arg(long, value_name = "FILE", requires = "corpus")]
    metadata: Option<PathBuf>,
    /// Id of the record to render from --from-jsonl.
    #[arg(long, value_name = "ID", requires = "from_jsonl")]
    id: Option<String>,
    /// The record's original text, so that the page keeps its line and
    /// paragraph breaks (with --from-jsonl; otherwise they are guessed).
    #[arg(long, value_name = "FILE", requires = "from_jsonl")]
    text: Option<PathBuf>,
    /// Where to write the page.
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    /// Page title (default: the file name or the record id).
    #[arg(long)]
    title: Option<String>,
    #[command(flatten)]
    classifier: common::ClassifierOptions,
}

fn main() -> ExitCode {
    let matches = Args::command().get_matches();
    let args = match Args::from_arg_matches(&matches) {
        Ok(args) => args,
        Err(e) => e.exit(),
    };
    // A record names its taxonomy; only a --taxonomy given on the command line overrides it.
    let taxonomy_given = matches.value_source("taxonomy") == Some(ValueSource::CommandLine);
    common::exit_code(run(args, taxonomy_given))
}

fn run(args: Args, taxonomy_given: bool) -> Fallible<()> {
    if let Some(path) = &args.corpus {
        return corpus_overview(&args, path, taxonomy_given);
    }
    let html = match (&args.from_jsonl, &args.article) {
        (Some(path), _) => from_jsonl(&args, path, taxonomy_given)?,
        (None, Some(article)) => from_article(&args, article)?,
        (None, None) => return Err("give an ARTICLE to classify, or --from-jsonl FILE --id ID".into()),
    };
    std::fs::write(&args.output, html).map_err(|e| format!("{}: {e}", args.output.display()))?;
    eprintln!("wrote {}", args.output.display());
    Ok(())
}

fn from_article(args: &Args, article: &str) -> Fallible<String> {
    let text = if article == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| format!("standard input: {e}"))?;
        s
    } else {
        corpus::read_text_file(Path::new(article))?
    };
    let classifier = args.classifier.build()?;
    let analysis = classifier.classify(&text)?;
    let title = args.title.clone().unwrap_or_else(|| default_title(article));
    Ok(report::render_html_with_text(&analysis, classifier.taxonomy(), &title, &text))
}

fn from_jsonl(args: &Args, path: &Path, taxonomy_given: bool) -> Fallible<String> {
    let id = args.id.as_deref().ok_or("--from-jsonl needs --id")?;
    let mut found = None;
    for record in corpus::read_output(path)? {
        let record = record?;
        if record.id() == id {
            found = Some(record);
            break;
        }
    }
    let analysis = match found {
        Some(OutputRecord::Analysis { analysis, .. }) => analysis,
        Some(OutputRecord::Error { error, .. }) => {
            return Err(format!("{}: document `{id}` failed in that run: {error}", path.display()).into())
        }
        Some(OutputRecord::Units { .. }) => {
            return Err(format!(
                "{}: document `{id}` was classified per paragraph or sentence (batch --unit); the report shows whole documents",
                path.display()
            )
            .into())
        }
        None => return Err(format!("{}: no record with id `{id}`", path.display()).into()),
    };
    let spec = if taxonomy_given { args.classifier.taxonomy.as_str() } else { analysis.taxonomy.as_str() };
    let taxonomy = Taxonomy::from_name_or_path(spec).map_err(|e| {
        format!("{e} (the record was made with taxonomy `{}`; pass it with --taxonomy)", analysis.taxonomy)
    })?;
    let title = args.title.clone().unwrap_or_else(|| id.to_string());
    Ok(match &args.text {
        Some(text_path) => {
            let text = corpus::read_text_file(text_path)?;
            report::render_html_with_text(&analysis, &taxonomy, &title, &text)
        }
        None => report::render_html(&analysis, &taxonomy, &title),
    })
}

fn corpus_overview(args: &Args, path: &Path, taxonomy_given: bool) -> Fallible<()> {
    let mut docs = corpus_report::read_batch(path)?;
    if let Some(meta) = &args.metadata {
        corpus_report::merge_metadata(&mut docs, corpus_report::read_metadata(meta)?);
    }
    let recorded = docs.iter().find_map(|d| d.outcome.as_ref().ok()).map(|a| a.taxonomy.clone());
    let spec = match (&recorded, taxonomy_given) {
        (Some(name), false) => name.clone(),
        _ => args.classifier.taxonomy.clone(),
    };
    let taxonomy = Taxonomy::from_name_or_path(&spec)
        .map_err(|e| format!("{e} (the records were made with taxonomy `{spec}`; pass it with --taxonomy)"))?;
    let title = args.title.clone().unwrap_or_else(|| default_title(&path.display().to_string()));
    let options = corpus_report::OverviewOptions { title, ..Default::default() };
    let written = corpus_report::write_overview(&docs, &taxonomy, &options, &args.output)?;
    let views = if written.view_files > 0 {
        format!("; {} document pages in {}_docs/", written.view_files, args.output.with_extension("").display())
    } else {
        "; document pages inline".to_string()
    };
    eprintln!("wrote {} ({} documents, {} bytes{views})", args.output.display(), docs.len(), written.bytes);
    Ok(())
}

fn default_title(article: &str) -> String {
    if article == "-" {
        return "Article".to_string();
    }
    Path::new(article).file_name().map_or_else(|| article.to_string(), |n| n.to_string_lossy().into_owned())
}
