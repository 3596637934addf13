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

/// For each well-known claim, `1 +` the index of its member, or 0 when absent.
pub(crate) type KnownTable = [usize; KNOWN_COUNT];

impl Claim {
    /// The well-known claim called `name`, if any.
    ///
    /// Length, first and last byte tell the known names apart (a test checks it), so one
    /// comparison confirms the candidate.
    #[inline]
    pub(crate) fn named(name: &str) -> Option<Claim> {
        let bytes = name.as_bytes();
        let (&first, &last) = (bytes.first()?, bytes.last()?);
        let claim = match (bytes.len(), first, last) {
            (3, b'i', b's') => Claim::Iss,
            (3, b's', b'b') => Claim::Sub,
            (3, b'a', b'd') => Claim::Aud,
            (3, b'e', b'p') => Claim::Exp,
            (3, b'n', b'f') => Claim::Nbf,
            (3, b'i', b't') => Claim::Iat,
            (3, b't', b'd') => Claim::Tid,
            (3, b'o', b'd') => Claim::Oid,
            (3, b'a', b'p') => Claim::Azp,
            (5, b'a', b'd') => Claim::Appid,
            (3, b'c', b'd') => Claim::Cid,
            (9, b'c', b'd') => Claim::ClientId,
            (3, b's', b'p') => Claim::Scp,
            (5, b's', b'e') => Claim::Scope,
            (5, b'r', b's') => Claim::Roles,
            (6, b'g', b's') => Claim::Groups,
            (11, b'p', b's') => Claim::Permissions,
            (4, b'w', b's') => Claim::Wids,
            (6, b'e', b's') => Claim::Events,
            (5, b'n', b'e') => Claim::Nonce,
            (3, b'c', b'f') => Claim::Cnf,
            (5, b'i', b'p') => Claim::Idtyp,
            (3, b'g', b'y') => Claim::Gty,
            (4, b'n', b'e') => Claim::Name,
            (5, b'e', b'l') => Claim::Email,
            (18, b'p', b'e') => Claim::PreferredUsername,
            (3, b'u', b'n') => Claim::Upn,
            _ => return None,
        };
        // Same length already: a short byte loop, cheaper here than a call to `memcmp`.
        let same = claim.name().bytes().zip(bytes).all(|(a, &b)| a == b);
        same.then_some(claim)
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
