//! The JSON Schemas (draft 2020-12, the dialect of OpenAPI 3.1) of the values the domain
//! checks, written from the same limits its checks use. The OpenAPI document is generated
//! from these and from the types that use them.
//!
//! Input fields that arrive as text and are checked by a use case (a name, a phone) name
//! their schema with `#[schemars(with = "roster_domain::schema::PersonName")]`: the types
//! here that hold no value exist only to carry such a schema. The checks count and scan
//! text after trimming it, so the patterns do too (and so carry the lengths).

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

use crate::codes::ErrorCode;
use crate::email::{Email, MAX_EMAIL, MAX_EMAIL_LOCAL_PART};
use crate::ids::IdAlphabet;
use crate::org::{MAX_EULA_VERSION, MAX_FREEZE_REASON, MAX_ORG_NAME};
use crate::profile::{MAX_PERSON_NAME, MAX_TEXT, PASSWORD_LENGTH, PHONE_DIGITS, TWO_FACTOR_CHANNELS};
use crate::timestamp::Timestamp;

/// The control characters (`char::is_control`: U+0000–U+001F, U+007F–U+009F), as the body
/// of a regex class.
const CONTROL: &str = r"\u0000-\u001F\u007F-\u009F";
/// The white space `str::trim` removes (`char::is_whitespace`: Unicode's White_Space), as
/// the body of a regex class.
const WHITE_SPACE: &str = r"\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// What a trimmed text may hold between its first and last character.
#[derive(Clone, Copy)]
enum Inside {
    /// No control characters.
    Printable,
    Anything,
}

/// A pattern for text that, once trimmed (`str::trim`), has 1 to `max` characters (or none,
/// if `blank` is allowed): the checks count and scan the trimmed text, so the pattern does
/// too, and the text itself may be longer by its surrounding white space.
fn trimmed_text(max: usize, inside: Inside, blank: bool) -> String {
    let (edge, middle) = match inside {
        Inside::Printable => (format!("[^{WHITE_SPACE}{CONTROL}]"), format!("[^{CONTROL}]")),
        Inside::Anything => (format!("[^{WHITE_SPACE}]"), r"[\s\S]".to_string()),
    };
    let core = match max {
        0 => String::new(),
        1 => edge,
        _ => format!("{edge}(?:{middle}{{0,{}}}{edge})?", max - 2),
    };
    let optional = if blank { "?" } else { "" };
    format!("^[{WHITE_SPACE}]*(?:{core}){optional}[{WHITE_SPACE}]*$")
}

/// A phone number as `profile::parse_phone` reads it: after trimming, an optional `+`, then
/// digits with spaces, dashes, dots or parentheses between them.
fn phone_pattern(blank: bool) -> String {
    let number = format!(r"\+?(?:[ .()-]*[0-9]){{{},{}}}[ .()-]*", PHONE_DIGITS.start(), PHONE_DIGITS.end());
    let optional = if blank { "?" } else { "" };
    format!("^[{WHITE_SPACE}]*(?:{number}){optional}[{WHITE_SPACE}]*$")
}

/// An email address as `Email::parse` reads it (after trimming; it lower-cases, so upper
/// case is fine): a local part of `atext` characters in dot-separated runs, and a domain of
/// at least two labels of letters, digits and inner hyphens, the last of letters only. Any
/// character above U+00A0 stands for the letters and digits beyond ASCII the check also
/// takes, so the pattern is a little looser there; it leaves the byte lengths to the check.
fn email_pattern() -> String {
    const WIDE: &str = r"[^\u0000-\u00A0]";
    let local_char = format!(r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]|{WIDE})");
    let label_char = format!("(?:[A-Za-z0-9]|{WIDE})");
    let label = format!("{label_char}(?:(?:[A-Za-z0-9-]|{WIDE}){{0,61}}{label_char})?");
    let top = format!("(?:[A-Za-z]{{2,63}}|(?:[A-Za-z]|{WIDE})*{WIDE}(?:[A-Za-z]|{WIDE})*)");
    format!("^[{WHITE_SPACE}]*{local_char}+(?:\\.{local_char}+)*@(?:{label}\\.)+{top}[{WHITE_SPACE}]*$")
}

