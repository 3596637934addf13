//! `AUTHGATE__SECTION__KEY=value` overrides, applied to the parsed file before references are
//! resolved and before anything is checked.
//!
//! The name after `AUTHGATE__` is a path whose segments are separated by a double underscore
//! and lowercased: `AUTHGATE__SERVER__LISTEN` sets `server.listen`,
//! `AUTHGATE__ROUTES__0__UPSTREAM` sets `routes[0].upstream` (an existing entry of an array of
//! tables is addressed by its index). Missing tables are created. The value is read as a TOML
//! value when it is one (`true`, `30`, `["10.0.0.0/8"]`) and as a string otherwise, except that
//! a key whose current value is a string stays a string (`AUTHGATE__PROVIDERS__0__CLIENT_ID=1234`).
//! A segment names an existing key whatever its case, so
//! `AUTHGATE__POLICIES__REQUIREREADACCESS__SCOPES` reaches `[policies.RequireReadAccess]` (two
//! keys differing only in case are a problem); a key that does not exist yet is created in
//! lower case.

use super::problems::Problems;
use toml::{Table, Value};

/// The prefix of override variables.
pub const PREFIX: &str = "AUTHGATE__";

/// Applies every override in order; a name that cannot be applied is a problem under its own
/// name (`AUTHGATE__ROUTES__9__UPSTREAM: routes has no entry 9`).
pub(crate) fn apply(table: &mut Table, overrides: &[(String, String)], problems: &mut Problems) {
    for (name, raw) in overrides {
        if looks_secret(name) {
            problems.hide(raw);
        }
        if let Err(why) = apply_one(table, name, raw) {
            problems.push(name.as_str(), why);
        }
    }
}

/// Whether the overridden key probably holds a secret (its value is then kept out of messages).
fn looks_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["secret", "password", "token", "key"]
        .iter()
        .any(|w| name.contains(w))
}

fn apply_one(table: &mut Table, name: &str, raw: &str) -> Result<(), String> {
    let rest = name
        .strip_prefix(PREFIX)
        .ok_or_else(|| format!("does not start with {PREFIX}"))?;
    let segments: Vec<String> = rest.split("__").map(str::to_lowercase).collect();
    if segments.iter().any(String::is_empty) {
        return Err("has an empty path segment".to_owned());
    }
    let mut root = Value::Table(std::mem::take(table));
    let outcome = set(&mut root, &segments, raw);
    if let Value::Table(back) = root {
        *table = back;
    }
    outcome
}

/// Sets the value at `segments` under `root`.
fn set(root: &mut Value, segments: &[String], raw: &str) -> Result<(), String> {
    let Some((leaf, parents)) = segments.split_last() else {
        return Err("names no key".to_owned());
    };
    let mut cursor = root;
    let mut at = String::new();
    for segment in parents {
        cursor = child(cursor, segment, &at, true)?;
        at = step(&at, segment);
    }
    let slot = child(cursor, leaf, &at, false)?;
    let keep_string = matches!(slot, Value::String(_));
    *slot = scalar(raw, keep_string);
    Ok(())
}

/// The value under `segment` of `parent`: a table member (created when missing: an empty
/// table for a parent, a placeholder for the leaf) or an existing entry of a list.
fn child<'v>(
    parent: &'v mut Value,
    segment: &str,
    at: &str,
    is_parent: bool,
) -> Result<&'v mut Value, String> {
    match parent {
        Value::Table(table) => {
            let fresh = if is_parent {
                Value::Table(Table::new())
            } else {
                Value::Boolean(false)
            };
            let key = existing_key(table, segment, at)?.unwrap_or_else(|| segment.to_owned());
            Ok(table.entry(key).or_insert(fresh))
        }
        Value::Array(items) => {
            let len = items.len();
            let index: usize = segment
                .parse()
                .map_err(|_| format!("{at} is a list: address an entry by its index"))?;
            items
                .get_mut(index)
                .ok_or_else(|| format!("{at} has no entry {index} (it has {len})"))
        }
        _ => Err(format!("{at} is not a table")),
    }
}

