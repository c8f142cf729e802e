//! Data routes: playbacks (cursor pagination over every filter), one playback, the
//! filter dropdown values, what is playing now, stream termination, and detection
//! alerts (list, acknowledge).

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use cartographus_core::EventId;
use cartographus_store::{AlertId, AlertQuery, Cursor, Dimension, PageRequest};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use super::analytics::read;
use super::error::ApiError;
use super::params;
use super::AppState;
use crate::auth::Principal;
use crate::pipeline::WriteOp;

type Params = Query<BTreeMap<String, String>>;

/// `GET /api/v1/playbacks`: newest first, `limit` (1–1,000, default 100) and `cursor`
/// (from the previous page's `next`), plus every filter parameter.
pub(super) async fn playbacks(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Value>, ApiError> {
    let filter = params::filter(&p, &["limit", "cursor"], Utc::now())?;
    let limit = params::int(&p, "limit", 100u32, 1, 1_000)?;
    let cursor = match p.get("cursor") {
        Some(c) => Some(
            c.parse::<Cursor>()
                .map_err(|_| ApiError::param("cursor", "not a cursor from a previous page"))?,
        ),
        None => None,
    };
    let request = PageRequest::new(filter, limit).after(cursor);
    let Json(page) = read(&state, move |r| r.playbacks(&request)).await?;
    Ok(Json(json!({ "items": page.items, "next": page.next })))
}

/// `GET /api/v1/playbacks/{id}`.
pub(super) async fn playback(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: EventId = id
        .parse()
        .map_err(|_| ApiError::param("id", "not an event id (UUID)"))?;
    let Json(found) = read(&state, move |r| r.playback(id)).await?;
    found.map(|e| Json(json!(e))).ok_or(ApiError::NotFound)
}

/// `GET /api/v1/filters`: the distinct values of every dimension (most played first),
/// under the same filter parameters.
pub(super) async fn filters(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Value>, ApiError> {
    let filter = params::filter(&p, &["limit"], Utc::now())?;
    let limit = params::int(&p, "limit", 200u32, 1, 10_000)?;
    let Json(values) = read(&state, move |r| {
        let mut out = serde_json::Map::new();
        for d in Dimension::ALL {
            let name = serde_json::to_value(d)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            out.insert(name, json!(r.distinct_values(*d, &filter, limit)?));
        }
        Ok(Value::Object(out))
    })
    .await?;
    Ok(Json(values))
}

/// `GET /api/v1/sessions/live`: what is playing now, per server.
pub(super) async fn live(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let pipeline = state
        .pipeline
        .as_ref()
        .ok_or_else(|| ApiError::Unavailable("ingestion is not running".into()))?;
    let sessions = pipeline.live().await;
    Ok(Json(json!({ "sessions": sessions })))
}

/// The body of a termination.
#[derive(Debug, Deserialize)]
pub(super) struct TerminateBody {
    #[serde(default)]
    message: Option<String>,
}

/// `POST /api/v1/sessions/{event_id}/terminate` (admin): stops the live play with this
/// event id on its media server, with a message to the viewer.
pub(super) async fn terminate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Option<Json<TerminateBody>>,
) -> Result<Json<Value>, ApiError> {
    let id: EventId = id
        .parse()
        .map_err(|_| ApiError::param("id", "not an event id (UUID)"))?;
    let pipeline = state
        .pipeline
        .as_ref()
        .ok_or_else(|| ApiError::Unavailable("ingestion is not running".into()))?;
    let live = pipeline.live().await;
    let session = live
        .into_iter()
        .find(|s| s.event.event_id() == id)
        .ok_or(ApiError::NotFound)?;
    let message = body
        .and_then(|Json(b)| b.message)
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| "This stream was stopped by the server's administrator.".into());
    if message.len() > 500 {
        return Err(ApiError::param("message", "at most 500 bytes"));
    }
    pipeline
        .terminate(
            session.event.identity.server_id.clone(),
            session.event.identity.session_key.clone(),
            message,
        )
        .await
        .map_err(ApiError::Unavailable)?;
    Ok(Json(json!({ "terminated": id })))
}

/// `GET /api/v1/detection/alerts`: filter by `rules`, `severities`, `users`, `servers`,
/// `acknowledged`, `start`/`end`; paged with `limit` and `after`.
pub(super) async fn alerts(
    State(state): State<AppState>,
    Query(p): Params,
) -> Result<Json<Value>, ApiError> {
    let mut q = AlertQuery::default();
    for (k, v) in &p {
        let items = || v.split(',').map(str::trim).filter(|s| !s.is_empty());
        match k.as_str() {
            "rules" => {
                q.rules = items()
                    .map(|s| {
                        s.parse()
                            .map_err(|_| ApiError::param(k, format!("{s:?} is not a rule")))
                    })
                    .collect::<Result<_, _>>()?
            }
            "severities" => {
                q.severities = items()
                    .map(|s| {
                        serde_json::from_value(json!(s)).map_err(|_| {
                            ApiError::param(k, format!("{s:?} is not info, warning or critical"))
                        })
                    })
                    .collect::<Result<_, _>>()?
            }
            "users" => {
                q.users = items()
                    .map(|s| {
                        s.parse()
                            .map_err(|_| ApiError::param(k, format!("{s:?} is not a user id")))
                    })
                    .collect::<Result<_, _>>()?
            }
            "servers" => {
                q.servers = items()
                    .map(|s| {
                        s.parse()
                            .map_err(|_| ApiError::param(k, format!("{s:?} is not a server id")))
                    })
                    .collect::<Result<_, _>>()?
            }
            "acknowledged" => {
                q.acknowledged = Some(match v.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(ApiError::param(k, "expected true or false")),
                })
            }
            "start" => q.start = Some(params::date(k, v)?),
            "end" => q.end = Some(params::date(k, v)?),
            "limit" => q.limit = params::int(&p, "limit", 100u32, 1, 1_000)?,
            "after" => {
                q.after = Some(
                    serde_json::from_str(v)
                        .map_err(|_| ApiError::param(k, "not a cursor from a previous page"))?,
                )
            }
            other => return Err(ApiError::param(other, "unknown parameter")),
        }
    }
    let Json(page) = read(&state, move |r| r.alerts(&q)).await?;
    let next = page
        .next
        .map(|c| serde_json::to_string(&c).unwrap_or_default());
    Ok(Json(json!({ "items": page.items, "next": next })))
}

/// `POST /api/v1/detection/alerts/{id}/acknowledge` (admin).
pub(super) async fn acknowledge(
    State(state): State<AppState>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: AlertId = id
        .parse()
        .map_err(|_| ApiError::param("id", "not an alert id (UUID)"))?;
    let writer = state
        .writer
        .as_ref()
        .ok_or_else(|| ApiError::Unavailable("the store is not open".into()))?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let by = who.name.clone();
    let op = WriteOp::Exec(Box::new(move |store| {
        let _ = tx.send(
            store
                .acknowledge_alert(id, &by, Utc::now())
                .map_err(|e| e.to_string()),
        );
    }));
    writer.send(op, "api").await;
    match rx.await {
        Ok(Ok(true)) => Ok(Json(json!({ "acknowledged": id, "by": who.name }))),
        Ok(Ok(false)) => Err(ApiError::NotFound),
        Ok(Err(e)) => Err(ApiError::internal(e)),
        Err(_) => Err(ApiError::Unavailable("the store writer stopped".into())),
    }
}
