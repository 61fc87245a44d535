//! One atomic write: a state change with its guards, counters, audit event and outbox
//! entries, committed together; queue sends follow the commit.

use time::OffsetDateTime;

use roster_domain::lifecycle;
use roster_domain::{DomainError, Email, Member, Org};

use crate::app::App;
use crate::error::{AppError, AppResult};
use crate::ports::{Condition, Item, QueueName, StoreError, Write};
use crate::records::{AuditEvent, DeliveryStatus, EmailKind, OrgAdminCounter, OutboxEntry, SeatCount};
use crate::secrets::new_id;
use crate::table::{self, DueKind};
use crate::usecases::sign_in_codes::SIGN_IN_CODE_TTL;
use roster_domain::ErrorCode;

#[derive(Default)]
pub struct Tx {
    writes: Vec<Write>,
    sends: Vec<(QueueName, String)>,
    /// Positions of the checks that a department is still open.
    department_checks: Vec<usize>,
}

/// Who caused a change and from where, for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub actor_id: Option<String>,
    pub ip: Option<String>,
}

impl Tx {
    pub fn new() -> Tx {
        Tx::default()
    }

    pub fn put_new(&mut self, item: Item) {
        self.writes.push(Write::Put {
            item,
            condition: Condition::NotExists,
        });
    }

    /// Writes an item whatever is there: an entry derived from what the transaction's other
    /// writes decide (a revoked invitation's mark), so no version of it needs checking.
    pub fn put_unchecked(&mut self, item: Item) {
        self.writes.push(Write::Put {
            item,
            condition: Condition::None,
        });
    }

    /// Replaces an item read at `item.version`, bumping the version.
    pub fn put_next(&mut self, mut item: Item) {
        let read_version = item.version;
        item.version += 1;
        self.writes.push(Write::Put {
            item,
            condition: Condition::Version(read_version),
        });
    }

    pub fn delete(&mut self, pk: String, sk: String, condition: Condition) {
        self.writes.push(Write::Delete { pk, sk, condition });
    }

    /// Deletes a member and the entries that point at it.
    pub fn delete_member(&mut self, before: &Member) {
        self.delete(
            table::org_pk(&before.org_id),
            table::member_sk(&before.id),
            Condition::Version(before.version),
        );
        self.member_entries(Some(before), None);
    }

    /// Keeps the entries that point at a member (account directory, department
    /// membership) in step with a change of it (its tab, name and due-work entries are
    /// index entries of its own item). The directory entry of an email
    /// the member takes is written only where none is: it is what keeps an email to one
    /// account in an org, so of two writes that give one email two accounts one fails.
    fn member_entries(&mut self, before: Option<&Member>, after: Option<&Member>) {
        if before.map(|m| &m.email) != after.map(|m| &m.email) {
            if let Some(before) = before {
                self.delete(
                    table::directory_pk(&before.email),
                    table::directory_sk(&before.org_id),
                    Condition::None,
                );
            }
            if let Some(after) = after {
                self.put_new(table::directory_entry(after));
            }
        }
        self.department_membership(before, after);
    }

    /// Keeps the department-membership entries in step with a member change, and lets a
    /// move into a department happen only while the department is not being deleted.
    fn department_membership(&mut self, before: Option<&Member>, after: Option<&Member>) {
        let department_of = |m: Option<&Member>| m.and_then(|m| m.department_id.clone().map(|d| (m.org_id.clone(), d, m.id.clone())));
        let (left, joined) = (department_of(before), department_of(after));
        if left == joined {
            return;
        }
        if let Some((org_id, department_id, member_id)) = left {
            self.delete(
                table::org_pk(&org_id),
                table::department_member_sk(&department_id, &member_id),
                Condition::None,
            );
        }
        if let Some((org_id, department_id, member_id)) = joined {
            self.writes.push(Write::Put {
                item: Item::new(
                    table::org_pk(&org_id),
                    table::department_member_sk(&department_id, &member_id),
                    1,
                    serde_json::Value::Null,
                ),
                condition: Condition::None,
            });
            // Once per transaction, however many members it moves into the department.
            let check = Write::Check {
                pk: table::org_pk(&org_id),
                sk: table::department_closed_sk(&department_id),
                condition: Condition::NotExists,
            };
            if !self.writes.contains(&check) {
                self.department_checks.push(self.writes.len());
                self.writes.push(check);
            }
        }
    }

