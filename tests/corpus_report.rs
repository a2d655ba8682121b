//! The corpus overview (`report --corpus`): its numbers against
//! `batch --summary`, metadata that tries to break it, one document, a
//! corpus that failed, and the page in headless Chromium.
//!
//! The default run classifies 22 of the five-language fixtures once (they
//! are smoke-test texts written here: figures on them say nothing about
//! accuracy). Ignored by default, run by .ci/run:
//! `cargo test --release --test corpus_report -- --ignored --nocapture`
//! renders the 169 Global Voices stories (the README's screenshot,
//! docs/overview.png, is made here) and a corpus of 10,000 documents (size
//! and opening time printed; the size limit asserted).

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::example;
use framelens::corpus::OutputRecord;
use framelens::report::corpus::{
    read_batch, render_overview, write_overview, CorpusDocument, Metadata, OverviewOptions,
};
use framelens::Taxonomy;
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Fictional outlets for the fixtures (the texts are invented too).
const OUTLETS: [&str; 4] = ["daily-example.test", "evening-post.test", "radio-fixture.test", "weekly-sample.test"];

/// The fixtures: 12 English documents and every BG, HI, PT and RU one,
/// classified once, with made-up metadata (outlet, date over six months,
/// language from the folder).
fn fixtures() -> &'static Vec<CorpusDocument> {
    static DOCS: OnceLock<Vec<CorpusDocument>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let mut files: Vec<(String, PathBuf)> = Vec::new();
        for lang in ["EN", "BG", "HI", "PT", "RU"] {
            let dir = common::root().join("tests/data/semeval2025").join(lang).join("raw-documents");
            let mut names: Vec<PathBuf> =
                std::fs::read_dir(&dir).expect("fixture folder").map(|e| e.expect("entry").path()).collect();
            names.sort();
            let take = if lang == "EN" { 12 } else { names.len() };
            files.extend(names.into_iter().take(take).map(|p| (lang.to_string(), p)));
        }
        let texts: Vec<String> = files.iter().map(|(_, p)| std::fs::read_to_string(p).expect("fixture text")).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let results = common::narratives().classify_batch(&refs);
        files
            .iter()
            .zip(results)
            .enumerate()
            .map(|(i, ((lang, path), result))| {
                let id = path.file_stem().expect("stem").to_string_lossy().into_owned();
                let title = texts[i].lines().next().unwrap_or_default().to_string();
                let mut m = Metadata::new();
                m.insert("title".into(), json!(title));
                m.insert("source".into(), json!(OUTLETS[i % OUTLETS.len()]));
                m.insert("date".into(), json!(format!("2024-{:02}-{:02}", 1 + i % 6, 1 + (i * 7) % 28)));
                m.insert("language".into(), json!(lang));
                CorpusDocument { id, metadata: m, outcome: result.map_err(|e| e.to_string()) }
            })
            .collect()
    })
}

fn narratives() -> Taxonomy {
    Taxonomy::builtin("semeval2025-narratives").expect("built-in narratives")
}

fn options(title: &str) -> OverviewOptions {
    OverviewOptions { title: title.into(), ..Default::default() }
}

fn script_json(html: &str, id: &str) -> Value {
    let open = format!("<script type=\"application/json\" id=\"{id}\">");
    let start = html.find(&open).unwrap_or_else(|| panic!("no #{id}")) + open.len();
    let end = start + html[start..].find("</script>").expect("end of script");
    serde_json::from_str(&html[start..end]).expect("data is JSON")
}

/// Write `docs` as a `batch` output file (metadata in each record, as
/// `batch` carries it from its input).
fn write_batch(docs: &[CorpusDocument], path: &Path) {
    let mut out = String::new();
    for d in docs {
        let record = match &d.outcome {
            Ok(a) => OutputRecord::from_result(d.id.clone(), Ok(a.clone())),
            Err(e) => OutputRecord::Error { id: d.id.clone(), error: e.clone(), metadata: Default::default() },
        };
        let mut v: Value = serde_json::from_str(&record.to_line().expect("serialise")).expect("json");
        v["metadata"] = Value::Object(d.metadata.clone());
        out.push_str(&v.to_string());
        out.push('\n');
    }
    std::fs::write(path, out).expect("write batch file");
}

