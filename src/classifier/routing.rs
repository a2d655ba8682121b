//! Routing by language: the second classifier (the encoder for other
//! languages), how the builder sets it up, and which classifier reads a text.

use crate::encode::BackendKind;
use crate::error::{Error, Result};
use crate::head::HeadSet;
use crate::models;

use super::{Classifier, ClassifierBuilder, Prepared};

impl ClassifierBuilder {
    /// The builder of the classifier for other languages, and whether it is
    /// built now (asked for) or on first use (the default).
    pub(super) fn others_builder(
        &self,
        model: models::OnnxModel,
        models_dir: &std::path::Path,
    ) -> Result<Option<(ClassifierBuilder, bool)>> {
        // A head set routes only with a head for the other model (a file of one head never does).
        let other_head = |other: models::OnnxModel| {
            self.heads.as_ref().filter(|set| set.len() > 1).and_then(|set| set.get(other.encoder_name()))
        };
        let (other, eager) = match self.other_languages {
            Some(None) => return Ok(None),
            Some(Some(other)) => (other, true),
            None => {
                let e5 = models::OnnxModel::E5;
                let english = self.custom.is_none()
                    && (self.heads.is_none() || other_head(e5).is_some())
                    && self.tuned.is_none()
                    && self.backend == BackendKind::Onnx
                    && model.languages() == crate::language::ENGLISH_ONLY;
                if !english || !models_dir.join(e5.dir_name()).join("model.onnx").is_file() {
                    return Ok(None);
                }
                (e5, false)
            }
        };
        let refuse = |reason: &str| {
            Err(Error::InvalidSetting {
                name: "other_languages",
                reason: format!("{}: {reason}", other.encoder_name()),
            })
        };
        if self.custom.is_some() || self.tuned.is_some() || self.backend != BackendKind::Onnx {
            return refuse("documents go to a second ONNX model only from a classifier on an ONNX model of framelens");
        }
        let head = other_head(other);
        if self.heads.is_some() && head.is_none() {
            return refuse(
                "the head file has no head for it; train heads on a corpus with documents in its languages \
                 (`train` makes one head per encoder), or train one with `--model e5` and use it alone",
            );
        }
        if other == model {
            return refuse("it is already the classifier's model");
        }
        let builder = ClassifierBuilder {
            taxonomy: self.taxonomy.clone(),
            models_dir: Some(models_dir.to_path_buf()),
            model: Some(other),
            encoder: self.encoder.clone(),
            segmenter: self.segmenter.clone(),
            decision: self.decision.clone(),
            other_languages: Some(None),
            heads: head.cloned().map(HeadSet::single),
            tuned: None,
            custom: None,
            ..self.clone()
        };
        Ok(Some((builder, eager)))
    }
}

/// The classifier for documents in languages the main encoder does not read,
/// built on first use unless it was asked for explicitly.
pub(super) struct Others {
    pub(super) builder: ClassifierBuilder,
    pub(super) built: std::sync::OnceLock<Result<Box<Classifier>>>,
}

impl Others {
    /// Build the classifier on a thread of its own. The first document that
    /// needs it may be on one of a rayon pool's threads; a rayon thread that
    /// waits for the build's own pool runs other jobs of its pool meanwhile,
    /// and a second document there would wait forever for this build.
    pub(super) fn build(&self) -> Result<Box<Classifier>> {
        std::thread::scope(|s| s.spawn(|| self.builder.clone().build().map(Box::new)).join()).unwrap_or_else(|_| {
            Err(Error::InvalidSetting {
                name: "other_languages",
                reason: "building the classifier for other languages panicked".into(),
            })
        })
    }
}

impl Classifier {
    /// The encoder name of the classifier that documents in languages this
    /// one's encoder does not read go to, if any (it may not be built yet).
    pub fn other_languages_encoder(&self) -> Option<&'static str> {
        self.others.as_ref().and_then(|o| o.builder.model).map(models::OnnxModel::encoder_name)
    }

    /// The classifier that reads `text` as [`Classifier::classify`] routes it
    /// (this one, or the one for other languages, built now if need be) and
    /// the language detected in it, `supported` by that classifier or not.
    /// A text `classify` refuses (empty, too long) stays with this one.
    pub(crate) fn reader_of(&self, text: &str) -> Result<(&Classifier, Option<crate::language::Language>)> {
        match self.prepare_routed(text) {
            Ok((p, c)) => Ok((c, p.language)),
            Err(e @ Error::InvalidSetting { .. }) => Err(e),
            Err(_) => Ok((self, None)),
        }
    }

    /// Whether it scores with a trained head.
    pub(crate) fn has_head(&self) -> bool {
        self.head.is_some()
    }

    /// Split a document and choose the classifier for its language: this one,
    /// or the one for other languages when the detection is settled, this
    /// encoder does not read the language and that one does.
    pub(super) fn prepare_routed<'a>(&self, text: &'a str) -> Result<(Prepared<'a>, &Classifier)> {
        let mut p = self.prepare(text)?;
        let (Some(others), Some(language)) = (&self.others, p.language.as_mut()) else { return Ok((p, self)) };
        let other_reads = |c: &Classifier| c.languages.is_some_and(|l| l.contains(&language.code.as_str()));
        if language.supported || !others.builder.model.is_some_and(|m| m.languages().contains(&language.code.as_str()))
        {
            return Ok((p, self));
        }
        let other = match others.built.get_or_init(|| others.build()) {
            Ok(c) => c.as_ref(),
            Err(e) => {
                return Err(Error::InvalidSetting {
                    name: "other_languages",
                    reason: format!("a document in {} needs the classifier for other languages: {e}", language.name),
                })
            }
        };
        language.supported = other_reads(other);
        Ok((p, other))
    }
}
