//! Thresholds learnt per language: documents in Russian, Bulgarian,
//! Portuguese and Hindi are decided with thresholds learnt from neutral
//! reporting in their own language (the taxonomy's `background_by_language`);
//! other languages e5 reads fall back to the default background; English is
//! decided as before. The `#[ignore]`d test prints the held-out figures of
//! `docs/languages.md`.

mod common;

use std::sync::OnceLock;

use framelens::aggregate::{background_thresholds, document_scores, hierarchical_decision};
use framelens::{Classifier, DocumentAnalysis, OnnxModel, Taxonomy};
use ndarray::{Array2, Axis};

const LANGUAGES: [(&str, &str); 4] = [("RU", "rus"), ("BG", "bul"), ("PT", "por"), ("HI", "hin")];

fn e5() -> &'static Classifier {
    static C: OnceLock<Classifier> = OnceLock::new();
    C.get_or_init(|| common::on_model(OnnxModel::E5, "semeval2025-narratives", "models/fetch-e5"))
}

fn fixtures(folder: &str, t: &Taxonomy) -> framelens::data::Corpus {
    framelens::data::read_semeval2025(&common::root().join("tests/data/semeval2025").join(folder), t).unwrap()
}

#[test]
fn documents_in_a_calibrated_language_are_decided_with_its_own_thresholds() {
    let c = common::narratives();
    for (folder, code) in LANGUAGES {
        let corpus = fixtures(folder, c.taxonomy());
        assert!(!corpus.is_empty(), "{folder}");
        for doc in &corpus.documents {
            let a = c.classify(&doc.text).unwrap();
            assert_eq!(a.encoder, "onnx:multilingual-e5-small-q4", "{}", doc.id);
            assert_eq!(a.calibration.as_deref(), Some(code), "{}", doc.id);
            let json = serde_json::to_value(&a).unwrap();
            assert_eq!(json["calibration"], code, "{}", doc.id);
        }
    }
    // The e5 classifier holds one table per language of the taxonomy, and
    // they are not the English ones: cross-lingual similarities run lower.
    let e5 = e5();
    assert_eq!(e5.calibrated_languages(), ["bul", "hin", "por", "rus"]);
    let narratives = e5.taxonomy().roots();
    for (_, code) in LANGUAGES {
        for n in [1, 5, 20, 400] {
            let (own, from) = e5.thresholds_for_language(code, n);
            assert_eq!(from, Some(code));
            let default = e5.thresholds_for(n);
            let mean = |t: &[f32]| narratives.iter().map(|&c| t[c]).sum::<f32>() / narratives.len() as f32;
            assert!(mean(own) < mean(default), "{code}, {n} sentences: {} against {}", mean(own), mean(default));
        }
    }
}

/// The tables per language come out of the fitted-calibration cache exactly
/// as they are computed afresh.
#[test]
fn cached_language_tables_equal_fresh_ones() {
    let warm = e5();
    let fresh = Classifier::builder()
        .taxonomy(Taxonomy::builtin("semeval2025-narratives").unwrap())
        .models_dir(common::root().join("models"))
        .model(OnnxModel::E5)
        .vector_cache(false)
        .threads(2)
        .build()
        .unwrap();
    assert_eq!(fresh.calibrated_languages(), warm.calibrated_languages());
    for (_, code) in LANGUAGES {
        for n in [1, 2, 7, 20, 500] {
            assert_eq!(fresh.thresholds_for_language(code, n), warm.thresholds_for_language(code, n), "{code}, {n}");
        }
    }
    assert_eq!(fresh.thresholds_for(20), warm.thresholds_for(20));
}

