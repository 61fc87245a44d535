//! Single sign-on per org (SPEC §6), OpenID Connect. An org admin sets the org's connection
//! (the client secret sealed, never answered, logged or audited), reads it and removes it;
//! each email domain it lists, once verified by a DNS TXT record, belongs to that org, so
//! `GET /v1/auth/sso/start?email=` finds its org. A sign-in starts at the org's provider, comes back to the callback (which checks
//! the answer and makes accounts just in time where the connection says so) and hands the
//! session to the console through a one-time code, never through a URL.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Deserialize;

use roster_domain::profile::parse_person_name;
use roster_domain::sign_in::may_sign_in_with;
use roster_domain::sso::{ownership_record_name, DomainOwnership, SsoJit, SsoSettings};
use roster_domain::{Action, DomainError, Email, ErrorCode, Kind, LoginMethod, Member, MembershipStatus, Org, OrgId, Role};

use crate::app::{retrying, App, RequestContext};
use crate::error::{AppError, AppResult};
use crate::ports::sealer::SealError;
use crate::ports::{Condition, IdentityError, Item, RelyingParty, VerifiedIdentity};
use crate::rate_limits::{take_all, RateCounter, TakenSlot};
use crate::records::{SsoAttempt, SsoConnection, SsoDomainClaim, SsoHandoff};
use crate::secrets::{constant_time_eq, new_secret_token, sha256_hex};
use crate::table;
use crate::tx::{Origin, Tx};
use crate::usecases::auth::issue_session;
use crate::usecases::membership::{commit_change, new_member, MemberChange, NewAccount};
use crate::views::{self, AccountSessionView, SignInView, SsoConnectionView};

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SsoConnectionRequest")]
pub struct SsoConnectionInput {
    /// The identity provider's issuer (its discovery document is at
    /// `<issuer>/.well-known/openid-configuration`): `https://`, or `http://` on loopback.
    #[schemars(length(min = 1, max = roster_domain::sso::MAX_ISSUER))]
    pub issuer: String,
    #[schemars(length(min = 1, max = roster_domain::sso::MAX_CLIENT_ID))]
    pub client_id: String,
    /// Sealed before it is stored; never answered.
    #[schemars(length(min = 1, max = roster_domain::sso::MAX_CLIENT_SECRET))]
    pub client_secret: String,
    /// Email domains whose people sign in through this connection (`?email=` at the start,
    /// and accounts just in time), once the org verified each by DNS; a domain another org
    /// verified is refused (`409 sso_domain_claimed`).
    #[serde(default)]
    #[schemars(length(max = roster_domain::sso::MAX_EMAIL_DOMAINS))]
    pub email_domains: Vec<String>,
    /// Whether people the provider signs in, with no account in the org, get one.
    pub jit: SsoJit,
}

pub(crate) fn sealing_failed(error: SealError) -> AppError {
    match error {
        SealError::Unavailable(why) => AppError::Unavailable(why),
        other => AppError::Internal(other.to_string()),
    }
}

/// The org's connection as stored, with its item's version.
pub(crate) async fn load_connection(app: &App, org_id: &str) -> AppResult<Option<(SsoConnection, u64)>> {
    let Some(item) = app.store.get(&table::org_pk(org_id), table::SSO_SK).await? else {
        return Ok(None);
    };
    Ok(Some((table::decode(&item)?, item.version)))
}

/// Which org holds `domain`'s claim (the one that verified it), with the claim's version.
async fn claim_owner(app: &App, domain: &str) -> AppResult<Option<(String, u64)>> {
    let Some(item) = app.store.get(&table::sso_domain_pk(domain), table::SSO_DOMAIN_SK).await? else {
        return Ok(None);
    };
    Ok(Some((table::decode::<SsoDomainClaim>(&item)?.org_id, item.version)))
}

/// Gives up `org_id`'s claims of `domains` (those it holds), each as read.
async fn release_claims<'a>(app: &App, tx: &mut Tx, org_id: &str, domains: impl Iterator<Item = &'a String>) -> AppResult<()> {
    for domain in domains {
        if let Some((owner, version)) = claim_owner(app, domain).await? {
            if owner == org_id {
                tx.delete(
                    table::sso_domain_pk(domain),
                    table::SSO_DOMAIN_SK.into(),
                    Condition::Version(version),
                );
            }
        }
    }
    Ok(())
}

