//! Shared-task metrics on cases computed by hand.

use framelens::metrics::{f1_samples, format_table, multilabel_report, LabelPrf};

type Docs = Vec<(String, Vec<String>)>;

fn docs(items: &[(&str, &[&str])]) -> Docs {
    items.iter().map(|(id, ls)| (id.to_string(), ls.iter().map(|l| l.to_string()).collect())).collect()
}

fn list(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

macro_rules! assert_close {
    ($a:expr, $b:expr) => {{
        let (a, b) = ($a, $b);
        assert!(close(a, b), "{} = {a}, expected {b}", stringify!($a));
    }};
}

fn label<'a>(report: &'a framelens::metrics::MultiLabelReport, name: &str) -> &'a LabelPrf {
    report.per_label.iter().find(|l| l.label == name).expect("label in report")
}

#[test]
fn perfect_predictions_score_one() {
    let gold = docs(&[("d1", &["A", "B"]), ("d2", &["C"])]);
    let labels = list(&["A", "B", "C"]);
    assert_close!(f1_samples(&gold, &gold, &labels), 1.0);
    let r = multilabel_report(&gold, &gold, &labels);
    assert_close!(r.micro_f1, 1.0);
    assert_close!(r.macro_f1, 1.0);
    assert_eq!(r.documents, 2);
}

#[test]
fn disjoint_predictions_score_zero() {
    let gold = docs(&[("d1", &["A"]), ("d2", &["B"])]);
    let pred = docs(&[("d1", &["B"]), ("d2", &["A"])]);
    let labels = list(&["A", "B"]);
    assert_close!(f1_samples(&gold, &pred, &labels), 0.0);
    let r = multilabel_report(&gold, &pred, &labels);
    assert_close!(r.micro_f1, 0.0);
    assert_close!(r.micro_precision, 0.0);
    assert_close!(r.macro_f1, 0.0);
}

#[test]
fn partial_overlap_by_hand() {
    // d1: G = {A,B,C}, P = {A,B,D}: |G∩P| = 2, F1 = 2·2/(3+3) = 2/3
    // d2: G = {A},     P = {A,B,C}: |G∩P| = 1, F1 = 2·1/(1+3) = 1/2
    // F1 samples = (2/3 + 1/2) / 2 = 7/12
    let gold = docs(&[("d1", &["A", "B", "C"]), ("d2", &["A"])]);
    let pred = docs(&[("d1", &["A", "B", "D"]), ("d2", &["A", "B", "C"])]);
    let labels = list(&["A", "B", "C", "D"]);
    assert_close!(f1_samples(&gold, &pred, &labels), 7.0 / 12.0);

    // Pairs: TP = d1A d1B d2A = 3; FP = d1D d2B d2C = 3; FN = d1C = 1.
    // micro P = 3/6, R = 3/4, F1 = 2·3/(2·3 + 3 + 1) = 6/10.
    let r = multilabel_report(&gold, &pred, &labels);
    assert_close!(r.micro_precision, 0.5);
    assert_close!(r.micro_recall, 0.75);
    assert_close!(r.micro_f1, 0.6);
    // Per label:
    //   A: TP 2, FP 0, FN 0 -> P 1,   R 1, F1 1,   support 2
    //   B: TP 1, FP 1, FN 0 -> P 1/2, R 1, F1 2/3, support 1
    //   C: TP 0, FP 1, FN 1 -> P 0,   R 0, F1 0,   support 1
    //   D: TP 0, FP 1, FN 0 -> P 0,   R 0 (no gold: 0/0 -> 0), F1 0, support 0
    // macro F1 = (1 + 2/3 + 0 + 0) / 4 = 5/12
    assert_close!(r.macro_f1, 5.0 / 12.0);
    let order: Vec<&str> = r.per_label.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(order, ["A", "B", "C", "D"], "label-list order");
    let expect =
        [("A", 1.0, 1.0, 1.0, 2), ("B", 0.5, 1.0, 2.0 / 3.0, 1), ("C", 0.0, 0.0, 0.0, 1), ("D", 0.0, 0.0, 0.0, 0)];
    for (name, p, rc, f, s) in expect {
        let l = label(&r, name);
        assert!(close(l.precision, p) && close(l.recall, rc) && close(l.f1, f) && l.support == s, "{l:?}");
    }
}

