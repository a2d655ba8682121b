//! Training a head, saving and loading it, and refusing a head that does not fit.

mod common;

use framelens::corpus::Shard;
use framelens::data::read_semeval2023;
use framelens::head::{Head, TrainConfig};
use framelens::train;
use framelens::{Classifier, Error, Taxonomy};

fn train_frames(exclude: Shard) -> (Head, Vec<String>) {
    let c = common::frames();
    let mut corpus = read_semeval2023(&common::root().join("tests/data/semeval2023/en"), c.taxonomy()).unwrap();
    corpus.documents.retain(|d| !exclude.contains(&d.id));
    let ids = corpus.documents.iter().map(|d| d.id.clone()).collect();
    let docs = train::training_documents(c, &corpus.documents).unwrap();
    let extra = train::taxonomy_units(c, 0.5);
    let config = TrainConfig { epochs: 120, folds: 3, ..TrainConfig::default() };
    let mut calls = 0;
    let head = train::train(c.taxonomy(), c.encoder_name(), &docs, &extra, &config, &mut |_, _| calls += 1).unwrap();
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
    let mut docs = train::training_documents(
        f,
        &[framelens::data::LabelledDocument {
            id: "a".into(),
            text: "Prices rose. Troops moved.".into(),
            labels: vec!["Economic".into()],
            ..Default::default()
        }],
    )
    .unwrap();
    docs.push(docs[0].clone());
    docs[1].labels.push(99);
    let err =
        train::train(f.taxonomy(), f.encoder_name(), &docs, &[], &TrainConfig::default(), &mut |_, _| {}).unwrap_err();
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

/// A two-level taxonomy where zero-shot is strong at the fine level, and
/// one sub-category (`A2`) has only two training documents: the head cannot
/// show out of fold that it learnt it, so `A2` keeps zero-shot; the fine
/// categories with many examples, where the head is as good, keep the head;
/// the coarse ones, where only the head can tell, keep the head.
#[test]
fn a_fine_category_with_a_handful_of_examples_keeps_zero_shot() {
    let toml = r#"
name = "two-level"
[[categories]]
id = "a"
label = "A"
description = "coarse a"
[[categories]]
id = "b"
label = "B"
description = "coarse b"
[[categories]]
id = "a1"
label = "A: one"
parent = "a"
description = "fine a one"
[[categories]]
id = "a2"
label = "A: two"
parent = "a"
description = "fine a two"
[[categories]]
id = "b1"
label = "B: one"
parent = "b"
description = "fine b one"
"#;
    let taxonomy = Taxonomy::from_str_as(toml, framelens::taxonomy::Format::Toml, "two-level.toml").unwrap();
    let index = |label: &str| taxonomy.labels().position(|l| l == label).unwrap();
    let (a, b, a1, a2, b1) = (index("A"), index("B"), index("A: one"), index("A: two"), index("B: one"));
    let dim = 8;
    let mut seed = 7u64;
    let mut noise = move || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) as f32 / (1u64 << 31) as f32) - 0.5
    };
    let docs: Vec<train::TrainDocument> = (0..60)
        .map(|d| {
            let is_a = d % 2 == 0;
            let labels = if !is_a {
                vec![b, b1]
            } else if d == 10 || d == 34 {
                vec![a, a2]
            } else {
                vec![a, a1]
            };
            // The vector tells A from B; zero-shot does not (0.5 on both),
            // but it is right on every fine category.
            let mut v: Vec<f32> = (0..dim).map(|_| noise()).collect();
            v[0] = if is_a { 2.0 } else { -2.0 };
            let mut scores = vec![0.05f32; taxonomy.categories.len()];
            scores[a] = 0.5;
            scores[b] = 0.5;
            for &c in labels.iter().filter(|&&c| c != a && c != b) {
                scores[c] = 0.9;
            }
            train::TrainDocument {
                sentences: ndarray::Array2::from_shape_vec((1, dim), v).unwrap(),
                scores: ndarray::Array2::from_shape_vec((1, scores.len()), scores).unwrap(),
                paragraphs: std::iter::once(0..1).collect(),
                labels,
            }
        })
        .collect();
    let config = TrainConfig { use_exemplars: false, folds: 5, ..TrainConfig::default() };
    let head = train::train(&taxonomy, "test-encoder", &docs, &[], &config, &mut |_, _| {}).unwrap();
    assert!(head.zero_shot[a2], "two examples: the fine category keeps zero-shot");
    assert!(!head.zero_shot[a1] && !head.zero_shot[b1], "many examples, head as good: the head stays");
    assert!(!head.zero_shot[a] && !head.zero_shot[b], "only the head tells the coarse categories apart");

    // Cross-fitted: thresholds and fallbacks are judged on the held-out documents only.
    let held: Vec<bool> = (0..docs.len()).map(|d| d % 3 == 0).collect();
    let (_, report) =
        train::train_held_out(&taxonomy, "test-encoder", &docs, &[], &config, &held, &mut |_, _| {}).unwrap();
    assert_eq!(report.documents, 20);
    assert!(report.micro_f1 > 0.9, "{report:?}");
    let err = train::train_held_out(&taxonomy, "test-encoder", &docs, &[], &config, &held[..5], &mut |_, _| {});
    assert!(matches!(err, Err(Error::InvalidInput(_))));
}
