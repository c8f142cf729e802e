//! Everyday viewing, as a pure function of time. Each person's time is cut into
//! 20-minute slots; whether a viewing *block* starts in a slot, and what it holds, is
//! drawn from a generator keyed by (seed, person, slot), with a rate that follows the
//! person's local time of day (evening peaks, commutes, lunch breaks, quiet nights). A
//! block runs until its plays are done or the person's next block starts, so nobody
//! watches two things at once, and any moment of the world can be computed without
//! replaying the past: the live sessions at `now` and the history before it come from
//! the same plays.
//!
//! A block is one device on one network: a film (sometimes stopped and resumed a few
//! minutes later), a binge of one to four episodes of the series of the week, a run of
//! album tracks, or a stretch of live TV. Plays pause now and then, are sometimes
//! abandoned, and are played directly, remuxed or transcoded depending on the file,
//! the device and the network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::catalogue::Kind;
use super::devices::DeviceKind;
use super::people::{Addr, NetKind, Person};
use super::rng::{hash, Rng};
use super::{World, WorldRole};
use crate::fake::session::FakeTranscode;

/// The length of a slot.
pub(crate) const SLOT_MS: i64 = 20 * 60_000;
/// The longest a block (or a script) may run.
pub(crate) const MAX_BLOCK_MS: i64 = 5 * 3_600_000;
const LOOKAHEAD_SLOTS: i64 = MAX_BLOCK_MS / SLOT_MS + 1;
/// 2000-01-01T00:00:00Z: row ids count slots from here.
const ROW_EPOCH_MS: i64 = 946_684_800_000;
/// Plays per block (music runs are cut there); script plays use the ids above.
pub(crate) const PLAYS_PER_BLOCK: u64 = 10;
/// Bad actors start no everyday block in the hour before the epoch, and end every
/// block half an hour before it: their scripts then start from a clean slate (an
/// everyday play elsewhere in their city minutes before the first VPN hop would
/// read as travel).
const QUIET_BEFORE_SCRIPTS_MS: i64 = 3_600_000;

/// The chance that a block starts in a 20-minute slot, by local hour, for an
/// average person.
const HOURLY: [f64; 24] = [
    0.025, 0.012, 0.006, 0.004, 0.004, 0.006, 0.018, 0.036, 0.036, 0.018, 0.018, 0.024, 0.048,
    0.036, 0.024, 0.024, 0.036, 0.048, 0.072, 0.12, 0.156, 0.156, 0.108, 0.06,
];

/// One play: a session on a server from its first to its last appearance.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Play {
    pub(crate) person: usize,
    pub(crate) device: usize,
    pub(crate) network: usize,
    pub(crate) ip: IpAddr,
    pub(crate) item: usize,
    /// The programme, for live TV.
    pub(crate) programme: Option<&'static str>,
    /// A unique id: the Tautulli row id, and the Plex session key's source.
    pub(crate) row: u64,
    /// The device session (Jellyfin/Emby session ids stay the same within a block).
    pub(crate) session: u64,
    /// First and last moment (exclusive) on the session list, in Unix ms.
    pub(crate) start: i64,
    pub(crate) end: i64,
    /// The position at `start`, in ms.
    pub(crate) offset_ms: u64,
    /// Pauses as `[from, to)` in Unix ms, sorted, within `[start, end)`.
    pub(crate) pauses: Vec<(i64, i64)>,
    pub(crate) transcode: Option<FakeTranscode>,
    /// The row of the first play of its resume group.
    pub(crate) group: Option<u64>,
}

impl Play {
    /// Milliseconds paused between `start` and `t`.
    pub(crate) fn paused_ms(&self, t: i64) -> i64 {
        self.pauses
            .iter()
            .map(|(a, b)| ((*b).min(t) - a).max(0))
            .sum()
    }

    /// Whether the play is paused at `t`.
    pub(crate) fn paused_at(&self, t: i64) -> bool {
        self.pauses.iter().any(|(a, b)| *a <= t && t < *b)
    }

    /// The position at `t`, in ms, never past `duration_ms`.
    pub(crate) fn position_at(&self, t: i64, duration_ms: u64) -> u64 {
        let played = (t.min(self.end) - self.start - self.paused_ms(t)).max(0) as u64;
        (self.offset_ms + played).min(duration_ms)
    }

