//! An organization (tenant), its settings, departments and freeze windows.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::codes::ErrorCode;
use crate::error::{DomainError, FieldErrors};
use crate::timestamp::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    Free,
    Paid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoginMethod {
    Password,
    EmailOtp,
    Sso,
}

/// The settings an org admin controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSettings {
    pub plan: Plan,
    pub seat_limit: Option<u32>,
    pub invite_ttl_days: u32,
    pub enrollment_approval: bool,
    pub members_can_invite: bool,
    pub login_methods: Vec<LoginMethod>,
    pub require_2fa: bool,
    pub eula_version: String,
}

pub const MAX_INVITE_TTL_DAYS: u32 = 90;
/// The longest EULA version, in characters.
pub const MAX_EULA_VERSION: usize = 64;
/// The longest freeze reason, in characters.
pub const MAX_FREEZE_REASON: usize = 500;
/// The longest org or department name, in characters.
pub const MAX_ORG_NAME: usize = 200;

impl OrgSettings {
    pub fn new(plan: Plan) -> Self {
        OrgSettings {
            plan,
            seat_limit: None,
            invite_ttl_days: 7,
            enrollment_approval: false,
            members_can_invite: false,
            login_methods: vec![LoginMethod::Password],
            require_2fa: false,
            eula_version: "1".to_string(),
        }
    }

    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errors = FieldErrors::default();
        if !(1..=MAX_INVITE_TTL_DAYS).contains(&self.invite_ttl_days) {
            errors.push(
                "invite_ttl_days",
                ErrorCode::OutOfRange,
                format!("must be between 1 and {MAX_INVITE_TTL_DAYS}"),
            );
        }
        errors.check(crate::sign_in::login_method_set("login_methods", &self.login_methods));
        if self.require_2fa {
            errors.push(
                "require_2fa",
                ErrorCode::NotSupported,
                "two-factor sign-in needs one-time codes, which this server does not send yet",
            );
        }
        let eula = self.eula_version.trim();
        if eula.is_empty() || eula.chars().count() > MAX_EULA_VERSION || eula.chars().any(char::is_control) {
            errors.push(
                "eula_version",
                ErrorCode::Invalid,
                format!("1 to {MAX_EULA_VERSION} printable characters"),
            );
        }
        errors.finish()
    }

    pub fn allows(&self, method: LoginMethod) -> bool {
        self.login_methods.contains(&method)
    }
}

/// A period in which admin membership changes are refused and sweeps hold back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FreezeWindow {
    #[schemars(with = "crate::schema::DateTime")]
    pub starts_at: Timestamp,
    #[schemars(with = "crate::schema::DateTime")]
    pub ends_at: Timestamp,
    pub reason: String,
}

impl FreezeWindow {
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errors = FieldErrors::default();
        if self.ends_at <= self.starts_at {
            errors.push("ends_at", ErrorCode::BeforeStart, "ends_at must be after starts_at");
        }
        if self.reason.trim().chars().count() > MAX_FREEZE_REASON {
            errors.push("reason", ErrorCode::TooLong, format!("at most {MAX_FREEZE_REASON} characters"));
        }
        errors.finish()
    }

    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.starts_at.get() <= now && now < self.ends_at.get()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub id: String,
    pub name: String,
    pub settings: OrgSettings,
    pub freeze: Option<FreezeWindow>,
    /// The org-wide public code people use to request to join.
    pub join_code: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub version: u64,
}

impl Org {
    /// Refuses an admin membership change while a freeze window is active (rule 13).
    pub fn ensure_not_frozen(&self, now: OffsetDateTime) -> Result<(), DomainError> {
        match &self.freeze {
            Some(window) if window.is_active(now) => Err(DomainError::Frozen { ends_at: window.ends_at }),
            _ => Ok(()),
        }
    }

    pub fn is_frozen(&self, now: OffsetDateTime) -> bool {
        self.freeze.as_ref().is_some_and(|w| w.is_active(now))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    pub id: String,
    pub org_id: String,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub version: u64,
    /// Being deleted: no one may be moved into it (a deletion that finds members reopens it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub closing: bool,
    /// The org's directory's id for the group this department is (SCIM `externalId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// Checks an org or department name.
pub fn validate_name(field: &str, name: &str) -> Result<String, DomainError> {
    let trimmed = name.trim();
    if trimmed.is_empty() || trimmed.chars().count() > MAX_ORG_NAME || trimmed.chars().any(char::is_control) {
        Err(DomainError::invalid(
            field,
            ErrorCode::InvalidName,
            format!("1 to {MAX_ORG_NAME} printable characters"),
        ))
    } else {
        Ok(trimmed.to_string())
    }
}