#[test]
fn page_numbers_equal_batch_summary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let batch = dir.path().join("out.jsonl");
    write_batch(fixtures(), &batch);
    // The summary `batch` writes for that file (re-read without models).
    let summary = dir.path().join("summary.json");
    let out = Command::new(example("batch"))
        .arg(&batch)
        .args(["--redecide", "--taxonomy", "semeval2025-narratives", "--quiet", "--summary"])
        .arg(&summary)
        .arg("--output")
        .arg(dir.path().join("redecided.jsonl"))
        .output()
        .expect("run batch");
    assert!(out.status.success(), "batch --summary failed: {}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&summary).expect("summary")).expect("json");

    // The overview of the same file, through the `report` example.
    let page = dir.path().join("overview.html");
    let out = Command::new(example("report"))
        .arg("--corpus")
        .arg(&batch)
        .arg("--output")
        .arg(&page)
        .output()
        .expect("run report");
    assert!(out.status.success(), "report --corpus failed: {}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&page).expect("page");
    let data = script_json(&html, "fl-corpus");
    assert_eq!(data["counts_only"], json!(false));
    assert_eq!(data["method"], summary["method"]);
    assert_eq!(data["classified"], summary["documents"]);
    let (page_p, sum_p) =
        (data["prevalence"].as_object().expect("page"), summary["prevalence"].as_object().expect("sum"));
    assert_eq!(page_p.len(), sum_p.len(), "same labels");
    assert!(sum_p.contains_key("Other"));
    for (label, s) in sum_p {
        for k in ["estimate", "low", "high"] {
            assert_eq!(page_p[label][k], s[k], "{label} {k}");
        }
    }
    // The summary table shows the same estimates (to one decimal).
    let other = &sum_p["Other"];
    let shown = format!("{:.1}%", other["estimate"].as_f64().expect("number") * 100.0);
    let row = &html[html.find("<tr class=\"fl-root\" data-label=\"Other\"").expect("Other row")..];
    assert!(row[..row.find("</tr>").expect("row end")].contains(&shown), "Other row lacks {shown}");
    // Documents decided: every label's count equals the records'.
    let mut counted: HashMap<String, u64> = HashMap::new();
    for d in fixtures() {
        let a = d.outcome.as_ref().expect("fixture classified");
        let mut ls: Vec<&str> = a.decided().map(|l| l.label.as_str()).collect();
        ls.sort_unstable();
        ls.dedup();
        for l in ls {
            *counted.entry(l.to_string()).or_default() += 1;
        }
    }
    for (label, n) in counted {
        assert_eq!(data["decided"][&label].as_u64(), Some(n), "{label}");
    }
}

#[test]
fn page_has_the_sections_and_needs_nothing_from_outside() {
    let t = narratives();
    let o = render_overview(fixtures(), &t, &options("Fixtures"), "x_docs").expect("overview");
    let html = &o.html;
    for id in [
        "fl-prevalence-chart",
        "fl-summary",
        "fl-time-charts",
        "fl-sources-charts",
        "fl-languages-charts",
        "fl-evidence",
        "fl-doc-table",
        "fl-corpus",
        "fl-views",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "missing #{id}");
    }
    assert!(o.views.is_empty(), "22 documents keep their views inline");
    for needle in ["http://", "https://", "<link", " src=", "@import", "url(", "<iframe src", "<img"] {
        assert!(!html.contains(needle), "page refers to an outside resource: `{needle}`");
    }
    // Sub-narratives sit under their narrative in the summary table.
    let first_child = html.find("<tr class=\"fl-child\"").expect("a sub-narrative row");
    let parent = &html[first_child..];
    let parent = &parent[parent.find("data-parent=\"").expect("parent") + 13..];
    let parent = &parent[..parent.find('"').expect("quote")];
    assert!(html.find(&format!("<tr class=\"fl-root\" data-label=\"{parent}\"")).expect("parent row") < first_child);
    // 22 documents over six months are too few for months or quarters (20 a period): one year.
    assert!(html.contains("Per year (1 period from 2024 to 2024"), "period choice");
    // Only the page's own scripts: data, views and code.
    assert_eq!(html.matches("<script").count(), 3);
    // Deterministic.
    assert_eq!(render_overview(fixtures(), &t, &options("Fixtures"), "x_docs").expect("again").html, *html);
}

