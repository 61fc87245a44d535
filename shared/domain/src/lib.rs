//! Roster's pure membership rules: types, the lifecycle state machine, permissions and
//! validation. Nothing here does I/O or reads the time of day; callers pass `now`.

pub mod codes;
pub mod email;
pub mod error;
pub mod export;
pub mod ids;
pub mod lifecycle;
pub mod member;
pub mod org;
pub mod pasted_list;
pub mod permissions;
pub mod profile;
pub mod roster_csv;
pub mod schema;
pub mod scim;
pub mod search;
pub mod sign_in;
pub mod sso;
pub mod timestamp;

pub use codes::ErrorCode;
pub use email::Email;
pub use error::{DomainError, FieldError};
pub use ids::{DepartmentId, EmailChangeToken, ImportId, InvitationToken, JoinCode, MemberId, OrgId};
pub use member::{DirectoryLink, Kind, Member, MembershipStatus, PendingEmailChange, PendingInvitation, Role, Tab};
pub use org::{Department, FreezeWindow, LoginMethod, Org, OrgSettings, Plan};
pub use permissions::{Action, Actor};
pub use timestamp::Timestamp;
