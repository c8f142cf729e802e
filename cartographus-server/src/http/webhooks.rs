//! Media-server webhooks: `POST /webhooks/plex` (multipart, as Plex sends it),
//! `/webhooks/jellyfin` (the webhook plugin's JSON) and `/webhooks/emby` (JSON or
//! multipart). They skip login (media servers cannot log in) and use their own shared
//! secret instead: when any configured server of that kind has `webhook_secret`, the
//! call must carry it as `?secret=` or an `X-Webhook-Secret` header. A payload that does
//! not decode is a 400 and changes nothing; a valid one becomes a session notification
//! for the pipeline, like a WebSocket push.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use cartographus_core::Platform;
use cartographus_sources::WebhookEvent;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::AppState;
use crate::pipeline::Input;

/// The webhook routes, to merge into `/api/v1`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks/plex", post(plex))
        .route("/webhooks/jellyfin", post(jellyfin))
        .route("/webhooks/emby", post(emby))
}

/// Compares secrets in time independent of where they differ (hashes first, so the
/// lengths leak nothing either).
fn same_secret(a: &str, b: &str) -> bool {
    let (x, y) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}

fn check_secret(
    state: &AppState,
    platform: Platform,
    query: &BTreeMap<String, String>,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let secrets: Vec<&str> = state
        .config
        .servers
        .iter()
        .filter(|s| s.platform == platform)
        .filter_map(|s| s.webhook_secret.as_ref().map(|x| x.expose()))
        .collect();
    if secrets.is_empty() {
        return Ok(());
    }
    let given = query.get("secret").map(String::as_str).or_else(|| {
        headers
            .get("x-webhook-secret")
            .and_then(|v| v.to_str().ok())
    });
    match given {
        Some(g) if secrets.iter().any(|s| same_secret(s, g)) => Ok(()),
        _ => Err(ApiError::Unauthorized),
    }
}

async fn accept(
    state: &AppState,
    platform: Platform,
    decoded: Result<WebhookEvent, cartographus_sources::DecodeError>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let event = decoded.map_err(|e| ApiError::BadRequest(format!("undecodable webhook: {e}")))?;
    let (Some(server), Some(notification)) = (event.server_id, event.notification) else {
        // A library or server event: nothing to track.
        return Ok((StatusCode::ACCEPTED, Json(json!({ "tracked": false }))));
    };
    let pipeline = state
        .pipeline
        .as_ref()
        .ok_or_else(|| ApiError::Unavailable("the pipeline is not running".into()))?;
    let sent = pipeline
        .send(
            Input::Notification {
                server,
                notification: Box::new(notification),
            },
            platform.as_str(),
        )
        .await;
    if !sent {
        return Err(ApiError::Unavailable("the pipeline is not running".into()));
    }
    Ok((StatusCode::ACCEPTED, Json(json!({ "tracked": true }))))
}

fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

/// `POST /api/v1/webhooks/plex`: Plex's `multipart/form-data` with a `payload` part.
async fn plex(
    State(state): State<AppState>,
    Query(q): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_secret(&state, Platform::Plex, &q, &headers)?;
    let ct = content_type(&headers).unwrap_or_default();
    let decoded = cartographus_sources::plex::decode_webhook(ct, &body);
    accept(&state, Platform::Plex, decoded).await
}

/// `POST /api/v1/webhooks/jellyfin`: the Jellyfin webhook plugin's JSON.
async fn jellyfin(
    State(state): State<AppState>,
    Query(q): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_secret(&state, Platform::Jellyfin, &q, &headers)?;
    let decoded = cartographus_sources::jellyfin::decode_webhook(&body);
    accept(&state, Platform::Jellyfin, decoded).await
}

/// `POST /api/v1/webhooks/emby`: Emby's JSON (4.9) or multipart with a `data` part.
async fn emby(
    State(state): State<AppState>,
    Query(q): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    check_secret(&state, Platform::Emby, &q, &headers)?;
    let decoded = cartographus_sources::emby::decode_webhook(content_type(&headers), &body);
    accept(&state, Platform::Emby, decoded).await
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "x"));
    }
}
