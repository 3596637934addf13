//! The whole verification pipeline: `Jws::parse` → `verify_jws` → `Principal::from_claims`,
//! with tokens minted at test time by real keys and times taken from a `FixedClock`.
//! Step order, key binding (security.md §1.B, §1.C, JWT-I06, JWT-I10) and token kinds (§1.H).

use authgate_core::{
    Algorithm, ClaimMapping, Claims, Clock, FixedClock, IssuerRule, Jws, KeyEntry, KeySet,
    Principal, SecretBytes, SigningKey, TokenKind, Validation, VerifyErrorKind, VerifyingKey,
    verify_jws,
};
use serde_json::{Value, json};
use std::sync::LazyLock;
use std::time::Duration;

use VerifyErrorKind::*;

/// The issuer every fixture token claims by default.
pub(crate) const ISSUER: &str = "https://issuer.example";
/// The audience every fixture token names by default.
pub(crate) const AUDIENCE: &str = "api://orders";

/// One ES256 key for most tests (key generation is the slow part).
static KEY: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::generate(Algorithm::ES256, "k1"));

/// A configured issuer: its key set, its rules and a clock that tests move.
pub(crate) struct TestIssuer {
    /// Signs the tokens.
    pub(crate) key: &'static SigningKey,
    /// The verifier's key set for this issuer.
    pub(crate) keys: KeySet,
    /// The verifier's rules for this issuer.
    pub(crate) validation: Validation,
    /// The verifier's clock.
    pub(crate) clock: FixedClock,
}

impl TestIssuer {
    /// An access-token issuer with the default rules.
    pub(crate) fn new() -> Self {
        let rule = IssuerRule::Exact(vec![ISSUER.to_owned()]);
        Self::with_validation(Validation::access_token(rule, vec![AUDIENCE.to_owned()]))
    }

    /// An issuer with the given rules.
    pub(crate) fn with_validation(validation: Validation) -> Self {
        let keys = KeySet::from_entries(vec![entry(&KEY, None)]);
        TestIssuer {
            key: &KEY,
            keys,
            validation,
            clock: FixedClock::at_system_now(),
        }
    }

    /// Now, in Unix seconds.
    pub(crate) fn now(&self) -> i64 {
        self.clock.now().0
    }

    /// A claims set that passes every check now, with `changes` merged in (a `null` value
    /// removes the claim; use [`TestIssuer::mint`] directly to send a real `null`).
    pub(crate) fn claims(&self, changes: Value) -> Value {
        let now = self.now();
        let mut claims = json!({
            "iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "nbf": now,
            "exp": now + 600,
        });
        merge(&mut claims, changes);
        claims
    }

    /// A token with these exact claims and extra header members.
    pub(crate) fn mint_with_header(&self, header: Value, claims: &Value) -> String {
        self.key.sign_token(&object(header), claims)
    }

    /// A token with these exact claims.
    pub(crate) fn mint(&self, claims: &Value) -> String {
        self.mint_with_header(json!({}), claims)
    }

    /// A token with the default claims changed by `changes`.
    pub(crate) fn token(&self, changes: Value) -> String {
        self.mint(&self.claims(changes))
    }

    /// Parses and verifies `token` now.
    pub(crate) fn verify(&self, token: &str) -> Result<Claims, VerifyErrorKind> {
        let jws = Jws::parse(token).map_err(|e| e.kind())?;
        let outcome = verify_jws(&jws, &self.keys, &self.validation, self.clock.now());
        outcome.map_err(|e| {
            assert!(!e.detail().contains(token), "error detail echoes the token");
            e.kind()
        })?;
        Ok(jws.claims().clone())
    }

    /// The rejection kind of the default claims changed by `changes` (`None` = accepted).
    pub(crate) fn outcome(&self, changes: Value) -> Option<VerifyErrorKind> {
        self.verify(&self.token(changes)).err()
    }

    /// The principal of a token that must verify.
    pub(crate) fn principal(&self, changes: Value) -> Principal {
        let claims = self.verify(&self.token(changes)).expect("token verifies");
        Principal::from_claims("test", claims, &ClaimMapping::default())
    }
}

