//! Shared device across accounts: one device id, or one public network, used by more
//! accounts than one person has — the multi-account sharing where a second account is
//! made for a friend. Accounts the server knows to be one person (linked by e-mail,
//! Plex Home or an operator) count once. LAN, CGNAT and trusted networks are never
//! reported, and the network limit leaves room for a household.
//!
//! ## Defaults
//! - `enabled`: true; `severity`: info; `action`: notify; `cooldown_s`: the engine's.
//! - `max_accounts_per_device`: 1 — a second unlinked account on one device fires.
//! - `check_networks`: true.
//! - `max_accounts_per_network`: 4 — a fifth unlinked account on one network fires.
//! - `window_s`: 604800 — accounts seen within the last seven days count.

use cartographus_core::{DeviceId, NetworkId, UserId};
use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::config::{positive_seconds, seconds_of, ConfigError};
use crate::finding::Evidence;
use crate::rules::{human_duration, raw_rule_config, Common, Hit, RuleKind, Severity};
use crate::tables::{Accounts, NetKey, Tables};
use crate::window::{Map, Ms, Play, UserState, NONE};

const RULE: RuleKind = RuleKind::SharedDevice;

raw_rule_config!(
    /// Raw settings of the shared-device rule (see the module docs for defaults).
    RawSharedDeviceConfig, RULE, enabled = true, severity = Severity::Info,
    {
        /// The most unlinked accounts allowed on one device.
        max_accounts_per_device: u32 = 1,
        /// Whether networks are checked too.
        check_networks: bool = true,
        /// The most unlinked accounts allowed on one public network.
        max_accounts_per_network: u32 = 4,
        /// How long an account counts after its last play there, in seconds.
        window_s: u64 = 604_800,
    }
);

/// Validated settings of the shared-device rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SharedDeviceConfig {
    pub(crate) common: Common,
    max_per_device: u32,
    check_networks: bool,
    max_per_network: u32,
    pub(crate) window: Duration,
}

impl RawSharedDeviceConfig {
    pub(crate) fn validate(&self) -> Result<SharedDeviceConfig, ConfigError> {
        let s = RULE.as_str();
        for (setting, v) in [
            ("max_accounts_per_device", self.max_accounts_per_device),
            ("max_accounts_per_network", self.max_accounts_per_network),
        ] {
            if v == 0 {
                return Err(ConfigError::Zero {
                    section: s,
                    setting,
                });
            }
        }
        Ok(SharedDeviceConfig {
            common: self.common()?,
            max_per_device: self.max_accounts_per_device,
            check_networks: self.check_networks,
            max_per_network: self.max_accounts_per_network,
            window: positive_seconds(s, "window_s", self.window_s)?,
        })
    }
}

impl SharedDeviceConfig {
    pub(crate) fn to_raw(&self) -> RawSharedDeviceConfig {
        RawSharedDeviceConfig {
            max_accounts_per_device: self.max_per_device,
            check_networks: self.check_networks,
            max_accounts_per_network: self.max_per_network,
            window_s: seconds_of(self.window),
            ..RawSharedDeviceConfig::from_common(&self.common)
        }
    }
}

/// What several accounts shared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Shared {
    /// A device id.
    Device(DeviceId),
    /// A public network.
    Network(NetworkId),
}

/// Evidence of several accounts on one device or network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SharedDevice {
    /// The device or network.
    pub shared: Shared,
    /// The accounts seen on it within the window (linked accounts included).
    pub accounts: Vec<UserId>,
    /// How many distinct people those accounts are.
    pub people: u32,
    /// The configured limit.
    pub limit: u32,
    /// The window, in seconds.
    pub window_s: u64,
}

impl SharedDevice {
    pub(crate) fn sentence(&self, user: &str) -> String {
        let what = match &self.shared {
            Shared::Device(d) => format!("device {d}"),
            Shared::Network(n) => format!("network {n}"),
        };
        format!(
            "{user} shares {what} with other accounts: {} unlinked accounts within {}, above the limit of {}",
            self.people,
            human_duration(self.window_s as f64),
            self.limit
        )
    }
}

