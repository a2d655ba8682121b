//! A corpus overview: one self-contained HTML page over a whole `batch`
//! output, with prevalence per category, breakdowns by outlet, language and
//! period, the strongest evidence across the corpus, and a filterable table
//! of documents each opening its own [`render_html`](super::render_html) view.
//!
//! The page needs no network (styles, script, data and charts are inline)
//! and reads with JavaScript off: the summary table, the charts (inline SVG
//! drawn by `plotters`) and the evidence lists are plain HTML; the script
//! adds the document table, its filters, the category picker and the
//! document views. Everything from the corpus (titles, sources, sentences,
//! labels) is escaped, and the data handed to the script is JSON with `<`
//! escaped; the script writes it with `textContent` only.
//!
//! Per-document views travel inside the page while they add up to at most
//! [`INLINE_VIEWS_MAX_BYTES`]; beyond that they are written as separate
//! files into a folder next to the overview, so that the page stays small
//! and quick to open whatever the corpus's size.
//!
//! ```no_run
//! use std::path::Path;
//! use framelens::report::corpus::{read_batch, write_overview, OverviewOptions};
//! # fn main() -> framelens::Result<()> {
//! let docs = read_batch(Path::new("out.jsonl"))?;
//! let taxonomy = framelens::Taxonomy::builtin("media-frames")?;
//! let written = write_overview(&docs, &taxonomy, &OverviewOptions::default(), Path::new("overview.html"))?;
//! println!("{} bytes, {} view files", written.bytes, written.view_files);
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{json, Value};

use super::charts::{self, Point, Row};
use super::dates::{self, Day, Period};
use super::{escape_html, OTHER_COLOUR, PALETTE};
use crate::analysis::DocumentAnalysis;
use crate::corpus::OutputRecord;
use crate::error::{Error, Result};
use crate::taxonomy::Taxonomy;

/// A document's metadata: the fields of its input record other than `id`
/// and `text` (`title`, `source`, `date`, `url`, `language`, anything else).
pub type Metadata = serde_json::Map<String, Value>;

/// Per-document views stay inside the overview while their pages (without
/// the style and script they share) add up to at most this many bytes:
/// 16 MB, about 340 Global Voices stories at 48 KB each. The page then stays
/// under 25 MB, which a browser opens in about a second and most mail
/// services still carry; 10,000 inline views would make a page of about
/// 500 MB. A larger corpus gets its views as files next to the overview.
pub const INLINE_VIEWS_MAX_BYTES: usize = 16 << 20;

/// Top-level categories drawn as small multiples by default (the picker
/// shows the others).
const SHOWN_MULTIPLES: usize = 6;
/// Groups (outlets, languages) per chart; the rest are pooled.
const MAX_GROUPS: usize = 12;
/// Evidence sentences per category.
const EVIDENCE_PER_LABEL: usize = 5;

/// One document of a corpus: its id, metadata and outcome.
#[derive(Debug, Clone)]
pub struct CorpusDocument {
    /// The document's id.
    pub id: String,
    /// Fields of its input record (see [`Metadata`]).
    pub metadata: Metadata,
    /// Its analysis, or why it failed.
    pub outcome: std::result::Result<DocumentAnalysis, String>,
}

/// How the overview is made.
#[derive(Debug, Clone)]
pub struct OverviewOptions {
    /// The page's title.
    pub title: String,
    /// Views inline up to this many bytes (see [`INLINE_VIEWS_MAX_BYTES`]).
    pub inline_views_max_bytes: usize,
}

impl Default for OverviewOptions {
    fn default() -> Self {
        OverviewOptions { title: "Corpus overview".into(), inline_views_max_bytes: INLINE_VIEWS_MAX_BYTES }
    }
}

/// A rendered overview: the page, and the view files that go beside it.
#[derive(Debug, Clone)]
pub struct Overview {
    /// The overview page.
    pub html: String,
    /// `(path relative to the page, page)` of each per-document view written
    /// as its own file (empty when the views are inline).
    pub views: Vec<(String, String)>,
}

/// What [`write_overview`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Size of the overview page.
    pub bytes: usize,
    /// Per-document view files written beside it (0 when inline).
    pub view_files: usize,
}

#[derive(Deserialize)]
struct MetadataOnly {
    #[serde(default)]
    metadata: Option<Metadata>,
}

/// Read a `batch` output file (JSONL): every record, with the `metadata`
/// object `batch` carries from its input when there is one. Records made
/// per paragraph or sentence (`batch --unit`) are refused with their line.
pub fn read_batch(path: &Path) -> Result<Vec<CorpusDocument>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let record = OutputRecord::from_line(&line, path, n + 1)?;
        let metadata = serde_json::from_str::<MetadataOnly>(&line).ok().and_then(|m| m.metadata).unwrap_or_default();
        let id = record.id().to_string();
        let outcome = match record {
            OutputRecord::Analysis { analysis, .. } => Ok(analysis),
            OutputRecord::Error { error, .. } => Err(error),
            OutputRecord::Units { .. } => {
                return Err(Error::Data {
                    path: path.to_path_buf(),
                    line: Some(n + 1),
                    message: format!(
                        "document `{id}` was classified per paragraph or sentence (batch --unit); the overview needs whole documents"
                    ),
                })
            }
        };
        out.push(CorpusDocument { id, metadata, outcome });
    }
    Ok(out)
}

/// Read metadata keyed by id: JSONL (one object with an `id` per line; a
/// `text` field is dropped, so a `batch` input file serves) or CSV with a
/// header row holding an `id` column (by the `.csv` extension).
pub fn read_metadata(path: &Path) -> Result<HashMap<String, Metadata>> {
    let data_error = |line: Option<usize>, message: String| Error::Data { path: path.to_path_buf(), line, message };
    let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let mut out = HashMap::new();
    if is_csv {
        let mut reader = csv::Reader::from_path(path).map_err(|e| data_error(None, e.to_string()))?;
        let headers = reader.headers().map_err(|e| data_error(Some(1), e.to_string()))?.clone();
        let id_col = headers
            .iter()
            .position(|h| h.trim() == "id")
            .ok_or_else(|| data_error(Some(1), "the header row has no `id` column".into()))?;
        for (n, row) in reader.records().enumerate() {
            let row = row.map_err(|e| data_error(Some(n + 2), e.to_string()))?;
            let id = row.get(id_col).unwrap_or_default().to_string();
            let mut m = Metadata::new();
            for (h, v) in headers.iter().zip(row.iter()) {
                if h != "id" && h != "text" && !v.is_empty() {
                    m.insert(h.to_string(), Value::String(v.to_string()));
                }
            }
            out.insert(id, m);
        }
        return Ok(out);
    }
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let Ok(Value::Object(mut m)) = serde_json::from_str::<Value>(&line) else {
            return Err(data_error(Some(n + 1), "expected a JSON object with an `id`".into()));
        };
        let id = match m.remove("id") {
            Some(Value::String(s)) => s,
            Some(Value::Number(x)) => x.to_string(),
            _ => return Err(data_error(Some(n + 1), "the object has no string or integer `id`".into())),
        };
        m.remove("text");
        out.insert(id, m);
    }
    Ok(out)
}

