//! Reads the payload straight into [`Claims`]' typed index, in one pass, without a map.
//!
//! A payload in a simple subset of JSON (flat, no escapes, integers only: what access tokens
//! look like) is read by hand ([`flat`]); any other goes, whole, to serde_json, which alone
//! decides what is refused and why (property tests hold the two to the same index).
//!
//! serde_json is the syntax engine of that general path, driven by the visitors below:
//! top-level strings without escapes arrive borrowed and become spans of the payload; numbers,
//! booleans and `null` are kept typed; an array of strings becomes a list of spans; anything
//! nested goes through [`StrictVisitor`]. The input is refused exactly when [`parse_object`]
//! refuses it, with the same reason (a property test pins both): RFC 8259 only, no repeated
//! member name after unescaping at any depth, bounded nesting, UTF-8 without lone surrogates,
//! nothing after the object.

use super::flat;
use super::json::{DUPLICATE, Strict, StrictVisitor, parse_object, reason};
use crate::claims::{Claims, IndexBuilder, KnownTable, Member, Text, Typed};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// Parses the decoded payload as one strict JSON object. The error is the short reason
/// [`parse_object`] gives for the same input (never quoting it).
pub(crate) fn parse_claims(bytes: Vec<u8>) -> Result<Claims, &'static str> {
    parse_claims_with(bytes, read_flat_index)
}

/// The index of a payload in the [`flat`] subset with distinct member names; `None` for any
/// other payload.
fn read_flat_index(payload: &str) -> Option<(Vec<Member>, KnownTable)> {
    let mut index = IndexBuilder::new(payload);
    flat::read_object(payload, |name, value| {
        index.push(name, value);
        Some(())
    })?;
    // A repeated name: the serde_json visitor refuses it, with its own first error.
    index.finish()
}

/// [`parse_claims`] without the fast path: serde_json reads every payload.
#[cfg(test)]
fn parse_claims_slow(bytes: Vec<u8>) -> Result<Claims, &'static str> {
    parse_claims_with(bytes, |_| None)
}

/// [`parse_claims`], trying `fast` first: `None` from it hands the payload to serde_json.
fn parse_claims_with(bytes: Vec<u8>, fast: FastPath) -> Result<Claims, &'static str> {
    let payload = match String::from_utf8(bytes) {
        Ok(text) => text.into_boxed_str(),
        // Refused either way; the general parser names the reason.
        Err(e) => return Err(parse_object(e.as_bytes()).err().unwrap_or("invalid UTF-8")),
    };
    let (members, known) = match fast(&payload) {
        Some(index) => index,
        None => read_index(&payload)?,
    };
    Ok(Claims::from_index(payload, members, known))
}

/// A reader of the payload's index that may decline (`None`) but never refuses.
type FastPath = fn(&str) -> Option<(Vec<Member>, KnownTable)>;

/// The members of the object in `payload` and its known-claim table.
fn read_index(payload: &str) -> Result<(Vec<Member>, KnownTable), &'static str> {
    let mut deserializer = serde_json::Deserializer::from_str(payload);
    let top = Top { payload }
        .deserialize(&mut deserializer)
        .and_then(|top| deserializer.end().map(|()| top))
        .map_err(|e| reason(&e))?;
    top.ok_or("not a JSON object")
}

/// The whole document: `Some` index for an object, `None` for a valid value of another type.
#[derive(Clone, Copy)]
struct Top<'p> {
    payload: &'p str,
}

impl<'de> DeserializeSeed<'de> for Top<'de> {
    type Value = Option<(Vec<Member>, KnownTable)>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'de> {
    type Value = Option<(Vec<Member>, KnownTable)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        StrictVisitor.visit_f64(v).map(|_| None)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        StrictVisitor.visit_seq(seq).map(|_| None)
    }

    /// Indexes the members in document order. Like [`StrictVisitor`], a repeated name refuses
    /// the object only after every member parsed, so both report the same first error.
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let seed = TopValue {
            payload: self.payload,
        };
        let mut index = IndexBuilder::new(self.payload);
        while let Some(name) = access.next_key_seed(seed)? {
            let Typed::Str(name) = name else {
                return Err(de::Error::custom("member name is not a string"));
            };
            index.push(name, access.next_value_seed(seed)?);
        }
        let index = index.finish().ok_or_else(|| de::Error::custom(DUPLICATE))?;
        Ok(Some(index))
    }
}

/// Reads one top-level value (or member name) as [`Typed`].
#[derive(Clone, Copy)]
struct TopValue<'p> {
    payload: &'p str,
}

impl<'de> DeserializeSeed<'de> for TopValue<'de> {
    type Value = Typed;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Typed, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopValue<'de> {
    type Value = Typed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Typed, E> {
        Ok(Typed::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Typed, E> {
        Ok(Typed::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Typed, E> {
        Ok(Typed::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Typed, E> {
        match StrictVisitor.visit_f64(v)? {
            Value::Number(n) => Ok(Typed::Number(n)),
            _ => Err(E::custom("non-finite number")),
        }
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Typed, E> {
        Ok(Typed::Str(Text::of(self.payload, v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Typed, E> {
        Ok(Typed::Str(Text::Owned(v.into())))
    }

    fn visit_unit<E>(self) -> Result<Typed, E> {
        Ok(Typed::Null)
    }

    /// Strings are kept as [`Text`] until an element of another type turns up; from there
    /// the array is an ordinary strict [`Value`].
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Typed, A::Error> {
        let mut texts = Vec::new();
        while let Some(element) = seq.next_element_seed(self)? {
            match element {
                Typed::Str(text) => texts.push(text),
                other => return self.rest_of_array(texts, other, seq),
            }
        }
        Ok(Typed::Strings(texts.into_boxed_slice()))
    }

    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Typed, A::Error> {
        StrictVisitor
            .visit_map(access)
            .map(|v| Typed::Other(Box::new(v)))
    }
}

impl<'de> TopValue<'de> {
    /// The array whose elements so far were `texts`, then `first_other` (not a string), then
    /// whatever `seq` still holds.
    fn rest_of_array<A: SeqAccess<'de>>(
        self,
        texts: Vec<Text>,
        first_other: Typed,
        mut seq: A,
    ) -> Result<Typed, A::Error> {
        let mut items: Vec<Value> = texts
            .iter()
            .map(|t| Value::String(t.resolve(self.payload).to_owned()))
            .collect();
        items.push(first_other.to_value(self.payload));
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Typed::Other(Box::new(Value::Array(items))))
    }
}

#[cfg(test)]
mod tests;