#[test]
fn empty_predictions() {
    let gold = docs(&[("d1", &["A"]), ("d2", &["B"])]);
    let labels = list(&["A", "B"]);
    // No prediction at all and explicit empty predictions are the same: 0 per document.
    assert_close!(f1_samples(&gold, &[], &labels), 0.0);
    assert_close!(f1_samples(&gold, &docs(&[("d1", &[]), ("d2", &[])]), &labels), 0.0);
    // Missing prediction for d2 only: (1 + 0) / 2.
    assert_close!(f1_samples(&gold, &docs(&[("d1", &["A"])]), &labels), 0.5);
    let r = multilabel_report(&gold, &[], &labels);
    assert_close!(r.micro_precision, 0.0); // 0/0 -> 0
    assert_close!(r.micro_recall, 0.0);
    assert_eq!(r.per_label[0].support, 1);
}

#[test]
fn empty_sets_both_sides_score_one_one_side_zero() {
    let labels = list(&["A", "B"]);
    // d1: both empty -> 1; d2: gold empty, pred {A} -> 0; d3: gold {B}, pred empty -> 0.
    let gold = docs(&[("d1", &[]), ("d2", &[]), ("d3", &["B"])]);
    let pred = docs(&[("d1", &[]), ("d2", &["A"]), ("d3", &[])]);
    assert_close!(f1_samples(&gold, &pred, &labels), 1.0 / 3.0);
    assert_close!(f1_samples(&[], &pred, &labels), 0.0);
    let r = multilabel_report(&[], &pred, &labels);
    assert_eq!(r.documents, 0);
    assert_close!(r.micro_f1, 0.0);
}

#[test]
fn other_counts_as_a_label_when_listed() {
    let with_other = list(&["Other", "A"]);
    let gold = docs(&[("d1", &["Other"]), ("d2", &["Other"]), ("d3", &["A"])]);
    let pred = docs(&[("d1", &["Other"]), ("d2", &["A"]), ("d3", &["A", "Other"])]);
    // d1: 1; d2: 0; d3: 2·1/(1+2) = 2/3 -> (1 + 0 + 2/3) / 3 = 5/9
    assert_close!(f1_samples(&gold, &pred, &with_other), 5.0 / 9.0);
    // Without `Other` in the list it is dropped: d1 both empty -> 1; d2 G {} P {A} -> 0; d3 1.
    assert_close!(f1_samples(&gold, &pred, &list(&["A"])), 2.0 / 3.0);
    let r = multilabel_report(&gold, &pred, &with_other);
    let other = label(&r, "Other");
    // Other: TP 1 (d1), FP 1 (d3), FN 1 (d2) -> P 1/2, R 1/2, F1 1/2.
    assert!(close(other.precision, 0.5) && close(other.recall, 0.5) && close(other.f1, 0.5), "{other:?}");
    assert_eq!(other.support, 2);
}

#[test]
fn duplicate_labels_count_once() {
    let labels = list(&["A", "B"]);
    // G = {A,B}, P = {A}: 2·1/(2+1) = 2/3 (counting duplicates would give 2·2/(3+2) = 4/5).
    let gold = docs(&[("d1", &["A", "A", "B"])]);
    let pred = docs(&[("d1", &["A", "A"])]);
    assert_close!(f1_samples(&gold, &pred, &labels), 2.0 / 3.0);
    let r = multilabel_report(&gold, &pred, &labels);
    // TP 1, FP 0, FN 1 -> micro F1 2/3; support of A is 1 document.
    assert_close!(r.micro_f1, 2.0 / 3.0);
    assert_eq!(label(&r, "A").support, 1);
    // A label listed twice is one label in the macro mean: (1 + 0) / 2.
    let r2 = multilabel_report(&gold, &pred, &list(&["A", "B", "A"]));
    assert_eq!(r2.per_label.len(), 2);
    assert_close!(r2.macro_f1, 0.5);
}

#[test]
fn labels_outside_the_list_are_dropped() {
    let labels = list(&["A", "B"]);
    let gold = docs(&[("d1", &["A", "X"])]);
    let pred = docs(&[("d1", &["A", "Y", "Z"])]);
    assert_close!(f1_samples(&gold, &pred, &labels), 1.0);
    let r = multilabel_report(&gold, &pred, &labels);
    assert_close!(r.micro_f1, 1.0);
    assert!(r.per_label.iter().all(|l| l.label != "X" && l.label != "Y"));
}

