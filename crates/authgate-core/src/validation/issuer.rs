//! Step 8: the issuer, and the Entra signing-key issuer (security.md §1.E).

use super::{IssuerRule, reject};
use crate::claims::{Claim, ClaimValue, Claims};
use crate::error::VerifyError;
use crate::error::VerifyErrorKind::{InvalidClaim, WrongIssuer};

/// The placeholder Entra's multi-tenant metadata and JWKS put where the tenant id goes.
const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// Checks `iss` against the issuer rule: exact string equality, no URL normalisation
/// (OIDC Core §3.1.3.7 #2; JWT-I01..I05, I09), or the Entra template (JWT-I07, JWT-I08).
pub(crate) fn issuer(claims: &Claims, rule: &IssuerRule) -> Result<(), VerifyError> {
    let iss = match claims.string(Claim::Iss) {
        ClaimValue::Present(iss) => iss,
        ClaimValue::Absent => return Err(reject(WrongIssuer, "iss is missing")),
        ClaimValue::Invalid => return Err(reject(InvalidClaim, "iss is not a string")),
    };
    match rule {
        IssuerRule::Exact(issuers) if issuers.iter().any(|i| i == iss) => Ok(()),
        IssuerRule::Exact(_) => Err(reject(WrongIssuer, "iss is not the configured issuer")),
        IssuerRule::EntraTemplate {
            templates,
            allowed_tenants,
        } => entra_issuer(iss, claims, templates, allowed_tenants.as_deref()),
    }
}

/// Entra multi-tenant (providers.md §1.2): `tid` is a GUID, on the allow-list when there is
/// one, and `iss` equals a template with `{tenantid}` replaced by exactly that `tid`.
fn entra_issuer(
    iss: &str,
    claims: &Claims,
    templates: &[String],
    allowed_tenants: Option<&[String]>,
) -> Result<(), VerifyError> {
    let tid = tenant_id(claims)?;
    if let Some(allowed) = allowed_tenants
        && !allowed.iter().any(|t| t.eq_ignore_ascii_case(tid))
    {
        return Err(reject(WrongIssuer, "tid is not an allowed tenant"));
    }
    if templates.iter().any(|t| matches_template(t, tid, iss)) {
        Ok(())
    } else {
        Err(reject(
            WrongIssuer,
            "iss does not match the issuer template for tid",
        ))
    }
}

/// Entra signing-key issuer validation (JWT-I10, "Validate the signing key issuer"): a key
/// whose JWKS entry carries an `issuer` may only verify tokens of that issuer, with
/// `{tenantid}` replaced by the token's `tid`. Keys without `issuer` are not restricted.
///
/// "Of that issuer" means: the key's (substituted) issuer equals the token's `iss`, or equals
/// an issuer the rule accepts for the same `tid`. The second form is IdentityModel's
/// `EnableAadSigningKeyIssuerValidation`, which lets keys of the v2 JWKS (tagged with the v2
/// issuer) verify the v1 tokens of the same tenant; a key tagged with one concrete tenant
/// (the MSA keys) still verifies only that tenant's tokens.
pub(crate) fn key_issuer(
    key_issuer: Option<&str>,
    claims: &Claims,
    rule: &IssuerRule,
) -> Result<(), VerifyError> {
    let Some(key_issuer) = key_issuer else {
        return Ok(());
    };
    let Some(iss) = claims.str_of(Claim::Iss) else {
        return Err(reject(WrongIssuer, "iss is missing or not a string"));
    };
    let key = match split_template(key_issuer) {
        Some(_) => substitute(key_issuer, tenant_id(claims)?),
        None => [key_issuer, "", ""],
    };
    if same_text(key, [iss, "", ""]) || accepted_for_tenant(key, iss, claims, rule) {
        Ok(())
    } else {
        Err(reject(
            WrongIssuer,
            "iss does not match the signing key's issuer",
        ))
    }
}

/// Whether the key's issuer is one the rule accepts for the token's `tid`, which `iss` must
/// name (IdentityModel IDX40004).
fn accepted_for_tenant(key: [&str; 3], iss: &str, claims: &Claims, rule: &IssuerRule) -> bool {
    let Some(tid) = claims
        .str_of(Claim::Tid)
        .filter(|tid| is_guid(tid) && iss.contains(*tid))
    else {
        return false;
    };
    let accepted = match rule {
        IssuerRule::Exact(issuers) => issuers,
        IssuerRule::EntraTemplate { templates, .. } => templates,
    };
    accepted
        .iter()
        .any(|issuer| same_text(key, substitute(issuer, tid)))
}

/// The `tid` claim, which must be a GUID (Entra docs: "Validate that the tid claim is a GUID").
fn tenant_id(claims: &Claims) -> Result<&str, VerifyError> {
    match claims.string(Claim::Tid) {
        ClaimValue::Present(tid) if is_guid(tid) => Ok(tid),
        ClaimValue::Absent => Err(reject(WrongIssuer, "tid is missing")),
        ClaimValue::Present(_) | ClaimValue::Invalid => {
            Err(reject(InvalidClaim, "tid is not a GUID"))
        }
    }
}

/// Whether `iss` equals `template` with its `{tenantid}` placeholder replaced by `tid`
/// (ordinal comparison, like IdentityModel's `AadIssuerValidator`). A template without the
/// placeholder must equal `iss` exactly. Allocation-free.
pub(crate) fn matches_template(template: &str, tid: &str, iss: &str) -> bool {
    same_text(substitute(template, tid), [iss, "", ""])
}

/// `template` with `{tenantid}` replaced by `tid`, as three parts to concatenate.
fn substitute<'a>(template: &'a str, tid: &'a str) -> [&'a str; 3] {
    match split_template(template) {
        Some((prefix, suffix)) => [prefix, tid, suffix],
        None => [template, "", ""],
    }
}

/// Whether two concatenations of parts are the same string (no allocation).
fn same_text(a: [&str; 3], b: [&str; 3]) -> bool {
    a.iter().map(|s| s.len()).sum::<usize>() == b.iter().map(|s| s.len()).sum::<usize>()
        && a.iter()
            .flat_map(|s| s.bytes())
            .eq(b.iter().flat_map(|s| s.bytes()))
}

/// The text before and after the (ASCII case-insensitive) `{tenantid}` placeholder.
fn split_template(template: &str) -> Option<(&str, &str)> {
    let at = template
        .as_bytes()
        .windows(TENANT_PLACEHOLDER.len())
        .position(|w| w.eq_ignore_ascii_case(TENANT_PLACEHOLDER.as_bytes()))?;
    Some((
        template.get(..at)?,
        template.get(at + TENANT_PLACEHOLDER.len()..)?,
    ))
}

/// Whether `s` is a GUID: `8-4-4-4-12` hexadecimal digits, either case (Entra tenant and
/// object ids).
pub fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}
