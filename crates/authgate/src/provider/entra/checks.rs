//! Entra's own claim checks, run after the generic validation: the token version of the
//! route, and guests (security.md JWT-S07).

use super::super::ClaimCheck;
use authgate_core::{Claims, VerifyError, VerifyErrorKind};

/// The checks of one Entra issuer route.
pub(super) struct EntraClaims {
    /// `ver` must be this (`1.0` or `2.0`): the version of the issuer the route matched.
    pub(super) version: &'static str,
    /// Whether guest accounts are accepted (`allow_guests`; default false).
    pub(super) allow_guests: bool,
}

impl ClaimCheck for EntraClaims {
    fn check(&self, claims: &Claims) -> Result<(), VerifyError> {
        if claims.get_str("ver") != Some(self.version) {
            return Err(VerifyError::new(
                VerifyErrorKind::InvalidClaim,
                format!("ver must be {:?} for this issuer", self.version),
            ));
        }
        if !self.allow_guests && is_guest(claims) {
            return Err(VerifyError::new(
                VerifyErrorKind::InvalidClaim,
                "a guest account (acct = 1, or idp names another tenant or Microsoft account): \
                 set allow_guests = true to accept guests",
            ));
        }
        Ok(())
    }
}

/// A guest of the tenant: `acct` is 1, or `idp` (present when another identity provider
/// authenticated the user) names something other than this tenant — another tenant's
/// `https://sts.windows.net/{tid}/`, `live.com` for a Microsoft account invited into an
/// organisation. Members' tokens carry no `idp`, or the token's own issuer (app-only tokens),
/// or an STS URL of their own tenant in any cloud's spelling. In the Microsoft-account tenant
/// (`consumers`) every user is a personal account and none is a guest, whatever `idp` says.
fn is_guest(claims: &Claims) -> bool {
    let acct_guest = claims
        .get("acct")
        .and_then(serde_json::Value::as_f64)
        .is_some_and(|acct| acct == 1.0);
    let tid = claims.get_str("tid");
    let foreign_idp = tid != Some(super::CONSUMERS_TENANT)
        && claims.get_str("idp").is_some_and(|idp| {
            let own_tenant = tid.is_some_and(|tid| idp.split('/').any(|part| part == tid));
            Some(idp) != claims.get_str("iss") && !own_tenant
        });
    acct_guest || foreign_idp
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TID: &str = "fa15d692-e9c7-4460-a743-29f2956fd429";

    fn check(extra: serde_json::Value, allow_guests: bool) -> Result<(), VerifyError> {
        let mut claims = json!({
            "ver": "2.0",
            "iss": format!("https://login.microsoftonline.com/{TID}/v2.0"),
            "tid": TID,
        });
        if let (Some(base), Some(extra)) = (claims.as_object_mut(), extra.as_object()) {
            base.extend(extra.clone());
        }
        let serde_json::Value::Object(map) = claims else {
            unreachable!("an object")
        };
        let claims = Claims::new(map);
        EntraClaims {
            version: "2.0",
            allow_guests,
        }
        .check(&claims)
    }

    #[test]
    fn jwt_s07_guests_are_refused_unless_allowed() {
        let guests = [
            json!({"acct": 1}),
            json!({"idp": "https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/"}),
            json!({"idp": "live.com"}),
        ];
        for guest in guests {
            assert!(check(guest.clone(), false).is_err(), "{guest}");
            assert!(check(guest.clone(), true).is_ok(), "{guest}");
        }
        let members = [
            json!({}),
            json!({"acct": 0}),
            json!({"idp": format!("https://login.microsoftonline.com/{TID}/v2.0")}),
            json!({"idp": format!("https://sts.windows.net/{TID}/")}),
            json!({"idp": format!("https://sts.chinacloudapi.cn/{TID}/")}),
        ];
        for member in members {
            assert!(check(member.clone(), false).is_ok(), "{member}");
        }
    }

    /// Personal accounts in the Microsoft-account tenant may name `live.com` or that
    /// tenant's STS as `idp`: none of them is a guest there.
    #[test]
    fn consumers_tenant_users_are_never_guests_by_idp() {
        let consumers = super::super::CONSUMERS_TENANT;
        for idp in [
            "live.com".to_owned(),
            format!("https://sts.windows.net/{consumers}/"),
        ] {
            let extra = json!({"tid": consumers, "idp": idp,
                "iss": format!("https://login.microsoftonline.com/{consumers}/v2.0")});
            assert!(check(extra, false).is_ok(), "{idp}");
        }
        assert!(check(json!({"tid": consumers, "acct": 1}), false).is_err());
    }

    #[test]
    fn the_version_must_be_the_routes() {
        assert!(check(json!({}), false).is_ok());
        assert!(check(json!({"ver": "1.0"}), true).is_err());
        assert!(check(json!({"ver": null}), true).is_err());
    }
}
