//! One function per API operation; each loads state, asks the domain, writes atomically.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod departments;
pub mod directory;
pub mod imports;
pub mod invitations;
pub mod me;
pub mod members;
pub mod membership;
pub mod orgs;
pub mod scim;
pub mod sign_in_codes;
pub mod sso;

/// `{items, next_cursor}` pagination input shared by the list operations.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

impl PageRequest {
    pub const MAX_LIMIT: usize = 200;
    pub const DEFAULT_LIMIT: usize = 50;

    pub fn limit(&self) -> usize {
        self.limit.unwrap_or(Self::DEFAULT_LIMIT).clamp(1, Self::MAX_LIMIT)
    }
}
