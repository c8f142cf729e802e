//! Serde adapters for the loose typing of real media servers: numbers that arrive as
//! strings (`"librarySectionID": "3"`), booleans as `0`/`1`/`"True"`, empty strings for
//! "no value", ids that are sometimes numbers, dates as RFC 3339 text or epoch seconds.
//!
//! The rule every adapter follows: JSON `null`, an absent field and an empty string mean
//! "unknown" (`None`); a value of a plainly wrong kind (an object where a number belongs,
//! text that is not a number) is an error, so the decoder reports its JSON path; a number
//! that is out of range for its field (a negative duration, a season of 2^40) is dropped
//! to `None` rather than failing the whole document.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// Any JSON scalar, as the adapters first read it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Text(String),
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, a string, a boolean or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Unsigned(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Signed(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Text(v))
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

impl Scalar {
    /// The value as text: strings trimmed (empty is `None`), numbers and booleans
    /// written out.
    pub(crate) fn into_text(self) -> Option<String> {
        match self {
            Scalar::Null => None,
            Scalar::Bool(b) => Some(b.to_string()),
            Scalar::Unsigned(n) => Some(n.to_string()),
            Scalar::Signed(n) => Some(n.to_string()),
            Scalar::Float(x) => Some(x.to_string()),
            Scalar::Text(s) => {
                let t = s.trim();
                if t.is_empty() {
                    None
                } else if t.len() == s.len() {
                    Some(s)
                } else {
                    Some(t.to_owned())
                }
            }
        }
    }
}

/// A non-negative whole number that fits `T`, from a number or numeric text. Floats are
/// truncated. `Err(())` means "not a number at all".
fn to_uint<T: TryFrom<u64>>(s: Scalar) -> Result<Option<T>, ()> {
    let n: Option<u64> = match s {
        Scalar::Null => None,
        Scalar::Bool(_) => return Err(()),
        Scalar::Unsigned(n) => Some(n),
        Scalar::Signed(n) => u64::try_from(n).ok(),
        Scalar::Float(x) => float_to_u64(x),
        Scalar::Text(t) => {
            let t = t.trim();
            if t.is_empty() {
                None
            } else if let Ok(n) = t.parse::<u64>() {
                Some(n)
            } else if let Ok(n) = t.parse::<i64>() {
                u64::try_from(n).ok()
            } else if let Ok(x) = t.parse::<f64>() {
                float_to_u64(x)
            } else {
                return Err(());
            }
        }
    };
    Ok(n.and_then(|n| T::try_from(n).ok()))
}

fn float_to_u64(x: f64) -> Option<u64> {
    // 2^64 as f64; anything at or above it does not fit.
    if (0.0..18_446_744_073_709_551_616.0).contains(&x) {
        Some(x.trunc() as u64)
    } else {
        None
    }
}

/// An optional non-negative whole number (see the module rules).
pub(crate) fn opt_num<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    let s = Scalar::deserialize(d)?;
    to_uint(s).map_err(|()| de::Error::custom("expected a number"))
}

/// An optional signed whole number (Jellyfin's ticks may be negative in broken data).
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let bad = || de::Error::custom("expected a number");
    Ok(match Scalar::deserialize(d)? {
        Scalar::Null => None,
        Scalar::Bool(_) => return Err(bad()),
        Scalar::Unsigned(n) => i64::try_from(n).ok(),
        Scalar::Signed(n) => Some(n),
        Scalar::Float(x) if x.is_finite() && x.abs() < 9.2e18 => Some(x.trunc() as i64),
        Scalar::Float(_) => None,
        Scalar::Text(t) => {
            let t = t.trim();
            if t.is_empty() {
                None
            } else if let Ok(n) = t.parse::<i64>() {
                Some(n)
            } else if let Ok(x) = t.parse::<f64>() {
                (x.is_finite() && x.abs() < 9.2e18).then(|| x.trunc() as i64)
            } else {
                return Err(bad());
            }
        }
    })
}

/// An optional finite float.
pub(crate) fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let x = match Scalar::deserialize(d)? {
        Scalar::Null => None,
        Scalar::Bool(_) => return Err(de::Error::custom("expected a number")),
        Scalar::Unsigned(n) => Some(n as f64),
        Scalar::Signed(n) => Some(n as f64),
        Scalar::Float(x) => Some(x),
        Scalar::Text(t) if t.trim().is_empty() => None,
        Scalar::Text(t) => Some(
            t.trim()
                .parse::<f64>()
                .map_err(|_| de::Error::custom("expected a number"))?,
        ),
    };
    Ok(x.filter(|x| x.is_finite()))
}

/// An optional boolean: `true`/`false`, `1`/`0`, and those as text in any case.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let bad = || de::Error::custom("expected a boolean");
    Ok(match Scalar::deserialize(d)? {
        Scalar::Null => None,
        Scalar::Bool(b) => Some(b),
        Scalar::Unsigned(n) => Some(n != 0),
        Scalar::Signed(n) => Some(n != 0),
        Scalar::Float(x) => Some(x != 0.0),
        Scalar::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "" => None,
            "1" | "true" | "yes" => Some(true),
            "0" | "false" | "no" => Some(false),
            _ => return Err(bad()),
        },
    })
}

/// An optional piece of text; numbers are written out, empty text is `None`.
pub(crate) fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Scalar::deserialize(d)? {
        Scalar::Bool(_) => Err(de::Error::custom("expected a string")),
        s => Ok(s.into_text()),
    }
}