#[test]
fn documents_pair_by_id_in_any_order() {
    let labels = list(&["A", "B", "C"]);
    let gold = docs(&[("d1", &["A"]), ("d2", &["B"]), ("d3", &["C"])]);
    let pred = docs(&[("d3", &["C"]), ("d1", &["A"]), ("d2", &["A"])]);
    // d1 1, d2 0, d3 1 -> 2/3 (by position it would be 0).
    assert_close!(f1_samples(&gold, &pred, &labels), 2.0 / 3.0);
    let mut shuffled = gold.clone();
    shuffled.reverse();
    assert_close!(f1_samples(&shuffled, &pred, &labels), 2.0 / 3.0);
    assert_eq!(multilabel_report(&gold, &pred, &labels), multilabel_report(&shuffled, &pred, &labels));
}

#[test]
fn predictions_for_unknown_ids_are_ignored() {
    let labels = list(&["A", "B"]);
    let gold = docs(&[("d1", &["A"])]);
    let pred = docs(&[("d1", &["A"]), ("d9", &["A", "B"])]);
    assert_close!(f1_samples(&gold, &pred, &labels), 1.0);
    let r = multilabel_report(&gold, &pred, &labels);
    assert_close!(r.micro_precision, 1.0);
    assert_eq!(r.documents, 1);
}

#[test]
fn entries_with_the_same_id_are_merged() {
    let labels = list(&["A", "B"]);
    let gold = docs(&[("d1", &["A"]), ("d1", &["B"])]);
    let pred = docs(&[("d1", &["A"])]);
    // G = {A,B}, P = {A}: 2/3, one document.
    assert_close!(f1_samples(&gold, &pred, &labels), 2.0 / 3.0);
    assert_eq!(multilabel_report(&gold, &pred, &labels).documents, 1);
}

#[test]
fn micro_and_macro_differ_on_imbalanced_labels() {
    // Ten documents with the frequent label A, one with the rare B; A predicted everywhere.
    let mut gold: Docs = (0..10).map(|i| (format!("a{i}"), list(&["A"]))).collect();
    gold.push(("b0".to_string(), list(&["B"])));
    let pred: Docs = gold.iter().map(|(id, _)| (id.clone(), list(&["A"]))).collect();
    let r = multilabel_report(&gold, &pred, &list(&["A", "B"]));
    // A: TP 10, FP 1, FN 0 -> F1 = 20/21. B: TP 0, FP 0, FN 1 -> F1 0.
    // micro: TP 10, FP 1, FN 1 -> 20/22. macro: (20/21 + 0) / 2 = 10/21.
    assert_close!(label(&r, "A").f1, 20.0 / 21.0);
    assert_close!(label(&r, "A").precision, 10.0 / 11.0);
    assert_close!(label(&r, "B").f1, 0.0);
    assert_close!(r.micro_f1, 20.0 / 22.0);
    assert_close!(r.macro_f1, 10.0 / 21.0);
    assert!(r.micro_f1 > 0.9 && r.macro_f1 < 0.5);
}

#[test]
fn table_lists_labels_micro_and_macro() {
    let gold = docs(&[("d1", &["Economic", "Political"]), ("d2", &["Morality"])]);
    let pred = docs(&[("d1", &["Economic"]), ("d2", &["Political"])]);
    let r = multilabel_report(&gold, &pred, &list(&["Economic", "Political", "Morality"]));
    let table = format_table(&r);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("label") && lines[0].contains("precision") && lines[0].contains("support"));
    // Economic: TP 1 -> 1.000; Political: TP 0, FP 1, FN 1 -> 0.000, support 1; Morality: FN 1 -> 0.000.
    let political = lines.iter().find(|l| l.starts_with("Political")).expect("row");
    assert_eq!(political.split_whitespace().collect::<Vec<_>>(), ["Political", "0.000", "0.000", "0.000", "1"]);
    // micro: TP 1, FP 1, FN 2 -> P 1/2, R 1/3, F1 2/(2+1+2) = 0.4; support 3.
    let micro = lines.iter().find(|l| l.starts_with("micro")).expect("micro row");
    assert_eq!(micro.split_whitespace().collect::<Vec<_>>(), ["micro", "0.500", "0.333", "0.400", "3"]);
    // macro: (1 + 0 + 0) / 3.
    let macro_row = lines.iter().find(|l| l.starts_with("macro")).expect("macro row");
    assert_eq!(macro_row.split_whitespace().collect::<Vec<_>>(), ["macro", "0.333"]);
    assert!(table.contains("2 documents"));
}

#[test]
fn report_serialises_to_json() {
    let gold = docs(&[("d1", &["A"])]);
    let r = multilabel_report(&gold, &gold, &list(&["A"]));
    let json = serde_json::to_value(&r).expect("serialises");
    assert_eq!(json["micro_f1"], 1.0);
    assert_eq!(json["per_label"][0]["label"], "A");
    assert_eq!(json["per_label"][0]["support"], 1);
}
