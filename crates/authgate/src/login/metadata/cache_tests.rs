//! Lifetime, refresh, failure fallback and single-flight of [`MetadataCache`], with a moved
//! `FixedClock` and a loader that counts its calls.

use super::*;
use authgate_core::FixedClock;
use std::sync::atomic::{AtomicU64, Ordering};

/// A loader whose calls are counted and whose outcome the test sets.
#[derive(Default)]
struct Source {
    calls: AtomicU64,
    failing: Mutex<Option<FetchError>>,
    max_age: Mutex<Option<Duration>>,
}

impl Source {
    fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    fn fail_with(&self, e: Option<FetchError>) {
        *self.failing.lock().unwrap() = e;
    }

    /// Loads a document whose issuer says which call produced it, yielding a few times so
    /// concurrent callers queue up behind it.
    async fn load(&self) -> Result<(Metadata, Option<Duration>), FetchError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        if let Some(e) = self.failing.lock().unwrap().clone() {
            return Err(e);
        }
        let md = Metadata {
            issuer: format!("doc-{n}"),
            ..Metadata::default()
        };
        Ok((md, *self.max_age.lock().unwrap()))
    }
}

async fn get(
    cache: &MetadataCache,
    clock: &FixedClock,
    source: &Source,
) -> Result<String, FetchError> {
    let md = cache.get("p", clock, || source.load()).await?;
    Ok(md.issuer.clone())
}

fn setup(max_age: Option<Duration>) -> (MetadataCache, FixedClock, Source) {
    let source = Source::default();
    *source.max_age.lock().unwrap() = max_age;
    (
        MetadataCache::default(),
        FixedClock::at(UnixTime(1_000_000)),
        source,
    )
}

#[test]
fn lifetime_is_max_age_within_five_minutes_and_a_day() {
    assert_eq!(ttl(None), MAX_TTL);
    assert_eq!(ttl(Some(Duration::ZERO)), MIN_TTL);
    assert_eq!(ttl(Some(Duration::from_secs(10))), MIN_TTL);
    assert_eq!(
        ttl(Some(Duration::from_secs(3600))),
        Duration::from_secs(3600)
    );
    assert_eq!(ttl(Some(Duration::from_secs(7 * 86_400))), MAX_TTL);
}

#[tokio::test]
async fn a_document_is_reused_until_it_expires_then_refetched() {
    let (cache, clock, source) = setup(Some(Duration::from_secs(600)));
    assert_eq!(get(&cache, &clock, &source).await.unwrap(), "doc-1");
    clock.advance(Duration::from_secs(599));
    assert_eq!(get(&cache, &clock, &source).await.unwrap(), "doc-1");
    assert_eq!(source.calls(), 1);
    clock.advance(Duration::from_secs(1));
    assert_eq!(get(&cache, &clock, &source).await.unwrap(), "doc-2");
    assert_eq!(source.calls(), 2);
}

