//! A trained head: one logistic regression per category on sentence vectors,
//! learnt from document-level labels.
//!
//! Labels in the shared-task corpora were made per paragraph and merged per
//! document, so a document's label says "some part of this text carries it".
//! The head therefore learns on *units* that each carry their document's
//! labels: the document as a whole (the normalised mean of its sentence
//! vectors) and, when asked, its paragraphs. The taxonomy's exemplars and
//! descriptions join the training set as one-sentence units labelled with
//! their category (and its parent), and background sentences as units with
//! no label — the one gain above noise reported for narratives.
//!
//! The head is *residual* on zero-shot scoring: for category `c`,
//!
//! `logit = a_c · logit(zero_shot_c) + w_c · x + b_c`,
//!
//! with `a_c` starting at 1 and `w_c`, `b_c` at 0, and an L2 pull of `a_c`
//! towards 1 and of `w_c` towards 0. With few labelled documents it learns
//! little more than per-category calibration of the zero-shot scores; with
//! more it learns directions in embedding space the exemplars missed.
//!
//! At run time the same weights score each sentence (with its zero-shot
//! scores, for evidence) and the document (its mean vector with its pooled
//! zero-shot scores, for the document decision). Per-category
//! thresholds are chosen by k-fold cross-validation on the training
//! documents only.
//!
//! The head is saved as versioned JSON recording the taxonomy (name and
//! labels), the encoder it was trained on, and the training settings; loading
//! it with another encoder or taxonomy is an error.

use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::score::sigmoid;
use crate::taxonomy::Taxonomy;

/// File format tag and version.
pub const HEAD_FORMAT: &str = "framelens-head";
/// Current head file version.
pub const HEAD_VERSION: u32 = 1;

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
        }
    }
}

/// One training unit: a vector and the category indices it carries.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The unit's vector (a document's normalised mean, a sentence's, an exemplar's).
    pub vector: Array1<f32>,
    /// Zero-shot scores `[k]` of the unit.
    pub prior: Array1<f32>,
    /// Category indices it carries (none: a negative for every category).
    pub labels: Vec<usize>,
    /// Its weight in the loss (a training document's is 1).
    pub weight: f32,
    /// Index of the training document it comes from (`None` for exemplars).
    pub document: Option<usize>,
}

