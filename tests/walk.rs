//! A new user's first hour, on what a fresh clone has (issue 32's "done
//! when"): the docs' commands and snippets print what the docs show
//! (`tests/docs.rs`, and `bindings/python/tests/test_docs.py` for the
//! Python); here, `batch` over the 169 Global Voices stories through the
//! narratives writes under 20 MB with its defaults, and
//! `framelens.read_batch` of that file gives a DataFrame whose labels are
//! `batch`'s.
//!
//! Slow (169 stories through 116 categories, minutes on two cores) and it
//! needs the Python package (`bindings/python/ci.sh` makes `.venv-py`), so
//! it is ignored by default:
//! `cargo test --release --test walk -- --ignored` after `bindings/python/ci.sh`
//! (`$FRAMELENS_PYTHON` names another interpreter with framelens and pandas).

mod common;

use std::path::PathBuf;
use std::process::Command;

fn python() -> PathBuf {
    std::env::var_os("FRAMELENS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::root().join(".venv-py/bin/python"))
}

#[test]
#[ignore = "minutes of CPU and the Python package: run after bindings/python/ci.sh"]
fn global_voices_through_batch_is_small_and_reads_back_with_the_same_labels() {
    let input = common::root().join("../shared/data/globalvoices/articles.jsonl");
    assert!(input.is_file(), "{} is missing (the shared Global Voices stories)", input.display());
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("gv.jsonl");
    let run = Command::new(common::example("batch"))
        .current_dir(common::root())
        .arg(&input)
        .args(["--taxonomy", "semeval2025-narratives", "--quiet", "--output"])
        .arg(&out)
        .output()
        .expect("batch");
    assert!(run.status.success(), "batch failed: {}", String::from_utf8_lossy(&run.stderr));
    let size = std::fs::metadata(&out).expect("output").len();
    println!("Global Voices, 169 stories through the narratives, batch defaults: {size} bytes");
    assert!(size < 20_000_000, "batch wrote {size} bytes for 169 stories; the default should stay under 20 MB");

    // batch's labels and metadata, per id, from the file itself.
    let text = std::fs::read_to_string(&out).expect("read output");
    let mut want = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let labels: Vec<String> = v["analysis"]["labels"]
            .as_array()
            .map(|l| l.iter().map(|x| x["label"].as_str().unwrap_or_default().to_string()).collect())
            .unwrap_or_default();
        assert!(v["metadata"]["title"].is_string(), "the input's title is carried: {}", &line[..line.len().min(200)]);
        want.push(serde_json::json!({"id": v["id"], "labels": labels, "title": v["metadata"]["title"]}));
    }
    assert_eq!(want.len(), 169);

    let python = python();
    assert!(python.is_file(), "{} is missing: run bindings/python/ci.sh (or set FRAMELENS_PYTHON)", python.display());
    let script = "import json, sys, framelens\n\
        df = framelens.to_pandas(framelens.read_batch(sys.argv[1]))\n\
        print(json.dumps([{'id': i, 'labels': list(l), 'title': t} for i, l, t in zip(df['id'], df['labels'], df['title'])]))\n";
    let py = Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(&out)
        .env("FRAMELENS_MODELS", common::root().join("models"))
        .output()
        .expect("python");
    assert!(py.status.success(), "read_batch failed: {}", String::from_utf8_lossy(&py.stderr));
    let got: serde_json::Value = serde_json::from_slice(&py.stdout).expect("the DataFrame as JSON");
    assert_eq!(got, serde_json::Value::Array(want), "read_batch's DataFrame differs from batch's labels");
}
