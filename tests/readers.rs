//! Corpus readers and writers: the committed fixtures, every error case, and
//! write-then-read round trips.

use std::path::{Path, PathBuf};

use framelens::data::{
    self, read_jsonl, read_semeval2023, read_semeval2025, write_semeval2023_labels, write_semeval2025_annotations,
};
use framelens::{Error, Taxonomy};
use tempfile::TempDir;

fn narratives() -> Taxonomy {
    Taxonomy::builtin("semeval2025-narratives").expect("built-in taxonomy")
}

fn frames() -> Taxonomy {
    Taxonomy::builtin("media-frames").expect("built-in taxonomy")
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

const UA_DISCREDIT: &str = "URW: Discrediting Ukraine";
const UA_HISTORY: &str = "URW: Discrediting Ukraine: Rewriting Ukraine\u{2019}s history";
const UA_NAZISM: &str = "URW: Discrediting Ukraine: Ukraine is associated with nazism";
const CC_POLICIES: &str = "CC: Criticism of climate policies";
const CC_INEFFECTIVE: &str = "CC: Criticism of climate policies: Climate policies are ineffective";

/// A SemEval-2025 language folder in a temp dir: `EN/<docs_dir>/<id>.txt` and the annotations.
fn semeval2025_dir(docs_dir: &str, annotations: &[u8], docs: &[(&str, &[u8])]) -> (TempDir, PathBuf) {
    let tmp = TempDir::new().expect("temp dir");
    let lang = tmp.path().join("EN");
    std::fs::create_dir_all(lang.join(docs_dir)).expect("create dir");
    std::fs::write(lang.join("subtask-2-annotations.txt"), annotations).expect("write annotations");
    for (id, text) in docs {
        std::fs::write(lang.join(docs_dir).join(format!("{id}.txt")), text).expect("write document");
    }
    (tmp, lang)
}

/// A SemEval-2023 folder in a temp dir: `en/train-articles-subtask-2/article<id>.txt` and the labels.
fn semeval2023_dir(labels: &[u8], docs: &[(&str, &[u8])]) -> (TempDir, PathBuf) {
    semeval2023_subtask_dir(2, labels, docs)
}

/// The same for subtask `n`: `en/train-articles-subtask-<n>/` and `en/train-labels-subtask-<n>.txt`.
fn semeval2023_subtask_dir(n: u8, labels: &[u8], docs: &[(&str, &[u8])]) -> (TempDir, PathBuf) {
    let tmp = TempDir::new().expect("temp dir");
    let lang = tmp.path().join("en");
    let articles = lang.join(format!("train-articles-subtask-{n}"));
    std::fs::create_dir_all(&articles).expect("create dir");
    std::fs::write(lang.join(format!("train-labels-subtask-{n}.txt")), labels).expect("write labels");
    for (id, text) in docs {
        std::fs::write(articles.join(format!("article{id}.txt")), text).expect("write document");
    }
    (tmp, lang)
}

fn jsonl_file(lines: &str) -> (TempDir, PathBuf) {
    let tmp = TempDir::new().expect("temp dir");
    let path = tmp.path().join("corpus.jsonl");
    std::fs::write(&path, lines).expect("write jsonl");
    (tmp, path)
}

/// Assert a `Data` error at `file_name`:`line` whose message contains `needle`,
/// and that the displayed error names the file and line too.
/// `line` 0: the error is about the whole file (no line).
fn assert_data_error(err: Error, file_name: &str, line: usize, needle: &str) {
    let shown = err.to_string();
    match err {
        Error::Data { path, line: l, message } => {
            assert!(path.ends_with(file_name), "path {} should end with {file_name}", path.display());
            assert_eq!(l, (line > 0).then_some(line), "line in {shown}");
            assert!(message.contains(needle), "message `{message}` should contain `{needle}`");
            let place = if line > 0 { format!("{file_name}:{line}:") } else { format!("{file_name}:") };
            assert!(shown.contains(&place), "display `{shown}`");
        }
        other => panic!("expected Error::Data, got {other:?}"),
    }
}

fn assert_unknown_label(err: Error, file_name: &str, line: usize, bad: &str, taxonomy: &str) {
    let shown = err.to_string();
    match err {
        Error::UnknownLabel { path, line: l, label, taxonomy: t, document: _ } => {
            let path = path.expect("a label read from a file names the file");
            assert!(path.ends_with(file_name), "path {} should end with {file_name}", path.display());
            assert_eq!(l, Some(line));
            assert_eq!(label, bad);
            assert_eq!(t, taxonomy);
            assert!(shown.contains(&format!("{file_name}:{line}:")) && shown.contains(bad), "display `{shown}`");
        }
        other => panic!("expected Error::UnknownLabel, got {other:?}"),
    }
}

// ---------------------------------------------------------------- SemEval-2025

#[test]
fn semeval2025_fixture_reads_all_documents() {
    let corpus = read_semeval2025(Path::new("tests/data/semeval2025/EN"), &narratives()).expect("fixture reads");
    assert_eq!(corpus.len(), 60);
    assert_eq!(corpus.name, "semeval2025-EN");
    let ids: Vec<&str> = corpus.documents.iter().map(|d| d.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "documents are sorted by id");
    assert!(corpus.documents.iter().all(|d| !d.coarse.is_empty() && !d.labels.is_empty()));

    let doc = corpus.get("EN_UA_900004").expect("EN_UA_900004 present");
    assert_eq!(doc.coarse, strings(&[UA_DISCREDIT]));
    assert_eq!(doc.labels, strings(&[UA_HISTORY, UA_NAZISM]));
    let on_disk = std::fs::read_to_string("tests/data/semeval2025/EN/raw-documents/EN_UA_900004.txt").expect("read");
    assert_eq!(doc.text, on_disk);

    let gold = corpus.labels_by_id();
    assert_eq!(gold.len(), 60);
    assert_eq!(corpus.coarse_by_id()[0].1, corpus.documents[0].coarse);
}

#[test]
fn semeval2025_label_lists_match_the_official_counts() {
    let t = narratives();
    let coarse = data::coarse_labels(&t);
    let fine = data::fine_labels(&t);
    assert_eq!(coarse.len(), 22);
    assert_eq!(fine.len(), 96);
    assert!(coarse.contains(&"Other".to_string()) && fine.contains(&"Other".to_string()));
    assert!(fine.contains(&UA_HISTORY.to_string()));
    assert_eq!(data::all_labels(&frames()).len(), 14);
}

#[test]
fn semeval2025_trims_dedupes_and_tolerates_bom_crlf_extra_columns() {
    let annotations = format!(
        "\u{feff}EN_CC_2.txt\t {CC_POLICIES} ;{CC_POLICIES}\t{CC_INEFFECTIVE};{CC_INEFFECTIVE} ;\tfree text here\r\n\
         \r\n\
         EN_UA_1\tOther\tOther\r\n"
    );
    let (_tmp, dir) = semeval2025_dir(
        "subtask-2-documents",
        annotations.as_bytes(),
        &[("EN_UA_1", b"\xEF\xBB\xBFTitle one\r\n\r\nBody one.\r\n"), ("EN_CC_2", b"Title two\n\nBody two.\n")],
    );
    let corpus = read_semeval2025(&dir, &narratives()).expect("reads");
    assert_eq!(corpus.len(), 2);
    let cc = corpus.get("EN_CC_2").expect("EN_CC_2");
    assert_eq!(cc.coarse, strings(&[CC_POLICIES]));
    assert_eq!(cc.labels, strings(&[CC_INEFFECTIVE]));
    assert_eq!(cc.text, "Title two\n\nBody two.\n");
    let ua = corpus.get("EN_UA_1").expect("EN_UA_1");
    assert_eq!(ua.coarse, strings(&["Other"]));
    assert_eq!(ua.labels, strings(&["Other"]));
    assert_eq!(ua.text, "Title one\n\nBody one.\n", "BOM removed, CRLF normalised");
}

#[test]
fn semeval2025_pairs_documents_by_id_not_line_order() {
    // Annotation lines in the opposite order of the sorted files.
    let annotations = format!("EN_B\tOther\tOther\nEN_A\t{UA_DISCREDIT}\t{UA_NAZISM}\n");
    let (_tmp, dir) =
        semeval2025_dir("raw-documents", annotations.as_bytes(), &[("EN_A", b"About A"), ("EN_B", b"About B")]);
    let corpus = read_semeval2025(&dir, &narratives()).expect("reads");
    let a = corpus.get("EN_A").expect("EN_A");
    assert_eq!((a.text.as_str(), a.labels.clone()), ("About A", strings(&[UA_NAZISM])));
    let b = corpus.get("EN_B").expect("EN_B");
    assert_eq!((b.text.as_str(), b.labels.clone()), ("About B", strings(&["Other"])));
}

#[test]
fn semeval2025_unknown_fine_label_names_file_line_and_label() {
    let err = read_semeval2025(Path::new("tests/data/bad/semeval2025-unknown-label/EN"), &narratives())
        .expect_err("bad label");
    assert_unknown_label(
        err,
        "subtask-2-annotations.txt",
        2,
        "URW: Discrediting Ukraine: Ukraine is run by aliens",
        "semeval2025-narratives",
    );
}

#[test]
fn semeval2025_unknown_coarse_label() {
    let (_tmp, dir) = semeval2025_dir(
        "raw-documents",
        b"EN_1\tOther\tOther\nEN_2\tURW: Made up\tOther\n",
        &[("EN_1", b"x"), ("EN_2", b"y")],
    );
    let err = read_semeval2025(&dir, &narratives()).expect_err("bad label");
    assert_unknown_label(err, "subtask-2-annotations.txt", 2, "URW: Made up", "semeval2025-narratives");
}

#[test]
fn semeval2025_label_in_the_wrong_column() {
    // A sub-narrative where narratives belong.
    let line = format!("EN_1\t{UA_NAZISM}\t{UA_NAZISM}\n");
    let (_tmp, dir) = semeval2025_dir("raw-documents", line.as_bytes(), &[("EN_1", b"x")]);
    let err = read_semeval2025(&dir, &narratives()).expect_err("fine label as coarse");
    assert_data_error(err, "subtask-2-annotations.txt", 1, UA_NAZISM);
    // A narrative where sub-narratives belong.
    let line = format!("EN_1\t{UA_DISCREDIT}\t{UA_DISCREDIT}\n");
    let (_tmp, dir) = semeval2025_dir("raw-documents", line.as_bytes(), &[("EN_1", b"x")]);
    let err = read_semeval2025(&dir, &narratives()).expect_err("coarse label as fine");
    assert_data_error(err, "subtask-2-annotations.txt", 1, "holds sub-narratives");
}

#[test]
fn semeval2025_malformed_line() {
    let (_tmp, dir) =
        semeval2025_dir("raw-documents", b"EN_1\tOther\tOther\n\nEN_2\tOther\n", &[("EN_1", b"x"), ("EN_2", b"y")]);
    let err = read_semeval2025(&dir, &narratives()).expect_err("two columns");
    assert_data_error(err, "subtask-2-annotations.txt", 3, "expected 3 tab-separated columns");
}

#[test]
fn semeval2025_duplicate_id_with_and_without_txt() {
    let (_tmp, dir) =
        semeval2025_dir("raw-documents", b"EN_1\tOther\tOther\nEN_1.txt\tOther\tOther\n", &[("EN_1", b"x")]);
    let err = read_semeval2025(&dir, &narratives()).expect_err("duplicate");
    assert_data_error(err, "subtask-2-annotations.txt", 2, "duplicate ID `EN_1` (first on line 1)");
}

#[test]
fn semeval2025_annotated_id_without_document_names_the_missing_file() {
    let (_tmp, dir) = semeval2025_dir("raw-documents", b"EN_1\tOther\tOther\nEN_9\tOther\tOther\n", &[("EN_1", b"x")]);
    let err = read_semeval2025(&dir, &narratives()).expect_err("missing document");
    let missing = dir.join("raw-documents").join("EN_9.txt");
    assert_data_error(err, "subtask-2-annotations.txt", 2, &missing.display().to_string());
}

#[test]
fn semeval2025_document_without_annotation_is_reported_not_fatal() {
    let (_tmp, dir) =
        semeval2025_dir("raw-documents", b"EN_1\tOther\tOther\n", &[("EN_1", b"x"), ("EN_2", b"y"), ("EN_3", b"z")]);
    let corpus = read_semeval2025(&dir, &narratives()).expect("a missing annotation line is not fatal");
    let ids: Vec<&str> = corpus.documents.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["EN_1"]);
    let docs = dir.join("raw-documents");
    assert_eq!(corpus.unannotated, [docs.join("EN_2.txt"), docs.join("EN_3.txt")]);
    // The folder's name declares the language.
    assert_eq!(corpus.documents[0].language.as_deref(), Some("en"));
}