/// Add `extra` metadata to the documents with those ids (its fields win).
pub fn merge_metadata(docs: &mut [CorpusDocument], mut extra: HashMap<String, Metadata>) {
    for d in docs {
        if let Some(m) = extra.remove(&d.id) {
            d.metadata.extend(m);
        }
    }
}

/// Render the overview and write it to `path`, with the view files (if
/// any) in the folder `<path's stem>_docs/` beside it.
pub fn write_overview(
    docs: &[CorpusDocument],
    taxonomy: &Taxonomy,
    options: &OverviewOptions,
    path: &Path,
) -> Result<Written> {
    let stem = path.file_stem().map_or_else(|| "overview".into(), |s| s.to_string_lossy().into_owned());
    let folder = format!("{stem}_docs");
    let overview = render(docs, taxonomy, options, &folder)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    if !overview.views.is_empty() {
        let views_dir: PathBuf = dir.join(&folder);
        std::fs::create_dir_all(&views_dir).map_err(|e| Error::io(&views_dir, e))?;
        for (rel, html) in &overview.views {
            let p = dir.join(rel);
            std::fs::write(&p, html).map_err(|e| Error::io(&p, e))?;
        }
    }
    std::fs::write(path, &overview.html).map_err(|e| Error::io(path, e))?;
    Ok(Written { bytes: overview.html.len(), view_files: overview.views.len() })
}

/// Render the overview without writing anything; view files, if any, are
/// named `<views_folder>/<n>.html`.
pub fn render_overview(
    docs: &[CorpusDocument],
    taxonomy: &Taxonomy,
    options: &OverviewOptions,
    views_folder: &str,
) -> Result<Overview> {
    render(docs, taxonomy, options, views_folder)
}

/// Estimates per label: (estimate, low, high, note).
type Estimates = HashMap<String, (f64, f64, f64, Option<String>)>;

/// The prevalence estimates of a group of documents
/// ([`crate::corpus::Prevalence`]), and its method; or why there are none.
fn estimate(docs: &[&DocumentAnalysis], taxonomy: &Taxonomy) -> std::result::Result<(Estimates, String), String> {
    let owned: Vec<DocumentAnalysis> = docs.iter().map(|a| (*a).clone()).collect();
    let p = crate::corpus::Prevalence::estimate(&owned, taxonomy).map_err(|e| e.to_string())?;
    let estimates = p.prevalence.into_iter().map(|(k, e)| (k, (e.estimate, e.low, e.high, e.note))).collect();
    Ok((estimates, p.method))
}

/// What the estimator reads of an analysis (its scores, basis and
/// language), without the sentences, so that groups are cheap to copy.
fn without_sentences(a: &DocumentAnalysis) -> DocumentAnalysis {
    let mut lite = DocumentAnalysis { sentences: Vec::new(), ..a.clone() };
    lite.sentences.clear();
    lite
}

/// A document as the overview sees it.
struct Doc<'a> {
    id: &'a str,
    analysis: Option<&'a DocumentAnalysis>,
    /// The analysis without its sentences, for the estimator.
    lite: Option<&'a DocumentAnalysis>,
    error: Option<&'a str>,
    title: String,
    source: Option<String>,
    language: Option<String>,
    day: Option<Day>,
    /// A date that was given but could not be read, and why.
    bad_date: Option<(String, String)>,
    url: Option<String>,
    /// Labels its decision carries (taxonomy order).
    decided: Vec<usize>,
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn field<'m>(m: &'m Metadata, names: &[&str]) -> Option<&'m Value> {
    names.iter().find_map(|n| m.get(*n).filter(|v| !v.is_null()))
}

/// The host of an http(s) URL.
fn host_of(url: &str) -> Option<String> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?;
    let host = host.split(':').next()?.trim_start_matches("www.");
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// The labels of the taxonomy and its `other_label`, in order.
struct Labels {
    names: Vec<String>,
    index: HashMap<String, usize>,
    parent: Vec<Option<usize>>,
    other: Option<usize>,
}

impl Labels {
    fn of(t: &Taxonomy) -> Labels {
        let mut names: Vec<String> = t.labels().map(str::to_string).collect();
        let mut parent: Vec<Option<usize>> = (0..names.len()).map(|i| t.parent_index(i)).collect();
        let other = t.other_label.clone().map(|o| match names.iter().position(|n| *n == o) {
            Some(i) => i,
            None => {
                names.push(o);
                parent.push(None);
                names.len() - 1
            }
        });
        let index = names.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
        Labels { names, index, parent, other }
    }

    fn roots(&self) -> Vec<usize> {
        (0..self.names.len()).filter(|&i| self.parent[i].is_none()).collect()
    }

    fn children(&self, p: usize) -> Vec<usize> {
        (0..self.names.len()).filter(|&i| self.parent[i] == Some(p)).collect()
    }
}

fn pretty(label: &str) -> String {
    label.replace('_', " ")
}

/// Estimates and decided shares of a group of documents, per label.
struct GroupStats {
    n: usize,
    decided: Vec<usize>,
    estimates: Option<Estimates>,
}

fn group_stats(docs: &[&Doc<'_>], labels: &Labels, taxonomy: &Taxonomy) -> GroupStats {
    let mut decided = vec![0; labels.names.len()];
    let analyses: Vec<&DocumentAnalysis> = docs.iter().filter_map(|d| d.lite).collect();
    for d in docs {
        for &l in &d.decided {
            decided[l] += 1;
        }
    }
    let estimates = if analyses.is_empty() { None } else { estimate(&analyses, taxonomy).ok().map(|e| e.0) };
    GroupStats { n: analyses.len(), decided, estimates }
}

impl GroupStats {
    fn share(&self, l: usize) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.decided[l] as f64 / self.n as f64
        }
    }

    fn interval(&self, name: &str) -> Option<(f64, f64, f64)> {
        self.estimates.as_ref().and_then(|e| e.get(name)).map(|e| (e.0, e.1, e.2))
    }
}

