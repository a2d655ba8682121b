//! Web-page furniture: sentences that belong to the page, not the story.
//!
//! Text copied from a web page brings the page's furniture with it:
//! breadcrumbs, share and embed prompts, newsletter and comment forms,
//! "read more" links, bylines, photo credits, copyright lines. Such a
//! sentence says nothing about how the story frames its subject, yet it can
//! score high for a category (a breadcrumb repeats the headline; a
//! "subscribe" line looks like a call to action). The classifier keeps it in
//! `sentences` with its offsets and `furniture: true`, and never uses it as
//! evidence or in a document score.
//!
//! The rules are generic patterns of page templates, written here (never
//! copied from a scored text): a sentence is furniture when, as a whole, it
//! is a link, a breadcrumb trail, a byline or dateline of the page, a credit,
//! or one of the short prompts a page wraps a story in. Long sentences are
//! never furniture by prompt: a prompt is a few words, and a sentence of
//! reporting that happens to mention "share" or "photo" is left alone.

/// Most words a prompt, credit or byline has; a longer sentence is content.
const MAX_PROMPT_WORDS: usize = 24;

/// Bylines and datelines of the page (lowercase): furniture when the
/// sentence is at most [`MAX_BYLINE_WORDS`] words ("Written by a local
/// artist, the book tells …" is content).
const BYLINE_STARTS: &[&str] = &[
    "written by",
    "posted by",
    "posted on",
    "published on",
    "published:",
    "updated on",
    "updated:",
    "last updated",
    "reporting by",
    "editing by",
];

/// Most words a byline or dateline has.
const MAX_BYLINE_WORDS: usize = 10;

/// Sentences that begin like this are prompts or credits (lowercase).
const PROMPT_STARTS: &[&str] = &[
    // Links to more of the site.
    "read more",
    "read also",
    "also read",
    "see also",
    "related:",
    "related articles",
    "related stories",
    "related posts",
    "related coverage",
    "more from",
    "more on this",
    "more stories",
    "continue reading",
    "recommended:",
    "you may also like",
    "you might also like",
    "click here",
    "tap here",
    // Share and embed prompts.
    "view this post on",
    "view this video on",
    "view this photo on",
    "a post shared by",
    "a video posted by",
    "a photo posted by",
    "share this",
    "share on ",
    "share:",
    "click to share",
    "tweet this",
    "embed this",
    "copy link",
    "follow us on",
    "follow us:",
    "like us on",
    "watch on youtube",
    // Newsletters and comment forms.
    "subscribe to",
    "subscribe now",
    "subscribe for",
    "sign up for",
    "sign up to",
    "sign up now",
    "enter your email",
    "your email address",
    "required fields are marked",
    "leave a reply",
    "leave a comment",
    "post a comment",
    "add a comment",
    "comments are closed",
    "log in to comment",
    "login to comment",
    "notify me of",
    "save my name",
    "join the conversation",
    "tags:",
    "filed under",
    // Credits.
    "photo:",
    "photo by",
    "photo credit",
    "photos:",
    "photograph:",
    "photograph by",
    "image:",
    "image by",
    "image credit",
    "image source",
    "images:",
    "picture:",
    "pictures:",
    "credit:",
    "credits:",
    "featured image",
    "top image",
    "cover image",
    "screenshot from",
    "screenshot of",
    "screenshot:",
    "illustration by",
    "illustration:",
    "video:",
    "(photo",
    "(image",
    "[photo",
    "[image",
    // Legal small print.
    "copyright",
    "©",
    "all rights reserved",
    "privacy policy",
    "terms of use",
    "terms of service",
    "cookie",
    "cookies",
    "we use cookies",
];

/// Phrases that make a short sentence a prompt wherever they stand (lowercase).
const PROMPT_PHRASES: &[&str] = &[
    "special coverage",
    "all rights reserved",
    "your email address will not be published",
    "sign up for our newsletter",
    "subscribe to our newsletter",
    "share this article",
    "share this story",
    "share on facebook",
    "share on twitter",
    "view this post on instagram",
];

/// Sentences that are a single word of page chrome (lowercase, punctuation trimmed).
const CHROME_WORDS: &[&str] =
    &["advertisement", "advertising", "share", "print", "email", "comments", "menu", "search", "home", "tweet"];

/// Separators of a breadcrumb trail (with the spaces around them).
const CRUMB_SEPARATORS: &[&str] = &[" / ", " > ", " » ", " › ", " | ", " → "];

/// Whether a sentence is web-page furniture (see the module's doc).
pub fn is_furniture(sentence: &str) -> bool {
    let s = sentence.trim();
    if s.is_empty() {
        return false;
    }
    let lower = s.to_lowercase();
    let words = s.split_whitespace().count();
    is_link(s)
        || is_breadcrumb(s)
        || is_embed_signature(s)
        || is_byline(s)
        || (words <= MAX_BYLINE_WORDS && BYLINE_STARTS.iter().any(|p| starts_with_word(&lower, p)))
        || (words == 1 && CHROME_WORDS.contains(&lower.trim_matches(|c: char| !c.is_alphanumeric())))
        || (words <= MAX_PROMPT_WORDS
            && (PROMPT_STARTS.iter().any(|p| starts_with_word(&lower, p))
                || PROMPT_PHRASES.iter().any(|p| lower.contains(p))))
}