/// A key-set entry for `key`, optionally tagged with an Entra key `issuer`.
pub(crate) fn entry(key: &SigningKey, issuer: Option<&str>) -> KeyEntry {
    KeyEntry {
        kid: key.kid().map(str::to_owned),
        x5t: None,
        alg: Some(key.algorithm()),
        issuer: issuer.map(str::to_owned),
        key: key.verifying_key().expect("public key"),
    }
}

/// Shallow merge; `null` removes.
pub(crate) fn merge(into: &mut Value, changes: Value) {
    let (Value::Object(into), Value::Object(changes)) = (into, changes) else {
        panic!("merge needs two objects");
    };
    for (name, value) in changes {
        if value.is_null() {
            into.remove(&name);
        } else {
            into.insert(name, value);
        }
    }
}

fn object(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn valid_tokens_verify_for_every_asymmetric_algorithm() {
    for alg in [
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ] {
        let key = SigningKey::generate(alg, format!("kid-{alg}"));
        let mut issuer = TestIssuer::new();
        issuer.keys = KeySet::from_entries(vec![entry(&key, None)]);
        let token = key.sign_token(&object(json!({})), &issuer.claims(json!({})));
        assert_eq!(issuer.verify(&token).err(), None, "{alg}");
    }
}

#[test]
fn verified_claims_become_the_principal() {
    let issuer = TestIssuer::new();
    let principal = issuer.principal(json!({"scp": "orders.read orders.write", "azp": "spa"}));
    assert_eq!(
        (principal.issuer.as_str(), principal.subject.as_str()),
        (ISSUER, "alice")
    );
    assert_eq!(principal.scopes, ["orders.read", "orders.write"]);
    assert_eq!(principal.client_id.as_deref(), Some("spa"));
    assert_eq!(principal.expires_at, Some(issuer.now() + 600));
    assert!(!principal.app_only);
}

#[test]
fn jwt_a09_alg_outside_the_allow_list_is_rejected() {
    let mut issuer = TestIssuer::new();
    issuer.validation.algorithms = vec![Algorithm::RS256];
    assert_eq!(issuer.outcome(json!({})), Some(DisallowedAlg));
}

#[test]
fn jwt_a06_hmac_is_refused_for_an_asymmetric_issuer() {
    let secret = SecretBytes::new(vec![7; 32]);
    let hmac = SigningKey::hmac(Algorithm::HS256, secret, Some("k1".into()));
    let mut issuer = TestIssuer::new();
    let token = hmac.sign_token(&object(json!({})), &issuer.claims(json!({})));
    assert_eq!(issuer.verify(&token).err(), Some(DisallowedAlg));
    // Even with HS256 allowed, the issuer's EC key never verifies an HMAC.
    issuer.validation.algorithms.push(Algorithm::HS256);
    assert_eq!(issuer.verify(&token).err(), Some(DisallowedAlg));
}

#[test]
fn hmac_issuer_with_a_configured_secret_verifies() {
    let secret = SecretBytes::new(b"0123456789abcdef0123456789abcdef".to_vec());
    let hmac = SigningKey::hmac(Algorithm::HS256, secret, Some("shared".into()));
    let mut issuer = TestIssuer::new();
    issuer.validation.algorithms = vec![Algorithm::HS256];
    issuer.keys = KeySet::from_entries(vec![entry(&hmac, None)]);
    let token = hmac.sign_token(&object(json!({})), &issuer.claims(json!({})));
    assert_eq!(issuer.verify(&token).err(), None);
}

#[test]
fn hmac_secret_shorter_than_the_hash_refuses_that_algorithm() {
    // RFC 7518 §3.2: HS384 needs a 48-byte secret and HS512 a 64-byte one; the key set entry
    // is not pinned to one algorithm, so only the secret's length decides.
    let outcome = |len: usize, alg: Algorithm| {
        let secret = SecretBytes::new(vec![7; len]);
        let hmac = SigningKey::hmac(alg, secret.clone(), Some("shared".into()));
        let mut issuer = TestIssuer::new();
        issuer.validation.algorithms = vec![Algorithm::HS256, Algorithm::HS384, Algorithm::HS512];
        issuer.keys = KeySet::from_entries(vec![KeyEntry {
            kid: Some("shared".into()),
            x5t: None,
            alg: None,
            issuer: None,
            key: VerifyingKey::hmac(secret).expect("a 32-byte secret is a valid key"),
        }]);
        let token = hmac.sign_token(&object(json!({})), &issuer.claims(json!({})));
        issuer.verify(&token).err()
    };
    assert_eq!(outcome(32, Algorithm::HS256), None);
    assert_eq!(outcome(32, Algorithm::HS384), Some(DisallowedAlg));
    assert_eq!(outcome(32, Algorithm::HS512), Some(DisallowedAlg));
    assert_eq!(outcome(48, Algorithm::HS384), None);
    assert_eq!(outcome(48, Algorithm::HS512), Some(DisallowedAlg));
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        assert_eq!(outcome(64, alg), None, "{alg}");
    }
}

