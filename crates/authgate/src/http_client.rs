//! The one HTTP client of the crate: identity-provider metadata and keys (`get`, here), and
//! the sign-in calls to token, userinfo, revocation and user endpoints (`call`).
//!
//! Redirects are never followed, connect and total time are bounded, responses are streamed
//! into a size-capped buffer, and only `https://` URLs are fetched except for loopback hosts
//! (security.md §5.2 items 4–5).

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// Default connect timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Default total time for one request, body included.
const TOTAL_TIMEOUT: Duration = Duration::from_secs(5);
/// Default response-body cap.
const MAX_BODY_BYTES: usize = 256 * 1024;
/// The longest `Retry-After` honoured, so a bad header cannot silence refreshes for a year.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// `Retry-After` assumed for a 429 without a usable header.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(60);

/// A long-lived HTTP client for discovery, JWKS and sign-in calls. Cheap to clone (shares its pool).
///
/// ```no_run
/// # fn main() -> Result<(), authgate::HttpClientError> {
/// use std::time::Duration;
/// let http = authgate::HttpClient::builder().total_timeout(Duration::from_secs(3)).build()?;
/// # let _ = http; Ok(()) }
/// ```
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    total_timeout: Duration,
    max_body_bytes: usize,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("total_timeout", &self.total_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish_non_exhaustive()
    }
}

/// Builds an [`HttpClient`].
#[derive(Debug, Clone)]
pub struct HttpClientBuilder {
    connect_timeout: Duration,
    total_timeout: Duration,
    max_body_bytes: usize,
}

/// The HTTP client could not be created (TLS backend initialisation failed).
#[derive(Debug)]
pub struct HttpClientError(String);

impl fmt::Display for HttpClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot build the HTTP client: {}", self.0)
    }
}

impl std::error::Error for HttpClientError {}

impl HttpClientBuilder {
    /// Connect timeout. Defaults to 2 seconds.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Total time for one request, body included. Defaults to 5 seconds.
    pub fn total_timeout(mut self, d: Duration) -> Self {
        self.total_timeout = d;
        self
    }

    /// Largest accepted response body. Defaults to 256 KiB.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// Builds the client: redirects off, timeouts and size cap as configured.
    pub fn build(self) -> Result<HttpClient, HttpClientError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .timeout(self.total_timeout)
            .user_agent(concat!("authgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HttpClientError(e.to_string()))?;
        Ok(HttpClient {
            client,
            total_timeout: self.total_timeout,
            max_body_bytes: self.max_body_bytes,
        })
    }
}

/// A successful (2xx) response.
#[derive(Debug)]
pub(crate) struct Fetched {
    /// The body (at most the size cap).
    pub(crate) body: Vec<u8>,
    /// `Cache-Control: max-age` (zero for `no-cache`/`no-store`).
    pub(crate) max_age: Option<Duration>,
}

/// Why a fetch failed. The text never includes response bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FetchError {
    /// The URL is not allowed (scheme, host).
    Insecure(String),
    /// Connection or protocol failure.
    Transport(String),
    /// The total timeout elapsed.
    Timeout,
    /// A non-2xx status (redirects included: they are never followed).
    Status(u16),
    /// 429 (or 503) with `Retry-After`: do not ask again before this long.
    RateLimited(Duration),
    /// The body exceeded the size cap.
    TooLarge,
    /// The document is not what was expected.
    Invalid(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Insecure(why) => write!(f, "refused URL: {why}"),
            FetchError::Transport(why) => write!(f, "transport error: {why}"),
            FetchError::Timeout => f.write_str("timed out"),
            FetchError::Status(code) => write!(f, "HTTP status {code}"),
            FetchError::RateLimited(d) => write!(f, "rate limited; retry after {}s", d.as_secs()),
            FetchError::TooLarge => f.write_str("response larger than the size cap"),
            FetchError::Invalid(why) => write!(f, "invalid document: {why}"),
        }
    }
}