/// How many people the accounts belong to; `linked` says whether any accounts are
/// linked at all (if not, each account, listed once, is its own person).
fn people(accounts: &Accounts, linked: bool, person: &impl Fn(UserId) -> UserId) -> u32 {
    let seen = &accounts.seen;
    if !linked {
        return seen.len() as u32;
    }
    (0..seen.len())
        .filter(|&i| {
            let p = person(seen[i].0);
            !seen[..i].iter().any(|(u, _)| person(*u) == p)
        })
        .count() as u32
}

/// Checks the play's device, then its network. `seen` comes from [`observe`] on this
/// play, with the tables unchanged since.
pub(crate) fn check(
    cfg: &SharedDeviceConfig,
    play: &Play,
    seen: Seen,
    tables: &Tables,
    users: &Map<UserId, UserState>,
    linked: bool,
    person: impl Fn(UserId) -> UserId,
) -> Option<Hit> {
    // Without linked accounts, each account listed is a person: within both limits,
    // nothing to look up.
    if !linked
        && seen.device.is_none_or(|n| n <= cfg.max_per_device)
        && seen.network.is_none_or(|n| n <= cfg.max_per_network)
    {
        return None;
    }
    let mut found: Option<(Shared, &Accounts, u32, u32)> = None;
    if let Some(dev) = tables.device(play.device) {
        let n = people(&dev.accounts, linked, &person);
        if n > cfg.max_per_device {
            found = Some((
                Shared::Device(dev.id.clone()),
                &dev.accounts,
                n,
                cfg.max_per_device,
            ));
        }
    }
    if found.is_none() && cfg.check_networks && network_counts(play) {
        if let Some(net) = play.net {
            if let Some(acc) = tables.networks.get(&NetKey(net)) {
                let n = people(acc, linked, &person);
                if n > cfg.max_per_network {
                    found = Some((Shared::Network(net), acc, n, cfg.max_per_network));
                }
            }
        }
    }
    let (shared, accounts, n, limit) = found?;
    let mut ids: Vec<UserId> = accounts.seen.iter().map(|(u, _)| *u).collect();
    ids.sort_unstable();
    let mut plays: Vec<Play> = ids
        .iter()
        .filter(|u| **u != play.user)
        .filter_map(|u| users.get(u))
        .filter_map(|w| {
            w.plays.iter().rev().find(|p| match &shared {
                Shared::Device(_) => p.device == play.device && play.device != NONE,
                Shared::Network(n) => p.net == Some(*n),
            })
        })
        .copied()
        .collect();
    plays.sort_by_key(|p| (p.started, p.event));
    plays.push(*play);
    Some(Hit {
        evidence: Evidence::SharedDevice(SharedDevice {
            shared,
            accounts: ids,
            people: n,
            limit,
            window_s: seconds_of(cfg.window),
        }),
        plays,
    })
}

/// Whether a play's network is one this rule tracks (public, untrusted).
pub(crate) fn network_counts(play: &Play) -> bool {
    !play.trusted && play.class.is_some_and(|c| c.is_public()) && play.net.is_some()
}

/// Records the play's account on its device and network; `window` is the config's
/// window in milliseconds.
/// Returns how many accounts the device and the network now list, for [`check`].
pub(crate) fn observe(
    cfg: &SharedDeviceConfig,
    window: Ms,
    tables: &mut Tables,
    play: &Play,
    t: Ms,
) -> Seen {
    let horizon = t.saturating_sub(window);
    let mut seen = Seen::default();
    if let Some(dev) = tables.devices.get_mut(play.device) {
        dev.accounts.note(play.user, t, horizon);
        seen.device = Some(dev.accounts.seen.len() as u32);
    }
    if cfg.check_networks && network_counts(play) {
        if let Some(net) = play.net {
            let accounts = tables
                .networks
                .entry(NetKey(net))
                .or_insert_with(|| Accounts::new(play.user));
            accounts.note(play.user, t, horizon);
            seen.network = Some(accounts.seen.len() as u32);
        }
    }
    seen
}

/// How many accounts [`observe`] left on the play's device and network (`None`: it
/// noted none there).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Seen {
    device: Option<u32>,
    network: Option<u32>,
}
