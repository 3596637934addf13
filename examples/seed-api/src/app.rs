//! The seed API's router: which route is protected by what.

use crate::config::SeedConfig;
use crate::routes;
use crate::signin::{self, SignIn};
use authgate::login::LoginProvider;
use authgate::{
    BearerAuthLayer, Policies, PolicyError, RequirePolicy, RequireScope, SessionAuthLayer, Verifier,
};
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
    /// `[login]`, `[session]` or `[secrets]` is incomplete or invalid.
    #[error("sign-in: {0}")]
    SignIn(String),
}

/// What every handler can read.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) verifier: Verifier,
    /// The browser sign-in providers, when `[login]` is configured.
    pub(crate) sign_in: Option<Vec<LoginProvider>>,
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
    let sign_in = signin::build(config, &auth, &verifier)?;
    router_with(verifier, &policies, sign_in)
}

/// The router for an already built verifier and policy registry.
pub fn router(verifier: Verifier, policies: &Policies) -> Result<Router, AppError> {
    router_with(verifier, policies, None)
}

/// The router, plus `/me` and the `/auth/*` endpoints when sign-in is configured.
fn router_with(
    verifier: Verifier,
    policies: &Policies,
    sign_in: Option<SignIn>,
) -> Result<Router, AppError> {
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
    let providers = sign_in.as_ref().map(|s| s.providers.clone());
    let app = Router::new()
        .route("/", get(routes::home))
        .route("/healthz", get(routes::healthz))
        .route("/data", data)
        .route("/azure-protected-data", azure)
        .with_state(AppState {
            verifier,
            sign_in: providers,
        });
    Ok(match sign_in {
        Some(SignIn { sessions, .. }) => {
            let me = get(routes::me).route_layer(SessionAuthLayer::session(sessions.clone()));
            app.route("/me", me).merge(sessions.router())
        }
        None => app,
    })
}