    /// The tombstone of a department whose deletion starts: from now on no member write
    /// moves anyone into it. Kept after the deletion (ids are never reused).
    pub fn writes_tombstone(&mut self, org_id: &str, department_id: &str) {
        self.writes.push(Write::Put {
            item: Item::new(
                table::org_pk(org_id),
                table::department_closed_sk(department_id),
                1,
                serde_json::Value::Null,
            ),
            condition: Condition::None,
        });
    }

    /// Writes a member: new (version 1) or the next version of `before`, with the entries
    /// that point at it.
    pub fn member(&mut self, before: Option<&Member>, after: &Member) {
        match before {
            None => {
                let mut member = after.clone();
                member.version = 1;
                self.put_new(table::member_item(&member));
            }
            Some(before) => {
                let mut member = after.clone();
                member.version = before.version;
                if ends_sessions(before, after) && after.credential_version == before.credential_version {
                    member.credential_version += 1;
                }
                self.put_next(table::member_item(&member));
            }
        }
        self.member_entries(before, Some(after));
    }

    /// Adjusts the org's lasting-org-admin counter for a change of `before` → `after` (as
    /// read, with its version; none when it was counted now, for an org from before the
    /// counter) and refuses the change that would leave no lasting org admin.
    pub fn org_admins(
        &mut self,
        org_id: &str,
        counter: &(OrgAdminCounter, Option<u64>),
        before: Option<&Member>,
        after: Option<&Member>,
    ) -> AppResult<()> {
        let delta = lifecycle::lasting_admin_delta(before, after);
        let (current, version) = counter;
        lifecycle::ensure_an_org_admin_remains(current.lasting, delta)?;
        let mut next = current.clone();
        if let Some(before) = before.filter(|m| lifecycle::is_lasting_org_admin(Some(m))) {
            next.members.retain(|id| id != &before.id);
        }
        if let Some(after) = after.filter(|m| lifecycle::is_lasting_org_admin(Some(m))) {
            if !next.members.contains(&after.id) {
                next.members.push(after.id.clone());
            }
        }
        next.lasting = (current.lasting as i64 + delta).max(0) as u64;
        match version {
            Some(version) => self.put_next(table::encode(table::org_pk(org_id), table::ORG_ADMINS_SK.into(), *version, &next)),
            None => self.put_new(table::encode(table::org_pk(org_id), table::ORG_ADMINS_SK.into(), 1, &next)),
        }
        Ok(())
    }

    /// The write commits only while the org's lasting org admins are as read at `version`
    /// (a decision taken from them, such as that one of them can still sign in, still holds).
    pub fn check_org_admins_version(&mut self, org_id: &str, version: u64) {
        self.writes.push(Write::Check {
            pk: table::org_pk(org_id),
            sk: table::ORG_ADMINS_SK.into(),
            condition: Condition::Version(version),
        });
    }

    /// The write commits only while `member` is as read.
    pub fn check_member_version(&mut self, member: &Member) {
        self.writes.push(Write::Check {
            pk: table::org_pk(&member.org_id),
            sk: table::member_sk(&member.id),
            condition: Condition::Version(member.version),
        });
    }

