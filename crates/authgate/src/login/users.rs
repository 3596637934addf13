//! Users and identities: the identity key is (issuer, subject), never the email. The first
//! sign-in with an identity creates its user, unless `link_by_verified_email` links it to the
//! one existing user with that verified email; later sign-ins find it and record the login.
//! An explicit account-linking transaction links the identity to the signed-in user instead.

use super::LoginError;
use super::flow::Inner;
use super::id_token::Resolved;
use authgate_core::UnixTime;
use authgate_core::store::{NewUser, StoreError, User, UserId};

/// The user of `who`, created or linked at the first sign-in. Disabled users are refused.
pub(super) async fn resolve(
    inner: &Inner,
    who: &Resolved,
    now: UnixTime,
) -> Result<User, LoginError> {
    let users = &inner.stores.users;
    let identity = &who.new_identity;
    let found = users
        .user_by_identity(&identity.issuer, &identity.subject)
        .await
        .map_err(store)?;
    if let Some((user, _)) = found {
        return signed_in(inner, user, who, now).await;
    }
    if let Some(user) = linkable(inner, who).await? {
        if user.disabled {
            return Err(LoginError::UserDisabled);
        }
        users
            .link_identity(&user.id, identity, now)
            .await
            .map_err(store)?;
        tracing::info!(user = %user.id, provider = %identity.provider, "identity linked by verified email");
        return Ok(user);
    }
    let new_user = NewUser {
        display_name: who.display_name.clone(),
        email: identity.email.clone(),
    };
    match users.create_user(&new_user, identity, now).await {
        Ok(user) => Ok(user),
        // Two first sign-ins raced: the other created it.
        Err(StoreError::Conflict(_)) => {
            let (user, _) = users
                .user_by_identity(&identity.issuer, &identity.subject)
                .await
                .map_err(store)?
                .ok_or_else(|| LoginError::Store("identity vanished after a conflict".into()))?;
            signed_in(inner, user, who, now).await
        }
        Err(e) => Err(store(e)),
    }
}

/// An explicit account-linking completion: the identity of `who` belongs to `target` after
/// it, or nothing changes. Returns the user and whether a new identity was linked. Never
/// links by email.
pub(super) async fn link(
    inner: &Inner,
    who: &Resolved,
    target: &UserId,
    now: UnixTime,
) -> Result<(User, bool), LoginError> {
    let users = &inner.stores.users;
    let user = users
        .user(target)
        .await
        .map_err(store)?
        .ok_or_else(|| LoginError::InvalidCallback("the account to link to is gone".into()))?;
    if user.disabled {
        return Err(LoginError::UserDisabled);
    }
    let identity = &who.new_identity;
    if let Some(owner) = owner_of(inner, who).await? {
        return if owner == user.id {
            signed_in(inner, user, who, now).await.map(|u| (u, false))
        } else {
            Err(LoginError::IdentityTaken)
        };
    }
    match users.link_identity(&user.id, identity, now).await {
        Ok(_) => {
            tracing::info!(user = %user.id, provider = %identity.provider, "identity linked explicitly");
            Ok((user, true))
        }
        // A concurrent sign-in or link took it first: whoever owns it now decides.
        Err(StoreError::Conflict(_)) => match owner_of(inner, who).await? {
            Some(owner) if owner == user.id => {
                signed_in(inner, user, who, now).await.map(|u| (u, false))
            }
            _ => Err(LoginError::IdentityTaken),
        },
        Err(StoreError::NotFound(_)) => Err(LoginError::InvalidCallback(
            "the account to link to is gone".into(),
        )),
        Err(e) => Err(store(e)),
    }
}

/// The user the identity of `who` is linked to, if any.
async fn owner_of(inner: &Inner, who: &Resolved) -> Result<Option<UserId>, LoginError> {
    let identity = &who.new_identity;
    let found = inner
        .stores
        .users
        .user_by_identity(&identity.issuer, &identity.subject)
        .await
        .map_err(store)?;
    Ok(found.map(|(user, _)| user.id))
}

async fn signed_in(
    inner: &Inner,
    user: User,
    who: &Resolved,
    now: UnixTime,
) -> Result<User, LoginError> {
    if user.disabled {
        return Err(LoginError::UserDisabled);
    }
    inner
        .stores
        .users
        .record_login(&who.new_identity, now)
        .await
        .map_err(store)?;
    Ok(user)
}

/// With `link_by_verified_email`: the single user with this verified email, when the new
/// identity's email is verified too. Several candidates link to none.
async fn linkable(inner: &Inner, who: &Resolved) -> Result<Option<User>, LoginError> {
    let identity = &who.new_identity;
    if !inner.config.link_by_verified_email || !identity.email_verified {
        return Ok(None);
    }
    let Some(email) = identity.email.as_deref() else {
        return Ok(None);
    };
    let mut candidates = inner
        .stores
        .users
        .users_by_verified_email(email)
        .await
        .map_err(store)?;
    if candidates.len() > 1 {
        tracing::warn!(provider = %identity.provider, "several users share a verified email: not linking");
        return Ok(None);
    }
    Ok(candidates.pop())
}

/// An email as the store keeps it: trimmed and lowercased here (Unicode-aware), so SQLite's
/// ASCII-only `lower()` and PostgreSQL's Unicode one agree. Blank is no email.
pub(super) fn normalise_email(email: &str) -> Option<String> {
    let email = email.trim();
    (!email.is_empty()).then(|| email.to_lowercase())
}

fn store(e: StoreError) -> LoginError {
    LoginError::Store(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::normalise_email;

    #[test]
    fn emails_are_trimmed_and_lowercased_unicode_aware() {
        assert_eq!(
            normalise_email("  Dev.User@Example.COM ").as_deref(),
            Some("dev.user@example.com")
        );
        assert_eq!(
            normalise_email("ÜNÏ@Exämple.com").as_deref(),
            Some("ünï@exämple.com")
        );
        assert_eq!(normalise_email("   "), None);
    }
}
