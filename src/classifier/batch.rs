//! The batch runner: the sentences of many documents, routed, embedded and
//! scored one encoder run per classifier, a chunk at a time.

use std::ops::Range;

use ndarray::Array2;

use crate::analysis::{DocumentAnalysis, UnitAnalysis};
use crate::error::Result;
use crate::segment::Granularity;

use super::{Classifier, Prepared};

impl Classifier {
    /// Split, route, embed and score many texts, each cut into `unit`s: one
    /// run of the encoder per classifier (this one, the one for other
    /// languages) over the sentences of all its documents.
    pub(super) fn batch<'a>(
        &'a self,
        texts: &[&'a str],
        parallel: bool,
        unit: Granularity,
    ) -> Vec<Result<ScoredDoc<'a>>> {
        use rayon::prelude::*;
        let routed: Vec<Result<(Prepared<'a>, &Classifier)>> = if parallel {
            texts.par_iter().map(|t| self.prepare_routed(t)).collect()
        } else {
            texts.iter().map(|t| self.prepare_routed(t)).collect()
        };
        let ranges: Vec<Vec<Range<usize>>> = routed
            .iter()
            .map(|r| match r {
                Ok((p, c)) => unit.ranges(p.text, &p.spans, c.segmenter.config().newline_breaks),
                Err(_) => Vec::new(),
            })
            .collect();
        let mut scored: Vec<Option<Result<Vec<Scored>>>> = routed.iter().map(|_| None).collect();
        let mut classifiers: Vec<&Classifier> = Vec::with_capacity(2);
        for (_, c) in routed.iter().flatten() {
            if !classifiers.iter().any(|k| std::ptr::eq(*k, *c)) {
                classifiers.push(c);
            }
        }
        for c in classifiers {
            // The documents this classifier reads, with their index.
            let members: Vec<(usize, &Prepared<'_>)> = routed
                .iter()
                .enumerate()
                .filter_map(|(i, r)| match r {
                    Ok((p, k)) if std::ptr::eq(*k, c) => Some((i, p)),
                    _ => None,
                })
                .collect();
            let mut all: Vec<&str> = Vec::new();
            let mut all_ranges: Vec<Range<usize>> = Vec::new();
            let mut all_codes: Vec<Option<&str>> = Vec::new();
            for &(i, p) in &members {
                let base = all.len();
                all_ranges.extend(ranges[i].iter().map(|r| base + r.start..base + r.end));
                all_codes.extend(ranges[i].iter().map(|_| p.scoring_language()));
                all.extend(sentence_texts(p));
            }
            match c.embed_scored(&all, (&all_ranges, &all_codes), parallel) {
                Ok(list) => {
                    let mut list = list.into_iter();
                    for &(i, _) in &members {
                        scored[i] = Some(Ok(list.by_ref().take(ranges[i].len()).collect()));
                    }
                }
                // Attribute the failure to the documents that cause it.
                Err(_) => {
                    for &(i, p) in &members {
                        let codes = vec![p.scoring_language(); ranges[i].len()];
                        scored[i] = Some(c.embed_scored(&sentence_texts(p), (&ranges[i], &codes), parallel));
                    }
                }
            }
        }
        routed
            .into_iter()
            .zip(ranges)
            .zip(scored)
            .map(|((r, ranges), scored)| {
                let (p, c) = r?;
                let scored = scored.expect("every prepared document was scored")?;
                Ok(ScoredDoc { p, c, ranges, scored })
            })
            .collect()
    }

