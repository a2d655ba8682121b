//! Dates as metadata gives them, and the periods the overview's time chart
//! groups them into.
//!
//! Input dates come in many shapes; the ones read are ISO 8601
//! (`2019-06-05`, `2019-06-05T10:00:00Z`, `2019/06/05`, `2019-06`), day
//! first with dots (`05.06.2019`), English month names (`5 June 2019`,
//! `June 5, 2019`, `Jun 5 2019`) and Unix timestamps (seconds or
//! milliseconds, as JSON numbers). `06/05/2019` is refused as ambiguous
//! (month or day first), and so is a date that cannot exist (`2019-02-30`)
//! or lies outside 1800–2200: the overview counts such documents as
//! "without a usable date" rather than guessing.

use serde_json::Value;

/// A calendar day, as days since 1970-01-01.
pub(crate) type Day = i64;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> Day {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day.
pub(crate) fn civil_from_days(z: Day) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn checked(y: i64, m: u32, d: u32) -> Result<Day, String> {
    if !(1800..=2200).contains(&y) {
        return Err(format!("year {y} is outside 1800-2200"));
    }
    if !(1..=12).contains(&m) {
        return Err(format!("there is no month {m}"));
    }
    if d < 1 || d > days_in_month(y, m) {
        return Err(format!("{y}-{m:02} has no day {d}"));
    }
    Ok(days_from_civil(y, m, d))
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month_named(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    MONTHS.iter().position(|m| m.starts_with(&w) && (w.len() >= 3)).map(|i| i as u32 + 1)
}

fn number<T: std::str::FromStr>(s: &str) -> Option<T> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// The day a metadata value names, or why it names none.
pub(crate) fn parse_date(value: &Value) -> Result<Day, String> {
    match value {
        Value::Number(n) => {
            let secs = n.as_f64().ok_or("not a number")?;
            // Milliseconds from about 2001 on; seconds before.
            let secs = if secs.abs() >= 1e12 { secs / 1000.0 } else { secs };
            let day = (secs / 86_400.0).floor() as i64;
            let (y, m, d) = civil_from_days(day);
            checked(y, m, d)
        }
        Value::String(s) => parse_date_str(s),
        Value::Null => Err("empty".into()),
        _ => Err("not a date".into()),
    }
}

fn parse_date_str(text: &str) -> Result<Day, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty".into());
    }
    // ISO: the date part before a `T` or a space with a time.
    let head = s.split(['T', ' ']).next().unwrap_or(s);
    for sep in ['-', '/'] {
        let parts: Vec<&str> = head.split(sep).collect();
        if parts.len() >= 2 && parts[0].len() == 4 {
            if let (Some(y), Some(m)) = (number::<i64>(parts[0]), number::<u32>(parts[1])) {
                let d = match parts.get(2) {
                    Some(d) => number::<u32>(d).ok_or_else(|| format!("`{text}` is not a date"))?,
                    None => 1,
                };
                if parts.len() > 3 {
                    break;
                }
                return checked(y, m, d);
            }
        }
        if parts.len() == 3 && parts[2].len() == 4 && parts.iter().all(|p| number::<u32>(p).is_some()) {
            if sep == '/' {
                return Err(format!("`{text}` is ambiguous (day or month first); write it as YYYY-MM-DD"));
            }
            // dd-mm-yyyy
            let (d, m, y) =
                (number(parts[0]).unwrap_or(0), number(parts[1]).unwrap_or(0), number(parts[2]).unwrap_or(0));
            return checked(y, m, d);
        }
    }
    let dotted: Vec<&str> = head.split('.').collect();
    if dotted.len() == 3 && dotted[2].len() == 4 {
        if let (Some(d), Some(m), Some(y)) = (number(dotted[0]), number(dotted[1]), number(dotted[2])) {
            return checked(y, m, d);
        }
    }
    // Words: `5 June 2019`, `June 5, 2019`, `Wed, 5 Jun 2019 10:00:00 GMT`.
    let words: Vec<&str> = s.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).collect();
    let month = words.iter().find_map(|w| month_named(w));
    let nums: Vec<u32> =
        words.iter().filter_map(|w| number::<u32>(w.trim_end_matches(['.', 's', 't', 'h', 'n', 'd', 'r']))).collect();
    if let Some(m) = month {
        let year = nums.iter().copied().find(|&n| n >= 1000);
        let day = nums.iter().copied().find(|&n| n < 1000);
        if let Some(y) = year {
            return checked(i64::from(y), m, day.unwrap_or(1));
        }
    }
    Err(format!("`{}` is not a date framelens reads", text.chars().take(40).collect::<String>()))
}

