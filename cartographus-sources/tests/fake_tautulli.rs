//! The real `TautulliClient` against the fake Tautulli serving a world's history: the
//! import round trip (every row comes back as the event it was made from), the error
//! envelopes and status codes of a bad key or command, paging, ordering and filters,
//! and an import resumed after a failure. Also the world driving fake servers that the
//! real clients read.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use cartographus_core::{Platform, ServerId};
use cartographus_sources::client::{
    ClientConfig, ClientError, MediaBrowserClient, PlexClient, Secret, TautulliClient,
};
use cartographus_sources::fake::{
    drive, sessions_body, FakeServer, FakeTautulli, World, WorldConfig,
};
use cartographus_sources::tautulli::{
    self, HistoryQuery, HistoryRow, SortOrder, TautulliApiError, TautulliError,
};
use cartographus_sources::{emby, jellyfin, plex, RemoteSession};
use chrono::{DateTime, TimeZone, Utc};

const KEY: &str = "0123456789abcdef0123456789abcdef";

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 19, 30, 0).unwrap()
}

fn world() -> World {
    World::new(WorldConfig::new(21, epoch())).unwrap()
}

fn client(fake: &FakeTautulli, key: &str) -> TautulliClient {
    let mut c = ClientConfig::new(fake.base_url(), Secret::new(key));
    c.timeout = Duration::from_secs(5);
    TautulliClient::new(c).unwrap()
}