#[test]
fn other_languages_that_e5_reads_fall_back_to_the_default_background() {
    let c = common::narratives();
    let texts = [
        (
            "deu",
            "Die Außenminister der beiden Länder trafen sich am Dienstag in Berlin, um über Grenzübergänge und \
             Energielieferungen zu sprechen. Nach Angaben des Auswärtigen Amtes dauerte das Gespräch etwa zwei Stunden. \
             Ein weiteres Treffen ist für den kommenden Monat in Warschau geplant.",
        ),
        (
            "spa",
            "El Gobierno aprobó el martes un plan de ayudas para los agricultores afectados por la sequía en Andalucía. \
             Según el ministerio, las ayudas llegarán a unas doce mil explotaciones antes del verano. \
             Las organizaciones agrarias pidieron que el plan se amplíe a otras comunidades autónomas.",
        ),
    ];
    let e5 = e5();
    for (code, text) in texts {
        let a = c.classify(text).unwrap();
        let language = a.language.as_ref().unwrap();
        assert_eq!((language.code.as_str(), language.supported), (code, true));
        assert_eq!(a.encoder, "onnx:multilingual-e5-small-q4");
        assert_eq!(a.calibration, None, "{code}: no background of its own, the default one decides");
        assert!(!serde_json::to_string(&a).unwrap().contains("\"calibration\""));
        let (thresholds, from) = e5.thresholds_for_language(code, a.sentences.len());
        assert_eq!((thresholds, from), (e5.thresholds_for(a.sentences.len()), None));
    }
}

#[test]
fn english_is_decided_as_before() {
    let c = common::narratives();
    // The English model reads none of the four languages: no table of its
    // own, and its texts (hence its vector cache key) are those of before.
    assert!(c.calibrated_languages().is_empty());
    assert_eq!(c.thresholds_for_language("rus", 20), (c.thresholds_for(20), None));
    let text = common::read("examples/data/001_1bab8556ee00fa53.txt");
    let a = c.classify(&text).unwrap();
    assert_eq!(a.encoder, "onnx:all-MiniLM-L6-v2-rowq8");
    assert_eq!(a.calibration, None);
    assert!(!serde_json::to_string(&a).unwrap().contains("\"calibration\""));
    // English on e5 keeps the default (English) background too.
    let e = e5().classify(&text).unwrap();
    assert_eq!(e.calibration, None);
    // A doubtful detection decides nothing: this FLICC paragraph (one English
    // sentence) is taken for Portuguese with low confidence, and keeps the
    // default thresholds.
    let path = common::root().join("tests/data/flicc/fallacy_test.csv");
    let row = csv::Reader::from_path(&path).unwrap().records().nth(127).unwrap().unwrap();
    let e = e5().classify(row.get(0).unwrap()).unwrap();
    let language = e.language.as_ref().unwrap();
    assert!(language.code == "por" && language.confidence < 0.5, "{language:?}");
    assert_eq!(e.calibration, None);
}

#[test]
fn background_by_language_is_checked_and_round_trips() {
    let mut t = Taxonomy::builtin("semeval2025-narratives").unwrap();
    let counts: Vec<(String, usize)> = t.background_by_language.iter().map(|(k, v)| (k.clone(), v.len())).collect();
    assert_eq!(counts.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["bul", "hin", "por", "rus"]);
    assert!(counts.iter().all(|&(_, n)| n >= 100), "{counts:?}");
    for format in [framelens::taxonomy::Format::Toml, framelens::taxonomy::Format::Json] {
        let text = t.to_string_as(format).unwrap();
        assert_eq!(Taxonomy::from_str_as(&text, format, "round trip").unwrap(), t, "{format:?}");
    }
    // A two-letter code and an empty sentence are named.
    t.background_by_language.insert("de".into(), vec!["Die Brücke bleibt bis Monatsende gesperrt.".into()]);
    t.background_by_language.get_mut("rus").unwrap()[3] = " ".into();
    let err = t.check().unwrap_err().to_string();
    assert!(err.contains("`de` is not a language code") && err.contains("ISO 639-3"), "{err}");
    assert!(err.contains("background_by_language.rus[3]"), "{err}");
    // A file without the field (every taxonomy written before it) loads as before.
    let old = "name = \"x\"\nbackground = [\"The museum reopens.\"]\n[[categories]]\nid = \"a\"\nlabel = \"A\"\ndescription = \"a\"\n";
    let t = Taxonomy::from_str_as(old, framelens::taxonomy::Format::Toml, "old").unwrap();
    assert!(t.background_by_language.is_empty());
    assert!(!t.to_string_as(framelens::taxonomy::Format::Json).unwrap().contains("background_by_language"));
}

