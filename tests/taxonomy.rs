//! Taxonomies: exact built-in labels, loading, validation errors, round trips.

mod common;

use framelens::taxonomy::{Format, BUILTIN_NAMES};
use framelens::{Category, Error, Taxonomy};

fn list(file: &str) -> Vec<String> {
    common::read(&format!("tests/data/taxonomies/{file}"))
        .lines()
        .map(str::to_string)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The copies in tests/data/taxonomies must equal the shared lists. Those
/// live beside the repository (`../shared/`), which a clone elsewhere does
/// not have, so the test is ignored by default and fails when run without them:
/// `cargo test --release --test taxonomy -- --ignored`.
#[test]
#[ignore = "needs ../shared/taxonomies beside the repository"]
fn label_list_copies_match_shared() {
    let shared = common::root().join("../shared/taxonomies");
    assert!(shared.is_dir(), "{} is missing: this test compares the label lists with it", shared.display());
    for f in [
        "media-frames.txt",
        "persuasion-techniques.txt",
        "semeval2025-narratives-coarse.txt",
        "semeval2025-narratives-fine.txt",
    ] {
        let theirs = std::fs::read_to_string(shared.join(f)).unwrap();
        assert_eq!(common::read(&format!("tests/data/taxonomies/{f}")), theirs, "{f} differs from shared/");
    }
}

#[test]
fn media_frames_labels_are_exact() {
    let t = Taxonomy::builtin("media-frames").unwrap();
    assert_eq!(t.labels().map(str::to_string).collect::<Vec<_>>(), list("media-frames.txt"));
    for c in &t.categories {
        assert!(!c.description.is_empty(), "{} has no description", c.label);
        assert!(c.exemplars.len() >= 8, "{} has {} exemplars", c.label, c.exemplars.len());
    }
}

#[test]
fn persuasion_labels_are_exact() {
    let t = Taxonomy::builtin("persuasion-techniques").unwrap();
    assert_eq!(t.labels().map(str::to_string).collect::<Vec<_>>(), list("persuasion-techniques.txt"));
}

#[test]
fn narrative_labels_are_exact_at_both_levels() {
    let t = Taxonomy::builtin("semeval2025-narratives").unwrap();
    let other = t.other_label.clone().unwrap();
    let mut coarse: Vec<String> = t.categories.iter().filter(|c| c.parent.is_none()).map(|c| c.label.clone()).collect();
    let mut fine: Vec<String> = t.categories.iter().filter(|c| c.parent.is_some()).map(|c| c.label.clone()).collect();
    coarse.insert(0, other.clone());
    fine.insert(0, other);
    assert_eq!(coarse, list("semeval2025-narratives-coarse.txt"));
    assert_eq!(fine, list("semeval2025-narratives-fine.txt"));
    assert!(fine.iter().any(|l| l.contains("Ukraine\u{2019}s")));
    for (i, c) in t.categories.iter().enumerate() {
        if let Some(p) = t.parent_index(i) {
            let parent = &t.categories[p];
            assert!(c.label.starts_with(&format!("{}: ", parent.label)), "{} not under {}", c.label, parent.label);
            assert_eq!(c.domain, parent.domain);
            assert!(c.exemplars.len() >= 6, "{} has {} exemplars", c.label, c.exemplars.len());
            assert_eq!(c.catch_all, c.label.ends_with(": Other"), "{}", c.label);
        }
        assert!(matches!(c.domain.as_deref(), Some("URW") | Some("CC")), "{}", c.label);
    }
    assert_eq!(t.domains(), vec!["URW", "CC"]);
}

#[test]
fn every_builtin_round_trips_through_toml_and_json() {
    for name in BUILTIN_NAMES {
        let t = Taxonomy::builtin(name).unwrap();
        for format in [Format::Toml, Format::Json] {
            let text = t.to_string_as(format).unwrap();
            let back = Taxonomy::from_str_as(&text, format, "export").unwrap();
            assert_eq!(back, t, "{name} via {format:?}");
        }
    }
}

#[test]
fn export_edit_and_load_back_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frames.json");
    let mut t = Taxonomy::builtin("media-frames").unwrap();
    t.save(&path).unwrap();
    t.categories[0].threshold = Some(0.7);
    t.categories[0].exemplars.push("Fuel prices rose for the third month in a row.".into());
    t.save(&path).unwrap();
    let back = Taxonomy::from_file(&path).unwrap();
    assert_eq!(back.categories[0].threshold, Some(0.7));
    assert_eq!(back, t);
}

