//! Thresholds per category chosen on out-of-fold scores, and the counts and
//! F1 they are chosen by.

use ndarray::Array2;

/// True positives, false positives and false negatives of category `c` on
/// document scores at threshold `t`.
pub(super) fn counts(scores: &Array2<f32>, gold: &[Vec<usize>], c: usize, t: f32) -> (f32, f32, f32) {
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

pub(super) fn f1((tp, fp, fn_): (f32, f32, f32)) -> f32 {
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
