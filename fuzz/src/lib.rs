//! The properties the fuzz targets check, one function per target.
//!
//! Each function takes raw fuzzer input, runs one framelens entry point on it
//! and panics (with a message naming the broken property) when the result is
//! wrong. The `cargo fuzz` targets in `fuzz_targets/` call them with
//! libFuzzer's input; `tests/fuzz_targets.rs` includes this file and calls
//! them with `proptest` input, so the normal test suite runs every property
//! too.

use std::path::Path;

use framelens::taxonomy::Format;
use framelens::{Classifier, Error, Segmenter, SegmenterConfig, Span, Taxonomy};

/// Sentence splitting: spans are non-empty, ordered, on char boundaries,
/// trimmed, and only whitespace lies outside them, so no text is lost. With
/// `newline_breaks` no span crosses a line break.
pub fn check_split(text: &str, newline_breaks: bool) {
    let config = SegmenterConfig { newline_breaks, ..SegmenterConfig::default() };
    let spans = Segmenter::new(config).split(text);
    check_spans(text, &spans);
    if newline_breaks {
        for s in &spans {
            assert!(!s.text(text).contains('\n'), "span {s:?} crosses a line break with newline_breaks on");
        }
    }
}

/// Spans of `text` cover every non-whitespace byte, in order, without overlap.
pub fn check_spans(text: &str, spans: &[Span]) {
    let mut prev = 0;
    for (i, s) in spans.iter().enumerate() {
        assert!(s.start < s.end, "span {i} {s:?} is empty");
        assert!(s.start >= prev, "span {i} {s:?} starts before the previous one ends ({prev})");
        assert!(s.end <= text.len(), "span {i} {s:?} runs past the text ({} bytes)", text.len());
        assert!(
            text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
            "span {i} {s:?} is not on char boundaries"
        );
        let gap = &text[prev..s.start];
        assert!(gap.trim().is_empty(), "text {gap:?} before span {i} {s:?} is in no sentence");
        let body = &text[s.start..s.end];
        assert_eq!(body, body.trim(), "span {i} {s:?} is not trimmed");
        prev = s.end;
    }
    let tail = &text[prev..];
    assert!(tail.trim().is_empty(), "text {tail:?} after the last span is in no sentence");
    assert_eq!(spans.is_empty(), text.trim().is_empty(), "no spans exactly when the text is blank");
}

/// Taxonomy loading never panics; what loads writes back out in both formats
/// and loads back equal.
pub fn check_taxonomy(text: &str, format: Format) {
    let Ok(taxonomy) = Taxonomy::from_str_as(text, format, "fuzz-input") else {
        return;
    };
    for out in [Format::Toml, Format::Json] {
        let written = taxonomy
            .to_string_as(out)
            .unwrap_or_else(|e| panic!("a loaded taxonomy cannot be written as {out:?}: {e}"));
        let back = Taxonomy::from_str_as(&written, out, "round-trip")
            .unwrap_or_else(|e| panic!("a written taxonomy does not load back from {out:?}: {e}\n{written}"));
        assert_eq!(back, taxonomy, "{out:?} round trip changed the taxonomy:\n{written}");
    }
}

/// Byte that separates the parts of a SemEval-2025 fuzz input.
pub const PART: u8 = 0;

/// JSONL reader on a temp file: never panics; errors name the file; what it
/// reads has unique ids, non-blank texts and only labels of the taxonomy.
pub fn check_jsonl(bytes: &[u8], taxonomy: &Taxonomy) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("fuzz.jsonl");
    if std::fs::write(&path, bytes).is_err() {
        return;
    }
    match framelens::data::read_jsonl(&path, taxonomy) {
        Err(e) => assert_names(&e, &path),
        Ok(corpus) => {
            let ids: Vec<&str> = corpus.documents.iter().map(|d| d.id.as_str()).collect();
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids are not sorted and unique: {ids:?}");
            for d in &corpus.documents {
                assert!(!d.text.trim().is_empty(), "document `{}` has a blank text", d.id);
                for l in d.labels.iter().chain(&d.coarse) {
                    assert_known(taxonomy, l);
                }
                for c in &d.coarse {
                    let top = taxonomy.index_of_label(c).map(|i| taxonomy.categories[i].parent.is_none());
                    assert!(top != Some(false), "coarse label `{c}` of `{}` is not top-level", d.id);
                }
            }
        }
    }
}

