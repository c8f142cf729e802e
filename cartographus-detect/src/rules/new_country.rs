//! New country: a user with enough history plays from a country the engine has never
//! seen them in. Informational by default. Only public, untrusted addresses with a
//! known country count, so LAN and CGNAT plays neither fire nor teach.
//!
//! ## Defaults
//! - `enabled`: true; `severity`: info; `action`: notify; `cooldown_s`: the engine's.
//! - `min_plays`: 10 — plays the user must have before new countries are reported.

use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use crate::finding::{Evidence, Place};
use crate::ids::CountryCode;
use crate::rules::{raw_rule_config, Common, Hit, RuleKind, Severity};
use crate::tables::Tables;
use crate::window::{Play, UserState, MAX_KNOWN_COUNTRIES};

const RULE: RuleKind = RuleKind::NewCountry;

raw_rule_config!(
    /// Raw settings of the new-country rule (see the module docs for defaults).
    RawNewCountryConfig, RULE, enabled = true, severity = Severity::Info,
    {
        /// Plays of history required before new countries are reported.
        min_plays: u32 = 10,
    }
);

/// Validated settings of the new-country rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewCountryConfig {
    pub(crate) common: Common,
    min_plays: u32,
}

impl RawNewCountryConfig {
    pub(crate) fn validate(&self) -> Result<NewCountryConfig, ConfigError> {
        Ok(NewCountryConfig {
            common: self.common()?,
            min_plays: self.min_plays,
        })
    }
}

impl NewCountryConfig {
    pub(crate) fn to_raw(&self) -> RawNewCountryConfig {
        RawNewCountryConfig {
            min_plays: self.min_plays,
            ..RawNewCountryConfig::from_common(&self.common)
        }
    }
}

/// Evidence of a new country.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewCountry {
    /// The new country.
    pub country: CountryCode,
    /// Where the play came from.
    pub place: Place,
    /// The countries the user was known in.
    pub known: Vec<CountryCode>,
}

impl NewCountry {
    pub(crate) fn sentence(&self, user: &str) -> String {
        let known: Vec<&str> = self.known.iter().map(CountryCode::as_str).collect();
        format!(
            "{user} played from a new country: {} (known: {})",
            self.place.shown(),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )
    }
}

fn country_of(play: &Play) -> Option<CountryCode> {
    if play.trusted || !play.class.is_some_and(|c| c.is_public()) {
        return None;
    }
    play.country
}

/// Whether the play's country is new for a user with enough history.
pub(crate) fn check(
    cfg: &NewCountryConfig,
    user: &UserState,
    play: &Play,
    tables: &Tables,
) -> Option<Hit> {
    let country = country_of(play)?;
    if user.plays_seen < cfg.min_plays || user.known_countries.contains(&country) {
        return None;
    }
    Some(Hit {
        evidence: Evidence::NewCountry(NewCountry {
            country,
            place: tables.place(play),
            known: user.known_countries.iter().copied().collect(),
        }),
        plays: vec![*play],
    })
}

/// Remembers the play's country for the user.
pub(crate) fn observe(user: &mut UserState, play: &Play) {
    let Some(country) = country_of(play) else {
        return;
    };
    if user.known_countries.contains(&country) {
        return;
    }
    if user.known_countries.len() >= MAX_KNOWN_COUNTRIES {
        user.known_countries.remove_first();
    }
    user.known_countries.push(country);
}
