//! A trained head: one logistic regression per category on sentence
//! vectors, applied at run time. Training lives in the `train` module; this
//! module holds what classification needs: the head, the set of heads (one
//! per encoder), their file formats, loading and applying.
//!
//! The head is *residual* on zero-shot scoring: for category `c`,
//!
//! `logit = a_c · logit(zero_shot_c) + w_c · x + b_c`.
//!
//! At run time the same weights score each sentence (with its zero-shot
//! scores, for evidence) and the document (its mean vector with its pooled
//! zero-shot scores, for the document decision).
//!
//! A second kind, the calibration head ([`HeadKind::Calibration`], made by
//! `train --kind calibration` or chosen by `--kind auto` from 20–50 labels),
//! keeps only `a_c` and `b_c`: a probability from each category's own
//! zero-shot score.
//!
//! The head is saved as versioned JSON recording the taxonomy (name and
//! labels), the encoder it was trained on, and the training settings; loading
//! it with another encoder or taxonomy is an error.

mod calibrated;
mod set;

use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::score::sigmoid;
use crate::taxonomy::Taxonomy;

pub(crate) use calibrated::calibrate;
pub use calibrated::HeadKind;
pub use set::{HeadSet, HEADS_FORMAT, HEADS_VERSION};

/// File format tag and version.
pub const HEAD_FORMAT: &str = "framelens-head";
/// Current head file version: 2 since calibration heads
/// ([`HeadKind::Calibration`]), which are written as version 2 so that an
/// older framelens refuses them by their version; full heads are still
/// written as version 1, which every framelens reads.
pub const HEAD_VERSION: u32 = 2;
/// The version a full head ([`HeadKind::Residual`]) is written as.
pub const RESIDUAL_HEAD_VERSION: u32 = 1;

/// Training settings, recorded in the head file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// L2 penalty on the weights.
    pub l2: f32,
    /// Gradient steps (full batch, Adam).
    pub epochs: usize,
    /// Adam step size.
    pub learning_rate: f32,
    /// Folds for choosing thresholds.
    pub folds: usize,
    /// Use the taxonomy's exemplars, descriptions and background as extra units.
    pub use_exemplars: bool,
    /// Weight of one exemplar unit relative to one document unit.
    pub exemplar_weight: f32,
    /// Also train on each paragraph ([`crate::Granularity::Paragraph`]: a line, or a blank-line
    /// separated block for hard-wrapped text) with its document's labels.
    pub paragraphs: bool,
    /// Fewest positive training documents for a category's own threshold;
    /// below it the category uses the global threshold.
    pub min_positives_for_threshold: usize,
    /// L2 pull of the zero-shot weight towards 1.
    pub prior_l2: f32,
    /// How sentence zero-shot scores are pooled into a document's.
    pub pooling: crate::pool::Pooling,
    /// L2 pull on the slope of a calibration head's standardised zero-shot
    /// logit (`crate::train::calibrate`; 1.0 is scikit-learn's `C = 1`).
    pub calibration_l2: f32,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            l2: 1e-3,
            epochs: 300,
            learning_rate: 0.05,
            folds: 5,
            use_exemplars: true,
            exemplar_weight: 0.5,
            paragraphs: false,
            min_positives_for_threshold: 3,
            prior_l2: 1e-2,
            pooling: crate::pool::Pooling::TopK(3),
            calibration_l2: 1.0,
        }
    }
}

