//! `App`: the ports and settings every use case runs with, and the loads they share.

use std::future::Future;
use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use roster_domain::{Actor, Department, DepartmentId, DomainError, Email, Kind, Member, MembershipStatus, Org};

use crate::error::{AppError, AppResult};
use crate::ports::{Clock, DomainRecords, IdentityProviders, Item, Mailer, Query, Queue, Sealer, SkCondition, Store};
use crate::records::{DirectoryEntry, LegacySeatCounter, OrgAdminCounter, SeatCount};
use crate::signing_keys::SigningKeys;
use crate::table;
use roster_domain::ErrorCode;

/// Settings read once at start by the entry point.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where people reach Roster, for links in emails (no trailing slash).
    pub public_url: String,
    /// Links in invitation emails are `<accept_url>/<token>`.
    pub accept_url: String,
    pub mail_from: String,
    pub access_token_ttl: Duration,
    /// How long a session lasts through refresh tokens (a working day), from its login.
    pub session_ttl: Duration,
    /// How long an email may stay unsent before delivery repair queues it again.
    pub delivery_grace: Duration,
    /// How long a delivery's claim on an outbox entry lasts (longer than a send takes).
    pub email_claim_lease: Duration,
    /// Members on one page of the CSV export (`members::EXPORT_PAGE_MEMBERS`).
    pub export_page_members: usize,
    /// How long a scheduled expiry job has to be applied before it is scheduled again.
    pub expiry_job_lease: Duration,
    /// How long a queue worker outside Lambda (the local server, tests) gives one message;
    /// long work (an import) checkpoints and hands the rest on in a new message after it.
    /// A Lambda uses its invocation's deadline instead.
    pub message_time_budget: std::time::Duration,
    /// How long one API request may work before long work (a bulk edit) stops and answers
    /// what it did and what it did not, where no invocation deadline applies (the local
    /// server, tests); a Lambda uses its invocation's deadline less a margin.
    pub request_time_budget: std::time::Duration,
    /// SHA-256 (hex) of the operator's bearer token, when an operator is configured.
    pub operator_token_sha256: Option<String>,
    /// Free plans: imported users per day per admin and per client IP.
    pub free_import_daily_limit: u64,
    /// Failed logins allowed per window, per email and per client IP.
    pub login_failures_per_email: u64,
    pub login_failures_per_ip: u64,
    pub login_window: Duration,
    /// Join requests per hour, per client IP and per join code; and unknown join codes
    /// tried per hour per client IP. Past them: 429 with `Retry-After`.
    pub join_requests_per_ip: u64,
    pub join_requests_per_code: u64,
    pub join_code_guesses_per_ip: u64,
    /// One-time sign-in codes asked for per hour, per email and per client IP.
    pub sign_in_codes_per_email: u64,
    pub sign_in_codes_per_ip: u64,
    /// SSO connections may name a plain `http://` issuer on loopback (development, tests);
    /// never on AWS, where the Lambda runtime's own API is on loopback.
    pub sso_allow_http_issuers: bool,
}

impl AppConfig {
    /// Where identity providers send people back after single sign-on.
    pub fn sso_redirect_uri(&self) -> String {
        format!("{}/v1/auth/sso/callback", self.public_url)
    }

    pub fn new(public_url: &str, mail_from: &str) -> AppConfig {
        let public_url = public_url.trim_end_matches('/').to_string();
        AppConfig {
            accept_url: format!("{public_url}/invite"),
            public_url,
            mail_from: mail_from.to_string(),
            access_token_ttl: Duration::minutes(15),
            session_ttl: Duration::hours(12),
            delivery_grace: Duration::minutes(10),
            email_claim_lease: Duration::minutes(2),
            export_page_members: crate::usecases::members::EXPORT_PAGE_MEMBERS,
            expiry_job_lease: Duration::minutes(15),
            message_time_budget: std::time::Duration::from_secs(60),
            request_time_budget: std::time::Duration::from_secs(7),
            operator_token_sha256: None,
            free_import_daily_limit: 100,
            login_failures_per_email: 5,
            login_failures_per_ip: 50,
            login_window: Duration::minutes(15),
            join_requests_per_ip: 20,
            join_requests_per_code: 200,
            join_code_guesses_per_ip: 20,
            sign_in_codes_per_email: 5,
            sign_in_codes_per_ip: 30,
            sso_allow_http_issuers: false,
        }
    }
}

