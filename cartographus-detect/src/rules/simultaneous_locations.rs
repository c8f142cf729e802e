//! Simultaneous locations: two plays of one user going on at the same time from
//! different devices, far apart. The distance has both GeoIP accuracy radii
//! subtracted; plays from one address or grouped network are never apart, whatever
//! GeoIP says; private, CGNAT, unknown and trusted places are skipped.
//!
//! ## Defaults
//! - `enabled`: true; `severity`: warning; `action`: notify; `cooldown_s`: the engine's.
//! - `min_distance_km`: 100 — closer pairs (after the accuracy radii) are ignored.
//! - `ignored_asns`: none — plays from these autonomous systems are skipped.

use serde::{Deserialize, Serialize};

use crate::config::{in_range, ConfigError};
use crate::finding::{Evidence, Place};
use crate::rules::{raw_rule_config, Common, Hit, RuleKind, Severity, Whole};
use crate::tables::Tables;
use crate::window::{Ms, Play, UserState, NONE};

const RULE: RuleKind = RuleKind::SimultaneousLocations;

raw_rule_config!(
    /// Raw settings of the simultaneous-locations rule (see the module docs for
    /// defaults).
    RawSimultaneousLocationsConfig, RULE, enabled = true, severity = Severity::Warning,
    {
        /// Pairs closer than this (accuracy radii subtracted), in km, are ignored.
        min_distance_km: f64 = 100.0,
        /// Plays from these autonomous systems are skipped.
        ignored_asns: Vec<u32> = Vec::new(),
    }
);

/// Validated settings of the simultaneous-locations rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SimultaneousLocationsConfig {
    pub(crate) common: Common,
    min_distance_km: f64,
    ignored_asns: Vec<u32>,
}

impl RawSimultaneousLocationsConfig {
    pub(crate) fn validate(&self) -> Result<SimultaneousLocationsConfig, ConfigError> {
        let s = RULE.as_str();
        Ok(SimultaneousLocationsConfig {
            common: self.common()?,
            min_distance_km: in_range(s, "min_distance_km", self.min_distance_km, 0.0, 40_000.0)?,
            ignored_asns: self.ignored_asns.clone(),
        })
    }
}

impl SimultaneousLocationsConfig {
    pub(crate) fn to_raw(&self) -> RawSimultaneousLocationsConfig {
        RawSimultaneousLocationsConfig {
            min_distance_km: self.min_distance_km,
            ignored_asns: self.ignored_asns.clone(),
            ..RawSimultaneousLocationsConfig::from_common(&self.common)
        }
    }

    fn usable(&self, p: &Play) -> bool {
        p.located().is_some() && !p.asn.is_some_and(|a| self.ignored_asns.contains(&a))
    }
}

/// Evidence of one user in two places at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SimultaneousLocations {
    /// The place of the play that was already going on.
    pub a: Place,
    /// The place of the new (or moved) play.
    pub b: Place,
    /// The great-circle distance, in km.
    pub distance_km: f64,
    /// The distance less both accuracy radii, in km.
    pub effective_km: f64,
    /// The configured minimum.
    pub min_distance_km: f64,
}

impl SimultaneousLocations {
    pub(crate) fn sentence(&self, user: &str) -> String {
        format!(
            "{user} was playing from {} and {} at the same time, {} km apart",
            self.a.shown(),
            self.b.shown(),
            Whole(self.effective_km)
        )
    }
}

/// Finds the farthest other play of the user active at `t` on another device.
pub(crate) fn check(
    cfg: &SimultaneousLocationsConfig,
    user: &UserState,
    play: &Play,
    t: Ms,
    assume_stopped: Ms,
    tables: &Tables,
) -> Option<Hit> {
    if !cfg.usable(play) {
        return None;
    }
    let here = play.located()?;
    let mut best: Option<(&Play, f64, f64)> = None;
    for other in &user.plays {
        if other.event == play.event || !other.active_at(t, assume_stopped) {
            continue;
        }
        if play.device != NONE && other.device == play.device {
            continue;
        }
        if !cfg.usable(other) || other.same_network(play) {
            continue;
        }
        let Some(there) = other.located() else {
            continue;
        };
        let (raw, eff) = Play::effective_distance((other, there), (play, here));
        if eff >= cfg.min_distance_km && best.is_none_or(|b| eff > b.2) {
            best = Some((other, raw, eff));
        }
    }
    let (other, raw, eff) = best?;
    Some(Hit {
        evidence: Evidence::SimultaneousLocations(SimultaneousLocations {
            a: tables.place(other),
            b: tables.place(play),
            distance_km: raw,
            effective_km: eff,
            min_distance_km: cfg.min_distance_km,
        }),
        plays: vec![*other, *play],
    })
}
