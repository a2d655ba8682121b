//! Readers for labelled corpora: the SemEval-2025 Task 10 subtask-2 and
//! SemEval-2023 Task 3 subtask-2 layouts as they are distributed, and
//! framelens's own JSONL; writers for the two shared-task submission formats.
//!
//! Readers check everything against a [`Taxonomy`] and stop at the first
//! problem with an error that names the file and line ([`Error::Data`]) or
//! the label ([`Error::UnknownLabel`]). Line numbers are 1-based; line 0
//! means the file as a whole. Documents are paired with labels by ID, never
//! by line order, and returned sorted by ID so that runs are reproducible.
//!
//! ```
//! use std::path::Path;
//! use framelens::{data, Taxonomy};
//! # fn main() -> framelens::Result<()> {
//! let taxonomy = Taxonomy::builtin("media-frames")?;
//! let corpus = data::read_semeval2023(Path::new("tests/data/semeval2023/en"), &taxonomy)?;
//! assert_eq!(corpus.documents.len(), 48);
//! assert_eq!(corpus.get("990000001").map(|d| d.labels.len()), Some(3));
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::corpus::read_text_file;
use crate::error::{Error, Result};
use crate::taxonomy::Taxonomy;

mod flicc;
mod spec;
pub use flicc::{read_flicc, FliccCorpus};
pub use spec::{CorpusRead, CorpusSpec, Layout};

/// The SemEval-2025 annotation file inside a language folder.
pub const SEMEVAL2025_ANNOTATIONS: &str = "subtask-2-annotations.txt";
/// Document folders of SemEval-2025: `raw-documents` (train), `subtask-2-documents` (dev, test).
pub const SEMEVAL2025_DOCUMENT_DIRS: [&str; 2] = ["raw-documents", "subtask-2-documents"];

/// The SemEval-2023 Task 3 subtasks framelens reads: 2 (frames per article)
/// and 3 (persuasion techniques per paragraph).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Semeval2023Subtask {
    /// `<split>-articles-subtask-2/` and `<split>-labels-subtask-2.txt`.
    Frames,
    /// `<split>-articles-subtask-3/` and `<split>-labels-subtask-3.txt`.
    Techniques,
}

impl Semeval2023Subtask {
    fn suffixes(self) -> (&'static str, &'static str) {
        match self {
            Semeval2023Subtask::Frames => ("-articles-subtask-2", "-labels-subtask-2.txt"),
            Semeval2023Subtask::Techniques => ("-articles-subtask-3", "-labels-subtask-3.txt"),
        }
    }

    /// Whether `dir` (a language folder, or an articles folder) holds this subtask's files.
    pub fn present_in(self, dir: &Path) -> bool {
        let (articles, labels) = self.suffixes();
        let name = dir_name(dir);
        if name.ends_with(articles) {
            return true;
        }
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.ends_with(articles) || n.ends_with(labels)
            })
        })
    }
}

/// One labelled document.
///
/// Build one with `..Default::default()` for the fields you do not set, so
/// that code keeps compiling when a field is added.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LabelledDocument {
    /// Document ID (file name without `.txt`, or the SemEval-2023 number without `article`).
    pub id: String,
    /// Full text: BOM removed, line ends normalised to `\n`.
    pub text: String,
    /// SemEval-2025: sub-narratives; SemEval-2023: frames; JSONL: `labels` as written.
    /// Deduplicated, in file order.
    pub labels: Vec<String>,
    /// SemEval-2025: narratives; JSONL with a two-level taxonomy: the top-level
    /// labels implied by `labels`; empty otherwise. Deduplicated.
    pub coarse: Vec<String>,
    /// The language the corpus declares for it, ISO 639-1 in lower case
    /// (`en`, `ru`): a JSONL record's `language` field, or the name of a
    /// SemEval-2025 language folder (`RU` → `ru`); `None` when not declared.
    /// It is reported, not used for routing: a document goes to the encoder
    /// that the language *detected* in its text selects, at training as at
    /// classification time (see [`crate::head::HeadSet`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl LabelledDocument {
    /// The category indices of its labels, fine and coarse, without
    /// repeats; the taxonomy's `other_label` maps to none, and a label the
    /// taxonomy does not have is an error naming this document.
    pub fn label_indices(&self, taxonomy: &Taxonomy) -> Result<Vec<usize>> {
        let mut labels = Vec::new();
        for l in self.labels.iter().chain(&self.coarse) {
            if taxonomy.other_label.as_deref() == Some(l.as_str()) {
                continue;
            }
            let c = taxonomy.index_of_label(l).ok_or_else(|| Error::UnknownLabel {
                path: None,
                line: None,
                document: Some(self.id.clone()),
                label: l.clone(),
                taxonomy: taxonomy.name.clone(),
            })?;
            if !labels.contains(&c) {
                labels.push(c);
            }
        }
        Ok(labels)
    }
}

