//! The ports the use cases are written against; adapters implement them.

pub mod clock;
pub mod mailer;
pub mod queue;
pub mod store;

pub use clock::{Clock, SystemClock, TestClock};
pub use mailer::{MailError, Mailer, OutgoingEmail};
pub use queue::{Queue, QueueError, QueueName, ReceivedMessage};
pub use store::{Condition, IndexName, Item, Page, Query, SkCondition, Store, StoreError, Write};