/// `sso` can be named as a sign-in method only once the org's connection has been signed in
/// through (`409 sso_not_ready`). With `tx`, the write that names it commits only while the
/// connection is the one read.
pub(crate) async fn require_ready(app: &App, org_id: &str, tx: Option<&mut Tx>) -> AppResult<()> {
    match load_connection(app, org_id).await? {
        Some((connection, version)) if connection.tested_at.is_some() => {
            if let Some(tx) = tx {
                tx.check_version(table::org_pk(org_id), table::SSO_SK.into(), version);
            }
            Ok(())
        }
        _ => Err(DomainError::Conflict(ErrorCode::SsoNotReady).into()),
    }
}

/// `PUT /v1/orgs/{org}/sso`: sets (or replaces) the org's connection. A new issuer or
/// client must be signed in through again before `sso` can be enabled (`tested_at` is
/// cleared); the same one keeps its test.
pub async fn put_sso(app: &App, ctx: &RequestContext, org_id: &OrgId, input: SsoConnectionInput) -> AppResult<SsoConnectionView> {
    let (settings, client_secret) = SsoSettings::parse(
        &input.issuer,
        &input.client_id,
        &input.client_secret,
        &input.email_domains,
        input.jit,
    )?;
    // Who may set it is settled before anything is sealed.
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::ManageSso, &org.settings)?;
    if settings.issuer.starts_with("http://") && !app.config.sso_allow_http_issuers {
        return Err(DomainError::invalid("issuer", ErrorCode::Invalid, "an https:// URL").into());
    }
    let sealed = app
        .sealer
        .seal(client_secret.as_bytes(), org_id.as_str())
        .await
        .map_err(sealing_failed)?;
    let sealed = URL_SAFE_NO_PAD.encode(sealed);
    retrying(|| async {
        let (org, actor) = app.actor_in(ctx, org_id).await?;
        actor.authorize(Action::ManageSso, &org.settings)?;
        let now = app.now();
        let current = load_connection(app, &org.id).await?;
        let mut tx = Tx::new();
        let listed_before = current.as_ref().map(|(c, _)| &c.domains);
        let mut domains = std::collections::BTreeMap::new();
        for domain in &settings.email_domains {
            // A domain another org verified is that org's; a pending one may be listed by
            // several orgs until one of them shows it owns it.
            if claim_owner(app, domain).await?.is_some_and(|(owner, _)| owner != org.id) {
                return Err(DomainError::Conflict(ErrorCode::SsoDomainClaimed).into());
            }
            let ownership = listed_before
                .and_then(|listed| listed.get(domain).cloned())
                .unwrap_or_else(|| DomainOwnership {
                    token: new_secret_token(),
                    verified_at: None,
                });
            domains.insert(domain.clone(), ownership);
        }
        // The org keeps the claims of the domains it still lists and verified; any other
        // claim it holds (a domain given up, or claimed before domains were verified) goes.
        let unproven_or_dropped = current
            .iter()
            .flat_map(|(c, _)| c.settings.email_domains.iter())
            .chain(&settings.email_domains)
            .filter(|domain| domains.get(*domain).is_none_or(|ownership| ownership.verified_at.is_none()))
            .collect::<std::collections::BTreeSet<_>>();
        release_claims(app, &mut tx, &org.id, unproven_or_dropped.into_iter()).await?;
        let same_client = current
            .as_ref()
            .is_some_and(|(c, _)| c.settings.issuer == settings.issuer && c.settings.client_id == settings.client_id);
        let connection = SsoConnection {
            settings: settings.clone(),
            sealed_client_secret: sealed.clone(),
            tested_at: current.as_ref().and_then(|(c, _)| c.tested_at).filter(|_| same_client),
            updated_at: now,
            domains,
        };
        let item = table::encode(
            table::org_pk(&org.id),
            table::SSO_SK.into(),
            current.as_ref().map_or(1, |(_, v)| *v),
            &connection,
        );
        match current {
            Some(_) => tx.put_next(item),
            None => tx.put_new(item),
        }
        if connection.tested_at.is_none() && org.settings.login_methods.contains(&LoginMethod::Sso) {
            // The org signs in by SSO: a connection no one has signed in through would lock
            // it out. Keep the tested one, or take `sso` out first.
            return Err(DomainError::Conflict(ErrorCode::SsoInUse).into());
        }
        // Pins the org's sign-in methods as read.
        tx.check_org_version(&org.id, org.version);
        tx.audit(
            &org.id,
            now,
            &ctx.origin(Some(&actor.member_id)),
            "sso_configured",
            None,
            None,
            None,
        );
        tx.commit(app).await?;
        Ok(views::sso_connection(&app.config, &connection))
    })
    .await
}

