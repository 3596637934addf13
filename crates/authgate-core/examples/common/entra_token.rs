//! What both verification examples (`verify_rate`, `verify_profile`) measure: a fresh Entra ID
//! v2 access token signed RS256 (1,286 bytes, the claims of a real one), the key set that
//! verifies it, the validation of its API and the default claim mapping.

use authgate_core::{
    Algorithm, ClaimMapping, Clock, IssuerRule, KeySet, SigningKey, SystemClock, Validation,
};
use serde_json::{Map, json};

const ISSUER: &str = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0";
const AUDIENCE: &str = "6e74172b-be56-4843-9ff4-e66a39bb12e3";

/// A token and everything needed to verify it.
pub(crate) struct EntraToken {
    pub(crate) token: String,
    pub(crate) keys: KeySet,
    pub(crate) validation: Validation,
    pub(crate) mapping: ClaimMapping,
}

/// A new key, a token signed with it now (valid for an hour), its key set and validation.
pub(crate) fn entra_token() -> EntraToken {
    let signer = SigningKey::generate(Algorithm::RS256, "bench-key");
    let now = SystemClock.now().0;
    let claims = json!({
        "aud": AUDIENCE, "iss": ISSUER, "iat": now - 10, "nbf": now - 10, "exp": now + 3600,
        "aio": "AXQAi/8TAAAAbMVrMW9T2uu1ZL7kqHAaVnIWlxJJ3xkNDnV8s6GrXm4cMoJm2pa3AC6PCjvqYU4RGaw7nL3EbrqI7tXS8yxV8Xy4oS0Udho3SsB5Ss2qsP9+Iy",
        "azp": AUDIENCE, "azpacr": "0", "name": "Abe Lincoln",
        "oid": "690222be-ff1a-4d56-abd1-7e4f7d38e474", "preferred_username": "abeli@microsoft.com",
        "rh": "I", "scp": "access_as_user read_data",
        "sub": "HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
        "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47", "uti": "fqiBqXLPj0eQa82S-IYFAA", "ver": "2.0"
    });
    let mut header = Map::new();
    header.insert("typ".into(), json!("JWT"));
    let token = signer.sign_token(&header, &claims);
    let jwks = json!({ "keys": [signer.public_jwk().unwrap()] }).to_string();
    let keys = KeySet::from_jwks_json(jwks.as_bytes()).unwrap();
    let mut validation = Validation::access_token(
        IssuerRule::Exact(vec![ISSUER.into()]),
        vec![AUDIENCE.into()],
    );
    validation.algorithms = vec![Algorithm::RS256];
    EntraToken {
        token,
        keys,
        validation,
        mapping: ClaimMapping::default(),
    }
}
