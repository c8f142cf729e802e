//! Suspicious client: a client whose product or platform name matches a configured
//! pattern (scripts and scrapers: curl, python, wget…), or a device whose reported
//! platform suddenly changes (one device id replayed from another kind of client).
//! Patterns are matched case-insensitively as substrings; each distinct client name is
//! matched once and remembered, so the check costs one lookup per play.
//!
//! ## Defaults
//! - `enabled`: true; `severity`: warning; `action`: notify; `cooldown_s`: the engine's.
//! - `patterns`: `curl`, `wget`, `python`, `libwww`, `scrapy`, `httpclient`, `bot`,
//!   `spider`, `headless`.
//! - `platform_switch`: true — a device changing platform fires.

use cartographus_core::DeviceId;
use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use crate::finding::Evidence;
use crate::rules::{raw_rule_config, Common, Hit, RuleKind, Severity};
use crate::tables::Tables;
use crate::window::{Play, NONE};

const RULE: RuleKind = RuleKind::SuspiciousClient;

fn default_patterns() -> Vec<String> {
    [
        "curl",
        "wget",
        "python",
        "libwww",
        "scrapy",
        "httpclient",
        "bot",
        "spider",
        "headless",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

raw_rule_config!(
    /// Raw settings of the suspicious-client rule (see the module docs for defaults).
    RawSuspiciousClientConfig, RULE, enabled = true, severity = Severity::Warning,
    {
        /// Substrings that mark a product or platform name as suspicious.
        patterns: Vec<String> = default_patterns(),
        /// Whether a device changing platform fires.
        platform_switch: bool = true,
    }
);

/// Validated settings of the suspicious-client rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SuspiciousClientConfig {
    pub(crate) common: Common,
    patterns: Vec<String>,
    platform_switch: bool,
}

impl RawSuspiciousClientConfig {
    pub(crate) fn validate(&self) -> Result<SuspiciousClientConfig, ConfigError> {
        let mut patterns = Vec::with_capacity(self.patterns.len());
        for p in &self.patterns {
            let p = p.trim().to_lowercase();
            if p.is_empty() {
                return Err(ConfigError::Empty {
                    section: RULE.as_str(),
                    setting: "patterns",
                });
            }
            patterns.push(p);
        }
        Ok(SuspiciousClientConfig {
            common: self.common()?,
            patterns,
            platform_switch: self.platform_switch,
        })
    }
}

impl SuspiciousClientConfig {
    pub(crate) fn to_raw(&self) -> RawSuspiciousClientConfig {
        RawSuspiciousClientConfig {
            patterns: self.patterns.clone(),
            platform_switch: self.platform_switch,
            ..RawSuspiciousClientConfig::from_common(&self.common)
        }
    }

    /// The index of the first pattern a client name matches, or [`NONE`].
    pub(crate) fn classify(&self, name: &str) -> u32 {
        let lower = name.to_lowercase();
        self.patterns
            .iter()
            .position(|p| lower.contains(p.as_str()))
            .map_or(NONE, |i| i as u32)
    }
}

/// Which client field matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientField {
    /// The client application (Plex for Android, Jellyfin Web…).
    Product,
    /// The platform (Android, Windows…).
    Platform,
}

/// Evidence of a suspicious client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SuspiciousClient {
    /// A client name matched a pattern.
    Pattern {
        /// The field.
        field: ClientField,
        /// Its value.
        value: String,
        /// The pattern it matched.
        pattern: String,
    },
    /// A device reported another platform than before.
    PlatformSwitch {
        /// The device.
        device: DeviceId,
        /// The platform it had.
        from: String,
        /// The platform it has now.
        to: String,
    },
}

impl SuspiciousClient {
    pub(crate) fn sentence(&self, user: &str) -> String {
        match self {
            SuspiciousClient::Pattern {
                field,
                value,
                pattern,
            } => {
                let f = match field {
                    ClientField::Product => "client",
                    ClientField::Platform => "platform",
                };
                format!("{user} played with {f} {value:?}, which matches the pattern {pattern:?}")
            }
            SuspiciousClient::PlatformSwitch { device, from, to } => {
                format!("{user}'s device {device} switched platform from {from} to {to}")
            }
        }
    }
}

/// The interned client names of a play (indexes into `Tables::clients`, or [`NONE`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientNames {
    pub(crate) product: u32,
    pub(crate) platform: u32,
    /// The device's platform before this play.
    pub(crate) previous_platform: u32,
}

/// Checks the client names, then the platform switch.
pub(crate) fn check(
    cfg: &SuspiciousClientConfig,
    play: &Play,
    names: ClientNames,
    tables: &Tables,
) -> Option<Hit> {
    for (field, idx) in [
        (ClientField::Product, names.product),
        (ClientField::Platform, names.platform),
    ] {
        let Some((value, matched)) = tables.clients.get(idx) else {
            continue;
        };
        if let Some(pattern) = cfg.patterns.get(*matched as usize) {
            return Some(Hit {
                evidence: Evidence::SuspiciousClient(SuspiciousClient::Pattern {
                    field,
                    value: value.to_string(),
                    pattern: pattern.clone(),
                }),
                plays: vec![*play],
            });
        }
    }
    if !cfg.platform_switch
        || names.platform == NONE
        || names.previous_platform == NONE
        || names.platform == names.previous_platform
    {
        return None;
    }
    let device = tables.device_id(play.device)?;
    let from = tables.platform(names.previous_platform)?.to_owned();
    let to = tables.platform(names.platform)?.to_owned();
    Some(Hit {
        evidence: Evidence::SuspiciousClient(SuspiciousClient::PlatformSwitch { device, from, to }),
        plays: vec![*play],
    })
}
