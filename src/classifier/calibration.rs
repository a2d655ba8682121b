//! Calibration: the zero-shot scorer fitted on the taxonomy's own sentences,
//! thresholds learnt from the background (and from each language's own), the
//! base rates, and the cache that keeps them beside the taxonomy's vectors.

use ndarray::Array2;

use crate::aggregate::{self, DecisionConfig};
use crate::encode::TextEncoder;
use crate::error::{Error, Result};
use crate::score::{CounterTexts, MemberTexts, ZeroShot};
use crate::taxonomy::Taxonomy;

use super::Classifier;

/// The taxonomy's texts embedded, from the cache `(directory, key)` when it
/// holds them (and stored there when it does not). The first `texts.1`
/// texts are category texts, embedded with the encoder's category prefix
/// when it has one of its own.
pub(super) fn embedded_texts(
    encoder: &TextEncoder,
    pool: &rayon::ThreadPool,
    texts: (&[&str], usize),
    cache: Option<(&std::path::Path, &str)>,
) -> Result<Array2<f32>> {
    let (texts, categories) = texts;
    if let Some(vectors) = cache.and_then(|(dir, key)| crate::cache::load(dir, key, texts.len(), encoder.dim())) {
        return Ok(vectors);
    }
    let vectors = match encoder.prefixes() {
        (_, None) => pool.install(|| encoder.embed(texts))?.vectors,
        (_, Some(_)) => {
            let (members, rest) = texts.split_at(categories.min(texts.len()));
            let a = pool.install(|| encoder.embed_categories(members))?.vectors;
            let b = pool.install(|| encoder.embed(rest))?.vectors;
            ndarray::concatenate(ndarray::Axis(0), &[a.view(), b.view()])
                .map_err(|e| Error::InvalidInput(format!("category and background vectors: {e}")))?
        }
    };
    if let Some((dir, key)) = cache {
        crate::cache::store(dir, key, &vectors);
    }
    Ok(vectors)
}

/// Thresholds learnt from background sentences: `[length − 1][category]`.
pub(super) type Learnt = Vec<Vec<f32>>;

/// Thresholds learnt from each language's own background, by ISO 639-3 code.
pub(super) type ByLanguage = Vec<(String, Learnt)>;

