//! The fuzz targets' properties (`fuzz/src/lib.rs`), run on `proptest` input
//! in the normal test suite. An input a fuzzer crashes on becomes a test here.
//!
//! The fuzzers themselves (`cargo +nightly fuzz run <target>` in `fuzz/`)
//! search far longer; these bounded runs keep the properties from rotting.

mod common;

#[path = "../fuzz/src/lib.rs"]
mod props;

use std::sync::OnceLock;

use framelens::taxonomy::Format;
use framelens::{Category, Taxonomy};
use proptest::prelude::*;

fn narratives() -> &'static Taxonomy {
    static T: OnceLock<Taxonomy> = OnceLock::new();
    T.get_or_init(|| Taxonomy::builtin("semeval2025-narratives").unwrap())
}

fn frames() -> &'static Taxonomy {
    static T: OnceLock<Taxonomy> = OnceLock::new();
    T.get_or_init(Taxonomy::media_frames)
}

/// Characters that stress splitters and parsers: sentence ends of several
/// scripts, quotes, brackets, every kind of whitespace and line break,
/// controls, combining marks, RTL text, emoji.
const HOSTILE: &[&str] = &[
    ".",
    "!",
    "?",
    "...",
    "…",
    "。",
    "？",
    "！",
    "؟",
    "۔",
    "।",
    "\"",
    "'",
    "“",
    "”",
    "«",
    "»",
    "(",
    ")",
    "[",
    "]",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\u{0b}",
    "\u{0c}",
    "\u{85}",
    "\u{a0}",
    "\u{2028}",
    "\u{2029}",
    "\u{3000}",
    "\u{200b}",
    "\u{feff}",
    "\u{0}",
    "\u{1}",
    "\u{1b}",
    "\u{7f}",
    "\u{301}",
    "\u{202e}",
    "Mr.",
    "Dr.",
    "U.S.",
    "a.m.",
    "p.m.",
    "Gen.",
    "No.",
    "1.",
    "a.",
    "approx.",
    "Monday",
    "EST",
    "He",
    "the",
    "Sanctions",
    "سلام",
    "עברית",
    "漢字",
    "Привет",
    "🙂",
    "👩‍👩‍👧",
    "🇺🇦",
    "x",
    "9",
    "$300",
    "https://example.org/a.b?c=d",
];

