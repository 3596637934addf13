//! The route table: method set + path pattern, matched against the normalised request path.
//!
//! Matching order (documented for users): routes are tried in file order and the first whose
//! method set and pattern match wins.

use crate::config::RouteSpec;
use std::sync::Arc;

/// A compiled path pattern: literal segments, `{name}` (one segment), final `{*rest}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    #[allow(dead_code)]
    segments: Vec<String>,
}

impl PathPattern {
    /// Parses a pattern; the error says what is wrong with it.
    pub fn parse(pattern: &str) -> Result<Self, String> {
        todo!("{pattern}")
    }

    /// Whether the normalised `path` matches.
    pub fn matches(&self, path: &str) -> bool {
        todo!("{path}")
    }
}

/// Why a request path cannot be routed (answered 400, never proxied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPath(pub &'static str);

/// Normalises a request path exactly once, the same way for the proxy and for forward-auth:
/// percent-decoding of unreserved characters, `.`/`..` segments resolved, duplicate slashes
/// collapsed; encoded slashes, backslashes, NUL and control characters refused.
pub fn normalize_path(raw: &str) -> Result<String, BadPath> {
    todo!("{raw}")
}

/// The compiled routes.
#[derive(Debug, Clone)]
pub struct RouteTable {
    #[allow(dead_code)]
    routes: Vec<(PathPattern, Arc<RouteSpec>)>,
}

impl RouteTable {
    /// Compiles validated routes.
    pub fn new(routes: &[RouteSpec]) -> Self {
        todo!("{}", routes.len())
    }

    /// The first route matching `method` and the normalised `path`.
    pub fn find(&self, method: &http::Method, path: &str) -> Option<&Arc<RouteSpec>> {
        todo!("{method} {path}")
    }
}
