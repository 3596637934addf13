//! Deserializing one section or entry and reporting every mistake in it, not only the first:
//! serde stops at the first error, so the offending key is removed and the entry decoded
//! again, until it decodes or nothing more can be removed.

use super::problems::{Problems, join};
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;
use toml::Value;

/// More passes than any real entry has mistakes.
const MAX_PASSES: usize = 32;

/// Deserializes `value`, recording each problem at `path` plus the path inside it. `None`
/// when anything was wrong.
pub(crate) fn decode<T: DeserializeOwned>(
    mut value: Value,
    path: &str,
    problems: &mut Problems,
) -> Option<T> {
    let mut removed: Vec<String> = Vec::new();
    for _ in 0..MAX_PASSES {
        let error = match serde_path_to_error::deserialize::<_, T>(value.clone()) {
            Ok(decoded) => return removed.is_empty().then_some(decoded),
            Err(error) => error,
        };
        // serde_path_to_error writes the root as ".".
        let inner = Some(error.path().to_string())
            .filter(|p| p != ".")
            .unwrap_or_default();
        let message = error.inner().message().trim().to_owned();
        if is_consequence(&message, &inner, &removed) {
            return None;
        }
        problems.push(join(path, &inner), message);
        if !remove_at(&mut value, error.path()) {
            return None;
        }
        removed.push(inner);
    }
    None
}

/// A "missing field" error for a key this loop removed itself.
fn is_consequence(message: &str, at: &str, removed: &[String]) -> bool {
    let field = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    field.is_some_and(|field| removed.contains(&join(at, field)))
}

/// Removes the table member at `path`; `false` when the path does not end at one.
fn remove_at(value: &mut Value, path: &serde_path_to_error::Path) -> bool {
    let segments: Vec<&Segment> = path.iter().collect();
    let Some((Segment::Map { key }, parents)) = segments.split_last() else {
        return false;
    };
    let mut cursor = value;
    for segment in parents {
        let next = match (segment, cursor) {
            (Segment::Map { key }, Value::Table(table)) => table.get_mut(key.as_str()),
            (Segment::Seq { index }, Value::Array(items)) => items.get_mut(*index),
            _ => None,
        };
        match next {
            Some(next) => cursor = next,
            None => return false,
        }
    }
    match cursor {
        Value::Table(table) => table.remove(key.as_str()).is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::raw::RawRoute;

    #[test]
    fn every_mistake_of_one_entry_is_reported() {
        let value: Value = toml::from_str(
            "path = \"/a\"\nupstrem = \"x\"\nupstream = \"http://a\"\nmethods = \"GET\"\n\
             timeouts = { conect = \"1s\", response = \"soon\" }\nauth = \"sesion\"\n",
        )
        .unwrap();
        let mut problems = Problems::default();
        assert!(decode::<RawRoute>(value, "routes[0]", &mut problems).is_none());
        let lines: Vec<String> = problems
            .finish(())
            .unwrap_err()
            .0
            .iter()
            .map(|p| p.path.clone())
            .collect();
        let mut sorted = lines.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            [
                "routes[0].auth",
                "routes[0].methods",
                "routes[0].timeouts.conect",
                "routes[0].timeouts.response",
                "routes[0].upstrem",
            ],
            "{lines:?}"
        );
    }

    #[test]
    fn a_removed_required_key_is_not_reported_again_as_missing() {
        let value: Value = toml::from_str("path = 5\nupstream = \"http://a\"\n").unwrap();
        let mut problems = Problems::default();
        assert!(decode::<RawRoute>(value, "routes[0]", &mut problems).is_none());
        let errors = problems.finish(()).unwrap_err();
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert_eq!(errors.0[0].path, "routes[0].path");
    }
}