#[test]
fn semeval2025_non_utf8_document_is_named() {
    let (_tmp, dir) =
        semeval2025_dir("raw-documents", b"EN_1\tOther\tOther\n", &[("EN_1", b"Title\n\nCaf\xe9 prices rose.\n")]);
    let err = read_semeval2025(&dir, &narratives()).expect_err("latin-1");
    assert_data_error(err, "EN_1.txt", 3, "not valid UTF-8");
}

#[test]
fn semeval2025_needs_a_document_folder_and_a_two_level_taxonomy() {
    let tmp = TempDir::new().expect("temp dir");
    std::fs::write(tmp.path().join("subtask-2-annotations.txt"), "EN_1\tOther\tOther\n").expect("write");
    let err = read_semeval2025(tmp.path(), &narratives()).expect_err("no documents folder");
    assert!(err.to_string().contains("raw-documents"), "{err}");

    let err = read_semeval2025(Path::new("tests/data/semeval2025/EN"), &frames()).expect_err("flat taxonomy");
    assert!(matches!(err, Error::InvalidTaxonomy { .. }), "{err:?}");
}

// ---------------------------------------------------------------- SemEval-2023

#[test]
fn semeval2023_fixture_reads_all_documents() {
    let corpus = read_semeval2023(Path::new("tests/data/semeval2023/en"), &frames()).expect("fixture reads");
    assert_eq!(corpus.len(), 48);
    assert_eq!(corpus.name, "semeval2023-en-train");
    let doc = corpus.get("990000001").expect("990000001");
    assert_eq!(doc.labels, strings(&["Political", "Security_and_defense", "External_regulation_and_reputation"]));
    assert!(doc.coarse.is_empty());
    assert!(doc.text.starts_with("Second round of Istanbul talks ends without ceasefire"));
}

