//! A custom taxonomy whose background is too small for learnt thresholds:
//! the build says so (`Classifier::warnings`), naming the taxonomy and the
//! threshold used instead, and the examples print it on standard error.

mod common;

use framelens::{Classifier, Taxonomy};

const TINY: &str = r#"
name = "energy-security"
background = ["The ministry publishes gas storage figures every Monday."]

[[categories]]
id = "supply"
label = "Supply risk"
description = "Shortages, cut-offs and dependence on one supplier."
exemplars = ["Europe still buys a fifth of its liquefied gas from a single supplier."]

[[categories]]
id = "prices"
label = "Prices"
threshold = 0.4
description = "What energy costs households and industry."
exemplars = ["Heating bills doubled over the winter."]
"#;

#[test]
fn too_little_background_is_a_warning_naming_the_fallback() {
    let taxonomy = Taxonomy::from_str_as(TINY, framelens::taxonomy::Format::Toml, "tiny.toml").expect("taxonomy");
    let build = |t: Taxonomy, threshold: Option<f32>| {
        let mut b = Classifier::builder().taxonomy(t).models_dir(common::root().join("models")).threads(1);
        if let Some(t) = threshold {
            b = b.threshold(t);
        }
        b.build().expect("classifier")
    };
    let c = build(taxonomy.clone(), None);
    assert_eq!(c.warnings().len(), 1, "{:?}", c.warnings());
    let w = &c.warnings()[0];
    assert!(w.starts_with("taxonomy `energy-security`: `background` has 1 sentence, fewer than the 20"), "{w}");
    assert!(w.contains("fixed document threshold 0.5 decides the categories without a `threshold` of their own (1 of 2: Supply risk)"), "{w}");
    // An explicit threshold is the user's choice: nothing fell back.
    assert!(build(taxonomy.clone(), Some(0.3)).warnings().is_empty());
    // Enough background: thresholds are learnt, no warning.
    let mut enough = taxonomy;
    enough.background = (0..20).map(|i| format!("The ministry published figure number {i} on Monday.")).collect();
    assert!(build(enough, None).warnings().is_empty());
    // Built-ins have backgrounds of their own.
    assert!(common::frames().warnings().is_empty());

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tiny.toml");
    std::fs::write(&path, TINY).expect("write");
    let out = std::process::Command::new(common::example("classify"))
        .current_dir(common::root())
        .arg("--taxonomy")
        .arg(&path)
        .arg("examples/data/004_2cf0e58a8dd68d2c.txt")
        .output()
        .expect("classify");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.starts_with("warning: taxonomy `energy-security`: `background` has 1 sentence"), "{stderr}");
}
