//! New device: a user with enough history plays on a device the engine has never seen
//! them use. Informational by default (it costs no trust): it tells an owner that an
//! account was signed in somewhere new. Users without enough history — including
//! everyone while the engine warms up from stored plays — are not reported.
//!
//! ## Defaults
//! - `enabled`: true; `severity`: info; `action`: notify; `cooldown_s`: the engine's.
//! - `min_plays`: 10 — plays the user must have before new devices are reported.

use cartographus_core::DeviceId;
use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use crate::finding::Evidence;
use crate::rules::{raw_rule_config, Common, Hit, RuleKind, Severity};
use crate::tables::Tables;
use crate::window::{Play, UserState, MAX_KNOWN_DEVICES, NONE};

const RULE: RuleKind = RuleKind::NewDevice;

raw_rule_config!(
    /// Raw settings of the new-device rule (see the module docs for defaults).
    RawNewDeviceConfig, RULE, enabled = true, severity = Severity::Info,
    {
        /// Plays of history required before new devices are reported.
        min_plays: u32 = 10,
    }
);

/// Validated settings of the new-device rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewDeviceConfig {
    pub(crate) common: Common,
    min_plays: u32,
}

impl RawNewDeviceConfig {
    pub(crate) fn validate(&self) -> Result<NewDeviceConfig, ConfigError> {
        Ok(NewDeviceConfig {
            common: self.common()?,
            min_plays: self.min_plays,
        })
    }
}

impl NewDeviceConfig {
    pub(crate) fn to_raw(&self) -> RawNewDeviceConfig {
        RawNewDeviceConfig {
            min_plays: self.min_plays,
            ..RawNewDeviceConfig::from_common(&self.common)
        }
    }
}

/// Evidence of a new device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewDevice {
    /// The device.
    pub device: DeviceId,
    /// Its platform, if reported.
    pub platform: Option<String>,
    /// How many devices the user was known to use.
    pub known_devices: u32,
    /// How many plays of the user the engine had seen.
    pub plays_seen: u32,
}

impl NewDevice {
    pub(crate) fn sentence(&self, user: &str) -> String {
        let on = self
            .platform
            .as_deref()
            .map_or_else(String::new, |p| format!(" ({p})"));
        format!(
            "{user} played on a new device {}{on}, after {} plays on {} known devices",
            self.device, self.plays_seen, self.known_devices
        )
    }
}

/// Whether the play's device is new for a user with enough history.
pub(crate) fn check(
    cfg: &NewDeviceConfig,
    user: &UserState,
    play: &Play,
    tables: &Tables,
) -> Option<Hit> {
    if play.device == NONE
        || user.plays_seen < cfg.min_plays
        || user.known_devices.contains(&play.device)
    {
        return None;
    }
    let dev = tables.device(play.device)?;
    Some(Hit {
        evidence: Evidence::NewDevice(NewDevice {
            device: dev.id.clone(),
            platform: tables.platform(dev.platform).map(str::to_owned),
            known_devices: user.known_devices.len() as u32,
            plays_seen: user.plays_seen,
        }),
        plays: vec![*play],
    })
}

/// Remembers the play's device for the user.
pub(crate) fn observe(user: &mut UserState, play: &Play) {
    if play.device == NONE || user.known_devices.contains(&play.device) {
        return;
    }
    if user.known_devices.len() >= MAX_KNOWN_DEVICES {
        user.known_devices.remove_first();
    }
    user.known_devices.push(play.device);
}
