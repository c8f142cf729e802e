//! Integration tests of the NATS JetStream side against a real `nats-server -js`, started
//! by each test on a free loopback port with its own store directory and killed at the
//! end. `nats-server` must be installed (`scripts/install-deps.sh`); without it these
//! tests fail, they do not pass silently.
#![cfg(feature = "nats")]

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cartographus_core::{EventId, PlaybackEvent};
use cartographus_server::nats::{Consumer, Delivery, Nats, NatsConfig, Payload, Rejection};

mod support;

use support::event;

/// Upper bound for any single wait in these tests.
const WAIT: Duration = Duration::from_secs(30);

/// A `nats-server -js` child process, killed on drop.
struct NatsServer {
    child: Option<Child>,
    port: u16,
    store: PathBuf,
}

fn nats_server_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("NATS_SERVER_BIN") {
        return PathBuf::from(p);
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/usr/local/bin", "/usr/bin"].map(PathBuf::from));
    dirs.into_iter()
        .map(|d| d.join("nats-server"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "nats-server is not installed (looked in PATH, /usr/sbin, /usr/local/bin and \
                 NATS_SERVER_BIN): run scripts/install-deps.sh to install it"
            )
        })
}

fn free_port() -> u16 {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a loopback port");
    l.local_addr().expect("local address").port()
}

impl NatsServer {
    fn start(store: &Path) -> Self {
        Self::start_on(store, free_port())
    }

