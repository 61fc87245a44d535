//! Sign-in: bearer tokens to principals, password login with rate limits (SPEC §6).

use serde::Deserialize;
use time::OffsetDateTime;

use roster_domain::sign_in;
use roster_domain::{Email, ErrorCode, Kind, LoginMethod, Member, MembershipStatus};

use crate::app::{App, Principal};
use crate::error::{AppError, AppResult, OrgChoice};
use crate::ports::{Query, SkCondition};
use crate::rate_limits::{give_back_all, take_all, RateCounter, TakenSlot};
use crate::records::{DirectoryEntry, EndedSession, RefreshToken, TrustedDevice};
use crate::secrets::{constant_time_eq, sha256_hex, verify_password};
use crate::signing_keys::AccessClaims;
use crate::table;
use crate::tx::Tx;
use crate::views::{OpenIdConfiguration, TokensView};

/// Who a bearer token speaks for: the operator (its token's hash is configured) or a
/// member (a valid access token). The member's role is checked later, from its record.
pub fn authenticate(app: &App, bearer: Option<&str>) -> AppResult<Principal> {
    let Some(token) = bearer else {
        return Ok(Principal::Anonymous);
    };
    if let Some(expected) = &app.config.operator_token_sha256 {
        if constant_time_eq(sha256_hex(token).as_bytes(), expected.as_bytes()) {
            return Ok(Principal::Operator);
        }
    }
    let claims = app.keys.verify(token, app.now().unix_timestamp())?;
    Ok(Principal::Member {
        org_id: claims.org,
        member_id: claims.sub,
        password_change_only: claims.pwd_change,
        credential_version: claims.cv,
    })
}

