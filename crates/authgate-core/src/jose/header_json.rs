//! Reads the protected header straight from its strict JSON, without building a map.
//!
//! Only `alg`, `kid`, `x5t`, `typ`, `cty` and the refused `crit`, `b64`, `enc`, `zip` matter;
//! every other member is still parsed strictly (duplicate names refused at every depth, like
//! [`super::json`]) and then dropped. Member names are compared after unescaping, so
//! `"\u0061lg"` is `alg`, and a name seen twice refuses the header.

use super::json::{DUPLICATE, StrictVisitor, parse_object, reason};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A header member's value: a string (borrowed unless it has escapes), or any other strict
/// JSON value, validated and dropped.
pub(super) enum Member<'a> {
    /// A JSON string.
    Text(Cow<'a, str>),
    /// Any other JSON value.
    Other,
}

/// The members the header rules read, in the order [`super::Header`] checks them.
#[derive(Default)]
pub(super) struct Members<'a> {
    pub(super) alg: Option<Member<'a>>,
    pub(super) kid: Option<Member<'a>>,
    pub(super) x5t: Option<Member<'a>>,
    pub(super) typ: Option<Member<'a>>,
    pub(super) cty: Option<Member<'a>>,
    pub(super) crit: bool,
    pub(super) b64: bool,
    pub(super) enc: bool,
    pub(super) zip: bool,
}

/// Reads a header from `bytes`, which must be one strict JSON object. The error is the same
/// short reason [`parse_object`] gives (never quoting the input).
pub(super) fn read_members(bytes: &[u8]) -> Result<Members<'_>, &'static str> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        // Refused either way; the general parser names the reason.
        return parse_object(bytes).map(|_| Members::default());
    };
    match serde_json::from_str::<Top<'_>>(text).map_err(|e| reason(&e))? {
        Top::Object(members) => Ok(members),
        Top::NotObject => Err("not a JSON object"),
    }
}

/// The whole document: the header object, or a valid JSON value of another type.
enum Top<'a> {
    Object(Members<'a>),
    NotObject,
}

impl<'de> Deserialize<'de> for Top<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TopVisitor)
    }
}

impl<'de> Deserialize<'de> for Member<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MemberVisitor)
    }
}

/// A member name, unescaped (borrowed when it has no escapes).
struct Name<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_str(MemberVisitor)? {
            Member::Text(name) => Ok(Name(name)),
            Member::Other => Err(de::Error::custom("member name is not a string")),
        }
    }
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Top<'de>, E> {
        Ok(Top::NotObject)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Top<'de>, E> {
        Ok(Top::NotObject)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Top<'de>, E> {
        Ok(Top::NotObject)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Top<'de>, E> {
        StrictVisitor.visit_f64(v).map(|_| Top::NotObject)
    }

    fn visit_str<E>(self, _: &str) -> Result<Top<'de>, E> {
        Ok(Top::NotObject)
    }

    fn visit_unit<E>(self) -> Result<Top<'de>, E> {
        Ok(Top::NotObject)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Top<'de>, A::Error> {
        StrictVisitor.visit_seq(seq).map(|_| Top::NotObject)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Top<'de>, A::Error> {
        let mut members = Members::default();
        // Names of members no rule reads, kept only to refuse their repetition (checked at the
        // end, after sorting).
        let mut others: Vec<Cow<'de, str>> = Vec::new();
        while let Some(Name(name)) = access.next_key::<Name<'de>>()? {
            let slot = match &*name {
                "alg" => &mut members.alg,
                "kid" => &mut members.kid,
                "x5t" => &mut members.x5t,
                "typ" => &mut members.typ,
                "cty" => &mut members.cty,
                _ => {
                    let flag = match &*name {
                        "crit" => Some(&mut members.crit),
                        "b64" => Some(&mut members.b64),
                        "enc" => Some(&mut members.enc),
                        "zip" => Some(&mut members.zip),
                        _ => None,
                    };
                    match flag {
                        Some(flag) => {
                            if std::mem::replace(flag, true) {
                                return Err(de::Error::custom(DUPLICATE));
                            }
                        }
                        None => others.push(name),
                    }
                    access.next_value::<Member<'de>>()?;
                    continue;
                }
            };
            if slot.is_some() {
                return Err(de::Error::custom(DUPLICATE));
            }
            *slot = Some(access.next_value::<Member<'de>>()?);
        }
        // Sorting keeps a header of thousands of unknown members O(n log n), like a map.
        others.sort_unstable();
        if others
            .windows(2)
            .any(|pair| matches!(pair, [a, b] if a == b))
        {
            return Err(de::Error::custom(DUPLICATE));
        }
        Ok(Top::Object(members))
    }
}

