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

/// Whether a story mentions the war (Russia or Ukraine) or the climate, by
/// words in its text: a rough, label-free split of the stories.
fn mentions(text: &str) -> (bool, bool) {
    let lower = text.to_lowercase();
    let war = ["russia", "ukrain", "kremlin", "putin", "kyiv", "zelensk"].iter().any(|w| lower.contains(w));
    let climate = ["climate", "global warming"].iter().any(|w| lower.contains(w));
    (war, climate)
}

/// Stories given a domain, a narrative and `URW: Distrust towards Media`; the
/// stories about neither the war nor the climate mostly get no domain; web-page
/// furniture is flagged and never evidence. Prints the stories that keep a
/// narrative, with their evidence, for a reader to judge (docs/accuracy.md).
#[test]
#[ignore = "reads ../shared/data/globalvoices and embeds 169 stories; run with --ignored"]
fn narratives_on_global_voices() {
    let Some(stories) = stories() else { return };
    let c = common::narratives();
    let texts: Vec<&str> = stories.iter().map(String::as_str).collect();
    let analyses: Vec<_> = c.classify_batch(&texts).into_iter().map(|a| a.unwrap()).collect();
    let given: Vec<Vec<String>> =
        analyses.iter().map(|a| a.coarse.clone().unwrap_or_default().into_iter().map(|l| l.label).collect()).collect();
    let carries = given.iter().filter(|g| g.iter().all(|l| l != "Other")).count();
    let t = c.taxonomy();
    let coarse = t.roots().into_iter().map(|i| t.categories[i].label.as_str());
    let s = shares(coarse.chain(["Other"]), &given);
    print("Global Voices, narratives per story", &given, &s);
    let n = analyses.len();
    let with_domain = analyses.iter().filter(|a| a.domain.is_some()).count();
    let distrust = given.iter().filter(|g| g.iter().any(|l| l == "URW: Distrust towards Media")).count();
    let neither: Vec<usize> = (0..n).filter(|&i| mentions(texts[i]) == (false, false)).collect();
    let neither_without = neither.iter().filter(|&&i| analyses[i].domain.is_none()).count();
    let topical: Vec<usize> = (0..n).filter(|&i| mentions(texts[i]) != (false, false)).collect();
    let topical_kept = topical.iter().filter(|&&i| analyses[i].domain.is_some()).count();
    println!("  stories given a domain: {with_domain} of {n}");
    println!("  stories mentioning the war or the climate: {}, of which with a domain: {topical_kept}", topical.len());
    for d in ["URW", "CC"] {
        println!("    {d}: {}", analyses.iter().filter(|a| a.domain.as_deref() == Some(d)).count());
    }
    println!("  stories given a narrative: {carries} of {n}");
    println!("  stories given URW: Distrust towards Media: {distrust}");
    println!(
        "  stories mentioning neither the war nor the climate: {}, of which without a domain: {neither_without}",
        neither.len()
    );
    let furniture: usize = analyses.iter().map(|a| a.sentences.iter().filter(|s| s.furniture).count()).sum();
    let sentences: usize = analyses.iter().map(|a| a.sentences.len()).sum();
    println!("  furniture: {furniture} of {sentences} sentences");
    for (i, a) in analyses.iter().enumerate() {
        for s in a.sentences.iter().filter(|s| s.furniture) {
            println!("    furniture [{i}] {}", s.text.chars().take(100).collect::<String>());
        }
        for l in a.decided() {
            assert!(l.evidence.iter().all(|&e| !a.sentences[e].furniture), "story {i}: furniture as evidence");
        }
    }
    println!("  stories that keep a narrative:");
    for (i, a) in analyses.iter().enumerate().filter(|(i, _)| given[*i].iter().all(|l| l != "Other")) {
        let (war, climate) = mentions(texts[i]);
        let title = texts[i].lines().next().unwrap_or_default();
        println!("  [{i}] {title} (mentions war: {war}, climate: {climate})");
        for l in a.coarse.iter().flatten() {
            let evidence = l.evidence.first().map(|&e| a.sentences[e].text.chars().take(140).collect::<String>());
            println!("      {:.2} {}: {}", l.score, l.label, evidence.unwrap_or_default());
        }
    }
    for (label, share) in &s {
        assert!(label == "Other" || *share <= 0.5, "{label} given to {share:.3} of the stories");
    }
    // Issue 31's goals, met (docs/accuracy.md): measured 106 of 127 off-topic
    // stories without a domain (goal 80%: 102), 12 stories of 169 with a
    // narrative (goal ≤ 10%: 16), 1 with Distrust towards Media (goal ≤ 3).
    assert!(
        neither_without * 10 >= neither.len() * 8,
        "{neither_without} of {} off-topic stories without a domain",
        neither.len()
    );
    assert!(carries * 10 <= n, "{carries} of {n} stories given a narrative");
    assert!(distrust <= 3, "{distrust} stories given URW: Distrust towards Media");
    // Of the 42 stories that mention the war or the climate, 27 keep a domain
    // (measured; those that lose it mention Russia in one sentence of 50 or
    // more): 3 stories of tolerance.
    assert!(
        topical_kept >= 24,
        "{topical_kept} of {} stories mentioning the war or the climate keep a domain",
        topical.len()
    );
}