    /// Adjusts the org's seat counter for a change of `before` → `after` and refuses it when
    /// the seats are all taken (rule 8).
    pub fn seats(&mut self, org: &Org, seats: &SeatCount, before: Option<&Member>, after: Option<&Member>) -> AppResult<()> {
        let delta = lifecycle::seat_delta(before.map(|m| m.status), after.map(|m| m.status));
        if delta == 0 {
            return Ok(());
        }
        // Refused at once as read; the store checks the limit again as it adds.
        lifecycle::ensure_seat_available(org.settings.seat_limit, seats.used, delta)?;
        let (pk, sk) = (table::org_pk(&org.id), table::SEATS_SK.to_string());
        match seats.legacy_version {
            // The old form becomes a counter, in this change's transaction.
            Some(version) => self.writes.push(Write::Put {
                item: Item::new(pk, sk, (seats.used as i64 + delta).max(0) as u64, serde_json::Value::Null),
                condition: Condition::Version(version),
            }),
            // The limit bounds a rise only: a seat is always freed, even in an org whose
            // limit was lowered below its use.
            None => self.writes.push(Write::Add {
                pk,
                sk,
                delta,
                at_most: org.settings.seat_limit.map(u64::from).filter(|_| delta > 0),
            }),
        }
        Ok(())
    }

    /// Appends one audit event about a member change (rule 14).
    pub fn audit(
        &mut self,
        org_id: &str,
        at: OffsetDateTime,
        origin: &Origin,
        action: &str,
        before: Option<&Member>,
        after: Option<&Member>,
        reason: Option<&str>,
    ) {
        let member_id = after.or(before).map(|m| m.id.clone());
        let event = AuditEvent {
            id: new_id(at),
            at,
            actor_id: origin.actor_id.clone(),
            action: action.to_string(),
            member_id: member_id.clone(),
            from_status: before.map(|m| m.status),
            to_status: after.map(|m| m.status),
            reason: reason.map(str::to_string),
            ip: origin.ip.clone(),
        };
        let mut item = table::encode(table::org_pk(org_id), table::audit_sk(&event.id), 1, &event);
        if let Some(member_id) = member_id {
            item.gsi1 = Some((
                table::member_audit_partition(org_id, &member_id),
                // A member's trail sorts by the member version each change wrote: commit
                // order, even when events come from several processes in one millisecond.
                format!("{:010}#{}", before.map_or(1, |b| b.version + 1), event.id),
            ));
        }
        self.put_new(item);
    }

    /// Records an email to send and queues it once the write commits.
    pub fn email(&mut self, app: &App, member: &Member, kind: EmailKind, secret_version: u32) {
        self.email_to(app, member, kind, secret_version, None);
    }

    /// Queues an email about `member` to `to` (the member's email when `None`).
    pub fn email_to(&mut self, app: &App, member: &Member, kind: EmailKind, secret_version: u32, to: Option<&Email>) {
        let entry = OutboxEntry {
            id: table::outbox_id(&member.id, kind, secret_version),
            org_id: Some(member.org_id.clone()),
            member_id: Some(member.id.clone()),
            kind,
            secret_version,
            status: DeliveryStatus::Pending,
            created_at: app.now(),
            attempts: 0,
            message_id: None,
            claimed_until: None,
            to: to.map(ToString::to_string),
            challenge: None,
        };
        self.outbox(app, table::org_pk(&member.org_id), entry);
    }

    /// Queues the email of a one-time sign-in code (`challenge`'s) to `email`.
    pub fn sign_in_code_email(&mut self, app: &App, email: &Email, challenge: &str) {
        let entry = OutboxEntry {
            id: format!("{}-{challenge}", EmailKind::SignInCode.as_str()),
            org_id: None,
            member_id: None,
            kind: EmailKind::SignInCode,
            secret_version: 0,
            status: DeliveryStatus::Pending,
            created_at: app.now(),
            attempts: 0,
            message_id: None,
            claimed_until: None,
            to: Some(email.to_string()),
            challenge: Some(challenge.to_string()),
        };
        self.outbox(app, table::sign_in_pk(email), entry);
    }

    /// Writes `entry` in partition `pk`, due for delivery repair, and queues it once the
    /// write commits.
    fn outbox(&mut self, app: &App, pk: String, entry: OutboxEntry) {
        let at = entry.created_at;
        let sk = table::outbox_sk(&entry.id);
        let message = email_message(&pk, &entry.id);
        let mut item = table::encode(pk.clone(), sk.clone(), 1, &entry);
        item.gsi3 = Some(table::due_entry(DueKind::Delivery, at + app.config.delivery_grace, &pk, &sk));
        // Deleted once sent; a sign-in code's entry also expires with the code.
        if entry.kind == EmailKind::SignInCode {
            item = item.expiring_at(at + SIGN_IN_CODE_TTL + table::KEPT_AFTER_USE);
        }
        self.writes.push(Write::Put {
            item,
            condition: Condition::None,
        });
        self.sends.push((QueueName::Email, message));
    }