/// Labelled documents, sorted by ID.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    /// Where the corpus came from, e.g. `semeval2025-EN`, `semeval2025-BG+EN+RU`.
    pub name: String,
    /// The documents, sorted by ID.
    pub documents: Vec<LabelledDocument>,
    /// Document files left out because the annotation file has no line for
    /// them (SemEval-2025 folders: reported, not fatal), sorted.
    pub unannotated: Vec<PathBuf>,
}

impl Corpus {
    /// Number of documents.
    pub fn len(&self) -> usize {
        self.documents.len()
    }

    /// True when there are no documents.
    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }

    /// The document with this ID.
    pub fn get(&self, id: &str) -> Option<&LabelledDocument> {
        self.documents.binary_search_by(|d| d.id.as_str().cmp(id)).ok().map(|i| &self.documents[i])
    }

    /// `(id, labels)` pairs, the gold input of [`crate::metrics`].
    pub fn labels_by_id(&self) -> Vec<(String, Vec<String>)> {
        self.documents.iter().map(|d| (d.id.clone(), d.labels.clone())).collect()
    }

    /// `(id, coarse)` pairs, the gold input of [`crate::metrics`] for narratives.
    pub fn coarse_by_id(&self) -> Vec<(String, Vec<String>)> {
        self.documents.iter().map(|d| (d.id.clone(), d.coarse.clone())).collect()
    }
}

/// Top-level labels plus the taxonomy's `other_label`: the SemEval-2025
/// narrative (coarse) label list. For the built-in narratives taxonomy these
/// are the 22 official coarse labels.
pub fn coarse_labels(taxonomy: &Taxonomy) -> Vec<String> {
    let mut out: Vec<String> = taxonomy.other_label.iter().cloned().collect();
    out.extend(taxonomy.categories.iter().filter(|c| c.parent.is_none()).map(|c| c.label.clone()));
    out
}

/// Child labels plus the taxonomy's `other_label`: the SemEval-2025
/// sub-narrative (fine) label list. For the built-in narratives taxonomy these
/// are the 96 official fine labels.
pub fn fine_labels(taxonomy: &Taxonomy) -> Vec<String> {
    let mut out: Vec<String> = taxonomy.other_label.iter().cloned().collect();
    out.extend(taxonomy.categories.iter().filter(|c| c.parent.is_some()).map(|c| c.label.clone()));
    out
}

/// Every label plus the taxonomy's `other_label`: the label list of a flat taxonomy.
pub fn all_labels(taxonomy: &Taxonomy) -> Vec<String> {
    let mut out: Vec<String> = taxonomy.other_label.iter().cloned().collect();
    out.extend(taxonomy.labels().map(str::to_string));
    out
}

