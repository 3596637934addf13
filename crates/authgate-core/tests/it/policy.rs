//! Policies: compiling `[policies.NAME]` specs and evaluating them over principals built from
//! verified tokens (DESIGN.md "Configuration", security.md JWT-K07).

use crate::pipeline::TestIssuer;
use authgate_core::{Denial, Policy, PolicySpec, Principal};
use serde_json::{Value, json};

fn spec(value: Value) -> PolicySpec {
    serde_json::from_value(value).expect("valid policy spec")
}

fn compile(value: Value) -> Policy {
    spec(value).compile().expect("policy compiles")
}

fn compile_error(value: Value) -> String {
    spec(value).compile().expect_err("policy must not compile")
}

fn user(changes: Value) -> Principal {
    TestIssuer::new().principal(changes)
}

fn denial(policy: &Policy, principal: &Principal) -> Denial {
    policy.evaluate(principal).expect_err("policy must deny")
}

#[test]
fn empty_spec_compiles_to_authenticated() {
    assert_eq!(compile(json!({})), Policy::Authenticated);
    assert_eq!(compile(json!({})).evaluate(&user(json!({}))), Ok(()));
}

#[test]
fn members_combine_with_all() {
    let policy = compile(json!({"scopes": ["read"], "roles": ["Admin"]}));
    assert_eq!(
        policy,
        Policy::All(vec![
            Policy::Scopes(vec!["read".into()]),
            Policy::Roles(vec!["Admin".into()])
        ])
    );
    assert_eq!(
        policy.evaluate(&user(json!({"scp": "read", "roles": ["Admin"]}))),
        Ok(())
    );
    let d = denial(&policy, &user(json!({"scp": "read"})));
    assert_eq!(
        (d.missing_scopes.len(), d.missing_roles.as_slice()),
        (0, ["Admin".to_owned()].as_slice())
    );
}

#[test]
fn require_read_access_lists_the_missing_scope() {
    let policy = compile(json!({"scopes": ["read_data"]}));
    assert_eq!(
        policy.evaluate(&user(json!({"scp": "read_data write"}))),
        Ok(())
    );
    let d = denial(&policy, &user(json!({"scp": "write"})));
    assert_eq!(d.missing_scopes, ["read_data"]);
    assert_eq!(d.reasons.len(), 1);
}

#[test]
fn any_lists_the_scopes_of_every_alternative() {
    let policy = compile(
        json!({"any": [{"scopes": ["admin"]}, {"scopes": ["orders.write"]}, {"roles": ["Admin"]}]}),
    );
    assert_eq!(policy.evaluate(&user(json!({"roles": ["Admin"]}))), Ok(()));
    assert_eq!(
        policy.evaluate(&user(json!({"scp": "orders.write"}))),
        Ok(())
    );
    let d = denial(&policy, &user(json!({"scp": "read"})));
    assert_eq!(d.missing_scopes, ["admin", "orders.write"]);
    assert_eq!(d.missing_roles, ["Admin"]);
    assert_eq!(d.reasons.len(), 3);
}

#[test]
fn nested_all_any_not() {
    let policy = compile(json!({
        "all": [{"any": [{"groups": ["g1"]}, {"tenants": ["t1"]}]}],
        "not": {"claims": {"acct": [1]}},
    }));
    assert_eq!(policy.evaluate(&user(json!({"groups": ["g1"]}))), Ok(()));
    assert_eq!(policy.evaluate(&user(json!({"tid": "T1"}))), Ok(()));
    let outsider = denial(&policy, &user(json!({})));
    assert_eq!(
        outsider.reasons,
        ["missing groups: g1", "tenant is not allowed"]
    );
    let guest = denial(&policy, &user(json!({"groups": ["g1"], "acct": 1})));
    assert_eq!(guest.reasons, ["excluded by a not rule"]);
}

