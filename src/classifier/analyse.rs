//! One document from text to analysis: split into sentences (`prepare`),
//! then decided from its scores (`analyse`), whole or unit by unit.

use std::ops::Range;

use crate::aggregate;
use crate::analysis::{DocumentAnalysis, LabelScore, Sentence, SentenceScores, UnitAnalysis};
use crate::error::{Error, Result};
use crate::head::Head;

use super::batch::Scored;
use super::{Classifier, Prepared};

impl Classifier {
    /// Analyse each unit of a scored document on its own.
    pub(super) fn analyse_units(
        &self,
        p: &Prepared<'_>,
        ranges: Vec<Range<usize>>,
        scored: Vec<Scored>,
    ) -> Vec<UnitAnalysis> {
        ranges
            .into_iter()
            .zip(scored)
            .map(|(range, scored)| {
                let spans = &p.spans[range.clone()];
                // The whole document's language was detected when it was prepared.
                let (language, settled) = if range.len() == p.spans.len() {
                    (p.language.clone(), p.settled)
                } else {
                    let info = crate::language::detect_info(&p.text[spans[0].start..spans[spans.len() - 1].end]);
                    let settled = info.as_ref().is_some_and(crate::language::settled);
                    (info.map(|i| crate::language::describe(&i, self.languages)), settled)
                };
                let unit = Prepared { text: p.text, spans: spans.to_vec(), language, settled };
                UnitAnalysis {
                    start: p.spans[range.start].start,
                    end: p.spans[range.end - 1].end,
                    analysis: self.analyse(&unit, scored),
                }
            })
            .collect()
    }

