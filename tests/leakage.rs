//! No text of the samples, the fixture corpora or FLICC inside a taxonomy.
//!
//! The built-in taxonomies' descriptions, exemplars and background are the
//! zero-shot scorer's model. A sentence copied or closely paraphrased from a
//! text that the README or the tests score would make that score in-sample,
//! so any shared run of six words with at least three content words fails.
//! The background sentences in other languages (`background_by_language`:
//! Russian, Bulgarian, Portuguese, Hindi) are checked the same way, against
//! the fixtures in those languages among the rest (every word of theirs
//! counts as a content word: the stop list is English). So are the category
//! texts written in those languages (`texts_by_language`), against the same
//! references, FLICC's test split translated into the four languages included.
//! The counter-texts
//! (`counter_exemplars`, src/taxonomy/builtin/narratives-counter-*.toml) are
//! checked like the exemplars, and against the Global Voices stories too when
//! they are beside the repository; the claim/rebuttal smoke set
//! (tests/data/stance/) shares nothing with the taxonomy's texts, so that
//! smoke test is out of sample.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use framelens::taxonomy::BUILTIN_NAMES;
use framelens::Taxonomy;

const RUN: usize = 6;
const MIN_CONTENT_WORDS: usize = 3;
const STOP: &[&str] = &[
    "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "with", "and", "or", "but", "is", "are", "was",
    "were", "be", "been", "has", "have", "had", "it", "its", "this", "that", "as", "from", "said", "says", "will",
    "would", "not", "no", "he", "she", "they", "we", "you", "i", "his", "her", "their", "our", "who", "which", "what",
    "than", "more", "most",
];

/// A word character: alphanumeric, or a Devanagari sign (virama, nukta,
/// vowel signs), which would otherwise cut Hindi words apart.
fn word_char(c: char) -> bool {
    c.is_alphanumeric() || (('\u{0900}'..='\u{097F}').contains(&c) && !matches!(c, '\u{0964}' | '\u{0965}'))
}

fn words(text: &str) -> Vec<String> {
    text.to_lowercase().split(|c: char| !word_char(c)).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

/// Word runs of length [`RUN`] that carry enough content to identify a text.
fn runs(text: &str) -> Vec<String> {
    let w = words(text);
    w.windows(RUN)
        .filter(|run| run.iter().filter(|x| !STOP.contains(&x.as_str())).count() >= MIN_CONTENT_WORDS)
        .map(|run| run.join(" "))
        .collect()
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("txt" | "jsonl")) {
            out.push(path);
        }
    }
}

/// Every scored text: the samples, the fixture corpora, the bench corpus and FLICC.
fn reference_runs() -> HashMap<String, String> {
    let root = common::root();
    let mut files = Vec::new();
    for dir in [
        "examples/data",
        "benches/data/corpus",
        "tests/data/semeval2025",
        "tests/data/semeval2023",
        "tests/data/calibration",
    ] {
        files_under(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "the sample and fixture texts are missing: {} files", files.len());
    let mut out = HashMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for run in runs(&text) {
            out.entry(run).or_insert_with(|| file.strip_prefix(&root).unwrap_or(file).display().to_string());
        }
    }
    // FLICC, and its test split translated into four languages (tests/data/flicc/README.md).
    for split in ["train", "val", "test", "test.ru", "test.bg", "test.pt", "test.hi"] {
        let path = root.join(format!("tests/data/flicc/fallacy_{split}.csv"));
        let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for record in reader.records() {
            for run in runs(record.unwrap().get(0).unwrap()) {
                out.entry(run).or_insert_with(|| format!("tests/data/flicc/fallacy_{split}.csv"));
            }
        }
    }
    out
}

#[test]
fn taxonomy_texts_share_no_long_word_run_with_scored_texts() {
    let reference = reference_runs();
    let mut leaks = Vec::new();
    let mut taxonomies: Vec<(String, Taxonomy)> =
        BUILTIN_NAMES.iter().map(|name| (name.to_string(), Taxonomy::builtin(name).unwrap())).collect();
    for entry in std::fs::read_dir(common::root().join("examples/taxonomies")).unwrap() {
        let path = entry.unwrap().path();
        taxonomies.push((path.display().to_string(), Taxonomy::from_file(&path).unwrap()));
    }
    for (name, t) in &taxonomies {
        let texts = t
            .background
            .iter()
            .chain(t.background_by_language.values().flatten())
            .chain(
                t.texts_by_language
                    .values()
                    .flat_map(|texts| texts.values().flat_map(|x| std::iter::once(&x.description).chain(&x.exemplars))),
            )
            .chain(
                t.categories
                    .iter()
                    .flat_map(|c| std::iter::once(&c.description).chain(&c.exemplars).chain(&c.counter_exemplars)),
            );
        for text in texts {
            if let Some((run, file)) = runs(text).into_iter().find_map(|r| reference.get(&r).map(|f| (r, f.clone()))) {
                leaks.push(format!("{name}: \"{text}\"\n    shares \"{run}\" with {file}"));
            }
        }
    }
    assert!(leaks.is_empty(), "{} taxonomy texts leak scored text:\n{}", leaks.len(), leaks.join("\n"));
}

#[test]
fn the_check_finds_a_planted_leak() {
    let reference = reference_runs();
    let sample = common::read("examples/data/000_a3b78d2533f19694.txt");
    let sentence = sample.split(". ").find(|s| words(s).len() > 12).unwrap();
    let planted = format!("Officials said that {sentence}, according to reports.");
    assert!(runs(&planted).iter().any(|r| reference.contains_key(r)), "{planted}");
}

