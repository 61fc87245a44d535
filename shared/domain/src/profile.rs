//! Checks for the fields people type: names, phone numbers, passwords, free-text fields.

use crate::codes::ErrorCode;
use crate::error::FieldError;

/// The longest first or last name, in characters.
pub const MAX_PERSON_NAME: usize = 100;
/// The longest admin-edited text (position, job ID, location), in characters.
pub const MAX_TEXT: usize = 200;
/// How many digits a phone number has.
pub const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 7..=15;
/// How many characters a chosen password has.
pub const PASSWORD_LENGTH: std::ops::RangeInclusive<usize> = 10..=128;

/// A first or last name: 1 to 100 printable characters.
pub fn parse_person_name(field: &str, raw: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(FieldError::new(field, ErrorCode::Required, "must not be empty"));
    }
    if name.chars().count() > MAX_PERSON_NAME || name.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            ErrorCode::InvalidName,
            format!("at most {MAX_PERSON_NAME} printable characters"),
        ));
    }
    Ok(name.to_string())
}

/// A phone number as people write it: digits with spaces, dashes, dots, parentheses and
/// an optional leading `+`; 7 to 15 digits. Stored with the separators removed.
pub fn parse_phone(field: &str, raw: &str) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    let (plus, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => ("+", rest),
        None => ("", trimmed),
    };
    let allowed = rest.chars().all(|c| c.is_ascii_digit() || " -.()".contains(c));
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    if !allowed || !PHONE_DIGITS.contains(&digits.len()) {
        return Err(FieldError::new(
            field,
            ErrorCode::InvalidPhone,
            "a phone number of 7 to 15 digits, optionally starting with +",
        ));
    }
    Ok(format!("{plus}{digits}"))
}

/// A password a user chooses: 10 to 128 characters.
pub fn check_new_password(field: &str, password: &str) -> Result<(), FieldError> {
    let length = password.chars().count();
    if length < *PASSWORD_LENGTH.start() {
        return Err(FieldError::new(
            field,
            ErrorCode::TooShort,
            format!("at least {} characters", PASSWORD_LENGTH.start()),
        ));
    }
    if length > *PASSWORD_LENGTH.end() {
        return Err(FieldError::new(
            field,
            ErrorCode::TooLong,
            format!("at most {} characters", PASSWORD_LENGTH.end()),
        ));
    }
    Ok(())
}

/// An optional admin-edited text (position, job ID, location): empty means none.
pub fn parse_optional_text(field: &str, raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_TEXT || text.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            ErrorCode::InvalidText,
            format!("at most {MAX_TEXT} printable characters"),
        ));
    }
    Ok(Some(text.to_string()))
}

/// The 2FA channels acceptance may choose (rule 6).
pub const TWO_FACTOR_CHANNELS: [&str; 2] = ["email", "mobile"];

pub fn parse_two_factor_channel(raw: &str) -> Result<String, FieldError> {
    if TWO_FACTOR_CHANNELS.contains(&raw) {
        Ok(raw.to_string())
    } else {
        Err(FieldError::new("two_factor_channel", ErrorCode::InvalidChoice, "email or mobile"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_keep_digits_and_plus() {
        assert_eq!(parse_phone("phone", " +1 (555) 010-0100 ").unwrap(), "+15550100100");
        assert!(parse_phone("phone", "12345").is_err());
        assert!(parse_phone("phone", "555-CALL-NOW").is_err());
    }

    #[test]
    fn names_are_required_and_bounded() {
        assert!(parse_person_name("first_name", "  ").is_err());
        assert_eq!(parse_person_name("first_name", " Ada ").unwrap(), "Ada");
        assert!(parse_person_name("first_name", &"x".repeat(101)).is_err());
    }
}
