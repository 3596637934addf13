//! The seed API's router: which route is protected by what.

use crate::config::SeedConfig;
use crate::routes;
use authgate::{BearerAuthLayer, Policies, PolicyError, RequirePolicy, RequireScope, Verifier};
use axum::Router;
use axum::routing::get;

/// The provider id `/azure-protected-data` trusts.
pub const ENTRA_PROVIDER: &str = "entra";

/// The named policy guarding `/data`.
pub const READ_POLICY: &str = "RequireReadAccess";

/// The scope `/azure-protected-data` requires.
pub const ENTRA_SCOPE: &str = "access_as_user";

/// Why the application could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A policy does not compile, or `RequireReadAccess` is not defined.
    #[error("{0}")]
    Policy(#[from] PolicyError),
    /// The providers are misconfigured or their keys could not be loaded.
    #[error("providers: {0}")]
    Verifier(#[from] authgate::BuildError),
}

/// What every handler can read.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) verifier: Verifier,
}

/// Builds the verifier (fetching discovery and keys) and the router.
pub async fn build_app(config: &SeedConfig) -> Result<Router, AppError> {
    let auth = config.auth();
    // Policies first: a bad or missing policy fails before any network call.
    let policies = Policies::from_config(&auth)?;
    let verifier = if config.server.token_cache {
        Verifier::from_config(&auth).await?
    } else {
        let builder = auth
            .providers
            .iter()
            .cloned()
            .fold(Verifier::builder(), |b, p| b.provider(p));
        builder
            .token_cache(0, std::time::Duration::ZERO)
            .build()
            .await?
    };
    router(verifier, &policies)
}

/// The router for an already built verifier and policy registry.
pub fn router(verifier: Verifier, policies: &Policies) -> Result<Router, AppError> {
    let read_access = RequirePolicy::named(policies, READ_POLICY)?;
    let any_provider = BearerAuthLayer::new(verifier.clone());
    let data = get(routes::data)
        .route_layer(read_access)
        .route_layer(any_provider);
    let azure = if verifier
        .provider_ids()
        .iter()
        .any(|id| id == ENTRA_PROVIDER)
    {
        let entra_only = BearerAuthLayer::new(verifier.clone()).providers([ENTRA_PROVIDER]);
        get(routes::azure_protected_data)
            .route_layer(RequireScope::new([ENTRA_SCOPE]))
            .route_layer(entra_only)
    } else {
        get(routes::entra_not_configured)
    };
    Ok(Router::new()
        .route("/", get(routes::home))
        .route("/healthz", get(routes::healthz))
        .route("/data", data)
        .route("/azure-protected-data", azure)
        .with_state(AppState { verifier }))
}
