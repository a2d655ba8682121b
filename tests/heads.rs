//! Heads across languages: one head per encoder trained from one corpus in
//! five languages (the SemEval-2025-style fixtures in `tests/data/semeval2025/`,
//! written here: a smoke test of the pipeline, not accuracy), saved in one
//! file, loaded back, and applied to each document by the encoder that read
//! it. Needs the default model and multilingual-e5-small (`models/fetch`,
//! `models/fetch-e5`).

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use framelens::data::{self, LabelledDocument};
use framelens::head::{TrainConfig, HEADS_FORMAT, HEAD_FORMAT};
use framelens::models::OnnxModel;
use framelens::train::{self, OtherHeadFrom, RoutedTrainConfig, RoutedTraining};
use framelens::{Classifier, Error, Head, HeadSet, Taxonomy};

const E5: &str = "onnx:multilingual-e5-small-q4";
const ROWQ8: &str = "onnx:all-MiniLM-L6-v2-rowq8";
const RUSSIAN: &str = "Посол заявил, что санкции против России обернулись ростом цен на энергию в Европе, \
                       а промышленные предприятия закрываются одно за другим.";
const ENGLISH: &str = "The ambassador said sanctions on Russia had backfired, driving up energy prices across \
                       Europe while factories closed one after another.";

fn taxonomy() -> Taxonomy {
    Taxonomy::builtin("semeval2025-narratives").unwrap()
}

/// The five fixture folders: 60 English documents, 10 in other languages.
fn corpus() -> data::Corpus {
    let root = common::root().join("tests/data/semeval2025");
    let folders: Vec<PathBuf> = ["EN", "RU", "BG", "PT", "HI"].iter().map(|l| root.join(l)).collect();
    data::read_semeval2025_folders(&folders, &taxonomy()).unwrap()
}

/// Few steps and folds: these tests check the plumbing, not the fit.
fn config() -> TrainConfig {
    TrainConfig { epochs: 40, folds: 2, ..TrainConfig::default() }
}

/// The default classifier: English model, documents in other languages to e5.
fn routing() -> &'static Classifier {
    common::narratives()
}

/// Heads trained once on 20 English documents and the 10 in other languages.
fn trained() -> &'static RoutedTraining {
    static T: OnceLock<RoutedTraining> = OnceLock::new();
    T.get_or_init(|| {
        let corpus = corpus();
        let docs: Vec<LabelledDocument> = corpus
            .documents
            .into_iter()
            .filter(|d| d.language.as_deref() != Some("en") || d.id.ends_with(['0', '1', '2']))
            .collect();
        train::train_routed(routing(), &docs, &config(), &RoutedTrainConfig::default(), &mut |_| {}).unwrap()
    })
}

#[test]
fn several_folders_read_into_one_corpus_with_their_languages() {
    let corpus = corpus();
    assert_eq!(corpus.name, "semeval2025-EN+RU+BG+PT+HI");
    assert_eq!(corpus.len(), 70);
    assert!(corpus.unannotated.is_empty());
    let count = |l: &str| corpus.documents.iter().filter(|d| d.language.as_deref() == Some(l)).count();
    assert_eq!([count("en"), count("ru"), count("bg"), count("pt"), count("hi")], [60, 3, 3, 2, 2]);
    assert!(corpus.documents.windows(2).all(|w| w[0].id < w[1].id), "sorted by ID");
}

#[test]
fn each_encoder_trains_on_the_documents_it_reads() {
    let t = trained();
    assert_eq!(t.heads.as_ref().unwrap().encoders(), [ROWQ8, E5]);
    let (english, others) = (&t.encoders[0], &t.encoders[1]);
    assert_eq!((english.encoder.as_str(), others.encoder.as_str()), (ROWQ8, E5));
    assert_eq!(english.documents, 19);
    assert_eq!(english.detected.get("eng"), Some(&19));
    assert_eq!(others.documents, 10);
    let detected: Vec<(&str, usize)> = others.detected.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(detected, [("bul", 3), ("hin", 2), ("por", 2), ("rus", 3)]);
    assert_eq!(others.declared.get("ru"), Some(&3));
    assert_eq!(english.unsupported + others.unsupported, 0);
    assert!(t.language_mismatches.is_empty() && t.fallback.is_empty());
    for (head, report) in t.heads.as_ref().unwrap().heads().iter().zip(&t.encoders) {
        assert_eq!(head.documents, report.documents);
        assert_eq!(head.encoder, report.encoder);
    }
    assert_eq!(t.heads.as_ref().unwrap().heads()[1].dim, 384);
}

