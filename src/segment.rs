//! Sentence segmentation: byte spans into the caller's text.
//!
//! [sentencex] finds the sentence boundaries; a thin news layer sits around it:
//!
//! 1. **Blocks.** With [`SegmenterConfig::newline_breaks`] every line is a block of its own, so
//!    headlines, bylines and bullets never run into the next sentence. Without it a block is a
//!    paragraph (lines up to a blank line) whose single newlines sentencex reads as spaces.
//! 2. **Windows.** sentencex slows down quadratically on some long paragraphs (many quotes or
//!    brackets), so a long block is fed to it in overlapping windows of a few KiB. Boundaries
//!    near a window's end are recomputed in the next window, where they have context on both
//!    sides. Any input stays linear.
//! 3. **Reading.** sentencex reads `…` as `...`, so `wait… Then` ends a sentence as
//!    `wait... Then` does (`were… difficult` and `so… I left` still do not).
//! 4. **Quotations.** sentencex never splits inside quotes, so the inside of each `"…"`, `“…”`
//!    or `«…»` is split by sentencex on its own: `"We regret the error. It will not happen
//!    again."` is two sentences.
//! 5. **Dialogue.** A dash after a sentence end continues the dialogue, as Russian, Bulgarian,
//!    Portuguese and Hindi news print it: inside a quotation no cut goes before a dash
//!    (`«Ты придёшь? – спросила она. – Я жду.»` and `„… ? – каза тя. – …“` are one sentence),
//!    and anywhere a `?`, `!` or `…` (and its closing quote) stays with a dash and a
//!    lower-case attribution after it (`«Вы согласны?» – спросил журналист.`).
//! 6. **Inline lists.** A list marker (`1.`, `a.`, `• 9.`) that opens a block or follows a
//!    colon, followed by markers counting on from it (`2.`, `b.`, `• 10.`), makes an inline
//!    enumeration: every item is a sentence and keeps its marker.
//! 7. **Spaced ellipses.** After a word's own period, a spaced ellipsis opens the next sentence
//!    (`compounds. . . . The` ends after `compounds.`); after a space (`a period . . . .`) it
//!    ends the sentence it is in.
//! 8. **Merges.** A small table undoes the breaks sentencex gets wrong in news copy:
//!    `9 a.m. Monday`, `10 p.m. EST`, `approx. 300`, `Gen. He Weidong`, `Ms. Smith`; and a
//!    numbered line keeps its number (`1. First point`).
//!
//! With these the default segmenter passes all 48 English Golden Rules
//! (`tests/golden_rules.rs`). Spans are trimmed and only whitespace lies between them, so
//! nothing is lost.
//!
//! ```
//! use framelens::segment::Segmenter;
//!
//! let text = "Ukraine war\nU.S. President Joe Biden spoke at 9 a.m. Monday. Talks stalled.";
//! let sentences: Vec<&str> = Segmenter::default()
//!     .split(text)
//!     .iter()
//!     .map(|span| span.text(text))
//!     .collect();
//! assert_eq!(
//!     sentences,
//!     ["Ukraine war", "U.S. President Joe Biden spoke at 9 a.m. Monday.", "Talks stalled."]
//! );
//! ```

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// A sentence as byte offsets, so results point into the caller's text instead of copying it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    /// First byte of the sentence.
    pub start: usize,
    /// One past its last byte: the sentence is `text[start..end]`.
    pub end: usize,
}

impl Span {
    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// True when the span covers no bytes (never the case for spans from [`Segmenter::split`]).
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    /// The sentence within `s`. A span that does not fit `s` (taken from another text) gives
    /// `""` instead of a panic.
    pub fn text<'a>(&self, s: &'a str) -> &'a str {
        s.get(self.start..self.end).unwrap_or("")
    }
}

/// How to split; serde with defaults, so a config file names only what it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SegmenterConfig {
    /// Language code passed to sentencex ("en").
    pub language: String,
    /// In [`crate::Classifier`]: when a document's language is detected as
    /// another one that sentencex has rules for (reliably, or in a script
    /// other than Latin), split it with those rules instead of `language`'s.
    pub detect_language: bool,
    /// Break at every newline (headlines, bylines, bullets). Turn off for hard-wrapped text,
    /// where only blank lines end a paragraph.
    pub newline_breaks: bool,
}