/// `GET /v1/orgs/{org}/sso`.
pub async fn get_sso(app: &App, ctx: &RequestContext, org_id: &OrgId) -> AppResult<SsoConnectionView> {
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::ManageSso, &org.settings)?;
    let (connection, _) = load_connection(app, &org.id).await?.ok_or(DomainError::NotFound)?;
    Ok(views::sso_connection(&app.config, &connection))
}

/// `DELETE /v1/orgs/{org}/sso`: removes the connection and its domain claims; refused
/// while the org signs in by `sso` (`409 sso_in_use`).
pub async fn delete_sso(app: &App, ctx: &RequestContext, org_id: &OrgId) -> AppResult<()> {
    retrying(|| async {
        let (org, actor) = app.actor_in(ctx, org_id).await?;
        actor.authorize(Action::ManageSso, &org.settings)?;
        let (connection, version) = load_connection(app, &org.id).await?.ok_or(DomainError::NotFound)?;
        // Neither the org nor one of its org admins (by their own methods) may be left
        // signing in by a connection that is gone.
        let (admins, admins_version) = app.lasting_org_admins(&org.id).await?;
        let admin_uses_sso = admins
            .iter()
            .any(|admin| admin.login_methods.as_ref().is_some_and(|m| m.contains(&LoginMethod::Sso)));
        if org.settings.login_methods.contains(&LoginMethod::Sso) || admin_uses_sso {
            return Err(DomainError::Conflict(ErrorCode::SsoInUse).into());
        }
        let mut tx = Tx::new();
        if let Some(admins_version) = admins_version {
            tx.check_org_admins_version(&org.id, admins_version);
        }
        for admin in &admins {
            tx.check_member_version(admin);
        }
        tx.delete(table::org_pk(&org.id), table::SSO_SK.into(), Condition::Version(version));
        release_claims(app, &mut tx, &org.id, connection.settings.email_domains.iter()).await?;
        tx.check_org_version(&org.id, org.version);
        tx.audit(
            &org.id,
            app.now(),
            &ctx.origin(Some(&actor.member_id)),
            "sso_removed",
            None,
            None,
            None,
        );
        tx.commit(app).await?;
        Ok(())
    })
    .await
}