#[test]
fn a_two_encoder_head_file_round_trips_and_routes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("heads.json");
    trained().heads.as_ref().unwrap().save(&path).unwrap();
    let file: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(file["format"], HEADS_FORMAT);
    assert_eq!(file["heads"].as_array().map(Vec::len), Some(2));

    let loaded = HeadSet::load(&path).unwrap();
    assert_eq!(loaded.encoders(), [ROWQ8, E5]);
    for (a, b) in loaded.heads().iter().zip(trained().heads.as_ref().unwrap().heads()) {
        assert_eq!(serde_json::to_value(a).unwrap(), serde_json::to_value(b).unwrap());
    }
    // The single-head reader says what the file is instead of failing on a field.
    let err = Head::load(&path).unwrap_err().to_string();
    assert!(err.contains("one head per encoder") && err.contains("head set") && !err.contains("::"), "{err}");

    let c = Classifier::builder().taxonomy(taxonomy()).models_dir(common::root().join("models")).heads(loaded);
    let c = c.build().unwrap();
    assert_eq!(c.other_languages_encoder(), Some(E5));
    let results = c.classify_batch(&[ENGLISH, RUSSIAN]);
    let english = results[0].as_ref().unwrap();
    let russian = results[1].as_ref().unwrap();
    assert_eq!((english.encoder.as_str(), english.scorer.as_str()), (ROWQ8, "head:heads.json"));
    assert_eq!((russian.encoder.as_str(), russian.scorer.as_str()), (E5, "head:heads.json"));
    assert!(russian.language.as_ref().is_some_and(|l| l.code == "rus" && l.supported));

    // The e5 head is the one that scored the Russian document: the same head
    // alone on e5 gives the same document scores.
    let e5_head = HeadSet::load(&path).unwrap().get(E5).unwrap().clone();
    let alone = Classifier::builder()
        .taxonomy(taxonomy())
        .models_dir(common::root().join("models"))
        .model(OnnxModel::E5)
        .head(e5_head)
        .build()
        .unwrap();
    let direct = alone.classify(RUSSIAN).unwrap();
    assert_eq!(direct.encoder, E5);
    for (a, b) in direct.document_scores.iter().zip(&russian.document_scores) {
        assert_eq!(a.label, b.label);
        assert!((a.score - b.score).abs() < 1e-5, "{}: {} vs {}", a.label, a.score, b.score);
    }
}

#[test]
fn a_set_without_a_head_for_the_classifier_encoder_is_refused() {
    let two = trained().heads.as_ref().unwrap().clone();
    let err = Classifier::builder()
        .taxonomy(taxonomy())
        .models_dir(common::root().join("models"))
        .model(OnnxModel::Int8)
        .heads(two)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::HeadMismatch { .. }), "{err}");
    assert!(err.to_string().contains("none for the classifier's encoder"), "{err}");

    let english = trained().heads.as_ref().unwrap().get(ROWQ8).unwrap().clone();
    let err = HeadSet::new(vec![english.clone(), english.clone()]).unwrap_err();
    assert!(err.to_string().contains("two heads for encoder"), "{err}");
    // A single English head with e5 asked for explicitly: no head for e5, refused as before.
    let err = Classifier::builder()
        .taxonomy(taxonomy())
        .models_dir(common::root().join("models"))
        .head(english)
        .other_languages(Some(OnnxModel::E5))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("no head for it"), "{err}");
}

#[test]
fn a_single_head_file_keeps_its_format_and_does_not_route() {
    // An English-only corpus trains one head, saved in the single-head format.
    let english: Vec<LabelledDocument> =
        corpus().documents.into_iter().filter(|d| d.language.as_deref() == Some("en")).take(12).collect();
    let t = train::train_routed(routing(), &english, &config(), &RoutedTrainConfig::default(), &mut |_| {}).unwrap();
    assert_eq!(t.heads.as_ref().unwrap().len(), 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("head.json");
    t.heads.as_ref().unwrap().save(&path).unwrap();
    let file: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(file["format"], HEAD_FORMAT);
    // Both readers take it.
    let head = Head::load(&path).unwrap();
    let set = HeadSet::load(&path).unwrap();
    assert_eq!(set.heads(), std::slice::from_ref(&head));

    // Trained as `train::training_documents` + `train::train` train it.
    let docs = train::training_documents(routing(), &english).unwrap();
    let extra = train::taxonomy_units(routing(), config().exemplar_weight);
    let direct = train::train(&taxonomy(), ROWQ8, &docs, &extra, &config(), &mut |_, _| {}).unwrap();
    assert_eq!(serde_json::to_value(&direct).unwrap(), serde_json::to_value(&head).unwrap());

    // A classifier with it scores everything with that head, as before: no routing.
    let c = Classifier::builder().taxonomy(taxonomy()).models_dir(common::root().join("models")).heads(set);
    let c = c.build().unwrap();
    assert_eq!(c.other_languages_encoder(), None);
    let russian = c.classify(RUSSIAN).unwrap();
    assert_eq!((russian.encoder.as_str(), russian.scorer.as_str()), (ROWQ8, "head:head.json"));
    assert!(russian.language.as_ref().is_some_and(|l| !l.supported));
}

#[test]
fn too_few_documents_in_other_languages_train_the_main_head() {
    let corpus = corpus();
    let docs: Vec<LabelledDocument> =
        corpus.documents.into_iter().filter(|d| d.language.as_deref() == Some("ru") || d.id.ends_with('3')).collect();
    let english = docs.iter().filter(|d| d.language.as_deref() == Some("en")).count();
    let t = train::train_routed(routing(), &docs, &config(), &RoutedTrainConfig::default(), &mut |_| {}).unwrap();
    assert_eq!(t.heads.as_ref().unwrap().encoders(), [ROWQ8]);
    assert_eq!(t.fallback.len(), 3, "the 3 Russian documents");
    assert_eq!(t.encoders[0].documents, english + 3);
    assert_eq!(t.encoders[0].unsupported, 3);
    // With a lower minimum they get a head of their own.
    let low = RoutedTrainConfig { min_documents: 3, ..RoutedTrainConfig::default() };
    let t = train::train_routed(routing(), &docs, &config(), &low, &mut |_| {}).unwrap();
    assert_eq!(t.heads.as_ref().unwrap().encoders(), [ROWQ8, E5]);
    assert_eq!(t.encoders[1].documents, 3);
    // `all`: the e5 head learns from every document.
    let all = RoutedTrainConfig { other_from: OtherHeadFrom::All, min_documents: 3, ..RoutedTrainConfig::default() };
    let t = train::train_routed(routing(), &docs, &config(), &all, &mut |_| {}).unwrap();
    assert_eq!((t.encoders[0].documents, t.encoders[1].documents), (english, english + 3));
}
