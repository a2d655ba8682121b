//! The HTML report: structure, escaping, paragraphs, no external assets, the
//! `report` example, and the page in a real headless browser.

mod common;

use common::example;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use framelens::corpus::OutputRecord;
use framelens::report::{render_html, render_html_with_text};
use framelens::{DocumentAnalysis, DocumentLabel, LabelScore, Sentence, Taxonomy};

const CHROMIUM: &str = "/usr/bin/chromium";

const TEXT: &str = "Sanctions & \"tariffs\" have cost Europe <billions>. NATO moved troops east.\n\n\
<script>alert(\"owned\")</script> is what the post said. The West wants war.\nMoscow only defends itself.\n";

const SENTENCES: [&str; 5] = [
    "Sanctions & \"tariffs\" have cost Europe <billions>.",
    "NATO moved troops east.",
    "<script>alert(\"owned\")</script> is what the post said.",
    "The West wants war.",
    "Moscow only defends itself.",
];

/// Two top-level narratives with children, and the first child of each.
fn two_narratives(t: &Taxonomy) -> Vec<(String, String)> {
    t.roots()
        .into_iter()
        .filter_map(|r| t.children(r).first().map(|&c| (t.categories[r].label.clone(), t.categories[c].label.clone())))
        .take(2)
        .collect()
}

/// A hand-made analysis of `TEXT`: sentences 2 and 3 carry the first
/// narrative, sentence 4 the second.
fn fixture(taxonomy: &Taxonomy) -> DocumentAnalysis {
    let hierarchical = taxonomy.is_hierarchical();
    let (coarse, fine): (Vec<String>, Vec<String>) = if hierarchical {
        two_narratives(taxonomy).into_iter().unzip()
    } else {
        let labels: Vec<String> = taxonomy.labels().take(2).map(str::to_string).collect();
        (labels.clone(), labels)
    };
    let others: Vec<String> = taxonomy
        .labels()
        .filter(|l| !coarse.contains(&l.to_string()) && !fine.contains(&l.to_string()))
        .take(3)
        .map(str::to_string)
        .collect();
    let top_of = [&others[0], &others[1], &fine[0], &fine[0], &fine[1]];
    let top_score = [0.31, 0.22, 0.74, 0.66, 0.58];
    let mut from = 0;
    let sentences = SENTENCES
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let start = from + TEXT[from..].find(s).expect("fixture sentence in fixture text");
            from = start + s.len();
            let mut scores = vec![LabelScore { label: top_of[i].as_str().into(), score: top_score[i] }];
            scores.extend(
                others
                    .iter()
                    .chain(&fine)
                    .filter(|l| *l != top_of[i])
                    .enumerate()
                    .map(|(k, l)| LabelScore { label: l.as_str().into(), score: 0.2 - 0.03 * k as f32 }),
            );
            Sentence {
                start,
                end: from,
                text: s.to_string(),
                tokens: 8 + i,
                windows: 1,
                furniture: false,
                scores: scores.into(),
            }
        })
        .collect();
    let labels = vec![
        DocumentLabel { label: fine[0].clone(), score: 0.71, evidence: vec![2, 3] },
        DocumentLabel { label: fine[1].clone(), score: 0.55, evidence: vec![4] },
    ];
    let coarse_labels = hierarchical.then(|| {
        vec![
            DocumentLabel { label: coarse[0].clone(), score: 0.62, evidence: vec![2] },
            DocumentLabel { label: coarse[1].clone(), score: 0.51, evidence: vec![4] },
        ]
    });
    let mut document_scores: Vec<LabelScore> = taxonomy
        .labels()
        .enumerate()
        .map(|(k, l)| LabelScore { label: (*l).into(), score: 0.4 - 0.001 * k as f32 })
        .collect();
    for l in labels.iter().chain(coarse_labels.iter().flatten()) {
        if let Some(s) = document_scores.iter_mut().find(|s| *s.label == *l.label) {
            s.score = l.score;
        }
    }
    document_scores.sort_by(|a, b| b.score.total_cmp(&a.score));
    DocumentAnalysis {
        taxonomy: taxonomy.name.clone(),
        encoder: "onnx:all-MiniLM-L6-v2-int8".into(),
        scorer: "zero-shot".into(),
        domain: hierarchical.then(|| "URW".to_string()),
        domain_reason: None,
        language: None,
        calibration: None,
        sentences,
        labels,
        coarse: coarse_labels,
        document_scores,
        basis: None,
    }
}