/// A trained head, made by `train` or loaded from its file. The file's tag
/// and version (`format`, `version`) are checked on loading and not public.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Head {
    /// Always [`HEAD_FORMAT`].
    pub(crate) format: String,
    /// Always [`HEAD_VERSION`].
    pub(crate) version: u32,
    /// Name of the taxonomy it was trained for.
    pub taxonomy: String,
    /// That taxonomy's labels, in category order.
    pub labels: Vec<String>,
    /// Encoder the vectors came from, e.g. `onnx:all-MiniLM-L6-v2-int8`.
    pub encoder: String,
    /// Dimension of those vectors.
    pub dim: usize,
    /// The settings it was trained with.
    pub config: TrainConfig,
    /// Training documents used.
    pub documents: usize,
    /// Training units used (documents, paragraphs, exemplars).
    pub units: usize,
    /// `[categories][dim]`.
    pub weights: Vec<Vec<f32>>,
    /// Weight of each category's zero-shot logit.
    pub prior_weight: Vec<f32>,
    /// Each category's intercept.
    pub bias: Vec<f32>,
    /// Per-category document thresholds.
    pub thresholds: Vec<f32>,
    /// Categories for which cross-validation on the training documents found
    /// zero-shot scoring better than the head: the head passes their
    /// zero-shot scores through unchanged, so training never makes them worse.
    #[serde(default)]
    pub zero_shot: Vec<bool>,
    /// What it computes: a full head on the vectors (the default, and every
    /// head file written before calibration heads) or a calibration of the
    /// zero-shot scores alone (`weights` empty; see [`HeadKind`]).
    #[serde(default)]
    pub kind: HeadKind,
    /// Share of the training documents that carry each category (the
    /// labelled prior; empty in files written before it was recorded).
    #[serde(default)]
    pub prevalence: Vec<f32>,
    /// Out of fold on the training documents, with the head's thresholds
    /// (the best-scored category for an exclusive taxonomy): the share of
    /// the documents that carry a category that were given it (`None`: no
    /// training document carries it). With [`Head::false_positive_rate`],
    /// what adjusted counting needs.
    #[serde(default)]
    pub true_positive_rate: Vec<Option<f32>>,
    /// Out of fold, the share of the documents that do not carry a category
    /// that were given it (`None`: every training document carries it).
    #[serde(default)]
    pub false_positive_rate: Vec<Option<f32>>,
    #[serde(skip)]
    pub(crate) path: Option<PathBuf>,
}

impl Head {
    /// Weights as a matrix `[k, dim]`.
    fn matrix(&self) -> Array2<f32> {
        let k = self.weights.len();
        let flat: Vec<f32> = self.weights.iter().flatten().copied().collect();
        Array2::from_shape_vec((k, self.dim), flat).unwrap_or_else(|_| Array2::zeros((k, self.dim)))
    }

    /// Scores `[n, k]` of unit vectors `x` `[n, dim]` with their zero-shot scores `prior` `[n, k]`.
    pub fn score(&self, x: ArrayView2<'_, f32>, prior: ArrayView2<'_, f32>) -> Array2<f32> {
        if self.kind == HeadKind::Calibration {
            return calibrated::score(self, prior);
        }
        let mut z = x.dot(&self.matrix().t());
        for (mut row, p) in z.axis_iter_mut(Axis(0)).zip(prior.axis_iter(Axis(0))) {
            for (c, v) in row.iter_mut().enumerate() {
                *v = if self.zero_shot.get(c).copied().unwrap_or(false) {
                    p[c]
                } else {
                    sigmoid(*v + self.prior_weight[c] * logit(p[c]) + self.bias[c])
                };
            }
        }
        z
    }

    /// Document scores `[k]`: the head applied to the normalised mean of the
    /// sentence vectors (`mean`, zero for a document without one) and the
    /// document's pooled zero-shot scores.
    pub fn score_document(&self, mean: ndarray::ArrayView1<'_, f32>, prior: &[f32]) -> Vec<f32> {
        let prior = ndarray::ArrayView1::from(prior);
        self.score(mean.insert_axis(Axis(0)), prior.insert_axis(Axis(0))).row(0).to_vec()
    }

    /// Name used in results: `head:<file name>` or `head`.
    pub fn name(&self) -> String {
        match &self.path {
            Some(p) => format!("head:{}", p.file_name().map(|f| f.to_string_lossy()).unwrap_or_default()),
            None => "head".into(),
        }
    }

