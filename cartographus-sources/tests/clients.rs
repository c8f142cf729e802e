//! The real clients against the in-process fakes: a Jellyfin play goes start → pause →
//! resume → stop through the tracker over the WebSocket; a dropped socket neither
//! loses nor double-counts the play; a 429 storm is waited out, not hammered; a
//! malformed frame is skipped; a wrong token is refused; a Plex stream is terminated
//! and a Plex watch delivers snapshots and notifications.

use std::time::Duration;

use cartographus_core::{
    Platform, PlaybackState, ServerId, SessionTracker, SessionUpdate, Source, TrackerConfig,
};
use cartographus_sources::client::{
    watch_media_browser, watch_plex, ClientConfig, ClientError, MediaBrowserClient, PlexClient,
    Secret, SourceEvent, Watch,
};
use cartographus_sources::fake::{FakeServer, FakeSession, FakeTranscode};
use cartographus_sources::RemoteSession;
use chrono::{TimeZone, Utc};
use futures_util::StreamExt;

const TOKEN: &str = "fake-token";

fn config(fake: &FakeServer) -> ClientConfig {
    let mut c = ClientConfig::new(fake.base_url(), Secret::new(TOKEN));
    c.timeout = Duration::from_secs(2);
    c.poll_interval = Duration::from_millis(200);
    c
}

/// The next snapshot, skipping other events; panics after 10 s.
async fn next_snapshot(watch: &mut Watch) -> Vec<RemoteSession> {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match watch.next().await {
                Some(SourceEvent::Snapshot(s)) => return s,
                Some(_) => {}
                None => panic!("watch ended"),
            }
        }
    })
    .await
    .expect("no snapshot within 10 s")
}

/// Waits (10 s at most) until the watch reports its WebSocket up.
async fn socket_up(watch: &mut Watch) {
    tokio::time::timeout(Duration::from_secs(10), async {
        while !matches!(
            watch.next().await,
            Some(SourceEvent::Connected { websocket: true })
        ) {}
    })
    .await
    .expect("the socket never came up");
}

/// The next snapshot for which `pred` holds.
async fn snapshot_where(
    watch: &mut Watch,
    pred: impl Fn(&[RemoteSession]) -> bool,
) -> Vec<RemoteSession> {
    for _ in 0..50 {
        let s = next_snapshot(watch).await;
        if pred(&s) {
            return s;
        }
    }
    panic!("the expected snapshot never came");
}