async fn import_all(
    client: &TautulliClient,
    server: &ServerId,
    query: HistoryQuery,
) -> Vec<HistoryRow> {
    let mut rows = Vec::new();
    client
        .import(query, server, |page, _| {
            rows.extend(page.rows.iter().cloned())
        })
        .await
        .unwrap();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_world_history_imports_back_as_it_was() {
    let w = world();
    let history = w.history(epoch(), 14);
    assert!(history.len() > 100, "{}", history.len());
    let fake = FakeTautulli::start(KEY, history.clone()).await.unwrap();
    let c = client(&fake, KEY);

    let info = c.server_info().await.unwrap();
    let plex = w
        .servers()
        .iter()
        .find(|s| s.platform == Platform::Plex)
        .unwrap();
    assert_eq!(info.server_id, plex.server_id);
    let users = c.users().await.unwrap();
    let expected: BTreeSet<String> = history
        .iter()
        .map(|e| e.user.external_id.to_string())
        .collect();
    let got: BTreeSet<String> = users
        .iter()
        .map(|u| u.account.external_id.to_string())
        .collect();
    assert_eq!(got, expected);

    let mut q = HistoryQuery::default();
    q.length = 100;
    let rows = import_all(&c, &info.server_id, q).await;
    assert_eq!(rows.len(), history.len());
    let row_of: BTreeMap<_, u64> = history
        .iter()
        .map(|e| {
            (
                e.event_id(),
                e.identity.session_key.as_str().parse().unwrap(),
            )
        })
        .collect();
    for (row, original) in rows.iter().zip(&history) {
        let mut decoded = row.event.clone();
        // The decoder reports the group as the row's `reference_id`, not on the event.
        decoded.identity.reference_id = original.identity.reference_id;
        assert_eq!(&decoded, original);
        let own = row_of[&original.event_id()];
        let reference = original.identity.reference_id.map_or(own, |r| row_of[&r]);
        assert_eq!(row.row_id, own);
        assert_eq!(row.reference_id, Some(reference));
    }
    assert!(
        rows.iter().any(|r| r.reference_id != Some(r.row_id)),
        "a resumed group came back"
    );
}

async fn raw(fake: &FakeTautulli, query: &str) -> (u16, serde_json::Value, Vec<u8>) {
    let url = format!("{}/api/v2?{query}", fake.base_url());
    let resp = reqwest::get(url).await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap().to_vec();
    (status, serde_json::from_slice(&bytes).unwrap(), bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_use_tautullis_envelopes_and_status_codes() {
    let fake = FakeTautulli::start(KEY, world().history(epoch(), 2))
        .await
        .unwrap();
    let server = ServerId::new(fake.server_id()).unwrap();

    let (status, body, bytes) = raw(&fake, "apikey=wrong&cmd=get_history").await;
    assert_eq!(status, 401);
    assert_eq!(body["response"]["result"], "error");
    assert!(matches!(
        tautulli::decode_history(&bytes, &server),
        Err(TautulliError::Api(TautulliApiError::InvalidApiKey))
    ));
    let (status, _, bytes) = raw(&fake, "cmd=get_history").await;
    assert_eq!(status, 401);
    assert!(matches!(
        tautulli::decode_users(&bytes),
        Err(TautulliError::Api(TautulliApiError::InvalidApiKey))
    ));
    let (status, _, bytes) = raw(&fake, &format!("apikey={KEY}&cmd=get_historyy")).await;
    assert_eq!(status, 400);
    assert!(matches!(
        tautulli::decode_server_info(&bytes),
        Err(TautulliError::Api(TautulliApiError::UnknownCommand))
    ));
    let (status, body, _) = raw(&fake, &format!("apikey={KEY}")).await;
    assert_eq!(status, 400);
    assert!(body["response"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Parameter cmd is required"));

    let err = client(&fake, "wrong").server_info().await.unwrap_err();
    assert!(
        matches!(err, ClientError::Unauthorized { status: 401 }),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_order_and_filters() {
    let history = world().history(epoch(), 7);
    let fake = FakeTautulli::start(KEY, history.clone()).await.unwrap();
    let server = ServerId::new(fake.server_id()).unwrap();
    let page = |query: String| {
        let fake = &fake;
        let server = server.clone();
        async move {
            let (status, _, bytes) =
                raw(fake, &format!("apikey={KEY}&cmd=get_history&{query}")).await;
            assert_eq!(status, 200);
            tautulli::decode_history(&bytes, &server).unwrap()
        }
    };
    // Tautulli's defaults: 25 rows, newest first.
    let first = page(String::new()).await;
    assert_eq!(first.rows.len(), 25);
    assert_eq!(first.records_total, Some(history.len() as u64));
    assert_eq!(
        first.rows[0].event.timing.started_at,
        history.last().unwrap().timing.started_at
    );
    let asc = page("order_dir=asc&start=10&length=5&draw=4".to_owned()).await;
    assert_eq!(asc.draw, Some(4));
    let expected: Vec<_> = history[10..15].iter().map(|e| e.event_id()).collect();
    let got: Vec<_> = asc.rows.iter().map(|r| r.event.event_id()).collect();
    assert_eq!(got, expected);

    let day = (epoch() - chrono::Duration::days(2)).date_naive();
    let after = page(format!("after={}&length=10000", day.format("%Y-%m-%d"))).await;
    let on_or_after = history
        .iter()
        .filter(|e| e.timing.started_at.date_naive() >= day)
        .count();
    assert_eq!(after.rows.len(), on_or_after);
    assert_eq!(after.records_filtered, Some(on_or_after as u64));

    let user = history[0].user.external_id.to_string();
    let mine = page(format!("user_id={user}&length=10000")).await;
    assert!(!mine.rows.is_empty());
    assert!(mine
        .rows
        .iter()
        .all(|r| r.event.user.external_id.as_str() == user));

    let grouped = page("grouping=1&length=10000".to_owned()).await;
    let groups: BTreeSet<_> = history
        .iter()
        .map(|e| e.identity.reference_id.unwrap_or(e.event_id()))
        .collect();
    assert_eq!(grouped.rows.len(), groups.len());
    assert!(grouped.rows.iter().any(|r| r.group_count == Some(2)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_resumes_after_a_failure() {
    let history = world().history(epoch(), 7);
    let fake = FakeTautulli::start(KEY, history.clone()).await.unwrap();
    let c = client(&fake, KEY);
    let server = ServerId::new(fake.server_id()).unwrap();
    let mut q = HistoryQuery::default();
    q.length = 40;
    q.order = SortOrder::Ascending;
    let mut rows: Vec<HistoryRow> = Vec::new();
    let mut resume_at = 0;
    let err = c
        .import(q.clone(), &server, |page, progress| {
            rows.extend(page.rows.iter().cloned());
            resume_at = progress.next_start;
            if rows.len() >= 80 {
                fake.fail_next(500, 1);
            }
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Status { status: 500 }),
        "{err:?}"
    );
    q.start = resume_at;
    let rest = import_all(&c, &server, q).await;
    rows.extend(rest);
    let ids: Vec<u64> = rows.iter().map(|r| r.row_id).collect();
    let unique: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(ids.len(), history.len(), "nothing lost");
    assert_eq!(unique.len(), ids.len(), "nothing twice");
}

fn decode(platform: Platform, body: &[u8]) -> Vec<RemoteSession> {
    match platform {
        Platform::Plex => plex::decode_sessions(body),
        Platform::Jellyfin => jellyfin::decode_sessions(body),
        Platform::Emby => emby::decode_sessions(body),
    }
    .unwrap()
}

fn config(url: String) -> ClientConfig {
    let mut c = ClientConfig::new(url, Secret::new("token"));
    c.timeout = Duration::from_secs(5);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_driver_keeps_fake_servers_in_step_with_the_world() {
    let w = world();
    let mut servers = Vec::new();
    for s in w.servers() {
        servers.push(
            FakeServer::start_as(s.platform, "token", s.server_id.as_str(), &s.name)
                .await
                .unwrap(),
        );
    }
    // A stopped clock: every tick shows the same moment of the world.
    let at = epoch() + chrono::Duration::minutes(3);
    let expected = w.step(at);
    assert!(expected.iter().map(|(_, s)| s.len()).sum::<usize>() >= 3);
    let driver = drive(&w, &servers, Duration::from_millis(50), || at);
    tokio::pin!(driver);
    // Run the driver until every server shows the world (the first tick is at once).
    let shown = async {
        while !servers
            .iter()
            .zip(&expected)
            .all(|(s, (_, e))| s.sessions() == *e)
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), async {
        tokio::select! {
            biased;
            () = &mut driver => unreachable!("the driver runs forever"),
            () = shown => {}
        }
    })
    .await
    .expect("the servers never showed the world");
    for (i, s) in w.servers().iter().enumerate() {
        let want: Vec<_> = RemoteSession::snapshots(&decode(
            s.platform,
            sessions_body(s.platform, &expected[i].1).as_bytes(),
        ));
        let got = match s.platform {
            Platform::Plex => {
                let c = PlexClient::new(config(servers[i].base_url())).unwrap();
                assert_eq!(c.identity().await.unwrap().server_id, s.server_id);
                c.sessions().await.unwrap()
            }
            _ => {
                let c = if s.platform == Platform::Jellyfin {
                    MediaBrowserClient::jellyfin(config(servers[i].base_url())).unwrap()
                } else {
                    MediaBrowserClient::emby(config(servers[i].base_url())).unwrap()
                };
                assert_eq!(c.identity().await.unwrap().server_id, s.server_id);
                let users: BTreeSet<String> = c
                    .users()
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|u| u.account.username)
                    .collect();
                let world_users: BTreeSet<String> = w
                    .users()
                    .into_iter()
                    .filter(|u| u.server == i)
                    .map(|u| u.username)
                    .collect();
                assert_eq!(users, world_users);
                c.sessions().await.unwrap()
            }
        };
        assert_eq!(RemoteSession::snapshots(&got), want, "{}", s.name);
    }
}
