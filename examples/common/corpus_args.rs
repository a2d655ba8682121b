//! Corpus options shared by `train` and `evaluate`.

use std::path::PathBuf;

use clap::Args;
use framelens::corpus::Shard;
use framelens::data::{Corpus, CorpusSpec};
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
    /// The library's corpus spec these options describe.
    pub fn spec(&self) -> CorpusSpec {
        CorpusSpec {
            semeval2025: self.semeval2025.clone(),
            semeval2023: self.semeval2023.clone(),
            jsonl: self.jsonl.clone(),
            flicc: self.flicc.clone(),
            fold: self.fold,
            exclude_fold: self.exclude_fold,
        }
    }

    /// Use the taxonomy the corpus implies ([`CorpusSpec::taxonomy_name`])
    /// unless `--taxonomy` named another.
    pub fn adjust_taxonomy(&self, classifier: &mut crate::common::ClassifierOptions) {
        classifier.taxonomy = self.spec().taxonomy_name(&classifier.taxonomy);
    }

    /// Read the corpus and apply the fold options; warnings go to standard error.
    pub fn read(&self, taxonomy: &Taxonomy) -> framelens::Result<Corpus> {
        let spec = self.spec();
        if spec.corpora() == 0 {
            return Err(framelens::Error::InvalidInput(
                "give a corpus: --semeval2025 DIR, --semeval2023 DIR, --jsonl FILE or --flicc FILE".into(),
            ));
        }
        let read = spec.read(taxonomy)?;
        for warning in &read.warnings {
            eprintln!("{warning}");
        }
        Ok(read.corpus)
    }
}