fn narratives() -> Taxonomy {
    Taxonomy::builtin("semeval2025-narratives").expect("built-in narratives")
}

fn script_data(html: &str) -> serde_json::Value {
    let open = "<script type=\"application/json\" id=\"fl-data\">";
    let start = html.find(open).expect("data script") + open.len();
    let end = start + html[start..].find("</script>").expect("end of data script");
    serde_json::from_str(&html[start..end]).expect("data script is JSON")
}

#[test]
fn page_has_the_key_elements() {
    let t = narratives();
    let a = fixture(&t);
    let html = render_html_with_text(&a, &t, "Fixture article", TEXT);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for id in
        ["fl-title", "fl-article", "fl-labels", "fl-chart", "fl-tree", "fl-detail", "fl-legend", "fl-data", "fl-tip"]
    {
        assert!(html.contains(&format!("id=\"{id}\"")), "missing #{id}");
    }
    assert_eq!(html.matches("id=\"fl-s-").count(), SENTENCES.len());
    assert_eq!(html.matches("<li class=\"fl-bar fl-decided\"").count(), a.labels.len());
    // The next best undecided labels follow the decided ones.
    assert_eq!(html.matches("<li class=\"fl-bar\"").count(), 5);
    // Evidence: sentences 2, 3 carry label 1 and sentence 4 label 2.
    assert_eq!(html.matches("class=\"fl-mark\"").count(), 3);
    // The tree puts each fine label under its coarse label (prefix shortened).
    let (coarse, fine) = &two_narratives(&t)[0];
    let tree = &html[html.find("id=\"fl-tree\"").expect("tree")..];
    let node = tree.find(&format!("<span class=\"fl-name\">{coarse}</span>")).expect("coarse node in tree");
    let short = fine.strip_prefix(&format!("{coarse}: ")).expect("fine label extends its parent's");
    assert!(tree[node..].contains(&format!("<span class=\"fl-name\">{short}</span>")));
    let data = script_data(&html);
    assert_eq!(data["sentences"].as_array().map(Vec::len), Some(SENTENCES.len()));
    assert_eq!(data["sentences"][2]["scores"][0]["score"].as_f64(), Some(0.74));
}

#[test]
fn document_text_and_title_are_escaped() {
    let t = narratives();
    let a = fixture(&t);
    let html = render_html_with_text(&a, &t, "Tom & Jerry <b>\"bold\"</b>", TEXT);
    assert!(!html.contains("<script>alert"), "document text injected a script");
    assert!(html.contains("&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; is what the post said."));
    assert!(html.contains("Sanctions &amp; &quot;tariffs&quot; have cost Europe &lt;billions&gt;."));
    assert!(html.contains("<h1 id=\"fl-title\">Tom &amp; Jerry &lt;b&gt;&quot;bold&quot;&lt;/b&gt;</h1>"));
    assert!(!html.contains("<b>\"bold\""));
    // Only the page's own two scripts.
    assert_eq!(html.matches("<script").count(), 2);
    assert_eq!(html.matches("</script>").count(), 2);
}

#[test]
fn labels_cannot_break_out_of_the_data_script() {
    let t = narratives();
    let mut a = fixture(&t);
    let mut scores = a.sentences[0].scores.to_vec();
    scores[0].label = "</script><script>alert(1)</script>".into();
    a.sentences[0].scores = scores.into();
    let html = render_html(&a, &t, "x");
    assert_eq!(html.matches("<script").count(), 2);
    let data = script_data(&html);
    assert_eq!(data["sentences"][0]["scores"][0]["label"].as_str(), Some("</script><script>alert(1)</script>"));
}

