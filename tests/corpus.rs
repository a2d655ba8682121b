//! Corpus processing: readers, shards, output records, resume, and the
//! `batch` example run end to end.

mod common;

use common::example;
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use framelens::corpus::{self, OutputRecord, Shard};
use framelens::{DocumentAnalysis, DocumentLabel, LabelScore, Sentence};

/// Short articles, so that the end-to-end runs stay quick.
const DOCS: [(&str, &str); 5] = [
    ("a-sanctions", "Sanctions have cost Europe billions. Energy prices doubled over the winter."),
    ("b-troops", "NATO moved troops east. The alliance says the deployment is defensive."),
    ("c-court", "The court struck down the law. Judges said it violated the constitution."),
    ("d-health", "Hospitals report record admissions. Doctors warn of staff shortages."),
    ("e-vote", "Polls show the ruling party losing support. Voters cite rising prices."),
];

/// A directory corpus: the good documents, a Latin-1 file, a blank one, and
/// things that are not documents (another extension, a subdirectory).
fn corpus_dir(dir: &Path) -> PathBuf {
    let root = dir.join("corpus");
    std::fs::create_dir_all(root.join("nested")).expect("create corpus");
    for (id, text) in DOCS {
        std::fs::write(root.join(format!("{id}.txt")), text).expect("write doc");
    }
    std::fs::write(root.join("latin1.txt"), b"Caf\xe9 society debates the budget.\n").expect("write latin1");
    std::fs::write(root.join("blank.txt"), " \n\t\n").expect("write blank");
    std::fs::write(root.join("notes.md"), "not a document").expect("write notes");
    std::fs::write(root.join("nested").join("inner.txt"), "Not read: subdirectories are skipped.")
        .expect("write nested");
    root
}

fn all_ids() -> Vec<String> {
    let mut ids: Vec<String> = DOCS.iter().map(|(id, _)| id.to_string()).collect();
    ids.extend(["blank".to_string(), "latin1".to_string()]);
    ids.sort();
    ids
}

fn batch(args: &[&str], input: Option<&str>) -> Output {
    let mut cmd = Command::new(example("batch"));
    cmd.args(args).args(["--taxonomy", "media-frames", "--threads", "1"]);
    cmd.env("FRAMELENS_MODELS", Path::new(env!("CARGO_MANIFEST_DIR")).join("models"));
    cmd.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start batch");
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(text.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("run batch")
}

fn records(text: &str) -> Vec<OutputRecord> {
    text.lines()
        .enumerate()
        .map(|(i, l)| OutputRecord::from_line(l, Path::new("out.jsonl"), i + 1).expect("a well-formed output line"))
        .collect()
}

fn ids_of(records: &[OutputRecord]) -> Vec<String> {
    let mut ids: Vec<String> = records.iter().map(|r| r.id().to_string()).collect();
    ids.sort();
    ids
}

#[test]
fn batch_writes_a_record_per_document_and_reports_failures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = corpus_dir(dir.path());
    let out = dir.path().join("out.jsonl");
    let run = batch(
        &[input.to_str().expect("utf-8 path"), "--output", out.to_str().expect("utf-8 path"), "--chunk", "2"],
        None,
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "some documents failed; stderr: {stderr}");
    let text = std::fs::read_to_string(&out).expect("output written");
    assert!(text.ends_with('\n'));
    let recs = records(&text);
    // In input (name) order, every .txt file once, nothing else.
    let order: Vec<&str> = recs.iter().map(OutputRecord::id).collect();
    assert_eq!(order, ["a-sanctions", "b-troops", "blank", "c-court", "d-health", "e-vote", "latin1"]);
    for r in &recs {
        match (r.id(), r) {
            ("latin1", OutputRecord::Error { error, .. }) => {
                assert!(error.contains("latin1.txt:1: not valid UTF-8"), "{error}")
            }
            ("blank", OutputRecord::Error { error, .. }) => assert!(error.contains("empty"), "{error}"),
            (_, OutputRecord::Analysis { analysis, .. }) => {
                assert_eq!(analysis.taxonomy, "media-frames");
                assert_eq!(analysis.sentences.len(), 2);
            }
            (id, other) => panic!("unexpected record for {id}: {other:?}"),
        }
    }
    assert!(stderr.contains("failed: latin1: ") && stderr.contains("failed: blank: "), "stderr: {stderr}");
    assert!(stderr.contains("7 documents") && stderr.contains("5 ok, 2 failed"), "stderr: {stderr}");

    // A second run without --resume must not clobber the finished work.
    let again = batch(&[input.to_str().unwrap_or_default(), "--output", out.to_str().unwrap_or_default()], None);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--resume"));
    assert_eq!(std::fs::read_to_string(&out).expect("output kept"), text);
}

