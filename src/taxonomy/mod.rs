//! Taxonomies: the categories a text is scored against.
//!
//! A taxonomy is data: each category has an id, the exact label string,
//! a description and exemplar sentences (the zero-shot scorer's "model"),
//! and optionally a parent (two-level taxonomies), a domain and a threshold.
//! Built-in taxonomies are TOML files compiled into the crate and loaded by
//! the same code as users' files, so a built-in can be exported, edited and
//! loaded back. The schema is in `SCHEMA.md` beside this file and in docs/taxonomies.md.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One category of a taxonomy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Unique id: lowercase letters, digits and `-`.
    pub id: String,
    /// The exact label string (the official one for shared-task taxonomies).
    pub label: String,
    /// Id of the parent category, for two-level taxonomies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Domain tag (for narratives: `URW` or `CC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The `<parent>: Other` child: the parent holds, but none of its listed children.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub catch_all: bool,
    /// Decision threshold for this category, in [0, 1]; the classifier's default otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f32>,
    /// How common the category is in news, as a share in (0, 1] (a base
    /// rate; see `SCHEMA.md`). With priors, a flat taxonomy's zero-shot
    /// decision weighs the evidence against them ([`crate::aggregate::BaseRates`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior: Option<f32>,
    /// What the category means in news text.
    #[serde(default)]
    pub description: String,
    /// Sentences that express the category.
    #[serde(default)]
    pub exemplars: Vec<String>,
    /// Sentences on the same subject that do *not* express the category:
    /// its rebuttal or the opposite claim, and neutral reporting of it. With
    /// them a sentence scores for the category by how much closer it is to
    /// the category than to these (contrastive scoring, see `score`); without
    /// them scoring is as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counter_exemplars: Vec<String>,
}

impl Category {
    /// A category with an id, label and description, and no exemplars yet.
    pub fn new(id: impl Into<String>, label: impl Into<String>, description: impl Into<String>) -> Self {
        Category {
            id: id.into(),
            label: label.into(),
            parent: None,
            domain: None,
            catch_all: false,
            threshold: None,
            prior: None,
            description: description.into(),
            exemplars: Vec::new(),
            counter_exemplars: Vec::new(),
        }
    }

    /// Add counter-texts: sentences on the category's subject that do not
    /// express it (its rebuttal, neutral reporting).
    pub fn with_counter_exemplars<I, S>(mut self, counter: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.counter_exemplars.extend(counter.into_iter().map(Into::into));
        self
    }

    /// Add exemplar sentences.
    pub fn with_exemplars<I, S>(mut self, exemplars: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exemplars.extend(exemplars.into_iter().map(Into::into));
        self
    }

    /// Set the parent id.
    pub fn with_parent(mut self, parent: impl Into<String>) -> Self {
        self.parent = Some(parent.into());
        self
    }

    /// Set a decision threshold.
    pub fn with_threshold(mut self, threshold: f32) -> Self {
        self.threshold = Some(threshold);
        self
    }

    /// Set a prior: how common the category is in news, in (0, 1].
    pub fn with_prior(mut self, prior: f32) -> Self {
        self.prior = Some(prior);
        self
    }
}