/// `POST /v1/orgs/{org}/sso/domains/{domain}/verify`: looks up the domain's TXT record and,
/// when it holds the connection's proof, claims the domain for the org (`?email=` sign-ins
/// for it start at the org's provider, and its people may get accounts just in time). The
/// first org to verify a domain has it (`409 sso_domain_claimed` for the others); a record
/// not there yet answers `409 sso_domain_unverified`. Verifying again changes nothing.
pub async fn verify_sso_domain(app: &App, ctx: &RequestContext, org_id: &OrgId, domain: &str) -> AppResult<SsoConnectionView> {
    let domain = roster_domain::sso::parse_email_domain(domain).ok_or(DomainError::NotFound)?;
    let pending = |connection: &SsoConnection| -> AppResult<DomainOwnership> {
        connection.domains.get(&domain).cloned().ok_or_else(|| DomainError::NotFound.into())
    };
    // DNS is asked once, outside the retries of the write.
    let (org, actor) = app.actor_in(ctx, org_id).await?;
    actor.authorize(Action::ManageSso, &org.settings)?;
    let (connection, _) = load_connection(app, &org.id).await?.ok_or(DomainError::NotFound)?;
    let ownership = pending(&connection)?;
    if ownership.verified_at.is_some() {
        return Ok(views::sso_connection(&app.config, &connection));
    }
    let record = ownership_record_name(&domain);
    let values = app
        .dns
        .txt(&record)
        .await
        .map_err(|error| AppError::Unavailable(error.to_string()))?;
    if !ownership.proven_by(&values) {
        tracing::info!(record = %record, found = values.len(), "no ownership proof in DNS yet");
        return Err(DomainError::Conflict(ErrorCode::SsoDomainUnverified).into());
    }
    retrying(|| async {
        let (org, actor) = app.actor_in(ctx, org_id).await?;
        actor.authorize(Action::ManageSso, &org.settings)?;
        let (mut connection, version) = load_connection(app, &org.id).await?.ok_or(DomainError::NotFound)?;
        let now_pending = pending(&connection)?;
        if now_pending.verified_at.is_some() {
            return Ok(views::sso_connection(&app.config, &connection));
        }
        if now_pending.token != ownership.token {
            // Listed anew since the lookup: its proof is another record now.
            return Err(DomainError::Conflict(ErrorCode::SsoDomainUnverified).into());
        }
        let claim = table::encode(
            table::sso_domain_pk(&domain),
            table::SSO_DOMAIN_SK.into(),
            1,
            &SsoDomainClaim { org_id: org.id.clone() },
        );
        let mut tx = Tx::new();
        match claim_owner(app, &domain).await? {
            Some((owner, _)) if owner != org.id => return Err(DomainError::Conflict(ErrorCode::SsoDomainClaimed).into()),
            // The org's own claim from before domains were verified: proven now.
            Some((_, claim_version)) => tx.put_next(Item {
                version: claim_version,
                ..claim
            }),
            // Two orgs verifying at once: one claim is written, the other's retry reads it.
            None => tx.put_new(claim),
        }
        let now = app.now();
        if let Some(ownership) = connection.domains.get_mut(&domain) {
            ownership.verified_at = Some(now);
        }
        tx.put_next(table::encode(table::org_pk(&org.id), table::SSO_SK.into(), version, &connection));
        tx.audit(
            &org.id,
            now,
            &ctx.origin(Some(&actor.member_id)),
            "sso_domain_verified",
            None,
            None,
            // The domain is what the event is about.
            Some(&domain),
        );
        tx.commit(app).await?;
        Ok(views::sso_connection(&app.config, &connection))
    })
    .await
}

/// How long a started sign-in waits for the provider's answer.
pub const SSO_ATTEMPT_TTL: time::Duration = time::Duration::minutes(10);
/// How long the console has to collect the session a finished sign-in opened.
pub const SSO_HANDOFF_TTL: time::Duration = time::Duration::minutes(2);
/// Sign-ins started per hour per client IP (each writes an attempt).
const STARTS_PER_IP_HOUR: u64 = 120;

fn relying_party<'a>(connection: &'a SsoConnection, redirect_uri: &'a str) -> RelyingParty<'a> {
    RelyingParty {
        issuer: &connection.settings.issuer,
        client_id: &connection.settings.client_id,
        redirect_uri,
    }
}

fn provider_failed(error: IdentityError) -> AppError {
    match error {
        IdentityError::Unavailable(why) => AppError::Unavailable(why),
        IdentityError::IssuerNotAllowed(issuer) => AppError::Unavailable(format!("the issuer {issuer} is not allowed here")),
        refused => {
            tracing::info!(reason = %refused, "single sign-on refused");
            AppError::Unauthorized(ErrorCode::SsoRefused)
        }
    }
}

/// `GET /v1/auth/sso/start?org=` or `?email=`: a new attempt at the org's provider (the org
/// named, or the one whose connection claims the email's domain); answers where to send the
/// browser. The attempt's state, nonce and PKCE verifier stay here, found by the state's hash.
/// The cookie that binds a sign-in's steps to the browser that started it.
pub const BROWSER_COOKIE: &str = "roster_sso";

/// A started sign-in: where the browser goes, and the value its cookie must carry back.
pub struct StartedSignIn {
    pub url: String,
    pub browser: String,
}

/// The `Set-Cookie` value for a started sign-in: sent back on the provider's redirect (a
/// top-level navigation, so `SameSite=Lax` carries it) and on the console's collection.
pub fn browser_cookie(app: &App, browser: &str) -> String {
    let secure = if app.config.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{BROWSER_COOKIE}={browser}; Path=/v1/auth/sso; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
        SSO_ATTEMPT_TTL.whole_seconds()
    )
}