impl Default for SegmenterConfig {
    fn default() -> Self {
        Self { language: "en".to_owned(), detect_language: true, newline_breaks: true }
    }
}

/// The unit a classifier decides on: the whole document, each paragraph, or
/// each sentence. A head trained on paragraphs (SemEval-2023 subtask 3)
/// should be used on paragraphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Granularity {
    /// The whole text.
    #[default]
    Document,
    /// A line with [`SegmenterConfig::newline_breaks`] (news layouts put one
    /// paragraph on a line), else a block of lines up to a blank line.
    Paragraph,
    /// Each sentence.
    Sentence,
}

impl std::str::FromStr for Granularity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "document" => Ok(Granularity::Document),
            "paragraph" => Ok(Granularity::Paragraph),
            "sentence" => Ok(Granularity::Sentence),
            other => Err(format!("`{other}` is not a unit; use document, paragraph or sentence")),
        }
    }
}

impl Granularity {
    /// Consecutive ranges of `spans` (the sentences of `text`, in order), one
    /// per unit. Every sentence lies in exactly one range.
    pub fn ranges(self, text: &str, spans: &[Span], newline_breaks: bool) -> Vec<std::ops::Range<usize>> {
        match self {
            Granularity::Document => {
                if spans.is_empty() {
                    Vec::new()
                } else {
                    std::iter::once(0..spans.len()).collect()
                }
            }
            Granularity::Sentence => (0..spans.len()).map(|i| i..i + 1).collect(),
            Granularity::Paragraph => {
                let mut out = Vec::new();
                let mut start = 0;
                for i in 1..=spans.len() {
                    let breaks = i == spans.len() || {
                        let gap = text.get(spans[i - 1].end..spans[i].start).unwrap_or("");
                        // Only whitespace lies between sentences: a blank line is two line ends.
                        gap.matches('\n').count() >= if newline_breaks { 1 } else { 2 }
                    };
                    if breaks {
                        out.push(start..i);
                        start = i;
                    }
                }
                out
            }
        }
    }
}

/// Splits text into sentence spans. It holds only its config: cheap to clone, `Send + Sync`.
#[derive(Debug, Clone, Default)]
pub struct Segmenter {
    config: SegmenterConfig,
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Segmenter>();
};

impl Segmenter {
    /// A segmenter for `config`. Any language code works: sentencex falls back to English.
    pub fn new(config: SegmenterConfig) -> Self {
        Self { config }
    }

    /// The config this segmenter was built with.
    pub fn config(&self) -> &SegmenterConfig {
        &self.config
    }

    /// Sentence spans in order. Each span is trimmed (starts and ends on non-whitespace).
    ///
    /// Takes time linear in the length of `text`, whatever its shape, and never panics.
    pub fn split(&self, text: &str) -> Vec<Span> {
        self.split_as(text, &self.config.language)
    }

    /// [`Segmenter::split`], but with the rules of the language detected in
    /// `text` when `detect_language` is on (see [`crate::language`]); also
    /// returns the detection, made once for both uses.
    pub(crate) fn split_detected(&self, text: &str) -> (Vec<Span>, Option<whatlang::Info>) {
        let info = crate::language::detect_info(text.trim());
        let language = if self.config.detect_language {
            crate::language::sentencex_for(info.as_ref(), &self.config.language)
        } else {
            &self.config.language
        };
        (self.split_as(text, language), info)
    }

    /// [`Segmenter::split`] with the rules of `language` (a sentencex code
    /// such as `ru`, `bg`, `pt`, `hi`) instead of the configured one.
    pub fn split_as(&self, text: &str, language: &str) -> Vec<Span> {
        let mut spans = Vec::new();
        if self.config.newline_breaks {
            for (offset, line) in lines(text) {
                self.split_block(line, offset, language, &mut spans);
            }
        } else {
            for (offset, paragraph) in paragraphs(text) {
                self.split_block(paragraph, offset, language, &mut spans);
            }
        }
        spans
    }

