//! How much of a corpus carries each category: prevalence estimates with a
//! 90% interval, and decisions re-made with them as priors.
//!
//! Counting decisions (classify-and-count) is biased whenever a
//! classifier's errors do not cancel. Zero-shot, each category's document
//! score is read as a mixture of two kinds of documents: those that do not
//! carry it, whose score is distributed as on neutral reporting of the same
//! length and language (the taxonomy's background: a known component, kept
//! with each result in its [`DecisionBasis`]), and those that do, whose
//! distribution and share are fitted by EM over the corpus. The share is the
//! estimate; each document's posterior (its responsibility) is the
//! probability that it carries the category with the corpus's share as the
//! prior, and [`Prevalence::adapt`] decides with it. A head's scores are
//! probabilities already: their mean is the estimate (probabilistic
//! classify-and-count).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::{DocumentAnalysis, DocumentLabel};
use crate::basis::{DecisionBasis, Rule};
use crate::error::{Error, Result};
use crate::taxonomy::Taxonomy;

/// Fewer documents than this (in a category's domain) give the explicit
/// "not enough documents" estimate: the interval is all of [0, 1].
pub const MIN_DOCUMENTS: usize = 10;

/// The posterior a category needs to be chosen by [`Prevalence::adapt`].
pub const ADAPTED_CUT: f32 = 0.5;

/// One category's estimated share of the corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The estimated share of documents that carry it, in [0, 1].
    pub estimate: f64,
    /// Lower end of the 90% interval.
    pub low: f64,
    /// Upper end of the 90% interval.
    pub high: f64,
    /// The share of documents the classifier gave it (classify-and-count),
    /// for comparison.
    pub counted: f64,
    /// Set when the estimate cannot be trusted, e.g. `not enough documents`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Prevalence estimates for a corpus (`batch --summary` writes this as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prevalence {
    /// Documents the estimates are over.
    pub documents: usize,
    /// The taxonomy's fingerprint ([`crate::basis::fingerprint`]).
    pub taxonomy: String,
    /// Per label (the exact taxonomy label; two-level taxonomies: the
    /// narratives, the sub-narratives and the `other_label`).
    pub prevalence: BTreeMap<String, Estimate>,
    /// How the estimates were made.
    pub method: String,
    /// The same per language (ISO 639-3 code, `und` when undetected), when
    /// the corpus holds several.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_language: BTreeMap<String, Prevalence>,
}

/// The estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// The default, chosen on evidence (docs/accuracy.md): the share that
    /// carries any category at all (two-level taxonomies: one minus `Other`)
    /// from a mixture anchored on neutral text, fitted to each document's
    /// best top-level score; each category's own share counted. On FLICC,
    /// where every paragraph carries a narrative, the anchored share is off
    /// by 0.007 and counting by 0.498; per category, counting was closer
    /// than the anchored mixture (0.059 vs 0.099).
    Gate,
    /// Zero-shot: a two-component mixture per category whose negative
    /// component is known from neutral text; heads: probabilistic
    /// classify-and-count.
    Anchored,
    /// The share of documents given the label (the baseline).
    Count,
}

impl Method {
    fn describe(self, head: bool) -> &'static str {
        match (self, head) {
            (Method::Count, _) => {
                "classify-and-count: the share of documents given the label; 90% Wilson interval over documents"
            }
            (Method::Gate, false) => {
                "anchored gate: the share carrying any category from documents' best scores as a mixture of neutral reporting (known from the taxonomy's background, per length and language) and the rest (fitted by EM; 90% profile-likelihood interval, widened by the anchor's ±0.25 neutral sd); each category counted (90% Wilson interval)"
            }
            (Method::Gate | Method::Anchored, true) => {
                "probabilistic classify-and-count: the mean of the head's probabilities (normalised to sum to one per document for a taxonomy whose documents carry exactly one category); 90% normal interval"
            }
            (Method::Anchored, false) => {
                "anchored mixture: per category, documents' scores as a mixture of neutral reporting (known from the taxonomy's background, per length and language) and documents that carry it (fitted by EM); 90% profile-likelihood interval, widened by the anchor's ±0.25 neutral sd"
            }
        }
    }
}

