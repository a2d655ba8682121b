//! What a classifier's build could not do as the taxonomy asked, said in
//! words (`Classifier::warnings`): not errors, since the classifier works,
//! but decisions the user should know were made another way.

use crate::aggregate::PSEUDO_DOCUMENT_SENTENCES;
use crate::taxonomy::Taxonomy;

/// The warning for thresholds that could not be learnt: `fell_back` when the
/// build wanted thresholds from the background and got none (fewer than
/// [`PSEUDO_DOCUMENT_SENTENCES`] background sentences), `threshold` the one
/// the categories without their own fall back to.
pub(crate) fn threshold_fallback(taxonomy: &Taxonomy, fell_back: bool, threshold: f32) -> Option<String> {
    if !fell_back {
        return None;
    }
    let falling: Vec<&str> =
        taxonomy.categories.iter().filter(|c| c.threshold.is_none()).map(|c| c.label.as_str()).collect();
    if falling.is_empty() {
        return None;
    }
    let n = taxonomy.background.len();
    let shown: Vec<&str> = falling.iter().take(5).copied().collect();
    let more = falling.len() - shown.len();
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    let which = format!("{} of {}: {}{more}", falling.len(), taxonomy.categories.len(), shown.join(", "));
    let priors = if taxonomy.priors().is_some() && !taxonomy.is_hierarchical() {
        "; its `prior`s are not used either (base rates need the same background)"
    } else {
        ""
    };
    Some(format!(
        "taxonomy `{}`: `background` has {n} sentence{}, fewer than the {PSEUDO_DOCUMENT_SENTENCES} that learnt \
         thresholds need: the fixed document threshold {threshold} decides the categories without a `threshold` of \
         their own ({which}){priors}; \
         add neutral background sentences (docs/taxonomies.md) or set `threshold` to choose it",
        taxonomy.name,
        if n == 1 { "" } else { "s" },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::Category;

    #[test]
    fn names_the_taxonomy_the_count_and_the_fallback() {
        let mut b = Category::new("b", "Beta", "second");
        b.threshold = Some(0.3);
        let mut t = Taxonomy::new("tiny", vec![Category::new("a", "Alpha", "first"), b]).expect("a taxonomy");
        t.background = vec!["One neutral sentence.".into()];
        let w = threshold_fallback(&t, true, 0.5).expect("a warning");
        assert!(w.starts_with("taxonomy `tiny`: `background` has 1 sentence, fewer than the 20"), "{w}");
        assert!(w.contains("the fixed document threshold 0.5 decides the categories without a `threshold` of their own (1 of 2: Alpha)"), "{w}");
        assert_eq!(threshold_fallback(&t, false, 0.5), None);
        t.categories[0].threshold = Some(0.4);
        assert_eq!(threshold_fallback(&t, true, 0.5), None, "every category has its own");
    }
}
