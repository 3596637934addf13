//! The claims set of a token: a strictly parsed JSON object with typed accessors.
//!
//! Typed reads are tri-state ([`ClaimValue`]): a claim of the wrong JSON type is `Invalid`,
//! never "absent". Treating a badly typed `exp` as missing is exactly CVE-2026-25537
//! (security.md JWT-T04, JWT-T10).
//!
//! A parsed token keeps its decoded payload and a typed index of the top-level members
//! ([`index`]); the `serde_json` map is built only when asked for ([`Claims::as_map`],
//! [`Claims::get`]), once.

mod build;
mod index;
#[cfg(test)]
mod tests;

pub(crate) use build::IndexBuilder;
pub(crate) use index::{Claim, ClaimName, KnownTable, Member, Text, Typed};

use serde_json::{Map, Value};
use std::sync::{Arc, OnceLock};

/// A JWT claims set. Cheap to clone (shared).
#[derive(Clone)]
pub struct Claims(Arc<Inner>);

struct Inner {
    /// The decoded payload that [`Text::Span`]s point into (empty for [`Claims::new`]).
    payload: Box<str>,
    /// The top-level members in document order, names unique.
    members: Vec<Member>,
    /// Where the well-known claims are ([`Claim::slot`]): verification and the principal ask
    /// for many claims a token does not have, and this answers without a search.
    known: KnownTable,
    /// The whole object as a map, built on first use.
    map: OnceLock<Map<String, Value>>,
}

impl std::fmt::Debug for Claims {
    /// Like the map itself: `Claims({"sub": String("alice"), ...})`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Claims").field(self.as_map()).finish()
    }
}

impl PartialEq for Claims {
    /// Equal when the claims sets are (the same JSON object).
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.as_map() == other.as_map()
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
    /// An array whose elements are all strings.
    Many(Strings<'a>),
}

/// The elements of an all-string array claim.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Strings<'a> {
    payload: &'a str,
    items: &'a [Text],
}

impl<'a> StrOrArray<'a> {
    /// How many values there are.
    pub(crate) fn len(&self) -> usize {
        match self {
            StrOrArray::One(_) => 1,
            StrOrArray::Many(strings) => strings.items.len(),
        }
    }

    /// Whether there are no values (an empty array).
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let (one, many) = match *self {
            StrOrArray::One(s) => (Some(s), Strings::default()),
            StrOrArray::Many(strings) => (None, strings),
        };
        let Strings { payload, items } = many;
        one.into_iter()
            .chain(items.iter().map(move |t| t.resolve(payload)))
    }
}

impl Claims {
    /// Wraps an already strictly parsed JSON object.
    pub fn new(map: Map<String, Value>) -> Self {
        let (members, known) = build::index_map(&map);
        Claims(Arc::new(Inner {
            payload: Box::default(),
            members,
            known,
            map: OnceLock::from(map),
        }))
    }

    /// Claims read by the payload parser: `members` are unique and their spans point into
    /// `payload`; `known` locates the well-known ones.
    pub(crate) fn from_index(payload: Box<str>, members: Vec<Member>, known: KnownTable) -> Self {
        Claims(Arc::new(Inner {
            payload,
            members,
            known,
            map: OnceLock::new(),
        }))
    }

    /// The raw JSON object (built on first use from a parsed token, then kept).
    pub fn as_map(&self) -> &Map<String, Value> {
        let inner = &*self.0;
        inner.map.get_or_init(|| {
            inner
                .members
                .iter()
                .map(|m| {
                    let name = m.name.resolve(&inner.payload).to_owned();
                    (name, m.value.to_value(&inner.payload))
                })
                .collect()
        })
    }

