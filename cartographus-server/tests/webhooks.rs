//! Webhooks: a real Plex multipart call with the right secret is accepted, a wrong or
//! missing secret is a 401, and a malformed payload is a 400 that changes nothing
//! already stored.

mod support;

use cartographus_server::app;
use cartographus_server::http::router;
use cartographus_server::pipeline::Input;
use cartographus_sources::fake::{World, WorldConfig};
use chrono::Utc;
use support::{eventually, get, local_config, serve};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../cartographus-sources/tests/fixtures"
);

async fn post(url: &str, content_type: &str, body: Vec<u8>) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_check_their_secret_and_refuse_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let config = local_config(
        dir.path(),
        &[
            ("WAL_ENABLED", "false".into()),
            ("ENABLE_PLEX_SYNC", "true".into()),
            // Nothing listens there: the source task retries in the background.
            ("PLEX_URL", "http://127.0.0.1:9".into()),
            ("PLEX_TOKEN", "tok".into()),
            ("PLEX_WEBHOOK_SECRET", "s3cret-value".into()),
        ],
    );
    let running = app::start(config, vec![]).await.unwrap();
    let base = serve(router(running.state.clone())).await;
    let now = Utc::now();
    let world = World::new(WorldConfig::new(3, now)).unwrap();
    let plays = world.past_plays(now, 3);
    running.pipeline.send(Input::Imported(plays), "test").await;
    assert!(
        eventually(|| async { get(&base, "/api/v1/stats").await.1["plays"].as_u64() > Some(0) })
            .await
    );
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    let (_, before) = get(&base, "/api/v1/stats").await;

    let ct = std::fs::read_to_string(format!("{FIXTURES}/plex/webhook-media.play.content-type"))
        .unwrap();
    let body = std::fs::read(format!("{FIXTURES}/plex/webhook-media.play.multipart")).unwrap();
    let url = format!("{base}/api/v1/webhooks/plex");
    assert_eq!(post(&url, ct.trim(), body.clone()).await, 401, "no secret");
    assert_eq!(
        post(&format!("{url}?secret=wrong"), ct.trim(), body.clone()).await,
        401
    );
    assert_eq!(
        post(
            &format!("{url}?secret=s3cret-value"),
            ct.trim(),
            body.clone()
        )
        .await,
        202
    );
    // Garbage: a truncated multipart body, JSON that is not a payload, nothing at all.
    let ok = format!("{url}?secret=s3cret-value");
    assert_eq!(
        post(&ok, ct.trim(), body[..body.len() / 2].to_vec()).await,
        400
    );
    assert_eq!(
        post(&ok, "application/json", b"{\"event\": 5}".to_vec()).await,
        400
    );
    assert_eq!(post(&ok, ct.trim(), Vec::new()).await, 400);
    // Jellyfin and Emby have no secret configured here: garbage is still a 400.
    assert_eq!(
        post(
            &format!("{base}/api/v1/webhooks/jellyfin"),
            "application/json",
            b"[1,2".to_vec()
        )
        .await,
        400
    );
    assert_eq!(
        post(
            &format!("{base}/api/v1/webhooks/emby"),
            "application/json",
            b"nope".to_vec()
        )
        .await,
        400
    );
    let jf = std::fs::read(format!("{FIXTURES}/jellyfin/webhook-playback-start.json")).unwrap();
    assert_eq!(
        post(
            &format!("{base}/api/v1/webhooks/jellyfin"),
            "application/json",
            jf
        )
        .await,
        202
    );

    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    let (_, after) = get(&base, "/api/v1/stats").await;
    assert_eq!(
        before["plays"], after["plays"],
        "a webhook call changed stored plays"
    );
    let _ = running.shutdown.send(true);
}
