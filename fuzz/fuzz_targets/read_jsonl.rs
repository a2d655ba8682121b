//! JSONL reader on a temp file, against the flat and the two-level taxonomy
//! (the first byte chooses).
#![no_main]

use std::sync::OnceLock;

use framelens::Taxonomy;
use libfuzzer_sys::fuzz_target;

fn taxonomies() -> &'static [Taxonomy; 2] {
    static T: OnceLock<[Taxonomy; 2]> = OnceLock::new();
    T.get_or_init(|| [Taxonomy::media_frames(), builtin("semeval2025-narratives")])
}

fn builtin(name: &str) -> Taxonomy {
    Taxonomy::builtin(name).unwrap_or_else(|e| panic!("{e}"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    framelens_fuzz::check_jsonl(rest, &taxonomies()[usize::from(which & 1)]);
});
