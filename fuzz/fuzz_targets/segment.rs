//! Sentence splitter: spans cover the text, in order, on char boundaries.
//! The first byte picks `newline_breaks`; the rest, read as (lossy) UTF-8, is the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    framelens_fuzz::check_split(&String::from_utf8_lossy(rest), mode & 1 == 0);
});