#[test]
fn jwt_a10_kid_of_a_key_of_another_type_is_rejected() {
    let rsa = SigningKey::generate(Algorithm::RS256, "k1");
    let issuer = TestIssuer::new();
    let token = rsa.sign_token(&object(json!({})), &issuer.claims(json!({})));
    assert_eq!(issuer.verify(&token).err(), Some(DisallowedAlg));
}

#[test]
fn jwt_c04_same_kid_other_key_is_rejected() {
    let impostor = SigningKey::generate(Algorithm::ES256, "k1");
    let issuer = TestIssuer::new();
    let token = impostor.sign_token(&object(json!({})), &issuer.claims(json!({})));
    assert_eq!(issuer.verify(&token).err(), Some(BadSignature));
}

#[test]
fn unknown_kid_is_rejected() {
    let stranger = SigningKey::generate(Algorithm::ES256, "k2");
    let issuer = TestIssuer::new();
    let token = stranger.sign_token(&object(json!({})), &issuer.claims(json!({})));
    assert_eq!(issuer.verify(&token).err(), Some(UnknownKey));
}

#[test]
fn claims_are_only_judged_after_the_signature() {
    let impostor = SigningKey::generate(Algorithm::ES256, "k1");
    let issuer = TestIssuer::new();
    let expired_and_forged = issuer.claims(json!({"exp": issuer.now() - 3600, "iss": "x"}));
    let token = impostor.sign_token(&object(json!({})), &expired_and_forged);
    assert_eq!(issuer.verify(&token).err(), Some(BadSignature));
}

#[test]
fn jwt_i06_a_key_of_issuer_a_cannot_sign_for_issuer_b() {
    let issuer_a = TestIssuer::new();
    let key_b = SigningKey::generate(Algorithm::ES256, "kb");
    let rule_b = IssuerRule::Exact(vec!["https://b.example".into()]);
    let mut issuer_b =
        TestIssuer::with_validation(Validation::access_token(rule_b, vec![AUDIENCE.into()]));
    issuer_b.keys = KeySet::from_entries(vec![entry(&key_b, None)]);
    let token = issuer_a.token(json!({"iss": "https://b.example"}));
    assert_eq!(issuer_b.verify(&token).err(), Some(UnknownKey));
}

const TID: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const MSA_TID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
const ENTRA_TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";

fn entra_issuer(key_issuer: &str) -> TestIssuer {
    let rule = IssuerRule::EntraTemplate {
        templates: vec![ENTRA_TEMPLATE.into()],
        allowed_tenants: None,
    };
    let mut validation = Validation::access_token(rule, vec![AUDIENCE.into()]);
    validation.kind = TokenKind::AccessToken {
        require_at_jwt: false,
        require_entra_shape: true,
    };
    let mut issuer = TestIssuer::with_validation(validation);
    issuer.keys = KeySet::from_entries(vec![entry(&KEY, Some(key_issuer))]);
    issuer
}

fn entra_claims(tid: &str) -> Value {
    json!({"iss": format!("https://login.microsoftonline.com/{tid}/v2.0"), "tid": tid, "scp": "read"})
}

#[test]
fn jwt_i10_entra_signing_key_issuer_must_match_the_token() {
    assert_eq!(
        entra_issuer(ENTRA_TEMPLATE).outcome(entra_claims(TID)),
        None
    );
    let msa_key = format!("https://login.microsoftonline.com/{MSA_TID}/v2.0");
    // A consumer (MSA) key signing a token that claims an organisation tenant.
    assert_eq!(
        entra_issuer(&msa_key).outcome(entra_claims(TID)),
        Some(WrongIssuer)
    );
    assert_eq!(entra_issuer(&msa_key).outcome(entra_claims(MSA_TID)), None);
}

