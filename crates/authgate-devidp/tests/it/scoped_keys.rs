//! Keys published for one flavor (JWT-I06) or one Entra tenant (JWT-I10), and signing with a
//! chosen published key.

use crate::common::{get_json, key_set, start, verify};
use authgate_core::{Jws, KeySet, VerifyErrorKind};
use authgate_devidp::{DEV_TENANT, Flavor, MSA_TENANT, MintRequest};

#[tokio::test]
async fn jwt_i06_a_flavor_key_is_published_only_in_that_flavors_jwks() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let google_kid = idp.add_key_for(Flavor::Google);
    assert_eq!(key_set(&http, idp, Flavor::Google).await.keys().len(), 2);
    let okta_keys = key_set(&http, idp, Flavor::Okta).await;
    assert_eq!(okta_keys.keys().len(), 1);
    let okta_token = idp
        .mint_with_kid(&MintRequest::new(Flavor::Okta), &google_kid)
        .unwrap();
    let jws = Jws::parse(&okta_token).unwrap();
    assert_eq!(
        okta_keys.candidates(jws.header()).unwrap_err().kind(),
        VerifyErrorKind::UnknownKey
    );
    let google_token = idp
        .mint_with_kid(&MintRequest::new(Flavor::Google), &google_kid)
        .unwrap();
    verify(&google_token, &key_set(&http, idp, Flavor::Google).await);
    // The shared key still signs by default.
    let default = idp.mint(&MintRequest::new(Flavor::Google));
    assert_eq!(
        Jws::parse(&default).unwrap().header().kid.as_deref(),
        Some(idp.active_kid().as_str())
    );
}

#[tokio::test]
async fn jwt_i10_a_tenant_key_names_its_own_tenant_in_the_common_jwks() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let msa_kid = idp.add_tenant_key(MSA_TENANT);
    let common = get_json(&http, &idp.jwks_url_for_tenant(Flavor::EntraV2, "common")).await;
    let keys = common["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let msa_key = keys.iter().find(|k| k["kid"] == msa_kid.as_str()).unwrap();
    assert_eq!(
        msa_key["issuer"],
        idp.issuer_for_tenant(Flavor::EntraV2, MSA_TENANT)
    );
    let dev = key_set(&http, idp, Flavor::EntraV2).await;
    assert_eq!(
        dev.keys().len(),
        1,
        "a tenant-bound key is not listed for other tenants"
    );
    assert_eq!(key_set(&http, idp, Flavor::Oidc).await.keys().len(), 1);
    // A DEV-tenant token signed with the MSA key verifies cryptographically, but the key's
    // issuer is not the token's: key-issuer validation must refuse it.
    let token = idp
        .mint_with_kid(
            &MintRequest::new(Flavor::EntraV2).scopes(["access_as_user"]),
            &msa_kid,
        )
        .unwrap();
    let common_keys = KeySet::from_jwks_json(common.to_string().as_bytes()).unwrap();
    let (header, claims) = verify(&token, &common_keys);
    assert_eq!(claims["tid"], DEV_TENANT);
    let key = common_keys.candidates(&header).unwrap()[0];
    assert_ne!(key.issuer.as_deref(), claims["iss"].as_str());
}

#[tokio::test]
async fn mint_with_kid_signs_with_an_older_published_key() {
    let (running, http) = start().await;
    let idp = &running.idp;
    let old_kid = idp.active_kid();
    idp.rotate_keys();
    let token = idp
        .mint_with_kid(&MintRequest::new(Flavor::Auth0), &old_kid)
        .unwrap();
    let (header, _) = verify(&token, &key_set(&http, idp, Flavor::Auth0).await);
    assert_eq!(header.kid.as_deref(), Some(old_kid.as_str()));
    assert_eq!(
        idp.mint_with_kid(&MintRequest::new(Flavor::Auth0), "no-such-kid"),
        None
    );
}
