//! Configuration in two stages: [`RawDetectConfig`] is what a file, the environment or
//! the API provides (serde, every field defaulted), and [`RawDetectConfig::validate`]
//! turns it into the [`DetectConfig`] the engine takes. Every rule has its own section
//! (`[rules.impossible_travel]` …) documented in its module; engine-wide settings are
//! at the top level and trust settings under `[trust]`.
//!
//! ## Defaults
//! - `enabled`: true — false turns every rule off (windows are still kept).
//! - `max_event_age_s`: 86400 — events whose playback time is more than a day before
//!   `now` update the windows but raise no alert (imports, replays)…
//! - `alert_old_events`: false — …unless this is true (audits over history).
//! - `cooldown_s`: 3600 — one alert per rule per user per hour of playback time.
//! - `window_plays`: 32 — plays kept per user.
//! - `window_s`: 86400 — stopped plays older than this (before the user's newest
//!   play) leave the window.
//! - `assume_stopped_after_s`: 21600 — an open play without any update for 6 hours is
//!   taken as stopped (a stop event that was lost); live plays are stopped by the
//!   session tracker long before.
//! - `ipv4_prefix`: 32, `ipv6_prefix`: 64 — how addresses are grouped into networks.
//! - `trusted_networks`: none — CIDRs whose plays the location and network rules
//!   ignore (e.g. `"2a02:8071:1:2::/64"`).
//! - `trusted_users`: none — user ids exempt from detection.
//! - `hash_seed`: 0 — seed of the engine's hash maps (pass a random one to harden
//!   against crafted device ids; outputs never depend on it).

use cartographus_core::{IdError, NetworkGrouping, NetworkId, NetworkParseError, UserId};
use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::ids::CountryCodeError;
use crate::rules::concurrent_streams::{ConcurrentStreamsConfig, RawConcurrentStreamsConfig};
use crate::rules::device_velocity::{DeviceVelocityConfig, RawDeviceVelocityConfig};
use crate::rules::geo_restriction::{GeoRestrictionConfig, RawGeoRestrictionConfig};
use crate::rules::impossible_travel::{ImpossibleTravelConfig, RawImpossibleTravelConfig};
use crate::rules::new_country::{NewCountryConfig, RawNewCountryConfig};
use crate::rules::new_device::{NewDeviceConfig, RawNewDeviceConfig};
use crate::rules::shared_device::{RawSharedDeviceConfig, SharedDeviceConfig};
use crate::rules::simultaneous_locations::{
    RawSimultaneousLocationsConfig, SimultaneousLocationsConfig,
};
use crate::rules::suspicious_client::{RawSuspiciousClientConfig, SuspiciousClientConfig};
use crate::rules::{Common, RuleKind};
use crate::trust::{RawTrustConfig, TrustConfig};

/// The longest duration a setting accepts: ten years, in seconds.
pub const MAX_SECONDS: u64 = 10 * 366 * 86_400;

/// Why a configuration is invalid. Every variant names the section and setting.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A number is outside its allowed range.
    #[error("{section}.{setting} must be within {min}..={max}, got {value}")]
    OutOfRange {
        /// The section (`engine`, `trust` or a rule name).
        section: &'static str,
        /// The setting.
        setting: &'static str,
        /// The value given.
        value: f64,
        /// The smallest allowed value.
        min: f64,
        /// The largest allowed value.
        max: f64,
    },
    /// A setting that must be positive is zero.
    #[error("{section}.{setting} must be at least 1")]
    Zero {
        /// The section.
        section: &'static str,
        /// The setting.
        setting: &'static str,
    },
    /// A text setting is empty.
    #[error("{section}.{setting} must not be empty")]
    Empty {
        /// The section.
        section: &'static str,
        /// The setting.
        setting: &'static str,
    },
    /// An entry of a list of networks is not CIDR notation.
    #[error("{section}.{setting}[{index}]: {source}")]
    Network {
        /// The section.
        section: &'static str,
        /// The setting.
        setting: &'static str,
        /// The entry's position.
        index: usize,
        /// What is wrong with it.
        source: NetworkParseError,
    },
    /// An entry of a list of countries is not an ISO 3166-1 alpha-2 code.
    #[error("{section}.{setting}[{index}]: {source}")]
    Country {
        /// The section.
        section: &'static str,
        /// The setting.
        setting: &'static str,
        /// The entry's position.
        index: usize,
        /// What is wrong with it.
        source: CountryCodeError,
    },
    /// A key of a per-user table is not a user id.
    #[error("{section}.{setting}: {key:?} is not a user id: {source}")]
    User {
        /// The section.
        section: &'static str,
        /// The setting.
        setting: &'static str,
        /// The key given.
        key: String,
        /// What is wrong with it.
        source: IdError,
    },
    /// Two settings exclude each other.
    #[error("{section}: {setting} and {other} cannot both be set")]
    Conflict {
        /// The section.
        section: &'static str,
        /// One setting.
        setting: &'static str,
        /// The other.
        other: &'static str,
    },
}

