//! FLICC (Zanartu et al. 2024): real climate-contrarian paragraphs, each with
//! one of 12 reasoning fallacies and a CARDS claim code, in fixed
//! `fallacy_{train,val,test}.csv` splits (MIT).
//!
//! One reader serves three taxonomies, whichever the labels fit:
//! - a taxonomy whose labels are the fallacies themselves (`label` column);
//! - the SemEval-2025 narratives: the CARDS code is mapped to a climate
//!   narrative and sub-narrative by `taxonomy/mappings/cards-to-narratives.tsv`;
//! - the persuasion techniques: the fallacy is mapped to the techniques that
//!   name the same move by `taxonomy/mappings/flicc-to-techniques.tsv`.
//!
//! Rows a mapping does not cover are left out, and [`FliccCorpus::skipped`]
//! counts them, so a figure always says how many rows it stands on.

use std::path::Path;

use super::{Corpus, LabelledDocument, Levels};
use crate::corpus::read_text_file;
use crate::error::{Error, Result};
use crate::taxonomy::Taxonomy;

const CARDS_TO_NARRATIVES: &str = include_str!("../taxonomy/mappings/cards-to-narratives.tsv");
const FLICC_TO_TECHNIQUES: &str = include_str!("../taxonomy/mappings/flicc-to-techniques.tsv");

/// A FLICC split read against a taxonomy.
#[derive(Debug, Clone)]
pub struct FliccCorpus {
    /// The rows the taxonomy's labels cover, ids `<split>-<row>` (row 1 is
    /// the first data row).
    pub corpus: Corpus,
    /// Rows left out because the mapping has no label for them.
    pub skipped: usize,
    /// Which labels were used: `fallacy`, `cards-narratives` or `techniques`.
    pub mapping: &'static str,
}

/// How a row's labels are found.
enum Mapping<'m> {
    Fallacy,
    Cards(Vec<(&'m str, &'m str, &'m str)>),
    Techniques(Vec<(&'m str, Vec<&'m str>)>),
}

fn mapping_rows(table: &str) -> impl Iterator<Item = Vec<&str>> {
    table.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).map(|l| l.split('\t').collect())
}

impl Mapping<'static> {
    fn for_taxonomy(taxonomy: &Taxonomy) -> Option<Self> {
        let has = |label: &str| taxonomy.index_of_label(label).is_some();
        if has("ad hominem") && has("single cause") {
            return Some(Mapping::Fallacy);
        }
        let cards: Vec<(&str, &str, &str)> =
            mapping_rows(CARDS_TO_NARRATIVES).filter(|r| r.len() == 3).map(|r| (r[0], r[1], r[2])).collect();
        if cards.iter().all(|(_, narrative, _)| has(narrative)) {
            return Some(Mapping::Cards(cards));
        }
        let techniques: Vec<(&str, Vec<&str>)> = mapping_rows(FLICC_TO_TECHNIQUES)
            .filter(|r| r.len() == 2)
            .map(|r| (r[0], r[1].split(',').collect()))
            .collect();
        if techniques.iter().all(|(_, ts)| ts.iter().all(|t| has(t))) {
            return Some(Mapping::Techniques(techniques));
        }
        None
    }

    fn name(&self) -> &'static str {
        match self {
            Mapping::Fallacy => "fallacy",
            Mapping::Cards(_) => "cards-narratives",
            Mapping::Techniques(_) => "techniques",
        }
    }

    /// `(labels, coarse)` of a row, `None` when the mapping does not cover it.
    fn labels(&self, fallacy: &str, claim: &str, taxonomy: &Taxonomy) -> Option<(Vec<String>, Vec<String>)> {
        match self {
            Mapping::Fallacy => Some((vec![fallacy.to_string()], Vec::new())),
            Mapping::Techniques(table) => table
                .iter()
                .find(|(f, _)| *f == fallacy)
                .map(|(_, ts)| (ts.iter().map(|t| t.to_string()).collect(), Vec::new())),
            Mapping::Cards(table) => {
                // The most specific code that is a prefix of the claim: 5.1.1 → 5.1.1, else 5.1, else 5.
                let mut code = claim.trim();
                loop {
                    if let Some((_, narrative, sub)) = table.iter().find(|(c, _, _)| *c == code) {
                        let fine =
                            if *sub == "-" { format!("{narrative}: Other") } else { format!("{narrative}: {sub}") };
                        let fine =
                            if taxonomy.index_of_label(&fine).is_some() { fine } else { format!("{narrative}: Other") };
                        return Some((vec![fine], vec![narrative.to_string()]));
                    }
                    code = code.rsplit_once('.')?.0;
                }
            }
        }
    }
}

/// Read one FLICC split (`fallacy_train.csv`, …) against `taxonomy`.
///
/// The file must have the columns `text`, `label` and `Claim` (others are
/// ignored); a missing column, a malformed row or an empty `text` is an
/// error naming the file and line. A taxonomy that none of the mappings fits
/// is an error too.
pub fn read_flicc(path: &Path, taxonomy: &Taxonomy) -> Result<FliccCorpus> {
    let data_err = |line: usize, message: String| Error::Data { path: path.to_path_buf(), line: Some(line), message };
    let mapping = Mapping::for_taxonomy(taxonomy).ok_or_else(|| Error::Data {
        path: path.to_path_buf(),
        line: None,
        message: format!(
                "taxonomy `{}` has neither the FLICC fallacy labels, the climate narratives of the CARDS mapping, nor the persuasion techniques of the fallacy mapping",
            taxonomy.name
        ),
    })?;
    let text = read_text_file(path)?;
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| data_err(1, format!("malformed CSV header: {e}")))?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h.trim() == name).ok_or_else(|| {
            data_err(
                1,
                format!("missing column `{name}` (the header has: {})", headers.iter().collect::<Vec<_>>().join(", ")),
            )
        })
    };
    let (text_col, label_col, claim_col) = (column("text")?, column("label")?, column("Claim")?);
    let split = path
        .file_stem()
        .and_then(|s| s.to_str())
        .map(|s| s.strip_prefix("fallacy_").unwrap_or(s).to_string())
        .unwrap_or_else(|| "flicc".to_string());
    let levels = Levels::new(taxonomy);
    let mut documents = Vec::new();
    let mut skipped = 0;
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            data_err(line, format!("malformed CSV row: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let body = field(text_col);
        if body.is_empty() {
            return Err(data_err(line, "field `text` is empty".to_string()));
        }
        let Some((labels, coarse)) = mapping.labels(field(label_col), field(claim_col), taxonomy) else {
            skipped += 1;
            continue;
        };
        for label in labels.iter().chain(&coarse) {
            levels.check(label, super::Level::Any, path, line)?;
        }
        documents.push(LabelledDocument {
            id: format!("{split}-{:04}", row + 1),
            text: body.to_string(),
            labels,
            coarse,
            ..Default::default()
        });
    }
    documents.sort_by(|a, b| a.id.cmp(&b.id));
    let corpus = Corpus { name: format!("flicc-{split}"), documents, ..Default::default() };
    Ok(FliccCorpus { corpus, skipped, mapping: mapping.name() })
}
