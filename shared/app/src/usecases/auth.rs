//! Sign-in: bearer tokens to principals, password login with rate limits (SPEC §6).

use serde::Deserialize;
use serde_json::{json, Value};

use roster_domain::{Email, Kind, LoginMethod, Member, MembershipStatus};

use crate::app::{retrying, App, Principal};
use crate::error::{AppError, AppResult};
use crate::ports::{IndexName, Query, SkCondition};
use crate::rate_limits::RateCounter;
use crate::secrets::{constant_time_eq, sha256_hex, verify_password};
use crate::signing_keys::AccessClaims;
use crate::table;
use crate::tx::Tx;

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
    })
}

/// The OpenID discovery document API Gateway's JWT authorizer reads to find the keys.
pub fn openid_configuration(app: &App) -> Value {
    let issuer = app.keys.issuer();
    json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
    pub org_id: Option<String>,
}

/// An Argon2id hash of a random password, verified when there is no account, so a
/// missing account takes as long to refuse as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| crate::secrets::hash_password(&crate::secrets::new_code()))
}

/// `POST /v1/auth/login`.
pub async fn login(app: &App, ip: Option<&str>, input: LoginInput) -> AppResult<Value> {
    let window = app.config.login_window.whole_seconds();
    let email = Email::parse(&input.email).map_err(|_| AppError::Unauthorized("invalid_credentials"))?;
    let by_email = RateCounter::new("login_email", email.as_str(), window);
    let by_ip = ip.map(|ip| RateCounter::new("login_ip", ip, window));
    let now = app.now();
    if by_email.current_count(app).await? >= app.config.login_failures_per_email {
        return Err(AppError::RateLimited {
            retry_after_seconds: by_email.retry_after(now),
        });
    }
    if let Some(by_ip) = &by_ip {
        if by_ip.current_count(app).await? >= app.config.login_failures_per_ip {
            return Err(AppError::RateLimited {
                retry_after_seconds: by_ip.retry_after(now),
            });
        }
    }

    let accounts = accounts_of(app, &email).await?;
    let candidates: Vec<&Member> = accounts
        .iter()
        .filter(|m| input.org_id.as_ref().is_none_or(|org| &m.org_id == org))
        .collect();
    if candidates.len() > 1 {
        return Err(AppError::invalid(
            "org_id",
            "org_required",
            "this email has accounts in several orgs: say which with org_id",
        ));
    }
    let account = candidates.first().copied();
    let hash = account.and_then(|m| m.password_hash.as_deref()).unwrap_or(dummy_hash());
    let password_ok = verify_password(&input.password, hash) && account.is_some_and(|m| m.password_hash.is_some());
    let Some(member) = account.filter(|m| password_ok && m.status == MembershipStatus::Licensed && m.kind == Kind::Full) else {
        record_failure(app, &by_email, by_ip.as_ref()).await?;
        return Err(AppError::Unauthorized("invalid_credentials"));
    };
    let org = app.load_org(&member.org_id).await?;
    let member_allows = member
        .login_methods
        .as_ref()
        .is_none_or(|methods| methods.contains(&LoginMethod::Password));
    if !org.settings.allows(LoginMethod::Password) || !member_allows {
        return Err(AppError::Domain(roster_domain::DomainError::Conflict("login_method_not_allowed")));
    }
    let ttl = app.config.access_token_ttl;
    let claims = AccessClaims {
        iss: app.keys.issuer().to_string(),
        aud: app.keys.audience().to_string(),
        sub: member.id.clone(),
        org: member.org_id.clone(),
        iat: now.unix_timestamp(),
        exp: (now + ttl).unix_timestamp(),
        pwd_change: member.password_temporary,
    };
    Ok(json!({
        "access_token": app.keys.sign(&claims),
        "token_type": "Bearer",
        "expires_in": ttl.whole_seconds(),
        "password_change_required": member.password_temporary,
        "org_id": member.org_id,
        "member_id": member.id,
    }))
}

/// Every account of an email across orgs (the email index).
pub async fn accounts_of(app: &App, email: &Email) -> AppResult<Vec<Member>> {
    let page = app
        .store
        .query(Query::index(IndexName::Gsi2, table::email_partition(email), SkCondition::Any))
        .await?;
    page.items.iter().map(table::decode_member).collect()
}

async fn record_failure(app: &App, by_email: &RateCounter, by_ip: Option<&RateCounter>) -> AppResult<()> {
    retrying(|| async {
        let mut tx = Tx::new();
        let now = app.now();
        by_email.add(&mut tx, now, by_email.current(app).await?.as_ref(), 1)?;
        if let Some(by_ip) = by_ip {
            by_ip.add(&mut tx, now, by_ip.current(app).await?.as_ref(), 1)?;
        }
        tx.commit(app).await
    })
    .await
}