/// SemEval-2025 reader on a temp folder built from `bytes`: the annotation
/// file, then `PART name PART content` for each document (saved as
/// `raw-documents/<name>.txt`; a document named `!` also creates the
/// `subtask-2-documents/` folder). Never panics; errors name a file; what it
/// reads has one document per file, narratives at the top level and
/// sub-narratives below it.
pub fn check_semeval2025(bytes: &[u8], taxonomy: &Taxonomy) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let root = dir.path().join("EN");
    let docs = root.join("raw-documents");
    if std::fs::create_dir_all(&docs).is_err() {
        return;
    }
    let mut parts = bytes.split(|&b| b == PART);
    let annotations = parts.next().unwrap_or_default();
    if std::fs::write(root.join("subtask-2-annotations.txt"), annotations).is_err() {
        return;
    }
    let mut files = 0;
    while let (Some(name), Some(content)) = (parts.next(), parts.next()) {
        if name == b"!" {
            let _ = std::fs::create_dir_all(root.join("subtask-2-documents"));
            continue;
        }
        let name: String = String::from_utf8_lossy(name)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .take(40)
            .collect();
        if name.is_empty() || name.starts_with('.') {
            continue;
        }
        let path = docs.join(format!("{name}.txt"));
        if !path.exists() && std::fs::write(&path, content).is_ok() {
            files += 1;
        }
    }
    match framelens::data::read_semeval2025(&root, taxonomy) {
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains(&*dir.path().to_string_lossy()), "error names no file: {msg}");
        }
        Ok(corpus) => {
            // A file without an annotation line is left out and listed, not lost.
            assert_eq!(corpus.documents.len() + corpus.unannotated.len(), files, "one document per file");
            for path in &corpus.unannotated {
                assert!(path.starts_with(&root), "an unannotated file outside the corpus: {}", path.display());
            }
            for d in &corpus.documents {
                assert!(!d.id.is_empty());
                assert!(!d.text.contains("\r\n"), "document `{}` keeps CRLF", d.id);
                for c in &d.coarse {
                    assert_level(taxonomy, c, true);
                }
                for f in &d.labels {
                    assert_level(taxonomy, f, false);
                }
            }
        }
    }
}

/// `classify` on any UTF-8: a blank text is `InvalidInput`, anything else an
/// analysis whose sentences cover the text, with finite scores in [0, 1]
/// sorted high to low and evidence pointing at real sentences.
pub fn check_classify(classifier: &Classifier, text: &str) {
    let analysis = match classifier.classify(text) {
        Err(Error::InvalidInput(_)) if text.trim().is_empty() => return,
        Err(e) => panic!("classify failed on {text:?}: {e}"),
        Ok(a) => a,
    };
    let spans: Vec<Span> = analysis.sentences.iter().map(|s| Span { start: s.start, end: s.end }).collect();
    check_spans(text, &spans);
    let k = classifier.taxonomy().categories.len();
    for (i, s) in analysis.sentences.iter().enumerate() {
        assert_eq!(s.text, &text[s.start..s.end], "sentence {i} text differs from its span");
        assert_eq!(s.windows == 0, s.tokens == 0, "sentence {i}: {} tokens in {} windows", s.tokens, s.windows);
        assert_eq!(s.scores.len(), k, "sentence {i} has {} scores for {k} categories", s.scores.len());
        check_scores(&s.scores.to_vec(), &format!("sentence {i}"));
    }
    assert_eq!(analysis.document_scores.len(), k);
    check_scores(&analysis.document_scores, "document");
    for l in analysis.labels.iter().chain(analysis.coarse.iter().flatten()) {
        assert!(l.score.is_finite() && (0.0..=1.0).contains(&l.score), "label {} score {}", l.label, l.score);
        assert!(
            l.evidence.iter().all(|&e| e < analysis.sentences.len()),
            "label {} evidence {:?}",
            l.label,
            l.evidence
        );
    }
}

fn check_scores(scores: &[framelens::LabelScore], what: &str) {
    for l in scores {
        assert!(l.score.is_finite() && (0.0..=1.0).contains(&l.score), "{what}: {} scores {}", l.label, l.score);
    }
    assert!(scores.windows(2).all(|w| w[0].score >= w[1].score), "{what}: scores not sorted high to low");
}

fn assert_names(e: &Error, path: &Path) {
    let msg = e.to_string();
    assert!(msg.contains(&*path.to_string_lossy()), "error does not name {}: {msg}", path.display());
}

fn assert_known(taxonomy: &Taxonomy, label: &str) {
    let known = taxonomy.index_of_label(label).is_some() || taxonomy.other_label.as_deref() == Some(label);
    assert!(known, "label `{label}` is not in taxonomy `{}`", taxonomy.name);
}

fn assert_level(taxonomy: &Taxonomy, label: &str, top: bool) {
    if taxonomy.other_label.as_deref() == Some(label) {
        return;
    }
    let i = taxonomy.index_of_label(label).unwrap_or_else(|| panic!("label `{label}` is not in the taxonomy"));
    assert_eq!(taxonomy.categories[i].parent.is_none(), top, "label `{label}` is at the wrong level");
}
