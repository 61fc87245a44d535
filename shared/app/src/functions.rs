//! What each function needs (one Lambda per endpoint and per worker): which of the token
//! keys it holds, how it uses the table, which queues it sends to. The SAM template and
//! every function's IAM policy are generated from these facts (`scripts/gen_entry_points.py`
//! reads them from `cargo run -p roster-http --example entry_points`), so a function is
//! granted exactly what its code uses.

use serde::Serialize;

use crate::ports::QueueName;

/// Which of the token keys a function holds. Every function can check access tokens (the
/// public key is configuration, not a secret); only signers and deriving functions read
/// the keys secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyUse {
    /// The public key only: checks (or publishes) access tokens.
    PublicKey,
    /// Signs access tokens (the private key).
    SignsTokens,
    /// Derives invitation links and temporary passwords, or proves links (the token secret).
    DerivesSecrets,
}

impl KeyUse {
    /// Whether the function reads the keys secret: signers and deriving functions do.
    pub const fn reads_keys_secret(self) -> bool {
        !matches!(self, KeyUse::PublicKey)
    }
}

/// How a function uses the sealing key (on AWS a KMS key) that keeps SSO client secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sealing {
    None,
    /// Seals secrets (`kms:Encrypt`).
    Seals,
    /// Opens them to use (`kms:Decrypt`).
    Opens,
}

/// How a function uses the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableUse {
    None,
    Reads,
    Writes,
}

/// What starts a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// Messages of this queue (SQS event source, partial batch responses), handled by at
    /// most `max_concurrency` instances at once: a burst of messages about one org (its
    /// seat counter, one license end date shared by thousands) is worked through by a few
    /// writers in turn instead of by hundreds colliding on the same items.
    Queue { queue: QueueName, max_concurrency: u32 },
    /// An EventBridge schedule (`rate(…)`).
    Schedule(&'static str),
}

/// A worker function and what it needs.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct WorkerFacts {
    /// Its binary's name.
    pub name: &'static str,
    pub description: &'static str,
    pub trigger: Trigger,
    pub keys: KeyUse,
    pub sends: &'static [QueueName],
    /// Sends email through SES.
    pub mails: bool,
}

pub const EMAIL_SENDER: WorkerFacts = WorkerFacts {
    name: "email-sender",
    description: "SQS consumer: renders and sends emails",
    trigger: Trigger::Queue {
        queue: QueueName::Email,
        max_concurrency: 10,
    },
    // An email carries the invitation link or temporary password, derived again.
    keys: KeyUse::DerivesSecrets,
    sends: &[],
    mails: true,
};

pub const IMPORT_PROCESSOR: WorkerFacts = WorkerFacts {
    name: "import-processor",
    description: "SQS consumer: processes bulk imports",
    trigger: Trigger::Queue {
        queue: QueueName::Import,
        max_concurrency: 5,
    },
    keys: KeyUse::DerivesSecrets,
    // Its invitations' emails, and its own continuation past a deadline.
    sends: &[QueueName::Email, QueueName::Import],
    mails: false,
};

pub const EXPIRY_WORKER: WorkerFacts = WorkerFacts {
    name: "expiry-worker",
    description:
        "SQS consumer: marks lapsed invitations expired, unlicenses members whose license end passed, releases what an ended freeze held",
    trigger: Trigger::Queue {
        queue: QueueName::Expiry,
        max_concurrency: 5,
    },
    // The directory's creations a freeze held are invitations, made when it ends.
    keys: KeyUse::DerivesSecrets,
    // A release that runs out of time continues in a new message; the imports a freeze
    // held are queued again when it ends, and the directory's held invitations emailed.
    sends: &[QueueName::Expiry, QueueName::Import, QueueName::Email],
    mails: false,
};

pub const EXPIRY_SCHEDULER: WorkerFacts = WorkerFacts {
    name: "expiry-scheduler",
    description: "scheduled run: sends expiry jobs for everything due to the expiry queue",
    trigger: Trigger::Schedule("rate(5 minutes)"),
    keys: KeyUse::PublicKey,
    sends: &[QueueName::Expiry],
    mails: false,
};

pub const DELIVERY_REPAIR: WorkerFacts = WorkerFacts {
    name: "delivery-repair",
    description: "scheduled sweep: re-queues emails and imports left pending",
    trigger: Trigger::Schedule("rate(5 minutes)"),
    keys: KeyUse::PublicKey,
    sends: &[QueueName::Email, QueueName::Import],
    mails: false,
};

/// Every worker, in the template's order.
pub const WORKERS: &[WorkerFacts] = &[EMAIL_SENDER, IMPORT_PROCESSOR, EXPIRY_WORKER, EXPIRY_SCHEDULER, DELIVERY_REPAIR];
