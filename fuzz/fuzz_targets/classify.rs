//! `classify` on arbitrary UTF-8 with the real model (one classifier, one
//! thread, built on the first input). Models come from `$FRAMELENS_MODELS`,
//! else the crate's `models/`. Slow per input: run it with `-max_len=2048`.
#![no_main]

use std::sync::OnceLock;

use framelens::{Classifier, Taxonomy};
use libfuzzer_sys::fuzz_target;

fn classifier() -> &'static Classifier {
    static C: OnceLock<Classifier> = OnceLock::new();
    C.get_or_init(|| {
        let models = std::env::var_os("FRAMELENS_MODELS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../models").into());
        Classifier::builder()
            .taxonomy(Taxonomy::media_frames())
            .models_dir(models)
            .threads(1)
            .build()
            .unwrap_or_else(|e| panic!("cannot build the classifier (run models/fetch): {e}"))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    framelens_fuzz::check_classify(classifier(), text);
});
