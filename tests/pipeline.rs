//! The whole path: text → sentences → vectors → scores → document labels.

mod common;

use framelens::aggregate::hierarchical_decision;
use framelens::{Classifier, DocumentAnalysis, Error, Taxonomy};
use proptest::prelude::*;

fn top_labels(a: &DocumentAnalysis, n: usize) -> Vec<&str> {
    a.document_scores.iter().take(n).map(|s| &*s.label).collect()
}

#[test]
fn sentences_carry_byte_offsets_and_sorted_scores_in_unit_range() {
    let text = "Sanctions have pushed up fuel prices across Europe.\n\nNATO moved two brigades to its eastern flank on Monday.";
    let a = common::frames().classify(text).unwrap();
    assert_eq!(a.taxonomy, "media-frames");
    assert_eq!(a.sentences.len(), 2);
    for s in &a.sentences {
        assert_eq!(&text[s.start..s.end], s.text);
        assert_eq!(s.scores.len(), 14);
        assert!(s.scores.to_vec().windows(2).all(|w| w[0].score >= w[1].score));
        assert!(s.scores.iter().all(|l| (0.0..=1.0).contains(&l.score)));
        assert_eq!(s.windows, 1);
    }
    assert!(a.labels.windows(2).all(|w| w[0].score >= w[1].score));
    for l in &a.labels {
        assert!(!l.evidence.is_empty() && l.evidence.iter().all(|&i| i < a.sentences.len()));
    }
}

#[test]
fn clear_sentences_score_their_frame_highest() {
    let cases = [
        (
            "The Supreme Court struck down the law as unconstitutional on Tuesday.",
            "Legality_Constitutionality_and_jurisprudence",
        ),
        (
            "Russian missiles hit an air base and the army moved air-defence systems to the border.",
            "Security_and_defense",
        ),
        ("Inflation and higher interest rates cut household spending and company profits.", "Economic"),
        ("Hospitals reported a surge of measles cases and urged parents to vaccinate children.", "Health_and_safety"),
        (
            "Police arrested three men suspected of robbing the bank and they face ten years in prison.",
            "Crime_and_punishment",
        ),
    ];
    let texts: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let scores = common::frames().score_sentences(&texts).unwrap();
    let t = common::frames().taxonomy();
    for (i, (text, want)) in cases.iter().enumerate() {
        let row = scores.row(i);
        let best = (0..row.len()).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
        assert_eq!(t.categories[best].label, *want, "{text}: {row:?}");
        assert!(row[best] > 0.5, "{text}: best score {}", row[best]);
    }
}

#[test]
fn lavrov_texts_rank_security_and_external_reputation_near_the_top() {
    for file in ["001_1bab8556ee00fa53.txt", "004_2cf0e58a8dd68d2c.txt"] {
        let a = common::frames().classify(&common::read(&format!("examples/data/{file}"))).unwrap();
        let top = top_labels(&a, 4);
        assert!(top.contains(&"Security_and_defense"), "{file}: {top:?}");
        assert!(top.contains(&"External_regulation_and_reputation"), "{file}: {top:?}");
        assert!(a.label_names().contains(&"Security_and_defense"), "{file}: {:?}", a.label_names());
    }
}

#[test]
fn analysis_round_trips_through_json_with_the_documented_fields() {
    let a = common::frames().classify(&common::read("examples/data/004_2cf0e58a8dd68d2c.txt")).unwrap();
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["taxonomy"], "media-frames");
    let s0 = &json["sentences"][0];
    for field in ["start", "end", "text", "scores"] {
        assert!(!s0[field].is_null(), "sentence field {field}");
    }
    assert!(s0["scores"][0]["label"].is_string() && s0["scores"][0]["score"].is_number());
    assert!(json["labels"][0]["evidence"].is_array());
    let back: DocumentAnalysis = serde_json::from_value(json).unwrap();
    assert_eq!(back, a);
}

#[test]
fn empty_and_whitespace_input_is_a_clear_error() {
    for text in ["", "   \n\t  "] {
        match common::frames().classify(text) {
            Err(Error::InvalidInput(msg)) => assert!(msg.contains("empty"), "{msg}"),
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }
}

#[test]
fn missing_model_directory_names_the_path_and_the_fix() {
    let err = Classifier::builder().models_dir("/nonexistent/framelens-models").build().unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::ModelMissing { .. }), "{err:?}");
    assert!(msg.contains("/nonexistent/framelens-models") && msg.contains("models/fetch"), "{msg}");
}

#[test]
fn missing_tokenizer_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("all-minilm-l6-v2-int8");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::copy(common::root().join("models/all-minilm-l6-v2-int8/model.onnx"), sub.join("model.onnx")).unwrap();
    let msg = Classifier::builder()
        .models_dir(dir.path())
        .model(framelens::models::OnnxModel::Int8)
        .build()
        .unwrap_err()
        .to_string();
    assert!(msg.contains("tokenizer.json") && msg.contains("models/fetch"), "{msg}");
}

