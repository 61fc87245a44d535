//! Ids and codes as types, one per kind, parsed from their text where they come in (path
//! segments, query parameters, bodies) so that nothing else ever reaches a table key.
//!
//! Ids are ULIDs: 26 characters of Crockford base32 (`0-9`, `A-Z` without `I L O U`).
//! Join codes are 10 such characters; secrets are 43 characters of base64url.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The text is not an id of this kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a well-formed {0}")]
pub struct MalformedId(pub &'static str);

/// The characters an id or secret is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdAlphabet {
    /// Crockford base32: `0-9`, `A-Z` without `I L O U`.
    Crockford,
    /// base64url without padding: `A-Z a-z 0-9 - _`.
    Base64Url,
}

impl IdAlphabet {
    /// Whether `text` is `len` characters of this alphabet.
    pub fn check(self, text: &str, len: usize) -> bool {
        text.len() == len
            && text.bytes().all(|b| match self {
                IdAlphabet::Crockford => b.is_ascii_digit() || (b.is_ascii_uppercase() && !matches!(b, b'I' | b'L' | b'O' | b'U')),
                IdAlphabet::Base64Url => b.is_ascii_alphanumeric() || b == b'-' || b == b'_',
            })
    }

    /// The same check as a regular expression (for the API's schemas).
    pub fn pattern(self, len: usize) -> String {
        format!("^{}$", self.run(len))
    }

