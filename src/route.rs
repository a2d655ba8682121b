//! Route: which domain of a two-level taxonomy a document belongs to, if any.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

use crate::score::MemberTexts;
use crate::taxonomy::Taxonomy;

/// Routes a document to one of a taxonomy's domains (e.g. URW, CC) by the
/// cosine between the document's mean sentence vector and each domain's
/// centroid of members, and says when a document is in none of them.
///
/// **Neither domain.** A sentence is *about* a domain when its cosine to the
/// domain's centroid reaches what the domain's own texts reach: the 10th
/// percentile ([`ON_TOPIC_QUANTILE`]) of its descriptions' and exemplars'
/// cosines to that centroid. A document is in a domain when at least one of
/// its sentences, and at least [`ON_TOPIC_SHARE`] of them, are about it
/// ([`DomainRouter::topical`]). Cross-lingual cosines run lower, so for a
/// language with background sentences of its own the thresholds are moved
/// by how much lower that background's cosines to each centroid are than the
/// default background's (medians). Whether a document in a domain carries a
/// category at all is the decision's gate ([`crate::aggregate`]); the
/// classifier keeps a document that is about no domain in the best one when
/// a category of it is confident anyway (a short contrarian paragraph may
/// share few words with the domain's texts).
#[derive(Debug, Clone)]
pub struct DomainRouter {
    names: Vec<String>,
    /// `[domains, dim]` unit rows.
    centroids: Array2<f32>,
    /// Unit centroid of the background sentences, if any.
    background: Option<Array1<f32>>,
    /// Per domain: the cosine to its centroid that makes a sentence about it.
    on_topic: Vec<f32>,
    /// Per language (ISO 639-3) with background of its own: how much lower
    /// its background's cosines to each centroid run (subtracted from `on_topic`).
    language_offsets: Vec<(String, Vec<f32>)>,
}

/// The share of a domain's own texts (descriptions and exemplars) whose
/// cosine to the domain's centroid lies below the "about the domain" threshold.
pub const ON_TOPIC_QUANTILE: f32 = 0.1;

/// The share of a document's sentences that must be about a domain (and at
/// least one) for the document to be in it.
pub const ON_TOPIC_SHARE: f32 = 0.1;

/// Fewest sentences a document needs for "in no domain": a paragraph or a
/// sentence is too little text to judge topicality by shares (measured:
/// FLICC's one-to-four-sentence climate paragraphs lost their domain 5% of
/// the time), so it keeps the best domain.
pub const MIN_SENTENCES_FOR_NEITHER: usize = 5;

/// Whether a document is in a domain, by its sentences' cosines to each
/// domain's centroid ([`DomainRouter::topical`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Topicality {
    /// The domains the document is about (index into the router's domains).
    In(Vec<usize>),
    /// About none; the reason, in words.
    Neither(String),
}

fn median(mut v: Vec<f32>) -> Option<f32> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f32::total_cmp);
    Some(v[v.len() / 2])
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
        let mut on_topic = Vec::with_capacity(domains.len());
        for (d, name) in domains.iter().enumerate() {
            let rows: Vec<usize> = (0..texts.owner.len())
                .filter(|&m| taxonomy.categories[texts.owner[m]].domain.as_deref() == Some(name))
                .collect();
            let mut own: Vec<f32> = rows.iter().map(|&m| members.row(m).dot(&centroids.row(d))).collect();
            own.sort_by(f32::total_cmp);
            let at = ((own.len().max(1) - 1) as f32 * ON_TOPIC_QUANTILE).round() as usize;
            on_topic.push(own.get(at).copied().unwrap_or(0.0));
        }
        let background_medians: Vec<Option<f32>> =
            (0..domains.len()).map(|d| median(background.dot(&centroids.row(d)).to_vec())).collect();
        let background = if background.nrows() > 0 { unit_mean(background) } else { None };
        Some(DomainRouter {
            names: domains.iter().map(|s| s.to_string()).collect(),
            centroids,
            background,
            on_topic,
            language_offsets: background_medians.into_iter().map(|m| (String::new(), vec![m.unwrap_or(0.0)])).collect(),
        })
    }

    /// Learn each language's offset from its own background sentences
    /// (`(code, vectors)`), against the default background's medians.
    pub(crate) fn with_languages(mut self, languages: &[(&str, ArrayView2<'_, f32>)]) -> Self {
        // `new` left the default background's median per domain in `language_offsets`.
        let default: Vec<f32> = self.language_offsets.iter().map(|(_, m)| m[0]).collect();
        self.language_offsets = languages
            .iter()
            .map(|(code, vectors)| {
                let offsets = (0..self.names.len())
                    .map(|d| {
                        let own = median(vectors.dot(&self.centroids.row(d)).to_vec()).unwrap_or(default[d]);
                        default[d] - own
                    })
                    .collect();
                (code.to_string(), offsets)
            })
            .collect();
        self
    }

    /// Cosine of each sentence to each domain's centroid, `[n, domains]`.
    pub fn sentence_similarities(&self, sentences: ArrayView2<'_, f32>) -> Array2<f32> {
        sentences.dot(&self.centroids.t())
    }

    /// The "about the domain" thresholds for a document in `language` (the
    /// ISO 639-3 code, when known and settled).
    pub fn on_topic_thresholds(&self, language: Option<&str>) -> Vec<f32> {
        let offsets = language.and_then(|l| self.language_offsets.iter().find(|(code, _)| code == l));
        (0..self.names.len()).map(|d| self.on_topic[d] - offsets.map_or(0.0, |(_, o)| o[d])).collect()
    }

    /// Which domains a document is about, from its sentences' cosines to
    /// each domain's centroid (`[n, domains]`, [`DomainRouter::sentence_similarities`]).
    pub fn topical(&self, similarities: ArrayView2<'_, f32>, language: Option<&str>) -> Topicality {
        let n = similarities.nrows();
        if n < MIN_SENTENCES_FOR_NEITHER {
            return Topicality::In((0..self.names.len()).collect());
        }
        let thresholds = self.on_topic_thresholds(language);
        let needed = ((n as f32 * ON_TOPIC_SHARE).ceil() as usize).max(1);
        let counts: Vec<usize> = (0..self.names.len())
            .map(|d| similarities.column(d).iter().filter(|&&s| s >= thresholds[d]).count())
            .collect();
        let about: Vec<usize> = (0..self.names.len()).filter(|&d| counts[d] >= needed).collect();
        if !about.is_empty() {
            return Topicality::In(about);
        }
        let each: Vec<String> = (0..self.names.len())
            .map(|d| {
                format!("{} of {n} about {} (cosine to its texts ≥ {:.2})", counts[d], self.names[d], thresholds[d])
            })
            .collect();
        Topicality::Neither(format!(
            "in none of the domains: {} sentences about one are needed, and {}",
            needed,
            each.join(", ")
        ))
    }

    /// The domains' names, in the order of [`DomainRouter::sentence_similarities`]'s columns.
    pub fn names(&self) -> &[String] {
        &self.names
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