/// One document as the estimator sees it.
struct Doc<'a> {
    analysis: &'a DocumentAnalysis,
    /// Document score per category, taxonomy order.
    scores: Vec<f32>,
    basis: Option<&'a DecisionBasis>,
}

/// A fitted binary mixture: share `pi`, positive component `N(mu, tau²)`,
/// negative `N(0, 1)`, on z-scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct Mixture {
    pi: f64,
    mu: f64,
    tau: f64,
}

fn normal(z: f64, mu: f64, sd: f64) -> f64 {
    let u = (z - mu) / sd;
    (-0.5 * u * u).exp() / (sd * (2.0 * std::f64::consts::PI).sqrt())
}

/// Smallest mean of the positive component, in neutral standard deviations:
/// a document that carries a category scores above what neutral text does.
const MIN_POSITIVE_MEAN: f64 = 1.0;

impl Mixture {
    fn posterior(&self, z: f64) -> f64 {
        let p = self.pi * normal(z, self.mu, self.tau);
        let n = (1.0 - self.pi) * normal(z, 0.0, 1.0);
        if p + n > 0.0 {
            p / (p + n)
        } else if z > self.mu {
            1.0
        } else {
            0.0
        }
    }

    fn log_likelihood(&self, zs: &[f64], pi: f64) -> f64 {
        zs.iter()
            .map(|&z| (pi * normal(z, self.mu, self.tau) + (1.0 - pi) * normal(z, 0.0, 1.0)).max(1e-300).ln())
            .sum()
    }

    /// EM over z-scores with the negative component fixed at `N(0, 1)`.
    fn fit(zs: &[f64]) -> Mixture {
        let mut m = Mixture { pi: 0.2, mu: MIN_POSITIVE_MEAN.max(quantile(zs, 0.9)), tau: 1.0 };
        for _ in 0..200 {
            let r: Vec<f64> = zs.iter().map(|&z| m.posterior(z)).collect();
            let total: f64 = r.iter().sum();
            let pi = (total / zs.len().max(1) as f64).clamp(0.0, 1.0);
            let (mu, tau) = if total > 1e-9 {
                let mu = r.iter().zip(zs).map(|(r, z)| r * z).sum::<f64>() / total;
                let var = r.iter().zip(zs).map(|(r, z)| r * (z - mu) * (z - mu)).sum::<f64>() / total;
                (mu.max(MIN_POSITIVE_MEAN), var.sqrt().clamp(0.5, 20.0))
            } else {
                (m.mu, m.tau)
            };
            let done = (pi - m.pi).abs() < 1e-6 && (mu - m.mu).abs() < 1e-6;
            m = Mixture { pi, mu, tau };
            if done {
                break;
            }
        }
        m
    }

    /// The 90% interval of the share: the profile-likelihood interval (every
    /// share whose log-likelihood is within 1.353, χ²₁ 90% / 2, of the best,
    /// the positive component held at its fit), widened by what is not
    /// known about the anchor. Neutral text places the negative component
    /// only to within [`ANCHOR_SHIFT`] of its standard deviation, so the
    /// mixture is refitted with that component moved by ±`ANCHOR_SHIFT` and
    /// the interval covers all three fits' intervals.
    fn interval(&self, zs: &[f64]) -> (f64, f64) {
        let (mut low, mut high) = self.profile(zs);
        for shift in [-ANCHOR_SHIFT, ANCHOR_SHIFT] {
            let moved: Vec<f64> = zs.iter().map(|z| z - shift).collect();
            let (l, h) = Mixture::fit(&moved).profile(&moved);
            low = low.min(l);
            high = high.max(h);
        }
        (low, high)
    }