/// Metadata built to break the page: markup and script in titles and
/// sources, a `javascript:` URL, dates in mixed shapes, impossible or absent.
fn hostile() -> Vec<CorpusDocument> {
    let titles = [
        "<script>document.title='PWNED'</script>",
        "<img src=x onerror=\"document.title='PWNED'\">",
        "\"><svg onload=alert(1)>",
        "Tom & Jerry </script><script>alert(2)</script>",
    ];
    let dates = [
        json!("2024-02-30"),
        json!("03/04/2024"),
        json!("5 June 2019"),
        json!("2019-06-05T10:00:00Z"),
        json!(null),
        json!(1_559_728_800),
        json!({"y": 2020}),
        json!("0000-00-00"),
    ];
    fixtures()
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut d = d.clone();
            let mut m = Metadata::new();
            m.insert("title".into(), json!(titles[i % titles.len()]));
            if i % 3 != 0 {
                m.insert("source".into(), json!(format!("<b onmouseover=alert({i})>outlet</b>")));
            }
            m.insert(
                "url".into(),
                json!(if i % 2 == 0 { "javascript:alert(3)" } else { "https://example.test/a?b=<c>" }),
            );
            if !dates[i % dates.len()].is_null() {
                m.insert("date".into(), dates[i % dates.len()].clone());
            }
            d.metadata = m;
            d
        })
        .collect()
}

#[test]
fn hostile_metadata_is_escaped_and_counted() {
    let t = narratives();
    let docs = hostile();
    let html = render_overview(&docs, &t, &options("<b>x</b>"), "x_docs").expect("overview").html;
    assert_eq!(html.matches("<script").count(), 3, "a title or source added a script element");
    for bad in ["<img src=x", "<svg onload", "<b onmouseover", "<b>x</b>", "javascript:alert"] {
        assert!(!html.contains(bad), "`{bad}` reached the page unescaped");
    }
    let data = script_json(&html, "fl-corpus");
    let n = docs.len();
    // Dates: 2024-02-30, 03/04/2024, {"y":..} and 0000-00-00 cannot be read; null is absent.
    let unreadable = (0..n).filter(|i| [0, 1, 6, 7].contains(&(i % 8))).count();
    let absent = (0..n).filter(|i| i % 8 == 4).count();
    assert_eq!(data["missing"]["date"].as_u64(), Some((unreadable + absent) as u64));
    assert_eq!(data["bad_dates"].as_array().map(Vec::len), Some(unreadable));
    assert!(data["bad_dates"][0]["reason"].as_str().expect("reason").contains("has no day 30"));
    // No source, and no http(s) URL to take the host from: every sixth.
    assert_eq!(data["missing"]["source"].as_u64(), Some((0..n).filter(|i| i % 6 == 0).count() as u64));
    assert_eq!(data["docs"][3]["source"], json!("example.test"), "the URL's host when no source is given");
    assert!(html.contains(&format!("{} without a usable date ({unreadable} unreadable)", unreadable + absent)));
    // Only http(s) URLs are kept.
    assert!(data["docs"]
        .as_array()
        .expect("docs")
        .iter()
        .all(|d| d["url"].is_null() || d["url"].as_str().is_some_and(|u| u.starts_with("https://"))));
    // Parsed dates are ISO in the data.
    assert_eq!(data["docs"][2]["date"], json!("2019-06-05"));
}

