//! `Email`: an address trimmed, lower-cased and checked, so an invalid one can't exist.

use crate::codes::ErrorCode;
use crate::error::FieldError;

/// The longest address, in bytes (RFC 5321's path limit less its brackets).
pub const MAX_EMAIL: usize = 254;
/// The longest local part (before the `@`), in bytes.
pub const MAX_EMAIL_LOCAL_PART: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Parses an address the way users type them: surrounding space and case don't matter.
    pub fn parse(raw: &str) -> Result<Email, FieldError> {
        let normalized = raw.trim().to_lowercase();
        if is_plausible_address(&normalized) {
            Ok(Email(normalized))
        } else {
            Err(FieldError::new(
                "email",
                ErrorCode::InvalidEmail,
                format!("'{}' is not an email address", raw.trim()),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What comes before the last `@`.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(local, _)| local)
    }

    /// What comes after the last `@` (lower-case, as the whole address is).
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

fn is_plausible_address(address: &str) -> bool {
    if address.len() > MAX_EMAIL || address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= MAX_EMAIL_LOCAL_PART
        && !local.contains('@')
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_alphabetic()));
    local_ok && domain_ok
}

impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value).map_err(|e| e.message)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> String {
        value.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn normalizes_case_and_space() {
        assert_eq!(Email::parse("  Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
    }

    #[test]
    fn rejects_what_is_not_an_address() {
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@@example.com",
            "ada@example.c0m",
            "ada..b@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be invalid");
        }
    }

    #[test]
    fn accepts_plus_and_subdomains() {
        assert!(Email::parse("ada+roster@mail.example.co.uk").is_ok());
    }
}
