//! Concurrent streams: more streams of one user active at once than allowed.
//!
//! "Active" means going on at the new play's start: started and not yet stopped. The
//! engine learns stops from the session tracker (stopped plays and force-stopped
//! ghosts do not count); an open play with no update for `assume_stopped_after_s` is
//! taken as stopped. Optionally the plays of linked accounts (one person) count
//! together, and by default the streams of one household — one network, or the
//! server's own LAN — count as one, so a family at home is one stream.
//!
//! ## Defaults
//! - `enabled`: true; `severity`: warning; `action`: notify; `cooldown_s`: the engine's.
//! - `max_streams`: 3 — more than three at once fires.
//! - `per_user`: none — per-user limits, e.g. `{ "1234" = 5 }`.
//! - `count_linked_users`: false — linked accounts count separately.
//! - `household_as_one`: true — streams from one network count once.

use std::collections::BTreeMap;

use cartographus_core::{EventId, NetworkId, UserId};
use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use crate::finding::Evidence;
use crate::rules::{raw_rule_config, Common, Hit, RuleKind, Severity};
use crate::window::{Ms, Play, UserState};

const RULE: RuleKind = RuleKind::ConcurrentStreams;

raw_rule_config!(
    /// Raw settings of the concurrent-streams rule (see the module docs for defaults).
    RawConcurrentStreamsConfig, RULE, enabled = true, severity = Severity::Warning,
    {
        /// The most streams allowed at once.
        max_streams: u32 = 3,
        /// Per-user limits by user id.
        per_user: BTreeMap<String, u32> = BTreeMap::new(),
        /// Count the streams of linked accounts together.
        count_linked_users: bool = false,
        /// Count streams from one network as one.
        household_as_one: bool = true,
    }
);

/// Validated settings of the concurrent-streams rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConcurrentStreamsConfig {
    pub(crate) common: Common,
    max_streams: u32,
    per_user: BTreeMap<UserId, u32>,
    pub(crate) count_linked_users: bool,
    household_as_one: bool,
}

impl RawConcurrentStreamsConfig {
    pub(crate) fn validate(&self) -> Result<ConcurrentStreamsConfig, ConfigError> {
        let s = RULE.as_str();
        if self.max_streams == 0 {
            return Err(ConfigError::Zero {
                section: s,
                setting: "max_streams",
            });
        }
        let mut per_user = BTreeMap::new();
        for (key, &limit) in &self.per_user {
            let user: UserId = key.parse().map_err(|source| ConfigError::User {
                section: s,
                setting: "per_user",
                key: key.chars().take(64).collect(),
                source,
            })?;
            if limit == 0 {
                return Err(ConfigError::Zero {
                    section: s,
                    setting: "per_user",
                });
            }
            per_user.insert(user, limit);
        }
        Ok(ConcurrentStreamsConfig {
            common: self.common()?,
            max_streams: self.max_streams,
            per_user,
            count_linked_users: self.count_linked_users,
            household_as_one: self.household_as_one,
        })
    }
}

impl ConcurrentStreamsConfig {
    pub(crate) fn to_raw(&self) -> RawConcurrentStreamsConfig {
        RawConcurrentStreamsConfig {
            max_streams: self.max_streams,
            per_user: self
                .per_user
                .iter()
                .map(|(u, l)| (u.to_string(), *l))
                .collect(),
            count_linked_users: self.count_linked_users,
            household_as_one: self.household_as_one,
            ..RawConcurrentStreamsConfig::from_common(&self.common)
        }
    }

    fn limit(&self, user: UserId) -> u32 {
        self.per_user
            .get(&user)
            .copied()
            .unwrap_or(self.max_streams)
    }
}

/// Evidence of too many concurrent streams.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ConcurrentStreams {
    /// Streams counted (households once each, if so configured).
    pub streams: u32,
    /// Active plays, before households were merged.
    pub plays: u32,
    /// The user's limit.
    pub limit: u32,
    /// Whether streams from one network counted once.
    pub household_as_one: bool,
    /// The accounts whose plays were counted (more than one for a linked person).
    pub users: Vec<UserId>,
}

impl ConcurrentStreams {
    pub(crate) fn sentence(&self, user: &str) -> String {
        let unit = if self.household_as_one {
            " from different places"
        } else {
            ""
        };
        format!(
            "{user} had {} streams at once{unit}, above the limit of {}",
            self.streams, self.limit
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Network(NetworkId),
    Local,
    Play(EventId),
}

fn key(p: &Play, household: bool) -> Key {
    if !household {
        return Key::Play(p.event);
    }
    match (p.class, p.net) {
        (Some(c), _) if c.is_local() => Key::Local,
        (_, Some(n)) => Key::Network(n),
        _ => Key::Play(p.event),
    }
}

/// Counts the streams active at `t` across `members` (the user, or every account of
/// the person). Allocates only when the limit is exceeded.
pub(crate) fn check<'a>(
    cfg: &ConcurrentStreamsConfig,
    play: &Play,
    members: impl Iterator<Item = &'a UserState> + Clone,
    t: Ms,
    assume_stopped: Ms,
) -> Option<Hit> {
    let limit = cfg.limit(play.user);
    let active = || {
        members
            .clone()
            .flat_map(|u| u.plays.iter())
            .filter(move |p| p.active_at(t, assume_stopped))
    };
    // Streams never outnumber plays: most checks end here, without comparing keys.
    // (Counted window by window: cheaper than through the flattened iterator.)
    let plays: u32 = members
        .clone()
        .map(|u| {
            let active = u.plays.iter().filter(|p| p.active_at(t, assume_stopped));
            active.count() as u32
        })
        .sum();
    if plays <= limit {
        return None;
    }
    let mut streams = 0u32;
    for (i, p) in active().enumerate() {
        let k = key(p, cfg.household_as_one);
        if !active().take(i).any(|q| key(q, cfg.household_as_one) == k) {
            streams += 1;
        }
    }
    if streams <= limit {
        return None;
    }
    let mut involved: Vec<Play> = active()
        .filter(|p| p.event != play.event)
        .copied()
        .collect();
    involved.sort_by_key(|p| (p.started, p.event));
    involved.push(*play);
    let mut users: Vec<UserId> = involved.iter().map(|p| p.user).collect();
    users.sort_unstable();
    users.dedup();
    Some(Hit {
        evidence: Evidence::ConcurrentStreams(ConcurrentStreams {
            streams,
            plays,
            limit,
            household_as_one: cfg.household_as_one,
            users,
        }),
        plays: involved,
    })
}
