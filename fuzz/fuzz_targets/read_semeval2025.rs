//! SemEval-2025 subtask-2 reader on a temp folder: the input is the annotation
//! file, then `\0 name \0 content` per document (see `check_semeval2025`).
#![no_main]

use std::sync::OnceLock;

use framelens::Taxonomy;
use libfuzzer_sys::fuzz_target;

fn narratives() -> &'static Taxonomy {
    static T: OnceLock<Taxonomy> = OnceLock::new();
    T.get_or_init(|| Taxonomy::builtin("semeval2025-narratives").unwrap_or_else(|e| panic!("{e}")))
}

fuzz_target!(|data: &[u8]| {
    framelens_fuzz::check_semeval2025(data, narratives());
});
