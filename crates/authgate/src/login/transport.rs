//! The login flow's view of [`crate::HttpClient`]: token, userinfo, revocation and user-API
//! calls read as JSON. All the rules (URL checks, no redirects, timeouts, size cap) live in
//! the client; this layer only asks for JSON and shapes the answer. Error texts carry neither
//! the URL's secrets nor response bodies.

use crate::http_client::{FetchError, HttpClient, Response};
use serde_json::{Map, Value};

/// How a request authenticates (HTTP Basic with form-encoded parts, bearer, or nothing).
pub(crate) use crate::http_client::Credentials as Auth;

/// What every login call asks for.
const ACCEPT_JSON: &str = "application/json";

/// The HTTP client of the login flow: the crate's one client.
#[derive(Clone)]
pub(crate) struct Transport {
    http: HttpClient,
}

/// A request's outcome: a status and a JSON object body (empty when the body is not JSON).
/// Its `Debug` shows the status and the body's member names only: the body may hold tokens.
pub(crate) struct Answer {
    /// The HTTP status.
    pub(crate) status: u16,
    /// The body as a JSON object.
    pub(crate) body: Map<String, Value>,
}

impl std::fmt::Debug for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let members: Vec<&str> = self.body.keys().map(String::as_str).collect();
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("members", &members)
            .finish()
    }
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

impl From<FetchError> for CallError {
    fn from(e: FetchError) -> Self {
        match e {
            FetchError::Insecure(why) => CallError::Refused(why),
            other => CallError::Transport(other.to_string()),
        }
    }
}

impl Transport {
    /// Login calls through `http`.
    pub(crate) fn new(http: HttpClient) -> Self {
        Transport { http }
    }

    /// POSTs `form` (application/x-www-form-urlencoded).
    pub(crate) async fn post_form(
        &self,
        url: &str,
        allow_http: bool,
        form: &[(&str, &str)],
        auth: Auth<'_>,
    ) -> Result<Answer, CallError> {
        let response = self
            .http
            .post_form(url, allow_http, form, auth, ACCEPT_JSON)
            .await?;
        Ok(object(response))
    }

    /// GETs `url`.
    pub(crate) async fn get(
        &self,
        url: &str,
        allow_http: bool,
        auth: Auth<'_>,
    ) -> Result<Answer, CallError> {
        let response = self
            .http
            .get_with(url, allow_http, auth, ACCEPT_JSON)
            .await?;
        Ok(object(response))
    }

    /// GETs `url` and returns a JSON array body (GitHub's `/user/emails`).
    pub(crate) async fn get_array(
        &self,
        url: &str,
        allow_http: bool,
        auth: Auth<'_>,
    ) -> Result<(u16, Vec<Value>), CallError> {
        let response = self
            .http
            .get_with(url, allow_http, auth, ACCEPT_JSON)
            .await?;
        let list = match serde_json::from_slice(&response.body) {
            Ok(Value::Array(list)) => list,
            _ => Vec::new(),
        };
        Ok((response.status, list))
    }
}

fn object(response: Response) -> Answer {
    let body = match serde_json::from_slice(&response.body) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    Answer {
        status: response.status,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_debug_shows_status_and_member_names_only() {
        let body = serde_json::json!({
            "access_token": "at-secret-value",
            "refresh_token": "rt-secret-value",
            "id_token": "eyJ.secret.sig",
            "token_type": "Bearer",
        });
        let Value::Object(body) = body else {
            unreachable!()
        };
        let shown = format!("{:?}", Answer { status: 200, body });
        assert!(shown.contains("200"), "{shown}");
        assert!(
            shown.contains("access_token") && shown.contains("id_token"),
            "{shown}"
        );
        for secret in [
            "at-secret-value",
            "rt-secret-value",
            "eyJ.secret.sig",
            "Bearer",
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn fetch_errors_keep_refusals_apart() {
        let refused = CallError::from(FetchError::Insecure("must be https".into()));
        assert_eq!(refused, CallError::Refused("must be https".into()));
        assert_eq!(
            CallError::from(FetchError::Timeout).to_string(),
            "transport: timed out"
        );
        assert_eq!(
            CallError::from(FetchError::TooLarge).to_string(),
            "transport: response larger than the size cap"
        );
    }
}
