//! Newtype identifiers. Each is built only through a validating conversion (`FromStr`,
//! `TryFrom<&str>`, `new`), so an id that reaches another crate is never empty, never
//! longer than [`MAX_ID_LEN`] bytes and never holds a control character.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// The longest id accepted, in bytes.
pub const MAX_ID_LEN: usize = 512;

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The id was empty (or only white space).
    #[error("{kind} is empty")]
    Empty {
        /// Which id type was being built.
        kind: &'static str,
    },
    /// The id was longer than [`MAX_ID_LEN`] bytes.
    #[error("{kind} is {len} bytes long; at most {MAX_ID_LEN} are allowed")]
    TooLong {
        /// Which id type was being built.
        kind: &'static str,
        /// Its length in bytes.
        len: usize,
    },
    /// The id held a control character.
    #[error("{kind} contains a control character")]
    ControlCharacter {
        /// Which id type was being built.
        kind: &'static str,
    },
    /// The id was not a number where one is required.
    #[error("{kind} is not a valid number")]
    NotANumber {
        /// Which id type was being built.
        kind: &'static str,
    },
    /// The id was not a UUID where one is required.
    #[error("{kind} is not a valid UUID")]
    NotAUuid {
        /// Which id type was being built.
        kind: &'static str,
    },
}

fn validate(kind: &'static str, s: &str) -> Result<(), IdError> {
    if s.trim().is_empty() {
        return Err(IdError::Empty { kind });
    }
    if s.len() > MAX_ID_LEN {
        return Err(IdError::TooLong { kind, len: s.len() });
    }
    if s.chars().any(char::is_control) {
        return Err(IdError::ControlCharacter { kind });
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Box<str>);

        impl $name {
            /// Builds the id, validating it.
            pub fn new(s: impl AsRef<str>) -> Result<Self, IdError> {
                let s = s.as_ref();
                validate($kind, s)?;
                Ok(Self(s.into()))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), &*self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                validate($kind, &s)?;
                Ok(Self(s.into_boxed_str()))
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::try_from(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_id!(
    /// A configured media server (Plex machineIdentifier, Jellyfin/Emby server id, or the
    /// name given in the config).
    ServerId,
    "server id"
);
string_id!(
    /// A user's id as the media server knows it: a Plex account number, a Jellyfin or
    /// Emby user GUID, a Tautulli user id.
    ExternalUserId,
    "external user id"
);
string_id!(
    /// A playback session's id on its server (Plex sessionKey, Jellyfin/Emby session
    /// `Id` joined with the play session).
    SessionKey,
    "session key"
);
string_id!(
    /// A media item on its server: Plex ratingKey, Jellyfin or Emby item id.
    MediaKey,
    "media key"
);
string_id!(
    /// A playback device: Plex machineIdentifier of the player, Jellyfin/Emby DeviceId.
    DeviceId,
    "device id"
);

/// The internal, stable user id. It is derived deterministically from
/// `(source, server, external id)` by [`crate::UserDirectory`] (a SHA-1 based UUID v5
/// folded to 63 bits), so two processes that see the same user agree on its id without
/// a shared counter. Always positive, so it fits a signed 64-bit database column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(u64);

impl UserId {
    /// The largest valid value (`i64::MAX`).
    pub const MAX: u64 = i64::MAX as u64;

    /// Builds a user id from its numeric value; values above [`UserId::MAX`] are refused.
    pub fn new(value: u64) -> Result<Self, IdError> {
        if value > Self::MAX {
            return Err(IdError::NotANumber { kind: "user id" });
        }
        Ok(Self(value))
    }

    /// The numeric value.
    pub fn get(self) -> u64 {
        self.0
    }

    pub(crate) fn from_hash(hash: u64) -> Self {
        Self(hash & Self::MAX)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for UserId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let v: u64 = s
            .parse()
            .map_err(|_| IdError::NotANumber { kind: "user id" })?;
        Self::new(v)
    }
}

impl TryFrom<i64> for UserId {
    type Error = IdError;
    fn try_from(v: i64) -> Result<Self, IdError> {
        u64::try_from(v)
            .map_err(|_| IdError::NotANumber { kind: "user id" })
            .and_then(Self::new)
    }
}

impl From<UserId> for i64 {
    fn from(id: UserId) -> i64 {
        // Lossless: a UserId never exceeds i64::MAX.
        id.0 as i64
    }
}

/// Serialised as a decimal string: ids use all 63 bits, and JavaScript numbers (the
/// web UI, most JSON tools) only hold 53 bits exactly.
impl Serialize for UserId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(&self.0)
        } else {
            s.serialize_u64(self.0)
        }
    }
}

