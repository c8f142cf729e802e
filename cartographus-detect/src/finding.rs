//! What the engine reports: a [`Finding`] (rule, severity, user, every play involved,
//! typed evidence and a sentence for people), wrapped in an [`Alert`] with the
//! [`Action`] the server should carry out and the trust changes the finding caused.

use std::fmt;
use std::net::IpAddr;

use cartographus_core::{DeviceId, EventId, GeoPoint, NetworkId, ServerId, SessionKey, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{AlertId, CountryCode};
use crate::rules::concurrent_streams::ConcurrentStreams;
use crate::rules::device_velocity::DeviceVelocity;
use crate::rules::geo_restriction::GeoRestriction;
use crate::rules::impossible_travel::ImpossibleTravel;
use crate::rules::new_country::NewCountry;
use crate::rules::new_device::NewDevice;
use crate::rules::shared_device::SharedDevice;
use crate::rules::simultaneous_locations::SimultaneousLocations;
use crate::rules::suspicious_client::SuspiciousClient;
use crate::rules::{RuleKind, Severity};
use crate::trust::TrustChange;

/// Where a play came from: its address and what GeoIP said about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Place {
    /// The client's address (the public one when the server reported it).
    pub ip: Option<IpAddr>,
    /// The address's network under the engine's grouping (e.g. its IPv6 /64).
    pub network: Option<NetworkId>,
    /// The point GeoIP gave, if any.
    pub point: Option<GeoPoint>,
    /// GeoIP's accuracy radius in km, if it gave one.
    pub accuracy_km: Option<f64>,
    /// The city, if known.
    pub city: Option<String>,
    /// The ISO 3166-1 alpha-2 country, if known.
    pub country: Option<CountryCode>,
    /// The autonomous system number, if known.
    pub asn: Option<u32>,
}

impl Place {
    /// A short human label: "Paris, FR (203.0.113.7)", "FR (…)", or the address alone.
    pub fn label(&self) -> String {
        self.shown().to_string()
    }

    /// The label written straight into a sentence, without building it first.
    pub(crate) fn shown(&self) -> Label<'_> {
        Label(self)
    }
}

/// [`Place::label`] as `Display`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Label<'a>(&'a Place);

impl fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.0;
        let ip: &dyn fmt::Display = match &p.ip {
            Some(ip) => ip,
            None => &"unknown address",
        };
        match (&p.city, &p.country) {
            (Some(c), Some(cc)) => write!(f, "{c}, {cc} ({ip})"),
            (Some(c), None) => write!(f, "{c} ({ip})"),
            (None, Some(cc)) => write!(f, "{cc} ({ip})"),
            (None, None) => write!(f, "{ip}"),
        }
    }
}

/// One play involved in a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PlayRef {
    /// The play's event id.
    pub event_id: EventId,
    /// Whose play it is (a linked account's, for person-wide rules).
    pub user: UserId,
    /// The media server that played it.
    pub server: ServerId,
    /// The playing device, if known.
    pub device: Option<DeviceId>,
    /// When the play started (playback time).
    pub started_at: DateTime<Utc>,
    /// When it stopped; `None` if it was still going on.
    pub stopped_at: Option<DateTime<Utc>>,
    /// Where it came from.
    pub place: Place,
}

/// The rule-specific facts behind a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", content = "data", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Evidence {
    /// See [`ImpossibleTravel`].
    ImpossibleTravel(ImpossibleTravel),
    /// See [`ConcurrentStreams`].
    ConcurrentStreams(ConcurrentStreams),
    /// See [`DeviceVelocity`].
    DeviceVelocity(DeviceVelocity),
    /// See [`GeoRestriction`].
    GeoRestriction(GeoRestriction),
    /// See [`SimultaneousLocations`].
    SimultaneousLocations(SimultaneousLocations),
    /// See [`NewDevice`].
    NewDevice(NewDevice),
    /// See [`NewCountry`].
    NewCountry(NewCountry),
    /// See [`SharedDevice`].
    SharedDevice(SharedDevice),
    /// See [`SuspiciousClient`].
    SuspiciousClient(SuspiciousClient),
}