#[test]
fn one_document_and_a_corpus_that_failed() {
    let t = narratives();
    let one = vec![fixtures()[0].clone()];
    let html = render_overview(&one, &t, &options("One"), "x").expect("one document").html;
    let data = script_json(&html, "fl-corpus");
    assert_eq!(data["documents"], json!(1));
    // Too few documents: the estimator says so, with the whole interval.
    let other = &data["prevalence"]["Other"];
    assert_eq!((other["low"].as_f64(), other["high"].as_f64()), (Some(0.0), Some(1.0)));
    assert!(other["note"].as_str().is_some_and(|n| n.contains("not enough")), "{other}");

    let failed: Vec<CorpusDocument> = (0..3)
        .map(|i| CorpusDocument {
            id: format!("bad-{i}"),
            metadata: Metadata::new(),
            outcome: Err("not valid UTF-8".into()),
        })
        .collect();
    let html = render_overview(&failed, &t, &options("Failed"), "x").expect("a failed corpus still renders").html;
    assert!(html.contains("id=\"fl-all-failed\""));
    let data = script_json(&html, "fl-corpus");
    assert_eq!((data["failed"].as_u64(), data["classified"].as_u64()), (Some(3), Some(0)));
    assert_eq!(data["counts_only"], json!(true));
    assert!(data["prevalence"].as_object().is_some_and(|p| p.is_empty()), "no estimate from no document");
    assert!(data["docs"][0]["error"].as_str().is_some_and(|e| e.contains("UTF-8")));

    assert!(render_overview(&[], &t, &options("Empty"), "x").is_err(), "no document at all is an error");
    let mut other_taxonomy = fixtures()[0].clone();
    if let Ok(a) = &mut other_taxonomy.outcome {
        a.taxonomy = "media-frames".into();
    }
    let err = render_overview(&[other_taxonomy], &t, &options("x"), "x").expect_err("mixed taxonomies");
    assert!(err.to_string().contains("media-frames"), "{err}");
}

#[test]
fn views_go_to_files_beyond_the_limit() {
    let t = narratives();
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("big.html");
    let opts = OverviewOptions { inline_views_max_bytes: 10_000, ..options("Files") };
    let written = write_overview(fixtures(), &t, &opts, &page).expect("write");
    assert_eq!(written.view_files, fixtures().len());
    let html = std::fs::read_to_string(&page).expect("page");
    assert!(!html.contains("id=\"fl-views\""));
    let data = script_json(&html, "fl-corpus");
    assert_eq!(data["views"], json!("files"));
    let view = dir.path().join(data["docs"][0]["view"].as_str().expect("view path"));
    assert!(view.starts_with(dir.path().join("big_docs")));
    let view = std::fs::read_to_string(&view).expect("view file written");
    assert!(view.contains("id=\"fl-article\"") && view.contains("id=\"fl-s-0\""), "a document page");
    assert!(view.contains("Source <b>daily-example.test</b>"), "its metadata in the header");
}

#[test]
fn batch_metadata_and_metadata_files_are_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let batch = dir.path().join("out.jsonl");
    write_batch(&fixtures()[..3], &batch);
    let docs = read_batch(&batch).expect("read");
    assert_eq!(docs[1].metadata["source"], json!(OUTLETS[1]));
    let csv = dir.path().join("meta.csv");
    std::fs::write(&csv, format!("id,source,text\n{},csv-outlet.test,ignored\n", docs[0].id)).expect("csv");
    let extra = framelens::report::corpus::read_metadata(&csv).expect("csv metadata");
    assert_eq!(extra[&docs[0].id]["source"], json!("csv-outlet.test"));
    assert!(!extra[&docs[0].id].contains_key("text"));
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "name,source\nx,y\n").expect("csv");
    let err = framelens::report::corpus::read_metadata(&bad).expect_err("no id column");
    assert!(err.to_string().contains("bad.csv") && err.to_string().contains("`id`"), "{err}");
    let units = dir.path().join("units.jsonl");
    std::fs::write(&units, "{\"id\":\"u\",\"units\":[]}\n").expect("write");
    let err = read_batch(&units).expect_err("units refused");
    assert!(err.to_string().contains("units.jsonl") && err.to_string().contains("--unit"), "{err}");
}

// ---- Headless Chromium ----

/// Run Chromium on `url` with `extra` arguments; stdout and stderr.
fn chromium(profile: &Path, extra: &[String], url: &str, limit: Duration) -> (String, String) {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install it with `apt-get install -y chromium` (tests/setup does)"
    );
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1400,1000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (t_out.join().unwrap_or_default(), t_err.join().unwrap_or_default())
}