#[test]
fn a_language_background_too_short_to_learn_from_is_an_error_naming_it() {
    let mut t = Taxonomy::builtin("semeval2025-narratives").unwrap();
    t.background_by_language.insert("eng".into(), vec!["The bridge will be closed until the end of the month.".into()]);
    let err = Classifier::builder()
        .taxonomy(t)
        .models_dir(common::root().join("models"))
        .threads(1)
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("background_by_language.eng") && err.contains("1 sentences"), "{err}");
}

// ---------------------------------------------------------------------------
// Held-out figures (docs/languages.md):
// cargo test --release --test language_calibration -- --ignored --nocapture

/// The topics of a background file: runs of sentences under one `# ---` heading.
fn topics(code: &str) -> Vec<Vec<String>> {
    let text = common::read(&format!("src/taxonomy/builtin/narratives-background-{code}.toml"));
    let mut out: Vec<Vec<String>> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with("# ---") {
            out.push(Vec::new());
        } else if line.starts_with('"') {
            let sentence: String = serde_json::from_str(line.trim_end_matches(',')).unwrap();
            out.last_mut().expect("a topic heading first").push(sentence);
        }
    }
    out
}

/// Does a pseudo-document (scores `[n, k]`) carry a narrative under these thresholds?
fn passes(t: &Taxonomy, c: &Classifier, scores: ndarray::ArrayView2<'_, f32>, table: &[Vec<f32>]) -> bool {
    let doc = document_scores(scores, c.decision().pooling);
    let row = &table[scores.nrows().clamp(1, table.len()) - 1];
    !hierarchical_decision(t, &doc, None, row, None).coarse.is_empty()
}

/// Share of the pseudo-documents of `len` consecutive sentences (wrapping)
/// of `scores` that pass the gate.
fn false_alarms(t: &Taxonomy, c: &Classifier, scores: &Array2<f32>, len: usize, table: &[Vec<f32>]) -> (usize, usize) {
    let n = scores.nrows();
    let len = len.min(n);
    let hits = (0..n)
        .filter(|&s| {
            let rows: Vec<usize> = (s..s + len).map(|i| i % n).collect();
            passes(t, c, scores.select(Axis(0), &rows).view(), table)
        })
        .count();
    (hits, n)
}

fn learn(t: &Taxonomy, c: &Classifier, scores: &Array2<f32>) -> Vec<Vec<f32>> {
    let d = c.decision();
    background_thresholds(t, scores.view(), d.pooling, d.false_alarm_rate).expect("enough background")
}

fn stack(parts: &[&Array2<f32>]) -> Array2<f32> {
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    ndarray::concatenate(Axis(0), &views).unwrap()
}

/// Is the document `Other` under these thresholds (as the classifier decides it)?
fn other(t: &Taxonomy, a: &DocumentAnalysis, table: &[Vec<f32>], pooling: framelens::Pooling) -> bool {
    let scores = Array2::from_shape_fn((a.sentences.len(), t.categories.len()), |(i, c)| {
        a.sentences[i].scores.get(&t.categories[c].label).unwrap()
    });
    let doc = document_scores(scores.view(), pooling);
    let row = &table[scores.nrows().clamp(1, table.len()) - 1];
    hierarchical_decision(t, &doc, a.domain.as_deref(), row, t.max_labels).coarse.is_empty()
}

