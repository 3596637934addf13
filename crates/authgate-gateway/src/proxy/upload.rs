//! `timeouts.response` is a bound on how long an upstream exchange may go without progress,
//! not on the whole exchange: an upload that takes longer than the timeout to reach a
//! slow-reading upstream still gets its answer, as long as some of its body moves within
//! every `timeout`. Progress is each chunk of the request body handed to the upstream
//! connection; the clock starts when the request is sent (so connecting and a TLS handshake
//! count) and the wait for the response head counts from the last chunk (the end of the
//! body). Whatever stalls — the upstream not reading, not answering, or the client not
//! sending — ends the exchange with 504 once `timeout` passes without progress.

use super::UpstreamError;
use axum::body::Body;
use bytes::Bytes;
use http::Request;
use http_body::{Body as HttpBody, Frame, SizeHint};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::Instant;

/// When the request last made progress, shared by its body and [`within`].
#[derive(Clone)]
pub(super) struct Progress(Arc<Mark>);

struct Mark {
    start: Instant,
    /// Milliseconds from `start` to the last progress.
    last_ms: AtomicU64,
}

impl Progress {
    fn new() -> Self {
        Progress(Arc::new(Mark {
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        }))
    }

    fn touch(&self) {
        let ms = u64::try_from(self.0.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.0.last_ms.fetch_max(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.0.start + Duration::from_millis(self.0.last_ms.load(Ordering::Relaxed))
    }
}

/// `request` with its body watched for progress (a request without a body is returned as it
/// is, with `None`: the exchange then simply has `timeout` in all).
pub(super) fn watch(request: Request<Body>) -> (Request<Body>, Option<Progress>) {
    if request.body().is_end_stream() {
        return (request, None);
    }
    let progress = Progress::new();
    let watched = progress.clone();
    let request = request.map(|inner| {
        Body::new(Watched {
            inner,
            progress: watched,
        })
    });
    (request, Some(progress))
}

/// `exchange`, refused with [`UpstreamError::Timeout`] once `timeout` passes without
/// progress.
pub(super) async fn within<T>(
    exchange: impl Future<Output = Result<T, UpstreamError>>,
    progress: Option<Progress>,
    timeout: Duration,
) -> Result<T, UpstreamError> {
    let Some(progress) = progress else {
        return tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or(Err(UpstreamError::Timeout));
    };
    let mut exchange = std::pin::pin!(exchange);
    loop {
        let deadline = progress.last() + timeout;
        tokio::select! {
            result = &mut exchange => return result,
            () = tokio::time::sleep_until(deadline) => {
                if progress.last() + timeout <= Instant::now() {
                    return Err(UpstreamError::Timeout);
                }
            }
        }
    }
}

/// A request body that marks progress with every frame it yields.
struct Watched {
    inner: Body,
    progress: Progress,
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if polled.is_ready() {
            this.progress.touch();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn progress_moves_the_deadline_and_silence_ends_the_exchange() {
        let progress = Progress::new();
        let marker = progress.clone();
        let timeout = Duration::from_millis(400);
        // Progress every 300 ms for 3 s, then an answer: never 400 ms without progress.
        let busy = async move {
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_millis(300)).await;
                marker.touch();
            }
            Ok::<_, UpstreamError>("answer")
        };
        let answer = within(busy, Some(progress), timeout).await;
        assert!(matches!(answer, Ok("answer")));

        // Progress for a while, then silence: refused 400 ms after the last progress.
        let progress = Progress::new();
        let marker = progress.clone();
        let started = Instant::now();
        let stalls = async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            marker.touch();
            std::future::pending::<Result<(), UpstreamError>>().await
        };
        let refused = within(stalls, Some(progress), timeout).await;
        assert!(matches!(refused, Err(UpstreamError::Timeout)));
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(700) && waited < Duration::from_millis(800),
            "{waited:?}"
        );
    }
}