/// Whether `cookie` is the browser value whose hash is `expected`.
fn same_browser(cookie: Option<&str>, expected: &str) -> bool {
    cookie.is_some_and(|value| constant_time_eq(sha256_hex(value).as_bytes(), expected.as_bytes()))
}

pub async fn start_sso(app: &App, ip: Option<&str>, org_id: Option<&OrgId>, email: Option<&str>) -> AppResult<StartedSignIn> {
    let email = email
        .map(Email::parse)
        .transpose()
        .map_err(|error| DomainError::Invalid(vec![error]))?;
    let org_id = match (org_id, &email) {
        (Some(org_id), None) => org_id.to_string(),
        (None, Some(email)) => claim_owner(app, email.domain()).await?.ok_or(DomainError::NotFound)?.0,
        _ => {
            return Err(DomainError::invalid("org", ErrorCode::Required, "either org or email, not both").into());
        }
    };
    let (connection, _) = load_connection(app, &org_id)
        .await?
        // By email, only a domain the connection lists and the org verified.
        .filter(|(connection, _)| email.as_ref().is_none_or(|email| connection.answers_for(email)))
        .ok_or(DomainError::NotFound)?;
    if let Some(ip) = ip {
        let by_ip = RateCounter::per_client("sso_start_ip", ip, 3600);
        take_all(app, &[(&by_ip, STARTS_PER_IP_HOUR)])
            .await?
            .into_iter()
            .for_each(TakenSlot::keep);
    }
    let redirect_uri = app.config.sso_redirect_uri();
    let request = app
        .identity
        .authorization_request(&relying_party(&connection, &redirect_uri), email.as_ref().map(Email::as_str))
        .await
        .map_err(provider_failed)?;
    let browser = new_secret_token();
    let attempt = SsoAttempt {
        org_id,
        issuer: connection.settings.issuer.clone(),
        client_id: connection.settings.client_id.clone(),
        browser_hash: sha256_hex(&browser),
        nonce: request.nonce,
        pkce_verifier: request.pkce_verifier,
        expires_at: app.now() + SSO_ATTEMPT_TTL,
    };
    let mut tx = Tx::new();
    tx.put_new(
        table::encode(
            table::sso_state_pk(&sha256_hex(&request.state)),
            table::SSO_STATE_SK.into(),
            1,
            &attempt,
        )
        .expiring_at(attempt.expires_at + table::KEPT_AFTER_USE),
    );
    tx.commit(app).await?;
    Ok(StartedSignIn { url: request.url, browser })
}

/// The provider's answer as the browser brings it back.
pub struct Callback<'a> {
    pub code: Option<&'a str>,
    pub state: Option<&'a str>,
    pub provider_error: Option<&'a str>,
    /// The browser's `roster_sso` cookie.
    pub browser: Option<&'a str>,
}

/// What a finished sign-in at the provider came to, for the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsoOutcome {
    /// Signed in: the console collects the session with this one-time code.
    SignedIn { handoff: String },
    /// An account was made just in time and waits for an admin's approval.
    PendingApproval,
}

impl SsoOutcome {
    /// The console page the browser is sent to: the outcome in the URL's fragment, which
    /// browsers never send to a server (no token ever is in a URL a server logs).
    pub fn console_url(app: &App, outcome: &AppResult<SsoOutcome>) -> String {
        let fragment = match outcome {
            Ok(SsoOutcome::SignedIn { handoff }) => format!("handoff={handoff}"),
            Ok(SsoOutcome::PendingApproval) => "pending_approval=1".to_string(),
            Err(error) => format!("error={}", error.code().as_str()),
        };
        format!("{}/sso#{fragment}", app.config.public_url)
    }
}