/// Read a SemEval-2025 Task 10 subtask-2 language folder (e.g. `…/EN`).
///
/// `dir` holds `subtask-2-annotations.txt` and the documents in
/// `raw-documents/` (train) or `subtask-2-documents/` (dev, test). Annotation
/// lines are `ID<TAB>narratives<TAB>sub-narratives[<TAB>ignored…]`, lists
/// separated by `;`; entries are trimmed and deduplicated; the ID may carry
/// `.txt`. Narratives must be top-level labels of `taxonomy` (or its
/// `other_label`), sub-narratives child labels (or `other_label`). A duplicate
/// ID or an annotated ID without a document is an error; a document without
/// an annotation line is left out and listed in [`Corpus::unannotated`]
/// (the caller reports it). A folder named with two letters (`EN`, `RU`)
/// gives its documents that [`LabelledDocument::language`].
pub fn read_semeval2025(dir: &Path, taxonomy: &Taxonomy) -> Result<Corpus> {
    if !taxonomy.is_hierarchical() {
        return Err(Error::InvalidTaxonomy {
            source_name: taxonomy.name.clone(),
            problems: vec![
                "SemEval-2025 subtask 2 needs a two-level taxonomy (narratives with sub-narratives as children)"
                    .to_string(),
            ],
        });
    }
    let existing: Vec<PathBuf> = SEMEVAL2025_DOCUMENT_DIRS.iter().map(|d| dir.join(d)).filter(|p| p.is_dir()).collect();
    let docs_dir = match existing.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(Error::Data {
                path: dir.to_path_buf(),
                line: None,
                message: format!(
                    "no document folder: expected `{}/` or `{}/` here",
                    SEMEVAL2025_DOCUMENT_DIRS[0], SEMEVAL2025_DOCUMENT_DIRS[1]
                ),
            })
        }
        _ => {
            return Err(Error::Data {
                path: dir.to_path_buf(),
                line: None,
                message: format!(
                    "both `{}/` and `{}/` exist; keep the one that `{SEMEVAL2025_ANNOTATIONS}` describes",
                    SEMEVAL2025_DOCUMENT_DIRS[0], SEMEVAL2025_DOCUMENT_DIRS[1]
                ),
            })
        }
    };
    let files = list_txt_files(&docs_dir, |stem| Some(stem.to_string()))?;

    let ann_path = dir.join(SEMEVAL2025_ANNOTATIONS);
    let ann_text = read_text_file(&ann_path)?;
    let levels = Levels::new(taxonomy);
    let mut annotations: BTreeMap<String, (usize, Vec<String>, Vec<String>)> = BTreeMap::new();
    for (line_no, line) in numbered_lines(&ann_text) {
        let data_err = |message: String| Error::Data { path: ann_path.clone(), line: Some(line_no), message };
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 {
            return Err(data_err(format!(
                "expected 3 tab-separated columns (ID, narratives, sub-narratives), found {}",
                cols.len()
            )));
        }
        let id = normalise_id(cols[0], "", ".txt");
        if id.is_empty() {
            return Err(data_err("empty document ID in column 1".to_string()));
        }
        if let Some((first, _, _)) = annotations.get(&id) {
            return Err(data_err(format!("duplicate ID `{id}` (first on line {first})")));
        }
        let coarse = split_list(cols[1], ';');
        let fine = split_list(cols[2], ';');
        for label in &coarse {
            levels.check(label, Level::Coarse, &ann_path, line_no)?;
        }
        for label in &fine {
            levels.check(label, Level::Fine, &ann_path, line_no)?;
        }
        document_file(&files, &id, || docs_dir.join(format!("{id}.txt"))).map_err(data_err)?;
        annotations.insert(id, (line_no, coarse, fine));
    }
    let unannotated: Vec<PathBuf> =
        files.iter().filter(|(id, _)| !annotations.contains_key(*id)).map(|(_, p)| p.clone()).collect();
    let folder = dir_name(dir);
    let language =
        (folder.len() == 2 && folder.bytes().all(|b| b.is_ascii_alphabetic())).then(|| folder.to_ascii_lowercase());

    let mut documents = Vec::with_capacity(annotations.len());
    for (id, (_, coarse, fine)) in annotations {
        let path = &files[&id];
        documents.push(LabelledDocument {
            text: read_document(path)?,
            id,
            labels: fine,
            coarse,
            language: language.clone(),
        });
    }
    Ok(Corpus { name: format!("semeval2025-{folder}"), documents, unannotated })
}

/// Read several SemEval-2025 language folders ([`read_semeval2025`] each,
/// e.g. `…/BG`, `…/EN`, `…/RU`) into one corpus named
/// `semeval2025-BG+EN+RU`, sorted by ID. The same ID in two folders is an
/// error naming both; documents without an annotation line are collected
/// from every folder in [`Corpus::unannotated`].
///
/// ```
/// use std::path::Path;
/// use framelens::{data, Taxonomy};
/// # fn main() -> framelens::Result<()> {
/// let taxonomy = Taxonomy::builtin("semeval2025-narratives")?;
/// let folders = [Path::new("tests/data/semeval2025/RU"), Path::new("tests/data/semeval2025/BG")];
/// let corpus = data::read_semeval2025_folders(&folders, &taxonomy)?;
/// assert_eq!(corpus.name, "semeval2025-RU+BG");
/// assert_eq!(corpus.documents.iter().filter(|d| d.language.as_deref() == Some("bg")).count(), 3);
/// # Ok(()) }
/// ```
pub fn read_semeval2025_folders<P: AsRef<Path>>(dirs: &[P], taxonomy: &Taxonomy) -> Result<Corpus> {
    let mut names = Vec::with_capacity(dirs.len());
    let mut documents: Vec<LabelledDocument> = Vec::new();
    let mut unannotated = Vec::new();
    let mut from: HashMap<String, PathBuf> = HashMap::new();
    for dir in dirs {
        let dir = dir.as_ref();
        let corpus = read_semeval2025(dir, taxonomy)?;
        for d in &corpus.documents {
            if let Some(first) = from.insert(d.id.clone(), dir.to_path_buf()) {
                return Err(Error::Data {
                    path: dir.join(SEMEVAL2025_ANNOTATIONS),
                    line: None,
                    message: format!("document ID `{}` is also in {}; every ID must be unique", d.id, first.display()),
                });
            }
        }
        names.push(dir_name(dir));
        documents.extend(corpus.documents);
        unannotated.extend(corpus.unannotated);
    }
    if names.is_empty() {
        return Err(Error::InvalidInput("no SemEval-2025 language folder given".into()));
    }
    documents.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Corpus { name: format!("semeval2025-{}", names.join("+")), documents, unannotated })
}

