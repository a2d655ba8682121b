//! Prevalence estimates and re-decisions over analyses (no model needed
//! except where a test says so): bad input is an error or an explicit wide
//! estimate, never a NaN or a panic; a re-decided file from another
//! taxonomy version or not written by batch is refused with its line.

mod common;

use std::path::Path;
use std::process::Command;

use framelens::basis::{fingerprint, DecisionBasis, Norms, Rule};
use framelens::corpus::{Adaptation, Method, Prevalence, MIN_DOCUMENTS};
use framelens::{DocumentAnalysis, DocumentLabel, LabelScore, Taxonomy};

/// A frames analysis whose document scores put category `hot` at `z`
/// neutral standard deviations above neutral text, the others at 0.
fn doc(t: &Taxonomy, hot: usize, z: f32, language: Option<&str>) -> DocumentAnalysis {
    let k = t.categories.len();
    let (mean, sd) = (vec![0.1f32; k], vec![0.02f32; k]);
    let scores: Vec<f32> = (0..k).map(|c| if c == hot { 0.1 + 0.02 * z } else { 0.1 }).collect();
    let label = t.categories[hot].label.clone();
    DocumentAnalysis {
        taxonomy: t.name.clone(),
        encoder: "test".into(),
        scorer: "zero-shot".into(),
        domain: None,
        domain_reason: None,
        language: None,
        calibration: language.map(str::to_string),
        sentences: Vec::new(),
        labels: vec![DocumentLabel { label, score: scores[hot], evidence: Vec::new() }],
        coarse: None,
        document_scores: t
            .categories
            .iter()
            .zip(&scores)
            .map(|(c, &s)| LabelScore { label: c.label.as_str().into(), score: s })
            .collect(),
        basis: Some(DecisionBasis {
            taxonomy: fingerprint(t),
            sentences: 20,
            rule: Rule::BaseRates,
            labels: Some(1),
            scores: scores.clone(),
            cuts: vec![0.0; k],
            norms: Some(Norms { mean, sd, gate: [0.1, 0.02] }),
        }),
    }
}

fn frames() -> Taxonomy {
    Taxonomy::builtin("media-frames").unwrap()
}

fn finite(p: &Prevalence) -> bool {
    p.prevalence.values().all(|e| {
        [e.estimate, e.low, e.high, e.counted].iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v))
            && e.low <= e.estimate + 1e-9
            && e.estimate <= e.high + 1e-9
    })
}

#[test]
fn zero_documents_is_an_error_not_a_nan() {
    let err = Prevalence::estimate(&[], &frames()).unwrap_err().to_string();
    assert!(err.contains("no classified documents"), "{err}");
}

#[test]
fn one_document_gives_the_explicit_wide_estimate() {
    let t = frames();
    let p = Prevalence::estimate(&[doc(&t, 0, 5.0, None)], &t).unwrap();
    assert_eq!(p.documents, 1);
    assert!(finite(&p));
    for e in p.prevalence.values() {
        assert_eq!((e.low, e.high), (0.0, 1.0));
        assert_eq!(e.note.as_deref(), Some("not enough documents"));
    }
}

#[test]
fn mixed_taxonomies_and_other_versions_are_refused() {
    let t = frames();
    let mut other = doc(&t, 0, 1.0, None);
    other.taxonomy = "semeval2025-narratives".into();
    let err = Prevalence::estimate(&[doc(&t, 0, 1.0, None), other], &t).unwrap_err().to_string();
    assert!(err.contains("document 2") && err.contains("semeval2025-narratives"), "{err}");
    let mut edited = t.clone();
    edited.categories[0].exemplars.push("A sentence added since.".into());
    let err = Prevalence::estimate(&[doc(&t, 0, 1.0, None)], &edited).unwrap_err().to_string();
    assert!(err.contains("another version"), "{err}");
}

