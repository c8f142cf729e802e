//! Identifiers and small value types of the detection crate: the id of an alert, an
//! ISO 3166-1 alpha-2 country code, and the key a rule uses to tell networks apart.
//! Each is built through a validating conversion.

use std::fmt;
use std::str::FromStr;

use cartographus_core::{EventId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::rules::RuleKind;

/// The UUID namespace of alert ids (UUID v5), distinct from the core namespace.
const ALERT_NAMESPACE: Uuid = Uuid::from_u128(0x6361_7274_6f67_7261_7068_7573_0000_00a1);

/// The unique id of one alert. It is derived from the rule, the user and the play that
/// triggered it, so replaying the same input gives the same ids and an alert delivered
/// twice is recognisable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AlertId(Uuid);

impl AlertId {
    /// The id of the alert `rule` raised for `user` on the play `trigger` at `at`
    /// (the playback time the finding is about).
    pub fn derive(rule: RuleKind, user: UserId, trigger: EventId, at: DateTime<Utc>) -> Self {
        let mut name = [0u8; 1 + 8 + 16 + 8];
        name[0] = rule as u8;
        name[1..9].copy_from_slice(&user.get().to_be_bytes());
        name[9..25].copy_from_slice(trigger.as_uuid().as_bytes());
        name[25..].copy_from_slice(&at.timestamp_millis().to_be_bytes());
        Self(Uuid::new_v5(&ALERT_NAMESPACE, &name))
    }

    /// Wraps a UUID (for ids read back from a store).
    pub fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// The UUID.
    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl fmt::Display for AlertId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A text that is not an alert id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("{value:?} is not an alert id (a UUID)")]
pub struct AlertIdError {
    /// The text given, cut to 64 characters.
    pub value: String,
}

impl FromStr for AlertId {
    type Err = AlertIdError;
    fn from_str(s: &str) -> Result<Self, AlertIdError> {
        Uuid::parse_str(s).map(Self).map_err(|_| AlertIdError {
            value: s.chars().take(64).collect(),
        })
    }
}

/// An ISO 3166-1 alpha-2 country code, stored upper case (`FR`, `US`).
///
/// Only the shape is checked (two ASCII letters): GeoIP databases use a few codes that
/// are not assigned countries (`EU`, `AP`, `XK`), and they must still be comparable.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryCode([u8; 2]);

/// A text that is not a two-letter country code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("{value:?} is not an ISO 3166-1 alpha-2 country code (two letters)")]
pub struct CountryCodeError {
    /// The text given, cut to 64 characters.
    pub value: String,
}

impl CountryCode {
    /// A placeholder for the unused slots of inline lists (`ZZ` is a user-assigned
    /// code that GeoIP databases do not give).
    pub(crate) const FILLER: CountryCode = CountryCode(*b"ZZ");

    /// Builds a code from two ASCII letters in either case.
    pub fn new(s: &str) -> Result<Self, CountryCodeError> {
        // GeoIP databases give exactly two letters: skip the trim's character walk.
        let b = match s.as_bytes() {
            two @ [_, _] => two,
            _ => s.trim().as_bytes(),
        };
        if b.len() != 2 || !b.iter().all(u8::is_ascii_alphabetic) {
            return Err(CountryCodeError {
                value: s.chars().take(64).collect(),
            });
        }
        Ok(Self([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()]))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Always two ASCII letters, so always valid UTF-8.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CountryCode {
    type Err = CountryCodeError;
    fn from_str(s: &str) -> Result<Self, CountryCodeError> {
        Self::new(s)
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::new(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_codes_are_two_letters_upper_case() {
        assert_eq!(CountryCode::new("fr").unwrap().as_str(), "FR");
        assert_eq!(CountryCode::new(" Us ").unwrap().to_string(), "US");
        assert!(CountryCode::new("France").is_err());
        assert!(CountryCode::new("F1").is_err());
        assert!(CountryCode::new("").is_err());
        for bad in ["f ", " f", "é", "\u{a0}f", "1a"] {
            assert!(CountryCode::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(CountryCode::new("\tgb\n").unwrap().as_str(), "GB");
        assert!(serde_json::from_str::<CountryCode>("\"de\"").is_ok());
        assert!(serde_json::from_str::<CountryCode>("\"Germany\"").is_err());
    }

    #[test]
    fn alert_ids_are_deterministic() {
        let u = UserId::new(7).unwrap();
        let e = EventId::derive(b"x");
        let t = DateTime::from_timestamp(1_767_000_000, 0).unwrap();
        let a = AlertId::derive(RuleKind::ImpossibleTravel, u, e, t);
        assert_eq!(a, AlertId::derive(RuleKind::ImpossibleTravel, u, e, t));
        assert_ne!(a, AlertId::derive(RuleKind::ConcurrentStreams, u, e, t));
        let later = t + chrono::Duration::seconds(1);
        assert_ne!(a, AlertId::derive(RuleKind::ImpossibleTravel, u, e, later));
        assert_eq!(a.to_string().parse::<AlertId>().unwrap(), a);
        assert!("nope".parse::<AlertId>().is_err());
    }
}
