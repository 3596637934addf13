//! TLS material (PEM files into a rustls `ServerConfig` on aws-lc-rs) and HSTS.

use crate::config::TlsSettings;
use axum::Router;
use axum::response::Response;
use http::{HeaderValue, header};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The TLS certificate or key cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("server.tls: {}: {message}", path.display())]
pub struct TlsError {
    /// The file at fault.
    pub path: PathBuf,
    /// What is wrong (never any key material).
    pub message: String,
}

impl TlsError {
    fn new(path: &Path, message: impl Into<String>) -> Self {
        TlsError {
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

/// A rustls server configuration (aws-lc-rs, TLS 1.2 and 1.3, ALPN `h2` and `http/1.1`)
/// from the PEM certificate chain and private key of `settings`.
pub(crate) fn server_config(settings: &TlsSettings) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = read_certs(&settings.cert_file)?;
    let key = read_key(&settings.key_file)?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::new(&settings.cert_file, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            TlsError::new(
                &settings.key_file,
                format!("does not fit the certificate: {e}"),
            )
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn open(path: &Path) -> Result<BufReader<File>, TlsError> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|e| TlsError::new(path, format!("cannot read: {e}")))
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = rustls_pemfile::certs(&mut open(path)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::new(path, format!("invalid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(TlsError::new(path, "no CERTIFICATE block found"));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    rustls_pemfile::private_key(&mut open(path)?)
        .map_err(|e| TlsError::new(path, format!("invalid PEM: {e}")))?
        .ok_or_else(|| TlsError::new(path, "no PRIVATE KEY block found (PKCS#8, PKCS#1 or SEC1)"))
}

/// `Strict-Transport-Security: max-age=SECONDS; includeSubDomains` on every response of
/// `app` that does not already carry one (an upstream's own policy wins).
pub(crate) fn with_hsts(app: Router, max_age: Duration) -> Router {
    let Ok(value) =
        HeaderValue::try_from(format!("max-age={}; includeSubDomains", max_age.as_secs()))
    else {
        return app;
    };
    app.layer(axum::middleware::map_response(
        move |mut response: Response| {
            let value = value.clone();
            async move {
                response
                    .headers_mut()
                    .entry(header::STRICT_TRANSPORT_SECURITY)
                    .or_insert(value);
                response
            }
        },
    ))
}