#[test]
fn semeval2023_accepts_the_articles_folder_itself() {
    let corpus = read_semeval2023(Path::new("tests/data/semeval2023/en/train-articles-subtask-2"), &frames())
        .expect("articles folder reads");
    assert_eq!(corpus.len(), 48);
}

#[test]
fn semeval2023_empty_label_list_and_prefixed_ids() {
    let (_tmp, dir) = semeval2023_dir(
        b"article7.txt\tEconomic, Morality,Economic\n\n8\t\n",
        &[("7", b"Seven\n\nBody."), ("8", b"Eight\n\nBody.")],
    );
    let corpus = read_semeval2023(&dir, &frames()).expect("reads");
    assert_eq!(corpus.get("7").map(|d| d.labels.clone()), Some(strings(&["Economic", "Morality"])));
    assert_eq!(corpus.get("8").map(|d| d.labels.clone()), Some(Vec::new()));
}

#[test]
fn semeval2023_unknown_frame() {
    let (_tmp, dir) = semeval2023_dir(b"1\tEconomic\n2\tEconomics\n", &[("1", b"x"), ("2", b"y")]);
    let err = read_semeval2023(&dir, &frames()).expect_err("bad frame");
    assert_unknown_label(err, "train-labels-subtask-2.txt", 2, "Economics", "media-frames");
}

