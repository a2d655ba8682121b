//! The vector cache: a warm start gives the same results as embedding afresh,
//! and a corrupt or stale cache file is rebuilt, never trusted.

mod common;

use framelens::{Category, Classifier, Taxonomy};

fn taxonomy(extra: &str) -> Taxonomy {
    let mut t = Taxonomy::new(
        "cache-test",
        vec![
            Category::new("war", "War", "Fighting, troops, artillery and front lines.")
                .with_exemplars(["Artillery pounded the town overnight as troops advanced."]),
            Category::new("economy", "Economy", "Prices, jobs, budgets and trade.")
                .with_exemplars([format!("Factory orders fell sharply in {extra}.")]),
        ],
    )
    .unwrap();
    t.background = vec!["The museum reopens on Saturday.".into()];
    t
}

fn build(t: &Taxonomy, cache: bool) -> Classifier {
    Classifier::builder()
        .taxonomy(t.clone())
        .models_dir(common::root().join("models"))
        .vector_cache(cache)
        .threads(1)
        .build()
        .unwrap()
}

fn cache_files() -> Vec<std::path::PathBuf> {
    let dir = common::root().join("models/vector-cache");
    std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default()
}

#[test]
fn warm_corrupt_and_fresh_starts_agree() {
    let t = taxonomy(&format!("March {}", std::process::id()));
    let text = "Troops shelled the bridge. Bread prices doubled.";
    let fresh = build(&t, false).classify(text).unwrap();
    let before = cache_files();
    let cold = build(&t, true).classify(text).unwrap();
    let written: Vec<_> = cache_files().into_iter().filter(|p| !before.contains(p)).collect();
    assert_eq!(written.len(), 1, "one new cache file for a new taxonomy: {written:?}");
    let warm = build(&t, true).classify(text).unwrap();
    assert_eq!(cold, fresh);
    assert_eq!(warm, fresh);

    // Corrupt the file: the next build must not trust it, and must rewrite it.
    let file = &written[0];
    let mut bytes = std::fs::read(file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(file, &bytes).unwrap();
    assert_eq!(build(&t, true).classify(text).unwrap(), fresh);
    assert_ne!(std::fs::read(file).unwrap(), bytes, "the corrupt file was replaced");
    std::fs::write(file, b"short").unwrap();
    assert_eq!(build(&t, true).classify(text).unwrap(), fresh);

    // Other texts are another key: the old file is not used for them.
    let other = taxonomy(&format!("April {}", std::process::id()));
    assert_eq!(build(&other, true).classify(text).unwrap(), build(&other, false).classify(text).unwrap());
    for f in cache_files().into_iter().filter(|p| !before.contains(p)) {
        let _ = std::fs::remove_file(f);
    }
}

/// The calibration and the thresholds learnt from the background come out of
/// the cache exactly as they were computed.
#[test]
fn cached_calibration_and_thresholds_equal_fresh_ones() {
    let build = |cache: bool| {
        Classifier::builder()
            .taxonomy(Taxonomy::builtin("semeval2025-narratives").unwrap())
            .models_dir(common::root().join("models"))
            .vector_cache(cache)
            .build()
            .unwrap()
    };
    let fresh = build(false);
    let _ = build(true); // fills the cache if it was empty
    let warm = build(true);
    assert_eq!(warm.calibration(), fresh.calibration());
    for n in [1, 2, 7, 20, 500] {
        assert_eq!(warm.thresholds_for(n), fresh.thresholds_for(n), "{n} sentences");
    }
    let text = common::read("examples/data/001_1bab8556ee00fa53.txt");
    assert_eq!(warm.classify(&text).unwrap(), fresh.classify(&text).unwrap());
}