struct MemberVisitor;

impl<'de> Visitor<'de> for MemberVisitor {
    type Value = Member<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Member<'de>, E> {
        Ok(Member::Other)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Member<'de>, E> {
        Ok(Member::Other)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Member<'de>, E> {
        Ok(Member::Other)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Member<'de>, E> {
        StrictVisitor.visit_f64(v).map(|_| Member::Other)
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Member<'de>, E> {
        Ok(Member::Text(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Member<'de>, E> {
        Ok(Member::Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Member<'de>, E> {
        Ok(Member::Text(Cow::Owned(v)))
    }

    fn visit_unit<E>(self) -> Result<Member<'de>, E> {
        Ok(Member::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Member<'de>, A::Error> {
        StrictVisitor.visit_seq(seq).map(|_| Member::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Member<'de>, A::Error> {
        StrictVisitor.visit_map(access).map(|_| Member::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(text: &str) -> Result<Members<'_>, &'static str> {
        read_members(text.as_bytes())
    }

    fn text<'a>(member: &'a Option<Member<'_>>) -> Option<&'a str> {
        match member {
            Some(Member::Text(s)) => Some(s),
            _ => None,
        }
    }

    #[test]
    fn reads_known_members_after_unescaping() {
        let m = members(r#"{"\u0061lg":"RS256","kid":"k\"1","x":{"a":[1,{"b":2}]},"crit":[]}"#)
            .unwrap();
        assert_eq!(text(&m.alg), Some("RS256"));
        assert_eq!(text(&m.kid), Some("k\"1"));
        assert!(m.crit && !m.b64 && !m.enc && !m.zip && m.typ.is_none());
        let m = members(r#"{"alg":1,"typ":null}"#).unwrap();
        assert!(matches!(m.alg, Some(Member::Other)) && matches!(m.typ, Some(Member::Other)));
    }

    #[test]
    fn refuses_what_the_strict_parser_refuses() {
        for bad in [
            r#"{"alg":"RS256","alg":"HS256"}"#,
            r#"{"alg":"RS256","\u0061lg":"HS256"}"#,
            r#"{"crit":[],"crit":[]}"#,
            r#"{"x":1,"x":2}"#,
            r#"{"x":1,"\u0078":2}"#,
            r#"{"x":{"a":1,"a":2}}"#,
            r#"{"x":[{"a":1,"a":2}]}"#,
            r#"{"alg":"RS256",}"#,
            "\u{feff}{\"alg\":\"RS256\"}",
            r#"{"alg":"RS256"} x"#,
            r#"{"alg":"\ud800"}"#,
            r#"{"x":1e400}"#,
            r#"{"alg":"#,
        ] {
            assert_eq!(
                members(bad).map(|_| ()),
                parse_object(bad.as_bytes()).map(|_| ()),
                "{bad}"
            );
            assert!(members(bad).is_err(), "{bad}");
        }
        for other in ["[]", "\"s\"", "1", "null", "true", "1.5"] {
            assert_eq!(members(other).map(|_| ()), Err("not a JSON object"));
        }
        assert!(read_members(b"{\"alg\":\"\xff\"}").is_err());
        let many: Vec<String> = (0..2000).map(|i| format!("\"m{i}\":0")).collect();
        let many = format!("{{\"alg\":\"RS256\",{}}}", many.join(","));
        assert!(members(&many).is_ok());
        let repeated = format!("{},\"m1999\":1}}", many.trim_end_matches('}'));
        assert_eq!(members(&repeated).map(|_| ()), Err(DUPLICATE));
        let deep = format!("{{\"x\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(members(&deep).map(|_| ()), Err("nesting too deep"));
    }
}
