//! The claims set of a token: a strictly parsed JSON object with typed accessors.
//!
//! Typed reads are tri-state ([`ClaimValue`]): a claim of the wrong JSON type is `Invalid`,
//! never "absent". Treating a badly typed `exp` as missing is exactly CVE-2026-25537
//! (security.md JWT-T04, JWT-T10).

use serde_json::{Map, Value};
use std::sync::Arc;

/// A JWT claims set. Cheap to clone (shared).
#[derive(Clone, PartialEq)]
pub struct Claims(Arc<Inner>);

#[derive(PartialEq)]
struct Inner {
    map: Map<String, Value>,
    /// Which well-known claims the map holds ([`known_bit`]): verification and the
    /// principal ask for many claims a token does not have, and this answers "absent" for them
    /// without a tree search.
    present: u32,
}

/// The claims verification and [`crate::Principal`] look up (at most 32), in the bit order of
/// [`known_bit`], which a test checks against this list.
#[cfg(test)]
const KNOWN: [&str; 27] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "tid",
    "oid",
    "azp",
    "appid",
    "cid",
    "client_id",
    "scp",
    "scope",
    "roles",
    "groups",
    "permissions",
    "wids",
    "events",
    "nonce",
    "cnf",
    "idtyp",
    "gty",
    "name",
    "email",
    "preferred_username",
    "upn",
];

/// The bit of a [`KNOWN`] claim name, `None` for any other name.
fn known_bit(name: &str) -> Option<u32> {
    let index = match name {
        "iss" => 0,
        "sub" => 1,
        "aud" => 2,
        "exp" => 3,
        "nbf" => 4,
        "iat" => 5,
        "tid" => 6,
        "oid" => 7,
        "azp" => 8,
        "appid" => 9,
        "cid" => 10,
        "client_id" => 11,
        "scp" => 12,
        "scope" => 13,
        "roles" => 14,
        "groups" => 15,
        "permissions" => 16,
        "wids" => 17,
        "events" => 18,
        "nonce" => 19,
        "cnf" => 20,
        "idtyp" => 21,
        "gty" => 22,
        "name" => 23,
        "email" => 24,
        "preferred_username" => 25,
        "upn" => 26,
        _ => return None,
    };
    Some(1 << index)
}

impl std::fmt::Debug for Claims {
    /// Like the map itself: `Claims({"sub": String("alice"), ...})`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Claims").field(&self.0.map).finish()
    }
}

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
        let present = map
            .keys()
            .filter_map(|name| known_bit(name))
            .fold(0, |bits, bit| bits | bit);
        Claims(Arc::new(Inner { map, present }))
    }

    /// The raw JSON object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0.map
    }

    /// A claim's raw value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        match known_bit(name) {
            Some(bit) if self.0.present & bit == 0 => None,
            _ => self.0.map.get(name),
        }
    }

    /// A claim that is a JSON string. `None` when absent **or** of another type; use the
    /// verification pipeline, not this, to decide whether a token is acceptable.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }

    /// Whether the claim is present (with any value, even `null`).
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A string claim, tri-state.
    pub(crate) fn string(&self, name: &str) -> ClaimValue<&str> {
        match self.get(name) {
            None => ClaimValue::Absent,
            Some(Value::String(s)) => ClaimValue::Present(s),
            Some(_) => ClaimValue::Invalid,
        }
    }

    /// A NumericDate claim (RFC 7519 §2): any finite JSON number, fractional allowed. Strings,
    /// booleans, `null`, arrays and objects are `Invalid`, never `Absent` (JWT-T04, JWT-T08).
    pub(crate) fn numeric_date(&self, name: &str) -> ClaimValue<f64> {
        match self.get(name) {
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
        match self.get(name) {
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
    fn known_bits_name_the_known_claims() {
        for (i, name) in KNOWN.iter().enumerate() {
            assert_eq!(known_bit(name), Some(1 << i), "{name}");
        }
        for other in [
            "",
            "Iss",
            "iss ",
            "sub\u{0}",
            "x",
            "preferred_usernam",
            "ver",
        ] {
            assert_eq!(known_bit(other), None, "{other:?}");
        }
    }

    #[test]
    fn lookups_agree_with_the_map() {
        let mut map = Map::new();
        for (i, name) in KNOWN.iter().enumerate().filter(|(i, _)| i % 3 != 0) {
            map.insert((*name).to_owned(), json!(i));
        }
        map.insert("ver".into(), json!("2.0"));
        let c = Claims::new(map.clone());
        for name in KNOWN.iter().chain(&["ver", "other", ""]) {
            assert_eq!(c.get(name), map.get(*name), "{name}");
            assert_eq!(c.contains(name), map.contains_key(*name), "{name}");
        }
        assert_eq!(c.as_map(), &map);
        assert_eq!(format!("{c:?}"), format!("Claims({map:?})"));
        assert_eq!(c, Claims::new(map));
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