#[test]
fn entra_v2_keys_verify_v1_tokens_of_an_accepted_tenant() {
    let mut issuer = entra_issuer(ENTRA_TEMPLATE);
    if let IssuerRule::EntraTemplate { templates, .. } = &mut issuer.validation.issuer {
        templates.push("https://sts.windows.net/{tenantid}/".into());
    }
    let v1 = json!({"iss": format!("https://sts.windows.net/{TID}/"), "tid": TID, "scp": "read"});
    assert_eq!(issuer.outcome(v1), None);
    let msa_key = format!("https://login.microsoftonline.com/{MSA_TID}/v2.0");
    issuer.keys = KeySet::from_entries(vec![entry(&KEY, Some(&msa_key))]);
    let v1 = json!({"iss": format!("https://sts.windows.net/{TID}/"), "tid": TID, "scp": "read"});
    assert_eq!(issuer.outcome(v1), Some(WrongIssuer));
}

#[test]
fn jwt_i11_google_issuer_spellings() {
    let rule = IssuerRule::Exact(vec![
        "accounts.google.com".into(),
        "https://accounts.google.com".into(),
    ]);
    let google = TestIssuer::with_validation(Validation::id_token(rule, vec![AUDIENCE.into()]));
    assert_eq!(google.outcome(json!({"iss": "accounts.google.com"})), None);
    assert_eq!(
        google.outcome(json!({"iss": "https://accounts.google.com"})),
        None
    );
    for iss in [
        "http://accounts.google.com",
        "https://accounts.google.com/",
        "accounts.google.com.evil",
    ] {
        assert_eq!(
            google.outcome(json!({"iss": iss})),
            Some(WrongIssuer),
            "{iss}"
        );
    }
}

#[test]
fn jwt_k01_id_token_is_not_an_access_token() {
    let issuer = TestIssuer::new();
    assert_eq!(
        issuer.outcome(json!({"nonce": "n-0S6_WzA2Mj"})),
        Some(WrongTokenType)
    );
    // Entra: no `scp` and no `roles` means an ID token even without a nonce.
    let entra = entra_issuer(ENTRA_TEMPLATE);
    let id_token =
        json!({"iss": format!("https://login.microsoftonline.com/{TID}/v2.0"), "tid": TID});
    assert_eq!(entra.outcome(id_token), Some(WrongTokenType));
}

const ENTRA_USER_OID: &str = "690222be-ff1a-4d56-abd1-7e4f7d38e474";
const ENTRA_APP_OID: &str = "99999999-8888-7777-6666-555555555555";

/// Entra v2 claims of `tid` with `changes` merged in (no `scp`, `roles` or `nonce` by default).
fn entra_v2_claims(changes: Value) -> Value {
    let mut claims = json!({
        "iss": format!("https://login.microsoftonline.com/{TID}/v2.0"), "tid": TID, "ver": "2.0",
    });
    merge(&mut claims, changes);
    claims
}

#[test]
fn jwt_k01_entra_id_token_with_app_roles_is_not_an_access_token() {
    // providers.md §1.4.5: a v2 ID token of a user assigned app roles carries `roles`, no
    // `nonce` (none was requested), no `scp`, and a pairwise `sub` that is not the `oid`.
    let id_token = entra_v2_claims(json!({
        "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", "oid": ENTRA_USER_OID,
        "roles": ["Orders.Admin"], "name": "Abe Lincoln", "preferred_username": "abe@contoso.com",
    }));
    assert_eq!(
        entra_issuer(ENTRA_TEMPLATE).outcome(id_token),
        Some(WrongTokenType)
    );
}

