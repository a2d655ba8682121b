//! Route: which domain of a two-level taxonomy a document belongs to.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

use crate::score::MemberTexts;
use crate::taxonomy::Taxonomy;

/// Routes a document to one of a taxonomy's domains (e.g. URW, CC) by the
/// cosine between the document's mean sentence vector and each domain's
/// centroid of members. Every document goes to a domain: whether it carries
/// a category at all is the decision's gate ([`crate::aggregate`]), not the
/// router's. The background centroid is reported beside the domains by
/// [`DomainRouter::similarities`] for diagnostics.
#[derive(Debug, Clone)]
pub struct DomainRouter {
    names: Vec<String>,
    /// `[domains, dim]` unit rows.
    centroids: Array2<f32>,
    /// Unit centroid of the background sentences, if any.
    background: Option<Array1<f32>>,
}

/// Normalised mean of rows; `None` when there are no rows or they average to zero.
pub(crate) fn unit_mean(rows: ArrayView2<'_, f32>) -> Option<Array1<f32>> {
    unit_length(rows.mean_axis(Axis(0))?)
}

/// `v` scaled to unit length; `None` when it is zero.
pub(crate) fn unit_length(v: Array1<f32>) -> Option<Array1<f32>> {
    let norm = v.dot(&v).sqrt();
    (norm > 0.0).then(|| v / norm)
}

impl DomainRouter {
    /// `None` when the taxonomy has fewer than one domain tag.
    pub fn new(
        taxonomy: &Taxonomy,
        texts: &MemberTexts,
        members: ArrayView2<'_, f32>,
        background: ArrayView2<'_, f32>,
    ) -> Option<Self> {
        let domains = taxonomy.domains();
        if domains.is_empty() {
            return None;
        }
        let dim = members.ncols();
        let mut centroids = Array2::<f32>::zeros((domains.len(), dim));
        for (d, name) in domains.iter().enumerate() {
            let rows: Vec<usize> = (0..texts.owner.len())
                .filter(|&m| taxonomy.categories[texts.owner[m]].domain.as_deref() == Some(name))
                .collect();
            if let Some(c) = unit_mean(members.select(Axis(0), &rows).view()) {
                centroids.row_mut(d).assign(&c);
            }
        }
        let background = if background.nrows() > 0 { unit_mean(background) } else { None };
        Some(DomainRouter { names: domains.iter().map(|s| s.to_string()).collect(), centroids, background })
    }

    /// Cosine of the document (`mean`: the mean of its sentence vectors, at
    /// unit length) to each domain, and to the background centroid.
    pub fn similarities(&self, mean: ArrayView1<'_, f32>) -> (Vec<(String, f32)>, Option<f32>) {
        let sims = self.centroids.dot(&mean);
        let named = self.names.iter().cloned().zip(sims.iter().copied()).collect();
        (named, self.background.as_ref().map(|b| b.dot(&mean)))
    }

    /// The best domain for a document, from the unit-length mean of its
    /// sentence vectors.
    pub fn route(&self, mean: ArrayView1<'_, f32>) -> Option<String> {
        let (sims, _) = self.similarities(mean);
        sims.into_iter().max_by(|a, b| a.1.total_cmp(&b.1)).map(|(n, _)| n)
    }
}