/// A trained head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Head {
    /// Always [`HEAD_FORMAT`].
    pub format: String,
    /// Always [`HEAD_VERSION`].
    pub version: u32,
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
    #[serde(skip)]
    path: Option<PathBuf>,
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
        self.weights.len() == k
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
    /// A file with one head per encoder ([`crate::heads::HeadSet`]) is an
    /// error here that says so; [`crate::heads::HeadSet::load`] reads both kinds.
    pub fn load(path: &Path) -> Result<Head> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let data = |line: Option<usize>, message: String| Error::Data { path: path.to_path_buf(), line, message };
        let head: Head = serde_json::from_str(&text).map_err(|e| {
            if crate::heads::is_head_set(&text) {
                return data(None, "it holds one head per encoder; load it with HeadSet::load".into());
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
        if head.version != HEAD_VERSION {
            return Err(data(
                None,
                format!("head version {} is not supported (this framelens reads version {HEAD_VERSION})", head.version),
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
pub fn logit(p: f32) -> f32 {
    let p = p.clamp(1e-4, 1.0 - 1e-4);
    (p / (1.0 - p)).ln()
}

/// Normalised mean of rows (zeros when empty or averaging to zero).
fn mean_vector(rows: ArrayView2<'_, f32>) -> Array1<f32> {
    crate::route::unit_mean(rows).unwrap_or_else(|| Array1::zeros(rows.ncols()))
}

/// Fit the weights on units (no thresholds).
/// Fitted parameters: embedding weights `[k, dim]`, zero-shot weights `[k]`, biases `[k]`.
struct Fitted {
    w: Array2<f32>,
    a: Array1<f32>,
    b: Array1<f32>,
}

impl Fitted {
    fn score(&self, vector: &Array1<f32>, prior: &Array1<f32>) -> Array1<f32> {
        let z = self.w.dot(vector) + &self.b;
        ndarray::Zip::from(&z).and(&self.a).and(prior).map_collect(|&z, &a, &p| sigmoid(z + a * logit(p)))
    }
}

fn fit(units: &[Unit], k: usize, dim: usize, config: &TrainConfig) -> Fitted {
    let n = units.len();
    let mut x = Array2::<f32>::zeros((n, dim));
    let mut lp = Array2::<f32>::zeros((n, k));
    let mut y = Array2::<f32>::zeros((n, k));
    let mut sw = Array1::<f32>::zeros(n);
    for (i, u) in units.iter().enumerate() {
        x.row_mut(i).assign(&u.vector);
        lp.row_mut(i).assign(&u.prior.mapv(logit));
        for &c in &u.labels {
            y[[i, c]] = 1.0;
        }
        sw[i] = u.weight;
    }
    // Positive weight per category: rare labels matter (square root of the imbalance).
    let total: f32 = sw.sum().max(1e-6);
    let pos_weight: Vec<f32> = (0..k)
        .map(|c| {
            let pos: f32 = (0..n).map(|i| y[[i, c]] * sw[i]).sum();
            if pos > 0.0 {
                ((total - pos) / pos).sqrt().clamp(1.0, 10.0)
            } else {
                1.0
            }
        })
        .collect();
    let mut w = Array2::<f32>::zeros((k, dim));
    let mut a = Array1::<f32>::ones(k);
    let mut b = Array1::<f32>::zeros(k);
    let (mut mw, mut vw) = (Array2::<f32>::zeros((k, dim)), Array2::<f32>::zeros((k, dim)));
    let (mut ma, mut va) = (Array1::<f32>::zeros(k), Array1::<f32>::zeros(k));
    let (mut mb, mut vb) = (Array1::<f32>::zeros(k), Array1::<f32>::zeros(k));
    let (beta1, beta2, eps) = (0.9f32, 0.999f32, 1e-8f32);
    let adam = |p: &mut f32, m: &mut f32, v: &mut f32, g: f32, c1: f32, c2: f32, lr: f32| {
        *m = beta1 * *m + (1.0 - beta1) * g;
        *v = beta2 * *v + (1.0 - beta2) * g * g;
        *p -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
    };
    let lr = config.learning_rate;
    for step in 1..=config.epochs {
        // z = X Wᵀ + b + a ⊙ logit(prior), then dL/dz with sample and positive weights.
        let mut z = x.dot(&w.t());
        for i in 0..n {
            for c in 0..k {
                let zi = z[[i, c]] + b[c] + a[c] * lp[[i, c]];
                let yi = y[[i, c]];
                let wgt = sw[i] * if yi > 0.5 { pos_weight[c] } else { 1.0 };
                z[[i, c]] = wgt * (sigmoid(zi) - yi) / total;
            }
        }
        let mut gw = z.t().dot(&x); // [k, dim]
        gw.scaled_add(config.l2, &w);
        let gb = z.sum_axis(Axis(0));
        let mut ga = (&z * &lp).sum_axis(Axis(0));
        ga.zip_mut_with(&a, |g, &a| *g += config.prior_l2 * (a - 1.0));
        let t = step as i32;
        let (c1, c2) = (1.0 - beta1.powi(t), 1.0 - beta2.powi(t));
        ndarray::Zip::from(&mut w)
            .and(&mut mw)
            .and(&mut vw)
            .and(&gw)
            .for_each(|p, m, v, &g| adam(p, m, v, g, c1, c2, lr));
        ndarray::Zip::from(&mut a)
            .and(&mut ma)
            .and(&mut va)
            .and(&ga)
            .for_each(|p, m, v, &g| adam(p, m, v, g, c1, c2, lr));
        ndarray::Zip::from(&mut b)
            .and(&mut mb)
            .and(&mut vb)
            .and(&gb)
            .for_each(|p, m, v, &g| adam(p, m, v, g, c1, c2, lr));
    }
    Fitted { w, a, b }
}

/// Training data for [`train`]: per document, its sentence vectors, their
/// zero-shot scores, paragraph row ranges, and label indices.
#[derive(Debug, Clone)]
pub struct TrainDocument {
    /// Sentence vectors `[sentences, dim]`.
    pub sentences: Array2<f32>,
    /// Zero-shot scores `[sentences, k]`.
    pub scores: Array2<f32>,
    /// Row ranges of `sentences` that make up each paragraph.
    pub paragraphs: Vec<std::ops::Range<usize>>,
    /// Category indices the document carries.
    pub labels: Vec<usize>,
}

/// [`crate::Classifier::training_documents`]: split each document as
/// `classify` splits it (with the rules of its language), embed its
/// sentences, and score them zero-shot.
pub(crate) fn training_documents(
    c: &crate::Classifier,
    docs: &[crate::data::LabelledDocument],
) -> Result<Vec<TrainDocument>> {
    let mut out = Vec::with_capacity(docs.len());
    for d in docs {
        let labels = d.label_indices(c.taxonomy())?;
        let (spans, _) = c.segmenter().split_detected(&d.text);
        let texts: Vec<&str> = spans.iter().map(|s| s.text(&d.text)).collect();
        let sentences = if texts.is_empty() { Array2::zeros((0, c.dim())) } else { c.embed(&texts)?.vectors };
        let scores = c.scorer().score(sentences.view());
        let paragraphs =
            crate::segment::Granularity::Paragraph.ranges(&d.text, &spans, c.segmenter().config().newline_breaks);
        out.push(TrainDocument { sentences, scores, paragraphs, labels });
    }
    Ok(out)
}

/// [`crate::Classifier::taxonomy_units`]: the classifier's member and
/// background vectors (embedded when it was built) as training units.
pub(crate) fn classifier_taxonomy_units(c: &crate::Classifier, weight: f32) -> Vec<Unit> {
    let members = crate::score::MemberTexts::of(c.taxonomy());
    let member_scores = c.scorer().member_scores_left_out();
    let background_scores = c.scorer().score(c.background_vectors());
    taxonomy_units(
        c.taxonomy(),
        &members.owner,
        (c.scorer().member_vectors(), member_scores.view()),
        (c.background_vectors(), background_scores.view()),
        weight,
    )
}

/// Extra units from the taxonomy: exemplars/descriptions with their category
/// and ancestors, background with none. `members`/`background` are the
/// vectors of [`crate::score::MemberTexts`] and of `taxonomy.background`,
/// with their zero-shot scores (members scored leave-one-out).
pub(crate) fn taxonomy_units(
    taxonomy: &Taxonomy,
    owners: &[usize],
    members: (ArrayView2<'_, f32>, ArrayView2<'_, f32>),
    background: (ArrayView2<'_, f32>, ArrayView2<'_, f32>),
    weight: f32,
) -> Vec<Unit> {
    let mut units = Vec::new();
    for (m, &owner) in owners.iter().enumerate() {
        let labels = taxonomy.ancestors(owner);
        units.push(Unit {
            vector: members.0.row(m).to_owned(),
            prior: members.1.row(m).to_owned(),
            labels,
            weight,
            document: None,
        });
    }
    for (row, prior) in background.0.axis_iter(Axis(0)).zip(background.1.axis_iter(Axis(0))) {
        units.push(Unit {
            vector: row.to_owned(),
            prior: prior.to_owned(),
            labels: Vec::new(),
            weight,
            document: None,
        });
    }
    units
}

fn pooled(scores: ArrayView2<'_, f32>, pooling: crate::pool::Pooling) -> Array1<f32> {
    Array1::from(crate::aggregate::document_scores(scores, pooling))
}

fn document_units(docs: &[TrainDocument], config: &TrainConfig) -> Vec<Unit> {
    let mut units = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        units.push(Unit {
            vector: mean_vector(doc.sentences.view()),
            prior: pooled(doc.scores.view(), config.pooling),
            labels: doc.labels.clone(),
            weight: 1.0,
            document: Some(d),
        });
        if config.paragraphs && doc.paragraphs.len() > 1 {
            let share = 1.0 / doc.paragraphs.len() as f32;
            for r in &doc.paragraphs {
                units.push(Unit {
                    vector: mean_vector(doc.sentences.slice(ndarray::s![r.clone(), ..])),
                    prior: pooled(doc.scores.slice(ndarray::s![r.clone(), ..]), config.pooling),
                    labels: doc.labels.clone(),
                    weight: share,
                    document: Some(d),
                });
            }
        }
    }
    units
}

/// Train a head on documents plus optional taxonomy units. `progress` is
/// called after each cross-validation fold and after the final fit.
///
/// Thresholds and the head-or-zero-shot choice per category are chosen on
/// out-of-fold scores of all the documents ([`train_held_out`] with every
/// document held out).
pub fn train(
    taxonomy: &Taxonomy,
    encoder: &str,
    docs: &[TrainDocument],
    extra: &[Unit],
    config: &TrainConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Head> {
    let all = vec![true; docs.len()];
    train_held_out(taxonomy, encoder, docs, extra, config, &all, progress).map(|(head, _)| head)
}

/// How a head did out of fold on the documents it was judged on (see
/// [`train_held_out`]); the scores are those of the head as trained, with
/// its chosen thresholds and its zero-shot fallbacks.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldOutReport {
    /// Documents the choices were made on.
    pub documents: usize,
    /// Micro-F1 over all categories at the chosen thresholds.
    pub micro_f1: f64,
    /// Macro-F1 over the categories that some of those documents carry.
    pub macro_f1: f64,
    /// Share of the documents with one label whose best-scored category is
    /// that label (`None` when no document has exactly one label).
    pub accuracy: Option<f64>,
    /// Categories that keep zero-shot scoring.
    pub zero_shot_categories: usize,
}

impl HeldOutReport {
    /// The one figure two heads are compared by: accuracy for an exclusive
    /// taxonomy (`max_labels = 1`, the decision is the best-scored category),
    /// micro-F1 otherwise.
    pub fn score(&self, taxonomy: &Taxonomy) -> f64 {
        match (taxonomy.max_labels, self.accuracy) {
            (Some(1), Some(a)) => a,
            _ => self.micro_f1,
        }
    }
}

/// [`train`], with thresholds and the head-or-zero-shot choice per category
/// made only on the documents marked in `held_out` (cross-fitting): each of
/// them is scored by a head fitted on the other documents of all folds and on
/// every document *not* held out, which is always in training. Use it when
/// the vectors of the other documents are optimistic, e.g. from an encoder
/// tuned on them (the `tune` module, with the `rust-bert` feature). The head
/// itself is fitted on all the documents. Also returns how it did out of
/// fold on the held-out documents.
pub fn train_held_out(
    taxonomy: &Taxonomy,
    encoder: &str,
    docs: &[TrainDocument],
    extra: &[Unit],
    config: &TrainConfig,
    held_out: &[bool],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(Head, HeldOutReport)> {
    let k = taxonomy.categories.len();
    if docs.is_empty() {
        return Err(Error::InvalidInput("no training documents".into()));
    }
    let dim = docs[0].sentences.ncols();
    // Mismatched shapes would panic deep in the fit: name the document or unit instead.
    for (d, doc) in docs.iter().enumerate() {
        let bad = if doc.sentences.ncols() != dim {
            Some(format!("has {}-dimensional vectors, the first document {dim}", doc.sentences.ncols()))
        } else if doc.scores.dim() != (doc.sentences.nrows(), k) {
            Some(format!("has zero-shot scores {:?}, expected {:?}", doc.scores.dim(), (doc.sentences.nrows(), k)))
        } else {
            doc.labels
                .iter()
                .find(|&&c| c >= k)
                .map(|c| format!("has label index {c}, the taxonomy has {k} categories"))
        };
        if let Some(why) = bad {
            return Err(Error::InvalidInput(format!("training document {d} {why}")));
        }
    }
    for (i, u) in extra.iter().enumerate() {
        if u.vector.len() != dim || u.prior.len() != k || u.labels.iter().any(|&c| c >= k) {
            return Err(Error::InvalidInput(format!(
                "extra training unit {i} does not fit: {} dimensions (expected {dim}), {} zero-shot scores (expected {k}), labels {:?}",
                u.vector.len(),
                u.prior.len(),
                u.labels
            )));
        }
    }
    if config.folds < 2
        || config.epochs == 0
        || !config.l2.is_finite()
        || config.l2 < 0.0
        || !config.learning_rate.is_finite()
        || config.learning_rate <= 0.0
    {
        return Err(Error::InvalidSetting {
            name: "train config",
            reason: "folds must be at least 2, epochs at least 1, l2 >= 0 and learning_rate > 0".into(),
        });
    }
    if held_out.len() != docs.len() {
        return Err(Error::InvalidInput(format!(
            "{} held-out marks for {} training documents",
            held_out.len(),
            docs.len()
        )));
    }
    // The held-out documents, in order; the j-th of them is in fold j % folds.
    let judged: Vec<usize> = (0..docs.len()).filter(|&d| held_out[d]).collect();
    if judged.len() < config.folds {
        return Err(Error::InvalidInput(format!(
            "{} held-out documents, fewer than the {} folds that choose thresholds on them",
            judged.len(),
            config.folds
        )));
    }
    let mut fold_of: Vec<Option<usize>> = vec![None; docs.len()];
    for (j, &d) in judged.iter().enumerate() {
        fold_of[d] = Some(j % config.folds);
    }
    let steps = config.folds + 1;
    let doc_units = document_units(docs, config);
    let extra: Vec<Unit> = if config.use_exemplars { extra.to_vec() } else { Vec::new() };

    // Out-of-fold scores of the held-out documents for thresholds, and the
    // zero-shot scores they are compared with (row j: the j-th held-out document).
    let row_of: std::collections::HashMap<usize, usize> = judged.iter().enumerate().map(|(j, &d)| (d, j)).collect();
    let mut oof = Array2::<f32>::zeros((judged.len(), k));
    let mut zero_shot = Array2::<f32>::zeros((judged.len(), k));
    for u in &doc_units {
        if let Some(j) = u.document.filter(|_| u.weight >= 1.0).and_then(|d| row_of.get(&d)) {
            zero_shot.row_mut(*j).assign(&u.prior);
        }
    }
    for fold in 0..config.folds {
        let in_fold = |d: usize| fold_of[d] == Some(fold);
        let train_units: Vec<Unit> =
            doc_units.iter().filter(|u| u.document.is_some_and(|d| !in_fold(d))).chain(&extra).cloned().collect();
        let fitted = fit(&train_units, k, dim, config);
        for u in doc_units.iter().filter(|u| u.document.is_some_and(in_fold)) {
            if let Some(j) = u.document.filter(|_| u.weight >= 1.0).and_then(|d| row_of.get(&d)) {
                oof.row_mut(*j).assign(&fitted.score(&u.vector, &u.prior));
            }
        }
        progress(fold + 1, steps);
    }
    let gold: Vec<Vec<usize>> = judged.iter().map(|&d| docs[d].labels.clone()).collect();
    let (thresholds, use_zero_shot) = choose_scorers(taxonomy, &oof, &zero_shot, &gold, config);
    let report = held_out_report(&oof, &zero_shot, &gold, &thresholds, &use_zero_shot);

    let all: Vec<Unit> = doc_units.iter().chain(&extra).cloned().collect();
    let fitted = fit(&all, k, dim, config);
    progress(steps, steps);
    let head = Head {
        format: HEAD_FORMAT.into(),
        version: HEAD_VERSION,
        taxonomy: taxonomy.name.clone(),
        labels: taxonomy.labels().map(str::to_string).collect(),
        encoder: encoder.to_string(),
        dim,
        config: config.clone(),
        documents: docs.len(),
        units: all.len(),
        weights: fitted.w.axis_iter(Axis(0)).map(|r| r.to_vec()).collect(),
        prior_weight: fitted.a.to_vec(),
        bias: fitted.b.to_vec(),
        thresholds,
        zero_shot: use_zero_shot,
        path: None,
    };
    Ok((head, report))
}

/// Per category, the threshold and whether zero-shot scoring replaces the
/// head, from out-of-fold head scores `oof` and zero-shot scores of the same
/// documents: whichever scorer has the better F1 at its own threshold; on a
/// tie the one with fewer errors (false positives plus false negatives); on
/// a tie of both, zero-shot for a category with fewer positive documents than
/// `config.min_positives_for_threshold` (a head that shows nothing on a
/// handful of examples has not learnt the category: typically a
/// sub-narrative) and the head otherwise.
fn choose_scorers(
    taxonomy: &Taxonomy,
    oof: &Array2<f32>,
    zero_shot: &Array2<f32>,
    gold: &[Vec<usize>],
    config: &TrainConfig,
) -> (Vec<f32>, Vec<bool>) {
    let k = taxonomy.categories.len();
    let levels: Vec<usize> = (0..k).map(|c| taxonomy.depth(c)).collect();
    let head_thresholds = choose_thresholds(oof, gold, &levels, config.min_positives_for_threshold);
    let zero_shot_thresholds = choose_thresholds(zero_shot, gold, &levels, config.min_positives_for_threshold);
    let use_zero_shot: Vec<bool> = (0..k)
        .map(|c| {
            let positives = gold.iter().filter(|g| g.contains(&c)).count();
            zero_shot_wins(
                counts(zero_shot, gold, c, zero_shot_thresholds[c]),
                counts(oof, gold, c, head_thresholds[c]),
                positives < config.min_positives_for_threshold,
            )
        })
        .collect();
    let thresholds =
        (0..k).map(|c| if use_zero_shot[c] { zero_shot_thresholds[c] } else { head_thresholds[c] }).collect();
    (thresholds, use_zero_shot)
}

/// Whether zero-shot (its out-of-fold counts `zero_shot`) beats the head
/// (`head`) on a category: better F1, else fewer errors, else `few_examples`.
fn zero_shot_wins(zero_shot: (f32, f32, f32), head: (f32, f32, f32), few_examples: bool) -> bool {
    let (fz, fh) = (f1(zero_shot), f1(head));
    if fz != fh {
        return fz > fh;
    }
    let (ez, eh) = (zero_shot.1 + zero_shot.2, head.1 + head.2);
    if ez != eh {
        return ez < eh;
    }
    few_examples
}

/// [`HeldOutReport`] of out-of-fold scores with the chosen thresholds and fallbacks.
fn held_out_report(
    oof: &Array2<f32>,
    zero_shot: &Array2<f32>,
    gold: &[Vec<usize>],
    thresholds: &[f32],
    use_zero_shot: &[bool],
) -> HeldOutReport {
    let k = thresholds.len();
    let mut scores = oof.clone();
    for c in (0..k).filter(|&c| use_zero_shot[c]) {
        scores.column_mut(c).assign(&zero_shot.column(c));
    }
    let per: Vec<(f32, f32, f32)> = (0..k).map(|c| counts(&scores, gold, c, thresholds[c])).collect();
    let sum = per.iter().fold((0.0, 0.0, 0.0), |s, x| (s.0 + x.0, s.1 + x.1, s.2 + x.2));
    let carried: Vec<f64> =
        (0..k).filter(|&c| gold.iter().any(|g| g.contains(&c))).map(|c| f64::from(f1(per[c]))).collect();
    let single: Vec<usize> = (0..gold.len()).filter(|&d| gold[d].len() == 1).collect();
    let accuracy = (!single.is_empty()).then(|| {
        let right = single
            .iter()
            .filter(|&&d| {
                let best = scores.row(d).iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(c, _)| c);
                best == Some(gold[d][0])
            })
            .count();
        right as f64 / single.len() as f64
    });
    HeldOutReport {
        documents: gold.len(),
        micro_f1: f64::from(f1(sum)),
        macro_f1: if carried.is_empty() { 0.0 } else { carried.iter().sum::<f64>() / carried.len() as f64 },
        accuracy,
        zero_shot_categories: use_zero_shot.iter().filter(|&&z| z).count(),
    }
}

/// True positives, false positives and false negatives of category `c` on
/// document scores at threshold `t`.
fn counts(scores: &Array2<f32>, gold: &[Vec<usize>], c: usize, t: f32) -> (f32, f32, f32) {
    let (mut tp, mut fp, mut fn_) = (0.0f32, 0.0f32, 0.0f32);
    for (d, g) in gold.iter().enumerate() {
        match (scores[[d, c]] >= t, g.contains(&c)) {
            (true, true) => tp += 1.0,
            (true, false) => fp += 1.0,
            (false, true) => fn_ += 1.0,
            _ => {}
        }
    }
    (tp, fp, fn_)
}

fn f1((tp, fp, fn_): (f32, f32, f32)) -> f32 {
    if tp == 0.0 {
        0.0
    } else {
        2.0 * tp / (2.0 * tp + fp + fn_)
    }
}

/// F1 of category `c` on document scores at threshold `t`.
fn f1_at(scores: &Array2<f32>, gold: &[Vec<usize>], c: usize, t: f32) -> f32 {
    f1(counts(scores, gold, c, t))
}

/// Per-category threshold maximising F1 on out-of-fold scores; categories
/// with too few positives share the threshold that maximises micro-F1 over
/// their group (the categories of the same level).
pub fn choose_thresholds(
    scores: &Array2<f32>,
    gold: &[Vec<usize>],
    groups: &[usize],
    min_positives: usize,
) -> Vec<f32> {
    let k = scores.ncols();
    let grid: Vec<f32> = (1..20).map(|i| i as f32 * 0.05).collect();
    let group_threshold = |group: usize| {
        let members: Vec<usize> = (0..k).filter(|&c| groups[c] == group).collect();
        let micro = |t: f32| {
            f1(members
                .iter()
                .map(|&c| counts(scores, gold, c, t))
                .fold((0.0, 0.0, 0.0), |s, x| (s.0 + x.0, s.1 + x.1, s.2 + x.2)))
        };
        grid.iter().copied().max_by(|&a, &b| micro(a).total_cmp(&micro(b)).then(b.total_cmp(&a))).unwrap_or(0.5)
    };
    let globals: std::collections::HashMap<usize, f32> = groups.iter().map(|&g| (g, group_threshold(g))).collect();
    (0..k)
        .map(|c| {
            let global = globals.get(&groups[c]).copied().unwrap_or(0.5);
            let positives = gold.iter().filter(|g| g.contains(&c)).count();
            if positives < min_positives {
                return global;
            }
            grid.iter()
                .copied()
                .max_by(|&a, &b| {
                    let (fa, fb) = (f1_at(scores, gold, c, a), f1_at(scores, gold, c, b));
                    fa.total_cmp(&fb).then((a - global).abs().total_cmp(&(b - global).abs()).reverse())
                })
                .unwrap_or(global)
        })
        .collect()
}
