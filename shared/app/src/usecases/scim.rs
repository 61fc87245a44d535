//! Directory sync (SCIM 2.0, issue 23): the org's connection. An org admin issues a bearer
//! token for the org's identity provider; it is shown once, kept only as its SHA-256, names
//! the org it serves, and a new one replaces the old (rotation). The SCIM resources it
//! opens (`/scim/v2/Users`, `/scim/v2/Groups`) are `usecases::directory`.

use roster_domain::{Action, DomainError, OrgId};

use crate::app::{retrying, App, AppConfig, RequestContext};
use crate::error::AppResult;
use crate::ports::Condition;
use crate::records::ScimToken;
use crate::secrets::{constant_time_eq, new_secret_token, sha256_hex};
use crate::table;
use crate::tx::Tx;
use crate::views::{ScimConnectionView, ScimTokenView};

/// How every directory-sync token begins: `roster_scim_<org id>_<secret>`.
pub const TOKEN_PREFIX: &str = "roster_scim_";

/// The SCIM base URL an identity provider is given.
pub fn base_url(config: &AppConfig) -> String {
    format!("{}/scim/v2", config.public_url)
}

/// `POST /v1/orgs/{org}/scim/token`: a new token for the org's directory, replacing the one
/// before (which stops working at once). Org admins only.
pub async fn issue_scim_token(app: &App, ctx: &RequestContext, org_id: &OrgId) -> AppResult<ScimTokenView> {
    retrying(|| async {
        let (org, actor) = app.actor_in(ctx, org_id).await?;
        actor.authorize(Action::ManageDirectorySync, &org.settings)?;
        let pk = table::org_pk(&org.id);
        let current = app.store.get(&pk, table::SCIM_TOKEN_SK).await?;
        let now = app.now();
        let token = format!("{TOKEN_PREFIX}{}_{}", org.id, new_secret_token());
        let record = ScimToken {
            token_hash: sha256_hex(&token),
            issued_at: now,
            issued_by: actor.member_id.clone(),
        };
        let mut tx = Tx::new();
        let action = match &current {
            Some(item) => {
                tx.put_next(table::encode(pk, table::SCIM_TOKEN_SK.into(), item.version, &record));
                "scim_token_rotated"
            }
            None => {
                tx.put_new(table::encode(pk, table::SCIM_TOKEN_SK.into(), 1, &record));
                "scim_token_issued"
            }
        };
        tx.audit(&org.id, now, &ctx.origin(Some(&actor.member_id)), action, None, None, None);
        tx.commit(app).await?;
        Ok(ScimTokenView {
            token,
            base_url: base_url(&app.config),
        })
    })
    .await
}

/// `GET /v1/orgs/{org}/scim/token`: whether the org's directory is connected, since when
/// and by whom (never the token). Org admins only; 404 when the org has none.
pub async fn get_scim_connection(app: &App, ctx: &RequestContext, org_id: &OrgId) -> AppResult<ScimConnectionView> {
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::ManageDirectorySync, &org.settings)?;
    let item = app
        .store
        .get(&table::org_pk(&org.id), table::SCIM_TOKEN_SK)
        .await?
        .ok_or(DomainError::NotFound)?;
    let record: ScimToken = table::decode(&item)?;
    Ok(ScimConnectionView {
        issued_at: crate::views::rfc3339(record.issued_at),
        issued_by: record.issued_by,
        base_url: base_url(&app.config),
    })
}

/// `DELETE /v1/orgs/{org}/scim/token`: the directory's token stops working. Org admins only;
/// 404 when the org has none.
pub async fn revoke_scim_token(app: &App, ctx: &RequestContext, org_id: &OrgId) -> AppResult<()> {
    retrying(|| async {
        let (org, actor) = app.actor_in(ctx, org_id).await?;
        actor.authorize(Action::ManageDirectorySync, &org.settings)?;
        let pk = table::org_pk(&org.id);
        let current = app.store.get(&pk, table::SCIM_TOKEN_SK).await?.ok_or(DomainError::NotFound)?;
        let mut tx = Tx::new();
        tx.delete(pk, table::SCIM_TOKEN_SK.into(), Condition::Version(current.version));
        tx.audit(
            &org.id,
            app.now(),
            &ctx.origin(Some(&actor.member_id)),
            "scim_token_revoked",
            None,
            None,
            None,
        );
        tx.commit(app).await?;
        Ok(())
    })
    .await
}

/// The org a directory's bearer token serves: `None` for a token that is missing, malformed,
/// revoked or replaced. One consistent read of the org's token hash, compared in constant
/// time.
pub async fn org_of_token(app: &App, bearer: Option<&str>) -> AppResult<Option<String>> {
    let Some(token) = bearer else {
        return Ok(None);
    };
    let Some((org_id, _)) = token.strip_prefix(TOKEN_PREFIX).and_then(|rest| rest.split_once('_')) else {
        return Ok(None);
    };
    if org_id.parse::<OrgId>().is_err() {
        return Ok(None);
    }
    let Some(item) = app.store.get(&table::org_pk(org_id), table::SCIM_TOKEN_SK).await? else {
        return Ok(None);
    };
    let record: ScimToken = table::decode(&item)?;
    let presented = sha256_hex(token);
    Ok(constant_time_eq(presented.as_bytes(), record.token_hash.as_bytes()).then(|| org_id.to_string()))
}