/// A set of categories, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Taxonomy {
    /// Short name, e.g. `media-frames`.
    pub name: String,
    /// Human title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Where the label set comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Document threshold for categories without their own, in [0, 1]
    /// (tuned per built-in taxonomy; 0.5 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f32>,
    /// How sentence scores are pooled into document scores (default: mean of the top 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pooling: Option<crate::pool::Pooling>,
    /// Fewest labels a document gets, for flat taxonomies: the best-scored
    /// categories fill up to it (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_labels: Option<usize>,
    /// Most labels a document gets, per level (default: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_labels: Option<usize>,
    /// Label given when no category is confident (e.g. `Other`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_label: Option<String>,
    /// Neutral sentences that express no category.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub background: Vec<String>,
    /// Neutral sentences in particular languages, keyed by ISO 639-3 code
    /// as results report a document's language (`rus`, `bul`, `por`,
    /// `hin`). A classifier whose encoder reads such a language learns
    /// thresholds for it from these sentences and decides that language's
    /// documents with them (see `docs/languages.md`); other documents use
    /// `background`. They do not enter the score calibration.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub background_by_language: BTreeMap<String, Vec<String>>,
    /// Category texts in particular languages, keyed by ISO 639-3 code and
    /// then by category id: a description and exemplars written in that
    /// language. A classifier whose encoder reads the language scores that
    /// language's documents against them beside the categories' own texts
    /// (see `docs/languages.md`); other documents never see them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub texts_by_language: BTreeMap<String, BTreeMap<String, LanguageTexts>>,
    /// The categories, parents before or after children in any order.
    pub categories: Vec<Category>,
}

/// A category's texts in one language (see [`Taxonomy::texts_by_language`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageTexts {
    /// What the category means, in that language.
    #[serde(default)]
    pub description: String,
    /// Sentences in that language that express the category.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exemplars: Vec<String>,
}

/// Names of the built-in taxonomies.
pub const BUILTIN_NAMES: [&str; 3] = ["media-frames", "semeval2025-narratives", "persuasion-techniques"];

const MEDIA_FRAMES: &str = include_str!("builtin/media-frames.toml");
const PERSUASION: &str = include_str!("builtin/persuasion-techniques.toml");
const NARRATIVES_HEADER: &str = include_str!("builtin/narratives-header.toml");
const NARRATIVES_BACKGROUND: &str = include_str!("builtin/narratives-background.toml");
/// Background in other languages (`background_by_language.<code> = [...]`).
const NARRATIVES_BACKGROUND_BY_LANGUAGE: [&str; 4] = [
    include_str!("builtin/narratives-background-bul.toml"),
    include_str!("builtin/narratives-background-hin.toml"),
    include_str!("builtin/narratives-background-por.toml"),
    include_str!("builtin/narratives-background-rus.toml"),
];
/// Counter-texts of the narratives (`[counter_exemplars]`, by category id),
/// merged into the categories' `counter_exemplars` after loading.
const NARRATIVES_COUNTER: [&str; 2] =
    [include_str!("builtin/narratives-counter-urw.toml"), include_str!("builtin/narratives-counter-cc.toml")];
const NARRATIVES_PARTS: [&str; 4] = [
    include_str!("builtin/narratives-urw-a.toml"),
    include_str!("builtin/narratives-urw-b.toml"),
    include_str!("builtin/narratives-cc-a.toml"),
    include_str!("builtin/narratives-cc-b.toml"),
];
/// Category texts in other languages (`[texts_by_language.<code>.<id>]`
/// tables, after the categories).
const NARRATIVES_TEXTS_BY_LANGUAGE: [&str; 4] = [
    include_str!("builtin/narratives-texts-bul.toml"),
    include_str!("builtin/narratives-texts-hin.toml"),
    include_str!("builtin/narratives-texts-por.toml"),
    include_str!("builtin/narratives-texts-rus.toml"),
];

/// File format of a taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.toml`.
    Toml,
    /// `.json`.
    Json,
}

impl Format {
    /// Guess from a file extension (`.json` is JSON, anything else TOML).
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
            _ => Format::Toml,
        }
    }
}

impl Taxonomy {
    /// A taxonomy from categories, validated.
    pub fn new(name: impl Into<String>, categories: Vec<Category>) -> Result<Self> {
        let t = Taxonomy {
            name: name.into(),
            title: None,
            source: None,
            threshold: None,
            pooling: None,
            min_labels: None,
            max_labels: None,
            other_label: None,
            background: Vec::new(),
            background_by_language: BTreeMap::new(),
            texts_by_language: BTreeMap::new(),
            categories,
        };
        t.validate("<in-code taxonomy>", None)?;
        Ok(t)
    }

