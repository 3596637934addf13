//! Path patterns: literal segments, `{name}` for one segment, a final `{*rest}`.

/// One segment of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Matches exactly this text.
    Literal(String),
    /// `{name}`: one non-empty segment.
    Param,
    /// `{*rest}`: everything that remains, possibly nothing.
    Rest,
}

/// A compiled path pattern: literal segments, `{name}` (one segment), final `{*rest}`.
///
/// ```
/// use authgate_gateway::routes::PathPattern;
/// let p = PathPattern::parse("/api/{id}/items/{*rest}").unwrap();
/// assert!(p.matches("/api/7/items"));
/// assert!(p.matches("/api/7/items/a/b"));
/// assert!(!p.matches("/api/7/other"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    segments: Vec<Segment>,
}

impl PathPattern {
    /// Parses a pattern; the error says what is wrong with it.
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let Some(rest) = pattern.strip_prefix('/') else {
            return Err("must start with /".into());
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let last = parts.len().saturating_sub(1);
        let segments = parts
            .iter()
            .enumerate()
            .map(|(i, part)| parse_segment(part, i == last, parts.len()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PathPattern { segments })
    }

    /// Whether the normalised `path` matches.
    pub fn matches(&self, path: &str) -> bool {
        let Some(rest) = path.strip_prefix('/') else {
            return false;
        };
        let mut parts = rest.split('/');
        for segment in &self.segments {
            let matched = match segment {
                Segment::Rest => return true,
                Segment::Param => parts.next().is_some_and(|p| !p.is_empty()),
                Segment::Literal(text) => parts.next() == Some(text.as_str()),
            };
            if !matched {
                return false;
            }
        }
        parts.next().is_none()
    }
}

/// Parses one segment; `is_last` and `count` decide where `{*rest}` and empty ones may stand.
fn parse_segment(part: &str, is_last: bool, count: usize) -> Result<Segment, String> {
    if let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        return parse_placeholder(inner, is_last);
    }
    if part.contains(['{', '}']) {
        return Err(format!(
            "segment `{part}`: braces only around a whole segment"
        ));
    }
    if part.is_empty() && !(is_last || count == 1) {
        return Err("empty segment (//) in the pattern".into());
    }
    if matches!(part, "." | "..") {
        return Err(format!(
            "segment `{part}`: dot-segments never match a normalised path"
        ));
    }
    if part
        .bytes()
        .any(|b| b == b'%' || b == b'\\' || !b.is_ascii_graphic())
    {
        return Err(format!(
            "segment `{part}`: use plain visible ASCII without % or \\"
        ));
    }
    Ok(Segment::Literal(part.to_owned()))
}

/// `{name}` or `{*name}`.
fn parse_placeholder(inner: &str, is_last: bool) -> Result<Segment, String> {
    let (rest, name) = match inner.strip_prefix('*') {
        Some(name) => (true, name),
        None => (false, inner),
    };
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!(
            "`{{{inner}}}`: a placeholder needs a name of letters, digits, _"
        ));
    }
    match (rest, is_last) {
        (true, false) => Err(format!(
            "`{{{inner}}}`: a catch-all must be the last segment"
        )),
        (true, true) => Ok(Segment::Rest),
        (false, _) => Ok(Segment::Param),
    }
}
