//! `watch_jellyfin`: live session updates of a Jellyfin server, with
//! `cartographus-sources` (features `client` and `fake`) and the core's session tracker.
//!
//! ```text
//! cargo run --release -p cartographus-sources --features client,fake --example watch_jellyfin -- \
//!     [--url URL --api-key KEY] [--once] [--seconds N] [--speed X]
//! ```
//!
//! - `--url`, `--api-key` (or `JELLYFIN_URL`, `JELLYFIN_API_KEY`): the server. Without
//!   them the example starts an in-process fake Jellyfin server and drives it from the
//!   simulated world (`fake::World`: 40 accounts around the globe, households, evening
//!   peaks, a traveller, a sharer and a network hopper) on a clock running `--speed`
//!   times faster than real time (default 60: a simulated minute per second).
//! - `--once`: print who is playing now (one snapshot) and exit.
//! - `--seconds N`: stop after N seconds of real time (default: run until interrupted).
//!
//! Prints one line per start, pause, resume and stop (progress updates are counted,
//! not printed) with the viewer, the item, the client, its address, the position and
//! how it is delivered, then a summary. Connection trouble is reported on stderr and
//! retried with backoff; with `--once`, a failed first request is an error (exit 1).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use cartographus_core::{
    Platform, PlaybackEvent, ServerId, SessionTracker, SessionUpdate, Source, StopReason,
    TrackerConfig,
};
use cartographus_sources::client::{
    watch_media_browser, ClientConfig, MediaBrowserClient, Secret, SourceEvent,
};
use cartographus_sources::fake::{drive, FakeServer, World, WorldConfig};
use cartographus_sources::RemoteSession;
use chrono::{DateTime, TimeZone, Utc};
use futures_util::StreamExt;
use tokio::time::Instant;

/// The command line, checked.
#[derive(Debug, Clone, PartialEq)]
struct Args {
    /// The server and its API key; `None` for the fake world.
    server: Option<(String, String)>,
    once: bool,
    seconds: Option<u64>,
    speed: f64,
}

/// A command line that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum UsageError {
    #[error("{0} needs a value")]
    MissingValue(&'static str),
    #[error("{flag} expects {expected}, not {value:?}")]
    BadValue {
        flag: &'static str,
        expected: &'static str,
        value: String,
    },
    #[error("unknown argument {0:?}")]
    Unknown(String),
    #[error("--url and --api-key go together")]
    HalfServer,
}

const USAGE: &str =
    "usage: watch_jellyfin [--url URL --api-key KEY] [--once] [--seconds N] [--speed X]";

fn parse_args(
    args: impl IntoIterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Args, UsageError> {
    let mut url = None;
    let mut key = None;
    let mut once = false;
    let mut seconds = None;
    let mut speed = 60.0;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |flag| args.next().ok_or(UsageError::MissingValue(flag));
        match arg.as_str() {
            "--url" => url = Some(value("--url")?),
            "--api-key" => key = Some(value("--api-key")?),
            "--once" => once = true,
            "--seconds" => {
                let v = value("--seconds")?;
                seconds = Some(v.parse().map_err(|_| UsageError::BadValue {
                    flag: "--seconds",
                    expected: "a whole number of seconds",
                    value: v,
                })?);
            }
            "--speed" => {
                let v = value("--speed")?;
                speed = match v.parse::<f64>() {
                    Ok(s) if s.is_finite() && (0.001..=100_000.0).contains(&s) => s,
                    _ => {
                        return Err(UsageError::BadValue {
                            flag: "--speed",
                            expected: "a factor between 0.001 and 100000",
                            value: v,
                        })
                    }
                };
            }
            _ => return Err(UsageError::Unknown(arg)),
        }
    }
    let url = url
        .or_else(|| env("JELLYFIN_URL"))
        .filter(|s| !s.is_empty());
    let key = key
        .or_else(|| env("JELLYFIN_API_KEY"))
        .filter(|s| !s.is_empty());
    let server = match (url, key) {
        (Some(u), Some(k)) => Some((u, k)),
        (None, None) => None,
        _ => return Err(UsageError::HalfServer),
    };
    Ok(Args {
        server,
        once,
        seconds,
        speed,
    })
}

/// The time the tracker is given: the wall clock for a real server, the simulated
/// world's clock for the fake one.
#[derive(Debug, Clone, Copy)]
enum Clock {
    Wall,
    Simulated {
        start: DateTime<Utc>,
        real_start: Instant,
        speed: f64,
    },
}

