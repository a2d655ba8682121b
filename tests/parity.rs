//! The ONNX backend against fp32 reference vectors made by
//! tests/data/parity/make_reference.py (sentence-transformers, fp32 weights).

mod common;

#[test]
fn onnx_int8_matches_fp32_reference() {
    let reference = common::parity_reference();
    assert!(reference.sentences.len() >= 20);
    let texts: Vec<&str> = reference.sentences.iter().map(String::as_str).collect();
    let int8 = framelens::Classifier::builder()
        .models_dir(common::root().join("models"))
        .model(framelens::models::OnnxModel::Int8)
        .build()
        .unwrap();
    let got = int8.embed(&texts).unwrap();
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

/// The rowq8 model (int8 products, activations scaled per token): close to
/// fp32, and a sentence's vector is the same alone and inside any batch.
#[test]
fn rowq8_is_close_to_fp32_and_ignores_its_batch() {
    let c = framelens::Classifier::builder()
        .models_dir(common::root().join("models"))
        .model(framelens::models::OnnxModel::Rowq8)
        .build()
        .unwrap();
    let reference = common::parity_reference();
    let texts: Vec<&str> = reference.sentences.iter().map(String::as_str).collect();
    let together = c.embed(&texts).unwrap();
    let cos: Vec<f32> = reference
        .embeddings
        .iter()
        .enumerate()
        .map(|(i, want)| common::cosine(&together.vectors.row(i).to_vec(), want))
        .collect();
    let mean = cos.iter().sum::<f32>() / cos.len() as f32;
    let min = cos.iter().copied().fold(1.0f32, f32::min);
    println!("rowq8 parity: {} sentences, mean cosine {mean:.5}, worst {min:.5}", cos.len());
    // docs/models.md and docs/speed.md: mean 0.996, worst 0.98 on these sentences.
    assert!(mean >= 0.994 && min >= 0.97, "mean {mean}, worst {min}");
    for (i, t) in texts.iter().enumerate() {
        let alone = c.embed(&[t]).unwrap();
        let same = common::cosine(&alone.vectors.row(0).to_vec(), &together.vectors.row(i).to_vec());
        assert!(same > 0.99999, "sentence {i} differs alone vs batched: {same}");
    }
    // Batched with other sentences in another order: the same vectors.
    let reversed: Vec<&str> = texts.iter().rev().copied().collect();
    let back = c.embed(&reversed).unwrap();
    for i in 0..texts.len() {
        let same = common::cosine(&back.vectors.row(texts.len() - 1 - i).to_vec(), &together.vectors.row(i).to_vec());
        assert!(same > 0.99999, "sentence {i} differs with other batch mates: {same}");
    }
}
