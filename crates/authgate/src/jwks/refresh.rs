//! The background refresh loop of one key cache.

use super::Inner;
use std::sync::Weak;
use tokio::time::Instant;

/// Sleeps until `due`, fetches (joining any fetch in flight), computes the next due time from
/// the outcome, repeats. Holds only a weak reference while sleeping, so dropping the cache
/// ends the loop. `due` is computed by the caller so the schedule starts at spawn time.
pub(super) async fn run(cache: Weak<Inner>, mut due: Instant) {
    loop {
        tokio::time::sleep_until(due).await;
        let Some(inner) = cache.upgrade() else {
            return;
        };
        let fetch = inner.start(&mut inner.lock(), true);
        drop(inner);
        fetch.await;
        let Some(inner) = cache.upgrade() else {
            return;
        };
        due = Instant::now() + inner.next_delay();
    }
}
