//! Training from a few labels: a calibration of the zero-shot scores
//! ([`crate::head::HeadKind::Calibration`]), and the choice between it, a full head and
//! zero-shot by out-of-fold score on the user's labels.
//!
//! With 20–50 labelled documents a full head (a weight per vector dimension
//! and category) has far more to learn than the labels can teach; a
//! one-feature logistic regression per category on the logit of its own
//! zero-shot document score has two numbers to learn, keeps zero-shot's
//! ranking, and turns its scores into probabilities (measured on 433 real
//! articles: 40 labels, micro-F1 0.63 against 0.60 for a head on the same
//! 40; see `../shared/METHOD-NOTES.md`). [`train_choosing`] trains what it is
//! asked for, measures each out of fold (leave-one-out for the calibration
//! up to 100 documents, the head's folds for the head) against zero-shot's
//! own decisions on the same documents, and keeps a trained kind only if it
//! beats zero-shot there.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::head::{self, logit, Head, HeadKind, TrainConfig};
use crate::taxonomy::Taxonomy;

use super::held_out::{held_out_report, train_held_out, HeldOutReport};
use super::rates::{prevalence, rates};
use super::thresholds::counts;
use super::{TrainDocument, Unit};

/// What `train` is asked to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KindChoice {
    /// Whichever of a calibration and a full head scores better out of fold,
    /// and neither unless it beats zero-shot there.
    Auto,
    /// A calibration of the zero-shot scores ([`HeadKind::Calibration`]).
    Calibration,
    /// A full head on the vectors ([`HeadKind::Residual`]).
    Head,
}

impl std::str::FromStr for KindChoice {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(KindChoice::Auto),
            "calibration" => Ok(KindChoice::Calibration),
            "head" => Ok(KindChoice::Head),
            other => {
                Err(Error::InvalidSetting { name: "kind", reason: format!("`{other}`: use auto, calibration or head") })
            }
        }
    }
}

/// What [`train_choosing`] kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Chosen {
    /// No trained kind beat zero-shot out of fold: keep classifying zero-shot.
    ZeroShot,
    /// A calibration head.
    Calibration,
    /// A full head.
    Head,
}

impl Chosen {
    /// `zero-shot`, `calibration` or `head`.
    pub fn name(self) -> &'static str {
        match self {
            Chosen::ZeroShot => "zero-shot",
            Chosen::Calibration => "calibration",
            Chosen::Head => "head",
        }
    }
}

/// How each candidate did out of fold on the labelled documents, and which
/// one was kept. Figures are [`HeldOutReport`]s: compare them with
/// [`HeldOutReport::score`] (accuracy for an exclusive taxonomy, micro-F1
/// otherwise).
#[derive(Debug, Clone, PartialEq)]
pub struct KindReport {
    /// What was asked.
    pub asked: KindChoice,
    /// What was kept.
    pub chosen: Chosen,
    /// Zero-shot's own decisions on the labelled documents (nothing is
    /// fitted, so they are out of fold as they stand).
    pub zero_shot: HeldOutReport,
    /// The calibration, out of fold (when it was trained).
    pub calibration: Option<HeldOutReport>,
    /// The full head, out of fold (when it was trained).
    pub head: Option<HeldOutReport>,
}

/// Zero-shot document scores `[n, k]` of training documents, pooled as `pooling`.
fn document_scores(docs: &[TrainDocument], k: usize, pooling: crate::pool::Pooling) -> Array2<f32> {
    let mut out = Array2::<f32>::zeros((docs.len(), k));
    for (d, doc) in docs.iter().enumerate() {
        if doc.scores.nrows() > 0 {
            out.row_mut(d)
                .assign(&ndarray::Array1::from(crate::aggregate::document_scores(doc.scores.view(), pooling)));
        }
    }
    out
}

