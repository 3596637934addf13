//! Serving threads: each runs a single-threaded tokio runtime that accepts connections from
//! the shared listening socket and serves them to the end, the way nginx's worker processes
//! do.
//!
//! A connection, its requests, the upstream connections they use (per-thread pools, see
//! `crate::proxy`) and the tasks returning those to the pool all stay on one thread: no work
//! stealing and no cross-thread wake-ups on the request path. A multi-threaded runtime spent
//! more time waking its own threads than proxying (BENCHMARKS.md). Everything else (key
//! refresh, signals, reloads, the maintenance ticker) runs on the caller's runtime.

use std::future::Future;
use std::io;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Blocking threads (name lookups of new upstream connections) per serving thread; tokio's
/// default of 512 per runtime would multiply with the number of serving threads.
const MAX_BLOCKING_THREADS: usize = 64;

/// Runs the future `make` builds on a new thread with its own single-threaded runtime; the
/// returned task (on the caller's runtime) completes with the future's result, or with an
/// error when the runtime cannot be built or the thread panics.
pub(super) fn spawn<F, M>(name: String, make: M) -> JoinHandle<io::Result<()>>
where
    M: FnOnce() -> io::Result<F> + Send + 'static,
    F: Future<Output = io::Result<()>> + 'static,
{
    let (done, result) = oneshot::channel();
    let started = std::thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            let _ = done.send(run(make));
        });
    tokio::spawn(async move {
        if let Err(error) = started {
            return Err(error);
        }
        result
            .await
            .unwrap_or_else(|_| Err(io::Error::other(format!("serving thread {name} panicked"))))
    })
}

/// Builds the runtime and the future on this thread, then runs it to completion.
fn run<F, M>(make: M) -> io::Result<()>
where
    M: FnOnce() -> io::Result<F>,
    F: Future<Output = io::Result<()>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .build()?;
    runtime.block_on(async move { make()?.await })
}
