//! Calls to the provider's token, userinfo, revocation and user endpoints.
//!
//! Same rules as [`crate::HttpClient`]: redirects off, bounded connect and total time, a
//! size-capped body, `https` except loopback (or `insecure_allow_http`). Error texts carry
//! neither the URL's secrets nor response bodies.

use crate::http_client::check_url;
use serde_json::{Map, Value};
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const TOTAL_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_BODY_BYTES: usize = 256 * 1024;

/// The HTTP client of the login flow.
#[derive(Clone)]
pub(crate) struct Transport {
    client: reqwest::Client,
}

/// A request's outcome: a status and a JSON object body (empty when the body is not JSON).
#[derive(Debug)]
pub(crate) struct Answer {
    /// The HTTP status.
    pub(crate) status: u16,
    /// The body as a JSON object.
    pub(crate) body: Map<String, Value>,
}

/// Why a call failed before any answer was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallError {
    /// The URL breaks the fetch rules.
    Refused(String),
    /// Connection, timeout, protocol or size failure.
    Transport(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Refused(why) => write!(f, "refused URL: {why}"),
            CallError::Transport(why) => write!(f, "transport: {why}"),
        }
    }
}

/// How the request authenticates.
pub(crate) enum Auth<'a> {
    /// Nothing beyond the form.
    None,
    /// RFC 6749 §2.3.1 HTTP Basic with form-urlencoded id and secret (BCP-77).
    Basic(&'a str, &'a str),
    /// RFC 6750 bearer token.
    Bearer(&'a str),
}

impl Transport {
    /// A client with the fixed limits.
    pub(crate) fn new() -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TOTAL_TIMEOUT)
            .user_agent(concat!("authgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Transport { client })
    }

    /// POSTs `form` (application/x-www-form-urlencoded).
    pub(crate) async fn post_form(
        &self,
        url: &str,
        allow_http: bool,
        form: &[(&str, &str)],
        auth: Auth<'_>,
    ) -> Result<Answer, CallError> {
        check_url(url, allow_http).map_err(CallError::Refused)?;
        let request = self.client.post(url).form(form);
        self.send(authenticate(request, auth)).await
    }

    /// GETs `url`.
    pub(crate) async fn get(
        &self,
        url: &str,
        allow_http: bool,
        auth: Auth<'_>,
    ) -> Result<Answer, CallError> {
        check_url(url, allow_http).map_err(CallError::Refused)?;
        self.send(authenticate(self.client.get(url), auth)).await
    }

    /// GETs `url` and returns a JSON array body (GitHub's `/user/emails`).
    pub(crate) async fn get_array(
        &self,
        url: &str,
        allow_http: bool,
        auth: Auth<'_>,
    ) -> Result<(u16, Vec<Value>), CallError> {
        check_url(url, allow_http).map_err(CallError::Refused)?;
        let request = authenticate(self.client.get(url), auth);
        let (status, bytes) = self.send_raw(request).await?;
        let list = match serde_json::from_slice(&bytes) {
            Ok(Value::Array(list)) => list,
            _ => Vec::new(),
        };
        Ok((status, list))
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<Answer, CallError> {
        let (status, bytes) = self.send_raw(request).await?;
        let body = match serde_json::from_slice(&bytes) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        Ok(Answer { status, body })
    }

    async fn send_raw(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(u16, Vec<u8>), CallError> {
        let request = request.header(http::header::ACCEPT, "application/json");
        let mut response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BODY_BYTES as u64)
        {
            return Err(CallError::Transport(
                "response larger than the size cap".into(),
            ));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(CallError::Transport(
                    "response larger than the size cap".into(),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, body))
    }
}

fn authenticate(request: reqwest::RequestBuilder, auth: Auth<'_>) -> reqwest::RequestBuilder {
    match auth {
        Auth::None => request,
        Auth::Basic(id, secret) => request.basic_auth(form_encode(id), Some(form_encode(secret))),
        Auth::Bearer(token) => request.bearer_auth(token),
    }
}

/// RFC 6749 §2.3.1: the client id and secret are `application/x-www-form-urlencoded` before
/// they are joined by `:` and base64-encoded.
pub(crate) fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn transport(e: reqwest::Error) -> CallError {
    if e.is_timeout() {
        return CallError::Transport("timed out".into());
    }
    CallError::Transport(e.without_url().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcp77_basic_credentials_are_form_encoded_first() {
        assert_eq!(form_encode("a:b%c+d é"), "a%3Ab%25c%2Bd+%C3%A9");
        assert_eq!(form_encode("plain-id"), "plain-id");
    }
}
