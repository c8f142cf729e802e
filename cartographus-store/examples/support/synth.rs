//! A deterministic generator of realistic play histories, shared by the `generate`
//! example and the ingest bench: Zipf-like users and titles, a few hundred cities,
//! households with several devices, pauses, transcodes, and plays in time order.
#![allow(dead_code, unreachable_pub)]

use std::net::{IpAddr, Ipv4Addr};

use cartographus_core::{
    derive_user_id, Account, ContentInfo, DeviceId, EventParts, ExternalUserId, GeoPoint,
    GeoSource, Geolocation, MediaKey, MediaType, NetworkLocation, Platform, PlaybackEvent,
    PlaybackState, ServerId, SessionKey, Source, StreamDecision, Timing, TranscodeDecision,
};
use cartographus_store::{GeoConfig, GeoResolver, TableLocator};
use chrono::{DateTime, Duration, TimeZone, Utc};

/// splitmix64: small, fast, deterministic.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// A Zipf-like index in `0..n`: low indexes are much more likely.
    pub fn zipf(&mut self, n: u64) -> u64 {
        let u = self.unit();
        ((n as f64) * u.powf(2.5)) as u64 % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

pub const CITIES: usize = 300;
const PLATFORMS: &[(&str, &str)] = &[
    ("Roku", "Plex for Roku"),
    ("Android", "Plex for Android (TV)"),
    ("iOS", "Plex for iOS"),
    ("Chrome", "Plex Web"),
    ("Windows", "Plex HTPC"),
    ("tvOS", "Plex for Apple TV"),
    ("Samsung", "Plex for Samsung"),
];
const RESOLUTIONS: &[&str] = &["1080", "1080", "1080", "4k", "720", "sd"];
const VCODECS: &[&str] = &["h264", "h264", "hevc", "av1"];
const ACODECS: &[&str] = &["aac", "eac3", "ac3", "truehd", "flac"];
const GENRES: &[&str] = &[
    "Drama",
    "Comedy",
    "Action",
    "Crime",
    "Sci-Fi",
    "Documentary",
    "Animation",
];
const RATINGS: &[&str] = &["G", "PG", "PG-13", "R", "TV-14", "TV-MA"];

/// The network of city `c`: a public /24.
pub fn city_network(c: usize) -> (Ipv4Addr, GeoPoint) {
    let ip = Ipv4Addr::new(81, 20 + (c / 250) as u8, (c % 250) as u8, 0);
    let lat = -50.0 + (c as f64 * 37.0) % 110.0;
    let lon = -170.0 + (c as f64 * 71.0) % 340.0;
    (ip, GeoPoint::new(lat, lon).expect("in range"))
}

/// A resolver that knows every generated city.
pub fn resolver() -> GeoResolver {
    let mut t = TableLocator::new();
    for c in 0..CITIES {
        let (ip, point) = city_network(c);
        let mut g = Geolocation::at(point, GeoSource::Mmdb);
        g.city = Some(format!("City {c}"));
        g.country_code =
            Some(["US", "GB", "DE", "FR", "CA", "AU", "SE", "JP", "BR", "NL"][c % 10].into());
        g.accuracy_km = Some(20.0);
        g.asn = Some(64_500 + c as u32);
        t.insert(format!("{ip}/24").parse().expect("cidr"), g);
    }
    GeoResolver::new(Some(Box::new(t)), GeoConfig::default())
}

/// One simulated user: home city and devices.
#[derive(Debug, Clone)]
struct User {
    id: u64,
    city: usize,
    devices: u64,
    travel_city: usize,
}

/// Generates `n` plays over two years, in start-time order.
#[derive(Debug)]
pub struct Generator {
    rng: Rng,
    users: Vec<User>,
    server: ServerId,
    t: DateTime<Utc>,
    step_ms: i64,
    seq: u64,
}

impl Generator {
    pub fn new(seed: u64, n: u64) -> Self {
        let mut rng = Rng::new(seed);
        let n_users = (n / 500).clamp(50, 5_000);
        let users = (0..n_users)
            .map(|id| User {
                id: 1000 + id,
                city: rng.zipf(CITIES as u64) as usize,
                devices: 1 + rng.below(3),
                travel_city: rng.below(CITIES as u64) as usize,
            })
            .collect();
        let span_ms = 2 * 365 * 86_400_000i64;
        Self {
            rng,
            users,
            server: ServerId::new("synthetic-plex").expect("id"),
            t: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
            step_ms: (span_ms / n.max(1) as i64).max(1),
            seq: 0,
        }
    }

    pub fn server(&self) -> &ServerId {
        &self.server
    }

    /// The next play (stopped, with its duration and pauses).
    pub fn next_event(&mut self) -> PlaybackEvent {
        let r = &mut self.rng;
        self.seq += 1;
        self.t += Duration::milliseconds(1 + r.below(2 * self.step_ms as u64) as i64);
        let u = self.users[r.zipf(self.users.len() as u64) as usize].clone();
        let ext = ExternalUserId::new(u.id.to_string()).expect("id");
        let user = Account::new(ext.clone(), format!("user{}", u.id)).to_user_info(derive_user_id(
            Platform::Plex,
            &self.server,
            &ext,
        ));
        let kind = r.below(100);
        let (media_type, titles) = if kind < 50 {
            (MediaType::Episode, 20_000)
        } else if kind < 85 {
            (MediaType::Movie, 5_000)
        } else {
            (MediaType::Track, 30_000)
        };
        let item = r.zipf(titles);
        let key = MediaKey::new(format!("{}{item}", &media_type.as_str()[..1])).expect("key");
        let mut content = ContentInfo::new(media_type, key, format!("Title {item}"));
        content.year = Some(1970 + (item % 55) as u16);
        content.library_name = Some(
            match media_type {
                MediaType::Episode => "TV Shows",
                MediaType::Movie => "Movies",
                _ => "Music",
            }
            .into(),
        );
        content.library_id = Some(format!("{}", kind % 3 + 1));
        content.content_rating = Some((*r.pick(RATINGS)).into());
        content.genres = vec![(*r.pick(GENRES)).into()];
        if media_type == MediaType::Episode {
            content.grandparent_title = Some(format!("Show {}", item / 40));
            content.season = Some((item / 10 % 4) as u32 + 1);
            content.episode = Some((item % 10) as u32 + 1);
        }
        if item.is_multiple_of(3) {
            content.external_ids.imdb = Some(format!("tt{:07}", item));
        }
        let length_s = match media_type {
            MediaType::Track => 180 + r.below(120),
            MediaType::Episode => 1_800 + r.below(1_800),
            _ => 5_400 + r.below(3_600),
        };
        let watched_s = (length_s as f64 * (0.1 + 0.9 * r.unit().sqrt())) as u64;
        let paused = if r.below(4) == 0 { r.below(900) } else { 0 };
        let mut timing = Timing::started(self.t);
        let stop = self.t + Duration::seconds((watched_s + paused) as i64);
        timing.stopped_at = Some(stop);
        timing.updated_at = stop;
        timing.play_duration_s = watched_s;
        timing.paused_s = paused;
        timing.media_duration_ms = Some(length_s * 1000);
        timing.view_offset_ms = Some(watched_s * 1000);
        timing.percent_complete = Timing::percent(timing.view_offset_ms, timing.media_duration_ms);
        timing.watched = timing.percent_complete >= 90.0;
        timing.state = PlaybackState::Stopped;
        let session = SessionKey::new(self.seq.to_string()).expect("key");
        let mut parts = EventParts::new(
            Source::Plex,
            self.server.clone(),
            session,
            timing,
            user,
            content,
        );
        let device = r.below(u.devices);
        let (platform, product) = PLATFORMS[((u.id + device) % PLATFORMS.len() as u64) as usize];
        parts.device.platform = Some(platform.into());
        parts.device.product = Some(product.into());
        parts.device.player = Some(format!("{platform} {device}"));
        parts.device.device_id = Some(DeviceId::new(format!("dev-{}-{device}", u.id)).expect("id"));
        let home = r.below(100) < 92;
        let city = if home { u.city } else { u.travel_city };
        let (net, _) = city_network(city);
        let host = (u.id % 200) as u8 + 1;
        let lan = home && r.below(100) < 30;
        parts.network.ip = Some(if lan {
            IpAddr::V4(Ipv4Addr::new(192, 168, 1, host))
        } else {
            let o = net.octets();
            IpAddr::V4(Ipv4Addr::new(o[0], o[1], o[2], host))
        });
        parts.network.location = Some(if lan {
            NetworkLocation::Lan
        } else {
            NetworkLocation::Wan
        });
        parts.network.bandwidth_kbps = Some(2_000 + r.below(40_000) as u32);
        parts.network.secure = Some(true);
        let q = &mut parts.quality;
        let decision = match r.below(10) {
            0..=5 => TranscodeDecision::DirectPlay,
            6 | 7 => TranscodeDecision::Copy,
            _ => TranscodeDecision::Transcode,
        };
        q.transcode_decision = Some(decision);
        q.video_decision = Some(match decision {
            TranscodeDecision::Transcode => StreamDecision::Transcode,
            TranscodeDecision::Copy => StreamDecision::Copy,
            TranscodeDecision::DirectPlay => StreamDecision::DirectPlay,
        });
        let res = *r.pick(RESOLUTIONS);
        q.video_resolution = Some(res.into());
        q.stream_video_resolution = Some(
            if decision == TranscodeDecision::Transcode {
                "720"
            } else {
                res
            }
            .into(),
        );
        q.video_codec = Some((*r.pick(VCODECS)).into());
        q.audio_codec = Some((*r.pick(ACODECS)).into());
        q.audio_channels = Some([2u8, 6, 8][r.below(3) as usize]);
        q.bitrate_kbps = Some(1_000 + r.below(30_000) as u32);
        q.container = Some("mkv".into());
        q.dynamic_range = Some(if res == "4k" { "HDR10" } else { "SDR" }.into());
        q.hw_decode = Some(decision == TranscodeDecision::Transcode);
        PlaybackEvent::assemble(parts)
    }

    /// The next `n` plays.
    pub fn batch(&mut self, n: usize) -> Vec<PlaybackEvent> {
        (0..n).map(|_| self.next_event()).collect()
    }
}
