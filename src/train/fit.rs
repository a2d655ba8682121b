//! The fit: a residual logistic regression per category on training units,
//! full batch, with Adam.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::head::{logit, TrainConfig};
use crate::score::sigmoid;

use super::TrainDocument;

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

/// Normalised mean of rows (zeros when empty or averaging to zero).
pub(super) fn mean_vector(rows: ArrayView2<'_, f32>) -> Array1<f32> {
    crate::route::unit_mean(rows).unwrap_or_else(|| Array1::zeros(rows.ncols()))
}

/// Fit the weights on units (no thresholds).
/// Fitted parameters: embedding weights `[k, dim]`, zero-shot weights `[k]`, biases `[k]`.
pub(super) struct Fitted {
    pub(super) w: Array2<f32>,
    pub(super) a: Array1<f32>,
    pub(super) b: Array1<f32>,
}

impl Fitted {
    pub(super) fn score(&self, vector: &Array1<f32>, prior: &Array1<f32>) -> Array1<f32> {
        let z = self.w.dot(vector) + &self.b;
        ndarray::Zip::from(&z).and(&self.a).and(prior).map_collect(|&z, &a, &p| sigmoid(z + a * logit(p)))
    }
}

pub(super) fn fit(units: &[Unit], k: usize, dim: usize, config: &TrainConfig) -> Fitted {
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

fn pooled(scores: ArrayView2<'_, f32>, pooling: crate::pool::Pooling) -> Array1<f32> {
    Array1::from(crate::aggregate::document_scores(scores, pooling))
}

pub(super) fn document_units(docs: &[TrainDocument], config: &TrainConfig) -> Vec<Unit> {
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
