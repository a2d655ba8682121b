//! The ONNX backend against fp32 reference vectors made by
//! tests/data/parity/make_reference.py (sentence-transformers, fp32 weights).

mod common;

#[test]
fn onnx_int8_matches_fp32_reference() {
    let reference = common::parity_reference();
    assert!(reference.sentences.len() >= 20);
    let texts: Vec<&str> = reference.sentences.iter().map(String::as_str).collect();
    let got = common::frames().embed(&texts).unwrap();
    assert_eq!(got.vectors.ncols(), reference.dim);
    let mut worst = (1.0f32, "");
    let mut sum = 0.0;
    let mut long_enough = 0;
    for (i, (text, want)) in reference.sentences.iter().zip(&reference.embeddings).enumerate() {
        let row = got.vectors.row(i).to_vec();
        let cos = common::cosine(&row, want);
        sum += cos;
        if cos < worst.0 {
            worst = (cos, text);
        }
        // Weight-only int8 costs most on one- or two-word inputs ("OK.", "Why?");
        // every sentence of five word pieces or more must reach 0.999.
        if got.tokens[i] >= 5 {
            long_enough += 1;
            assert!(cos >= 0.999, "cosine {cos:.5} < 0.999 for {text:?}");
        } else {
            assert!(cos >= 0.99, "cosine {cos:.5} < 0.99 for short {text:?}");
        }
    }
    let mean = sum / reference.sentences.len() as f32;
    println!(
        "parity: {} sentences, mean cosine {mean:.5}, worst {:.5} for {:?}",
        reference.sentences.len(),
        worst.0,
        worst.1
    );
    assert!(long_enough >= 20, "need at least 20 sentences of five or more word pieces");
    assert!(mean >= 0.999, "mean cosine {mean}");
}

#[test]
fn batching_and_threads_do_not_change_vectors() {
    let reference = common::parity_reference();
    let texts: Vec<&str> = reference.sentences.iter().map(String::as_str).collect();
    let together = common::frames().embed(&texts).unwrap();
    for (i, t) in texts.iter().enumerate().step_by(7) {
        let alone = common::frames().embed(&[t]).unwrap();
        let cos = common::cosine(&alone.vectors.row(0).to_vec(), &together.vectors.row(i).to_vec());
        assert!(cos > 0.99999, "sentence {i} differs alone vs batched: {cos}");
    }
}