#[test]
fn claim_values_match_scalars_and_array_members() {
    let policy = compile(json!({"claims": {"department": ["sales", "ops"], "amr": ["mfa"]}}));
    assert_eq!(
        policy.evaluate(&user(json!({"department": "ops", "amr": ["pwd", "mfa"]}))),
        Ok(())
    );
    let d = denial(&policy, &user(json!({"department": "ops", "amr": ["pwd"]})));
    assert_eq!(d.reasons, ["claim amr does not have an accepted value"]);
    assert!(
        policy
            .evaluate(&user(json!({"department": ["legal"], "amr": "mfa"})))
            .is_err()
    );
    assert!(policy.evaluate(&user(json!({"amr": "mfa"}))).is_err());
}

#[test]
fn jwt_k07_app_only_token_is_denied_at_a_user_endpoint() {
    let users_only = compile(json!({"principal_type": "user", "scopes": ["Orders.Read"]}));
    let apps_only = compile(json!({"principal_type": "app"}));
    let app = user(json!({"sub": "svc", "client_id": "svc", "scope": "Orders.Read"}));
    assert!(app.app_only);
    let d = denial(&users_only, &app);
    assert_eq!(d.reasons, ["requires a user, not an app-only token"]);
    assert_eq!(apps_only.evaluate(&app), Ok(()));
    let human = user(json!({"scp": "Orders.Read", "azp": "spa"}));
    assert_eq!(users_only.evaluate(&human), Ok(()));
    assert!(apps_only.evaluate(&human).is_err());
}

#[test]
fn jwt_k07_entra_app_only_token_is_denied_at_a_user_endpoint() {
    let users_only = compile(json!({"principal_type": "user", "roles": ["Orders.Read.All"]}));
    let oid = "99999999-8888-7777-6666-555555555555";
    let entra_app = |extra: Value| {
        let mut changes =
            json!({"oid": oid, "sub": oid, "azp": "daemon", "roles": ["Orders.Read.All"]});
        crate::pipeline::merge(&mut changes, extra);
        user(changes)
    };
    for app in [entra_app(json!({"idtyp": "app"})), entra_app(json!({}))] {
        assert!(app.app_only);
        assert!(users_only.evaluate(&app).is_err());
    }
    let delegated = entra_app(json!({"sub": "pairwise", "scp": "access_as_user"}));
    assert_eq!(users_only.evaluate(&delegated), Ok(()));
}

#[test]
fn jwt_k08_client_named_like_a_user_is_not_that_user() {
    let policy = compile(json!({"principal_type": "user"}));
    let impostor = user(json!({"sub": "alice", "client_id": "alice"}));
    assert!(impostor.app_only);
    assert!(policy.evaluate(&impostor).is_err());
}

#[test]
fn principal_type_must_be_user_or_app() {
    assert_eq!(
        compile_error(json!({"principal_type": "robot"})),
        "principal_type: must be \"user\" or \"app\""
    );
    let nested = compile_error(json!({"any": [{"scopes": ["a"]}, {"principal_type": "User"}]}));
    assert_eq!(nested, "any[1].principal_type: must be \"user\" or \"app\"");
}

#[test]
fn bad_members_are_named_by_path() {
    assert_eq!(
        compile_error(json!({"scopes": ["ok", "two words"]})),
        "scopes[1]: not a valid value"
    );
    assert_eq!(
        compile_error(json!({"scopes": ["quote\""]})),
        "scopes[0]: not a valid value"
    );
    assert_eq!(
        compile_error(json!({"roles": [""]})),
        "roles[0]: not a valid value"
    );
    assert_eq!(
        compile_error(json!({"claims": {"dept": []}})),
        "claims.dept: needs at least one accepted value"
    );
    assert_eq!(
        compile_error(json!({"not": {}})),
        "not: an empty policy under not denies everyone"
    );
    assert!(
        serde_json::from_value::<PolicySpec>(json!({"scope": ["a"]})).is_err(),
        "unknown member"
    );
}

#[test]
fn tenants_compare_guids_case_insensitively() {
    let tid = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
    let policy = compile(json!({"tenants": [tid.to_uppercase()]}));
    assert_eq!(policy.evaluate(&user(json!({"tid": tid}))), Ok(()));
    assert_eq!(
        denial(&policy, &user(json!({}))).reasons,
        ["tenant is not allowed"]
    );
}