/// The four languages' fixtures are among the reference texts, and a sentence
/// of each planted in a background in its language is found.
#[test]
fn the_check_finds_a_planted_leak_in_every_language_of_the_backgrounds() {
    let reference = reference_runs();
    let narratives = Taxonomy::builtin("semeval2025-narratives").unwrap();
    let codes: Vec<&str> = narratives.background_by_language.keys().map(String::as_str).collect();
    assert_eq!(codes, ["bul", "hin", "por", "rus"]);
    for (file, code) in [
        ("tests/data/semeval2025/BG/raw-documents/A9_BG_2566.txt", "bul"),
        ("tests/data/semeval2025/HI/raw-documents/HI_1.txt", "hin"),
        ("tests/data/semeval2025/PT/raw-documents/PT_01.txt", "por"),
        ("tests/data/semeval2025/RU/raw-documents/RU-URW-1002.txt", "rus"),
    ] {
        let text = common::read(file);
        let sentence = text
            .split(['.', '।', '!', '?', '\n'])
            .find(|s| words(s).len() > 10)
            .unwrap_or_else(|| panic!("{file}: no long sentence"));
        let planted = format!("{sentence} ({code})");
        assert!(runs(&planted).iter().any(|r| reference.contains_key(r)), "{code}: {planted}");
        // And the background in that language itself shares nothing with it.
        assert!(narratives.background_by_language[code].iter().all(|b| !b.contains(sentence.trim())), "{code}");
    }
}

/// The translated FLICC test rows are among the reference texts: a row of
/// each planted in a category text is found, and the built-in texts in that
/// language share no run with any of them.
#[test]
fn the_check_covers_the_translated_flicc_and_the_category_texts_by_language() {
    let reference = reference_runs();
    let narratives = Taxonomy::builtin("semeval2025-narratives").unwrap();
    let codes: Vec<&str> = narratives.texts_by_language.keys().map(String::as_str).collect();
    assert_eq!(codes, ["bul", "hin", "por", "rus"]);
    for (suffix, code) in [("bg", "bul"), ("hi", "hin"), ("pt", "por"), ("ru", "rus")] {
        let path = common::root().join(format!("tests/data/flicc/fallacy_test.{suffix}.csv"));
        let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let rows: Vec<String> = reader.records().map(|r| r.unwrap().get(0).unwrap().to_string()).collect();
        assert_eq!(rows.len(), 256, "{suffix}");
        let row = rows.iter().find(|r| words(r).len() > 12).unwrap();
        let planted = format!("{row} ({code})");
        assert!(runs(&planted).iter().any(|r| reference.contains_key(r)), "{code}: {planted}");
        let texts = &narratives.texts_by_language[code];
        assert!(texts.len() >= 10, "{code}: {} categories with texts", texts.len());
    }
}

/// Sentences of the claim/rebuttal smoke set (tests/data/stance/claim-rebuttal.tsv).
fn smoke_sentences() -> Vec<String> {
    common::read("tests/data/stance/claim-rebuttal.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .flat_map(|l| l.split('\t').skip(1).map(str::to_string).collect::<Vec<_>>())
        .collect()
}

/// The claim/rebuttal smoke set is out of sample: no run of six words shared
/// with a taxonomy text (exemplars, descriptions, counter-texts, background)
/// or with the scored texts.
#[test]
fn the_smoke_set_shares_no_long_word_run_with_taxonomy_texts() {
    let mut taxonomy_runs: HashMap<String, String> = HashMap::new();
    let t = Taxonomy::builtin("semeval2025-narratives").unwrap();
    let texts = t.background.iter().chain(
        t.categories
            .iter()
            .flat_map(|c| std::iter::once(&c.description).chain(&c.exemplars).chain(&c.counter_exemplars)),
    );
    for text in texts {
        for run in runs(text) {
            taxonomy_runs.entry(run).or_insert_with(|| text.clone());
        }
    }
    let reference = reference_runs();
    let sentences = smoke_sentences();
    assert!(sentences.len() >= 2 * 21, "{} smoke sentences", sentences.len());
    let leaks: Vec<String> = sentences
        .iter()
        .filter_map(|s| {
            runs(s).into_iter().find_map(|r| {
                taxonomy_runs
                    .get(&r)
                    .or_else(|| reference.get(&r))
                    .map(|from| format!("\"{s}\" shares \"{r}\" with {from}"))
            })
        })
        .collect();
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

/// The counter-texts and the smoke set share no run of six words with the
/// Global Voices stories they are measured on (skipped, with a note, when the
/// stories are not beside the repository).
#[test]
fn counter_texts_share_no_long_word_run_with_global_voices() {
    let path = common::root().join("../shared/data/globalvoices/articles.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("{} not found; skipped", path.display());
        return;
    };
    let mut reference = HashMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for run in runs(v["text"].as_str().unwrap_or_default()) {
            reference.entry(run).or_insert_with(|| v["id"].as_str().unwrap_or_default().to_string());
        }
    }
    let t = Taxonomy::builtin("semeval2025-narratives").unwrap();
    let leaks: Vec<String> = t
        .categories
        .iter()
        .flat_map(|c| c.counter_exemplars.iter().cloned())
        .chain(smoke_sentences())
        .filter_map(|s| {
            runs(&s).into_iter().find_map(|r| reference.get(&r).map(|id| format!("\"{s}\" shares \"{r}\" with {id}")))
        })
        .collect();
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}
