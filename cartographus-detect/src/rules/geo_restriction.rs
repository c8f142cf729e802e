//! Geo restriction: a play from a country on the blocklist, or (if an allowlist is
//! set) from a country not on it. Countries are ISO 3166-1 alpha-2 codes on both sides
//! — GeoIP's code is compared with the configured code, never a name with a code. A
//! play whose country is unknown, or that comes from a LAN, CGNAT or trusted network,
//! is never blocked.
//!
//! ## Defaults
//! - `enabled`: true (with both lists empty it never fires); `severity`: warning;
//!   `action`: notify; `cooldown_s`: the engine's.
//! - `blocked_countries`: none.
//! - `allowed_countries`: none — when set, every other country fires. Setting both
//!   lists is an error.

use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use crate::finding::{Evidence, Place};
use crate::ids::CountryCode;
use crate::rules::{raw_rule_config, Common, Hit, RuleKind, Severity};
use crate::tables::Tables;
use crate::window::Play;

const RULE: RuleKind = RuleKind::GeoRestriction;

raw_rule_config!(
    /// Raw settings of the geo-restriction rule (see the module docs for defaults).
    RawGeoRestrictionConfig, RULE, enabled = true, severity = Severity::Warning,
    {
        /// Countries whose plays fire.
        blocked_countries: Vec<String> = Vec::new(),
        /// If not empty, the only countries whose plays do not fire.
        allowed_countries: Vec<String> = Vec::new(),
    }
);

/// Validated settings of the geo-restriction rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GeoRestrictionConfig {
    pub(crate) common: Common,
    blocked: Vec<CountryCode>,
    allowed: Vec<CountryCode>,
}

fn countries(setting: &'static str, list: &[String]) -> Result<Vec<CountryCode>, ConfigError> {
    list.iter()
        .enumerate()
        .map(|(index, s)| {
            CountryCode::new(s).map_err(|source| ConfigError::Country {
                section: RULE.as_str(),
                setting,
                index,
                source,
            })
        })
        .collect()
}

impl RawGeoRestrictionConfig {
    pub(crate) fn validate(&self) -> Result<GeoRestrictionConfig, ConfigError> {
        if !self.blocked_countries.is_empty() && !self.allowed_countries.is_empty() {
            return Err(ConfigError::Conflict {
                section: RULE.as_str(),
                setting: "blocked_countries",
                other: "allowed_countries",
            });
        }
        Ok(GeoRestrictionConfig {
            common: self.common()?,
            blocked: countries("blocked_countries", &self.blocked_countries)?,
            allowed: countries("allowed_countries", &self.allowed_countries)?,
        })
    }
}

impl GeoRestrictionConfig {
    pub(crate) fn to_raw(&self) -> RawGeoRestrictionConfig {
        let text = |l: &[CountryCode]| l.iter().map(ToString::to_string).collect();
        RawGeoRestrictionConfig {
            blocked_countries: text(&self.blocked),
            allowed_countries: text(&self.allowed),
            ..RawGeoRestrictionConfig::from_common(&self.common)
        }
    }
}

/// Which list a play broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeoPolicy {
    /// The country is on the blocklist.
    Blocked,
    /// The country is not on the allowlist.
    NotAllowed,
}

/// Evidence of a play from a restricted country.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GeoRestriction {
    /// The country of the play.
    pub country: CountryCode,
    /// Which list it broke.
    pub policy: GeoPolicy,
    /// Where the play came from.
    pub place: Place,
}

impl GeoRestriction {
    pub(crate) fn sentence(&self, user: &str) -> String {
        let why = match self.policy {
            GeoPolicy::Blocked => "a blocked country",
            GeoPolicy::NotAllowed => "a country that is not allowed",
        };
        format!("{user} played from {}, {why}", self.place.shown())
    }
}

/// Checks the play's country against the lists.
pub(crate) fn check(cfg: &GeoRestrictionConfig, play: &Play, tables: &Tables) -> Option<Hit> {
    if cfg.blocked.is_empty() && cfg.allowed.is_empty() {
        return None;
    }
    if play.trusted || !play.class.is_some_and(|c| c.is_public()) {
        return None;
    }
    let country = play.country?;
    let policy = if cfg.blocked.contains(&country) {
        GeoPolicy::Blocked
    } else if !cfg.allowed.is_empty() && !cfg.allowed.contains(&country) {
        GeoPolicy::NotAllowed
    } else {
        return None;
    };
    Some(Hit {
        evidence: Evidence::GeoRestriction(GeoRestriction {
            country,
            policy,
            place: tables.place(play),
        }),
        plays: vec![*play],
    })
}
