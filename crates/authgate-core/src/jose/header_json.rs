//! Reads the protected header straight from its strict JSON, without building a map.
//!
//! Only `alg`, `kid`, `x5t`, `typ`, `cty` and the refused `crit`, `b64`, `enc`, `zip` matter;
//! every other member is still parsed strictly (duplicate names refused at every depth, like
//! [`super::json`]) and then dropped. Member names are compared after unescaping, so
//! `"\u0061lg"` is `alg`, and a name seen twice refuses the header.
//!
//! A header in the [`flat`] subset (no escapes, no nesting: every header a real issuer sends)
//! is read by hand; any other goes, whole, to serde_json, which alone decides what is refused
//! and why.

use super::flat;
use super::json::{DUPLICATE, StrictVisitor, parse_object, reason};
use crate::claims::Typed;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A header member's value: a string (borrowed unless it has escapes), or any other strict
/// JSON value, validated and dropped.
#[cfg_attr(test, derive(Debug, PartialEq))]
pub(super) enum Member<'a> {
    /// A JSON string.
    Text(Cow<'a, str>),
    /// Any other JSON value.
    Other,
}

/// The members the header rules read, in the order [`super::Header`] checks them.
#[derive(Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
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
    read_members_with(bytes, read_flat_members)
}

/// [`read_members`] without the fast path: serde_json reads every header.
#[cfg(test)]
fn read_members_slow(bytes: &[u8]) -> Result<Members<'_>, &'static str> {
    read_members_with(bytes, |_| None)
}

/// [`read_members`], trying `fast` first: `None` from it hands the header to serde_json.
fn read_members_with<'a>(
    bytes: &'a [u8],
    fast: fn(&'a str) -> Option<Members<'a>>,
) -> Result<Members<'a>, &'static str> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        // Refused either way; the general parser names the reason.
        return parse_object(bytes).map(|_| Members::default());
    };
    if let Some(members) = fast(text) {
        return Ok(members);
    }
    match serde_json::from_str::<Top<'_>>(text).map_err(|e| reason(&e))? {
        Top::Object(members) => Ok(members),
        Top::NotObject => Err("not a JSON object"),
    }
}

/// The members of a header in the [`flat`] subset with distinct member names; `None` for
/// any other header.
fn read_flat_members(text: &str) -> Option<Members<'_>> {
    let mut members = Members::default();
    let mut others = Vec::new();
    flat::read_object(text, |name, value| {
        let name = name.span_in(text)?;
        let value = match value {
            Typed::Str(value) => Member::Text(Cow::Borrowed(value.span_in(text)?)),
            _ => Member::Other,
        };
        match members.slot(name) {
            Slot::Value(slot) => slot.replace(value).is_none().then_some(()),
            Slot::Flag(flag) => (!std::mem::replace(flag, true)).then_some(()),
            Slot::Other => {
                others.push(name);
                Some(())
            }
        }
    })?;
    distinct(&mut others).then_some(members)
}

/// Where a member's value goes.
enum Slot<'m, 'a> {
    /// A member the header rules read.
    Value(&'m mut Option<Member<'a>>),
    /// A member whose presence alone matters.
    Flag(&'m mut bool),
    /// Any other member (validated and dropped).
    Other,
}

impl<'a> Members<'a> {
    /// Where the member called `name` goes.
    fn slot(&mut self, name: &str) -> Slot<'_, 'a> {
        match name {
            "alg" => Slot::Value(&mut self.alg),
            "kid" => Slot::Value(&mut self.kid),
            "x5t" => Slot::Value(&mut self.x5t),
            "typ" => Slot::Value(&mut self.typ),
            "cty" => Slot::Value(&mut self.cty),
            "crit" => Slot::Flag(&mut self.crit),
            "b64" => Slot::Flag(&mut self.b64),
            "enc" => Slot::Flag(&mut self.enc),
            "zip" => Slot::Flag(&mut self.zip),
            _ => Slot::Other,
        }
    }
}

/// Whether `names` holds no name twice. Sorting keeps a header of thousands of unknown
/// members O(n log n), like a map.
fn distinct<T: Ord>(names: &mut [T]) -> bool {
    names.sort_unstable();
    !names
        .windows(2)
        .any(|pair| matches!(pair, [a, b] if a == b))
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
            match members.slot(&name) {
                Slot::Value(slot) => {
                    if slot.is_some() {
                        return Err(de::Error::custom(DUPLICATE));
                    }
                    *slot = Some(access.next_value::<Member<'de>>()?);
                }
                Slot::Flag(flag) => {
                    if std::mem::replace(flag, true) {
                        return Err(de::Error::custom(DUPLICATE));
                    }
                    access.next_value::<Member<'de>>()?;
                }
                Slot::Other => {
                    others.push(name);
                    access.next_value::<Member<'de>>()?;
                }
            }
        }
        if !distinct(&mut others) {
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
mod tests;