/// The OpenID discovery document API Gateway's JWT authorizer reads to find the keys.
pub fn openid_configuration(app: &App) -> OpenIdConfiguration {
    let issuer = app.keys.issuer();
    OpenIdConfiguration {
        issuer: issuer.to_string(),
        jwks_uri: format!("{issuer}/.well-known/jwks.json"),
        id_token_signing_alg_values_supported: ["RS256"],
        response_types_supported: ["token"],
        subject_types_supported: ["public"],
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Login")]
pub struct LoginInput {
    pub email: String,
    pub password: String,
    pub org_id: Option<String>,
    /// What an earlier successful login from this client answered as `device_token`.
    pub device_token: Option<String>,
}

/// An Argon2id hash of a random password, verified when there is no account, so a
/// missing account takes as long to refuse as a wrong password.
async fn dummy_hash() -> &'static str {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_init(|| async { crate::secrets::hash_password(&crate::secrets::new_code()).await })
        .await
}

/// How long a client stays trusted after signing in with the right password.
const TRUSTED_DEVICE_DAYS: i64 = 90;

/// `POST /v1/auth/login`. The password is checked before anything about the email's
/// accounts is said: a wrong one answers `invalid_credentials` whether the email has no
/// account, one, or several. Every attempt takes a slot in the failed-login counters, per
/// email and per client IP, before the password is checked, in one atomic step each: a
/// burst never gets more passwords checked than the limit. A right password gives the
/// slots back. A client this email signed in from before (its device token) counts in a
/// counter of its own and not per IP: neither a stranger guessing the email nor others
/// failing behind the same address (a hospital's NAT) lock the person out.
pub async fn login(app: &App, ip: Option<&str>, input: LoginInput) -> AppResult<TokensView> {
    let window = app.config.login_window.whole_seconds();
    let email = Email::parse(&input.email).map_err(|_| AppError::Unauthorized(ErrorCode::InvalidCredentials))?;
    let now = app.now();
    let device = match input.device_token.as_deref() {
        Some(token) => trusted_device(app, token, &email).await?,
        None => None,
    };
    let by_client = match &device {
        Some(device_hash) => RateCounter::new("login_device", device_hash, window),
        None => RateCounter::new("login_email", email.as_str(), window),
    };
    let by_ip = match device {
        Some(_) => None,
        None => ip.map(|ip| RateCounter::per_client("login_ip", ip, window)),
    };
    let mut limits = vec![(&by_client, app.config.login_failures_per_email)];
    limits.extend(by_ip.as_ref().map(|by_ip| (by_ip, app.config.login_failures_per_ip)));
    let slots = take_all(app, &limits).await?;

    let accounts = match accounts_of(app, &email).await {
        Ok(accounts) => accounts,
        // Nothing was checked: the attempt does not count.
        Err(error) => {
            give_back_all(app, slots).await;
            return Err(error);
        }
    };
    let can_sign_in: Vec<&Member> = accounts
        .iter()
        .filter(|m| input.org_id.as_ref().is_none_or(|org| &m.org_id == org))
        .filter(|m| m.status == MembershipStatus::Licensed && m.kind == Kind::Full)
        .collect();
    let mut matching: Vec<&Member> = Vec::new();
    if can_sign_in.is_empty() {
        verify_password(&input.password, dummy_hash().await).await;
    }
    for member in can_sign_in {
        if let Some(hash) = member.password_hash.as_deref() {
            if verify_password(&input.password, hash).await {
                matching.push(member);
            }
        }
    }
    if matching.is_empty() {
        // The failure counts: its slots stay taken.
        slots.into_iter().for_each(TakenSlot::keep);
        return Err(AppError::Unauthorized(ErrorCode::InvalidCredentials));
    }
    give_back_all(app, slots).await;
    let member = match matching.as_slice() {
        [member] => *member,
        several => {
            let mut orgs = Vec::new();
            for member in several {
                let org = app.load_org(&member.org_id).await?;
                orgs.push(OrgChoice {
                    org_id: org.id,
                    name: org.name,
                });
            }
            return Err(AppError::OrgRequired { orgs });
        }
    };
    let org = app.load_org(&member.org_id).await?;
    if !sign_in::may_sign_in_with(&org.settings, member, LoginMethod::Password) {
        return Err(AppError::Domain(roster_domain::DomainError::Conflict(
            ErrorCode::LoginMethodNotAllowed,
        )));
    }
    // Nothing is written (a temporary password used up, a device trusted) before the
    // token can be signed.
    app.keys.ready_to_sign().await?;
    if member.password_temporary {
        use_temporary_password(app, member).await?;
    }
    let device_token = match (device, input.device_token) {
        (Some(_), Some(token)) => token,
        _ => trust_device(app, &email).await?,
    };
    // A temporary password's session only changes the password: it gets no refresh token.
    let session = if member.password_temporary {
        None
    } else {
        Some((crate::secrets::new_id(now), now + app.config.session_ttl))
    };
    let mut tx = Tx::new();
    let answer = issue_session(app, member, session, LoginMethod::Password, now, &mut tx).await?;
    tx.commit(app).await?;
    Ok(TokensView {
        device_token: Some(device_token),
        ..answer
    })
}

/// An access token for `member` and, within a `session` (its id and end) begun by
/// `method`, the next refresh token, stored hashed by `tx` (which the caller commits).
pub(crate) async fn issue_session(
    app: &App,
    member: &Member,
    session: Option<(String, OffsetDateTime)>,
    method: LoginMethod,
    now: OffsetDateTime,
    tx: &mut Tx,
) -> AppResult<TokensView> {
    let ttl = app.config.access_token_ttl;
    let claims = AccessClaims {
        iss: app.keys.issuer().to_string(),
        aud: app.keys.audience().to_string(),
        sub: member.id.clone(),
        org: member.org_id.clone(),
        iat: now.unix_timestamp(),
        exp: (now + ttl).unix_timestamp(),
        pwd_change: member.password_temporary,
        cv: member.credential_version,
    };
    let mut answer = TokensView {
        access_token: app.keys.sign(&claims).await?,
        token_type: "Bearer",
        expires_in: ttl.whole_seconds(),
        password_change_required: member.password_temporary,
        org_id: member.org_id.clone(),
        member_id: member.id.clone(),
        refresh_token: None,
        refresh_expires_in: None,
        device_token: None,
    };
    if let Some((session_id, session_ends_at)) = session {
        let token = crate::secrets::new_secret_token();
        let record = RefreshToken {
            org_id: member.org_id.clone(),
            member_id: member.id.clone(),
            session_id,
            credential_version: member.credential_version,
            session_ends_at,
            used: false,
            method,
        };
        tx.put_new(
            table::encode(table::refresh_pk(&sha256_hex(&token)), table::REFRESH_SK.into(), 1, &record)
                .expiring_at(session_ends_at + table::KEPT_AFTER_USE),
        );
        answer.refresh_token = Some(token);
        answer.refresh_expires_in = Some((session_ends_at - now).whole_seconds());
    }
    Ok(answer)
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Refresh")]
pub struct RefreshInput {
    pub refresh_token: String,
}

/// `POST /v1/auth/refresh`: a refresh token for a new access token and the next refresh
/// token of the same session. Each works once: a second use (a copied token) ends the
/// session. A session ends a working day after its login, when the member is removed or
/// unlicensed, and when the password changes.
pub async fn refresh(app: &App, input: RefreshInput) -> AppResult<TokensView> {
    let refused = || AppError::Unauthorized(ErrorCode::InvalidRefreshToken);
    let now = app.now();
    let pk = table::refresh_pk(&sha256_hex(&input.refresh_token));
    let item = app.store.get(&pk, table::REFRESH_SK).await?.ok_or_else(refused)?;
    let record: RefreshToken = table::decode(&item)?;
    if record.used {
        // Presented again: someone has a copy. End the session for both.
        end_session(app, &record.session_id, now).await?;
        return Err(refused());
    }
    if record.session_ends_at <= now
        || app
            .store
            .get(&table::session_pk(&record.session_id), table::ENDED_SK)
            .await?
            .is_some()
    {
        return Err(refused());
    }
    let member = app
        .find_member(&record.org_id, &record.member_id)
        .await?
        .filter(|m| m.status == MembershipStatus::Licensed && m.kind == Kind::Full)
        .filter(|m| m.credential_version == record.credential_version && !m.password_temporary)
        .ok_or_else(refused)?;
    // The way the session began must still be allowed (the org or an org admin may have
    // taken it away since).
    let org = app.load_org(&member.org_id).await?;
    if !sign_in::may_sign_in_with(&org.settings, &member, record.method) {
        return Err(AppError::Domain(roster_domain::DomainError::Conflict(
            ErrorCode::LoginMethodNotAllowed,
        )));
    }
    // Used up and replaced in one version-checked transaction: a lost answer leaves the
    // token unused, and of two refreshes at once one gets through, the other is a reuse.
    let mut tx = Tx::new();
    tx.put_next(table::encode(
        pk,
        table::REFRESH_SK.into(),
        item.version,
        &RefreshToken {
            used: true,
            ..record.clone()
        },
    ));
    let session = Some((record.session_id.clone(), record.session_ends_at));
    let answer = issue_session(app, &member, session, record.method, now, &mut tx).await?;
    match tx.commit(app).await {
        Ok(()) => Ok(answer),
        Err(AppError::Contention) => {
            end_session(app, &record.session_id, now).await?;
            Err(refused())
        }
        Err(error) => Err(error),
    }
}

async fn end_session(app: &App, session_id: &str, now: OffsetDateTime) -> AppResult<()> {
    let mut tx = Tx::new();
    // Kept while any refresh token of the session could still be presented.
    tx.put_new(
        table::encode(
            table::session_pk(session_id),
            table::ENDED_SK.into(),
            1,
            &EndedSession { ended_at: now },
        )
        .expiring_at(now + app.config.session_ttl + table::KEPT_AFTER_USE),
    );
    match tx.commit(app).await {
        // Already ended.
        Ok(()) | Err(AppError::Contention) => Ok(()),
        Err(error) => Err(error),
    }
}

/// A temporary password signs in once, for changing it (SPEC §6): the first login marks
/// it used, in a version-checked write, so of two logins at once only one gets in.
async fn use_temporary_password(app: &App, member: &Member) -> AppResult<()> {
    if member.temporary_password_used {
        return Err(AppError::Unauthorized(ErrorCode::TemporaryPasswordUsed));
    }
    let mut next = member.clone();
    next.temporary_password_used = true;
    let mut tx = Tx::new();
    tx.member(Some(member), &next);
    tx.commit(app).await.map_err(|error| match error {
        AppError::Contention => AppError::Unauthorized(ErrorCode::TemporaryPasswordUsed),
        other => other,
    })
}

/// The hash of `token` when it is a live device token of `email`.
async fn trusted_device(app: &App, token: &str, email: &Email) -> AppResult<Option<String>> {
    let hash = sha256_hex(token);
    let Some(item) = app.store.get(&table::device_pk(&hash), table::DEVICE_SK).await? else {
        return Ok(None);
    };
    let device: TrustedDevice = table::decode(&item)?;
    Ok((device.email == email.as_str() && device.expires_at > app.now()).then_some(hash))
}

/// Remembers this client as one `email` signed in from; answers its token.
async fn trust_device(app: &App, email: &Email) -> AppResult<String> {
    let token = crate::secrets::new_secret_token();
    let device = TrustedDevice {
        email: email.to_string(),
        expires_at: app.now() + time::Duration::days(TRUSTED_DEVICE_DAYS),
    };
    let mut tx = Tx::new();
    tx.put_new(
        table::encode(table::device_pk(&sha256_hex(&token)), table::DEVICE_SK.into(), 1, &device)
            .expiring_at(device.expires_at + table::KEPT_AFTER_USE),
    );
    tx.commit(app).await?;
    Ok(token)
}

/// Every account of an email across orgs, read consistently from the account directory.
/// Each account is read from the table itself and must still have the email.
pub async fn accounts_of(app: &App, email: &Email) -> AppResult<Vec<Member>> {
    let directory = app
        .query_all(Query::table(table::directory_pk(email), SkCondition::Any))
        .await?
        .iter()
        .map(table::decode::<DirectoryEntry>)
        .collect::<AppResult<Vec<_>>>()?;
    let mut accounts = Vec::new();
    for DirectoryEntry { org_id, member_id } in directory {
        if let Some(member) = app.find_member(&org_id, &member_id).await?.filter(|m| &m.email == email) {
            accounts.push(member);
        }
    }
    Ok(accounts)
}
