//! One-time sign-in codes by email (SPEC §6): asking for a code, which the email sender
//! sends to the address when it has an account that allows codes, and signing in with it
//! to every such account at once (the console's account switcher holds them all).

use serde::Deserialize;
use time::Duration;

use roster_domain::sign_in::may_sign_in_with;
use roster_domain::{DomainError, Email, ErrorCode, LoginMethod, Member, Org};

use crate::app::{retrying, App};
use crate::error::{AppError, AppResult};
use crate::rate_limits::{take_all, RateCounter, TakenSlot};
use crate::records::SignInCode;
use crate::secrets::{constant_time_eq, new_secret_token, sha256_hex};
use crate::table;
use crate::tx::Tx;
use crate::usecases::auth::{accounts_of, issue_session};
use crate::views::{AccountSessionView, SignInCodeSentView, SignInView};

/// How long a code works.
pub const SIGN_IN_CODE_TTL: Duration = Duration::minutes(10);
/// Wrong codes tried against one code before it works no more.
pub const SIGN_IN_CODE_TRIES: u32 = 5;
/// Codes are counted per email and per client IP in windows of an hour.
const REQUEST_WINDOW_SECONDS: i64 = 3600;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SignInCodeRequest")]
pub struct CodeRequest {
    #[schemars(with = "roster_domain::schema::EmailAddress")]
    pub email: String,
}

/// `POST /v1/auth/otp`: a new code for `email`, replacing the one before. The answer and
/// the work are the same whether or not the address has accounts: the code's record and
/// its email are always written, and the email sender decides, from the accounts, whether
/// anything is sent. Limited per email and per client IP (429 with `Retry-After`).
pub async fn request_code(app: &App, ip: Option<&str>, input: CodeRequest) -> AppResult<SignInCodeSentView> {
    let email = Email::parse(&input.email).map_err(|error| DomainError::Invalid(vec![error]))?;
    let by_email = RateCounter::new("sign_in_code_email", email.as_str(), REQUEST_WINDOW_SECONDS);
    let by_ip = ip.map(|ip| RateCounter::per_client("sign_in_code_ip", ip, REQUEST_WINDOW_SECONDS));
    let mut limits = vec![(&by_email, app.config.sign_in_codes_per_email)];
    limits.extend(by_ip.as_ref().map(|by_ip| (by_ip, app.config.sign_in_codes_per_ip)));
    // Every request counts, sent or not.
    take_all(app, &limits).await?.into_iter().for_each(TakenSlot::keep);

    let pk = table::sign_in_pk(&email);
    retrying(|| async {
        let now = app.now();
        let current = app.store.get(&pk, table::SIGN_IN_CODE_SK).await?;
        let code = SignInCode {
            challenge: new_secret_token(),
            expires_at: now + SIGN_IN_CODE_TTL,
            failures: 0,
            used: false,
        };
        let expires = code.expires_at + table::KEPT_AFTER_USE;
        let mut tx = Tx::new();
        // Version-checked against the code it replaces, so a verification that read the
        // older code can't write over the newer one.
        match &current {
            Some(item) => tx.put_next(table::encode(pk.clone(), table::SIGN_IN_CODE_SK.into(), item.version, &code).expiring_at(expires)),
            None => tx.put_new(table::encode(pk.clone(), table::SIGN_IN_CODE_SK.into(), 1, &code).expiring_at(expires)),
        }
        tx.sign_in_code_email(app, &email, &code.challenge);
        tx.commit(app).await
    })
    .await?;
    Ok(SignInCodeSentView {
        expires_in: SIGN_IN_CODE_TTL.whole_seconds(),
    })
}

