//! [`AuthorizeFuture`]: the response future of [`Authorize`](crate::Authorize).

use crate::rejection::Rejection;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

pin_project! {
    /// Response future of [`Authorize`](crate::Authorize): the inner service's response, or
    /// the rejection.
    pub struct AuthorizeFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Rejected { rejection: Option<Rejection> },
        Calling { #[pin] future: F },
    }
}

impl<F> AuthorizeFuture<F> {
    pub(crate) fn rejected(rejection: Rejection) -> Self {
        AuthorizeFuture {
            state: State::Rejected {
                rejection: Some(rejection),
            },
        }
    }

    pub(crate) fn calling(future: F) -> Self {
        AuthorizeFuture {
            state: State::Calling { future },
        }
    }
}

impl<F, ResBody, E> Future for AuthorizeFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    ResBody::Error: Into<axum::BoxError>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Rejected { rejection } => {
                // Polled again after completion: answer 500 rather than panic.
                let rejection = rejection.take().unwrap_or_else(Rejection::misconfigured);
                Poll::Ready(Ok(rejection.into_response()))
            }
            StateProj::Calling { future } => {
                let response = ready!(future.poll(cx))?;
                Poll::Ready(Ok(response.map(Body::new)))
            }
        }
    }
}
