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
//!
//! **Contrastive scoring.** A category may have counter-texts
//! (`counter_exemplars`: its rebuttal and neutral reporting on its subject).
//! Similarity finds the subject; it cannot tell a claim from its rebuttal.
//! With counter-texts, a sentence that is closer to a category's
//! counter-texts than to the category loses the difference, `λ` times,
//! before the gaps and the calibration:
//!
//! `raw'_c = raw_c − λ·max(0, ctr_c − raw_c)`, with
//! `ctr_c = mean(top-2 cos(x, counter-text of c))`,
//!
//! where a category's counter-texts are its own, its ancestors' and its
//! children's. `λ` is chosen, like the calibration's weights, on text the
//! taxonomy holds: the counter-texts join the calibration's data as
//! negatives for every category (each scored leave-one-out among the
//! counter-texts), a calibration is fitted for each `λ ∈ {0, ½, 1, 2, 4, 8}`,
//! and the `λ` kept is the one whose calibration has the smallest log-loss on
//! that data. For the built-in narratives with all-MiniLM-L6-v2 that is
//! `λ = 0`: a frozen sentence encoder hears the subject more than the stance,
//! and a contrast strong enough to matter costs FLICC (docs/accuracy.md). A
//! taxonomy without counter-texts is scored exactly as before.

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
    /// `λ`: how much of its excess similarity to a category's counter-texts
    /// a sentence loses (0 for a taxonomy without counter-texts; see the
    /// module's doc).
    #[serde(default)]
    pub contrast: f32,
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
    /// Counter-text vectors `[mc, dim]` (no rows without counter-texts).
    counters: Array2<f32>,
    /// Counter-text indices of each category (its own, its ancestors' and its children's).
    counter_of: Vec<Vec<usize>>,
    calibration: Calibration,
}

/// Counter-texts to embed for a taxonomy, and which category owns each.
#[derive(Debug, Clone, Default)]
pub(crate) struct CounterTexts {
    /// The counter-texts, in taxonomy order.
    pub texts: Vec<String>,
    /// Category owning each text.
    pub owner: Vec<usize>,
}

impl CounterTexts {
    /// Collect the counter-texts of a taxonomy.
    pub(crate) fn of(taxonomy: &Taxonomy) -> Self {
        let mut out = CounterTexts::default();
        for (c, cat) in taxonomy.categories.iter().enumerate() {
            for e in &cat.counter_exemplars {
                out.texts.push(e.clone());
                out.owner.push(c);
            }
        }
        out
    }
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
    /// Fit the calibration (with the counter-texts, when there are any).
    pub(crate) fn fitted(
        mut self,
        taxonomy: &Taxonomy,
        members_text: &MemberTexts,
        background: ArrayView2<'_, f32>,
    ) -> Self {
        self.calibration = self.fit_calibration(taxonomy, members_text, background);
        self
    }

    /// Add the taxonomy's counter-texts (embedded, in [`CounterTexts`]
    /// order), which makes scoring contrastive; refit the calibration after.
    pub(crate) fn with_counters(mut self, taxonomy: &Taxonomy, texts: &CounterTexts, vectors: Array2<f32>) -> Self {
        let k = taxonomy.categories.len();
        let mut counter_of = vec![Vec::new(); k];
        for (m, &owner) in texts.owner.iter().enumerate() {
            // Its own category and ancestors, and its children.
            for c in taxonomy.ancestors(owner).into_iter().chain(taxonomy.children(owner)) {
                counter_of[c].push(m);
            }
        }
        for list in &mut counter_of {
            list.sort_unstable();
            list.dedup();
        }
        self.counter_of = counter_of;
        self.counters = vectors;
        self
    }

