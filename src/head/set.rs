//! A [`HeadSet`]: one [`Head`] per encoder, for a classifier that routes
//! documents in other languages to a second encoder (see `docs/languages.md`;
//! `train::train_routed` trains one from a multilingual corpus).
//! The classifier applies to each document the head of the encoder that read it.
//!
//! A [`HeadSet`] is saved as one JSON file:
//!
//! ```text
//! {"format": "framelens-heads", "version": 1, "heads": [{…head…}, {…head…}]}
//! ```
//!
//! each element a head as [`Head::save`] writes it, keyed by its `encoder`
//! field. A set of one head is saved in the single-head format of
//! [`Head::save`], so a head trained on an English-only corpus is the same
//! file as before, and [`HeadSet::load`] reads both kinds.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

use super::Head;

/// File format tag of a file holding several heads.
pub const HEADS_FORMAT: &str = "framelens-heads";
/// Current version of that format.
pub const HEADS_VERSION: u32 = 1;

/// One head per encoder, all for the same taxonomy.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadSet {
    heads: Vec<Head>,
}

/// The wire form of a file holding several heads (read side).
#[derive(Deserialize)]
struct HeadsFile {
    version: u32,
    heads: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct FormatOnly {
    #[serde(default)]
    format: Option<String>,
}

/// Whether `text` is a JSON object whose `format` is [`HEADS_FORMAT`].
pub(crate) fn is_head_set(text: &str) -> bool {
    serde_json::from_str::<FormatOnly>(text).is_ok_and(|f| f.format.as_deref() == Some(HEADS_FORMAT))
}

impl HeadSet {
    /// A set of heads: at least one, each for another encoder, all for the
    /// same taxonomy and labels.
    pub fn new(heads: Vec<Head>) -> Result<Self> {
        let problem = |reason: String| Error::InvalidSetting { name: "heads", reason };
        let Some(first) = heads.first() else {
            return Err(problem("a head set needs at least one head".into()));
        };
        for (i, h) in heads.iter().enumerate() {
            if h.taxonomy != first.taxonomy || h.labels != first.labels {
                return Err(problem(format!(
                    "the head for `{}` is for taxonomy `{}`, the head for `{}` for `{}` (or their labels differ); \
                     every head of a set serves the same taxonomy",
                    h.encoder, h.taxonomy, first.encoder, first.taxonomy
                )));
            }
            if heads[..i].iter().any(|o| o.encoder == h.encoder) {
                return Err(problem(format!("two heads for encoder `{}`; a set holds one per encoder", h.encoder)));
            }
        }
        Ok(HeadSet { heads })
    }

    /// A set of one head (what a single-head file holds).
    pub fn single(head: Head) -> Self {
        HeadSet { heads: vec![head] }
    }

    /// The heads, in the order they were given (the main encoder's first
    /// when `train::train_routed` made them).
    pub fn heads(&self) -> &[Head] {
        &self.heads
    }

    /// The head for an encoder (its name, e.g. `onnx:multilingual-e5-small-q4`).
    pub fn get(&self, encoder: &str) -> Option<&Head> {
        self.heads.iter().find(|h| h.encoder == encoder)
    }

    /// The encoders the set holds a head for.
    pub fn encoders(&self) -> Vec<&str> {
        self.heads.iter().map(|h| h.encoder.as_str()).collect()
    }

    /// Number of heads (at least 1).
    pub fn len(&self) -> usize {
        self.heads.len()
    }

    /// Always false: a set holds at least one head.
    pub fn is_empty(&self) -> bool {
        self.heads.is_empty()
    }

    /// The name of the taxonomy the heads serve.
    pub fn taxonomy(&self) -> &str {
        self.heads.first().map_or("", |h| h.taxonomy.as_str())
    }

    /// Save as JSON: one head in [`Head::save`]'s format, several in the
    /// format of this module.
    pub fn save(&self, path: &Path) -> Result<()> {
        if let [one] = self.heads.as_slice() {
            return one.save(path);
        }
        #[derive(Serialize)]
        struct Out<'a> {
            format: &'a str,
            version: u32,
            heads: &'a [Head],
        }
        let text = serde_json::to_string(&Out { format: HEADS_FORMAT, version: HEADS_VERSION, heads: &self.heads })?;
        std::fs::write(path, text).map_err(|e| Error::io(path, e))
    }

    /// Load a head file of either kind: a single head ([`Head::load`]) or
    /// one head per encoder. Each head is checked as [`Head::load`] checks
    /// it; [`crate::ClassifierBuilder::heads`] checks that they fit.
    pub fn load(path: &Path) -> Result<HeadSet> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        if !is_head_set(&text) {
            return Head::load(path).map(HeadSet::single);
        }
        let data = |line: Option<usize>, message: String| Error::Data { path: path.to_path_buf(), line, message };
        let file: HeadsFile =
            serde_json::from_str(&text).map_err(|e| data(Some(e.line()), format!("not a framelens head set: {e}")))?;
        if file.version != HEADS_VERSION {
            return Err(data(
                None,
                format!(
                    "head set version {} is not supported (this framelens reads version {HEADS_VERSION})",
                    file.version
                ),
            ));
        }
        let mut heads = Vec::with_capacity(file.heads.len());
        for (i, value) in file.heads.into_iter().enumerate() {
            let head: Head =
                serde_json::from_value(value).map_err(|e| data(None, format!("`heads[{i}]` is not a head: {e}")))?;
            heads.push(head.checked(path).map_err(|e| match e {
                Error::Data { message, .. } => data(None, format!("`heads[{i}]`: {message}")),
                other => other,
            })?);
        }
        HeadSet::new(heads).map_err(|e| data(None, e.to_string()))
    }
}
