//! Routed training: one head per encoder from one multilingual corpus.
//!
//! A classifier on an English model sends documents in other languages to
//! multilingual-e5-small (see `docs/languages.md`). A head learns on one
//! encoder's vectors, so a corpus in several languages trains one head per
//! encoder: [`train_routed`] routes each training document as
//! [`crate::Classifier::classify`] routes it (by the language detected in its
//! text), embeds it with the encoder that would read it, and trains that
//! encoder's head on the documents routed to it. The classifier then applies
//! to each document the head of the encoder that read it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::classifier::Classifier;
use crate::data::LabelledDocument;
use crate::error::{Error, Result};
use crate::head::{HeadSet, TrainConfig};

use super::TrainDocument;

/// Which documents train the head of the encoder for other languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OtherHeadFrom {
    /// The documents routed to it (default): each head learns from the
    /// documents it will read.
    #[default]
    Routed,
    /// Every document, each embedded (also) with that encoder: more data for
    /// the multilingual head, at the cost of embedding the main encoder's
    /// documents twice.
    All,
}

/// How [`train_routed`] splits a corpus between encoders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoutedTrainConfig {
    /// Which documents train the head for other languages.
    pub other_from: OtherHeadFrom,
    /// Fewest documents for a head of its own. Fewer documents routed to the
    /// encoder for other languages train the main encoder's head instead
    /// (as they did before heads could route) and are reported; default 5.
    pub min_documents: usize,
}

impl Default for RoutedTrainConfig {
    fn default() -> Self {
        RoutedTrainConfig { other_from: OtherHeadFrom::Routed, min_documents: 5 }
    }
}

/// What trained one encoder's head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderTraining {
    /// The encoder, e.g. `onnx:all-MiniLM-L6-v2-rowq8`.
    pub encoder: String,
    /// Training documents of its head.
    pub documents: usize,
    /// Of those, how many per detected language (ISO 639-3 code, `und`
    /// when the text was too short to tell).
    pub detected: BTreeMap<String, usize>,
    /// Of those, how many per declared language
    /// ([`LabelledDocument::language`], `-` when none was declared).
    pub declared: BTreeMap<String, usize>,
    /// Of those, documents whose language it does not read (no encoder for
    /// it was available, or too few of them for a head of their own).
    pub unsupported: usize,
}

/// Heads trained by [`train_routed`], and what trained each.
#[derive(Debug, Clone)]
pub struct RoutedTraining {
    /// One head per encoder that had documents.
    pub heads: HeadSet,
    /// Per head, in the same order.
    pub encoders: Vec<EncoderTraining>,
    /// Documents whose declared language is not the detected one (ISO 639-1
    /// against [`crate::language::sentencex_code`] of the detection); they
    /// are routed by the detection, as classification would route them.
    pub language_mismatches: Vec<String>,
    /// Documents routed to the encoder for other languages that trained the
    /// main head instead, because there were fewer than
    /// [`RoutedTrainConfig::min_documents`] of them.
    pub fallback: Vec<String>,
}

/// Progress of [`train_routed`].
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// `embedding`, or `training` a head.
    pub stage: &'a str,
    /// The encoder at work.
    pub encoder: &'a str,
    /// Steps done of `total` (documents embedded; folds fitted, plus the final fit).
    pub done: usize,
    /// Steps in this stage.
    pub total: usize,
}