    /// True when some category has counter-texts.
    pub(crate) fn is_contrastive(&self) -> bool {
        self.counters.nrows() > 0
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
            counters: Array2::zeros((0, dim)),
            counter_of: vec![Vec::new(); k],
            calibration: calibration.unwrap_or(Calibration { w_raw: 10.0, w_gap: 10.0, bias: -5.0, contrast: 0.0 }),
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

    /// Each category's similarity to its counter-texts `[n, k]`: the mean of
    /// the two closest (0 for a category without counter-texts); `exclude[i]`
    /// is a counter-text left out for row `i`.
    fn counter_similarity(&self, x: ArrayView2<'_, f32>, exclude: Option<&[Option<usize>]>) -> Array2<f32> {
        let k = self.counter_of.len();
        let mut out = Array2::<f32>::zeros((x.nrows(), k));
        for start in (0..x.nrows()).step_by(RAW_CHUNK) {
            let end = (start + RAW_CHUNK).min(x.nrows());
            let sims = x.slice(ndarray::s![start..end, ..]).dot(&self.counters.t()); // [chunk, mc]
            for i in 0..end - start {
                let ex = exclude.and_then(|e| e[start + i]);
                for c in 0..k {
                    let (mut top1, mut top2) = (f32::NEG_INFINITY, f32::NEG_INFINITY);
                    for &m in &self.counter_of[c] {
                        if Some(m) == ex {
                            continue;
                        }
                        let s = sims[[i, m]];
                        if s > top1 {
                            top2 = top1;
                            top1 = s;
                        } else if s > top2 {
                            top2 = s;
                        }
                    }
                    if top1 > f32::NEG_INFINITY {
                        out[[start + i, c]] = if top2 == f32::NEG_INFINITY { top1 } else { 0.5 * (top1 + top2) };
                    }
                }
            }
        }
        out
    }

    /// `raw − λ·max(0, counter − raw)` for the categories with counter-texts.
    fn contrasted(&self, mut raw: Array2<f32>, counter: &Array2<f32>, lambda: f32) -> Array2<f32> {
        let has: Vec<bool> = self.counter_of.iter().map(|m| !m.is_empty()).collect();
        for (mut row, crow) in raw.axis_iter_mut(Axis(0)).zip(counter.axis_iter(Axis(0))) {
            for c in 0..row.len() {
                if has[c] {
                    row[c] -= lambda * (crow[c] - row[c]).max(0.0);
                }
            }
        }
        raw
    }

    /// Raw similarities, contrasted with the counter-texts when there are any.
    fn raw_contrasted(&self, x: ArrayView2<'_, f32>, exclude: Option<&[Option<usize>]>) -> Array2<f32> {
        let raw = self.raw(x, exclude);
        if !self.is_contrastive() {
            return raw;
        }
        let counter = self.counter_similarity(x, None);
        self.contrasted(raw, &counter, self.calibration.contrast)
    }

    /// Calibrated scores of the member texts themselves, each scored as if it
    /// were not a member (leave-one-out): what a held-out sentence like it would get.
    pub fn member_scores_left_out(&self) -> Array2<f32> {
        let exclude: Vec<Option<usize>> = (0..self.members.nrows()).map(Some).collect();
        self.calibrate(self.raw_contrasted(self.members.view(), Some(&exclude)))
    }

    /// Calibrated scores `[n, k]` in [0, 1].
    pub fn score(&self, x: ArrayView2<'_, f32>) -> Array2<f32> {
        self.calibrate(self.raw_contrasted(x, None))
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
        // (raw, similarity to counter-texts, positives) of each block of labelled sentences.
        type Block = (Array2<f32>, Option<Array2<f32>>, Vec<Vec<usize>>);
        let contrastive = self.is_contrastive();
        let counter_of = |x: ArrayView2<'_, f32>, exclude: Option<&[Option<usize>]>| {
            contrastive.then(|| self.counter_similarity(x, exclude))
        };
        let mut blocks: Vec<Block> = Vec::new();
        if !exemplars.is_empty() {
            let x = self.members.select(Axis(0), &exemplars);
            let exclude: Vec<Option<usize>> = exemplars.iter().map(|&m| Some(m)).collect();
            let positives = exemplars.iter().map(|&m| taxonomy.ancestors(texts.owner[m])).collect();
            blocks.push((self.raw(x.view(), Some(&exclude)), counter_of(x.view(), None), positives));
        }
        if background.nrows() > 0 {
            blocks.push((
                self.raw(background, None),
                counter_of(background, None),
                vec![Vec::new(); background.nrows()],
            ));
        }
        if contrastive {
            // Counter-texts are negatives for every category, each scored as
            // if it were not a counter-text (leave-one-out).
            let exclude: Vec<Option<usize>> = (0..self.counters.nrows()).map(Some).collect();
            let x = self.counters.view();
            blocks.push((self.raw(x, None), counter_of(x, Some(&exclude)), vec![Vec::new(); x.nrows()]));
        }
        let data = |lambda: f32| {
            let mut features = Vec::new();
            let mut labels = Vec::new();
            for (raw, counter, positives) in &blocks {
                let raw = match counter {
                    Some(counter) => self.contrasted(raw.clone(), counter, lambda),
                    None => raw.clone(),
                };
                let gaps = self.gaps(raw.view());
                for (i, pos) in positives.iter().enumerate() {
                    for c in 0..k {
                        // A category left with no member after exclusion says nothing.
                        if self.member_of[c].len() < 2 && pos.contains(&c) {
                            continue;
                        }
                        features.push(vec![f64::from(raw[[i, c]]), f64::from(gaps[[i, c]])]);
                        labels.push(if pos.contains(&c) { 1.0 } else { 0.0 });
                    }
                }
            }
            (features, labels)
        };
        let fit = |lambda: f32| -> Option<Calibration> {
            let (features, labels) = data(lambda);
            let has_both = labels.iter().any(|&y| y > 0.5) && labels.iter().any(|&y| y < 0.5);
            if !has_both {
                return None;
            }
            let w = crate::fit::fit_logistic(&features, &labels, 1e-3);
            Some(Calibration { w_raw: w[0] as f32, w_gap: w[1] as f32, bias: w[2] as f32, contrast: lambda })
        };
        if !contrastive {
            return fit(0.0).unwrap_or(self.calibration);
        }
        // Choose λ as the calibration's weights are chosen: the smallest
        // log-loss on the taxonomy's labelled sentences (counter-texts included).
        let loss = |calibration: &Calibration| -> f64 {
            let (features, labels) = data(calibration.contrast);
            features
                .iter()
                .zip(&labels)
                .map(|(f, &y)| {
                    let p = f64::from(calibration.apply(f[0] as f32, f[1] as f32));
                    -(y * p.max(1e-12).ln() + (1.0 - y) * (1.0 - p).max(1e-12).ln())
                })
                .sum::<f64>()
        };
        CONTRAST_GRID
            .iter()
            .filter_map(|&l| fit(l))
            .map(|c| (loss(&c), c))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map_or(self.calibration, |(_, c)| c)
    }
}

/// The values of `λ` tried for a taxonomy with counter-texts (see the module's doc).
const CONTRAST_GRID: [f32; 6] = [0.0, 0.5, 1.0, 2.0, 4.0, 8.0];
