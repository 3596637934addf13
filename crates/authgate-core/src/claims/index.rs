//! The inside of [`super::Claims`]: the decoded payload and a typed index of its top-level
//! members, built in one pass when the token is parsed.
//!
//! Strings without escapes are spans into the payload (no copy); nested objects and arrays
//! with a non-string element keep a `serde_json::Value`. The well-known claims the pipeline
//! reads are found through a fixed table ([`Claim`]), any other name by a scan.

use serde_json::{Number, Value};

/// Declares [`Claim`], one variant per well-known claim name, in slot order.
macro_rules! known_claims {
    ($($variant:ident = $name:literal,)*) => {
        /// A claim verification or [`crate::Principal`] looks up. Its table slot is its
        /// discriminant, so a lookup through a `Claim` compares no name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Claim {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        /// How many well-known claims have a slot.
        pub(crate) const KNOWN_COUNT: usize = [$($name),*].len();

        impl Claim {
            /// Every known claim, in slot order.
            #[cfg(test)]
            pub(crate) const ALL: [Claim; KNOWN_COUNT] = [$(Claim::$variant,)*];

            /// The claim's name.
            pub(crate) const fn name(self) -> &'static str {
                match self {
                    $(Claim::$variant => $name,)*
                }
            }
        }
    };
}

known_claims! {
    Iss = "iss",
    Sub = "sub",
    Aud = "aud",
    Exp = "exp",
    Nbf = "nbf",
    Iat = "iat",
    Tid = "tid",
    Oid = "oid",
    Azp = "azp",
    Appid = "appid",
    Cid = "cid",
    ClientId = "client_id",
    Scp = "scp",
    Scope = "scope",
    Roles = "roles",
    Groups = "groups",
    Permissions = "permissions",
    Wids = "wids",
    Events = "events",
    Nonce = "nonce",
    Cnf = "cnf",
    Idtyp = "idtyp",
    Gty = "gty",
    Name = "name",
    Email = "email",
    PreferredUsername = "preferred_username",
    Upn = "upn",
}

/// For each well-known claim, `1 +` the index of its member, or 0 when absent. `u32`, not
/// `usize`: the table is built, moved and kept once per token, and half the size moves in
/// registers instead of through `memcpy`. A token has at most a few thousand members (its size
/// is capped), and no map has 2^32.
pub(crate) type KnownTable = [u32; KNOWN_COUNT];

/// The [`KnownTable`] entry of the member at `index`.
#[inline]
pub(crate) fn known_entry(index: usize) -> u32 {
    // Saturates only past 2^32 - 1 members, which no claims set in memory has.
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

impl Claim {
    /// The well-known claim called `name`, if any.
    ///
    /// A `match` on the bytes, which the compiler turns into a switch on the length and a
    /// few word compares (a `match` on the `str` compares arm by arm). Every name of
    /// [`Claim::ALL`] must have its arm here: a test checks that each is found.
    #[inline]
    pub(crate) fn named(name: &str) -> Option<Claim> {
        let claim = match name.as_bytes() {
            b"iss" => Claim::Iss,
            b"sub" => Claim::Sub,
            b"aud" => Claim::Aud,
            b"exp" => Claim::Exp,
            b"nbf" => Claim::Nbf,
            b"iat" => Claim::Iat,
            b"tid" => Claim::Tid,
            b"oid" => Claim::Oid,
            b"azp" => Claim::Azp,
            b"appid" => Claim::Appid,
            b"cid" => Claim::Cid,
            b"client_id" => Claim::ClientId,
            b"scp" => Claim::Scp,
            b"scope" => Claim::Scope,
            b"roles" => Claim::Roles,
            b"groups" => Claim::Groups,
            b"permissions" => Claim::Permissions,
            b"wids" => Claim::Wids,
            b"events" => Claim::Events,
            b"nonce" => Claim::Nonce,
            b"cnf" => Claim::Cnf,
            b"idtyp" => Claim::Idtyp,
            b"gty" => Claim::Gty,
            b"name" => Claim::Name,
            b"email" => Claim::Email,
            b"preferred_username" => Claim::PreferredUsername,
            b"upn" => Claim::Upn,
            _ => return None,
        };
        Some(claim)
    }

    /// The claim's slot in a [`KnownTable`].
    #[inline]
    pub(crate) fn slot(self) -> usize {
        self as usize
    }
}

/// How a claim is looked up: by its [`Claim`] (a table slot) or by a name that is not a
/// well-known claim (a scan).
pub(crate) trait ClaimName: Copy {
    /// The well-known claim, or the name of another one.
    fn lookup(self) -> Result<Claim, Self>;

    /// The name, for a scan.
    fn as_name(&self) -> &str;
}

impl ClaimName for Claim {
    #[inline]
    fn lookup(self) -> Result<Claim, Self> {
        Ok(self)
    }

    fn as_name(&self) -> &str {
        self.name()
    }
}

impl ClaimName for &str {
    #[inline]
    fn lookup(self) -> Result<Claim, Self> {
        Claim::named(self).ok_or(self)
    }

    fn as_name(&self) -> &str {
        self
    }
}

/// A string of the claims: a span of the payload, or owned when it had escapes (or came from
/// a map).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Text {
    /// `payload[start..start + len]`.
    Span {
        /// Byte offset in the payload.
        start: u32,
        /// Length in bytes.
        len: u32,
    },
    /// An unescaped copy.
    Owned(Box<str>),
}

