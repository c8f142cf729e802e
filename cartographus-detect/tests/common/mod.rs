//! Test support: a fake clock, places on Earth, and a builder for playback events.
#![allow(dead_code, unreachable_pub, missing_docs)]

use cartographus_core::{
    Account, ContentInfo, DeviceId, EventParts, ExternalUserId, GeoPoint, GeoSource, Geolocation,
    MediaKey, MediaType, PlaybackEvent, ServerId, SessionKey, Source, Timing, UserId,
};
use cartographus_detect::{Alert, DetectConfig, Engine, RawDetectConfig, RuleKind};
use chrono::{DateTime, Duration, TimeZone, Utc};

/// A place: latitude, longitude, country.
pub type Spot = (f64, f64, &'static str);

pub const PARIS: Spot = (48.8566, 2.3522, "FR");
pub const VERSAILLES: Spot = (48.8049, 2.1204, "FR");
pub const LYON: Spot = (45.7640, 4.8357, "FR");
pub const LILLE: Spot = (50.6292, 3.0573, "FR");
pub const BERLIN: Spot = (52.5200, 13.4050, "DE");
pub const FRANKFURT: Spot = (50.1109, 8.6821, "DE");
pub const LONDON: Spot = (51.5074, -0.1278, "GB");
pub const NEW_YORK: Spot = (40.7128, -74.0060, "US");
pub const TOKYO: Spot = (35.6762, 139.6503, "JP");
pub const MOSCOW: Spot = (55.7558, 37.6173, "RU");

/// The fake clock's origin: 2026-03-02 18:00 UTC.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 18, 0, 0).unwrap()
}

/// `t0` plus some minutes.
pub fn at(minutes: f64) -> DateTime<Utc> {
    t0() + Duration::milliseconds((minutes * 60_000.0) as i64)
}

pub fn uid(n: u64) -> UserId {
    UserId::new(n).unwrap()
}

/// A play being described.
#[derive(Debug, Clone)]
pub struct Play {
    user: u64,
    device: Option<String>,
    ip: String,
    start: DateTime<Utc>,
    stop: Option<DateTime<Utc>>,
    updated: Option<DateTime<Utc>>,
    spot: Option<Spot>,
    accuracy_km: Option<f64>,
    asn: Option<u32>,
    city: Option<String>,
    platform: Option<String>,
    product: Option<String>,
    source: GeoSource,
    session: Option<String>,
    shared: bool,
}

/// A play of `user` on their own `device` (its id is `device#user`) from `ip`,
/// starting at `t0`.
pub fn play(user: u64, device: &str, ip: &str) -> Play {
    Play {
        user,
        device: Some(device.to_owned()),
        ip: ip.to_owned(),
        start: t0(),
        stop: None,
        updated: None,
        spot: None,
        accuracy_km: None,
        asn: None,
        city: None,
        platform: None,
        product: None,
        source: GeoSource::Mmdb,
        session: None,
        shared: false,
    }
}

/// A play on a device whose id is `device` whoever uses it.
pub fn shared(user: u64, device: &str, ip: &str) -> Play {
    Play {
        shared: true,
        ..play(user, device, ip)
    }
}

impl Play {
    /// Starts `minutes` after `t0`.
    pub fn at(mut self, minutes: f64) -> Self {
        self.start = at(minutes);
        self
    }
    /// Starts at a given time.
    pub fn at_time(mut self, t: DateTime<Utc>) -> Self {
        self.start = t;
        self
    }
    /// Stopped `minutes` after `t0`.
    pub fn until(mut self, minutes: f64) -> Self {
        self.stop = Some(at(minutes));
        self
    }
    /// Stopped at a given time.
    pub fn until_time(mut self, t: DateTime<Utc>) -> Self {
        self.stop = Some(t);
        self
    }
    /// Last updated `minutes` after `t0` (still open).
    pub fn seen(mut self, minutes: f64) -> Self {
        self.updated = Some(at(minutes));
        self
    }
    /// Geolocated at a spot.
    pub fn in_(mut self, spot: Spot) -> Self {
        self.spot = Some(spot);
        self
    }
    pub fn accuracy(mut self, km: f64) -> Self {
        self.accuracy_km = Some(km);
        self
    }
    pub fn asn(mut self, asn: u32) -> Self {
        self.asn = Some(asn);
        self
    }
    pub fn city(mut self, city: &str) -> Self {
        self.city = Some(city.to_owned());
        self
    }
    pub fn platform(mut self, p: &str) -> Self {
        self.platform = Some(p.to_owned());
        self
    }
    pub fn product(mut self, p: &str) -> Self {
        self.product = Some(p.to_owned());
        self
    }
    pub fn no_device(mut self) -> Self {
        self.device = None;
        self
    }
    pub fn local_source(mut self) -> Self {
        self.source = GeoSource::Private;
        self
    }
    /// Uses this session key (so a later event updates the same play).
    pub fn session(mut self, key: &str) -> Self {
        self.session = Some(key.to_owned());
        self
    }

