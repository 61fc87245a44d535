//! `Timestamp`: a moment taken from a client (license end, freeze window), parsed once at
//! the boundary into UTC within the range Roster documents, so it can always be rendered.
//!
//! Accepted: RFC 3339 with an offset or `Z` whose moment, moved to UTC, lies from
//! `1970-01-01T00:00:00Z` to `9998-12-31T23:59:59.999999999Z` (SPEC §5).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;
use time::{OffsetDateTime, UtcOffset};

use crate::codes::ErrorCode;
use crate::error::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

/// Why a text is not a `Timestamp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("not an RFC 3339 time with an offset (e.g. 2030-01-31T17:00:00Z)")]
    Malformed,
    #[error("outside 1970-01-01T00:00:00Z to 9998-12-31T23:59:59Z once moved to UTC")]
    OutOfRange,
}

impl TimestampError {
    pub fn code(self) -> ErrorCode {
        match self {
            TimestampError::Malformed => ErrorCode::InvalidTime,
            TimestampError::OutOfRange => ErrorCode::OutOfRange,
        }
    }
}

impl Timestamp {
    pub const MIN: Timestamp = Timestamp(datetime!(1970-01-01 00:00:00 UTC));
    pub const MAX: Timestamp = Timestamp(datetime!(9998-12-31 23:59:59.999_999_999 UTC));

    /// Parses RFC 3339 text (any offset) and moves it to UTC.
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        let parsed = OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|_| TimestampError::Malformed)?;
        Timestamp::from_datetime(parsed)
    }

    /// Parses a client field, naming the field in the error.
    pub fn parse_field(field: &str, text: &str) -> Result<Timestamp, FieldError> {
        Timestamp::parse(text).map_err(|e| FieldError::new(field, e.code(), e.to_string()))
    }

    /// A moment within the range, in UTC.
    pub fn from_datetime(at: OffsetDateTime) -> Result<Timestamp, TimestampError> {
        let utc = at.checked_to_offset(UtcOffset::UTC).ok_or(TimestampError::OutOfRange)?;
        if utc < Self::MIN.0 || utc > Self::MAX.0 {
            return Err(TimestampError::OutOfRange);
        }
        Ok(Timestamp(utc))
    }

    pub fn get(self) -> OffsetDateTime {
        self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_rfc3339(self.0))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_rfc3339(self.0))
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// RFC 3339 in UTC (`2030-01-31T17:00:00Z`, fractions of a second only when present, as
/// the `time` crate writes them). Never fails: a moment that can't be moved to UTC (past
/// the year 9999 there, which no accepted input is) keeps its own offset.
pub fn format_rfc3339(at: OffsetDateTime) -> String {
    let (at, utc) = match at.checked_to_offset(UtcOffset::UTC) {
        Some(utc) => (utc, true),
        None => (at, false),
    };
    // Written digit by digit: a member list writes three of these a member, and `format!`'s
    // padding was a twentieth of a list's time.
    let mut text = String::with_capacity(36);
    match u32::try_from(at.year()).ok().filter(|year| *year <= 9999) {
        Some(year) => {
            push_two(&mut text, (year / 100) as u8);
            push_two(&mut text, (year % 100) as u8);
        }
        None => text.push_str(&format!("{:04}", at.year())),
    }
    text.push('-');
    push_two(&mut text, u8::from(at.month()));
    text.push('-');
    push_two(&mut text, at.day());
    text.push('T');
    push_two(&mut text, at.hour());
    text.push(':');
    push_two(&mut text, at.minute());
    text.push(':');
    push_two(&mut text, at.second());
    let mut nanos = at.nanosecond();
    if nanos != 0 {
        text.push('.');
        let mut digits = 9;
        while nanos % 10 == 0 {
            nanos /= 10;
            digits -= 1;
        }
        for place in (0..digits).rev() {
            text.push(char::from(b'0' + (nanos / 10u32.pow(place) % 10) as u8));
        }
    }
    if utc {
        text.push('Z');
    } else {
        let (hours, minutes, _) = at.offset().as_hms();
        text.push(if at.offset().is_negative() { '-' } else { '+' });
        push_two(&mut text, hours.unsigned_abs());
        text.push(':');
        push_two(&mut text, minutes.unsigned_abs());
    }
    text
}

/// Two decimal digits of `value` (below 100).
fn push_two(text: &mut String, value: u8) {
    text.push(char::from(b'0' + value / 10));
    text.push(char::from(b'0' + value % 10));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn offsets_move_to_utc_and_the_range_is_checked_after() {
        assert_eq!(
            Timestamp::parse("2030-01-01T01:30:00+01:30").unwrap().to_string(),
            "2030-01-01T00:00:00Z"
        );
        assert_eq!(Timestamp::parse("9999-12-31T23:59:59-01:00"), Err(TimestampError::OutOfRange));
        assert_eq!(Timestamp::parse("0000-01-01T00:30:00+01:00"), Err(TimestampError::OutOfRange));
        assert_eq!(
            Timestamp::parse("9998-12-31T23:59:59Z").unwrap().to_string(),
            "9998-12-31T23:59:59Z"
        );
        assert_eq!(Timestamp::parse("1969-12-31T23:59:59Z"), Err(TimestampError::OutOfRange));
        assert_eq!(Timestamp::parse("tomorrow"), Err(TimestampError::Malformed));
        assert_eq!(Timestamp::parse("2030-01-01T00:00:00"), Err(TimestampError::Malformed));
    }

    #[test]
    fn rendering_never_fails_even_outside_the_range() {
        let far = datetime!(9999-12-31 23:59:59 -01:00);
        assert_eq!(format_rfc3339(far), "9999-12-31T23:59:59-01:00");
    }

    proptest! {
        /// Every moment in the range renders as `time` renders it, and parses back to itself.
        #[test]
        fn renders_like_time_and_round_trips(seconds in Timestamp::MIN.0.unix_timestamp()..=Timestamp::MAX.0.unix_timestamp(), nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000], offset_minutes in -1439i32..=1439) {
            let utc = OffsetDateTime::from_unix_timestamp(seconds).unwrap().replace_nanosecond(nanos).unwrap();
            let stamp = Timestamp::from_datetime(utc).unwrap();
            prop_assert_eq!(stamp.to_string(), utc.format(&Rfc3339).unwrap());
            prop_assert_eq!(Timestamp::parse(&stamp.to_string()).unwrap(), stamp);
            // The same moment written with another offset parses to it as well.
            let offset = UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap();
            if let Some(shifted) = utc.checked_to_offset(offset) {
                if let Ok(text) = shifted.format(&Rfc3339) {
                    prop_assert_eq!(Timestamp::parse(&text).unwrap(), stamp);
                }
            }
        }
    }
}