impl Text {
    /// The span of `s` inside `payload`, or a copy when `s` is not a slice of it.
    #[inline]
    pub(crate) fn of(payload: &str, s: &str) -> Text {
        // `s` lies within `payload`'s bytes exactly when its offset and length fit: then it
        // *is* those bytes, and a valid `str` inside a valid `str` starts and ends on character
        // boundaries. Holds for every string serde_json borrows from the payload.
        let start = (s.as_ptr() as usize).wrapping_sub(payload.as_ptr() as usize);
        let inside = start <= payload.len() && s.len() <= payload.len() - start;
        match (inside, u32::try_from(start), u32::try_from(s.len())) {
            (true, Ok(start), Ok(len)) => Text::Span { start, len },
            _ => Text::Owned(s.into()),
        }
    }

    /// The length of the text in bytes.
    #[inline]
    pub(crate) fn byte_len(&self) -> usize {
        match self {
            Text::Span { len, .. } => *len as usize,
            Text::Owned(s) => s.len(),
        }
    }

    /// The text of a span of `payload`; `None` for an owned text.
    #[inline]
    pub(crate) fn span_in<'p>(&self, payload: &'p str) -> Option<&'p str> {
        match self {
            Text::Span { start, len } => {
                let (start, len) = (*start as usize, *len as usize);
                payload.get(start..start + len)
            }
            Text::Owned(_) => None,
        }
    }

    /// The text, given the payload its span points into.
    #[inline]
    pub(crate) fn resolve<'a>(&'a self, payload: &'a str) -> &'a str {
        match self {
            Text::Span { start, len } => {
                let (start, len) = (*start as usize, *len as usize);
                payload.get(start..start + len).unwrap_or_default()
            }
            Text::Owned(s) => s,
        }
    }
}

/// A top-level claim value, typed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Typed {
    /// A JSON string.
    Str(Text),
    /// A JSON number, exactly as serde_json reads it.
    Number(Number),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An array whose elements are all strings (possibly empty).
    Strings(Box<[Text]>),
    /// An object, or an array with a non-string element.
    Other(Box<Value>),
}

impl Typed {
    /// The value read from a `serde_json::Value` (strings copied).
    pub(crate) fn from_value(value: &Value) -> Typed {
        match value {
            Value::String(s) => Typed::Str(Text::Owned(s.as_str().into())),
            Value::Number(n) => Typed::Number(n.clone()),
            Value::Bool(b) => Typed::Bool(*b),
            Value::Null => Typed::Null,
            Value::Array(items) if items.iter().all(Value::is_string) => Typed::Strings(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|s| Text::Owned(s.into()))
                    .collect(),
            ),
            Value::Array(_) | Value::Object(_) => Typed::Other(Box::new(value.clone())),
        }
    }

    /// The value as a `serde_json::Value`.
    pub(crate) fn to_value(&self, payload: &str) -> Value {
        let string = |t: &Text| Value::String(t.resolve(payload).to_owned());
        match self {
            Typed::Str(t) => string(t),
            Typed::Number(n) => Value::Number(n.clone()),
            Typed::Bool(b) => Value::Bool(*b),
            Typed::Null => Value::Null,
            Typed::Strings(items) => Value::Array(items.iter().map(string).collect()),
            Typed::Other(v) => (**v).clone(),
        }
    }
}

/// One top-level member.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member {
    /// The unescaped name.
    pub(crate) name: Text,
    /// The value.
    pub(crate) value: Typed,
}
