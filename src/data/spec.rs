//! [`CorpusSpec`]: which labelled corpus to read, and which part of it. The
//! `train` and `evaluate` binaries and the Python package parse their
//! arguments into one and read through it, so that they read the same
//! documents and choose the same taxonomy.

use std::path::{Path, PathBuf};

use crate::corpus::Shard;
use crate::error::{Error, Result};
use crate::taxonomy::Taxonomy;

use super::{read_flicc, read_jsonl, read_semeval2023, read_semeval2023_paragraphs, read_semeval2025_folders};
use super::{Corpus, Semeval2023Subtask, SEMEVAL2025_ANNOTATIONS};

/// Which labelled corpus to read: one of SemEval-2025 language folders
/// (several read into one corpus), a SemEval-2023 folder, framelens JSONL or
/// a FLICC split; and which fold of it.
///
/// ```
/// use framelens::data::CorpusSpec;
/// use framelens::Taxonomy;
/// # fn main() -> framelens::Result<()> {
/// let spec = CorpusSpec {
///     semeval2025: vec!["tests/data/semeval2025/RU".into(), "tests/data/semeval2025/BG".into()],
///     ..CorpusSpec::default()
/// };
/// assert_eq!(spec.taxonomy_name("media-frames"), "semeval2025-narratives");
/// let taxonomy = Taxonomy::builtin("semeval2025-narratives")?;
/// let read = spec.read(&taxonomy)?;
/// assert_eq!(read.corpus.name, "semeval2025-RU+BG");
/// assert!(read.warnings.is_empty());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorpusSpec {
    /// SemEval-2025 Task 10 subtask-2 language folders, read into one corpus
    /// ([`read_semeval2025_folders`]).
    pub semeval2025: Vec<PathBuf>,
    /// A SemEval-2023 Task 3 folder: subtask 2 (frames per article), or
    /// subtask 3 (techniques per paragraph, one document each) when it holds
    /// subtask-3 files and the taxonomy is not `media-frames` (or it holds no
    /// subtask-2 files).
    pub semeval2023: Option<PathBuf>,
    /// framelens JSONL: `{"id", "text", "labels"}` per line, optionally `"language"`.
    pub jsonl: Option<PathBuf>,
    /// A FLICC split (`fallacy_test.csv`).
    pub flicc: Option<PathBuf>,
    /// Keep only the documents of this fold (by a stable hash of the ID).
    pub fold: Option<Shard>,
    /// Keep every document except those of this fold.
    pub exclude_fold: Option<Shard>,
}

/// A corpus as [`CorpusSpec::read`] read it, and what the reader should be
/// told about it (documents left out, rows without a label).
#[derive(Debug, Clone)]
pub struct CorpusRead {
    /// The documents, after the fold options.
    pub corpus: Corpus,
    /// One line each, e.g. documents that have no annotation line.
    pub warnings: Vec<String>,
}

/// The layout predictions are written in ([`CorpusSpec::layout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Two levels, narratives and sub-narratives: SemEval-2025 annotations
    /// ([`super::write_semeval2025_annotations`]).
    Semeval2025,
    /// One label list per paragraph: SemEval-2023 subtask 3
    /// ([`super::write_semeval2023_paragraph_labels`]).
    Semeval2023Paragraphs,
    /// One label list per document: SemEval-2023 subtask 2
    /// ([`super::write_semeval2023_labels`]).
    Semeval2023,
}

impl CorpusSpec {
    /// How many corpora it names (a spec to read names exactly one).
    pub fn corpora(&self) -> usize {
        usize::from(!self.semeval2025.is_empty())
            + usize::from(self.semeval2023.is_some())
            + usize::from(self.jsonl.is_some())
            + usize::from(self.flicc.is_some())
    }

