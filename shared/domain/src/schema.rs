//! The JSON Schemas (draft 2020-12, the dialect of OpenAPI 3.1) of the values the domain
//! checks, written from the same limits its checks use. The OpenAPI document is generated
//! from these and from the types that use them.
//!
//! Input fields that arrive as text and are checked by a use case (a name, a phone) name
//! their schema with `#[schemars(with = "schema::PersonName")]`: the types here that hold
//! no value exist only to carry such a schema.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

use crate::codes::ErrorCode;
use crate::email::{Email, MAX_EMAIL};
use crate::ids::IdAlphabet;
use crate::org::{MAX_EULA_VERSION, MAX_FREEZE_REASON, MAX_ORG_NAME};
use crate::profile::{MAX_PERSON_NAME, MAX_TEXT, PASSWORD_LENGTH, PHONE_DIGITS, TWO_FACTOR_CHANNELS};
use crate::timestamp::Timestamp;

/// One character that is not a control character (`char::is_control`: U+0000–U+001F,
/// U+007F–U+009F), as a regex class body.
const CONTROL: &str = r"\u0000-\u001F\u007F-\u009F";

/// Text of printable characters with at least one that is not a space: what a trimmed,
/// non-empty, control-free check accepts.
fn printable_not_blank(max: usize, description: String) -> Schema {
    json_schema!({
        "type": "string",
        "minLength": 1,
        "maxLength": max,
        "pattern": format!("^[^{CONTROL}]*[^\\s{CONTROL}][^{CONTROL}]*$"),
        "description": description,
    })
}

macro_rules! schema_only {
    ($($(#[$doc:meta])* $name:ident => |$generator:ident| $schema:expr;)*) => {
        $(
            $(#[$doc])*
            pub enum $name {}

            impl JsonSchema for $name {
                fn schema_name() -> Cow<'static, str> {
                    stringify!($name).into()
                }

                fn json_schema($generator: &mut SchemaGenerator) -> Schema {
                    $schema
                }
            }
        )*
    };
}

schema_only! {
    /// A first or last name (`profile::parse_person_name`).
    PersonName => |_g| printable_not_blank(
        MAX_PERSON_NAME,
        format!("1 to {MAX_PERSON_NAME} printable characters (surrounding spaces are trimmed)."),
    );
    /// An org's or a department's name (`org::validate_name`).
    OrgName => |_g| printable_not_blank(
        MAX_ORG_NAME,
        format!("1 to {MAX_ORG_NAME} printable characters (surrounding spaces are trimmed)."),
    );
    /// A phone number as people write it (`profile::parse_phone`).
    Phone => |_g| json_schema!({
        "type": "string",
        "pattern": format!(
            r"^\s*\+?(?:[ .()-]*[0-9]){{{},{}}}[ .()-]*\s*$",
            PHONE_DIGITS.start(),
            PHONE_DIGITS.end()
        ),
        "description": format!(
            "{} to {} digits, with spaces, dashes, dots or parentheses between them and an optional leading +; stored as the digits (and +).",
            PHONE_DIGITS.start(),
            PHONE_DIGITS.end()
        ),
    });
    /// An admin-edited text: position, job ID, location (`profile::parse_optional_text`).
    FreeText => |_g| json_schema!({
        "type": "string",
        "maxLength": MAX_TEXT,
        "pattern": format!("^[^{CONTROL}]*$"),
        "description": format!("At most {MAX_TEXT} printable characters; empty or null clears it."),
    });
    /// A password a person chooses (`profile::check_new_password`).
    NewPassword => |_g| json_schema!({
        "type": "string",
        "minLength": PASSWORD_LENGTH.start(),
        "maxLength": PASSWORD_LENGTH.end(),
    });
    /// The version of the EULA an invitee accepts (`OrgSettings::validate`).
    EulaVersion => |_g| json_schema!({
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_EULA_VERSION,
        "pattern": r"\S",
    });
    /// Why an org's membership is frozen (`FreezeWindow::validate`).
    FreezeReason => |_g| json_schema!({
        "type": "string",
        "maxLength": MAX_FREEZE_REASON,
    });
    /// How an invitee wants its second factor (`profile::parse_two_factor_channel`).
    TwoFactorChannel => |_g| json_schema!({
        "type": "string",
        "enum": TWO_FACTOR_CHANNELS,
    });
    /// An email address as typed: it must parse as `Email` (`email::Email::parse`).
    EmailAddress => |_g| json_schema!({
        "type": "string",
        "format": "email",
        "maxLength": MAX_EMAIL,
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
            "description": "RFC 3339 with an offset or Z, from 1970-01-01T00:00:00Z to 9998-12-31T23:59:59Z once moved to UTC (anything else is a 400); Roster answers in UTC.",
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
