//! Strict JSON objects: RFC 8259 only, no duplicate member names (after unescaping), bounded
//! depth and size.
//!
//! `serde_json::Value` keeps the last of two members with the same name; a checker that reads
//! one and a consumer that reads the other disagree (security.md JWT-A33, JWT-J01, JWT-J05). The
//! visitor here builds the same `Value` but refuses a repeated name at every depth. Nesting is
//! bounded by serde_json's recursion limit (128), so deep input fails fast without exhausting the
//! stack (JWT-J03). Comments, `NaN`, trailing commas, a byte-order mark, trailing data and lone
//! surrogates are refused by serde_json itself (JWT-J06, JWT-J10, JWT-J11, JWT-F16).

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// The error text of a repeated member name (also used by the header reader).
pub(super) const DUPLICATE: &str = "duplicate member name";

/// Parses `bytes` as one strict JSON **object** (anything else is refused).
///
/// The error is a short reason that never quotes the input.
pub(crate) fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, &'static str> {
    // One UTF-8 check of the whole input is far cheaper than serde_json's check of each string
    // from a byte slice. Invalid UTF-8 is refused either way; the slice parser then names the
    // reason exactly as it would have.
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str::<Strict>(text),
        Err(_) => serde_json::from_slice::<Strict>(bytes),
    };
    match parsed.map_err(|e| reason(&e))?.0 {
        Value::Object(map) => Ok(map),
        _ => Err("not a JSON object"),
    }
}

/// Why serde_json refused the input, without its position or any input text.
pub(super) fn reason(error: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    let message = error.to_string();
    if message.starts_with(DUPLICATE) {
        return DUPLICATE;
    }
    if message.starts_with("recursion limit exceeded") {
        return "nesting too deep";
    }
    match error.classify() {
        Category::Io => "read error",
        Category::Syntax => "invalid JSON syntax",
        Category::Data => "invalid JSON value",
        Category::Eof => "truncated JSON",
    }
}

/// A JSON value whose objects (at any depth) have no duplicate member names.
pub(super) struct Strict(pub(super) Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

/// Builds a [`Value`] from strict JSON; also validates the values the header reader skips.
pub(super) struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    /// Collects the members in document order, then builds the map in one go (a sorted bulk
    /// build is much cheaper than one tree search and insertion per member). Building drops
    /// repeated names, so a map smaller than the member list means a duplicate: the whole
    /// object is refused.
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut members = Vec::with_capacity(access.size_hint().unwrap_or(16).min(64));
        while let Some(name) = access.next_key::<String>()? {
            members.push((name, access.next_value::<Strict>()?.0));
        }
        let count = members.len();
        let map: Map<String, Value> = members.into_iter().collect();
        if map.len() != count {
            return Err(de::Error::custom(DUPLICATE));
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> bool {
        parse_object(text.as_bytes()).is_ok()
    }

    #[test]
    fn plain_objects_parse_like_serde_json() {
        let text = r#"{"a":1,"b":[true,null,-2,1.5,"x"],"c":{"d":"\u00e9"}}"#;
        let strict = parse_object(text.as_bytes()).unwrap();
        let loose: Value = serde_json::from_str(text).unwrap();
        assert_eq!(Value::Object(strict), loose);
    }

    #[test]
    fn duplicates_are_refused_at_every_depth() {
        assert!(!ok(r#"{"a":1,"a":1}"#));
        assert!(!ok(r#"{"x":{"a":1,"a":2}}"#));
        assert!(!ok(r#"{"x":[{"a":1,"a":2}]}"#));
        assert!(!ok(r#"{"sub":"alice","\u0073ub":"admin"}"#));
        assert!(ok(r#"{"a":{"a":1},"b":{"a":1}}"#));
    }

    #[test]
    fn only_objects_are_accepted() {
        for text in ["[]", "\"s\"", "1", "null", "true"] {
            assert!(!ok(text), "{text}");
        }
    }

    #[test]
    fn non_strict_json_is_refused() {
        for text in [
            "{\"a\":1,}",
            "{'a':1}",
            "{\"a\":NaN}",
            "{\"a\":Infinity}",
            "{\"a\":1}/*c*/",
            "{\"a\":1} x",
            "\u{feff}{\"a\":1}",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":1e400}",
            "{\"a\":",
        ] {
            assert!(!ok(text), "{text:?}");
        }
    }

    #[test]
    fn invalid_utf8_is_refused_anywhere() {
        for bytes in [
            &b"{\"a\":\"\xff\"}"[..],
            b"{\"\xc3\":1}",
            b"{\"a\":1}\xff",
            b"\xef\xbb\xbf{\"a\":1}",
            b"{\"a\":\"\xed\xa0\x80\"}",
        ] {
            assert!(parse_object(bytes).is_err(), "{bytes:?}");
        }
        assert_eq!(
            parse_object("{\"é\":\"ключ\"}".as_bytes())
                .unwrap()
                .get("é"),
            Some(&Value::String("ключ".into()))
        );
    }

    #[test]
    fn deep_nesting_fails_without_overflow() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(!ok(&deep));
        let within = format!("{{\"a\":{}{}}}", "[".repeat(100), "]".repeat(100));
        assert!(ok(&within));
    }
}