impl Evidence {
    /// The rule the evidence belongs to.
    pub fn rule(&self) -> RuleKind {
        match self {
            Evidence::ImpossibleTravel(_) => RuleKind::ImpossibleTravel,
            Evidence::ConcurrentStreams(_) => RuleKind::ConcurrentStreams,
            Evidence::DeviceVelocity(_) => RuleKind::DeviceVelocity,
            Evidence::GeoRestriction(_) => RuleKind::GeoRestriction,
            Evidence::SimultaneousLocations(_) => RuleKind::SimultaneousLocations,
            Evidence::NewDevice(_) => RuleKind::NewDevice,
            Evidence::NewCountry(_) => RuleKind::NewCountry,
            Evidence::SharedDevice(_) => RuleKind::SharedDevice,
            Evidence::SuspiciousClient(_) => RuleKind::SuspiciousClient,
        }
    }

    /// What the evidence says, as the end of a sentence about `username`.
    pub(crate) fn sentence(&self, username: &str) -> String {
        match self {
            Evidence::ImpossibleTravel(e) => e.sentence(username),
            Evidence::ConcurrentStreams(e) => e.sentence(username),
            Evidence::DeviceVelocity(e) => e.sentence(username),
            Evidence::GeoRestriction(e) => e.sentence(username),
            Evidence::SimultaneousLocations(e) => e.sentence(username),
            Evidence::NewDevice(e) => e.sentence(username),
            Evidence::NewCountry(e) => e.sentence(username),
            Evidence::SharedDevice(e) => e.sentence(username),
            Evidence::SuspiciousClient(e) => e.sentence(username),
        }
    }
}

/// One rule's verdict on one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Finding {
    /// The alert's id (deterministic: rule, user, triggering play and time).
    pub id: AlertId,
    /// The rule.
    pub rule: RuleKind,
    /// How serious it is (configured per rule).
    pub severity: Severity,
    /// The user the finding is about.
    pub user: UserId,
    /// The user's account name, as the triggering play reported it.
    pub username: String,
    /// The server of the triggering play.
    pub server: ServerId,
    /// The playback time the finding is about (the triggering play's start or update).
    pub at: DateTime<Utc>,
    /// The `now` at which the engine found it.
    pub detected_at: DateTime<Utc>,
    /// Every play involved, the triggering play last.
    pub plays: Vec<PlayRef>,
    /// The rule-specific facts.
    pub evidence: Evidence,
    /// One sentence for notifications.
    pub message: String,
}

/// What the server should do about a finding. Notifying is always implied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Notify only.
    Notify,
    /// Notify, and stop this stream on its media server with a message to the viewer.
    Terminate {
        /// The server playing the stream.
        server: ServerId,
        /// The stream's session key there.
        session_key: SessionKey,
        /// The message for the viewer.
        message: String,
    },
}

/// What the engine emits for each finding that passed its cooldown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Alert {
    /// The finding.
    pub finding: Finding,
    /// What the server should do.
    pub action: Action,
    /// The trust changes the finding caused, in order (a recovery catching up, then
    /// the penalty); empty for exempt users and zero penalties with nothing to recover.
    pub trust: Vec<TrustChange>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_labels() {
        let mut p = Place {
            ip: Some("203.0.113.7".parse().unwrap()),
            network: None,
            point: None,
            accuracy_km: None,
            city: Some("Paris".into()),
            country: Some(CountryCode::new("fr").unwrap()),
            asn: None,
        };
        assert_eq!(p.label(), "Paris, FR (203.0.113.7)");
        assert_eq!(format!("[{}]", p.shown()), "[Paris, FR (203.0.113.7)]");
        p.country = None;
        assert_eq!(p.label(), "Paris (203.0.113.7)");
        p.city = None;
        p.ip = Some("2001:db8::1".parse().unwrap());
        assert_eq!(p.label(), "2001:db8::1");
        p.country = Some(CountryCode::new("DE").unwrap());
        p.ip = None;
        assert_eq!(p.label(), "DE (unknown address)");
    }
}