/// Figures of fixed decisions (category index lists per document) against
/// `gold`, as [`HeldOutReport`] gives them for scores: micro- and macro-F1,
/// and for documents with one gold label, the share whose decision holds it.
pub fn decisions_report(k: usize, decisions: &[Vec<usize>], gold: &[Vec<usize>]) -> HeldOutReport {
    let per: Vec<(f64, f64, f64)> = (0..k)
        .map(|c| {
            let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
            for (d, g) in decisions.iter().zip(gold) {
                match (d.contains(&c), g.contains(&c)) {
                    (true, true) => tp += 1.0,
                    (true, false) => fp += 1.0,
                    (false, true) => fn_ += 1.0,
                    _ => {}
                }
            }
            (tp, fp, fn_)
        })
        .collect();
    let f1 = |(tp, fp, fn_): (f64, f64, f64)| if tp == 0.0 { 0.0 } else { 2.0 * tp / (2.0 * tp + fp + fn_) };
    let sum = per.iter().fold((0.0, 0.0, 0.0), |s, x| (s.0 + x.0, s.1 + x.1, s.2 + x.2));
    let carried: Vec<f64> = (0..k).filter(|&c| gold.iter().any(|g| g.contains(&c))).map(|c| f1(per[c])).collect();
    let single: Vec<usize> = (0..gold.len()).filter(|&d| gold[d].len() == 1).collect();
    let accuracy = (!single.is_empty())
        .then(|| single.iter().filter(|&&d| decisions[d].contains(&gold[d][0])).count() as f64 / single.len() as f64);
    HeldOutReport {
        documents: gold.len(),
        micro_f1: f1(sum),
        macro_f1: if carried.is_empty() { 0.0 } else { carried.iter().sum::<f64>() / carried.len() as f64 },
        accuracy,
        zero_shot_categories: k,
    }
}

/// Slope and intercept of `sigmoid(a · x + b)` fitted on logits `x` and
/// outcomes `y`, with an L2 pull `l2` on the slope of the standardised
/// feature. A slope that comes out zero or negative (the score does not
/// rank the category on these documents), a constant feature, or a class
/// missing gives the prior alone: `a = 0`, `b` the smoothed log-odds of the
/// share of positives.
fn fit_category(x: &[f64], y: &[bool], l2: f64) -> (f32, f32) {
    let n = x.len() as f64;
    let pos = y.iter().filter(|&&v| v).count() as f64;
    let prior = (((pos + 0.5) / (n + 1.0)) as f32).clamp(1e-4, 1.0 - 1e-4);
    let prior_only = (0.0f32, (prior / (1.0 - prior)).ln());
    if pos == 0.0 || pos == n {
        return prior_only;
    }
    let mean = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    if sd < 1e-6 {
        return prior_only;
    }
    let z: Vec<Vec<f64>> = x.iter().map(|v| vec![(v - mean) / sd]).collect();
    let t: Vec<f64> = y.iter().map(|&v| f64::from(u8::from(v))).collect();
    let w = crate::fit::fit_logistic(&z, &t, l2);
    if !(w[0] > 0.0 && w[0].is_finite() && w[1].is_finite()) {
        return prior_only;
    }
    ((w[0] / sd) as f32, (w[1] - w[0] * mean / sd) as f32)
}

/// Slope and intercept of `sigmoid(a · x + b)` on logits `x` and outcomes
/// `y`, pulled towards `(a0, b0)` with weight `l2` (Newton's method on two
/// parameters; the pull keeps it defined without positives or negatives).
/// A negative slope is cut to zero (the score cannot rank against it).
fn fit_towards(x: &[f64], y: &[bool], (a0, b0): (f64, f64), l2: f64) -> (f64, f64) {
    let (mut a, mut b) = (a0, b0);
    for _ in 0..50 {
        let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (l2 * (a - a0), l2 * (b - b0), l2, 0.0, l2);
        for (&xi, &yi) in x.iter().zip(y) {
            let mu = 1.0 / (1.0 + (-(a * xi + b)).exp());
            let r = mu - f64::from(u8::from(yi));
            let s = (mu * (1.0 - mu)).max(1e-9);
            ga += r * xi;
            gb += r;
            haa += s * xi * xi;
            hab += s * xi;
            hbb += s;
        }
        let det = haa * hbb - hab * hab;
        if det.abs() < 1e-12 || !det.is_finite() {
            break;
        }
        let (da, db) = ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det);
        a -= da;
        b -= db;
        if da.abs().max(db.abs()) < 1e-9 {
            break;
        }
    }
    if a < 0.0 || !a.is_finite() || !b.is_finite() {
        return (0.0, b0.max(-20.0));
    }
    (a, b)
}