pub struct App {
    pub store: Arc<dyn Store>,
    pub queue: Arc<dyn Queue>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    pub keys: Arc<SigningKeys>,
    /// Seals and opens the secrets Roster keeps to use again (SSO client secrets).
    pub sealer: Arc<dyn Sealer>,
    /// OpenID providers, for single sign-on.
    pub identity: Arc<dyn IdentityProviders>,
    /// DNS, for the TXT records that prove an org owns an email domain.
    pub dns: Arc<dyn DomainRecords>,
    pub config: AppConfig,
}

/// Who is calling, as established from the bearer token (signature and expiry only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Anonymous,
    Operator,
    Member {
        org_id: String,
        member_id: String,
        password_change_only: bool,
        /// The credential version the token was issued for.
        credential_version: u32,
    },
    /// An org's directory (SCIM), by the org's directory-sync token.
    Directory {
        org_id: String,
    },
}

/// The caller and where the call came from.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub principal: Principal,
    pub ip: Option<String>,
    /// When long work must stop: the invocation's deadline in Lambda, else
    /// `AppConfig::request_time_budget` from the request's start.
    pub deadline: crate::Deadline,
}

impl RequestContext {
    pub fn anonymous(ip: Option<String>) -> Self {
        RequestContext {
            principal: Principal::Anonymous,
            ip,
            deadline: crate::Deadline::NONE,
        }
    }

    /// Who a change of this request is recorded as coming from: `actor_id` (none for the
    /// operator or an anonymous caller) at the request's client IP.
    pub fn origin(&self, actor_id: Option<&str>) -> crate::tx::Origin {
        crate::tx::Origin {
            actor_id: actor_id.map(str::to_string),
            ip: self.ip.clone(),
        }
    }
}

const MAX_ATTEMPTS: u32 = 12;
/// The first wait after a lost race; each next one doubles, up to `MAX_BACKOFF`.
const FIRST_BACKOFF: std::time::Duration = std::time::Duration::from_millis(2);
const MAX_BACKOFF: std::time::Duration = std::time::Duration::from_millis(250);

/// Runs `operation` again when its write lost a race (optimistic concurrency), so it
/// re-reads and re-decides, after a wait that grows and is jittered (full jitter), so many
/// writers of one hot item (a seat counter the morning after a big import) take turns
/// instead of colliding again; after too many losses the caller gets `concurrent_update`.
pub async fn retrying<T, F, Fut>(mut operation: F) -> AppResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = AppResult<T>>,
{
    for attempt in 0..MAX_ATTEMPTS {
        match operation().await {
            Err(AppError::Contention) if attempt + 1 < MAX_ATTEMPTS => backoff(attempt).await,
            Err(AppError::Contention) => break,
            other => return other,
        }
    }
    Err(AppError::Domain(DomainError::Conflict(ErrorCode::ConcurrentUpdate)))
}

/// Waits a random time up to the attempt's backoff (at least one yield to other tasks).
async fn backoff(attempt: u32) {
    let ceiling = FIRST_BACKOFF.saturating_mul(1 << attempt.min(16)).min(MAX_BACKOFF);
    let random = u64::from_le_bytes(crate::secrets::random_bytes::<8>());
    let wait = std::time::Duration::from_micros(random % (ceiling.as_micros() as u64).max(1));
    yield_now().await;
    tokio::time::sleep(wait).await;
}

/// Lets other tasks run (once) before the wait.
async fn yield_now() {
    struct YieldOnce(bool);
    impl Future for YieldOnce {
        type Output = ();
        fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<()> {
            if self.0 {
                std::task::Poll::Ready(())
            } else {
                self.0 = true;
                cx.waker().wake_by_ref();
                std::task::Poll::Pending
            }
        }
    }
    YieldOnce(false).await
}

impl App {
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    pub async fn load_org(&self, org_id: &str) -> AppResult<Org> {
        let item = self
            .store
            .get(&table::org_pk(org_id), table::ORG_SK)
            .await?
            .ok_or_else(AppError::not_found)?;
        let mut org: Org = table::decode(&item)?;
        org.version = item.version;
        Ok(org)
    }

