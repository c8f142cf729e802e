//! `/health/nats` (public, like every health route: stream size and consumer lag, 404
//! when NATS is off, 503 when it does not answer), and the write-ahead log and the
//! dead-letter queue (admin only): `/wal/status` (pending,
//! failing and dead entries, file size, lease), `/dlq` (the store's `failed_events`:
//! plays the WAL gave up on after its TTL, invalid events refused at ingest, NATS
//! messages past their delivery limit) and `/dlq/{id}/retry` (ingest a dead letter's
//! play again through the single writer).

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Value};

use super::error::ApiError;
use super::params;
use super::AppState;
use crate::pipeline::WriteOp;

/// The routes of this module, relative to `/api/v1`.
pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/health/nats", get(nats_health))
        .route("/wal/status", get(wal_status))
        .route("/dlq", get(dead_letters))
        .route("/dlq/{id}/retry", post(retry))
}

/// `GET /api/v1/health/nats`.
async fn nats_health(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    #[cfg(feature = "nats")]
    if let Some(nats) = &state.nats {
        let health = tokio::time::timeout(std::time::Duration::from_secs(5), nats.health())
            .await
            .map_err(|_| ApiError::Unavailable("NATS did not answer within 5 s".into()))?
            .map_err(|e| ApiError::Unavailable(format!("NATS: {e}")))?;
        return Ok(Json(
            serde_json::to_value(health).map_err(ApiError::internal)?,
        ));
    }
    let _ = &state;
    Err(ApiError::NotFound)
}

/// `GET /api/v1/wal/status`: `{"enabled": false}` without a WAL, else its counts.
async fn wal_status(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    #[cfg(feature = "wal")]
    if let Some(wal) = state.journal.handle().cloned() {
        let status = tokio::task::spawn_blocking(move || wal.status(Utc::now()))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?;
        let mut body = serde_json::to_value(status).map_err(ApiError::internal)?;
        body["enabled"] = json!(true);
        return Ok(Json(body));
    }
    let _ = &state;
    Ok(Json(json!({ "enabled": false })))
}

/// `GET /api/v1/dlq?after=&limit=&unresolved=`: dead letters oldest first, paged by
/// `next` (the last id); `unresolved=false` includes those a retry already stored.
async fn dead_letters(
    State(state): State<AppState>,
    Query(p): Query<BTreeMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    if let Some(other) = p
        .keys()
        .find(|k| !matches!(k.as_str(), "after" | "limit" | "unresolved"))
    {
        return Err(ApiError::param(other, "unknown parameter"));
    }
    let after = params::int(&p, "after", 0i64, 0, i64::MAX)?;
    let limit = params::int(&p, "limit", 100u32, 1, 1_000)?;
    let unresolved = match p.get("unresolved").map(|v| v.trim()) {
        None | Some("true") => true,
        Some("false") => false,
        Some(_) => return Err(ApiError::param("unresolved", "is not true or false")),
    };
    let items = super::with_reader(&state, move |r| r.failed_events(unresolved, after, limit))
        .await?
        .map_err(ApiError::internal)?;
    let next = (items.len() == limit as usize)
        .then(|| items.last().map(|f| f.failed_id))
        .flatten();
    Ok(Json(json!({ "items": items, "next": next })))
}

/// `POST /api/v1/dlq/{id}/retry`: ingests the letter's play; 404 when there is no such
/// unresolved letter (or its payload is not a play).
async fn retry(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: i64 = id
        .trim()
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::param("id", "not a dead-letter id"))?;
    let writer = state
        .writer
        .as_ref()
        .ok_or_else(|| ApiError::Unavailable("the store is not open".into()))?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let op = WriteOp::Exec(Box::new(move |store| {
        let _ = tx.send(
            store
                .retry_failed(id, Utc::now())
                .map_err(|e| e.to_string()),
        );
    }));
    writer.send(op, "api").await;
    match rx.await {
        Ok(Ok(Some(report))) => Ok(Json(json!({
            "retried": id,
            "stored": report.inserted,
            "duplicates": report.dropped.len(),
            "resolved": report.failed.is_empty(),
        }))),
        Ok(Ok(None)) => Err(ApiError::NotFound),
        Ok(Err(e)) => Err(ApiError::internal(e)),
        Err(_) => Err(ApiError::Unavailable("the store writer stopped".into())),
    }
}