#[test]
fn semeval2023_malformed_duplicate_and_missing() {
    let (_tmp, dir) = semeval2023_dir(b"1\tEconomic\n2 Economic\n", &[("1", b"x"), ("2", b"y")]);
    let err = read_semeval2023(&dir, &frames()).expect_err("no tab");
    assert_data_error(err, "train-labels-subtask-2.txt", 2, "expected 2 tab-separated columns");

    let (_tmp, dir) = semeval2023_dir(b"1\tEconomic\n1\tPolitical\n", &[("1", b"x")]);
    let err = read_semeval2023(&dir, &frames()).expect_err("duplicate");
    assert_data_error(err, "train-labels-subtask-2.txt", 2, "duplicate ID `1`");

    let (_tmp, dir) = semeval2023_dir(b"1\tEconomic\n5\tPolitical\n", &[("1", b"x")]);
    let err = read_semeval2023(&dir, &frames()).expect_err("missing article");
    assert_data_error(err, "train-labels-subtask-2.txt", 2, "article5.txt does not exist");

    let (_tmp, dir) = semeval2023_dir(b"1\tEconomic\n", &[("1", b"x"), ("2", b"y")]);
    let err = read_semeval2023(&dir, &frames()).expect_err("unlabelled article");
    assert_data_error(err, "article2.txt", 0, "train-labels-subtask-2.txt");
}

