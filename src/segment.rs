//! PLACEHOLDER (being written)
use serde::{Deserialize, Serialize};
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span { pub start: usize, pub end: usize }
impl Span { pub fn text<'a>(&self, s: &'a str) -> &'a str { &s[self.start..self.end] } }
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SegmenterConfig { pub language: String, pub newline_breaks: bool }
#[derive(Debug, Clone, Default)]
pub struct Segmenter { c: SegmenterConfig }
impl Segmenter {
    pub fn new(c: SegmenterConfig) -> Self { Segmenter { c } }
    pub fn split(&self, text: &str) -> Vec<Span> {
        let mut out = Vec::new(); let mut start = 0;
        for (i, ch) in text.char_indices() { if ch == '\n' || ch == '.' { let e = i + ch.len_utf8(); if text[start..e].trim().len() > 0 { let s = start + (text[start..e].len() - text[start..e].trim_start().len()); let en = s + text[s..e].trim_end().len(); out.push(Span{start:s,end:en}); } start = e; } }
        if text[start..].trim().len() > 0 { let s = start + (text[start..].len() - text[start..].trim_start().len()); out.push(Span{start:s,end:s+text[s..].trim_end().len()}); }
        let _ = &self.c; out }
}
