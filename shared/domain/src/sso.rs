//! An org's single sign-on connection (OIDC) as an org admin sets it: which identity
//! provider, which client, which email domains it answers for, and whether people the
//! provider knows but the org does not get an account just in time. The client secret is
//! checked here and sealed by the app; it is never part of what is stored in clear.

use serde::{Deserialize, Serialize};

use crate::codes::ErrorCode;
use crate::error::{DomainError, FieldError, FieldErrors};
use crate::member::MembershipStatus;

/// The longest issuer URL, in characters.
pub const MAX_ISSUER: usize = 500;
/// The longest client id, in characters.
pub const MAX_CLIENT_ID: usize = 255;
/// The longest client secret, in characters.
pub const MAX_CLIENT_SECRET: usize = 1024;
/// The most email domains one connection claims.
pub const MAX_EMAIL_DOMAINS: usize = 20;

/// Whether a person the identity provider signs in, with no account in the org, gets one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SsoJit {
    /// No: only existing members sign in.
    Off,
    /// Yes, licensed at once (a seat is taken; refused when none is free).
    Licensed,
    /// Yes, waiting for an admin's approval (no seat until then).
    Approval,
}

impl SsoJit {
    /// The status of an account made just in time, if one is made.
    pub fn new_account_status(self) -> Option<MembershipStatus> {
        match self {
            SsoJit::Off => None,
            SsoJit::Licensed => Some(MembershipStatus::Licensed),
            SsoJit::Approval => Some(MembershipStatus::PendingApproval),
        }
    }
}

/// The connection's settings, as checked (everything but the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoSettings {
    pub issuer: String,
    pub client_id: String,
    /// Lower-case, each once, sorted.
    pub email_domains: Vec<String>,
    pub jit: SsoJit,
}

impl SsoSettings {
    /// Checks what an org admin sent; answers the settings and the client secret, trimmed.
    pub fn parse(
        issuer: &str,
        client_id: &str,
        client_secret: &str,
        email_domains: &[String],
        jit: SsoJit,
    ) -> Result<(SsoSettings, String), DomainError> {
        let mut errors = FieldErrors::default();
        let issuer = errors.check(parse_issuer("issuer", issuer));
        let client_id = errors.check(parse_visible("client_id", client_id, MAX_CLIENT_ID));
        let client_secret = errors.check(parse_visible("client_secret", client_secret, MAX_CLIENT_SECRET));
        let email_domains = errors.check(parse_email_domains("email_domains", email_domains));
        errors.finish()?;
        match (issuer, client_id, client_secret, email_domains) {
            (Some(issuer), Some(client_id), Some(client_secret), Some(email_domains)) => Ok((
                SsoSettings {
                    issuer,
                    client_id,
                    email_domains,
                    jit,
                },
                client_secret,
            )),
            _ => Err(DomainError::invalid("issuer", ErrorCode::Invalid, "not valid")),
        }
    }

    /// Whether the connection lists `email`'s domain (verified or not: see
    /// [`DomainOwnership`]).
    pub fn lists(&self, email: &crate::Email) -> bool {
        self.email_domains.iter().any(|listed| listed == email.domain())
    }
}

/// The DNS name whose TXT record proves an org owns `domain`.
pub fn ownership_record_name(domain: &str) -> String {
    format!("_roster-verification.{domain}")
}

/// The TXT value that proves it, for the connection's `token` for that domain.
pub fn ownership_record_value(token: &str) -> String {
    format!("roster-domain-verification={token}")
}

/// An email domain a connection lists, and whether the org has shown it owns it (a DNS TXT
/// record at [`ownership_record_name`] holding [`ownership_record_value`]). Only a verified
/// domain sends `?email=` sign-ins to the org's provider, and only its people get accounts
/// just in time; another org may list a domain until one of them verifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainOwnership {
    /// Not a secret: the org publishes it in DNS.
    pub token: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub verified_at: Option<time::OffsetDateTime>,
}

impl DomainOwnership {
    /// Whether one of a TXT lookup's answers is this domain's proof (surrounding white space
    /// aside; a record may hold other values too).
    pub fn proven_by(&self, txt_values: &[String]) -> bool {
        let expected = ownership_record_value(&self.token);
        txt_values.iter().any(|value| value.trim() == expected)
    }
}

/// An OpenID issuer: an `https://` URL with a host and no query or fragment, or an
/// `http://` one on this machine's loopback (a provider in development or in tests).
pub fn parse_issuer(field: &str, raw: &str) -> Result<String, FieldError> {
    let issuer = raw.trim();
    let invalid = |why: &str| FieldError::new(field, ErrorCode::Invalid, why);
    if issuer.is_empty() {
        return Err(FieldError::new(field, ErrorCode::Required, "the identity provider's issuer URL"));
    }
    if issuer.chars().count() > MAX_ISSUER {
        return Err(FieldError::new(
            field,
            ErrorCode::TooLong,
            format!("at most {MAX_ISSUER} characters"),
        ));
    }
    if issuer.chars().any(|c| c.is_whitespace() || c.is_control()) || issuer.contains(['?', '#']) {
        return Err(invalid("a URL without spaces, query or fragment"));
    }
    let rest = if let Some(rest) = issuer.strip_prefix("https://") {
        rest
    } else if let Some(rest) = issuer.strip_prefix("http://") {
        let host = rest.split(['/']).next().unwrap_or("");
        let host = host
            .rsplit_once(':')
            .map_or(host, |(h, port)| if port.bytes().all(|b| b.is_ascii_digit()) { h } else { host });
        if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
            return Err(invalid("an https:// URL (http:// only on this machine's loopback)"));
        }
        rest
    } else {
        return Err(invalid("an https:// URL"));
    };
    if rest.split('/').next().is_none_or(str::is_empty) {
        return Err(invalid("a URL with a host"));
    }
    Ok(issuer.to_string())
}