/// Check the training documents' shapes against the taxonomy.
fn check_documents(k: usize, docs: &[TrainDocument]) -> Result<()> {
    if docs.is_empty() {
        return Err(Error::InvalidInput("no training documents".into()));
    }
    for (d, doc) in docs.iter().enumerate() {
        if doc.scores.ncols() != k && doc.scores.nrows() > 0 {
            return Err(Error::InvalidInput(format!(
                "training document {d} has zero-shot scores for {} categories, the taxonomy has {k}",
                doc.scores.ncols()
            )));
        }
        if let Some(c) = doc.labels.iter().find(|&&c| c >= k) {
            return Err(Error::InvalidInput(format!(
                "training document {d} has label index {c}, the taxonomy has {k} categories"
            )));
        }
    }
    Ok(())
}

/// Which categories get a calibration of their own: at least
/// `config.min_positives_for_threshold` of the `n` training documents carry
/// them and as many do not (`prevalence`: the share that carries each).
/// The others use their level's shared calibration.
pub fn own_fit(config: &TrainConfig, n: usize, prevalence: &[f32]) -> Vec<bool> {
    let least = config.min_positives_for_threshold.max(1);
    prevalence
        .iter()
        .map(|&p| {
            let pos = (f64::from(p) * n as f64).round() as usize;
            pos >= least && n.saturating_sub(pos) >= least
        })
        .collect()
}