    /// `len` characters of this alphabet, as a regular expression's part.
    fn run(self, len: usize) -> String {
        let class = match self {
            IdAlphabet::Crockford => "0-9A-HJKMNP-TV-Z",
            IdAlphabet::Base64Url => "A-Za-z0-9_-",
        };
        format!("[{class}]{{{len}}}")
    }
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, $what:literal, $alphabet:expr, $len:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Result<Self, MalformedId> {
                if $alphabet.check(text, $len) {
                    Ok($name(text.to_string()))
                } else {
                    Err(MalformedId($what))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = MalformedId;
            fn from_str(text: &str) -> Result<Self, MalformedId> {
                $name::parse(text)
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl schemars::JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                crate::schema::id_schema($alphabet, $len)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

text_id!(
    /// An organization's id.
    OrgId, "org id", IdAlphabet::Crockford, 26
);
text_id!(
    /// A member's (account's) id.
    MemberId, "member id", IdAlphabet::Crockford, 26
);
text_id!(
    /// A department's id.
    DepartmentId, "department id", IdAlphabet::Crockford, 26
);
text_id!(
    /// A bulk import's id.
    ImportId, "import id", IdAlphabet::Crockford, 26
);
text_id!(
    /// An org's public join code (the invite link's last segment).
    JoinCode, "join code", IdAlphabet::Crockford, 10
);
/// An invitation link's last path segment: `<org>_<member>_<version>_<secret>`, naming the
/// org, the member and which of its invitations it is, then the secret that proves it (43
/// characters of base64url; only its SHA-256 is stored, on the member). A link sent before
/// links named their member is the secret alone, found by its lookup item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationToken {
    text: String,
    names: Option<InvitationNames>,
}

/// The org, member and invitation version an invitation link names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationNames {
    pub org_id: OrgId,
    pub member_id: MemberId,
    pub version: u32,
}

/// The length of an invitation link's secret.
const INVITATION_SECRET_LEN: usize = 43;

impl InvitationToken {
    pub fn parse(text: &str) -> Result<Self, MalformedId> {
        let malformed = MalformedId("invitation token");
        let secret = text.get(text.len().saturating_sub(INVITATION_SECRET_LEN)..).ok_or(malformed)?;
        if !IdAlphabet::Base64Url.check(secret, INVITATION_SECRET_LEN) {
            return Err(malformed);
        }
        // The secret is ASCII, so what comes before it ends on a character boundary.
        let named = &text[..text.len() - INVITATION_SECRET_LEN];
        let names = if named.is_empty() {
            None
        } else {
            let mut parts = named.split('_');
            let (Some(org), Some(member), Some(version), Some(""), None) =
                (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(malformed);
            };
            // 1 to 9 digits without a leading zero: one way to write it, and it fits a u32.
            let digits = (1..=9).contains(&version.len()) && version.bytes().all(|b| b.is_ascii_digit()) && !version.starts_with('0');
            if !digits {
                return Err(malformed);
            }
            Some(InvitationNames {
                org_id: OrgId::parse(org).map_err(|_| malformed)?,
                member_id: MemberId::parse(member).map_err(|_| malformed)?,
                version: version.parse().map_err(|_| malformed)?,
            })
        };
        Ok(InvitationToken {
            text: text.to_string(),
            names,
        })
    }

    /// The link's text for `member_id`'s invitation `version` in `org_id`, with its secret.
    pub fn link_text(org_id: &str, member_id: &str, version: u32, secret: &str) -> String {
        format!("{org_id}_{member_id}_{version}_{secret}")
    }

    /// Whom the link is for; none for a link from before links named their member.
    pub fn names(&self) -> Option<&InvitationNames> {
        self.names.as_ref()
    }

    /// The secret that proves the link.
    pub fn secret(&self) -> &str {
        &self.text[self.text.len() - INVITATION_SECRET_LEN..]
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The API's pattern for it.
    pub fn pattern() -> String {
        let id = IdAlphabet::Crockford.run(26);
        let secret = IdAlphabet::Base64Url.run(INVITATION_SECRET_LEN);
        format!("^(?:{id}_{id}_[1-9][0-9]{{0,8}}_)?{secret}$")
    }
}

impl FromStr for InvitationToken {
    type Err = MalformedId;
    fn from_str(text: &str) -> Result<Self, MalformedId> {
        InvitationToken::parse(text)
    }
}

impl fmt::Display for InvitationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl schemars::JsonSchema for InvitationToken {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "InvitationToken".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": InvitationToken::pattern() })
    }
}
text_id!(
    /// The secret of an email change's confirmation link. Only its SHA-256 is stored.
    EmailChangeToken, "email confirmation token", IdAlphabet::Base64Url, 43
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_only_their_own_shape() {
        assert!(OrgId::parse("01JD2XQ7V8E6S5R4P3N2M1K0HG").is_ok());
        for bad in [
            "",
            "X%23CHUNK%23000000",
            "X#CHUNK#000000",
            "01jd2xq7v8e6s5r4p3n2m1k0hg",
            "01JD2XQ7V8E6S5R4P3N2M1K0HGX",
            "01JD2XQ7V8E6S5R4P3N2M1K0HI",
        ] {
            assert_eq!(ImportId::parse(bad), Err(MalformedId("import id")), "{bad}");
        }
        assert!(JoinCode::parse("ABCDEFGH12").is_ok());
        assert!(JoinCode::parse("ABCDEFGH1").is_err());
        let secret = &"a-_B".repeat(11)[..43];
        let legacy = InvitationToken::parse(secret).unwrap();
        assert_eq!((legacy.names(), legacy.secret()), (None, secret));
        assert!(InvitationToken::parse(&"a#".repeat(22)[..43]).is_err());
        let (org, member) = ("01JD2XQ7V8E6S5R4P3N2M1K0HG", "01JD2XQ7V8E6S5R4P3N2M1K0HH");
        let named = InvitationToken::parse(&InvitationToken::link_text(org, member, 12, secret)).unwrap();
        let names = named.names().unwrap();
        assert_eq!((names.org_id.as_str(), names.member_id.as_str(), names.version), (org, member, 12));
        assert_eq!(named.secret(), secret);
        for bad in [
            format!("{org}_{member}_0_{secret}"),
            format!("{org}_{member}_012_{secret}"),
            format!("{org}_{member}_1234567890_{secret}"),
            format!("{org}_{member}__{secret}"),
            format!("{org}_{member}_1{secret}"),
            format!("{org}_{member}_1_x_{secret}"),
            format!("{org}_{member}_{secret}"),
            format!("{}_{member}_1_{secret}", org.to_lowercase()),
            format!("_{secret}"),
            format!("x{secret}"),
            format!("{org}_{member}_1_{}", &secret[1..]),
        ] {
            assert!(InvitationToken::parse(&bad).is_err(), "{bad}");
        }
        let pattern = regex_lite::Regex::new(&InvitationToken::pattern()).unwrap();
        assert!(pattern.is_match(secret) && pattern.is_match(named.as_str()));
    }

    #[test]
    fn bodies_with_malformed_ids_do_not_deserialize() {
        assert!(serde_json::from_str::<MemberId>("\"MEMBER#x\"").is_err());
        assert_eq!(
            serde_json::from_str::<MemberId>("\"01JD2XQ7V8E6S5R4P3N2M1K0HG\"").unwrap().as_str(),
            "01JD2XQ7V8E6S5R4P3N2M1K0HG"
        );
    }
}