fn problems(text: &str, format: Format) -> Vec<String> {
    match Taxonomy::from_str_as(text, format, "test.toml") {
        Err(Error::InvalidTaxonomy { problems, .. }) => problems,
        other => panic!("expected InvalidTaxonomy, got {other:?}"),
    }
}

const BAD_TOML: &str = r#"
name = "bad-one"

[[categories]]
id = "a"
label = "A"
description = "first"

[[categories]]
id = "a"
label = "B"
description = "duplicate id"

[[categories]]
id = "c"
label = ""
description = "empty label"

[[categories]]
id = "d"
label = "D"
parent = "nowhere"
description = "unknown parent"

[[categories]]
id = "e"
label = "E"

[[categories]]
id = "f"
label = "F"
description = "bad threshold"
threshold = 1.5

[[categories]]
id = "g"
label = "G"
parent = "h"
description = "cycle"

[[categories]]
id = "h"
label = "H"
parent = "g"
description = "cycle"
"#;

#[test]
fn every_validation_problem_is_reported_with_its_location() {
    let p = problems(BAD_TOML, Format::Toml);
    let joined = p.join("\n");
    assert!(joined.contains("line 9, categories[1] (id `a`): duplicate id"), "{joined}");
    assert!(joined.contains("categories[2] (id `c`): field `label` is empty"), "{joined}");
    assert!(joined.contains("categories[3] (id `d`): unknown parent `nowhere`"), "{joined}");
    assert!(joined.contains("categories[4] (id `e`): needs a `description` or at least one"), "{joined}");
    assert!(joined.contains("categories[5] (id `f`): field `threshold` = 1.5 is outside [0, 1]"), "{joined}");
    assert!(joined.contains("parent cycle g -> h -> g"), "{joined}");
    assert_eq!(p.len(), 6, "{joined}");
}

#[test]
fn json_validation_names_lines_too() {
    let json = r#"{
  "name": "j",
  "categories": [
    {"id": "x", "label": "X", "description": "ok"},
    {"id": "x", "label": "Y", "description": "dup"}
  ]
}"#;
    let p = problems(json, Format::Json);
    assert_eq!(p.len(), 1);
    assert!(p[0].contains("categories[1] (id `x`): duplicate id"), "{p:?}");
}

#[test]
fn syntax_errors_and_unknown_fields_name_the_line() {
    let p = problems("name = \"x\"\n[[categories]]\nid = \"a\"\nlabel = \"A\"\nexemplar = [\"typo\"]\n", Format::Toml);
    assert!(p[0].starts_with("line 5") && p[0].contains("exemplar"), "{p:?}");
    let p = problems("{\"name\": \"x\",\n \"categories\": [\n {\"id\": }\n]}", Format::Json);
    assert!(p[0].starts_with("line 3"), "{p:?}");
}

#[test]
fn bad_names_and_empty_taxonomies_are_rejected() {
    let p = problems("name = \"Has Spaces\"\ncategories = []\n", Format::Toml);
    assert!(p.iter().any(|m| m.contains("field `name`")), "{p:?}");
    assert!(p.iter().any(|m| m.contains("no categories")), "{p:?}");
}

#[test]
fn categories_built_in_code_validate() {
    let ok = Taxonomy::new(
        "mine",
        vec![
            Category::new("energy", "Energy", "Gas, oil and power supply.").with_exemplars(["Gas prices doubled."]),
            Category::new("grid", "Energy: Grid", "The power grid.").with_parent("energy").with_threshold(0.6),
        ],
    )
    .unwrap();
    assert!(ok.is_hierarchical());
    assert_eq!(ok.children(0), vec![1]);
    let err = Taxonomy::new("mine", vec![Category::new("x", "X", "").with_parent("x")]).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("is its own parent") && msg.contains("needs a `description`"), "{msg}");
}

