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
/// ([`DomainRouter::topical`]).
///
/// **Other languages.** Cross-lingual cosines run lower, and with a
/// multilingual encoder (e5) they are also squeezed together: a threshold
/// learnt on the domain's English texts leaves almost no sentence of another
/// language about any domain (measured: 0–14% of the translated FLICC
/// climate paragraphs had one sentence about the climate, against 91% in
/// English). For a language with background sentences of its own, the
/// threshold is therefore the one that makes *the same share* of that
/// language's background about the domain as of the default background
/// (matching quantiles, not shifting medians): the backgrounds are neutral
/// reporting with the same mix of subjects (the war, the climate, other
/// news) in each language. When the default background has no sentence
/// about a domain, the median shift is used. An encoder that reads category
/// texts with a prefix of its own (e5's `passage: `, against `query: ` for
/// document sentences) learns the thresholds from the domain's texts read
/// as document sentences (`read_as_sentences`).
///
/// A document that is about no domain gets none and `Other`, whatever its
/// category scores (from 5 sentences, [`MIN_SENTENCES_FOR_NEITHER`]);
/// shorter texts keep the best domain. A document about some domains goes
/// to the best of those (by [`DomainRouter::similarities`]).
#[derive(Debug, Clone)]
pub struct DomainRouter {
    names: Vec<String>,
    /// `[domains, dim]` unit rows.
    centroids: Array2<f32>,
    /// Unit centroid of the background sentences, if any.
    background: Option<Array1<f32>>,
    /// Per domain: the cosine to its centroid that makes a sentence about it.
    on_topic: Vec<f32>,
    /// Per domain: the default background's cosines to its centroid, sorted
    /// from the highest (for the languages' thresholds).
    background_cosines: Vec<Vec<f32>>,
    /// Per language (ISO 639-3) with background of its own: its "about the
    /// domain" thresholds (see [`DomainRouter::with_languages`]).
    language_thresholds: Vec<(String, Vec<f32>)>,
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

/// The [`ON_TOPIC_QUANTILE`] of a domain's own texts' cosines to its centroid.
fn quantile(mut own: Vec<f32>) -> Option<f32> {
    own.sort_by(f32::total_cmp);
    let at = ((own.len().max(1) - 1) as f32 * ON_TOPIC_QUANTILE).round() as usize;
    own.get(at).copied()
}

/// A language's "about the domain" threshold: `default` is the threshold
/// for the default background, whose cosines (`background`, highest first)
/// it leaves a share above; the language's background cosines (`own`,
/// highest first) get the cosine that leaves the same share above it. When
/// that share is nought (or either background is empty), `default` moved by
/// the difference of the medians.
fn language_threshold(default: f32, background: &[f32], own: &[f32]) -> f32 {
    if background.is_empty() || own.is_empty() {
        return default;
    }
    let above = background.iter().take_while(|&&c| c >= default).count();
    let share = above as f32 / background.len() as f32;
    let k = (share * own.len() as f32).round() as usize;
    if k == 0 {
        return default - (background[background.len() / 2] - own[own.len() / 2]);
    }
    own[k.min(own.len()) - 1]
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
            on_topic
                .push(quantile(rows.iter().map(|&m| members.row(m).dot(&centroids.row(d))).collect()).unwrap_or(0.0));
        }
        let background_cosines: Vec<Vec<f32>> = (0..domains.len())
            .map(|d| {
                let mut v = background.dot(&centroids.row(d)).to_vec();
                v.sort_by(|a, b| b.total_cmp(a));
                v
            })
            .collect();
        let background = if background.nrows() > 0 { unit_mean(background) } else { None };
        Some(DomainRouter {
            names: domains.iter().map(|s| s.to_string()).collect(),
            centroids,
            background,
            on_topic,
            background_cosines,
            language_thresholds: Vec::new(),
        })
    }

    /// For an encoder that reads category texts and document sentences with
    /// different prefixes (e5's `passage: ` and `query: `): the "about the
    /// domain" thresholds from the domain's own texts read as document
    /// sentences (`as_sentences`, rows as `texts`), against the centroids of
    /// them read as category texts. Cosines across the two prefixes run lower;
    /// a threshold learnt within one prefix left almost no sentence about a
    /// domain (docs/accuracy.md).
    pub(crate) fn read_as_sentences(
        mut self,
        taxonomy: &Taxonomy,
        texts: &MemberTexts,
        as_sentences: ArrayView2<'_, f32>,
    ) -> Self {
        for (d, name) in self.names.clone().iter().enumerate() {
            let rows: Vec<usize> = (0..texts.owner.len())
                .filter(|&m| taxonomy.categories[texts.owner[m]].domain.as_deref() == Some(name.as_str()))
                .collect();
            if let Some(t) = quantile(rows.iter().map(|&m| as_sentences.row(m).dot(&self.centroids.row(d))).collect()) {
                self.on_topic[d] = t;
            }
        }
        self
    }

    /// Learn each language's thresholds from its own background sentences
    /// (`(code, vectors)`): the cosine that makes as large a share of them
    /// about each domain as of the default background; the default threshold
    /// moved by the difference of the medians when that share is nought.
    pub(crate) fn with_languages(mut self, languages: &[(&str, ArrayView2<'_, f32>)]) -> Self {
        self.language_thresholds = languages
            .iter()
            .map(|(code, vectors)| {
                let thresholds = (0..self.names.len())
                    .map(|d| {
                        let mut own = vectors.dot(&self.centroids.row(d)).to_vec();
                        own.sort_by(|a, b| b.total_cmp(a));
                        language_threshold(self.on_topic[d], &self.background_cosines[d], &own)
                    })
                    .collect();
                (code.to_string(), thresholds)
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
        match language.and_then(|l| self.language_thresholds.iter().find(|(code, _)| code == l)) {
            Some((_, own)) => own.clone(),
            None => self.on_topic.clone(),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_threshold_leaves_the_same_share_of_its_background_above() {
        // 2 of the default background's 8 cosines reach 0.5: a quarter.
        let background = [0.9, 0.6, 0.45, 0.4, 0.3, 0.2, 0.1, 0.0];
        // The language's cosines run lower and closer together: a quarter of them (1 of 4) is above 0.82.
        let own = [0.84, 0.82, 0.81, 0.8];
        assert_eq!(language_threshold(0.5, &background, &own), 0.84);
        // No default sentence reaches it: the medians' difference moves it.
        assert!((language_threshold(0.95, &background, &own) - (0.95 - (0.3 - 0.81))).abs() < 1e-6);
        // Nothing to match: the default.
        assert_eq!(language_threshold(0.5, &[], &own), 0.5);
    }
}
