//! A self-contained HTML page that shows an analysis to a reader.
//!
//! One file, inline CSS and JavaScript, no network and no external fonts or
//! assets: it can be mailed, archived or opened offline. The article's
//! sentences are tinted by their top label (stronger for higher scores);
//! hovering or clicking a sentence shows its best scores. Beside the text: a
//! bar chart of the document's labels (decided ones solid, the next best
//! pale), the two-level tree for taxonomies with parents, and a legend.
//!
//! Every piece of text from the document, the taxonomy or the title is
//! escaped, and the data handed to the script is JSON with `<` escaped, so a
//! document cannot inject markup or script.
//!
//! A [`DocumentAnalysis`] keeps the sentences but not the whitespace between
//! them. [`render_html_with_text`] takes the original text and shows its line
//! and paragraph breaks exactly; [`render_html`] guesses them from the gaps
//! between sentence offsets (a gap of two or more bytes, or a sentence with no
//! final punctuation such as a headline, starts a new paragraph).

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::analysis::{DocumentAnalysis, LabelScore};
use crate::taxonomy::Taxonomy;

mod charts;
pub mod corpus;
mod dates;

/// Colours for the labels that matter most in a document (Tableau 10).
pub(crate) const PALETTE: [&str; 9] =
    ["#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f"];
/// Colour of every label beyond the palette.
pub(crate) const OTHER_COLOUR: &str = "#a0a4ab";
/// Undecided labels shown in the chart after the decided ones.
const UNDECIDED_SHOWN: usize = 5;
/// Scores per sentence handed to the page's script.
const SENTENCE_SCORES_SHOWN: usize = 6;

/// The page for an analysis, paragraphs guessed from the sentence offsets.
pub fn render_html(analysis: &DocumentAnalysis, taxonomy: &Taxonomy, title: &str) -> String {
    Page::new(analysis, taxonomy, title, None).render()
}

/// The page for an analysis of `text`, with its line and paragraph breaks.
///
/// Falls back to [`render_html`]'s guesses when the sentences do not lie at
/// their offsets in `text` (a different text was given).
pub fn render_html_with_text(analysis: &DocumentAnalysis, taxonomy: &Taxonomy, title: &str, text: &str) -> String {
    let text = aligned(analysis, text).then_some(text);
    Page::new(analysis, taxonomy, title, text).render()
}

/// The page of one document of a corpus overview: [`render_html`] with the
/// document's metadata (`(name, value)` pairs: source, date…) in its header.
pub(crate) fn render_view(
    analysis: &DocumentAnalysis,
    taxonomy: &Taxonomy,
    title: &str,
    meta: &[(&str, String)],
) -> String {
    let mut page = Page::new(analysis, taxonomy, title, None);
    page.meta = meta;
    page.render()
}

/// True when every sentence is `text[start..end]`, in order.
fn aligned(analysis: &DocumentAnalysis, text: &str) -> bool {
    let mut prev_end = 0;
    analysis.sentences.iter().all(|s| {
        let ok = s.start >= prev_end && text.get(s.start..s.end) == Some(s.text.as_str());
        prev_end = s.end;
        ok
    })
}

/// Escape text for HTML content and quoted attribute values.
///
/// ```
/// use framelens::report::escape_html;
/// assert_eq!(escape_html("<b class='x'>Tom & \"Jerry\"</b>"), "&lt;b class=&#39;x&#39;&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;");
/// ```
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

struct Page<'a> {
    analysis: &'a DocumentAnalysis,
    taxonomy: &'a Taxonomy,
    title: &'a str,
    text: Option<&'a str>,
    /// Extra `(name, value)` pairs for the header (a corpus's metadata).
    meta: &'a [(&'a str, String)],
    /// Colour group of each label: its top-level ancestor's label.
    colour_of_group: HashMap<String, &'static str>,
    /// Groups in colour order, with the number of sentences they top.
    groups: Vec<(String, usize)>,
    /// Sentence -> labels it is evidence for.
    evidence_of: HashMap<usize, Vec<&'a str>>,
}

impl<'a> Page<'a> {
    fn new(analysis: &'a DocumentAnalysis, taxonomy: &'a Taxonomy, title: &'a str, text: Option<&'a str>) -> Self {
        let mut page = Page {
            analysis,
            taxonomy,
            title,
            text,
            meta: &[],
            colour_of_group: HashMap::new(),
            groups: Vec::new(),
            evidence_of: HashMap::new(),
        };
        for l in analysis.decided() {
            for &i in &l.evidence {
                page.evidence_of.entry(i).or_default().push(&l.label);
            }
        }
        page.assign_colours();
        page
    }

