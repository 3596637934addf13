//! The background refresh loop of one key cache.

use super::Inner;
use std::sync::Weak;

/// Sleeps until the next refresh is due, fetches (joining any fetch in flight), repeats.
/// Holds only a weak reference between fetches, so dropping the cache ends the loop.
pub(super) async fn run(cache: Weak<Inner>) {
    loop {
        let Some(delay) = cache.upgrade().map(|c| c.next_delay()) else {
            return;
        };
        tokio::time::sleep(delay).await;
        let Some(inner) = cache.upgrade() else {
            return;
        };
        let fetch = inner.start(&mut inner.lock());
        drop(inner);
        fetch.await;
    }
}
