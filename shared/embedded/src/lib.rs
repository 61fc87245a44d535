//! Roster's embedded adapters, for the local server and tests: the store and the queue in
//! one SQLite database (transactions, durable across restarts), an outbox directory of
//! `.eml` files as the mailer, and key files in the data directory.

pub mod eml_mailer;
pub mod item_data;
pub mod key_files;
mod layout;
pub mod private_files;
pub mod sqlite;
pub mod sqlite_queue;
pub mod sqlite_store;
mod stored_forms;

pub use eml_mailer::EmlOutboxMailer;
pub use sqlite::Database;
pub use sqlite_queue::SqliteQueue;
pub use sqlite_store::SqliteStore;