#[test]
fn line_breaks_come_from_the_text_or_are_guessed() {
    let t = narratives();
    let a = fixture(&t);
    let exact = render_html_with_text(&a, &t, "x", TEXT);
    let article = |h: &str| h[h.find("id=\"fl-article\"").unwrap_or(0)..h.find("</article>").unwrap_or(0)].to_string();
    let exact = article(&exact);
    // The blank line before sentence 2 sets a paragraph apart; the single
    // line break before sentence 4 starts a paragraph.
    assert_eq!(exact.matches("<p class=\"fl-break\">").count(), 1);
    assert_eq!(exact.matches("<p").count(), 3);
    assert!(exact.find("<p class=\"fl-break\">") < exact.find("id=\"fl-s-2\""));
    // Without the text: one-byte gaps after full stops stay in the paragraph,
    // the two-byte blank line starts one.
    let guessed = article(&render_html(&a, &t, "x"));
    assert_eq!(guessed.matches("<p").count(), 2);
    // A text the sentences do not fit is ignored.
    let other = render_html_with_text(&a, &t, "x", "something else entirely");
    assert_eq!(other, render_html(&a, &t, "x"));
}

#[test]
fn page_needs_nothing_from_outside() {
    let t = narratives();
    let html = render_html_with_text(&fixture(&t), &t, "x", TEXT);
    for needle in ["http://", "https://", "<link", " src=", "@import", "url(", "<iframe", "<img"] {
        assert!(!html.contains(needle), "page refers to an outside resource: `{needle}`");
    }
}

#[test]
fn a_language_the_encoder_does_not_read_is_shown_as_a_warning() {
    let t = narratives();
    let mut a = fixture(&t);
    assert!(!render_html_with_text(&a, &t, "x", TEXT).contains("class=\"fl-warning\""));
    a.language = Some(framelens::language::Language {
        code: "rus".into(),
        name: "Russian".into(),
        confidence: 1.0,
        supported: false,
    });
    let html = render_html_with_text(&a, &t, "x", TEXT);
    assert!(html.contains("class=\"fl-warning\" role=\"alert\">The text looks Russian (rus)"), "no warning");
}

#[test]
fn flat_taxonomies_have_no_tree() {
    let t = Taxonomy::builtin("media-frames").expect("media frames");
    let a = fixture(&t);
    assert!(a.coarse.is_none());
    let html = render_html_with_text(&a, &t, "x", TEXT);
    assert!(!html.contains("id=\"fl-tree\""));
    assert!(html.contains("<h2>Document labels</h2>"));
    assert_eq!(html.matches("<li class=\"fl-bar fl-decided\"").count(), 2);
    // The same analysis always gives the same page.
    assert_eq!(html, render_html_with_text(&a, &t, "x", TEXT));
}

#[test]
fn report_example_renders_a_batch_record() {
    let dir = tempfile::tempdir().expect("temp dir");
    let t = narratives();
    let jsonl = dir.path().join("out.jsonl");
    let records = [
        OutputRecord::Error { id: "broken".into(), error: "not valid UTF-8".into(), metadata: Default::default() },
        OutputRecord::Analysis { id: "doc-1".into(), analysis: fixture(&t), metadata: Default::default() },
    ];
    let lines: Vec<String> = records.iter().map(|r| r.to_line().expect("serialise")).collect();
    std::fs::write(&jsonl, lines.concat()).expect("write jsonl");
    let text = dir.path().join("doc-1.txt");
    std::fs::write(&text, TEXT).expect("write text");
    let page = dir.path().join("page.html");
    let out = Command::new(example("report"))
        .args(["--from-jsonl"])
        .arg(&jsonl)
        .args(["--id", "doc-1", "--text"])
        .arg(&text)
        .arg("--output")
        .arg(&page)
        .output()
        .expect("run report");
    assert!(out.status.success(), "report failed: {}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&page).expect("page written");
    assert!(html.contains("<h1 id=\"fl-title\">doc-1</h1>"));
    assert!(html.contains("<p class=\"fl-break\">"), "--text keeps the paragraphs");
    assert!(html.contains("id=\"fl-tree\""), "the record's taxonomy (narratives) is used");

    for (id, expected) in [("broken", "failed in that run: not valid UTF-8"), ("nope", "no record with id `nope`")] {
        let out = Command::new(example("report"))
            .arg("--from-jsonl")
            .arg(&jsonl)
            .args(["--id", id, "--output"])
            .arg(dir.path().join("x.html"))
            .output()
            .expect("run report");
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "stderr: {stderr}");
    }
}

