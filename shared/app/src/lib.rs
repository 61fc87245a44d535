//! Roster's use cases: one function per API operation or job, written against the ports
//! in `ports`, with the domain deciding and one atomic write per change.

pub mod app;
pub mod deadline;
pub mod emails;
pub mod error;
pub mod functions;
pub mod ports;
pub mod rate_limits;
pub mod records;
pub mod secrets;
pub mod signing_keys;
pub mod table;
pub mod tx;
pub mod usecases;
pub mod views;
pub mod workers;

pub use app::{App, AppConfig, Principal, RequestContext};
pub use deadline::Deadline;
pub use error::{AppError, AppResult, OrgChoice};
pub use signing_keys::{AccessClaims, JwkSet, KeyError, KeyMaterial, KeyMaterialSource, SigningKeys};
