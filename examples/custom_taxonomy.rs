//! Build a taxonomy in code, classify a text with it, and export it as TOML
//! so it can be edited and loaded back with `classify --taxonomy FILE`.
//!
//! ```text
//! cargo run --release --example custom_taxonomy -- examples/data/004_2cf0e58a8dd68d2c.txt --export energy.toml
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use framelens::taxonomy::Format;
use framelens::{Category, Classifier, Taxonomy};

#[derive(Parser, Debug)]
#[command(about = "Classify a text with a small taxonomy defined in code")]
struct Args {
    /// Article to classify (UTF-8 text).
    input: PathBuf,
    /// Also write the taxonomy to this file (.toml or .json).
    #[arg(long, value_name = "FILE")]
    export: Option<PathBuf>,
    /// Model directory (default: $FRAMELENS_MODELS, then ./models).
    #[arg(long, value_name = "DIR")]
    models: Option<PathBuf>,
}

/// Two-level: "Escalation" with two children, and "De-escalation".
fn taxonomy() -> framelens::Result<Taxonomy> {
    let mut t = Taxonomy::new(
        "escalation",
        vec![
            Category::new("escalation", "Escalation", "The text presents the conflict as getting more dangerous.")
                .with_exemplars([
                    "Moscow warned that the new missiles put NATO capitals within minutes of a strike.",
                    "Each new delivery of weapons drags the alliance deeper into the war.",
                ]),
            Category::new("escalation-nuclear", "Escalation: Nuclear", "Nuclear weapons, doctrine or threats.")
                .with_parent("escalation")
                .with_exemplars([
                    "The Kremlin lowered the threshold for using nuclear weapons in its updated doctrine.",
                    "A nuclear exchange would leave no winners, the foreign minister said.",
                ]),
            Category::new(
                "escalation-west",
                "Escalation: Western involvement",
                "Western states taking part in the fighting.",
            )
            .with_parent("escalation")
            .with_exemplars([
                "Western instructors are operating the long-range systems on Ukrainian soil.",
                "The United States is directly participating in the war, the ministry claimed.",
            ]),
            Category::new("de-escalation", "De-escalation", "Talks, ceasefires and ways to end the conflict.")
                .with_exemplars([
                    "Both sides agreed to meet in Istanbul to discuss a ceasefire.",
                    "The envoy said a negotiated settlement was still possible this winter.",
                ]),
        ],
    )?;
    t.title = Some("Escalation framing (example)".into());
    t.other_label = Some("Neither".into());
    Ok(t)
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let taxonomy = taxonomy()?;
    if let Some(path) = &args.export {
        taxonomy.save(path)?;
        // What was written loads back unchanged.
        let back = Taxonomy::from_file(path)?;
        assert_eq!(back, taxonomy, "exported taxonomy must load back unchanged");
        eprintln!("taxonomy written to {} ({:?})", path.display(), Format::from_path(path));
    }
    let text = std::fs::read_to_string(&args.input).map_err(|e| format!("{}: {e}", args.input.display()))?;
    let mut builder = Classifier::builder().taxonomy(taxonomy);
    if let Some(dir) = &args.models {
        builder = builder.models_dir(dir);
    }
    let classifier = builder.build()?;
    for warning in classifier.warnings() {
        eprintln!("warning: {warning}");
    }
    let analysis = classifier.classify(&text)?;
    let coarse = analysis.coarse.as_deref().unwrap_or_default();
    for (level, labels) in [("coarse", coarse), ("fine", analysis.labels.as_slice())] {
        for l in labels {
            let evidence = l.evidence.first().map(|&i| analysis.sentences[i].text.as_str()).unwrap_or("");
            println!("{level:<6} {:<34} {:.2}  {}", l.label, l.score, evidence);
        }
    }
    Ok(())
}