    /// Give palette colours to the groups that appear on the page, in order
    /// of document score, so the labels that matter most get distinct colours.
    fn assign_colours(&mut self) {
        let mut on_page: HashMap<String, usize> = HashMap::new();
        for s in &self.analysis.sentences {
            if let Some(top) = s.scores.first() {
                *on_page.entry(self.group(&top.label)).or_default() += 1;
            }
        }
        for l in self.chart_labels() {
            on_page.entry(self.group(l.label)).or_default();
        }
        let decided = self.analysis.decided().map(|l| l.label.as_str());
        let by_score = decided.chain(self.analysis.document_scores.iter().map(|s| &*s.label));
        for label in by_score {
            let group = self.group(label);
            if let Some(count) = on_page.remove(&group) {
                let colour = PALETTE.get(self.groups.len()).copied().unwrap_or(OTHER_COLOUR);
                self.colour_of_group.insert(group.clone(), colour);
                self.groups.push((group, count));
            }
        }
        // Labels missing from the document scores (e.g. scores cut short).
        let mut rest: Vec<(String, usize)> = on_page.into_iter().collect();
        rest.sort();
        for (group, count) in rest {
            let colour = PALETTE.get(self.groups.len()).copied().unwrap_or(OTHER_COLOUR);
            self.colour_of_group.insert(group.clone(), colour);
            self.groups.push((group, count));
        }
    }

    /// The top-level ancestor's label, or the label itself.
    fn group(&self, label: &str) -> String {
        let Some(c) = self.taxonomy.index_of_label(label) else { return label.to_string() };
        self.taxonomy.categories[self.taxonomy.root(c)].label.clone()
    }