#[test]
fn resume_after_a_simulated_kill_processes_each_id_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = corpus_dir(dir.path());
    let full = dir.path().join("full.jsonl");
    let run =
        batch(&[input.to_str().unwrap_or_default(), "--output", full.to_str().unwrap_or_default(), "--quiet"], None);
    assert_eq!(run.status.code(), Some(2));
    let full_text = std::fs::read_to_string(&full).expect("output");
    let lines: Vec<&str> = full_text.split_inclusive('\n').collect();

    // What a kill leaves: two whole lines and half of the third.
    let partial = dir.path().join("partial.jsonl");
    let kept = format!("{}{}", lines[0], lines[1]);
    let half = &lines[2][..lines[2].len() / 2];
    std::fs::write(&partial, format!("{kept}{half}")).expect("write partial output");

    let resumed = batch(
        &[input.to_str().unwrap_or_default(), "--output", partial.to_str().unwrap_or_default(), "--resume"],
        None,
    );
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert_eq!(resumed.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains("5 documents") && stderr.contains("2 already in"), "stderr: {stderr}");
    let text = std::fs::read_to_string(&partial).expect("resumed output");
    assert!(text.starts_with(&kept), "finished lines are kept as they were");
    assert!(text.ends_with('\n'));
    let ids = ids_of(&records(&text));
    assert_eq!(ids, all_ids(), "each id exactly once");

    // Resuming a finished run does nothing.
    let done = batch(
        &[input.to_str().unwrap_or_default(), "--output", partial.to_str().unwrap_or_default(), "--resume"],
        None,
    );
    assert_eq!(done.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&partial).expect("output"), text);
}

#[test]
fn completed_ids_cuts_a_partial_line_and_rejects_foreign_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("out.jsonl");
    assert!(corpus::completed_ids(&path).expect("missing file is empty").is_empty());

    let ok = OutputRecord::Error { id: "x".into(), error: "why".into(), metadata: Default::default() }
        .to_line()
        .expect("line");
    std::fs::write(&path, format!("{ok}\n{{\"id\":\"y\",\"error\":\"b")).expect("write");
    let ids = corpus::completed_ids(&path).expect("read ids");
    assert_eq!(ids, HashSet::from(["x".to_string()]));
    assert_eq!(std::fs::read_to_string(&path).expect("read"), format!("{ok}\n"), "partial line cut, blank line kept");

    std::fs::write(&path, format!("{ok}this is not JSON\n{ok}")).expect("write");
    let err = corpus::completed_ids(&path).expect_err("a foreign line is an error").to_string();
    assert!(err.contains("out.jsonl:2:"), "{err}");
}

#[test]
fn shards_cover_the_ids_exactly_once() {
    let ids: Vec<String> = (0..500).map(|i| format!("article-{i:05}")).collect();
    for n in 1..=5u32 {
        let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
        for i in 0..n {
            let shard = Shard::new(i, n).expect("valid shard");
            for id in ids.iter().filter(|id| shard.contains(id)) {
                assert!(seen.insert(id, i).is_none(), "{id} is in two shards of {n}");
            }
        }
        assert_eq!(seen.len(), ids.len(), "shards of {n} miss ids");
        // Deterministic, and no shard is starved.
        for (id, i) in &seen {
            assert_eq!(corpus::shard_of(id, n), *i);
        }
        for i in 0..n {
            let size = seen.values().filter(|&&s| s == i).count();
            assert!(size * 2 * n as usize > ids.len(), "shard {i}/{n} holds only {size} of {}", ids.len());
        }
    }
    // The documented hash, as Python computes it:
    // int.from_bytes(hashlib.sha256(b"doc-1").digest()[:8], "big") % 7 == 1
    assert_eq!(corpus::shard_of("doc-1", 7), 1);
}