    /// The file it was loaded from, if any.
    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Check that the head fits this taxonomy and encoder.
    pub fn check_fits(&self, taxonomy: &Taxonomy, encoder: &str, dim: usize) -> Result<()> {
        let path = self.path.clone().unwrap_or_else(|| PathBuf::from("<head>"));
        let mismatch = |reason: String| Error::HeadMismatch { path: path.clone(), reason };
        if self.taxonomy != taxonomy.name {
            return Err(mismatch(format!("trained for taxonomy `{}`, used with `{}`", self.taxonomy, taxonomy.name)));
        }
        let labels: Vec<&str> = taxonomy.labels().collect();
        if self.labels.iter().map(String::as_str).collect::<Vec<_>>() != labels {
            return Err(mismatch(format!(
                "its labels differ from taxonomy `{}` (edited since training?)",
                taxonomy.name
            )));
        }
        if self.encoder != encoder {
            return Err(mismatch(format!("trained on encoder `{}`, used with `{encoder}`", self.encoder)));
        }
        if self.dim != dim {
            return Err(mismatch(format!("expects {}-dimensional vectors, the encoder gives {dim}", self.dim)));
        }
        // A head built in code (its fields are public) is checked like a loaded one.
        if !self.shapes_fit() {
            return Err(mismatch(format!(
                "weights, bias, prior weights and thresholds must have one entry per label ({}) and weights {} columns",
                self.labels.len(),
                self.dim
            )));
        }
        Ok(())
    }

    /// One weight row, bias, prior weight and threshold per label, and rows of `dim` weights.
    fn shapes_fit(&self) -> bool {
        let k = self.labels.len();
        let per_label = |n: usize| n == 0 || n == k;
        per_label(self.prevalence.len())
            && per_label(self.true_positive_rate.len())
            && per_label(self.false_positive_rate.len())
            && (self.weights.len() == k || (self.kind == HeadKind::Calibration && self.weights.is_empty()))
            && self.bias.len() == k
            && self.prior_weight.len() == k
            && self.thresholds.len() == k
            && (self.zero_shot.is_empty() || self.zero_shot.len() == k)
            && self.weights.iter().all(|w| w.len() == self.dim)
    }

    /// Save as JSON.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string(self)?;
        std::fs::write(path, text).map_err(|e| Error::io(path, e))
    }

    /// Load and check the format; use [`Head::check_fits`] (the builder does) before use.
    ///
    /// A file with one head per encoder ([`HeadSet`]) is an error here that
    /// says so; [`HeadSet::load`] reads both kinds.
    pub fn load(path: &Path) -> Result<Head> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let data = |line: Option<usize>, message: String| Error::Data { path: path.to_path_buf(), line, message };
        let head: Head = serde_json::from_str(&text).map_err(|e| {
            if set::is_head_set(&text) {
                return data(
                    None,
                    "it holds one head per encoder (a head set); load it as a head set, which reads both kinds".into(),
                );
            }
            data(Some(e.line()), format!("not a framelens head: {e}"))
        })?;
        head.checked(path)
    }

    /// Check a deserialised head's format, version and shapes, and remember
    /// the file it came from (its [`Head::name`]).
    pub(crate) fn checked(self, path: &Path) -> Result<Head> {
        let data = |line: Option<usize>, message: String| Error::Data { path: path.to_path_buf(), line, message };
        let mut head = self;
        if head.format != HEAD_FORMAT {
            return Err(data(None, format!("field `format` is `{}`, expected `{HEAD_FORMAT}`", head.format)));
        }
        if head.version == 0 || head.version > HEAD_VERSION {
            return Err(data(
                None,
                format!("head version {} is not supported (this framelens reads version {HEAD_VERSION})", head.version),
            ));
        }
        if head.kind == HeadKind::Calibration && head.version < 2 {
            return Err(data(
                None,
                format!("a calibration head is version 2 or later, this file says {}", head.version),
            ));
        }
        if !head.shapes_fit() {
            return Err(data(None, "weights, bias, thresholds and labels do not have matching sizes".into()));
        }
        head.path = Some(path.to_path_buf());
        Ok(head)
    }
}

/// Log-odds of a probability, clamped away from 0 and 1.
pub(crate) fn logit(p: f32) -> f32 {
    let p = p.clamp(1e-4, 1.0 - 1e-4);
    (p / (1.0 - p)).ln()
}
