//! Where to send the browser after sign-in (security.md §3.4, BCP-18..24).
//!
//! Accepted: a same-origin relative path that starts with exactly one `/`, or an absolute
//! `https` URL (`http` only for loopback hosts) whose origin is our own or on the exact
//! allow-list. Anything else, anything longer than 2 KiB, anything with a raw character outside
//! RFC 3986's set (quotes, `<`, spaces, non-ASCII), and anything that contains a control
//! character, whitespace or a backslash (raw or in any percent-decoded layer), a `//`, or a
//! `.`/`..` segment gives the default. The value is decoded until it stops changing and every
//! layer is checked; a value still changing after `MAX_DECODE_ROUNDS` rounds (or one whose
//! layer does not decode) is refused. Never an error: a bad `return_to` only loses the
//! destination.

use url::Url;

/// The longest `return_to` considered (BCP-24: longer ones are refused, never truncated).
pub(crate) const MAX_RETURN_TO: usize = 2048;

/// The most rounds of percent-decoding tried before a value counts as stable (`%252f` hides
/// `%2f` hides `/`); a value still changing after them is refused.
const MAX_DECODE_ROUNDS: usize = 5;

/// Validates `candidate`; `None` means "use the default".
pub(crate) fn validate(
    candidate: &str,
    public_url: &Url,
    allowed_origins: &[String],
) -> Option<String> {
    if candidate.is_empty()
        || candidate.len() > MAX_RETURN_TO
        || !candidate.bytes().all(is_uri_char)
    {
        return None;
    }
    let layers = layers(candidate)?;
    if !layers.iter().all(|l| clean(l)) {
        return None;
    }
    if candidate.starts_with('/') {
        return relative(candidate, &layers);
    }
    absolute(candidate, public_url, allowed_origins)
}

/// The raw value and each percent-decoded layer, until decoding stops changing it. `None`
/// when a layer does not decode or the value is still changing after the last round.
fn layers(candidate: &str) -> Option<Vec<String>> {
    let mut layers = vec![candidate.to_owned()];
    for _ in 0..MAX_DECODE_ROUNDS {
        let last = layers.last()?;
        let next = decode(last)?;
        if &next == last {
            return Some(layers);
        }
        layers.push(next);
    }
    None
}

/// One leading `/`, no `//` and no dot segments in any decoded layer.
fn relative(candidate: &str, layers: &[String]) -> Option<String> {
    let safe = layers.iter().all(|layer| {
        let path = layer.split(['?', '#']).next().unwrap_or_default();
        path.starts_with('/') && !layer.contains("//") && !has_dot_segment(path)
    });
    safe.then(|| candidate.to_owned())
}

/// An absolute URL whose origin is ours or allow-listed, https (http only for loopback), no
/// userinfo.
fn absolute(candidate: &str, public_url: &Url, allowed_origins: &[String]) -> Option<String> {
    let url = Url::parse(candidate).ok()?;
    if !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    let secure = match url.scheme() {
        "https" => true,
        "http" => is_loopback(&url),
        _ => false,
    };
    let origin = url.origin().ascii_serialization();
    let ours = public_url.origin().ascii_serialization() == origin;
    let listed = allowed_origins
        .iter()
        .filter_map(|o| Url::parse(o).ok())
        .any(|o| o.origin().ascii_serialization() == origin);
    (secure && (ours || listed) && !has_dot_segment(url.path())).then(|| url.to_string())
}

/// No control characters, whitespace or backslashes in one layer.
fn clean(layer: &str) -> bool {
    !layer
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
}

/// RFC 3986 §2 characters (unreserved, reserved, `%`) except `'`: a raw return URL never
/// needs quotes, angle brackets, spaces or non-ASCII (those arrive percent-encoded).
fn is_uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&()*+,;=%".contains(&b)
}

/// Percent-decodes once; invalid UTF-8 after decoding is refused.
fn decode(value: &str) -> Option<String> {
    percent_decode(value.as_bytes()).and_then(|b| String::from_utf8(b).ok())
}

fn percent_decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len());
    let mut bytes = input.iter().copied();
    while let Some(b) = bytes.next() {
        if b != b'%' {
            out.push(b);
            continue;
        }
        let hi = bytes.next().and_then(hex)?;
        let lo = bytes.next().and_then(hex)?;
        out.push(hi << 4 | lo);
    }
    Some(out)
}

fn hex(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|s| s == "." || s == "..")
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(candidate: &str) -> Option<String> {
        let public = Url::parse("https://app.example.com").unwrap();
        validate(candidate, &public, &["https://docs.example.com".to_owned()])
    }

    #[test]
    fn plain_paths_and_listed_origins_pass() {
        assert_eq!(check("/").as_deref(), Some("/"));
        assert_eq!(check("/a/b?x=1#f").as_deref(), Some("/a/b?x=1#f"));
        assert_eq!(check("/caf%C3%A9").as_deref(), Some("/caf%C3%A9"));
        assert_eq!(check("/x%2541").as_deref(), Some("/x%2541"));
        assert_eq!(
            check("https://docs.example.com/x").as_deref(),
            Some("https://docs.example.com/x")
        );
        assert_eq!(
            check("https://app.example.com/y").as_deref(),
            Some("https://app.example.com/y")
        );
    }

    #[test]
    fn tricky_values_fall_back() {
        for bad in [
            "//evil.com",
            "/\\evil.com",
            "/%2f%2fevil.com",
            "/%252f%252fevil.com",
            "/%25252f%25252fevil.com",
            "/%2525252f%2525252fevil.com",
            "/%252525252fa",
            "/%25255cevil.com",
            "/%2525250a",
            "/a/../..//evil.com",
            "https://docs.example.com@evil.com/",
            "http://docs.example.com/",
            "https://docs.example.com:444/",
            "javascript:alert(1)",
            "/%zz",
            "evil.com",
        ] {
            assert_eq!(check(bad), None, "{bad}");
        }
    }
}
