//! The cache's time rules, as pure functions of durations and a jitter sample in `[0, 1)`.

use crate::config::JwksConfig;
use std::time::Duration;

/// First retry delay after a failure.
const BACKOFF_BASE: Duration = Duration::from_secs(1);
/// Retry delays never exceed this.
const BACKOFF_CAP: Duration = Duration::from_secs(5 * 60);
/// Retry delays never go below this, so full jitter cannot spin.
const BACKOFF_FLOOR: Duration = Duration::from_millis(100);

/// The soft TTL: `max-age` (or the default) clamped to `[min_ttl, max_ttl]`.
pub(crate) fn soft_ttl(cfg: &JwksConfig, max_age: Option<Duration>) -> Duration {
    max_age
        .unwrap_or(cfg.default_ttl)
        .min(cfg.max_ttl)
        .max(cfg.min_ttl)
}

/// When to refresh after a success: about 80% of the TTL (70–90% with jitter).
pub(crate) fn refresh_delay(ttl: Duration, jitter: f64) -> Duration {
    ttl.mul_f64(0.7 + 0.2 * jitter.clamp(0.0, 1.0))
}

/// When to retry after `failures` consecutive failures: exponential (1 s, 2 s, 4 s … capped
/// at 5 min) with full jitter, floored at 100 ms.
pub(crate) fn backoff(failures: u32, jitter: f64) -> Duration {
    let exp = failures.saturating_sub(1).min(16);
    let ceiling = BACKOFF_BASE.saturating_mul(1 << exp).min(BACKOFF_CAP);
    ceiling.mul_f64(jitter.clamp(0.0, 1.0)).max(BACKOFF_FLOOR)
}

/// How long after a successful fetch its keys may be used: the TTL, plus `max_stale` unless
/// strict.
pub(crate) fn usable_for(cfg: &JwksConfig, ttl: Duration) -> Duration {
    if cfg.strict {
        ttl
    } else {
        ttl.saturating_add(cfg.max_stale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mins(n: u64) -> Duration {
        Duration::from_secs(n * 60)
    }

    #[test]
    fn max_age_is_clamped_between_five_minutes_and_a_day() {
        let cfg = JwksConfig::default();
        assert_eq!(soft_ttl(&cfg, Some(Duration::from_secs(10))), mins(5));
        assert_eq!(
            soft_ttl(&cfg, Some(Duration::from_secs(7 * 86_400))),
            mins(24 * 60)
        );
        assert_eq!(soft_ttl(&cfg, Some(mins(30))), mins(30));
        assert_eq!(
            soft_ttl(&cfg, None),
            mins(60),
            "default 1 h without Cache-Control"
        );
        assert_eq!(
            soft_ttl(&cfg, Some(Duration::ZERO)),
            mins(5),
            "no-cache counts as the minimum"
        );
    }

    #[test]
    fn refresh_happens_around_eighty_percent_of_the_ttl() {
        assert_eq!(refresh_delay(mins(100), 0.5), mins(80));
        assert!(refresh_delay(mins(100), 0.0) >= mins(70));
        assert!(refresh_delay(mins(100), 0.999) <= mins(90));
    }

    #[test]
    fn r03_backoff_doubles_from_one_second_to_a_five_minute_cap() {
        let ceilings: Vec<Duration> = (1..=12).map(|n| backoff(n, 1.0)).collect();
        assert_eq!(ceilings[0], Duration::from_secs(1));
        assert_eq!(ceilings[1], Duration::from_secs(2));
        assert_eq!(ceilings[2], Duration::from_secs(4));
        assert_eq!(ceilings[11], mins(5));
        assert_eq!(backoff(u32::MAX, 1.0), mins(5));
        assert_eq!(backoff(3, 0.0), BACKOFF_FLOOR, "full jitter is floored");
    }

    #[test]
    fn strict_mode_stops_at_the_ttl_availability_mode_adds_max_stale() {
        let mut cfg = JwksConfig::default();
        assert_eq!(usable_for(&cfg, mins(60)), mins(25 * 60));
        cfg.strict = true;
        assert_eq!(usable_for(&cfg, mins(60)), mins(60));
    }
}
