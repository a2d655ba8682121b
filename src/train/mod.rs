//! Training: heads from labelled documents, routed per encoder, (with the
//! `rust-bert` feature) tuning the encoder, and evaluation on a labelled
//! corpus ([`evaluate`]). Run time ([`crate::classifier`],
//! [`crate::head`]) never imports this module; it imports them.
//!
//! Labels in the shared-task corpora were made per paragraph and merged per
//! document, so a document's label says "some part of this text carries it".
//! The head therefore learns on *units* that each carry their document's
//! labels: the document as a whole (the normalised mean of its sentence
//! vectors) and, when asked, its paragraphs. The taxonomy's exemplars and
//! descriptions join the training set as one-sentence units labelled with
//! their category (and its parent), and background sentences as units with
//! no label — the one gain above noise reported for narratives.
//!
//! The head is *residual* on zero-shot scoring ([`crate::head`]): `a_c`
//! starts at 1 and `w_c`, `b_c` at 0, with an L2 pull of `a_c` towards 1 and
//! of `w_c` towards 0. With few labelled documents it learns little more than
//! per-category calibration of the zero-shot scores; with more it learns
//! directions in embedding space the exemplars missed. Per-category
//! thresholds are chosen by k-fold cross-validation on the training
//! documents only.
//!
//! With 20–50 labelled documents a full head has more to learn than the
//! labels can teach: [`calibrate`] fits a calibration of the zero-shot
//! scores instead, and [`train_choosing`] (what `train --kind auto` runs)
//! keeps whichever of the two beats the other and zero-shot out of fold.

pub mod calibrate;
mod documents;
mod evaluate;
mod fit;
mod held_out;
mod rates;
mod routed;
mod thresholds;
#[cfg(feature = "rust-bert")]
pub mod tune;

pub use calibrate::{train_calibration, train_choosing, Chosen, KindChoice, KindReport, Trained};
pub use documents::{taxonomy_units, training_documents, TrainDocument};
pub use evaluate::{evaluate, Evaluation, LanguageScores};
pub use fit::Unit;
pub use held_out::{train, train_held_out, HeldOutReport};
pub use routed::{train_routed, EncoderTraining, OtherHeadFrom, Progress, RoutedTrainConfig, RoutedTraining};
pub use thresholds::choose_thresholds;