#[test]
fn batch_matches_single_and_keeps_errors_per_document() {
    let a = common::read("examples/data/000_a3b78d2533f19694.txt");
    let b = common::read("examples/data/004_2cf0e58a8dd68d2c.txt");
    let c = common::frames();
    let batch = c.classify_batch(&[&a, "  ", &b]);
    assert_eq!(batch.len(), 3);
    assert!(matches!(batch[1], Err(Error::InvalidInput(_))));
    let single = c.classify(&b).unwrap();
    let from_batch = batch[2].as_ref().unwrap();
    assert_eq!(from_batch.label_names(), single.label_names());
    for (x, y) in from_batch.document_scores.iter().zip(&single.document_scores) {
        assert_eq!(x.label, y.label);
        assert!((x.score - y.score).abs() < 1e-4);
    }
    let seq = c.classify_batch_sequential(&[&b]);
    assert_eq!(seq[0].as_ref().unwrap().label_names(), single.label_names());
}

#[test]
fn climate_article_is_routed_to_cc_and_gets_no_war_narratives() {
    let text = common::read("tests/data/semeval2025/EN/raw-documents/EN_CC_900003.txt");
    let a = common::narratives().classify(&text).unwrap();
    assert_eq!(a.domain.as_deref(), Some("CC"), "{:?}", a.labels);
    for l in a.labels.iter().chain(a.coarse.as_ref().unwrap()) {
        assert!(!l.label.starts_with("URW"), "war narrative on a climate text: {}", l.label);
    }
    assert!(a.coarse.as_ref().unwrap().iter().any(|l| l.label.starts_with("CC: ")), "{:?}", a.coarse);
}

#[test]
fn neutral_text_outside_both_domains_is_other_at_both_levels() {
    let text = "Bakery chain opens its fortieth shop in Lyon\n\nThe family-owned bakery said the new shop on Rue de la Republique will sell sourdough loaves, croissants and seasonal fruit tarts. Opening hours are seven in the morning to eight in the evening, and the first hundred customers get a free baguette. The company plans two more shops in Grenoble next spring.";
    let a = common::narratives().classify(text).unwrap();
    assert_eq!(a.label_names(), vec!["Other"], "{:?}", a.document_scores.iter().take(3).collect::<Vec<_>>());
    assert_eq!(a.coarse.as_ref().unwrap()[0].label, "Other");
}

fn narratives_taxonomy() -> &'static Taxonomy {
    static T: std::sync::OnceLock<Taxonomy> = std::sync::OnceLock::new();
    T.get_or_init(|| Taxonomy::builtin("semeval2025-narratives").unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]
    /// Any score pattern gives consistent labels: a fine label's parent is
    /// chosen, every chosen parent has a chosen child, one domain only.
    #[test]
    fn hierarchical_decisions_are_consistent(
        scores in proptest::collection::vec(0.0f32..1.0, 116),
        domain in proptest::option::of(prop_oneof![Just("URW"), Just("CC")]),
        threshold in 0.3f32..0.9,
    ) {
        let t = narratives_taxonomy();
        prop_assert_eq!(scores.len(), t.categories.len());
        let thresholds = vec![threshold; t.categories.len()];
        let h = hierarchical_decision(t, &scores, domain, &thresholds, None);
        for &f in &h.fine {
            let p = t.parent_index(f);
            prop_assert!(p.is_some());
            prop_assert!(h.coarse.contains(&p.unwrap()));
        }
        for &c in &h.coarse {
            prop_assert!(t.parent_index(c).is_none());
            prop_assert!(h.fine.iter().any(|&f| t.parent_index(f) == Some(c)), "coarse {} without a child", t.categories[c].label);
        }
        if let Some(d) = domain {
            for &i in h.fine.iter().chain(&h.coarse) {
                prop_assert_eq!(t.categories[i].domain.as_deref(), Some(d));
            }
        }
        // Every category above threshold in the domain is chosen.
        for (i, &s) in scores.iter().enumerate() {
            let in_domain = domain.is_none() || t.categories[i].domain.as_deref() == domain;
            if in_domain && s >= threshold {
                prop_assert!(h.fine.contains(&i) || h.coarse.contains(&i));
            }
        }
        // Catch-all children appear only when needed or scored.
        for &f in &h.fine {
            if t.categories[f].catch_all && scores[f] < threshold {
                let p = t.parent_index(f).unwrap();
                let others = h.fine.iter().filter(|&&g| g != f && t.parent_index(g) == Some(p)).count();
                prop_assert_eq!(others, 0);
            }
        }
    }
}