    /// Appends the sentences of `block`, which starts at byte `offset` of the caller's text.
    fn split_block(&self, block: &str, offset: usize, language: &str, out: &mut Vec<Span>) {
        if block.trim().is_empty() {
            return;
        }
        let flat = flatten(block);
        // Candidate cuts: sentencex on the whole block, and on the inside of each quotation.
        let mut found = sentence_cuts(language, &flat);
        let mut previous = 0;
        for cut in &mut found {
            if let Some(moved) = period_before_ellipsis(flat.get(..*cut).unwrap_or("")) {
                if moved > previous {
                    *cut = moved;
                }
            }
            previous = *cut;
        }
        let quoted = quotations(&flat);
        let candidates =
            merge_cuts(&merge_cuts(&found, &quotation_cuts(language, &flat, &quoted)), &year_cuts(language, &flat));
        let list = inline_list(&flat);

        let lead = block.len() - block.trim_start().len();
        let mut kept = Vec::with_capacity(candidates.len());
        let mut marker = 0;
        let mut quote = 0;
        for cut in candidates {
            let Some((before, after)) = block.split_at_checked(cut) else {
                continue;
            };
            if kept.last().is_some_and(|&last| last >= cut) {
                continue;
            }
            // The last list marker ending at or before the cut: is the cut in its gap?
            while list.marker_gaps.get(marker + 1).is_some_and(|&(end, _)| end <= cut) {
                marker += 1;
            }
            let after_marker = list.marker_gaps.get(marker).is_some_and(|&(end, text)| end <= cut && cut <= text);
            let list_item = kept.is_empty() && before.get(lead..).is_some_and(is_list_marker);
            while quoted.get(quote).is_some_and(|q| q.end <= cut) {
                quote += 1;
            }
            let in_quote = quoted.get(quote).is_some_and(|q| q.start < cut);
            if !after_marker
                && !list_item
                && !keeps_together(language, before, after)
                && !dialogue_goes_on(before, after, in_quote)
            {
                kept.push(cut);
            }
        }

        let mut piece_start = 0;
        for cut in merge_cuts(&kept, &list.item_starts) {
            push_trimmed(block, piece_start, cut, offset, out);
            piece_start = cut;
        }
        push_trimmed(block, piece_start, block.len(), offset, out);
    }
}

/// `block` as sentencex should read it, with the same byte length so that offsets carry over:
/// single newlines of hard-wrapped text become spaces (sentencex would otherwise see list items
/// at line starts), and `…` becomes `...` (sentencex ends sentences at `...` before a new one,
/// but never at `…`).
fn flatten(block: &str) -> Cow<'_, str> {
    if !block.contains(['\n', '…']) {
        return Cow::Borrowed(block);
    }
    // '…' is 3 bytes in UTF-8, like "...".
    Cow::Owned(block.replace('\n', " ").replace('…', "..."))
}

/// Merges two ascending cut lists into one, without duplicates. Linear.
fn merge_cuts(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut merged = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x <= y => {
                i += 1;
                x
            }
            (_, Some(&y)) => {
                j += 1;
                y
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (None, None) => break,
        };
        if merged.last().is_none_or(|&last| last < next) {
            merged.push(next);
        }
    }
    merged
}

/// Every line with its byte offset, without the `\n`. A `\r` before it stays in the line and
/// is trimmed later as whitespace.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split('\n').map(move |line| {
        let start = offset;
        offset += line.len() + 1;
        (start, line)
    })
}

/// Every paragraph with its byte offset: a run of lines up to a blank (whitespace-only) line.
fn paragraphs(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut lines = lines(text).peekable();
    std::iter::from_fn(move || {
        let (start, first) = lines.find(|(_, line)| !line.trim().is_empty())?;
        let mut end = start + first.len();
        while let Some((offset, line)) = lines.next_if(|(_, line)| !line.trim().is_empty()) {
            end = offset + line.len();
        }
        text.get(start..end).map(|paragraph| (start, paragraph))
    })
}

