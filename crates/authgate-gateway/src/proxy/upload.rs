//! `timeouts.response` is a bound on how long an upstream exchange may go without progress,
//! not on the whole exchange: an upload that takes longer than the timeout to reach a
//! slow-reading upstream still gets its answer, as long as some of its body moves within
//! every `timeout`. Progress is each chunk of the request body handed to the upstream
//! connection; the clock starts when the request is sent (so connecting and a TLS handshake
//! count) and the wait for the response head counts from the last chunk (the end of the
//! body). Whatever stalls — the upstream not reading, not answering, or the client not
//! sending — ends the exchange with 504 once `timeout` passes without progress.
//!
//! Two limits of this measure: a chunk counts when it is handed to the connection, so the
//! last chunks may still sit in hyper's buffer and the socket buffers (a few MiB) when the
//! wait for the response head starts — an upstream reading that slowly may be answered 504
//! while bytes still move. And once the response head has arrived (an upstream answering
//! before the whole body), the body is still bounded by the client's pauses: waiting longer
//! than `timeout` for the client's next chunk fails the body.

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
    /// Microseconds from `start` to the last progress.
    last_us: AtomicU64,
}

impl Progress {
    fn new() -> Self {
        Progress(Arc::new(Mark {
            start: Instant::now(),
            last_us: AtomicU64::new(0),
        }))
    }

    fn touch(&self) {
        let us = u64::try_from(self.0.start.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.0.last_us.fetch_max(us, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.0.start + Duration::from_micros(self.0.last_us.load(Ordering::Relaxed))
    }
}

/// `request` with its body watched for progress, and failing when the client pauses longer
/// than `idle` (a request without a body is returned as it is, with `None`: the exchange then
/// simply has `timeout` in all).
pub(super) fn watch(request: Request<Body>, idle: Duration) -> (Request<Body>, Option<Progress>) {
    if request.body().is_end_stream() {
        return (request, None);
    }
    let progress = Progress::new();
    let watched = progress.clone();
    let request = request.map(|inner| {
        Body::new(Watched {
            inner,
            progress: watched,
            idle,
            pause: None,
            waiting: false,
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
            // The exchange first: progress or an answer at the deadline's tick wins.
            biased;
            result = &mut exchange => return result,
            () = tokio::time::sleep_until(deadline) => {
                if progress.last() + timeout <= Instant::now() {
                    return Err(UpstreamError::Timeout);
                }
            }
        }
    }
}

/// A request body that marks progress with every frame it yields, and fails when the client
/// keeps the connection waiting for a frame longer than `idle`.
struct Watched {
    inner: Body,
    progress: Progress,
    idle: Duration,
    /// The timer of the current wait for the client (created on the first wait).
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Whether the last poll found no frame (a wait `pause` times is going on).
    waiting: bool,
}

impl Watched {
    /// `Ready` with an error once the current wait for the client has lasted `idle` (a new
    /// wait starts with the first `Pending` after a frame; time the connection spent not
    /// asking is not the client's).
    fn client_paused(&mut self, cx: &mut Context<'_>) -> Poll<axum::Error> {
        let deadline = Instant::now() + self.idle;
        let pause = self
            .pause
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if !self.waiting {
            pause.as_mut().reset(deadline);
            self.waiting = true;
        }
        match pause.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(axum::Error::new(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client paused its request body longer than the response timeout",
            ))),
        }
    }
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Pending => this.client_paused(cx).map(|e| Some(Err(e))),
            ready => {
                this.waiting = false;
                this.progress.touch();
                ready
            }
        }
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
    use http_body_util::BodyExt;

    /// Progress exactly at each deadline (every 400 ms with a 400 ms timeout) keeps the
    /// exchange alive: the exchange is polled before the timer on the same tick.
    #[tokio::test(start_paused = true)]
    async fn progress_on_the_deadline_tick_counts() {
        let progress = Progress::new();
        let marker = progress.clone();
        let busy = async move {
            for _ in 0..5 {
                tokio::time::sleep(Duration::from_millis(400)).await;
                marker.touch();
            }
            Ok::<_, UpstreamError>(())
        };
        let answer = within(busy, Some(progress), Duration::from_millis(400)).await;
        assert!(answer.is_ok());
    }

    /// A body whose client sends a chunk every 300 ms passes a 400 ms bound; one that sends
    /// nothing fails once 400 ms have passed.
    #[tokio::test(start_paused = true)]
    async fn the_client_may_not_pause_longer_than_the_bound() {
        let idle = Duration::from_millis(400);
        let steady = futures_util::stream::unfold(0, |n| async move {
            (n < 3).then_some(())?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            Some((Ok::<_, std::io::Error>(Bytes::from_static(b"chunk")), n + 1))
        });
        let request = Request::new(Body::from_stream(steady));
        let (request, _) = watch(request, idle);
        let body = request.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body.len(), 15);

        let silent = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
        let (request, _) = watch(Request::new(Body::from_stream(silent)), idle);
        let started = Instant::now();
        let frame = request.into_body().frame().await;
        assert!(matches!(frame, Some(Err(_))), "{frame:?}");
        assert_eq!(started.elapsed(), idle);
    }

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
