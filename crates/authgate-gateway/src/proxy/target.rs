//! Where a route's requests go, prepared once when the configuration loads: the upstream's
//! URL and, taken from it, its scheme, authority, `Host` value and base path. A proxied request then only joins its path
//! and query to the base path; the authority is never parsed again per request.

use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderValue, Uri};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

/// A route's upstream, ready for requests (see the module docs).
#[derive(Debug, Clone)]
pub struct UpstreamTarget {
    url: url::Url,
    scheme: Scheme,
    authority: Authority,
    host: HeaderValue,
    /// The URL's path without its trailing `/` (empty for `http://host/`).
    base_path: String,
    /// The same for every target with this scheme and authority ([`UpstreamTarget::pool_id`]).
    pool_id: u64,
}

impl UpstreamTarget {
    /// The target of an `http://` or `https://` URL without credentials, query or fragment
    /// (the configuration refuses the others); `None` for anything else.
    pub fn new(url: &url::Url) -> Option<UpstreamTarget> {
        let scheme = match url.scheme() {
            "http" => Scheme::HTTP,
            "https" => Scheme::HTTPS,
            _ => return None,
        };
        let credentials = !url.username().is_empty() || url.password().is_some();
        if credentials || url.query().is_some() || url.fragment().is_some() {
            return None;
        }
        // The authority exactly as the URL serializes it (default port omitted, IPv6 in
        // brackets), which is also the `Host` the upstream sees.
        let host = url.host_str().filter(|h| !h.is_empty())?;
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Some(UpstreamTarget {
            pool_id: pool_id(url.scheme(), &authority),
            scheme,
            host: HeaderValue::from_str(&authority).ok()?,
            authority: authority.parse().ok()?,
            base_path: url.path().trim_end_matches('/').to_owned(),
            url: url.clone(),
        })
    }

    /// The URL as configured.
    pub fn url(&self) -> &url::Url {
        &self.url
    }

    /// Whether requests go over TLS.
    pub fn is_https(&self) -> bool {
        self.scheme == Scheme::HTTPS
    }

    /// The upstream's authority (`host[:port]`).
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    /// A number shared by every target with the same scheme and authority, and by no other:
    /// what keys the upstream connection pools (routes to one upstream share its connections).
    pub fn pool_id(&self) -> u64 {
        self.pool_id
    }

    /// The `Host` header value for the upstream (its authority).
    pub fn host(&self) -> &HeaderValue {
        &self.host
    }

    /// The base path + `path` (which starts with `/`) + `?query`; `None` when the result is
    /// not a valid request target.
    pub fn path_and_query(&self, path: &str, query: Option<&str>) -> Option<PathAndQuery> {
        let query_len = query.map_or(0, |q| q.len() + 1);
        let mut target = String::with_capacity(self.base_path.len() + path.len() + query_len);
        target.push_str(&self.base_path);
        target.push_str(path);
        if let Some(query) = query {
            target.push('?');
            target.push_str(query);
        }
        PathAndQuery::from_maybe_shared(target).ok()
    }

    /// The absolute URI of `path_and_query` at this upstream.
    pub fn uri(&self, path_and_query: PathAndQuery) -> Option<Uri> {
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path_and_query)
            .build()
            .ok()
    }
}

impl std::fmt::Display for UpstreamTarget {
    /// The URL as configured.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.url.fmt(f)
    }
}

/// The number of `scheme://authority` in this process, handed out in order of first use.
fn pool_id(scheme: &str, authority: &str) -> u64 {
    static IDS: OnceLock<Mutex<HashMap<String, u64>>> = OnceLock::new();
    let mut ids = IDS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let next = u64::try_from(ids.len()).unwrap_or(u64::MAX);
    *ids.entry(format!("{scheme}://{authority}")).or_insert(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Option<UpstreamTarget> {
        UpstreamTarget::new(&url::Url::parse(url).unwrap())
    }

    /// What the previous per-request code produced: the URL's serialization without its
    /// trailing `/`, then the path and query, parsed as a whole URI.
    fn reference(url: &str, path: &str, query: Option<&str>) -> Option<Uri> {
        let base = url::Url::parse(url).unwrap();
        let mut text = base.as_str().trim_end_matches('/').to_owned();
        text.push_str(path);
        if let Some(query) = query {
            text.push('?');
            text.push_str(query);
        }
        Uri::try_from(text).ok()
    }

    #[test]
    fn joins_the_base_path_the_path_and_the_query_like_the_whole_url_did() {
        let urls = [
            "http://127.0.0.1:9000",
            "http://127.0.0.1:9000/",
            "http://app.internal/api/",
            "http://app.internal/api",
            "https://api.example.com:443/v1/",
            "http://[::1]:8080/base",
            "http://EXAMPLE.com:80/",
        ];
        let requests = [
            ("/", None),
            ("/a/b", Some("x=1&y=%20")),
            ("/data", Some("")),
            ("/%7Euser/x%2Fy", None),
        ];
        for url in urls {
            let t = target(url).unwrap();
            for (path, query) in requests {
                let built = t.path_and_query(path, query).and_then(|pq| t.uri(pq));
                assert_eq!(built, reference(url, path, query), "{url} {path} {query:?}");
                let pq = t.path_and_query(path, query).unwrap();
                let expected = reference(url, path, query).unwrap();
                assert_eq!(Some(&pq), expected.path_and_query(), "{url}");
                assert_eq!(Some(t.authority()), expected.authority(), "{url}");
                assert_eq!(t.host().to_str().unwrap(), t.authority().as_str());
            }
        }
    }

    #[test]
    fn knows_its_scheme_and_drops_the_default_port() {
        assert!(target("https://a.example/").unwrap().is_https());
        assert!(!target("http://a.example/").unwrap().is_https());
        assert_eq!(target("http://a.example:80/").unwrap().host(), "a.example");
        assert_eq!(
            target("https://a.example:8443/").unwrap().host(),
            "a.example:8443"
        );
    }

    #[test]
    fn targets_share_a_pool_exactly_when_scheme_and_authority_match() {
        let id = |url| target(url).unwrap().pool_id();
        assert_eq!(id("http://a.example:81/x"), id("http://A.example:81/y/"));
        assert_eq!(id("http://a.example/"), id("http://a.example:80/"));
        assert_ne!(id("http://a.example/"), id("https://a.example/"));
        assert_ne!(id("http://a.example:81/"), id("http://a.example:82/"));
        assert_ne!(id("http://a.example/"), id("http://b.example/"));
    }

    #[test]
    fn refuses_what_the_configuration_refuses() {
        for bad in [
            "ftp://a.example/",
            "http://user:pw@a.example/",
            "http://a.example/?q=1",
            "http://a.example/#f",
            "unix:/run/app.sock",
            // `url` takes these in a host name; an HTTP authority does not.
            "http://a{b.example/",
        ] {
            assert!(target(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_target_that_is_not_a_valid_request_line_is_refused() {
        let t = target("http://a.example/").unwrap();
        assert!(t.path_and_query("/a b", None).is_none());
        assert!(t.path_and_query("/a", Some("b\nc")).is_none());
    }
}