    pub fn event(&self) -> PlaybackEvent {
        let ext = ExternalUserId::new(self.user.to_string()).unwrap();
        let user = Account::new(ext, format!("user{}", self.user)).to_user_info(uid(self.user));
        let content = ContentInfo::new(MediaType::Movie, MediaKey::new("100").unwrap(), "Heat");
        let mut timing = Timing::started(self.start);
        timing.stopped_at = self.stop;
        timing.updated_at = self.stop.or(self.updated).unwrap_or(self.start);
        let session = self.session.clone().unwrap_or_else(|| {
            format!(
                "{}-{}-{}-{}",
                self.user,
                self.device.as_deref().unwrap_or("none"),
                self.ip,
                self.start.timestamp_millis()
            )
        });
        let mut parts = EventParts::new(
            Source::Plex,
            ServerId::new("srv").unwrap(),
            SessionKey::new(session).unwrap(),
            timing,
            user,
            content,
        );
        parts.network.ip = Some(self.ip.parse().unwrap());
        parts.device.device_id = self.device.as_ref().map(|d| {
            let id = if self.shared {
                d.clone()
            } else {
                format!("{d}#{}", self.user)
            };
            DeviceId::new(id).unwrap()
        });
        parts.device.platform = self.platform.clone();
        parts.device.product = self.product.clone();
        let mut event = PlaybackEvent::assemble(parts);
        event.geo = Some(match self.spot {
            Some((lat, lon, cc)) => {
                let mut g = Geolocation::at(GeoPoint::new(lat, lon).unwrap(), self.source);
                g.country_code = Some(cc.to_owned());
                g.accuracy_km = self.accuracy_km;
                g.asn = self.asn;
                g.city = self.city.clone();
                g
            }
            None => {
                let mut g = Geolocation::unknown();
                g.asn = self.asn;
                g
            }
        });
        event
    }
}

/// An engine on a fake clock, with its alerts collected.
pub struct World {
    pub engine: Engine,
    pub alerts: Vec<Alert>,
}

impl World {
    pub fn new() -> Self {
        Self::with(RawDetectConfig::default())
    }

    pub fn with(raw: RawDetectConfig) -> Self {
        Self {
            engine: Engine::new(raw.validate().unwrap()),
            alerts: Vec::new(),
        }
    }

    pub fn config(cfg: DetectConfig) -> Self {
        Self {
            engine: Engine::new(cfg),
            alerts: Vec::new(),
        }
    }

    /// Feeds a play live, with `now` = the latest time it carries.
    pub fn feed(&mut self, p: &Play) -> &mut Self {
        let e = p.event();
        let now = e.timing.stopped_at.unwrap_or(e.timing.updated_at);
        self.feed_at(&e, now)
    }

    pub fn feed_at(&mut self, e: &PlaybackEvent, now: DateTime<Utc>) -> &mut Self {
        self.engine.handle_event(e, now);
        while let Some(a) = self.engine.poll_alert() {
            self.alerts.push(a);
        }
        self
    }

    pub fn feed_all(&mut self, plays: &[Play]) -> &mut Self {
        for p in plays {
            self.feed(p);
        }
        self
    }

    pub fn rules(&self) -> Vec<RuleKind> {
        self.alerts.iter().map(|a| a.finding.rule).collect()
    }

    pub fn of(&self, rule: RuleKind) -> Vec<&Alert> {
        self.alerts
            .iter()
            .filter(|a| a.finding.rule == rule)
            .collect()
    }

    pub fn assert_quiet(&self) {
        let found: Vec<String> = self
            .alerts
            .iter()
            .map(|a| a.finding.message.clone())
            .collect();
        assert!(found.is_empty(), "expected no alerts, got {found:#?}");
    }
}