/// Pushes `block[from..to]` without its surrounding whitespace, if anything is left.
fn push_trimmed(block: &str, from: usize, to: usize, offset: usize, out: &mut Vec<Span>) {
    let Some(piece) = block.get(from..to) else {
        return;
    };
    let body = piece.trim();
    if !body.is_empty() {
        let start = offset + from + (piece.len() - piece.trim_start().len());
        out.push(Span { start, end: start + body.len() });
    }
}

/// Blocks up to this many bytes go to sentencex whole; news paragraphs almost always fit.
const WINDOW: usize = 8 * 1024;
/// Boundaries within this many bytes of a window's end are left to the next window, so that a
/// quote or bracket running past the window cannot decide them.
const MARGIN: usize = 2 * 1024;

/// Byte offsets inside `s` (strictly between 0 and `s.len()`, ascending, on char boundaries)
/// where sentencex ends a sentence.
fn sentence_cuts(language: &str, s: &str) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut pos = 0;
    while s.len() - pos > WINDOW {
        let end = ceil_char_boundary(s, pos + WINDOW);
        let limit = pos + WINDOW - MARGIN;
        let before = cuts.len();
        sentencex_cuts(language, s.get(pos..end).unwrap_or(""), pos, &mut cuts);
        let found = cuts.len() - before;
        let inside = cuts[before..].partition_point(|&cut| cut <= limit);
        if inside > 0 {
            // The usual case: keep what lies well inside the window.
            cuts.truncate(before + inside);
        } else if found > 0 {
            // A sentence longer than `WINDOW - MARGIN` still ends where sentencex says it does.
            cuts.truncate(before + 1);
        } else {
            cuts.push(forced_cut(s, pos, limit));
        }
        // Always moves forward: every cut kept for this window is greater than `pos`.
        pos = cuts.last().copied().unwrap_or(end);
    }
    sentencex_cuts(language, s.get(pos..).unwrap_or(""), pos, &mut cuts);
    cuts
}

/// Appends sentencex's boundaries inside `window` (which starts at byte `offset`) to `cuts`,
/// keeping `cuts` ascending even if sentencex ever reported odd offsets.
fn sentencex_cuts(language: &str, window: &str, offset: usize, cuts: &mut Vec<usize>) {
    for boundary in sentencex::get_sentence_boundaries(language, window) {
        for at in [boundary.start_byte, boundary.end_byte] {
            let inside = at > 0 && at < window.len() && window.is_char_boundary(at);
            if inside && cuts.last().is_none_or(|&last| last < offset + at) {
                cuts.push(offset + at);
            }
        }
    }
}

/// Where to cut a window in which sentencex found no sentence end at all (8 KiB of text
/// without one): at its last whitespace before `limit`, else mid-token. Always past `pos`.
fn forced_cut(s: &str, pos: usize, limit: usize) -> usize {
    let limit = floor_char_boundary(s, limit);
    s.get(pos..limit)
        .and_then(|head| head.char_indices().rev().find(|&(i, c)| i > 0 && c.is_whitespace()))
        .map_or(limit, |(i, _)| pos + i)
}

// `str::floor_char_boundary` and `ceil_char_boundary` are newer than the crate's MSRV.

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// `1.`, `12.`, `a.`, `• 9.`: what sentencex splits off the start of a numbered line
/// (`1. First point`) when it sees the line alone.
fn is_list_marker(head: &str) -> bool {
    let head = head.trim_end().trim_start_matches(|c: char| BULLETS.contains(&c) || c.is_whitespace());
    let Some(label) = head.strip_suffix('.') else {
        return false;
    };
    let digits = (1..=3).contains(&label.len()) && label.bytes().all(|b| b.is_ascii_digit());
    let letter = label.len() == 1 && label.bytes().all(|b| b.is_ascii_alphabetic());
    digits || letter
}

/// Characters that may stand before a list marker (`• 9.`, `⁃9.`).
const BULLETS: &[char] = &['•', '◦', '‣', '⁃', '▪', '▫', '●', '○', '■', '□', '-', '–', '*'];

