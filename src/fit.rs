//! Fit: a logistic regression by Newton's method, small enough to write here
//! (the calibration has three parameters; no linear-algebra crate is needed).

/// Fit a logistic regression with an intercept by Newton's method (IRLS).
/// `x` is `[n, f]`; returns `f` weights followed by the intercept.
pub(crate) fn fit_logistic(x: &[Vec<f64>], y: &[f64], l2: f64) -> Vec<f64> {
    let f = x.first().map_or(0, Vec::len);
    let p = f + 1;
    let mut w = vec![0.0f64; p];
    for _ in 0..50 {
        let mut grad = vec![0.0f64; p];
        let mut hess = vec![vec![0.0f64; p]; p];
        for (xi, &yi) in x.iter().zip(y) {
            let z: f64 = xi.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() + w[f];
            let mu = 1.0 / (1.0 + (-z).exp());
            let s = (mu * (1.0 - mu)).max(1e-9);
            for a in 0..p {
                let xa = if a < f { xi[a] } else { 1.0 };
                grad[a] += (mu - yi) * xa;
                for b in 0..p {
                    let xb = if b < f { xi[b] } else { 1.0 };
                    hess[a][b] += s * xa * xb;
                }
            }
        }
        for a in 0..f {
            grad[a] += l2 * w[a];
            hess[a][a] += l2;
        }
        let Some(step) = solve(hess, grad) else { break };
        let mut change = 0.0f64;
        for a in 0..p {
            w[a] -= step[a];
            change = change.max(step[a].abs());
        }
        if change < 1e-8 {
            break;
        }
    }
    w
}

/// Solve `a · x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (upper, lower) = a.split_at_mut(col + 1);
        let pivot_row = &upper[col];
        for (offset, row) in lower.iter_mut().enumerate() {
            let factor = row[col] / pivot_row[col];
            for (x, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= factor * p;
            }
            b[col + 1 + offset] -= factor * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}
