//! The local server: every route, the queue workers and the sweeps in one process, on the
//! embedded adapters (SQLite store and queue, `.eml` outbox), with an optional test clock.

mod config;
mod console;
mod server;
mod services;

pub use config::{Backend, ConfigError, LocalConfig};
pub use server::run;
pub use services::{LocalServices, StartError};