    /// A built-in taxonomy by name (see [`BUILTIN_NAMES`]).
    pub fn builtin(name: &str) -> Result<Self> {
        let text = match name {
            "media-frames" => MEDIA_FRAMES.to_string(),
            "persuasion-techniques" => PERSUASION.to_string(),
            "semeval2025-narratives" => {
                let mut parts = vec![NARRATIVES_HEADER, NARRATIVES_BACKGROUND];
                parts.extend(NARRATIVES_BACKGROUND_BY_LANGUAGE);
                parts.extend(NARRATIVES_PARTS);
                parts.extend(NARRATIVES_TEXTS_BY_LANGUAGE);
                let source_name = format!("built-in `{name}`");
                let mut t = Self::from_str_as(&parts.join("\n"), Format::Toml, &source_name)?;
                for counter in NARRATIVES_COUNTER {
                    t.add_counter_exemplars(counter, &source_name)?;
                }
                return Ok(t);
            }
            _ => return Err(Error::UnknownTaxonomy { name: name.to_string(), known: BUILTIN_NAMES.join(", ") }),
        };
        Self::from_str_as(&text, Format::Toml, &format!("built-in `{name}`"))
    }

    /// Merge counter-texts kept in a file of their own (TOML: a table
    /// `[counter_exemplars]` whose keys are category ids and whose values are
    /// lists of sentences) into the categories' `counter_exemplars`. An
    /// unknown id or an empty sentence is an error naming it.
    pub(crate) fn add_counter_exemplars(&mut self, text: &str, source_name: &str) -> Result<()> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct CounterFile {
            counter_exemplars: BTreeMap<String, Vec<String>>,
        }
        let invalid = |problems: Vec<String>| Error::InvalidTaxonomy { source_name: source_name.to_string(), problems };
        let parsed: CounterFile = toml::from_str(text).map_err(|e| invalid(vec![toml_problem(text, &e)]))?;
        let mut problems = Vec::new();
        for (id, sentences) in parsed.counter_exemplars {
            match self.index_of_id(&id) {
                Some(c) => self.categories[c].counter_exemplars.extend(sentences),
                None => problems.push(format!("field `counter_exemplars.{id}`: no category has the id `{id}`")),
            }
        }
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
        self.validate(source_name, None)
    }

    /// The 14 Media Frames of SemEval-2023 Task 3.
    pub fn media_frames() -> Self {
        Self::builtin("media-frames").expect("the built-in media-frames taxonomy is valid (tested)")
    }

    /// A built-in name or a path to a `.toml`/`.json` file.
    pub fn from_name_or_path(spec: &str) -> Result<Self> {
        if BUILTIN_NAMES.contains(&spec) {
            return Self::builtin(spec);
        }
        let path = Path::new(spec);
        if path.exists() {
            return Self::from_file(path);
        }
        Err(Error::UnknownTaxonomy { name: spec.to_string(), known: BUILTIN_NAMES.join(", ") })
    }

    /// Load a taxonomy from a TOML or JSON file (by extension).
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_str_as(&text, Format::from_path(path), &path.display().to_string())
    }

    /// Parse and validate; `source_name` names the input in errors.
    pub fn from_str_as(text: &str, format: Format, source_name: &str) -> Result<Self> {
        let parsed: Taxonomy = match format {
            Format::Toml => toml::from_str(text).map_err(|e| Error::InvalidTaxonomy {
                source_name: source_name.to_string(),
                problems: vec![toml_problem(text, &e)],
            })?,
            Format::Json => serde_json::from_str(text).map_err(|e| Error::InvalidTaxonomy {
                source_name: source_name.to_string(),
                problems: vec![format!("line {}, column {}: {e}", e.line(), e.column())],
            })?,
        };
        parsed.validate(source_name, Some((text, format)))?;
        Ok(parsed)
    }

    /// Serialise to TOML or JSON (loadable again with [`Taxonomy::from_str_as`]).
    pub fn to_string_as(&self, format: Format) -> Result<String> {
        match format {
            Format::Json => Ok(serde_json::to_string_pretty(self)?),
            Format::Toml => toml::to_string_pretty(self).map_err(|e| Error::InvalidTaxonomy {
                source_name: self.name.clone(),
                problems: vec![format!("cannot write as TOML: {e}")],
            }),
        }
    }

    /// Write to a file, format by extension.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = self.to_string_as(Format::from_path(path))?;
        std::fs::write(path, text).map_err(|e| Error::io(path, e))
    }

    /// Check every rule and report all problems at once. The constructors
    /// and loaders call it; [`crate::ClassifierBuilder::build`] calls it again,
    /// so a taxonomy edited through its public fields, or deserialised
    /// directly with serde, is refused there if it breaks a rule.
    pub fn check(&self) -> Result<()> {
        self.validate(&self.name, None)
    }

    /// Check every rule and report all problems at once.
    fn validate(&self, source_name: &str, text: Option<(&str, Format)>) -> Result<()> {
        let mut problems = Vec::new();
        let at = |i: usize, c: &Category| {
            let line = text
                .and_then(|(t, f)| category_line(t, f, i, &c.id))
                .map(|l| format!("line {l}, "))
                .unwrap_or_default();
            format!("{line}categories[{i}] (id `{}`)", c.id)
        };
        if !is_slug(&self.name) {
            problems.push(format!("field `name`: `{}` must be lowercase letters, digits and '-'", self.name));
        }
        if self.max_labels == Some(0) {
            problems.push("field `max_labels` must be at least 1".to_string());
        }
        if let (Some(min), Some(max)) = (self.min_labels, self.max_labels) {
            if min > max {
                problems.push(format!("field `min_labels` = {min} is larger than `max_labels` = {max}"));
            }
        }
        if let Some(t) = self.threshold {
            if !(0.0..=1.0).contains(&t) {
                problems.push(format!("field `threshold` = {t} is outside [0, 1]"));
            }
        }
        if self.categories.is_empty() {
            problems.push("field `categories`: the taxonomy has no categories".to_string());
        }
        for (code, sentences) in &self.background_by_language {
            if whatlang::Lang::from_code(code.as_str()).is_none() {
                problems.push(format!(
                    "field `background_by_language`: `{code}` is not a language code; use the ISO 639-3 code that results report (e.g. `rus`, `bul`, `por`, `hin`)"
                ));
            }
            if let Some(k) = sentences.iter().position(|e| e.trim().is_empty()) {
                problems.push(format!("field `background_by_language.{code}[{k}]` is empty"));
            }
        }
        for (code, texts) in &self.texts_by_language {
            if whatlang::Lang::from_code(code.as_str()).is_none() {
                problems.push(format!(
                    "field `texts_by_language`: `{code}` is not a language code; use the ISO 639-3 code that results report (e.g. `rus`, `bul`, `por`, `hin`)"
                ));
            }
            for (id, t) in texts {
                let at = format!("field `texts_by_language.{code}.{id}`");
                if !self.categories.iter().any(|c| &c.id == id) {
                    problems.push(format!("{at}: no category has the id `{id}`"));
                }
                if t.description.trim().is_empty() && t.exemplars.iter().all(|e| e.trim().is_empty()) {
                    problems.push(format!("{at}: needs a `description` or at least one non-empty `exemplars` entry"));
                }
                if let Some(k) = t.exemplars.iter().position(|e| e.trim().is_empty()) {
                    problems.push(format!("{at}.exemplars[{k}] is empty"));
                }
            }
        }
        let mut first_id: HashMap<&str, usize> = HashMap::new();
        let mut first_label: HashMap<&str, usize> = HashMap::new();
        for (i, c) in self.categories.iter().enumerate() {
            if c.id.trim().is_empty() {
                problems.push(format!("{}: field `id` is empty", at(i, c)));
            } else if !is_slug(&c.id) {
                problems.push(format!("{}: field `id` must be lowercase letters, digits and '-'", at(i, c)));
            }
            if let Some(&j) = first_id.get(c.id.as_str()) {
                problems.push(format!("{}: duplicate id (first used by categories[{j}])", at(i, c)));
            } else {
                first_id.insert(&c.id, i);
            }
            if c.label.trim().is_empty() {
                problems.push(format!("{}: field `label` is empty", at(i, c)));
            } else if let Some(&j) = first_label.get(c.label.as_str()) {
                problems.push(format!("{}: duplicate label `{}` (first used by categories[{j}])", at(i, c), c.label));
            } else {
                first_label.insert(&c.label, i);
            }
            if self.other_label.as_deref() == Some(c.label.as_str()) {
                problems.push(format!("{}: label `{}` is the taxonomy's other_label", at(i, c), c.label));
            }
            if c.description.trim().is_empty() && c.exemplars.iter().all(|e| e.trim().is_empty()) {
                problems
                    .push(format!("{}: needs a `description` or at least one non-empty `exemplars` entry", at(i, c)));
            }
            if let Some(k) = c.exemplars.iter().position(|e| e.trim().is_empty()) {
                problems.push(format!("{}: field `exemplars[{k}]` is empty", at(i, c)));
            }
            if let Some(k) = c.counter_exemplars.iter().position(|e| e.trim().is_empty()) {
                problems.push(format!("{}: field `counter_exemplars[{k}]` is empty", at(i, c)));
            }
            if let Some(t) = c.threshold {
                if !(0.0..=1.0).contains(&t) {
                    problems.push(format!("{}: field `threshold` = {t} is outside [0, 1]", at(i, c)));
                }
            }
            if let Some(p) = c.prior {
                if !(p > 0.0 && p <= 1.0) {
                    problems.push(format!("{}: field `prior` = {p} is outside (0, 1]", at(i, c)));
                }
            }
            if c.catch_all && c.parent.is_none() {
                problems.push(format!("{}: `catch_all` needs a `parent`", at(i, c)));
            }
        }
        for (i, c) in self.categories.iter().enumerate() {
            if let Some(p) = &c.parent {
                if p == &c.id {
                    problems.push(format!("{}: is its own parent", at(i, c)));
                } else if !first_id.contains_key(p.as_str()) {
                    problems.push(format!("{}: unknown parent `{p}`", at(i, c)));
                }
            }
        }
        // Cycles: a category whose parent chain comes back to it.
        let parent_of: HashMap<&str, &str> =
            self.categories.iter().filter_map(|c| c.parent.as_deref().map(|p| (c.id.as_str(), p))).collect();
        let mut in_reported_cycle: HashSet<&str> = HashSet::new();
        for (i, c) in self.categories.iter().enumerate() {
            let mut path = vec![c.id.as_str()];
            let mut cur = c.id.as_str();
            while let Some(&p) = parent_of.get(cur) {
                if p == cur || path.len() > self.categories.len() {
                    break; // own parent (reported above) or a cycle not through `c`
                }
                path.push(p);
                if p == c.id {
                    if !in_reported_cycle.contains(c.id.as_str()) {
                        problems.push(format!("{}: parent cycle {}", at(i, c), path.join(" -> ")));
                        in_reported_cycle.extend(path.iter().copied());
                    }
                    break;
                }
                cur = p;
            }
        }
        // Two levels at most: narratives and sub-narratives. Decisions,
        // `coarse` output and the readers know no third level.
        for (i, c) in self.categories.iter().enumerate() {
            let Some(&p) = parent_of.get(c.id.as_str()) else { continue };
            if let Some(&grand) = parent_of.get(p) {
                if !in_reported_cycle.contains(c.id.as_str()) && p != c.id {
                    problems.push(format!(
                        "{}: its parent `{p}` has a parent `{grand}`; taxonomies have at most two levels",
                        at(i, c)
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidTaxonomy { source_name: source_name.to_string(), problems })
        }
    }

    /// Every category's prior, normalised to sum to one, when at least one
    /// category has one (`None` otherwise). A category without a prior of
    /// its own gets the smallest prior given to another: a source that does
    /// not count a category is taken to have found it rare.
    pub fn priors(&self) -> Option<Vec<f32>> {
        let given: Vec<f32> = self.categories.iter().filter_map(|c| c.prior).collect();
        let default = given.iter().copied().fold(f32::INFINITY, f32::min);
        if given.is_empty() || !default.is_finite() || default <= 0.0 {
            return None;
        }
        let raw: Vec<f32> = self.categories.iter().map(|c| c.prior.unwrap_or(default)).collect();
        let sum: f32 = raw.iter().sum();
        Some(raw.into_iter().map(|p| p / sum).collect())
    }

    /// Labels in taxonomy order.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.categories.iter().map(|c| c.label.as_str())
    }

    /// Index of the category with this exact label.
    pub fn index_of_label(&self, label: &str) -> Option<usize> {
        self.categories.iter().position(|c| c.label == label)
    }

    /// Index of the category with this id.
    pub fn index_of_id(&self, id: &str) -> Option<usize> {
        self.categories.iter().position(|c| c.id == id)
    }

    /// Index of a category's parent.
    pub fn parent_index(&self, index: usize) -> Option<usize> {
        self.categories[index].parent.as_deref().and_then(|p| self.index_of_id(p))
    }

    /// A category and its ancestors, the category first and its top-level
    /// ancestor last. Finite even on an unvalidated taxonomy with a cycle.
    pub fn ancestors(&self, index: usize) -> Vec<usize> {
        let mut out = vec![index];
        let mut cur = index;
        while let Some(p) = self.parent_index(cur) {
            if out.contains(&p) {
                break; // validated taxonomies have no cycles; stay finite anyway
            }
            out.push(p);
            cur = p;
        }
        out
    }

    /// The top-level ancestor of a category (itself when it has no parent).
    pub fn root(&self, index: usize) -> usize {
        self.ancestors(index).last().copied().unwrap_or(index)
    }

    /// Depth of a category: 0 for a top-level one, 1 for its children.
    pub fn depth(&self, index: usize) -> usize {
        self.ancestors(index).len() - 1
    }

    /// True when some category has a parent.
    pub fn is_hierarchical(&self) -> bool {
        self.categories.iter().any(|c| c.parent.is_some())
    }

    /// Indices of the top-level categories.
    pub fn roots(&self) -> Vec<usize> {
        (0..self.categories.len()).filter(|&i| self.categories[i].parent.is_none()).collect()
    }

    /// Indices of the direct children of a category.
    pub fn children(&self, index: usize) -> Vec<usize> {
        let id = &self.categories[index].id;
        (0..self.categories.len()).filter(|&i| self.categories[i].parent.as_deref() == Some(id.as_str())).collect()
    }

    /// Distinct domain tags in order of first use.
    pub fn domains(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for d in self.categories.iter().filter_map(|c| c.domain.as_deref()) {
            if !out.contains(&d) {
                out.push(d);
            }
        }
        out
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// `toml`'s message, which already names line and column.
fn toml_problem(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {}", e.message())
        }
        None => e.message().to_string(),
    }
}

/// Line (1-based) where the `index`-th category starts, for error messages.
fn category_line(text: &str, format: Format, index: usize, id: &str) -> Option<usize> {
    match format {
        Format::Toml => text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with("[[categories]]"))
            .nth(index)
            .map(|(n, _)| n + 1),
        Format::Json => {
            let needle = format!("\"{id}\"");
            text.lines().position(|l| l.contains("\"id\"") && l.contains(&needle)).map(|n| n + 1)
        }
    }
}
