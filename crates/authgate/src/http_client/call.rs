//! Requests whose answer is read whatever its status: the sign-in calls (token endpoint,
//! userinfo, revocation, GitHub's user API), where an OAuth error body matters.
//!
//! Same rules as [`HttpClient::get`](super::HttpClient): the URL rules first (no request for a
//! refused URL), redirects never followed (a 3xx is returned as such), the total timeout around
//! the whole exchange, the body streamed into the size cap. Error texts carry neither URLs nor
//! bodies, and [`Response`]'s `Debug` omits the body (it may hold tokens).

use super::{FetchError, HttpClient, check_url, retry_after, transport};
use std::fmt;
use std::time::Duration;

/// How a request authenticates.
#[derive(Clone, Copy)]
pub(crate) enum Credentials<'a> {
    /// Nothing beyond what the form carries.
    None,
    /// RFC 6749 §2.3.1 HTTP Basic: client id and secret, each form-urlencoded first (BCP-77).
    Basic(&'a str, &'a str),
    /// An RFC 6750 bearer token.
    Bearer(&'a str),
}

/// An answer of any status.
pub(crate) struct Response {
    /// The HTTP status.
    pub(crate) status: u16,
    /// The body (at most the size cap).
    pub(crate) body: Vec<u8>,
    /// `Retry-After` in delta-seconds, capped like the fetch path's.
    pub(crate) retry_after: Option<Duration>,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .field("retry_after", &self.retry_after)
            .finish()
    }
}

impl HttpClient {
    /// POSTs `form` as `application/x-www-form-urlencoded` with `credentials`, asking for
    /// `accept`.
    pub(crate) async fn post_form(
        &self,
        url: &str,
        allow_http: bool,
        form: &[(&str, &str)],
        credentials: Credentials<'_>,
        accept: &str,
    ) -> Result<Response, FetchError> {
        let url = check_url(url, allow_http).map_err(FetchError::Insecure)?;
        let request = self.client.post(url).form(form);
        self.exchange(request, credentials, accept).await
    }

    /// GETs `url` with `credentials`, asking for `accept`, and returns the answer whatever its
    /// status.
    pub(crate) async fn get_with(
        &self,
        url: &str,
        allow_http: bool,
        credentials: Credentials<'_>,
        accept: &str,
    ) -> Result<Response, FetchError> {
        let url = check_url(url, allow_http).map_err(FetchError::Insecure)?;
        self.exchange(self.client.get(url), credentials, accept)
            .await
    }

    async fn exchange(
        &self,
        request: reqwest::RequestBuilder,
        credentials: Credentials<'_>,
        accept: &str,
    ) -> Result<Response, FetchError> {
        let request = authenticate(request, credentials).header(http::header::ACCEPT, accept);
        let exchange = async {
            let mut response = request.send().await.map_err(transport)?;
            let status = response.status().as_u16();
            let retry_after = retry_after(response.headers());
            let body = self.read_capped(&mut response).await?;
            Ok(Response {
                status,
                body,
                retry_after,
            })
        };
        match tokio::time::timeout(self.total_timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout),
        }
    }
}

fn authenticate(
    request: reqwest::RequestBuilder,
    credentials: Credentials<'_>,
) -> reqwest::RequestBuilder {
    match credentials {
        Credentials::None => request,
        Credentials::Basic(id, secret) => {
            request.basic_auth(form_encode(id), Some(form_encode(secret)))
        }
        Credentials::Bearer(token) => request.bearer_auth(token),
    }
}

/// RFC 6749 §2.3.1: the client id and secret are `application/x-www-form-urlencoded` before
/// they are joined by `:` and base64-encoded.
pub(crate) fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
#[path = "call_tests.rs"]
mod tests;
