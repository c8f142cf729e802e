//! Correlation keys, format version 2 (specified in `docs/design.md`).
//!
//! ```text
//! correlation key:  v2:{source}:{server_id}:{user_id}:{rating_key}:{machine_id}:{bucket}
//! cross-source key: v2:{server_id}:{user_id}:{rating_key}:{machine_id}:{bucket}
//! ```
//!
//! `user_id` is the media server's own (external) user id, `rating_key` the item key,
//! `machine_id` the device id (empty when unknown) and `bucket` the play's start time in
//! whole 5-minute buckets since the Unix epoch (`floor(unix_seconds / 300)`). Components
//! are escaped (`%` → `%25`, `:` → `%3A`) so the key always splits into its parts.
//!
//! The correlation key recognises the same play reported twice by one source; the
//! cross-source key recognises it reported by two paths of one server (a Tautulli
//! import and live Plex ingestion, a webhook and a WebSocket). A play whose two reports
//! straddle a bucket boundary gets neighbouring buckets: [`crate::Deduplicator`] checks
//! the neighbours, and so must any other consumer of the keys.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::{DeviceId, ExternalUserId, MediaKey, ServerId};
use crate::kinds::Source;

/// The key format version.
pub const KEY_VERSION: u32 = 2;

/// The width of a time bucket, in seconds.
pub const BUCKET_SECONDS: i64 = 300;

/// The bucket number of an instant.
pub fn bucket_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(BUCKET_SECONDS)
}

/// The parts a key is built from.
#[derive(Debug, Clone, Copy)]
pub struct KeyParts<'a> {
    /// Where the event came from.
    pub source: Source,
    /// The media server.
    pub server: &'a ServerId,
    /// The server's own user id.
    pub user: &'a ExternalUserId,
    /// The item key.
    pub media: &'a MediaKey,
    /// The device, if known.
    pub device: Option<&'a DeviceId>,
    /// When the play started.
    pub started_at: DateTime<Utc>,
}

/// Why a text is not a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyParseError {
    /// The key does not start with a known version tag.
    #[error("unsupported key version (expected \"v{KEY_VERSION}:\")")]
    Version,
    /// The key has the wrong number of `:`-separated parts.
    #[error("expected {expected} parts, found {found}")]
    PartCount {
        /// Parts expected.
        expected: usize,
        /// Parts found.
        found: usize,
    },
    /// The source part is not a known source.
    #[error("unknown source in key")]
    Source,
    /// A required part is empty or not a valid id.
    #[error("part {index} is not a valid id")]
    Part {
        /// Zero-based index of the part (after the version tag).
        index: usize,
    },
    /// A part holds a bad `%` escape.
    #[error("part {index} holds an invalid escape")]
    Escape {
        /// Zero-based index of the part.
        index: usize,
    },
    /// The bucket is not an integer.
    #[error("the time bucket is not an integer")]
    Bucket,
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            c => out.push(c),
        }
    }
}