#[test]
fn unknown_builtin_names_list_the_known_ones() {
    let msg = Taxonomy::from_name_or_path("media-frame").unwrap_err().to_string();
    assert!(msg.contains("media-frames, semeval2025-narratives, persuasion-techniques"), "{msg}");
}

#[test]
fn a_third_level_is_refused_naming_the_category() {
    let three = Taxonomy::new(
        "deep",
        vec![
            Category::new("a", "A", "top"),
            Category::new("b", "B", "middle").with_parent("a"),
            Category::new("c", "C", "bottom").with_parent("b"),
        ],
    );
    match three {
        Err(Error::InvalidTaxonomy { problems, .. }) => {
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(problems[0].contains("(id `c`)") && problems[0].contains("at most two levels"), "{problems:?}");
        }
        other => panic!("expected InvalidTaxonomy, got {other:?}"),
    }
}

/// The fields are public; a taxonomy broken through them is refused when a
/// classifier is built (before any model is loaded).
#[test]
fn a_taxonomy_broken_through_its_fields_is_refused_at_build() {
    let mut t = Taxonomy::media_frames();
    let first = t.categories[0].label.clone();
    t.categories[1].label = first.clone();
    let err = framelens::Classifier::builder().taxonomy(t.clone()).models_dir("/nonexistent").build().unwrap_err();
    assert!(matches!(err, Error::InvalidTaxonomy { .. }), "{err}");
    assert!(err.to_string().contains(&first), "{err}");
    assert!(t.check().is_err());
    // Deserialised directly with serde, validation is skipped until `check` or `build`.
    let json = serde_json::to_string(&t).unwrap();
    let raw: Taxonomy = serde_json::from_str(&json).unwrap();
    assert!(raw.check().is_err());
}

#[test]
fn priors_are_checked_normalised_and_defaulted() {
    let text = r#"
name = "with-priors"

[[categories]]
id = "a"
label = "A"
description = "common"
prior = 0.6

[[categories]]
id = "b"
label = "B"
description = "rare"
prior = 0.2

[[categories]]
id = "c"
label = "C"
description = "not counted by the source"
"#;
    let t = Taxonomy::from_str_as(text, Format::Toml, "priors.toml").unwrap();
    let p = t.priors().unwrap();
    // C gets the smallest prior given (B's); all three sum to one.
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6, "{p:?}");
    assert!((p[0] - 0.6).abs() < 1e-6 && (p[1] - 0.2).abs() < 1e-6 && (p[2] - 0.2).abs() < 1e-6, "{p:?}");
    let back = Taxonomy::from_str_as(&t.to_string_as(Format::Toml).unwrap(), Format::Toml, "again").unwrap();
    assert_eq!(back, t);
    // No priors at all: none.
    let without = Taxonomy::from_str_as(&text.replace("prior = ", "threshold = "), Format::Toml, "t").unwrap();
    assert!(without.priors().is_none());
    for bad in ["0.0", "-0.1", "1.5", "nan"] {
        let joined = problems(&text.replace("prior = 0.2", &format!("prior = {bad}")), Format::Toml).join("\n");
        assert!(joined.contains("categories[1] (id `b`): field `prior`"), "{bad}: {joined}");
    }
}

#[test]
fn builtin_flat_taxonomies_carry_priors_with_the_common_categories_first() {
    let frames = Taxonomy::builtin("media-frames").unwrap();
    let p = frames.priors().unwrap();
    assert!(frames.categories.iter().all(|c| c.prior.is_some()));
    let political = frames.index_of_label("Political").unwrap();
    let external = frames.index_of_label("External_regulation_and_reputation").unwrap();
    assert!(p[political] > p[external]);
    let techniques = Taxonomy::builtin("persuasion-techniques").unwrap();
    let p = techniques.priors().unwrap();
    let loaded = techniques.index_of_label("Loaded_Language").unwrap();
    assert!(p.iter().all(|&x| x <= p[loaded]), "{p:?}");
    assert!(Taxonomy::builtin("semeval2025-narratives").unwrap().priors().is_none());
}