/// Train a calibration head ([`HeadKind::Calibration`]) on labelled
/// documents' zero-shot scores, and report how it did out of fold.
///
/// Per category, `sigmoid(a · logit(score) + b)` on its pooled zero-shot
/// document score: with at least `config.min_positives_for_threshold`
/// documents that carry it and as many that do not ([`own_fit`]), its own
/// one-feature logistic regression (L2 `config.calibration_l2` on the
/// standardised slope; a slope that comes out negative leaves the labelled
/// prior alone); otherwise the regression shared by the categories of its
/// level (one fit over every category and document of the level), so that
/// every score is a probability and a category nobody labelled is scored by
/// what its level's labels say about the zero-shot scale. Probabilities are
/// judged out of fold (leave-one-out up to 100 documents, else
/// `config.folds` folds); the categories of one level share one cut, the
/// one with the best out-of-fold micro-F1 over them.
pub fn train_calibration(
    taxonomy: &Taxonomy,
    encoder: &str,
    dim: usize,
    docs: &[TrainDocument],
    config: &TrainConfig,
) -> Result<(Head, HeldOutReport)> {
    let k = taxonomy.categories.len();
    check_documents(k, docs)?;
    if !config.calibration_l2.is_finite() || config.calibration_l2 < 0.0 {
        return Err(Error::InvalidSetting { name: "calibration_l2", reason: "must be a number >= 0".into() });
    }
    let n = docs.len();
    let l2 = f64::from(config.calibration_l2);
    let zero_shot = document_scores(docs, k, config.pooling);
    let x: Array2<f64> = zero_shot.mapv(|p| f64::from(logit(p)));
    let gold: Vec<Vec<usize>> = docs.iter().map(|d| d.labels.clone()).collect();
    let carries = |c: usize, d: usize| gold[d].contains(&c);
    let levels: Vec<usize> = (0..k).map(|c| taxonomy.depth(c)).collect();
    let own = own_fit(config, n, &prevalence(k, gold.iter().map(Vec::as_slice)));
    // Per category (slope, intercept) fitted on the documents `train`: the
    // level's shared fit, replaced by the category's own where it has one.
    let fit_on = |train: &[usize]| -> Vec<(f32, f32)> {
        let mut out = vec![(1.0f32, 0.0f32); k];
        for level in levels.iter().copied().collect::<std::collections::BTreeSet<_>>() {
            let members: Vec<usize> = (0..k).filter(|&c| levels[c] == level).collect();
            let (mut xs, mut ys) = (Vec::new(), Vec::new());
            for &c in &members {
                for &d in train {
                    xs.push(x[[d, c]]);
                    ys.push(carries(c, d));
                }
            }
            let (a, b) = fit_towards(&xs, &ys, (1.0, 0.0), 1e-3);
            for &c in &members {
                out[c] = (a as f32, b as f32);
            }
        }
        for c in (0..k).filter(|&c| own[c]) {
            let xs: Vec<f64> = train.iter().map(|&d| x[[d, c]]).collect();
            let ys: Vec<bool> = train.iter().map(|&d| carries(c, d)).collect();
            out[c] = fit_category(&xs, &ys, l2);
        }
        out
    };
    let folds = if n <= 100 { n } else { config.folds.max(2) };
    let mut oof = zero_shot.clone();
    for fold in 0..folds.min(n) {
        let train: Vec<usize> = (0..n).filter(|d| d % folds != fold).collect();
        let params = fit_on(&train);
        for d in (0..n).filter(|d| d % folds == fold) {
            for c in 0..k {
                oof[[d, c]] = crate::head::calibrate(zero_shot[[d, c]], params[c].0, params[c].1);
            }
        }
    }
    // Cuts: one per level, the best for the level's micro-F1 out of fold.
    let grid: Vec<f32> = (1..20).map(|i| i as f32 * 0.05).collect();
    let mut thresholds = vec![0.5f32; k];
    for level in levels.iter().copied().collect::<std::collections::BTreeSet<_>>() {
        let members: Vec<usize> = (0..k).filter(|&c| levels[c] == level).collect();
        let micro = |t: f32| {
            let s = members
                .iter()
                .map(|&c| counts(&oof, &gold, c, t))
                .fold((0.0f32, 0.0f32, 0.0f32), |s, x| (s.0 + x.0, s.1 + x.1, s.2 + x.2));
            if s.0 == 0.0 {
                0.0
            } else {
                2.0 * s.0 / (2.0 * s.0 + s.1 + s.2)
            }
        };
        let cut =
            grid.iter().copied().max_by(|&a, &b| micro(a).total_cmp(&micro(b)).then(b.total_cmp(&a))).unwrap_or(0.5);
        for &c in &members {
            thresholds[c] = cut;
        }
    }
    let use_zero_shot = vec![false; k];
    let report = held_out_report(&oof, &zero_shot, &gold, &thresholds, &use_zero_shot);
    let (true_positive_rate, false_positive_rate) = rates(taxonomy, &oof, &gold, &thresholds);
    let all: Vec<usize> = (0..n).collect();
    let (slope, intercept): (Vec<f32>, Vec<f32>) = fit_on(&all).into_iter().unzip();
    let head = Head {
        format: head::HEAD_FORMAT.into(),
        version: head::HEAD_VERSION,
        taxonomy: taxonomy.name.clone(),
        labels: taxonomy.labels().map(str::to_string).collect(),
        encoder: encoder.to_string(),
        dim,
        config: config.clone(),
        documents: n,
        units: n,
        weights: Vec::new(),
        prior_weight: slope,
        bias: intercept,
        thresholds,
        zero_shot: use_zero_shot,
        kind: HeadKind::Calibration,
        prevalence: prevalence(k, gold.iter().map(Vec::as_slice)),
        true_positive_rate,
        false_positive_rate,
        path: None,
    };
    Ok((head, report))
}

/// What [`train_choosing`] trained, and how each did.
#[derive(Debug, Clone)]
pub struct Trained {
    /// The figures out of fold and the choice.
    pub report: KindReport,
    /// The calibration head, when it was trained.
    pub calibration: Option<Head>,
    /// The full head, when it was trained.
    pub head: Option<Head>,
    /// The better of the trained kinds out of fold ([`Chosen::Calibration`]
    /// on a tie), whatever zero-shot did.
    pub better: Chosen,
}