/// Read a SemEval-2023 Task 3 subtask-2 folder.
///
/// `dir` is either a language folder holding `<split>-articles-subtask-2/`
/// and `<split>-labels-subtask-2.txt` for exactly one split, or the
/// `<split>-articles-subtask-2/` folder itself (its labels file is then looked
/// for beside it). Label lines are `ID<TAB>Frame1,Frame2,…` (an empty list is
/// allowed); the ID may carry the `article` prefix and `.txt` suffix. Frames
/// must be labels of `taxonomy` (or its `other_label`).
pub fn read_semeval2023(dir: &Path, taxonomy: &Taxonomy) -> Result<Corpus> {
    let (articles_dir, labels_path, split) = semeval2023_split(dir, Semeval2023Subtask::Frames)?;
    let files = list_txt_files(&articles_dir, |stem| Some(stem.strip_prefix("article").unwrap_or(stem).to_string()))?;
    let text = read_text_file(&labels_path)?;
    let levels = Levels::new(taxonomy);
    let mut labelled: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    for (line_no, line) in numbered_lines(&text) {
        let data_err = |message: String| Error::Data { path: labels_path.clone(), line: Some(line_no), message };
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 2 {
            return Err(data_err("expected 2 tab-separated columns (ID, comma-separated frames), found 1".to_string()));
        }
        let id = normalise_id(cols[0], "article", ".txt");
        if id.is_empty() {
            return Err(data_err("empty document ID in column 1".to_string()));
        }
        if let Some((first, _)) = labelled.get(&id) {
            return Err(data_err(format!("duplicate ID `{id}` (first on line {first})")));
        }
        let labels = split_list(cols[1], ',');
        for label in &labels {
            levels.check(label, Level::Any, &labels_path, line_no)?;
        }
        document_file(&files, &id, || articles_dir.join(format!("article{id}.txt"))).map_err(data_err)?;
        labelled.insert(id, (line_no, labels));
    }
    require_labels_for_all(&files, &labelled, &labels_path)?;
    let mut documents = Vec::with_capacity(labelled.len());
    for (id, (_, labels)) in labelled {
        let path = &files[&id];
        documents.push(LabelledDocument { text: read_document(path)?, id, labels, ..Default::default() });
    }
    let lang = articles_dir.parent().map(dir_name).unwrap_or_default();
    let name = if lang.is_empty() { format!("semeval2023-{split}") } else { format!("semeval2023-{lang}-{split}") };
    Ok(Corpus { name, documents, ..Default::default() })
}

