//! Score: sentence vectors → a probability-like score per category.
//!
//! Zero-shot scoring compares a sentence with each category's *members*
//! (its description and exemplars; a parent's members include its
//! children's). The raw similarity mixes the cosine to the members' centroid
//! (robust) with the mean of the two closest members (specific):
//!
//! `raw_c = ½·cos(x, centroid_c) + ½·mean(top-2 cos(x, member))`.
//!
//! Raw cosines are not comparable across encoders or taxonomies, so they are
//! mapped to [0, 1] by a logistic function of two features, `raw_c` and the
//! gap `raw_c − max_{k≠c} raw_k` among categories of the same level:
//!
//! `score = σ(w₁·raw + w₂·gap + b)`.
//!
//! The weights are fitted when the classifier is built, on labelled sentences
//! the taxonomy already holds: each exemplar, scored leave-one-out (as if it
//! were not among the members), is a positive for its category and ancestors
//! and a negative for the rest; each background sentence is a negative for all.
//! A score of 0.7 thus reads "sentences that score like this were exemplars of
//! this category about 70% of the time", with the taxonomy's own mix of
//! categories and neutral sentences as the base rate. The held-out check of
//! that reading is `tests/calibration.rs`.

use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::taxonomy::Taxonomy;

/// Logistic map from (raw, gap) to [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Weight of the raw similarity.
    pub w_raw: f32,
    /// Weight of the gap to the best other category.
    pub w_gap: f32,
    /// Intercept.
    pub bias: f32,
}

impl Calibration {
    /// Apply to one (raw, gap) pair.
    pub fn apply(&self, raw: f32, gap: f32) -> f32 {
        sigmoid(self.w_raw * raw + self.w_gap * gap + self.bias)
    }
}

pub(crate) fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// Sentences whose member cosines [`ZeroShot::raw`] holds at once.
const RAW_CHUNK: usize = 1024;

/// Zero-shot scorer built from a taxonomy's descriptions and exemplars.
#[derive(Debug, Clone)]
pub struct ZeroShot {
    /// Every member vector (descriptions and exemplars), `[m, dim]`.
    members: Array2<f32>,
    /// Member indices of each category (a parent includes its children's).
    member_of: Vec<Vec<usize>>,
    /// Sum of each category's member vectors (for leave-one-out centroids).
    sums: Array2<f32>,
    /// Depth of each category: 0 for top level.
    level: Vec<usize>,
    calibration: Calibration,
}

/// Texts to embed for a taxonomy, and which category owns each.
#[derive(Debug, Clone)]
pub struct MemberTexts {
    /// Description and exemplar texts, in order.
    pub texts: Vec<String>,
    /// Category owning each text (its own, not inherited).
    pub owner: Vec<usize>,
    /// Whether each text is an exemplar (false: a description).
    pub is_exemplar: Vec<bool>,
}

impl MemberTexts {
    /// Collect the member texts of a taxonomy.
    pub fn of(taxonomy: &Taxonomy) -> Self {
        let mut out = MemberTexts { texts: Vec::new(), owner: Vec::new(), is_exemplar: Vec::new() };
        for (c, cat) in taxonomy.categories.iter().enumerate() {
            if !cat.description.trim().is_empty() {
                out.texts.push(cat.description.clone());
                out.owner.push(c);
                out.is_exemplar.push(false);
            }
            for e in &cat.exemplars {
                out.texts.push(e.clone());
                out.owner.push(c);
                out.is_exemplar.push(true);
            }
        }
        out
    }
}

impl ZeroShot {
    /// Build from member vectors (see [`MemberTexts`]) and background vectors,
    /// fitting the calibration.
    pub fn new(
        taxonomy: &Taxonomy,
        members_text: &MemberTexts,
        members: Array2<f32>,
        background: ArrayView2<'_, f32>,
    ) -> Self {
        let mut scorer = Self::with_calibration(taxonomy, members_text, members, None);
        scorer.calibration = scorer.fit_calibration(taxonomy, members_text, background);
        scorer
    }

