//! Device velocity: one device seen on more distinct networks than plausible within a
//! few minutes — a device id copied to several places, or a token shared.
//!
//! Networks are counted the way households and carriers really look: IPv6 addresses
//! by their /64 (the engine's grouping), all LAN addresses as one, all CGNAT addresses
//! as one, and by default the public addresses of one autonomous system as one (a phone
//! handed between a carrier's gateways is not moving between networks). A VPN switch
//! adds one network, which stays under the limit.
//!
//! ## Defaults
//! - `enabled`: true; `severity`: warning; `action`: notify; `cooldown_s`: the engine's.
//! - `max_networks`: 3 — more than three distinct networks fires.
//! - `window_s`: 300 — within five minutes.
//! - `group_by_asn`: true — addresses of one ASN count as one network.

use cartographus_core::{DeviceId, IpClass, NetworkId};
use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::config::{in_range, positive_seconds, seconds_of, ConfigError};
use crate::finding::Evidence;
use crate::rules::{human_duration, raw_rule_config, Common, Hit, RuleKind, Severity};
use crate::tables::{DeviceState, MAX_SIGHTINGS};
use crate::window::{Ms, Play, UserState, NONE};

const RULE: RuleKind = RuleKind::DeviceVelocity;

raw_rule_config!(
    /// Raw settings of the device-velocity rule (see the module docs for defaults).
    RawDeviceVelocityConfig, RULE, enabled = true, severity = Severity::Warning,
    {
        /// The most distinct networks allowed within the window.
        max_networks: u32 = 3,
        /// The window, in seconds.
        window_s: u64 = 300,
        /// Count the addresses of one autonomous system as one network.
        group_by_asn: bool = true,
    }
);

/// Validated settings of the device-velocity rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DeviceVelocityConfig {
    pub(crate) common: Common,
    max_networks: u32,
    pub(crate) window: Duration,
    group_by_asn: bool,
}

impl RawDeviceVelocityConfig {
    pub(crate) fn validate(&self) -> Result<DeviceVelocityConfig, ConfigError> {
        let s = RULE.as_str();
        if self.max_networks == 0 {
            return Err(ConfigError::Zero {
                section: s,
                setting: "max_networks",
            });
        }
        Ok(DeviceVelocityConfig {
            common: self.common()?,
            max_networks: in_range(
                s,
                "max_networks",
                f64::from(self.max_networks),
                1.0,
                (MAX_SIGHTINGS - 1) as f64,
            )? as u32,
            window: positive_seconds(s, "window_s", self.window_s)?,
            group_by_asn: self.group_by_asn,
        })
    }
}

impl DeviceVelocityConfig {
    pub(crate) fn to_raw(&self) -> RawDeviceVelocityConfig {
        RawDeviceVelocityConfig {
            max_networks: self.max_networks,
            window_s: seconds_of(self.window),
            group_by_asn: self.group_by_asn,
            ..RawDeviceVelocityConfig::from_common(&self.common)
        }
    }

    /// The network a play counts as, if its address is known.
    pub(crate) fn key_of(&self, p: &Play) -> Option<NetworkKey> {
        p.ip?;
        match p.class {
            Some(c) if c.is_local() => Some(NetworkKey::Local),
            Some(IpClass::Cgnat) => Some(NetworkKey::Cgnat),
            _ => match (self.group_by_asn, p.asn) {
                (true, Some(asn)) => Some(NetworkKey::Asn(asn)),
                _ => p.net.map(NetworkKey::Network),
            },
        }
    }
}

/// A network as device velocity counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum NetworkKey {
    /// A grouped network (an IPv4 address, an IPv6 /64…).
    Network(NetworkId),
    /// Any public address of one autonomous system.
    Asn(u32),
    /// Any LAN address (private, loopback, link-local, ULA).
    Local,
    /// Any carrier-grade NAT address.
    Cgnat,
}

/// Evidence of a device hopping networks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeviceVelocity {
    /// The device.
    pub device: DeviceId,
    /// The distinct networks it was seen on within the window, oldest first.
    pub networks: Vec<NetworkKey>,
    /// The window, in seconds.
    pub window_s: u64,
    /// The configured limit.
    pub max_networks: u32,
}

impl DeviceVelocity {
    pub(crate) fn sentence(&self, user: &str) -> String {
        format!(
            "{user}'s device {} was seen on {} networks within {}, above the limit of {}",
            self.device,
            self.networks.len(),
            human_duration(self.window_s as f64),
            self.max_networks
        )
    }
}

/// Records that the device was seen on `key` at `t`.
pub(crate) fn observe(dev: &mut DeviceState, t: Ms, key: NetworkKey, window: Ms) {
    let s = &mut dev.sightings;
    match s.iter_mut().find(|(_, k)| *k == key) {
        Some(x) => x.0 = x.0.max(t),
        None => {
            if s.len() >= MAX_SIGHTINGS {
                if let Some(i) = (0..s.len()).min_by_key(|&i| s[i].0) {
                    s.remove(i);
                }
            }
            s.push((t, key));
        }
    }
    let newest = s.iter().map(|x| x.0).max().unwrap_or(t);
    let cutoff = newest.saturating_sub(window);
    if s.iter().any(|x| x.0 < cutoff) {
        s.retain(|x| x.0 >= cutoff);
    }
}

/// Counts the device's networks within the window ending at `t`.
pub(crate) fn check(
    cfg: &DeviceVelocityConfig,
    dev: &DeviceState,
    user: &UserState,
    play: &Play,
    t: Ms,
) -> Option<Hit> {
    if play.device == NONE {
        return None;
    }
    let from = t.saturating_sub(cfg.window.num_milliseconds());
    let within = |s: &&(Ms, NetworkKey)| s.0 >= from && s.0 <= t;
    let count = dev.sightings.iter().filter(within).count();
    if count as u32 <= cfg.max_networks {
        return None;
    }
    let mut seen: Vec<(Ms, NetworkKey)> = dev.sightings.iter().filter(within).copied().collect();
    seen.sort_by_key(|s| s.0);
    let mut plays: Vec<Play> = user
        .plays
        .iter()
        .filter(|p| p.device == play.device && p.event != play.event)
        .filter(|p| p.started.max(p.updated) >= from && p.started <= t)
        .copied()
        .collect();
    plays.push(*play);
    Some(Hit {
        evidence: Evidence::DeviceVelocity(DeviceVelocity {
            device: dev.id.clone(),
            networks: seen.into_iter().map(|s| s.1).collect(),
            window_s: seconds_of(cfg.window),
            max_networks: cfg.max_networks,
        }),
        plays,
    })
}
