//! Language: which language a document is in, and whether the encoder reads it.
//!
//! The default encoders (all-MiniLM-L6-v2, all-mpnet-base-v2) were trained
//! on English; multilingual-e5-small reads about 100 languages. Every result
//! says which language was detected ([`whatlang`], trigram statistics over
//! the first [`SAMPLE_BYTES`] of the text) and whether the encoder that
//! scored it reads that language; a classifier on an English encoder sends
//! other languages to the multilingual one when it is there
//! ([`crate::ClassifierBuilder::other_languages`]).
//!
//! ```no_run
//! use framelens::{Classifier, OnnxModel, Taxonomy};
//! # fn main() -> framelens::Result<()> {
//! let c = Classifier::builder()
//!     .taxonomy(Taxonomy::builtin("semeval2025-narratives")?)
//!     .other_languages(Some(OnnxModel::E5)) // fails here if models/fetch-e5 has not run
//!     .build()?;
//! let a = c.classify("Посол сказал, что санкции обернулись ростом цен на энергию в Европе.")?;
//! let language = a.language.as_ref().expect("detected");
//! assert_eq!((language.code.as_str(), language.supported), ("rus", true));
//! assert_eq!(a.encoder, "onnx:multilingual-e5-small-q4");
//! # Ok(()) }
//! ```

use serde::{Deserialize, Serialize};

/// Bytes of a document's text that detection reads (from its start).
pub const SAMPLE_BYTES: usize = 4096;

/// Languages the English encoders read (ISO 639-3).
pub const ENGLISH_ONLY: &[&str] = &["eng"];

/// Languages multilingual-e5-small reads: those of the detector that are
/// among XLM-R's 100 training languages (all but Turkmen, Akan, Zulu and
/// Shona, which it was not trained on).
pub const MULTILINGUAL: &[&str] = &[
    "afr", "amh", "ara", "aze", "bel", "ben", "bul", "cat", "ces", "cmn", "cym", "dan", "deu", "ell", "eng", "epo",
    "est", "fin", "fra", "guj", "heb", "hin", "hrv", "hun", "hye", "ind", "ita", "jav", "jpn", "kan", "kat", "khm",
    "kor", "lat", "lav", "lit", "mal", "mar", "mkd", "mya", "nep", "nld", "nob", "ori", "pan", "pes", "pol", "por",
    "ron", "rus", "sin", "slk", "slv", "spa", "srp", "swe", "tam", "tel", "tgl", "tha", "tur", "ukr", "urd", "uzb",
    "vie", "yid",
];

/// The language detected in a document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Language {
    /// ISO 639-3 code, e.g. `eng`, `rus`, `bul`.
    pub code: String,
    /// English name, e.g. `Russian`.
    pub name: String,
    /// The detector's confidence in [0, 1].
    pub confidence: f64,
    /// False when the detection is settled (whatlang calls it reliable, or
    /// the text is in a script other than Latin) and the encoder does not
    /// read this language: the scores of such a document are not meaningful.
    pub supported: bool,
}

/// Detect the language of `text`; `supported` lists the encoder's languages
/// (`None`: unknown, taken as any). `None` when the text has too little
/// script to tell.
pub fn detect(text: &str, supported: Option<&[&str]>) -> Option<Language> {
    detect_info(text).map(|info| describe(&info, supported))
}

/// whatlang's detection over the start of `text`. When it is not reliable
/// for a text in the Latin script and names a language other than English,
/// the text is detected again between that language and English alone; if
/// that detection is reliable, it is the one returned (its confidence is
/// the pair's). whatlang often hesitates between Portuguese, Spanish and
/// Galician in a short paragraph, which is surely not English all the same:
/// 13 of the 256 paragraphs of the Portuguese FLICC test split were left to
/// the English model that way, and none of FLICC's English paragraphs is
/// taken for another language by the pair (docs/languages.md).
pub(crate) fn detect_info(text: &str) -> Option<whatlang::Info> {
    let text = sample(text);
    let info = whatlang::detect(text)?;
    if info.is_reliable() || info.script() != whatlang::Script::Latin || info.lang() == whatlang::Lang::Eng {
        return Some(info);
    }
    let pair = whatlang::Detector::with_allowlist(vec![info.lang(), whatlang::Lang::Eng]).detect(text);
    match pair {
        Some(p) if p.is_reliable() && p.lang() == info.lang() => Some(p),
        _ => Some(info),
    }
}

