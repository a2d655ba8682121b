//! The 48 English "Golden Rules" for sentence boundaries (pragmatic_segmenter's list, as pySBD
//! ships it; MIT, see `tests/data/golden-rules/LICENSE` and `README.md`), run through the
//! default segmenter.
//!
//! None of the 48 texts contains a newline, so the default `newline_breaks: true` changes
//! nothing here: every case is a single line and the default config is the one tested.

use framelens::segment::Segmenter;
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    id: String,
    text: String,
    expected: Vec<String>,
}

/// Runs of whitespace become one space, as the data set's README says to compare.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn english_golden_rules() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/golden-rules/english_golden_rules.json");
    let json = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let cases: Vec<Case> = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(cases.len(), 48, "{path}: expected the 48 English Golden Rules");

    let segmenter = Segmenter::default();
    let mut failures = Vec::new();
    for case in &cases {
        assert!(!case.text.contains('\n'), "{}: a newline; see the module doc on newline_breaks", case.id);
        let got: Vec<String> = segmenter.split(&case.text).iter().map(|span| collapse(span.text(&case.text))).collect();
        let expected: Vec<String> = case.expected.iter().map(|sentence| collapse(sentence)).collect();
        if got != expected {
            failures.push(format!("{}: {:?}\n  expected: {expected:?}\n  got:      {got:?}", case.id, case.text));
        }
    }
    let passed = cases.len() - failures.len();
    assert!(failures.is_empty(), "{passed}/{} Golden Rules pass; failing:\n{}", cases.len(), failures.join("\n"));
}