/// The DOM after the page's script ran, and the console errors.
fn dom(page: &Path, hash: &str, profile: &Path) -> String {
    let url = format!("file://{}{hash}", page.display());
    let (dom, log) =
        chromium(profile, &["--dump-dom".into(), "--virtual-time-budget=5000".into()], &url, Duration::from_secs(120));
    let errors: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE") || l.contains("Uncaught")).collect();
    assert!(errors.is_empty(), "console messages on {url}: {errors:#?}");
    assert!(dom.contains("data-fl-ready="), "the page's script did not run to the end on {url}");
    dom
}

fn rows(dom: &str) -> usize {
    let at = dom.find("data-fl-rows=\"").expect("table rows attribute") + 14;
    dom[at..at + dom[at..].find('"').expect("quote")].parse().expect("number")
}

/// Check an overview in the browser: sections, a filter that narrows the
/// table, and a document link that opens its view.
fn check_in_browser(page: &Path, docs: usize, filter: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let all = dom(page, "", &dir.path().join("p1"));
    for id in ["fl-prevalence-chart", "fl-time-charts", "fl-doc-table"] {
        assert!(all.contains(&format!("id=\"{id}\"")), "missing #{id}");
    }
    assert!(all.contains("<svg class=\"fl-svg\""), "charts are inline SVG");
    assert_eq!(rows(&all), docs);
    let narrowed = dom(page, filter, &dir.path().join("p2"));
    let n = rows(&narrowed);
    assert!(n > 0 && n < docs, "filter {filter} left {n} of {docs} rows");
    // A document link opens its view.
    let href = {
        let at = all.find("<a class=\"fl-open\" href=\"").expect("a document link") + 25;
        all[at..at + all[at..].find('"').expect("quote")].replace("&amp;", "&")
    };
    if let Some(hash) = href.strip_prefix('#') {
        let opened = dom(page, &format!("#{hash}"), &dir.path().join("p3"));
        let tag = &opened[opened.find("<div id=\"fl-viewer\"").expect("viewer")..];
        let tag = &tag[..tag.find('>').expect("tag end")];
        assert!(!tag.contains("hidden"), "viewer still hidden after {href}: {tag}");
        // (Chromium escapes `<` and `>` in attributes, or not, by version.)
        let srcdoc = &opened[opened.find("srcdoc=\"").expect("no document page in the viewer")..];
        assert!(srcdoc[..200].contains("!DOCTYPE html"), "no document page in the viewer: {}", &srcdoc[..200]);
        assert!(srcdoc.contains("id=&quot;fl-s-0&quot;"), "the view has the document's sentences");
    } else {
        let view = page.parent().expect("folder").join(&href);
        let shown = dom(&view, "", &dir.path().join("p3"));
        assert!(shown.contains("id=\"fl-s-0\""), "the view file {href} has the document's sentences");
    }
}

#[test]
fn fixtures_overview_works_in_headless_chromium() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("overview.html");
    write_overview(fixtures(), &narratives(), &options("Five-language fixtures"), &page).expect("write");
    check_in_browser(&page, fixtures().len(), "#lang=BG");
    // Hostile metadata executes nothing.
    let page = dir.path().join("hostile.html");
    write_overview(&hostile(), &narratives(), &options("<script>document.title='PWNED'</script>"), &page)
        .expect("write");
    let shown = dom(&page, "", &dir.path().join("p4"));
    assert!(!shown.contains("<title>PWNED"), "a title ran a script");
    assert!(
        !shown.contains("<img src=\"x\"") && !shown.contains("<svg onload"),
        "markup from metadata became elements"
    );
}

/// The Global Voices stories' batch output and input, from `../shared`.
fn global_voices() -> Option<(Vec<CorpusDocument>, PathBuf)> {
    let input = ["../shared", "../../shared"]
        .iter()
        .map(|s| common::root().join(s).join("data/globalvoices/articles.jsonl"))
        .find(|p| p.is_file())?;
    let text = std::fs::read_to_string(&input).expect("stories");
    let rows: Vec<Value> =
        text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).expect("json")).collect();
    let texts: Vec<&str> = rows.iter().map(|r| r["text"].as_str().expect("text")).collect();
    let results = common::frames().classify_batch(&texts);
    let docs = rows
        .iter()
        .zip(results)
        .map(|(r, res)| {
            let mut m = r.as_object().expect("object").clone();
            m.remove("text");
            let id = m.remove("id").and_then(|v| v.as_str().map(str::to_string)).expect("id");
            CorpusDocument { id, metadata: m, outcome: res.map_err(|e| e.to_string()) }
        })
        .collect();
    Some((docs, input))
}