/// Domain gating over the whole fixture corpus: no document about one domain
/// gets a narrative of the other, and most neutral documents come out `Other`.
#[test]
fn domain_gating_and_other_on_the_fixture_corpus() {
    let t = common::narratives().taxonomy();
    let corpus = framelens::data::read_semeval2025(&common::root().join("tests/data/semeval2025/EN"), t).unwrap();
    let texts: Vec<&str> = corpus.documents.iter().map(|d| d.text.as_str()).collect();
    let (mut neutral, mut neutral_other, mut crossed) = (0, 0, Vec::new());
    for (doc, a) in corpus.documents.iter().zip(common::narratives().classify_batch(&texts)) {
        let a = a.unwrap();
        let gold_domain = doc.coarse.iter().find_map(|l| l.split(':').next().filter(|d| *d == "URW" || *d == "CC"));
        if gold_domain.is_none() {
            neutral += 1;
            neutral_other += usize::from(a.label_names() == ["Other"]);
        }
        if let Some(g) = gold_domain {
            if a.labels.iter().any(|l| l.label != "Other" && !l.label.starts_with(g)) {
                crossed.push(doc.id.clone());
            }
        }
    }
    assert!(crossed.is_empty(), "documents given narratives of the other domain: {crossed:?}");
    assert!(neutral >= 10);
    assert!(neutral_other * 3 >= neutral * 2, "only {neutral_other} of {neutral} neutral documents came out Other");
}

#[test]
fn units_are_paragraphs_or_sentences_with_offsets_into_the_whole_text() {
    use framelens::Granularity;
    let c = common::frames();
    let text = "Sanctions have doubled fertiliser prices. Farmers protested in Paris.\n\nNATO moved two brigades east on Monday.\n\nThe minister will travel to Ankara next week.";
    let paragraphs = c.classify_units(text, Granularity::Paragraph).unwrap();
    assert_eq!(paragraphs.len(), 3);
    assert_eq!(
        &text[paragraphs[0].start..paragraphs[0].end],
        "Sanctions have doubled fertiliser prices. Farmers protested in Paris."
    );
    assert_eq!(paragraphs[0].analysis.sentences.len(), 2);
    for u in &paragraphs {
        for s in &u.analysis.sentences {
            assert_eq!(&text[s.start..s.end], s.text, "sentence offsets are into the whole text");
            assert!(u.start <= s.start && s.end <= u.end);
        }
        assert!(u.analysis.labels.iter().flat_map(|l| &l.evidence).all(|&i| i < u.analysis.sentences.len()));
    }
    let sentences = c.classify_units(text, Granularity::Sentence).unwrap();
    assert_eq!(sentences.len(), 4);
    // A paragraph of one sentence gets the same analysis as that sentence alone.
    assert_eq!(sentences[2].analysis, paragraphs[1].analysis);
    let whole = c.classify_units(text, Granularity::Document).unwrap();
    assert_eq!(whole.len(), 1);
    assert_eq!(whole[0].analysis.label_names(), c.classify(text).unwrap().label_names());
    let batch = c.classify_batch_units(&[text, "  "], Granularity::Paragraph);
    assert_eq!(batch[0].as_ref().unwrap().len(), 3);
    assert!(matches!(batch[1], Err(Error::InvalidInput(_))));
}

/// A document in a language the English encoder does not read goes to the
/// multilingual one (models/fetch-e5); with that turned off, it is flagged,
/// not silently scored as if it were English.
#[test]
fn the_language_is_detected_and_routed_or_flagged() {
    let c = common::frames();
    assert_eq!(c.other_languages_encoder(), Some("onnx:multilingual-e5-small-q4"));
    let en = c.classify(&common::read("examples/data/000_a3b78d2533f19694.txt")).unwrap();
    let lang = en.language.expect("an English article has a language");
    assert_eq!((lang.code.as_str(), lang.supported), ("eng", true));
    assert_eq!(en.encoder, "onnx:all-MiniLM-L6-v2-rowq8");
    // Written for this test.
    let ru = "Министр иностранных дел заявил, что санкции против страны не дали результата. \
              По его словам, переговоры о поставках газа продолжатся в следующем месяце.";
    let routed = c.classify(ru).unwrap();
    let lang = routed.language.expect("a Russian text has a language");
    assert_eq!((lang.code.as_str(), lang.supported), ("rus", true));
    assert_eq!(routed.encoder, "onnx:multilingual-e5-small-q4");
    let english_only = Classifier::builder()
        .taxonomy(framelens::Taxonomy::builtin("media-frames").unwrap())
        .models_dir(common::root().join("models"))
        .other_languages(None)
        .build()
        .unwrap();
    let flagged = english_only.classify(ru).unwrap();
    assert_eq!(flagged.encoder, "onnx:all-MiniLM-L6-v2-rowq8");
    assert!(!flagged.language.unwrap().supported);
}

