//! Category texts in a document's language ([`Taxonomy::texts_by_language`]):
//! a zero-shot scorer per language, for that language's documents.
//!
//! Cross-lingual similarities (a Russian sentence against an English
//! exemplar) run lower and rank less well than same-language ones. A
//! taxonomy can carry descriptions and exemplars written in a language; a
//! classifier whose encoder reads it scores the documents detected (settled)
//! in it against those texts beside the categories' own, combined as
//! [`Combine`] says. Categories without texts in the language keep their own
//! texts, so a language with texts for some categories only is still scored
//! on all of them. Documents in other languages never see these texts.

use ndarray::{Array2, ArrayView2, Axis};

use crate::error::{Error, Result};
use crate::score::{MemberTexts, ZeroShot};
use crate::taxonomy::Taxonomy;

/// Environment variable choosing how a language's category texts are used
/// (`max`, `mean`, `pooled`, `own` or `off`; see [`Combine`]), for the
/// measurements of docs/languages.md.
pub const LANGUAGE_TEXTS_ENV: &str = "FRAMELENS_LANGUAGE_TEXTS";

/// How a document's language's category texts join the categories' own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    /// Not used: every document is scored against the categories' own texts.
    Off,
    /// One scorer over both sets of texts (the language's are more members).
    Pooled,
    /// Per category, the larger of the two raw similarities (own texts,
    /// the language's texts where the category has some).
    Max,
    /// Per category, the mean of the two raw similarities.
    Mean,
    /// The language's texts alone where a category has some, its own
    /// texts where it has none.
    Own,
}

impl Combine {
    /// The default: off. On the translated FLICC test split, every way of
    /// adding the built-in texts written in Russian, Bulgarian, Portuguese
    /// and Hindi ranked the climate narratives worse than the English texts
    /// alone (docs/languages.md), so they are used only when asked for.
    pub const DEFAULT: Combine = Combine::Off;

    /// `$FRAMELENS_LANGUAGE_TEXTS`, else [`Combine::DEFAULT`].
    pub fn resolve() -> Result<Combine> {
        match std::env::var(LANGUAGE_TEXTS_ENV) {
            Ok(v) if !v.trim().is_empty() => v.trim().parse(),
            _ => Ok(Combine::DEFAULT),
        }
    }

    /// Its name, as `$FRAMELENS_LANGUAGE_TEXTS` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Combine::Off => "off",
            Combine::Pooled => "pooled",
            Combine::Max => "max",
            Combine::Mean => "mean",
            Combine::Own => "own",
        }
    }
}

impl std::str::FromStr for Combine {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        [Combine::Off, Combine::Pooled, Combine::Max, Combine::Mean, Combine::Own]
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| Error::InvalidSetting {
                name: "language_texts",
                reason: format!("{LANGUAGE_TEXTS_ENV}=`{s}`: use `max`, `mean`, `pooled`, `own` or `off`"),
            })
    }
}

/// A language's category texts, in [`MemberTexts`] form (owners are
/// category indices), for the languages an encoder reads (`None`: all).
pub(crate) fn language_members(
    taxonomy: &Taxonomy,
    languages: Option<&[&str]>,
    combine: Combine,
) -> Vec<(String, MemberTexts)> {
    if combine == Combine::Off {
        return Vec::new();
    }
    taxonomy
        .texts_by_language
        .iter()
        .filter(|(code, _)| languages.is_none_or(|l| l.contains(&code.as_str())))
        .map(|(code, texts)| {
            let mut out = MemberTexts { texts: Vec::new(), owner: Vec::new(), is_exemplar: Vec::new() };
            for (c, cat) in taxonomy.categories.iter().enumerate() {
                let Some(t) = texts.get(&cat.id) else { continue };
                if !t.description.trim().is_empty() {
                    out.texts.push(t.description.clone());
                    out.owner.push(c);
                    out.is_exemplar.push(false);
                }
                for e in &t.exemplars {
                    out.texts.push(e.clone());
                    out.owner.push(c);
                    out.is_exemplar.push(true);
                }
            }
            (code.clone(), out)
        })
        .filter(|(_, m)| !m.texts.is_empty())
        .collect()
}

/// The scorers of the languages with category texts of their own.
#[derive(Debug, Clone)]
pub(crate) struct LanguageScorers {
    combine: Combine,
    by_code: Vec<(String, ZeroShot)>,
}