    /// A claim's raw value (builds the map on first use; the typed accessors do not).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.member(name)?;
        self.as_map().get(name)
    }

    /// A claim that is a JSON string. `None` when absent **or** of another type; use the
    /// verification pipeline, not this, to decide whether a token is acceptable.
    #[inline]
    pub fn get_str(&self, name: &str) -> Option<&str> {
        self.string(name).present()
    }

    /// [`Claims::get_str`] for the pipeline (a [`Claim`] needs no name comparison).
    #[inline]
    pub(crate) fn str_of(&self, name: impl ClaimName) -> Option<&str> {
        self.string(name).present()
    }

    /// Whether the claim is present (with any value, even `null`).
    #[inline]
    pub fn contains(&self, name: &str) -> bool {
        self.has(name)
    }

    /// [`Claims::contains`] for the pipeline.
    #[inline]
    pub(crate) fn has(&self, name: impl ClaimName) -> bool {
        self.member(name).is_some()
    }

    /// `nbf` when it is a finite JSON number (a verified token's always is), without
    /// building the map: the verified-token cache re-checks it on every hit.
    #[inline]
    pub fn not_before(&self) -> Option<f64> {
        self.numeric_date(Claim::Nbf).present()
    }

    /// `iat` when it is a finite JSON number, without building the map (as
    /// [`Claims::not_before`]).
    #[inline]
    pub fn issued_at(&self) -> Option<f64> {
        self.numeric_date(Claim::Iat).present()
    }

    /// A string claim, tri-state.
    #[inline]
    pub(crate) fn string(&self, name: impl ClaimName) -> ClaimValue<&str> {
        match self.member(name) {
            None => ClaimValue::Absent,
            Some(Typed::Str(s)) => ClaimValue::Present(s.resolve(&self.0.payload)),
            Some(_) => ClaimValue::Invalid,
        }
    }

    /// A NumericDate claim (RFC 7519 §2): any finite JSON number, fractional allowed. Strings,
    /// booleans, `null`, arrays and objects are `Invalid`, never `Absent` (JWT-T04, JWT-T08).
    #[inline]
    pub(crate) fn numeric_date(&self, name: impl ClaimName) -> ClaimValue<f64> {
        match self.member(name) {
            None => ClaimValue::Absent,
            Some(Typed::Number(n)) => match n.as_f64() {
                Some(t) if t.is_finite() => ClaimValue::Present(t),
                _ => ClaimValue::Invalid,
            },
            Some(_) => ClaimValue::Invalid,
        }
    }

    /// A claim that is a string or an array of strings. An array with any non-string element
    /// is `Invalid` (JWT-D06); an empty array is `Present` (callers decide).
    #[inline]
    pub(crate) fn str_or_array(&self, name: impl ClaimName) -> ClaimValue<StrOrArray<'_>> {
        let payload = &self.0.payload;
        match self.member(name) {
            None => ClaimValue::Absent,
            Some(Typed::Str(s)) => ClaimValue::Present(StrOrArray::One(s.resolve(payload))),
            Some(Typed::Strings(items)) => {
                ClaimValue::Present(StrOrArray::Many(Strings { payload, items }))
            }
            Some(_) => ClaimValue::Invalid,
        }
    }

    /// A claim that is a JSON object, tri-state (`cnf`).
    #[inline]
    pub(crate) fn object(&self, name: impl ClaimName) -> ClaimValue<()> {
        match self.member(name) {
            None => ClaimValue::Absent,
            Some(Typed::Other(value)) if value.is_object() => ClaimValue::Present(()),
            Some(_) => ClaimValue::Invalid,
        }
    }

    /// The value of the member called `name`.
    #[inline]
    fn member(&self, name: impl ClaimName) -> Option<&Typed> {
        let inner = &*self.0;
        let member = match name.lookup() {
            Ok(claim) => {
                let position = inner.known.get(claim.slot())?.checked_sub(1)?;
                inner.members.get(position as usize)
            }
            Err(other) => inner
                .members
                .iter()
                .find(|m| m.name.resolve(&inner.payload) == other.as_name()),
        };
        member.map(|m| &m.value)
    }
}