    /// The profile-likelihood interval alone, with the anchor where it is.
    fn profile(&self, zs: &[f64]) -> (f64, f64) {
        let best = self.log_likelihood(zs, self.pi);
        let inside = |pi: f64| best - self.log_likelihood(zs, pi) <= 1.353;
        let grid: Vec<f64> = (0..=400).map(|i| f64::from(i) / 400.0).collect();
        let low = grid.iter().copied().find(|&p| inside(p)).unwrap_or(0.0).min(self.pi);
        let high = grid.iter().rev().copied().find(|&p| inside(p)).unwrap_or(1.0).max(self.pi);
        (low, high)
    }
}

/// How far, in standard deviations of neutral text, the negative
/// component's centre may be from where the taxonomy's background puts it.
/// Measured: the same stories scored on two CPUs (ONNX Runtime's int8
/// kernels on AVX2 and on AVX-512 VNNI) put the Global Voices gate scores
/// about 0.25 apart, and the estimate of the stories carrying a narrative
/// was 0.118 on one and 0.037 on the other, outside each other's profile interval
/// (docs/accuracy.md). A shift that small, from nothing in the corpus,
/// is the least the interval must take in.
const ANCHOR_SHIFT: f64 = 0.25;

fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[((s.len() - 1) as f64 * q).round() as usize]
}

/// What one group of documents (a language, or the whole corpus) teaches:
/// per category and for the gate, the fitted mixtures (zero-shot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Fitted {
    /// Per category: mixture (None without norms, a head, or too few docs).
    mixtures: Vec<Option<Mixture>>,
    gate: Option<Mixture>,
}

fn doc_of<'a>(taxonomy: &Taxonomy, a: &'a DocumentAnalysis) -> Doc<'a> {
    let mut scores = vec![0.0f32; taxonomy.categories.len()];
    for s in &a.document_scores {
        if let Some(c) = taxonomy.index_of_label(&s.label) {
            scores[c] = s.score;
        }
    }
    Doc { analysis: a, scores, basis: a.basis.as_ref() }
}

fn in_domain(taxonomy: &Taxonomy, c: usize, d: &Doc<'_>) -> bool {
    let cat = taxonomy.categories[c].domain.as_deref();
    // A document in neither domain covers no category of a domain.
    if d.analysis.domain_reason.is_some() {
        return cat.is_none();
    }
    cat.is_none() || d.analysis.domain.is_none() || cat == d.analysis.domain.as_deref()
}

/// z-score of category `c` in a document (needs its norms).
fn z_of(d: &Doc<'_>, c: usize) -> Option<f64> {
    let n = d.basis?.norms.as_ref()?;
    Some(f64::from((d.scores[c] - n.mean.get(c)?) / n.sd.get(c)?.max(crate::aggregate::MIN_SD)))
}

/// z-score of the document's best top-level category in its domain; `None`
/// for a document in neither domain (it carries no category: its best
/// in-domain score would be 0 and drag the gate's mixture apart).
fn gate_z(taxonomy: &Taxonomy, d: &Doc<'_>) -> Option<f64> {
    if d.analysis.domain_reason.is_some() {
        return None;
    }
    let n = d.basis?.norms.as_ref()?;
    let best = (0..taxonomy.categories.len())
        .filter(|&c| taxonomy.categories[c].parent.is_none() && in_domain(taxonomy, c, d))
        .map(|c| d.scores[c])
        .fold(0.0f32, f32::max);
    Some(f64::from((best - n.gate[0]) / n.gate[1].max(crate::aggregate::MIN_SD)))
}