fn render(docs: &[CorpusDocument], taxonomy: &Taxonomy, options: &OverviewOptions, folder: &str) -> Result<Overview> {
    if docs.is_empty() {
        return Err(Error::InvalidInput("the corpus has no documents: nothing to show".into()));
    }
    for d in docs {
        if let Ok(a) = &d.outcome {
            if a.taxonomy != taxonomy.name {
                return Err(Error::InvalidInput(format!(
                    "document `{}` was classified with taxonomy `{}`, not `{}`; an overview shows one taxonomy",
                    d.id, a.taxonomy, taxonomy.name
                )));
            }
        }
    }
    let labels = Labels::of(taxonomy);
    let lite: Vec<Option<DocumentAnalysis>> =
        docs.iter().map(|d| d.outcome.as_ref().ok().map(without_sentences)).collect();
    let view: Vec<Doc<'_>> = docs.iter().zip(&lite).map(|(d, l)| doc_of(d, l.as_ref(), &labels)).collect();
    let all: Vec<&Doc<'_>> = view.iter().collect();
    let analyses: Vec<&DocumentAnalysis> = view.iter().filter_map(|d| d.analysis).collect();
    let (estimates, method, no_estimate) = match analyses.is_empty() {
        true => (None, None, "every document failed".to_string()),
        false => match estimate(&view.iter().filter_map(|d| d.lite).collect::<Vec<_>>(), taxonomy) {
            Ok((e, m)) => (Some(e), Some(m), String::new()),
            Err(why) => (None, None, why),
        },
    };
    let corpus = GroupStats {
        n: analyses.len(),
        decided: group_stats(&all, &labels, taxonomy).decided,
        estimates: estimates.clone(),
    };

    // Top-level rows, by estimate (or share decided), `Other` last.
    let key = |l: usize| corpus.interval(&labels.names[l]).map_or(corpus.share(l), |i| i.0);
    let mut roots = labels.roots();
    roots.sort_by(|&a, &b| {
        (Some(a) == labels.other).cmp(&(Some(b) == labels.other)).then(key(b).total_cmp(&key(a))).then(a.cmp(&b))
    });
    let mut colour = vec![OTHER_COLOUR; labels.names.len()];
    for (k, &r) in roots.iter().filter(|&&r| Some(r) != labels.other).enumerate() {
        let c = PALETTE.get(k).copied().unwrap_or(OTHER_COLOUR);
        colour[r] = c;
        for ch in labels.children(r) {
            colour[ch] = c;
        }
    }

    let mut views: Vec<Option<String>> = Vec::with_capacity(view.len());
    for d in &view {
        views.push(d.analysis.map(|a| {
            let mut meta: Vec<(&str, String)> = Vec::new();
            if let Some(s) = &d.source {
                meta.push(("Source", s.clone()));
            }
            if let Some(day) = d.day {
                meta.push(("Date", dates::iso(day)));
            }
            meta.push(("Id", d.id.to_string()));
            super::render_view(a, taxonomy, &d.title, &meta)
        }));
    }
    let inline_bytes: usize = views.iter().flatten().map(|v| v.len() - super::CSS.len() - super::JS.len()).sum();
    let inline = inline_bytes <= options.inline_views_max_bytes;

    let mut h =
        String::with_capacity(256 * 1024 + view.len() * 300 + if inline { inline_bytes + inline_bytes / 8 } else { 0 });
    let title = escape_html(&options.title);
    let failed = view.iter().filter(|d| d.error.is_some()).count();
    let no_date = view.iter().filter(|d| d.day.is_none()).count();
    let bad_dates = view.iter().filter(|d| d.bad_date.is_some()).count();
    let no_source = view.iter().filter(|d| d.source.is_none()).count();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"framelens {version}\">\n\
         <title>{title} · framelens</title>\n<style>{base}{CSS}</style>\n</head>\n<body>\n\
         <header class=\"fl-header\">\n<div class=\"fl-kicker\">framelens corpus overview</div>\n<h1 id=\"fl-title\">{title}</h1>\n\
         <p class=\"fl-meta\"><span>Taxonomy <b>{tax}</b></span><span><b>{n}</b> documents</span><span><b>{ok}</b> classified</span>",
        version = env!("CARGO_PKG_VERSION"),
        base = super::CSS,
        tax = escape_html(taxonomy.title.as_deref().unwrap_or(&taxonomy.name)),
        n = view.len(),
        ok = analyses.len(),
    );
    if failed > 0 {
        let _ = write!(h, "<span class=\"fl-bad\"><b>{failed}</b> failed</span>");
    }
    let _ = writeln!(
        h,
        "<span>{no_date} without a usable date{}</span><span>{no_source} without a source</span></p>",
        if bad_dates > 0 { format!(" ({bad_dates} unreadable)") } else { String::new() }
    );
    match &method {
        Some(m) => {
            let _ = writeln!(h, "<p class=\"fl-method\">Prevalence: {} (90% intervals).</p>", escape_html(m));
        }
        None => {
            let _ = writeln!(
                h,
                "<p class=\"fl-warning\" id=\"fl-counts-only\">Counts only: the share of documents whose decision carries \
                 each label (classify-and-count, no interval). No prevalence estimate: {}.</p>",
                escape_html(&no_estimate)
            );
        }
    }
    if analyses.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"fl-warning\" role=\"alert\" id=\"fl-all-failed\">Every document failed: there is nothing to \
             estimate. The table below lists each one with its reason.</p>"
        );
    }
    h.push_str("<nav class=\"fl-nav\"><a href=\"#fl-prevalence\">Prevalence</a><a href=\"#fl-time\">Over time</a>\
                <a href=\"#fl-sources\">By outlet</a><a href=\"#fl-languages\">By language</a>\
                <a href=\"#fl-evidence\">Evidence</a><a href=\"#fl-docs\">Documents</a></nav>\n</header>\n<main class=\"fl-wide\">\n");

    // 1. Prevalence: chart and table.
    let what = if estimates.is_some() { "Estimated share of documents" } else { "Share of documents decided" };
    let _ = writeln!(
        h,
        "<section class=\"fl-card\" id=\"fl-prevalence\"><h2>Prevalence</h2>\n<p class=\"fl-hint\">{what} per \
         {unit}{note}. The triangle marks the share of documents whose decision carries it.</p>",
        unit = if taxonomy.is_hierarchical() {
            "narrative (sub-narratives folded beneath in the table)"
        } else {
            "category"
        },
        note = if estimates.is_some() { ", with its 90% interval (shaded)" } else { "" },
    );
    let rows: Vec<Row> = roots
        .iter()
        .map(|&r| Row {
            name: pretty(&labels.names[r]),
            interval: corpus.interval(&labels.names[r]),
            decided: corpus.share(r),
            colour: colour[r],
        })
        .collect();
    let _ = writeln!(
        h,
        "<div class=\"fl-chart-wrap\" id=\"fl-prevalence-chart\">{}</div>",
        charts::interval_chart(&rows, 860, 56, "Prevalence per category")
    );
    render_table(&mut h, &roots, &labels, &corpus, &colour);
    h.push_str("</section>\n");

    // 2. By period, outlet and language.
    render_time(&mut h, &view, &roots, &labels, taxonomy, &colour, no_date, bad_dates);
    let source_of = |d: &Doc<'_>| d.source.clone();
    let language_of = |d: &Doc<'_>| d.language.clone();
    render_groups(&mut h, "fl-sources", "By outlet", "source", &view, &source_of, &roots, &labels, taxonomy, &colour);
    render_groups(
        &mut h,
        "fl-languages",
        "By language",
        "language",
        &view,
        &language_of,
        &roots,
        &labels,
        taxonomy,
        &colour,
    );

    // 3. Evidence and documents.
    render_evidence(&mut h, &view, &roots, &labels, &colour, inline, folder);
    h.push_str(
        "<section class=\"fl-card\" id=\"fl-docs\"><h2>Documents</h2>\n<form class=\"fl-filters\" id=\"fl-filters\" hidden>\
         <label>Category <select id=\"fl-f-cat\"><option value=\"\">any</option></select></label>\
         <label>Language <select id=\"fl-f-lang\"><option value=\"\">any</option></select></label>\
         <label>Outlet <select id=\"fl-f-source\"><option value=\"\">any</option></select></label>\
         <label>From <input type=\"date\" id=\"fl-f-from\"></label><label>To <input type=\"date\" id=\"fl-f-to\"></label>\
         <label>Title <input type=\"search\" id=\"fl-f-q\" placeholder=\"words in the title\"></label></form>\n\
         <p class=\"fl-hint\" id=\"fl-docs-count\"></p>\n<noscript><p class=\"fl-hint\">The document table needs \
         JavaScript; the summary, charts and evidence above do not.</p></noscript>\n\
         <table class=\"fl-table\" id=\"fl-doc-table\"><thead><tr><th>Title</th><th>Outlet</th><th>Date</th><th>Language</th>\
         <th>Decided</th></tr></thead><tbody></tbody></table>\n<button type=\"button\" id=\"fl-more\" hidden>Show more</button>\n</section>\n",
    );
    h.push_str("</main>\n<div id=\"fl-viewer\" class=\"fl-viewer\" hidden><div class=\"fl-viewer-bar\"><span id=\"fl-viewer-title\"></span>\
                <a href=\"#fl-docs\" id=\"fl-viewer-close\">Close ✕</a></div><iframe id=\"fl-viewer-frame\" title=\"Document\"></iframe></div>\n");
    h.push_str(
        "<footer class=\"fl-footer\">Made with framelens; this page works offline. Shares are of the classified \
         documents; failed documents are listed in the table and counted above.</footer>\n",
    );

    // Data for the script (and for tests).
    let data =
        page_data(&view, &labels, &corpus, method.as_deref(), &colour, inline, folder, no_date, no_source, taxonomy);
    let _ = writeln!(h, "<script type=\"application/json\" id=\"fl-corpus\">{}</script>", json_for_script(&data));
    let mut files = Vec::new();
    if inline {
        let stripped: Vec<Value> = views
            .iter()
            .map(|v| match v {
                Some(v) => Value::String(v.replacen(super::CSS, "/*fl-css*/", 1).replacen(super::JS, "/*fl-js*/", 1)),
                None => Value::Null,
            })
            .collect();
        let shared = json!({ "css": super::CSS, "js": super::JS, "pages": stripped });
        let _ = writeln!(h, "<script type=\"application/json\" id=\"fl-views\">{}</script>", json_for_script(&shared));
    } else {
        for (i, v) in views.into_iter().enumerate() {
            if let Some(v) = v {
                files.push((format!("{folder}/{i}.html"), v));
            }
        }
    }
    let _ = write!(h, "<script>{JS}</script>\n</body>\n</html>\n");
    Ok(Overview { html: h, views: files })
}