    /// The seat counter as read (consistently).
    pub async fn load_seats(&self, org_id: &str) -> AppResult<SeatCount> {
        let item = self
            .store
            .get(&table::org_pk(org_id), table::SEATS_SK)
            .await?
            .ok_or_else(|| AppError::Internal("seat counter missing".into()))?;
        Ok(match serde_json::from_str::<LegacySeatCounter>(&item.data) {
            Ok(legacy) => SeatCount {
                used: legacy.used,
                legacy_version: Some(item.version),
            },
            Err(_) => SeatCount {
                used: item.version,
                legacy_version: None,
            },
        })
    }

    /// The lasting-org-admin counter with the version it was read at; for an org created
    /// before the counter existed, counted now from the Licensed tab (no version: the
    /// change that uses it writes it, only if still absent).
    pub async fn load_org_admins(&self, org_id: &str) -> AppResult<(OrgAdminCounter, Option<u64>)> {
        let stored = match self.store.get(&table::org_pk(org_id), table::ORG_ADMINS_SK).await? {
            Some(item) => Some((table::decode::<OrgAdminCounter>(&item)?, item.version)),
            None => None,
        };
        if let Some((counter, version)) = &stored {
            if counter.lists_members() {
                return Ok((counter.clone(), Some(*version)));
            }
        }
        // An org from before the counter, or before it listed its members: counted from
        // the licensed members, once (the next change of an org admin stores the list).
        let licensed = self
            .query_all(Query::index(
                crate::ports::IndexName::Gsi1,
                table::tab_partition(org_id, roster_domain::Tab::Licensed),
                SkCondition::Any,
            ))
            .await?;
        let mut members = Vec::new();
        for item in &licensed {
            let member = table::decode_member(item)?;
            if roster_domain::lifecycle::is_lasting_org_admin(Some(&member)) {
                members.push(member.id);
            }
        }
        let counter = OrgAdminCounter {
            lasting: members.len() as u64,
            members,
        };
        Ok((counter, stored.map(|(_, version)| version)))
    }

    /// The org's lasting org admins as stored now, and the version of the list they were
    /// read from (to check it unchanged at commit; `None` when the org has no list yet).
    pub async fn lasting_org_admins(&self, org_id: &str) -> AppResult<(Vec<Member>, Option<u64>)> {
        let (counter, version) = self.load_org_admins(org_id).await?;
        let mut found = self.members_by_ids(org_id, &counter.members).await?;
        let admins = counter.members.iter().filter_map(|id| found.remove(id)).collect();
        Ok((admins, version))
    }

    pub async fn find_member(&self, org_id: &str, member_id: &str) -> AppResult<Option<Member>> {
        match self.store.get(&table::org_pk(org_id), &table::member_sk(member_id)).await? {
            Some(item) => Ok(Some(table::decode_member(&item)?)),
            None => Ok(None),
        }
    }

    /// The members with these ids that exist, by id, read in batches (one store call per
    /// 100 on DynamoDB).
    pub async fn members_by_ids(&self, org_id: &str, ids: &[String]) -> AppResult<std::collections::HashMap<String, Member>> {
        // Each key once: DynamoDB refuses a batch that names one twice.
        let mut seen = std::collections::HashSet::new();
        let keys = ids
            .iter()
            .filter(|id| seen.insert(id.as_str()))
            .map(|id| (table::org_pk(org_id), table::member_sk(id)))
            .collect();
        self.store
            .batch_get(keys)
            .await?
            .iter()
            .map(|item| table::decode_member(item).map(|m| (m.id.clone(), m)))
            .collect()
    }

    pub async fn load_member(&self, org_id: &str, member_id: &str) -> AppResult<Member> {
        self.find_member(org_id, member_id).await?.ok_or_else(AppError::not_found)
    }

    /// The one account of `email` in the org, found through its account directory entry
    /// (and still holding the email).
    pub async fn find_member_by_email(&self, org_id: &str, email: &Email) -> AppResult<Option<Member>> {
        let Some(entry) = self.store.get(&table::directory_pk(email), &table::directory_sk(org_id)).await? else {
            return Ok(None);
        };
        let entry: DirectoryEntry = table::decode(&entry)?;
        Ok(self.find_member(org_id, &entry.member_id).await?.filter(|m| &m.email == email))
    }