    fn colour(&self, label: &str) -> &'static str {
        self.colour_of_group.get(&self.group(label)).copied().unwrap_or(OTHER_COLOUR)
    }

    /// Parent label when `label` is `<parent label>: <rest>`, and the rest.
    fn split_label<'l>(&self, label: &'l str) -> (Option<&'l str>, &'l str) {
        let parent = self
            .taxonomy
            .index_of_label(label)
            .and_then(|c| self.taxonomy.parent_index(c))
            .map(|p| self.taxonomy.categories[p].label.as_str());
        if let Some(p) = parent {
            if let Some(rest) = label.strip_prefix(p).and_then(|r| r.strip_prefix(": ")) {
                return (Some(&label[..p.len()]), rest);
            }
        }
        (None, label)
    }

    /// Decided labels, then the best undecided ones.
    fn chart_labels(&self) -> Vec<ChartLabel<'a>> {
        let a = self.analysis;
        let mut out: Vec<ChartLabel<'a>> = a
            .labels
            .iter()
            .map(|l| ChartLabel { label: &l.label, score: l.score, decided: true, evidence: l.evidence.clone() })
            .collect();
        // The best undecided ones, each with the number its decision compared.
        for u in a.undecided(self.taxonomy).into_iter().take(UNDECIDED_SHOWN) {
            if let Some(s) = a.document_scores.iter().find(|s| s.label == u.label) {
                out.push(ChartLabel {
                    label: &s.label,
                    score: u.score,
                    decided: false,
                    evidence: self.strongest_sentences(&s.label, 3),
                });
            }
        }
        out
    }

    /// The sentences with the highest score for a label (as far as the
    /// sentences' score lists go).
    fn strongest_sentences(&self, label: &str, n: usize) -> Vec<usize> {
        let mut scored: Vec<(usize, f32)> = self
            .analysis
            .sentences
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.scores.iter().find(|x| &*x.label == label).map(|x| (i, x.score)))
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.into_iter().take(n).map(|(i, _)| i).collect()
    }

    fn render(&self) -> String {
        let a = self.analysis;
        let mut h = String::with_capacity(64 * 1024 + a.sentences.iter().map(|s| s.text.len() * 2).sum::<usize>());
        let title = escape_html(self.title);
        let taxonomy_name = escape_html(self.taxonomy.title.as_deref().unwrap_or(&self.taxonomy.name));
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"framelens {version}\">\n\
             <title>{title} · framelens</title>\n<style>{CSS}</style>\n</head>\n<body>\n\
             <header class=\"fl-header\">\n<div class=\"fl-kicker\">framelens report</div>\n<h1 id=\"fl-title\">{title}</h1>\n\
             <p class=\"fl-meta\"><span>Taxonomy <b>{taxonomy_name}</b></span>",
            version = env!("CARGO_PKG_VERSION"),
        );
        for (name, value) in self.meta {
            let _ = write!(h, "<span>{} <b>{}</b></span>", escape_html(name), escape_html(value));
        }
        if let Some(domain) = &a.domain {
            let _ = write!(h, "<span>Domain <b>{}</b></span>", escape_html(domain));
        }
        let _ = writeln!(
            h,
            "<span>{} sentences</span><span>Encoder {}</span><span>Scorer {}</span></p>",
            a.sentences.len(),
            escape_html(&a.encoder),
            escape_html(&a.scorer)
        );
        if let Some(lang) = a.language.as_ref().filter(|l| !l.supported) {
            let _ = writeln!(
                h,
                "<p class=\"fl-warning\" role=\"alert\">The text looks {} ({}), which the encoder ({}) does not read, \
                 so these scores are not meaningful.</p>",
                escape_html(&lang.name),
                escape_html(&lang.code),
                escape_html(&a.encoder)
            );
        }
        h.push_str("</header>\n<main class=\"fl-main\">\n");
        self.render_article(&mut h);
        h.push_str("<aside class=\"fl-side\">\n");
        self.render_chart(&mut h);
        self.render_tree(&mut h);
        h.push_str(
            "<section class=\"fl-card\" id=\"fl-detail\" aria-live=\"polite\"><h2>Sentence</h2>\
             <p class=\"fl-hint\">Hover over a sentence to see its scores; click to keep them here.</p></section>\n",
        );
        self.render_legend(&mut h);
        h.push_str("</aside>\n</main>\n");
        // The rule actually used (results written before the basis: the threshold rule).
        let rule = a.rule().unwrap_or(crate::basis::Rule::Threshold.describe());
        let _ = writeln!(
            h,
            "<footer class=\"fl-footer\">Scores are in [0, 1]; {}; hover over a label for its numbers. Made with \
             framelens; this page works offline.</footer>\n<div id=\"fl-tip\" class=\"fl-tip\" role=\"tooltip\" hidden></div>",
            escape_html(rule)
        );
        let _ = writeln!(h, "<script type=\"application/json\" id=\"fl-data\">{}</script>", self.data_json());
        let _ = write!(h, "<script>{JS}</script>\n</body>\n</html>\n");
        h
    }

    fn render_article(&self, h: &mut String) {
        let a = self.analysis;
        let decided_groups: std::collections::HashSet<String> = a.decided().map(|l| self.group(&l.label)).collect();
        h.push_str("<article id=\"fl-article\" class=\"fl-article\">\n<p>");
        let mut prev_end = 0;
        for (i, s) in a.sentences.iter().enumerate() {
            match self.text {
                Some(text) => push_gap(h, &text[prev_end.min(s.start)..s.start], i == 0),
                None if i > 0 => {
                    let prev = &a.sentences[i - 1];
                    let gap = s.start.saturating_sub(prev.end);
                    if gap >= 2 || !ends_like_sentence(&prev.text) {
                        h.push_str("</p>\n<p>");
                    } else {
                        h.push(' ');
                    }
                }
                None => {}
            }
            prev_end = s.end;
            let top = s.scores.first();
            let (style, group) = match top {
                Some(t) => {
                    let group = self.group(&t.label);
                    // Sentences of the decided labels stand out; the rest stay faint.
                    let weight = if decided_groups.contains(&group) { 1.0 } else { 0.4 };
                    let alpha = tint_alpha(t.score) * weight;
                    (format!(" style=\"--c:{};--a:{alpha:.3}\"", self.colour(&t.label)), escape_html(&group))
                }
                None => (String::new(), String::new()),
            };
            let evidence = self.evidence_of.get(&i);
            let class = if evidence.is_some() { "fl-s fl-ev" } else { "fl-s" };
            let ev_colour = evidence
                .and_then(|labels| labels.first())
                .map(|l| format!(" data-ev=\"{}\"", self.colour(l)))
                .unwrap_or_default();
            let _ = write!(
                h,
                "<span class=\"{class}\" id=\"fl-s-{i}\" data-i=\"{i}\" data-g=\"{group}\" tabindex=\"0\"{style}{ev_colour}>{}</span>",
                escape_html(&s.text)
            );
            // Numbered marks link evidence sentences to the chart's decided labels.
            for (rank, l) in a.labels.iter().enumerate().filter(|(_, l)| l.evidence.contains(&i)) {
                let _ = write!(
                    h,
                    "<sup class=\"fl-mark\" style=\"--c:{}\" title=\"evidence for {}\">{}</sup>",
                    self.colour(&l.label),
                    escape_html(&l.label),
                    rank + 1
                );
            }
        }
        if let Some(rest) = self.text.map(|t| &t[prev_end.min(t.len())..]).filter(|r| !r.trim().is_empty()) {
            push_gap(h, rest, false);
        }
        h.push_str("</p>\n</article>\n");
    }

    fn render_chart(&self, h: &mut String) {
        let a = self.analysis;
        let heading = if a.coarse.is_some() { "Sub-narratives" } else { "Document labels" };
        let _ = writeln!(h, "<section class=\"fl-card\" id=\"fl-labels\"><h2>{heading}</h2>");
        if a.labels.is_empty() {
            h.push_str("<p class=\"fl-none\">No label reached its threshold; the best ones follow.</p>\n");
        }
        h.push_str("<ol class=\"fl-chart\" id=\"fl-chart\">\n");
        for (rank, l) in self.chart_labels().into_iter().enumerate() {
            let (parent, rest) = self.split_label(l.label);
            let mark = if l.decided { format!("<span class=\"fl-rank\">{}</span>", rank + 1) } else { String::new() };
            let parent = parent
                .map(|p| format!("<span class=\"fl-parent\">{}</span>", escape_html(&pretty(p))))
                .unwrap_or_default();
            let ev: Vec<String> = l.evidence.iter().map(usize::to_string).collect();
            let _ = writeln!(
                h,
                "<li class=\"fl-bar{cls}\" tabindex=\"0\" data-label=\"{label}\" data-ev=\"{ev}\" title=\"{why}\" style=\"--c:{colour}\">\
                 <div class=\"fl-bar-name\">{parent}{mark}<span class=\"fl-name\">{rest}</span></div>\
                 <div class=\"fl-bar-row\"><div class=\"fl-track\"><div class=\"fl-fill\" style=\"width:{width:.1}%\"></div></div>\
                 <span class=\"fl-value\">{score:.2}</span>{badge}</div></li>",
                cls = if l.decided { " fl-decided" } else { "" },
                label = escape_html(l.label),
                why = escape_html(&a.explain(l.label, self.taxonomy).unwrap_or_default()),
                ev = ev.join(" "),
                colour = self.colour(l.label),
                rest = escape_html(&pretty(rest)),
                width = (l.score.clamp(0.0, 1.0) * 100.0),
                score = l.score,
                badge = if l.decided { "<span class=\"fl-badge\">decided</span>" } else { "" },
            );
        }
        h.push_str("</ol>\n</section>\n");
    }

    /// Coarse labels with their decided fine labels beneath.
    fn render_tree(&self, h: &mut String) {
        let Some(coarse) = &self.analysis.coarse else { return };
        h.push_str("<section class=\"fl-card\" id=\"fl-tree\"><h2>Narratives</h2>\n");
        if coarse.is_empty() {
            h.push_str("<p class=\"fl-none\">No narrative reached its threshold.</p>\n");
        }
        h.push_str("<ul class=\"fl-tree\">\n");
        let mut placed = vec![false; self.analysis.labels.len()];
        let mut node = |h: &mut String, label: &str, score: Option<f32>| {
            let score = score.map(|s| format!("<span class=\"fl-value\">{s:.2}</span>")).unwrap_or_default();
            let _ = write!(
                h,
                "<li><div class=\"fl-node\" style=\"--c:{}\"><span class=\"fl-dot\"></span><span class=\"fl-name\">{}</span>{score}</div>",
                self.colour(label),
                escape_html(&pretty(label))
            );
            let children: Vec<usize> = (0..self.analysis.labels.len())
                .filter(|&i| !placed[i] && self.split_label(&self.analysis.labels[i].label).0 == Some(label))
                .collect();
            if !children.is_empty() {
                h.push_str("<ul>");
                for i in children {
                    placed[i] = true;
                    let l = &self.analysis.labels[i];
                    let _ = write!(
                        h,
                        "<li><div class=\"fl-leaf\"><span class=\"fl-name\">{}</span><span class=\"fl-value\">{:.2}</span></div></li>",
                        escape_html(&pretty(self.split_label(&l.label).1)),
                        l.score
                    );
                }
                h.push_str("</ul>");
            }
            h.push_str("</li>\n");
        };
        for c in coarse {
            node(h, &c.label, Some(c.score));
        }
        // Fine labels whose parent was not decided, under their parent.
        let orphans: Vec<String> = self
            .analysis
            .labels
            .iter()
            .filter_map(|l| self.split_label(&l.label).0)
            .filter(|p| !coarse.iter().any(|c| c.label == *p))
            .map(str::to_string)
            .collect();
        let mut seen = Vec::new();
        for p in orphans {
            if !seen.contains(&p) {
                node(h, &p, self.analysis.score_of(&p));
                seen.push(p);
            }
        }
        h.push_str("</ul>\n</section>\n");
    }

    fn render_legend(&self, h: &mut String) {
        h.push_str("<section class=\"fl-card\" id=\"fl-legend\"><h2>Legend</h2>\n<ul class=\"fl-legend\">\n");
        let mut others = 0;
        for (group, count) in &self.groups {
            let colour = self.colour_of_group.get(group).copied().unwrap_or(OTHER_COLOUR);
            if colour == OTHER_COLOUR {
                others += count;
                continue;
            }
            let _ = writeln!(
                h,
                "<li data-g=\"{g}\" style=\"--c:{colour}\"><span class=\"fl-swatch\"></span><span class=\"fl-name\">{name}</span><span class=\"fl-count\">{count}</span></li>",
                g = escape_html(group),
                name = escape_html(&pretty(group)),
            );
        }
        if others > 0 {
            let _ = writeln!(
                h,
                "<li style=\"--c:{OTHER_COLOUR}\"><span class=\"fl-swatch\"></span><span class=\"fl-name\">Other labels</span><span class=\"fl-count\">{others}</span></li>"
            );
        }
        let unit =
            if self.analysis.coarse.is_some() || self.taxonomy.is_hierarchical() { "narrative" } else { "label" };
        let _ = write!(
            h,
            "</ul>\n<p class=\"fl-hint\">Each sentence takes the colour of its top {unit}; the stronger its score, the \
             deeper the tint. <span class=\"fl-ev-sample\">Underlined</span> sentences are the evidence for a decided label. \
             Numbered marks point to the decided labels in the chart; the counts here are sentences per colour.</p>\n</section>\n"
        );
    }

    /// What the script needs: each sentence's best scores, and colours.
    fn data_json(&self) -> String {
        let a = self.analysis;
        let sentences: Vec<serde_json::Value> = a
            .sentences
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let scores: Vec<serde_json::Value> = s
                    .scores
                    .iter()
                    .take(SENTENCE_SCORES_SHOWN)
                    .map(|LabelScore { label, score }| {
                        let (parent, rest) = self.split_label(&label);
                        serde_json::json!({
                            "label": pretty(rest),
                            "parent": parent.map(pretty),
                            "score": (f64::from(score) * 1000.0).round() / 1000.0,
                            "colour": self.colour(&label),
                        })
                    })
                    .collect();
                serde_json::json!({
                    "tokens": s.tokens,
                    "long": s.is_long(),
                    "evidence": self.evidence_of.get(&i).cloned().unwrap_or_default(),
                    "scores": scores,
                })
            })
            .collect();
        let data = serde_json::json!({ "sentences": sentences });
        // `<` never appears outside strings in JSON; escaping it keeps `</script>` out.
        data.to_string().replace('<', "\\u003c")
    }
}