#[test]
fn shard_option_splits_a_jsonl_corpus() {
    let dir = tempfile::tempdir().expect("temp dir");
    let jsonl = dir.path().join("corpus.jsonl");
    let mut text = String::new();
    for (id, doc) in DOCS {
        text.push_str(&serde_json::json!({ "id": id, "text": doc, "source": "fixture" }).to_string());
        text.push('\n');
    }
    std::fs::write(&jsonl, &text).expect("write jsonl");
    let mut union: Vec<String> = Vec::new();
    for i in 0..2 {
        let shard = format!("{i}/2");
        let run = batch(&[jsonl.to_str().unwrap_or_default(), "--shard", &shard, "--quiet"], None);
        assert_eq!(run.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&run.stderr));
        let recs = records(&String::from_utf8_lossy(&run.stdout));
        let expected: Vec<String> =
            DOCS.iter().map(|(id, _)| id.to_string()).filter(|id| corpus::shard_of(id, 2) == i).collect();
        assert_eq!(recs.iter().map(|r| r.id().to_string()).collect::<Vec<_>>(), expected, "shard {shard}");
        union.extend(ids_of(&recs));
    }
    union.sort();
    assert_eq!(union, DOCS.iter().map(|(id, _)| id.to_string()).collect::<Vec<_>>());

    let bad = batch(&[jsonl.to_str().unwrap_or_default(), "--shard", "2/2"], None);
    assert_eq!(bad.status.code(), Some(1), "a bad option is a fatal error");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("0-based"));
}

#[test]
fn stdin_input_reports_bad_lines_and_goes_on() {
    let input = "{\"id\":\"ok\",\"text\":\"Sanctions have cost Europe billions.\"}\n\
                 this is not json\n\
                 {\"id\":\"no-text\"}\n\
                 {\"id\":42,\"text\":\"NATO moved troops east.\"}\n";
    let run = batch(&["-", "--sentence-scores", "2"], Some(input));
    assert_eq!(run.status.code(), Some(2));
    let recs = records(&String::from_utf8_lossy(&run.stdout));
    let ids: Vec<&str> = recs.iter().map(OutputRecord::id).collect();
    assert_eq!(ids, ["ok", "<stdin>:2", "no-text", "42"]);
    assert!(recs[1].error().is_some_and(|e| e.starts_with("<stdin>:2: ")));
    assert!(recs[2].error().is_some_and(|e| e.contains("missing field `text`")));
    let analysis = recs[3].analysis().expect("numeric ids are fine");
    assert!(analysis.sentences.iter().all(|s| s.scores.len() == 2), "--sentence-scores keeps the best 2");
    assert_eq!(analysis.document_scores.len(), 14, "document scores are kept whole");
}

#[test]
fn dir_reader_streams_records_and_errors_in_name_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = corpus_dir(dir.path());
    let records = corpus::records_from_dir(&root).expect("list dir");
    assert_eq!(records.len(), 7);
    let got: Vec<(String, bool)> = records
        .map(|r| match r {
            Ok(r) => (r.id, true),
            Err(e) => {
                assert!(!e.is_fatal());
                (e.id, false)
            }
        })
        .collect();
    let expected: Vec<(String, bool)> = all_ids().into_iter().map(|id| (id.clone(), id != "latin1")).collect();
    assert_eq!(got, expected);
    let kept: Vec<String> = corpus::records_from_dir(&root)
        .expect("list")
        .retain_ids(|id| id.starts_with('b'))
        .filter_map(|r| r.ok().map(|r| r.id))
        .collect();
    assert_eq!(kept, ["b-troops", "blank"]);
    let missing = corpus::records_from_dir(&dir.path().join("nope")).expect_err("missing dir").to_string();
    assert!(missing.contains("nope"), "{missing}");
}

fn sample_analysis() -> DocumentAnalysis {
    DocumentAnalysis {
        taxonomy: "media-frames".into(),
        encoder: "onnx:all-MiniLM-L6-v2-int8".into(),
        scorer: "zero-shot".into(),
        domain: None,
        domain_reason: None,
        language: None,
        calibration: None,
        sentences: vec![Sentence {
            start: 0,
            end: 23,
            text: "NATO moved troops east.".into(),
            tokens: 6,
            windows: 1,
            furniture: false,
            scores: vec![LabelScore { label: "Security_and_defense".into(), score: 0.8125 }].into(),
        }],
        labels: vec![DocumentLabel { label: "Security_and_defense".into(), score: 0.8125, evidence: vec![0] }],
        coarse: None,
        document_scores: vec![LabelScore { label: "Security_and_defense".into(), score: 0.8125 }],
        basis: None,
    }
}