    /// Cuts the play at `until`; false if nothing is left.
    fn truncate(&mut self, until: i64) -> bool {
        if self.start >= until {
            return false;
        }
        self.end = self.end.min(until);
        let end = self.end;
        self.pauses.retain(|(a, _)| *a < end);
        for p in &mut self.pauses {
            p.1 = p.1.min(end);
        }
        true
    }
}

/// The slot holding `t`.
pub(crate) fn slot_of(t: i64) -> i64 {
    t.div_euclid(SLOT_MS)
}

/// The first row id of `person`'s plays in `slot`.
pub(crate) fn row_base(slot: i64, person: usize) -> u64 {
    let since = (slot - slot_of(ROW_EPOCH_MS)).max(0) as u64;
    since * 2_000 + person as u64 * 20
}

/// What the clock says where the person is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Local {
    pub(crate) hour: usize,
    pub(crate) weekend: bool,
    pub(crate) day: i64,
}

impl Local {
    pub(crate) fn of(t: i64, offset_min: i32) -> Self {
        let local = t + i64::from(offset_min) * 60_000;
        let day = local.div_euclid(86_400_000);
        // 1970-01-01 was a Thursday: (day + 3) mod 7 counts from Monday.
        Self {
            hour: local.div_euclid(3_600_000).rem_euclid(24) as usize,
            weekend: (day + 3).rem_euclid(7) >= 5,
            day,
        }
    }

    fn commute(self) -> bool {
        !self.weekend && matches!(self.hour, 7 | 8 | 17 | 18)
    }

    fn work(self) -> bool {
        !self.weekend && (9..17).contains(&self.hour)
    }

    fn evening(self) -> bool {
        self.hour >= 18
    }
}

impl World {
    /// Every play (everyday and scripted) on the session list at some moment of
    /// `[from, to)`, by start time.
    pub(crate) fn plays_between(&self, from: i64, to: i64) -> Vec<Play> {
        let mut out = Vec::new();
        for person in 0..self.population.people.len() {
            self.person_plays(person, from, to, &mut out);
        }
        self.script_plays(from, to, &mut out);
        out.retain(|p| p.start < to && p.end > from);
        out.sort_by_key(|p| (p.start, p.row));
        out
    }

    fn person_plays(&self, person: usize, from: i64, to: i64, out: &mut Vec<Play>) {
        let first = slot_of(from - MAX_BLOCK_MS);
        let last = slot_of(to);
        let starts: Vec<(i64, i64)> = (first..=last + LOOKAHEAD_SLOTS)
            .filter_map(|s| self.candidate(person, s).map(|t| (s, t)))
            .collect();
        let p = &self.population.people[person];
        for (i, (slot, start)) in starts.iter().enumerate() {
            if *slot > last {
                break;
            }
            let mut until = starts
                .get(i + 1)
                .map_or(i64::MAX, |n| n.1)
                .min(start + MAX_BLOCK_MS);
            if p.role != WorldRole::Regular && self.bad_actors {
                until = until.min(self.epoch_ms - QUIET_BEFORE_SCRIPTS_MS / 2);
            }
            if start + MAX_BLOCK_MS < from {
                continue;
            }
            self.block(person, *slot, *start, until, out);
        }
    }

    /// When a block of `person` starts in `slot`, if one does.
    fn candidate(&self, person: usize, slot: i64) -> Option<i64> {
        let p = &self.population.people[person];
        let slot_start = slot * SLOT_MS;
        let offset = self.city_of(p).utc_offset_min;
        let local = Local::of(slot_start, offset);
        let mut rng = Rng::keyed(self.seed, &[0xB10C, person as u64, slot as u64]);
        let boost = if local.weekend && (9..18).contains(&local.hour) {
            1.8
        } else {
            1.0
        };
        if !rng.chance(HOURLY[local.hour] * boost * p.activity) {
            return None;
        }
        let start = slot_start + rng.below((SLOT_MS / 1000) as u64) as i64 * 1000;
        let scripted = p.role != WorldRole::Regular && self.bad_actors;
        if scripted && start >= self.epoch_ms - QUIET_BEFORE_SCRIPTS_MS {
            return None;
        }
        Some(start)
    }

