//! Per-thread handles of the per-route series, so the request path neither builds label sets
//! nor searches the recorder's registry: one lookup by route name in a map local to the
//! serving thread.
//!
//! A handle stays valid for the process (the recorder is installed once); series of a route
//! removed by a reload keep their handles here, bounded by the route names ever configured.

use crate::fast_hash::FxHashMap;
use metrics::{Counter, Histogram};
use std::cell::RefCell;

/// The handles of one route, created on first use.
#[derive(Default)]
struct RouteSeries {
    /// (metric name, second label's value, counter).
    counters: Vec<(&'static str, &'static str, Counter)>,
    histogram: Option<Histogram>,
}

thread_local! {
    static ROUTES: RefCell<FxHashMap<Box<str>, RouteSeries>> =
        RefCell::new(FxHashMap::default());
}

/// Adds one to counter `name{route, <label>=value}`.
pub(super) fn count(name: &'static str, route: &str, label: &'static str, value: &'static str) {
    with_route(route, |series| {
        let known = series
            .counters
            .iter()
            .find(|(n, v, _)| *n == name && *v == value);
        match known {
            Some((_, _, counter)) => counter.increment(1),
            None => {
                let counter = metrics::counter!(name, "route" => route.to_owned(), label => value);
                counter.increment(1);
                series.counters.push((name, value, counter));
            }
        }
    });
}

/// Records `seconds` in histogram `name{route}` (one histogram per route).
pub(super) fn observe(name: &'static str, route: &str, seconds: f64) {
    with_route(route, |series| {
        series
            .histogram
            .get_or_insert_with(|| metrics::histogram!(name, "route" => route.to_owned()))
            .record(seconds);
    });
}

fn with_route(route: &str, f: impl FnOnce(&mut RouteSeries)) {
    ROUTES.with_borrow_mut(|routes| match routes.get_mut(route) {
        Some(series) => f(series),
        None => f(routes.entry(route.into()).or_default()),
    });
}