    pub(super) fn prepare<'a>(&self, text: &'a str) -> Result<Prepared<'a>> {
        if text.len() > self.max_input_bytes {
            return Err(Error::InvalidInput(format!(
                "the text is {} bytes, over the limit of {} bytes; split it into smaller documents or raise the limit (the classifier's max_input_bytes setting)",
                text.len(),
                self.max_input_bytes
            )));
        }
        let (spans, info) = self.segmenter.split_detected(text);
        if spans.is_empty() {
            return Err(Error::InvalidInput("the text is empty or only whitespace; nothing to classify".into()));
        }
        let settled = info.as_ref().is_some_and(crate::language::settled);
        let language = info.map(|i| crate::language::describe(&i, self.languages));
        Ok(Prepared { text, spans, language, settled })
    }

    /// Decide a document (or unit) from its scores. Web-page furniture
    /// ([`crate::furniture`]) keeps its scores in `sentences` but takes no
    /// part in the document's scores, evidence or domain.
    pub(super) fn analyse(&self, p: &Prepared<'_>, scored: Scored) -> DocumentAnalysis {
        let mean = scored.mean();
        let furniture: Vec<bool> = p.spans.iter().map(|s| crate::furniture::is_furniture(s.text(p.text))).collect();
        // Rows of the story's own sentences (all of them when nothing is furniture).
        let content: Option<Vec<usize>> =
            furniture.contains(&true).then(|| (0..furniture.len()).filter(|&i| !furniture[i]).collect());
        let of_content = |a: &ndarray::Array2<f32>| match &content {
            Some(rows) => a.select(ndarray::Axis(0), rows),
            None => a.clone(),
        };
        let zero_shot_doc = aggregate::document_scores(of_content(&scored.zero_shot).view(), self.decision.pooling);
        let (scores, doc) = match (&self.head, scored.head) {
            (Some(head), Some(sentences)) => {
                let doc = match &mean {
                    Some(mean) => head.score_document(mean.view(), &zero_shot_doc),
                    None => head.score_document(ndarray::Array1::zeros(self.encoder.dim()).view(), &zero_shot_doc),
                };
                (sentences, doc)
            }
            _ => (scored.zero_shot, zero_shot_doc),
        };
        let decided = of_content(&scores);
        let language = p.language.as_ref().filter(|_| p.settled);
        let (thresholds, calibration) = self.calibration_for(language, decided.nrows());
        let mut domain = match (&self.router, &mean) {
            (Some(router), Some(mean)) if self.taxonomy.is_hierarchical() => router.route(mean.view()),
            _ => None,
        };
        // A document about none of the domains has none (see `route::DomainRouter`);
        // one about some of them goes to the best of those.
        let mut domain_reason = None;
        if let (Some(router), Some(sims), Some(best)) = (self.domain_router(), &scored.topical, &domain) {
            let sims = of_content(sims);
            match router.topical(sims.view(), language.map(|l| l.code.as_str())) {
                crate::route::Topicality::Neither(reason) => {
                    domain = None;
                    domain_reason = Some(reason);
                }
                crate::route::Topicality::In(about) if !about.iter().any(|&d| &router.names()[d] == best) => {
                    if let Some(mean) = &mean {
                        let (sims, _) = router.similarities(mean.view());
                        domain =
                            about.iter().map(|&d| &sims[d]).max_by(|a, b| a.1.total_cmp(&b.1)).map(|(n, _)| n.clone());
                    }
                }
                crate::route::Topicality::In(_) => {}
            }
        }
        let base = self.base_rates.as_ref().filter(|_| self.head.is_none()).map(|(priors, norms)| {
            let (mean, sd) = norms.for_length(decided.nrows());
            aggregate::BaseRates { priors, mean, sd }
        });
        let (mut labels, mut coarse) = match &domain_reason {
            Some(_) => aggregate::outside_domains(&self.taxonomy, &doc),
            None => aggregate::decide_with_base_rates(
                &self.taxonomy,
                &doc,
                decided.view(),
                domain.as_deref(),
                thresholds,
                &self.decision,
                base.as_ref(),
            ),
        };
        if let Some(rows) = &content {
            // Evidence indices are into the content rows: map them back to `sentences`.
            for label in labels.iter_mut().chain(coarse.iter_mut().flatten()) {
                label.evidence.iter_mut().for_each(|i| *i = rows[*i]);
            }
        }
        let norms = self.norms.as_ref().and_then(|n| n.norms(calibration, decided.nrows(), domain.as_deref()));
        // A document in neither domain was not decided by the rule: its
        // basis keeps the document scores against the thresholds and says so.
        let basis = match &domain_reason {
            Some(_) => crate::basis::DecisionBasis {
                rule: crate::basis::Rule::OutsideDomains,
                ..super::norms::basis_of(
                    &self.fingerprint,
                    &doc,
                    decided.nrows(),
                    thresholds,
                    None,
                    self.head.is_some(),
                    &self.decision,
                    norms,
                )
            },
            None => super::norms::basis_of(
                &self.fingerprint,
                &doc,
                decided.nrows(),
                thresholds,
                base.as_ref(),
                self.head.is_some(),
                &self.decision,
                norms,
            ),
        };
        if basis.rule == crate::basis::Rule::BaseRates {
            // Labels show the number their decision compared (see `DecisionBasis::shown`).
            for l in &mut labels {
                if let Some(shown) = self.taxonomy.index_of_label(&l.label).and_then(|c| basis.shown(c)) {
                    l.score = shown;
                }
            }
            labels.sort_by(|a, b| crate::analysis::by_score((a.score, &a.label), (b.score, &b.label)));
        }
        let sentences = p
            .spans
            .iter()
            .zip(SentenceScores::rows(std::sync::Arc::clone(&self.labels), scores))
            .enumerate()
            .map(|(i, (span, scores))| Sentence {
                start: span.start,
                end: span.end,
                text: span.text(p.text).to_string(),
                tokens: scored.tokens[i],
                windows: scored.windows[i],
                furniture: furniture[i],
                scores,
            })
            .collect();
        let labels_of = |c: usize| std::sync::Arc::clone(&self.labels[c]);
        DocumentAnalysis {
            taxonomy: self.taxonomy.name.clone(),
            encoder: self.encoder.backend_name().to_string(),
            scorer: self.head.as_ref().map_or_else(|| "zero-shot".to_string(), Head::name),
            domain,
            domain_reason,
            language: p.language.clone(),
            calibration: calibration.map(str::to_string),
            sentences,
            labels,
            coarse,
            document_scores: sorted_scores(doc.iter().enumerate().map(|(c, &s)| (labels_of(c), s))),
            basis: Some(basis),
        }
    }
}

fn sorted_scores(it: impl Iterator<Item = (std::sync::Arc<str>, f32)>) -> Vec<LabelScore> {
    let mut v: Vec<LabelScore> = it.map(|(label, score)| LabelScore { label, score }).collect();
    v.sort_by(|a, b| crate::analysis::by_score((a.score, &a.label), (b.score, &b.label)));
    v
}
