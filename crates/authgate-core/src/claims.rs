//! The claims set of a token: a strictly parsed JSON object with typed accessors.
//!
//! Typed reads are tri-state ([`ClaimValue`]): a claim of the wrong JSON type is `Invalid`,
//! never "absent". Treating a badly typed `exp` as missing is exactly CVE-2026-25537
//! (security.md JWT-T04, JWT-T10).

use serde_json::{Map, Value};
use std::sync::Arc;

/// A JWT claims set. Cheap to clone (shared).
#[derive(Debug, Clone, PartialEq)]
pub struct Claims(Arc<Map<String, Value>>);

/// The result of reading a claim with an expected type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ClaimValue<T> {
    /// Present with the expected type.
    Present(T),
    /// Not in the claims set.
    Absent,
    /// Present with another JSON type or a forbidden shape.
    Invalid,
}

impl<T> ClaimValue<T> {
    /// The value when present and well-typed.
    pub(crate) fn present(self) -> Option<T> {
        match self {
            ClaimValue::Present(v) => Some(v),
            ClaimValue::Absent | ClaimValue::Invalid => None,
        }
    }
}

/// A claim that is a string or an array of strings (`aud`, Okta `scp`, `roles`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum StrOrArray<'a> {
    /// A single string.
    One(&'a str),
    /// An array whose elements are all strings (checked when read).
    Many(&'a [Value]),
}

impl<'a> StrOrArray<'a> {
    /// How many values there are.
    pub(crate) fn len(&self) -> usize {
        match self {
            StrOrArray::One(_) => 1,
            StrOrArray::Many(items) => items.len(),
        }
    }

    /// Whether there are no values (an empty array).
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let (one, many) = match *self {
            StrOrArray::One(s) => (Some(s), [].as_slice()),
            StrOrArray::Many(items) => (None, items),
        };
        one.into_iter().chain(many.iter().filter_map(Value::as_str))
    }
}

impl Claims {
    /// Wraps an already strictly parsed JSON object.
    pub fn new(map: Map<String, Value>) -> Self {
        Claims(Arc::new(map))
    }

    /// The raw JSON object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// A claim's raw value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// A claim that is a JSON string. `None` when absent **or** of another type; use the
    /// verification pipeline, not this, to decide whether a token is acceptable.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    /// Whether the claim is present (with any value, even `null`).
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// A string claim, tri-state.
    pub(crate) fn string(&self, name: &str) -> ClaimValue<&str> {
        match self.0.get(name) {
            None => ClaimValue::Absent,
            Some(Value::String(s)) => ClaimValue::Present(s),
            Some(_) => ClaimValue::Invalid,
        }
    }

    /// A NumericDate claim (RFC 7519 §2): any finite JSON number, fractional allowed. Strings,
    /// booleans, `null`, arrays and objects are `Invalid`, never `Absent` (JWT-T04, JWT-T08).
    pub(crate) fn numeric_date(&self, name: &str) -> ClaimValue<f64> {
        match self.0.get(name) {
            None => ClaimValue::Absent,
            Some(Value::Number(n)) => match n.as_f64() {
                Some(t) if t.is_finite() => ClaimValue::Present(t),
                _ => ClaimValue::Invalid,
            },
            Some(_) => ClaimValue::Invalid,
        }
    }

    /// A claim that is a string or an array of strings. An array with any non-string element
    /// is `Invalid` (JWT-D06); an empty array is `Present` (callers decide).
    pub(crate) fn str_or_array(&self, name: &str) -> ClaimValue<StrOrArray<'_>> {
        match self.0.get(name) {
            None => ClaimValue::Absent,
            Some(Value::String(s)) => ClaimValue::Present(StrOrArray::One(s)),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                ClaimValue::Present(StrOrArray::Many(items))
            }
            Some(_) => ClaimValue::Invalid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Claims {
        match v {
            Value::Object(map) => Claims::new(map),
            _ => panic!("test claims must be an object"),
        }
    }

    #[test]
    fn numeric_date_is_tri_state() {
        let c = claims(
            json!({"a": 1700000000, "b": 1700000000.5, "c": "1700000000",
            "d": null, "e": true, "f": {}, "g": -0.0}),
        );
        assert_eq!(c.numeric_date("a"), ClaimValue::Present(1_700_000_000.0));
        assert_eq!(c.numeric_date("b"), ClaimValue::Present(1_700_000_000.5));
        for name in ["c", "d", "e", "f"] {
            assert_eq!(c.numeric_date(name), ClaimValue::Invalid, "{name}");
        }
        assert_eq!(c.numeric_date("g"), ClaimValue::Present(0.0));
        assert_eq!(c.numeric_date("missing"), ClaimValue::Absent);
    }

    #[test]
    fn huge_numbers_are_finite_floats() {
        let c = claims(json!({"a": u64::MAX, "b": 1e308}));
        assert!(matches!(c.numeric_date("a"), ClaimValue::Present(t) if t > 1.8e19));
        assert_eq!(c.numeric_date("b"), ClaimValue::Present(1e308));
    }

    #[test]
    fn string_or_array_rejects_non_string_elements() {
        let c = claims(json!({"one": "x", "many": ["x", "y"], "mixed": ["x", 1],
            "empty": [], "num": 42, "obj": {"x": 1}}));
        let one = c.str_or_array("one").present().unwrap();
        assert_eq!(one.iter().collect::<Vec<_>>(), ["x"]);
        let many = c.str_or_array("many").present().unwrap();
        assert_eq!(
            (many.len(), many.iter().collect::<Vec<_>>()),
            (2, vec!["x", "y"])
        );
        assert_eq!(c.str_or_array("empty").present().map(|a| a.len()), Some(0));
        for name in ["mixed", "num", "obj"] {
            assert_eq!(c.str_or_array(name), ClaimValue::Invalid, "{name}");
        }
        assert_eq!(c.str_or_array("missing"), ClaimValue::Absent);
    }

    #[test]
    fn string_is_tri_state() {
        let c = claims(json!({"s": "x", "n": 1, "z": null}));
        assert_eq!(c.string("s"), ClaimValue::Present("x"));
        assert_eq!(c.string("n"), ClaimValue::Invalid);
        assert_eq!(c.string("z"), ClaimValue::Invalid);
        assert_eq!(c.string("missing"), ClaimValue::Absent);
        assert!(c.contains("z") && !c.contains("missing"));
    }
}