fn is_head(docs: &[Doc<'_>]) -> bool {
    docs.iter().any(|d| d.basis.is_some_and(|b| b.rule == Rule::Head) || d.analysis.scorer.starts_with("head"))
}

fn fit(taxonomy: &Taxonomy, docs: &[Doc<'_>], method: Method) -> Fitted {
    let k = taxonomy.categories.len();
    if method == Method::Count || is_head(docs) {
        return Fitted { mixtures: vec![None; k], gate: None };
    }
    let mixtures = (0..k)
        .map(|c| {
            let zs: Vec<f64> = docs.iter().filter(|d| in_domain(taxonomy, c, d)).filter_map(|d| z_of(d, c)).collect();
            (zs.len() >= MIN_DOCUMENTS).then(|| Mixture::fit(&zs))
        })
        .collect();
    let gz: Vec<f64> = docs.iter().filter_map(|d| gate_z(taxonomy, d)).collect();
    let gate = (taxonomy.is_hierarchical() && gz.len() >= MIN_DOCUMENTS).then(|| Mixture::fit(&gz));
    Fitted { mixtures, gate }
}

/// What a document's probabilities are divided by before averaging: their
/// sum for a taxonomy whose documents carry exactly one category
/// (`min_labels = max_labels = 1`), else 1.
fn exclusive_total(taxonomy: &Taxonomy, d: &Doc<'_>) -> f64 {
    let exclusive = taxonomy.min_labels == Some(1) && taxonomy.max_labels == Some(1);
    let total: f64 = d.scores.iter().map(|&s| f64::from(s)).sum();
    if exclusive && total > 0.0 {
        total
    } else {
        1.0
    }
}

fn carries(a: &DocumentAnalysis, label: &str) -> bool {
    a.decided().any(|l| l.label == label)
}

fn not_enough(counted: f64) -> Estimate {
    Estimate { estimate: counted, low: 0.0, high: 1.0, counted, note: Some("not enough documents".into()) }
}

fn summarise(taxonomy: &Taxonomy, docs: &[Doc<'_>], method: Method, fingerprint: &str) -> Prevalence {
    let n = docs.len();
    let head = is_head(docs);
    let fitted = fit(taxonomy, docs, method);
    let count = |label: &str| docs.iter().filter(|d| carries(d.analysis, label)).count() as f64 / n.max(1) as f64;
    let mut prevalence = BTreeMap::new();
    for (c, cat) in taxonomy.categories.iter().enumerate() {
        let counted = count(&cat.label);
        let covered: Vec<&Doc<'_>> = docs.iter().filter(|d| in_domain(taxonomy, c, d)).collect();
        let share = covered.len() as f64 / n.max(1) as f64;
        let e = if n < MIN_DOCUMENTS {
            not_enough(counted)
        } else if method == Method::Count || (method == Method::Gate && !head) {
            let (low, high) = wilson(counted, n);
            Estimate { estimate: counted, low, high, counted, note: None }
        } else if head {
            // A document of an exclusive taxonomy carries exactly one
            // category: its probabilities are shares of one, normalised.
            let p: Vec<f64> = docs.iter().map(|d| f64::from(d.scores[c]) / exclusive_total(taxonomy, d)).collect();
            let (est, low, high) = mean_interval(&p);
            Estimate { estimate: est, low, high, counted, note: None }
        } else {
            match fitted.mixtures[c] {
                Some(m) => {
                    let zs: Vec<f64> = covered.iter().filter_map(|d| z_of(d, c)).collect();
                    let (low, high) = m.interval(&zs);
                    Estimate { estimate: m.pi * share, low: low * share, high: high * share, counted, note: None }
                }
                None => Estimate {
                    note: Some(if covered.len() < MIN_DOCUMENTS {
                        "not enough documents".into()
                    } else {
                        "no neutral-text norms in these results: counted".into()
                    }),
                    ..not_enough(counted)
                },
            }
        };
        prevalence.insert(cat.label.clone(), e);
    }
    if let Some(other) = &taxonomy.other_label {
        let counted = count(other);
        let e = match (&fitted.gate, n >= MIN_DOCUMENTS) {
            (Some(g), true) => {
                let zs: Vec<f64> = docs.iter().filter_map(|d| gate_z(taxonomy, d)).collect();
                let (low, high) = g.interval(&zs);
                // Documents in neither domain are `Other`: the gate covers the rest.
                let outside = docs.iter().filter(|d| d.analysis.domain_reason.is_some()).count();
                let share = (n - outside) as f64 / n as f64;
                Estimate {
                    estimate: 1.0 - g.pi * share,
                    low: 1.0 - high * share,
                    high: 1.0 - low * share,
                    counted,
                    note: None,
                }
            }
            (_, true) => {
                let (low, high) = wilson(counted, n);
                Estimate { estimate: counted, low, high, counted, note: None }
            }
            _ => not_enough(counted),
        };
        prevalence.insert(other.clone(), e);
    }
    Prevalence {
        documents: n,
        taxonomy: fingerprint.to_string(),
        prevalence,
        method: method.describe(head).to_string(),
        by_language: BTreeMap::new(),
    }
}

/// The 90% Wilson interval of a share counted over `n` documents (the
/// sampling of documents only: not the classifier's bias).
fn wilson(p: f64, n: usize) -> (f64, f64) {
    let (z, n) = (1.645f64, n.max(1) as f64);
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((centre - half).clamp(0.0, p), (centre + half).clamp(p, 1.0))
}

/// Mean and a 90% normal interval of probabilities, clipped to [0, 1].
fn mean_interval(p: &[f64]) -> (f64, f64, f64) {
    let n = p.len().max(1) as f64;
    let m = p.iter().sum::<f64>() / n;
    let var = p.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0).max(1.0);
    let half = 1.645 * (var / n).sqrt();
    (m, (m - half).max(0.0), (m + half).min(1.0))
}

/// The language a document's estimates are grouped under: the language its
/// thresholds were calibrated in, else the detected one, else `und`.
fn language_key(a: &DocumentAnalysis) -> String {
    a.calibration.clone().or_else(|| a.language.as_ref().map(|l| l.code.clone())).unwrap_or_else(|| "und".into())
}

/// Check that every document was scored with `taxonomy` (this version of it).
fn check(taxonomy: &Taxonomy, docs: &[DocumentAnalysis]) -> Result<String> {
    let fingerprint = crate::basis::fingerprint(taxonomy);
    if docs.is_empty() {
        return Err(Error::InvalidInput(
            "no classified documents to estimate prevalences from (none given, or every one failed)".into(),
        ));
    }
    for (i, d) in docs.iter().enumerate() {
        if d.taxonomy != taxonomy.name {
            return Err(Error::InvalidInput(format!(
                "document {} was classified with taxonomy `{}`, not `{}`: estimate one taxonomy at a time",
                i + 1,
                d.taxonomy,
                taxonomy.name
            )));
        }
        if let Some(b) = &d.basis {
            if b.taxonomy != fingerprint {
                return Err(Error::InvalidInput(format!(
                    "document {} was classified with another version of taxonomy `{}` ({}, this one is {})",
                    i + 1,
                    taxonomy.name,
                    b.taxonomy,
                    fingerprint
                )));
            }
            if b.scores.len() != taxonomy.categories.len() {
                return Err(Error::InvalidInput(format!(
                    "document {}: its basis holds {} categories, taxonomy `{}` has {}",
                    i + 1,
                    b.scores.len(),
                    taxonomy.name,
                    taxonomy.categories.len()
                )));
            }
        }
    }
    Ok(fingerprint)
}

impl Prevalence {
    /// Estimate every category's share of `docs` (all classified with
    /// `taxonomy`), with the default method ([`Method::Gate`]). Zero
    /// documents, or documents of another taxonomy or taxonomy version, are
    /// an error; fewer than [`MIN_DOCUMENTS`] give the explicit
    /// `not enough documents` estimate, whose interval is [0, 1].
    pub fn estimate(docs: &[DocumentAnalysis], taxonomy: &Taxonomy) -> Result<Prevalence> {
        Prevalence::estimate_with(docs, taxonomy, Method::Gate)
    }

    /// [`Prevalence::estimate`] with a chosen method.
    pub fn estimate_with(docs: &[DocumentAnalysis], taxonomy: &Taxonomy, method: Method) -> Result<Prevalence> {
        let fingerprint = check(taxonomy, docs)?;
        let all: Vec<Doc<'_>> = docs.iter().map(|a| doc_of(taxonomy, a)).collect();
        let mut out = summarise(taxonomy, &all, method, &fingerprint);
        let mut groups: BTreeMap<String, Vec<Doc<'_>>> = BTreeMap::new();
        for a in docs {
            groups.entry(language_key(a)).or_default().push(doc_of(taxonomy, a));
        }
        if groups.len() > 1 {
            out.by_language =
                groups.into_iter().map(|(l, ds)| (l, summarise(taxonomy, &ds, method, &fingerprint))).collect();
        }
        Ok(out)
    }

    /// Re-decide every document with the corpus's estimated prevalences as
    /// its priors: [`Adaptation::fit`] over `docs`, then
    /// [`Adaptation::apply`] to each (see there). Only the document scores
    /// and bases are read: no model is needed.
    pub fn adapt(docs: &mut [DocumentAnalysis], taxonomy: &Taxonomy) -> Result<()> {
        let adaptation = Adaptation::fit(docs, taxonomy)?;
        // `fit` has checked every document against the taxonomy.
        for d in docs.iter_mut() {
            adaptation.redecide(d, taxonomy);
        }
        Ok(())
    }
}

/// What re-deciding a corpus's documents with its estimated prevalences as
/// priors needs, fitted once over the corpus ([`Adaptation::fit`]) and then
/// applied to each document anywhere ([`Adaptation::apply`]): a Spark job
/// fits it on the driver and re-decides on the executors. It is a few
/// numbers per category and language, serialisable as JSON.
///
/// A document carries a narrative when its "carries any" posterior (the
/// gate mixture, anchored on neutral text) reaches [`ADAPTED_CUT`], and then
/// at least its best narrative; each category's posterior comes from its
/// anchored mixture (a head's probabilities are used as they are). Flat
/// taxonomies are refused ([`Adaptation::check_adaptable`]): no posterior
/// for frames or techniques was measured reliable (docs/accuracy.md).
///
/// Fitted per language when the corpus holds several; a document of a
/// language the fit did not see is re-decided with the pooled fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adaptation {
    /// The taxonomy's fingerprint ([`crate::basis::fingerprint`]).
    pub taxonomy: String,
    /// Documents the fit was over.
    pub documents: usize,
    pooled: Fitted,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    by_language: BTreeMap<String, Fitted>,
}

impl Adaptation {
    /// Fit the adaptation over `docs` (all classified with `taxonomy`).
    /// Zero documents, documents of another taxonomy or taxonomy version,
    /// and zero-shot results of a flat taxonomy are errors.
    pub fn fit(docs: &[DocumentAnalysis], taxonomy: &Taxonomy) -> Result<Adaptation> {
        Adaptation::check_adaptable(taxonomy)?;
        let fingerprint = check(taxonomy, docs)?;
        let all: Vec<Doc<'_>> = docs.iter().map(|a| doc_of(taxonomy, a)).collect();
        let pooled = fit(taxonomy, &all, Method::Anchored);
        let mut groups: BTreeMap<String, Vec<Doc<'_>>> = BTreeMap::new();
        for a in docs {
            groups.entry(language_key(a)).or_default().push(doc_of(taxonomy, a));
        }
        let by_language = if groups.len() > 1 {
            groups.iter().map(|(l, g)| (l.clone(), fit(taxonomy, g, Method::Anchored))).collect()
        } else {
            BTreeMap::new()
        };
        Ok(Adaptation { taxonomy: fingerprint, documents: docs.len(), pooled, by_language })
    }

    /// Whether results of `taxonomy` can be adapted: two-level taxonomies
    /// only; a flat one is refused with the reason.
    pub fn check_adaptable(taxonomy: &Taxonomy) -> Result<()> {
        if taxonomy.is_hierarchical() {
            return Ok(());
        }
        Err(Error::InvalidInput(format!(
            "adapting decisions to the corpus is measured to help two-level taxonomies only (whether a document carries a narrative at all); `{}` is flat: neither its zero-shot posteriors nor prior adjustment of a head's probabilities were reliable (docs/accuracy.md). Prevalence estimates (--summary) work for it",
            taxonomy.name
        )))
    }

    /// Re-decide `doc` with the fitted priors: labels' scores become the
    /// posteriors and its basis says [`Rule::Adapted`]. A document in
    /// neither domain keeps its `Other`. A document of another taxonomy or
    /// taxonomy version is an error.
    pub fn apply(&self, doc: &mut DocumentAnalysis, taxonomy: &Taxonomy) -> Result<()> {
        let fingerprint = check(taxonomy, std::slice::from_ref(doc))?;
        if fingerprint != self.taxonomy {
            return Err(Error::InvalidInput(format!(
                "the adaptation was fitted with taxonomy {}, not {}: fit and apply with the same one",
                self.taxonomy, fingerprint
            )));
        }
        self.redecide(doc, taxonomy);
        Ok(())
    }

    /// [`Adaptation::apply`] to a document already checked against `taxonomy`.
    fn redecide(&self, doc: &mut DocumentAnalysis, taxonomy: &Taxonomy) {
        if doc.domain_reason.is_some() {
            return;
        }
        let fitted = self.by_language.get(&language_key(doc)).unwrap_or(&self.pooled);
        let decision = adapted(taxonomy, &doc_of(taxonomy, doc), fitted);
        apply(taxonomy, doc, decision);
    }
}

/// A document's adapted decision.
struct Adapted {
    posterior: Vec<f32>,
    fine: Vec<usize>,
    coarse: Option<Vec<usize>>,
    added_catch_all: Vec<usize>,
}

fn adapted(taxonomy: &Taxonomy, d: &Doc<'_>, fitted: &Fitted) -> Adapted {
    let k = taxonomy.categories.len();
    let posterior: Vec<f32> = (0..k)
        .map(|c| {
            if !in_domain(taxonomy, c, d) {
                return 0.0;
            }
            match (fitted.mixtures[c], z_of(d, c)) {
                (Some(m), Some(z)) => m.posterior(z) as f32,
                _ => d.scores[c],
            }
        })
        .collect();
    let cuts = vec![ADAPTED_CUT; k];
    let max_labels = taxonomy.max_labels;
    if !taxonomy.is_hierarchical() {
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| posterior[b].total_cmp(&posterior[a]).then(a.cmp(&b)));
        let mut chosen: Vec<usize> = order.iter().copied().filter(|&c| posterior[c] >= ADAPTED_CUT).collect();
        // A taxonomy whose every document carries a category (min_labels)
        // gets its most probable one, never a forced count.
        if chosen.is_empty() && taxonomy.min_labels.unwrap_or(0) > 0 {
            chosen.extend(order.first());
        }
        chosen.truncate(max_labels.unwrap_or(usize::MAX));
        return Adapted { posterior, fine: chosen, coarse: None, added_catch_all: Vec::new() };
    }
    let carries = match (&fitted.gate, gate_z(taxonomy, d)) {
        (Some(g), Some(z)) => g.posterior(z) >= f64::from(ADAPTED_CUT),
        _ => d
            .analysis
            .coarse
            .as_ref()
            .is_some_and(|c| c.iter().any(|l| Some(&l.label) != taxonomy.other_label.as_ref())),
    };
    if !carries {
        return Adapted { posterior, fine: Vec::new(), coarse: Some(Vec::new()), added_catch_all: Vec::new() };
    }
    let mut h =
        crate::aggregate::hierarchical_decision(taxonomy, &posterior, d.analysis.domain.as_deref(), &cuts, max_labels);
    if h.coarse.is_empty() {
        // It carries one: its most probable narrative, with that one's catch-all child.
        let best = (0..k)
            .filter(|&c| taxonomy.categories[c].parent.is_none() && in_domain(taxonomy, c, d))
            .max_by(|&a, &b| posterior[a].total_cmp(&posterior[b]).then(b.cmp(&a)));
        let mut forced = cuts.clone();
        if let Some(b) = best {
            forced[b] = 0.0;
        }
        h = crate::aggregate::hierarchical_decision(
            taxonomy,
            &posterior,
            d.analysis.domain.as_deref(),
            &forced,
            max_labels,
        );
    }
    Adapted { posterior, fine: h.fine, coarse: Some(h.coarse), added_catch_all: h.added_catch_all }
}