/// The items of an inline enumeration (`1. Pay 2. Leave`, `a. Pay b. Leave`) in one block.
#[derive(Debug, Default)]
struct InlineList {
    /// Where each item starts (at its bullet, if any), ascending; a cut goes before each.
    item_starts: Vec<usize>,
    /// The whitespace between each item's marker and its text (where the marker ends, where the
    /// text starts), ascending: no cut goes there.
    marker_gaps: Vec<(usize, usize)>,
}

/// A list marker token, `1.` to `999.` or `a.` to `z.`, possibly behind bullets: its number
/// (letters count from `a.` = 1) and whether it is a letter. Capital letters are left out:
/// `A. B. Smith` is a name.
fn list_label(token: &str) -> Option<(u32, bool)> {
    let label = token.trim_start_matches(BULLETS).strip_suffix('.')?;
    match label.as_bytes() {
        [letter @ b'a'..=b'z'] => Some((u32::from(letter - b'a') + 1, true)),
        digits if (1..=3).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit) => {
            label.parse().ok().map(|number| (number, false))
        }
        _ => None,
    }
}

/// Finds inline enumerations in `s`: a list marker that opens the block or follows a colon,
/// then markers counting on from it (`1.` `2.` `3.`, `a.` `b.`, each followed by text), in
/// one pass over the tokens. A lone marker, or numbers that do not count on (`at 1. Then at
/// 5.`), make no list; neither do numbers mid-sentence (`rose 1. Then 2. Later 3.`).
fn inline_list(s: &str) -> InlineList {
    struct Open {
        next: u32,
        letters: bool,
        /// The first item's start and marker gap, added once a second item confirms the list.
        first: Option<(usize, (usize, usize))>,
    }
    let mut list = InlineList::default();
    let mut open: Option<Open> = None;
    // Whether the token before (bullets aside) ended with a colon, `None` at the block's start;
    // and where a bullet-only token right before starts (`•` in `• 9.`).
    let mut after_colon: Option<bool> = None;
    let mut bullet_start: Option<usize> = None;
    for (start, token) in tokens(s) {
        let end = start + token.len();
        let rest = s.get(end..).unwrap_or("");
        // Where the text after the token starts; a marker has some.
        let text = s.len() - rest.trim_start().len();
        let label = list_label(token).filter(|_| text < s.len());
        if let Some((number, letters)) = label {
            let item_start = bullet_start.unwrap_or(start);
            let opens = after_colon.unwrap_or(true);
            if let Some(list_open) = open.as_mut().filter(|o| o.letters == letters && o.next == number) {
                if let Some((first_start, first_gap)) = list_open.first.take() {
                    if first_start > 0 {
                        list.item_starts.push(first_start);
                    }
                    list.marker_gaps.push(first_gap);
                }
                list.item_starts.push(item_start);
                list.marker_gaps.push((end, text));
                list_open.next = number.saturating_add(1);
            } else if opens {
                open = Some(Open { next: number.saturating_add(1), letters, first: Some((item_start, (end, text))) });
            }
        }
        if token.chars().all(|c| BULLETS.contains(&c)) {
            bullet_start = Some(start);
        } else {
            bullet_start = None;
            after_colon = Some(token.ends_with(':'));
        }
    }
    list
}

/// The whitespace-separated tokens of `s` with their byte offsets.
fn tokens(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut from = 0;
    std::iter::from_fn(move || {
        let rest = s.get(from..)?;
        let token = rest.trim_start();
        let start = from + rest.len() - token.len();
        let token = token.split(char::is_whitespace).next().filter(|token| !token.is_empty())?;
        from = start + token.len();
        Some((start, token))
    })
}

/// Where a sentence really ends when sentencex cut after `head`, if `head` ends with a period
/// on a word followed by a spaced ellipsis (`compounds. . . .` before `The practice`): the
/// period ends the sentence and the ellipsis opens the next one. A spaced ellipsis after a
/// space (`a period . . . .`) or a run of dots (`that....`) ends where sentencex says.
fn period_before_ellipsis(head: &str) -> Option<usize> {
    // The last few bytes are enough (`. . . .` is 7), and keep this constant-time.
    let from = floor_char_boundary(head, head.len().saturating_sub(LOOK));
    let bytes = head.get(from..)?.trim_end().as_bytes();
    let mut i = bytes.len();
    let mut spaced = 0;
    loop {
        // `bytes[i - 1]` is a dot; look at what stands before it.
        if i == 0 || bytes[i - 1] != b'.' {
            return None;
        }
        let dot = i - 1;
        let mut j = dot;
        while j > 0 && matches!(bytes[j - 1], b' ' | b'\t') {
            j -= 1;
        }
        if j < dot {
            spaced += 1;
            i = j;
            continue;
        }
        // The dot is attached: to a word, which it ends when 3 or more spaced dots follow.
        let attached_to_word = dot > 0 && bytes[dot - 1] != b'.';
        return (attached_to_word && spaced >= 3).then_some(from + dot + 1);
    }
}