    fn block(&self, person: usize, slot: i64, start: i64, until: i64, out: &mut Vec<Play>) {
        let p = &self.population.people[person];
        let mut rng = Rng::keyed(self.seed, &[0xB10D, person as u64, slot as u64]);
        let local = Local::of(start, self.city_of(p).utc_offset_min);
        let device = choose_device(p, local, &mut rng);
        let kind = choose_kind(p, p.devices[device].kind, local, &mut rng);
        let network = self.choose_network(p, device, local);
        let session = rng.next_u64();
        let ip = self.address(p, device, network, session);
        let base = row_base(slot, person);
        let cat = &self.catalogue;
        let mut plan: Vec<Plan> = Vec::new();
        match kind {
            Kind::Movie => {
                let item = cat.movies[rng.zipf(cat.movies.len())];
                let len = cat.items[item].duration_ms;
                let from = if rng.chance(0.08) {
                    len * rng.range(20, 60) as u64 / 100
                } else {
                    0
                };
                let to = if rng.chance(0.15) {
                    from.max(len * rng.range(25, 80) as u64 / 100)
                } else {
                    len
                };
                if rng.chance(0.12) && to > from + 1_200_000 {
                    // Stopped half-way and resumed a few minutes later.
                    let mid = from + (to - from) * rng.range(30, 60) as u64 / 100;
                    plan.push(Plan::new(item, from, mid, 0));
                    let gap = rng.range(120, 600) * 1000;
                    plan.push(Plan::new(item, mid, to, gap).resumed());
                } else {
                    plan.push(Plan::new(item, from, to, 0));
                }
            }
            Kind::Episode => {
                let week = local.day.div_euclid(7);
                let mut pick = Rng::keyed(self.seed, &[0x5E1E, person as u64, week as u64]);
                let show = &cat.shows[pick.zipf(cat.shows.len())];
                let n = show.episodes.len() as i64;
                let at = (hash(self.seed, &[person as u64, week as u64]) as i64 % n
                    + local.day.rem_euclid(7) * 2)
                    .rem_euclid(n);
                let count = 1 + rng.weighted(&[0.35, 0.3, 0.2, 0.15]) as i64;
                for i in 0..count {
                    let item = show.episodes[((at + i) % n) as usize];
                    let len = cat.items[item].duration_ms;
                    let to = if i == count - 1 && rng.chance(0.15) {
                        len * rng.range(20, 80) as u64 / 100
                    } else {
                        len
                    };
                    let gap = if i == 0 { 0 } else { rng.range(5, 40) * 1000 };
                    plan.push(Plan::new(item, 0, to, gap));
                }
            }
            Kind::Track => {
                let album = &cat.albums[rng.zipf(cat.albums.len())];
                let n = album.tracks.len() as i64;
                let at = rng.range(0, n);
                let count = rng.range(4, PLAYS_PER_BLOCK as i64 + 1).min(n);
                for i in 0..count {
                    let item = album.tracks[((at + i) % n) as usize];
                    let len = cat.items[item].duration_ms;
                    let gap = if i == 0 { 0 } else { rng.range(1, 3) * 1000 };
                    plan.push(Plan::new(item, 0, len, gap));
                }
            }
            Kind::Live => {
                let c = rng.weighted(&[3.0, 1.0, 1.5]).min(cat.channels.len() - 1);
                let watch = rng.range(15, 90) as u64 * 60_000;
                plan.push(Plan::new(cat.channels[c], 0, watch, 0).live(c));
            }
        }
        let mut t = start;
        let mut first_row = None;
        for (n, step) in plan.into_iter().enumerate().take(PLAYS_PER_BLOCK as usize) {
            t += step.gap_ms;
            let row = base + n as u64;
            let item = &cat.items[step.item];
            // Whole seconds, as Tautulli records times.
            let watch = (step.to.saturating_sub(step.from).max(30_000) / 1000 * 1000) as i64;
            let pause_odds = if item.kind == Kind::Track { 0.04 } else { 0.45 };
            let pauses = pauses(&mut rng, t, watch, pause_odds);
            let paused: i64 = pauses.iter().map(|(a, b)| b - a).sum();
            let mut play = Play {
                person,
                device,
                network,
                ip,
                item: step.item,
                programme: step
                    .channel
                    .map(|c| cat.programme(c, t.div_euclid(3_600_000))),
                row,
                session,
                start: t,
                end: t + watch + paused,
                offset_ms: step.from,
                pauses,
                transcode: self.delivery(p, device, network, step.item, &mut rng),
                group: if step.resumed { first_row } else { None },
            };
            first_row = first_row.or(Some(row));
            t = play.end;
            if !play.truncate(until) {
                break;
            }
            out.push(play);
        }
    }