    fn start_on(store: &Path, port: u16) -> Self {
        let log = store.join(format!("nats-{port}.log"));
        let child = Command::new(nats_server_binary())
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(store.join("js"))
            .arg("-l")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start nats-server ({e}); run scripts/install-deps.sh")
            });
        let mut server = Self {
            child: Some(child),
            port,
            store: store.to_path_buf(),
        };
        let deadline = Instant::now() + WAIT;
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            if let Some(status) = server
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!(
                    "nats-server exited with {status}: {}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "nats-server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    fn config(&self) -> NatsConfig {
        let url = format!("nats://127.0.0.1:{}", self.port);
        let mut config = NatsConfig::from_env(&|k| (k == "NATS_URL").then(|| url.clone()))
            .expect("valid test configuration");
        config.connect_timeout = Duration::from_secs(2);
        config
    }

    /// Kills the process (SIGKILL) and waits for it.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port with the same store.
    fn restart(&mut self) {
        self.kill();
        let again = Self::start_on(&self.store, self.port);
        *self = again;
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Connects and sets the stream up, retrying while JetStream is still starting.
async fn ready(server: &NatsServer) -> Nats {
    ready_with(&server.config()).await
}

async fn ready_with(config: &NatsConfig) -> Nats {
    let deadline = Instant::now() + WAIT;
    loop {
        let attempt = async {
            let nats = Nats::connect(config).await?;
            nats.ensure_stream_and_consumer().await?;
            Ok::<_, cartographus_server::nats::NatsError>(nats)
        };
        match attempt.await {
            Ok(n) => return n,
            Err(e) if Instant::now() < deadline => {
                eprintln!("waiting for JetStream: {e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("JetStream did not become ready: {e}"),
        }
    }
}

/// The next delivery, skipping transient errors, within [`WAIT`].
async fn next(consumer: &mut Consumer) -> Delivery {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, consumer.next()).await {
            Err(_) => panic!("no delivery within {WAIT:?}"),
            Ok(None) => panic!("the consumer ended"),
            Ok(Some(Ok(d))) => return d,
            Ok(Some(Err(e))) => {
                eprintln!("consumer error (retrying): {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Receives and acknowledges until every id in `want` was seen; fails on anything else
/// and on an id delivered twice.
async fn drain(
    consumer: &mut Consumer,
    want: &BTreeSet<EventId>,
) -> BTreeMap<EventId, PlaybackEvent> {
    let mut got = BTreeMap::new();
    while got.len() < want.len() {
        let d = next(consumer).await;
        let e = d.event().cloned().expect("a valid event");
        assert!(
            want.contains(&e.event_id()),
            "unexpected event {}",
            e.event_id()
        );
        assert_eq!(
            d.subject,
            format!("playback.{}.{}", e.identity.source, e.content.media_type)
        );
        d.into_parts().1.ack_confirmed().await.expect("ack");
        assert!(got.insert(e.event_id(), e).is_none(), "delivered twice");
    }
    got
}

/// Health once the consumer has caught up (acks are processed asynchronously).
async fn settled(nats: &Nats) -> cartographus_server::nats::NatsHealth {
    let deadline = Instant::now() + WAIT;
    loop {
        let h = nats.health().await.expect("health");
        if (h.num_pending == 0 && h.num_ack_pending == 0) || Instant::now() > deadline {
            return h;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_consume_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let server = NatsServer::start(dir.path());
    let nats = ready(&server).await;
    nats.ensure_stream_and_consumer()
        .await
        .expect("idempotent setup");
    let events: Vec<_> = (0..30).map(event).collect();
    let publisher = nats.publisher();
    for e in &events[..10] {
        let p = publisher.publish(e).await.expect("publish");
        assert!(!p.duplicate);
    }
    for r in publisher.publish_all(&events[10..]).await {
        assert!(!r.expect("publish").duplicate);
    }
    let h = nats.health().await.unwrap();
    assert_eq!((h.stream_messages, h.num_pending), (30, 30));
    assert_eq!(
        (h.stream.as_str(), h.consumer.as_str()),
        ("MEDIA_EVENTS", "media-processor")
    );
    assert!(h.connected && h.stream_bytes > 0);
    let mut consumer = nats.consumer().await.expect("consumer");
    let want: BTreeSet<_> = events.iter().map(PlaybackEvent::event_id).collect();
    let got = drain(&mut consumer, &want).await;
    for e in &events {
        assert_eq!(
            &got[&e.event_id()],
            e,
            "the event survives the trip unchanged"
        );
    }
    let h = settled(&nats).await;
    assert_eq!((h.num_pending, h.num_ack_pending, h.ack_floor), (0, 0, 30));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_publish_is_suppressed_by_message_id() {
    let dir = tempfile::tempdir().unwrap();
    let server = NatsServer::start(dir.path());
    let nats = ready(&server).await;
    let publisher = nats.publisher();
    let first = publisher.publish(&event(1)).await.unwrap();
    let again = publisher.publish(&event(1)).await.unwrap();
    assert!(!first.duplicate);
    assert!(again.duplicate);
    assert_eq!(again.stream_sequence, first.stream_sequence);
    let second = publisher.publish(&event(2)).await.unwrap();
    assert!(!second.duplicate);
    assert_eq!(nats.health().await.unwrap().stream_messages, 2);
    let mut consumer = nats.consumer().await.unwrap();
    let want: BTreeSet<_> = [event(1).event_id(), event(2).event_id()].into();
    drain(&mut consumer, &want).await;
    let h = settled(&nats).await;
    assert_eq!((h.num_pending, h.num_ack_pending), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_mid_run_and_restarted_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = NatsServer::start(dir.path());
    // Redeliveries of acknowledgements lost in the crash come after the ack wait.
    let mut config = server.config();
    config.stream.ack_wait = Duration::from_secs(5);
    // Publishes during the outage give up after this.
    config.request_timeout = Duration::from_secs(2);
    let nats = ready_with(&config).await;
    let publisher = nats.publisher();
    let events: Vec<_> = (0..120).map(event).collect();
    let mut consumer = nats.consumer().await.unwrap();
    for r in publisher.publish_all(&events[..60]).await {
        r.expect("publish before the outage");
    }
    // Half of what was published is consumed before the outage.
    let before: BTreeSet<_> = events[..30].iter().map(PlaybackEvent::event_id).collect();
    let mut seen = BTreeSet::new();
    while seen.len() < 30 {
        let d = next(&mut consumer).await;
        let id = d.event().unwrap().event_id();
        d.into_parts().1.ack_confirmed().await.unwrap();
        seen.insert(id);
    }
    assert!(
        seen.iter().all(|id| before.contains(id)),
        "delivered in order"
    );

    server.kill();
    // Publishing during the outage fails with a transient error; the caller (the WAL)
    // keeps those events and publishes them again later.
    let mut unsent = Vec::new();
    for (e, r) in events[60..80]
        .iter()
        .zip(publisher.publish_all(&events[60..80]).await)
    {
        if let Err(err) = r {
            assert!(err.is_transient(), "{err}");
            unsent.push(e.clone());
        }
    }
    assert!(
        !unsent.is_empty(),
        "no publish can succeed while the server is down"
    );
    server.restart();

    // The client reconnects by itself; retry what failed (copies that did get through
    // are dropped by the message id), then publish the rest.
    let deadline = Instant::now() + WAIT;
    while !unsent.is_empty() {
        assert!(Instant::now() < deadline, "publishing never recovered");
        let results = publisher.publish_all(&unsent).await;
        unsent = unsent
            .into_iter()
            .zip(results)
            .filter_map(|(e, r)| r.is_err().then_some(e))
            .collect();
        if !unsent.is_empty() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    for r in publisher.publish_all(&events[80..]).await {
        r.expect("publish after the restart");
    }
    // On the consumer opened before the outage, everything not yet acknowledged arrives.
    // What the server had delivered before it was killed may come again: it loses the
    // consumer state it had not yet written (acknowledgements, delivery counts), and the
    // client may still hold copies it pulled before the outage. JetStream delivers at
    // least once; the store ignores plays it already holds. Events first published after
    // the outage began arrive exactly once.
    let published_before: BTreeSet<_> = events[..60].iter().map(PlaybackEvent::event_id).collect();
    let rest: BTreeSet<_> = events[30..].iter().map(PlaybackEvent::event_id).collect();
    let mut after = BTreeSet::new();
    let deadline = Instant::now() + WAIT * 2;
    loop {
        assert!(Instant::now() < deadline, "the consumer never caught up");
        match tokio::time::timeout(Duration::from_secs(1), consumer.next()).await {
            Ok(Some(Ok(d))) => {
                let id = d.event().unwrap().event_id();
                assert!(
                    published_before.contains(&id) || rest.contains(&id),
                    "unexpected event {id}"
                );
                let first = after.insert(id);
                assert!(
                    first || published_before.contains(&id),
                    "{id}, published after the outage began, was delivered twice"
                );
                d.into_parts().1.ack_confirmed().await.unwrap();
            }
            Ok(Some(Err(e))) => eprintln!("consumer error (retrying): {e}"),
            Ok(None) => panic!("the consumer ended"),
            Err(_) => {
                let h = nats.health().await.unwrap();
                let all = rest.iter().all(|id| after.contains(id));
                if all && h.num_pending == 0 && h.num_ack_pending == 0 {
                    assert_eq!(h.stream_messages, 120, "every event is in the stream once");
                    break;
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_publishers_one_consumer() {
    let dir = tempfile::tempdir().unwrap();
    let server = NatsServer::start(dir.path());
    let a = ready(&server).await;
    let b = ready(&server).await;
    let events: Vec<_> = (0..200).map(event).collect();
    // A publishes 0..120, B publishes 80..200: 40 events are published by both.
    let (pa, pb) = (a.publisher(), b.publisher());
    let (ra, rb) = tokio::join!(
        pa.publish_all(&events[..120]),
        pb.publish_all(&events[80..])
    );
    let duplicates = ra
        .into_iter()
        .chain(rb)
        .map(|r| r.expect("publish"))
        .filter(|p| p.duplicate)
        .count();
    assert_eq!(duplicates, 40, "each shared event is stored once");
    let c = ready(&server).await;
    let mut consumer = c.consumer().await.unwrap();
    let want: BTreeSet<_> = events.iter().map(PlaybackEvent::event_id).collect();
    drain(&mut consumer, &want).await;
    let h = settled(&c).await;
    assert_eq!(
        (h.stream_messages, h.num_pending, h.num_ack_pending),
        (200, 0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_and_malformed_messages_become_dead_letters() {
    let dir = tempfile::tempdir().unwrap();
    let server = NatsServer::start(dir.path());
    let nats = ready(&server).await;
    nats.publisher().publish(&event(7)).await.unwrap();
    // A body no build of Cartographus wrote.
    let raw = async_nats::connect(format!("127.0.0.1:{}", server.port))
        .await
        .unwrap();
    let js = async_nats::jetstream::new(raw);
    js.publish("playback.plex.movie", "{\"v\":9}".into())
        .await
        .unwrap()
        .await
        .unwrap();
    let mut consumer = nats.consumer().await.unwrap();
    let mut letters = Vec::new();
    let mut retries = 0;
    while letters.len() < 2 {
        let d = next(&mut consumer).await;
        if let Payload::Malformed(e) = &d.payload {
            assert!(e.to_string().contains("version 9"), "{e}");
        }
        match d.reject(&"store rejected it").await.unwrap() {
            Rejection::Retrying { delivered } => {
                retries += 1;
                assert!(delivered < 5);
            }
            Rejection::DeadLetter(l) => letters.push(l),
        }
    }
    assert_eq!(retries, 4, "the event is tried max-deliver times");
    letters.sort_by_key(|l| l.stream_sequence);
    let (ev, bad) = (&letters[0], &letters[1]);
    assert_eq!((ev.attempts, ev.event_id), (5, Some(event(7).event_id())));
    assert_eq!(ev.error, "store rejected it");
    let back: PlaybackEvent = serde_json::from_str(&ev.payload_json).unwrap();
    assert_eq!(back, event(7));
    assert_eq!((bad.attempts, bad.event_id, bad.source), (1, None, None));
    assert_eq!(bad.subject, "playback.plex.movie");
    assert!(bad.error.contains("not supported"), "{}", bad.error);
    let body: String = serde_json::from_str(&bad.payload_json).unwrap();
    assert_eq!(body, "{\"v\":9}");
    let h = settled(&nats).await;
    assert_eq!((h.num_pending, h.num_ack_pending), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_server_is_a_clear_transient_error() {
    let port = free_port();
    let url = format!("nats://user:pw@127.0.0.1:{port}");
    let mut config = NatsConfig::from_env(&|k| (k == "NATS_URL").then(|| url.clone())).unwrap();
    config.connect_timeout = Duration::from_millis(500);
    let err = Nats::connect(&config).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(!text.contains("pw"), "credentials are not shown: {text}");
    assert!(err.is_transient());
}

/// Polls `f` every 250 ms for up to `WAIT`.
async fn within<F: FnMut() -> Fut, Fut: std::future::Future<Output = bool>>(mut f: F) -> bool {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if f().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    false
}

async fn stored_plays(base: &str) -> usize {
    let (_, page) = support::get(base, "/api/v1/playbacks?limit=1000").await;
    page["items"].as_array().map_or(0, Vec::len)
}

/// The whole server through JetStream: plays the pipeline accepts are journaled,
/// published and consumed into the store, `/api/v1/health/nats` reports the stream;
/// with NATS killed, new plays wait in the WAL and reach the store once it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_ingests_through_jetstream_and_rides_out_an_outage() {
    use cartographus_server::app;
    use cartographus_server::http::router;
    use cartographus_server::pipeline::Input;

    let dir = tempfile::tempdir().unwrap();
    let mut server = NatsServer::start(dir.path());
    ready(&server).await;
    let config = support::local_config(
        dir.path(),
        &[
            ("NATS_ENABLED", "true".into()),
            ("NATS_URL", format!("nats://127.0.0.1:{}", server.port)),
        ],
    );
    let running = app::start(config, Vec::new()).await.unwrap();
    let base = support::serve(router(running.state.clone())).await;

    running
        .pipeline
        .send(Input::Imported((0..30).map(event).collect()), "test")
        .await;
    assert!(
        within(|| async { stored_plays(&base).await == 30 }).await,
        "the plays never came back from JetStream into the store"
    );
    assert!(
        within(|| async {
            let (status, h) = support::get(&base, "/api/v1/health/nats").await;
            status == 200
                && h["connected"] == true
                && h["stream_messages"].as_u64() >= Some(30)
                && h["num_pending"] == 0
                && h["num_ack_pending"] == 0
        })
        .await,
        "the consumer never caught up: {:?}",
        support::get(&base, "/api/v1/health/nats").await
    );
    let (_, wal) = support::get(&base, "/api/v1/wal/status").await;
    assert_eq!(wal["pending"], 0, "{wal}");

    // NATS goes away: new plays wait in the WAL, health says so.
    server.kill();
    running
        .pipeline
        .send(Input::Imported((30..40).map(event).collect()), "test")
        .await;
    assert!(
        within(|| async {
            let (_, w) = support::get(&base, "/api/v1/wal/status").await;
            w["pending"] == 10
        })
        .await,
        "the plays were not kept in the WAL during the outage"
    );
    let (status, _) = support::get(&base, "/api/v1/health/nats").await;
    assert_eq!(status, 503);
    assert_eq!(stored_plays(&base).await, 30);

    // NATS returns: the WAL drains, the store gets every play once.
    server.restart();
    assert!(
        within(|| async { stored_plays(&base).await == 40 }).await,
        "the WAL did not drain into JetStream and the store after the outage"
    );
    assert!(
        within(|| async {
            let (_, w) = support::get(&base, "/api/v1/wal/status").await;
            w["pending"] == 0
        })
        .await
    );
    assert_eq!(stored_plays(&base).await, 40);
    let _ = running.shutdown.send(true);
}