fn updates(tracker: &mut SessionTracker) -> Vec<&'static str> {
    std::iter::from_fn(|| tracker.poll_update())
        .map(|u| u.kind())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jellyfin_play_pause_resume_stop_over_the_socket() {
    let fake = FakeServer::start(Platform::Jellyfin, TOKEN).await.unwrap();
    let client = MediaBrowserClient::jellyfin(config(&fake)).unwrap();
    assert_eq!(
        client.identity().await.unwrap().server_id.as_str(),
        fake.server_id()
    );
    let mut watch = watch_media_browser(client);
    assert!(next_snapshot(&mut watch).await.is_empty());

    let server = ServerId::new(fake.server_id()).unwrap();
    let mut cfg = TrackerConfig::default();
    cfg.min_play_s = 0;
    let mut tracker = SessionTracker::new(Source::Jellyfin, server, cfg);
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 20, 0, 0).unwrap();
    let mut session = FakeSession::new("s1", "u1", "alice", "m1", "Heat");

    let step = |tracker: &mut SessionTracker, snap: &[RemoteSession], secs: i64| {
        let errors = tracker.handle_snapshot(
            &RemoteSession::snapshots(snap),
            t0 + chrono::Duration::seconds(secs),
        );
        assert!(errors.is_empty(), "{errors:?}");
        updates(tracker)
    };

    fake.set_sessions(vec![session.clone()]);
    let s = snapshot_where(&mut watch, |s| !s.is_empty()).await;
    assert_eq!(step(&mut tracker, &s, 0), vec!["started"]);

    session.paused = true;
    session.position_ms = 60_000;
    fake.set_sessions(vec![session.clone()]);
    let s = snapshot_where(&mut watch, |s| {
        s.first()
            .is_some_and(|x| x.snapshot.state == PlaybackState::Paused)
    })
    .await;
    assert_eq!(step(&mut tracker, &s, 60), vec!["paused"]);

    // The socket drops mid-play: after the reconnect the play continues, not restarts.
    fake.drop_sockets();
    session.paused = false;
    fake.set_sessions(vec![session.clone()]);
    let s = snapshot_where(&mut watch, |s| {
        s.first()
            .is_some_and(|x| x.snapshot.state == PlaybackState::Playing)
    })
    .await;
    assert_eq!(step(&mut tracker, &s, 90), vec!["resumed"]);
    assert_eq!(tracker.len(), 1);

    fake.set_sessions(Vec::new());
    let s = snapshot_where(&mut watch, |s| s.is_empty()).await;
    assert!(step(&mut tracker, &s, 150).is_empty());
    tracker.handle_timeout(t0 + chrono::Duration::seconds(200));
    let stopped: Vec<SessionUpdate> = std::iter::from_fn(|| tracker.poll_update()).collect();
    let [SessionUpdate::Stopped(stop)] = stopped.as_slice() else {
        panic!("expected one stop, got {stopped:?}");
    };
    // Last seen playing at 90 s: 60 s played, 30 s paused.
    assert_eq!(stop.event.timing.paused_s, 30);
    assert_eq!(stop.event.timing.play_duration_s, 60);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_frame_is_skipped() {
    let fake = FakeServer::start(Platform::Emby, TOKEN).await.unwrap();
    let mut watch = watch_media_browser(MediaBrowserClient::emby(config(&fake)).unwrap());
    next_snapshot(&mut watch).await;
    // Wait for the socket, then break a frame.
    socket_up(&mut watch).await;
    fake.send_malformed_frame();
    let skipped = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(SourceEvent::Skipped(e)) = watch.next().await {
                return e;
            }
        }
    })
    .await
    .unwrap();
    assert!(skipped.path().is_some());
    fake.set_sessions(vec![FakeSession::new("e1", "u1", "bob", "m9", "Ran")]);
    let s = snapshot_where(&mut watch, |s| !s.is_empty()).await;
    assert_eq!(s[0].snapshot.session_key.as_str(), "e1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_is_waited_out() {
    let fake = FakeServer::start(Platform::Jellyfin, TOKEN).await.unwrap();
    fake.fail_next(429, 3, Some(1));
    let mut watch = watch_media_browser(MediaBrowserClient::jellyfin(config(&fake)).unwrap());
    let first = tokio::time::timeout(Duration::from_secs(10), watch.next())
        .await
        .unwrap();
    match first {
        Some(SourceEvent::Disconnected {
            error:
                ClientError::RetryLater {
                    status: 429,
                    retry_after,
                },
            retry_in,
        }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(1)));
            assert!(retry_in >= Duration::from_secs(1));
        }
        other => panic!("expected a 429, got {other:?}"),
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        fake.requests() <= 2,
        "{} requests in 1.5 s",
        fake.requests()
    );
    next_snapshot(&mut watch).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_is_refused() {
    let fake = FakeServer::start(Platform::Emby, TOKEN).await.unwrap();
    let mut cfg = config(&fake);
    cfg.token = Secret::new("wrong");
    let client = MediaBrowserClient::emby(cfg).unwrap();
    let err = client.sessions().await.unwrap_err();
    assert!(
        matches!(err, ClientError::Unauthorized { status: 401 }),
        "{err:?}"
    );
    assert!(!err.is_transient());
    assert!(
        !format!("{client:?}").contains("wrong"),
        "the token never appears in Debug"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plex_watch_terminate_and_jellyfin_message() {
    let fake = FakeServer::start(Platform::Plex, TOKEN).await.unwrap();
    let client = PlexClient::new(config(&fake)).unwrap();
    assert_eq!(
        client.identity().await.unwrap().server_id.as_str(),
        fake.server_id()
    );
    let mut s = FakeSession::new("7", "1", "elan", "48213", "Heat");
    s.transcode = Some(FakeTranscode::default());
    fake.set_sessions(vec![s]);
    let sessions = client.sessions().await.unwrap();
    assert_eq!(
        sessions[0]
            .snapshot
            .quality
            .stream_video_resolution
            .as_deref(),
        Some("720")
    );
    let remote = sessions[0].remote_id.clone().unwrap();
    assert_eq!(remote.as_str(), "plexsession-7");

    let mut watch = watch_plex(PlexClient::new(config(&fake)).unwrap());
    assert_eq!(next_snapshot(&mut watch).await.len(), 1);
    socket_up(&mut watch).await;
    let mut paused = fake.sessions();
    paused[0].paused = true;
    fake.set_sessions(paused);
    let n = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(SourceEvent::Notification(n)) = watch.next().await {
                return n;
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(n.state, PlaybackState::Paused);
    assert_eq!(n.session_key.as_str(), "7");

    client
        .terminate(&remote, "Sharing is not allowed")
        .await
        .unwrap();
    assert_eq!(fake.terminated(), vec!["plexsession-7".to_owned()]);

    let jf = FakeServer::start(Platform::Jellyfin, TOKEN).await.unwrap();
    jf.set_sessions(vec![FakeSession::new("j1", "u1", "alice", "m1", "Heat")]);
    let client = MediaBrowserClient::jellyfin(config(&jf)).unwrap();
    let users = client.users().await.unwrap();
    assert_eq!(users[0].account.username, "alice");
    let id = client.sessions().await.unwrap()[0]
        .remote_id
        .clone()
        .unwrap();
    client.terminate(&id, "Stream limit reached").await.unwrap();
    assert_eq!(
        jf.messages(),
        vec![("j1".to_owned(), "Stream limit reached".to_owned())]
    );
    assert_eq!(jf.terminated(), vec!["j1".to_owned()]);
    assert!(jf.sessions().is_empty());
}

/// A play that starts between the first poll and the subscription is announced by no
/// push: the watch polls again as soon as the socket is up, not a reconcile later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watch_polls_again_once_subscribed() {
    let fake = FakeServer::start(Platform::Plex, TOKEN).await.unwrap();
    let mut c = config(&fake);
    c.reconcile_interval = Duration::from_secs(3_600);
    let mut watch = watch_plex(PlexClient::new(c).unwrap());
    assert!(next_snapshot(&mut watch).await.is_empty());
    socket_up(&mut watch).await;
    let again = tokio::time::timeout(Duration::from_secs(5), next_snapshot(&mut watch)).await;
    assert!(again.is_ok(), "no poll after the socket came up");
}