/// The zero-shot scorer and, when `wants_derived`, the thresholds learnt from
/// the background (`[length − 1][category]`) and from each language's own
/// background (`backgrounds.1`, see [`language_thresholds`]). All depend
/// only on the vectors, the taxonomy's structure and the decision settings,
/// so they are cached beside the vectors under a key made of all three.
pub(super) fn fitted_scorer(
    taxonomy: &Taxonomy,
    (members, member_vectors): (&MemberTexts, Array2<f32>),
    (counters, counter_vectors): (&CounterTexts, Array2<f32>),
    backgrounds: (ndarray::ArrayView2<'_, f32>, &[(&str, ndarray::ArrayView2<'_, f32>)]),
    decision: &DecisionConfig,
    derive: (bool, &crate::language_texts::LanguageScorers),
    cache: Option<(&std::path::Path, &str)>,
) -> Result<(ZeroShot, Option<Learnt>, ByLanguage)> {
    let (wants_derived, language_scorers) = derive;
    let (background, by_language) = backgrounds;
    let k = taxonomy.categories.len();
    let structure: Vec<String> = taxonomy
        .categories
        .iter()
        .map(|c| {
            let counter = match c.counter_exemplars.len() {
                0 => String::new(),
                n => format!("|counter-texts {n}, contrast by λ (log-loss)"),
            };
            format!("{}|{}|{}{counter}", c.id, c.parent.as_deref().unwrap_or(""), c.exemplars.len())
        })
        .chain([format!("{:?}|{}|{wants_derived}", decision.pooling, decision.false_alarm_rate)])
        // Unchanged for a taxonomy without background by language.
        .chain(by_language.iter().map(|(code, v)| format!("language|{code}|{}", v.nrows())))
        // Unchanged for a taxonomy without category texts by language.
        .chain(language_scorers.describe())
        .collect();
    let fit_cache = cache.map(|(dir, vectors_key)| {
        let parts: Vec<&str> = structure.iter().map(String::as_str).chain([vectors_key]).collect();
        (dir, crate::cache::key("calibration-and-thresholds", &[], &parts))
    });
    let table = aggregate::PSEUDO_DOCUMENT_SENTENCES * k;
    let tables = if wants_derived { 1 + by_language.len() } else { 0 };
    // The calibration's weights first: (raw, gap, bias), then the contrast's
    // λ when there are counter-texts.
    let weights = if counters.texts.is_empty() { 3 } else { 4 };
    let fit_len = weights + tables * table;
    if let Some(fit) = fit_cache.as_ref().and_then(|(dir, key)| crate::cache::load(dir, key, 1, fit_len)) {
        let v = fit.row(0).to_vec();
        let contrast = if weights == 4 { v[3] } else { 0.0 };
        let calibration = crate::score::Calibration { w_raw: v[0], w_gap: v[1], bias: v[2], contrast };
        let scorer = ZeroShot::with_calibration(taxonomy, members, member_vectors, Some(calibration)).with_counters(
            taxonomy,
            counters,
            counter_vectors,
        );
        let mut learnt = v[weights..].chunks(table).map(|t| t.chunks(k).map(<[f32]>::to_vec).collect::<Learnt>());
        let derived = if wants_derived { learnt.next() } else { None };
        let own = by_language.iter().map(|(code, _)| code.to_string()).zip(learnt).collect();
        return Ok((scorer, derived, own));
    }
    let scorer = ZeroShot::with_calibration(taxonomy, members, member_vectors, None)
        .with_counters(taxonomy, counters, counter_vectors)
        .fitted(taxonomy, members, background);
    // Taxonomies without a threshold of their own decide "carries a category
    // at all" against neutral reporting (the background), per document
    // length; categories with their own threshold keep it.
    let derived = wants_derived
        .then(|| {
            let background_scores = scorer.score(background);
            aggregate::background_thresholds(
                taxonomy,
                background_scores.view(),
                decision.pooling,
                decision.false_alarm_rate,
            )
        })
        .flatten();
    let own = if wants_derived {
        language_thresholds(taxonomy, &scorer, language_scorers, by_language, decision)?
    } else {
        Vec::new()
    };
    // Too little background for learnt thresholds: nothing to cache but the calibration.
    if let Some((dir, key)) = fit_cache.filter(|_| derived.is_some() || !wants_derived) {
        let c = scorer.calibration();
        let mut values = vec![c.w_raw, c.w_gap, c.bias];
        if weights == 4 {
            values.push(c.contrast);
        }
        values.extend(derived.iter().flatten().flatten());
        values.extend(own.iter().flat_map(|(_, t)| t.iter().flatten()));
        if let Ok(row) = Array2::from_shape_vec((1, values.len()), values) {
            crate::cache::store(dir, &key, &row);
        }
    }
    Ok((scorer, derived, own))
}

/// The taxonomy's background sentences in languages the encoder reads
/// (`None`: an encoder of the user's, taken to read them all), by code.
pub(super) fn language_backgrounds<'t>(
    taxonomy: &'t Taxonomy,
    languages: Option<&[&str]>,
) -> Vec<(&'t str, &'t [String])> {
    taxonomy
        .background_by_language
        .iter()
        .filter(|(code, _)| languages.is_none_or(|l| l.contains(&code.as_str())))
        .map(|(code, sentences)| (code.as_str(), sentences.as_slice()))
        .collect()
}