    /// The state of the accounts these emails have in the org, by email, read in batches:
    /// the account directory entries, then their members.
    pub async fn members_by_email(&self, org_id: &str, emails: &[Email]) -> AppResult<std::collections::HashMap<Email, MembershipStatus>> {
        let keys = emails
            .iter()
            .map(|e| (table::directory_pk(e), table::directory_sk(org_id)))
            .collect();
        let ids = self
            .store
            .batch_get(keys)
            .await?
            .iter()
            .map(|entry| table::decode::<DirectoryEntry>(entry).map(|e| e.member_id))
            .collect::<AppResult<Vec<_>>>()?;
        // An entry is its member's email: the member answers for it.
        Ok(self
            .members_by_ids(org_id, &ids)
            .await?
            .into_values()
            .map(|m| (m.email, m.status))
            .collect())
    }

    /// Every item a query matches, across all its pages.
    pub async fn query_all(&self, query: Query) -> AppResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.store.query(query.clone().after(cursor)).await?;
            items.extend(page.items);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(items),
            }
        }
    }

    /// Every department of the org.
    pub async fn departments(&self, org_id: &str) -> AppResult<Vec<Department>> {
        let items = self
            .query_all(Query::table(
                table::org_pk(org_id),
                SkCondition::BeginsWith(table::DEPT_PREFIX.into()),
            ))
            .await?;
        items
            .iter()
            .map(|item| {
                let mut department: Department = table::decode(item)?;
                department.version = item.version;
                Ok(department)
            })
            .collect()
    }

    pub async fn load_department(&self, org_id: &str, department_id: &str) -> AppResult<Department> {
        self.find_department(org_id, department_id).await?.ok_or_else(AppError::not_found)
    }

    pub async fn find_department(&self, org_id: &str, department_id: &str) -> AppResult<Option<Department>> {
        let Some(item) = self.store.get(&table::org_pk(org_id), &table::department_sk(department_id)).await? else {
            return Ok(None);
        };
        let mut department: Department = table::decode(&item)?;
        department.version = item.version;
        Ok(Some(department))
    }

    /// Checks that a department id names a department of the org that is not being
    /// deleted (400 otherwise). The member write that follows checks it again, atomically.
    pub async fn ensure_department(&self, org_id: &str, department_id: Option<&str>) -> AppResult<()> {
        if let Some(id) = department_id {
            // A malformed id names no department: refused without a lookup.
            let open = match DepartmentId::parse(id) {
                Ok(id) => match self.store.get(&table::org_pk(org_id), &table::department_sk(&id)).await? {
                    Some(item) => !table::decode::<Department>(&item)?.closing,
                    None => false,
                },
                Err(_) => false,
            };
            if !open {
                return Err(crate::tx::unknown_department());
            }
        }
        Ok(())
    }

    /// The signed-in member acting in `org_id`. The role and status come from the member
    /// record, read now: a removed member's token stops working at once. Another org's
    /// resources answer 404.
    pub async fn actor_in(&self, ctx: &RequestContext, org_id: &str) -> AppResult<(Org, Actor)> {
        let member = self.signed_in_member(ctx, false).await?;
        if member.org_id != org_id {
            return Err(AppError::not_found());
        }
        let org = self.load_org(org_id).await?;
        let actor = Actor {
            member_id: member.id,
            org_id: member.org_id,
            role: member.role,
            department_id: member.department_id,
        };
        Ok((org, actor))
    }

    /// The caller's own member record, which must be an active, licensed full account.
    pub async fn signed_in_member(&self, ctx: &RequestContext, allow_password_change_only: bool) -> AppResult<Member> {
        match &ctx.principal {
            Principal::Anonymous => Err(AppError::Unauthorized(ErrorCode::MissingToken)),
            Principal::Operator | Principal::Directory { .. } => Err(AppError::Domain(DomainError::Forbidden)),
            Principal::Member {
                org_id,
                member_id,
                password_change_only,
                credential_version,
            } => {
                if *password_change_only && !allow_password_change_only {
                    return Err(AppError::PasswordChangeRequired);
                }
                let member = self
                    .find_member(org_id, member_id)
                    .await?
                    .ok_or(AppError::Unauthorized(ErrorCode::AccountInactive))?;
                if member.status != MembershipStatus::Licensed || member.kind != Kind::Full {
                    return Err(AppError::Unauthorized(ErrorCode::AccountInactive));
                }
                if member.credential_version != *credential_version {
                    // Issued before the password last changed (or before a removal).
                    return Err(AppError::Unauthorized(ErrorCode::TokenRevoked));
                }
                Ok(member)
            }
        }
    }
}