/// Read a SemEval-2023 Task 3 subtask-3 folder: persuasion techniques per
/// paragraph.
///
/// `dir` holds `<split>-articles-subtask-3/article<ID>.txt` (one paragraph
/// per line; line 1 is the title) and `<split>-labels-subtask-3.txt`, whose
/// rows are `ID<TAB>LINE<TAB>Tech1,Tech2,…` with `LINE` 1-based; an empty
/// third field marks a labelled paragraph without technique. Each labelled
/// line becomes one document with the ID `<ID>:<LINE>`; lines without a row
/// are not annotated and are left out, as the task leaves them out. A row for
/// a missing article or a line past its end, a duplicate row, an unknown
/// label, or techniques on an empty line is an error naming the labels file
/// and line; an empty line labelled with no technique has nothing to
/// classify and is skipped.
pub fn read_semeval2023_paragraphs(dir: &Path, taxonomy: &Taxonomy) -> Result<Corpus> {
    let (articles_dir, labels_path, split) = semeval2023_split(dir, Semeval2023Subtask::Techniques)?;
    let files = list_txt_files(&articles_dir, |stem| Some(stem.strip_prefix("article").unwrap_or(stem).to_string()))?;
    let text = read_text_file(&labels_path)?;
    let levels = Levels::new(taxonomy);
    let mut articles: HashMap<String, Vec<String>> = HashMap::new();
    let mut seen: HashMap<(String, usize), usize> = HashMap::new();
    let mut documents = Vec::new();
    for (line_no, line) in numbered_lines(&text) {
        let data_err = |message: String| Error::Data { path: labels_path.clone(), line: Some(line_no), message };
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 2 {
            return Err(data_err(
                "expected 3 tab-separated columns (ID, line number, comma-separated techniques)".to_string(),
            ));
        }
        let id = normalise_id(cols[0], "article", ".txt");
        let paragraph: usize =
            cols[1].trim().parse().ok().filter(|&n| n > 0).ok_or_else(|| {
                data_err(format!("column 2 must be a line number from 1, found `{}`", cols[1].trim()))
            })?;
        if let Some(first) = seen.insert((id.clone(), paragraph), line_no) {
            return Err(data_err(format!("duplicate row for article {id} line {paragraph} (first on line {first})")));
        }
        let labels = split_list(cols.get(2).copied().unwrap_or(""), ',');
        for label in &labels {
            levels.check(label, Level::Any, &labels_path, line_no)?;
        }
        let path = document_file(&files, &id, || articles_dir.join(format!("article{id}.txt"))).map_err(data_err)?;
        if !articles.contains_key(&id) {
            let lines = read_document(path)?.split('\n').map(str::to_string).collect();
            articles.insert(id.clone(), lines);
        }
        let lines = &articles[&id];
        let Some(body) = lines.get(paragraph - 1).map(|l| l.trim()) else {
            return Err(data_err(format!(
                "line {paragraph} is past the end of {} ({} lines)",
                path.display(),
                lines.len()
            )));
        };
        if body.is_empty() {
            if labels.is_empty() {
                continue;
            }
            return Err(data_err(format!(
                "line {paragraph} of {} is empty but labelled {}",
                path.display(),
                labels.join(",")
            )));
        }
        documents.push(LabelledDocument {
            id: format!("{id}:{paragraph}"),
            text: body.to_string(),
            labels,
            ..Default::default()
        });
    }
    // By article, then line number (not as strings: 10 after 9).
    documents.sort_by_cached_key(|d| paragraph_key(&d.id));
    let lang = articles_dir.parent().map(dir_name).unwrap_or_default();
    let name = if lang.is_empty() {
        format!("semeval2023-{split}-paragraphs")
    } else {
        format!("semeval2023-{lang}-{split}-paragraphs")
    };
    Ok(Corpus { name, documents, ..Default::default() })
}

/// `(article, line)` of a paragraph ID `<article>:<line>`.
fn paragraph_key(id: &str) -> (String, usize) {
    match id.rsplit_once(':') {
        Some((article, line)) => (article.to_string(), line.parse().unwrap_or(0)),
        None => (id.to_string(), 0),
    }
}

/// Write paragraph predictions in the SemEval-2023 subtask-3 layout,
/// `ID<TAB>LINE<TAB>Tech1,Tech2` per `(id, techniques)`, where `id` is a
/// paragraph ID `<ID>:<LINE>` as [`read_semeval2023_paragraphs`] makes them.
pub fn write_semeval2023_paragraph_labels(path: &Path, predictions: &[(String, Vec<String>)]) -> Result<()> {
    let mut out = String::new();
    for (id, techniques) in predictions {
        let Some((article, line)) = id.rsplit_once(':').filter(|(_, l)| l.parse::<usize>().is_ok()) else {
            return Err(Error::InvalidInput(format!("`{id}` is not a paragraph ID `<article>:<line>`")));
        };
        check_field(id, "ID", article, &['\t', '\n', '\r'])?;
        let _ = writeln!(out, "{article}\t{line}\t{}", comma_list(id, techniques)?);
    }
    std::fs::write(path, out).map_err(|e| Error::io(path, e))
}

