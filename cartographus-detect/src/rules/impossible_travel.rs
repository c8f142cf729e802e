//! Impossible travel: a user's play far from their previous play elsewhere, sooner
//! than travel allows.
//!
//! The speed is the distance between the two places, less both GeoIP accuracy radii,
//! divided by the time between the two starts (at least one second: there is no blind
//! spot for plays minutes apart). It never fires for two plays from one address or one
//! grouped network (an IPv6 /64), whatever GeoIP says today; plays from private, CGNAT
//! or unknown places, trusted networks or ignored ASNs are skipped; and, by default, a
//! jump of one device is taken as a VPN switch, not a journey.
//!
//! ## Defaults
//! - `enabled`: true; `severity`: critical; `action`: notify; `cooldown_s`: the engine's.
//! - `max_speed_kmh`: 900 — faster than an airliner.
//! - `min_distance_km`: 100 — closer pairs (after the accuracy radii) are ignored.
//! - `ignore_same_device`: true — one device changing place is a VPN or proxy switch.
//! - `ignored_asns`: none — e.g. the ASNs of VPN providers your users use.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::{in_range, ConfigError};
use crate::finding::{Evidence, Place};
use crate::rules::{human_duration, raw_rule_config, Common, Hit, RuleKind, Severity, Whole};
use crate::tables::Tables;
use crate::window::{time, Play, UserState, NONE};

const RULE: RuleKind = RuleKind::ImpossibleTravel;

raw_rule_config!(
    /// Raw settings of the impossible-travel rule (see the module docs for defaults).
    RawImpossibleTravelConfig, RULE, enabled = true, severity = Severity::Critical,
    {
        /// The fastest believable travel, in km/h.
        max_speed_kmh: f64 = 900.0,
        /// Pairs closer than this (accuracy radii subtracted), in km, are ignored.
        min_distance_km: f64 = 100.0,
        /// A jump of a single device is not travel.
        ignore_same_device: bool = true,
        /// Plays from these autonomous systems are skipped.
        ignored_asns: Vec<u32> = Vec::new(),
    }
);

/// Validated settings of the impossible-travel rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ImpossibleTravelConfig {
    pub(crate) common: Common,
    max_speed_kmh: f64,
    min_distance_km: f64,
    ignore_same_device: bool,
    ignored_asns: Vec<u32>,
}

impl RawImpossibleTravelConfig {
    pub(crate) fn validate(&self) -> Result<ImpossibleTravelConfig, ConfigError> {
        let s = RULE.as_str();
        Ok(ImpossibleTravelConfig {
            common: self.common()?,
            max_speed_kmh: in_range(s, "max_speed_kmh", self.max_speed_kmh, 1.0, 1e7)?,
            min_distance_km: in_range(s, "min_distance_km", self.min_distance_km, 0.0, 40_000.0)?,
            ignore_same_device: self.ignore_same_device,
            ignored_asns: self.ignored_asns.clone(),
        })
    }
}

impl ImpossibleTravelConfig {
    pub(crate) fn to_raw(&self) -> RawImpossibleTravelConfig {
        RawImpossibleTravelConfig {
            max_speed_kmh: self.max_speed_kmh,
            min_distance_km: self.min_distance_km,
            ignore_same_device: self.ignore_same_device,
            ignored_asns: self.ignored_asns.clone(),
            ..RawImpossibleTravelConfig::from_common(&self.common)
        }
    }

    fn usable(&self, p: &Play) -> bool {
        p.located().is_some() && !p.asn.is_some_and(|a| self.ignored_asns.contains(&a))
    }
}

/// Evidence of impossible travel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ImpossibleTravel {
    /// Where the previous play was.
    pub from: Place,
    /// Where the new play is.
    pub to: Place,
    /// When the previous play started.
    pub from_at: DateTime<Utc>,
    /// When the new play started.
    pub to_at: DateTime<Utc>,
    /// The great-circle distance, in km.
    pub distance_km: f64,
    /// The distance less both accuracy radii, in km (the one the speed uses).
    pub effective_km: f64,
    /// The time between the starts, in hours.
    pub hours: f64,
    /// The implied speed.
    pub km_per_h: f64,
    /// The configured limit.
    pub max_km_per_h: f64,
}

impl ImpossibleTravel {
    pub(crate) fn sentence(&self, user: &str) -> String {
        format!(
            "{user} played from {} and {} later from {}, {} km away: {} km/h, above the {} km/h limit",
            self.from.shown(),
            human_duration(self.hours * 3_600.0),
            self.to.shown(),
            Whole(self.effective_km),
            Whole(self.km_per_h),
            Whole(self.max_km_per_h)
        )
    }
}

/// Compares a new play with the user's most recent earlier play that has a place.
pub(crate) fn check(
    cfg: &ImpossibleTravelConfig,
    user: &UserState,
    play: &Play,
    tables: &Tables,
) -> Option<Hit> {
    if !cfg.usable(play) {
        return None;
    }
    let to = play.located()?;
    let prev = user.previous(play).find(|p| cfg.usable(p))?;
    let from = prev.located()?;
    if prev.same_network(play) {
        return None;
    }
    if cfg.ignore_same_device && play.device != NONE && prev.device == play.device {
        return None;
    }
    let (raw, effective) = Play::effective_distance((prev, from), (play, to));
    if effective < cfg.min_distance_km {
        return None;
    }
    let secs = ((play.started - prev.started) as f64 / 1_000.0).max(1.0);
    let hours = secs / 3_600.0;
    let km_per_h = effective / hours;
    if km_per_h <= cfg.max_speed_kmh {
        return None;
    }
    let evidence = ImpossibleTravel {
        from: tables.place(prev),
        to: tables.place(play),
        from_at: time(prev.started),
        to_at: time(play.started),
        distance_km: raw,
        effective_km: effective,
        hours,
        km_per_h,
        max_km_per_h: cfg.max_speed_kmh,
    };
    Some(Hit {
        evidence: Evidence::ImpossibleTravel(evidence),
        plays: vec![*prev, *play],
    })
}