macro_rules! schema_only {
    ($($(#[$doc:meta])* $name:ident => $schema:expr;)*) => {
        $(
            $(#[$doc])*
            pub enum $name {}

            impl JsonSchema for $name {
                fn schema_name() -> Cow<'static, str> {
                    stringify!($name).into()
                }

                fn json_schema(_: &mut SchemaGenerator) -> Schema {
                    $schema
                }
            }
        )*
    };
}

schema_only! {
    /// A first or last name (`profile::parse_person_name`).
    PersonName => json_schema!({
        "type": "string",
        "pattern": trimmed_text(MAX_PERSON_NAME, Inside::Printable, false),
        "description": format!("1 to {MAX_PERSON_NAME} printable characters (surrounding spaces are trimmed)."),
    });
    /// A first or last name that may be left blank (the invitation's optional names).
    PersonNameOrBlank => json_schema!({
        "type": "string",
        "pattern": trimmed_text(MAX_PERSON_NAME, Inside::Printable, true),
        "description": format!("Up to {MAX_PERSON_NAME} printable characters (surrounding spaces are trimmed); blank means none."),
    });
    /// An org's or a department's name (`org::validate_name`).
    OrgName => json_schema!({
        "type": "string",
        "pattern": trimmed_text(MAX_ORG_NAME, Inside::Printable, false),
        "description": format!("1 to {MAX_ORG_NAME} printable characters (surrounding spaces are trimmed)."),
    });
    /// A phone number as people write it (`profile::parse_phone`).
    Phone => json_schema!({
        "type": "string",
        "pattern": phone_pattern(false),
        "description": format!(
            "{} to {} digits, with spaces, dashes, dots or parentheses between them and an optional leading +; stored as the digits (and +).",
            PHONE_DIGITS.start(),
            PHONE_DIGITS.end()
        ),
    });
    /// A phone number that may be left blank (a directly created account's).
    PhoneOrBlank => json_schema!({
        "type": "string",
        "pattern": phone_pattern(true),
        "description": "A phone number as in `Phone`; blank means none.",
    });
    /// An admin-edited text: position, job ID, location (`profile::parse_optional_text`).
    FreeText => json_schema!({
        "type": "string",
        "pattern": trimmed_text(MAX_TEXT, Inside::Printable, true),
        "description": format!("Up to {MAX_TEXT} printable characters (surrounding spaces are trimmed); blank means none."),
    });
    /// A password a person chooses (`profile::check_new_password`).
    NewPassword => json_schema!({
        "type": "string",
        "minLength": PASSWORD_LENGTH.start(),
        "maxLength": PASSWORD_LENGTH.end(),
    });
    /// The version of the EULA an invitee accepts (`OrgSettings::validate`).
    EulaVersion => json_schema!({
        "type": "string",
        "pattern": trimmed_text(MAX_EULA_VERSION, Inside::Printable, false),
        "description": format!("1 to {MAX_EULA_VERSION} printable characters (surrounding spaces are trimmed)."),
    });
    /// Why an org's membership is frozen (`FreezeWindow::validate`).
    FreezeReason => json_schema!({
        "type": "string",
        "pattern": trimmed_text(MAX_FREEZE_REASON, Inside::Anything, true),
        "description": format!("Up to {MAX_FREEZE_REASON} characters (surrounding spaces are trimmed)."),
    });
    /// How an invitee wants its second factor (`profile::parse_two_factor_channel`).
    TwoFactorChannel => json_schema!({
        "type": "string",
        "enum": TWO_FACTOR_CHANNELS,
    });
    /// An email address (`email::Email::parse`); Roster answers it trimmed and lower-cased.
    EmailAddress => json_schema!({
        "type": "string",
        "pattern": email_pattern(),
        "description": format!(
            "An email address: at most {MAX_EMAIL} bytes once trimmed and lower-cased, the part before the @ at most {MAX_EMAIL_LOCAL_PART}."
        ),
    });
}

impl JsonSchema for Email {
    fn schema_name() -> Cow<'static, str> {
        EmailAddress::schema_name()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        EmailAddress::json_schema(generator)
    }
}

/// A moment Roster answers with: RFC 3339 in UTC (`views::rfc3339`).
pub enum DateTime {}

impl JsonSchema for DateTime {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "DateTime".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date-time" })
    }
}

impl JsonSchema for Timestamp {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 with an offset or Z, from 1970-01-01T00:00:00Z to 9998-12-31T23:59:59Z once moved to UTC.",
        })
    }
}

impl JsonSchema for ErrorCode {
    fn schema_name() -> Cow<'static, str> {
        "ErrorCode".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let codes: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        json_schema!({
            "type": "string",
            "enum": codes,
            "description": "Every code Roster answers (the README lists each with its status and meaning).",
        })
    }
}