#[tokio::test]
async fn without_max_age_a_document_lives_a_day() {
    let (cache, clock, source) = setup(None);
    get(&cache, &clock, &source).await.unwrap();
    clock.advance(MAX_TTL - Duration::from_secs(1));
    get(&cache, &clock, &source).await.unwrap();
    assert_eq!(source.calls(), 1);
    clock.advance(Duration::from_secs(1));
    assert_eq!(get(&cache, &clock, &source).await.unwrap(), "doc-2");
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_last_good_document_and_retries_once_a_minute() {
    let (cache, clock, source) = setup(Some(Duration::from_secs(600)));
    get(&cache, &clock, &source).await.unwrap();
    clock.advance(Duration::from_secs(600));
    source.fail_with(Some(FetchError::Status(503)));
    assert_eq!(get(&cache, &clock, &source).await.unwrap(), "doc-1");
    assert_eq!(source.calls(), 2);
    for _ in 0..5 {
        clock.advance(Duration::from_secs(11));
        assert_eq!(get(&cache, &clock, &source).await.unwrap(), "doc-1");
    }
    assert_eq!(source.calls(), 2, "no retry within the minute");
    clock.advance(Duration::from_secs(5));
    assert_eq!(get(&cache, &clock, &source).await.unwrap(), "doc-1");
    assert_eq!(source.calls(), 3, "one retry after the minute");
    source.fail_with(None);
    clock.advance(Duration::from_secs(60));
    assert_eq!(get(&cache, &clock, &source).await.unwrap(), "doc-4");
    clock.advance(Duration::from_secs(300));
    assert_eq!(get(&cache, &clock, &source).await.unwrap(), "doc-4");
    assert_eq!(source.calls(), 4, "fresh again for its whole lifetime");
}

#[tokio::test]
async fn a_rate_limited_refresh_waits_for_the_longer_retry_after() {
    let (cache, clock, source) = setup(Some(Duration::from_secs(600)));
    get(&cache, &clock, &source).await.unwrap();
    clock.advance(Duration::from_secs(600));
    source.fail_with(Some(FetchError::RateLimited(Duration::from_secs(300))));
    get(&cache, &clock, &source).await.unwrap();
    clock.advance(Duration::from_secs(299));
    get(&cache, &clock, &source).await.unwrap();
    assert_eq!(source.calls(), 2);
    clock.advance(Duration::from_secs(1));
    get(&cache, &clock, &source).await.unwrap();
    assert_eq!(source.calls(), 3);
}

#[tokio::test]
async fn without_a_document_a_failure_is_returned_and_retried_after_the_backoff() {
    let (cache, clock, source) = setup(None);
    source.fail_with(Some(FetchError::Status(503)));
    assert_eq!(
        get(&cache, &clock, &source).await.unwrap_err(),
        FetchError::Status(503)
    );
    source.fail_with(None);
    assert_eq!(
        get(&cache, &clock, &source).await.unwrap_err(),
        FetchError::Status(503),
        "within the backoff the failure is repeated without a fetch"
    );
    assert_eq!(source.calls(), 1);
    clock.advance(Duration::from_secs(1));
    assert_eq!(get(&cache, &clock, &source).await.unwrap(), "doc-2");
}

#[tokio::test]
async fn a_cold_outage_backs_off_exponentially_up_to_a_minute() {
    let (cache, clock, source) = setup(None);
    source.fail_with(Some(FetchError::Status(503)));
    let mut calls = 0;
    for base in [1u64, 2, 4, 8, 16, 32, 60, 60] {
        get(&cache, &clock, &source).await.unwrap_err();
        calls += 1;
        assert_eq!(source.calls(), calls);
        // Never sooner than the base, never later than base + a quarter (at most 60 s).
        clock.advance(Duration::from_secs(base - 1));
        for _ in 0..5 {
            get(&cache, &clock, &source).await.unwrap_err();
        }
        assert_eq!(
            source.calls(),
            calls,
            "no fetch within the {base} s backoff"
        );
        clock.advance(Duration::from_secs((base / 4).min(60 - base) + 1));
    }
    get(&cache, &clock, &source).await.unwrap_err();
    assert_eq!(source.calls(), calls + 1);
}

#[tokio::test]
async fn a_cold_rate_limit_honours_retry_after() {
    let (cache, clock, source) = setup(Some(Duration::from_secs(600)));
    source.fail_with(Some(FetchError::RateLimited(Duration::from_secs(120))));
    get(&cache, &clock, &source).await.unwrap_err();
    clock.advance(Duration::from_secs(119));
    get(&cache, &clock, &source).await.unwrap_err();
    assert_eq!(source.calls(), 1);
    clock.advance(Duration::from_secs(1));
    source.fail_with(None);
    assert_eq!(get(&cache, &clock, &source).await.unwrap(), "doc-2");
}

#[tokio::test]
async fn concurrent_callers_share_one_fetch() {
    let (cache, clock, source) = setup(Some(Duration::from_secs(600)));
    let calls = (0..8).map(|_| get(&cache, &clock, &source));
    let docs = futures_util::future::join_all(calls).await;
    assert!(docs.iter().all(|d| d.as_deref() == Ok("doc-1")), "{docs:?}");
    assert_eq!(source.calls(), 1);
    clock.advance(Duration::from_secs(600));
    let calls = (0..8).map(|_| get(&cache, &clock, &source));
    let docs = futures_util::future::join_all(calls).await;
    assert!(docs.iter().all(|d| d.as_deref() == Ok("doc-2")), "{docs:?}");
    assert_eq!(source.calls(), 2, "one refresh for every waiting caller");
}

#[tokio::test]
async fn concurrent_callers_share_one_failed_first_fetch() {
    let (cache, clock, source) = setup(None);
    source.fail_with(Some(FetchError::Timeout));
    let calls = (0..8).map(|_| get(&cache, &clock, &source));
    let docs = futures_util::future::join_all(calls).await;
    assert!(
        docs.iter().all(|d| d == &Err(FetchError::Timeout)),
        "{docs:?}"
    );
    assert_eq!(source.calls(), 1);
}