/// `GET /v1/auth/sso/callback?code=&state=`: the provider's answer. The attempt is used up
/// first (single use, so a replayed answer finds nothing), then the code is exchanged and the
/// ID token checked; the verified email is the org's member, or becomes one just in time when
/// the connection allows it. The first sign-in through a connection marks it tested. Only
/// the browser that started the sign-in (its cookie) may finish it.
pub async fn finish_sso(app: &App, callback: Callback<'_>) -> AppResult<SsoOutcome> {
    let Callback {
        code,
        state,
        provider_error,
        browser,
    } = callback;
    let state = state
        .filter(|s| !s.is_empty())
        .ok_or(AppError::Unauthorized(ErrorCode::SsoStateInvalid))?;
    let pk = table::sso_state_pk(&sha256_hex(state));
    let item = app
        .store
        .get(&pk, table::SSO_STATE_SK)
        .await?
        .ok_or(AppError::Unauthorized(ErrorCode::SsoStateInvalid))?;
    let attempt: SsoAttempt = table::decode(&item)?;
    if !same_browser(browser, &attempt.browser_hash) {
        return Err(AppError::Unauthorized(ErrorCode::SsoStateInvalid));
    }
    let mut used = Tx::new();
    used.delete(pk, table::SSO_STATE_SK.into(), Condition::Version(item.version));
    match used.commit(app).await {
        Err(AppError::Contention) => return Err(AppError::Unauthorized(ErrorCode::SsoStateInvalid)),
        other => other?,
    }
    if attempt.expires_at <= app.now() {
        return Err(AppError::Unauthorized(ErrorCode::SsoStateInvalid));
    }
    if let Some(error) = provider_error {
        tracing::info!(provider_error = %error, "the identity provider answered an error");
        return Err(AppError::Unauthorized(ErrorCode::SsoRefused));
    }
    let code = code
        .filter(|c| !c.is_empty())
        .ok_or(AppError::Unauthorized(ErrorCode::SsoRefused))?;
    let (connection, _) = load_connection(app, &attempt.org_id)
        .await?
        .filter(|(c, _)| c.settings.issuer == attempt.issuer && c.settings.client_id == attempt.client_id)
        .ok_or(AppError::Unauthorized(ErrorCode::SsoStateInvalid))?;
    let sealed = URL_SAFE_NO_PAD
        .decode(&connection.sealed_client_secret)
        .map_err(|_| AppError::Internal("a sealed client secret is not base64url".into()))?;
    let secret = app.sealer.open(&sealed, &attempt.org_id).await.map_err(sealing_failed)?;
    let secret = String::from_utf8(secret).map_err(|_| AppError::Internal("a sealed client secret is not text".into()))?;
    let redirect_uri = app.config.sso_redirect_uri();
    let identity = app
        .identity
        .verify(
            &relying_party(&connection, &redirect_uri),
            &secret,
            code,
            &attempt.pkce_verifier,
            &attempt.nonce,
        )
        .await
        .map_err(provider_failed)?;
    let email = Email::parse(&identity.email).map_err(|_| AppError::Unauthorized(ErrorCode::SsoRefused))?;
    // The provider vouched for someone: the connection works, whatever that person may do
    // here (an admin testing it before `sso` is enabled, most often).
    mark_tested(app, &attempt.org_id).await?;
    retrying(|| async {
        let org = app.load_org(&attempt.org_id).await?;
        let member = match app.find_member_by_email(&org.id, &email).await? {
            Some(member) => member,
            None => match just_in_time(app, &org, &connection, &identity, &email).await? {
                Some(member) if member.status == MembershipStatus::Licensed => member,
                Some(_) => return Ok(SsoOutcome::PendingApproval),
                None => return Err(AppError::Domain(DomainError::Conflict(ErrorCode::SsoNoAccount))),
            },
        };
        if !may_sign_in_with(&org.settings, &member, LoginMethod::Sso) {
            return Err(if member.status == MembershipStatus::Licensed && member.kind == Kind::Full {
                AppError::Domain(DomainError::Conflict(ErrorCode::LoginMethodNotAllowed))
            } else {
                AppError::Unauthorized(ErrorCode::AccountInactive)
            });
        }
        let handoff = new_secret_token();
        let mut tx = Tx::new();
        let expires_at = app.now() + SSO_HANDOFF_TTL;
        tx.put_new(
            table::encode(
                table::sso_handoff_pk(&sha256_hex(&handoff)),
                table::SSO_HANDOFF_SK.into(),
                1,
                &SsoHandoff {
                    org_id: org.id.clone(),
                    member_id: member.id.clone(),
                    browser_hash: attempt.browser_hash.clone(),
                    expires_at,
                },
            )
            .expiring_at(expires_at + table::KEPT_AFTER_USE),
        );
        tx.commit(app).await?;
        Ok(SsoOutcome::SignedIn { handoff })
    })
    .await
}