#[test]
fn semeval2023_non_utf8_article_is_named() {
    let err = read_semeval2023(Path::new("tests/data/bad/semeval2023-non-utf8"), &frames()).expect_err("latin-1");
    assert_data_error(err, "article1.txt", 3, "not valid UTF-8");
}

#[test]
fn semeval2023_several_splits_must_be_chosen() {
    let (_tmp, dir) = semeval2023_dir(b"1\tEconomic\n", &[("1", b"x")]);
    std::fs::create_dir_all(dir.join("dev-articles-subtask-2")).expect("dir");
    std::fs::write(dir.join("dev-articles-subtask-2").join("article3.txt"), "z").expect("write");
    std::fs::write(dir.join("dev-labels-subtask-2.txt"), "3\tMorality\n").expect("write");
    let err = read_semeval2023(&dir, &frames()).expect_err("ambiguous");
    assert!(err.to_string().contains("several splits"), "{err}");
    let dev = read_semeval2023(&dir.join("dev-articles-subtask-2"), &frames()).expect("dev reads");
    assert_eq!(dev.documents.len(), 1);
    assert_eq!(dev.documents[0].labels, strings(&["Morality"]));
}

// ---------------------------------------------------------------- JSONL

#[test]
fn jsonl_reads_sorted_with_labels_in_file_order() {
    let (_tmp, path) = jsonl_file(
        "{\"id\": \"b\", \"text\": \"Taxes fell.\", \"labels\": [\"Political\", \"Economic\", \"Political\"], \"split\": \"dev\"}\n\
         \n\
         {\"id\": \"a\", \"text\": \"The weather was mild.\", \"labels\": []}\n",
    );
    let corpus = read_jsonl(&path, &frames()).expect("reads");
    assert_eq!(corpus.name, "corpus");
    let ids: Vec<&str> = corpus.documents.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(corpus.documents[1].labels, strings(&["Political", "Economic"]));
    assert!(corpus.documents.iter().all(|d| d.coarse.is_empty()), "flat taxonomy: no coarse labels");
    assert!(corpus.documents[0].labels.is_empty());
}

#[test]
fn jsonl_without_ids_names_documents_by_line() {
    let corpus = read_jsonl(Path::new("tests/data/calibration/media-frames.jsonl"), &frames()).expect("reads");
    assert!(!corpus.is_empty());
    assert_eq!(corpus.documents[0].id, "line-000001");
    assert_eq!(corpus.documents[0].labels, strings(&["Economic"]));
}

#[test]
fn jsonl_two_level_labels_fill_coarse() {
    let line = format!(
        "{{\"id\": \"x\", \"text\": \"Kyiv rewrites its past.\", \"labels\": [\"{UA_HISTORY}\", \"{CC_POLICIES}\", \"{UA_NAZISM}\"]}}\n\
         {{\"id\": \"y\", \"text\": \"Nothing to see.\", \"labels\": [\"Other\"]}}\n"
    );
    let (_tmp, path) = jsonl_file(&line);
    let corpus = read_jsonl(&path, &narratives()).expect("reads");
    let x = corpus.get("x").expect("x");
    assert_eq!(x.labels, strings(&[UA_HISTORY, CC_POLICIES, UA_NAZISM]));
    assert_eq!(x.coarse, strings(&[UA_DISCREDIT, CC_POLICIES]));
    let y = corpus.get("y").expect("y");
    assert_eq!((y.labels.clone(), y.coarse.clone()), (strings(&["Other"]), strings(&["Other"])));
}