impl Trained {
    /// The head to classify with: `None` when zero-shot was kept.
    pub fn chosen(&self) -> Option<&Head> {
        match self.report.chosen {
            Chosen::ZeroShot => None,
            Chosen::Calibration => self.calibration.as_ref(),
            Chosen::Head => self.head.as_ref(),
        }
    }

    /// The better trained kind out of fold (a calibration on a tie), even
    /// where zero-shot was kept.
    pub fn best(self) -> Option<Head> {
        match self.better {
            Chosen::Head => self.head,
            _ => self.calibration,
        }
    }
}

/// Train what `asked` says on labelled documents and judge it out of fold
/// against zero-shot, whose own decisions on the same documents are
/// `zero_shot_decisions` (category indices, e.g. from classifying them
/// without a head). [`KindChoice::Auto`] trains both kinds and keeps the
/// better one out of fold (a calibration on a tie), or zero-shot when
/// neither beats it there (a tie keeps zero-shot); a forced kind is kept
/// whatever its figure.
#[allow(clippy::too_many_arguments)]
pub fn train_choosing(
    taxonomy: &Taxonomy,
    encoder: &str,
    docs: &[TrainDocument],
    extra: &[Unit],
    config: &TrainConfig,
    asked: KindChoice,
    zero_shot_decisions: &[Vec<usize>],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Trained> {
    let k = taxonomy.categories.len();
    check_documents(k, docs)?;
    if zero_shot_decisions.len() != docs.len() {
        return Err(Error::InvalidInput(format!(
            "{} zero-shot decisions for {} training documents",
            zero_shot_decisions.len(),
            docs.len()
        )));
    }
    let dim = docs.iter().map(|d| d.sentences.ncols()).max().unwrap_or(0);
    let gold: Vec<Vec<usize>> = docs.iter().map(|d| d.labels.clone()).collect();
    let zero_shot = decisions_report(k, zero_shot_decisions, &gold);
    let calibration = match asked {
        KindChoice::Head => None,
        _ => Some(train_calibration(taxonomy, encoder, dim, docs, config)?),
    };
    let full = match asked {
        KindChoice::Calibration => None,
        // Thresholds, fallbacks and the report out of fold on every document.
        _ => Some(train_held_out(taxonomy, encoder, docs, extra, config, &vec![true; docs.len()], progress)?),
    };
    let score = |r: &HeldOutReport| r.score(taxonomy);
    let (calibration, calibration_report) = calibration.map_or((None, None), |(h, r)| (Some(h), Some(r)));
    let (full, head_report) = full.map_or((None, None), |(h, r)| (Some(h), Some(r)));
    let (best_score, best) = match (&calibration_report, &head_report) {
        (Some(c), Some(h)) if score(h) > score(c) + 1e-9 => (score(h), Chosen::Head),
        (Some(c), _) => (score(c), Chosen::Calibration),
        (None, Some(h)) => (score(h), Chosen::Head),
        (None, None) => return Err(Error::InvalidInput("nothing to train".into())),
    };
    let chosen =
        if asked == KindChoice::Auto && best_score <= score(&zero_shot) + 1e-9 { Chosen::ZeroShot } else { best };
    let report = KindReport { asked, chosen, zero_shot, calibration: calibration_report, head: head_report };
    Ok(Trained { report, calibration, head: full, better: best })
}

/// Zero-shot decisions (category indices, both levels) of `classifier` on
/// labelled documents: what [`train_choosing`] must beat. A text the
/// classifier refuses (nothing to classify) gets no label.
pub fn zero_shot_decisions(classifier: &crate::Classifier, docs: &[&crate::data::LabelledDocument]) -> Vec<Vec<usize>> {
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let taxonomy = classifier.taxonomy();
    classifier
        .classify_batch(&texts)
        .into_iter()
        .map(|a| match a {
            Err(_) => Vec::new(),
            Ok(a) => a
                .decided()
                .filter_map(|l| taxonomy.index_of_label(&l.label))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
        })
        .collect()
}
