//! Words for numbers: durations ("3 hours ago"), dates, string similarity.

use std::time::{Duration, UNIX_EPOCH};

/// `seconds` as "3 hours", "1 hour 5 minutes", "45 seconds": the largest unit and, when not
/// zero, the next one.
pub(super) fn duration(seconds: u64) -> String {
    const UNITS: [(u64, &str); 4] = [
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
        (1, "second"),
    ];
    let Some(first) = UNITS.iter().position(|(size, _)| seconds >= *size) else {
        return "0 seconds".to_owned();
    };
    let mut rest = seconds;
    let mut parts = Vec::new();
    for (size, name) in UNITS.iter().skip(first).take(2) {
        let n = rest / size;
        rest %= size;
        if n > 0 {
            parts.push(format!("{n} {name}{}", if n == 1 { "" } else { "s" }));
        }
    }
    parts.join(" ")
}

/// `at` relative to `now`: "3 hours ago" or "in 5 minutes".
pub(super) fn relative(at: i64, now: i64) -> String {
    let delta = at.abs_diff(now);
    if delta < 5 {
        return "just now".to_owned();
    }
    if at <= now {
        format!("{} ago", duration(delta))
    } else {
        format!("in {}", duration(delta))
    }
}

/// A Unix time as an RFC 3339 UTC date (`2026-11-28T03:48:06Z`).
pub(super) fn date(unix: i64) -> String {
    let Ok(secs) = u64::try_from(unix) else {
        return format!("{unix} (before 1970)");
    };
    match UNIX_EPOCH.checked_add(Duration::from_secs(secs)) {
        Some(t) => humantime::format_rfc3339_seconds(t).to_string(),
        None => format!("{unix} (out of range)"),
    }
}

/// 1 minus the Levenshtein distance over the longer length: 1.0 for equal strings.
pub(super) fn similarity(a: &str, b: &str) -> f64 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous
                .get(j)
                .map_or(usize::MAX, |d| d + usize::from(ca != cb));
            let delete = previous.get(j + 1).map_or(usize::MAX, |d| d + 1);
            let insert = current.get(j).map_or(usize::MAX, |d| d + 1);
            current.push(substitute.min(delete).min(insert));
        }
        previous = current;
    }
    let distance = previous.last().copied().unwrap_or(longest);
    #[allow(clippy::cast_precision_loss)] // string lengths are far below 2^52
    let score = 1.0 - distance as f64 / longest as f64;
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0), "0 seconds");
        assert_eq!(duration(45), "45 seconds");
        assert_eq!(duration(61), "1 minute 1 second");
        assert_eq!(duration(3 * 3600), "3 hours");
        assert_eq!(duration(3 * 3600 + 7), "3 hours");
        assert_eq!(duration(3600 + 5 * 60), "1 hour 5 minutes");
        assert_eq!(duration(2 * 86_400 + 3600), "2 days 1 hour");
        assert_eq!(relative(100, 3700), "1 hour ago");
        assert_eq!(relative(400, 100), "in 5 minutes");
    }

    #[test]
    fn similarity_is_one_for_equal_and_drops_with_edits() {
        assert!((similarity("abc", "abc") - 1.0).abs() < f64::EPSILON);
        assert!(similarity("https://idp/", "https://idp") > 0.9);
        assert!(similarity("abc", "xyz") < 0.1);
    }

    #[test]
    fn dates_are_rfc3339_utc() {
        assert_eq!(date(0), "1970-01-01T00:00:00Z");
    }
}