/// Run a command, killing it after `limit`; returns stdout.
fn run_with_limit(cmd: &mut Command, limit: Duration) -> String {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("start chromium");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    loop {
        match child.try_wait().expect("wait for chromium") {
            Some(status) => {
                assert!(status.success(), "chromium exited with {status}");
                break;
            }
            None if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish within {limit:?}");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    reader.join().unwrap_or_default()
}

fn chromium(profile: &Path) -> Command {
    let mut cmd = Command::new(CHROMIUM);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

#[test]
fn page_works_in_headless_chromium() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: this test renders the report in Debian's headless Chromium; install it with \
         `apt-get install -y chromium` (tests/setup does)"
    );
    let text = common::read("examples/data/001_1bab8556ee00fa53.txt");
    let classifier = common::narratives();
    let analysis = classifier.classify(&text).expect("classify the sample article");
    let html =
        render_html_with_text(&analysis, classifier.taxonomy(), "Russia: West Directly Involved in Ukraine War", &text);
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("page.html");
    std::fs::write(&page, &html).expect("write page");
    let url = format!("file://{}", page.display());

    // After the script ran: every sentence wired up, and `#s3` pinned sentence 3.
    let dom = run_with_limit(
        chromium(&dir.path().join("profile-dom")).arg("--dump-dom").arg(format!("{url}#s3")),
        Duration::from_secs(120),
    );
    let n = analysis.sentences.len();
    assert!(dom.contains(&format!("data-fl-ready=\"{n}\"")), "the page's script did not run to the end");
    assert_eq!(dom.matches("id=\"fl-s-").count(), n);
    assert!(dom.contains("id=\"fl-s-3\"") && dom.contains("fl-pinned"));
    let detail = &dom[dom.find("id=\"fl-detail\"").expect("detail card")..];
    let detail = &detail[..detail.find("</section>").unwrap_or(detail.len())];
    assert!(detail.contains("data-sentence=\"3\""), "detail card not filled: {detail}");
    assert!(detail.contains("Sentence [3] of"));
    assert!(detail.matches("<li").count() >= 3, "detail card lists the sentence's scores");
    for id in ["fl-chart", "fl-legend"] {
        assert!(dom.contains(&format!("id=\"{id}\"")));
    }
    if analysis.coarse.is_some() {
        assert!(dom.contains("id=\"fl-tree\""));
    }

    // A screenshot, kept as a test artifact.
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).parent().expect("target dir").join("test-artifacts");
    std::fs::create_dir_all(&artifacts).expect("create target/test-artifacts");
    let png = artifacts.join("report.png");
    let _ = std::fs::remove_file(&png);
    run_with_limit(
        chromium(&dir.path().join("profile-shot")).arg(format!("--screenshot={}", png.display())).arg(&url),
        Duration::from_secs(120),
    );
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    assert_eq!((width, height), (1400, 1000));
    // A blank page compresses to a few KB; the rendered report is far larger.
    assert!(bytes.len() > 60_000, "screenshot is only {} bytes: is the page blank?", bytes.len());
}