/// The six digits of the code of `challenge` for `email`, derived from the token secret:
/// never stored, derived again to send and to check.
pub async fn sign_in_code(app: &App, email: &Email, challenge: &str) -> AppResult<String> {
    let secret = app.keys.derive_secret("sign-in-code", &format!("{email}:{challenge}")).await?;
    let digest = sha256_hex(&secret);
    let number = u64::from_str_radix(&digest[..15], 16).map_err(|_| AppError::Internal("a digest is hex".into()))?;
    Ok(format!("{:06}", number % 1_000_000))
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SignInCodeVerification")]
pub struct CodeVerification {
    #[schemars(with = "roster_domain::schema::EmailAddress")]
    pub email: String,
    /// The six digits the email carried (spaces between them are ignored).
    pub code: String,
}

/// `POST /v1/auth/otp/verify`: the email's current code signs in, once, to every account of
/// the email whose effective methods allow codes: a session (access and refresh token) for
/// each, with its org and role. A wrong code counts against the code's tries, in a
/// version-checked write made before the answer, so a burst of guesses gets no more than
/// `SIGN_IN_CODE_TRIES` answered. A wrong, expired, used or spent code answers
/// `401 invalid_code`; a right one for an address none of whose accounts allow codes,
/// `403 login_method_not_allowed`.
pub async fn verify_code(app: &App, input: CodeVerification) -> AppResult<SignInView> {
    let refused = || AppError::Unauthorized(ErrorCode::InvalidCode);
    let email = Email::parse(&input.email).map_err(|_| refused())?;
    let given: String = input.code.chars().filter(|c| !c.is_whitespace()).collect();
    let pk = table::sign_in_pk(&email);
    retrying(|| async {
        let now = app.now();
        let item = app.store.get(&pk, table::SIGN_IN_CODE_SK).await?.ok_or_else(refused)?;
        let mut code: SignInCode = table::decode(&item)?;
        if code.used || code.expires_at <= now || code.failures >= SIGN_IN_CODE_TRIES {
            return Err(refused());
        }
        let right = constant_time_eq(sign_in_code(app, &email, &code.challenge).await?.as_bytes(), given.as_bytes());
        if right {
            code.used = true;
        } else {
            code.failures += 1;
        }
        let mut tx = Tx::new();
        tx.put_next(
            table::encode(pk.clone(), table::SIGN_IN_CODE_SK.into(), item.version, &code)
                .expiring_at(code.expires_at + table::KEPT_AFTER_USE),
        );
        if !right {
            tx.commit(app).await?;
            return Err(refused());
        }
        let mut accounts = Vec::new();
        for (member, org) in code_accounts(app, &email).await? {
            let session = Some((crate::secrets::new_id(now), now + app.config.session_ttl));
            let tokens = issue_session(app, &member, session, LoginMethod::EmailOtp, now, &mut tx).await?;
            accounts.push(AccountSessionView {
                org_name: org.name,
                role: member.role,
                email: member.email.to_string(),
                tokens,
            });
        }
        // Used up either way: the code was right.
        tx.commit(app).await?;
        if accounts.is_empty() {
            return Err(AppError::Domain(DomainError::Conflict(ErrorCode::LoginMethodNotAllowed)));
        }
        Ok(SignInView { accounts })
    })
    .await
}

/// Most accounts one code signs in to: one transaction holds the code and a refresh token
/// per account.
const MAX_CODE_ACCOUNTS: usize = crate::ports::store::MAX_TRANSACTION_WRITES - 1;

/// The accounts of `email` that may sign in with a code now, with their orgs, oldest first.
pub async fn code_accounts(app: &App, email: &Email) -> AppResult<Vec<(Member, Org)>> {
    let mut allowed = Vec::new();
    for member in accounts_of(app, email).await? {
        let org = app.load_org(&member.org_id).await?;
        if may_sign_in_with(&org.settings, &member, LoginMethod::EmailOtp) {
            allowed.push((member, org));
        }
    }
    allowed.sort_by(|(a, _), (b, _)| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
    allowed.truncate(MAX_CODE_ACCOUNTS);
    Ok(allowed)
}
