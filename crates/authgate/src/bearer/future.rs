//! [`BearerAuthFuture`]: the response future of [`BearerAuth`](crate::BearerAuth).

use crate::bearer::BearerContext;
use crate::bearer::service::rejection_for;
use crate::rejection::Rejection;
use authgate_core::{Principal, VerifyError};
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use futures_util::future::BoxFuture;
use http::Request;
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tower::Service;

pin_project! {
    /// Response future of [`BearerAuth`](crate::BearerAuth): verifies the token, then runs
    /// the inner service, or answers with the rejection.
    pub struct BearerAuthFuture<S, B>
    where
        S: Service<Request<B>>,
    {
        #[pin]
        state: State<S, B>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, B>
    where
        S: Service<Request<B>>,
    {
        Rejected { rejection: Option<Rejection> },
        Verifying {
            verify: BoxFuture<'static, Result<Principal, VerifyError>>,
            pending: Option<(Request<B>, S)>,
            context: BearerContext,
        },
        Calling { #[pin] future: S::Future },
    }
}

impl<S: Service<Request<B>>, B> BearerAuthFuture<S, B> {
    pub(crate) fn rejected(rejection: Rejection) -> Self {
        BearerAuthFuture {
            state: State::Rejected {
                rejection: Some(rejection),
            },
        }
    }

    pub(crate) fn verifying(
        verify: BoxFuture<'static, Result<Principal, VerifyError>>,
        request: Request<B>,
        inner: S,
        context: BearerContext,
    ) -> Self {
        BearerAuthFuture {
            state: State::Verifying {
                verify,
                pending: Some((request, inner)),
                context,
            },
        }
    }

    pub(crate) fn calling(future: S::Future) -> Self {
        BearerAuthFuture {
            state: State::Calling { future },
        }
    }
}

impl<S, B, ResBody> Future for BearerAuthFuture<S, B>
where
    S: Service<Request<B>, Response = Response<ResBody>>,
    ResBody: http_body::Body<Data = axum::body::Bytes> + Send + 'static,
    ResBody::Error: Into<axum::BoxError>,
{
    type Output = Result<Response<Body>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            let next = match state.as_mut().project() {
                StateProj::Rejected { rejection } => {
                    // Polled again after completion: answer 500 rather than panic.
                    let rejection = rejection.take().unwrap_or_else(Rejection::misconfigured);
                    return Poll::Ready(Ok(rejection.into_response()));
                }
                StateProj::Calling { future } => {
                    let response = ready!(future.poll(cx))?;
                    return Poll::Ready(Ok(response.map(Body::new)));
                }
                StateProj::Verifying {
                    verify,
                    pending,
                    context,
                } => {
                    let outcome = ready!(verify.as_mut().poll(cx));
                    let Some((mut request, mut inner)) = pending.take() else {
                        return Poll::Ready(Ok(Rejection::misconfigured().into_response()));
                    };
                    match outcome {
                        Err(error) => State::Rejected {
                            rejection: Some(rejection_for(&error, context.realm.clone())),
                        },
                        Ok(principal) => {
                            request.extensions_mut().insert(principal);
                            request.extensions_mut().insert(context.clone());
                            State::Calling {
                                future: inner.call(request),
                            }
                        }
                    }
                }
            };
            state.set(next);
        }
    }
}