/// A duration setting in seconds, checked against [`MAX_SECONDS`].
pub(crate) fn seconds(
    section: &'static str,
    setting: &'static str,
    s: u64,
) -> Result<Duration, ConfigError> {
    if s > MAX_SECONDS {
        return Err(ConfigError::OutOfRange {
            section,
            setting,
            value: s as f64,
            min: 0.0,
            max: MAX_SECONDS as f64,
        });
    }
    Ok(Duration::seconds(s as i64))
}

/// A duration setting that must be at least one second.
pub(crate) fn positive_seconds(
    section: &'static str,
    setting: &'static str,
    s: u64,
) -> Result<Duration, ConfigError> {
    if s == 0 {
        return Err(ConfigError::Zero { section, setting });
    }
    seconds(section, setting, s)
}

/// A finite number within a range.
pub(crate) fn in_range(
    section: &'static str,
    setting: &'static str,
    value: f64,
    min: f64,
    max: f64,
) -> Result<f64, ConfigError> {
    if !value.is_finite() || value < min || value > max {
        return Err(ConfigError::OutOfRange {
            section,
            setting,
            value,
            min,
            max,
        });
    }
    Ok(value)
}

/// Parses a list of CIDRs.
pub(crate) fn networks(
    section: &'static str,
    setting: &'static str,
    list: &[String],
) -> Result<Vec<NetworkId>, ConfigError> {
    list.iter()
        .enumerate()
        .map(|(index, s)| {
            s.parse().map_err(|source| ConfigError::Network {
                section,
                setting,
                index,
                source,
            })
        })
        .collect()
}

pub(crate) fn seconds_of(d: Duration) -> u64 {
    d.num_seconds().max(0) as u64
}

/// The settings of every rule, as read from a file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RawRulesConfig {
    /// `[rules.impossible_travel]`.
    pub impossible_travel: RawImpossibleTravelConfig,
    /// `[rules.concurrent_streams]`.
    pub concurrent_streams: RawConcurrentStreamsConfig,
    /// `[rules.device_velocity]`.
    pub device_velocity: RawDeviceVelocityConfig,
    /// `[rules.geo_restriction]`.
    pub geo_restriction: RawGeoRestrictionConfig,
    /// `[rules.simultaneous_locations]`.
    pub simultaneous_locations: RawSimultaneousLocationsConfig,
    /// `[rules.new_device]`.
    pub new_device: RawNewDeviceConfig,
    /// `[rules.new_country]`.
    pub new_country: RawNewCountryConfig,
    /// `[rules.shared_device]`.
    pub shared_device: RawSharedDeviceConfig,
    /// `[rules.suspicious_client]`.
    pub suspicious_client: RawSuspiciousClientConfig,
}

/// The whole detection configuration, as read from a file (see the module docs for
/// the defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct RawDetectConfig {
    /// Master switch of all rules.
    pub enabled: bool,
    /// Events older than this (seconds before `now`) raise no alert.
    pub max_event_age_s: u64,
    /// Alert on old events too.
    pub alert_old_events: bool,
    /// The cooldown of rules that do not set their own, in seconds.
    pub cooldown_s: u64,
    /// Plays kept per user.
    pub window_plays: usize,
    /// How long stopped plays stay in a window, in seconds.
    pub window_s: u64,
    /// Open plays without updates for this long are taken as stopped, in seconds.
    pub assume_stopped_after_s: u64,
    /// IPv4 network grouping prefix.
    pub ipv4_prefix: u8,
    /// IPv6 network grouping prefix.
    pub ipv6_prefix: u8,
    /// CIDRs trusted for every user.
    pub trusted_networks: Vec<String>,
    /// Users exempt from detection.
    pub trusted_users: Vec<UserId>,
    /// Seed of the engine's hash maps.
    pub hash_seed: u64,
    /// `[trust]`.
    pub trust: RawTrustConfig,
    /// `[rules.*]`.
    pub rules: RawRulesConfig,
}