    /// The write commits only while the org is at `version` (a decision taken from it, such
    /// as holding expiries back for its freeze window, still holds).
    pub fn check_org_version(&mut self, org_id: &str, version: u64) {
        self.writes.push(Write::Check {
            pk: table::org_pk(org_id),
            sk: table::ORG_SK.into(),
            condition: Condition::Version(version),
        });
    }

    /// The write commits only while the item at `pk`/`sk` is at `version`.
    pub fn check_version(&mut self, pk: String, sk: String, version: u64) {
        self.writes.push(Write::Check {
            pk,
            sk,
            condition: Condition::Version(version),
        });
    }

    /// Queues a job message once the write commits.
    pub fn send_after_commit(&mut self, queue: QueueName, body: String) {
        self.sends.push((queue, body));
    }

    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// How many writes the transaction holds so far.
    pub fn len(&self) -> usize {
        self.writes.len()
    }

    /// Commits the writes atomically, then sends the queued messages. A failed send is
    /// logged only: what it carried stays due in the table (an email's or import's entry
    /// for delivery repair; held expiries at their window's first end), so it is late,
    /// never lost.
    pub async fn commit(self, app: &App) -> AppResult<()> {
        if self.writes.is_empty() {
            return Ok(());
        }
        if self.writes.len() > app.store.transaction_limit() {
            return Err(AppError::Internal("transaction too large".into()));
        }
        match app.store.transact(self.writes).await {
            Err(StoreError::ConditionFailed { index }) if self.department_checks.contains(&index) => {
                return Err(unknown_department());
            }
            other => other?,
        }
        // One batch a queue (SQS takes ten messages a call): a write of many members
        // queues their emails in a few calls.
        for queue in QueueName::ALL {
            let bodies: Vec<String> = self
                .sends
                .iter()
                .filter(|(q, _)| *q == queue)
                .map(|(_, body)| body.clone())
                .collect();
            let sent = match bodies.as_slice() {
                [] => continue,
                [body] => app.queue.send(queue, body).await,
                _ => app.queue.send_batch(queue, &bodies).await,
            };
            if let Err(error) = sent {
                tracing::warn!(queue = queue.as_str(), %error, "queue send failed after commit; a sweep takes the work up later");
            }
        }
        Ok(())
    }
}

/// Whether a change ends the member's sessions (access and refresh tokens carry the
/// credential version, which then grows): the member stops being licensed, or the password
/// changes. A later reinvite and acceptance start from nothing.
fn ends_sessions(before: &Member, after: &Member) -> bool {
    let licensed = |m: &Member| m.status == roster_domain::MembershipStatus::Licensed;
    (licensed(before) && !licensed(after)) || before.password_hash != after.password_hash
}

/// A department that is not there (or is being deleted) named as a member's department.
pub fn unknown_department() -> AppError {
    AppError::invalid("department_id", ErrorCode::UnknownDepartment, "no such department in this org")
}

/// The email queue's message for the outbox entry `outbox_id` in partition `pk` (an org's,
/// or an email's sign-in codes).
pub fn email_message(pk: &str, outbox_id: &str) -> String {
    serde_json::json!({"pk": pk, "outbox_id": outbox_id}).to_string()
}

pub fn import_message(org_id: &str, import_id: &str) -> String {
    serde_json::json!({"org_id": org_id, "import_id": import_id}).to_string()
}

/// Turns "the write lost a race" into a domain conflict after the retries ran out.
pub fn contention_to_conflict(error: AppError) -> AppError {
    match error {
        AppError::Contention => AppError::Domain(DomainError::Conflict(ErrorCode::ConcurrentUpdate)),
        other => other,
    }
}