#[test]
fn jsonl_errors_name_the_line() {
    let bad = Path::new("tests/data/bad/jsonl");
    let t = frames();
    assert_data_error(
        read_jsonl(&bad.join("malformed.jsonl"), &t).expect_err("bad"),
        "malformed.jsonl",
        2,
        "malformed JSON",
    );
    assert_unknown_label(
        read_jsonl(&bad.join("unknown-label.jsonl"), &t).expect_err("bad"),
        "unknown-label.jsonl",
        3,
        "Propaganda",
        "media-frames",
    );
    assert_data_error(
        read_jsonl(&bad.join("duplicate-id.jsonl"), &t).expect_err("bad"),
        "duplicate-id.jsonl",
        2,
        "duplicate id `a` (first on line 1)",
    );
    assert_data_error(
        read_jsonl(&bad.join("missing-text.jsonl"), &t).expect_err("bad"),
        "missing-text.jsonl",
        2,
        "missing field `text`",
    );
    assert_data_error(
        read_jsonl(&bad.join("missing-labels.jsonl"), &t).expect_err("bad"),
        "missing-labels.jsonl",
        1,
        "missing field `labels`",
    );
    assert_data_error(
        read_jsonl(&bad.join("empty-text.jsonl"), &t).expect_err("bad"),
        "empty-text.jsonl",
        1,
        "`text` is empty",
    );
    let (_tmp, path) = jsonl_file("[1, 2]\n");
    assert_data_error(read_jsonl(&path, &t).expect_err("bad"), "corpus.jsonl", 1, "expected a JSON object");
    let (_tmp, path) = jsonl_file("{\"id\": \"a\", \"text\": \"t\", \"labels\": [\"Economic\", 3]}\n");
    assert_data_error(read_jsonl(&path, &t).expect_err("bad"), "corpus.jsonl", 1, "`labels[1]` must be a string");
}

#[test]
fn missing_files_are_io_errors_naming_the_path() {
    let err = read_jsonl(Path::new("tests/data/bad/jsonl/nope.jsonl"), &frames()).expect_err("missing");
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("nope.jsonl"), "{err}");
}

// ---------------------------------------------------------------- writers

#[test]
fn semeval2025_write_then_read_back() {
    let predictions = vec![
        ("EN_UA_2".to_string(), strings(&[UA_DISCREDIT, UA_DISCREDIT]), strings(&[UA_HISTORY, UA_NAZISM])),
        ("EN_CC_1".to_string(), Vec::new(), Vec::new()),
    ];
    let (_tmp, dir) = semeval2025_dir("subtask-2-documents", b"", &[("EN_UA_2", b"two"), ("EN_CC_1", b"one")]);
    let path = dir.join("subtask-2-annotations.txt");
    write_semeval2025_annotations(&path, &predictions).expect("write");
    let written = std::fs::read_to_string(&path).expect("read");
    assert_eq!(written.lines().nth(1), Some("EN_CC_1\tOther\tOther"));
    assert_eq!(written.lines().next(), Some(format!("EN_UA_2\t{UA_DISCREDIT}\t{UA_HISTORY};{UA_NAZISM}").as_str()));

    let corpus = read_semeval2025(&dir, &narratives()).expect("reads back");
    let ua = corpus.get("EN_UA_2").expect("EN_UA_2");
    assert_eq!((ua.coarse.clone(), ua.labels.clone()), (strings(&[UA_DISCREDIT]), strings(&[UA_HISTORY, UA_NAZISM])));
    let cc = corpus.get("EN_CC_1").expect("EN_CC_1");
    assert_eq!((cc.coarse.clone(), cc.labels.clone()), (strings(&["Other"]), strings(&["Other"])));
}