/// The key of `table` equal to the (lower-case) `segment` ignoring ASCII case, if any.
fn existing_key(table: &Table, segment: &str, at: &str) -> Result<Option<String>, String> {
    let mut found = table.keys().filter(|k| k.eq_ignore_ascii_case(segment));
    match (found.next(), found.next()) {
        (None, _) => Ok(None),
        (Some(one), None) => Ok(Some(one.clone())),
        (Some(a), Some(b)) => Err(format!(
            "{} names both {a} and {b}: keys that differ only in case cannot be overridden",
            step(at, segment)
        )),
    }
}

fn step(at: &str, segment: &str) -> String {
    match (at.is_empty(), segment.parse::<usize>()) {
        (true, _) => segment.to_owned(),
        (false, Ok(index)) => format!("{at}[{index}]"),
        (false, Err(_)) => format!("{at}.{segment}"),
    }
}

/// `raw` as a TOML value when it is exactly one, else as a string.
fn scalar(raw: &str, keep_string: bool) -> Value {
    if keep_string {
        return Value::String(raw.to_owned());
    }
    match toml::from_str::<Table>(&format!("v = {raw}")) {
        Ok(mut parsed) if parsed.len() == 1 => parsed
            .remove("v")
            .unwrap_or_else(|| Value::String(raw.to_owned())),
        _ => Value::String(raw.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, overrides: &[(&str, &str)]) -> (Table, Vec<String>) {
        let mut table: Table = toml::from_str(text).unwrap();
        let overrides: Vec<(String, String)> = overrides
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut problems = Problems::default();
        apply(&mut table, &overrides, &mut problems);
        let lines = match problems.finish(()) {
            Ok(()) => Vec::new(),
            Err(e) => {
                e.0.iter()
                    .map(|p| format!("{}: {}", p.path, p.message))
                    .collect()
            }
        };
        (table, lines)
    }

    #[test]
    fn sets_nested_keys_and_creates_tables() {
        let (t, problems) = run(
            "[server]\nlisten = \"127.0.0.1:1\"\n",
            &[
                ("AUTHGATE__SERVER__LISTEN", "0.0.0.0:8080"),
                ("AUTHGATE__TELEMETRY__METRICS", "false"),
                ("AUTHGATE__SERVER__TRUSTED_PROXIES", "[\"10.0.0.0/8\"]"),
            ],
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(t["server"]["listen"].as_str(), Some("0.0.0.0:8080"));
        assert_eq!(t["telemetry"]["metrics"].as_bool(), Some(false));
        assert_eq!(
            t["server"]["trusted_proxies"][0].as_str(),
            Some("10.0.0.0/8")
        );
    }

    #[test]
    fn indexes_arrays_of_tables_and_keeps_strings_strings() {
        let text = "[[providers]]\nclient_id = \"x\"\n[[routes]]\nupstream = \"http://a\"\n";
        let (t, problems) = run(
            text,
            &[
                ("AUTHGATE__ROUTES__0__UPSTREAM", "http://b"),
                ("AUTHGATE__PROVIDERS__0__CLIENT_ID", "1234"),
            ],
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(t["routes"][0]["upstream"].as_str(), Some("http://b"));
        assert_eq!(t["providers"][0]["client_id"].as_str(), Some("1234"));
    }

    #[test]
    fn bad_overrides_are_problems_named_after_the_variable() {
        let text = "[[routes]]\nupstream = \"http://a\"\n[server]\nlisten = \"x\"\n";
        let (_, problems) = run(
            text,
            &[
                ("AUTHGATE__ROUTES__3__UPSTREAM", "http://b"),
                ("AUTHGATE__ROUTES__UPSTREAM", "http://b"),
                ("AUTHGATE__SERVER__LISTEN__PORT", "1"),
                ("AUTHGATE__SERVER____LISTEN", "1"),
            ],
        );
        assert_eq!(
            problems,
            [
                "AUTHGATE__ROUTES__3__UPSTREAM: routes has no entry 3 (it has 1)",
                "AUTHGATE__ROUTES__UPSTREAM: routes is a list: address an entry by its index",
                "AUTHGATE__SERVER__LISTEN__PORT: server.listen is not a table",
                "AUTHGATE__SERVER____LISTEN: has an empty path segment",
            ]
        );
    }
}