#[test]
fn summary_has_every_label_and_languages_when_mixed() {
    let t = frames();
    let docs: Vec<DocumentAnalysis> = (0..40)
        .map(|i| doc(&t, i % 4, if i % 2 == 0 { 4.0 } else { 0.0 }, Some(if i < 20 { "eng" } else { "por" })))
        .collect();
    let p = Prevalence::estimate(&docs, &t).unwrap();
    assert_eq!(p.documents, 40);
    assert!(finite(&p));
    assert_eq!(p.prevalence.len(), t.categories.len());
    assert!(t.labels().all(|l| p.prevalence.contains_key(l)));
    assert_eq!(p.by_language.keys().collect::<Vec<_>>(), ["eng", "por"]);
    let json = serde_json::to_value(&p).unwrap();
    assert!(json["prevalence"][&t.categories[0].label]["estimate"].is_number());
    let counted = Prevalence::estimate_with(&docs, &t, Method::Count).unwrap();
    assert!((counted.prevalence[&t.categories[0].label].estimate - 0.25).abs() < 1e-9);
    assert!(docs.len() >= MIN_DOCUMENTS);
}

#[test]
fn adapt_refuses_flat_taxonomies() {
    let t = frames();
    let mut docs: Vec<DocumentAnalysis> = (0..20).map(|i| doc(&t, i % 3, 1.0, None)).collect();
    let err = Prevalence::adapt(&mut docs, &t).unwrap_err().to_string();
    assert!(err.contains("`media-frames` is flat"), "{err}");
}

#[test]
fn adapt_redecides_from_scores_and_explains_with_the_new_rule() {
    let t = Taxonomy::builtin("semeval2025-narratives").unwrap();
    let hot = t.roots()[0];
    let other = t.other_label.clone().unwrap();
    let mut docs: Vec<DocumentAnalysis> =
        (0..60).map(|i| doc(&t, hot, if i % 3 == 0 { 5.0 } else { 0.0 }, None)).collect();
    Prevalence::adapt(&mut docs, &t).unwrap();
    for (i, d) in docs.iter().enumerate() {
        let b = d.basis.as_ref().unwrap();
        assert_eq!(b.rule, Rule::Adapted);
        let coarse: Vec<&str> = d.coarse.iter().flatten().map(|l| l.label.as_str()).collect();
        if i % 3 == 0 {
            assert_eq!(coarse, [t.categories[hot].label.as_str()], "doc {i}");
            // The chosen narrative's score is its posterior, above every one left out.
            let chosen = d.coarse.as_ref().unwrap()[0].score;
            let best_left = t.roots().into_iter().filter(|&c| c != hot).map(|c| b.scores[c]).fold(0.0f32, f32::max);
            assert!(chosen >= 0.5 && chosen >= best_left, "doc {i}: {chosen} vs {best_left}");
        } else {
            assert_eq!(coarse, [other.as_str()], "doc {i}");
        }
        assert!(d.explain(&t.categories[hot].label, &t).unwrap().starts_with("adapted probability"));
    }
}

/// The fit-once, apply-anywhere split (a Spark job fits on the driver and
/// applies on the executors) decides exactly as `Prevalence::adapt`, also
/// after a trip through JSON, and per language in a mixed corpus.
#[test]
fn adaptation_fitted_once_and_applied_anywhere_equals_adapt() {
    let t = Taxonomy::builtin("semeval2025-narratives").unwrap();
    let hot = t.roots()[0];
    let docs: Vec<DocumentAnalysis> = (0..80)
        .map(|i| doc(&t, hot, if i % 3 == 0 { 5.0 } else { 0.3 }, Some(if i < 40 { "eng" } else { "bul" })))
        .collect();
    let mut whole = docs.clone();
    Prevalence::adapt(&mut whole, &t).unwrap();
    let fitted = Adaptation::fit(&docs, &t).unwrap();
    let json = serde_json::to_string(&fitted).unwrap();
    let back: Adaptation = serde_json::from_str(&json).unwrap();
    assert_eq!(back, fitted);
    assert_eq!(back.documents, 80);
    for (i, d) in docs.iter().enumerate() {
        let mut one = d.clone();
        back.apply(&mut one, &t).unwrap();
        assert_eq!(one, whole[i], "doc {i}");
    }
    // Another taxonomy's document is refused, naming both.
    let frames = frames();
    let mut foreign = doc(&frames, 0, 1.0, None);
    let err = back.apply(&mut foreign, &frames).unwrap_err().to_string();
    assert!(err.contains("semeval2025-narratives") || err.contains("media-frames"), "{err}");
    let err = Adaptation::fit(&[], &frames).unwrap_err().to_string();
    assert!(err.contains("`media-frames` is flat"), "{err}");
}