impl Default for RawDetectConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            max_event_age_s: 86_400,
            alert_old_events: false,
            cooldown_s: 3_600,
            window_plays: 32,
            window_s: 86_400,
            assume_stopped_after_s: 21_600,
            ipv4_prefix: 32,
            ipv6_prefix: 64,
            trusted_networks: Vec::new(),
            trusted_users: Vec::new(),
            hash_seed: 0,
            trust: RawTrustConfig::default(),
            rules: RawRulesConfig::default(),
        }
    }
}

/// Validated engine-wide settings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EngineSettings {
    pub(crate) enabled: bool,
    pub(crate) max_event_age: Duration,
    pub(crate) alert_old_events: bool,
    pub(crate) cooldown: Duration,
    pub(crate) window_plays: usize,
    pub(crate) window: Duration,
    pub(crate) assume_stopped_after: Duration,
    pub(crate) grouping: NetworkGrouping,
    pub(crate) trusted_networks: Vec<NetworkId>,
    pub(crate) trusted_users: Vec<UserId>,
    pub(crate) hash_seed: u64,
}

/// Validated settings of every rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RulesConfig {
    pub(crate) impossible_travel: ImpossibleTravelConfig,
    pub(crate) concurrent_streams: ConcurrentStreamsConfig,
    pub(crate) device_velocity: DeviceVelocityConfig,
    pub(crate) geo_restriction: GeoRestrictionConfig,
    pub(crate) simultaneous_locations: SimultaneousLocationsConfig,
    pub(crate) new_device: NewDeviceConfig,
    pub(crate) new_country: NewCountryConfig,
    pub(crate) shared_device: SharedDeviceConfig,
    pub(crate) suspicious_client: SuspiciousClientConfig,
}

impl RulesConfig {
    /// The shared settings of a rule.
    pub(crate) fn common(&self, rule: RuleKind) -> &Common {
        match rule {
            RuleKind::ImpossibleTravel => &self.impossible_travel.common,
            RuleKind::ConcurrentStreams => &self.concurrent_streams.common,
            RuleKind::DeviceVelocity => &self.device_velocity.common,
            RuleKind::GeoRestriction => &self.geo_restriction.common,
            RuleKind::SimultaneousLocations => &self.simultaneous_locations.common,
            RuleKind::NewDevice => &self.new_device.common,
            RuleKind::NewCountry => &self.new_country.common,
            RuleKind::SharedDevice => &self.shared_device.common,
            RuleKind::SuspiciousClient => &self.suspicious_client.common,
        }
    }
}

/// The validated detection configuration the engine takes. Build it with
/// [`RawDetectConfig::validate`] (or `DetectConfig::default()`); read it back with
/// [`DetectConfig::to_raw`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DetectConfig {
    pub(crate) engine: EngineSettings,
    pub(crate) trust: TrustConfig,
    pub(crate) rules: RulesConfig,
}

impl Default for DetectConfig {
    fn default() -> Self {
        match RawDetectConfig::default().validate() {
            Ok(c) => c,
            // The defaults are checked by a unit test; this arm is unreachable.
            Err(e) => unreachable!("default detection config is invalid: {e}"),
        }
    }
}

impl RawDetectConfig {
    /// Checks every setting and builds the engine's configuration.
    pub fn validate(&self) -> Result<DetectConfig, ConfigError> {
        const S: &str = "engine";
        if self.window_plays == 0 {
            return Err(ConfigError::Zero {
                section: S,
                setting: "window_plays",
            });
        }
        for (setting, v, max) in [
            ("ipv4_prefix", self.ipv4_prefix, 32),
            ("ipv6_prefix", self.ipv6_prefix, 128),
        ] {
            in_range(S, setting, f64::from(v), 0.0, f64::from(max))?;
        }
        let engine = EngineSettings {
            enabled: self.enabled,
            max_event_age: seconds(S, "max_event_age_s", self.max_event_age_s)?,
            alert_old_events: self.alert_old_events,
            cooldown: seconds(S, "cooldown_s", self.cooldown_s)?,
            window_plays: self.window_plays.min(4096),
            window: positive_seconds(S, "window_s", self.window_s)?,
            assume_stopped_after: positive_seconds(
                S,
                "assume_stopped_after_s",
                self.assume_stopped_after_s,
            )?,
            grouping: NetworkGrouping::new(self.ipv4_prefix, self.ipv6_prefix),
            trusted_networks: networks(S, "trusted_networks", &self.trusted_networks)?,
            trusted_users: self.trusted_users.clone(),
            hash_seed: self.hash_seed,
        };
        let r = &self.rules;
        let rules = RulesConfig {
            impossible_travel: r.impossible_travel.validate()?,
            concurrent_streams: r.concurrent_streams.validate()?,
            device_velocity: r.device_velocity.validate()?,
            geo_restriction: r.geo_restriction.validate()?,
            simultaneous_locations: r.simultaneous_locations.validate()?,
            new_device: r.new_device.validate()?,
            new_country: r.new_country.validate()?,
            shared_device: r.shared_device.validate()?,
            suspicious_client: r.suspicious_client.validate()?,
        };
        Ok(DetectConfig {
            engine,
            trust: self.trust.validate()?,
            rules,
        })
    }
}