fn hostile_text(max: usize) -> BoxedStrategy<String> {
    prop_oneof![
        prop::collection::vec(prop::sample::select(HOSTILE), 0..max).prop_map(|v| v.concat()),
        ".{0,200}",
        any::<String>(),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn split_covers_the_text(text in hostile_text(200), newline_breaks: bool) {
        props::check_split(&text, newline_breaks);
    }

    /// Longer than the splitter's 8 KiB window, so windows and forced cuts run.
    #[test]
    fn split_covers_long_text(parts in prop::collection::vec(prop::sample::select(HOSTILE), 2000..6000), newline_breaks: bool) {
        props::check_split(&parts.concat(), newline_breaks);
    }
}

fn category() -> impl Strategy<Value = Category> {
    let text = hostile_text(12);
    (
        "[a-z0-9]{1,6}(-[a-z0-9]{1,4})?",
        text.clone(),
        text.clone(),
        prop::collection::vec(text, 0..3),
        prop::option::of(-0.5f32..1.5),
    )
        .prop_map(|(id, label, description, exemplars, threshold)| {
            let mut c = Category::new(id, label, description).with_exemplars(exemplars);
            c.threshold = threshold;
            c
        })
}

/// A taxonomy as data, valid or not (duplicate ids, blank labels, thresholds
/// out of range, unknown parents), written as TOML or JSON.
fn taxonomy_text() -> impl Strategy<Value = (String, Format)> {
    (
        prop::collection::vec((category(), prop::option::of(0usize..8)), 1..6),
        prop::option::of(hostile_text(8)),
        prop::collection::vec(hostile_text(8), 0..3),
        any::<bool>(),
    )
        .prop_map(|(cats, other_label, background, json)| {
            let ids: Vec<String> = cats.iter().map(|(c, _)| c.id.clone()).collect();
            let categories = cats
                .into_iter()
                .map(|(mut c, parent)| {
                    c.parent = parent.map(|p| ids.get(p).cloned().unwrap_or_else(|| "nowhere".into()));
                    c
                })
                .collect();
            let mut t = frames().clone();
            t.name = "fuzz".into();
            t.other_label = other_label;
            t.background = background;
            t.categories = categories;
            let format = if json { Format::Json } else { Format::Toml };
            (t.to_string_as(format).unwrap(), format)
        })
}

/// A built-in taxonomy file with a few bytes deleted, replaced or inserted.
fn mutated_builtin() -> impl Strategy<Value = (String, Format)> {
    let base = [frames().to_string_as(Format::Toml).unwrap(), frames().to_string_as(Format::Json).unwrap()];
    (any::<bool>(), prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(HOSTILE)), 1..6))
        .prop_map(move |(json, edits)| {
            let mut text = base[usize::from(json)].clone();
            for (at, op, with) in edits {
                let mut i = at.index(text.len() + 1);
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                let end = text[i..].chars().next().map_or(i, |c| i + c.len_utf8());
                match op {
                    0 => text.replace_range(i..end, ""),
                    1 => text.replace_range(i..end, with),
                    _ => text.insert_str(i, with),
                }
            }
            (text, if json { Format::Json } else { Format::Toml })
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn taxonomies_load_or_fail_cleanly_and_round_trip((text, format) in prop_oneof![taxonomy_text(), mutated_builtin()]) {
        props::check_taxonomy(&text, format);
    }

    #[test]
    fn taxonomy_loading_never_panics_on_any_text(text in hostile_text(100), json: bool) {
        props::check_taxonomy(&text, if json { Format::Json } else { Format::Toml });
    }
}

fn some_label(taxonomy: &'static Taxonomy) -> BoxedStrategy<String> {
    let mut labels: Vec<String> = taxonomy.labels().map(str::to_string).collect();
    labels.extend(taxonomy.other_label.clone());
    prop_oneof![
        4 => prop::sample::select(labels),
        1 => hostile_text(4),
    ]
    .boxed()
}

fn json_value(taxonomy: &'static Taxonomy) -> impl Strategy<Value = String> {
    prop_oneof![
        hostile_text(10).prop_map(|s| serde_json::Value::String(s).to_string()),
        Just("null".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        Just("1e400".to_string()),
        prop::collection::vec(some_label(taxonomy).prop_map(|l| serde_json::Value::String(l).to_string()), 0..4)
            .prop_map(|v| format!("[{}]", v.join(","))),
        Just("{}".to_string()),
    ]
}

fn jsonl(taxonomy: &'static Taxonomy) -> impl Strategy<Value = Vec<u8>> {
    let field = prop::sample::select(vec!["id", "text", "labels", "other", "\"", ""]);
    let line = prop_oneof![
        8 => prop::collection::vec((field, json_value(taxonomy)), 0..5).prop_map(|fields| {
            let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
            format!("{{{}}}", body.join(", "))
        }),
        1 => hostile_text(10),
    ];
    (prop::collection::vec(line, 0..6), any::<bool>(), prop::collection::vec(any::<u8>(), 0..3)).prop_map(
        |(lines, crlf, tail)| {
            let mut bytes = lines.join(if crlf { "\r\n" } else { "\n" }).into_bytes();
            bytes.extend(tail);
            bytes
        },
    )
}

fn semeval2025() -> impl Strategy<Value = Vec<u8>> {
    let id = prop::sample::select(vec!["EN_1", "EN_2", "EN_2.txt", " EN_3 ", "", "EN_1\t"]);
    let list = prop::collection::vec(some_label(narratives()), 0..3).prop_map(|v| v.join(";")).boxed();
    let line = prop_oneof![
        8 => (id.clone(), list.clone(), list, 2usize..5).prop_map(|(id, n, s, cols)| {
            let mut c = vec![id.to_string(), n, s, "extra".into()];
            c.truncate(cols);
            c.join("\t")
        }),
        1 => hostile_text(6),
    ];
    let doc = (prop::sample::select(vec!["EN_1", "EN_2", "EN_3", "!", "..", "a/b"]), hostile_text(20));
    (prop::collection::vec(line, 0..5), prop::collection::vec(doc, 0..4)).prop_map(|(lines, docs)| {
        let mut bytes = lines.join("\n").into_bytes();
        for (name, content) in docs {
            bytes.push(props::PART);
            bytes.extend(name.as_bytes());
            bytes.push(props::PART);
            bytes.extend(content.replace('\0', "").as_bytes());
        }
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn jsonl_reads_or_fails_naming_the_file(bytes in prop_oneof![jsonl(frames()), jsonl(narratives())], two_level: bool) {
        props::check_jsonl(&bytes, if two_level { narratives() } else { frames() });
    }

    #[test]
    fn semeval2025_reads_or_fails_naming_a_file(bytes in semeval2025()) {
        props::check_semeval2025(&bytes, narratives());
    }
}

proptest! {
    // The real model runs on every case: few cases, short texts.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn classify_answers_any_text(text in hostile_text(60)) {
        props::check_classify(common::frames(), &text);
    }
}