struct ChartLabel<'a> {
    label: &'a str,
    score: f32,
    decided: bool,
    evidence: Vec<usize>,
}

/// A label as shown: official labels such as `Appeal_to_Authority` read
/// better with spaces (the exact label stays in `data-label`).
fn pretty(label: &str) -> String {
    label.replace('_', " ")
}

/// Opacity of a sentence's tint for its top score.
fn tint_alpha(score: f32) -> f32 {
    0.08 + 0.5 * ((score - 0.25) / 0.5).clamp(0.0, 1.0)
}

/// Whether a sentence ends like running text (else it is a heading or a line).
fn ends_like_sentence(text: &str) -> bool {
    text.trim_end().chars().last().is_some_and(|c| ".!?…:;\"'”’»)]".contains(c))
}

/// Whitespace (or skipped text) between sentences: a line break starts a
/// paragraph, a blank line one set further apart.
fn push_gap(h: &mut String, gap: &str, at_start: bool) {
    let newlines = gap.matches('\n').count();
    let visible = gap.trim();
    if !visible.is_empty() {
        // Text the splitter left out (rare): shown plainly.
        let lead = if at_start { "" } else { " " };
        let _ = write!(h, "{lead}<span class=\"fl-gap\">{}</span> ", escape_html(visible));
        return;
    }
    if at_start {
        return;
    }
    if newlines >= 2 {
        h.push_str("</p>\n<p class=\"fl-break\">");
    } else if newlines == 1 {
        h.push_str("</p>\n<p>");
    } else if !gap.is_empty() {
        h.push(' ');
    }
}

