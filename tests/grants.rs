//! What a function may touch, enforced in tests as its IAM policy enforces it on AWS: the
//! ports a request or a worker runs with grant only what its facts (`RouteFacts`,
//! `WorkerFacts`) say, and every use beyond them is refused the way AWS refuses it (an
//! error from the adapter) and recorded. `TestApp` fails the test that caused one, so a
//! fact that is wrong (and with it the generated policy) shows in whichever test runs
//! the code path.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use roster_app::functions::{Sealing, TableUse};
use roster_app::ports::{
    Item, MailError, Mailer, OutgoingEmail, Page, Query, Queue, QueueError, QueueName, ReceivedMessage, Store, StoreError, Write,
};

/// What a function's policy grants it.
#[derive(Debug, Clone)]
pub struct Grants {
    /// The function's name, for the report.
    pub function: &'static str,
    pub table: TableUse,
    pub sends: &'static [QueueName],
    /// The queue it consumes (receive and delete), for a queue worker.
    pub consumes: Option<QueueName>,
    pub mails: bool,
    /// Its use of the sealing key (`kms:Encrypt` or `kms:Decrypt`).
    pub sealing: Sealing,
}

/// Uses beyond a grant, as "<function>: <what>" lines.
#[derive(Debug, Default)]
pub struct Violations(Mutex<Vec<String>>);

impl Violations {
    fn record(&self, grants: &Grants, what: String) {
        self.0.lock().unwrap().push(format!("{}: {what}", grants.function));
    }

    /// Every use recorded so far, emptied.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn access_denied(grants: &Grants, what: &str) -> String {
    format!("AccessDenied: {} is not authorized to {what}", grants.function)
}

/// The store as a function with `grants.table` sees it.
pub struct GrantedStore {
    pub inner: Arc<dyn Store>,
    pub grants: Grants,
    pub violations: Arc<Violations>,
}

impl GrantedStore {
    fn check(&self, needs: TableUse, what: &str) -> Result<(), StoreError> {
        let granted = match needs {
            TableUse::None => true,
            TableUse::Reads => self.grants.table != TableUse::None,
            TableUse::Writes => self.grants.table == TableUse::Writes,
        };
        if granted {
            Ok(())
        } else {
            self.violations.record(&self.grants, format!("{what} on the table"));
            Err(StoreError::Unavailable(access_denied(&self.grants, what)))
        }
    }
}

#[async_trait]
impl Store for GrantedStore {
    fn transaction_limit(&self) -> usize {
        self.inner.transaction_limit()
    }
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.check(TableUse::Reads, "read")?;
        self.inner.get(pk, sk).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.check(TableUse::Reads, "query")?;
        self.inner.query(query).await
    }
    async fn batch_get(&self, keys: Vec<(String, String)>) -> Result<Vec<Item>, StoreError> {
        self.check(TableUse::Reads, "read")?;
        self.inner.batch_get(keys).await
    }
    async fn transact(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        self.check(TableUse::Writes, "write")?;
        self.inner.transact(writes).await
    }
    async fn add_to_counter(&self, pk: &str, sk: &str, delta: i64, below: Option<u64>, expires_at: i64) -> Result<Option<u64>, StoreError> {
        self.check(TableUse::Writes, "count")?;
        self.inner.add_to_counter(pk, sk, delta, below, expires_at).await
    }
    async fn purge_expired(&self, now: time::OffsetDateTime) -> Result<usize, StoreError> {
        self.check(TableUse::Writes, "purge")?;
        self.inner.purge_expired(now).await
    }
}

/// The queues as a function with `grants.sends` (and `grants.consumes`) sees them.
pub struct GrantedQueue {
    pub inner: Arc<dyn Queue>,
    pub grants: Grants,
    pub violations: Arc<Violations>,
}

impl GrantedQueue {
    fn may_send(&self, queue: QueueName) -> Result<(), QueueError> {
        if self.grants.sends.contains(&queue) {
            Ok(())
        } else {
            let what = format!("send to the {} queue", queue.as_str());
            self.violations.record(&self.grants, what.clone());
            Err(QueueError::Unavailable(access_denied(&self.grants, &what)))
        }
    }
    fn may_consume(&self, queue: QueueName) -> Result<(), QueueError> {
        if self.grants.consumes == Some(queue) {
            Ok(())
        } else {
            let what = format!("consume the {} queue", queue.as_str());
            self.violations.record(&self.grants, what.clone());
            Err(QueueError::Unavailable(access_denied(&self.grants, &what)))
        }
    }
}

#[async_trait]
impl Queue for GrantedQueue {
    async fn send(&self, queue: QueueName, body: &str) -> Result<(), QueueError> {
        self.may_send(queue)?;
        self.inner.send(queue, body).await
    }
    async fn send_batch(&self, queue: QueueName, bodies: &[String]) -> Result<(), QueueError> {
        self.may_send(queue)?;
        self.inner.send_batch(queue, bodies).await
    }
    async fn receive(&self, queue: QueueName, max: usize) -> Result<Vec<ReceivedMessage>, QueueError> {
        self.may_consume(queue)?;
        self.inner.receive(queue, max).await
    }
    async fn ack(&self, queue: QueueName, receipt: &str) -> Result<(), QueueError> {
        self.may_consume(queue)?;
        self.inner.ack(queue, receipt).await
    }
    async fn dead_letter_count(&self, queue: QueueName) -> Result<u64, QueueError> {
        // Operators read this, never a function.
        self.inner.dead_letter_count(queue).await
    }
}

/// The mailer as a function with `grants.mails` sees it.
pub struct GrantedMailer {
    pub inner: Arc<dyn Mailer>,
    pub grants: Grants,
    pub violations: Arc<Violations>,
}

#[async_trait]
impl Mailer for GrantedMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<String, MailError> {
        if !self.grants.mails {
            self.violations.record(&self.grants, "send an email through SES".into());
            return Err(MailError::Transient(access_denied(&self.grants, "ses:SendEmail")));
        }
        self.inner.send(email).await
    }
}

/// The sealer as a function with `grants.sealing` sees it: sealing needs `Seals`, opening
/// needs `Opens`.
pub struct GrantedSealer {
    pub inner: Arc<dyn roster_app::ports::Sealer>,
    pub grants: Grants,
    pub violations: Arc<Violations>,
}

#[async_trait]
impl roster_app::ports::Sealer for GrantedSealer {
    async fn seal(&self, plain: &[u8], context: &str) -> Result<Vec<u8>, roster_app::ports::SealError> {
        if self.grants.sealing != Sealing::Seals {
            self.violations.record(&self.grants, "seal a secret with the KMS key".into());
            return Err(roster_app::ports::SealError::NotHeld);
        }
        self.inner.seal(plain, context).await
    }
    async fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, roster_app::ports::SealError> {
        if self.grants.sealing != Sealing::Opens {
            self.violations.record(&self.grants, "open a secret with the KMS key".into());
            return Err(roster_app::ports::SealError::NotHeld);
        }
        self.inner.open(sealed, context).await
    }
}