/// Accepts the decimal string it writes, and a plain number (older files, scripts).
impl<'de> Deserialize<'de> for UserId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = UserId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a user id (a positive 63-bit integer, as a number or a string)")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<UserId, E> {
                UserId::new(v).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<UserId, E> {
                UserId::try_from(v).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<UserId, E> {
                v.parse().map_err(E::custom)
            }
        }
        if d.is_human_readable() {
            d.deserialize_any(V)
        } else {
            d.deserialize_u64(V)
        }
    }
}

/// The unique id of one playback event (a UUID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventId(Uuid);

impl EventId {
    /// Wraps a UUID.
    pub fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// A deterministic id derived from a name (UUID v5 in the Cartographus namespace):
    /// the same input gives the same id in every process, which makes re-delivery of
    /// the same event recognisable.
    pub fn derive(name: &[u8]) -> Self {
        Self(Uuid::new_v5(&crate::CARTOGRAPHUS_NAMESPACE, name))
    }

    /// The UUID.
    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for EventId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Uuid::parse_str(s)
            .map(Self)
            .map_err(|_| IdError::NotAUuid { kind: "event id" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_json_strings_and_read_numbers_too() {
        let id = UserId::new(7_561_235_646_583_953_200).unwrap();
        let text = serde_json::to_string(&id).unwrap();
        assert_eq!(text, "\"7561235646583953200\"");
        assert_eq!(serde_json::from_str::<UserId>(&text).unwrap(), id);
        assert_eq!(
            serde_json::from_str::<UserId>("7561235646583953200").unwrap(),
            id
        );
        assert!(serde_json::from_str::<UserId>("\"-1\"").is_err());
        assert!(serde_json::from_str::<UserId>("-1").is_err());
        let map: std::collections::BTreeMap<UserId, u8> =
            serde_json::from_str(r#"{"42": 1}"#).unwrap();
        assert_eq!(map.keys().next(), Some(&UserId::new(42).unwrap()));
    }

    #[test]
    fn string_ids_validate() {
        assert!(ServerId::new("abc").is_ok());
        assert_eq!(ServerId::new(""), Err(IdError::Empty { kind: "server id" }));
        assert_eq!(
            ServerId::new("  "),
            Err(IdError::Empty { kind: "server id" })
        );
        assert!(matches!(
            DeviceId::new("a\nb"),
            Err(IdError::ControlCharacter { .. })
        ));
        assert!(matches!(
            MediaKey::new("x".repeat(MAX_ID_LEN + 1)),
            Err(IdError::TooLong { .. })
        ));
        let id: SessionKey = "42".parse().unwrap();
        assert_eq!(id.to_string(), "42");
        assert_eq!(format!("{id:?}"), "SessionKey(\"42\")");
    }

    #[test]
    fn serde_round_trip_validates() {
        let id = ExternalUserId::new("1234").unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"1234\"");
        assert_eq!(serde_json::from_str::<ExternalUserId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<ExternalUserId>("\"\"").is_err());
    }

    #[test]
    fn user_id_fits_i64() {
        assert!(UserId::new(u64::MAX).is_err());
        let id = UserId::from_hash(u64::MAX);
        assert_eq!(i64::from(id), i64::MAX);
        assert_eq!("17".parse::<UserId>().unwrap().get(), 17);
        assert!(UserId::try_from(-1i64).is_err());
    }

    #[test]
    fn event_id_derive_is_deterministic() {
        assert_eq!(EventId::derive(b"a"), EventId::derive(b"a"));
        assert_ne!(EventId::derive(b"a"), EventId::derive(b"b"));
        let id = EventId::derive(b"a");
        assert_eq!(id.to_string().parse::<EventId>().unwrap(), id);
    }
}