impl DetectConfig {
    /// The configuration as raw values (for display, editing and saving).
    pub fn to_raw(&self) -> RawDetectConfig {
        let e = &self.engine;
        let r = &self.rules;
        RawDetectConfig {
            enabled: e.enabled,
            max_event_age_s: seconds_of(e.max_event_age),
            alert_old_events: e.alert_old_events,
            cooldown_s: seconds_of(e.cooldown),
            window_plays: e.window_plays,
            window_s: seconds_of(e.window),
            assume_stopped_after_s: seconds_of(e.assume_stopped_after),
            ipv4_prefix: e.grouping.ipv4_prefix,
            ipv6_prefix: e.grouping.ipv6_prefix,
            trusted_networks: e.trusted_networks.iter().map(ToString::to_string).collect(),
            trusted_users: e.trusted_users.clone(),
            hash_seed: e.hash_seed,
            trust: self.trust.to_raw(),
            rules: RawRulesConfig {
                impossible_travel: r.impossible_travel.to_raw(),
                concurrent_streams: r.concurrent_streams.to_raw(),
                device_velocity: r.device_velocity.to_raw(),
                geo_restriction: r.geo_restriction.to_raw(),
                simultaneous_locations: r.simultaneous_locations.to_raw(),
                new_device: r.new_device.to_raw(),
                new_country: r.new_country.to_raw(),
                shared_device: r.shared_device.to_raw(),
                suspicious_client: r.suspicious_client.to_raw(),
            },
        }
    }

    /// Whether `rule` is switched on (and the engine as a whole is).
    pub fn rule_enabled(&self, rule: RuleKind) -> bool {
        self.engine.enabled && self.rules.common(rule).enabled
    }

    /// The trust settings.
    pub fn trust(&self) -> &TrustConfig {
        &self.trust
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let raw = RawDetectConfig::default();
        let cfg = raw.validate().unwrap();
        assert_eq!(cfg.to_raw(), raw);
        assert_eq!(cfg, DetectConfig::default());
        for rule in RuleKind::ALL {
            assert!(cfg.rule_enabled(rule), "{rule} is on by default");
        }
    }

    #[test]
    fn errors_name_the_setting() {
        let raw = RawDetectConfig {
            window_plays: 0,
            ..Default::default()
        };
        let e = raw.validate().unwrap_err();
        assert_eq!(e.to_string(), "engine.window_plays must be at least 1");
        let raw = RawDetectConfig {
            trusted_networks: vec!["10.0.0.0/8".into(), "nope".into()],
            ..Default::default()
        };
        let e = raw.validate().unwrap_err();
        assert!(
            e.to_string().starts_with("engine.trusted_networks[1]"),
            "{e}"
        );
        let mut raw = RawDetectConfig::default();
        raw.trust.critical_penalty = 101;
        assert!(raw
            .validate()
            .unwrap_err()
            .to_string()
            .contains("trust.critical_penalty"));
        let mut raw = RawDetectConfig::default();
        raw.rules.impossible_travel.max_speed_kmh = -1.0;
        let e = raw.validate().unwrap_err();
        assert!(
            e.to_string().contains("impossible_travel.max_speed_kmh"),
            "{e}"
        );
    }

    #[test]
    fn parses_from_json_with_unknown_fields_refused() {
        let raw: RawDetectConfig = serde_json::from_str(
            r#"{"cooldown_s": 60, "rules": {"concurrent_streams": {"max_streams": 2}}}"#,
        )
        .unwrap();
        assert_eq!(raw.cooldown_s, 60);
        assert_eq!(raw.rules.concurrent_streams.max_streams, 2);
        assert!(serde_json::from_str::<RawDetectConfig>(r#"{"cooldwn_s": 60}"#).is_err());
        assert!(serde_json::from_str::<RawDetectConfig>(
            r#"{"rules": {"impossible_travel": {"speed": 1}}}"#
        )
        .is_err());
    }
}