#[test]
#[ignore = "prints the held-out false-alarm figures of docs/languages.md"]
fn held_out_false_alarms_per_language() {
    let c = e5();
    let t = c.taxonomy();
    let english = c.score_sentences(&t.background.iter().map(String::as_str).collect::<Vec<_>>()).unwrap();
    /// Fixture folder, code, topics and the background's sentence scores.
    type Background = (&'static str, &'static str, Vec<Vec<String>>, Array2<f32>);
    let by_language: Vec<Background> = LANGUAGES
        .iter()
        .map(|&(folder, code)| {
            let topics = topics(code);
            let all: Vec<&str> = topics.iter().flatten().map(String::as_str).collect();
            assert_eq!(all.len(), t.background_by_language[code].len(), "{code}: every sentence under a topic");
            (folder, code, topics.clone(), c.score_sentences(&all).unwrap())
        })
        .collect();
    let english_table = learn(t, c, &english);
    println!("nominal false-alarm rate per level: {}", c.decision().false_alarm_rate);
    println!(
        "| language | sentences | topics | own, in-sample (20) | own, leave-one-topic-out | English table (20) | pooled others + English (20) | pooled others (20) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let pct = |(h, n): (usize, usize)| format!("{:.1}% ({h}/{n})", 100.0 * h as f64 / n as f64);
    println!(
        "| eng (default background, e5) | {} | — | {} | — | {} | — | — |",
        english.nrows(),
        pct(false_alarms(t, c, &english, 20, &english_table)),
        pct(false_alarms(t, c, &english, 20, &english_table)),
    );
    let mut fallback_rows = Vec::new();
    let mut threshold_rows = Vec::new();
    let roots = t.roots();
    let mean = |row: &[f32]| roots.iter().map(|&r| row[r]).sum::<f32>() / roots.len() as f32;
    for (i, (folder, code, topics, scores)) in by_language.iter().enumerate() {
        let own = learn(t, c, scores);
        let in_sample = false_alarms(t, c, scores, 20, &own);
        // Leave one topic out: thresholds from the rest, pseudo-documents of the topic alone.
        let (mut hits, mut docs, mut start) = (0, 0, 0);
        for topic in topics {
            let rows: Vec<usize> = (start..start + topic.len()).collect();
            let rest: Vec<usize> = (0..scores.nrows()).filter(|r| !rows.contains(r)).collect();
            let table = learn(t, c, &scores.select(Axis(0), &rest));
            let (h, n) = false_alarms(t, c, &scores.select(Axis(0), &rows), 20, &table);
            hits += h;
            docs += n;
            start += topic.len();
        }
        let others: Vec<&Array2<f32>> =
            by_language.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, (_, _, _, s))| s).collect();
        let pooled_others = learn(t, c, &stack(&others));
        threshold_rows.push(format!(
            "| {code} | {:.3} | {:.3} | {:.3} | {:.3} |",
            mean(&own[0]),
            mean(&english_table[0]),
            mean(&own[19]),
            mean(&english_table[19])
        ));
        let mut with_english = others.clone();
        with_english.push(&english);
        let pooled_all = learn(t, c, &stack(&with_english));
        println!(
            "| {code} | {} | {} | {} | {} | {} | {} | {} |",
            scores.nrows(),
            topics.len(),
            pct(in_sample),
            pct((hits, docs)),
            pct(false_alarms(t, c, scores, 20, &english_table)),
            pct(false_alarms(t, c, scores, 20, &pooled_all)),
            pct(false_alarms(t, c, scores, 20, &pooled_others)),
        );
        // The fixtures (smoke tests) of this language, as if it had no background of its own.
        let corpus = fixtures(folder, t);
        let analyses: Vec<DocumentAnalysis> = corpus.documents.iter().map(|d| c.classify(&d.text).unwrap()).collect();
        let count = |table: &[Vec<f32>]| analyses.iter().filter(|a| other(t, a, table, c.decision().pooling)).count();
        let gold_other = corpus.documents.iter().filter(|d| d.coarse.iter().all(|l| l == "Other")).count();
        fallback_rows.push(format!(
            "| {folder} | {} | {gold_other} | {} | {} | {} | {} |",
            analyses.len(),
            count(&own),
            count(&english_table),
            count(&pooled_all),
            count(&pooled_others)
        ));
    }
    println!("\nnarrative thresholds (mean over narratives), 1 and 20 sentences:");
    println!("| language | own, 1 | English, 1 | own, 20 | English, 20 |");
    println!("|---|---:|---:|---:|---:|");
    for row in threshold_rows {
        println!("{row}");
    }
    println!("\nfixtures (smoke tests), documents that come out `Other`:");
    println!("| fixtures | documents | gold `Other` | own table | English table | pooled others + English | pooled others |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for row in fallback_rows {
        println!("{row}");
    }
}