/// Thresholds per language, each learnt from that language's own background
/// exactly as the default ones are from `background`
/// ([`aggregate::background_thresholds`]): cross-lingual similarities run
/// lower than same-language ones, so thresholds learnt from English neutral
/// text let almost nothing through in another language. A language whose
/// background is shorter than one pseudo-document is an error naming it.
fn language_thresholds(
    taxonomy: &Taxonomy,
    scorer: &ZeroShot,
    language_scorers: &crate::language_texts::LanguageScorers,
    by_language: &[(&str, ndarray::ArrayView2<'_, f32>)],
    decision: &DecisionConfig,
) -> Result<ByLanguage> {
    by_language
        .iter()
        .map(|(code, vectors)| {
            // Scored as the language's documents are: against its own texts when it has some.
            let scores = match language_scorers.get(Some(code)) {
                Some(own) => language_scorers.score(scorer, own, *vectors),
                None => scorer.score(*vectors),
            };
            aggregate::background_thresholds(taxonomy, scores.view(), decision.pooling, decision.false_alarm_rate)
                .map(|t| (code.to_string(), t))
                .ok_or_else(|| Error::InvalidTaxonomy {
                    source_name: taxonomy.name.clone(),
                    problems: vec![format!(
                        "field `background_by_language.{code}` has {} sentences; thresholds are learnt from at least {}",
                        vectors.nrows(),
                        aggregate::PSEUDO_DOCUMENT_SENTENCES
                    )],
                })
        })
        .collect()
}

/// The priors and the background's norms that a flat taxonomy with priors,
/// scored zero-shot, decides with (see [`aggregate::base_rate_decision`]);
/// `None` for two-level taxonomies, with a head (its intercepts and
/// thresholds were learnt from the user's labels, their base rates), without
/// priors, or with too little background.
pub(super) fn base_rates(
    taxonomy: &Taxonomy,
    scorer: &ZeroShot,
    background: ndarray::ArrayView2<'_, f32>,
    decision: &DecisionConfig,
    head: bool,
) -> Option<(Vec<f32>, aggregate::BackgroundNorms)> {
    if head || taxonomy.is_hierarchical() {
        return None;
    }
    let priors = taxonomy.priors()?;
    let norms = aggregate::background_norms(scorer.score(background).view(), decision.pooling)?;
    Some((priors, norms))
}

impl Classifier {
    /// The thresholds in use for a document of `sentences` sentences, one per
    /// category (they depend on the length only when they were learnt from
    /// the background).
    pub fn thresholds_for(&self, sentences: usize) -> &[f32] {
        let row = sentences.clamp(1, self.thresholds.len()) - 1;
        &self.thresholds[row]
    }

    /// The thresholds in use for a document of article length.
    pub fn thresholds(&self) -> &[f32] {
        self.thresholds_for(usize::MAX)
    }

    /// The thresholds in use for a document of `sentences` sentences in
    /// `language` (ISO 639-3, as results report it), and that language's
    /// code when they were learnt from its own background sentences
    /// ([`Taxonomy::background_by_language`]). A language without them
    /// falls back to [`Classifier::thresholds_for`]: those learnt from the
    /// taxonomy's default background, or fixed ones (an explicit threshold,
    /// a head).
    pub fn thresholds_for_language(&self, language: &str, sentences: usize) -> (&[f32], Option<&str>) {
        match self.language_thresholds.iter().find(|(code, _)| code == language) {
            Some((code, table)) => (&table[sentences.clamp(1, table.len()) - 1], Some(code.as_str())),
            None => (self.thresholds_for(sentences), None),
        }
    }

    /// The languages (ISO 639-3) this classifier has thresholds of their own
    /// for, learnt from the taxonomy's background in that language.
    pub fn calibrated_languages(&self) -> Vec<&str> {
        self.language_thresholds.iter().map(|(code, _)| code.as_str()).collect()
    }

    /// The thresholds that decide a document in `language` (when the
    /// detection is settled: a doubtful one, such as a short English
    /// paragraph that whatlang takes for Portuguese with confidence 0.26,
    /// keeps the default thresholds).
    pub(super) fn calibration_for(
        &self,
        language: Option<&crate::language::Language>,
        sentences: usize,
    ) -> (&[f32], Option<&str>) {
        match language {
            Some(l) => self.thresholds_for_language(&l.code, sentences),
            None => (self.thresholds_for(sentences), None),
        }
    }
}