fn unescape(s: &str, index: usize) -> Result<String, KeyParseError> {
    if !s.contains('%') {
        return Ok(s.to_owned());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('%') {
        out.push_str(&rest[..pos]);
        let esc = rest
            .get(pos..pos + 3)
            .ok_or(KeyParseError::Escape { index })?;
        match esc {
            "%25" => out.push('%'),
            "%3A" => out.push(':'),
            _ => return Err(KeyParseError::Escape { index }),
        }
        rest = &rest[pos + 3..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The decoded parts of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParsedKey {
    /// The source (`None` for a cross-source key).
    pub source: Option<Source>,
    /// The server.
    pub server: ServerId,
    /// The external user id.
    pub user: ExternalUserId,
    /// The item key.
    pub media: MediaKey,
    /// The device, if the key has one.
    pub device: Option<DeviceId>,
    /// The time bucket.
    pub bucket: i64,
}

fn build(source: Option<Source>, p: &KeyParts<'_>, bucket: i64) -> String {
    let mut s = String::with_capacity(96);
    s.push_str("v2:");
    if let Some(src) = source {
        s.push_str(src.as_str());
        s.push(':');
    }
    escape_into(&mut s, p.server.as_str());
    s.push(':');
    escape_into(&mut s, p.user.as_str());
    s.push(':');
    escape_into(&mut s, p.media.as_str());
    s.push(':');
    if let Some(d) = p.device {
        escape_into(&mut s, d.as_str());
    }
    s.push(':');
    s.push_str(&bucket.to_string());
    s
}

fn parse(s: &str, with_source: bool) -> Result<ParsedKey, KeyParseError> {
    let body = s.strip_prefix("v2:").ok_or(KeyParseError::Version)?;
    let parts: Vec<&str> = body.split(':').collect();
    let expected = if with_source { 6 } else { 5 };
    if parts.len() != expected {
        return Err(KeyParseError::PartCount {
            expected,
            found: parts.len(),
        });
    }
    let (source, rest) = if with_source {
        let src = parts[0]
            .parse::<Source>()
            .map_err(|_| KeyParseError::Source)?;
        (Some(src), &parts[1..])
    } else {
        (None, &parts[..])
    };
    let off = usize::from(with_source);
    let part = |i: usize| unescape(rest[i], i + off);
    let server = ServerId::new(part(0)?).map_err(|_| KeyParseError::Part { index: off })?;
    let user = ExternalUserId::new(part(1)?).map_err(|_| KeyParseError::Part { index: off + 1 })?;
    let media = MediaKey::new(part(2)?).map_err(|_| KeyParseError::Part { index: off + 2 })?;
    let device = match part(3)? {
        d if d.is_empty() => None,
        d => Some(DeviceId::new(d).map_err(|_| KeyParseError::Part { index: off + 3 })?),
    };
    let bucket = rest[4].parse::<i64>().map_err(|_| KeyParseError::Bucket)?;
    Ok(ParsedKey {
        source,
        server,
        user,
        media,
        device,
        bucket,
    })
}

macro_rules! key_type {
    ($(#[$doc:meta])* $name:ident, $with_source:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Box<str>);

        impl $name {
            /// Builds the key from its parts.
            pub fn from_parts(p: &KeyParts<'_>) -> Self {
                Self::from_parts_in_bucket(p, bucket_of(p.started_at))
            }

            /// Builds the key with an explicit bucket (used to probe neighbours).
            pub fn from_parts_in_bucket(p: &KeyParts<'_>, bucket: i64) -> Self {
                let source = if $with_source { Some(p.source) } else { None };
                Self(build(source, p, bucket).into_boxed_str())
            }

            /// The key as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Decodes the key into its parts.
            pub fn parts(&self) -> ParsedKey {
                // Construction guarantees a well-formed key.
                parse(&self.0, $with_source).expect("a constructed key always parses")
            }

            /// The time bucket.
            pub fn bucket(&self) -> i64 {
                self.0
                    .rsplit(':')
                    .next()
                    .and_then(|b| b.parse().ok())
                    .unwrap_or_default()
            }

            /// The key without its bucket (the play's identity apart from time).
            pub fn identity(&self) -> &str {
                match self.0.rfind(':') {
                    Some(i) => &self.0[..i],
                    None => &self.0,
                }
            }

            /// The same identity in the neighbouring buckets (`bucket - 1`, `bucket + 1`).
            pub fn neighbours(&self) -> [Self; 2] {
                let b = self.bucket();
                let id = self.identity();
                [
                    Self(format!("{id}:{}", b - 1).into_boxed_str()),
                    Self(format!("{id}:{}", b + 1).into_boxed_str()),
                ]
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
            type Err = KeyParseError;
            fn from_str(s: &str) -> Result<Self, KeyParseError> {
                parse(s, $with_source)?;
                Ok(Self(s.into()))
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
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

key_type!(
    /// The per-source dedup key:
    /// `v2:{source}:{server_id}:{user_id}:{rating_key}:{machine_id}:{bucket}`.
    CorrelationKey,
    true
);
key_type!(
    /// The cross-source dedup key: `v2:{server_id}:{user_id}:{rating_key}:{machine_id}:{bucket}`.
    CrossSourceKey,
    false
);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn parts_at<'a>(
        server: &'a ServerId,
        user: &'a ExternalUserId,
        media: &'a MediaKey,
        device: Option<&'a DeviceId>,
        secs: i64,
    ) -> KeyParts<'a> {
        KeyParts {
            source: Source::Plex,
            server,
            user,
            media,
            device,
            started_at: Utc.timestamp_opt(secs, 0).unwrap(),
        }
    }

    #[test]
    fn format_and_round_trip() {
        let server = ServerId::new("abc:def").unwrap();
        let user = ExternalUserId::new("42").unwrap();
        let media = MediaKey::new("1%2").unwrap();
        let device = DeviceId::new("dev").unwrap();
        let p = parts_at(&server, &user, &media, Some(&device), 600);
        let k = CorrelationKey::from_parts(&p);
        assert_eq!(k.as_str(), "v2:plex:abc%3Adef:42:1%252:dev:2");
        let parsed = k.parts();
        assert_eq!(parsed.server, server);
        assert_eq!(parsed.media, media);
        assert_eq!(parsed.bucket, 2);
        assert_eq!(k.as_str().parse::<CorrelationKey>().unwrap(), k);
        let x = CrossSourceKey::from_parts(&p);
        assert_eq!(x.as_str(), "v2:abc%3Adef:42:1%252:dev:2");
        assert_eq!(x.identity(), "v2:abc%3Adef:42:1%252:dev");
        let [before, after] = x.neighbours();
        assert_eq!(before.bucket(), 1);
        assert_eq!(after.bucket(), 3);
    }

    #[test]
    fn missing_device_and_negative_times() {
        let server = ServerId::new("s").unwrap();
        let user = ExternalUserId::new("u").unwrap();
        let media = MediaKey::new("m").unwrap();
        let p = parts_at(&server, &user, &media, None, -1);
        let k = CorrelationKey::from_parts(&p);
        assert_eq!(k.as_str(), "v2:plex:s:u:m::-1");
        assert_eq!(k.parts().device, None);
    }

    #[test]
    fn rejects_malformed() {
        assert_eq!("x".parse::<CorrelationKey>(), Err(KeyParseError::Version));
        assert!(matches!(
            "v2:plex:s:u:m:d".parse::<CorrelationKey>(),
            Err(KeyParseError::PartCount { .. })
        ));
        assert_eq!(
            "v2:vhs:s:u:m:d:1".parse::<CorrelationKey>(),
            Err(KeyParseError::Source)
        );
        assert_eq!(
            "v2:plex:s:u:m:d:x".parse::<CorrelationKey>(),
            Err(KeyParseError::Bucket)
        );
        assert_eq!(
            "v2:plex::u:m:d:1".parse::<CorrelationKey>(),
            Err(KeyParseError::Part { index: 1 })
        );
        assert_eq!(
            "v2:plex:s%zz:u:m:d:1".parse::<CorrelationKey>(),
            Err(KeyParseError::Escape { index: 1 })
        );
        assert!("v2:s:u:m:d:1".parse::<CrossSourceKey>().is_ok());
    }
}
