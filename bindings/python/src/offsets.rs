//! Byte offsets (Rust, UTF-8) to character offsets (Python `str` indices).

/// Bytes per checkpoint of [`CharIndex`].
const BLOCK: usize = 64;

/// Maps byte offsets of a text to the number of characters (code points)
/// before them, which is what a Python `str` is indexed by. Built once per
/// text in O(len); each lookup scans at most [`BLOCK`] bytes.
pub struct CharIndex<'a> {
    bytes: &'a [u8],
    /// Characters before byte `k * BLOCK`; empty for ASCII text (offsets equal).
    marks: Vec<usize>,
}

/// True for a byte that starts a UTF-8 character (not a continuation byte).
fn starts_char(b: u8) -> bool {
    (b as i8) >= -0x40
}

impl<'a> CharIndex<'a> {
    /// Index `text`.
    pub fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        if text.is_ascii() {
            return CharIndex { bytes, marks: Vec::new() };
        }
        let mut marks = Vec::with_capacity(bytes.len() / BLOCK + 1);
        let mut count = 0;
        for block in bytes.chunks(BLOCK) {
            marks.push(count);
            count += block.iter().filter(|&&b| starts_char(b)).count();
        }
        marks.push(count);
        CharIndex { bytes, marks }
    }

    /// Characters before byte `offset` (clamped to the text's length).
    pub fn chars_before(&self, offset: usize) -> usize {
        let offset = offset.min(self.bytes.len());
        if self.marks.is_empty() {
            return offset;
        }
        let block = offset / BLOCK;
        self.marks[block] + self.bytes[block * BLOCK..offset].iter().filter(|&&b| starts_char(b)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_offsets_match_char_indices() {
        let text = "Привет, мир. नमस्ते दुनिया। 😀 Emoji here. ".repeat(9);
        let index = CharIndex::new(&text);
        for (c, (b, _)) in text.char_indices().enumerate() {
            assert_eq!(index.chars_before(b), c, "byte {b}");
        }
        assert_eq!(index.chars_before(text.len()), text.chars().count());
        let ascii = CharIndex::new("plain text");
        assert_eq!(ascii.chars_before(5), 5);
        assert_eq!(ascii.chars_before(99), 10);
    }
}