/// 1 to `max` visible ASCII characters (client ids and secrets are ASCII tokens).
fn parse_visible(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, ErrorCode::Required, "required"));
    }
    if value.len() > max {
        return Err(FieldError::new(field, ErrorCode::TooLong, format!("at most {max} characters")));
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(FieldError::new(field, ErrorCode::Invalid, "visible ASCII characters only"));
    }
    Ok(value.to_string())
}

/// Public mail providers: no org owns their addresses, so no connection may claim them.
const PUBLIC_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "ymail.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.net",
    "gmx.de",
    "web.de",
    "mail.com",
    "yandex.com",
    "yandex.ru",
    "mail.ru",
    "qq.com",
    "163.com",
    "zoho.com",
    "fastmail.com",
];

/// Email domains (`example.com`): DNS names of at least two labels, lower-cased, each once,
/// none a public mail provider's.
/// A domain name with at least two labels (letters, digits and inner hyphens), in lower
/// case; none when `raw` is not one.
pub fn parse_email_domain(raw: &str) -> Option<String> {
    let domain = raw.trim().to_ascii_lowercase();
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    (domain.len() <= 253 && domain.split('.').count() >= 2 && domain.split('.').all(label_ok)).then_some(domain)
}

pub fn parse_email_domains(field: &str, raw: &[String]) -> Result<Vec<String>, FieldError> {
    if raw.len() > MAX_EMAIL_DOMAINS {
        return Err(FieldError::new(
            field,
            ErrorCode::TooLong,
            format!("at most {MAX_EMAIL_DOMAINS} domains"),
        ));
    }
    let mut domains = Vec::with_capacity(raw.len());
    for domain in raw {
        let Some(domain) = parse_email_domain(domain) else {
            return Err(FieldError::new(
                field,
                ErrorCode::Invalid,
                format!("not an email domain: {:?}", domain.trim()),
            ));
        };
        if PUBLIC_MAIL_DOMAINS.contains(&domain.as_str()) {
            return Err(FieldError::new(
                field,
                ErrorCode::Invalid,
                format!("{domain} is a public mail provider's domain"),
            ));
        }
        domains.push(domain);
    }
    domains.sort();
    domains.dedup();
    Ok(domains)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuers_are_https_or_loopback_http() {
        assert!(parse_issuer("i", "https://login.example.com/tenant/v2.0").is_ok());
        assert!(parse_issuer("i", "http://127.0.0.1:4010").is_ok());
        assert!(parse_issuer("i", "http://localhost/realms/x").is_ok());
        for bad in [
            "",
            "http://example.com",
            "ftp://x",
            "https://",
            "https://x.com/?a=1",
            "https://x .com",
            "javascript:alert(1)",
        ] {
            assert!(parse_issuer("i", bad).is_err(), "{bad}");
        }
        assert!(parse_issuer("i", "http://127.0.0.1.evil.com").is_err());
        assert!(parse_issuer("i", "http://localhost:80@evil.com").is_err());
    }

    #[test]
    fn domains_are_lowercased_sorted_and_checked() {
        let domains = parse_email_domains("d", &["B.example".into(), "a.example".into(), "b.example".into()]).unwrap();
        assert_eq!(domains, vec!["a.example", "b.example"]);
        for bad in [
            "example",
            "-a.example",
            "a..example",
            "a example.com",
            "*.example.com",
            "ex@mple.com",
            "Gmail.com",
        ] {
            assert!(parse_email_domains("d", &[bad.to_string()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn settings_claim_their_domains_only() {
        let (settings, secret) = SsoSettings::parse(
            "https://idp.example",
            "roster",
            " s3cret ",
            &["clinic.example".into()],
            SsoJit::Licensed,
        )
        .unwrap();
        assert_eq!(secret, "s3cret");
        assert!(settings.lists(&crate::Email::parse("ann@Clinic.example").unwrap()));
        assert!(!settings.lists(&crate::Email::parse("ann@clinic.example.evil").unwrap()));
        let refused = SsoSettings::parse("http://idp.example", "", "", &[], SsoJit::Off).unwrap_err();
        let DomainError::Invalid(fields) = refused else { panic!() };
        assert_eq!(fields.len(), 3);
    }

    #[test]
    fn a_domain_is_proven_by_its_own_txt_value_only() {
        let ownership = DomainOwnership {
            token: "tok123".into(),
            verified_at: None,
        };
        assert_eq!(ownership_record_name("clinic.example"), "_roster-verification.clinic.example");
        assert!(ownership.proven_by(&["v=spf1 -all".into(), " roster-domain-verification=tok123 ".into()]));
        assert!(!ownership.proven_by(&["roster-domain-verification=tok1234".into()]));
        assert!(!ownership.proven_by(&["roster-domain-verification=other".into()]));
        assert!(!ownership.proven_by(&[]));
    }
}