fn batch(args: &[&str]) -> std::process::Output {
    Command::new(common::example("batch"))
        .args(args)
        .env("FRAMELENS_MODELS", Path::new(env!("CARGO_MANIFEST_DIR")).join("models"))
        .output()
        .expect("run batch")
}

fn run(name: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new(common::example(name))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("FRAMELENS_MODELS", Path::new(env!("CARGO_MANIFEST_DIR")).join("models"))
        .output()
        .unwrap_or_else(|e| panic!("run {name}: {e}"));
    assert!(out.status.success(), "{name} failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// README and docs/accuracy.md: a calibration from 39 FLICC labels
/// (`--fold 1/45` of train) estimates each fallacy's share of 200 samples
/// of 100 test paragraphs at random shares with mean absolute error 0.067,
/// against 0.115 counting its decisions and 0.077 averaging its
/// probabilities unnormalised (tolerance 0.01 on the estimate).
#[test]
fn a_head_estimates_fallacy_shares_better_than_counting() {
    let dir = std::env::temp_dir().join(format!("framelens-headq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let head = dir.join("cal40.json");
    let head = head.to_str().unwrap();
    let t = "examples/taxonomies/flicc-fallacies.toml";
    run(
        "train",
        &[
            "--flicc",
            "tests/data/flicc/fallacy_train.csv",
            "--fold",
            "1/45",
            "--taxonomy",
            t,
            "--kind",
            "calibration",
            "--out",
            head,
        ],
    );
    let out = run("quantify", &["--taxonomy", t, "--head", head, "--samples", "200", "--json"]);
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).expect("quantify --json");
    let (count, est, mean) = (
        f["mae_count"].as_f64().unwrap(),
        f["mae_gate"].as_f64().unwrap(),
        f["mae_mean_probability"].as_f64().unwrap(),
    );
    eprintln!(
        "fallacies, calibration from 39 labels: count {count:.3}, mean probability {mean:.3}, normalised {est:.3}"
    );
    assert!(est <= 0.067 + 0.01, "{est}");
    assert!(est < count - 0.03 && est < mean, "count {count}, mean {mean}, normalised {est}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn redecide_refuses_a_file_batch_did_not_write_and_another_version() {
    let dir = std::env::temp_dir().join(format!("framelens-redecide-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let not_batch = dir.join("input.jsonl");
    std::fs::write(&not_batch, "{\"id\": \"a\", \"text\": \"Some text.\"}\n").unwrap();
    let out = batch(&["--redecide", not_batch.to_str().unwrap(), "--summary", dir.join("n.json").to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("input.jsonl:1") && err.contains("not a framelens output record"), "{err}");

    let t = frames();
    let mut old = doc(&t, 0, 1.0, None);
    old.basis.as_mut().unwrap().taxonomy = "media-frames@0000000000000000".into();
    let line =
        framelens::corpus::OutputRecord::Analysis { id: "a".into(), analysis: old, metadata: Default::default() }
            .to_line()
            .unwrap();
    let saved = dir.join("old.jsonl");
    std::fs::write(&saved, format!("{line}{line}")).unwrap();
    let out = batch(&["--redecide", saved.to_str().unwrap(), "--summary", dir.join("s.json").to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("old.jsonl: record 1") && err.contains("media-frames@0000000000000000"), "{err}");

    // The same file with this version: a summary, no model loaded.
    let now = doc(&t, 0, 1.0, None);
    let line =
        framelens::corpus::OutputRecord::Analysis { id: "a".into(), analysis: now, metadata: Default::default() }
            .to_line()
            .unwrap();
    std::fs::write(&saved, line).unwrap();
    let summary = dir.join("s.json");
    let out = batch(&["--redecide", saved.to_str().unwrap(), "--summary", summary.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let p: Prevalence = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(p.documents, 1);
    assert!(finite(&p));
    let _ = std::fs::remove_dir_all(&dir);
}

fn classify(args: &[&str], stdin: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(common::example("classify"))
        .args(args)
        .args(["-", "--threads", "1"])
        .env("FRAMELENS_MODELS", Path::new(env!("CARGO_MANIFEST_DIR")).join("models"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start classify");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The labels of classify's table (the lines between `labels:` and `not chosen:`).
fn chosen(table: &str) -> Vec<String> {
    table
        .split("\nlabels:\n")
        .nth(1)
        .unwrap_or_default()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("      "))
        .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn one_sentence_gets_one_frame_and_every_label_says_why() {
    let table = classify(&[], "NATO moved two brigades east.");
    assert_eq!(chosen(&table), ["Security_and_defense"], "{table}");
    assert!(table.contains("base-rate score") && table.contains("rule: base rates"), "{table}");
    assert!(table.contains("not chosen:\n") && table.contains("< cut"), "{table}");
}

#[test]
fn threshold_changes_the_frames_decisions() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/004_2cf0e58a8dd68d2c.txt"))
            .unwrap();
    let base = chosen(&classify(&[], &text));
    let strict = classify(&["--threshold", "0.5"], &text);
    assert!(strict.contains("rule: a label is chosen when its document score reaches its threshold"), "{strict}");
    assert!(strict.contains("threshold 0.50"), "{strict}");
    // Decided by the threshold (topped up to the taxonomy's 3): Legality at 0.07 is not among them.
    assert_ne!(chosen(&strict), base, "{strict}");
}

/// docs/accuracy.md's FLICC figures (the artificial prevalence protocol over
/// the narratives view of the test split): the default estimator's share
/// carrying any narrative is far closer than counting decisions, its
/// per-category shares are no worse than counting, and --adapt raises F1.
#[test]
fn flicc_narratives_gate_and_adapt_beat_counting() {
    let out = Command::new(common::example("quantify"))
        .args(["--taxonomy", "semeval2025-narratives", "--samples", "200", "--json", "--threads", "1"])
        .env("FRAMELENS_MODELS", Path::new(env!("CARGO_MANIFEST_DIR")).join("models"))
        .output()
        .expect("run quantify");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let num = |k: &str| f[k].as_f64().unwrap_or_else(|| panic!("{k} in {f}"));
    assert!(num("any_error_gate") <= 0.05 && num("any_error_count") >= 0.4, "{f}");
    assert!(num("mae_gate") <= num("mae_count") + 1e-9, "{f}");
    assert!(num("f1_adapted") >= 0.503 - 0.03 && num("f1_adapted") > num("f1") + 0.1, "{f}");
}

/// docs/accuracy.md's Global Voices figures (real, mostly narrative-free
/// reporting; unlabelled): the estimated share of stories carrying any
/// narrative is small, below the counted one, and its interval is narrow;
/// --adapt leaves more stories `Other`. Needs ../shared/data/globalvoices.
#[test]
#[ignore = "needs ../shared/data/globalvoices and a few minutes"]
fn global_voices_share_carrying_a_narrative_is_small() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let input = root.join("../shared/data/globalvoices/articles.jsonl");
    let dir = std::env::temp_dir().join(format!("framelens-gv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (out, summary) = (dir.join("gv.jsonl"), dir.join("gv.json"));
    let run = batch(&[
        input.to_str().unwrap(),
        "--taxonomy",
        "semeval2025-narratives",
        "--output",
        out.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
        "--adapt",
        "-q",
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let p: Prevalence = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let other = &p.prevalence["Other"];
    assert_eq!(p.documents, 169);
    // Small, with an interval that takes in what the anchor does not fix:
    // 0.12 (0.00–0.30) on an AVX-512 machine, 0.04 on an AVX2 one
    // (docs/accuracy.md); a reader finds almost no narrative in these stories.
    let carrying = 1.0 - other.estimate;
    assert!(carrying <= 0.25, "{other:?}");
    assert!(other.low <= other.estimate && other.estimate <= other.high, "{other:?}");
    assert!(1.0 - other.high <= 0.05 && 1.0 - other.low <= 0.40, "{other:?}");
    let adapted_other = framelens::corpus::read_output(&out)
        .unwrap()
        .filter_map(|r| r.ok()?.analysis().cloned())
        .filter(|a| a.label_names() == ["Other"])
        .count() as f64
        / 169.0;
    assert!(adapted_other > other.counted, "{adapted_other} vs {}", other.counted);
    let _ = std::fs::remove_dir_all(&dir);
}
