//! `timeouts.response` counts from the end of the request body, not from its start: an upload
//! that takes longer than the timeout to reach a slow-reading upstream still gets its answer.
//! The same bound holds between two chunks of the body, so a client that stops sending in
//! the middle of a body does not hold an upstream connection forever (the request fails with
//! 504, as a silent upstream does).

use super::UpstreamError;
use axum::body::Body;
use bytes::Bytes;
use http::Request;
use http_body::{Body as HttpBody, Frame, SizeHint};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::{Instant, Sleep};

/// `request` with its body watched, and what completes once that body was sent in full (or
/// failed). A request without a body is returned as it is, with `None`.
pub(super) fn watch(request: Request<Body>, idle: Duration) -> (Request<Body>, Option<Sent>) {
    if request.body().is_end_stream() {
        return (request, None);
    }
    let (done, sent) = oneshot::channel();
    let request = request.map(|inner| {
        Body::new(Watched {
            inner,
            idle,
            pause: None,
            waiting: false,
            done: Some(done),
        })
    });
    (request, Some(Sent(sent)))
}

/// Completes when the watched body was sent in full, failed or was dropped.
pub(super) struct Sent(oneshot::Receiver<()>);

/// `exchange`, refused with [`UpstreamError::Timeout`] once `timeout` has passed since the
/// request body was sent (`sent`; since now for a request without a body).
pub(super) async fn within<T>(
    exchange: impl Future<Output = Result<T, UpstreamError>>,
    sent: Option<Sent>,
    timeout: Duration,
) -> Result<T, UpstreamError> {
    let Some(Sent(sent)) = sent else {
        return tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or(Err(UpstreamError::Timeout));
    };
    let deadline = async move {
        let _ = sent.await;
        tokio::time::sleep(timeout).await;
    };
    tokio::select! {
        result = exchange => result,
        () = deadline => Err(UpstreamError::Timeout),
    }
}

/// A request body that reports its end and fails when the client pauses longer than `idle`:
/// the upstream connection asked for the next frame and none came.
struct Watched {
    inner: Body,
    idle: Duration,
    /// The timer of the current wait (created on the first wait, reused after).
    pause: Option<Pin<Box<Sleep>>>,
    /// Whether the last poll found no frame (the wait `pause` times is going on).
    waiting: bool,
    done: Option<oneshot::Sender<()>>,
}

impl Watched {
    fn finish(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(());
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
            Poll::Ready(Some(Ok(frame))) => {
                this.waiting = false;
                if this.inner.is_end_stream() {
                    this.finish();
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(other) => {
                this.finish();
                Poll::Ready(other)
            }
            Poll::Pending => {
                let deadline = Instant::now() + this.idle;
                let pause = this
                    .pause
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if !this.waiting {
                    // A new wait for the client starts now (time the upstream spent not
                    // asking for the body is not the client's pause).
                    pause.as_mut().reset(deadline);
                    this.waiting = true;
                }
                match pause.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => {
                        this.finish();
                        Poll::Ready(Some(Err(axum::Error::new(stalled()))))
                    }
                }
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

/// The error of a body that paused too long (a timeout, so the request answers 504).
fn stalled() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "the request body paused longer than the response timeout",
    )
}