    /// Embed `texts` [`SCORE_CHUNK`] at a time and score them; `ranges`
    /// (consecutive, covering every text) cut them into documents or units,
    /// each scored on its own. A chunk's vectors are dropped once it is
    /// scored: memory follows the scores, not the vectors.
    /// `ranges.1` is the language each range is scored in (see
    /// `Prepared::scoring_language`).
    pub(super) fn embed_scored(
        &self,
        texts: &[&str],
        ranges: (&[Range<usize>], &[Option<&str>]),
        parallel: bool,
    ) -> Result<Vec<Scored>> {
        let (ranges, codes) = ranges;
        use ndarray::{s, Array1};
        let (k, dim) = (self.labels.len(), self.encoder.dim());
        let mut out: Vec<Scored> = ranges
            .iter()
            .map(|r| Scored {
                zero_shot: Array2::zeros((r.len(), k)),
                head: self.head.as_ref().map(|_| Array2::zeros((r.len(), k))),
                topical: self.domain_router().map(|router| Array2::zeros((r.len(), router.names().len()))),
                sum: Array1::zeros(dim),
                tokens: vec![0; r.len()],
                windows: vec![0; r.len()],
            })
            .collect();
        let mut r = 0;
        for from in (0..texts.len()).step_by(SCORE_CHUNK) {
            let to = (from + SCORE_CHUNK).min(texts.len());
            let chunk = &texts[from..to];
            let e = if parallel { self.encoder.embed(chunk) } else { self.encoder.embed_sequential(chunk) }?;
            let zero_shot = self.scorer.score(e.vectors.view());
            let head = self.head.as_ref().map(|h| h.score(e.vectors.view(), zero_shot.view()));
            let topical = self.domain_router().map(|router| router.sentence_similarities(e.vectors.view()));
            let mut row = from;
            while row < to {
                while r < ranges.len() && ranges[r].end <= row {
                    r += 1;
                }
                let Some(range) = ranges.get(r) else { break };
                let doc = &mut out[r];
                let end = range.end.min(to);
                // Rows a..b of the chunk are rows c..d of the range.
                let (a, b, c, d) = (row - from, end - from, row - range.start, end - range.start);
                // Zero-shot, a language with category texts of its own is scored against them.
                match self.language_scorers.get(codes.get(r).copied().flatten()).filter(|_| self.head.is_none()) {
                    Some(own) => doc.zero_shot.slice_mut(s![c..d, ..]).assign(&self.language_scorers.score(
                        &self.scorer,
                        own,
                        e.vectors.slice(s![a..b, ..]),
                    )),
                    None => doc.zero_shot.slice_mut(s![c..d, ..]).assign(&zero_shot.slice(s![a..b, ..])),
                }
                if let (Some(mine), Some(all)) = (doc.head.as_mut(), head.as_ref()) {
                    mine.slice_mut(s![c..d, ..]).assign(&all.slice(s![a..b, ..]));
                }
                if let (Some(mine), Some(all)) = (doc.topical.as_mut(), topical.as_ref()) {
                    mine.slice_mut(s![c..d, ..]).assign(&all.slice(s![a..b, ..]));
                }
                // Web-page furniture does not say where the story belongs.
                for (i, text) in chunk.iter().enumerate().take(b).skip(a) {
                    if !crate::furniture::is_furniture(text) {
                        doc.sum += &e.vectors.row(i);
                    }
                }
                doc.tokens[c..d].copy_from_slice(&e.tokens[a..b]);
                doc.windows[c..d].copy_from_slice(&e.windows[a..b]);
                row = end;
            }
        }
        Ok(out)
    }
}

/// Sentences embedded and scored at a time (see `Classifier::embed_scored`).
const SCORE_CHUNK: usize = 8192;

/// What analysis needs from the encoder for a run of consecutive sentences
/// (a document or a unit): their scores and the sum of their vectors.
pub(super) struct Scored {
    /// Zero-shot scores `[sentences, categories]`.
    pub(super) zero_shot: Array2<f32>,
    /// The head's sentence scores, with a head.
    pub(super) head: Option<Array2<f32>>,
    /// Each sentence's cosine to each domain's centroid, for a two-level
    /// taxonomy with domains (`[sentences, domains]`).
    pub(super) topical: Option<Array2<f32>>,
    /// Sum of the sentence vectors.
    pub(super) sum: ndarray::Array1<f32>,
    pub(super) tokens: Vec<usize>,
    pub(super) windows: Vec<usize>,
}

impl Scored {
    /// The mean sentence vector at unit length (the sum's direction); `None`
    /// when it is zero.
    pub(super) fn mean(&self) -> Option<ndarray::Array1<f32>> {
        crate::route::unit_length(self.sum.clone())
    }
}

/// A prepared document, the classifier for it, its units and their scores.
pub(super) struct ScoredDoc<'a> {
    p: Prepared<'a>,
    c: &'a Classifier,
    ranges: Vec<Range<usize>>,
    scored: Vec<Scored>,
}

/// The analysis of a document scored as one unit.
pub(super) fn whole(d: ScoredDoc<'_>) -> DocumentAnalysis {
    let scored = d.scored.into_iter().next().expect("a prepared document has sentences");
    d.c.analyse(&d.p, scored)
}

/// The analyses of a document's units.
pub(super) fn units(d: ScoredDoc<'_>) -> Vec<UnitAnalysis> {
    d.c.analyse_units(&d.p, d.ranges, d.scored)
}

fn sentence_texts<'a>(p: &Prepared<'a>) -> Vec<&'a str> {
    p.spans.iter().map(|s| s.text(p.text)).collect()
}