/// Records the first sign-in through the org's connection (`sso` may be enabled after).
async fn mark_tested(app: &App, org_id: &str) -> AppResult<()> {
    retrying(|| async {
        let Some((mut connection, version)) = load_connection(app, org_id).await? else {
            return Ok(());
        };
        if connection.tested_at.is_some() {
            return Ok(());
        }
        connection.tested_at = Some(app.now());
        let mut tx = Tx::new();
        tx.put_next(table::encode(table::org_pk(org_id), table::SSO_SK.into(), version, &connection));
        tx.commit(app).await
    })
    .await
}

/// A member for a person the org's provider vouched for, when the connection makes accounts
/// just in time: only for the email domains it claims, only while the org signs in by `sso`
/// (the new member follows the org's methods), licensed under the seat rules or waiting for
/// approval. Made during a freeze too: a freeze holds admins' and sweeps' changes, not people
/// arriving through their org's own provider. Answers none when no account is made.
async fn just_in_time(
    app: &App,
    org: &Org,
    connection: &SsoConnection,
    identity: &VerifiedIdentity,
    email: &Email,
) -> AppResult<Option<Member>> {
    let Some(status) = connection.settings.jit.new_account_status() else {
        return Ok(None);
    };
    if !connection.answers_for(email) || !org.settings.login_methods.contains(&LoginMethod::Sso) {
        return Ok(None);
    }
    let local_part = email.local_part();
    let name = |claim: &Option<String>, fallback: &str| {
        claim
            .as_deref()
            .and_then(|n| parse_person_name("name", n).ok())
            .unwrap_or_else(|| fallback.chars().take(roster_domain::profile::MAX_PERSON_NAME).collect())
    };
    let account = NewAccount {
        email: email.clone(),
        role: Role::Member,
        kind: Kind::Full,
        status,
        department_id: None,
        first_name: name(&identity.given_name, local_part),
        last_name: name(&identity.family_name, ""),
        phone: String::new(),
        position: None,
    };
    let member = new_member(&org.id, account, app.now());
    let origin = Origin { actor_id: None, ip: None };
    commit_change(
        app,
        MemberChange {
            org,
            origin: &origin,
            before: None,
            after: Some(&member),
            action: "member_joined_by_sso",
            reason: Some("just_in_time"),
            email: None,
        },
    )
    .await?;
    Ok(Some(member))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SsoSessionRequest")]
pub struct SsoSessionInput {
    /// The one-time code of the console URL's fragment (`#handoff=`).
    #[schemars(length(min = 1, max = 100))]
    pub handoff: String,
}

/// `POST /v1/auth/sso/session`: the console collects the session a finished single sign-on
/// opened, once, within two minutes, from the browser that started it; the member's methods
/// are checked again now.
pub async fn collect_sso_session(app: &App, browser: Option<&str>, input: SsoSessionInput) -> AppResult<SignInView> {
    let refused = || AppError::Unauthorized(ErrorCode::InvalidCode);
    let pk = table::sso_handoff_pk(&sha256_hex(input.handoff.trim()));
    let item = app.store.get(&pk, table::SSO_HANDOFF_SK).await?.ok_or_else(refused)?;
    let handoff: SsoHandoff = table::decode(&item)?;
    let now = app.now();
    if handoff.expires_at <= now || !same_browser(browser, &handoff.browser_hash) {
        return Err(refused());
    }
    let org = app.load_org(&handoff.org_id).await?;
    let member = app.find_member(&handoff.org_id, &handoff.member_id).await?.ok_or_else(refused)?;
    if !may_sign_in_with(&org.settings, &member, LoginMethod::Sso) {
        return Err(AppError::Domain(DomainError::Conflict(ErrorCode::LoginMethodNotAllowed)));
    }
    let mut tx = Tx::new();
    tx.delete(pk, table::SSO_HANDOFF_SK.into(), Condition::Version(item.version));
    let session = Some((crate::secrets::new_id(now), now + app.config.session_ttl));
    let tokens = issue_session(app, &member, session, LoginMethod::Sso, now, &mut tx).await?;
    match tx.commit(app).await {
        // Collected by a concurrent request: used once.
        Err(AppError::Contention) => return Err(refused()),
        other => other?,
    }
    Ok(SignInView {
        accounts: vec![AccountSessionView {
            org_name: org.name,
            role: member.role,
            email: member.email.to_string(),
            tokens,
        }],
    })
}
