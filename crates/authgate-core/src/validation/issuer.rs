//! Step 8: the issuer, and the Entra signing-key issuer (security.md §1.E).

use super::{IssuerRule, reject};
use crate::claims::{ClaimValue, Claims};
use crate::error::VerifyError;
use crate::error::VerifyErrorKind::{InvalidClaim, WrongIssuer};

/// The placeholder Entra's multi-tenant metadata and JWKS put where the tenant id goes.
const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// Checks `iss` against the issuer rule: exact string equality, no URL normalisation
/// (OIDC Core §3.1.3.7 #2; JWT-I01..I05, I09), or the Entra template (JWT-I07, JWT-I08).
pub(crate) fn issuer(claims: &Claims, rule: &IssuerRule) -> Result<(), VerifyError> {
    let iss = match claims.string("iss") {
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
/// whose JWKS entry carries an `issuer` may only verify tokens whose `iss` equals that issuer
/// with `{tenantid}` replaced by the token's `tid`. Keys without `issuer` are not restricted.
pub(crate) fn key_issuer(key_issuer: Option<&str>, claims: &Claims) -> Result<(), VerifyError> {
    let Some(key_issuer) = key_issuer else {
        return Ok(());
    };
    let Some(iss) = claims.get_str("iss") else {
        return Err(reject(WrongIssuer, "iss is missing or not a string"));
    };
    let matches = match split_template(key_issuer) {
        Some(_) => matches_template(key_issuer, tenant_id(claims)?, iss),
        None => key_issuer == iss,
    };
    if matches {
        Ok(())
    } else {
        Err(reject(
            WrongIssuer,
            "iss does not match the signing key's issuer",
        ))
    }
}

/// The `tid` claim, which must be a GUID (Entra docs: "Validate that the tid claim is a GUID").
fn tenant_id(claims: &Claims) -> Result<&str, VerifyError> {
    match claims.string("tid") {
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
    match split_template(template) {
        Some((prefix, suffix)) => iss
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .is_some_and(|middle| middle == tid),
        None => template == iss,
    }
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

/// `8-4-4-4-12` hexadecimal digits, either case.
pub(crate) fn is_guid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}
