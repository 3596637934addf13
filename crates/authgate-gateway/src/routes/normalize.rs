//! Request-path normalisation, shared by the proxy and forward-auth.

/// Why a request path cannot be routed (answered 400, never proxied). The text is a fixed,
/// client-safe description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPath(pub &'static str);

impl std::fmt::Display for BadPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for BadPath {}

const NOT_ABSOLUTE: BadPath = BadPath("the path must start with /");
const ENCODED_SEPARATOR: BadPath = BadPath("encoded / and \\ are not allowed in the path");
const BACKSLASH: BadPath = BadPath("\\ is not allowed in the path");
const CONTROL: BadPath = BadPath("control characters are not allowed in the path");
const BAD_ESCAPE: BadPath = BadPath("malformed percent-encoding in the path");
const NOT_ASCII: BadPath = BadPath("the path must be ASCII (percent-encode other characters)");
const SEMICOLON: BadPath = BadPath("; is not allowed in the path");
const NOT_NORMAL: BadPath = BadPath(
    "the path must be in normal form here (no . or .. or empty segments, no escaped unreserved \
     characters)",
);

/// Normalises a request path exactly once, the same way for the proxy and for forward-auth:
/// percent-decoding of unreserved characters, `.`/`..` segments resolved, duplicate slashes
/// collapsed; encoded slashes, backslashes, `;`, NUL and control characters refused.
///
/// Steps, in order:
/// 1. The path must start with `/` and be ASCII.
/// 2. Percent-escapes of RFC 3986 §2.3 unreserved characters (`A-Z a-z 0-9 - . _ ~`) are
///    decoded; other escapes are kept with upper-case hex (RFC 3986 §6.2.2.1). An escaped
///    `/` or `\`, an escaped or raw control character (NUL included), a raw `\` and a raw or
///    escaped `;` are refused, because servers behind the gateway disagree about what they
///    mean (Tomcat and Spring drop `;params` from a segment: `/api/admin;x/users` would match a
///    weaker route here and reach `/api/admin/users` there; security.md BCP-16).
/// 3. Empty segments (`//`) are dropped and dot-segments resolved (RFC 3986 §5.2.4); `..` never
///    climbs above the root. A path ending in a `.`/`..` segment or a `/` keeps a trailing `/`.
///
/// # Security
///
/// Decoding happens once, before dot-segments are resolved, so `/api/%2e%2e/admin` is
/// `/admin` for the route matcher and for the upstream alike; a double-encoded `%252e` stays
/// `%252E` and is never decoded a second time.
pub fn normalize_path(raw: &str) -> Result<String, BadPath> {
    if !raw.starts_with('/') {
        return Err(NOT_ABSOLUTE);
    }
    let decoded = decode_unreserved(raw)?;
    Ok(resolve_segments(&decoded))
}

/// [`normalize_path`] for a request the gateway does not forward itself (forward-auth): the
/// proxy in front sends the client's path to the application as it came, so a path that
/// normalisation would change is refused. Otherwise `/api/data/%2e%2e/%2e%2e/public/x` would
/// be decided as `/public/x` while an application that does not resolve dot segments itself
/// serves it from its `/api/data` handler. Only the case of hex digits in escapes may differ
/// (`%c3%a9` is `%C3%A9`: the same bytes once decoded, as some encoders write them).
pub fn normalize_exact(raw: &str) -> Result<String, BadPath> {
    let normal = normalize_path(raw)?;
    if same_but_hex_case(&normal, raw) {
        Ok(normal)
    } else {
        Err(NOT_NORMAL)
    }
}

/// Whether `normal` equals `raw` where only the two characters after each `%` of `raw` may
/// differ in ASCII case.
fn same_but_hex_case(normal: &str, raw: &str) -> bool {
    let mut hex_left = 0;
    normal.len() == raw.len()
        && normal.bytes().zip(raw.bytes()).all(|(n, r)| {
            let same = if hex_left > 0 {
                hex_left -= 1;
                n.eq_ignore_ascii_case(&r)
            } else {
                n == r
            };
            if r == b'%' {
                hex_left = 2;
            }
            same
        })
}

/// Step 2: decodes unreserved escapes and refuses the dangerous characters.
fn decode_unreserved(raw: &str) -> Result<String, BadPath> {
    let mut out = String::with_capacity(raw.len());
    let mut bytes = raw.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'%' => {
                let (hi, lo) = (bytes.next(), bytes.next());
                let value = hex_pair(hi, lo).ok_or(BAD_ESCAPE)?;
                push_escaped(&mut out, value)?;
            }
            b'\\' => return Err(BACKSLASH),
            b';' => return Err(SEMICOLON),
            _ if b.is_ascii_control() => return Err(CONTROL),
            _ if !b.is_ascii() => return Err(NOT_ASCII),
            _ => out.push(char::from(b)),
        }
    }
    Ok(out)
}

/// Appends one decoded escape: unreserved characters literally, others re-encoded.
fn push_escaped(out: &mut String, value: u8) -> Result<(), BadPath> {
    if value == b'/' || value == b'\\' {
        return Err(ENCODED_SEPARATOR);
    }
    if value == b';' {
        return Err(SEMICOLON);
    }
    if value.is_ascii_control() {
        return Err(CONTROL);
    }
    if value.is_ascii_alphanumeric() || matches!(value, b'-' | b'.' | b'_' | b'~') {
        out.push(char::from(value));
    } else {
        out.push_str(&format!("%{value:02X}"));
    }
    Ok(())
}

/// The byte of two hex digits.
fn hex_pair(hi: Option<u8>, lo: Option<u8>) -> Option<u8> {
    let digit = |b: Option<u8>| char::from(b?).to_digit(16);
    let value = digit(hi)? * 16 + digit(lo)?;
    u8::try_from(value).ok()
}

/// Step 3: drops empty segments and resolves `.` and `..` without leaving the root.
fn resolve_segments(path: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let mut trailing_slash = false;
    for segment in path.split('/').skip(1) {
        trailing_slash = matches!(segment, "" | "." | "..");
        match segment {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            s => kept.push(s),
        }
    }
    let mut out = String::with_capacity(path.len());
    for segment in &kept {
        out.push('/');
        out.push_str(segment);
    }
    if trailing_slash || kept.is_empty() {
        out.push('/');
    }
    out
}
