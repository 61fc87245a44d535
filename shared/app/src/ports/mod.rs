//! The ports the use cases are written against; adapters implement them.

pub mod clock;
pub mod domain_records;
pub mod identity_provider;
pub mod mailer;
pub mod queue;
pub mod sealer;
pub mod store;

pub use clock::{Clock, SystemClock, TestClock};
pub use domain_records::{DnsError, DomainRecords, NoDomainRecords};
pub use identity_provider::{AuthorizationRequest, IdentityError, IdentityProviders, NoIdentityProviders, RelyingParty, VerifiedIdentity};
pub use mailer::{MailError, Mailer, NoMailer, OutgoingEmail};
pub use queue::{NoQueue, Queue, QueueError, QueueName, ReceivedMessage};
pub use sealer::{KeyFileSealer, NoSealer, SealError, Sealer};
pub use store::{Condition, IndexName, Item, NoStore, Page, Query, SkCondition, Store, StoreError, Write};