/// An optional id (a core newtype), from text or a number; empty is `None`, an invalid
/// id (too long, control characters) is an error.
pub(crate) fn opt_id<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<String>,
    T::Error: fmt::Display,
{
    let text = opt_text(d)?;
    text.map(|t| T::try_from(t).map_err(de::Error::custom))
        .transpose()
}

/// A required id (a core newtype), from text or a number.
pub(crate) fn id<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<String>,
    T::Error: fmt::Display,
{
    opt_id(d)?.ok_or_else(|| de::Error::custom("expected a non-empty id"))
}

/// An optional instant: RFC 3339 text (any number of fractional digits; without an
/// offset it is taken as UTC), or epoch seconds as a number or numeric text. .NET's
/// `DateTime.MinValue` (year 1) and epoch 0 mean "never" and become `None`.
pub(crate) fn opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let s = Scalar::deserialize(d)?;
    if let Scalar::Text(t) = &s {
        let t = t.trim();
        if t.is_empty() {
            return Ok(None);
        }
        if t.parse::<f64>().is_err() {
            return parse_time_text(t)
                .map(|dt| dt.filter(|d| d.timestamp() > 0))
                .ok_or_else(|| de::Error::custom("expected a date and time"));
        }
    }
    let secs: Option<i64> = to_uint::<u64>(s)
        .map_err(|()| de::Error::custom("expected a date and time"))?
        .and_then(|n| i64::try_from(n).ok());
    Ok(secs
        .filter(|s| *s > 0)
        .and_then(|s| Utc.timestamp_opt(s, 0).single()))
}

/// `Some(None)` for a recognisable "never" value, `None` if the text is not a date.
fn parse_time_text(t: &str) -> Option<Option<DateTime<Utc>>> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(Some(dt.with_timezone(&Utc)));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, fmt) {
            return Some(Some(Utc.from_utc_datetime(&naive)));
        }
    }
    None
}

/// A map or any other defaultable value that may be `null` (read as empty).
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A list that may be `null` or absent (both read as empty).
pub(crate) fn seq<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Default)]
    #[serde(default)]
    struct Probe {
        #[serde(deserialize_with = "opt_num")]
        n: Option<u32>,
        #[serde(deserialize_with = "opt_bool")]
        b: Option<bool>,
        #[serde(deserialize_with = "opt_text")]
        t: Option<String>,
        #[serde(deserialize_with = "opt_time")]
        at: Option<DateTime<Utc>>,
        #[serde(deserialize_with = "opt_i64")]
        i: Option<i64>,
        #[serde(deserialize_with = "opt_f64")]
        f: Option<f64>,
    }

    fn probe(json: &str) -> Result<Probe, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn numbers_in_every_disguise() {
        assert_eq!(probe(r#"{"n": 3}"#).unwrap().n, Some(3));
        assert_eq!(probe(r#"{"n": "3"}"#).unwrap().n, Some(3));
        assert_eq!(probe(r#"{"n": " 7 "}"#).unwrap().n, Some(7));
        assert_eq!(probe(r#"{"n": 2.9}"#).unwrap().n, Some(2));
        assert_eq!(probe(r#"{"n": ""}"#).unwrap().n, None);
        assert_eq!(probe(r#"{"n": null}"#).unwrap().n, None);
        assert_eq!(probe(r#"{"n": -1}"#).unwrap().n, None);
        assert_eq!(probe(r#"{"n": 99999999999}"#).unwrap().n, None);
        assert!(probe(r#"{"n": "abc"}"#).is_err());
        assert!(probe(r#"{"n": {}}"#).is_err());
        assert!(probe(r#"{"n": true}"#).is_err());
        assert_eq!(probe(r#"{"i": "-5"}"#).unwrap().i, Some(-5));
        assert_eq!(probe(r#"{"f": "50.5"}"#).unwrap().f, Some(50.5));
    }

    #[test]
    fn booleans_and_text() {
        assert_eq!(probe(r#"{"b": "True"}"#).unwrap().b, Some(true));
        assert_eq!(probe(r#"{"b": 0}"#).unwrap().b, Some(false));
        assert_eq!(probe(r#"{"b": "1"}"#).unwrap().b, Some(true));
        assert!(probe(r#"{"b": "maybe"}"#).is_err());
        assert_eq!(probe(r#"{"t": 12}"#).unwrap().t.as_deref(), Some("12"));
        assert_eq!(probe(r#"{"t": "  "}"#).unwrap().t, None);
        assert!(probe(r#"{"t": [1]}"#).is_err());
    }

    #[test]
    fn times() {
        let p = probe(r#"{"at": "2024-01-02T03:04:05.1234567Z"}"#).unwrap();
        assert_eq!(p.at.unwrap().timestamp(), 1_704_164_645);
        let p = probe(r#"{"at": "2024-01-02T03:04:05.123"}"#).unwrap();
        assert_eq!(p.at.unwrap().timestamp(), 1_704_164_645);
        assert_eq!(
            probe(r#"{"at": 1462688107}"#)
                .unwrap()
                .at
                .unwrap()
                .timestamp(),
            1_462_688_107
        );
        assert_eq!(
            probe(r#"{"at": "1462688107"}"#)
                .unwrap()
                .at
                .unwrap()
                .timestamp(),
            1_462_688_107
        );
        assert_eq!(
            probe(r#"{"at": "0001-01-01T00:00:00.0000000Z"}"#)
                .unwrap()
                .at,
            None
        );
        assert_eq!(probe(r#"{"at": 0}"#).unwrap().at, None);
        assert!(probe(r#"{"at": "yesterday"}"#).is_err());
    }
}
