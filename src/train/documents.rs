//! Training data from a classifier: labelled documents split, embedded and
//! scored zero-shot as `classify` would, and the taxonomy's own texts as
//! extra units.

use ndarray::{Array2, ArrayView2, Axis};

use crate::classifier::Classifier;
use crate::data::LabelledDocument;
use crate::error::Result;
use crate::taxonomy::Taxonomy;

use super::Unit;

/// Training data for [`super::train`]: per document, its sentence vectors, their
/// zero-shot scores, paragraph row ranges, and label indices.
#[derive(Debug, Clone)]
pub struct TrainDocument {
    /// Sentence vectors `[sentences, dim]`.
    pub sentences: Array2<f32>,
    /// Zero-shot scores `[sentences, k]`.
    pub scores: Array2<f32>,
    /// Row ranges of `sentences` that make up each paragraph.
    pub paragraphs: Vec<std::ops::Range<usize>>,
    /// Category indices the document carries.
    pub labels: Vec<usize>,
}

/// Split, embed and score labelled documents for [`super::train`] as `c`
/// would classify them: each split as `classify` splits it (with the rules of
/// its language), its sentences embedded and scored zero-shot. Labels (fine
/// and coarse) map to category indices; the taxonomy's `other_label` maps to
/// none; an unknown label is an error.
pub fn training_documents(c: &Classifier, docs: &[LabelledDocument]) -> Result<Vec<TrainDocument>> {
    let mut out = Vec::with_capacity(docs.len());
    for d in docs {
        let labels = d.label_indices(c.taxonomy())?;
        let (spans, _) = c.segmenter().split_detected(&d.text);
        let texts: Vec<&str> = spans.iter().map(|s| s.text(&d.text)).collect();
        let sentences = if texts.is_empty() { Array2::zeros((0, c.dim())) } else { c.embed(&texts)?.vectors };
        let scores = c.scorer().score(sentences.view());
        let paragraphs =
            crate::segment::Granularity::Paragraph.ranges(&d.text, &spans, c.segmenter().config().newline_breaks);
        out.push(TrainDocument { sentences, scores, paragraphs, labels });
    }
    Ok(out)
}

/// The taxonomy's exemplars, descriptions and background as training units
/// of weight `weight`: `c`'s member and background vectors (embedded when it
/// was built), with their zero-shot scores.
pub fn taxonomy_units(c: &Classifier, weight: f32) -> Vec<Unit> {
    let members = crate::score::MemberTexts::of(c.taxonomy());
    let member_scores = c.scorer().member_scores_left_out();
    let background_scores = c.scorer().score(c.background_vectors());
    units_of_taxonomy(
        c.taxonomy(),
        &members.owner,
        (c.scorer().member_vectors(), member_scores.view()),
        (c.background_vectors(), background_scores.view()),
        weight,
    )
}

/// Extra units from the taxonomy: exemplars/descriptions with their category
/// and ancestors, background with none. `members`/`background` are the
/// vectors of [`crate::score::MemberTexts`] and of `taxonomy.background`,
/// with their zero-shot scores (members scored leave-one-out).
fn units_of_taxonomy(
    taxonomy: &Taxonomy,
    owners: &[usize],
    members: (ArrayView2<'_, f32>, ArrayView2<'_, f32>),
    background: (ArrayView2<'_, f32>, ArrayView2<'_, f32>),
    weight: f32,
) -> Vec<Unit> {
    let mut units = Vec::new();
    for (m, &owner) in owners.iter().enumerate() {
        let labels = taxonomy.ancestors(owner);
        units.push(Unit {
            vector: members.0.row(m).to_owned(),
            prior: members.1.row(m).to_owned(),
            labels,
            weight,
            document: None,
        });
    }
    for (row, prior) in background.0.axis_iter(Axis(0)).zip(background.1.axis_iter(Axis(0))) {
        units.push(Unit {
            vector: row.to_owned(),
            prior: prior.to_owned(),
            labels: Vec::new(),
            weight,
            document: None,
        });
    }
    units
}