    /// The taxonomy the corpus implies when `given` is the default
    /// (`media-frames`): the narratives for SemEval-2025 and FLICC, the
    /// techniques for a SemEval-2023 folder with only subtask-3 files;
    /// `given` otherwise.
    pub fn taxonomy_name(&self, given: &str) -> String {
        if given != "media-frames" {
            return given.to_string();
        }
        if !self.semeval2025.is_empty() || self.flicc.is_some() {
            return "semeval2025-narratives".to_string();
        }
        match &self.semeval2023 {
            Some(dir)
                if Semeval2023Subtask::Techniques.present_in(dir) && !Semeval2023Subtask::Frames.present_in(dir) =>
            {
                "persuasion-techniques".to_string()
            }
            _ => given.to_string(),
        }
    }

    /// True when the corpus is SemEval-2023 subtask 3: one document per paragraph.
    pub fn paragraphs(&self, taxonomy: &Taxonomy) -> bool {
        self.semeval2023.as_deref().is_some_and(|dir| {
            Semeval2023Subtask::Techniques.present_in(dir)
                && (taxonomy.name != "media-frames" || !Semeval2023Subtask::Frames.present_in(dir))
        })
    }

    /// How its documents are scored and their predictions written: two
    /// levels for SemEval-2025 folders and two-level taxonomies.
    pub fn layout(&self, taxonomy: &Taxonomy) -> Layout {
        if !self.semeval2025.is_empty() || taxonomy.is_hierarchical() {
            Layout::Semeval2025
        } else if self.paragraphs(taxonomy) {
            Layout::Semeval2023Paragraphs
        } else {
            Layout::Semeval2023
        }
    }

    /// Read the corpus against `taxonomy` and keep the fold asked for. An
    /// empty result is not an error here (the callers name their own fold
    /// options when they refuse it).
    pub fn read(&self, taxonomy: &Taxonomy) -> Result<CorpusRead> {
        if self.corpora() != 1 {
            return Err(Error::InvalidInput(
                "give exactly one corpus: SemEval-2025 folders, a SemEval-2023 folder, a JSONL file or a FLICC split"
                    .into(),
            ));
        }
        if self.fold.is_some() && self.exclude_fold.is_some() {
            return Err(Error::InvalidInput(
                "give a fold to keep or a fold to exclude, not both (train on the rest, evaluate on the fold)".into(),
            ));
        }
        let mut warnings = Vec::new();
        let mut corpus = if !self.semeval2025.is_empty() {
            let corpus = read_semeval2025_folders(&self.semeval2025, taxonomy)?;
            warnings.extend(unannotated_warning(&corpus.unannotated));
            corpus
        } else if let Some(dir) = &self.semeval2023 {
            if self.paragraphs(taxonomy) {
                read_semeval2023_paragraphs(dir, taxonomy)?
            } else {
                read_semeval2023(dir, taxonomy)?
            }
        } else if let Some(file) = &self.jsonl {
            read_jsonl(file, taxonomy)?
        } else if let Some(file) = &self.flicc {
            let flicc = read_flicc(file, taxonomy)?;
            if flicc.skipped > 0 {
                warnings.push(format!(
                    "{}: {} rows kept, {} rows left out (the {} mapping has no label for them)",
                    file.display(),
                    flicc.corpus.len(),
                    flicc.skipped,
                    flicc.mapping
                ));
            }
            flicc.corpus
        } else {
            return Err(Error::InvalidInput("no corpus given".into()));
        };
        if let Some(fold) = self.fold {
            corpus.documents.retain(|d| fold.contains(&d.id));
        }
        if let Some(fold) = self.exclude_fold {
            corpus.documents.retain(|d| !fold.contains(&d.id));
        }
        Ok(CorpusRead { corpus, warnings })
    }
}

/// The warning for documents left out for want of an annotation line.
fn unannotated_warning(missing: &[PathBuf]) -> Option<String> {
    if missing.is_empty() {
        return None;
    }
    const SHOWN: usize = 10;
    let list: Vec<String> = missing.iter().take(SHOWN).map(|p| Path::display(p).to_string()).collect();
    let more = if missing.len() > SHOWN { format!(" and {} more", missing.len() - SHOWN) } else { String::new() };
    Some(format!(
        "warning: {} documents have no line in their {} and are left out: {}{more}",
        missing.len(),
        SEMEVAL2025_ANNOTATIONS,
        list.join(", ")
    ))
}