#[test]
#[ignore = "classifies the 169 Global Voices stories from ../shared (about 2 minutes); .ci/run runs it"]
fn global_voices_overview_and_readme_screenshot() {
    let Some((docs, _)) = global_voices() else {
        panic!("../shared/data/globalvoices/articles.jsonl not found beside the repository");
    };
    assert_eq!(docs.len(), 169);
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("overview.html");
    let t = Taxonomy::builtin("media-frames").expect("frames");
    let started = Instant::now();
    let written =
        write_overview(&docs, &t, &options("Global Voices: 169 stories, media frames"), &page).expect("write");
    println!(
        "Global Voices overview: {} bytes, {} view files, rendered in {:.2} s",
        written.bytes,
        written.view_files,
        started.elapsed().as_secs_f64()
    );
    check_in_browser(&page, 169, "#from=2022-01-01&to=2022-12-31");
    let html = std::fs::read_to_string(&page).expect("page");
    let data = script_json(&html, "fl-corpus");
    assert_eq!(data["counts_only"], json!(false));
    assert_eq!(data["missing"]["date"], json!(0), "every story's date is read");
    // The README's screenshot.
    let png = common::root().join("docs/overview.png");
    let _ = std::fs::remove_file(&png);
    chromium(
        &dir.path().join("shot"),
        &[format!("--screenshot={}", png.display()), "--window-size=1400,1800".into(), "--hide-scrollbars".into()],
        &format!("file://{}", page.display()),
        Duration::from_secs(120),
    );
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(bytes.len() > 60_000, "screenshot is only {} bytes: is the page blank?", bytes.len());
    let p = &data["prevalence"];
    let mut shares: Vec<(String, f64, f64, f64)> = p
        .as_object()
        .expect("prevalence")
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v["estimate"].as_f64().unwrap_or(0.0),
                v["low"].as_f64().unwrap_or(0.0),
                v["high"].as_f64().unwrap_or(0.0),
            )
        })
        .collect();
    shares.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (l, e, lo, hi) in shares {
        println!("{l:40} {:5.1}% [{:5.1}, {:5.1}]  decided {}", e * 100.0, lo * 100.0, hi * 100.0, data["decided"][&l]);
    }
}

#[test]
#[ignore = "renders 10,000 documents and opens the page in Chromium; .ci/run runs it"]
fn ten_thousand_documents() {
    // 10,000 documents from the fixtures' analyses under new ids, with
    // outlets, languages and dates over a year.
    let base = fixtures();
    let docs: Vec<CorpusDocument> = (0..10_000)
        .map(|i| {
            let mut d = base[i % base.len()].clone();
            d.id = format!("doc-{i:05}");
            d.metadata.insert("source".into(), json!(format!("outlet-{}.test", i % 40)));
            d.metadata.insert("date".into(), json!(format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i % 28)));
            if i % 97 == 0 {
                d.outcome = Err("invalid input: the text is empty".into());
            }
            d
        })
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("overview.html");
    let started = Instant::now();
    let written = write_overview(&docs, &narratives(), &options("10,000 documents"), &page).expect("write");
    let render_s = started.elapsed().as_secs_f64();
    let (dom, _) = chromium(
        &dir.path().join("p"),
        &["--dump-dom".into()],
        &format!("file://{}", page.display()),
        Duration::from_secs(180),
    );
    let ready = |name: &str| -> Option<f64> {
        let at = dom.find(&format!("{name}=\""))? + name.len() + 2;
        dom[at..at + dom[at..].find('"')?].parse().ok()
    };
    println!(
        "10,000 documents: overview {:.1} MB, {} view files, written in {render_s:.1} s; in Chromium the script was done {} ms after navigation started",
        written.bytes as f64 / 1e6,
        written.view_files,
        ready("data-fl-ms").map_or("?".into(), |v| format!("{v:.0}"))
    );
    assert!(written.bytes < 25_000_000, "overview of 10,000 documents is {} bytes", written.bytes);
    assert_eq!(ready("data-fl-ready"), Some(10_000.0));
}