pub(crate) const CSS: &str = r#"
:root {
  --ink: #1d2430; --muted: #5d6675; --faint: #8a93a3; --line: #e4e7ec; --paper: #ffffff; --bg: #f5f6f8;
  --accent: #33415c;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Liberation Sans", Arial, sans-serif;
  --serif: "Iowan Old Style", "Charter", "Georgia", "Cambria", "Liberation Serif", "Times New Roman", serif;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.5 var(--sans); }
.fl-header { max-width: 1320px; margin: 0 auto; padding: 28px 32px 8px; }
.fl-kicker { font-size: 12px; letter-spacing: .12em; text-transform: uppercase; color: var(--faint); font-weight: 600; }
.fl-header h1 { font: 700 28px/1.25 var(--sans); margin: 6px 0 10px; letter-spacing: -.01em; overflow-wrap: anywhere; }
.fl-meta { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 0; color: var(--muted); font-size: 13px; }
.fl-meta b { color: var(--ink); font-weight: 600; }
.fl-warning { margin: 10px 0 0; padding: 8px 12px; border-left: 4px solid #b45309; background: #fef3c7; color: #78350f; font-size: 14px; }
.fl-main { max-width: 1320px; margin: 0 auto; padding: 16px 32px 24px; display: grid;
  grid-template-columns: minmax(0, 1fr) minmax(300px, 400px); gap: 28px; align-items: start; }
.fl-article { background: var(--paper); border: 1px solid var(--line); border-radius: 12px; padding: 30px 38px;
  font: 17.5px/1.75 var(--serif); overflow-wrap: break-word; box-shadow: 0 1px 2px rgba(16,24,40,.04); }
.fl-article p { margin: 0 0 .6em; max-width: 44em; }
.fl-article p.fl-break { margin-top: 1.3em; }
.fl-article p:last-child { margin-bottom: 0; }
.fl-s { --a: 0; background: color-mix(in srgb, var(--c, transparent) calc(var(--a) * 100%), transparent);
  border-radius: 3px; padding: .08em .05em; -webkit-box-decoration-break: clone; box-decoration-break: clone;
  cursor: pointer; transition: background-color .15s, color .15s, opacity .15s; }
.fl-s:hover, .fl-s:focus-visible { outline: 2px solid var(--c, var(--accent)); outline-offset: 1px; }
.fl-s:focus { outline: none; }
.fl-s.fl-ev { text-decoration: underline; text-decoration-color: color-mix(in srgb, var(--ev, var(--c)) 75%, #000);
  text-decoration-thickness: 2px; text-underline-offset: 4px; }
.fl-mark { display: inline-block; min-width: 1.45em; height: 1.45em; margin: 0 1px 0 3px; border-radius: 999px;
  background: var(--c); color: #fff; font: 700 10.5px/1.45em var(--sans); text-align: center; vertical-align: .55em; }
.fl-rank { display: inline-block; min-width: 1.5em; height: 1.5em; margin-right: 6px; border-radius: 999px;
  background: var(--c); color: #fff; font-size: 11px; font-weight: 700; line-height: 1.5em; text-align: center;
  vertical-align: .1em; }
.fl-s.fl-pinned { outline: 2px solid var(--ink); outline-offset: 1px; }
.fl-gap { color: var(--faint); }
.fl-article.fl-dim .fl-s:not(.fl-hit) { background: transparent; color: #aab0bb; text-decoration-color: transparent; }
.fl-article.fl-dim .fl-s.fl-hit { outline: 2px solid var(--c); outline-offset: 1px; }
.fl-side { display: flex; flex-direction: column; gap: 16px; position: sticky; top: 16px; max-height: calc(100vh - 32px);
  overflow: auto; padding-bottom: 4px; scrollbar-width: thin; }
.fl-card { background: var(--paper); border: 1px solid var(--line); border-radius: 12px; padding: 16px 18px;
  box-shadow: 0 1px 2px rgba(16,24,40,.04); }
.fl-card h2 { font-size: 12px; letter-spacing: .1em; text-transform: uppercase; color: var(--muted); margin: 0 0 12px; font-weight: 700; }
.fl-hint, .fl-none { color: var(--muted); font-size: 13px; margin: 0; }
.fl-chart { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 10px; }
.fl-bar { cursor: pointer; border-radius: 8px; padding: 4px 6px; margin: -4px -6px; }
.fl-bar:hover, .fl-bar:focus-visible { background: #f2f4f7; outline: none; }
.fl-bar-name { font-size: 13.5px; line-height: 1.3; margin-bottom: 4px; }
.fl-parent { display: block; font-size: 11.5px; color: var(--faint); }
.fl-bar:not(.fl-decided) .fl-bar-name { color: var(--muted); }
.fl-decided .fl-name { font-weight: 600; }
.fl-bar-row { display: flex; align-items: center; gap: 8px; }
.fl-track { flex: 1; height: 10px; background: #eef0f3; border-radius: 5px; overflow: hidden; }
.fl-fill { height: 100%; background: var(--c); border-radius: 5px; }
.fl-bar:not(.fl-decided) .fl-fill { opacity: .35; }
.fl-value { font-variant-numeric: tabular-nums; font-size: 12.5px; color: var(--muted); min-width: 2.6em; text-align: right; }
.fl-badge { font-size: 10.5px; font-weight: 700; text-transform: uppercase; letter-spacing: .06em; color: #fff;
  background: var(--c); border-radius: 999px; padding: 1px 7px; }
.fl-tree, .fl-tree ul { list-style: none; margin: 0; padding: 0; }
.fl-tree > li + li { margin-top: 10px; }
.fl-tree ul { margin: 4px 0 0 6px; padding-left: 14px; border-left: 2px solid var(--line); }
.fl-node, .fl-leaf { display: flex; align-items: baseline; gap: 8px; font-size: 13.5px; line-height: 1.35; }
.fl-node .fl-name { font-weight: 600; flex: 1; }
.fl-leaf { padding: 3px 0; color: var(--ink); }
.fl-leaf .fl-name { flex: 1; }
.fl-dot, .fl-swatch { flex: none; width: 11px; height: 11px; border-radius: 3px; background: var(--c); align-self: center; }
.fl-legend { list-style: none; margin: 0 0 10px; padding: 0; display: flex; flex-direction: column; gap: 6px; }
.fl-legend li { display: flex; align-items: center; gap: 8px; font-size: 13px; line-height: 1.3; }
.fl-legend .fl-name { flex: 1; }
.fl-count { color: var(--faint); font-size: 12px; font-variant-numeric: tabular-nums; }
.fl-ev-sample { text-decoration: underline; text-decoration-thickness: 2px; text-underline-offset: 3px; }
.fl-scores { list-style: none; margin: 8px 0 0; padding: 0; display: flex; flex-direction: column; gap: 7px; }
.fl-scores li { font-size: 13px; line-height: 1.3; }
.fl-scores .fl-bar-row { margin-top: 3px; }
.fl-quote { font: 15px/1.55 var(--serif); margin: 0 0 6px; padding-left: 10px; border-left: 3px solid var(--c, var(--line)); }
.fl-sub { color: var(--faint); font-size: 12px; }
.fl-tip { position: fixed; z-index: 10; max-width: 360px; background: #1d2430; color: #f3f5f8; border-radius: 10px;
  padding: 10px 12px; font-size: 12.5px; box-shadow: 0 8px 24px rgba(16,24,40,.25); pointer-events: none; }
.fl-tip .fl-scores li { font-size: 12.5px; }
.fl-tip .fl-track { background: #3a4354; }
.fl-tip .fl-value, .fl-tip .fl-sub, .fl-tip .fl-parent { color: #b7bfcc; }
.fl-footer { max-width: 1320px; margin: 0 auto; padding: 0 32px 28px; color: var(--faint); font-size: 12px; }
@media (max-width: 960px) {
  .fl-main { grid-template-columns: minmax(0, 1fr); }
  .fl-side { position: static; max-height: none; overflow: visible; order: -1; }
  .fl-header, .fl-main, .fl-footer { padding-left: 16px; padding-right: 16px; }
  .fl-article { padding: 20px 20px; font-size: 17px; }
}
@media print {
  body { background: #fff; }
  .fl-side { position: static; max-height: none; }
  .fl-tip { display: none; }
}
"#;

pub(crate) const JS: &str = r#"
(function () {
  "use strict";
  var dataNode = document.getElementById("fl-data");
  var data = { sentences: [] };
  try { data = JSON.parse(dataNode.textContent); } catch (e) { return; }
  var article = document.getElementById("fl-article");
  var tip = document.getElementById("fl-tip");
  var detail = document.getElementById("fl-detail");
  var pinned = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function scoresList(i) {
    var s = data.sentences[i];
    var ul = el("ul", "fl-scores");
    if (!s) return ul;
    s.scores.forEach(function (x) {
      var li = el("li");
      li.style.setProperty("--c", x.colour);
      if (x.parent) li.appendChild(el("span", "fl-parent", x.parent));
      li.appendChild(el("span", "fl-name", x.label));
      var row = el("div", "fl-bar-row");
      var track = el("div", "fl-track");
      var fill = el("div", "fl-fill");
      fill.style.width = Math.max(0, Math.min(100, x.score * 100)).toFixed(1) + "%";
      track.appendChild(fill);
      row.appendChild(track);
      row.appendChild(el("span", "fl-value", x.score.toFixed(2)));
      li.appendChild(row);
      ul.appendChild(li);
    });
    return ul;
  }
  function subline(i) {
    var s = data.sentences[i];
    var parts = ["Sentence [" + i + "] of " + data.sentences.length];
    if (s) {
      parts.push(s.tokens + " tokens");
      if (s.long) parts.push("embedded in windows");
      if (s.evidence.length) parts.push("evidence for " + s.evidence.length + " label" + (s.evidence.length > 1 ? "s" : ""));
    }
    return el("div", "fl-sub", parts.join(" \u00b7 "));
  }
  function showDetail(span) {
    var i = +span.dataset.i;
    detail.replaceChildren();
    detail.appendChild(el("h2", null, "Sentence"));
    var q = el("p", "fl-quote", span.textContent);
    q.style.setProperty("--c", span.style.getPropertyValue("--c"));
    detail.appendChild(q);
    detail.appendChild(subline(i));
    detail.appendChild(scoresList(i));
    detail.dataset.sentence = String(i);
  }
  function showTip(span) {
    var i = +span.dataset.i;
    tip.replaceChildren(subline(i), scoresList(i));
    tip.hidden = false;
    var r = span.getBoundingClientRect();
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var x = Math.min(Math.max(8, r.left), window.innerWidth - w - 8);
    var y = r.bottom + 8;
    if (y + h > window.innerHeight - 8) y = Math.max(8, r.top - h - 8);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  function hideTip() { tip.hidden = true; }
  function pin(span) {
    if (pinned) pinned.classList.remove("fl-pinned");
    if (pinned === span) { pinned = null; return; }
    pinned = span;
    span.classList.add("fl-pinned");
    showDetail(span);
    // Bring the card into view only inside the sticky sidebar, never by moving the page.
    var side = detail.parentElement;
    if (window.getComputedStyle(side).position === "sticky") {
      var d = detail.getBoundingClientRect(), sr = side.getBoundingClientRect();
      if (d.top < sr.top || d.bottom > sr.bottom) side.scrollTop += d.top - sr.top - 8;
    }
  }

  var spans = article.querySelectorAll(".fl-s");
  spans.forEach(function (span) {
    var ev = span.getAttribute("data-ev");
    if (ev) span.style.setProperty("--ev", ev);
    span.addEventListener("mouseenter", function () { showTip(span); });
    span.addEventListener("mouseleave", hideTip);
    span.addEventListener("focus", function () { showTip(span); });
    span.addEventListener("blur", hideTip);
    span.addEventListener("click", function () { pin(span); });
    span.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); pin(span); }
    });
  });

  function highlight(indices) {
    article.classList.add("fl-dim");
    indices.forEach(function (i) {
      var s = document.getElementById("fl-s-" + i);
      if (s) s.classList.add("fl-hit");
    });
  }
  function clearHighlight() {
    article.classList.remove("fl-dim");
    article.querySelectorAll(".fl-hit").forEach(function (s) { s.classList.remove("fl-hit"); });
  }
  function evidenceOf(bar) {
    return (bar.dataset.ev || "").split(" ").filter(Boolean).map(Number);
  }
  document.querySelectorAll(".fl-bar").forEach(function (bar) {
    bar.addEventListener("mouseenter", function () { highlight(evidenceOf(bar)); });
    bar.addEventListener("mouseleave", clearHighlight);
    bar.addEventListener("focus", function () { highlight(evidenceOf(bar)); });
    bar.addEventListener("blur", clearHighlight);
    bar.addEventListener("click", function () {
      var first = document.getElementById("fl-s-" + evidenceOf(bar)[0]);
      if (first) first.scrollIntoView({ behavior: "smooth", block: "center" });
    });
  });
  document.querySelectorAll(".fl-legend li[data-g]").forEach(function (item) {
    var g = item.dataset.g;
    function hits() {
      var out = [];
      spans.forEach(function (s) { if (s.dataset.g === g) out.push(+s.dataset.i); });
      return out;
    }
    item.addEventListener("mouseenter", function () { highlight(hits()); });
    item.addEventListener("mouseleave", clearHighlight);
  });

  // `#s3` pins sentence 3; so does `data-pin="3"` (a view shown inside a corpus overview).
  var m = /^#s(\d+)$/.exec(window.location.hash) || [null, document.documentElement.getAttribute("data-pin")];
  if (m[1] !== null) {
    var target = document.getElementById("fl-s-" + m[1]);
    if (target) { pin(target); target.scrollIntoView({ block: "center" }); }
  }
  document.documentElement.setAttribute("data-fl-ready", String(spans.length));
})();
"#;