impl Clock {
    fn now(&self) -> DateTime<Utc> {
        match *self {
            Clock::Wall => Utc::now(),
            Clock::Simulated {
                start,
                real_start,
                speed,
            } => {
                let ms = real_start.elapsed().as_secs_f64() * speed * 1000.0;
                start + chrono::Duration::milliseconds(ms as i64)
            }
        }
    }
}

/// One printed line for an update; `None` for progress updates.
fn describe(update: &SessionUpdate, at: DateTime<Utc>) -> Option<String> {
    let e: &PlaybackEvent = update.event();
    let mut line = format!(
        "{}  {:<8} {:<12} {:<40} {:<28} {:<15}",
        at.format("%Y-%m-%d %H:%M:%S"),
        update.kind(),
        e.user.username,
        cut(&e.content.full_title(), 40),
        cut(
            &format!(
                "{} on {}",
                e.device.product.as_deref().unwrap_or("?"),
                e.device.platform.as_deref().unwrap_or("?")
            ),
            28
        ),
        e.network.ip.map(|ip| ip.to_string()).unwrap_or_default(),
    );
    match update {
        SessionUpdate::Progress(_) => return None,
        SessionUpdate::Stopped(stop) => line.push_str(&format!(
            " played {} s, paused {} s, {:.0} %, {}{}",
            e.timing.play_duration_s,
            e.timing.paused_s,
            e.timing.percent_complete,
            match stop.reason {
                StopReason::Ended => "gone from the session list",
                StopReason::Reported => "stop reported",
                StopReason::Stale => "no update for too long",
                StopReason::ItemChanged => "moved on to the next item",
            },
            if stop.below_minimum {
                " (too short to count)"
            } else {
                ""
            }
        )),
        _ => line.push_str(&format!(
            " at {:.0} %, {}",
            e.timing.percent_complete,
            e.quality
                .transcode_decision
                .map(|d| d.as_str())
                .unwrap_or("unknown delivery")
        )),
    }
    Some(line)
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// How many updates of each kind were seen.
#[derive(Debug, Default)]
struct Tally {
    started: usize,
    paused: usize,
    resumed: usize,
    progress: usize,
    stopped: usize,
}

impl Tally {
    fn count(&mut self, update: &SessionUpdate) {
        match update {
            SessionUpdate::Started(_) => self.started += 1,
            SessionUpdate::Paused(_) => self.paused += 1,
            SessionUpdate::Resumed(_) => self.resumed += 1,
            SessionUpdate::Progress(_) => self.progress += 1,
            SessionUpdate::Stopped(_) => self.stopped += 1,
        }
    }
}

/// A fake Jellyfin server driven by a one-server world; dropping it stops the driver.
struct FakeWorld {
    servers: Arc<[FakeServer; 1]>,
    driver: tokio::task::JoinHandle<()>,
}

impl Drop for FakeWorld {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

const FAKE_KEY: &str = "fake-api-key";

async fn start_fake(clock: Clock) -> Result<FakeWorld, Box<dyn std::error::Error>> {
    let mut config = WorldConfig::new(7, clock.now());
    config.servers = vec![(Platform::Jellyfin, "Jellyfin (fake)".to_owned())];
    let world = World::new(config)?;
    let spec = world.servers()[0].clone();
    let server =
        FakeServer::start_as(spec.platform, FAKE_KEY, spec.server_id.as_str(), &spec.name).await?;
    // The first snapshot already shows the world at the start.
    for (i, sessions) in world.step(clock.now()) {
        if i == 0 {
            server.set_sessions(sessions);
        }
    }
    let servers = Arc::new([server]);
    let driven = Arc::clone(&servers);
    let driver = tokio::spawn(async move {
        drive(&world, &driven[..], Duration::from_millis(250), || {
            clock.now()
        })
        .await;
    });
    Ok(FakeWorld { servers, driver })
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let clock = match args.server {
        Some(_) => Clock::Wall,
        // An evening in Europe: many households are watching.
        None => Clock::Simulated {
            start: Utc.with_ymd_and_hms(2026, 1, 16, 19, 30, 0).unwrap(),
            real_start: Instant::now(),
            speed: args.speed,
        },
    };
    let fake = match args.server {
        Some(_) => None,
        None => Some(start_fake(clock).await?),
    };
    let (url, key) = match (&args.server, &fake) {
        (Some((u, k)), _) => (u.clone(), k.clone()),
        (None, Some(f)) => (f.servers[0].base_url(), FAKE_KEY.to_owned()),
        (None, None) => unreachable!("a fake is started when no server is given"),
    };
    let mut config = ClientConfig::new(url.clone(), Secret::new(key));
    config.client_id = "cartographus-watch-jellyfin".to_owned();
    config.timeout = Duration::from_secs(10);
    if fake.is_some() {
        // The fake pushes every change over the socket; poll quickly if it drops.
        config.poll_interval = Duration::from_millis(500);
    }
    let client = MediaBrowserClient::jellyfin(config)?;
    let identity = client.identity().await?;
    println!(
        "watching {} ({}, server id {}){}",
        identity.name.as_deref().unwrap_or("a Jellyfin server"),
        url,
        identity.server_id,
        match clock {
            Clock::Wall => String::new(),
            Clock::Simulated { speed, .. } => format!(", simulated world at {speed}x"),
        }
    );
    let server: ServerId = identity.server_id.clone();
    let mut tracker = SessionTracker::new(Source::Jellyfin, server, TrackerConfig::default());
    let mut watch = watch_media_browser(client);
    let deadline = args
        .seconds
        .map(|s| Instant::now() + Duration::from_secs(s));
    let mut tally = Tally::default();
    loop {
        let next = match deadline {
            Some(d) => match tokio::time::timeout_at(d, watch.next()).await {
                Ok(next) => next,
                Err(_) => break,
            },
            None => watch.next().await,
        };
        let Some(event) = next else { break };
        let now = clock.now();
        let mut snapshot_len = None;
        match event {
            SourceEvent::Snapshot(sessions) => {
                snapshot_len = Some(sessions.len());
                for e in tracker.handle_snapshot(&RemoteSession::snapshots(&sessions), now) {
                    eprintln!("skipped a session: {e}");
                }
            }
            SourceEvent::Notification(n) => {
                if let Err(e) = tracker.handle_notification(&n, now) {
                    eprintln!("skipped a notification: {e}");
                }
            }
            SourceEvent::Connected { websocket } => eprintln!(
                "connected ({})",
                if websocket {
                    "WebSocket pushes"
                } else {
                    "polling"
                }
            ),
            SourceEvent::Disconnected { error, retry_in } => {
                if args.once {
                    return Err(error.into());
                }
                eprintln!("disconnected: {error}; retrying in {retry_in:?}");
            }
            SourceEvent::Skipped(e) => eprintln!("skipped a frame: {e}"),
            _ => {}
        }
        tracker.handle_timeout(now);
        while let Some(update) = tracker.poll_update() {
            tally.count(&update);
            if let Some(line) = describe(&update, now) {
                println!("{line}");
            }
        }
        if let (true, Some(n)) = (args.once, snapshot_len) {
            println!("{n} sessions playing now");
            return Ok(());
        }
    }
    println!(
        "{} started, {} paused, {} resumed, {} stopped, {} progress updates; {} sessions playing now",
        tally.started,
        tally.paused,
        tally.resumed,
        tally.stopped,
        tally.progress,
        tracker.len()
    );
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1), |k| std::env::var(k).ok()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut message = format!("watch_jellyfin: {e}");
            let mut source = e.source();
            while let Some(cause) = source {
                // Most errors here already name their cause; add only what is new.
                let text = cause.to_string();
                if !message.contains(&text) {
                    message.push_str(&format!(": {text}"));
                }
                source = cause.source();
            }
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Args, UsageError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse_args(args.iter().map(|s| s.to_string()), |k| {
            env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn arguments_and_environment() {
        let a = parse(&[], &[]).unwrap();
        assert_eq!(a.server, None);
        assert_eq!(a.speed, 60.0);
        let a = parse(
            &["--once", "--seconds", "5"],
            &[
                ("JELLYFIN_URL", "http://jf:8096"),
                ("JELLYFIN_API_KEY", "k"),
            ],
        )
        .unwrap();
        assert_eq!(
            a.server,
            Some(("http://jf:8096".to_owned(), "k".to_owned()))
        );
        assert!(a.once);
        assert_eq!(a.seconds, Some(5));
        assert_eq!(
            parse(&["--url", "http://x"], &[]),
            Err(UsageError::HalfServer)
        );
        assert_eq!(
            parse(&["--seconds"], &[]),
            Err(UsageError::MissingValue("--seconds"))
        );
        assert!(matches!(
            parse(&["--speed", "NaN"], &[]),
            Err(UsageError::BadValue { .. })
        ));
        assert!(matches!(
            parse(&["--seconds", "-1"], &[]),
            Err(UsageError::BadValue { .. })
        ));
        assert_eq!(
            parse(&["--verbose"], &[]),
            Err(UsageError::Unknown("--verbose".to_owned()))
        );
    }

    #[test]
    fn lines_are_cut_by_characters() {
        assert_eq!(cut("Amélie", 10), "Amélie");
        assert_eq!(
            cut("Le Fabuleux Destin d'Amélie Poulain", 12),
            "Le Fabuleux…"
        );
    }
}