/// Quotations longer than this are left to sentencex alone.
const QUOTATION: usize = WINDOW;

/// The insides of the quotations of `s`, `"…"`, `“…”`, `„…“` or `«…»`, ascending and
/// not overlapping; nested quotes are left alone, an opener never closed
/// gives none.
fn quotations(s: &str) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    // Where the open quotation's inside starts, and the quote that closes it.
    let mut open: Option<(usize, char)> = None;
    for (at, c) in s.char_indices() {
        match (open, c) {
            (Some((from, close)), _) if c == close => {
                open = None;
                found.push(from..at);
            }
            // A `"` inside `“…”` is nested, and so are `„…“` and `“…”` inside
            // `«…»` (Russian); a new `“`, `„` or `«` drops an opener never closed.
            (Some((_, '”' | '»' | '“')), '"') | (Some((_, '»')), '„' | '“' | '”') => {}
            (_, '"') => open = Some((at + 1, '"')),
            (_, '“') => open = Some((at + '“'.len_utf8(), '”')),
            // Bulgarian, Russian (inner), German: low-high `„…“`.
            (_, '„') => open = Some((at + '„'.len_utf8(), '“')),
            (_, '«') => open = Some((at + '«'.len_utf8(), '»')),
            _ => {}
        }
    }
    found
}

/// Cuts inside quotations (`"We regret the error. It will not happen again."`), which
/// sentencex never splits: the inside of each of `quoted` ([`quotations`]) is split by
/// sentencex on its own. Each quotation is at most [`QUOTATION`] bytes and quotations do not
/// overlap, so this stays linear.
fn quotation_cuts(language: &str, s: &str, quoted: &[std::ops::Range<usize>]) -> Vec<usize> {
    let mut cuts = Vec::new();
    for inside in quoted {
        if let Some(text) = s.get(inside.clone()).filter(|text| text.len() <= QUOTATION && has_inner_end(text)) {
            sentencex_cuts(language, text, inside.start, &mut cuts);
        }
    }
    cuts
}

/// Dashes that introduce a speaker's attribution or the speech after it.
const DIALOGUE_DASHES: &[char] = &['–', '—', '―', '-'];

/// True when a cut between `before` and `after` would split dialogue that
/// goes on after a dash: inside a quotation (`in_quote`), any cut followed by a
/// dash (`«Ты придёшь? | – спросила она. | – Я жду.»`, `„… ? – каза тя. – …“`); anywhere,
/// a `?`, `!` or `…` (a closing quote may follow it) followed by a dash and a
/// lower-case attribution (`«Вы согласны?» | – спросил журналист.`).
fn dialogue_goes_on(before: &str, after: &str, in_quote: bool) -> bool {
    let after = after.trim_start();
    let mut chars = after.chars();
    let (Some(dash), Some(gap)) = (chars.next(), chars.next()) else {
        return false;
    };
    if !DIALOGUE_DASHES.contains(&dash) || !gap.is_whitespace() {
        return false;
    }
    if in_quote {
        return true;
    }
    let attribution = chars.as_str().trim_start().chars().next().is_some_and(char::is_lowercase);
    let end = before.trim_end().trim_end_matches(['»', '”', '“', '"', '\'', '’']);
    attribution && (end.ends_with(['?', '!', '…']) || end.ends_with("..."))
}