#[test]
fn output_records_round_trip_through_jsonl() {
    let records = [
        OutputRecord::Analysis { id: "doc \"1\"\n".into(), analysis: sample_analysis(), metadata: Default::default() },
        OutputRecord::Error {
            id: "doc-2".into(),
            error: "invalid input: the text is empty".into(),
            metadata: Default::default(),
        },
    ];
    for r in &records {
        let line = r.to_line().expect("serialise");
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1, "one line: {line:?}");
        let back = OutputRecord::from_line(line.trim_end(), Path::new("x.jsonl"), 1).expect("parse back");
        assert_eq!(&back, r);
        // The documented wire form: `id` plus exactly one of `analysis` / `error`.
        let value: serde_json::Value = serde_json::from_str(&line).expect("JSON");
        let mut keys: Vec<&str> = value.as_object().expect("object").keys().map(String::as_str).collect();
        keys.sort();
        let expected = if r.analysis().is_some() { ["analysis", "id"] } else { ["error", "id"] };
        assert_eq!(keys, expected);
    }
    for (bad, why) in [
        ("{\"id\":\"a\"}", "none of"),
        ("{\"id\":\"a\",\"error\":\"x\",\"analysis\":null,\"extra\":1}", ""),
        ("{\"error\":\"x\"}", "id"),
    ] {
        let parsed = OutputRecord::from_line(bad, Path::new("out.jsonl"), 7);
        match (why, parsed) {
            ("", Ok(r)) => assert_eq!(r.error(), Some("x"), "null analysis and unknown fields are tolerated"),
            (why, Err(e)) => {
                let msg = e.to_string();
                assert!(msg.starts_with("out.jsonl:7:") && msg.contains(why), "{msg}");
            }
            (why, Ok(r)) => panic!("`{bad}` parsed as {r:?}, expected an error about {why}"),
        }
    }
}

#[test]
fn jsonl_reader_names_bad_lines() {
    let input = "{\"id\":\"a\",\"text\":\"\u{feff}x\"}\n\n[1,2]\n{\"id\":\"b\",\"text\":3}\n\u{0}\n";
    let got: Vec<Result<String, String>> = corpus::records_from_jsonl(input.as_bytes(), "in.jsonl")
        .map(|r| r.map(|r| format!("{}={}", r.id, r.text)).map_err(|e| e.to_string()))
        .collect();
    assert_eq!(got[0], Ok("a=x".to_string()), "BOM stripped");
    assert!(got[1].as_ref().is_err_and(|e| e.starts_with("in.jsonl:3: in.jsonl:3: expected a JSON object")), "{got:?}");
    assert!(got[2].as_ref().is_err_and(|e| e.starts_with("b: in.jsonl:4:")), "{got:?}");
    assert!(got[3].as_ref().is_err_and(|e| e.starts_with("in.jsonl:5:")), "{got:?}");
    assert_eq!(got.len(), 4);

    let latin1: &[u8] = b"{\"id\":\"c\",\"text\":\"caf\xe9\"}\n";
    let err = corpus::records_from_jsonl(latin1, "l.jsonl").next().and_then(Result::err).expect("a UTF-8 error");
    assert_eq!(err.id, "l.jsonl:1");
    assert!(err.to_string().contains("not valid UTF-8"));
}

/// `batch` over the Russian, Bulgarian, Portuguese and Hindi fixture folders
/// (articles written for the tests) in one run: each record carries its
/// language, the multilingual encoder, and byte offsets into the file's text
/// (Cyrillic and Devanagari are multi-byte in UTF-8).
#[test]
fn batch_reads_cyrillic_and_devanagari_with_their_offsets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("mixed");
    std::fs::create_dir_all(&input).expect("create corpus");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/semeval2025");
    let mut want = BTreeMap::new();
    for (folder, code) in [("RU", "rus"), ("BG", "bul"), ("PT", "por"), ("HI", "hin")] {
        for entry in std::fs::read_dir(fixtures.join(folder).join("raw-documents")).expect("fixture folder") {
            let path = entry.expect("entry").path();
            std::fs::copy(&path, input.join(path.file_name().expect("name"))).expect("copy");
            let id = path.file_stem().expect("stem").to_string_lossy().into_owned();
            want.insert(id, (code, std::fs::read_to_string(&path).expect("fixture text")));
        }
    }
    let out = dir.path().join("out.jsonl");
    let run = batch(&[input.to_str().expect("utf-8 path"), "--output", out.to_str().expect("utf-8 path")], None);
    assert_eq!(run.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&run.stderr));
    let recs = records(&std::fs::read_to_string(&out).expect("output written"));
    assert_eq!(recs.len(), want.len());
    for r in &recs {
        let OutputRecord::Analysis { id, analysis, .. } = r else { panic!("failed: {r:?}") };
        let (code, text) = &want[id.as_str()];
        let text = text.replace("\r\n", "\n");
        assert_eq!(analysis.language.as_ref().map(|l| l.code.as_str()), Some(*code), "{id}");
        assert_eq!(analysis.encoder, "onnx:multilingual-e5-small-q4", "{id}");
        assert!(analysis.sentences.iter().all(|s| text.get(s.start..s.end) == Some(s.text.as_str())), "{id}");
    }
}