impl LanguageScorers {
    /// No language has texts of its own.
    pub(crate) fn none() -> Self {
        LanguageScorers { combine: Combine::Off, by_code: Vec::new() }
    }

    /// Build one scorer per language. `base` are the categories' own texts
    /// and vectors; `languages` each language's texts and vectors;
    /// `backgrounds` the background vectors of each language that has one
    /// (else `background`), on which `Pooled` and `Own` scorers fit their
    /// calibration as the default scorer does on the default background.
    pub(crate) fn build(
        taxonomy: &Taxonomy,
        base: (&MemberTexts, ArrayView2<'_, f32>),
        languages: Vec<(String, MemberTexts, Array2<f32>)>,
        backgrounds: &[(&str, ArrayView2<'_, f32>)],
        background: ArrayView2<'_, f32>,
        combine: Combine,
    ) -> Self {
        if combine == Combine::Off {
            return Self::none();
        }
        let (base_texts, base_vectors) = base;
        let by_code = languages
            .into_iter()
            .map(|(code, texts, vectors)| {
                let own_background =
                    backgrounds.iter().find(|(c, _)| *c == code).map(|(_, v)| *v).unwrap_or(background);
                let (members, member_vectors) = match combine {
                    Combine::Pooled => join(base_texts, base_vectors, &texts, vectors.view(), |_| true),
                    // The language's texts, and the own texts of categories it has none for.
                    _ => {
                        let covered: Vec<bool> =
                            (0..taxonomy.categories.len()).map(|c| texts.owner.contains(&c)).collect();
                        join(base_texts, base_vectors, &texts, vectors.view(), |c| !covered[c])
                    }
                };
                let scorer = match combine {
                    Combine::Max | Combine::Mean => {
                        ZeroShot::with_calibration(taxonomy, &members, member_vectors, None)
                    }
                    _ => ZeroShot::with_calibration(taxonomy, &members, member_vectors, None).fitted(
                        taxonomy,
                        &members,
                        own_background,
                    ),
                };
                (code, scorer)
            })
            .collect();
        LanguageScorers { combine, by_code }
    }

    /// How the texts are combined, and each language's member count, for cache keys.
    pub(crate) fn describe(&self) -> Vec<String> {
        self.by_code
            .iter()
            .map(|(code, s)| format!("texts|{code}|{}|{}", self.combine.name(), s.member_vectors().nrows()))
            .collect()
    }

    /// The scorer of a language, if it has texts of its own.
    pub(crate) fn get(&self, code: Option<&str>) -> Option<&ZeroShot> {
        let code = code?;
        self.by_code.iter().find(|(c, _)| c == code).map(|(_, s)| s)
    }

    /// Scores `[n, k]` of sentences in a language with a scorer (`own`),
    /// `base` being the default scorer.
    pub(crate) fn score(&self, base: &ZeroShot, own: &ZeroShot, x: ArrayView2<'_, f32>) -> Array2<f32> {
        match self.combine {
            Combine::Max => base.score_combined(own, x, false),
            Combine::Mean => base.score_combined(own, x, true),
            _ => own.score(x),
        }
    }
}

/// The base texts whose category passes `keep_base`, then all of `extra`.
fn join(
    base: &MemberTexts,
    base_vectors: ArrayView2<'_, f32>,
    extra: &MemberTexts,
    extra_vectors: ArrayView2<'_, f32>,
    keep_base: impl Fn(usize) -> bool,
) -> (MemberTexts, Array2<f32>) {
    let rows: Vec<usize> = (0..base.texts.len()).filter(|&m| keep_base(base.owner[m])).collect();
    let mut texts = MemberTexts {
        texts: rows.iter().map(|&m| base.texts[m].clone()).collect(),
        owner: rows.iter().map(|&m| base.owner[m]).collect(),
        is_exemplar: rows.iter().map(|&m| base.is_exemplar[m]).collect(),
    };
    texts.texts.extend(extra.texts.iter().cloned());
    texts.owner.extend(&extra.owner);
    texts.is_exemplar.extend(&extra.is_exemplar);
    let kept = base_vectors.select(Axis(0), &rows);
    let vectors = ndarray::concatenate(Axis(0), &[kept.view(), extra_vectors]).unwrap_or(kept);
    (texts, vectors)
}