/// Whether `quoted` has a `.`, `!` or `?` followed by a space and more text: a place where one
/// of its sentences could end.
fn has_inner_end(quoted: &str) -> bool {
    let quoted = quoted.trim_end();
    let bytes = quoted.as_bytes();
    bytes.windows(2).any(|pair| matches!(pair, [b'.' | b'!' | b'?', b' ' | b'\t']))
        // Hindi ends sentences with a danda.
        || quoted.contains("। ")
}

/// What may follow an abbreviation without starting a new sentence.
#[derive(Debug, Clone, Copy)]
enum Follow {
    /// `Monday`, `Monday's`.
    Weekday,
    /// `EST`, `GMT`, or a capitalised place before "time" (`Moscow time`).
    TimeZone,
    /// `300`, `$300`, `(300`.
    Number,
    /// `half`, `officials`.
    Lowercase,
    /// Any capitalised word: after a title it is a name, even one that sentencex takes for a
    /// sentence starter (`Gen. He Weidong`, `Rep. Will Hurd`).
    Capitalized,
}

/// An abbreviation (as spelled) and the follow-ups that keep its sentence going.
struct Rule {
    abbreviations: &'static [&'static str],
    follow: &'static [Follow],
}

/// Breaks sentencex 0.1.33 makes in news copy. Not listed because sentencex already keeps them
/// (the tests pin this): `No. 2`, `Feb. 24`, `Lt. Gen. Igor`, `Mr.`/`Mrs.`/`Dr.`/`St.` before
/// ordinary names, `U.S.`/`U.K.`/`U.N.` before lowercase words and names (`U.S. President Joe
/// Biden`, `the U.N. Security Council`). sentencex also breaks those before sentence starters
/// (`to the U.S. Then`, `on Main St. He`), which is right, so they get no rule here.
const KEEP_TOGETHER: &[Rule] = &[
    // sentencex breaks before any capital after a time of day.
    Rule { abbreviations: &["a.m.", "p.m.", "A.M.", "P.M."], follow: &[Follow::Weekday, Follow::TimeZone] },
    // Missing from sentencex's abbreviation list.
    Rule { abbreviations: &["approx.", "Approx."], follow: &[Follow::Number, Follow::Lowercase] },
    // Titles do not end sentences in news copy.
    Rule {
        abbreviations: &[
            "Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Gov.", "Sen.", "Rep.", "Gen.", "Lt.", "Col.", "Maj.", "Capt.",
            "Sgt.", "Adm.", "Cmdr.", "Rev.", "Hon.",
        ],
        follow: &[Follow::Capitalized],
    },
];

const WEEKDAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

const TIME_ZONES: &[&str] = &[
    "ET", "EST", "EDT", "CT", "CST", "CDT", "MT", "MST", "MDT", "PT", "PST", "PDT", "GMT", "UTC", "BST", "CET", "CEST",
    "EET", "EEST", "MSK", "IST", "JST", "KST", "AEST", "AEDT", "Eastern", "Central", "Mountain", "Pacific",
];

/// Bytes looked at on either side of a cut; enough for any abbreviation or follow-up above.
const LOOK: usize = 64;

/// True when the cut between `before` and `after` splits an abbreviation from its follow-up,
/// or cuts where no sentence ends in any language's news copy ([`continues`]).
fn keeps_together(language: &str, before: &str, after: &str) -> bool {
    if continues(language, before, after) {
        return true;
    }
    let Some(abbreviation) = last_token(before) else {
        return false;
    };
    let Some(rule) = KEEP_TOGETHER.iter().find(|rule| rule.abbreviations.contains(&abbreviation)) else {
        return false;
    };
    let after = after.trim_start();
    let mut words = after.get(..ceil_char_boundary(after, LOOK)).unwrap_or("").split_whitespace();
    let word = words.next().unwrap_or("");
    let next = words.next().unwrap_or("");
    rule.follow.iter().any(|follow| follow.matches(word, next))
}