/// `s` begins with `prefix` and the prefix does not stop inside a word
/// (`copyright` is not the start of `copyrighted`).
fn starts_with_word(s: &str, prefix: &str) -> bool {
    let Some(rest) = s.strip_prefix(prefix) else { return false };
    let ends_word = prefix.chars().last().is_some_and(|c| !c.is_alphanumeric());
    ends_word || !rest.chars().next().is_some_and(char::is_alphanumeric)
}

/// The whole sentence is a web address.
fn is_link(s: &str) -> bool {
    !s.contains(char::is_whitespace)
        && (s.starts_with("http://") || s.starts_with("https://") || s.starts_with("www.") || s.starts_with("pic."))
}

/// A trail of short page names joined by separators, as in
/// `Home / Section / Story title`: at least three parts, every part but the
/// last at most four words and none of them a sentence.
fn is_breadcrumb(s: &str) -> bool {
    for sep in CRUMB_SEPARATORS {
        let parts: Vec<&str> = s.split(sep).map(str::trim).collect();
        if parts.len() < 3 || parts.iter().any(|p| p.is_empty()) {
            continue;
        }
        let heads = &parts[..parts.len() - 1];
        if heads.iter().all(|p| p.split_whitespace().count() <= 4 && !p.ends_with(['.', '!', '?', ':'])) {
            return true;
        }
    }
    false
}

/// The signature line under an embedded social-media post: a dash, a name,
/// an `(@handle)` and a date, e.g. `— A Person (@handle) May 1, 2020`.
fn is_embed_signature(s: &str) -> bool {
    let dashed = s.starts_with('—') || s.starts_with('–') || s.starts_with("- ");
    dashed && s.contains("(@") && s.split_whitespace().count() <= 16 && s.chars().any(|c| c.is_ascii_digit())
}

/// A byline alone: `By` and one to five capitalised words (names, `and`,
/// an outlet), nothing else.
fn is_byline(s: &str) -> bool {
    let mut words = s.split_whitespace();
    if !matches!(words.next(), Some("By" | "by" | "BY")) {
        return false;
    }
    let rest: Vec<&str> = words.collect();
    !rest.is_empty()
        && rest.len() <= 5
        && rest.iter().all(|w| {
            let w = w.trim_matches(|c: char| matches!(c, ',' | '|' | '(' | ')'));
            w.is_empty()
                || matches!(w, "and" | "&" | "de" | "van" | "von" | "al" | "in")
                || w.chars().next().is_some_and(|c| c.is_uppercase() || c == '@')
        })
        && !s.ends_with(['.', '!', '?'])
}

#[cfg(test)]
mod tests {
    use super::is_furniture;

    #[test]
    fn page_furniture_is_recognised() {
        for s in [
            "Home / Politics / Parliament passes the budget",
            "News > World > Europe > Floods in the north",
            "https://example.org/2024/05/story-about-a-vote",
            "Read more: The election, in five charts",
            "READ ALSO: What the new law changes",
            "View this post on Instagram",
            "A post shared by A Gardener (@a_gardener)",
            "— A Person (@aperson) March 3, 2021",
            "Share this article",
            "Subscribe to our weekly briefing",
            "Sign up for our newsletter to get the news first.",
            "Your email address will not be published. Required fields are marked *",
            "Leave a Reply",
            "By Maria Example",
            "by John Smith and Ana Lopez",
            "Photo: A street in the old town. Credit: A. Photographer",
            "Image by a reader, used with permission.",
            "Screenshot from a video posted online.",
            "Copyright © 2024 The Example Times. All rights reserved.",
            "Advertisement",
            "For more on this, see our special coverage of the elections.",
            "Tags: elections, parliament, budget",
            "Posted on 12 March 2024",
        ] {
            assert!(is_furniture(s), "{s}");
        }
    }

    #[test]
    fn reporting_is_not_furniture() {
        for s in [
            "By the end of the week, the ministry had approved the plan.",
            "By 2030, the country wants to halve its emissions.",
            "Activists urged people to share photos of the protest on social media.",
            "The photo, taken by a local resident, shows the flooded square.",
            "Readers can subscribe to the paper's print edition for ten euros a month, the publisher said in a statement announcing the change.",
            "Officials said the road would reopen on Monday.",
            "The ratio of 3 / 4 was used by the committee / panel in its report, which the minister called unfair.",
            "Home owners in the district will receive compensation.",
            "Copyrighted material was removed from the platform after complaints, the company said, adding that it had changed its rules on uploads.",
            "The 1/2 scale model and the NATO/EU talks were both mentioned.",
            "Written by a local artist, the illustrated book tells the story of three generations of one family.",
        ] {
            assert!(!is_furniture(s), "{s}");
        }
    }
}