impl HttpClient {
    /// A client with the default limits (connect 2 s, total 5 s, 256 KiB).
    pub fn new() -> Result<Self, HttpClientError> {
        Self::builder().build()
    }

    /// A builder with the default limits.
    pub fn builder() -> HttpClientBuilder {
        HttpClientBuilder {
            connect_timeout: CONNECT_TIMEOUT,
            total_timeout: TOTAL_TIMEOUT,
            max_body_bytes: MAX_BODY_BYTES,
        }
    }

    /// GETs `url` and returns its body if the status is 2xx.
    pub(crate) async fn get(&self, url: &str, allow_http: bool) -> Result<Fetched, FetchError> {
        check_url(url, allow_http).map_err(FetchError::Insecure)?;
        match tokio::time::timeout(self.total_timeout, self.get_unbounded(url)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout),
        }
    }

    async fn get_unbounded(&self, url: &str) -> Result<Fetched, FetchError> {
        let request = self
            .client
            .get(url)
            .header(http::header::ACCEPT, "application/json");
        let mut response = request.send().await.map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            return Err(status_error(status.as_u16(), response.headers()));
        }
        let max_age = cache_max_age(response.headers());
        let body = self.read_capped(&mut response).await?;
        Ok(Fetched { body, max_age })
    }

    /// Streams the body into a buffer of at most the size cap.
    async fn read_capped(&self, response: &mut reqwest::Response) -> Result<Vec<u8>, FetchError> {
        if response
            .content_length()
            .is_some_and(|n| n > self.max_body_bytes as u64)
        {
            return Err(FetchError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > self.max_body_bytes {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

fn transport(e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        return FetchError::Timeout;
    }
    // The URL is ours (from configuration or a validated document), never a token's.
    FetchError::Transport(e.without_url().to_string())
}

fn status_error(code: u16, headers: &http::HeaderMap) -> FetchError {
    let retry_after = retry_after(headers);
    match (code, retry_after) {
        (429, after) => FetchError::RateLimited(after.unwrap_or(DEFAULT_RETRY_AFTER)),
        (503, Some(after)) => FetchError::RateLimited(after),
        _ => FetchError::Status(code),
    }
}

/// `Retry-After` in delta-seconds (HTTP-date values are not honoured), capped at 1 hour.
pub(crate) fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    let secs: u64 = value.trim().parse().ok()?;
    Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER))
}

/// `Cache-Control: max-age=N`; `no-cache`/`no-store` count as zero.
pub(crate) fn cache_max_age(headers: &http::HeaderMap) -> Option<Duration> {
    let mut found = None;
    for value in headers.get_all(http::header::CACHE_CONTROL) {
        for directive in value.to_str().ok()?.split(',') {
            let directive = directive.trim();
            let (name, arg) = directive.split_once('=').unwrap_or((directive, ""));
            if name.eq_ignore_ascii_case("no-cache") || name.eq_ignore_ascii_case("no-store") {
                return Some(Duration::ZERO);
            }
            if name.eq_ignore_ascii_case("max-age") {
                found = arg
                    .trim_matches('"')
                    .parse::<u64>()
                    .ok()
                    .map(Duration::from_secs);
            }
        }
    }
    found
}

/// The URL rules for every fetch: absolute, no credentials or fragment, `https`, or `http` to a
/// loopback host (or to any host with `allow_http`).
pub(crate) fn check_url(raw: &str, allow_http: bool) -> Result<url::Url, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("not an absolute URL ({e})"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials".into());
    }
    if url.fragment().is_some() {
        return Err("must not contain a fragment".into());
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_http || is_loopback(&url) => Ok(url),
        "http" => Err("must be https (http is allowed only for loopback hosts)".into()),
        other => Err(format!("unsupported scheme {other:?}; must be https")),
    }
}

/// `localhost`, `127.0.0.0/8` and `::1`.
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

mod call;
#[cfg(test)]
mod tests;

pub(crate) use self::call::{Credentials, Response};