/// JSON that is safe inside a `<script>` element.
fn json_for_script(v: &Value) -> String {
    v.to_string().replace('<', "\\u003c")
}

fn doc_of<'a>(d: &'a CorpusDocument, lite: Option<&'a DocumentAnalysis>, labels: &Labels) -> Doc<'a> {
    let m = &d.metadata;
    let analysis = d.outcome.as_ref().ok();
    let title = field(m, &["title", "headline"])
        .and_then(text_of)
        .or_else(|| analysis.and_then(|a| a.sentences.first()).map(|s| charts::shorten(s.text.trim(), 100)))
        .unwrap_or_else(|| d.id.clone());
    let url = field(m, &["url", "link"]).and_then(text_of).filter(|u| host_of(u).is_some());
    let source = field(m, &["source", "outlet", "publisher", "site", "domain"])
        .and_then(text_of)
        .or_else(|| url.as_deref().and_then(host_of));
    let language = field(m, &["language", "lang"])
        .and_then(text_of)
        .or_else(|| analysis.and_then(|a| a.language.as_ref()).map(|l| l.name.clone()));
    let (day, bad_date) = match field(m, &["date", "published", "published_at", "publication_date", "datetime"]) {
        None => (None, None),
        Some(v) => match dates::parse_date(v) {
            Ok(day) => (Some(day), None),
            Err(why) => (None, Some((v.to_string(), why))),
        },
    };
    let mut decided: Vec<usize> =
        analysis.map(|a| a.decided().filter_map(|l| labels.index.get(&l.label).copied()).collect()).unwrap_or_default();
    decided.sort_unstable();
    decided.dedup();
    Doc {
        id: &d.id,
        analysis,
        lite,
        error: d.outcome.as_ref().err().map(String::as_str),
        title,
        source,
        language,
        day,
        bad_date,
        url,
        decided,
    }
}