#[test]
fn entra_app_only_and_delegated_shapes_are_access_tokens() {
    let entra = entra_issuer(ENTRA_TEMPLATE);
    let app = |changes: Value| {
        let mut claims = json!({"sub": ENTRA_APP_OID, "oid": ENTRA_APP_OID, "azp": "client"});
        merge(&mut claims, changes);
        entra.outcome(entra_v2_claims(claims))
    };
    // App-only without the optional `idtyp` claim: `sub == oid` is the shape.
    assert_eq!(app(json!({"roles": ["Orders.Read.All"]})), None);
    assert_eq!(
        app(json!({"idtyp": "app", "roles": ["Orders.Read.All"]})),
        None
    );
    // providers.md §1.4.4(b): no role assignment required, so neither `roles` nor `scp`.
    assert_eq!(app(json!({})), None);
    // Delegated (§1.4.4(d)): `scp` and the user's app roles, pairwise `sub`.
    let delegated = entra_v2_claims(json!({
        "sub": "pairwise-subject-for-this-app", "oid": ENTRA_USER_OID,
        "scp": "access_as_user Orders.Read", "roles": ["Admin"],
    }));
    assert_eq!(entra.outcome(delegated), None);
}

fn typed(issuer: &TestIssuer, typ: &str) -> Option<VerifyErrorKind> {
    let token = issuer.mint_with_header(json!({"typ": typ}), &issuer.claims(json!({})));
    issuer.verify(&token).err()
}

#[test]
fn jwt_k02_rfc9068_issuer_requires_at_jwt() {
    let mut issuer = TestIssuer::new();
    issuer.validation.kind = TokenKind::AccessToken {
        require_at_jwt: true,
        require_entra_shape: false,
    };
    for typ in ["at+jwt", "application/at+jwt", "AT+JWT", "at+JWT"] {
        assert_eq!(typed(&issuer, typ), None, "{typ}");
    }
    assert_eq!(typed(&issuer, "JWT"), Some(WrongTokenType));
    assert_eq!(issuer.outcome(json!({})), Some(WrongTokenType));
}

#[test]
fn jwt_k03_logout_token_is_rejected() {
    let issuer = TestIssuer::new();
    let events =
        json!({"events": {"http://schemas.openid.net/event/backchannel-logout": {}}, "sid": "s"});
    let token =
        issuer.mint_with_header(json!({"typ": "logout+jwt"}), &issuer.claims(events.clone()));
    assert_eq!(issuer.verify(&token).err(), Some(WrongTokenType));
    // Untyped (pre-final spec) logout tokens are caught by `events`.
    assert_eq!(issuer.outcome(events), Some(WrongTokenType));
}

#[test]
fn jwt_k04_refresh_token_is_not_an_access_token() {
    let issuer = TestIssuer::new();
    assert_eq!(typed(&issuer, "refresh+jwt"), Some(WrongTokenType));
    assert_eq!(
        issuer.outcome(json!({"aud": "https://issuer.example/token"})),
        Some(WrongAudience)
    );
}

#[test]
fn jwt_k12_secevent_and_foreign_typ_are_rejected() {
    let issuer = TestIssuer::new();
    for typ in [
        "secevent+jwt",
        "application/secevent+jwt",
        "logout+jwt",
        "dpop+jwt",
        "id_token+jwt",
        "text/plain",
    ] {
        assert_eq!(typed(&issuer, typ), Some(WrongTokenType), "{typ}");
    }
    assert_eq!(typed(&issuer, "JWT"), None);
    assert_eq!(typed(&issuer, "at+jwt"), None);
}

#[test]
fn jwt_b09_sender_constrained_tokens_are_rejected() {
    let issuer = TestIssuer::new();
    let dpop = json!({"cnf": {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}});
    assert_eq!(issuer.outcome(dpop), Some(WrongTokenType));
    let mtls = json!({"cnf": {"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}});
    assert_eq!(issuer.outcome(mtls), Some(WrongTokenType));
}

#[test]
fn jwt_t15_local_clock_skew_follows_the_leeway_exactly() {
    let issuer = TestIssuer::new();
    let token = issuer.token(json!({}));
    issuer.clock.advance(Duration::from_secs(600 + 59));
    assert_eq!(issuer.verify(&token).err(), None);
    issuer.clock.advance(Duration::from_secs(1));
    assert_eq!(issuer.verify(&token).err(), Some(Expired));
    issuer.clock.rewind(Duration::from_secs(600 + 60 + 120));
    assert_eq!(issuer.verify(&token).err(), Some(NotYetValid));
}
