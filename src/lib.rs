#![warn(missing_docs)]
//! # framelens
//!
//! Finds framing and propaganda narratives in news text.
//!
//! Text → sentences with byte offsets ([`segment`]) → a transformer encoder,
//! batched and run in parallel ([`encode`]) → a score in [0, 1] for every
//! category of a [`taxonomy`], per sentence (the zero-shot scorer, or a
//! trained [`head`]) → document-level
//! labels, each with the sentences that carry it as evidence ([`aggregate`]).
//! Results are serde types ([`analysis`]).
//!
//! ```no_run
//! use framelens::{Classifier, Taxonomy};
//! # fn main() -> framelens::Result<()> {
//! let classifier = Classifier::builder()
//!     .taxonomy(Taxonomy::builtin("media-frames")?)
//!     .build()?;
//! let analysis = classifier.classify("Sanctions have cost Europe billions. NATO moved troops east.")?;
//! for label in &analysis.labels {
//!     println!("{} {:.2} {:?}", label.label, label.score, label.evidence);
//! }
//! # Ok(()) }
//! ```

pub mod aggregate;
pub mod analysis;
pub mod basis;
mod cache;
pub mod classifier;
pub mod corpus;
pub mod data;
pub mod encode;
pub mod error;
mod fit;
pub mod furniture;
pub mod head;
pub mod language;
pub(crate) mod language_texts;
pub mod metrics;
pub mod models;
pub(crate) mod pool;
pub mod report;
pub(crate) mod route;
pub(crate) mod score;
pub mod segment;
pub mod taxonomy;
pub mod train;
pub mod tuned;

pub use aggregate::DecisionConfig;
pub use analysis::{DocumentAnalysis, DocumentLabel, LabelScore, Sentence, SentenceScores, UnitAnalysis};
pub use classifier::{Classifier, ClassifierBuilder};
pub use encode::BackendKind;
pub use error::{Error, Result};
pub use head::{Head, HeadSet};
pub use models::OnnxModel;
pub use pool::Pooling;
pub use score::Calibration;
pub use segment::{Granularity, Segmenter, SegmenterConfig, Span};
pub use taxonomy::{Category, Taxonomy};
pub use tuned::TunedEncoder;

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Classifier>();
    assert_send_sync::<Taxonomy>();
};
