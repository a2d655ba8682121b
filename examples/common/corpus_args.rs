//! Corpus options shared by `train` and `evaluate`.

use std::path::PathBuf;

use clap::Args;
use framelens::corpus::Shard;
use framelens::data::{self, Corpus, Semeval2023Subtask};
use framelens::Taxonomy;

/// Which labelled corpus to read, and which part of it.
#[derive(Args, Debug, Clone)]
pub struct CorpusOptions {
    /// SemEval-2025 Task 10 subtask-2 language folder (subtask-2-annotations.txt + documents);
    /// give it once per language to read several into one corpus
    /// (`--semeval2025 data/BG --semeval2025 data/EN`).
    #[arg(long, value_name = "DIR", group = "corpus")]
    pub semeval2025: Vec<PathBuf>,
    /// SemEval-2023 Task 3 folder: subtask 2 (frames per article), or subtask 3
    /// (techniques per paragraph) when it holds `<split>-articles-subtask-3/` and
    /// the taxonomy is not `media-frames` (or it holds no subtask-2 files).
    #[arg(long, value_name = "DIR", group = "corpus")]
    pub semeval2023: Option<PathBuf>,
    /// framelens JSONL: {"id", "text", "labels"} per line, optionally "language" (ISO 639-1).
    #[arg(long, value_name = "FILE", group = "corpus")]
    pub jsonl: Option<PathBuf>,
    /// A FLICC split (`fallacy_test.csv`): real climate-contrarian paragraphs.
    /// With the narratives taxonomy (the default) the CARDS claim codes are the
    /// gold narratives; with `--taxonomy persuasion-techniques` the fallacies
    /// that name a technique are (see src/taxonomy/mappings/).
    #[arg(long, value_name = "FILE", group = "corpus")]
    pub flicc: Option<PathBuf>,
    /// Keep only the documents of fold i of k (by a stable hash of the id, as `batch --shard`).
    #[arg(long, value_name = "i/k", conflicts_with = "exclude_fold")]
    pub fold: Option<Shard>,
    /// Keep all documents except fold i of k: train with `--exclude-fold i/k`,
    /// evaluate with `--fold i/k`, and the two never share a document.
    #[arg(long, value_name = "i/k")]
    pub exclude_fold: Option<Shard>,
}

impl CorpusOptions {
    /// The taxonomy a corpus layout implies, unless `--taxonomy` says otherwise.
    pub fn default_taxonomy(&self) -> &'static str {
        if !self.semeval2025.is_empty() || self.flicc.is_some() {
            "semeval2025-narratives"
        } else {
            "media-frames"
        }
    }

    /// Use the narratives taxonomy for a SemEval-2025 or FLICC corpus, and the
    /// techniques for a SemEval-2023 folder with only subtask-3 files, unless
    /// `--taxonomy` named another.
    pub fn adjust_taxonomy(&self, classifier: &mut crate::common::ClassifierOptions) {
        if classifier.taxonomy != "media-frames" {
            return;
        }
        if !self.semeval2025.is_empty() || self.flicc.is_some() {
            classifier.taxonomy = self.default_taxonomy().to_string();
        } else if let Some(dir) = &self.semeval2023 {
            if Semeval2023Subtask::Techniques.present_in(dir) && !Semeval2023Subtask::Frames.present_in(dir) {
                classifier.taxonomy = "persuasion-techniques".to_string();
            }
        }
    }

    /// True when the corpus is SemEval-2023 subtask 3: one document per paragraph.
    pub fn paragraphs(&self, taxonomy: &Taxonomy) -> bool {
        self.semeval2023.as_deref().is_some_and(|dir| {
            Semeval2023Subtask::Techniques.present_in(dir)
                && (taxonomy.name != "media-frames" || !Semeval2023Subtask::Frames.present_in(dir))
        })
    }

    /// Read the corpus and apply the fold options.
    pub fn read(&self, taxonomy: &Taxonomy) -> framelens::Result<Corpus> {
        let mut corpus = if !self.semeval2025.is_empty() {
            let corpus = data::read_semeval2025_folders(&self.semeval2025, taxonomy)?;
            warn_unannotated(&corpus);
            corpus
        } else if let Some(dir) = &self.semeval2023 {
            if self.paragraphs(taxonomy) {
                data::read_semeval2023_paragraphs(dir, taxonomy)?
            } else {
                data::read_semeval2023(dir, taxonomy)?
            }
        } else if let Some(file) = &self.jsonl {
            data::read_jsonl(file, taxonomy)?
        } else if let Some(file) = &self.flicc {
            let flicc = data::read_flicc(file, taxonomy)?;
            if flicc.skipped > 0 {
                eprintln!(
                    "{}: {} rows kept, {} rows left out (the {} mapping has no label for them)",
                    file.display(),
                    flicc.corpus.len(),
                    flicc.skipped,
                    flicc.mapping
                );
            }
            flicc.corpus
        } else {
            return Err(framelens::Error::InvalidInput(
                "give a corpus: --semeval2025 DIR, --semeval2023 DIR, --jsonl FILE or --flicc FILE".into(),
            ));
        };
        if let Some(fold) = self.fold {
            corpus.documents.retain(|d| fold.contains(&d.id));
        }
        if let Some(fold) = self.exclude_fold {
            corpus.documents.retain(|d| !fold.contains(&d.id));
        }
        Ok(corpus)
    }
}

/// Say on standard error which documents were left out for want of an annotation line.
fn warn_unannotated(corpus: &Corpus) {
    let missing = &corpus.unannotated;
    if missing.is_empty() {
        return;
    }
    const SHOWN: usize = 10;
    let list: Vec<String> = missing.iter().take(SHOWN).map(|p| p.display().to_string()).collect();
    let more = if missing.len() > SHOWN { format!(" and {} more", missing.len() - SHOWN) } else { String::new() };
    eprintln!(
        "warning: {} documents have no line in their {} and are left out: {}{more}",
        missing.len(),
        data::SEMEVAL2025_ANNOTATIONS,
        list.join(", ")
    );
}