/// Read framelens JSONL: one `{"id": "...", "text": "...", "labels": ["..."]}` per line,
/// optionally with `"language": "ru"`.
///
/// Blank lines are skipped and other fields ignored. `language`, when given
/// (and not `null`), is the text's ISO 639-1 code, two letters (`en`, `ru`,
/// `bg`, `pt`, `hi`; case is ignored) and becomes
/// [`LabelledDocument::language`]; anything else is an error naming the line. `text` must be non-empty
/// and `labels` a list of taxonomy labels (or the `other_label`); it may be
/// empty. `id` (a string or a number) is optional: without it the document is
/// called `line-NNNNNN` after its line. With a two-level taxonomy a label may
/// be a fine or a top-level one: `labels` keeps them as written and `coarse`
/// gets the top-level ones plus the top-level ancestor of each fine one (and
/// `other_label` when given).
pub fn read_jsonl(path: &Path, taxonomy: &Taxonomy) -> Result<Corpus> {
    let text = read_text_file(path)?;
    let levels = Levels::new(taxonomy);
    let hierarchical = taxonomy.is_hierarchical();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut documents = Vec::new();
    for (line_no, line) in numbered_lines(&text) {
        let data_err = |message: String| Error::Data { path: path.to_path_buf(), line: Some(line_no), message };
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| data_err(format!("malformed JSON: {e}")))?;
        let Some(object) = value.as_object() else {
            return Err(data_err("expected a JSON object".to_string()));
        };
        let id = match object.get("id") {
            None | Some(serde_json::Value::Null) => format!("line-{line_no:06}"),
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(_) => return Err(data_err("field `id` must be a non-empty string or a number".to_string())),
        };
        if let Some(first) = seen.get(&id) {
            return Err(data_err(format!("duplicate id `{id}` (first on line {first})")));
        }
        seen.insert(id.clone(), line_no);
        let doc_text = match object.get("text") {
            None => return Err(data_err("missing field `text`".to_string())),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => {
                return Err(data_err("field `text` is empty".to_string()))
            }
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(_) => return Err(data_err("field `text` must be a string".to_string())),
        };
        let raw_labels = match object.get("labels") {
            None => return Err(data_err("missing field `labels`".to_string())),
            Some(serde_json::Value::Array(items)) => items,
            Some(_) => return Err(data_err("field `labels` must be a list of strings".to_string())),
        };
        let mut labels: Vec<String> = Vec::with_capacity(raw_labels.len());
        let mut coarse: Vec<String> = Vec::new();
        for (k, item) in raw_labels.iter().enumerate() {
            let Some(label) = item.as_str() else {
                return Err(data_err(format!("field `labels[{k}]` must be a string")));
            };
            let label = label.trim();
            levels.check(label, Level::Any, path, line_no)?;
            push_unique(&mut labels, label);
            if hierarchical {
                push_unique(&mut coarse, levels.top_level(label));
            }
        }
        let language = match object.get("language") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s))
                if s.trim().len() == 2 && s.trim().bytes().all(|b| b.is_ascii_alphabetic()) =>
            {
                Some(s.trim().to_ascii_lowercase())
            }
            Some(other) => {
                return Err(data_err(format!(
                    "field `language` must be a two-letter ISO 639-1 code such as \"en\" or \"ru\", found {other}"
                )))
            }
        };
        documents.push(LabelledDocument { id, text: doc_text, labels, coarse, language });
    }
    documents.sort_by(|a, b| a.id.cmp(&b.id));
    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "jsonl".to_string());
    Ok(Corpus { name, documents, ..Default::default() })
}

/// Write predictions as a SemEval-2025 subtask-2 file: `ID<TAB>N1;N2<TAB>S1;S2`
/// per `(id, coarse, fine)`, `Other` for an empty list, duplicates dropped.
/// A label holding `;`, a tab or a line break would corrupt the file and is refused.
pub fn write_semeval2025_annotations(path: &Path, predictions: &[(String, Vec<String>, Vec<String>)]) -> Result<()> {
    let mut out = String::new();
    for (id, coarse, fine) in predictions {
        check_field(id, "ID", id, &['\t', '\n', '\r'])?;
        let coarse = join_list(id, coarse, ";")?;
        let fine = join_list(id, fine, ";")?;
        let _ = writeln!(out, "{id}\t{coarse}\t{fine}");
    }
    std::fs::write(path, out).map_err(|e| Error::io(path, e))
}

/// Write predictions as a SemEval-2023 subtask-2 labels file: `ID<TAB>F1,F2`
/// per `(id, frames)`, duplicates dropped. A label holding `,`, a tab or a line
/// break would corrupt the file and is refused.
pub fn write_semeval2023_labels(path: &Path, predictions: &[(String, Vec<String>)]) -> Result<()> {
    let mut out = String::new();
    for (id, frames) in predictions {
        check_field(id, "ID", id, &['\t', '\n', '\r'])?;
        let _ = writeln!(out, "{id}\t{}", comma_list(id, frames)?);
    }
    std::fs::write(path, out).map_err(|e| Error::io(path, e))
}