/// Train one head per encoder on labelled documents, routing each as
/// `classifier` routes it at classification time.
///
/// `classifier` must be zero-shot (no head): its scores are what the heads
/// build on. Documents it would send to its classifier for other languages
/// (multilingual-e5-small by default, when fetched) are embedded and scored
/// by that classifier and train its head; the others train the head of
/// `classifier`'s own encoder. Without a classifier for other languages
/// (e5 not fetched, `other_languages(None)`, a model that reads them itself)
/// every document trains one head, exactly as
/// [`super::training_documents`] and [`super::train`] do.
pub fn train_routed(
    classifier: &Classifier,
    docs: &[LabelledDocument],
    config: &TrainConfig,
    routing: &RoutedTrainConfig,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<RoutedTraining> {
    if classifier.has_head() {
        return Err(Error::InvalidSetting {
            name: "classifier",
            reason: "train heads on a zero-shot classifier (one built without a head)".into(),
        });
    }
    if docs.is_empty() {
        return Err(Error::InvalidInput("no training documents".into()));
    }
    // Route every document first: the classifier for other languages is
    // built the first time a document needs it.
    let mut main_docs: Vec<usize> = Vec::new();
    let mut other_docs: Vec<usize> = Vec::new();
    let mut other: Option<&Classifier> = None;
    let mut detected: Vec<Option<crate::language::Language>> = Vec::with_capacity(docs.len());
    let mut language_mismatches = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        let (reader, language) = classifier.reader_of(&d.text)?;
        if let (Some(declared), Some(found)) = (d.language.as_deref(), language.as_ref()) {
            if crate::language::sentencex_code(&found.code) != Some(declared) && found.code != declared {
                language_mismatches.push(d.id.clone());
            }
        }
        detected.push(language);
        if std::ptr::eq(reader, classifier) {
            main_docs.push(i);
        } else {
            other = Some(reader);
            other_docs.push(i);
        }
    }
    let mut routed_away = vec![false; docs.len()];
    for &i in &other_docs {
        routed_away[i] = true;
    }
    let mut fallback = Vec::new();
    if !other_docs.is_empty() && other_docs.len() < routing.min_documents.max(1) {
        fallback = other_docs.iter().map(|&i| docs[i].id.clone()).collect();
        main_docs.append(&mut other_docs);
        main_docs.sort_unstable();
        other = None;
    }
    let mut groups: Vec<(&Classifier, Vec<usize>)> = Vec::with_capacity(2);
    if !main_docs.is_empty() {
        groups.push((classifier, main_docs));
    }
    if let Some(other) = other {
        let members = match routing.other_from {
            OtherHeadFrom::Routed => other_docs,
            OtherHeadFrom::All => (0..docs.len()).collect(),
        };
        groups.push((other, members));
    }

    let mut heads = Vec::with_capacity(groups.len());
    let mut encoders = Vec::with_capacity(groups.len());
    for (c, members) in groups {
        let encoder = c.encoder_name().to_string();
        let mut train_docs: Vec<TrainDocument> = Vec::with_capacity(members.len());
        for chunk in members.chunks(16) {
            let batch: Vec<LabelledDocument> = chunk.iter().map(|&i| docs[i].clone()).collect();
            train_docs.extend(super::training_documents(c, &batch)?);
            progress(Progress { stage: "embedding", encoder: &encoder, done: train_docs.len(), total: members.len() });
        }
        let extra = if config.use_exemplars { super::taxonomy_units(c, config.exemplar_weight) } else { Vec::new() };
        let head = super::train(c.taxonomy(), &encoder, &train_docs, &extra, config, &mut |done, total| {
            progress(Progress { stage: "training", encoder: &encoder, done, total })
        })?;
        let mut report = EncoderTraining {
            encoder: encoder.clone(),
            documents: members.len(),
            detected: BTreeMap::new(),
            declared: BTreeMap::new(),
            unsupported: 0,
        };
        for &i in &members {
            let code = detected[i].as_ref().map_or_else(|| "und".to_string(), |l| l.code.clone());
            // Moved to the main head for lack of company: its encoder does not read them.
            let moved = std::ptr::eq(c, classifier) && routed_away[i];
            let read = !moved && detected[i].as_ref().is_none_or(|l| l.supported);
            *report.detected.entry(code).or_default() += 1;
            *report.declared.entry(docs[i].language.clone().unwrap_or_else(|| "-".into())).or_default() += 1;
            report.unsupported += usize::from(!read);
        }
        heads.push(head);
        encoders.push(report);
    }
    Ok(RoutedTraining { heads: HeadSet::new(heads)?, encoders, language_mismatches, fallback })
}
