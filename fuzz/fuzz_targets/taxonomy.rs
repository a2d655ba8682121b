//! Taxonomy loading: never panics; what loads round-trips through TOML and JSON.
//! A first byte `{`/`[` (after whitespace) means JSON, anything else TOML.
#![no_main]

use framelens::taxonomy::Format;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let format = if text.trim_start().starts_with(['{', '[']) { Format::Json } else { Format::Toml };
    framelens_fuzz::check_taxonomy(text, format);
    // The other parser must not panic on it either.
    let other = if format == Format::Json { Format::Toml } else { Format::Json };
    framelens_fuzz::check_taxonomy(text, other);
});
