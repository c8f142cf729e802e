//! Exports, backups and the Tautulli import through the real router over a simulated
//! month: the CSV parses as RFC 4180 with one row per play, Parquet and GeoJSON are
//! what they claim, a backup is listed, validated, refused once tampered with and
//! restored into a new file with the same plays, a Tautulli database imports through
//! the store writer with progress on `/import/status` and the hub, and bad input
//! (names, files, roles) gets a 4xx that changes nothing.

mod support;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use cartographus_server::app;
use cartographus_server::auth::{Authenticator, Role};
use cartographus_server::demo::world_overrides;
use cartographus_server::http::router;
use cartographus_server::pipeline::Input;
use cartographus_server::ratelimit::{Limits, RateLimiter};
use cartographus_sources::fake::{World, WorldConfig};
use chrono::{TimeZone, Utc};
use futures_util::StreamExt;
use serde_json::{json, Value};
use support::{config_from, eventually, get, local_config, serve};
use tokio_tungstenite::tungstenite::Message;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/tautulli-small.db"
);

/// A minimal RFC 4180 reader: quoted fields with doubled quotes, CRLF records.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                assert!(field.is_empty(), "a quote inside an unquoted field");
                quoted = true;
            }
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            '\n' => panic!("a bare LF ends a record"),
            _ => field.push(c),
        }
    }
    assert!(!quoted, "an unterminated quoted field");
    assert!(
        field.is_empty() && row.is_empty(),
        "the last record has no CRLF"
    );
    rows
}