/// The schema of an id or secret of the given alphabet and length.
pub fn id_schema(alphabet: IdAlphabet, len: usize) -> Schema {
    json_schema!({ "type": "string", "pattern": alphabet.pattern(len) })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use regex_lite::Regex;

    use super::*;
    use crate::org::{validate_name, FreezeWindow, OrgSettings, Plan};
    use crate::profile::{parse_optional_text, parse_person_name, parse_phone};

    /// Characters that sit on the checks' edges: white space of every kind, control
    /// characters (some of them white space too), separators, letters beyond ASCII and
    /// beyond U+FFFF.
    const EDGY: &[char] = &[
        'a', 'Z', '7', ' ', '+', '-', '.', '(', ')', '@', '_', '\t', '\n', '\r', '\u{0B}', '\u{1C}', '\u{85}', '\u{A0}', '\u{3000}',
        '\u{2028}', '\u{FEFF}', '\u{0}', '\u{7F}', '\u{9F}', 'é', 'ß', 'ü', '¡', '𝐚', '𠀀',
    ];

    fn text(max_len: usize) -> impl Strategy<Value = String> {
        prop_oneof![
            prop::collection::vec(prop::sample::select(EDGY), 0..12).prop_map(String::from_iter),
            // Around the length limits, with white space on the edges.
            (0..4usize, 0..max_len + 3, 0..4usize, prop::sample::select(EDGY)).prop_map(|(lead, n, trail, inner)| {
                format!("{}{}{}{}", " ".repeat(lead), "x".repeat(n), inner, "\u{A0}".repeat(trail))
            }),
        ]
    }

    fn email() -> impl Strategy<Value = String> {
        let part = prop::collection::vec(prop::sample::select(EDGY), 1..6).prop_map(String::from_iter);
        prop_oneof![
            (part.clone(), part.clone(), part).prop_map(|(local, domain, top)| format!("{local}@{domain}.{top}")),
            prop::sample::select(
                &[
                    "Ada@Example.COM",
                    " bo@x.test\n",
                    "𝐚@example.com",
                    "a@𠀀.com",
                    "a@b.𝐚",
                    "a.b@c-d.e.io"
                ][..]
            )
            .prop_map(String::from),
        ]
    }

    fn matches(pattern: &str, text: &str) -> bool {
        Regex::new(pattern).expect("a pattern regex-lite reads").is_match(text)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Each text pattern accepts exactly what its check accepts.
        #[test]
        fn text_patterns_are_the_checks(raw in text(MAX_FREEZE_REASON)) {
            let blank = raw.trim().is_empty();
            let cases = [
                ("person name", trimmed_text(MAX_PERSON_NAME, Inside::Printable, false), parse_person_name("f", &raw).is_ok()),
                ("optional person name", trimmed_text(MAX_PERSON_NAME, Inside::Printable, true), blank || parse_person_name("f", &raw).is_ok()),
                ("org name", trimmed_text(MAX_ORG_NAME, Inside::Printable, false), validate_name("name", &raw).is_ok()),
                ("free text", trimmed_text(MAX_TEXT, Inside::Printable, true), parse_optional_text("position", Some(&raw)).is_ok()),
                ("EULA version", trimmed_text(MAX_EULA_VERSION, Inside::Printable, false), {
                    let settings = OrgSettings { eula_version: raw.trim().to_string(), ..OrgSettings::new(Plan::Paid) };
                    settings.validate().is_ok()
                }),
                ("freeze reason", trimmed_text(MAX_FREEZE_REASON, Inside::Anything, true), {
                    let window = FreezeWindow { starts_at: Timestamp::MIN, ends_at: Timestamp::MAX, reason: raw.trim().to_string() };
                    window.validate().is_ok()
                }),
                ("phone", phone_pattern(false), parse_phone("phone", &raw).is_ok()),
                ("optional phone", phone_pattern(true), blank || parse_phone("phone", &raw).is_ok()),
            ];
            for (what, pattern, accepted) in cases {
                prop_assert_eq!(matches(&pattern, &raw), accepted, "{} {:?}", what, raw);
            }
        }

        /// The email pattern accepts every address `Email::parse` accepts.
        #[test]
        fn the_email_pattern_takes_every_address_the_check_takes(raw in email()) {
            if Email::parse(&raw).is_ok() {
                prop_assert!(matches(&email_pattern(), &raw), "{:?}", raw);
            }
        }
    }

    /// The characters an id pattern's class takes are the ones `IdAlphabet::check` takes.
    #[test]
    fn id_patterns_take_what_the_checks_take() {
        for alphabet in [IdAlphabet::Crockford, IdAlphabet::Base64Url] {
            let pattern = alphabet.pattern(1);
            let class = pattern.trim_start_matches("^[").trim_end_matches("]{1}$");
            let chars: Vec<char> = class.chars().collect();
            let in_class = |c: char| {
                let mut i = 0;
                while i < chars.len() {
                    if i + 2 < chars.len() && chars[i + 1] == '-' {
                        if (chars[i]..=chars[i + 2]).contains(&c) {
                            return true;
                        }
                        i += 3;
                    } else {
                        if chars[i] == c {
                            return true;
                        }
                        i += 1;
                    }
                }
                false
            };
            for byte in 0u8..128 {
                let c = byte as char;
                assert_eq!(alphabet.check(&c.to_string(), 1), in_class(c), "{alphabet:?} {c:?}");
            }
        }
    }
}
