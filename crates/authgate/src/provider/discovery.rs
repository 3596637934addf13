//! Authorization-server metadata: OIDC Discovery 1.0 with the RFC 8414 fallback.
//!
//! Only `issuer` and `jwks_uri` are read. The document's `issuer` must equal the configured
//! issuer exactly (OIDC Discovery §4.3, RFC 8414 §3.3; security.md JWT-I12), and `jwks_uri`
//! must pass the same URL rules as every other fetch.

use crate::http_client::{FetchError, HttpClient, check_url};
use serde::Deserialize;

/// Where an issuer's signing keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeySource {
    /// A fixed JWKS URL (configured `jwks_uri`).
    Jwks(String),
    /// Metadata documents tried in order (the next only after a 404/410).
    Discovery {
        /// Metadata URLs.
        urls: Vec<String>,
        /// The issuer the document must name, byte for byte.
        issuer: String,
    },
}

/// The members of a metadata document authgate reads. Duplicate members are an error.
#[derive(Debug, Deserialize)]
struct Metadata {
    issuer: String,
    jwks_uri: String,
}

/// The OIDC form `{issuer}/.well-known/openid-configuration` (terminating `/` removed).
pub(crate) fn oidc_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// The RFC 8414 §3.1 form: the well-known segment inserted between host and path.
pub(crate) fn rfc8414_url(issuer: &str) -> Option<String> {
    let url = url::Url::parse(issuer).ok()?;
    let origin = url.origin().ascii_serialization();
    let path = url.path().trim_end_matches('/');
    Some(format!(
        "{origin}/.well-known/oauth-authorization-server{path}"
    ))
}

/// Both forms: OIDC first, then RFC 8414.
pub(crate) fn well_known_urls(issuer: &str) -> Vec<String> {
    let mut urls = vec![oidc_url(issuer)];
    urls.extend(rfc8414_url(issuer));
    urls
}

/// Resolves the JWKS URL of `source`.
pub(crate) async fn jwks_uri(
    http: &HttpClient,
    source: &KeySource,
    allow_http: bool,
) -> Result<String, FetchError> {
    let (urls, issuer) = match source {
        KeySource::Jwks(uri) => return Ok(uri.clone()),
        KeySource::Discovery { urls, issuer } => (urls, issuer),
    };
    let mut last = FetchError::Invalid("no metadata URL".into());
    for url in urls {
        match http.get(url, allow_http).await {
            Ok(fetched) => return parse(&fetched.body, issuer, allow_http),
            Err(FetchError::Status(code @ (404 | 410))) => last = FetchError::Status(code),
            Err(other) => return Err(other),
        }
    }
    Err(last)
}

/// Parses a metadata document and applies the issuer and URL rules.
pub(crate) fn parse(
    body: &[u8],
    expected_issuer: &str,
    allow_http: bool,
) -> Result<String, FetchError> {
    let doc: Metadata = serde_json::from_slice(body).map_err(|e| {
        FetchError::Invalid(format!(
            "metadata is not a JSON object with issuer and jwks_uri ({e})"
        ))
    })?;
    if doc.issuer != expected_issuer {
        return Err(FetchError::Invalid(format!(
            "metadata issuer {:?} does not equal the configured issuer {:?}",
            doc.issuer, expected_issuer
        )));
    }
    check_url(&doc.jwks_uri, allow_http)
        .map_err(|why| FetchError::Insecure(format!("jwks_uri {why}")))?;
    Ok(doc.jwks_uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8414_inserts_the_segment_after_the_host() {
        assert_eq!(
            rfc8414_url("https://ex.com/tenant1").unwrap(),
            "https://ex.com/.well-known/oauth-authorization-server/tenant1"
        );
        assert_eq!(
            rfc8414_url("https://ex.com/").unwrap(),
            "https://ex.com/.well-known/oauth-authorization-server"
        );
    }

    #[test]
    fn oidc_form_appends_without_a_double_slash() {
        assert_eq!(
            oidc_url("https://t.auth0.com/"),
            "https://t.auth0.com/.well-known/openid-configuration"
        );
        assert_eq!(
            oidc_url("https://ex.com/a"),
            "https://ex.com/a/.well-known/openid-configuration"
        );
    }

    #[test]
    fn jwt_i12_metadata_issuer_must_match_exactly() {
        let doc =
            br#"{"issuer":"https://idp.example.com/","jwks_uri":"https://idp.example.com/keys"}"#;
        let err = parse(doc, "https://idp.example.com", false).unwrap_err();
        assert!(matches!(err, FetchError::Invalid(_)), "{err}");
        assert_eq!(
            parse(doc, "https://idp.example.com/", false).unwrap(),
            "https://idp.example.com/keys"
        );
    }

    #[test]
    fn r13_http_jwks_uri_on_a_public_host_is_refused() {
        let doc =
            br#"{"issuer":"https://idp.example.com","jwks_uri":"http://idp.example.com/keys"}"#;
        assert!(matches!(
            parse(doc, "https://idp.example.com", false),
            Err(FetchError::Insecure(_))
        ));
    }

    #[test]
    fn html_and_error_documents_are_invalid() {
        for body in [
            &b"<html>login</html>"[..],
            br#"{"error":"x"}"#,
            br#"{"issuer":"a""#,
        ] {
            assert!(matches!(
                parse(body, "a", false),
                Err(FetchError::Invalid(_))
            ));
        }
    }
}
