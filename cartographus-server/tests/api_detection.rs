//! Detection settings and trust over HTTP: rules read back, an invalid value is refused
//! with the engine's message and changes nothing, a valid one takes effect; an admin's
//! trust adjustment changes the score, lands in the stored ledger with the admin's name.

mod support;

use cartographus_server::http::router;
use cartographus_server::{app, rules_file};
use serde_json::json;
use support::{eventually, get, local_config, serve};

async fn send(
    method: reqwest::Method,
    url: String,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .request(method, url)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_and_trust_are_read_validated_and_changed() {
    let dir = tempfile::tempdir().unwrap();
    let config = local_config(dir.path(), &[("WAL_ENABLED", "false".into())]);
    let running = app::start(config, vec![]).await.unwrap();
    let base = serve(router(running.state.clone())).await;

    let (status, rules) = get(&base, "/api/v1/detection/rules").await;
    assert_eq!(status, 200);
    assert_eq!(rules["rules"]["impossible_travel"]["max_speed_kmh"], 900.0);
    let url = format!("{base}/api/v1/detection/rules/impossible_travel");
    let (status, body) = send(
        reqwest::Method::PUT,
        url.clone(),
        json!({"max_speed_kmh": -5}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("max_speed_kmh"),
        "{body}"
    );
    let (status, body) = send(reqwest::Method::PUT, url.clone(), json!({"colour": 1})).await;
    assert_eq!(status, 400, "{body}");
    let (_, rule) = get(&base, "/api/v1/detection/rules/impossible_travel").await;
    assert_eq!(
        rule["max_speed_kmh"], 900.0,
        "a refused change changed nothing"
    );
    let (status, rule) = send(reqwest::Method::PUT, url, json!({"max_speed_kmh": 700.0})).await;
    assert_eq!(status, 200, "{rule}");
    assert_eq!(rule["max_speed_kmh"], 700.0);
    let (_, rule) = get(&base, "/api/v1/detection/rules/impossible_travel").await;
    assert_eq!(rule["max_speed_kmh"], 700.0);
    let (status, body) = get(&base, "/api/v1/detection/rules/teleport").await;
    assert_eq!((status, body["parameter"].as_str()), (400, Some("rule")));

    // Trust: an adjustment, then the ledger.
    let trust_url = format!("{base}/api/v1/detection/trust/42");
    let (status, body) = send(
        reqwest::Method::POST,
        trust_url.clone(),
        json!({"action": "adjust", "delta": -30}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["score"]["score"], 70);
    let (status, _) = send(
        reqwest::Method::POST,
        trust_url.clone(),
        json!({"action": "adjust", "delta": -300}),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = send(
        reqwest::Method::POST,
        trust_url.clone(),
        json!({"action": "teleport"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        eventually(|| async {
            let (_, t) = get(&base, "/api/v1/detection/trust/42").await;
            t["ledger"].as_array().is_some_and(|l| !l.is_empty())
        })
        .await,
        "the adjustment never reached the stored ledger"
    );
    let (_, t) = get(&base, "/api/v1/detection/trust/42").await;
    assert_eq!(t["score"]["score"], 70);
    assert_eq!(t["ledger"][0]["change"]["actor"], "local", "{t}");
    let (_, all) = get(&base, "/api/v1/detection/trust").await;
    assert!(
        all.as_array().unwrap().iter().any(|s| s["score"] == 70),
        "{all}"
    );
    let _ = running.shutdown.send(true);

    // The change was kept next to the store, and a server started on such a file uses it.
    let saved = rules_file::path_for(&dir.path().join("c.duckdb"));
    let kept = rules_file::load(&saved)
        .unwrap()
        .expect("the change was saved");
    let raw = json!(kept.to_raw());
    assert_eq!(raw["rules"]["impossible_travel"]["max_speed_kmh"], 700.0);
    let other = tempfile::tempdir().unwrap();
    let db = other.path().join("c.duckdb");
    std::fs::copy(&saved, rules_file::path_for(&db)).unwrap();
    let config = local_config(db.parent().unwrap(), &[("WAL_ENABLED", "false".into())]);
    let restarted = app::start(config, vec![]).await.unwrap();
    let base = serve(router(restarted.state.clone())).await;
    let (_, rule) = get(&base, "/api/v1/detection/rules/impossible_travel").await;
    assert_eq!(rule["max_speed_kmh"], 700.0, "the saved settings are used");
    let _ = restarted.shutdown.send(true);

    // A damaged file stops the start with an error naming it.
    let third = tempfile::tempdir().unwrap();
    let db = third.path().join("c.duckdb");
    std::fs::write(rules_file::path_for(&db), "{ damaged").unwrap();
    let config = local_config(db.parent().unwrap(), &[("WAL_ENABLED", "false".into())]);
    let Err(e) = app::start(config, vec![]).await else {
        panic!("a damaged settings file was ignored");
    };
    assert!(e.to_string().contains("c.rules.json"), "{e}");
}