#[test]
fn semeval2023_write_then_read_back() {
    let original = read_semeval2023(Path::new("tests/data/semeval2023/en"), &frames()).expect("fixture");
    let tmp = TempDir::new().expect("temp dir");
    let articles = tmp.path().join("dev-articles-subtask-2");
    std::fs::create_dir_all(&articles).expect("dir");
    for d in &original.documents {
        std::fs::write(articles.join(format!("article{}.txt", d.id)), &d.text).expect("write");
    }
    let mut predictions: Vec<(String, Vec<String>)> = original.labels_by_id();
    predictions.reverse(); // order must not matter
    predictions[0].1.clear(); // an empty list round-trips too
    write_semeval2023_labels(&tmp.path().join("dev-labels-subtask-2.txt"), &predictions).expect("write");
    let back = read_semeval2023(tmp.path(), &frames()).expect("reads back");
    assert_eq!(back.len(), original.len());
    for d in &back.documents {
        let expected = predictions.iter().find(|(id, _)| id == &d.id).map(|(_, l)| l.clone());
        assert_eq!(Some(d.labels.clone()), expected, "document {}", d.id);
        assert_eq!(Some(&d.text), original.get(&d.id).map(|o| &o.text));
    }
}

#[test]
fn writers_refuse_separators_inside_labels() {
    let tmp = TempDir::new().expect("temp dir");
    let err = write_semeval2025_annotations(
        &tmp.path().join("a.txt"),
        &[("EN_1".to_string(), strings(&["A;B"]), Vec::new())],
    )
    .expect_err("semicolon");
    assert!(err.to_string().contains("EN_1") && err.to_string().contains("A;B"), "{err}");
    let err = write_semeval2023_labels(&tmp.path().join("b.txt"), &[("7".to_string(), strings(&["A,B"]))])
        .expect_err("comma");
    assert!(err.to_string().contains("A,B"), "{err}");
}

// ---------------------------------------------------- SemEval-2023 subtask 3

fn techniques() -> Taxonomy {
    Taxonomy::builtin("persuasion-techniques").expect("built-in taxonomy")
}

/// A subtask-3 folder in a temp dir: `en/train-articles-subtask-3/article<id>.txt` and the labels.
fn subtask3_dir(labels: &[u8], docs: &[(&str, &[u8])]) -> (TempDir, PathBuf) {
    semeval2023_subtask_dir(3, labels, docs)
}

#[test]
fn semeval2023_subtask3_fixture_reads_labelled_paragraphs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/semeval2023/en");
    let corpus = data::read_semeval2023_paragraphs(&dir, &techniques()).unwrap();
    // 19 labelled rows, every one on a line with text.
    assert_eq!(corpus.len(), 19);
    assert_eq!(corpus.name, "semeval2023-en-train-paragraphs");
    let p = corpus.get("880000001:5").expect("article 880000001, line 5");
    assert!(p.text.starts_with("\"Either we build this depot now"), "{}", p.text);
    assert_eq!(p.labels, strings(&["False_Dilemma-No_Choice", "Appeal_to_Fear-Prejudice"]));
    assert!(corpus.get("880000003:4").is_some_and(|d| d.labels.is_empty()), "a labelled negative");
    assert!(corpus.get("880000001:2").is_none(), "lines without a row are not annotated");
    // The same folder still reads as subtask 2 for frames.
    assert_eq!(read_semeval2023(&dir, &frames()).unwrap().len(), 48);
}

#[test]
fn semeval2023_subtask3_errors_name_the_labels_file_and_line() {
    let article: &[u8] = b"Title\n\nFirst paragraph.\n\nSecond paragraph.\n";
    let read = |labels: &[u8]| {
        let (_t, dir) = subtask3_dir(labels, &[("1", article)]);
        data::read_semeval2023_paragraphs(&dir, &techniques()).unwrap_err()
    };
    for (labels, line, needle) in [
        (&b"1\t1\t\n1\t9\tLoaded_Language\n"[..], 2, "past the end"),
        (b"1\t3\tLoaded_Language\n1\t3\t\n", 2, "duplicate row"),
        (b"1\tthree\t\n", 1, "line number"),
        (b"1\t2\tLoaded_Language\n", 1, "empty but labelled"),
        (b"2\t1\t\n", 1, "no document for ID `2`"),
    ] {
        assert_data_error(read(labels), "train-labels-subtask-3.txt", line, needle);
    }
    let err = read(b"1\t3\tLoaded_Langauge\n");
    assert_unknown_label(err, "train-labels-subtask-3.txt", 1, "Loaded_Langauge", "persuasion-techniques");
}