/// Russian and Bulgarian folders in the SemEval-2025 layout (articles written
/// for the tests, file names as the task's: `RU-URW-1001.txt`, `A9_BG_2566.txt`,
/// IDs in the annotations with and without `.txt`): read, split with their
/// language's rules, and scored by the multilingual encoder, alone and in a
/// batch with an English article.
#[test]
fn russian_and_bulgarian_folders_read_and_go_to_the_multilingual_encoder() {
    let c = common::narratives();
    for (folder, code, ids) in [
        ("RU", "rus", ["RU-CC-1003", "RU-URW-1001", "RU-URW-1002"]),
        ("BG", "bul", ["A9_BG_2566", "A9_BG_2567", "A9_BG_2568"]),
    ] {
        let corpus = framelens::data::read_semeval2025(
            &common::root().join("tests/data/semeval2025").join(folder),
            c.taxonomy(),
        )
        .unwrap();
        let got: Vec<&str> = corpus.documents.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(got, ids, "{folder}");
        for d in &corpus.documents {
            assert!(!d.coarse.is_empty(), "{}", d.id);
            let a = c.classify(&d.text).unwrap();
            let lang = a.language.as_ref().unwrap();
            assert_eq!((lang.code.as_str(), lang.supported), (code, true), "{}", d.id);
            assert_eq!(a.encoder, "onnx:multilingual-e5-small-q4", "{}", d.id);
            let english = common::read("examples/data/000_a3b78d2533f19694.txt");
            let batch = c.classify_batch(&[english.as_str(), &d.text]);
            assert_eq!(batch[0].as_ref().unwrap().encoder, "onnx:all-MiniLM-L6-v2-rowq8");
            assert_eq!(batch[1].as_ref().unwrap(), &a, "{}: alone and in a batch", d.id);
            // Title plus one sentence per paragraph line, none lost.
            assert_eq!(a.sentences.len(), d.text.lines().filter(|l| !l.trim().is_empty()).count(), "{}", d.id);
            assert!(a.sentences.iter().all(|s| d.text[s.start..s.end] == s.text));
        }
    }
}

/// Training documents are split as `classify` splits them, with the rules of
/// their language: "1950 г." is a Russian abbreviation, so the text (written
/// for this test) is two sentences, not three as under English rules.
#[test]
fn training_documents_split_with_their_language_rules() {
    let c = common::frames();
    let text = "Он родился в 1950 г. в Москве и всю жизнь работал в министерстве. \
                Потом он переехал в Санкт-Петербург и стал преподавать.";
    assert_eq!(c.segmenter().split_as(text, "en").len(), 3, "the rules differ on this text");
    assert_eq!(c.classify(text).unwrap().sentences.len(), 2);
    let doc = framelens::data::LabelledDocument {
        id: "ru".into(),
        text: text.into(),
        labels: vec!["Morality".into()],
        ..Default::default()
    };
    let train = framelens::train::training_documents(c, &[doc]).unwrap();
    assert_eq!(train[0].sentences.nrows(), 2);
}

/// A document longer than one scoring chunk (8,192 sentences) is embedded
/// and scored a chunk at a time: a sentence gets the same scores in every
/// chunk, and the document the same scores as one copy of its text
/// (media-frames pools by the mean). Written for this test.
#[test]
fn a_document_of_several_chunks_scores_as_its_parts() {
    let c = common::frames();
    let part = "Sanctions have doubled the price of fertiliser.\n\
                NATO moved two brigades east.\n\
                The court struck the law down.\n\
                Hospitals report record admissions.\n\
                Polls show the ruling party losing support.";
    let copies = 1_700; // 8,500 sentences
    let text = vec![part; copies].join("\n\n");
    let whole = c.classify(&text).unwrap();
    let one = c.classify(part).unwrap();
    assert_eq!(whole.sentences.len(), 5 * copies);
    for (i, s) in whole.sentences.iter().enumerate() {
        assert_eq!(s.scores, one.sentences[i % 5].scores, "sentence {i}");
    }
    for (a, b) in whole.document_scores.iter().zip(&one.document_scores) {
        assert_eq!(a.label, b.label);
        assert!((a.score - b.score).abs() < 1e-4, "{}: {} vs {}", a.label, a.score, b.score);
    }
    // The decision weighs the same scores against neutral documents of each
    // length, and a longer document carries more frames (media-frames has
    // priors: aggregate::expected_labels), up to max_labels.
    println!("whole {:?}, one copy {:?}", whole.label_names(), one.label_names());
    assert_eq!((whole.labels.len(), one.labels.len()), (5, 3));
    assert!(one.label_names().iter().all(|l| whole.label_names().contains(l)));
}
