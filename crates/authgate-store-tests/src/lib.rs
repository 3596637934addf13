//! The conformance suite every authgate store backend passes.
//!
//! One `pub async fn` per invariant of the store traits in `authgate_core::store`, each taking
//! a fresh, empty [`Stores`]. A backend implements [`Backend`] (how to make a fresh store and
//! how to clean it up) and expands [`conformance_tests!`] once in a test file, which writes one
//! `#[tokio::test]` per invariant so a failure names the broken invariant:
//!
//! ```ignore
//! struct Memory;
//! impl authgate_store_tests::Backend for Memory {
//!     async fn fresh() -> Option<Self> { Some(Memory) }
//!     fn stores(&self) -> Stores { Stores::memory() }
//! }
//! authgate_store_tests::conformance_tests!(Memory);
//! ```
//!
//! [`two_instances_share_state_and_race_fairly`] takes two [`Stores`] over one database and is
//! called by each SQL backend's own tests (it needs two store values, so it is not in the
//! macro).
//!
//! Every time is a fixed [`UnixTime`](authgate_core::UnixTime) derived from [`T0`]; nothing reads the wall clock.
//! This crate is test code: its functions panic (through `assert!`) when an invariant fails.

mod email;
mod errors;
mod fixtures;
mod identities;
mod instances;
mod leases;
mod login_states;
mod replays;
mod sessions;
mod sign_out;
mod users;

use authgate_core::store::Stores;
use std::future::Future;

pub use self::email::*;
pub use self::errors::*;
pub use self::fixtures::{
    T0, at, identity, login_state, scratch_name, session, skip_notice, user_with,
};
pub use self::identities::*;
pub use self::instances::two_instances_share_state_and_race_fairly;
pub use self::leases::*;
pub use self::login_states::*;
pub use self::replays::*;
pub use self::sessions::*;
pub use self::sign_out::*;
pub use self::users::*;

/// A store backend under test.
pub trait Backend: Sized + Send {
    /// A fresh, empty, migrated store, or `None` when the backend is unavailable on this
    /// machine (the test then passes vacuously; the implementation says why with
    /// [`skip_notice`]).
    fn fresh() -> impl Future<Output = Option<Self>> + Send;

    /// The store's aggregates.
    fn stores(&self) -> Stores;

    /// Cleans up after a passing test (drop a schema, delete a file).
    fn teardown(self) -> impl Future<Output = ()> + Send {
        async {}
    }
}

/// Expands to one `#[tokio::test]` per invariant for a [`Backend`] type.
///
/// The test file needs `tokio` (with `macros` and `rt-multi-thread`) as a dependency.
#[macro_export]
macro_rules! conformance_tests {
    ($backend:ty) => {
        $crate::conformance_tests!(@each $backend;
            create_user_links_first_identity,
            create_user_conflict_leaves_no_orphan,
            create_user_concurrent_one_wins,
            same_subject_other_issuer_is_another_identity,
            unknown_user_and_identity_are_none,
            link_identity_adds_identity_oldest_first,
            link_identity_conflicts_when_linked_anywhere,
            link_identity_unknown_user_is_not_found,
            verified_email_lookup_ignores_unverified_and_case,
            email_lookup_is_case_insensitive,
            record_login_stamps_and_refreshes_email,
            record_login_unknown_identity_is_not_found,
            record_login_can_clear_email,
            list_users_pages_in_creation_order,
            disabled_user_sessions_are_not_returned,
            roles_grant_revoke_idempotent_and_sorted,
            roles_of_unknown_user,
            delete_user_cascades_and_spares_others,
            login_state_round_trip,
            login_state_with_link_user_round_trips,
            login_state_is_single_use,
            login_state_put_twice_conflicts,
            login_state_expired_take_is_none_and_removes,
            login_state_concurrent_takes_one_wins,
            login_state_sweep_removes_only_expired,
            login_state_wrong_browser_leaves_it_for_the_right_one,
            session_round_trip,
            session_create_conflict_and_unknown_user,
            session_expires_idle_and_absolute,
            touch_extends_idle_never_past_absolute,
            touch_of_expired_or_missing_is_false,
            delete_session_by_key,
            delete_user_sessions_only_that_user,
            delete_sessions_by_sid_matches_issuer,
            delete_sessions_by_subject_matches_issuer,
            user_sessions_newest_first_and_live,
            session_sweep_removes_only_expired,
            refresh_lease_concurrent_one_wins,
            refresh_lease_same_holder_renews,
            refresh_lease_expired_is_taken_over,
            refreshed_tokens_only_by_holder_and_release,
            stale_holder_after_takeover_writes_nothing,
            release_refresh_lease_only_by_holder,
            refresh_lease_of_missing_session_is_false,
            replay_first_use_once,
            replay_first_use_again_after_expiry,
            replay_concurrent_first_use_one_wins,
            replay_sweep_removes_only_expired,
            errors_carry_no_values,
        );
    };
    (@each $backend:ty; $($name:ident),+ $(,)?) => {
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let Some(backend) = <$backend as $crate::Backend>::fresh().await else {
                    return;
                };
                let stores = $crate::Backend::stores(&backend);
                $crate::$name(&stores).await;
                $crate::Backend::teardown(backend).await;
            }
        )+
    };
}