async fn bytes(base: &str, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = reqwest::get(format!("{base}{path}")).await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

async fn post(base: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new().post(format!("{base}{path}"));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn upload(base: &str, file: &[u8], server_id: &str) -> (u16, Value) {
    let boundary = "cartographus-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"server_id\"\r\n\r\n{server_id}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"tautulli.db\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/v1/import/tautulli"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn plays(base: &str) -> u64 {
    get(base, "/api/v1/stats").await.1["plays"]
        .as_u64()
        .unwrap()
}

/// Waits until the import is no longer running; returns its status.
async fn import_finished(base: &str) -> Value {
    for _ in 0..150 {
        let (status, body) = get(base, "/api/v1/import/status").await;
        assert_eq!(status, 200);
        if body["running"] == false && body["state"] != "idle" {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the import never finished");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_backups_and_imports() {
    let now = Utc.with_ymd_and_hms(2026, 3, 20, 12, 0, 0).unwrap();
    let world = World::new(WorldConfig::new(5, now)).unwrap();
    let past = world.past_plays(now, 14);
    assert!(past.len() > 50);
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("c.duckdb");
    let backups = dir.path().join("backups");
    let mut config = local_config(
        dir.path(),
        &[
            ("BACKUP_DIR", backups.display().to_string()),
            ("WAL_ENABLED", "false".into()),
        ],
    );
    config.max_upload_bytes = 40_000;
    let running = app::start(config, world_overrides(&world)).await.unwrap();
    // Exports and backups are limited to 10 a minute per client; this test makes more.
    let mut limits = Limits::default();
    limits.export = 1_000;
    let mut state = running.state.clone();
    state.limiter = Arc::new(RateLimiter::new(limits));
    let base = serve(router(state.clone())).await;
    running.pipeline.send(Input::Imported(past), "test").await;
    let mut last = 0;
    let mut settled = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(1_300)).await;
        let n = plays(&base).await;
        if n > 0 && n == last {
            settled = true;
            break;
        }
        last = n;
    }
    assert!(settled, "the plays never settled");
    let total = plays(&base).await;

    // CSV: a header, one RFC 4180 record per play, as an attachment.
    let (status, headers, body) = bytes(&base, "/api/v1/export/playbacks.csv").await;
    assert_eq!(status, 200);
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let records = parse_csv(std::str::from_utf8(&body).unwrap());
    assert_eq!(
        records.len() as u64,
        total + 1,
        "header plus one row per play"
    );
    let width = records[0].len();
    assert!(
        records[0].iter().any(|h| h == "event_id"),
        "{:?}",
        records[0]
    );
    assert!(records.iter().all(|r| r.len() == width), "ragged CSV");
    // A filter narrows it; a bad parameter is a 400 naming it.
    let (_, _, narrow) = bytes(&base, "/api/v1/export/playbacks.csv?media_types=movie").await;
    let narrow_rows = parse_csv(std::str::from_utf8(&narrow).unwrap()).len() as u64 - 1;
    assert!(narrow_rows < total, "{narrow_rows} of {total}");
    let (status, err) = get(&base, "/api/v1/export/playbacks.csv?colour=red").await;
    assert_eq!((status, err["parameter"].as_str()), (400, Some("colour")));

    // Parquet and GeoParquet.
    for path in [
        "/api/v1/export/playbacks.parquet",
        "/api/v1/export/playbacks.parquet?geo=true",
    ] {
        let (status, headers, body) = bytes(&base, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;"));
        assert!(body.len() > 8 && body.starts_with(b"PAR1") && body.ends_with(b"PAR1"));
        let has_geo = body.windows(8).any(|w| w == b"geometry");
        assert_eq!(has_geo, path.ends_with("geo=true"), "{path}");
    }
    let (status, _) = get(&base, "/api/v1/export/playbacks.parquet?geo=maybe").await;
    assert_eq!(status, 400);
    let leftovers = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("cartographus-export-")
        })
        .count();
    assert_eq!(leftovers, 0, "temporary Parquet files were left behind");

    // GeoJSON.
    let (status, _, body) = bytes(&base, "/api/v1/export/locations.geojson").await;
    assert_eq!(status, 200);
    let fc: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(fc["type"], "FeatureCollection");
    let features = fc["features"].as_array().unwrap();
    assert!(!features.is_empty());
    assert_eq!(features[0]["geometry"]["type"], "Point");

    // Backup: create, list, validate, download.
    let (status, made) = post(&base, "/api/v1/backup", None).await;
    assert_eq!(status, 201, "{made}");
    let name = made["name"].as_str().unwrap().to_owned();
    assert!(made["retention"]["kept"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n == &json!(name)));
    let (status, list) = get(&base, "/api/v1/backup").await;
    assert_eq!(status, 200);
    let listed = list["backups"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["name"], json!(name));
    assert!(listed[0].get("path").is_none(), "server paths stay private");
    let (status, valid) = post(&base, &format!("/api/v1/backup/{name}/validate"), None).await;
    assert_eq!((status, &valid["valid"]), (200, &json!(true)), "{valid}");
    let (status, headers, tgz) = bytes(&base, &format!("/api/v1/backup/{name}/download")).await;
    assert_eq!(status, 200);
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".tar.gz"));
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&tgz[..]));
    let mut entries = Vec::new();
    for e in tar.entries().unwrap() {
        let mut e = e.unwrap();
        let p = e.path().unwrap().display().to_string();
        let mut content = Vec::new();
        e.read_to_end(&mut content).unwrap();
        entries.push((p, content));
    }
    let manifest = entries
        .iter()
        .find(|(p, _)| p == &format!("{name}/manifest.json"))
        .expect("the archive holds the manifest");
    let manifest: Value = serde_json::from_slice(&manifest.1).unwrap();
    assert_eq!(manifest, made["manifest"]);

    // Restore into a new file beside the store: the same plays.
    let (status, restored) = post(&base, &format!("/api/v1/backup/{name}/restore"), None).await;
    assert_eq!(status, 201, "{restored}");
    assert_eq!(restored["restart_required"], true);
    let restored_path = Path::new(restored["path"].as_str().unwrap()).to_owned();
    assert_eq!(restored_path.parent(), store_path.parent());
    assert_ne!(restored_path, store_path);
    let events = restored["report"]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "playback_events")
        .unwrap()["rows"]
        .as_u64();
    assert_eq!(events, Some(total));
    let copy =
        cartographus_store::Store::open(cartographus_store::StoreConfig::file(&restored_path))
            .unwrap();
    let reader = copy.new_reader().unwrap();
    let overview = reader
        .overview(
            &cartographus_store::Filter::all(),
            cartographus_store::Accuracy::Exact,
        )
        .unwrap();
    assert_eq!(json!(overview)["plays"].as_u64(), Some(total));
    drop((reader, copy));

    // Tampering is refused, by validate and by restore.
    let parquet = std::fs::read_dir(backups.join(&name))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "parquet"))
        .unwrap();
    let mut data = std::fs::read(&parquet).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0xff;
    std::fs::write(&parquet, data).unwrap();
    let (status, err) = post(&base, &format!("/api/v1/backup/{name}/validate"), None).await;
    assert_eq!(status, 422, "{err}");
    assert!(
        err["error"].as_str().unwrap().contains("was modified"),
        "{err}"
    );
    let (status, _) = post(&base, &format!("/api/v1/backup/{name}/restore"), None).await;
    assert_eq!(status, 422);
    // Bad names never reach the file system.
    for (path, want) in [
        ("/api/v1/backup/..%2F..%2Fetc/validate", 400),
        ("/api/v1/backup/x.y/validate", 400),
        ("/api/v1/backup/nope/validate", 404),
        ("/api/v1/backup/nope/restore", 404),
    ] {
        assert_eq!(post(&base, path, None).await.0, want, "{path}");
    }
    assert_eq!(bytes(&base, "/api/v1/backup/..%2Fc/download").await.0, 400);

    // Tautulli import by path, with progress on the hub and /import/status.
    let (status, idle) = get(&base, "/api/v1/import/status").await;
    assert_eq!((status, &idle["state"]), (200, &json!("idle")));
    let ws_url = base.replace("http://", "ws://") + "/ws";
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();
    let db = dir.path().join("tautulli.db");
    std::fs::copy(FIXTURE, &db).unwrap();
    let (status, started) = post(
        &base,
        "/api/v1/import/tautulli",
        Some(json!({ "path": db.display().to_string(), "server_id": "plex-main" })),
    )
    .await;
    assert_eq!(status, 202, "{started}");
    assert_eq!(started["server_id"], "plex-main");
    let done = import_finished(&base).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(
        (done["read"].as_u64(), done["total"].as_u64()),
        (Some(12), Some(12))
    );
    assert_eq!(done["inserted"].as_u64(), Some(11), "{done}");
    assert_eq!(done["skipped"].as_u64(), Some(1), "{done}");
    let mut progress_seen = false;
    for _ in 0..50 {
        let Ok(Some(Ok(Message::Text(t)))) =
            tokio::time::timeout(Duration::from_secs(5), ws.next()).await
        else {
            break;
        };
        if t.contains("\"type\":\"import_progress\"") && t.contains("\"state\":\"done\"") {
            progress_seen = true;
            break;
        }
    }
    assert!(progress_seen, "no import_progress message on the hub");
    let with_import = total + 11;
    assert!(
        eventually(|| async { plays(&base).await == with_import }).await,
        "the imported plays are not in /stats"
    );
    // Importing it again adds nothing (it resumes after the last row).
    let (status, _) = post(
        &base,
        "/api/v1/import/tautulli",
        Some(json!({ "path": db.display().to_string(), "server_id": "plex-main" })),
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(import_finished(&base).await["inserted"].as_u64(), Some(0));

    // An upload of the same file for another server, within max_upload_bytes.
    let fixture = std::fs::read(FIXTURE).unwrap();
    let (status, body) = upload(&base, &fixture, "plex-other").await;
    assert_eq!(status, 202, "{body}");
    let done = import_finished(&base).await;
    assert_eq!(
        (done["state"].as_str(), done["read"].as_u64()),
        (Some("done"), Some(12))
    );
    assert!(
        std::fs::read_dir(dir.path().join("imports"))
            .unwrap()
            .next()
            .is_none(),
        "the upload was not deleted"
    );
    let after_upload = plays(&base).await;

    // Bad imports: 4xx, nothing stored.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not a database at all, just some text").unwrap();
    let truncated = dir.path().join("truncated.db");
    std::fs::write(&truncated, &fixture[..4096]).unwrap();
    let cases = [
        (
            json!({ "path": "/nonexistent/tautulli.db", "server_id": "p" }),
            400,
        ),
        (
            json!({ "path": junk.display().to_string(), "server_id": "p" }),
            400,
        ),
        (
            json!({ "path": truncated.display().to_string(), "server_id": "p" }),
            422,
        ),
        (json!({ "path": db.display().to_string() }), 400),
        (
            json!({ "path": db.display().to_string(), "server_id": "" }),
            400,
        ),
        (json!({ "file": "x" }), 400),
    ];
    for (body, want) in cases {
        let (status, err) = post(&base, "/api/v1/import/tautulli", Some(body.clone())).await;
        assert_eq!(status, want, "{body}: {err}");
        assert!(err["error"].is_string(), "{err}");
    }
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/v1/import/tautulli"))
        .body("path=/x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 415);
    let (status, _) = upload(&base, &vec![0u8; 50_000], "plex-big").await;
    assert_eq!(status, 413);
    let (status, _) = upload(&base, b"not sqlite", "plex-bad").await;
    assert_eq!(status, 400);
    assert_eq!(import_finished(&base).await["state"], "failed");
    assert_eq!(
        plays(&base).await,
        after_upload,
        "a refused import stored something"
    );

    // Roles: a viewer may export and read the import status, nothing else here.
    let jwt = config_from(&[
        ("AUTH_MODE", "jwt".into()),
        ("JWT_SECRET", "0123456789abcdef0123456789abcdef".into()),
        ("ADMIN_PASSWORD", "pw".into()),
    ]);
    state.auth = Arc::new(Authenticator::new(&jwt.auth).unwrap());
    let (viewer, _) = state.auth.create_api_token("v", Role::Viewer, Utc::now());
    let guarded = serve(router(state)).await;
    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str| {
        client
            .request(method, format!("{guarded}{path}"))
            .bearer_auth(&viewer)
            .header("content-type", "application/json")
            .body(format!(
                "{{\"path\": \"{}\", \"server_id\": \"p\"}}",
                db.display()
            ))
    };
    use reqwest::Method;
    for (method, path, want) in [
        (Method::GET, "/api/v1/export/playbacks.csv".to_owned(), 200),
        (Method::GET, "/api/v1/import/status".to_owned(), 200),
        (Method::GET, "/api/v1/backup".to_owned(), 403),
        (Method::POST, "/api/v1/backup".to_owned(), 403),
        (Method::GET, format!("/api/v1/backup/{name}/download"), 403),
        (Method::POST, format!("/api/v1/backup/{name}/restore"), 403),
        (Method::POST, "/api/v1/import/tautulli".to_owned(), 403),
    ] {
        let status = call(method.clone(), &path).send().await.unwrap().status();
        assert_eq!(status.as_u16(), want, "{method} {path}");
    }
    let anonymous = reqwest::get(format!("{guarded}/api/v1/export/playbacks.csv"))
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    assert_eq!(plays(&base).await, after_upload);
    let (_, list) = get(&base, "/api/v1/backup").await;
    assert_eq!(list["backups"].as_array().unwrap().len(), 1);
}
