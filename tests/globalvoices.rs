//! Label-free checks on real news: the 169 Global Voices stories (CC BY 3.0)
//! in the shared data folder (`../shared/data/globalvoices/articles.jsonl`
//! beside the repository, or `$FRAMELENS_GLOBALVOICES`; not in the
//! repository). They carry no labels, so nothing here measures accuracy: it
//! checks the *shape* of the decisions — no category given to most stories
//! or to none — and prints the share of stories given each label
//! (docs/accuracy.md reports them). Ignored by default (it embeds about
//! 6,000 sentences three times); run with
//! `cargo test --release --test globalvoices -- --ignored --nocapture`.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use framelens::{Classifier, Granularity, Taxonomy};

/// The stories' texts, or `None` (with a note) when the data is not there.
fn stories() -> Option<Vec<String>> {
    let candidates: Vec<PathBuf> = std::env::var_os("FRAMELENS_GLOBALVOICES")
        .map(PathBuf::from)
        .into_iter()
        .chain(["../shared", "../../shared"].map(|s| common::root().join(s).join("data/globalvoices/articles.jsonl")))
        .collect();
    let Some(path) = candidates.iter().find(|p| p.is_file()) else {
        eprintln!("Global Voices stories not found (tried {candidates:?}); set FRAMELENS_GLOBALVOICES");
        return None;
    };
    let text = std::fs::read_to_string(path).unwrap();
    let stories: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: line {}: {e}", path.display(), i + 1));
            v["text"].as_str().unwrap_or_else(|| panic!("{}: line {}: no `text`", path.display(), i + 1)).to_string()
        })
        .collect();
    assert_eq!(stories.len(), 169, "{}", path.display());
    Some(stories)
}

fn classifier(name: &str) -> Classifier {
    Classifier::builder()
        .taxonomy(Taxonomy::builtin(name).unwrap())
        .models_dir(common::root().join("models"))
        .build()
        .unwrap()
}

/// Share of `units` given each label, every label of the taxonomy listed.
fn shares<'a>(labels: impl Iterator<Item = &'a str>, given: &[Vec<String>]) -> BTreeMap<String, f64> {
    let mut out: BTreeMap<String, f64> = labels.map(|l| (l.to_string(), 0.0)).collect();
    for unit in given {
        for l in unit {
            *out.entry(l.clone()).or_default() += 1.0 / given.len() as f64;
        }
    }
    out
}

fn print(what: &str, given: &[Vec<String>], shares: &BTreeMap<String, f64>) {
    let per_unit = given.iter().map(Vec::len).sum::<usize>() as f64 / given.len() as f64;
    println!("{what}: {} units, {per_unit:.2} labels each", given.len());
    let mut sorted: Vec<(&String, &f64)> = shares.iter().collect();
    sorted.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
    for (label, share) in sorted {
        println!("  {share:.3}  {label}");
    }
}

/// Frames run through every story, and a story carries several, so a
/// frame may be given to many; none to more than `MAX_FRAME_SHARE` of them,
/// and every frame to some.
const MAX_FRAME_SHARE: f64 = 0.75;

#[test]
#[ignore = "reads ../shared/data/globalvoices and embeds 169 stories; run with --ignored"]
fn frames_on_global_voices_are_spread() {
    let Some(stories) = stories() else { return };
    let c = classifier("media-frames");
    let texts: Vec<&str> = stories.iter().map(String::as_str).collect();
    let given: Vec<Vec<String>> = c
        .classify_batch(&texts)
        .into_iter()
        .map(|a| a.unwrap().label_names().into_iter().map(str::to_string).collect())
        .collect();
    let s = shares(c.taxonomy().labels(), &given);
    print("Global Voices, frames per story", &given, &s);
    for (label, share) in &s {
        assert!(*share <= MAX_FRAME_SHARE, "{label} given to {share:.3} of the stories");
        assert!(*share > 0.0, "{label} given to no story");
    }
}

#[test]
#[ignore = "reads ../shared/data/globalvoices and embeds 169 stories; run with --ignored"]
fn techniques_on_global_voices() {
    let Some(stories) = stories() else { return };
    let c = classifier("persuasion-techniques");
    let texts: Vec<&str> = stories.iter().map(String::as_str).collect();
    let given: Vec<Vec<String>> = c
        .classify_batch_units(&texts, Granularity::Paragraph)
        .into_iter()
        .flat_map(|u| u.unwrap())
        .map(|u| u.analysis.label_names().into_iter().map(str::to_string).collect())
        .collect();
    let s = shares(c.taxonomy().labels(), &given);
    print("Global Voices, techniques per paragraph", &given, &s);
    let with_any = given.iter().filter(|g| !g.is_empty()).count() as f64 / given.len() as f64;
    println!("  paragraphs given a technique: {with_any:.3}");
    let docs: Vec<Vec<String>> = c
        .classify_batch(&texts)
        .into_iter()
        .map(|a| a.unwrap().label_names().into_iter().map(str::to_string).collect())
        .collect();
    print("Global Voices, techniques per story", &docs, &shares(c.taxonomy().labels(), &docs));
    // Every paragraph carries at least the technique that is most common in
    // news unless the evidence names another: never nothing.
    assert!(with_any > 0.99, "paragraphs given a technique: {with_any}");
}

#[test]
#[ignore = "reads ../shared/data/globalvoices and embeds 169 stories; run with --ignored"]
fn narratives_on_global_voices() {
    let Some(stories) = stories() else { return };
    let c = common::narratives();
    let texts: Vec<&str> = stories.iter().map(String::as_str).collect();
    let given: Vec<Vec<String>> = c
        .classify_batch(&texts)
        .into_iter()
        .map(|a| a.unwrap().coarse.unwrap_or_default().into_iter().map(|l| l.label).collect())
        .collect();
    let carries = given.iter().filter(|g| g.iter().all(|l| l != "Other")).count();
    let t = c.taxonomy();
    let coarse = t.roots().into_iter().map(|i| t.categories[i].label.as_str());
    let s = shares(coarse.chain(["Other"]), &given);
    print("Global Voices, narratives per story", &given, &s);
    println!("  stories given a narrative: {carries} of {}", given.len());
    for (label, share) in &s {
        assert!(label == "Other" || *share <= 0.5, "{label} given to {share:.3} of the stories");
    }
}