fn fmt_share(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn render_table(h: &mut String, roots: &[usize], labels: &Labels, corpus: &GroupStats, colour: &[&str]) {
    let est = corpus.estimates.is_some();
    let _ = writeln!(
        h,
        "<table class=\"fl-table fl-summary\" id=\"fl-summary\"><thead><tr><th>Category</th>{}<th>Documents decided</th></tr></thead>",
        if est { "<th>Estimate</th><th>90% interval</th>" } else { "" }
    );
    let row = |h: &mut String, l: usize, child: bool, has_children: bool| {
        let name = &labels.names[l];
        let shown = match (child, labels.parent[l]) {
            (true, Some(p)) => {
                name.strip_prefix(labels.names[p].as_str()).and_then(|r| r.strip_prefix(": ")).unwrap_or(name)
            }
            _ => name.as_str(),
        };
        let cells = match corpus.interval(name) {
            Some((e, lo, hi)) => format!(
                "<td class=\"fl-num\">{}</td><td class=\"fl-num\">{} – {}</td>",
                fmt_share(e),
                fmt_share(lo),
                fmt_share(hi)
            ),
            None if est => "<td class=\"fl-num\">–</td><td class=\"fl-num\">–</td>".to_string(),
            None => String::new(),
        };
        let toggle = if has_children {
            "<button type=\"button\" class=\"fl-fold\" aria-expanded=\"true\">▾</button>"
        } else {
            ""
        };
        let _ = writeln!(
            h,
            "<tr class=\"{cls}\" data-label=\"{label}\"{parent}><th scope=\"row\" style=\"--c:{c}\">{toggle}<span class=\"fl-swatch\"></span>{shown}</th>{cells}\
             <td class=\"fl-num\">{count} <span class=\"fl-count\">({share})</span></td></tr>",
            cls = if child { "fl-child" } else { "fl-root" },
            label = escape_html(name),
            parent = labels.parent[l].map(|p| format!(" data-parent=\"{}\"", escape_html(&labels.names[p]))).unwrap_or_default(),
            c = colour[l],
            shown = escape_html(&pretty(shown)),
            count = corpus.decided[l],
            share = fmt_share(corpus.share(l)),
        );
    };
    h.push_str("<tbody>\n");
    for &r in roots {
        let children = labels.children(r);
        row(h, r, false, !children.is_empty());
        let mut children = children;
        let key = |l: usize| corpus.interval(&labels.names[l]).map_or(corpus.share(l), |i| i.0);
        children.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
        for c in children {
            row(h, c, true, false);
        }
    }
    h.push_str("</tbody></table>\n");
}

/// The roots drawn as small multiples: all of them, the first few shown.
fn multiples_picker(h: &mut String, id: &str) {
    let _ = writeln!(h, "<div class=\"fl-picker\" data-for=\"{id}\" hidden><span class=\"fl-hint\">Show:</span></div>");
}

#[allow(clippy::too_many_arguments)]
fn render_time(
    h: &mut String,
    view: &[Doc<'_>],
    roots: &[usize],
    labels: &Labels,
    taxonomy: &Taxonomy,
    colour: &[&'static str],
    no_date: usize,
    bad_dates: usize,
) {
    let days: Vec<Day> = view.iter().filter(|d| d.analysis.is_some()).filter_map(|d| d.day).collect();
    h.push_str("<section class=\"fl-card\" id=\"fl-time\"><h2>Over time</h2>\n");
    let missing = if no_date > 0 {
        format!(
            " {no_date} document{} without a usable date {} left out of this chart{}.",
            if no_date == 1 { "" } else { "s" },
            if no_date == 1 { "is" } else { "are" },
            if bad_dates > 0 {
                format!(" ({bad_dates} gave a date that could not be read; see the data's `bad_dates`)")
            } else {
                String::new()
            }
        )
    } else {
        String::new()
    };
    if days.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"fl-none\" id=\"fl-time-none\">No classified document has a usable date.{missing}</p></section>"
        );
        return;
    }
    let period = Period::for_days(&days);
    let lo = days.iter().copied().min().map(|d| period.index(d)).unwrap_or(0);
    let hi = days.iter().copied().max().map(|d| period.index(d)).unwrap_or(0);
    let mut buckets: BTreeMap<i64, Vec<&Doc<'_>>> = (lo..=hi).map(|i| (i, Vec::new())).collect();
    for d in view.iter().filter(|d| d.analysis.is_some()) {
        if let Some(day) = d.day {
            buckets.entry(period.index(day)).or_default().push(d);
        }
    }
    let stats: Vec<(String, GroupStats)> =
        buckets.iter().map(|(i, ds)| (period.name(*i), group_stats(ds, labels, taxonomy))).collect();
    let _ = writeln!(
        h,
        "<p class=\"fl-hint\">Per {p} ({n} period{s} from {first} to {last}, chosen so that a period holds about {min} \
         documents or more); the line is the {what}, the band its 90% interval, the triangles the share decided.{missing}</p>",
        p = serde_json::to_value(period).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
        n = stats.len(),
        s = if stats.len() == 1 { "" } else { "s" },
        first = stats.first().map(|s| s.0.as_str()).unwrap_or(""),
        last = stats.last().map(|s| s.0.as_str()).unwrap_or(""),
        min = dates::MIN_PER_PERIOD,
        what = if stats.iter().any(|s| s.1.estimates.is_some()) { "estimate" } else { "share decided (counts only)" },
    );
    multiples_picker(h, "fl-time");
    h.push_str("<div class=\"fl-multiples\" id=\"fl-time-charts\">\n");
    for (k, &r) in roots.iter().enumerate() {
        let name = &labels.names[r];
        let points: Vec<Point> = stats
            .iter()
            .map(|(pname, s)| Point { name: pname.clone(), interval: s.interval(name), decided: s.share(r) })
            .collect();
        let svg = charts::time_chart(&points, colour[r], 420, 190, &format!("{} over time", pretty(name)));
        multiple_figure(h, name, k, colour[r], &svg);
    }
    h.push_str("</div>\n</section>\n");
}

#[allow(clippy::too_many_arguments)]
fn render_groups(
    h: &mut String,
    id: &str,
    heading: &str,
    what: &str,
    view: &[Doc<'_>],
    key: &dyn Fn(&Doc<'_>) -> Option<String>,
    roots: &[usize],
    labels: &Labels,
    taxonomy: &Taxonomy,
    colour: &[&'static str],
) {
    let classified: Vec<&Doc<'_>> = view.iter().filter(|d| d.analysis.is_some()).collect();
    let mut groups: BTreeMap<String, Vec<&Doc<'_>>> = BTreeMap::new();
    let mut missing = 0;
    for d in &classified {
        match key(d) {
            Some(k) => groups.entry(k).or_default().push(d),
            None => missing += 1,
        }
    }
    let _ = writeln!(h, "<section class=\"fl-card\" id=\"{id}\"><h2>{heading}</h2>");
    let missing_note = if missing > 0 {
        format!(
            " {missing} classified document{} without a {what} {} left out.",
            if missing == 1 { "" } else { "s" },
            if missing == 1 { "is" } else { "are" }
        )
    } else {
        String::new()
    };
    if groups.is_empty() {
        let _ = writeln!(h, "<p class=\"fl-none\">No classified document names a {what}.{missing_note}</p></section>");
        return;
    }
    let mut order: Vec<(String, Vec<&Doc<'_>>)> = groups.into_iter().collect();
    order.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    let pooled = if order.len() > MAX_GROUPS { order.split_off(MAX_GROUPS - 1) } else { Vec::new() };
    if !pooled.is_empty() {
        let n = pooled.len();
        let docs: Vec<&Doc<'_>> = pooled.into_iter().flat_map(|g| g.1).collect();
        order.push((format!("{n} other {what}s"), docs));
    }
    let stats: Vec<(String, GroupStats)> = order
        .iter()
        .map(|(name, ds)| (format!("{name} (n={})", ds.len()), group_stats(ds, labels, taxonomy)))
        .collect();
    let _ = writeln!(
        h,
        "<p class=\"fl-hint\">Per {what}, the {} (bar and mark) and the share decided (triangle) of each category; \
         {} {what}{}, the largest first.{missing_note}</p>",
        if stats.iter().any(|s| s.1.estimates.is_some()) {
            "estimate with its 90% interval"
        } else {
            "counts only: no estimate"
        },
        stats.len(),
        if stats.len() == 1 { "" } else { "s" },
    );
    multiples_picker(h, id);
    let _ = writeln!(h, "<div class=\"fl-multiples\" id=\"{id}-charts\">");
    for (k, &r) in roots.iter().enumerate() {
        let name = &labels.names[r];
        let rows: Vec<Row> = stats
            .iter()
            .map(|(g, s)| Row { name: g.clone(), interval: s.interval(name), decided: s.share(r), colour: colour[r] })
            .collect();
        let svg = charts::interval_chart(&rows, 420, 30, &format!("{} by {what}", pretty(name)));
        multiple_figure(h, name, k, colour[r], &svg);
    }
    h.push_str("</div>\n</section>\n");
}

fn view_href(i: usize, inline: bool, folder: &str) -> String {
    if inline {
        format!("#doc={i}")
    } else {
        format!("{folder}/{i}.html")
    }
}

fn render_evidence(
    h: &mut String,
    view: &[Doc<'_>],
    roots: &[usize],
    labels: &Labels,
    colour: &[&'static str],
    inline: bool,
    folder: &str,
) {
    // Per label: (score, document, sentence), one sentence per document.
    let mut best: Vec<Vec<(f32, usize, usize)>> = vec![Vec::new(); labels.names.len()];
    for (di, d) in view.iter().enumerate() {
        let Some(a) = d.analysis else { continue };
        for l in a.decided() {
            let Some(&li) = labels.index.get(&l.label) else { continue };
            let top = l
                .evidence
                .iter()
                .filter_map(|&s| a.sentences.get(s).map(|x| (x.scores.get(&l.label).unwrap_or(l.score), s)))
                .max_by(|x, y| x.0.total_cmp(&y.0));
            if let Some((score, s)) = top {
                let list = &mut best[li];
                list.push((score, di, s));
                if list.len() > EVIDENCE_PER_LABEL * 4 {
                    list.sort_by(|x, y| y.0.total_cmp(&x.0));
                    list.truncate(EVIDENCE_PER_LABEL);
                }
            }
        }
    }
    for list in &mut best {
        list.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        list.truncate(EVIDENCE_PER_LABEL);
    }
    h.push_str(
        "<section class=\"fl-card\" id=\"fl-evidence\"><h2>Evidence</h2>\n<p class=\"fl-hint\">The strongest evidence \
         sentences across the corpus for each category (one per document), with the document they come from; open a \
         document to see it in context.</p>\n<div class=\"fl-picker\" data-for=\"fl-evidence\" hidden></div>\n",
    );
    let mut order: Vec<usize> = Vec::new();
    for &r in roots {
        order.push(r);
        order.extend(labels.children(r));
    }
    for (k, l) in order.into_iter().enumerate() {
        if best[l].is_empty() {
            continue;
        }
        let _ = write!(
            h,
            "<details class=\"fl-ev-group\" data-label=\"{label}\"{open}><summary style=\"--c:{c}\"><span class=\"fl-swatch\"></span>{name} \
             <span class=\"fl-count\">{n}</span></summary><ol>",
            label = escape_html(&labels.names[l]),
            open = if k < 3 { " open" } else { "" },
            c = colour[l],
            name = escape_html(&pretty(&labels.names[l])),
            n = best[l].len(),
        );
        for &(score, di, si) in &best[l] {
            let d = &view[di];
            let Some(s) = d.analysis.and_then(|a| a.sentences.get(si)) else { continue };
            let mut meta = vec![escape_html(&d.title)];
            if let Some(src) = &d.source {
                meta.push(escape_html(src));
            }
            if let Some(day) = d.day {
                meta.push(dates::iso(day));
            }
            let href = format!(
                "{}{}",
                view_href(di, inline, folder),
                if inline { format!("&s={si}") } else { format!("#s{si}") }
            );
            let _ = write!(
                h,
                "<li><blockquote class=\"fl-quote\" style=\"--c:{c}\">{text}</blockquote><div class=\"fl-sub\"><a class=\"fl-open\" href=\"{href}\">{m}</a> · score {score:.2}</div></li>",
                c = colour[l],
                text = escape_html(s.text.trim()),
                href = escape_html(&href),
                m = meta.join(" · "),
            );
        }
        h.push_str("</ol></details>\n");
    }
    h.push_str("</section>\n");
}

#[allow(clippy::too_many_arguments)]
fn page_data(
    view: &[Doc<'_>],
    labels: &Labels,
    corpus: &GroupStats,
    method: Option<&str>,
    colour: &[&'static str],
    inline: bool,
    folder: &str,
    no_date: usize,
    no_source: usize,
    taxonomy: &Taxonomy,
) -> Value {
    let label_list: Vec<Value> = labels
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| json!({ "label": n, "parent": labels.parent[i].map(|p| labels.names[p].clone()), "colour": colour[i] }))
        .collect();
    let prevalence: serde_json::Map<String, Value> = corpus
        .estimates
        .iter()
        .flatten()
        .map(|(k, (e, lo, hi, note))| (k.clone(), json!({ "estimate": e, "low": lo, "high": hi, "note": note })))
        .collect();
    let decided: serde_json::Map<String, Value> =
        labels.names.iter().enumerate().map(|(i, n)| (n.clone(), json!(corpus.decided[i]))).collect();
    let docs: Vec<Value> = view
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut o = serde_json::Map::new();
            o.insert("id".into(), json!(d.id));
            o.insert("title".into(), json!(d.title));
            if let Some(s) = &d.source {
                o.insert("source".into(), json!(s));
            }
            if let Some(l) = &d.language {
                o.insert("language".into(), json!(l));
            }
            if let Some(day) = d.day {
                o.insert("date".into(), json!(dates::iso(day)));
            }
            if let Some(u) = &d.url {
                o.insert("url".into(), json!(u));
            }
            o.insert("labels".into(), json!(d.decided));
            if let Some(e) = d.error {
                o.insert("error".into(), json!(e));
            } else {
                o.insert("view".into(), json!(view_href(i, inline, folder)));
            }
            Value::Object(o)
        })
        .collect();
    let bad: Vec<Value> = view
        .iter()
        .filter_map(|d| d.bad_date.as_ref().map(|(v, why)| json!({ "id": d.id, "value": v, "reason": why })))
        .take(50)
        .collect();
    json!({
        "generator": format!("framelens {}", env!("CARGO_PKG_VERSION")),
        "taxonomy": taxonomy.name,
        "documents": view.len(),
        "classified": corpus.n,
        "failed": view.iter().filter(|d| d.error.is_some()).count(),
        "method": method,
        "counts_only": corpus.estimates.is_none(),
        "prevalence": prevalence,
        "decided": decided,
        "labels": label_list,
        "missing": { "date": no_date, "source": no_source },
        "bad_dates": bad,
        "views": if inline { "inline" } else { "files" },
        "docs": docs,
    })
}

const CSS: &str = r##"
.fl-wide { max-width: 1320px; margin: 0 auto; padding: 16px 32px 24px; display: flex; flex-direction: column; gap: 20px; }
.fl-nav { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 12px 0 0; font-size: 13px; }
.fl-nav a, .fl-open { color: var(--accent); }
.fl-method { color: var(--muted); font-size: 13px; margin: 8px 0 0; }
.fl-bad b { color: #b42318; }
.fl-chart-wrap { margin: 8px 0 14px; }
.fl-svg { display: block; width: 100%; height: auto; max-width: 100%; }
#fl-prevalence-chart .fl-svg { max-width: 980px; }
.fl-table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
.fl-table th, .fl-table td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
.fl-table thead th { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
.fl-table .fl-num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.fl-summary tbody th { font-weight: 600; }
.fl-summary tr.fl-child th { font-weight: 400; padding-left: 40px; color: var(--muted); }
.fl-summary .fl-swatch { display: inline-block; margin-right: 8px; vertical-align: -1px; }
.fl-summary tr.fl-folded { display: none; }
.fl-fold { border: 0; background: none; cursor: pointer; width: 1.4em; padding: 0; color: var(--muted); }
.fl-fold[aria-expanded="false"] { transform: rotate(-90deg); }
.fl-multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 14px 20px; }
.fl-multiple { margin: 0; }
.fl-multiple[hidden] { display: none; }
.fl-multiple figcaption { font-size: 13px; font-weight: 600; margin-bottom: 2px; display: flex; align-items: center; gap: 6px; }
.fl-picker { display: flex; flex-wrap: wrap; gap: 6px; margin: 0 0 12px; }
.fl-chip { border: 1px solid var(--line); background: #fff; border-radius: 999px; padding: 2px 10px; font-size: 12px; cursor: pointer; }
.fl-chip[aria-pressed="true"] { background: var(--c, var(--accent)); border-color: var(--c, var(--accent)); color: #fff; }
.fl-ev-group { margin: 0 0 8px; }
.fl-ev-group summary { cursor: pointer; font-weight: 600; font-size: 14px; display: flex; align-items: center; gap: 8px; }
.fl-ev-group[hidden] { display: none; }
.fl-ev-group ol { margin: 8px 0 12px; padding-left: 22px; display: flex; flex-direction: column; gap: 8px; }
.fl-ev-group blockquote { margin: 0; }
.fl-filters { display: flex; flex-wrap: wrap; gap: 8px 16px; margin: 0 0 10px; font-size: 13px; color: var(--muted); }
.fl-filters select, .fl-filters input { font: inherit; color: var(--ink); margin-left: 4px; max-width: 240px; }
#fl-doc-table td.fl-labels { font-size: 12px; color: var(--muted); }
#fl-doc-table tr.fl-failed td { color: #b42318; }
#fl-more { margin-top: 10px; font: inherit; }
.fl-viewer { position: fixed; inset: 0; z-index: 20; background: rgba(16,24,40,.55); display: flex; flex-direction: column; padding: 24px; }
.fl-viewer[hidden] { display: none; }
.fl-viewer-bar { display: flex; justify-content: space-between; background: #1d2430; color: #fff; padding: 8px 14px;
  border-radius: 10px 10px 0 0; font-size: 14px; }
.fl-viewer-bar a { color: #fff; }
.fl-viewer iframe { flex: 1; border: 0; background: #fff; border-radius: 0 0 10px 10px; width: 100%; }
@media (max-width: 960px) { .fl-wide { padding-left: 16px; padding-right: 16px; } }
"##;

const JS: &str = r##"
(function () {
  "use strict";
  var data, views = null;
  try { data = JSON.parse(document.getElementById("fl-corpus").textContent); } catch (e) { return; }
  var labels = data.labels;
  var PAGE = 200;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function pretty(l) { return l.replace(/_/g, " "); }

  // Sub-narratives fold under their narrative.
  document.querySelectorAll("#fl-summary .fl-fold").forEach(function (b) {
    var row = b.closest("tr");
    function set(open) {
      b.setAttribute("aria-expanded", String(open));
      var next = row.nextElementSibling;
      while (next && next.classList.contains("fl-child")) { next.classList.toggle("fl-folded", !open); next = next.nextElementSibling; }
    }
    set(false);
    b.addEventListener("click", function () { set(b.getAttribute("aria-expanded") !== "true"); });
  });

  // Category pickers for the small multiples and the evidence.
  document.querySelectorAll(".fl-picker").forEach(function (picker) {
    var target = document.getElementById(picker.dataset.for);
    var items = target.querySelectorAll(picker.dataset.for === "fl-evidence" ? ".fl-ev-group" : ".fl-multiple");
    if (!items.length) return;
    picker.hidden = false;
    items.forEach(function (item) {
      var chip = el("button", "fl-chip", pretty(item.dataset.label));
      chip.type = "button";
      var lab = labels.filter(function (l) { return l.label === item.dataset.label; })[0];
      if (lab) chip.style.setProperty("--c", lab.colour);
      chip.setAttribute("aria-pressed", String(!item.hidden));
      chip.addEventListener("click", function () {
        item.hidden = !item.hidden;
        chip.setAttribute("aria-pressed", String(!item.hidden));
      });
      picker.appendChild(chip);
    });
  });

  // The document table and its filters.
  var form = document.getElementById("fl-filters");
  var f = {
    cat: document.getElementById("fl-f-cat"), lang: document.getElementById("fl-f-lang"),
    source: document.getElementById("fl-f-source"), from: document.getElementById("fl-f-from"),
    to: document.getElementById("fl-f-to"), q: document.getElementById("fl-f-q")
  };
  function options(select, values) {
    values.forEach(function (v) { var o = el("option", null, v[1]); o.value = v[0]; select.appendChild(o); });
  }
  var used = {};
  data.docs.forEach(function (d) { d.labels.forEach(function (l) { used[l] = (used[l] || 0) + 1; }); });
  options(f.cat, labels.map(function (l, i) { return [String(i), pretty(l.label) + " (" + (used[i] || 0) + ")"]; })
    .filter(function (_, i) { return used[i]; }));
  function distinct(key) {
    var seen = {};
    data.docs.forEach(function (d) { if (d[key] !== undefined) seen[d[key]] = (seen[d[key]] || 0) + 1; });
    return Object.keys(seen).sort().map(function (k) { return [k, k + " (" + seen[k] + ")"]; });
  }
  options(f.lang, distinct("language"));
  options(f.source, distinct("source"));
  form.hidden = false;
  var tbody = document.querySelector("#fl-doc-table tbody");
  var table = document.getElementById("fl-doc-table");
  var more = document.getElementById("fl-more");
  var count = document.getElementById("fl-docs-count");
  var shown = PAGE, rows = [];

  function matches(d) {
    if (f.cat.value !== "" && d.labels.indexOf(+f.cat.value) < 0) return false;
    if (f.lang.value && d.language !== f.lang.value) return false;
    if (f.source.value && d.source !== f.source.value) return false;
    if (f.from.value && !(d.date && d.date >= f.from.value)) return false;
    if (f.to.value && !(d.date && d.date <= f.to.value)) return false;
    var q = f.q.value.trim().toLowerCase();
    if (q && d.title.toLowerCase().indexOf(q) < 0 && d.id.toLowerCase().indexOf(q) < 0) return false;
    return true;
  }
  function draw() {
    tbody.replaceChildren();
    rows.slice(0, shown).forEach(function (i) {
      var d = data.docs[i];
      var tr = el("tr");
      tr.dataset.i = String(i);
      var td = el("td");
      if (d.view) {
        var a = el("a", "fl-open", d.title);
        a.href = d.view;
        td.appendChild(a);
      } else {
        td.textContent = d.title;
        tr.className = "fl-failed";
      }
      tr.appendChild(td);
      tr.appendChild(el("td", null, d.source || "\u2014"));
      tr.appendChild(el("td", "fl-num", d.date || "\u2014"));
      tr.appendChild(el("td", null, d.language || "\u2014"));
      tr.appendChild(el("td", "fl-labels", d.error ? "failed: " + d.error :
        d.labels.map(function (l) { return pretty(labels[l].label); }).join(", ")));
      tbody.appendChild(tr);
    });
    more.hidden = rows.length <= shown;
    count.textContent = rows.length + " of " + data.docs.length + " documents" +
      (rows.length > shown ? " (first " + shown + " shown)" : "");
    table.setAttribute("data-fl-rows", String(rows.length));
  }
  function filter() {
    rows = [];
    data.docs.forEach(function (d, i) { if (matches(d)) rows.push(i); });
    shown = PAGE;
    draw();
    var p = new URLSearchParams();
    Object.keys(f).forEach(function (k) { if (f[k].value) p.set(k, f[k].value); });
    var s = p.toString();
    if (!/^#doc=/.test(location.hash)) history.replaceState(null, "", s ? "#" + s : location.pathname + location.search);
  }
  Object.keys(f).forEach(function (k) { f[k].addEventListener("input", filter); f[k].addEventListener("change", filter); });
  more.addEventListener("click", function () { shown += PAGE; draw(); });

  // Document views: inline pages in an overlay.
  var viewer = document.getElementById("fl-viewer");
  var frame = document.getElementById("fl-viewer-frame");
  function openDoc(i, s) {
    var d = data.docs[i];
    if (!d || !d.view) return;
    if (data.views !== "inline") { location.href = d.view + (s !== null ? "#s" + s : ""); return; }
    if (!views) views = JSON.parse(document.getElementById("fl-views").textContent);
    var page = views.pages[i];
    if (!page) return;
    page = page.replace("/*fl-css*/", function () { return views.css; }).replace("/*fl-js*/", function () { return views.js; });
    if (s !== null) page = page.replace("<html lang=\"en\">", "<html lang=\"en\" data-pin=\"" + (+s) + "\">");
    frame.srcdoc = page;
    document.getElementById("fl-viewer-title").textContent = d.title;
    viewer.hidden = false;
    viewer.dataset.doc = String(i);
  }
  function route() {
    var h = location.hash.slice(1);
    var p = new URLSearchParams(h);
    if (p.has("doc")) { openDoc(+p.get("doc"), p.has("s") ? p.get("s") : null); return true; }
    viewer.hidden = true;
    frame.removeAttribute("srcdoc");
    return false;
  }
  window.addEventListener("hashchange", route);
  document.getElementById("fl-viewer-close").addEventListener("click", function () { viewer.hidden = true; });

  if (!route()) {
    var p = new URLSearchParams(location.hash.slice(1));
    Object.keys(f).forEach(function (k) { if (p.has(k)) f[k].value = p.get(k); });
  }
  filter();
  document.documentElement.setAttribute("data-fl-ms", String(Math.round(performance.now())));
  document.documentElement.setAttribute("data-fl-ready", String(data.docs.length));
})();
"##;
/// One chart of a row of small multiples: the `k`-th category `name`, in
/// its colour, hidden past the first [`SHOWN_MULTIPLES`] until picked.
fn multiple_figure(h: &mut String, name: &str, k: usize, colour: &str, svg: &str) {
    let _ = writeln!(
        h,
        "<figure class=\"fl-multiple\" data-label=\"{l}\"{hidden}><figcaption style=\"--c:{colour}\"><span class=\"fl-swatch\"></span>{t}</figcaption>{svg}</figure>",
        l = escape_html(name),
        hidden = if k < SHOWN_MULTIPLES { "" } else { " hidden" },
        t = escape_html(&pretty(name)),
    );
}