fn apply(taxonomy: &Taxonomy, a: &mut DocumentAnalysis, d: Adapted) {
    let old: Vec<DocumentLabel> = a.decided().cloned().collect();
    let evidence_of = |c: usize| -> Vec<usize> {
        let label = &taxonomy.categories[c].label;
        if let Some(l) = old.iter().find(|l| &l.label == label) {
            return l.evidence.clone();
        }
        // Strongest sentence by its kept score for the label, if kept.
        let best = a
            .sentences
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.scores.get(label).map(|v| (i, v)))
            .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)));
        best.map(|(i, _)| vec![i]).unwrap_or_default()
    };
    let label_of = |c: usize, score_from: usize| DocumentLabel {
        label: taxonomy.categories[c].label.clone(),
        score: d.posterior[score_from],
        evidence: evidence_of(score_from),
    };
    let mut fine: Vec<DocumentLabel> = d
        .fine
        .iter()
        .map(|&c| {
            let from = if d.added_catch_all.contains(&c) { taxonomy.parent_index(c).unwrap_or(c) } else { c };
            label_of(c, from)
        })
        .collect();
    fine.sort_by(|x, y| crate::analysis::by_score((x.score, &x.label), (y.score, &y.label)));
    let coarse = d.coarse.map(|cs| {
        let mut v: Vec<DocumentLabel> = cs.iter().map(|&c| label_of(c, c)).collect();
        v.sort_by(|x, y| crate::analysis::by_score((x.score, &x.label), (y.score, &y.label)));
        v
    });
    let other = |best: f32| -> Vec<DocumentLabel> {
        taxonomy
            .other_label
            .iter()
            .map(|o| DocumentLabel { label: o.clone(), score: 1.0 - best, evidence: Vec::new() })
            .collect()
    };
    match coarse {
        Some(c) if c.is_empty() => {
            let best = (0..taxonomy.categories.len())
                .filter(|&i| taxonomy.categories[i].parent.is_none())
                .map(|i| d.posterior[i])
                .fold(0.0f32, f32::max);
            a.labels = other(best);
            a.coarse = Some(other(best));
        }
        c => {
            a.labels = fine;
            a.coarse = c;
        }
    }
    if let Some(b) = a.basis.as_mut() {
        b.rule = Rule::Adapted;
        b.labels = None;
        b.cuts = vec![ADAPTED_CUT; d.posterior.len()];
        b.scores = d.posterior;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic normal draws (Box–Muller over a small LCG).
    fn draws(n: usize, mu: f64, sd: f64, seed: u64) -> Vec<f64> {
        let mut s = seed;
        let mut u = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        (0..n).map(|_| mu + sd * (-2.0 * u().ln()).sqrt() * (2.0 * std::f64::consts::PI * u()).cos()).collect()
    }

    #[test]
    fn anchored_mixture_recovers_the_share_and_covers_it() {
        for (share, seed) in [(0.05, 1u64), (0.3, 2), (0.7, 3)] {
            let n = 2000;
            let pos = (n as f64 * share) as usize;
            let mut zs = draws(n - pos, 0.0, 1.0, seed);
            zs.extend(draws(pos, 3.0, 1.2, seed + 10));
            let m = Mixture::fit(&zs);
            let (low, high) = m.interval(&zs);
            assert!((m.pi - share).abs() < 0.04, "share {share}: {m:?}");
            // The interval takes in the anchor's ±0.25 (ANCHOR_SHIFT): wider
            // than sampling alone would make it, even for 2,000 documents.
            assert!(low <= share && share <= high && high - low < 0.25, "share {share}: [{low}, {high}]");
        }
    }

    #[test]
    fn mixture_of_nothing_but_neutral_text_is_near_zero() {
        let zs = draws(1000, 0.0, 1.0, 7);
        let m = Mixture::fit(&zs);
        let (low, _) = m.interval(&zs);
        assert!(m.pi < 0.05 && low == 0.0, "{m:?}");
    }
}