    /// Build with a calibration fitted before (the classifier caches it with
    /// the vectors it was fitted on); `None` leaves the starting values.
    pub(crate) fn with_calibration(
        taxonomy: &Taxonomy,
        members_text: &MemberTexts,
        members: Array2<f32>,
        calibration: Option<Calibration>,
    ) -> Self {
        let k = taxonomy.categories.len();
        let mut member_of = vec![Vec::new(); k];
        for (m, &owner) in members_text.owner.iter().enumerate() {
            for c in taxonomy.ancestors(owner) {
                member_of[c].push(m);
            }
        }
        let dim = members.ncols();
        let mut sums = Array2::<f32>::zeros((k, dim));
        for (c, ms) in member_of.iter().enumerate() {
            for &m in ms {
                let mut row = sums.row_mut(c);
                row += &members.row(m);
            }
        }
        let level = (0..k).map(|c| taxonomy.ancestors(c).len() - 1).collect();
        ZeroShot {
            members,
            member_of,
            sums,
            level,
            calibration: calibration.unwrap_or(Calibration { w_raw: 10.0, w_gap: 10.0, bias: -5.0 }),
        }
    }

    /// The member vectors `[m, dim]`, in [`MemberTexts`] order.
    pub(crate) fn member_vectors(&self) -> ArrayView2<'_, f32> {
        self.members.view()
    }

    /// The fitted calibration.
    pub fn calibration(&self) -> Calibration {
        self.calibration
    }

    /// Raw similarities `[n, k]`; `exclude[i]` is a member index left out for row `i`.
    ///
    /// The sentence-to-member cosines are computed [`RAW_CHUNK`] rows at a
    /// time, so memory stays at `RAW_CHUNK × members` however long the text.
    pub fn raw(&self, x: ArrayView2<'_, f32>, exclude: Option<&[Option<usize>]>) -> Array2<f32> {
        let k = self.member_of.len();
        let mut raw = Array2::<f32>::zeros((x.nrows(), k));
        for start in (0..x.nrows()).step_by(RAW_CHUNK) {
            let end = (start + RAW_CHUNK).min(x.nrows());
            let rows = x.slice(ndarray::s![start..end, ..]);
            let sims = rows.dot(&self.members.t()); // [chunk, m]
            let dots = rows.dot(&self.sums.t()); // [chunk, k]
            for i in 0..end - start {
                let ex = exclude.and_then(|e| e[start + i]);
                let srow = sims.row(i);
                for c in 0..k {
                    raw[[start + i, c]] = self.raw_one(srow, dots[[i, c]], c, ex, rows.row(i));
                }
            }
        }
        raw
    }

    fn raw_one(
        &self,
        sims: ArrayView1<'_, f32>,
        dot_sum: f32,
        c: usize,
        exclude: Option<usize>,
        x: ArrayView1<'_, f32>,
    ) -> f32 {
        let members = &self.member_of[c];
        let excluded = exclude.filter(|m| members.contains(m));
        let (mut top1, mut top2) = (f32::NEG_INFINITY, f32::NEG_INFINITY);
        for &m in members {
            if Some(m) == excluded {
                continue;
            }
            let s = sims[m];
            if s > top1 {
                top2 = top1;
                top1 = s;
            } else if s > top2 {
                top2 = s;
            }
        }
        if top1 == f32::NEG_INFINITY {
            return 0.0;
        }
        let near = if top2 == f32::NEG_INFINITY { top1 } else { 0.5 * (top1 + top2) };
        // Centroid cosine; with a member excluded, remove it from the sum.
        let (dot, norm_sq) = match excluded {
            Some(m) => {
                let v = self.members.row(m);
                let s = self.sums.row(c);
                (dot_sum - x.dot(&v), s.dot(&s) - 2.0 * s.dot(&v) + v.dot(&v))
            }
            None => {
                let s = self.sums.row(c);
                (dot_sum, s.dot(&s))
            }
        };
        let centroid = if norm_sq > 1e-12 { dot / norm_sq.sqrt() } else { 0.0 };
        0.5 * centroid + 0.5 * near
    }

    /// Gap of each raw score to the best other category of the same level,
    /// from each level's best and second-best score: O(categories) per row.
    fn gaps(&self, raw: ArrayView2<'_, f32>) -> Array2<f32> {
        let k = raw.ncols();
        let levels = self.level.iter().copied().max().map_or(0, |l| l + 1);
        let mut gaps = Array2::<f32>::zeros(raw.dim());
        // Per level: (best score, its category, second-best score).
        let mut top = vec![(f32::NEG_INFINITY, usize::MAX, f32::NEG_INFINITY); levels];
        for (i, row) in raw.axis_iter(Axis(0)).enumerate() {
            top.fill((f32::NEG_INFINITY, usize::MAX, f32::NEG_INFINITY));
            for (c, &v) in row.iter().enumerate() {
                let t = &mut top[self.level[c]];
                if v > t.0 {
                    *t = (v, c, t.0);
                } else if v > t.2 {
                    t.2 = v;
                }
            }
            for c in 0..k {
                let (best, arg, second) = top[self.level[c]];
                let best_other = if arg == c { second } else { best };
                gaps[[i, c]] = if best_other.is_finite() { row[c] - best_other } else { 0.0 };
            }
        }
        gaps
    }

    /// Calibrated scores of the member texts themselves, each scored as if it
    /// were not a member (leave-one-out): what a held-out sentence like it would get.
    pub fn member_scores_left_out(&self) -> Array2<f32> {
        let exclude: Vec<Option<usize>> = (0..self.members.nrows()).map(Some).collect();
        self.calibrate(self.raw(self.members.view(), Some(&exclude)))
    }

    /// Calibrated scores `[n, k]` in [0, 1].
    pub fn score(&self, x: ArrayView2<'_, f32>) -> Array2<f32> {
        self.calibrate(self.raw(x, None))
    }

    /// Calibrated scores `[n, k]` from the raw similarities of this scorer
    /// and of `other` (the same taxonomy, other member texts: those in a
    /// document's language), combined per category by their maximum or
    /// (`mean`) their mean, calibrated with this scorer's calibration.
    pub(crate) fn score_combined(&self, other: &ZeroShot, x: ArrayView2<'_, f32>, mean: bool) -> Array2<f32> {
        let mut raw = self.raw(x, None);
        let theirs = other.raw(x, None);
        raw.zip_mut_with(&theirs, |a, &b| *a = if mean { 0.5 * (*a + b) } else { a.max(b) });
        self.calibrate(raw)
    }

    /// Raw similarities → calibrated scores, in place, a row at a time (the
    /// gaps of a row are taken before any of its values change).
    fn calibrate(&self, mut raw: Array2<f32>) -> Array2<f32> {
        for start in (0..raw.nrows()).step_by(RAW_CHUNK) {
            let end = (start + RAW_CHUNK).min(raw.nrows());
            let mut rows = raw.slice_mut(ndarray::s![start..end, ..]);
            let gaps = self.gaps(rows.view());
            rows.zip_mut_with(&gaps, |r, &g| *r = self.calibration.apply(*r, g));
        }
        raw
    }

    fn fit_calibration(
        &self,
        taxonomy: &Taxonomy,
        texts: &MemberTexts,
        background: ArrayView2<'_, f32>,
    ) -> Calibration {
        let k = self.member_of.len();
        let exemplars: Vec<usize> = (0..texts.texts.len()).filter(|&m| texts.is_exemplar[m]).collect();
        let mut features = Vec::new();
        let mut labels = Vec::new();
        let mut push = |raw: &Array2<f32>, positives: &dyn Fn(usize) -> Vec<usize>| {
            let gaps = self.gaps(raw.view());
            for i in 0..raw.nrows() {
                let pos = positives(i);
                for c in 0..k {
                    // A category left with no member after exclusion says nothing.
                    if self.member_of[c].len() < 2 && pos.contains(&c) {
                        continue;
                    }
                    features.push(vec![f64::from(raw[[i, c]]), f64::from(gaps[[i, c]])]);
                    labels.push(if pos.contains(&c) { 1.0 } else { 0.0 });
                }
            }
        };
        if !exemplars.is_empty() {
            let x = self.members.select(Axis(0), &exemplars);
            let exclude: Vec<Option<usize>> = exemplars.iter().map(|&m| Some(m)).collect();
            let raw = self.raw(x.view(), Some(&exclude));
            push(&raw, &|i| taxonomy.ancestors(texts.owner[exemplars[i]]));
        }
        if background.nrows() > 0 {
            let raw = self.raw(background, None);
            push(&raw, &|_| Vec::new());
        }
        let has_both = labels.iter().any(|&y| y > 0.5) && labels.iter().any(|&y| y < 0.5);
        if !has_both {
            return self.calibration;
        }
        let w = crate::fit::fit_logistic(&features, &labels, 1e-3);
        Calibration { w_raw: w[0] as f32, w_gap: w[1] as f32, bias: w[2] as f32 }
    }
}