/// `,`-joined unique labels of document `id` (SemEval-2023 layouts); a label
/// holding `,`, a tab or a line break is refused.
fn comma_list(id: &str, labels: &[String]) -> Result<String> {
    let mut unique: Vec<&str> = Vec::with_capacity(labels.len());
    for label in labels {
        check_field(id, "label", label, &[',', '\t', '\n', '\r'])?;
        if !unique.contains(&label.as_str()) {
            unique.push(label);
        }
    }
    Ok(unique.join(","))
}

/// `;`-joined unique labels, `Other` for none.
fn join_list(id: &str, labels: &[String], sep: &str) -> Result<String> {
    let mut unique: Vec<&str> = Vec::with_capacity(labels.len());
    for l in labels {
        check_field(id, "label", l, &[';', '\t', '\n', '\r'])?;
        if !unique.contains(&l.as_str()) {
            unique.push(l);
        }
    }
    Ok(if unique.is_empty() { "Other".to_string() } else { unique.join(sep) })
}

fn check_field(id: &str, what: &str, value: &str, forbidden: &[char]) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::InvalidInput(format!("document `{id}`: empty {what}")));
    }
    if let Some(c) = value.chars().find(|c| forbidden.contains(c)) {
        return Err(Error::InvalidInput(format!(
            "document `{id}`: {what} `{}` contains {c:?}, which the output format uses as a separator",
            value.escape_debug()
        )));
    }
    Ok(())
}

/// Which labels a column may hold.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    /// A top-level label (SemEval-2025 narratives).
    Coarse,
    /// A child label (SemEval-2025 sub-narratives).
    Fine,
    /// Any label.
    Any,
}

/// Label lookups for one taxonomy.
struct Levels<'a> {
    taxonomy: &'a Taxonomy,
    /// Label -> label of its top-level ancestor (itself for a root).
    top: HashMap<&'a str, &'a str>,
    other: Option<&'a str>,
}

impl<'a> Levels<'a> {
    fn new(taxonomy: &'a Taxonomy) -> Self {
        let mut top = HashMap::new();
        for (i, c) in taxonomy.categories.iter().enumerate() {
            let root = taxonomy.root(i);
            top.insert(c.label.as_str(), taxonomy.categories[root].label.as_str());
        }
        Levels { taxonomy, top, other: taxonomy.other_label.as_deref() }
    }

    /// The top-level label for a known label (`other_label` maps to itself).
    fn top_level<'l>(&self, label: &'l str) -> &'l str
    where
        'a: 'l,
    {
        self.top.get(label).copied().unwrap_or(label)
    }

    fn check(&self, label: &str, level: Level, path: &Path, line: usize) -> Result<()> {
        if self.other == Some(label) {
            return Ok(());
        }
        let Some(&top) = self.top.get(label) else {
            return Err(Error::UnknownLabel {
                path: Some(path.to_path_buf()),
                line: Some(line),
                document: None,
                label: label.to_string(),
                taxonomy: self.taxonomy.name.clone(),
            });
        };
        let is_root = top == label;
        let wrong = match level {
            Level::Coarse if !is_root => Some("a sub-narrative label, but this column holds narratives"),
            Level::Fine if is_root => Some("a narrative label, but this column holds sub-narratives"),
            _ => None,
        };
        match wrong {
            Some(why) => {
                Err(Error::Data { path: path.to_path_buf(), line: Some(line), message: format!("`{label}` is {why}") })
            }
            None => Ok(()),
        }
    }
}