    /// The network a device is on at the block's local time.
    fn choose_network(&self, p: &Person, device: usize, local: Local) -> usize {
        let kind = p.devices[device].kind;
        let carried = matches!(kind, DeviceKind::Mobile | DeviceKind::Music);
        if carried && p.commuter && local.commute() {
            if let Some(c) = self.population.cgnat() {
                return c;
            }
        }
        if let Some(office) = p.office {
            let lunch = !local.weekend && matches!(local.hour, 12 | 13);
            let desk = matches!(kind, DeviceKind::Web | DeviceKind::Desktop) && local.work();
            if (carried && lunch) || desk {
                return office;
            }
        }
        p.home
    }

    /// The address a device has on a network for one block.
    pub(crate) fn address(
        &self,
        p: &Person,
        device: usize,
        network: usize,
        session: u64,
    ) -> IpAddr {
        let r = hash(self.seed, &[0x1F, session]);
        match self.population.networks[network].addr {
            Addr::V4(ip) => IpAddr::V4(ip),
            // A privacy address: a new interface id for every block.
            Addr::V6(prefix) => IpAddr::V6(Ipv6Addr::from(prefix | u128::from(r | 1))),
            Addr::Lan => IpAddr::V4(
                p.devices[device]
                    .lan_ip
                    .unwrap_or(Ipv4Addr::new(192, 168, 1, 250)),
            ),
            Addr::Cgnat => IpAddr::V4(Ipv4Addr::new(
                100,
                64 + (r % 64) as u8,
                (r >> 8) as u8,
                1 + ((r >> 16) % 254) as u8,
            )),
        }
    }

    /// How the server delivers `item` to the device on the network.
    pub(crate) fn delivery(
        &self,
        p: &Person,
        device: usize,
        network: usize,
        item: usize,
        rng: &mut Rng,
    ) -> Option<FakeTranscode> {
        let e = &self.catalogue.items[item].encoding;
        let kind = p.devices[device].kind;
        let net = self.population.networks[network].kind;
        let remote = net != NetKind::Lan;
        let mobile_data = net == NetKind::Cgnat;
        let hardware = !hash(self.seed, &[0x4A, p.server as u64]).is_multiple_of(3);
        let Some(video) = &e.video else {
            // Music: FLAC over mobile data is transcoded to MP3.
            return (mobile_data && e.audio_codec == "flac").then(|| FakeTranscode {
                video_transcoded: false,
                audio_transcoded: true,
                container: "mp3".to_owned(),
                video_codec: None,
                width: 0,
                height: 0,
                audio_codec: "mp3".to_owned(),
                audio_channels: 2,
                bitrate_kbps: 320,
                hardware: false,
            });
        };
        let small_screen = matches!(kind, DeviceKind::Mobile | DeviceKind::Tablet);
        let browser = kind == DeviceKind::Web;
        let lossless_audio = matches!(e.audio_codec, "truehd" | "dca");
        let target_height = if mobile_data {
            Some(720)
        } else if remote && (video.height > 1080 || e.bitrate_kbps > 20_000) {
            Some(1080)
        } else if browser && video.codec != "h264" {
            Some(video.height.min(1080))
        } else if small_screen && video.height > 1080 {
            Some(1080)
        } else {
            None
        };
        let audio_transcoded = lossless_audio && (browser || small_screen || remote);
        match target_height {
            Some(h) => {
                let kbps = match h {
                    720 => 3_000,
                    _ => 10_000,
                };
                let (codec, ch) = if audio_transcoded || mobile_data {
                    ("aac", 2)
                } else {
                    (e.audio_codec, e.audio_channels)
                };
                Some(FakeTranscode {
                    video_transcoded: true,
                    audio_transcoded: audio_transcoded || (mobile_data && e.audio_codec != "aac"),
                    container: "mpegts".to_owned(),
                    video_codec: Some("h264".to_owned()),
                    width: h * 16 / 9,
                    height: h,
                    audio_codec: codec.to_owned(),
                    audio_channels: ch,
                    bitrate_kbps: kbps,
                    hardware,
                })
            }
            None if audio_transcoded || (browser && e.container == "mkv") || rng.chance(0.05) => {
                Some(FakeTranscode {
                    video_transcoded: false,
                    audio_transcoded,
                    container: if browser { "mp4" } else { "mpegts" }.to_owned(),
                    video_codec: Some(video.codec.to_owned()),
                    width: video.width,
                    height: video.height,
                    audio_codec: if audio_transcoded {
                        "eac3"
                    } else {
                        e.audio_codec
                    }
                    .to_owned(),
                    audio_channels: e.audio_channels.min(6),
                    bitrate_kbps: e.bitrate_kbps,
                    hardware,
                })
            }
            None => None,
        }
    }

