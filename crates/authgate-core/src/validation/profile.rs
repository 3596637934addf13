//! Step 11: profile checks on `sub`, client and tenant ids, scope and role claims, `cnf`
//! (security.md §1 step 11, §1.I, JWT-J04, JWT-J08, JWT-B09).

use super::reject;
use crate::claims::{Claim, ClaimValue, Claims};
use crate::error::VerifyError;
use crate::error::VerifyErrorKind::{InvalidClaim, MissingClaim, WrongTokenType};

/// Claims that identify someone: when present they must be non-empty strings without control
/// characters (JWT-S02, JWT-J08: never truncate or reinterpret `"alice\u0000admin"`).
const IDENTIFIERS: [Claim; 7] = [
    Claim::Sub,
    Claim::Oid,
    Claim::Tid,
    Claim::Azp,
    Claim::Appid,
    Claim::Cid,
    Claim::ClientId,
];

/// Claims that feed authorization: when present they must be a string or an array of
/// strings, with at most [`MAX_CLAIM_VALUES`] elements (JWT-J04).
const AUTHORIZATION_CLAIMS: [Claim; 6] = [
    Claim::Scp,
    Claim::Scope,
    Claim::Roles,
    Claim::Groups,
    Claim::Permissions,
    Claim::Wids,
];

/// The most elements an authorization claim array may have.
pub(crate) const MAX_CLAIM_VALUES: usize = 1024;

/// Every configured required claim is present (JWT-S01). Claim names come from
/// configuration, never from the token, so they may appear in the error detail.
pub(crate) fn required_claims(claims: &Claims, required: &[String]) -> Result<(), VerifyError> {
    match required.iter().find(|name| !claims.contains(name)) {
        Some(name) => Err(VerifyError::new(MissingClaim, format!("{name} is missing"))),
        None => Ok(()),
    }
}

/// RFC 7519 §4.1.2 and JWT-S02, JWT-J08: identifier claims are usable strings.
pub(crate) fn identifiers(claims: &Claims) -> Result<(), VerifyError> {
    for name in IDENTIFIERS {
        match claims.string(name) {
            ClaimValue::Absent => {}
            ClaimValue::Present(s) if is_identifier(s) => {}
            ClaimValue::Present(_) | ClaimValue::Invalid => {
                let detail = format!(
                    "{} is not a non-empty string without control characters",
                    name.name()
                );
                return Err(VerifyError::new(InvalidClaim, detail));
            }
        }
    }
    Ok(())
}

/// A non-empty string without control characters (C0, DEL, C1).
pub(crate) fn is_identifier(s: &str) -> bool {
    !s.is_empty() && !has_control(s)
}

/// Whether `s` holds a control character (`char::is_control`: C0, DEL, C1), decided on bytes:
/// C0 and DEL are single bytes, and C1 (U+0080..U+009F) is always encoded `C2 80`..`C2 9F`
/// in UTF-8. Much cheaper than decoding every `char` of every identifier of every token.
pub(crate) fn has_control(s: &str) -> bool {
    let bytes = s.as_bytes();
    // No early exit: the loop vectorises, and identifiers are short.
    let c0_or_del = bytes
        .iter()
        .fold(false, |found, &b| found | (b < 0x20) | (b == 0x7F));
    c0_or_del
        || (!s.is_ascii()
            && bytes
                .windows(2)
                .any(|pair| matches!(pair, [0xC2, 0x80..=0x9F])))
}

/// Scope, role and group claims have one unambiguous reading, so the principal and the policy
/// see what was signed, and bounded sizes (JWT-J04).
pub(crate) fn authorization_claims(claims: &Claims) -> Result<(), VerifyError> {
    for name in AUTHORIZATION_CLAIMS {
        match claims.str_or_array(name) {
            ClaimValue::Absent => {}
            ClaimValue::Present(values) if values.len() <= MAX_CLAIM_VALUES => {}
            ClaimValue::Present(_) => {
                return Err(VerifyError::new(
                    InvalidClaim,
                    format!("{} has too many values", name.name()),
                ));
            }
            ClaimValue::Invalid => {
                let detail = format!("{} is not a string or an array of strings", name.name());
                return Err(VerifyError::new(InvalidClaim, detail));
            }
        }
    }
    Ok(())
}

/// RFC 9449 §7.1–7.2, RFC 8705 §3 (JWT-B09): a sender-constrained token (`cnf`, e.g. DPoP
/// `jkt` or mTLS `x5t#S256`) must come with its proof. authgate does not check proofs yet, so
/// every token bound to a key is rejected rather than accepted as a plain bearer token.
pub(crate) fn no_confirmation(claims: &Claims) -> Result<(), VerifyError> {
    match claims.object(Claim::Cnf) {
        ClaimValue::Absent => Ok(()),
        ClaimValue::Present(()) => Err(reject(WrongTokenType, "sender-constrained (cnf) token")),
        ClaimValue::Invalid => Err(reject(InvalidClaim, "cnf is not an object")),
    }
}

#[cfg(test)]
mod tests {
    use super::has_control;

    #[test]
    fn has_control_agrees_with_char_is_control() {
        let mut text = String::new();
        for c in (0u32..0x800)
            .chain([0xFEFF, 0x2028, 0x1F600])
            .filter_map(char::from_u32)
        {
            let alone = c.to_string();
            assert_eq!(has_control(&alone), c.is_control(), "{:#x}", u32::from(c));
            let inside = format!("ab{c}é");
            assert_eq!(has_control(&inside), c.is_control(), "{:#x}", u32::from(c));
            text.push(c);
        }
        assert!(has_control(&text));
        assert!(!has_control("HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ"));
        assert!(!has_control("ключ-1 ¢ \u{a0}"));
    }
}