#[test]
fn semeval2023_subtask3_predictions_round_trip() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/semeval2023/en");
    let corpus = data::read_semeval2023_paragraphs(&dir, &techniques()).unwrap();
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("predictions.txt");
    data::write_semeval2023_paragraph_labels(&out, &corpus.labels_by_id()).unwrap();
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.contains("880000001\t5\tFalse_Dilemma-No_Choice,Appeal_to_Fear-Prejudice\n"), "{written}");
    assert!(written.contains("880000003\t4\t\n"), "{written}");
    let original = std::fs::read_to_string(dir.join("train-labels-subtask-3.txt")).unwrap();
    let mut a: Vec<&str> = written.lines().collect();
    let mut b: Vec<&str> = original.lines().collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b, "writing what was read gives the labels file back");
    let bad = [("no-line".to_string(), Vec::new())];
    assert!(matches!(data::write_semeval2023_paragraph_labels(&out, &bad), Err(Error::InvalidInput(_))));
}

#[test]
fn jsonl_language_field_is_read_and_checked() {
    let (_tmp, path) = jsonl_file(
        "{\"id\": \"a\", \"text\": \"Цены выросли.\", \"labels\": [\"Economic\"], \"language\": \"ru\"}\n\
         {\"id\": \"b\", \"text\": \"Taxes fell.\", \"labels\": [], \"language\": \"EN\"}\n\
         {\"id\": \"c\", \"text\": \"Taxes fell.\", \"labels\": [], \"language\": null}\n\
         {\"id\": \"d\", \"text\": \"Taxes fell.\", \"labels\": []}\n",
    );
    let corpus = read_jsonl(&path, &frames()).expect("reads");
    let languages: Vec<Option<&str>> = corpus.documents.iter().map(|d| d.language.as_deref()).collect();
    assert_eq!(languages, [Some("ru"), Some("en"), None, None]);

    for (bad, shown) in [("\"rus\"", "\"rus\""), ("7", "7"), ("\"\"", "\"\"")] {
        let (_tmp, path) = jsonl_file(&format!(
            "{{\"id\": \"a\", \"text\": \"x\", \"labels\": []}}\n{{\"id\": \"b\", \"text\": \"y\", \"labels\": [], \"language\": {bad}}}\n"
        ));
        let err = read_jsonl(&path, &frames()).expect_err("bad language");
        assert_data_error(
            err,
            "corpus.jsonl",
            2,
            &format!("field `language` must be a two-letter ISO 639-1 code such as \"en\" or \"ru\", found {shown}"),
        );
    }
}

#[test]
fn semeval2025_folders_merge_and_refuse_a_shared_id() {
    let (_a, en) =
        semeval2025_dir("raw-documents", b"EN_1\tOther\tOther\n", &[("EN_1", b"About one"), ("EN_2", b"No line")]);
    let tmp = TempDir::new().expect("temp dir");
    let ru = tmp.path().join("RU");
    std::fs::create_dir_all(ru.join("subtask-2-documents")).expect("create dir");
    std::fs::write(ru.join("subtask-2-annotations.txt"), "RU_1\tOther\tOther\n").expect("write");
    std::fs::write(ru.join("subtask-2-documents").join("RU_1.txt"), "Про одно").expect("write");
    let corpus = data::read_semeval2025_folders(&[&en, &ru], &narratives()).expect("reads both");
    assert_eq!(corpus.name, "semeval2025-EN+RU");
    let got: Vec<(&str, Option<&str>)> =
        corpus.documents.iter().map(|d| (d.id.as_str(), d.language.as_deref())).collect();
    assert_eq!(got, [("EN_1", Some("en")), ("RU_1", Some("ru"))]);
    assert_eq!(corpus.unannotated, [en.join("raw-documents").join("EN_2.txt")]);

    // The same folder twice: every ID is in both.
    let err = data::read_semeval2025_folders(&[&ru, &ru], &narratives()).expect_err("shared id");
    assert_data_error(err, "subtask-2-annotations.txt", 0, "document ID `RU_1` is also in");
    let none: [&Path; 0] = [];
    assert!(data::read_semeval2025_folders(&none, &narratives()).is_err());
}
