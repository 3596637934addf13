//! The streaming reverse proxy: pooled HTTP/1.1 + HTTP/2 upstream client, header hygiene,
//! identity headers, WebSocket upgrades, 502/504 JSON errors.

/// The pooled upstream client (one per gateway).
#[derive(Clone)]
pub struct UpstreamClient {
    #[allow(dead_code)]
    inner: (),
}

impl UpstreamClient {
    /// A new pooled client.
    pub fn new() -> Self {
        UpstreamClient { inner: () }
    }
}

impl Default for UpstreamClient {
    fn default() -> Self {
        Self::new()
    }
}
