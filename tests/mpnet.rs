//! The optional larger encoder, all-mpnet-base-v2 (`models/fetch-mpnet`).
//! Ignored by default because the model is not part of `models/fetch`;
//! `models/fetch-mpnet && cargo test --release --test mpnet -- --ignored`
//! runs it (CI does), and it fails when the model is missing.

mod common;

use framelens::models::OnnxModel;
use framelens::Classifier;

const SENTENCES: [&str; 4] = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The central bank raised interest rates again.",
    "Sanctions have cost European economies billions.",
];

/// Cosines between the sentences' vectors from the fp32 graph that
/// `models/make_mpnet.py` builds (checked there against a numpy forward pass
/// of transformers' MPNetModel), with the model's own tokenizer in Python.
const FP32_COSINES: [[f32; 4]; 4] = [
    [1.0, 0.6601, -0.0976, -0.0133],
    [0.6601, 1.0, -0.0661, 0.0384],
    [-0.0976, -0.0661, 1.0, 0.1489],
    [-0.0133, 0.0384, 0.1489, 1.0],
];

fn mpnet() -> Classifier {
    common::on_model(OnnxModel::Mpnet, "media-frames", "models/fetch-mpnet")
}

#[test]
#[ignore = "needs models/fetch-mpnet"]
fn mpnet_vectors_match_the_fp32_graph_and_ignore_their_batch() {
    let c = mpnet();
    assert_eq!(c.encoder_name(), "onnx:all-mpnet-base-v2-rowq8");
    let v = c.embed(&SENTENCES).unwrap().vectors;
    assert_eq!(v.ncols(), 768);
    // Tokenizer (<s> … </s>, <pad> = 1), graph and pooling end to end: the
    // quantised model's cosines stay within 0.03 of the fp32 graph's (each
    // vector keeps a cosine of about 0.995 with its fp32 one; the measured
    // largest move is 0.021, between two unrelated sentences).
    for (i, row) in FP32_COSINES.iter().enumerate() {
        for (j, &want) in row.iter().enumerate() {
            let got = v.row(i).dot(&v.row(j));
            assert!((got - want).abs() < 0.03, "cosine({i}, {j}) = {got}, fp32 {want}");
        }
    }
    // Scales per token: a sentence alone gets the vector it gets in a batch.
    let alone = c.embed(&SENTENCES[1..2]).unwrap().vectors;
    assert_eq!(alone.row(0), v.row(1));
}

/// The README's accuracy table: a head on frozen all-mpnet-base-v2 vectors, FLICC test.
#[test]
#[ignore = "needs models/fetch-mpnet"]
fn mpnet_head_on_flicc_test() {
    let _ = mpnet();
    let scores = common::fallacy_head_on_flicc(|b| b.model(OnnxModel::Mpnet));
    let (acc, macro_f1) = scores.head;
    println!("FLICC test, fallacies, mpnet head: accuracy {acc:.3} macro-F1 {macro_f1:.3}");
    // Within 0.03 of the README's figures.
    assert!(acc >= 0.637 - 0.03 && macro_f1 >= 0.586 - 0.03, "{acc} / {macro_f1}");
}
