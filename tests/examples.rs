//! Every example program runs on a fixture: the commands of the README.

mod common;

use std::process::Command;

fn example(name: &str) -> Command {
    let mut cmd = Command::new(common::example(name));
    cmd.current_dir(common::root());
    cmd
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn classify_prints_a_table_and_json() {
    let table = run_ok(example("classify").arg("examples/data/004_2cf0e58a8dd68d2c.txt"));
    assert!(table.contains("taxonomy: media-frames") && table.contains("Security_and_defense"), "{table}");
    let json = run_ok(example("classify").args([
        "--json",
        "--taxonomy",
        "semeval2025-narratives",
        "examples/data/001_1bab8556ee00fa53.txt",
    ]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["taxonomy"], "semeval2025-narratives");
    assert!(v["coarse"].is_array() && v["labels"].is_array() && v["sentences"].is_array());
}

#[test]
fn classify_json_keeps_five_scores_a_sentence_unless_asked_for_all() {
    let json = |scores: Option<&str>| {
        let mut cmd = example("classify");
        cmd.args(["--json", "--taxonomy", "semeval2025-narratives", "examples/data/001_1bab8556ee00fa53.txt"]);
        if let Some(n) = scores {
            cmd.args(["--sentence-scores", n]);
        }
        run_ok(&mut cmd)
    };
    let all = json(Some("all"));
    // With every score, the output is the library's own JSON of the analysis,
    // byte for byte: streaming it changed nothing.
    let analysis: framelens::DocumentAnalysis = serde_json::from_str(&all).unwrap();
    assert_eq!(all, serde_json::to_string_pretty(&analysis).unwrap() + "\n");
    let categories = analysis.document_scores.len();
    assert_eq!(categories, 116);
    assert!(analysis.sentences.len() > 5 && analysis.sentences.iter().all(|s| s.scores.len() == categories));
    for (kept, out) in [(5, json(None)), (2, json(Some("2")))] {
        let short: framelens::DocumentAnalysis = serde_json::from_str(&out).unwrap();
        assert_eq!((short.sentences.len(), short.labels.len()), (analysis.sentences.len(), analysis.labels.len()));
        assert_eq!(short.document_scores.len(), categories, "document scores are never cut");
        for (s, a) in short.sentences.iter().zip(&analysis.sentences) {
            assert_eq!(s.scores.to_vec(), a.scores.iter().take(kept).collect::<Vec<_>>(), "the {kept} best, in order");
        }
    }
    let out = example("classify")
        .args(["--json", "--sentence-scores", "most", "examples/data/001_1bab8556ee00fa53.txt"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("`most` is neither a number of scores nor `all`"));
}

#[test]
fn classify_reports_a_missing_file_and_bad_taxonomy_clearly() {
    let out = example("classify").arg("no/such/article.txt").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/article.txt"));
    let out =
        example("classify").args(["--taxonomy", "frames", "examples/data/004_2cf0e58a8dd68d2c.txt"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown taxonomy `frames`"));
}

#[test]
fn train_then_evaluate_on_disjoint_folds() {
    let dir = tempfile::tempdir().unwrap();
    let head = dir.path().join("head.json");
    let preds = dir.path().join("pred.txt");
    let corpus = ["--semeval2025", "tests/data/semeval2025/EN"];
    run_ok(
        example("train")
            .args(corpus)
            .args(["--exclude-fold", "0/2", "--epochs", "100", "--kind", "head", "--quiet", "--out"])
            .arg(&head),
    );
    let json = run_ok(
        example("evaluate")
            .args(corpus)
            .args(["--fold", "0/2", "--json", "--head"])
            .arg(&head)
            .arg("--predictions")
            .arg(&preds),
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let coarse = v["f1_samples_coarse"].as_f64().unwrap();
    assert!(coarse > 0.4, "coarse F1 samples {coarse}");
    assert!(v["scorer"].as_str().unwrap().starts_with("head:"));
    // The head saw only documents outside fold 0; evaluation saw only fold 0.
    let fold = framelens::corpus::Shard::new(0, 2).unwrap();
    let written = std::fs::read_to_string(&preds).unwrap();
    let ids: Vec<&str> = written.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(ids.len(), v["documents"].as_u64().unwrap() as usize);
    assert!(ids.iter().all(|id| fold.contains(id)));
    let head_json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&head).unwrap()).unwrap();
    assert_eq!(head_json["documents"].as_u64().unwrap() as usize + ids.len(), 60);
}

#[test]
fn evaluate_prints_the_frames_table() {
    let out = run_ok(example("evaluate").args(["--semeval2023", "tests/data/semeval2023/en"]));
    assert!(out.contains("micro") && out.contains("macro") && out.contains("Crime_and_punishment"), "{out}");
}

#[test]
fn custom_taxonomy_classifies_and_exports_a_loadable_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("escalation.toml");
    let out =
        run_ok(example("custom_taxonomy").arg("examples/data/004_2cf0e58a8dd68d2c.txt").arg("--export").arg(&path));
    assert!(out.lines().any(|l| l.starts_with("coarse")), "{out}");
    let t = framelens::Taxonomy::from_file(&path).unwrap();
    assert_eq!(t.name, "escalation");
    assert_eq!(t.categories.len(), 4);
    // The exported file works with classify --taxonomy.
    let table = run_ok(example("classify").arg("--taxonomy").arg(&path).arg("examples/data/004_2cf0e58a8dd68d2c.txt"));
    assert!(table.contains("taxonomy: escalation"), "{table}");
}

#[test]
fn quickstart_prints_labels_with_offsets() {
    let out = run_ok(&mut example("quickstart"));
    assert!(out.contains("Security_and_defense") && out.contains("Economic"), "{out}");
    assert!(out.contains("[0..68] Sanctions have doubled"), "{out}");
}

#[test]
fn techniques_per_paragraph_train_evaluate_and_batch_by_unit() {
    let dir = tempfile::tempdir().unwrap();
    let head = dir.path().join("techniques.json");
    let preds = dir.path().join("pred.txt");
    let corpus = ["--semeval2023", "tests/data/semeval2023/en", "--taxonomy", "persuasion-techniques"];
    run_ok(
        example("train")
            .args(corpus)
            .args(["--epochs", "50", "--folds", "2", "--kind", "head", "--quiet", "--out"])
            .arg(&head),
    );
    let json =
        run_ok(example("evaluate").args(corpus).args(["--json", "--head"]).arg(&head).arg("--predictions").arg(&preds));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["corpus"], "semeval2023-en-train-paragraphs");
    assert_eq!(v["documents"], 19);
    let written = std::fs::read_to_string(&preds).unwrap();
    assert_eq!(written.lines().count(), 19);
    assert!(written.lines().all(|l| l.split('\t').count() == 3), "{written}");
    let out = run_ok(example("batch").args([
        "tests/data/semeval2023/en/train-articles-subtask-3",
        "--taxonomy",
        "persuasion-techniques",
        "--unit",
        "paragraph",
        "--sentence-scores",
        "1",
        "--quiet",
    ]));
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let units = first["units"].as_array().unwrap();
    assert_eq!(units.len(), 7, "article880000001 has 7 non-empty lines");
    assert_eq!(units[0]["analysis"]["sentences"][0]["scores"].as_array().unwrap().len(), 1);
}

/// `train` and `evaluate` across languages: `--semeval2025` once per
/// language folder (the fixtures, written here: a smoke test), one head per
/// encoder, scores per declared language; a document without an annotation
/// line is a warning, not an error.
#[test]
fn train_and_evaluate_across_languages() {
    let dir = tempfile::tempdir().unwrap();
    let heads = dir.path().join("heads.json");
    // RU with one annotation line dropped: that document is reported and left out.
    let ru = dir.path().join("RU");
    std::fs::create_dir_all(ru.join("raw-documents")).unwrap();
    let source = common::root().join("tests/data/semeval2025/RU");
    for entry in std::fs::read_dir(source.join("raw-documents")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, ru.join("raw-documents").join(path.file_name().unwrap())).unwrap();
    }
    let annotations = std::fs::read_to_string(source.join("subtask-2-annotations.txt")).unwrap();
    let mut lines: Vec<&str> = annotations.lines().collect();
    let dropped = lines.pop().unwrap().split('\t').next().unwrap().trim_end_matches(".txt").to_string();
    std::fs::write(ru.join("subtask-2-annotations.txt"), lines.join("\n") + "\n").unwrap();

    let mut corpus: Vec<String> = Vec::new();
    for folder in [
        "tests/data/semeval2025/EN".into(),
        ru.display().to_string(),
        "tests/data/semeval2025/BG".into(),
        "tests/data/semeval2025/HI".into(),
    ] {
        corpus.push("--semeval2025".into());
        corpus.push(folder);
    }
    let out = example("train")
        .args(&corpus)
        .args(["--epochs", "20", "--folds", "2", "--min-documents", "3", "--kind", "head", "--quiet", "--out"])
        .arg(&heads)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("warning: 1 documents have no line in their subtask-2-annotations.txt"), "{stderr}");
    assert!(stderr.contains(&format!("{dropped}.txt")), "{stderr}");
    assert!(stderr.contains("head for onnx:all-MiniLM-L6-v2-rowq8: 60 documents"), "{stderr}");
    assert!(stderr.contains("head for onnx:multilingual-e5-small-q4: 7 documents"), "{stderr}");
    let file: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&heads).unwrap()).unwrap();
    assert_eq!(file["format"], "framelens-heads");

    let json = run_ok(example("evaluate").args(&corpus).args(["--json", "--head"]).arg(&heads));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["documents"], 67);
    assert_eq!(v["encoders"]["onnx:all-MiniLM-L6-v2-rowq8"], 60);
    assert_eq!(v["encoders"]["onnx:multilingual-e5-small-q4"], 7);
    let by_language = v["by_language"].as_object().unwrap();
    assert_eq!(by_language.keys().collect::<Vec<_>>(), ["bg", "en", "hi", "ru"]);
    assert_eq!(by_language["ru"]["documents"], 2);
    assert_eq!(by_language["ru"]["encoders"]["onnx:multilingual-e5-small-q4"], 2);
    assert!(by_language["bg"]["f1_samples_fine"].is_number());
}