/// Cuts that the rules of some languages make where no sentence ends:
/// - inside a Portuguese ordinal (`a 2.ª Lei`, `o 5.º Relatório`);
/// - after an ellipsis before a lower-case word (`Да... у всех`, `Лол… изменение`);
/// - after `et al.` before a year, a bracket or a lower-case word (`Bellenger et al. (2013)`);
/// - after a short lower-case abbreviation before a number (`15 dez. 2014`, `т. е. ½`);
/// - after an initial before a capitalised word (`К. К. Бърт`).
///
/// The last two are left to English's own rules (a pronoun `I.` ends a
/// sentence, and so does `item.` before a numbered list's `2.)`: the
/// Golden Rules).
fn continues(language: &str, before: &str, after: &str) -> bool {
    if after.starts_with(['ª', 'º']) {
        return true;
    }
    let tail = before.trim_end();
    let next = after.trim_start();
    let Some(first) = next.chars().next() else {
        return false;
    };
    if first.is_lowercase() && (tail.ends_with("..") || tail.ends_with('…')) {
        return true;
    }
    let Some(token) = tail.rsplit(char::is_whitespace).next() else {
        return false;
    };
    let word = token.trim_start_matches(['(', '[', '«', '„', '“', '"']);
    let Some(stem) = word.strip_suffix('.') else {
        return false;
    };
    let number = next.trim_start_matches(['(', '[']).chars().next().is_some_and(char::is_numeric);
    if stem == "al" {
        let head = tail[..tail.len() - token.len()].trim_end();
        return head.ends_with("et") && (number || first == '(' || first.is_lowercase());
    }
    if language == "en" {
        return false;
    }
    let mut letters = stem.chars();
    let initial = letters.next().is_some_and(char::is_uppercase) && letters.next().is_none();
    if initial && first.is_uppercase() {
        return true;
    }
    number && (1..=4).contains(&stem.chars().count()) && stem.chars().all(char::is_lowercase)
}

/// Extra cuts for Russian and Bulgarian: after a year's `г.` (год, година)
/// before a capitalised word (`… през 1983 г. Най-ниската …`), which their
/// rules keep together because `г.` is an abbreviation.
fn year_cuts(language: &str, s: &str) -> Vec<usize> {
    if !matches!(language, "ru" | "bg" | "uk" | "be" | "mk" | "sr") {
        return Vec::new();
    }
    let mut cuts = Vec::new();
    for (at, _) in s.match_indices(" г.") {
        let digits = s[..at].chars().rev().take_while(char::is_ascii_digit).count();
        let end = at + " г.".len();
        let rest = &s[end..];
        let spaced = rest.starts_with(char::is_whitespace);
        let next = rest.trim_start();
        let mut chars = next.chars();
        let capital = chars.next().is_some_and(char::is_uppercase) && chars.next().is_some_and(char::is_lowercase);
        if digits >= 3 && spaced && capital {
            cuts.push(end);
        }
    }
    cuts
}

/// The token before a cut without leading punctuation or digits (`(Gen.` → `Gen.`,
/// `9a.m.` → `a.m.`). Looks at the last few bytes only, so a huge token costs nothing.
fn last_token(before: &str) -> Option<&str> {
    let before = before.trim_end();
    let from = floor_char_boundary(before, before.len().saturating_sub(LOOK));
    let tail = before.get(from..)?;
    let token = tail.rsplit(char::is_whitespace).next()?;
    if from > 0 && token.len() == tail.len() {
        return None;
    }
    Some(token.trim_start_matches(|c: char| !c.is_alphabetic()))
}

/// The leading letters of a word: `Monday's` → `Monday`, `EST.` → `EST`.
fn letters(word: &str) -> &str {
    word.split(|c: char| !c.is_alphabetic()).next().unwrap_or("")
}

impl Follow {
    /// Does `word` (followed by `next`) continue the sentence?
    fn matches(self, word: &str, next: &str) -> bool {
        let first = word.chars().next();
        match self {
            Follow::Weekday => WEEKDAYS.contains(&letters(word)),
            Follow::TimeZone => {
                TIME_ZONES.contains(&letters(word))
                    || (first.is_some_and(char::is_uppercase) && letters(next) == "time")
            }
            Follow::Number => word.chars().find(|c| c.is_alphanumeric()).is_some_and(|c| c.is_ascii_digit()),
            Follow::Lowercase => first.is_some_and(char::is_lowercase),
            Follow::Capitalized => first.is_some_and(char::is_uppercase),
        }
    }
}