/// A detection as the results report it.
pub(crate) fn describe(info: &whatlang::Info, supported: Option<&[&str]>) -> Language {
    let code = info.lang().code().to_string();
    let known = supported.is_none_or(|langs| langs.contains(&code.as_str()));
    Language {
        name: info.lang().eng_name().to_string(),
        code,
        confidence: info.confidence(),
        supported: known || !settled(info),
    }
}

/// Whether a detection is sure enough to act on: whatlang calls it reliable,
/// or the text is not in the Latin script. In a short Russian text whatlang
/// may hesitate between Russian and Bulgarian, but the text is surely not
/// English, and the rules of either language split it better than English's.
pub(crate) fn settled(info: &whatlang::Info) -> bool {
    info.is_reliable() || info.script() != whatlang::Script::Latin
}

/// The first [`SAMPLE_BYTES`] of `text`, cut on a character boundary.
fn sample(text: &str) -> &str {
    let mut end = text.len().min(SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The sentencex code (ISO 639-1) of a language whose sentence rules
/// sentencex has, for the languages of the shared tasks and their
/// neighbours; `None` for the others.
pub fn sentencex_code(iso639_3: &str) -> Option<&'static str> {
    Some(match iso639_3 {
        "eng" => "en",
        "rus" => "ru",
        "bul" => "bg",
        "ukr" => "uk",
        "por" => "pt",
        "hin" => "hi",
        "deu" => "de",
        "fra" => "fr",
        "spa" => "es",
        "ita" => "it",
        "pol" => "pl",
        "ell" => "el",
        "kat" => "ka",
        _ => return None,
    })
}

/// The sentencex code for a detection: its language when the detection is
/// settled (reliable, or in a script other than Latin) and sentencex has
/// rules for it, else `fallback`.
pub(crate) fn sentencex_for<'a>(info: Option<&whatlang::Info>, fallback: &'a str) -> &'a str {
    info.filter(|i| settled(i)).and_then(|i| sentencex_code(i.lang().code())).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_is_read_and_russian_is_flagged() {
        let en = detect(
            "The ministry said on Tuesday that the talks would resume next week in Geneva, officials confirmed.",
            Some(ENGLISH_ONLY),
        )
        .unwrap();
        assert_eq!((en.code.as_str(), en.supported), ("eng", true));
        let ru = detect(
            "Министерство заявило во вторник, что переговоры возобновятся на следующей неделе в Женеве.",
            Some(ENGLISH_ONLY),
        )
        .unwrap();
        assert_eq!((ru.code.as_str(), ru.name.as_str(), ru.supported), ("rus", "Russian", false));
        // An encoder of unknown languages supports all of them.
        assert!(detect("Министерство заявило во вторник, что переговоры возобновятся.", None).unwrap().supported);
        let split_as = |text: &str| sentencex_for(detect_info(text).as_ref(), "en");
        assert_eq!(
            split_as("Министерство заявило во вторник, что переговоры возобновятся на следующей неделе в Женеве."),
            "ru"
        );
        assert_eq!(split_as("12 34"), "en");
        // Too short for whatlang to be sure which Cyrillic language it is,
        // but surely not English (written for this test).
        let short = "Он родился в 1950 г. в Москве и всю жизнь работал в министерстве.";
        let info = detect_info(short).unwrap();
        assert!(!info.is_reliable(), "the test needs an unreliable detection");
        assert_eq!(split_as(short), "ru");
        assert!(!detect(short, Some(ENGLISH_ONLY)).unwrap().supported);
        // No script, no language.
        assert!(detect("12 34 !!", Some(ENGLISH_ONLY)).is_none());
    }
}