/// Find the articles folder, labels file and split name of a SemEval-2023 folder.
fn semeval2023_split(dir: &Path, subtask: Semeval2023Subtask) -> Result<(PathBuf, PathBuf, String)> {
    let (articles_suffix, labels_suffix) = subtask.suffixes();
    let name = dir_name(dir);
    if let Some(split) = name.strip_suffix(articles_suffix) {
        let parent = dir.parent().unwrap_or(Path::new("."));
        let labels = parent.join(format!("{split}{labels_suffix}"));
        if !labels.is_file() {
            return Err(Error::Data {
                path: labels,
                line: None,
                message: format!("labels file for {} not found", dir.display()),
            });
        }
        return Ok((dir.to_path_buf(), labels, split.to_string()));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut articles: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut labels: BTreeMap<String, PathBuf> = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if let Some(split) = file_name.strip_suffix(articles_suffix) {
            if path.is_dir() {
                articles.insert(split.to_string(), path);
            }
        } else if let Some(split) = file_name.strip_suffix(labels_suffix) {
            if path.is_file() {
                labels.insert(split.to_string(), path);
            }
        }
    }
    let complete: Vec<&String> = articles.keys().filter(|s| labels.contains_key(*s)).collect();
    match complete.as_slice() {
        [split] => Ok((articles[*split].clone(), labels[*split].clone(), (*split).clone())),
        [] => {
            // One folder and one labels file under different split names still pair up.
            if let (1, 1) = (articles.len(), labels.len()) {
                if let (Some((split, a)), Some((_, l))) = (articles.iter().next(), labels.iter().next()) {
                    return Ok((a.clone(), l.clone(), split.clone()));
                }
            }
            Err(Error::Data {
                path: dir.to_path_buf(),
                line: None,
                message: format!(
                    "expected `<split>{articles_suffix}/` and `<split>{labels_suffix}` (e.g. train); found folders [{}] and labels files [{}]",
                    articles.keys().cloned().collect::<Vec<_>>().join(", "),
                    labels.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            })
        }
        several => Err(Error::Data {
            path: dir.to_path_buf(),
            line: None,
            message: format!(
                "several splits with labels ({}); pass one articles folder instead, e.g. {}",
                several.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
                articles[several[0]].display()
            ),
        }),
    }
}

/// `*.txt` files of a folder, by ID (from `id_of(stem)`), sorted.
fn list_txt_files(dir: &Path, id_of: impl Fn(&str) -> Option<String>) -> Result<BTreeMap<String, PathBuf>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if !path.is_file() || path.extension().and_then(|e| e.to_str()) != Some("txt") {
            continue;
        }
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            return Err(Error::Data {
                path: path.clone(),
                line: None,
                message: "the file name is not valid UTF-8".to_string(),
            });
        };
        if let Some(id) = id_of(stem) {
            out.insert(id, path);
        }
    }
    Ok(out)
}

/// The document file of a labelled ID, or the message saying which file is
/// missing (`expected` gives its path).
fn document_file<'f>(
    files: &'f BTreeMap<String, PathBuf>,
    id: &str,
    expected: impl FnOnce() -> PathBuf,
) -> std::result::Result<&'f PathBuf, String> {
    files.get(id).ok_or_else(|| format!("no document for ID `{id}`: {} does not exist", expected().display()))
}

/// Every document file must have a line in the labels file: the first one
/// without is an error naming it (and how many more lack one).
fn require_labels_for_all<V>(
    files: &BTreeMap<String, PathBuf>,
    labelled: &BTreeMap<String, V>,
    labels_path: &Path,
) -> Result<()> {
    let missing: Vec<&PathBuf> = files.iter().filter(|(id, _)| !labelled.contains_key(*id)).map(|(_, p)| p).collect();
    let Some(first) = missing.first() else {
        return Ok(());
    };
    let more = match missing.len() {
        1 => String::new(),
        n => format!(" ({} more documents lack one too)", n - 1),
    };
    Err(Error::Data {
        path: (*first).clone(),
        line: None,
        message: format!("document has no line in {}{more}", labels_path.display()),
    })
}

/// A document's text: UTF-8, BOM removed, CRLF turned into LF.
fn read_document(path: &Path) -> Result<String> {
    let text = read_text_file(path)?;
    Ok(if text.contains('\r') { text.replace("\r\n", "\n") } else { text })
}

/// Non-blank lines with 1-based numbers; `str::lines` already drops a `\r` before `\n`.
fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim().is_empty())
}

/// Trim and remove an optional prefix and suffix from an ID.
fn normalise_id(raw: &str, prefix: &str, suffix: &str) -> String {
    let id = raw.trim();
    let id = id.strip_suffix(suffix).unwrap_or(id);
    let id = if prefix.is_empty() { id } else { id.strip_prefix(prefix).unwrap_or(id) };
    id.to_string()
}

/// Split a list, trim entries, drop empty ones and duplicates (file order kept).
fn split_list(field: &str, sep: char) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for item in field.split(sep).map(str::trim).filter(|s| !s.is_empty()) {
        if seen.insert(item) {
            out.push(item.to_string());
        }
    }
    out
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|l| l == item) {
        list.push(item.to_string());
    }
}

fn dir_name(dir: &Path) -> String {
    dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| dir.display().to_string())
}
