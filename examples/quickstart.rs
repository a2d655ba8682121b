//! The README's ten-line API tour, run by the test suite so it cannot drift.
//!
//! ```text
//! cargo run --release --example quickstart
//! ```

use framelens::{Classifier, Taxonomy};

fn main() -> framelens::Result<()> {
    let classifier = Classifier::builder().taxonomy(Taxonomy::builtin("media-frames")?).build()?;
    let text = "Sanctions have doubled the price of fertiliser for European farmers.\n\n\
                NATO moved two brigades to its eastern flank on Monday, and Moscow called it a provocation.";
    let analysis = classifier.classify(text)?;
    for label in &analysis.labels {
        // `Other` (two-level taxonomies) has no evidence sentence.
        match label.evidence.first().map(|&i| &analysis.sentences[i]) {
            Some(s) => println!("{:<36} {:.2}  [{}..{}] {}", label.label, label.score, s.start, s.end, s.text),
            None => println!("{:<36} {:.2}", label.label, label.score),
        }
    }
    Ok(())
}
