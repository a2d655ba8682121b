//! A calibration head: per category, a one-feature logistic regression on
//! the logit of that category's own zero-shot score,
//!
//! `p_c = sigmoid(a_c · logit(zero_shot_c) + b_c)`,
//!
//! fitted on a few labelled documents (20–50 are enough; see
//! `crate::train::calibrate` for the fit). It keeps zero-shot's ranking within a
//! category and turns its scores into probabilities, with a decision cut
//! chosen out of fold: what a handful of labels can teach reliably, where a
//! full head ([`HeadKind::Residual`]) has a weight per vector dimension to
//! learn.
//!
//! It is stored as a [`crate::Head`] with `kind: "calibration"`:
//! `prior_weight` holds `a_c`, `bias` holds `b_c`, `weights` is empty. A
//! category with too few labels has its level's shared `a` and `b`, so every
//! score is a probability (`train` never marks one in `zero_shot`, which
//! would pass its zero-shot score through).

use serde::{Deserialize, Serialize};

use crate::score::sigmoid;

/// What a head computes from a unit's vector and its zero-shot scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HeadKind {
    /// One logistic regression per category on the vector and the zero-shot
    /// logit (the head `train` has always made).
    #[default]
    #[serde(rename = "head")]
    Residual,
    /// One logistic regression per category on its zero-shot logit only.
    Calibration,
}

impl HeadKind {
    /// `head` or `calibration`, as in the file and in `train`'s messages.
    pub fn name(self) -> &'static str {
        match self {
            HeadKind::Residual => "head",
            HeadKind::Calibration => "calibration",
        }
    }
}

/// A calibrated probability from a zero-shot score `p` (slope `a`, intercept `b`).
pub(crate) fn calibrate(p: f32, a: f32, b: f32) -> f32 {
    sigmoid(a * crate::head::logit(p) + b)
}

/// Scores `[n, k]` of a calibration head from zero-shot scores `prior`
/// `[n, k]` (a category marked in `zero_shot` passes its score through).
pub(crate) fn score(head: &crate::head::Head, prior: ndarray::ArrayView2<'_, f32>) -> ndarray::Array2<f32> {
    let mut out = prior.to_owned();
    for mut row in out.axis_iter_mut(ndarray::Axis(0)) {
        for (c, v) in row.iter_mut().enumerate() {
            if !head.zero_shot.get(c).copied().unwrap_or(false) {
                *v = calibrate(*v, head.prior_weight[c], head.bias[c]);
            }
        }
    }
    out
}