/// How the time chart groups days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Period {
    Week,
    Month,
    Quarter,
    Year,
}

/// Most periods the time chart shows.
pub(crate) const MAX_PERIODS: i64 = 36;
/// Fewest documents per period on average.
pub(crate) const MIN_PER_PERIOD: usize = 20;

impl Period {
    /// The finest period that gives at most [`MAX_PERIODS`] periods over the
    /// span with at least [`MIN_PER_PERIOD`] documents in each on average
    /// (years when none does).
    pub(crate) fn for_days(days: &[Day]) -> Period {
        let (Some(&lo), Some(&hi)) = (days.iter().min(), days.iter().max()) else { return Period::Month };
        for p in [Period::Week, Period::Month, Period::Quarter] {
            let periods = p.index(hi) - p.index(lo) + 1;
            if periods <= MAX_PERIODS && days.len() as i64 >= periods * MIN_PER_PERIOD as i64 {
                return p;
            }
        }
        Period::Year
    }

    /// A running number of the period holding `day` (consecutive periods differ by one).
    pub(crate) fn index(self, day: Day) -> i64 {
        let (y, m, _) = civil_from_days(day);
        match self {
            // Weeks start on Monday; 1970-01-01 was a Thursday.
            Period::Week => (day + 3).div_euclid(7),
            Period::Month => y * 12 + i64::from(m) - 1,
            Period::Quarter => y * 4 + (i64::from(m) - 1) / 3,
            Period::Year => y,
        }
    }

    /// The period's name: `2019-W23 (3 Jun)`-like for weeks, `2019-06`, `2019 Q2`, `2019`.
    pub(crate) fn name(self, index: i64) -> String {
        match self {
            Period::Week => {
                let (y, m, d) = civil_from_days(index * 7 - 3);
                format!("{y}-{m:02}-{d:02}")
            }
            Period::Month => format!("{}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1),
            Period::Quarter => format!("{} Q{}", index.div_euclid(4), index.rem_euclid(4) + 1),
            Period::Year => index.to_string(),
        }
    }
}

/// A day as `YYYY-MM-DD`.
pub(crate) fn iso(day: Day) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dates_in_many_shapes() {
        let june5 = days_from_civil(2019, 6, 5);
        for v in [
            json!("2019-06-05"),
            json!("2019-06-05T10:00:00Z"),
            json!("2019-06-05 10:00"),
            json!("2019/06/05"),
            json!("05.06.2019"),
            json!("05-06-2019"),
            json!("5 June 2019"),
            json!("June 5, 2019"),
            json!("Wed, 5 Jun 2019 10:00:00 GMT"),
            json!(1_559_728_800),
            json!(1_559_728_800_000_i64),
        ] {
            assert_eq!(parse_date(&v), Ok(june5), "{v}");
        }
        assert_eq!(parse_date(&json!("2019-06")), Ok(days_from_civil(2019, 6, 1)));
        for bad in [
            json!("06/05/2019"),
            json!("2019-02-30"),
            json!("0000-00-00"),
            json!("yesterday"),
            json!(""),
            json!(null),
            json!([1]),
            json!("31.13.2020"),
            json!("9999-01-01"),
        ] {
            assert!(parse_date(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn civil_round_trip() {
        for day in [-1000, 0, 1, 18_000, 20_000, 60_000] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }

    #[test]
    fn periods_follow_the_span_and_the_counts() {
        let d = |y, m, dd| days_from_civil(y, m, dd);
        // 400 documents over ten weeks: weeks.
        let weeks: Vec<Day> = (0..400).map(|i| d(2024, 1, 1) + i % 70).collect();
        assert_eq!(Period::for_days(&weeks), Period::Week);
        // 1,000 over a year: months.
        let months: Vec<Day> = (0..1000).map(|i| d(2024, 1, 1) + i % 365).collect();
        assert_eq!(Period::for_days(&months), Period::Month);
        // 169 over six years: years.
        let years: Vec<Day> = (0..169).map(|i| d(2018, 1, 1) + i * 13).collect();
        assert_eq!(Period::for_days(&years), Period::Year);
        assert_eq!(Period::Month.name(Period::Month.index(d(2019, 6, 5))), "2019-06");
        assert_eq!(Period::Quarter.name(Period::Quarter.index(d(2019, 6, 5))), "2019 Q2");
        assert_eq!(Period::Week.name(Period::Week.index(d(2019, 6, 5))), "2019-06-03");
        assert_eq!(Period::Year.name(Period::Year.index(d(2019, 6, 5))), "2019");
    }
}
