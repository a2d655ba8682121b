//! Training a head, saving and loading it, and refusing a head that does not fit.

mod common;

use framelens::corpus::Shard;
use framelens::data::read_semeval2023;
use framelens::head::{self, Head, TrainConfig};
use framelens::{Classifier, Error, Taxonomy};

fn train_frames(exclude: Shard) -> (Head, Vec<String>) {
    let c = common::frames();
    let mut corpus = read_semeval2023(&common::root().join("tests/data/semeval2023/en"), c.taxonomy()).unwrap();
    corpus.documents.retain(|d| !exclude.contains(&d.id));
    let ids = corpus.documents.iter().map(|d| d.id.clone()).collect();
    let docs = c.training_documents(&corpus.documents).unwrap();
    let extra = c.taxonomy_units(0.5).unwrap();
    let config = TrainConfig { epochs: 120, folds: 3, ..TrainConfig::default() };
    let mut calls = 0;
    let head = head::train(c.taxonomy(), c.encoder_name(), &docs, &extra, &config, &mut |_, _| calls += 1).unwrap();
    assert_eq!(calls, 4, "progress after each of 3 folds and the final fit");
    (head, ids)
}

#[test]
fn head_trains_saves_loads_and_classifies() {
    let fold = Shard::new(0, 2).unwrap();
    let (head, train_ids) = train_frames(fold);
    assert!(train_ids.iter().all(|id| !fold.contains(id)));
    assert_eq!(head.labels.len(), 14);
    assert!(head.thresholds.iter().all(|t| (0.0..=1.0).contains(t)));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("head.json");
    head.save(&path).unwrap();
    let loaded = Head::load(&path).unwrap();
    assert_eq!(loaded.weights, head.weights);
    let c = Classifier::builder()
        .taxonomy(Taxonomy::builtin("media-frames").unwrap())
        .models_dir(common::root().join("models"))
        .head(loaded)
        .build()
        .unwrap();
    assert_eq!(c.thresholds(), head.thresholds.as_slice());
    let a = c.classify(&common::read("examples/data/001_1bab8556ee00fa53.txt")).unwrap();
    assert_eq!(a.scorer, "head:head.json");
    assert!(a.label_names().contains(&"Security_and_defense"), "{:?}", a.label_names());
    for s in &a.sentences {
        assert!(s.scores.iter().all(|l| (0.0..=1.0).contains(&l.score)));
    }
}

#[test]
fn a_head_for_another_taxonomy_or_encoder_is_refused() {
    let (head, _) = train_frames(Shard::new(1, 2).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let build = |h: Head, taxonomy: &str| {
        Classifier::builder()
            .taxonomy(Taxonomy::builtin(taxonomy).unwrap())
            .models_dir(common::root().join("models"))
            .head(h)
            .build()
    };
    let path = dir.path().join("frames-head.json");
    head.save(&path).unwrap();
    let err = build(Head::load(&path).unwrap(), "persuasion-techniques").unwrap_err();
    assert!(matches!(err, Error::HeadMismatch { .. }), "{err:?}");
    assert!(err.to_string().contains("frames-head.json") && err.to_string().contains("media-frames"), "{err}");

    let mut other = head.clone();
    other.encoder = "onnx:some-other-model".into();
    other.save(&path).unwrap();
    let msg = build(Head::load(&path).unwrap(), "media-frames").unwrap_err().to_string();
    assert!(msg.contains("some-other-model"), "{msg}");

    let mut small = head.clone();
    small.dim = 128;
    small.weights = vec![vec![0.0; 128]; 14];
    small.encoder = common::frames().encoder_name().to_string();
    small.save(&path).unwrap();
    let msg = build(Head::load(&path).unwrap(), "media-frames").unwrap_err().to_string();
    assert!(msg.contains("128") && msg.contains("384"), "{msg}");
}

#[test]
fn malformed_head_files_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.json");
    std::fs::write(&path, "{\"format\": \"something-else\"").unwrap();
    let msg = Head::load(&path).unwrap_err().to_string();
    assert!(msg.contains("h.json") && msg.contains("not a framelens head"), "{msg}");
    let (head, _) = train_frames(Shard::new(0, 3).unwrap());
    let mut v = serde_json::to_value(&head).unwrap();
    v["version"] = 99.into();
    std::fs::write(&path, v.to_string()).unwrap();
    let msg = Head::load(&path).unwrap_err().to_string();
    assert!(msg.contains("version 99"), "{msg}");
}

#[test]
fn an_explicit_threshold_overrides_the_heads_and_bad_shapes_are_errors() {
    let (head, _) = train_frames(Shard::new(0, 3).unwrap());
    let c = Classifier::builder()
        .taxonomy(Taxonomy::builtin("media-frames").unwrap())
        .models_dir(common::root().join("models"))
        .head(head.clone())
        .threshold(0.9)
        .build()
        .unwrap();
    assert!(c.thresholds().iter().all(|&t| t == 0.9), "{:?}", c.thresholds());

    // A head built in code with a missing bias is refused, not a panic later.
    let mut ragged = head.clone();
    ragged.bias.pop();
    let err = Classifier::builder()
        .taxonomy(Taxonomy::builtin("media-frames").unwrap())
        .models_dir(common::root().join("models"))
        .head(ragged)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::HeadMismatch { .. }) && err.to_string().contains("one entry per label"), "{err}");

    // Training data of the wrong shape is an error naming the document.
    let f = common::frames();
    let mut docs = f
        .training_documents(&[framelens::data::LabelledDocument {
            id: "a".into(),
            text: "Prices rose. Troops moved.".into(),
            labels: vec!["Economic".into()],
            ..Default::default()
        }])
        .unwrap();
    docs.push(docs[0].clone());
    docs[1].labels.push(99);
    let err =
        head::train(f.taxonomy(), f.encoder_name(), &docs, &[], &TrainConfig::default(), &mut |_, _| {}).unwrap_err();
    assert!(err.to_string().contains("training document 1") && err.to_string().contains("label index 99"), "{err}");
}

/// A single head serves one encoder: a classifier with one sends no document to the
/// multilingual encoder by default, and refuses to when asked.
#[test]
fn a_head_keeps_every_document_on_its_encoder() {
    let (head, _) = train_frames(Shard::new(1, 2).unwrap());
    let builder = || {
        Classifier::builder()
            .taxonomy(Taxonomy::builtin("media-frames").unwrap())
            .models_dir(common::root().join("models"))
            .head(head.clone())
    };
    assert_eq!(builder().build().unwrap().other_languages_encoder(), None);
    let err = builder().other_languages(Some(framelens::models::OnnxModel::E5)).build().unwrap_err();
    assert!(matches!(err, Error::InvalidSetting { name: "other_languages", .. }), "{err}");
    assert!(err.to_string().contains("head"), "{err}");
}
