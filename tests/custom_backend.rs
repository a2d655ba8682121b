//! A backend of the user's own, given to the builder through `text_encoder`.

mod common;

use framelens::encode::{load_tokenizer, Backend, EncoderConfig, TextEncoder, TokenBatch};
use framelens::{Classifier, Taxonomy};
use ndarray::Array2;

/// Bag of word pieces hashed into 64 dimensions, normalised: crude, but a
/// real function of the text, so similar sentences get similar vectors.
struct Hashed;

impl Backend for Hashed {
    fn name(&self) -> &str {
        "test:hashed-word-pieces"
    }
    fn dim(&self) -> usize {
        64
    }
    fn embed_batch(&self, batch: &TokenBatch) -> framelens::Result<Array2<f32>> {
        let (n, seq) = batch.input_ids.dim();
        let mut out = Array2::<f32>::zeros((n, 64));
        for i in 0..n {
            for t in 0..seq {
                if batch.attention_mask[[i, t]] == 1 {
                    let id = batch.input_ids[[i, t]] as u64;
                    out[[i, (id.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58) as usize]] += 1.0;
                }
            }
            let norm = out.row(i).dot(&out.row(i)).sqrt();
            if norm > 0.0 {
                out.row_mut(i).mapv_inplace(|v| v / norm);
            }
        }
        Ok(out)
    }
}

#[test]
fn a_users_backend_runs_the_whole_pipeline() {
    let tokenizer = load_tokenizer(&common::root().join("models/all-minilm-l6-v2/tokenizer.json")).unwrap();
    let encoder = TextEncoder::new(tokenizer, Box::new(Hashed), EncoderConfig::default()).unwrap();
    let classifier = Classifier::builder()
        .taxonomy(Taxonomy::media_frames())
        .models_dir("/nonexistent: no model files are needed")
        .text_encoder(encoder)
        .threads(2)
        .build()
        .unwrap();
    assert_eq!(classifier.encoder_name(), "test:hashed-word-pieces");
    let a = classifier.classify("Sanctions cost Europe billions. Troops massed on the border.").unwrap();
    assert_eq!(a.encoder, "test:hashed-word-pieces");
    assert_eq!(a.sentences.len(), 2);
    assert_eq!(a.document_scores.len(), 14);
    // The same sentence twice gets the same scores: the pipeline uses the vectors it was given.
    let b = classifier.classify("Troops massed on the border. Troops massed on the border.").unwrap();
    assert_eq!(b.sentences[0].scores, b.sentences[1].scores);
}