    pub(crate) fn city_of(&self, p: &Person) -> &'static super::cities::City {
        &super::cities::CITIES[p.city]
    }
}

/// One planned play of a block, before times are laid out.
struct Plan {
    item: usize,
    from: u64,
    to: u64,
    gap_ms: i64,
    resumed: bool,
    channel: Option<usize>,
}

impl Plan {
    fn new(item: usize, from: u64, to: u64, gap_ms: i64) -> Self {
        Self {
            item,
            from,
            to,
            gap_ms,
            resumed: false,
            channel: None,
        }
    }

    fn resumed(mut self) -> Self {
        self.resumed = true;
        self
    }

    fn live(mut self, channel: usize) -> Self {
        self.channel = Some(channel);
        self
    }
}

/// Zero to two pauses within `watch` ms of playing from `start`, as wall-clock
/// intervals (whole seconds).
pub(crate) fn pauses(rng: &mut Rng, start: i64, watch: i64, odds: f64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    if !rng.chance(odds) {
        return out;
    }
    let count = 1 + usize::from(rng.chance(0.35));
    let mut at: Vec<i64> = (0..count)
        .map(|_| rng.range(30, (watch / 1000 - 30).max(31)) * 1000)
        .collect();
    at.sort_unstable();
    let mut shift = 0;
    for played in at {
        let len = if rng.chance(0.1) {
            rng.range(600, 1500)
        } else {
            rng.range(20, 360)
        } * 1000;
        let from = start + played + shift;
        out.push((from, from + len));
        shift += len;
    }
    out.dedup_by(|b, a| b.0 < a.1);
    out
}

/// Picks a device by what suits the hour.
fn choose_device(p: &Person, local: Local, rng: &mut Rng) -> usize {
    let weights: Vec<f64> = p
        .devices
        .iter()
        .map(|d| {
            if d.scripted {
                return 0.0;
            }
            match d.kind {
                DeviceKind::Tv if local.evening() => 4.0,
                DeviceKind::Tv if local.work() => 0.6,
                DeviceKind::Tv => 1.5,
                DeviceKind::Mobile if local.commute() => 4.0,
                DeviceKind::Mobile if local.hour >= 23 || local.hour < 2 => 2.0,
                DeviceKind::Mobile => 1.0,
                DeviceKind::Tablet if local.evening() => 1.5,
                DeviceKind::Tablet => 0.8,
                DeviceKind::Desktop | DeviceKind::Web if local.work() => 2.0,
                DeviceKind::Desktop | DeviceKind::Web => 0.7,
                DeviceKind::Music if local.commute() => 4.0,
                DeviceKind::Music if local.work() => 1.5,
                DeviceKind::Music => 0.5,
            }
        })
        .collect();
    rng.weighted(&weights)
}

/// Picks what to watch on a device: music apps play music; televisions films,
/// series and live TV (news at breakfast, lunch and dinner time).
fn choose_kind(p: &Person, device: DeviceKind, local: Local, rng: &mut Rng) -> Kind {
    let [movie, episode, track, live] = p.taste;
    let news = if matches!(local.hour, 7 | 12 | 18 | 19) {
        4.0
    } else {
        1.0
    };
    let weights = match device {
        DeviceKind::Music => return Kind::Track,
        DeviceKind::Tv => [
            movie * if local.evening() { 1.5 } else { 1.0 },
            episode,
            0.0,
            live * news,
        ],
        DeviceKind::Mobile | DeviceKind::Tablet => [movie * 0.3, episode * 1.5, track, live * 0.3],
        DeviceKind::Desktop | DeviceKind::Web => [movie, episode, track * 0.5, live * 0.5 * news],
    };
    [Kind::Movie, Kind::Episode, Kind::Track, Kind::Live][rng.weighted(&weights)]
}
